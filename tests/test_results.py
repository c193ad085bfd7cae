"trickvos.results: the one schema of a reproduction's results, checked when written and when read."
import json
import pytest
from trickvos.results import load_results, check_results, FLOOR_ROW
from trickvos.reproduce import shipped_results, RESULTS_DIR
from trickvos.paper import PAPER_TABLE1, PAPER_TABLE1_ROWS


def test_load_results_validates(tmp_path):
    good = {'rows': [{'row': 'Baseline', 'split': 'val', 'J&F': 0.5, 'seeds': [0.4, 0.6]}], 'source': 'test'}
    p = tmp_path / 'results.json'; p.write_text(json.dumps(good))
    r = load_results(p)
    assert r['rows'] == [{'row': 'Baseline', 'split': 'val', 'J&F': 0.5, 'seeds': {'J&F': [0.4, 0.6]}}]
    assert len(r['paper']) == len(PAPER_TABLE1) * len(PAPER_TABLE1_ROWS) and r['source'] == 'test'
    assert load_results(str(p)) == r and load_results(r) == r          # normalising twice changes nothing
    for bad in ({'rows': [{'row': 'Baseline', 'split': 'val', 'J&F': 80.9}]},           # percent, not fraction
                {'rows': [{'row': 'Baseline', 'split': 'val'}]},                       # no metric
                {'rows': [{'row': 'Baseline', 'J&F': 0.5}]},                           # no split
                {'rows': [{'row': 'Baseline', 'split': 'val', 'J&F': True}]},
                {'rows': [{'row': 'Baseline', 'split': 'val', 'J&F': 0.5, 'seeds': 0.5}]},
                {'rows': [{'row': 'Baseline', 'split': 'val', 'J&F': float('nan')}]},
                {'rows': {'row': 'Baseline'}}, {'paper': []}, [1]):
        with pytest.raises(ValueError): load_results(bad)

def test_shipped_results_schema():
    from trickvos.model import shipped_info
    r = load_results(shipped_results())
    rec = shipped_info('baseline-reference')['results']['synthetic-val']
    base = [x for x in r['rows'] if x['row'] == 'Baseline' and x['split'] == 'val']
    assert base and base[0]['J&F'] == rec['J&F'] and base[0]['J'] == rec['J']
    assert any(x['row'] == FLOOR_ROW for x in r['rows'])
    with pytest.raises(FileNotFoundError): shipped_results('no-such-model')


def test_writers_check_what_they_write(tmp_path):
    "reproduce's results.json and the scripts' files pass through check_results: a bad one is refused, not written."
    good = {'rows': [{'row': 'Baseline', 'split': 'val', 'J&F': 0.5}]}
    assert check_results(good) is good
    with pytest.raises(ValueError, match='fraction'): check_results({'rows': [{'row': 'Baseline', 'split': 'val', 'J&F': 50}]})
    for name in ('reference-table1', 'trick2-controls'):        # the shipped reproductions in this schema
        path = RESULTS_DIR / f'{name}.json'
        if path.is_file():
            res = json.loads(path.read_text())
            assert check_results(res) is res and {r['row'] for r in load_results(res)['rows']} >= {'Baseline', '+ Trick 2'}
