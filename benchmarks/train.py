"""Training and inference speed of the SmaAT-UNet (08_train).

Prints one JSON object as its last line:
  train_samples_per_s     training samples (patches) per second, quick-profile model, patch and batch size
  infer_s_per_china_day   seconds for one full-China 0.25° day (160 × 280 cells), quick-profile model, no_grad
  infer_s_per_china_day_paper_model   the same with the paper-profile model
  loader_s_per_batch      seconds to assemble one training batch (quick patch and batch size) from a toy dataset of
                          40 x 40 cells and 864 samples (576 training days), through make_loader/PatchDataset
  device, threads, and the configurations used.
Synthetic tensors (no data loading) for the model steps, median over repeated steps after a warm-up; the loader is
timed over one whole training epoch.
Usage: python benchmarks/train.py [--device cpu|cuda] [--steps N] [--tiny]
"""
import argparse, json, statistics, tempfile, time
import torch
from noxnb.core import get_profile
from noxnb.grid import get_grid
from noxnb.models import build_model
from noxnb.testing import toy_dataset
from noxnb.train import make_loader, train_config
from noxnb import inputs

def _sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()

def _timed(fn, dev, steps, warmup=2):
    for _ in range(warmup): fn()
    ts = []
    for _ in range(steps):
        _sync(dev); t = time.perf_counter(); fn(); _sync(dev); ts.append(time.perf_counter() - t)
    return statistics.median(ts)

def train_speed(c, dev, steps, nch):
    "Training samples per second of the SmaAT-UNet at the configuration `c`."
    m = build_model('smaat-unet', nch, c['width'], c['depth'], c['head'], input_skip=c.get('input_skip', False)).to(dev).train()
    opt = torch.optim.AdamW(m.parameters(), c['lr'])
    x = torch.randn(c['batch_size'], nch, c['patch'], c['patch'], device=dev); y = torch.rand_like(x[:, :1])
    prior = torch.rand_like(y)  # a prior-ratio head scales a prior: without one it refuses to run
    def step():
        with torch.autocast('cuda', dtype=torch.bfloat16, enabled=dev.type == 'cuda'):
            loss = ((m(x, prior).float() - y)**2).mean()
        opt.zero_grad(); loss.backward(); opt.step()
    return c['batch_size'] / _timed(step, dev, steps)

@torch.no_grad()
def infer_time(c, dev, steps, nch, shape=None):
    "Seconds for one full-China day (or a map of `shape`) with the SmaAT-UNet at configuration `c`."
    m = build_model('smaat-unet', nch, c['width'], c['depth'], c['head'], input_skip=c.get('input_skip', False)).to(dev).eval()
    x = torch.randn(1, nch, *(shape or get_grid('china').shape), device=dev)
    prior = torch.rand_like(x[:, :1])
    return _timed(lambda: m(x, prior), dev, steps)

def loader_time(c, n=864):
    "Seconds per training batch of `make_loader` over one epoch of a 40 x 40-cell toy dataset of `n` samples."
    with tempfile.TemporaryDirectory() as tmp:
        ld = make_loader(toy_dataset(tmp, n=n, shape=(40, 40)), 'train', c)
        t = time.perf_counter(); n = sum(1 for _ in ld)
        return (time.perf_counter() - t) / n

if __name__ == '__main__':
    p = argparse.ArgumentParser(); p.add_argument('--device'); p.add_argument('--steps', type=int, default=10)
    p.add_argument('--tiny', action='store_true', help='smoke test: tiny models, patches and maps (seconds on a CPU)')
    a = p.parse_args()
    dev = torch.device(a.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    small = dict(width=4, depth=2, patch=16, batch_size=2) if a.tiny else {}
    q, pp = train_config(get_profile('quick'), **small), train_config(get_profile('paper'), **small)
    shape = (32, 32) if a.tiny else None
    nch = len(inputs.INPUT_CHANNELS)
    out = dict(train_samples_per_s=round(train_speed(q, dev, a.steps, nch), 2),
               loader_s_per_batch=round(loader_time(q, 64 if a.tiny else 864), 5),
               infer_s_per_china_day=round(infer_time(q, dev, a.steps, nch, shape), 4),
               infer_s_per_china_day_paper_model=round(infer_time(pp, dev, max(3, a.steps // 3), nch, shape), 4),
               train_samples_per_s_paper_model=round(train_speed(pp, dev, max(3, a.steps // 3), nch), 2),
               device=torch.cuda.get_device_name(dev) if dev.type == 'cuda' else f'cpu ({torch.get_num_threads()} threads)',
               threads=torch.get_num_threads(), china_grid=list(get_grid('china').shape),
               quick=dict(width=q['width'], depth=q['depth'], patch=q['patch'], batch_size=q['batch_size']),
               paper=dict(width=pp['width'], depth=pp['depth'], patch=pp['patch'], batch_size=pp['batch_size']))
    print(json.dumps(out))
