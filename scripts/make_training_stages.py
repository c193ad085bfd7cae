"""Regenerate trickvos/results/training-stages.json: Table 1 of "Towards Good Practices for VOS" on our data.

    python scripts/make_training_stages.py --work runs/stages          # the reference scale, seed 0 (about 1.5 h on one CPU core)
    python scripts/make_training_stages.py --work W --tiny             # the mechanics in about a minute (tests)
    ... --fast 'Main training only'     # that row with bf16 autocast + channels-last (about 1.7x faster on this CPU)

The three rows are the baseline trained with only stage 0 (static-image clips: "pre-training only"), with only stage 2
(video clips from random weights: "main training only"), and with both ("full training"). At the reference scale the
full row is the shipped `baseline-reference` model, which is exactly `train_config('baseline', 'reference')`, seed 0
(its config is checked); the other two rows are that config with one stage's iterations set to 0, so each row trains
its stages exactly as the full run does. All three are scored on the reference benchmark's val split (`trickvos synth
--motion fast`, regenerated bit for bit) beside its copy-first-frame floor, and on the DAVIS 2016 sample (short side
240) when it is present. Each step is skipped when its output exists, so an interrupted run resumes.
"""
import argparse, json, os, shlex, sys
from pathlib import Path
from trickvos.stages import TRAINING_STAGES as ROWS
from trickvos.paper import PAPER_TRAINING_STAGES as PAPER

ROOT = Path(__file__).resolve().parents[1]
DAVIS_SAMPLE = ROOT.parent / 'shared' / 'data' / 'davis2016-sample'
SHORT_SIDE = 240


FAST = dict(cpu_amp=True, channels_last=True)     # --fast: channels-last; bf16 where it is native (06_training)

def _shipped_row(row, tiny, seed): return row == 'Full training' and not tiny and seed == 0   # baseline-reference

def _config(row, tiny, seed, fast=False):
    "The row's TrainConfig (`trickvos.stages.stage_configs`: the full config with one stage's iterations set to 0)."
    from trickvos.stages import stage_configs
    over = dict(static_iters=3, main_iters=4, crop=(64, 64), batch_size=2, ckpt_every=2, log_every=1) if tiny else {}
    if fast and not _shipped_row(row, tiny, seed): over.update(FAST)
    return stage_configs('baseline', 'lesson' if tiny else 'reference', seed=seed, **over)[row]


def _model_for(row, cfg, work, tiny, seed):
    "The row's model file: the shipped baseline-reference for the full row at the reference scale, else a run trained here."
    from trickvos.model import shipped_model, shipped_info
    from trickvos.config import config_diff
    if _shipped_row(row, tiny, seed):
        diff = config_diff(shipped_info('baseline-reference')['config'], cfg, ('bookkeeping', 'source'))
        if diff: raise ValueError(f'baseline-reference was not trained with this config ({sorted(diff)} differ): train the full row here')
        return shipped_model('baseline-reference'), None
    from trickvos.training import train
    run = work / row.lower().replace(' ', '-')
    if not (run / 'summary.json').exists():
        train(cfg, work / 'synth', run, resume=(run / 'checkpoint.pt').exists(), progress=False)
    return run / 'model.safetensors', json.loads((run / 'summary.json').read_text())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--work', type=Path, required=True, help='work folder (resumable)')
    ap.add_argument('--davis', type=Path, default=DAVIS_SAMPLE, help='the DAVIS 2016 sample (default %(default)s; skipped if absent)')
    ap.add_argument('--out', type=Path, default=ROOT / 'trickvos' / 'results' / 'training-stages.json')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--rows', nargs='+', default=list(ROWS), choices=list(ROWS))
    ap.add_argument('--tiny', action='store_true', help='a few steps on a tiny benchmark: checks the mechanics')
    ap.add_argument('--fast', nargs='*', default=[], choices=list(ROWS), metavar='ROW',
                    help='train these rows with bf16 autocast and channels-last on the CPU (the shipped full row is float32)')
    a = ap.parse_args(argv)
    import torch
    from trickvos.synthetic import generate_benchmark
    from trickvos.evaluation import evaluate_model
    from trickvos.metrics import copy_first_frame, evaluate_results
    from trickvos.data import atomic_write
    torch.set_num_threads(int(os.environ.get('TRICKVOS_THREADS', torch.get_num_threads())))
    work = a.work; work.mkdir(parents=True, exist_ok=True)
    davis = a.davis if a.davis is not None and a.davis.is_dir() else None
    synth = dict(n_train=3, n_val=2, frames=8, size=(96, 160)) if a.tiny else dict(motion='fast')
    if not (work / 'synth' / 'meta.json').exists(): generate_benchmark(work / 'synth', overwrite=True, **synth)
    from trickvos.planner import _global as glob       # {'J&F', 'J', 'F'} of a DavisScores
    floor = {}
    for key, root, year, kw in (('synthetic val', work / 'synth', 2017, {}), ('DAVIS 2016 sample', davis, 2016, {})):
        if root is None: continue
        pred = work / 'floor' / key.replace(' ', '-')
        if not pred.exists(): copy_first_frame(root, 'val', pred, year=year)
        floor[key] = glob(evaluate_results(pred, root, 'val', year, progress=False))
    rows = []
    for row in a.rows:
        cfg = _config(row, a.tiny, a.seed, fast=row in a.fast)
        model, summary = _model_for(row, cfg, work, a.tiny, a.seed)
        tag = row.lower().replace(' ', '-')
        res = dict(row=row, paper=PAPER[row], static_iters=cfg.static_iters, main_iters=cfg.main_iters, seed=a.seed,
                   precision=(summary or {}).get('precision', 'bf16 autocast' if cfg.cpu_amp else 'float32')
                             + (', channels-last' if cfg.channels_last else ''),
                   model='baseline-reference (shipped)' if summary is None else str(Path(model).relative_to(work)),
                   train_seconds=None if summary is None else summary['seconds'])
        for key, root, name, kw in (('synthetic val', work / 'synth', 'synth', {}),
                                    ('DAVIS 2016 sample', davis, 'davis', dict(year=2016, short_side=SHORT_SIDE))):
            if root is None: continue
            out = work / 'evals' / f'{tag}-{name}'
            if not (out / 'scores.json').exists():                  # evaluated once: a resumed run re-uses the scores
                g = glob(evaluate_model(model, root, split='val', out_dir=out, progress=False, **kw)['scores'])
                with atomic_write(out / 'scores.json') as tmp: tmp.write_text(json.dumps(g))
            res[key] = json.loads((out / 'scores.json').read_text())
        rows.append(res)
        print(f"{row}: synthetic val J&F {res['synthetic val']['J&F']:.3f} (floor {floor['synthetic val']['J&F']:.3f})"
              + (f"; DAVIS sample {res['DAVIS 2016 sample']['J&F']:.3f} (floor {floor['DAVIS 2016 sample']['J&F']:.3f})"
                 if davis is not None else ''), flush=True)
    record = dict(table='Towards Good Practices for VOS, Table 1 (training stages)', preset='baseline',
                  scale='lesson (tiny)' if a.tiny else 'reference', device='cpu', threads=torch.get_num_threads(),
                  data=dict(benchmark='trickvos synth --motion fast' if not a.tiny else f'tiny: {synth}',
                            davis_sample=str(davis) if davis else None, short_side=SHORT_SIDE),
                  paper_note="the paper's figures: YouTube-VOS 2018 val, overall score, ResNet-50 (0.667 is its "
                             "pre-training row without YouTube-VOS images)",
                  floor=floor, rows=rows,
                  regenerate='python scripts/make_training_stages.py --work WORK' + (' --tiny' if a.tiny else '')
                             + (' --fast ' + ' '.join(shlex.quote(r) for r in a.fast) if a.fast else ''))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(a.out) as tmp: tmp.write_text(json.dumps(record, indent=1) + '\n')
    print(f'written to {a.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
