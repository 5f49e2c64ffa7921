"""CLI end to end on a tiny configuration (08_train, 08b_infer): `noxnb train` on a toy dataset, then `noxnb infer` on columns
at a finer resolution than the model's (regridded conservatively and back), with and without --model, and clear
errors for bad input."""
import json
import numpy as np, pandas as pd, xarray as xr
from conftest import run_python

ENV = dict(OMP_NUM_THREADS='1')   # on top of what run_python sets

def _cli(cmd, argv, env=ENV):
    return run_python(*argv, func=f'noxnb.{cmd}:{cmd}_cli', env=env, timeout=300)

def _day_files(data, tmp, refine):
    "Columns of the first test day at 0.25°/refine, static meteo and prior at 0.25°, as netCDF files."
    s = xr.open_dataset(data / 'samples.nc', engine='h5netcdf').load()
    s = s.isel(sample=int(np.flatnonzero(s.split.values == 'test')[0]))
    rep = lambda a: np.repeat(np.repeat(np.asarray(a), refine, 0), refine, 1)[None]
    r = 0.25 / refine; lat = np.arange(s.lat[0] - 0.125 + r / 2, s.lat[-1] + 0.125, r); lon = np.arange(s.lon[0] - 0.125 + r / 2, s.lon[-1] + 0.125, r)
    xr.Dataset(dict(no2_trop=(('time', 'lat', 'lon'), rep(s.no2_trop), {'units': 'mol m-2'}), valid=(('time', 'lat', 'lon'), rep(s.valid).astype('int8'))),
               coords=dict(time=[s.time.values], lat=lat, lon=lon)).to_netcdf(tmp / 'day.nc')
    s[['u', 'v', 'pblh', 't2m', 'cloud_fraction']].drop_vars(['time', 'world', 'split']).to_netcdf(tmp / 'met.nc')
    s[['prior']].rename(prior='emissions').drop_vars(['time', 'world', 'split']).to_netcdf(tmp / 'prior.nc')
    return tmp / 'day.nc', tmp / 'met.nc', tmp / 'prior.nc'

def test_train_then_infer_end_to_end(tmp_path):
    from noxnb.testing import toy_dataset
    data = toy_dataset(tmp_path / 'data', n=12, shape=(8, 8))
    for model in ('smaat-unet', 'cvae'):
        r = _cli('train', ['--model', model, '--data', data, '--out', tmp_path / model, '--epochs', '2', '--width', '4',
                           '--depth', '2', '--patch', '8', '--threads', '1', '--no-progress'])
        assert r.returncode == 0, r.stderr[-2000:]
        assert json.loads(r.stdout.strip().splitlines()[-1])['epochs_run'] == 2
    day, met, prior = _day_files(data, tmp_path, refine=2)
    r = _cli('infer', ['--model', tmp_path / 'cvae', '--columns', day, '--meteo', met, '--prior', prior, '--samples', '4', '--out', tmp_path / 'e.nc'])
    assert r.returncode == 0, r.stderr[-2000:]
    e = xr.load_dataset(tmp_path / 'e.nc')
    assert e.emissions.dims == ('lat', 'lon') and e.emissions.shape == (16, 16)        # the columns' 0.125° grid
    assert e.emissions.attrs['units'] == 'mol m-2 s-1' and (e.emissions >= 0).all() and (e.emissions_sigma > 0).all()
    # each 0.25° model cell comes back as 4 equal 0.125° cells: the regridding back is conservative
    assert np.allclose(e.emissions.values[::2, ::2], e.emissions.values[1::2, 1::2], rtol=1e-6)
    # without --prior it says what it assumes; without --model it takes best_model.json of the profile
    env = dict(ENV, NOXNB_DATA=str(tmp_path / 'nd'))
    res = tmp_path / 'nd' / 'results' / 'quick'; res.mkdir(parents=True)
    (res / 'best_model.json').write_text(json.dumps(dict(run_dir=str(tmp_path / 'smaat-unet'))))
    r = _cli('infer', ['--columns', day, '--meteo', met, '--no-prior', '--out', tmp_path / 'e2.nc'], env=env)
    # the quick profile's models ('prior-ratio-add' head, trained with prior dropout) also run without a prior
    assert r.returncode == 0 and 'no --prior given: assuming none' in r.stderr, r.stderr[-2000:]
    e2 = xr.load_dataset(tmp_path / 'e2.nc'); assert bool(np.isfinite(e2.emissions).all()) and (e2.emissions > 0).all()
    (tmp_path / 'e2.nc').unlink()
    r = _cli('infer', ['--columns', day, '--meteo', met, '--prior', prior, '--out', tmp_path / 'e2.nc'], env=env)
    assert r.returncode == 0 and xr.load_dataset(tmp_path / 'e2.nc').attrs['model'] == 'smaat-unet', r.stderr[-2000:]
    # a region outside China: no embedded inventory, and it says so
    xr.load_dataset(day).assign_coords(lat=lambda d: d.lat + 10, lon=lambda d: d.lon - 110).to_netcdf(tmp_path / 'eu.nc')
    xr.load_dataset(met).assign_coords(lat=lambda d: d.lat + 10, lon=lambda d: d.lon - 110).to_netcdf(tmp_path / 'eu_met.nc')
    r = _cli('infer', ['--columns', tmp_path / 'eu.nc', '--meteo', tmp_path / 'eu_met.nc', '--out', tmp_path / 'e3.nc'], env=env)
    assert r.returncode == 0 and 'outside the embedded inventory' in r.stderr and 'CoCO2 catalogue' in r.stderr, r.stderr[-2000:]

def test_cli_errors_name_the_file(tmp_path):
    r = _cli('train', ['--model', 'unet', '--data', tmp_path / 'nothing', '--out', tmp_path / 'run'])
    assert r.returncode == 2 and 'nothing' in r.stderr and 'no samples.nc' in r.stderr
    xr.Dataset(dict(x=('a', [1.]))).to_netcdf(tmp_path / 'bad.nc')
    r = _cli('infer', ['--model', tmp_path, '--columns', tmp_path / 'bad.nc', '--meteo', tmp_path / 'bad.nc', '--out', tmp_path / 'o.nc'])
    assert r.returncode == 2 and 'bad.nc' in r.stderr and "lacks ['no2_trop', 'valid']" in r.stderr
    r = _cli('infer', ['--model', tmp_path / 'norun', '--columns', tmp_path / 'missing.nc', '--meteo', tmp_path / 'bad.nc', '--out', tmp_path / 'o.nc'])
    assert r.returncode == 2 and 'missing.nc: no such columns file' in r.stderr

def test_infer_method_gives_daily_maps_and_the_time_mean(tmp_path):
    "`--method flux-divergence` on a column ramp in a uniform westerly: E = 1.32 (U dc/dx + (c - c_bg) / 4 h) in every cell."
    lat, lon, U, a = np.arange(30.125, 31, .25), np.arange(110.125, 112, .25), 5.0, 2e-5   # m s-1; mol m-2 per degree east
    c = 1e-5 + a * (lon - lon[0]) + 0 * lat[:, None]
    days = pd.date_range('2021-07-01', periods=2)
    xr.Dataset(dict(no2_trop=(('time', 'lat', 'lon'), np.stack([c, c]), {'units': 'mol m-2'}), valid=(('time', 'lat', 'lon'), np.ones((2, *c.shape), 'int8'))),
               coords=dict(time=days, lat=lat, lon=lon)).to_netcdf(tmp_path / 'cols.nc')
    met = {k: (('lat', 'lon'), np.full(c.shape, v)) for k, v in dict(u=U, v=0., pblh=1000., t2m=290., cloud_fraction=0.1).items()}
    xr.Dataset(met, coords=dict(lat=lat, lon=lon)).to_netcdf(tmp_path / 'met.nc')
    dcdx = a * 180 / np.pi / (6371008.8 * np.cos(np.deg2rad(lat)))[:, None]
    expect = 1.32 * (U * dcdx + (c - np.percentile(c, 5)) / (4 * 3600.))
    for extra, dims in (([], ('time', 'lat', 'lon')), (['--time-mean'], ('lat', 'lon'))):
        r = _cli('infer', ['--method', 'flux-divergence', '--columns', tmp_path / 'cols.nc', '--meteo', tmp_path / 'met.nc', '--no-prior',
                           '--out', tmp_path / 'e.nc', *extra])
        assert r.returncode == 0, r.stderr[-2000:]
        e = xr.load_dataset(tmp_path / 'e.nc')
        assert e.emissions.dims == dims and e.attrs['method'] == 'flux-divergence' and e.emissions.attrs['units'] == 'mol m-2 s-1'
        np.testing.assert_allclose(np.broadcast_to(e.emissions.values, (2, *c.shape)), np.broadcast_to(expect, (2, *c.shape)), rtol=1e-6)
