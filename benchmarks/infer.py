"""End-to-end inference cost per day (08b_infer.predict), against the number of days in one call.

Prints one JSON object as its last line:
  s_per_day            {days per call: median seconds per inferred day}, from the columns, meteorology and prior
                       to the emission Dataset (inputs, normalisation, forward pass, output), no prior column
  forward_s_per_day    the forward pass alone at the largest number of days
  grid, model, threads and the configuration used.
A UNet of the quick profile's architecture is trained for one epoch on a toy dataset (its weights do not matter for
the cost); the inputs are that dataset's fields on the quick domain's 40 x 40 cells, hourly meteorology repeated
over each day. The evaluation (10_evaluate) calls `predict` once per world-month, 4 days in the quick profile.
Usage: python benchmarks/infer.py [--days 1 4 16 31] [--repeat N] [--threads N] [--tiny]
"""
import argparse, json, tempfile
import numpy as np, pandas as pd, xarray as xr, torch
from noxnb.core import get_profile
from noxnb.testing import toy_dataset
from noxnb.train import fit, train_config
from noxnb import infer
from train import _timed  # benchmarks/train.py: median seconds of repeated calls after a warm-up

def world_inputs(ds, n):
    "(columns, hourly meteorology, static prior) of the first `n` toy samples as consecutive days."
    s = ds.isel(sample=slice(0, n)); days = pd.date_range('2021-01-01', periods=n, freq='D')
    c = dict(lat=ds.lat.values, lon=ds.lon.values)
    cols = xr.Dataset(dict(no2_trop=(('time', 'lat', 'lon'), s.no2_trop.values), valid=(('time', 'lat', 'lon'), s.valid.values.astype(bool))),
                      coords=dict(time=days, **c))
    hours = pd.date_range(days[0], periods=24 * n + 1, freq='h'); k = np.minimum(np.arange(len(hours)) // 24, n - 1)
    met = xr.Dataset({v: (('time', 'lat', 'lon'), s[v].values[k]) for v in ('u', 'v', 'pblh', 't2m', 'cloud_fraction', 'sza')},
                     coords=dict(time=hours, **c))
    prior = xr.Dataset(dict(emissions=(('lat', 'lon'), s.prior.values.mean(0), {'units': 'mol m-2 s-1'})), coords=c)
    return cols, met, prior

if __name__ == '__main__':
    p = argparse.ArgumentParser(); p.add_argument('--days', type=int, nargs='+', default=[1, 4, 16, 31])
    p.add_argument('--repeat', type=int, default=20); p.add_argument('--threads', type=int, default=1)
    p.add_argument('--tiny', action='store_true', help='smoke test: a tiny model and map (seconds)')
    a = p.parse_args(); torch.set_num_threads(a.threads); cpu = torch.device('cpu')
    shape, arch = ((16, 16), dict(width=4, depth=2)) if a.tiny else ((40, 40), {})
    with tempfile.TemporaryDirectory() as tmp:
        data = toy_dataset(f'{tmp}/data', n=max(max(a.days), 12), shape=shape)
        cfg = train_config(get_profile('quick'), 'unet', epochs=1, batch_size=4, patch=shape[0], device='cpu', **arch)
        fit('unet', data, f'{tmp}/run', cfg, progress=False)
        ds = xr.load_dataset(data / 'samples.nc')
        out = {}
        for n in a.days:
            cols, met, prior = world_inputs(ds, n)
            out[n] = round(_timed(lambda: infer.predict(f'{tmp}/run', cols, met, prior, device='cpu'), cpu, a.repeat) / n, 6)
        model, meta = infer.load_run(f'{tmp}/run')
        b = infer._model_inputs(cols, met, prior, meta, meta.get('local_hour', 13.5))
        fwd = _timed(lambda: infer._predict_tensor(model, b, meta['norm'], 16, cpu), cpu, a.repeat) / n
    print(json.dumps(dict(s_per_day=out, forward_s_per_day=round(fwd, 6), grid=list(shape), model='unet',
                          width=cfg['width'], depth=cfg['depth'], threads=torch.get_num_threads())))
