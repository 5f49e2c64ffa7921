"""Fuzz table of the command line and readers (issue 15): each case -> exit status, first line of stderr, no traceback,
nothing written, inputs intact. Every case failed (wrong answer with exit 0, traceback, or code run from a file) before."""
import hashlib, json, os, sys, zipfile
from pathlib import Path
import numpy as np, pandas as pd, pytest, xarray as xr
from conftest import run_noxnb, snapshot, assert_fails_cleanly, message_lines
from noxnb import satellite as sat, download, tropomi
from noxnb.testing import MockDataServer
from noxnb.core import ddeq_file

# ---------- fixtures -------------------------------------------------------------------------------------------------
LAT0, LON0, RES_PX, N = -24.4, 27.0, 0.05, 8          # 8 × 8 square pixels of 0.05° from (-24.4, 27.0)
BG, PEAK = 2e-5, 2e-3                                 # background and plume columns (mol m-2)

def plume_l2(path, peak=PEAK, time="2021-07-25T11:00"):
    "An L2 file of square pixels on a 0.05° lattice with a sharp 2 × 2-pixel plume; σ grows with the column."
    e_lat, e_lon = LAT0 + RES_PX * np.arange(N + 1), LON0 + RES_PX * np.arange(N + 1)
    la, lo = np.meshgrid(e_lat, e_lon, indexing="ij")
    corner = lambda v: np.stack([v[:-1, :-1], v[:-1, 1:], v[1:, 1:], v[1:, :-1]], -1)
    col = np.full((N, N), BG); col[3:5, 3:5] = peak
    d = ("scanline", "ground_pixel")
    px = xr.Dataset({tropomi.COL: (d, col, {"units": "mol m-2"}),
                     tropomi.PREC: (d, np.sqrt(sat.NOISE_FLOOR**2 + (0.2 * col)**2), {"units": "mol m-2"}),
                     "qa_value": (d, np.ones((N, N))), "latitude": (d, 0.5 * (e_lat[1:] + e_lat[:-1])[:, None] + 0 * col),
                     "longitude": (d, 0.5 * (e_lon[1:] + e_lon[:-1])[None, :] + 0 * col),
                     "latitude_bounds": (d + ("corner",), corner(la)), "longitude_bounds": (d + ("corner",), corner(lo))})
    px = px.assign_coords(time=("scanline", np.datetime64(time, "ns") + np.arange(N) * np.timedelta64(840, "ms")))
    return tropomi.write_l2(px, path)

GRID = f"{LAT0},{LAT0 + 0.4:.1f},{LON0},{LON0 + 0.4:.1f},0.2"   # negative first value, typed as users do

def columns_file(path, valid=True, value=1e-4, day="2021-01-01"):
    lat, lon = np.arange(30.025, 30.4, .05), np.arange(110.025, 110.4, .05)
    v = np.full((1, lat.size, lon.size), value); v[0, 3, 3] = 5 * value
    ds = xr.Dataset({"no2_trop": (("time", "lat", "lon"), v, {"units": "mol m-2"}),
                     "valid": (("time", "lat", "lon"), np.full(v.shape, int(valid), "i1"))},
                    coords=dict(time=[np.datetime64(day, "ns")], lat=lat, lon=lon))
    ds.to_netcdf(path); return path

def meteo_file(path, day="2021-01-01", pblh=800., box=(29.5, 31.5, 109.5, 111.5)):
    lat, lon = np.arange(box[0], box[1] + .01, .25), np.arange(box[2], box[3] + .01, .25)
    t = pd.date_range(day, periods=24, freq="h"); sh = (24, lat.size, lon.size)
    f = dict(u=(3., "m s-1"), v=(1., "m s-1"), pblh=(pblh, "m"), t2m=(285., "K"), cloud_fraction=(0.1, "1"))
    xr.Dataset({k: (("time", "lat", "lon"), np.full(sh, x), {"units": u}) for k, (x, u) in f.items()},
               coords=dict(time=t, lat=lat, lon=lon)).to_netcdf(path)
    return path

# ---------- 1: the default gridding conserves the column over any box ------------------------------------------------
def test_1_gridding_default_conserves_plume_mean(tmp_path):
    f = plume_l2(tmp_path / "S5P_plume.nc")
    r = run_noxnb("grid-s5p", f, "--grid", GRID, "--out", tmp_path / "day.nc")      # 6: negative values as typed
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    ds = xr.load_dataset(tmp_path / "day.nc")
    assert ds.no2_trop.shape == (2, 2)
    pixels_mean = (60 * BG + 4 * PEAK) / 64                                    # analytic: equal pixel areas
    np.testing.assert_allclose(float(ds.no2_trop.mean()), pixels_mean, rtol=1e-4)  # float32 pixels; old default (1/σ²): 21 %+ low

# ---------- 2: empty results, double counting, output = input, station files ----------------------------------------
def test_2a_columns_without_valid_cell(tmp_path):
    c, m = columns_file(tmp_path / "c.nc", valid=False), meteo_file(tmp_path / "m.nc")
    before = snapshot(tmp_path)
    r = run_noxnb("infer", "--columns", c, "--meteo", m, "--method", "flux-divergence", "--no-prior", "--out", tmp_path / "e.nc")
    assert_fails_cleanly(r, 2, "no valid cell", before, snapshot(tmp_path))

def test_2b_all_pixels_larger_than_max_box_and_empty_grid(tmp_path):
    f = plume_l2(tmp_path / "S5P_plume.nc"); before = snapshot(tmp_path)
    fine = f"{LAT0},{LAT0 + 0.4:.1f},{LON0},{LON0 + 0.4:.1f},0.0005"           # each pixel spans 100 cells > MAX_BOX
    assert_fails_cleanly(run_noxnb("grid-s5p", f, "--grid", fine, "--out", tmp_path / "d.nc"), 2, "no cell of the", before, snapshot(tmp_path))
    assert_fails_cleanly(run_noxnb("grid-s5p", f, "--grid", f"{LAT0},{LAT0 + 0.4:.1f},27,27.4,5", "--out", tmp_path / "d.nc"),
                         2, "empty grid", before, snapshot(tmp_path))

def test_2c_same_orbit_twice_counted_once(tmp_path):
    f = plume_l2(tmp_path / "S5P_plume.nc"); g = tmp_path / "copy.nc"; g.write_bytes(f.read_bytes())
    assert run_noxnb("grid-s5p", f, "--grid", GRID, "--out", tmp_path / "one.nc").returncode == 0
    r = run_noxnb("grid-s5p", f, g, f, "--grid", GRID, "--out", tmp_path / "two.nc")
    assert r.returncode == 0 and "same orbit" in r.stderr and "Traceback" not in r.stderr, r.stderr
    one, two = xr.load_dataset(tmp_path / "one.nc"), xr.load_dataset(tmp_path / "two.nc")
    np.testing.assert_allclose(two.weight, one.weight); np.testing.assert_allclose(two.no2_trop_sigma, one.no2_trop_sigma)

def test_2d_out_equal_to_input_is_refused(tmp_path):
    f = plume_l2(tmp_path / "S5P_plume.nc"); before = snapshot(tmp_path)
    assert_fails_cleanly(run_noxnb("grid-s5p", f, "--grid", GRID, "--out", f), 2, "is one of the inputs", before, snapshot(tmp_path))
    c, m = columns_file(tmp_path / "c.nc"), meteo_file(tmp_path / "m.nc"); before = snapshot(tmp_path)
    assert_fails_cleanly(run_noxnb("infer", "--columns", c, "--meteo", m, "--method", "flux-divergence", "--no-prior", "--out", m),
                         2, "is one of the inputs", before, snapshot(tmp_path))

STATIONS = "code,name,city,lon,lat,flag\n1001A,a,Beijing,116.3,39.9,N\n1002A,b,Beijing,116.4,39.95,Y\n"

def _station_case(tmp, rows, enc="utf-8", name="china_sites_20190102.csv"):
    (tmp / "cnemc").mkdir(exist_ok=True)
    (tmp / "cnemc" / name).write_bytes(("date,hour,type,1001A,1002A\n" + "".join(r + "\n" for r in rows)).encode(enc))
    (tmp / "sites.csv").write_text(STATIONS)
    t = pd.date_range("2019-01-01T16:00", periods=6, freq="h")
    lat, lon = np.arange(39.5, 40.5, .25), np.arange(116., 117., .25)
    xr.Dataset({"no2_surface": (("time", "lat", "lon"), 20 + np.arange(6.)[:, None, None] + 0 * lat[:, None] + 0 * lon, {"units": "ug m-3"})},
               coords=dict(time=t, lat=lat, lon=lon)).to_netcdf(tmp / "ctm.nc")
    return ["evaluate-stations", "--cnemc", tmp / "cnemc" / name, "--station-list", tmp / "sites.csv",
            "--run", f"prior={tmp / 'ctm.nc'}", "--out", tmp / "out"]

GOOD = [f"20190102,{h},NO2,{20 + h},{21 + h}" for h in range(6)]

def test_2e_station_files(tmp_path):
    r = run_noxnb(*_station_case(tmp_path, GOOD + ["20190102,7,NO2", "20190102,8,NO2,1e9,30", "20190103,9,NO2,40,41"]))
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    first = message_lines(r.stderr)[0]
    assert "warning" in first and "1 malformed rows" in first and "1 rows of another day" in first and "1 implausible values" in first
    r = run_noxnb(*_station_case(tmp_path, ["20190102,1,NO2,abc,-5", "garbage"]))
    assert_fails_cleanly(r, 2, "no usable NO2 value")

# ---------- 3: plausibility bounds -----------------------------------------------------------------------------------
def test_3_implausible_values(tmp_path):
    f = plume_l2(tmp_path / "S5P_neg.nc", peak=-20.); before = snapshot(tmp_path)
    assert_fails_cleanly(run_noxnb("grid-s5p", f, "--grid", GRID, "--out", tmp_path / "d.nc"), 2, "outside the plausible", before, snapshot(tmp_path))
    c, m = columns_file(tmp_path / "c.nc", value=-20.), meteo_file(tmp_path / "m.nc")
    args = ["--method", "flux-divergence", "--no-prior", "--out", tmp_path / "e.nc"]
    assert_fails_cleanly(run_noxnb("infer", "--columns", c, "--meteo", m, *args), 2, "value(s) of no2_trop outside")
    c, m = columns_file(tmp_path / "c2.nc"), meteo_file(tmp_path / "m2.nc", pblh=1e6)
    assert_fails_cleanly(run_noxnb("infer", "--columns", c, "--meteo", m, *args), 2, "value(s) of pblh outside")
    assert not (tmp_path / "e.nc").exists()

# ---------- 4: infer --method on the real orbit with the documented ERA5 files ---------------------------------------
@pytest.fixture(scope="module")
def matimba(tmp_path_factory):
    d = tmp_path_factory.mktemp("matimba")
    l2 = ddeq_file("data/Matimba_S5P_RPRO_L2__NO2____20210725T110715.nc")
    r = run_noxnb("grid-s5p", l2, "--grid=-24.5,-23,27,28.5,0.05", "--out", d / "day.nc")   # '=': the infer step is what is tested
    assert r.returncode == 0, r.stderr[-2000:]
    return d, [ddeq_file(f"data/Matimba_ERA5-{k}-20210725.nc") for k in ("sl", "pl")]

def test_4_infer_method_regrids_meteorology(matimba):
    d, era5 = matimba
    r = run_noxnb("infer", "--columns", d / "day.nc", "--meteo", *era5, "--method", "flux-divergence", "--no-prior", "--out", d / "e.nc")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    e, c = xr.load_dataset(d / "e.nc"), xr.load_dataset(d / "day.nc")
    assert e.emissions.shape[-2:] == (30, 30) and np.allclose(e.lat, c.lat) and np.isfinite(e.emissions).any()

def test_4_meteorology_of_another_day_or_box(matimba, tmp_path):
    d, era5 = matimba
    xr.load_dataset(d / "day.nc").assign_coords(time=np.datetime64("2021-07-27", "ns")).to_netcdf(tmp_path / "late.nc")
    args = ["--method", "flux-divergence", "--no-prior", "--out", tmp_path / "e.nc"]
    assert_fails_cleanly(run_noxnb("infer", "--columns", tmp_path / "late.nc", "--meteo", *era5, *args), 2, "no meteorology on the day(s)")
    c = columns_file(tmp_path / "c.nc", day="2021-07-25")            # 30°N, 110°E: not in the Matimba ERA5 box
    assert_fails_cleanly(run_noxnb("infer", "--columns", c, "--meteo", *era5, *args), 2, "the columns need")
    assert not (tmp_path / "e.nc").exists()

# ---------- 5: output paths, evaluate-stations inputs, downloads, Ctrl-C --------------------------------------------
def test_5_output_paths_checked_before_computing(tmp_path):
    f = plume_l2(tmp_path / "S5P_plume.nc"); (tmp_path / "file").write_text("x"); before = snapshot(tmp_path)
    for out, msg in [(tmp_path / "file" / "d.nc", "is a regular file"), (tmp_path, "is a directory")]:
        assert_fails_cleanly(run_noxnb("grid-s5p", f, "--grid", GRID, "--out", out), 2, msg, before, snapshot(tmp_path))
    c, m = columns_file(tmp_path / "c.nc"), meteo_file(tmp_path / "m.nc"); before = snapshot(tmp_path)
    assert_fails_cleanly(run_noxnb("infer", "--columns", c, "--meteo", m, "--method", "mass-balance", "--no-prior", "--out", tmp_path / "file" / "e.nc"),
                         2, "is a regular file", before, snapshot(tmp_path))
    assert_fails_cleanly(run_noxnb("train", "--model", "unet", "--data", tmp_path, "--out", tmp_path / "file" / "run"), 2, "is a regular file")

@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anywhere")
def test_5_unwritable_folder(tmp_path):
    f = plume_l2(tmp_path / "S5P_plume.nc"); ro = tmp_path / "ro"; ro.mkdir(); ro.chmod(0o500)
    try: assert_fails_cleanly(run_noxnb("grid-s5p", f, "--grid", GRID, "--out", ro / "d.nc"), 2, "not writable")
    finally: ro.chmod(0o700)

def test_5_evaluate_stations_inputs(tmp_path):
    args = _station_case(tmp_path, GOOD, enc="gbk")
    r = run_noxnb(*args); assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]  # GBK accepted
    (tmp_path / "sites.csv").write_bytes("code,name,city,lon,lat,flag\n1001A,万寿西宫,北京,116.3,39.9,N\n1002A,b,北京,116.4,39.95,Y\n".encode("gbk"))
    assert run_noxnb(*args).returncode == 0
    bad = lambda i, v: [*args[:i], v, *args[i + 1:]]
    assert_fails_cleanly(run_noxnb(*bad(2, tmp_path / "nope.csv")), 2, "no such file")
    assert_fails_cleanly(run_noxnb(*bad(4, tmp_path / "nolist.csv")), 2, "no such file")
    assert_fails_cleanly(run_noxnb(*bad(6, str(tmp_path / "ctm.nc"))), 2, "expected NAME=")

def test_5_download_failures(tmp_path):
    env = {"CDSE_USERNAME": "user", "CDSE_PASSWORD": "secret", "HOME": str(tmp_path), "CDSAPI_URL": "", "CDSAPI_KEY": ""}
    base = ["download", "s5p", "--region", "-25,-22,26,29", "--out", tmp_path / "s5p"]
    assert_fails_cleanly(run_noxnb(*base, "--date", "2021-07-25", "--catalogue", "http://127.0.0.1:9/odata/v1", env=env), 1, "unreachable")
    assert_fails_cleanly(run_noxnb(*base, "--date", "25/07/2021", env=env), 2, "expected a day YYYY-MM-DD")
    assert_fails_cleanly(run_noxnb("download", "era5", "--date", "2021-07-25", "--region", "ncp", "--out", tmp_path / "era5",
                                   "--cds-url", "http://127.0.0.1:9/cds", env=env), 2, "CDS API key missing")
    assert not (tmp_path / "s5p").exists() or not any((tmp_path / "s5p").iterdir())

def test_5_ctrl_c_leaves_no_temporary_file(tmp_path):
    f = plume_l2(tmp_path / "S5P_plume.nc"); before = snapshot(tmp_path)
    pre = "import xarray as xr\ndef _ki(self, p, *a, **k): open(p, 'wb').write(b'half'); raise KeyboardInterrupt\nxr.Dataset.to_netcdf = _ki"
    r = run_noxnb("grid-s5p", f, "--grid", GRID, "--out", tmp_path / "d.nc", pre=pre)
    assert r.returncode == 130 and "interrupted" in r.stderr and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert snapshot(tmp_path) == before     # no .d.nc.*.tmp left

# ---------- 6: exit codes --------------------------------------------------------------------------------------------
def test_6_one_exit_code_for_bad_input():
    assert_fails_cleanly(run_noxnb("reproduce", "--only", "77", "--no-html"), 2, "no notebook")
    assert_fails_cleanly(run_noxnb("sources", "--emissions", "nope.nc", "--at", "-23.7,27.6", "--radius", "5"), 2, "no such emission file")

# ---------- 8: no code from a checkpoint -----------------------------------------------------------------------------
class _Payload:
    def __init__(self, marker): self.marker = marker
    def __reduce__(self): return (os.system, (f"touch {self.marker}",))

def test_8_checkpoint_loads_weights_only(tmp_path):
    import torch
    run = tmp_path / "run"; run.mkdir(); marker = tmp_path / "PWNED"
    cfg = dict(width=4, depth=2, head="softplus", latent=4)
    (run / "run.json").write_text(json.dumps(dict(model="unet", in_channels=9, channels=[], norm={}, res_deg=0.05, cfg=cfg)))
    torch.save({"model": _Payload(marker)}, run / "best.pt")
    c, m = columns_file(tmp_path / "c.nc"), meteo_file(tmp_path / "m.nc")
    r = run_noxnb("infer", "--model", run, "--columns", c, "--meteo", m, "--no-prior", "--device", "cpu", "--out", tmp_path / "e.nc")
    assert not marker.exists(), "code from the checkpoint ran"
    assert_fails_cleanly(r, 2, "not a readable checkpoint")

# ---------- 9: downloads cannot write outside --out, the wheel is pinned, no key on the command line -----------------
NAME = "S5P_OFFL_L2__NO2____20210725T110000_20210725T124000_19594_02_020200_20210801T000000.nc"
ENV = {"CDSE_USERNAME": "user", "CDSE_PASSWORD": "secret"}

def _s5p(srv, out):
    return ["download", "s5p", "--date", "2021-07-25", "--region", "-25,-22,26,29", "--out", out,
            "--catalogue", srv.urls["catalogue"], "--token-url", srv.urls["token_url"]]

@pytest.mark.parametrize("evil", ["../../evil.zip", "/tmp/evil_noxnb.zip", ".hidden.zip", "a/b.zip"])
def test_9_server_given_names_cannot_escape(tmp_path, evil):
    out = tmp_path / "a" / "out"
    with MockDataServer() as srv:
        pid = srv.add_product(NAME, b"N" * 100, "2021-07-25T11:00:00.000Z"); srv.products[pid]["Name"] = evil
        r = run_noxnb(*_s5p(srv, out), env=ENV)
    assert_fails_cleanly(r, 1, "not a plain file name")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [] and not Path("/tmp/evil_noxnb.zip.part").exists()

def test_9_ddeq_wheel_hash_and_cds_key(tmp_path):
    w = tmp_path / "ddeq-1.1-py3-none-any.whl"
    with zipfile.ZipFile(w, "w") as z: z.writestr("ddeq/data/sources.csv", "evil")
    r = run_noxnb("data", "fetch", "--wheel", w, env={"NOXNB_DATA": str(tmp_path / "data")})
    assert_fails_cleanly(r, 2, "SHA-256"); assert not (tmp_path / "data" / "external" / "ddeq").exists()
    r = run_noxnb("download", "era5", "--date", "2021-07-25", "--region", "ncp", "--cds-key", "secret-key", "--out", tmp_path / "e")
    assert_fails_cleanly(r, 2, "--cds-key would put the key"); assert not (tmp_path / "e").exists()

# ---------- 10: retries with backoff, token refresh, timeouts, byte progress -----------------------------------------
def test_10_retry_5xx_429_and_expired_token(tmp_path):
    with MockDataServer() as srv:
        pid = srv.add_product(NAME, bytes(range(256)) * 40, "2021-07-25T11:00:00.000Z")
        srv.fail["search"] = [503]; srv.fail[pid] = [503, 429, 401]        # 401 'Expired signature': a new token is fetched
        r = run_noxnb(*_s5p(srv, tmp_path), env=ENV)
        tokens = sum(1 for m, p, h in srv.log if p == "/token")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert (tmp_path / NAME).read_bytes() == bytes(range(256)) * 40 and tokens == 2
    assert "kB" in r.stderr or "B/s" in r.stderr                           # a byte progress bar

def test_10_gives_up_cleanly(tmp_path):
    with MockDataServer() as srv:
        pid = srv.add_product(NAME, b"x" * 1000, "2021-07-25T11:00:00.000Z"); srv.fail[pid] = [503] * 20
        r = run_noxnb(*_s5p(srv, tmp_path), env=ENV)
    assert_fails_cleanly(r, 1, "failed (503) after 6 attempt(s)")
    assert not (tmp_path / NAME).exists()

def test_10_timeout_is_retried(tmp_path):
    with MockDataServer() as srv:
        pid = srv.add_product(NAME, b"y" * 5000, "2021-07-25T11:00:00.000Z"); srv.delay[pid] = [2.0]
        tok = download.cdse_token("user", "secret", srv.urls["token_url"])
        url = f"{srv.urls['download']}/Products({pid})/$value"
        part = download.download_resumable(url, tmp_path / "p.zip", headers={"Authorization": f"Bearer {tok}"}, timeout=0.5, backoff=0.01, progress=False)
    assert part.read_bytes() == real_zip(srv, pid)

def real_zip(srv, pid): return srv.files[pid]

# ---------- 11: help, version, unknown command -----------------------------------------------------------------------
def test_11_help_version_unknown():
    r = run_noxnb("--help"); assert r.returncode == 0
    for cmd in ("grid-s5p", "infer", "download", "evaluate-stations"): assert cmd in r.stdout
    assert "oversampling" in r.stdout and "example:" in r.stdout
    r = run_noxnb("--version"); assert r.returncode == 0 and r.stdout.startswith("noxnb 0.")
    assert_fails_cleanly(run_noxnb("gridify"), 2, "unknown command 'gridify'")
    r = run_noxnb("grid-s5p", "--help"); assert r.returncode == 0 and "default" in r.stdout and "example:" in r.stdout

def test_11_notebook_runs_log_cleanly(tmp_path, capfd):
    "No kernel TCP warning, no papermill parse note on annotated parameters; a progress bar of cells."
    import nbformat
    from noxnb.cli import run_notebook
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell("profile = 'quick'\nseed = 0\nscheduler: str = 'plateau'"); p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell("x = profile")]
    nbformat.write(nb, tmp_path / "01_t.ipynb")
    run_notebook(tmp_path / "01_t.ipynb", tmp_path / "run", dict(profile="paper", seed=1))
    err = capfd.readouterr().err
    assert "without encryption" not in err and "Unable to parse" not in err and "KeyboardInterrupt" not in err, err
    assert "01_t.ipynb" in err and "cell" in err, err
