"""Checks of noxnb.chimere beyond the notebook: the reader on the writer's layout, on `hlay` instead of `thlay`, and on
damaged files (always a NoxnbError, never another exception)."""
import numpy as np, pandas as pd, pytest
from noxnb.core import NoxnbError
from noxnb.grid import Grid
from noxnb import chimere, ctm

GRID = Grid(30., 32., 110., 112.5, 0.25)   # 8 × 10 cells

def test_chimere_reader_layout(tmp_path):
    f = chimere.mock_chimere_out(tmp_path / 'out.2021070100_24_t.nc', GRID, pd.date_range('2021-07-01 01:00', periods=2, freq='h'), no2_ppb=4.)
    ds = chimere.read_chimere(f)
    assert set(ctm.OUTPUT_ATTRS) <= set(ds.data_vars) and ds.no2_column.dims == ('time', 'lat', 'lon')
    np.testing.assert_allclose(ds.no2_surface_ppb, 4., rtol=1e-6)

@pytest.mark.parametrize('cut', [0, 10, 100, 1000, 5000])
def test_chimere_reader_truncated(tmp_path, cut):
    f = chimere.mock_chimere_out(tmp_path / 'out.x.nc', GRID, pd.date_range('2021-07-01', periods=2, freq='h'))
    bad = tmp_path / 'out.bad.nc'; bad.write_bytes(f.read_bytes()[:cut])
    with pytest.raises(NoxnbError, match='out.bad.nc'): chimere.read_chimere(bad)

def test_chimere_reader_bad_units(tmp_path):
    import netCDF4
    f = chimere.mock_chimere_out(tmp_path / 'out.u.nc', GRID, pd.date_range('2021-07-01', periods=1, freq='h'))
    with netCDF4.Dataset(f, 'a') as nc: nc['NO2'].units = 'kg'
    with pytest.raises(NoxnbError, match="units 'kg'"): chimere.read_chimere(f)

def test_chimere_reader_hlay_instead_of_thlay(tmp_path):
    import xarray as xr
    f = chimere.mock_chimere_out(tmp_path / 'out.t.nc', GRID, pd.date_range('2021-07-01', periods=2, freq='h'))
    with xr.open_dataset(f) as ds:
        alt = ds.assign(hlay=ds.thlay.cumsum('bottom_top').assign_attrs(units='m')).drop_vars('thlay').load()
    alt.to_netcdf(tmp_path / 'out.h.nc')
    a, b = chimere.read_chimere(f), chimere.read_chimere(tmp_path / 'out.h.nc')
    np.testing.assert_allclose(a.no2_column, b.no2_column, rtol=1e-6)
    assert list(b.time.dt.hour.values) == [0, 1]
