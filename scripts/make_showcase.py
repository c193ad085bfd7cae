"""Train (one more leg of) the showcase models and write their records: `baseline-showcase` and `trickvos-showcase`.

    python scripts/make_showcase.py --work runs/showcase                  # leg 1: from the shipped reference models
    python scripts/make_showcase.py --work runs/showcase-leg2 --continue  # a further leg: from the shipped showcase models
    python scripts/make_showcase.py --work W --tiny                       # the mechanics in about a minute (tests, CI)

Steps (each skipped when its output exists, so an interrupted run resumes; training resumes from its checkpoint):
1. photographs: `gather_photos` links the wallpaper photographs that Debian's plasma-workspace-wallpapers and
   mate-backgrounds install (without them the benchmark uses the procedural textures alone, and the record says so);
2. data: the calibrated synthetic benchmark (`motion='davis'`, 150 train + 30 val videos of 40 frames, the photographs
   as a texture family) plus the DAVIS 2016 sample's TRAIN_SEQUENCES at the benchmark's size, each listed `--real-repeat`
   times (default 10: the weight of real video in the mix), and a folder of the sample's HELD_OUT sequences, which no
   model trains on, for the J&F learning curve;
3. training, `--scale showcase` (channels-last, bf16 autocast on CPUs with native bf16, an EMA of the weights, a J&F curve of that average every
   250 steps, the best model by the curve's synthetic val videos kept as best.safetensors and used from there on): `baseline` from the
   shipped `baseline-reference` (or `baseline-showcase` with --continue), `trick12` (Trick 1+2) from `trickvos-reference`
   (or `trickvos-showcase`); all weights come from the model, the optimizer starts afresh with its warm-up;
4. evaluation: synthetic val beside its copy-first-frame floor (TrickVOS also with the CV and PT trackers), and the DAVIS
   sample at short side 240 (held-out and trained-on sequences apart) beside its floor;
5. copy the weights to trickvos/weights/NAME.safetensors and write NAME.json: every leg (command, init, steps,
   seconds), the data, the config, the learning curve, the scores.
"""
import argparse, json, os, shutil, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAVIS_SAMPLE = ROOT.parent / 'shared' / 'data' / 'davis2016-sample'
TRAIN_SEQUENCES = ('blackswan', 'dog', 'scooter-black')
HELD_OUT = ('car-shadow', 'libby')
MODELS = {'baseline-showcase': ('baseline', 'baseline-reference'), 'trickvos-showcase': ('trick12', 'trickvos-reference')}
SHORT_SIDE = 240


def make_data(work, davis, tiny, photos=None, real_repeat=10):
    "The training benchmark (+ real sequences) and the held-out DAVIS folder; -> (data, held-out or None, photos or None)."
    from trickvos.synthetic import generate_benchmark, add_real_videos
    from trickvos.textures import gather_photos
    if photos is None:
        photos = work / 'photos'
        try: gather_photos(photos)
        except FileNotFoundError as e: print(f'no photographs: {e}'); photos = None
    data, held = work / 'synth-davis', work / 'davis-heldout'
    if not (data / 'meta.json').exists():
        kw = dict(n_train=3, n_val=2, frames=8, size=(96, 160)) if tiny else dict(n_train=150, n_val=30, frames=40)
        generate_benchmark(data, motion='davis', texture_dir=photos, workers=1 if tiny else 2, overwrite=True, **kw)
        if davis is not None: add_real_videos(data, davis, TRAIN_SEQUENCES, split='train', repeat=real_repeat)
    if davis is not None and not (held / 'meta.json').exists():
        add_real_videos(held, davis, HELD_OUT, split='val', short_side=SHORT_SIDE)
    return data, (held if davis is not None else None), photos


def train_leg(work, name, preset, init, data, held, tiny, scale='showcase', iters=None, lr=None):
    "Train one model's leg into WORK/NAME unless finished; -> (run folder, the leg's record)."
    import torch
    from trickvos.training import train
    from trickvos.config import train_config
    from trickvos.model import shipped_model
    run = work / name
    init_file = shipped_model(init)
    over = dict(model_from=str(init_file), eval_data=tuple(str(d) for d in (data, held) if d is not None))
    if tiny: over.update(static_iters=2, main_iters=4, crop=(64, 64), batch_size=2, eval_every=3, eval_videos=1, log_every=1,
                         ckpt_every=2, workers=0)
    if iters is not None: over.update(static_iters=iters[0], main_iters=iters[1])
    if lr is not None: over['lr'] = lr
    cfg = train_config(preset, scale, **over)
    if not (run / 'summary.json').exists():
        torch.set_num_threads(int(os.environ.get('TRICKVOS_THREADS', torch.get_num_threads())))
        train(cfg, data, run, resume=(run / 'checkpoint.pt').exists(), progress=False)
    summary = json.loads((run / 'summary.json').read_text())
    leg = dict(init=init, init_sha256=json.loads((run / 'donor.json').read_text())['sha256'], steps=summary['steps'],
               seconds=summary['seconds'], device=summary['device'], threads=os.environ.get('TRICKVOS_THREADS'),
               command=' '.join(['python', 'scripts/make_showcase.py'] + sys.argv[1:]),
               config=json.loads((run / 'config.json').read_text())['train'])
    return run, leg


def evaluate(run, work, data, davis, tracker='none', synthetic=True, model=None):
    "J&F of `model` (default: the run's final model) on synthetic val (unless not `synthetic`) and on the DAVIS sample (short side 240)."
    from trickvos.evaluation import evaluate_model
    out, run_model = {}, model or run
    if synthetic:
        r = evaluate_model(run_model, data, split='val', out_dir=work / 'evals' / f'{run.name}-{tracker}-synth', tracker=tracker,
                           progress=False)
        g = r['scores'].global_table
        out['synthetic val'] = {'J&F': g['J&F-Mean'], 'J': g['J-Mean'], 'F': g['F-Mean'], 'J-Recall': g['J-Recall'], 'FPS': r['fps']}
    if davis is not None:
        r = evaluate_model(run_model, davis, split='val', year=2016, short_side=SHORT_SIDE, tracker=tracker, progress=False,
                           out_dir=work / 'evals' / f'{run.name}-{tracker}-davis')
        out['DAVIS 2016 sample'] = per_sequence(r['scores'])
    return out


def per_sequence(scores):
    "{'held-out': {...}, 'trained-on': {...}, 'sequences': {name: J&F}} from DAVIS scores of the sample."
    import numpy as np
    seqs = {}
    for name, s in scores.sequences.items():
        seqs[name] = {'J': float(np.mean(s.J_mean)), 'F': float(np.mean(s.F_mean)), 'J_recall': float(np.mean(s.J_recall)),
                      'J&F': s.JF}
    group = lambda names: {k: float(np.mean([seqs[n][k] for n in names if n in seqs])) for k in ('J&F', 'J', 'F', 'J_recall')}
    return {'held-out': group(HELD_OUT), 'trained-on': group(TRAIN_SEQUENCES), 'sequences': seqs}


def floors(work, data, davis):
    "The copy-first-frame floor on synthetic val and on the DAVIS sample."
    from trickvos.metrics import copy_first_frame, evaluate_results
    out = {}
    for key, root, year in (('synthetic val', data, 2017), ('DAVIS 2016 sample', davis, 2016)):
        if root is None: continue
        pred = work / 'floor' / key.replace(' ', '-')
        if not pred.exists(): copy_first_frame(root, 'val', pred, year=year)
        s = evaluate_results(pred, root, 'val', year, progress=False)
        out[key] = per_sequence(s) if year == 2016 else {'J&F': s.global_table['J&F-Mean'], 'J': s.global_table['J-Mean'],
                                                         'F': s.global_table['F-Mean']}
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--work', type=Path, required=True, help='work folder (resumable)')
    ap.add_argument('--continue', dest='cont', action='store_true', help='a further leg: start from the shipped showcase models')
    ap.add_argument('--davis', type=Path, default=DAVIS_SAMPLE, help='the DAVIS 2016 sample (default %(default)s)')
    ap.add_argument('--tiny', action='store_true', help='a few steps on a tiny benchmark: checks the mechanics')
    ap.add_argument('--weights', type=Path, default=ROOT / 'trickvos' / 'weights', help='where to ship (default %(default)s)')
    ap.add_argument('--models', nargs='+', default=list(MODELS), choices=list(MODELS))
    ap.add_argument('--scale', default='showcase', choices=('showcase', 'showcase-gpu'), help='training scale (default %(default)s)')
    ap.add_argument('--photos', type=Path, default=None, help='a folder of photographs (default: gather the Debian wallpapers)')
    ap.add_argument('--trackers-davis-only', action='store_true',
                    help='evaluate the CV and PT trackers on the DAVIS sample only (saves 2 synthetic evaluations)')
    ap.add_argument('--iters', type=int, nargs=2, metavar=('STATIC', 'MAIN'), default=None,
                    help="the leg's static-image and video steps (default: the scale's)")
    ap.add_argument('--lr', type=float, default=None, help="the leg's learning rate (default: the scale's)")
    ap.add_argument('--real-repeat', type=int, default=10,
                    help='times each real training sequence is listed among the 150 synthetic videos (default %(default)s)')
    ap.add_argument('--note', default=None, help="a note on how this leg ran, kept in the leg's record")
    a = ap.parse_args(argv)
    from trickvos.training import read_log
    davis = a.davis if a.davis is not None and a.davis.is_dir() else None
    if davis is None: print(f'no DAVIS sample at {a.davis}: training on the synthetic benchmark alone, no real-video scores')
    work = a.work; work.mkdir(parents=True, exist_ok=True)
    data, held, photos = make_data(work, davis, a.tiny, a.photos, a.real_repeat)
    floor = floors(work, data, davis)
    for name in a.models:
        preset, reference = MODELS[name]
        init = name if a.cont else reference
        prev = json.loads((a.weights / f'{name}.json').read_text()) if a.cont else None
        run, leg = train_leg(work, name, preset, init, data, held, a.tiny, a.scale, a.iters, a.lr)
        if a.note: leg['note'] = a.note
        best = run / 'best.safetensors'                # keep_best: the curve's best step, not a late collapse
        model = best if best.is_file() else run / 'model.safetensors'
        if best.is_file():
            from trickvos.model import read_model_metadata
            leg['selected'] = dict(file='best.safetensors', step=read_model_metadata(best)['step'],
                                   by='the learning curve on its synthetic val videos (the DAVIS held-out sequences play no part)')
        results = {'none': evaluate(run, work, data, davis, model=model)}
        if preset == 'trick12':
            for tr in ('cv', 'pt'): results[tr] = evaluate(run, work, data, davis, tr, synthetic=not a.trackers_davis_only, model=model)
        legs = (prev['legs'] if prev else []) + [leg]
        record = dict(name=name, preset=preset, scale=a.scale,
                      legs=legs, total_steps=(prev['total_steps'] if prev else 1800) + leg['steps'],
                      lineage=f'{reference} (reference scale, 1800 steps on the first benchmark, motion fast), then the legs below',
                      data=dict(benchmark='trickvos synth --motion davis, 150 train + 30 val videos of 40 frames at 240x432',
                                photos=sorted(p.name for p in photos.iterdir()) if photos else None,
                                real_train=list(TRAIN_SEQUENCES) if davis else [], real_held_out=list(HELD_OUT) if davis else [],
                                davis_sample=str(davis) if davis else None, short_side=SHORT_SIDE,
                                real_repeat=a.real_repeat if davis else None),
                      config=json.loads((run / 'config.json').read_text())['train'],
                      curve=json.loads((run / 'curve.json').read_text()) if (run / 'curve.json').exists() else [],
                      loss=dict(step=read_log(run)['step'].tolist(), loss=read_log(run)['loss'].tolist()),
                      floor=floor, results=results, tried=prev.get('tried', []) if prev else [],
                      superseded=prev.get('superseded', []) if prev else [],
                      regenerate='python scripts/make_showcase.py --work WORK' + (' --continue' if a.cont else ''))
        a.weights.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(model, a.weights / f'{name}.safetensors')
        (a.weights / f'{name}.json').write_text(json.dumps(record, indent=1) + '\n')
        print(f"{name}: synthetic val J&F {results['none']['synthetic val']['J&F']:.3f} (floor {floor['synthetic val']['J&F']:.3f})"
              + (f"; DAVIS held-out J&F {results['none']['DAVIS 2016 sample']['held-out']['J&F']:.3f} (floor "
                 f"{floor['DAVIS 2016 sample']['held-out']['J&F']:.3f})" if davis else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
