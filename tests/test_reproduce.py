"trickvos.reproduce: the plan of runs (rows -> runs, donors), resume, results.json schema, tables, CLI parser."
import json
from pathlib import Path
import pytest
import torch
from trickvos import reproduce as R, planner as P
from trickvos.planner import SPLITS, eval_key, score_splits, Context
from trickvos.reproduce import TABLE1_ROWS, TABLE2_ROWS, plan_runs, plan_table, reproduce, reproduce_command, paper_rows
from trickvos.reporting import table1_markdown, table2_markdown, plot_table1
from trickvos.config import TRAIN_PRESETS

DONORS = {p: c.donor for p, c in TRAIN_PRESETS.items() if c.donor}

torch.set_num_threads(1)


def _by(steps): return {s.name: s for s in steps}


def test_plan_has_every_row_and_its_runs():
    steps = plan_runs('/o', seeds=(0, 3))
    by = _by(steps)
    for seed in (0, 3):
        for _, preset, tracker in TABLE1_ROWS + TABLE2_ROWS:
            ev = by[f'seed{seed}/eval/{eval_key(preset, tracker)}']
            assert ev.kind == 'eval' and ev.seed == seed and ev.needs[0] == f'seed{seed}/{preset}'
            assert (f'seed{seed}/tracker' in ev.needs) == (tracker == 'pt')
    assert sum(s.kind == 'train' for s in steps) == 2 * 7          # baseline ssim iou trick1 stcn trick2 trick12
    assert sum(s.kind == 'eval' for s in steps) == 2 * 11           # 12 Table 1+2 rows, Baseline shared
    assert [s.kind for s in steps[:2]] == ['synth', 'floor'] and sum(s.kind == 'floor' for s in steps) == 1
    assert {s.preset for s in steps if s.kind == 'bench'} == {'baseline', 'trick12', 'stcn'}


def test_plan_donors_are_same_seed_and_come_first():
    steps = plan_runs('/o', seeds=(0, 1))
    names = [s.name for s in steps]
    for seed in (0, 1):
        for p, donor in DONORS.items():
            st = _by(steps)[f'seed{seed}/{p}']
            assert st.needs == ('synth', f'seed{seed}/{donor}')
            assert names.index(f'seed{seed}/{donor}') < names.index(st.name)
    # every step comes after what it needs
    for i, s in enumerate(steps): assert all(names.index(n) < i for n in s.needs)


def test_plan_with_given_data_generates_nothing():
    steps = plan_runs('/o', seeds=(0,), data='/d')
    assert 'synth' not in {s.kind for s in steps} and all('synth' not in s.needs for s in steps)
    assert _by(steps)['seed0/baseline'].needs == ()


def test_plan_table_names_the_donor_runs():
    t = plan_table(plan_runs('/o', seeds=(0,)))
    assert '| 1 | + Trick 1+2 | trick12 | seed0/trick1, seed0/trick12 |' in t
    assert '| 2 | Baseline + TrickVOS (PT) | trick12+pt | seed0/trick1, seed0/trick12, seed0/tracker |' in t
    assert t.count('\n') == 2 + len(TABLE1_ROWS) + len(TABLE2_ROWS) - 1


def test_paper_rows():
    p = paper_rows()
    t1 = [r for r in p if r['table'] == 1 and r['dataset'] == 'DAVIS 2017 val']
    assert [r['row'] for r in t1] == [r for r, _, _ in TABLE1_ROWS]
    assert t1[0]['J&F'] == pytest.approx(0.8086) and t1[-1]['J&F'] == pytest.approx(0.8267)
    yt = next(r for r in p if r['row'] == 'Baseline + TrickVOS (PT)' and r['dataset'] == 'YouTube-VOS 2019 val')
    assert yt['J unseen'] == pytest.approx(0.752) and yt['table'] == 2
    assert all(0 < r['J&F'] < 1 for r in p)


# ---- fake step runners: write the files a real step writes, instantly, and count calls ----

def _fake_runners(calls):
    from trickvos.model import build_model, save_model
    from trickvos.parametric_tracker import MotionMLP, save_motion_mlp

    def synth(s, ctx):
        calls.append(s.name); Path(s.out).mkdir(parents=True); (Path(s.out) / 'ImageSets').mkdir()
        (Path(s.out) / 'meta.json').write_text('{}')

    def train(s, ctx):
        calls.append(s.name)
        save_model(build_model(TRAIN_PRESETS[s.preset].model), Path(s.out) / 'model.safetensors')
        (Path(s.out) / 'summary.json').write_text(json.dumps({'seconds': 10.0 + s.seed}))

    def tracker(s, ctx):
        calls.append(s.name); save_motion_mlp(MotionMLP(), Path(s.out) / 'parametric_tracker.safetensors')

    def scores(s, base):
        v = {'J&F': base, 'J': base - 0.01, 'F': base + 0.01}
        return {sp: v for sp in SPLITS}

    def floor(s, ctx):
        calls.append(s.name); P._write_json(Path(s.out) / 'scores.json', {'scores': scores(s, 0.3)})

    def ev(s, ctx):
        calls.append(s.name)
        base = 0.4 + 0.01 * s.seed + 0.001 * len(eval_key(s.preset, s.tracker))
        P._write_json(Path(s.out) / 'scores.json', {'scores': scores(s, base), 'fps': 7.0 + s.seed, 'frames': 10})

    def bench(s, ctx):
        calls.append(s.name)
        P._write_json(Path(s.out) / 'bench.json', {'rows': [dict(fps=5.0, size='64x96', objects=1, threads=1,
                                                                   device_name='cpu', reps=2)]})
    return dict(synth=synth, train=train, tracker=tracker, floor=floor, eval=ev, bench=bench)


@pytest.fixture
def fake(monkeypatch):
    calls = []
    monkeypatch.setattr(P, 'RUNNERS', _fake_runners(calls))
    return calls


def test_results_schema(tmp_path, fake):
    res = reproduce('lesson', out=tmp_path / 'r', seeds=(0, 1), progress=False)
    on_disk = json.loads((tmp_path / 'r' / 'results.json').read_text())
    assert on_disk == json.loads(json.dumps(res))
    assert {'scale', 'data', 'seeds', 'rows', 'table2', 'paper', 'floor', 'seconds'} <= set(res)
    assert res['scale'] == 'lesson' and res['seeds'] == [0, 1] and res['data'] == str(tmp_path / 'r' / 'synth')
    assert [(e['row'], e['split']) for e in res['rows']] == [(r, s) for r, _, _ in TABLE1_ROWS for s in SPLITS]
    b = res['rows'][0]
    assert (b['table'], b['preset'], b['tracker'], b['split']) == (1, 'baseline', None, 'val')
    assert set(b['seeds']) == {'0', '1'} and set(b['seeds']['0']) == {'J&F', 'J', 'F'}
    assert b['J&F'] == pytest.approx((b['seeds']['0']['J&F'] + b['seeds']['1']['J&F']) / 2)
    assert b['min']['J&F'] < b['max']['J&F'] and b['train_seconds'] == pytest.approx(10.5)
    assert next(e for e in res['rows'] if e['row'] == '+ TrickVOS (PT)')['tracker'] == 'pt'
    t2 = {e['row']: e for e in res['table2'] if e['split'] == 'val'}
    assert list(t2) == [r for r, _, _ in TABLE2_ROWS] and all(e['table'] == 2 for e in t2.values())
    assert t2['STCN']['parameters'] > t2['Baseline']['parameters'] == t2['Baseline + TrickVOS (CV)']['parameters']
    assert t2['Baseline + TrickVOS (PT)']['parameters'] > t2['Baseline']['parameters']
    assert t2['Baseline']['FPS'] == pytest.approx(7.5) and t2['Baseline']['model FPS'] == 5.0
    assert res['floor']['val']['J&F'] == 0.3 and res['paper'] == paper_rows()
    assert all(isinstance(v, float) for v in json.loads((tmp_path / 'r' / 'timings.json').read_text()).values())
    assert (tmp_path / 'r' / 'table1.png').stat().st_size > 1000


def test_resume_skips_finished_steps(tmp_path, fake):
    out = tmp_path / 'r'
    reproduce('lesson', out=out, progress=False)
    n = len(fake)
    assert n == len(plan_runs(out, (0,)))
    fake.clear()
    res = reproduce('lesson', out=out, progress=False)
    assert fake == [] and res['rows'][0]['J&F'] > 0
    (out / 'evals' / 'seed0' / 'trick12+pt' / 'scores.json').unlink()
    (out / 'runs' / 'seed0' / 'trick1' / 'summary.json').unlink()
    reproduce('lesson', out=out, progress=False)
    assert fake == ['seed0/trick1', 'seed0/eval/trick12+pt']     # only these; trick12 (its user) is kept


def test_half_trained_run_resumes_from_checkpoint(tmp_path, monkeypatch):
    import trickvos.training as T
    from trickvos.runs import CHECKPOINT
    seen = []
    monkeypatch.setattr(T, 'train', lambda cfg, data, out, resume=False, device=None, progress=True:
                        seen.append((cfg.preset, cfg.seed, cfg.decoder_from, cfg.static_iters, resume)))
    ctx = Context(tmp_path, tmp_path / 'synth', 'lesson', train_overrides=dict(static_iters=1, main_iters=2))
    by = _by(plan_runs(tmp_path, (4,)))
    P._train(by['seed4/trick12'], ctx)
    (tmp_path / 'runs' / 'seed4' / 'trick12').mkdir(parents=True)
    (tmp_path / 'runs' / 'seed4' / 'trick12' / CHECKPOINT).write_bytes(b'x')
    P._train(by['seed4/trick12'], ctx)
    donor = str(tmp_path / 'runs' / 'seed4' / 'trick1')
    assert seen == [('trick12', 4, donor, 1, False), ('trick12', 4, donor, 1, True)]


def test_a_step_that_writes_nothing_fails(tmp_path, fake, monkeypatch):
    monkeypatch.setitem(P.RUNNERS, 'tracker', lambda s, ctx: None)
    with pytest.raises(RuntimeError, match='tracker'): reproduce('lesson', out=tmp_path / 'r', progress=False)
    # what finished before stays finished
    assert (tmp_path / 'r' / 'runs' / 'seed0' / 'trick12' / 'summary.json').exists()


def test_tables_put_the_paper_beside_ours(tmp_path, fake):
    res = reproduce('lesson', out=tmp_path / 'r', seeds=(0, 1), progress=False)
    t1, t2 = table1_markdown(res), table2_markdown(res)
    assert t1 == (tmp_path / 'r' / 'table1.md').read_text() and t2 == (tmp_path / 'r' / 'table2.md').read_text()
    head = t1.splitlines()[0]
    for d in ('DAVIS 2016 val', 'DAVIS 2017 val', 'YouTube-VOS 2019 val'): assert f'paper J&F ({d})' in head
    row = next(l for l in t1.splitlines() if l.startswith('| + Trick 1 |'))
    assert row.endswith('| 88.80 | 81.97 | 79.42 |') and '[' in row                  # paper's numbers; ours with spread
    assert 'copy first frame (floor) | 30.0' in t1
    assert 'paper J&F (DAVIS 2017 val)' in t2.splitlines()[0] and 'paper FPS' in t2
    stcn = next(l for l in t2.splitlines() if l.startswith('| STCN |'))
    assert '| 84.0 | 80.6 | 87.4 | 80.7 |' in stcn and stcn.endswith('| 48.3 |')


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match='scale'): reproduce('paper', out=tmp_path)
    with pytest.raises(ValueError, match='seeds'): reproduce('lesson', out=tmp_path, seeds=(0, 0))
    with pytest.raises(ValueError, match='seeds'): reproduce('lesson', out=tmp_path, seeds=())
    with pytest.raises(FileNotFoundError): reproduce('lesson', data=tmp_path / 'none', out=tmp_path)


def test_score_splits_skips_absent_lists(tmp_path):
    from trickvos.synthetic import generate_benchmark
    from trickvos.metrics import copy_first_frame
    data = generate_benchmark(tmp_path / 'd', n_train=1, n_val=2, frames=4, size=(64, 96), progress=False)
    pred = copy_first_frame(data, 'val', tmp_path / 'p')
    got = score_splits(pred, data, ('val', 'val_seen', 'val_unseen', 'nope'), out_dir=tmp_path / 's')
    assert set(got) == {'val', 'val_seen', 'val_unseen'}
    assert got['val']['J&F'] == pytest.approx((got['val']['J'] + got['val']['F']) / 2)
    assert (tmp_path / 's' / 'val_seen').is_dir()


def test_cli_parser(tmp_path, monkeypatch):
    from trickvos.cli import build_parser
    ap = build_parser(['reproduce'])
    a = ap.parse_args(['reproduce'])
    assert (a.scale, a.data, a.out, a.seeds, a.iters, a.func) == ('lesson', None, Path('reproduce'), None, None, reproduce_command)
    a = ap.parse_args(['reproduce', '--scale', 'reference', '--data', 'd', '--out', str(tmp_path), '--seeds', '0', '1',
                       '--iters', '1', '2', '--device', 'cpu', '--quiet'])
    assert (a.scale, a.data, a.seeds, a.iters, a.device, a.quiet) == ('reference', Path('d'), [0, 1], [1, 2], 'cpu', True)
    with pytest.raises(SystemExit): ap.parse_args(['reproduce', '--scale', 'paper'])
    got = {}
    def fake(scale, **kw):
        got.update(scale=scale, **kw)
        (tmp_path / 'table1.md').write_text('T1'); (tmp_path / 'table2.md').write_text('T2')
        return {'seconds': 1.0}
    monkeypatch.setattr(R, 'reproduce', fake)
    assert a.func(a) == 0
    assert got['train_overrides'] == {'static_iters': 1, 'main_iters': 2} and got['seeds'] == [0, 1] and not got['progress']


def test_table1_row_names():
    assert R.table1_row('baseline') == R.table1_row('baseline', 'none') == 'Baseline'
    assert R.table1_row('baseline', 'cv') == '+ Trick 3 (CV)' and R.table1_row('trick12', 'pt') == '+ TrickVOS (PT)'
    assert R.table1_row('trick12') == '+ Trick 1+2'
    with pytest.raises(ValueError): R.table1_row('ssim', 'cv')


def test_result_entries_aggregate_seeds_and_keep_listed_splits():
    sc = {0: {'val': {'J&F': 0.2, 'J': 0.1, 'F': 0.3}, 'other': {'J&F': 1, 'J': 1, 'F': 1}},
          1: {'val': {'J&F': 0.4, 'J': 0.3, 'F': 0.5}}}
    (e,) = R.result_entries('+ IoU', 1, 'iou', None, sc, 10.0, 3.0)
    assert e['split'] == 'val' and e['J&F'] == pytest.approx(0.3) and e['min']['J'] == 0.1 and e['max']['F'] == 0.5
    assert e['seeds'] == {'0': sc[0]['val'], '1': sc[1]['val']} and (e['train_seconds'], e['FPS']) == (10.0, 3.0)
    assert R.result_entries('x', 1, 'iou', None, sc, 1, 1, splits=('other',)) == []   # seed 1 has no 'other'


def test_shipped_results_merge_records(tmp_path, monkeypatch):
    import trickvos.model as M
    monkeypatch.setattr(M, 'WEIGHTS_DIR', tmp_path)
    with pytest.raises(FileNotFoundError): R.shipped_results()
    s = {'J&F': 0.2, 'J': 0.1, 'F': 0.3}
    def rec(name, preset, tracker, v, floor=True):
        rows = R.result_entries(R.table1_row(preset, tracker), 1, preset, tracker, {0: {'val': {**s, 'J&F': v}}}, 5.0, 2.0)
        (tmp_path / f'{name}.json').write_text(json.dumps({'commands': {'synth': 'trickvos synth --out W/synth'}, 'rows': rows,
                                                           **({'floor': {'val': s}} if floor else {})}))
    rec('a', 'baseline', None, 0.3); rec('b', 'trick12', 'cv', 0.4, floor=False)
    (tmp_path / 'old.json').write_text(json.dumps({'results': {}}))           # a record without rows is skipped
    r = R.shipped_results()
    assert r['records'] == ['a', 'b'] and r['data'] == "generate_benchmark(motion='fast'), seed 0" and r['floor'] == {'val': s}
    md = table1_markdown(r)
    assert '| Baseline | 30.0 |' in md and '| + TrickVOS (CV) | 40.0 |' in md and '| + SSIM | not run |' in md
    assert R.shipped_results('b')['rows'][0]['row'] == '+ TrickVOS (CV)'
    with pytest.raises(FileNotFoundError): R.shipped_results(['a', 'old'])
    plot_table1(r)                                                          # rows not run are drawn as such


def test_plan_of_table1_alone_skips_stcn_and_the_benchmark():
    steps = plan_runs('/o', seeds=(0, 1), tables=(1,))
    assert not any(s.preset == 'stcn' for s in steps) and not any(s.kind == 'bench' for s in steps)
    assert sum(s.kind == 'train' for s in steps) == 2 * 6 and sum(s.kind == 'eval' for s in steps) == 2 * 10
    t = plan_table(steps, tables=(1,))
    assert '| 2 |' not in t and t.count('| 1 |') == len(TABLE1_ROWS)
    with pytest.raises(ValueError, match='tables'): plan_runs('/o', tables=(3,))
    with pytest.raises(ValueError, match='tables'): plan_runs('/o', tables=())


def test_reproduce_table1_alone(tmp_path, fake):
    out = tmp_path / 'r'
    reproduce('lesson', out=out, progress=False)                     # both tables first ...
    fake.clear()
    res = reproduce('lesson', out=out, seeds=(0,), progress=False, tables=[1])
    assert fake == [] and res['tables'] == [1] and res['table2'] == [] and len(res['rows']) == len(TABLE1_ROWS) * 3
    assert (out / 'table1.md').exists() and not (out / 'table2.md').exists()   # ... no stale Table 2 beside Table 1 alone
    fresh = tmp_path / 'f'
    reproduce('lesson', out=fresh, progress=False, tables=(1,))
    assert not any('stcn' in c or c.startswith('bench') for c in fake)


def test_table1_delta_pairs_the_seeds(tmp_path, fake):
    res = reproduce('lesson', out=tmp_path / 'r', seeds=(0, 1), progress=False, tables=(1,))
    row = next(l for l in table1_markdown(res).splitlines() if l.startswith('| + Trick 1 |'))
    # fake scores: 0.4 + 0.01 seed + 0.001 len(key): trick1 - baseline = -0.002 in both seeds
    assert '| -0.2 [-0.2, -0.2] |' in row and 'same-seed differences' in table1_markdown(res)


def _shipped_dir(tmp_path, monkeypatch):
    "A fake trickvos/weights: baseline, trick1 and trick12 records at the reference scale (untrained tiny-config models)."
    import trickvos.model as M
    from dataclasses import asdict
    from trickvos.model import build_model, save_model
    from trickvos.data import file_sha256 as _sha256
    from trickvos.config import train_config
    w = tmp_path / 'weights'; w.mkdir()
    monkeypatch.setattr(M, 'WEIGHTS_DIR', w)
    def rec(name, preset, donor=None, **over):
        save_model(build_model('baseline'), w / f'{name}.safetensors', preset=preset)
        cfg = asdict(train_config(preset, 'reference', **({'decoder_from': 'elsewhere/run'} if preset in DONORS else {}), **over))
        r = dict(preset=preset, config=cfg, commands={'synth': 'trickvos synth --out W/synth --motion fast'}, training={'steps': 50, 'seconds': 9.0})
        if donor: r['donor'] = {'sha256': _sha256(w / f'{donor}.safetensors')}
        (w / f'{name}.json').write_text(json.dumps(r))
    rec('b-ref', 'baseline'); rec('t1-ref', 'trick1'); rec('t12-ref', 'trick12', donor='t1-ref')
    rec('iou-other-lr', 'iou', lr=1.0)                                  # not the planned config: trained, not reused
    return w


def test_reuse_shipped_copies_exact_runs_only(tmp_path, monkeypatch):
    w = _shipped_dir(tmp_path, monkeypatch)
    out = tmp_path / 'r'
    ctx = Context(out, out / 'synth', 'reference', synth=dict(motion='fast'))
    assert R.reuse_shipped(Context(out, tmp_path / 'given', 'reference')) == {}    # a dataset of the user's: maybe not the same
    assert R.reuse_shipped(Context(out, out / 'synth', 'reference', synth={'n_val': 3})) == {}   # another benchmark
    assert R.reuse_shipped(Context(out, out / 'synth', 'lesson')) == {}            # another scale
    assert R.reuse_shipped(Context(out, out / 'synth', 'reference', train_overrides={'batch_size': 3}, synth=dict(motion='fast'))) == {}
    assert R.reuse_shipped(ctx, seed=1) == {}                                       # the records say seed 0
    got = R.reuse_shipped(ctx)
    assert got == {'seed0/baseline': 'b-ref', 'seed0/trick1': 't1-ref', 'seed0/trick12': 't12-ref'}
    run = out / 'runs' / 'seed0' / 'trick12'
    assert (run / 'model.safetensors').read_bytes() == (w / 't12-ref.safetensors').read_bytes()
    assert json.loads((run / 'summary.json').read_text()) == {'steps': 50, 'seconds': 9.0, 'shipped': 't12-ref'}
    assert json.loads((run / 'config.json').read_text())['shipped'] == 't12-ref' and (run / 'donor.json').exists()
    assert R.reuse_shipped(ctx) == {}                                               # never overwrites


def test_reuse_shipped_needs_the_same_donor(tmp_path, monkeypatch):
    _shipped_dir(tmp_path, monkeypatch)
    out = tmp_path / 'r'
    (out / 'runs' / 'seed0' / 'trick1').mkdir(parents=True)                      # a trick1 run of the user's own ...
    from trickvos.model import build_model, save_model
    save_model(build_model('baseline'), out / 'runs' / 'seed0' / 'trick1' / 'model.safetensors')
    got = R.reuse_shipped(Context(out, out / 'synth', 'reference', synth=dict(motion='fast')))
    assert got == {'seed0/baseline': 'b-ref'}                                     # ... so the shipped trick12 is not its child


def test_reproduce_reuses_and_says_so(tmp_path, monkeypatch, fake):
    _shipped_dir(tmp_path, monkeypatch)
    res = reproduce('reference', out=tmp_path / 'r', seeds=(0, 1), progress=False, tables=(1,), reuse=True)
    assert 'seed0/baseline' not in fake and 'seed0/trick12' not in fake and 'seed0/iou' in fake and 'seed1/baseline' in fake
    assert res['reused'] == {'seed0/baseline': 'b-ref', 'seed0/trick1': 't1-ref', 'seed0/trick12': 't12-ref'}
    assert 'seed0/trick12 = t12-ref' in (tmp_path / 'r' / 'table1.md').read_text()
    base = next(e for e in res['rows'] if e['row'] == 'Baseline' and e['split'] == 'val')
    assert base['train_seconds'] == pytest.approx((9.0 + 11.0) / 2)              # the record's time and the fake run's


def test_cli_tables_and_reuse(tmp_path, monkeypatch):
    from trickvos.cli import build_parser
    ap = build_parser(['reproduce'])
    a = ap.parse_args(['reproduce', '--out', str(tmp_path)])
    assert (a.tables, a.reuse_shipped) == ([1, 2], False)
    a = ap.parse_args(['reproduce', '--out', str(tmp_path), '--tables', '1', '--reuse-shipped'])
    with pytest.raises(SystemExit): ap.parse_args(['reproduce', '--tables', '3'])
    got = {}
    def fake(scale, **kw):
        got.update(kw); (tmp_path / 'table1.md').write_text('T1')
        return {'seconds': 1.0}
    monkeypatch.setattr(R, 'reproduce', fake)
    assert a.func(a) == 0 and got['tables'] == [1] and got['reuse'] is True


def test_results_carry_curves_and_per_object_scores(tmp_path, fake):
    from trickvos.runs import write_log_rows
    out = tmp_path / 'r'
    reproduce('lesson', out=out, progress=False, tables=(1,))
    write_log_rows(out / 'runs' / 'seed0' / 'iou' / 'log.csv', [dict(step=10, stage=0, loss=0.5), dict(step=20, stage=2, loss=0.25)])
    pred = out / 'evals' / 'seed0' / 'trick12+cv' / 'pred'; pred.mkdir(parents=True)
    (pred / 'per-sequence_results-val.csv').write_text('Sequence,J-Mean,F-Mean\nval-0001_1,0.5,0.7\nval-0001_2,0.1,0.2\n')
    res = reproduce('lesson', out=out, progress=False, tables=(1,))
    assert res['curves'] == {'seed0/iou': {'step': [10.0, 20.0], 'stage': [0.0, 2.0], 'loss': [0.5, 0.25]}}
    assert res['objects'] == {'seed0/trick12+cv': {'val-0001_1': pytest.approx(0.6), 'val-0001_2': pytest.approx(0.15)}}


def test_make_reference_table1_script(tmp_path, monkeypatch, fake):
    "scripts/make_reference_table1.py: merges the timings of steps run elsewhere, reuses, writes the results file."
    import importlib.util
    spec = importlib.util.spec_from_file_location('mrt1', Path(__file__).parents[1] / 'scripts' / 'make_reference_table1.py')
    script = importlib.util.module_from_spec(spec); spec.loader.exec_module(script)
    _shipped_dir(tmp_path, monkeypatch)
    monkeypatch.setattr(R, 'RESULTS_DIR', tmp_path / 'results')
    work = tmp_path / 'w'
    P._write_json(work / 'timings-A.json', {'seed1/iou': 5.0})          # a step another process ran (the fake plan reruns it)
    assert script.main(['--work', str(work), '--seeds', '0', '1']) == 0
    res = json.loads((tmp_path / 'results' / 'reference-table1.json').read_text())
    assert res['seeds'] == [0, 1] and res['tables'] == [1] and set(res['reused']) == {'seed0/baseline', 'seed0/trick1', 'seed0/trick12'}
    assert res['regenerate'] == f'python scripts/make_reference_table1.py --work {work} --seeds 0 1'
    assert res['step_seconds']['seed1/iou'] >= 5.0 and 'seed0/baseline' not in fake
