"""Shared test helpers: the repository root, one way to run this checkout's code (the `noxnb` command line, a CLI
function, a module, a script) in a subprocess, and checks of how a command fails."""
import hashlib, os, re, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent   # the repository; tests import it with `from conftest import ROOT`

def run_python(*args, code=None, func=None, module=None, pre="", env=None, timeout=300, cwd=None, wait=True):
    """Run this checkout's code in a new Python process: `python -c CODE ARGS...`, the CLI function `func`
    ('package.module:name', called with ARGS and its return value the exit status) after the Python code `pre`,
    `python -m MODULE ARGS...`, or, with none of them, `python ARGS...` (a script and its arguments).
    The one place that sets a subprocess's environment: os.environ, this checkout first on PYTHONPATH, short HTTP
    back-offs, no NOXNB_DEBUG, then `env`. Returns the CompletedProcess (text), or with wait=False the Popen
    (stdout discarded, stderr piped)."""
    if func is not None:
        mod, name = func.split(":")
        code = f"{pre}\nimport sys; from {mod} import {name}; sys.exit({name}(sys.argv[1:]))"
    pypath = os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    e = {**os.environ, "PYTHONPATH": pypath, "NOXNB_HTTP_BACKOFF": "0.01", **(env or {})}
    e.pop("NOXNB_DEBUG", None)
    how = ["-c", code] if code is not None else ["-m", module] if module is not None else []
    cmd = [sys.executable, *how, *map(str, args)]
    if not wait: return subprocess.Popen(cmd, cwd=cwd, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=timeout, cwd=cwd)

def run_noxnb(*args, **kw):
    "Run `noxnb ARGS...` (this checkout's code) in a subprocess: `run_python` with func='noxnb.cli:main'."
    return run_python(*args, func="noxnb.cli:main", **kw)

def snapshot(*folders):
    "{path: sha256} of every file (hidden ones too) under the folders: to check nothing was written or changed."
    out = {}
    for f in folders:
        for p in sorted(Path(f).rglob("*")):
            if p.is_file(): out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out

def message_lines(stderr):
    "The lines of stderr without progress bars and notes: errors, warnings, what was skipped."
    lines = [l.strip() for l in re.split(r"[\r\n]+", stderr) if l.strip() and "%|" not in l]
    return [l for l in lines if "no --prior given" not in l]

def assert_fails_cleanly(r, code, first_line, before=None, after=None):
    "Exit status `code`, stderr's first message line contains `first_line`, no traceback, and (when given) files unchanged."
    lines = message_lines(r.stderr)
    assert r.returncode == code, f"exit {r.returncode}, expected {code}:\n{r.stderr[-2000:]}"
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    assert lines and first_line in lines[0], f"first stderr line {lines[:1]}, expected {first_line!r}:\n{r.stderr[-1500:]}"
    if before is not None: assert after == before, "files were written or changed"

@pytest.fixture
def noxnb():
    return run_noxnb
