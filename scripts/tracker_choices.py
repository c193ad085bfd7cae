"""Trick 3's open choices at model scale: J&F on synthetic val with the CV and PT trackers under different settings.

    python scripts/tracker_choices.py --checkpoint runs/reference/baseline --data runs/reference/synth --work runs/reference/choices

The paper leaves open a margin around the predicted box (it implies none), a hard or soft attention map, and
clipping to the image (`08_tracker`). Each variant below segments synthetic val with the checkpoint (an evaluation
folder that already holds eval.json is scored again, not re-segmented, so a stopped run resumes) and the table goes
to WORK/choices.md and WORK/choices.json: J&F, J, F, the change from no tracker, the objects helped and hurt (by more
than 0.01 J&F) and the eval FPS (CPU, tracker included; figures from different runs, not a side-by-side timing).
With --ship the same JSON (and the table) goes to trickvos/results/tracker-choices.json, which 08_tracker shows:

    python scripts/tracker_choices.py --checkpoint trickvos/weights/baseline-reference.safetensors --data runs/table1/synth --work runs/choices --ship
"""
import argparse, json, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_reference import evaluate
from trickvos.reproduce import per_object

VARIANTS = {'none': ('none', {}), 'cv': ('cv', {}), 'cv-margin0.1': ('cv', dict(margin=0.1)),
            'cv-soft': ('cv', dict(soft=True)), 'cv-noclip': ('cv', dict(clip=False)),
            'pt': ('pt', {}), 'pt-margin0.1': ('pt', dict(margin=0.1))}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--checkpoint', type=Path, required=True)
    ap.add_argument('--data', type=Path, required=True)
    ap.add_argument('--work', type=Path, required=True)
    ap.add_argument('--variants', nargs='+', default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument('--ship', action='store_true', help='also write trickvos/results/tracker-choices.json')
    a = ap.parse_args(argv)
    from trickvos.parametric_tracker import make_tracker
    from trickvos.planner import score_splits
    a.work.mkdir(parents=True, exist_ok=True)
    rows = {}
    for name in a.variants:
        spec, kw = VARIANTS[name]
        out = a.work / name
        ev, wall = evaluate(a.checkpoint, a.data, out, 2017, None, make_tracker(spec, **kw) if kw else spec)
        rows[name] = {**score_splits(out, a.data, ('val',))['val'], 'FPS': ev['FPS'], 'wall_s': wall,
                      'tracker': spec, 'settings': kw, 'objects': per_object(out)}
        print(name, {k: v for k, v in rows[name].items() if k != 'objects'}, flush=True)
    base = rows.get('none')
    lines = ['| variant | J&F | J | F | Δ J&F vs none | objects helped / hurt | eval FPS (CPU) |', '|' + ' --- |' * 7]
    for name, r in rows.items():
        if base and name != 'none':
            d = [r['objects'][o] - base['objects'][o] for o in base['objects']]
            extra = f"{r['J&F'] - base['J&F']:+.3f} | {sum(x > 0.01 for x in d)} / {sum(x < -0.01 for x in d)}"
        else: extra = '— | —'
        lines.append(f"| {name} {r['settings'] or ''} | {r['J&F']:.3f} | {r['J']:.3f} | {r['F']:.3f} | {extra} | {r['FPS']:.1f} |")
    md = '\n'.join(lines) + f'\n\n{a.checkpoint} on {a.data} (val, {len(base["objects"]) if base else "?"} objects)\n'
    (a.work / 'choices.md').write_text(md)
    from trickvos.model import _model_file
    from trickvos.data import file_sha256 as _sha256
    from trickvos.reproduce import RESULTS_DIR
    from trickvos.planner import _write_json
    record = {'checkpoint': str(a.checkpoint), 'checkpoint_sha256': _sha256(_model_file(a.checkpoint)), 'data': str(a.data),
              'command': 'python scripts/tracker_choices.py ' + ' '.join(argv if argv is not None else sys.argv[1:]),
              'markdown': md, 'rows': rows}
    _write_json(a.work / 'choices.json', record)
    if a.ship: _write_json(RESULTS_DIR / 'tracker-choices.json', record)
    print(md)
    return 0


if __name__ == '__main__':
    sys.exit(main())
