"""Every benchmark runs at a tiny size as a smoke test (no timing thresholds): none can break silently."""
import json
import pytest
from conftest import ROOT, run_python

@pytest.mark.parametrize("script,args", [("train.py", ["--tiny", "--steps", "1", "--device", "cpu"]),
                                         ("gridding.py", ["--scanlines", "40", "--sample", "50", "--repeat", "1"]),
                                         ("ctm.py", ["--days", "1", "--no-compile", "--adjoint-days", "1", "--device", "cpu"]),
                                         ("infer.py", ["--tiny", "--days", "1", "2", "--repeat", "1"])])
def test_benchmark_smoke(script, args):
    r = run_python(ROOT / "benchmarks" / script, *args, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert isinstance(json.loads(r.stdout.strip().splitlines()[-1]), dict)
