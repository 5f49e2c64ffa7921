"""DDP: `noxnb train` under torchrun with 2 CPU processes (gloo) trains, each rank works on its own half of every
epoch, and rank 0 writes the metrics, checkpoints and summary (08_train)."""
import json, textwrap
import pandas as pd
from conftest import run_python

def test_ddp_two_cpu_processes(tmp_path):
    from noxnb.testing import toy_dataset
    data = toy_dataset(tmp_path / 'data', n=24, shape=(8, 8))   # 16 training days
    script = tmp_path / 'run.py'
    script.write_text(textwrap.dedent(f"""
        import os, sys
        from noxnb import train
        steps = []
        orig = train.fit
        def fit(*a, **k):
            k['callback'] = lambda e, s: steps.append((e, s))
            return orig(*a, **k)
        train.fit = fit
        rc = train.train_cli(sys.argv[1:])
        open({str(tmp_path)!r} + f"/steps_rank{{os.environ['RANK']}}.txt", 'w').write(str(len(steps)))
        sys.exit(rc)
    """))
    torchrun = ['--standalone', '--nproc_per_node', '2']   # python -m torch.distributed.run ...
    args = [str(script), '--model', 'smaat-unet', '--data', str(data), '--out', str(tmp_path / 'run'), '--epochs', '2',
            '--width', '4', '--depth', '2', '--patch', '8', '--batch-size', '2', '--threads', '1', '--device', 'cpu', '--no-progress']
    r = run_python(*torchrun, *args, module='torch.distributed.run', env=dict(OMP_NUM_THREADS='1'), timeout=400)
    assert r.returncode == 0, r.stderr[-3000:]
    summary = json.loads((tmp_path / 'run' / 'summary.json').read_text())
    assert summary['world_size'] == 2 and summary['epochs_run'] == 2
    # 16 training days over 2 ranks, batch 2: 4 steps per rank per epoch, 8 over 2 epochs (a single process would take 16)
    assert [int((tmp_path / f'steps_rank{r}.txt').read_text()) for r in (0, 1)] == [8, 8]
    m = pd.read_csv(tmp_path / 'run' / 'metrics.csv')
    assert len(m) == 2 and m.val_rmse.notna().all()
    assert (tmp_path / 'run' / 'best.pt').exists() and (tmp_path / 'run' / 'last.pt').exists()
