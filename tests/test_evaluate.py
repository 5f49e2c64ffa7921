"""10_evaluate end to end on a tiny world: every kind of method through `infer_all`, the score table, and resume."""
import numpy as np, pandas as pd, pytest, torch, xarray as xr
from noxnb import dataset, evaluate, testing, train
from noxnb.core import get_profile


@pytest.fixture(scope='module')
def world_and_run(tmp_path_factory):
    torch.set_num_threads(1)
    tmp = tmp_path_factory.mktemp('ev')
    data = testing.toy_dataset(tmp / 'ds', n=24, shape=(16, 16))
    train.fit('cvae', data, tmp / 'cvae', train.train_config(None, epochs=1, width=8, depth=2, batch_size=4, patch=16), progress=False)
    conf = dataset.dataset_config(get_profile('quick'), grid='38,39,115,116,0.25', days_per_month=2, spinup_days=1)
    return conf, dataset.simulate_world(dict(world=0, month='2021-07'), conf), {'cvae': tmp / 'cvae'}, tmp


def test_infer_all_every_kind_of_method(world_and_run):
    conf, w, runs, tmp = world_and_run
    cfg = get_profile('quick')
    bcfg = cfg.section('baselines') | dict(var_iterations=2)
    methods = ['cvae', 'flux-divergence', 'mass-balance', '4dvar', '4dvar-realistic']
    calls = []
    make = lambda: calls.append(1) or evaluate.infer_all(w, methods, runs, bcfg, cfg.section('satellite'), n_samples=4)
    r = evaluate.cached(tmp / 'out' / 'r.nc', make)
    again = evaluate.cached(tmp / 'out' / 'r.nc', make)
    assert len(calls) == 1 and set(again.data_vars) == set(r.data_vars)
    for m in methods:
        assert r[m].dims == ('time', 'lat', 'lon') and r[m].shape == (2, 4, 4), m
        assert np.isfinite(r[m].values).all() and (r[m].values >= 0).all(), m
        assert r[m].attrs['compute_s_per_day'] > 0, m
    assert (r['cvae_sigma'].values >= 0).all()
    # the truth is the daily mean of the hourly truth, the same days as the composite
    np.testing.assert_allclose(r.truth.values, w.emissions.emissions.resample(time='1D').mean().sel(time=w.days).values, rtol=1e-6)
    rows = evaluate.score_rows(r, ['prior', *methods], min_share=0.)
    assert set(rows.scale) == {'grid', 'province', 'national'}
    assert rows.groupby(['method', 'scale']).size().min() >= 3
    assert np.isfinite(rows[rows.metric.isin(['nrmse', 'nmb', 'mare'])].value).all()


def test_wind_error_changes_what_methods_see(world_and_run):
    conf, w, runs, tmp = world_and_run
    cfg = get_profile('quick')
    met = evaluate.perturb_meteo(w.meteo, 0.4, seed=3)
    assert not np.allclose(met.u.values, w.meteo.u.values, rtol=1e-6, atol=0)
    np.testing.assert_allclose(met.pblh.values, w.meteo.pblh.values)
    a = evaluate.infer_all(w, ['flux-divergence'], runs, cfg.section('baselines'), cfg.section('satellite'))
    b = evaluate.infer_all(w, ['flux-divergence'], runs, cfg.section('baselines'), cfg.section('satellite'), meteo=met)
    assert not np.allclose(a['flux-divergence'].values, b['flux-divergence'].values, rtol=1e-6, atol=0)  # emissions ~1e-9: no absolute tolerance
    np.testing.assert_allclose(a.truth.values, b.truth.values)
