"""End-to-end tests of `noxnb simulate` (06_dataset): the command line, a kill in the middle of a run followed by a
resume, the Dask local cluster against the in-process scheduler, and the separation of the time splits.

They run the real upstream stages (inventory, meteo, ctm, satellite) on a tiny configuration (a 1°×1° box, 2 worlds,
3 months of 2 days)."""
import json, signal, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pytest, xarray as xr

from conftest import ROOT, run_python
sys.path.insert(0, str(ROOT))
from noxnb.patches import PatchDataset
from noxnb.inputs import INPUT_CHANNELS, STORED_CHANNELS
TINY = dict(grid='36,37,115,116,0.25', worlds=2, months=['2019-01', '2019-02', '2019-03'], val_months=['2019-02'],
            test_months=['2019-03'], days_per_month=2, gap_days=7, spinup_days=1)


def simulate(out, *extra, tiny=TINY, wait=True):
    "Run `noxnb simulate` on the tiny configuration in a new process (a Popen when `wait` is False)."
    sets = [f'{k}={json.dumps(v)}' for k, v in tiny.items()]
    r = run_python('--profile', 'quick', '--out', out, *extra, '--set', *sets, func='noxnb.dataset:simulate_cli',
                   env=dict(OMP_NUM_THREADS='1'), cwd=ROOT, timeout=600, wait=wait)
    if not wait: return r
    assert r.returncode == 0, r.stderr[-3000:]
    return Path(out) / 'samples.nc'


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    "An uninterrupted in-process run."
    return simulate(tmp_path_factory.mktemp('ref'), '--scheduler', 'synchronous')


def test_cli_layout(reference):
    ds = xr.open_dataset(reference)
    assert dict(ds.sizes) == dict(sample=2 * 3 * 2, lat=4, lon=4)
    assert all(k in ds for k in (*STORED_CHANNELS, 'emissions')) and ds.emissions.attrs['units'] == 'mol m-2 s-1'
    norm = json.loads((reference.parent / 'norm.json').read_text())
    assert norm['n_train'] == int((ds.split == 'train').sum()) and norm['channels'] == list(INPUT_CHANNELS)
    item = PatchDataset(reference, 'train', patch=2)[0]
    assert item['x'].shape == (len(INPUT_CHANNELS), 2, 2) and item['y'].shape == (1, 2, 2)


def test_splits_do_not_touch(reference):
    "Every train day is more than gap_days from every val/test day, every val day from every test day."
    ds = xr.open_dataset(reference)
    day = {s: pd.DatetimeIndex(ds.time.values[ds.split.values == s]) for s in ('train', 'val', 'test')}
    for a, b in (('train', 'val'), ('train', 'test'), ('val', 'test')):
        gap = np.abs(day[a].values[:, None] - day[b].values[None, :]).min() / np.timedelta64(1, 'D')
        assert gap > TINY['gap_days'], (a, b, gap)
    assert set(day['val'].strftime('%Y-%m')) == {'2019-02'} and set(day['test'].strftime('%Y-%m')) == {'2019-03'}


def test_kill_then_resume_gives_identical_output(reference, tmp_path):
    "SIGKILL after the first chunk, plus a stale temporary file; the rerun gives the same samples.nc."
    p = simulate(tmp_path, '--scheduler', 'synchronous', wait=False)
    chunks = tmp_path / 'chunks'
    while p.poll() is None and not (chunks.exists() and any(chunks.glob('w*.nc'))): time.sleep(0.05)
    p.send_signal(signal.SIGKILL); p.wait()
    done = sorted(chunks.glob('w*.nc'))
    assert 1 <= len(done) < 6 and not (tmp_path / 'samples.nc').exists(), (done, p.stderr.read()[-3000:])
    (chunks / '.w001_2019-03.nc.half.tmp').write_bytes(b'CDF\x01 half-written')  # what a kill mid-write leaves
    out = simulate(tmp_path, '--scheduler', 'synchronous')
    xr.testing.assert_identical(xr.open_dataset(out).load(), xr.open_dataset(reference).load())
    assert (tmp_path / 'norm.json').read_text() == (reference.parent / 'norm.json').read_text()


def test_local_cluster_matches_synchronous(reference, tmp_path):
    "The default Dask LocalCluster (2 worker processes) gives the same dataset as the in-process scheduler."
    out = simulate(tmp_path, '--workers', '2')
    xr.testing.assert_identical(xr.open_dataset(out).load(), xr.open_dataset(reference).load())


def test_other_configuration_is_refused(reference):
    r = run_python('--out', reference.parent, '--scheduler', 'synchronous', '--seed', '7', '--set',
                   *[f'{k}={json.dumps(v)}' for k, v in TINY.items()], func='noxnb.dataset:simulate_cli', cwd=ROOT, timeout=None)
    assert r.returncode != 0 and 'another configuration' in r.stderr
