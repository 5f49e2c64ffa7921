"""End-to-end tests of noxnb.download and noxnb.real: downloaders against the local mock APIs (resume, checksum, auth), the CLIs, bad input."""
import io, contextlib, zipfile
from pathlib import Path
import numpy as np, pandas as pd, pytest, xarray as xr
from noxnb.core import NoxnbError, M_NO2, R_EARTH
from noxnb import download, real
from noxnb.testing import MockDataServer

NAME = "S5P_OFFL_L2__NO2____20210725T110000_20210725T124000_19594_02_020200_20210801T000000.nc"

def test_download_cli_s5p_resume_and_checksum(tmp_path, monkeypatch):
    "Two products over two pages; one transfer is cut twice and resumed; a corrupt one is rejected and leaves nothing."
    monkeypatch.setenv("CDSE_USERNAME", "user"); monkeypatch.setenv("CDSE_PASSWORD", "secret")
    with MockDataServer(page_size=1) as srv:
        good = srv.add_product(NAME, bytes(range(256)) * 2000, "2021-07-25T11:00:00.000Z")
        srv.drop_after[good] = 150_000
        args = ["s5p", "--date", "2021-07-25", "--region=-25,-22,26,29", "--out", str(tmp_path),
                "--catalogue", srv.urls["catalogue"], "--token-url", srv.urls["token_url"]]
        assert download.download_cli(args) == 0
        assert (tmp_path / NAME).read_bytes() == bytes(range(256)) * 2000
        ranges = [h.get("Range") for m, p, h in srv.log if good in p]
        assert ranges[0] is None and ranges[1].startswith("bytes=") and len(ranges) == 2
        srv.add_product(NAME.replace("T110000", "T130000"), b"x" * 999, "2021-07-25T13:00:00.000Z", bad_checksum=True)
        with pytest.raises(NoxnbError, match="checksum"): download.download_cli(args)
        assert sorted(p.name for p in tmp_path.iterdir()) == [NAME]
        n_value = sum(1 for m, p, h in srv.log if good in p)
        assert n_value == 2   # the finished product was not fetched again

def test_download_requires_credentials(tmp_path, monkeypatch):
    monkeypatch.delenv("CDSE_USERNAME", raising=False); monkeypatch.delenv("CDSE_PASSWORD", raising=False)
    with pytest.raises(NoxnbError, match="credentials"): download.download_s5p("2021-07-25", "ncp", tmp_path)

def test_zip_without_nc_is_refused(tmp_path):
    with MockDataServer() as srv:
        pid = srv.add_product(NAME, b"abc", "2021-07-25T11:00:00.000Z")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z: z.writestr("readme.txt", "no data")
        srv.files[pid] = buf.getvalue(); srv.products[pid]["Checksum"] = [{"Algorithm": "MD5", "Value": __import__("hashlib").md5(buf.getvalue()).hexdigest()}]
        tok = download.cdse_token("user", "secret", srv.urls["token_url"])
        with pytest.raises(NoxnbError, match="no .nc"): download.fetch_product(srv.products[pid], tmp_path, tok, srv.urls["download"])

def test_download_cli_era5(tmp_path, monkeypatch):
    monkeypatch.setenv("CDSAPI_KEY", "cds-test-key")   # the key from the environment, never the command line
    with MockDataServer() as srv:
        assert download.download_cli(["era5", "--date", "2021-07-25", "--region", "ncp", "--out", str(tmp_path),
                                  "--cds-url", srv.url + "/cds"]) == 0
    with xr.open_dataset(tmp_path / "ERA5-sl-20210725.nc") as ds:
        assert ds.blh.dims == ("valid_time", "latitude", "longitude") and ds.latitude[0] > ds.latitude[-1]

def test_sources_cli_uniform_field(tmp_path, capsys):
    lat, lon = np.arange(30.025, 32, 0.05), np.arange(110.025, 112, 0.05)
    ds = xr.Dataset({"emissions": (("time", "lat", "lon"), np.full((3, lat.size, lon.size), 2e-7), {"units": "mol m-2 s-1"})},
                    coords=dict(time=pd.date_range("2021-01-01", periods=3), lat=lat, lon=lon))
    ds.to_netcdf(tmp_path / "e.nc")
    assert real.sources_cli(["--emissions", str(tmp_path / "e.nc"), "--at", "31,111", "--radius", "20"]) == 0
    vals = [float(l.split("\t")[1].split()[0]) for l in capsys.readouterr().out.strip().splitlines()]
    expect = 2e-7 * M_NO2 * 2 * np.pi * R_EARTH**2 * (1 - np.cos(20e3 / R_EARTH))
    assert len(vals) == 3 and np.allclose(vals, expect, rtol=5e-3)
    with pytest.raises(NoxnbError, match="LAT,LON"): real.sources_cli(["--emissions", str(tmp_path / "e.nc"), "--at", "31", "--radius", "5"])
