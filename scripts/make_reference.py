"""Regenerate a shipped reference model and the figures recorded beside it, through the run planner (`21_run_planner`).

    python scripts/make_reference.py --work runs/reference --trackers none cv pt --davis2016 ../shared/data/davis2016-sample
    python scripts/make_reference.py --work runs/reference --preset trick1 --name trick1-reference
    python scripts/make_reference.py --work runs/reference --preset trick12 --name trickvos-reference --trackers none cv pt
    python scripts/make_reference.py --work W --weights-dir W/weights --tiny      # the mechanics in a minute (tests)

The steps are those of `trickvos reproduce`'s plan (`plan_runs`, seed 0, Table 1) that the asked evaluations need,
run by the planner's `run_plan` (each skipped when its marker file exists, so an interrupted run resumes; training
resumes from its checkpoint):
1. `synth`: the reference benchmark (`generate_benchmark(motion='fast')`, seed 0) in WORK/synth, and `floor`, the
   copy-first-frame floor on its val splits;
2. `train`: WORK/runs/seed0/PRESET at the reference scale; a Trick 2 preset first trains its donor
   (trick12: WORK/runs/seed0/trick1) and starts its decoder from it;
3. `tracker` (with --trackers pt): the shipped PT tracker, copied (`Context.tracker_from`); the shipped figures use
   it, where `trickvos reproduce` trains one per seed;
4. `eval`: synthetic val (and its seen / unseen splits) with each tracker of --trackers.
Then the DAVIS 2016 sample if given, and the record: the weights go to WEIGHTS_DIR/NAME.safetensors, and NAME.json
holds the equivalent `trickvos` commands, the training time, the scores and the Table 1 rows in the results schema
(`24_results_schema`; `shipped_results` reads them).
"""
import argparse, json, shutil, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(synth=dict(n_train=3, n_val=2, frames=8, size=(96, 160)),
            train=dict(static_iters=2, main_iters=3, crop=(64, 64), batch_size=2, log_every=1, ckpt_every=2))


def plan(work, preset, trackers):
    """The planner steps of one shipped model: those of `trickvos reproduce`'s Table 1 plan (seed 0) that its
    evaluations need (benchmark, floor, donor and training, tracker if PT, one evaluation per tracker)."""
    from trickvos.planner import eval_key, upstream
    from trickvos.reproduce import plan_runs
    steps = plan_runs(work, seeds=(0,), tables=(1,))
    want = ['floor'] + [f'seed0/eval/{eval_key(preset, None if t == "none" else t)}' for t in trackers]
    if not set(want) <= {s.name for s in steps}: raise SystemExit(f'Table 1 has no row for {preset} with trackers {trackers}')
    keep = {n for w in want for n in upstream(steps, w) + [w]}
    return [s for s in steps if s.name in keep]


def evaluate_davis(run, root, out, device=None):
    "Segment and score the DAVIS 2016 folder `root` (unless `out` holds eval.json); -> (eval.json summary, wall seconds)."
    from trickvos.evaluation import evaluate_model
    if not (out / 'eval.json').exists():
        t0 = time.perf_counter()
        seqs = sorted(p.name for p in (root / 'JPEGImages' / '480p').iterdir())
        evaluate_model(run, root, split='val', out_dir=out, year=2016, sequences=seqs, device=device or 'cpu')
        (out / 'wall_s.txt').write_text(f'{time.perf_counter() - t0:.1f}\n')
    ev = json.loads((out / 'eval.json').read_text())
    return ev, float((out / 'wall_s.txt').read_text()) if (out / 'wall_s.txt').exists() else round(ev['seconds'], 1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--work', type=Path, default=ROOT / 'runs' / 'reference')
    ap.add_argument('--davis2016', type=Path, default=None, help='a DAVIS 2016 folder (e.g. the 5-sequence sample) to score too')
    ap.add_argument('--name', default='baseline-reference')
    ap.add_argument('--preset', default='baseline')
    ap.add_argument('--trackers', nargs='+', default=['none'], choices=['none', 'cv', 'pt'],
                    help='evaluate synthetic val with these trackers (default: none)')
    ap.add_argument('--note', default=None, help='a note on how the training ran, kept in the record (e.g. a shared CPU)')
    ap.add_argument('--device', default=None)
    ap.add_argument('--weights-dir', type=Path, default=None, help='where the model and its record go (default: trickvos/weights)')
    ap.add_argument('--tiny', action='store_true', help='a tiny benchmark and a few steps: checks the mechanics')
    a = ap.parse_args(argv)
    from trickvos.planner import Context, run_plan, run_dir
    from trickvos.reproduce import result_entries, table1_row
    from trickvos.results import check_results
    from trickvos.config import SCALES, TRAIN_PRESETS
    from trickvos.model import WEIGHTS_DIR, count_parameters, load_model
    from trickvos.parametric_tracker import shipped_tracker_path
    work, weights = a.work, a.weights_dir or WEIGHTS_DIR
    synth = TINY['synth'] if a.tiny else SCALES['reference'].synth
    ctx = Context(work, work / 'synth', 'reference', a.device, TINY['train'] if a.tiny else {}, synth,
                  tracker_from=str(shipped_tracker_path()))
    steps = plan(work, a.preset, a.trackers)
    timings = json.loads((work / 'timings.json').read_text()) if (work / 'timings.json').is_file() else {}
    run_plan(steps, ctx, progress=True, timings=timings)
    data, run, donor = ctx.data, run_dir(ctx, 0, a.preset), TRAIN_PRESETS[a.preset].donor
    train_cmd = lambda p: f'trickvos train --preset {p} --scale reference --data {data} --out {run_dir(ctx, 0, p)}'
    cmds = {'synth': f'generate_benchmark({str(data)!r}, **{synth})' if a.tiny else f'trickvos synth --out {data} --motion fast'}
    if donor: cmds[f'train {donor}'] = train_cmd(donor)
    cmds['train'] = train_cmd(a.preset) + (f' --decoder-from {run_dir(ctx, 0, donor)}' if donor else '')
    training = json.loads((run / 'summary.json').read_text())
    if a.note: training['note'] = a.note
    record = dict(name=a.name, preset=a.preset, row=table1_row(a.preset), commands=cmds,
                  regenerate=f'python scripts/make_reference.py --work {work} --preset {a.preset} --name {a.name} '
                             f'--trackers {" ".join(a.trackers)}' + (f' --davis2016 {a.davis2016}' if a.davis2016 else '')
                             + (' --tiny' if a.tiny else ''),
                  training=training, config=json.loads((run / 'config.json').read_text())['train'],
                  parameters=count_parameters(load_model(run)), results={}, rows=[])
    if (run / 'donor.json').exists(): record['donor'] = json.loads((run / 'donor.json').read_text())
    record['floor'] = json.loads((work / 'floor' / 'scores.json').read_text())['scores']
    record['results']['synthetic-val copy-first-frame floor'] = record['floor']['val']
    for s in (s for s in steps if s.kind == 'eval'):
        ev = json.loads((s.out / 'scores.json').read_text())
        scores, row = ev['scores'], table1_row(a.preset, s.tracker)
        record['rows'] += result_entries(row, 1, a.preset, s.tracker, {0: scores}, training['seconds'], ev['fps'])
        key = 'synthetic-val' + ('' if s.tracker is None else f' {row}')
        record['results'][key] = {**scores['val'], 'fps_cpu': ev['fps'], 'frames': ev['frames'], 'wall_s': timings[s.name],
                                  'J&F seen': scores['val_seen']['J&F'], 'J&F unseen': scores['val_unseen']['J&F']}
        print(key, record['results'][key], flush=True)
    if a.davis2016:
        ev, wall = evaluate_davis(run, a.davis2016, work / 'evals' / f'davis2016-sample-{a.preset}', a.device)
        sc = {m: ev[m] for m in ('J&F', 'J', 'F')}
        record['rows'] += result_entries(record['row'], 1, a.preset, None, {0: {'davis2016-sample': sc}},
                                         training['seconds'], ev['FPS'], splits=('davis2016-sample',))
        record['results']['davis2016-sample'] = {**sc, 'fps_cpu': ev['FPS'], 'frames': ev['frames'], 'wall_s': wall}
    check_results({'rows': record['rows'], 'floor': {'val': record['floor']['val']}})
    weights.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run / 'model.safetensors', weights / f'{a.name}.safetensors')
    (weights / f'{a.name}.json').write_text(json.dumps(record, indent=1) + '\n')
    print(json.dumps(record['results'], indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
