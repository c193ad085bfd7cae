"""Re-measure every shipped Trick 3 row after the filter moved before aggregation (issue 15), old beside new.

    python scripts/remeasure_trick3.py --work runs/trick3-fix

Before the fix, `filter_with_tracker` filtered the *aggregated* probabilities and aggregated them a second time, so a
tracker changed labels even where its box kept every pixel. This script, on the same shipped models and the same
benchmark (the reference benchmark, `trickvos synth --motion fast`, seed 0, regenerated bit for bit when absent):
1. runs `scripts/tracker_choices.py` for `baseline-reference` (every variant: none, cv, margin, soft, no clipping, pt,
   pt with margin) and ships its table to trickvos/results/tracker-choices.json, as before;
2. runs it for `trickvos-reference` (Trick 1+2) with none, cv and pt;
3. writes trickvos/results/trick3-fix.json: for each (model, tracker) the old J&F (the shipped figures, seed 0) and
   the new one, and per object how many Trick 3 helps or hurts (by more than 0.01 J&F against no tracker), old and new;
4. puts the new CV and PT figures (val, val_seen, val_unseen, FPS) into the two models' records in trickvos/weights/,
   marked `filter: before aggregation`.
Seed 1 of Table 1 is not re-measured: its models were never shipped (only seed 0's are), so its old Trick 3 rows stay
in reference-table1.json, marked there as made with the old filter.
"""
import argparse, json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / 'trickvos' / 'results'
MODELS = {'baseline': ('baseline-reference', None), 'trick12': ('trickvos-reference', ['none', 'cv', 'pt'])}


def helped_hurt(objects, base, tol=0.01):
    "(objects helped, objects hurt) by more than `tol` J&F against `base` (per-object J&F dicts)."
    d = [objects[o] - base[o] for o in base]
    return sum(x > tol for x in d), sum(x < -tol for x in d)


RECORD_KEYS = {('baseline', 'cv'): 'synthetic-val + Trick 3 (CV)', ('baseline', 'pt'): 'synthetic-val + Trick 3 (PT)',
               ('trick12', 'cv'): 'synthetic-val + TrickVOS (CV)', ('trick12', 'pt'): 'synthetic-val + TrickVOS (PT)'}


def patch_records(work, data, new):
    "The new CV/PT figures into the shipped records' `results` and `rows` (seed 0), each marked with the filter's place."
    from trickvos.planner import SPLITS, score_splits
    weights = ROOT / 'trickvos' / 'weights'
    for (preset, tr), key in RECORD_KEYS.items():
        name = MODELS[preset][0]
        path = weights / f'{name}.json'
        rec = json.loads(path.read_text())
        pred = work / preset / tr
        scores = score_splits(pred, data, SPLITS)
        ev = json.loads((pred / 'eval.json').read_text())
        res = rec['results'][key]
        res.update({m: scores['val'][m] for m in ('J&F', 'J', 'F')}, fps_cpu=ev['FPS'], frames=ev['frames'],
                   wall_s=new[preset, tr]['wall_s'], filter='before aggregation (issue 15; scripts/remeasure_trick3.py)')
        if 'val_seen' in scores: res['J&F seen'] = scores['val_seen']['J&F']
        if 'val_unseen' in scores: res['J&F unseen'] = scores['val_unseen']['J&F']
        for row in rec['rows']:
            if row.get('tracker') != tr or row['split'] not in scores: continue
            got = {m: scores[row['split']][m] for m in ('J&F', 'J', 'F')}
            row.update(got, seeds={'0': dict(got)}, min=dict(got), max=dict(got), FPS=ev['FPS'], filter='before aggregation')
        path.write_text(json.dumps(rec, indent=1) + '\n')


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--work', type=Path, required=True)
    a = ap.parse_args(argv)
    work = a.work; work.mkdir(parents=True, exist_ok=True)
    data = work / 'synth'
    if not (data / 'meta.json').exists():
        subprocess.run([sys.executable, '-c', 'import sys; from trickvos.cli import main; sys.exit(main(sys.argv[1:]))',
                        'synth', '--out', str(data), '--motion', 'fast'], check=True)
    snap = work / 'old-tracker-choices.json'                 # the shipped (old) figures, kept before --ship replaces them
    if not snap.exists(): snap.write_text((RESULTS / 'tracker-choices.json').read_text())
    old_choices = json.loads(snap.read_text())
    if 'fixed_filter' in old_choices: raise SystemExit('tracker-choices.json already holds the re-measured figures')
    table = json.loads((RESULTS / 'reference-table1.json').read_text())
    old = {('baseline', name): r for name, r in old_choices['rows'].items()}
    for tr in ('none', 'cv', 'pt'):
        key = 'seed0/trick12' + ('' if tr == 'none' else f'+{tr}')
        objs = table['objects'][key]
        old['trick12', tr] = {'J&F': sum(objs.values()) / len(objs), 'objects': objs}
    new = {}
    for preset, (name, variants) in MODELS.items():
        cmd = [sys.executable, str(ROOT / 'scripts' / 'tracker_choices.py'), '--checkpoint',
               f'trickvos/weights/{name}.safetensors', '--data', str(data), '--work', str(work / preset)]
        cmd += ['--variants', *variants] if variants else ['--ship']
        subprocess.run(cmd, check=True, cwd=ROOT)
        for v, r in json.loads((work / preset / 'choices.json').read_text())['rows'].items(): new[preset, v] = r
    rows, lines = [], ['| model | tracker | J&F old | J&F new | helped / hurt old | helped / hurt new |', '|' + ' --- |' * 6]
    for (preset, v), r in new.items():
        if v == 'none' or (preset, v) not in old: continue
        o = old[preset, v]
        ho, hn = helped_hurt(o['objects'], old[preset, 'none']['objects']), helped_hurt(r['objects'], new[preset, 'none']['objects'])
        rows.append(dict(model=MODELS[preset][0], tracker=v, settings=r['settings'], old=o['J&F'], new=r['J&F'],
                         none_old=old[preset, 'none']['J&F'], none_new=new[preset, 'none']['J&F'],
                         helped_hurt_old=ho, helped_hurt_new=hn, objects=len(r['objects'])))
        lines.append(f"| {MODELS[preset][0]} | {v} | {o['J&F']:.3f} | {r['J&F']:.3f} | {ho[0]} / {ho[1]} | {hn[0]} / {hn[1]} |")
    md = '\n'.join(lines) + (f"\n\nsynthetic val of the reference benchmark ({rows[0]['objects'] if rows else '?'} objects), seed-0 "
                             "models; old: the filter after aggregation (shipped figures), new: before it (this run)\n")
    record = dict(command='python scripts/remeasure_trick3.py ' + ' '.join(argv if argv is not None else sys.argv[1:]),
                  data=str(data), markdown=md, rows=rows)
    (RESULTS / 'trick3-fix.json').write_text(json.dumps(record, indent=1) + '\n')
    patch_records(work, data, new)
    shipped = json.loads((RESULTS / 'tracker-choices.json').read_text())
    if 'fixed_filter' not in shipped:
        shipped['fixed_filter'] = True
        (RESULTS / 'tracker-choices.json').write_text(json.dumps(shipped, indent=1) + '\n')
    print(md)
    return 0


if __name__ == '__main__':
    sys.exit(main())
