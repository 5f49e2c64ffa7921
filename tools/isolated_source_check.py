"""An isolated point source in clean air, closed loop: does a trained network follow its plume?

In the meteorology of one synthetic test world (06_dataset's pipeline, quick domain) every cell gets a weak background
(`--background` x the world's mean emission) and one cell a point source of the prior's strength (0.96 kg/s, the CoCO2
catalogue's Matimba) or of the field estimate's (2.8 kg/s). The truth runs through the embedded CTM and the satellite
operator (the world's noise and clouds); the prior (always 0.96 kg/s) through the CTM for its column. The network runs
with the prior and its column, with the prior alone and without a prior. Totals within 30 km of the source (kg s-1 as
NO2), mean over the world-month's days. Prints one CSV row per case; a check outside `make reproduce` for
paper/sections/11_real_data.md.

    .venv/bin/python tools/isolated_source_check.py [--run RUN_DIR] [--world 0] [--months 2021-01 2021-07]
"""
import argparse, sys
from types import SimpleNamespace
import numpy as np, pandas as pd, xarray as xr, torch
from noxnb import dataset, infer, real
from noxnb.core import get_profile, M_NO2

def point_field(hourly, i, j, kg_s, background, area):
    "Hourly emissions (mol m-2 s-1): `background` x the mean of `hourly` everywhere, plus `kg_s` (as NO2) in cell (i, j)."
    e = xr.zeros_like(hourly) + background * float(hourly.mean())
    e[:, i, j] += kg_s / M_NO2 / area[i, j]
    return xr.Dataset({'emissions': e.assign_attrs(units='mol m-2 s-1')})

def case(w, conf, sat, run, truth_kg, prior_kg, background, i, j):
    "One closed-loop case: the network's three modes and the truth, within 30 km of cell (i, j) (kg s-1)."
    g = w.grid; lat, lon = float(g.lat[i]), float(g.lon[j])
    tot = lambda e: float(np.mean([real.integrate_emissions(e.isel(time=k), lat, lon, 30.) for k in range(e.sizes['time'])]))
    truth, prior = (point_field(w.emissions.emissions, i, j, k, background, g.cell_area()) for k in (truth_kg, prior_kg))
    ctm_t = dataset.world_ctm(truth, w, conf, all_hours=False)
    obs = dataset.observe_world(SimpleNamespace(task=w.task, days=w.days, grid=g, meteo=w.meteo, ctm=ctm_t), conf)
    pcol = dataset.overpass_column(dataset.world_ctm(prior, w, conf, all_hours=False), w.meteo, w.days, g, conf['local_hour'], satellite=sat)
    row = dict(month=w.task['month'], background=background, truth=tot(truth.emissions), prior=tot(prior.emissions))
    for mode, p, pc in (('with prior and its column', prior, pcol), ('with prior, no column', prior, None), ('no prior', None, None)):
        row[mode] = tot(infer.predict(run, obs, w.meteo, p, prior_column=pc).emissions)
    row['source_cell_enhancement_umol_m2'] = 1e6 * float((obs.no2_trop.isel(lat=i, lon=j) - obs.no2_trop.median(('lat', 'lon'))).mean())
    return row

if __name__ == '__main__':
    p = argparse.ArgumentParser(); p.add_argument('--run'); p.add_argument('--world', type=int, default=0)
    p.add_argument('--months', nargs='+', default=['2021-01', '2021-07']); p.add_argument('--background', type=float, default=0.02)
    a = p.parse_args(); torch.set_num_threads(1)
    cfg = get_profile('quick'); conf, sat = dataset.dataset_config(cfg), cfg.section('satellite')
    run = a.run or infer.best_model_path('quick')
    rows = []
    for month in a.months:
        w = dataset.simulate_world(dict(world=a.world, month=month), conf)
        i, j = (n // 2 for n in w.grid.shape)
        rows += [case(w, conf, sat, run, t, 0.96, a.background, i, j) for t in (0.96, 2.8)]
    pd.DataFrame(rows).round(3).to_csv(sys.stdout, index=False)
