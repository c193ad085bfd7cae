"""Build README.md from nbs/index.ipynb without Quarto.

Markdown cells are copied as they are; code cells are shown as Python blocks unless they carry `#| hide`.
Usage: `python scripts/build_readme.py` (writes README.md) or `--check` (exit 1 if README.md is out of date).
"""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "<!-- Generated from nbs/index.ipynb by scripts/build_readme.py; edit the notebook, not this file. -->\n\n"

def _src(cell): return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']

def render(nb_path=ROOT/'nbs'/'index.ipynb'):
    "README text from the notebook at `nb_path`"
    parts = []
    for cell in json.loads(Path(nb_path).read_text())['cells']:
        src = _src(cell).strip()
        if not src: continue
        if cell['cell_type'] == 'markdown': parts.append(src)
        elif cell['cell_type'] == 'code':
            lines = src.splitlines()
            if any(l.strip().startswith('#|') and 'hide' in l for l in lines): continue
            code = '\n'.join(l for l in lines if not l.strip().startswith('#|'))
            if code.strip(): parts.append(f"```python\n{code}\n```")
    return HEADER + '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    text, readme = render(), ROOT/'README.md'
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text() != text: sys.exit('README.md is out of date: run python scripts/build_readme.py')
    else: readme.write_text(text)
