"""Benchmark of the embedded CTM (noxnb.ctm) on the full China domain (0.25°, 160 × 280 cells), hourly output.

Usage: python benchmarks/ctm.py [--days 4] [--device cpu|cuda] [--float64] [--no-compile] [--threads N]
Simulates `--days` independent days batched in one tensor (24 hourly steps each, every hour output), times the
forward run (no autograd) and a forward + backward run (gradient of the NO2 columns with respect to all emissions),
and prints one JSON object as its last line: china_days_per_s, device, peak_mem_mb, adjoint_cost_ratio, ...
"""
import argparse, json, resource, time
import torch
from noxnb.ctm import CTMParams, meteo_tensors, simulate
from noxnb.demo import demo_inputs
from noxnb.grid import get_grid

def inputs(days, device, dtype, seed=0):
    "Emissions (days, 24, nlat, nlon) and meteorology of a July day on the China grid, emissions scaled per day."
    grid = get_grid('china')
    em, met = demo_inputs(grid, '2021-07-01', 24, n_cities=60, seed=seed)
    e = torch.as_tensor(em.emissions.values, device=device, dtype=dtype)[None]
    scale = torch.linspace(0.5, 1.5, days, device=device, dtype=dtype)[:, None, None, None]
    return grid, (e * scale).contiguous(), meteo_tensors(met, em.time, device, dtype)

def timed(fn, device):
    if device.type == 'cuda': torch.cuda.synchronize()
    t = time.perf_counter(); out = fn()
    if device.type == 'cuda': torch.cuda.synchronize()
    return out, time.perf_counter() - t

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--days', type=int, default=4); ap.add_argument('--device', default=None)
    ap.add_argument('--float64', action='store_true'); ap.add_argument('--no-compile', action='store_true')
    ap.add_argument('--threads', type=int, default=None); ap.add_argument('--adjoint-days', type=int, default=None)
    a = ap.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    device = torch.device(a.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    dtype, compile = (torch.float64 if a.float64 else torch.float32), not a.no_compile
    grid, e, met = inputs(a.days, device, dtype)
    fwd = lambda e: simulate(e, met, grid, compile=compile)
    with torch.no_grad(): _, t_warm = timed(lambda: fwd(e), device)       # includes compilation
    with torch.no_grad(): out, t_fwd = timed(lambda: fwd(e), device)
    nadj = a.adjoint_days or a.days
    ea = e[:nadj].clone().requires_grad_()
    def fwd_bwd():
        ea.grad = None; fwd(ea)['no2_column'].sum().backward(); return ea.grad
    with torch.no_grad(): fwd(ea.detach())                                # compile for this batch size
    timed(fwd_bwd, device)                                                # compile the backward
    with torch.no_grad(): _, t_fwd_adj = timed(lambda: fwd(ea.detach()), device)
    grad, t_fb = timed(fwd_bwd, device)
    peak = (torch.cuda.max_memory_allocated(device) / 2**20 if device.type == 'cuda'
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    res = dict(china_days_per_s=round(a.days / t_fwd, 3), device=str(device) if device.type == 'cpu' else torch.cuda.get_device_name(device),
               threads=torch.get_num_threads(), batch_days=a.days, grid=list(grid.shape), hourly_outputs=int(out['no2_column'].shape[1]),
               float32=dtype == torch.float32, compiled=compile, forward_s=round(t_fwd, 3), first_call_s=round(t_warm, 3),
               adjoint_batch_days=nadj, adjoint_cost_ratio=round(t_fb / t_fwd_adj, 3), peak_mem_mb=round(peak, 1),
               finite_gradient=bool(torch.isfinite(grad).all()))
    print(json.dumps(res))

if __name__ == '__main__':
    main()
