"""Regenerate a shipped reference model and the figures recorded beside it.

    python scripts/make_reference.py --work runs/reference --trackers none cv pt --davis2016 ../shared/data/davis2016-sample
    python scripts/make_reference.py --work runs/reference --preset trick1 --name trick1-reference
    python scripts/make_reference.py --work runs/reference --preset trick12 --name trickvos-reference --trackers none cv pt

Steps (each skipped when its output exists, so an interrupted run resumes; training resumes from its checkpoint):
1. `trickvos synth --out WORK/synth --motion fast` (the first benchmark, seed 0);
2. `trickvos train --preset PRESET --scale reference --data WORK/synth --out WORK/PRESET`; a Trick 2 preset first
   trains its donor (trick12: WORK/trick1) the same way and adds `--decoder-from WORK/DONOR`;
3. the copy-first-frame floor and `trickvos eval` of the run on synthetic val with each tracker of --trackers (an
   evaluation folder that already holds eval.json is scored again, not re-segmented), and on the DAVIS 2016 sample
   if given;
4. copy the weights to trickvos/weights/NAME.safetensors and write NAME.json with the commands, the training time,
   the scores, and the Table 1 rows in the schema of `trickvos reproduce`'s results.json (`shipped_results` reads them).
"""
import argparse, json, shutil, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def train_run(trickvos, work, data, preset, cmds):
    "Train WORK/PRESET (its Trick 2 donor first) unless finished; the commands go into `cmds`."
    from trickvos.training import TRAIN_PRESETS
    run = work / preset
    cmd = f'trickvos train --preset {preset} --scale reference --data {data} --out {run}'
    if TRAIN_PRESETS[preset].donor:
        donor = train_run(trickvos, work, data, TRAIN_PRESETS[preset].donor, cmds)
        cmd += f' --decoder-from {donor}'
    cmds[f'train {preset}'] = cmd
    if not (run / 'summary.json').exists():
        assert trickvos(cmd.split()[1:] + (['--resume'] if (run / 'checkpoint.pt').exists() else [])) == 0
    return run


def evaluate(run, root, out, year, seqs, tracker):
    "Segment and score (unless `out` holds eval.json); -> (eval.json summary, wall seconds of the evaluation).\n\n"\
    "`tracker`: 'none', 'cv', 'pt' or a tracker object (then `out` should name its settings: eval.json keeps its class)."
    from trickvos.evaluation import evaluate_model, _tracker_name
    tracker = None if tracker == 'none' else tracker
    if not (out / 'eval.json').exists():
        t0 = time.perf_counter()
        evaluate_model(run, root, split='val', out_dir=out, year=year, sequences=seqs, device='cpu', tracker=tracker)
        (out / 'wall_s.txt').write_text(f'{time.perf_counter() - t0:.1f}\n')
    ev = json.loads((out / 'eval.json').read_text())
    wall = float((out / 'wall_s.txt').read_text()) if (out / 'wall_s.txt').exists() else round(ev['seconds'], 1)
    if ev.get('tracker') != _tracker_name(tracker):
        raise SystemExit(f"{out}/eval.json was made with tracker {ev.get('tracker')!r}, not {_tracker_name(tracker)!r}: remove the folder")
    return ev, wall


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--work', type=Path, default=ROOT / 'runs' / 'reference')
    ap.add_argument('--davis2016', type=Path, default=None, help='a DAVIS 2016 folder (e.g. the 5-sequence sample) to score too')
    ap.add_argument('--name', default='baseline-reference')
    ap.add_argument('--preset', default='baseline')
    ap.add_argument('--trackers', nargs='+', default=['none'], choices=['none', 'cv', 'pt'],
                    help='evaluate synthetic val with these trackers (default: none)')
    ap.add_argument('--note', default=None, help='a note on how the training ran, kept in the record (e.g. a shared CPU)')
    a = ap.parse_args(argv)
    from trickvos.cli import main as trickvos
    from trickvos.metrics import copy_first_frame
    from trickvos.planner import score_splits, SPLITS
    from trickvos.reproduce import result_entries, table1_row
    from trickvos.model import WEIGHTS_DIR, count_parameters, load_model
    work, data = a.work, a.work / 'synth'
    cmds = {'synth': f'trickvos synth --out {data} --motion fast'}   # the first benchmark (see 01_synthetic)
    if not (data / 'ImageSets').exists(): assert trickvos(cmds['synth'].split()[1:]) == 0
    run = train_run(trickvos, work, data, a.preset, cmds)
    cmds['train'] = cmds.pop(f'train {a.preset}')
    training = json.loads((run / 'summary.json').read_text())
    if a.note: training['note'] = a.note
    record = dict(name=a.name, preset=a.preset, row=table1_row(a.preset), commands=cmds,
                  regenerate=f'python scripts/make_reference.py --work {work} --preset {a.preset} --name {a.name} '
                             f'--trackers {" ".join(a.trackers)}' + (f' --davis2016 {a.davis2016}' if a.davis2016 else ''),
                  training=training, config=json.loads((run / 'config.json').read_text())['train'],
                  parameters=count_parameters(load_model(run)), results={}, rows=[])
    if (run / 'donor.json').exists(): record['donor'] = json.loads((run / 'donor.json').read_text())
    floor_dir = work / 'copy_first_frame'
    copy_first_frame(data, 'val', floor_dir)
    record['floor'] = score_splits(floor_dir, data, SPLITS)
    record['results']['synthetic-val copy-first-frame floor'] = record['floor']['val']
    for tracker in a.trackers:
        out = work / (f'eval-synthetic-val-{a.preset}' + ('' if tracker == 'none' else f'-{tracker}'))
        if a.preset == 'baseline' and tracker == 'none': out = work / 'eval-synthetic-val'   # the name used before trackers
        ev, wall = evaluate(run, data, out, 2017, None, tracker)
        scores = score_splits(out, data, SPLITS, out_dir=out)
        row = table1_row(a.preset, tracker)
        record['rows'] += result_entries(row, 1, a.preset, None if tracker == 'none' else tracker, {0: scores},
                                         training['seconds'], ev['FPS'])
        key = 'synthetic-val' + ('' if tracker == 'none' else f' {row}')
        record['results'][key] = {**scores['val'], 'fps_cpu': ev['FPS'], 'frames': ev['frames'], 'wall_s': wall,
                                  'J&F seen': scores['val_seen']['J&F'], 'J&F unseen': scores['val_unseen']['J&F']}
        print(key, record['results'][key], flush=True)
    if a.davis2016:
        seqs = sorted(p.name for p in (a.davis2016 / 'JPEGImages' / '480p').iterdir())
        ev, wall = evaluate(run, a.davis2016, work / f'eval-davis2016-sample-{a.preset}', 2016, seqs, 'none')
        sc = {m: ev[m] for m in ('J&F', 'J', 'F')}
        record['rows'] += result_entries(record['row'], 1, a.preset, None, {0: {'davis2016-sample': sc}},
                                         training['seconds'], ev['FPS'], splits=('davis2016-sample',))
        record['results']['davis2016-sample'] = {**sc, 'fps_cpu': ev['FPS'], 'frames': ev['frames'], 'wall_s': wall}
    WEIGHTS_DIR.mkdir(exist_ok=True)
    shutil.copyfile(run / 'model.safetensors', WEIGHTS_DIR / f'{a.name}.safetensors')
    (WEIGHTS_DIR / f'{a.name}.json').write_text(json.dumps(record, indent=1) + '\n')
    print(json.dumps(record['results'], indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
