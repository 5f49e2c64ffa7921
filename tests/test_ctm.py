"""Checks of noxnb.ctm beyond the notebook: determinism, batch independence, float32 vs float64, CHIMERE reader on
damaged files (always a NoxnbError, never another exception)."""
import numpy as np, pandas as pd, pytest, torch
from noxnb.core import NoxnbError
from noxnb.grid import Grid
from noxnb import ctm

GRID = Grid(30., 32., 110., 112.5, 0.25)   # 8 × 10 cells

def _run(dtype=torch.float64, batch=2, seed=0):
    em, met = ctm.demo_inputs(GRID, '2021-07-01', 6, n_cities=2, seed=seed)
    e = torch.as_tensor(em.emissions.values, dtype=dtype)[None] * torch.tensor([1., 2.], dtype=dtype)[:batch, None, None, None]
    return ctm.simulate(e, ctm.meteo_tensors(met, em.time, dtype=dtype), GRID)

def test_deterministic():
    a, b = _run(), _run()
    for k in ('no2_column', 'lifetime'): assert torch.equal(a[k], b[k])

def test_batch_members_independent():
    both, first = _run(batch=2), _run(batch=1)
    torch.testing.assert_close(both['no2_column'][:1], first['no2_column'], rtol=0, atol=0)

def test_float32_close_to_float64():
    a, b = _run(torch.float32), _run(torch.float64)
    torch.testing.assert_close(a['no2_column'].double(), b['no2_column'], rtol=1e-4, atol=0)

def test_more_emissions_more_no2():
    out = _run()
    assert (out['nox_column'][1] >= out['nox_column'][0]).all()

def test_chimere_reader_layout(tmp_path):
    f = ctm.mock_chimere_out(tmp_path / 'out.2021070100_24_t.nc', GRID, pd.date_range('2021-07-01 01:00', periods=2, freq='h'), no2_ppb=4.)
    ds = ctm.read_chimere(f)
    assert set(ctm.OUTPUT_ATTRS) <= set(ds.data_vars) and ds.no2_column.dims == ('time', 'lat', 'lon')
    np.testing.assert_allclose(ds.no2_surface_ppb, 4., rtol=1e-6)

@pytest.mark.parametrize('cut', [0, 10, 100, 1000, 5000])
def test_chimere_reader_truncated(tmp_path, cut):
    f = ctm.mock_chimere_out(tmp_path / 'out.x.nc', GRID, pd.date_range('2021-07-01', periods=2, freq='h'))
    bad = tmp_path / 'out.bad.nc'; bad.write_bytes(f.read_bytes()[:cut])
    with pytest.raises(NoxnbError, match='out.bad.nc'): ctm.read_chimere(bad)

def test_chimere_reader_bad_units(tmp_path):
    import netCDF4
    f = ctm.mock_chimere_out(tmp_path / 'out.u.nc', GRID, pd.date_range('2021-07-01', periods=1, freq='h'))
    with netCDF4.Dataset(f, 'a') as nc: nc['NO2'].units = 'kg'
    with pytest.raises(NoxnbError, match="units 'kg'"): ctm.read_chimere(f)

def test_chimere_reader_hlay_instead_of_thlay(tmp_path):
    import xarray as xr
    f = ctm.mock_chimere_out(tmp_path / 'out.t.nc', GRID, pd.date_range('2021-07-01', periods=2, freq='h'))
    with xr.open_dataset(f) as ds:
        alt = ds.assign(hlay=ds.thlay.cumsum('bottom_top').assign_attrs(units='m')).drop_vars('thlay').load()
    alt.to_netcdf(tmp_path / 'out.h.nc')
    a, b = ctm.read_chimere(f), ctm.read_chimere(tmp_path / 'out.h.nc')
    np.testing.assert_allclose(a.no2_column, b.no2_column, rtol=1e-6)
    assert list(b.time.dt.hour.values) == [0, 1]

def test_simulate_ds_world_dim():
    import xarray as xr
    em, met = ctm.demo_inputs(GRID, '2021-07-01', 6, n_cities=2)
    worlds = xr.concat([em, em.assign(emissions=em.emissions * 2)], 'world').assign_coords(world=[0, 1])
    ds = ctm.simulate_ds(worlds, met, out_hours=[4, 5], dtype=torch.float64)
    assert ds.no2_column.dims == ('world', 'time', 'lat', 'lon') and list(ds.world.values) == [0, 1]
    one = ctm.simulate_ds(em, met, out_hours=[4, 5], dtype=torch.float64)
    np.testing.assert_allclose(ds.no2_column.sel(world=0), one.no2_column, rtol=1e-12)
    assert (ds.nox_column.sel(world=1) > ds.nox_column.sel(world=0)).all()
