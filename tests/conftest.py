"""Shared test helpers: one way to run the `noxnb` command line in a subprocess and check how it fails."""
import hashlib, os, re, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
_MAIN = "import sys; from noxnb.cli import main; sys.exit(main(sys.argv[1:]))"

def run_noxnb(*args, env=None, timeout=300, cwd=None, pre=""):
    "Run `noxnb ARGS...` (this checkout's code) in a subprocess, after the Python code `pre`; returns the CompletedProcess (text)."
    e = {**os.environ, "PYTHONPATH": str(ROOT), "NOXNB_HTTP_BACKOFF": "0.01", **(env or {})}
    e.pop("NOXNB_DEBUG", None)
    return subprocess.run([sys.executable, "-c", pre + "\n" + _MAIN, *map(str, args)], capture_output=True, text=True,
                          env=e, timeout=timeout, cwd=cwd)

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
