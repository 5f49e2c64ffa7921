"""Resume after a real kill: a training process SIGKILLed in the middle of epoch 2 and restarted ends with the same
weights, bit for bit, as an uninterrupted run (08_train). The kill happens at a fixed step so the test is exact."""
import textwrap
import pytest
import torch
from conftest import run_python

CFG = dict(epochs=3, width=4, depth=2, patch=8, batch_size=4, threads=1)

def _fit_in_subprocess(data, out, kill_at=None):
    "Run `fit` in a fresh Python process; with kill_at=(epoch, step) it SIGKILLs itself after that step."
    code = textwrap.dedent(f"""
        import os, signal
        from noxnb.train import fit
        def cb(epoch, step):
            if (epoch, step) == {kill_at!r}: os.kill(os.getpid(), signal.SIGKILL)
        fit('smaat-unet', {str(data)!r}, {str(out)!r}, {CFG!r}, progress=False, callback=cb)
    """)
    return run_python(code=code, env=dict(OMP_NUM_THREADS='1'), timeout=300)

@pytest.mark.parametrize('model', ['smaat-unet'])
def test_resume_after_sigkill_equals_uninterrupted(tmp_path, model):
    from noxnb.testing import toy_dataset
    from noxnb.train import fit
    data = toy_dataset(tmp_path / 'data', n=12, shape=(8, 8))
    fit(model, data, tmp_path / 'a', CFG, progress=False)                   # uninterrupted
    killed = _fit_in_subprocess(data, tmp_path / 'b', kill_at=(1, 1))
    assert killed.returncode == -9, killed.stderr                               # really killed
    state = torch.load(tmp_path / 'b' / 'last.pt', weights_only=False)['state']
    assert state['epoch'] == 1                                                  # only epoch 0 was saved
    assert _fit_in_subprocess(data, tmp_path / 'b').returncode == 0             # resumed
    wa, wb = (torch.load(tmp_path / k / 'last.pt', weights_only=False)['model'] for k in 'ab')
    assert wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)
    assert (tmp_path / 'a' / 'metrics.csv').read_text().count('\n') == (tmp_path / 'b' / 'metrics.csv').read_text().count('\n') == 4

def test_fresh_run_without_resume_differs_from_a_continued_one(tmp_path):
    "Guard against a vacuous comparison: training 3 more epochs from a finished run changes the weights."
    from noxnb.testing import toy_dataset
    from noxnb.train import fit
    data = toy_dataset(tmp_path / 'data', n=12, shape=(8, 8))
    fit('unet', data, tmp_path / 'a', CFG, progress=False)
    w0 = torch.load(tmp_path / 'a' / 'last.pt', weights_only=False)['model']
    fit('unet', data, tmp_path / 'a', dict(CFG, epochs=5), progress=False)
    w1 = torch.load(tmp_path / 'a' / 'last.pt', weights_only=False)['model']
    assert not all(torch.equal(w0[k], w1[k]) for k in w0)
