"""Checks of noxnb.ctm beyond the notebook: determinism, batch independence, float32 vs float64, the world dimension
of `simulate_ds` (inputs from noxnb.demo)."""
import numpy as np, torch
from noxnb.grid import Grid
from noxnb import ctm, demo

GRID = Grid(30., 32., 110., 112.5, 0.25)   # 8 × 10 cells

def _run(dtype=torch.float64, batch=2, seed=0):
    em, met = demo.demo_inputs(GRID, '2021-07-01', 6, n_cities=2, seed=seed)
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

def test_simulate_ds_world_dim():
    import xarray as xr
    em, met = demo.demo_inputs(GRID, '2021-07-01', 6, n_cities=2)
    worlds = xr.concat([em, em.assign(emissions=em.emissions * 2)], 'world').assign_coords(world=[0, 1])
    ds = ctm.simulate_ds(worlds, met, out_hours=[4, 5], dtype=torch.float64)
    assert ds.no2_column.dims == ('world', 'time', 'lat', 'lon') and list(ds.world.values) == [0, 1]
    one = ctm.simulate_ds(em, met, out_hours=[4, 5], dtype=torch.float64)
    np.testing.assert_allclose(ds.no2_column.sel(world=0), one.no2_column, rtol=1e-12)
    assert (ds.nox_column.sel(world=1) > ds.nox_column.sel(world=0)).all()
