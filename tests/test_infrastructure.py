"Infrastructure: notebooks keep their papermill tags, the CLI starts, notebooks are clean."
import json, re, subprocess, sys
from pathlib import Path
import pytest
from conftest import ROOT

NBS = sorted(p for p in (ROOT/'nbs').glob('[0-9]*.ipynb'))

def _cells(p): return json.loads(p.read_text())['cells']

def _tagged(p): return [c for c in _cells(p) if 'parameters' in c.get('metadata', {}).get('tags', [])]

@pytest.mark.parametrize('nb', NBS, ids=lambda p: p.stem)
def test_at_most_one_parameters_cell(nb):
    assert len(_tagged(nb)) <= 1, f"{nb.name}: more than one cell tagged 'parameters'"

@pytest.mark.parametrize('nb', [p for p in NBS if re.search(r'^\w+ = get_profile\(profile', ''.join(''.join(c['source']) + '\n' for c in _cells(p)), re.M)], ids=lambda p: p.stem)
def test_parameterised_notebooks_have_profile_and_seed(nb):
    cells = _tagged(nb)
    assert len(cells) == 1, f"{nb.name}: uses a profile but has no single cell tagged 'parameters'"
    src = ''.join(cells[0]['source'])
    assert 'profile' in src and 'seed' in src, f"{nb.name}: parameters cell lacks profile or seed"

def test_nbdev_clean_keeps_parameters_tag(tmp_path):
    "nbdev_clean (as configured in settings.ini) must not strip the papermill tag."
    src = next(p for p in NBS if _tagged(p))
    dst = ROOT/'nbs'/f'_tmp_clean_{src.name}'
    dst.write_text(src.read_text())
    try:
        subprocess.run([sys.executable, '-m', 'nbdev.clean', '--fname', str(dst)], check=False, capture_output=True)
        subprocess.run([str(Path(sys.executable).parent/'nbdev_clean'), '--fname', str(dst)], check=True, capture_output=True)
        assert _tagged(dst), 'nbdev_clean removed the parameters tag'
    finally: dst.unlink()

def test_papermill_override_changes_what_runs(tmp_path):
    "A `-p profile paper` override reaches the notebook (the tag is alive after cleaning)."
    import nbformat
    from noxnb.cli import run_notebook
    nb = nbformat.read(ROOT/'nbs'/'01_grid.ipynb', as_version=4)
    keep = [c for c in nb.cells if 'parameters' in c.metadata.get('tags', [])]
    nb.cells = keep + [nbformat.v4.new_code_cell("open('prof.txt', 'w').write(profile)")]
    p = tmp_path/'01_t.ipynb'; nbformat.write(nb, p)
    run_notebook(p, tmp_path/'run', dict(profile='paper', seed=1))
    assert (tmp_path/'prof.txt').read_text() == 'paper'

def test_cli_entry_point():
    r = subprocess.run([str(Path(sys.executable).parent/'noxnb'), '--help'], capture_output=True, text=True)
    assert r.returncode == 0 and 'reproduce' in r.stdout

def test_failing_notebook_stops_reproduce_with_message(tmp_path):
    import nbformat
    nb = nbformat.v4.new_notebook(); nb.cells = [nbformat.v4.new_code_cell("raise RuntimeError('boom')")]
    p = tmp_path/'03_fail.ipynb'; nbformat.write(nb, p)
    from noxnb.cli import run_notebook
    from noxnb.core import NoxnbError
    with pytest.raises(NoxnbError, match=r"03_fail.ipynb failed in cell 1 .*RuntimeError: boom"):
        run_notebook(p, tmp_path/'run', {})

def test_plots_never_download():
    "Maps draw offline: cartopy's DownloadWarning is an error while plotting."
    import warnings, numpy as np, matplotlib; matplotlib.use('Agg')
    from cartopy.io import DownloadWarning
    from noxnb.grid import get_grid, plot_map
    g = get_grid('ncp')
    with warnings.catch_warnings():
        warnings.simplefilter('error', DownloadWarning)
        ax = plot_map(g.zeros('x', '1') + 1.0); ax.figure.canvas.draw()
