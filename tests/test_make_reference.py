"scripts/make_reference.py at --tiny size: a thin caller of the run planner that writes a shipped model's record."
import importlib.util, json
from pathlib import Path
from trickvos import planner
from trickvos.parametric_tracker import shipped_tracker_path
from trickvos.results import load_results


def _script():
    spec = importlib.util.spec_from_file_location('make_reference', Path(__file__).parents[1] / 'scripts' / 'make_reference.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    return m


def test_make_reference_tiny(tmp_path, monkeypatch):
    s = _script()
    work, weights = tmp_path / 'work', tmp_path / 'weights'
    args = ['--work', str(work), '--weights-dir', str(weights), '--tiny', '--preset', 'trick12', '--name', 't12',
            '--trackers', 'none', 'pt']
    assert s.main(args) == 0
    rec = json.loads((weights / 't12.json').read_text())
    assert (weights / 't12.safetensors').read_bytes() == (work / 'runs/seed0/trick12/model.safetensors').read_bytes()
    # the donor ran first, and Trick 2 started from it; PT used the shipped tracker, copied, not one trained here
    assert (work / 'runs/seed0/trick1/summary.json').is_file() and rec['donor']['preset'] == 'trick1'
    assert (work / 'runs/seed0/tracker/parametric_tracker.safetensors').read_bytes() == shipped_tracker_path().read_bytes()
    assert rec['commands']['train'].endswith('--decoder-from ' + str(work / 'runs/seed0/trick1'))
    rows = {(r['row'], r['split']) for r in load_results({'rows': rec['rows']})['rows']}
    assert rows == {(r, sp) for r in ('+ Trick 1+2', '+ TrickVOS (PT)') for sp in ('val', 'val_seen', 'val_unseen')}
    assert set(rec['results']) == {'synthetic-val copy-first-frame floor', 'synthetic-val', 'synthetic-val + TrickVOS (PT)'}
    assert rec['results']['synthetic-val copy-first-frame floor'] == rec['floor']['val']
    assert rec['config']['preset'] == 'trick12' and rec['training']['steps'] == 5
    # a second call resumes: every step is done, so no runner runs
    monkeypatch.setattr(planner, 'RUNNERS', {k: lambda *_: 1 / 0 for k in planner.RUNNERS})
    assert s.main(args) == 0 and json.loads((weights / 't12.json').read_text())['rows'] == rec['rows']
