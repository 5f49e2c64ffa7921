"""Checks of noxnb.baselines beyond the notebook: input validation, output format of every method, the zero-wind limit
of flux divergence, and that 4D-Var with model error (perturbed winds, lifetime) still runs and reports its cost."""
import numpy as np, pandas as pd, pytest, torch, xarray as xr
from noxnb.core import NoxnbError
from noxnb.grid import Grid
from noxnb import baselines, ctm

GRID = Grid(30., 31.5, 110., 112., 0.25)   # 6 × 8 cells
DAYS = pd.to_datetime(['2021-07-01'])
TIMES = pd.date_range('2021-06-30 12:00', periods=36, freq='h')

def _meteo(u=3.):
    val = dict(u=u, v=1., pblh=1000., t2m=298., psurf=101325., cloud_fraction=0., sza=30.)
    return xr.Dataset({k: (('time', 'lat', 'lon'), np.full((len(TIMES), *GRID.shape), x)) for k, x in val.items()},
                      coords=dict(time=TIMES, **GRID.coords))

def _prior(value=1e-8):
    return xr.Dataset(dict(emissions=(('lat', 'lon'), np.full(GRID.shape, value), dict(units='mol m-2 s-1'))), coords=GRID.coords)

def _columns(col):
    col = np.broadcast_to(col, (1, *GRID.shape)).astype(float)
    return xr.Dataset(dict(no2_trop=(('time', 'lat', 'lon'), col, dict(units='mol m-2')),
                           no2_trop_sigma=(('time', 'lat', 'lon'), np.full_like(col, 1e-6), dict(units='mol m-2')),
                           valid=(('time', 'lat', 'lon'), np.ones_like(col, bool))), coords=dict(time=DAYS, **GRID.coords))

def test_zero_wind_flux_divergence_is_column_over_lifetime():
    ds = baselines.flux_divergence(_columns(3.6e-4), _meteo(u=0.).assign(v=lambda d: 0 * d.v), lifetime_h=2., nox_to_no2=1.5, background=0.)
    np.testing.assert_allclose(ds.emissions, 1.5 * 3.6e-4 / 7200., rtol=1e-12)

@pytest.mark.parametrize('method', list(baselines.METHODS))
def test_every_method_returns_emissions(method):
    col = baselines.overpass_columns(baselines.prior_hourly(_prior(), TIMES), _meteo(), TIMES, DAYS, GRID)
    kw = dict(iterations=2, spinup_hours=12) if method != 'flux-divergence' else {}
    ds = baselines.infer_baseline(method, _columns(col), _meteo(), _prior(), GRID, **kw)
    assert ds.emissions.dims == ('lat', 'lon') and ds.emissions.attrs['units'] == 'mol m-2 s-1'
    assert np.isfinite(ds.emissions).all() and ds.attrs['method'] == method and ds.attrs['compute_s_per_day'] > 0
    daily = baselines.infer_baseline(method, _columns(col), _meteo(), _prior(), GRID, daily=True, **kw)
    assert daily.emissions.dims == ('time', 'lat', 'lon')

def test_realistic_4dvar_runs_with_model_error():
    col = baselines.overpass_columns(baselines.prior_hourly(_prior(2e-8), TIMES), _meteo(), TIMES, DAYS, GRID)
    ds = baselines.fourdvar(_columns(col), _meteo(), _prior(), GRID, iterations=3, spinup_hours=12, wind_error=0.3, lifetime_error=0.2)
    assert ds.attrs['cost_posterior'] < ds.attrs['cost_prior'] and ds.attrs['wind_error'] == 0.3

def test_bad_inputs_raise():
    with pytest.raises(NoxnbError, match='lacks'): baselines.check_columns(xr.Dataset())
    bad = _columns(1e-4); bad.no2_trop.attrs['units'] = 'molec cm-2'
    with pytest.raises(NoxnbError, match='mol m-2'): baselines.check_columns(bad)
    with pytest.raises(NoxnbError, match='prior'): baselines.mass_balance(_columns(1e-4), _meteo(), None, GRID)
    with pytest.raises(NoxnbError, match='cover'): baselines.mass_balance(_columns(1e-4), _meteo().isel(time=slice(20, None)), _prior(), GRID)

def test_spinup_shortened_to_available_meteo():
    met = _meteo().sel(time=slice('2021-07-01', None))          # no hour before the first day
    col = baselines.overpass_columns(baselines.prior_hourly(_prior(), met.time.values), met, met.time.values, DAYS, GRID)
    ds = baselines.mass_balance(_columns(col), met, _prior(), GRID, spinup_hours=24, iterations=1)
    np.testing.assert_allclose(ds.emissions, 1e-8, rtol=1e-3)
