"""The paper profile's code path at a tiny scale on CPU: its [dataset] settings build the China domain (160 x 280 cells
at 0.25 deg) for one world and three months of two days (one per split), its full-size models (width 32, depth 4,
64-cell patches) train one batch each and `noxnb infer` returns a China day. What the GPU run adds is the number of
worlds, days and epochs, not another code path."""
import json
import numpy as np, xarray as xr
from noxnb.core import get_profile
from conftest import ROOT, run_python

TINY = dict(worlds=1, months=['2019-01', '2019-05', '2022-01'], val_months=['2019-05'], test_months=['2022-01'],
            days_per_month=2, spinup_days=1)   # one month per split

def _run(module, cmd, *argv):
    r = run_python(*argv, func=f'noxnb.{module}:{cmd}_cli', env=dict(OMP_NUM_THREADS='1'), cwd=ROOT, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return r

def test_paper_profile_runs_at_tiny_scale(tmp_path):
    _run('dataset', 'simulate', '--profile', 'paper', '--out', tmp_path / 'ds', '--scheduler', 'synchronous',
         '--set', *[f'{k}={json.dumps(v)}' for k, v in TINY.items()])
    s = xr.open_dataset(tmp_path / 'ds' / 'samples.nc', engine='h5netcdf').load()
    assert s.no2_trop.shape == (6, 160, 280) and sorted(s.split.values) == ['test'] * 2 + ['train'] * 2 + ['val'] * 2
    assert float(s.lat.min()) == 15.125 and float(s.lon.max()) == 139.875          # the China domain, cell centres
    prof = get_profile('paper').section('models')
    for model in ('smaat-unet', 'cvae'):
        _run('train', 'train', '--profile', 'paper', '--model', model, '--data', tmp_path / 'ds', '--out', tmp_path / model,
             '--epochs', '1', '--max-batches', '1', '--batch-size', '2', '--threads', '2', '--no-progress')
        cfg = json.loads((tmp_path / model / 'run.json').read_text())['cfg']
        assert (cfg['width'], cfg['depth'], cfg['patch'], cfg['head']) == (prof['width'], prof['depth'], 64, 'prior-ratio-add')
    day = s.isel(sample=int(np.flatnonzero(s.split.values == 'test')[0]))
    xr.Dataset(dict(no2_trop=day.no2_trop.expand_dims(time=[day.time.values]), valid=day.valid.expand_dims(time=[day.time.values]))
               ).drop_vars(['world', 'split'], errors='ignore').to_netcdf(tmp_path / 'day.nc')
    day[['u', 'v', 'pblh', 't2m', 'cloud_fraction']].drop_vars(['time', 'world', 'split']).to_netcdf(tmp_path / 'met.nc')
    day[['prior']].rename(prior='emissions').drop_vars(['time', 'world', 'split']).to_netcdf(tmp_path / 'prior.nc')
    _run('infer', 'infer', '--model', tmp_path / 'cvae', '--columns', tmp_path / 'day.nc', '--meteo', tmp_path / 'met.nc',
         '--prior', tmp_path / 'prior.nc', '--samples', '2', '--out', tmp_path / 'e.nc')
    e = xr.load_dataset(tmp_path / 'e.nc')
    assert e.emissions.shape == (160, 280) and e.emissions.attrs['units'] == 'mol m-2 s-1'
    assert bool(np.isfinite(e.emissions).all()) and float(e.emissions.min()) >= 0 and 'emissions_sigma' in e
