"""Property and fuzz tests of 02_inventory and 03_meteo that do not fit in a notebook cell: conservation of the
point-source gridding and of the gridded-inventory reader on random grids, non-negative perturbed worlds for any
seed, and the ERA5 reader on damaged files (it must fail with NoxnbError, never crash or return garbage)."""
import numpy as np, pandas as pd, pytest, xarray as xr
from hypothesis import given, settings, strategies as st, HealthCheck

inventory = pytest.importorskip('noxnb.inventory')
variability = pytest.importorskip('noxnb.variability')
meteo = pytest.importorskip('noxnb.meteo')
from noxnb.core import NoxnbError, ddeq_file, M_NO2
from noxnb.grid import Grid

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(st.lists(st.tuples(st.floats(30.001, 33.999), st.floats(110.001, 114.999), st.floats(0.0, 10.0)), min_size=1, max_size=30),
       st.sampled_from([0.1, 0.25, 0.5, 1.0]))
def test_grid_points_conserves(sources, res):
    "Every source inside the grid keeps its rate (mol s-1) after gridding, at any resolution."
    lat, lon, rate = map(np.array, zip(*sources))
    g = Grid(30, 34, 110, 115, res)
    f = inventory.grid_points(lon, lat, rate, g)
    assert np.isclose((f * g.cell_area()).sum(), rate.sum(), rtol=1e-10, atol=1e-12)


@FAST
@given(seed=st.integers(0, 2**31 - 1), nlat=st.integers(1, 6), nlon=st.integers(1, 6), i0=st.integers(0, 4),
       j0=st.integers(0, 4), res=st.sampled_from([0.25, 0.5]))
def test_read_gridded_inventory_conserves(seed, nlat, nlon, i0, j0, res, tmp_path_factory):
    "A random 0.05° flux field read onto a random aligned sub-grid keeps the mass inside the sub-grid."
    src = Grid(30, 35, 110, 115, 0.05)
    flux = np.random.default_rng(seed).random(src.shape) * 1e-9          # kg m-2 s-1
    path = tmp_path_factory.mktemp('inv') / 'f.nc'
    xr.Dataset({'nox': (('lat', 'lon'), flux, {'units': 'kg m-2 s-1'})}, coords=src.coords).to_netcdf(path)
    lat0, lon0 = 30 + i0 * res, 110 + j0 * res
    dst = Grid(lat0, min(35, lat0 + nlat * res), lon0, min(115, lon0 + nlon * res), res)
    got = inventory.read_gridded_inventory(path, dst)
    inside = (src.lat > dst.lat0) & (src.lat < dst.lat1)
    inside = inside[:, None] & ((src.lon > dst.lon0) & (src.lon < dst.lon1))[None, :]
    expect = (flux * src.cell_area())[inside].sum() / M_NO2
    assert np.isclose(float((got.emissions * dst.cell_area()).sum()), expect, rtol=1e-6)


@pytest.fixture(scope='module')
def small_inventory():
    return inventory.build_inventory(Grid(36, 38, 114, 117, 0.25), 2019)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**63 - 1), sigma=st.floats(0.0, 1.0))
def test_perturbed_world_positive(small_inventory, seed, sigma):
    "Any seed and spread give finite, non-negative truth and a prior equal to the inventory."
    truth, prior = variability.perturbed_world(small_inventory, seed, sigma=sigma)
    assert np.isfinite(truth.emissions.values).all() and (truth.emissions.values >= 0).all()
    assert np.array_equal(prior.emissions.values, small_inventory.emissions.values)
    total = sum(truth[f'emissions_{s}'] for s in inventory.SECTORS)
    assert np.allclose(truth.emissions.values, total.values, rtol=1e-12)


@pytest.mark.parametrize('cut', [0, 3, 4, 100, 5000])
def test_read_era5_truncated(tmp_path, cut):
    "A truncated ERA5 file (as left by an interrupted download) fails with NoxnbError naming the file."
    raw = ddeq_file('data/Matimba_ERA5-sl-20210725.nc').read_bytes()
    bad = tmp_path / f'cut{cut}.nc'
    bad.write_bytes(raw[:cut])
    with pytest.raises(NoxnbError, match=f'cut{cut}'):
        meteo.read_era5(bad)


@FAST
@given(data=st.binary(min_size=0, max_size=64))
def test_read_era5_random_bytes(data, tmp_path_factory):
    "Random bytes are never mistaken for ERA5."
    bad = tmp_path_factory.mktemp('era5') / 'junk.nc'
    bad.write_bytes(data)
    with pytest.raises(NoxnbError):
        meteo.read_era5(bad)


def test_hourly_year_matches_annual_total(small_inventory):
    "Over a whole year the hourly emissions integrate to the annual mean (the profiles are normalised)."
    t = pd.date_range('2019-01-01', '2019-12-31 23:00', freq='h')
    h = variability.hourly_emissions(small_inventory, t)
    ratio = h.emissions.mean('time') / small_inventory.emissions
    assert np.nanmax(np.abs(ratio.values - 1)) < 5e-4
