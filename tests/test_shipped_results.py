"The results files shipped in trickvos/results/ are complete and agree with the shipped models they were made from."
import json
import numpy as np
import pytest
from trickvos.planner import eval_key
from trickvos.reproduce import RESULTS_DIR, TABLE1_ROWS, reference_results, shipped_results
from trickvos.reporting import delta_table, table1_markdown
from trickvos.model import WEIGHTS_DIR
from trickvos.data import file_sha256 as _sha256


def _load(name): return json.loads((RESULTS_DIR / f'{name}.json').read_text())


def test_reference_table1_is_complete():
    "Every Table 1 row on synthetic val, with two seeds, and seed 0's reused runs named by their shipped model."
    res = _load('reference-table1')
    assert res['scale'] == 'reference' and res['tables'] == [1] and res['seeds'][:2] == [0, 1]
    val = {e['row']: e for e in res['rows'] if e['split'] == 'val'}
    assert list(val) == [r for r, _, _ in TABLE1_ROWS]
    for e in val.values():
        assert set(e['seeds']) == {str(s) for s in res['seeds']}
        assert e['min']['J&F'] <= e['J&F'] <= e['max']['J&F'] and 0 < e['J&F'] < 1
        assert e['J&F'] == pytest.approx(np.mean([v['J&F'] for v in e['seeds'].values()]))
    assert res['reused'] == {'seed0/baseline': 'baseline-reference', 'seed0/trick1': 'trick1-reference',
                             'seed0/trick12': 'trickvos-reference'}
    trained = {f'seed{s}/{p}' for s in res['seeds'] for _, p, _ in TABLE1_ROWS}
    assert set(res['run_seconds']) == trained and all(v > 0 for v in res['run_seconds'].values())
    assert set(res['curves']) >= trained - set(res['reused'])


def test_reference_table1_per_object_scores_add_up():
    "Each evaluation's per-object J&F averages to the row's J&F of that seed (the DAVIS global mean is over objects)."
    res = _load('reference-table1')
    val_objects = set(res['objects']['seed0/baseline'])                      # '<video>_<object id>'
    assert len({o.rsplit('_', 1)[0] for o in val_objects}) < len(val_objects)  # some videos hold several objects
    for e in (e for e in res['rows'] if e['split'] == 'val'):
        for s, v in e['seeds'].items():
            objs = res['objects'][f"seed{s}/{eval_key(e['preset'], e['tracker'])}"]
            assert set(objs) == val_objects                                            # every row scores the same objects
            assert np.mean(list(objs.values())) == pytest.approx(v['J&F'], abs=1e-3)     # the csv rounds to 3 digits


def test_reference_table1_seed0_is_the_shipped_models():
    "Seed 0's baseline, trick1 and TrickVOS rows score what the shipped records scored (same model, same data)."
    res = _load('reference-table1')
    val = {e['row']: e for e in res['rows'] if e['split'] == 'val'}
    shipped = {e['row']: e for e in shipped_results()['rows'] if e['split'] == 'val'}
    for row in ('Baseline', '+ Trick 1', '+ Trick 1+2'):
        assert val[row]['seeds']['0']['J&F'] == pytest.approx(shipped[row]['J&F'], abs=2e-3), row


def test_trick3_remeasured_with_the_filter_in_its_place():
    "Issue 15: the records' CV/PT rows are the re-measured ones; the old ones (the reference table's seed 0) sit beside them."
    fix = _load('trick3-fix')
    res = _load('reference-table1')
    val = {e['row']: e for e in res['rows'] if e['split'] == 'val'}
    shipped = {e['row']: e for e in shipped_results()['rows'] if e['split'] == 'val'}
    old_row = {('baseline-reference', 'cv'): '+ Trick 3 (CV)', ('baseline-reference', 'pt'): '+ Trick 3 (PT)',
               ('trickvos-reference', 'cv'): '+ TrickVOS (CV)', ('trickvos-reference', 'pt'): '+ TrickVOS (PT)'}
    rows = {(r['model'], r['tracker']): r for r in fix['rows']}
    assert set(old_row) <= set(rows)
    for key, row in old_row.items():
        r = rows[key]
        assert shipped[row]['J&F'] == pytest.approx(r['new'], abs=1e-6) and shipped[row]['filter'] == 'before aggregation'
        if key[0] == 'trickvos-reference': assert r['old'] == pytest.approx(val[row]['seeds']['0']['J&F'], abs=2e-3)
        assert sum(r['helped_hurt_new']) <= r['objects'] and sum(r['helped_hurt_old']) <= r['objects']
    assert _load('tracker-choices')['fixed_filter'] is True


def test_reference_results_reads_the_shipped_file():
    res = reference_results()
    assert res['file'] == 'trickvos/results/reference-table1.json'
    md = table1_markdown(res)
    assert '| + Trick 1+2 |' in md and 'not run' not in md
    assert '| + TrickVOS (PT) |' in delta_table(res)


def test_tracker_choices_record_names_its_checkpoint():
    "The open-choices sweep was run on the shipped baseline (its sha256) and its 'none' row is that model's score."
    d = _load('tracker-choices')
    assert d['checkpoint_sha256'] == _sha256(WEIGHTS_DIR / 'baseline-reference.safetensors')
    assert {'none', 'cv', 'pt'} <= set(d['rows']) and d['rows']['cv']['tracker'] == 'cv'
    base = next(e for e in shipped_results('baseline-reference')['rows'] if e['row'] == 'Baseline' and e['split'] == 'val')
    assert d['rows']['none']['J&F'] == pytest.approx(base['J&F'], abs=2e-3)
    for r in d['rows'].values():
        assert set(r['objects']) == set(d['rows']['none']['objects']) and np.mean(list(r['objects'].values())) == pytest.approx(r['J&F'], abs=1e-3)


def test_trick2_controls_record():
    "trick2-controls.json (when shipped): rows are the mean of their per-object scores, + Trick 2 is the reference file's own run, the deltas follow."
    import pytest
    from trickvos.reporting import paired_delta
    if not (RESULTS_DIR / 'trick2-controls.json').is_file(): pytest.skip('trick2-controls.json is not shipped yet')
    ctl, ref = _load('trick2-controls'), _load('reference-table1')
    keys = {'Baseline': 'baseline', '+ Trick 2': 'trick2', 'control: whole model': 'control-whole', 'control: train longer': 'control-longer'}
    for r in ctl['rows']:
        per_seed = [ctl['objects'][f'seed{s}/{keys[r["row"]]}'] for s in ctl['seeds']]
        assert r['J&F'] == pytest.approx(sum(sum(o.values()) / len(o) for o in per_seed) / len(per_seed))
    for s in ctl['seeds']:
        chk = ctl['donor_check'][f'seed{s}']           # every seed of a reference-scale file was checked
        if chk.get('matches', True):                      # the donor scored as in the reference file: its + Trick 2 run is re-used
            assert ctl['objects'][f'seed{s}/trick2'] == ref['objects'][f'seed{s}/trick2'] and chk['max_abs_gap'] <= 0.05
        assert set(ctl['objects'][f'seed{s}/control-whole']) == set(ref['objects'][f'seed{s}/baseline'])   # same objects
    for d in ctl['deltas']:
        assert paired_delta(ctl, d['row'], d['base'])['delta'] == pytest.approx(d['delta'])
    assert set(ctl['split_deltas']) == {'val_seen', 'val_unseen'}      # the seen and unseen texture families, apart
    for split, deltas in ctl['split_deltas'].items():
        for d in deltas:
            again = paired_delta(ctl, d['row'], d['base'], videos=ctl['split_videos'][split])
            assert d['objects'] < len(ctl['objects']['seed0/baseline']) and again['delta'] == pytest.approx(d['delta'])
    assert set(ctl['split_videos']['val_seen']).isdisjoint(ctl['split_videos']['val_unseen'])
