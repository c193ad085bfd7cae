"The package's import graph: one-way, counting the imports inside functions too."
import ast
from pathlib import Path
import trickvos

PKG = Path(trickvos.__file__).parent


def import_graph(pkg=PKG):
    "{module: {module it imports, at the top or inside a function}} over the package's own modules."
    mods = {p.stem for p in pkg.glob('*.py') if not p.stem.startswith('_')}
    graph = {}
    for m in sorted(mods):
        deps = set()
        for n in ast.walk(ast.parse((pkg / f'{m}.py').read_text())):
            if isinstance(n, ast.ImportFrom) and n.module is None and n.level == 1:      # from . import x
                deps |= {a.name for a in n.names}
            elif isinstance(n, ast.ImportFrom) and n.module:
                parts = n.module.split('.')
                if n.level == 1: deps.add(parts[0])
                elif parts[0] == 'trickvos': deps |= {parts[1]} if len(parts) > 1 else {a.name for a in n.names}
            elif isinstance(n, ast.Import):
                deps |= {a.name.split('.')[1] for a in n.names if a.name.startswith('trickvos.')}
        graph[m] = (deps & mods) - {m}
    return graph


def cycles(graph):
    "Every strongly connected group of more than one module (Tarjan): each is an import cycle."
    index, low, stack, on, out = {}, {}, [], set(), []
    def visit(v):
        index[v] = low[v] = len(index); stack.append(v); on.add(v)
        for w in graph[v]:
            if w not in index: visit(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop(); on.discard(w); group.add(w)
                if w == v: break
            if len(group) > 1: out.append(sorted(group))
    for v in graph:
        if v not in index: visit(v)
    return out


def test_cycle_finder_finds_cycles():
    assert cycles({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}) == [['a', 'b', 'c']]
    assert cycles({'a': {'b'}, 'b': set()}) == []


def test_import_graph_reads_function_level_imports(tmp_path):
    (tmp_path / 'a.py').write_text('def f():\n    from trickvos.b import g\n')
    (tmp_path / 'b.py').write_text('from .a import f\n')
    assert import_graph(tmp_path) == {'a': {'b'}, 'b': {'a'}} and cycles(import_graph(tmp_path)) == [['a', 'b']]


def test_package_imports_one_way():
    graph = import_graph()
    assert {'inference', 'processors', 'evaluation', 'export'} <= set(graph)
    assert cycles(graph) == [], f'import cycles: {cycles(graph)}'
    assert not graph['inference'] & {'export', 'speed', 'practices', 'processors', 'evaluation'}   # the frame path knows no option


def test_every_module_says_its_job():
    "Each module opens with a docstring (its notebook's summary)."
    for p in sorted(PKG.glob('*.py')):
        if p.stem.startswith('_'): continue
        doc = ast.get_docstring(ast.parse(p.read_text()))
        assert doc and len(doc.split()) >= 8, f'{p.name} has no opening docstring'


def test_wrap_lines_script(tmp_path):
    "scripts/wrap_lines.py: long lines of export cells wrapped, the code's meaning kept, other cells left alone."
    import importlib.util, json
    import pytest
    pytest.importorskip('black')
    spec = importlib.util.spec_from_file_location('wrap_lines', PKG.parent / 'scripts' / 'wrap_lines.py')
    w = importlib.util.module_from_spec(spec); spec.loader.exec_module(w)
    long = 'x' * 90
    src = (f'#| export\ndef f(a):\n    "{long} {long}"\n    if a: raise ValueError(f"{long} {{a}}")\n'
           f'    return a  # {long} {long}\n')
    other = f'print("{long} {long}")'
    nb = {'cells': [{'cell_type': 'code', 'source': src}, {'cell_type': 'code', 'source': other}],
          'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
    p = tmp_path / 'a.ipynb'; p.write_text(json.dumps(nb))
    w.main([p])
    got = json.loads(p.read_text())['cells']
    out = ''.join(got[0]['source'])
    assert max(len(l) for l in out.splitlines()) <= 120 and ''.join(got[1]['source']) == other
    ns_a, ns_b = {}, {}
    exec(src, ns_a); exec(out, ns_b)
    assert ns_a['f'](0) == ns_b['f'](0) == 0 and ns_a['f'].__doc__.split() == ns_b['f'].__doc__.split()
    with pytest.raises(ValueError, match='xxx 3'): ns_b['f'](3)


def _map(readme=PKG.parent / 'README.md'):
    "The README's map (built from nbs/index.ipynb): {notebook: module} of the tour, and the layer table's rows of modules."
    import re
    text = readme.read_text()
    tour = dict(re.findall(r'^\| `(\d\d_\w+)` \| `trickvos\.(\w+)` \|', text, re.M))
    layers = [re.findall(r'`(\w+)`', cells) for cells in re.findall(r'^\| [a-z][a-z ]+ \| (`[^|]*) \| [^|]+ \|$', text, re.M)]
    return tour, layers


def test_the_map_matches_the_code():
    "Every notebook is in the tour with the module it exports; every module is in one layer, and imports only its own or lower layers."
    import json, re
    tour, layers = _map()
    nbs = PKG.parent / 'nbs'
    for nb in sorted(nbs.glob('[0-9][0-9]_*.ipynb')):
        src = '\n'.join(''.join(c['source']) for c in json.loads(nb.read_text())['cells'])
        exp = re.search(r'#\|\s*default_exp\s+(\w+)', src)
        assert exp and tour.get(nb.stem) == exp.group(1), f'{nb.stem} exports trickvos.{exp and exp.group(1)}; the map says {tour.get(nb.stem)}'
    mods = {p.stem for p in PKG.glob('*.py') if not p.stem.startswith('_')}
    where = {m: i for i, row in enumerate(layers) for m in row}
    assert sorted(m for row in layers for m in row) == sorted(mods), 'each module in exactly one layer of the map'
    low = [(a, b) for a, deps in import_graph().items() for b in deps if where[b] > where[a]]
    assert not low, f'modules importing from a higher layer of the map: {low}'
