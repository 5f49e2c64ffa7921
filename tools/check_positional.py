"""List every call to the public functions with a keyword-only cut and its count of positional arguments.

Usage: python tools/check_positional.py [-v]   (from the repository root). Exit 1 if a call passes more positional
arguments than the function accepts, or a `*args` call / non-call reference needs reading.
Scans noxnb/*.py, tests/*.py, benchmarks/*.py and every code cell of nbs/*.ipynb (lines starting with `%` or `!` stripped).
"""
import ast, json, sys
from pathlib import Path

FUNCS = {'baselines': ['flux_divergence', 'overpass_columns', 'mass_balance', 'fourdvar'],
         'ctm': ['substep', 'advance_hour', 'simulate_ds'],
         'download': ['download_resumable'],
         'real': ['cross_sectional_flux'],
         'satellite': ['observe', 'make_l2_pixels'],
         'variability': ['perturbed_world', 'world_draws', 'daily_variability']}

# `*args` calls read by hand: the starred expression → how many positional arguments it unpacks to
KNOWN_STAR = {'stage_inputs(date)': 2}  # nbs/04_ctm.ipynb: returns (hourly emissions, meteorology)

def limits():
    "name → (positional parameters, excluding self; keyword-only parameters) from the module definitions."
    out = {}
    for mod, names in FUNCS.items():
        for n in ast.parse(Path(f'noxnb/{mod}.py').read_text()).body:
            if isinstance(n, ast.FunctionDef) and n.name in names:
                a = n.args
                pos = [p.arg for p in a.posonlyargs + a.args if p.arg != 'self']
                out[n.name] = (len(pos), len(a.kwonlyargs))
    assert len(out) == sum(map(len, FUNCS.values())), out
    return out

def sources():
    for d in ('noxnb', 'tests', 'benchmarks'):
        for p in sorted(Path(d).glob('*.py')):
            if p.name == '_modidx.py': continue
            yield str(p), p.read_text()
    for p in sorted(Path('nbs').glob('*.ipynb')):
        for i, c in enumerate(json.loads(p.read_text())['cells']):
            if c['cell_type'] != 'code': continue
            s = ''.join(c['source'])
            s = '\n'.join('' if l.lstrip().startswith(('%', '!')) else l for l in s.splitlines())
            yield f'{p}[cell {i}]', s

def callee(f, aliases):
    if isinstance(f, ast.Name): return aliases.get(f.id, f.id)
    if isinstance(f, ast.Attribute): return f.attr
    return None

def local_aliases(t, lim, aliases):
    """Names bound to one of the functions, read from `x = fn`, `x = wrap(fn, ...)` (e.g. `_maybe_compiled(substep, c)`,
    `functools.partial(fn, a)`: the bound positional arguments count) and dicts of them (`METHODS = {...}`, called as `METHODS[k](...)`)."""
    single, table, bound = {}, {}, {}
    for n in ast.walk(t):
        if not (isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)): continue
        x, v = n.targets[0].id, n.value
        if callee(v, aliases) in lim: single[x] = callee(v, aliases)
        elif isinstance(v, ast.Call) and v.args and callee(v.args[0], aliases) in lim:
            single[x] = callee(v.args[0], aliases)
            if callee(v.func, {}) == 'partial': bound[x] = len(v.args) - 1
        elif isinstance(v, ast.Dict) and any(callee(e, aliases) in lim for e in v.values):
            table[x] = [callee(e, aliases) for e in v.values if callee(e, aliases) in lim]
    return single, table, bound

def scan(verbose=False):
    lim, calls, bad, unparsed, refs = limits(), [], [], [], []
    for where, s in sources():
        try: t = ast.parse(s)
        except SyntaxError as e: unparsed.append(f'{where}: {e}'); continue
        aliases = {a.asname: a.name for n in ast.walk(t) if isinstance(n, ast.ImportFrom)
                   for a in n.names if a.asname and a.name in lim}
        single, table, bound = local_aliases(t, lim, aliases)
        called = set()
        for n in ast.walk(t):
            if not isinstance(n, ast.Call): continue
            f, extra = n.func, 0
            if isinstance(f, ast.Name) and f.id in single: names, extra = [single[f.id]], bound.get(f.id, 0)
            elif isinstance(f, ast.Subscript) and isinstance(f.value, ast.Name) and f.value.id in table: names = table[f.value.id]
            elif callee(f, aliases) in lim: names = [callee(f, aliases)]; called.add(id(f))
            else: continue
            npos = extra + sum(not isinstance(a, ast.Starred) for a in n.args)
            stars = [ast.unparse(a.value) for a in n.args if isinstance(a, ast.Starred)]
            star = any(e not in KNOWN_STAR for e in stars)
            npos += sum(KNOWN_STAR.get(e, 0) for e in stars)
            # a method of another object with the same name (e.g. `Foo.observe`) is listed too: read the flagged ones
            for name in names:
                via = '' if callee(f, aliases) == name else f' (via {ast.unparse(f)})'
                rec = (where, n.lineno, name + via, npos, star, lim[name][0])
                calls.append(rec)
                if npos > lim[name][0] or star: bad.append(rec)
        for n in ast.walk(t):  # the function used as a value: partial, lambda target, assignment, argument
            if isinstance(n, (ast.Name, ast.Attribute)) and id(n) not in called and callee(n, aliases) in lim \
               and isinstance(n.ctx, ast.Load):
                refs.append((where, n.lineno, callee(n, aliases)))
    return lim, calls, bad, unparsed, refs

if __name__ == '__main__':
    verbose = '-v' in sys.argv
    lim, calls, bad, unparsed, refs = scan()
    print('limits (positional, keyword-only):', {k: v for k, v in lim.items()})
    per = {}
    for where, line, name, npos, star, mx in calls: per.setdefault(name.split()[0], []).append(npos)
    for name in lim:
        c = per.get(name, [])
        print(f'{name:22s} limit {lim[name][0]:2d}  calls {len(c):3d}  max positional {max(c, default=0):2d}')
    if verbose:
        for where, line, name, npos, star, mx in calls:
            print(f'  {where}:{line} {name} positional={npos}{" + unread *args" if star else ""} (limit {mx})')
    for r in refs: print('reference (read it):', *r)
    for u in unparsed: print('does not parse:', u)
    for where, line, name, npos, star, mx in bad:
        print(f'OVER/STAR {where}:{line} {name} positional={npos}{" + *args" if star else ""} > {mx}')
    print(f'{len(calls)} calls, {len(bad)} over the limit or with *args, {len(refs)} non-call references, {len(unparsed)} unparsed cells')
    sys.exit(1 if bad else 0)
