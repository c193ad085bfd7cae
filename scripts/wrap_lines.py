"""Wrap the exported code of notebooks at 120 characters, where it can be done faithfully.

    pip install black
    python scripts/wrap_lines.py nbs/*.ipynb && nbdev-export

In each `#| export` cell, for every line over 120 characters: a trailing comment goes onto its own line(s) above; a
one-line string statement (a docstring) becomes a wrapped triple-quoted one; `header: body` on one line is split
after the colon; a statement on one line is formatted by black (120 wide, quotes kept). Lines inside statements that
span several lines are left as written (black would re-lay the whole call). Notebooks are rewritten in place.
"""
import ast, io, json, re, sys, textwrap, tokenize
from pathlib import Path
W = 120

def _load(p): return json.loads(Path(p).read_text())
def _dump(nb, p): Path(p).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')

def is_export(src): return re.match(r'#\|\s*export', src) is not None

def wrap_comment(indent, text):
    return [indent + '# ' + l for l in textwrap.wrap(text, W - len(indent) - 2, break_long_words=False, break_on_hyphens=False)]

def fix_comments(lines):
    src = ''.join(lines)
    try: toks = list(tokenize.generate_tokens(io.StringIO(src).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError): return lines
    out = list(lines); inserts = {}
    for t in toks:
        if t.type != tokenize.COMMENT: continue
        r, c = t.start; line = lines[r - 1]
        if len(line.rstrip('\n')) <= W or t.string.startswith('#|'): continue
        code = line[:c].rstrip()
        text = t.string[1:].strip()
        indent = re.match(r'\s*', line).group(0)
        if code.strip():        # a trailing comment: onto its own line(s) above
            if len(code) > W: continue      # black's turn
            inserts[r - 1] = wrap_comment(indent, text); out[r - 1] = code + '\n'
        else: out[r - 1] = '\n'.join(wrap_comment(indent, text)) + '\n'
    res = []
    for i, l in enumerate(out):
        res += [x + '\n' for x in inserts.get(i, [])]; res.append(l)
    return res

def fix_strings(lines):
    lines = ''.join(lines).splitlines(keepends=True)
    src = ''.join(lines)
    try: tree = ast.parse(src)
    except SyntaxError: return lines
    out = list(lines)
    for n in ast.walk(tree):
        if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)): continue
        if n.lineno != n.end_lineno: continue
        line = lines[n.lineno - 1]
        if len(line.rstrip('\n')) <= W: continue
        m = re.fullmatch(r'(\s*)(["\'])(.*)\2\s*\n?', line)
        if not m or '"""' in m.group(3) or m.group(3).endswith('\\'): continue
        indent, inner = m.group(1), m.group(3)
        parts = textwrap.wrap(inner, W - len(indent) - 3, break_long_words=False, break_on_hyphens=False)
        if len(parts) < 2: continue
        new = [indent + '"""' + parts[0]] + [indent + p for p in parts[1:-1]] + [indent + parts[-1] + '"""']
        out[n.lineno - 1] = '\n'.join(new) + '\n'
    return out

def main(paths):
    "Rewrap the export cells of each notebook in `paths`; prints how many cells changed."
    for path in paths:
        nb = _load(path); changed = 0
        for c in nb['cells']:
            if c['cell_type'] != 'code': continue
            src = ''.join(c['source'])
            if not is_export(src): continue
            lines = src.splitlines(keepends=True)
            if lines and not lines[-1].endswith('\n'): lines[-1] += '\n'; trail = False
            else: trail = True
            if not any(len(l.rstrip('\n')) > W for l in lines): continue
            new = fix_code(fix_strings(fix_comments(lines)))
            s = ''.join(new)
            if not trail: s = s[:-1] if s.endswith('\n') else s
            if s != src: c['source'] = s.splitlines(keepends=True); changed += 1
        if changed: _dump(nb, path); print(path, changed, 'cells')


def _black(snippet, width):
    import black
    return black.format_str(snippet, mode=black.Mode(line_length=width, string_normalization=False, magic_trailing_comma=False))

def fix_code(lines):
    lines = ''.join(lines).splitlines(keepends=True)
    for _ in range(3):                                   # a split body may need a second pass
        long = [i for i, l in enumerate(lines) if len(l.rstrip('\n')) > W]
        if not long: return lines
        try: tree = ast.parse(''.join(lines))
        except SyntaxError: return lines
        stmts = [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]
        new, changed = list(lines), False
        for i in reversed(long):
            L = i + 1; line = lines[i]
            indent = re.match(r'\s*', line).group(0)
            one = [s for s in stmts if s.lineno == L and s.end_lineno == L]
            if not one: continue
            s = min(one, key=lambda s: s.col_offset)     # the first statement on the line
            body = [x for x in one if x.col_offset > len(indent)]
            if body:                                     # `header: body` on one line: the body onto its own line
                b = min(body, key=lambda x: x.col_offset)
                lb = line.rstrip('\n').encode()                # ast offsets count UTF-8 bytes
                head, tail = lb[:b.col_offset].decode(), lb[b.col_offset:].decode()
                if not head.rstrip().endswith(':'): continue    # `a; b`: left alone
                if b.end_col_offset != len(lb): continue        # `if c: a; b`: left alone
                new[i] = head.rstrip() + '\n' + indent + '    ' + tail + '\n'
                changed = True; continue
            if s.end_col_offset != len(line.rstrip('\n').encode()) or isinstance(s, (ast.If, ast.For, ast.While, ast.With, ast.Try, ast.FunctionDef, ast.ClassDef)): continue
            try: out = _black(line.strip() + '\n', W - len(indent))
            except Exception as e: print('black:', e, line[:80]); continue
            new[i] = ''.join(indent + l if l.strip() else l for l in out.splitlines(keepends=True))
            changed = True
        lines = ''.join(new).splitlines(keepends=True)
        if not changed: return lines
    return lines

if __name__ == '__main__': main(sys.argv[1:])
