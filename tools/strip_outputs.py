"""Strip outputs and execution counts from notebooks, keeping cell tags (papermill's `parameters`).

`nbdev_clean` is configured with `clear_all = False` so that it keeps cell tags; this small step removes what it leaves.
Usage: python tools/strip_outputs.py [--check] [NOTEBOOK ...]   (default: nbs/*.ipynb). With --check, exit 1 if any
notebook carries outputs, without changing it.
"""
import json, sys
from pathlib import Path

def strip(path: Path, check: bool) -> bool:
    "Return True if `path` had outputs or execution counts (and, unless `check`, remove them)."
    nb = json.loads(path.read_text(encoding='utf-8'))
    dirty = False
    for cell in nb.get('cells', []):
        if cell.get('cell_type') != 'code': continue
        if cell.get('outputs') or cell.get('execution_count') is not None: dirty = True
        cell['outputs'], cell['execution_count'] = [], None
    if dirty and not check:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
    return dirty

if __name__ == '__main__':
    args = sys.argv[1:]
    check = '--check' in args
    paths = [Path(a) for a in args if a != '--check'] or sorted(Path('nbs').glob('*.ipynb'))
    dirty = [str(p) for p in paths if strip(p, check)]
    if dirty and check:
        print('notebooks with outputs (run `make clean-nbs`):', *dirty, sep='\n  ')
        sys.exit(1)
