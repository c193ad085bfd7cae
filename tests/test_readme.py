"README.md is generated from nbs/index.ipynb and names the two set-up commands that CI runs."
import re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def test_readme_is_built_from_index():
    r = subprocess.run([sys.executable, str(ROOT/'scripts'/'build_readme.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

def test_ci_runs_the_readme_test_command():
    readme, ci = (ROOT/'README.md').read_text(), (ROOT/'.ci'/'run').read_text()
    cmds = re.findall(r'^python -m venv .*$', readme, flags=re.M)
    assert len(cmds) == 2, cmds
    assert 'trickvos demo' in cmds[0] and cmds[1].endswith('pytest')
    assert 'Install and run the tests' in readme and 'Install and run the tests' in ci
