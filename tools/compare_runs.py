"""Compare trained runs on a dataset's stored test split: MSE skill against the prior at the grid, on 4x4-cell means and for
the daily domain total, and the daily domain total's mean absolute relative error, with 90 % intervals from a bootstrap
over test worlds; with two runs, also their paired difference. A run given as A+B is the mean of the runs' predictions;
RUN:no-prior runs it without its prior (as `train.drop_prior` gives it: zero prior, no prior column). Also the domain
level: the least-squares slope of ln(ΣÊ/ΣP) on ln(ΣE/ΣP) and the SD of their difference, over the days whose prior is
not plants-only.

    .venv/bin/python tools/compare_runs.py DATASET_DIR RUN [RUN ...]

Used for the training-length and previous-days experiments of paper/sections/08_train.md (the stored samples, not the
re-simulated test worlds of 10_evaluate, so its numbers are close to but not those of 10's tables)."""
import sys
import numpy as np, torch, xarray as xr
from torch.utils.data import DataLoader
from noxnb.infer import load_run
from noxnb.models import predict_emissions
from noxnb.train import drop_prior, open_split, samples_path

def predictions(run, data):
    "(prediction, truth, prior) of the test split in target-scale units, (N, H, W); RUN:no-prior without the prior."
    run, _, mode = run.partition(':')
    if mode not in ('', 'no-prior'): sys.exit(f"unknown mode {mode!r}: only 'no-prior'")
    m, meta = load_run(run); ds = open_split(data, 'test', prev_days=meta['cfg'].get('prev_days', 0))
    out = []
    with torch.no_grad():
        for b in DataLoader(ds, 16):
            given = drop_prior(b, 1., meta['norm']) if mode else b  # what the model sees; the prior scored against stays b's
            p, _ = predict_emissions(m, given['x'], given['prior'], 1)
            out.append((p[:, 0].numpy(), b['y'][:, 0].numpy(), b['prior'][:, 0].numpy()))
    return [np.concatenate(a) for a in zip(*out)]

def coarse(a, k=4):
    "Means of k x k cells (the map cropped to a multiple of k)."
    n, h, w = a.shape; h, w = h // k * k, w // k * k
    return a[:, :h, :w].reshape(n, h // k, k, w // k, k).mean((2, 4))

def errors(run, data, area):
    "Per-sample squared errors of the run and of the prior (grid, coarse, domain), the domain total's relative error and log levels."
    ps = [predictions(r, data) for r in run.split('+')]
    p, y, q = np.mean([x[0] for x in ps], 0), ps[0][1], ps[0][2]
    tot = lambda a: (a * area).sum((1, 2))
    se = lambda a, b: ((a - b) ** 2).mean((1, 2))
    return dict(g=se(p, y), gq=se(q, y), c=se(coarse(p), coarse(y)), cq=se(coarse(q), coarse(y)),
                d=(tot(p) - tot(y)) ** 2, dq=(tot(q) - tot(y)) ** 2, mare=np.abs(tot(p) / tot(y) - 1),
                lh=np.log(tot(p) / tot(q)), lt=np.log(tot(y) / tot(q)))

def skills(e, worlds, pick, plants):
    "MSE skills (grid, coarse, domain), MARE and the level's slope and residual SD of the samples of the worlds in `pick` (with repeats)."
    sel = np.concatenate([np.flatnonzero(worlds == w) for w in pick]); lv = sel[~plants[sel]]
    return {k: 1 - e[k][sel].sum() / e[k + 'q'][sel].sum() for k in 'gcd'} | dict(mare=e['mare'][sel].mean(),
            level_slope=np.polyfit(e['lt'][lv], e['lh'][lv], 1)[0], level_sd=(e['lh'] - e['lt'])[lv].std())

def interval(f, W, boots):
    "Point value and 5-95 % bootstrap interval of every entry of f(worlds)."
    pt, bs = f(W), [f(b) for b in boots]
    return {k: f"{pt[k]:+.3f} [{np.percentile([b[k] for b in bs], 5):+.3f}, {np.percentile([b[k] for b in bs], 95):+.3f}]" for k in pt}

def main(data, *runs):
    torch.set_num_threads(1)
    with xr.open_dataset(samples_path(data), engine='h5netcdf') as s:
        t = s.split.values == 'test'
        worlds, area, plants = s.world.values[t], np.cos(np.deg2rad(s.lat.values))[:, None], s.plants_only.values[t].astype(bool)
    W = np.unique(worlds); rng = np.random.default_rng(0); boots = [rng.choice(W, len(W)) for _ in range(500)]
    e = {r: errors(r, data, area) for r in runs}
    for r in runs: print(r, interval(lambda w: skills(e[r], worlds, w, plants), W, boots))
    if len(runs) == 2:
        a, b = runs
        print(f'{b} - {a}', interval(lambda w: {k: skills(e[b], worlds, w, plants)[k] - skills(e[a], worlds, w, plants)[k] for k in ('g', 'c', 'd', 'mare')}, W, boots))

if __name__ == '__main__':
    if len(sys.argv) < 3: sys.exit(__doc__)
    main(*sys.argv[1:])
