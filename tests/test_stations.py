"""End-to-end tests of noxnb.stations: CNEMC files in the real layout (incl. malformed ones), station lists, the CLI."""
from pathlib import Path
import numpy as np, pandas as pd, pytest, xarray as xr
from noxnb.core import NoxnbError
from noxnb import stations as S

HEADER = "date,hour,type,1001A,1002A,1003A\n"

def _day(path, date, rows):
    path.write_text(HEADER + "".join(f"{date},{h},{t},{v}\n" for h, t, v in rows), encoding="utf-8")
    return path

def test_read_cnemc_counts_and_timezone(tmp_path):
    rows = [(h, t, "30,40,50") for h in range(24) for t in S.CNEMC_TYPES]
    rows[7 * 15 + 7] = (7, "NO2", "30,,50")          # a gap
    rows[8 * 15 + 7] = (8, "NO2", "30,N/A,50")       # not a number
    rows += [(9, "NO2", "1,2"), ("x", "NO2", "1,2,3")]  # too short, bad hour
    f = _day(tmp_path / "china_sites_20200615.csv", "20200615", rows)
    da = S.read_cnemc(f)
    assert da.sizes == {"time": 24, "station": 3} and da.time.values[0] == np.datetime64("2020-06-14T16:00")
    assert da.attrs["report_malformed_rows"] == 2 and da.attrs["report_missing_cells"] == 1 and da.attrs["report_bad_cells"] == 1
    assert np.isnan(da.sel(station="1002A").values[7:9]).all() and np.nanmean(da.values) == pytest.approx(40.0)

def test_read_cnemc_merges_days_with_different_stations(tmp_path):
    a = _day(tmp_path / "china_sites_20200101.csv", "20200101", [(0, "NO2", "1,2,3")])
    b = tmp_path / "china_sites_20200102.csv"; b.write_text("date,hour,type,1001A,1004A\n20200102,0,NO2,5,6\n")
    da = S.read_cnemc(str(tmp_path / "china_sites_*.csv"))
    assert list(da.station.values) == ["1001A", "1002A", "1003A", "1004A"] and da.sizes["time"] == 2
    assert np.isnan(da.sel(station="1004A").values[0]) and da.sel(station="1004A").values[1] == 6

def test_bad_files(tmp_path):
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(NoxnbError, match="e.csv"): S.read_cnemc(tmp_path / "e.csv")
    (tmp_path / "d.csv").write_text("date,hour,type,1001A,1001A\n")
    with pytest.raises(NoxnbError, match="duplicated"): S.read_cnemc(tmp_path / "d.csv")
    with pytest.raises(NoxnbError, match="no CNEMC files"): S.read_cnemc(str(tmp_path / "none_*.csv"))
    (tmp_path / "s.csv").write_text("code,name,city\n1001A,a,b\n")
    with pytest.raises(NoxnbError, match="6 columns"): S.read_station_list(tmp_path / "s.csv")

def test_reference_state_crossing(tmp_path):
    a = _day(tmp_path / "china_sites_20180831.csv", "20180831", [(23, "NO2", "100,100,100")])
    b = _day(tmp_path / "china_sites_20180901.csv", "20180901", [(0, "NO2", "100,100,100")])
    da = S.harmonise_reference_state(S.read_cnemc([a, b]))
    assert da.values[:, 0] == pytest.approx([100 * 273.15 / 298.15, 100.0])

def test_cli_real_layout(tmp_path, capsys):
    _day(tmp_path / "china_sites_20200115.csv", "20200115", [(h, "NO2", f"{20 + h},{30 + h},{40 + h}") for h in range(24)])
    (tmp_path / "sites.csv").write_bytes(("监测点编码,监测点名称,城市,经度,纬度,对照点\n1001A,甲,北京,116.3,39.9,N\n"
                                          "1002A,乙,北京,116.5,40.1,N\n1003A,丙,天津,117.2,39.1,Y\n").encode("gbk"))
    lat, lon = np.arange(38.125, 41, 0.25), np.arange(115.125, 118, 0.25)
    t = pd.date_range("2020-01-14T16:00", periods=24, freq="h")
    f = xr.Dataset({"no2_surface": (("time", "lat", "lon"), np.full((24, lat.size, lon.size), 35.0), {"units": "ug m-3"})},
                   coords=dict(time=t, lat=lat, lon=lon))
    f.to_netcdf(tmp_path / "ctm.nc")
    assert S.evaluate_stations_cli(["--cnemc", str(tmp_path / "china_sites_*.csv"), "--station-list", str(tmp_path / "sites.csv"),
                                    "--run", f"const={tmp_path / 'ctm.nc'}", "--out", str(tmp_path)]) == 0
    tab = pd.read_csv(tmp_path / "station_scores.csv")
    obs = np.array([[20 + h, 30 + h, 40 + h] for h in range(24)], float)
    row = tab.query("group == 'all'").iloc[0]
    assert row.n == 72 and row.nmb == pytest.approx((35 - obs).sum() / obs.sum()) and row.rmse == pytest.approx(np.sqrt(((35 - obs) ** 2).mean()))
    assert set(tab.group) == {"all", "北京", "天津", "DJF"}
