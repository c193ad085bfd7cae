"""Regenerate trickvos/results/trick2-controls.json: Trick 2 against its two controls at the reference scale.

    python scripts/make_trick2_controls.py --work runs/controls --device cuda   # about 7 reference runs: a GPU job
    python scripts/make_trick2_controls.py --work W --tiny                      # the mechanics in about a minute (tests)

Trick 2 initialises the decoder from a trained baseline (the donor) and trains the rest from scratch. Its "+7.5 points"
at the reference scale (`12_ablation`) could come from the decoder's extra training rather than from re-using it the
way the paper does. The two controls the paper rules out (`07_decoder_pretraining`), each per seed, against the same
seed's `+ Trick 2` run:
- **whole model**: the donor's weights everywhere, trained again with the baseline recipe (`model_from`);
- **train longer**: the baseline trained for the donor's iterations plus its own (all of them on videos after the
  usual static stage), so it sees as many steps as donor + Trick 2 together.

The donor of seed 0 is the shipped `baseline-reference` (its config is checked); other seeds' donors are trained here.
The `+ Trick 2` and `Baseline` per-object scores come from `--reference` (trickvos/results/reference-table1.json): the
script scores its donors on the regenerated benchmark and refuses to go on unless they match that file object for
object (up to float rounding: mean gap <= 0.005, none over 0.05; the gaps are recorded), so the comparison is on the
same videos. A donor trained here (seeds other than 0) that does not match (training on another CPU need not be
bit-identical) gets its own `+ Trick 2` run here instead, and the record says so. With `--tiny` everything, Trick 2
included, is trained here.
Output: each control's J&F beside Trick 2's and the baseline's, and the paired differences with 95% intervals over
seeds and videos (`trickvos.reporting.paired_delta`), on all of val and again on its seen and unseen texture families
(`split_deltas`: the paper's controls lose where the test data differs from the training data).
Every step is skipped when its output exists, so it resumes; the per-object scores already in `--out` (same scale)
count as done too, so a later session can add a seed without the work folder of an earlier one:

    python scripts/make_trick2_controls.py --work runs/controls --seeds 0      # one session: seed 0's two controls
    python scripts/make_trick2_controls.py --work runs/controls --seeds 0 1    # later: seed 1 added, seed 0 re-used
"""
import argparse, json, os, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTROLS = {'control: whole model': 'control-whole', 'control: train longer': 'control-longer'}


def _configs(seed, tiny, donor_model):
    "{preset key: TrainConfig} of the runs a seed needs (the donor's own config under 'baseline'; 'trick2' is trained here only when needed)."
    from trickvos.config import train_config
    scale = 'lesson' if tiny else 'reference'
    over = dict(static_iters=2, main_iters=3, crop=(64, 64), batch_size=2, ckpt_every=2, log_every=1) if tiny else {}
    base = train_config('baseline', scale, seed=seed, **over)
    return {'baseline': base,
            'control-whole': train_config('baseline', scale, seed=seed, **{**over, 'model_from': str(donor_model)}),
            'control-longer': train_config('baseline', scale, seed=seed, **{**over, 'main_iters': base.main_iters + base.total_iters}),
            'trick2': train_config('trick2', scale, seed=seed, **{**over, 'decoder_from': str(donor_model)})}


def _donor(seed, work, tiny, device):
    "The donor baseline's model file for `seed`: the shipped baseline-reference (seed 0, reference scale), else trained here."
    from trickvos.model import shipped_model, shipped_info
    from trickvos.training import train
    from trickvos.config import config_diff
    cfg = _configs(seed, tiny, 'unused')['baseline']
    if seed == 0 and not tiny:
        diff = config_diff(shipped_info('baseline-reference')['config'], cfg, ('bookkeeping', 'source'))
        if diff: raise ValueError(f'baseline-reference is not the planned seed-0 donor: {sorted(diff)} differ')
        return shipped_model('baseline-reference')
    run = work / f'seed{seed}' / 'baseline'
    if not (run / 'summary.json').exists():
        train(cfg, work / 'synth', run, resume=(run / 'checkpoint.pt').exists(), device=device, progress=False)
    return run / 'model.safetensors'


def _objects(model, work, name, device):
    "{object: J&F} of `model` on the benchmark's val split (evaluated once into WORK/evals/NAME)."
    from trickvos.evaluation import evaluate_model
    from trickvos.reproduce import per_object
    out = work / 'evals' / name
    if not (out / 'per-sequence_results-val.csv').exists():
        evaluate_model(model, work / 'synth', split='val', out_dir=out, device=device, progress=False)
    return per_object(out)


def _split_deltas(res, work, pairs):
    """The differences `pairs` again on each texture split the benchmark lists (val_seen, val_unseen): the paper's
    controls lose where the data differs from training; -> ({split: deltas}, {split: its videos}, markdown lines)."""
    from trickvos.planner import SPLITS
    from trickvos.data import _read_sequence_list
    from trickvos.reporting import paired_delta, _delta_line
    deltas, listed, lines = {}, {}, []
    for split in SPLITS[1:]:
        lst = work / 'synth' / 'ImageSets' / '2017' / f'{split}.txt'
        videos = sorted(_read_sequence_list(lst)) if lst.is_file() else []
        got = [paired_delta(res, r, b, videos=videos) for r, b in pairs]
        if None in got: continue                                        # no object of this split
        deltas[split], listed[split] = [dict(row=r, base=b, **p) for (r, b), p in zip(pairs, got)], videos
        lines += [_delta_line(res, r, b, f'{split} | {r} − {b}', videos) for r, b in pairs]
    return deltas, listed, lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--work', type=Path, required=True, help='work folder (resumable)')
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    ap.add_argument('--device', default=None)
    ap.add_argument('--reference', type=Path, default=ROOT / 'trickvos' / 'results' / 'reference-table1.json')
    ap.add_argument('--out', type=Path, default=ROOT / 'trickvos' / 'results' / 'trick2-controls.json')
    ap.add_argument('--tiny', action='store_true', help='a few steps on a tiny benchmark: checks the mechanics')
    a = ap.parse_args(argv)
    import torch
    from trickvos.synthetic import generate_benchmark
    from trickvos.training import train
    from trickvos.reporting import paired_delta, _delta_line
    from trickvos.data import atomic_write
    torch.set_num_threads(int(os.environ.get('TRICKVOS_THREADS', torch.get_num_threads())))
    work = a.work; work.mkdir(parents=True, exist_ok=True)
    if not (work / 'synth' / 'meta.json').exists():
        synth = dict(n_train=3, n_val=2, frames=8, size=(96, 160)) if a.tiny else dict(motion='fast')   # the reference benchmark
        generate_benchmark(work / 'synth', overwrite=True, progress=False, **synth)
    ref = None if a.tiny else json.loads(a.reference.read_text())
    scale = 'lesson (tiny)' if a.tiny else 'reference'
    old = json.loads(a.out.read_text()) if a.out.is_file() else {}
    old = old if old.get('scale') == scale else {}                  # per-object scores of runs an earlier session finished
    objects, seconds, checks = {}, dict(old.get('train_seconds', {})), dict(old.get('donor_check', {}))
    for s in a.seeds:
        runs = [f'seed{s}/{k}' for k in ('baseline', 'trick2', *CONTROLS.values())]
        if all(r in old.get('objects', {}) for r in runs):             # this seed is in --out already: nothing to run
            objects.update({r: old['objects'][r] for r in runs}); continue
        donor = _donor(s, work, a.tiny, a.device)
        objects[f'seed{s}/baseline'] = _objects(donor, work, f'seed{s}-baseline', a.device)
        same = False                                                   # --tiny: nothing to re-use, Trick 2 trained here
        if ref is not None:
            theirs, mine = ref['objects'].get(f'seed{s}/baseline'), objects[f'seed{s}/baseline']
            gaps = [abs(theirs[o] - v) for o, v in mine.items()] if theirs and set(theirs) == set(mine) else None
            same = gaps is not None and sum(gaps) / len(gaps) <= 0.005 and max(gaps) <= 0.05   # float rounding: allowed
            if not same and s == 0:
                raise ValueError(f'seed 0: the shipped donor scores differently here than in {a.reference}: not the same benchmark')
            checks[f'seed{s}'] = dict(mean_abs_gap=sum(gaps) / len(gaps) if gaps else None, max_abs_gap=max(gaps) if gaps else None,
                                      matches=same, trick2='from ' + str(a.reference.name) if same else 'trained here from this donor')
            if same: objects[f'seed{s}/trick2'] = ref['objects'][f'seed{s}/trick2']
        todo = list(CONTROLS.values()) if same else ['trick2', *CONTROLS.values()]   # otherwise Trick 2 from *this* donor
        configs = _configs(s, a.tiny, donor)
        for key in todo:
            run = work / f'seed{s}' / key
            if not (run / 'summary.json').exists():
                train(configs[key], work / 'synth', run, resume=(run / 'checkpoint.pt').exists(), device=a.device, progress=False)
            seconds[f'seed{s}/{key}'] = json.loads((run / 'summary.json').read_text())['seconds']
            objects[f'seed{s}/{key}'] = _objects(run, work, f'seed{s}-{key}', a.device)
    names = {'Baseline': 'baseline', '+ Trick 2': 'trick2', **CONTROLS}
    res = {'seeds': a.seeds, 'objects': objects,
           'rows': [dict(row=r, split='val', preset=p, tracker=None,
                         **{'J&F': sum(sum(objects[f'seed{s}/{p}'].values()) / len(objects[f'seed{s}/{p}']) for s in a.seeds) / len(a.seeds)})
                    for r, p in names.items()]}
    pairs = [('+ Trick 2', 'Baseline'), ('+ Trick 2', 'control: whole model'), ('+ Trick 2', 'control: train longer'),
             ('control: whole model', 'Baseline'), ('control: train longer', 'Baseline')]
    res['deltas'] = [dict(row=r, base=b, **paired_delta(res, r, b)) for r, b in pairs]
    res['table'] = '\n'.join(['| row − base | Δ J&F (points) | Δ per seed | 95% interval (seeds, videos) | objects better / worse '
                              '(> 1 point) | reading |', '|' + ' --- |' * 6]
                             + [_delta_line(res, r, b, f'{r} − {b}') for r, b in pairs])
    res['split_deltas'], res['split_videos'], lines = _split_deltas(res, work, pairs)
    res['split_table'] = '\n'.join(['| split | row − base | Δ J&F (points) | Δ per seed | 95% interval (seeds, videos) | '
                                    'objects better / worse (> 1 point) | reading |', '|' + ' --- |' * 7] + lines)
    mine = lambda d: {k: v for k, v in d.items() if k.split('/')[0] in {f'seed{s}' for s in a.seeds}}   # --seeds only
    res.update(scale=scale, train_seconds=mine(seconds), donor_check=mine(checks), device=a.device or 'default',
               reference=None if a.tiny else str(a.reference.relative_to(ROOT)) if a.reference.is_relative_to(ROOT) else str(a.reference),
               regenerate='python scripts/make_trick2_controls.py --work WORK --seeds ' + ' '.join(map(str, a.seeds))
                          + (' --tiny' if a.tiny else ''))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    from trickvos.results import check_results
    with atomic_write(a.out) as tmp: tmp.write_text(json.dumps(check_results(res), indent=1) + '\n')
    print(res['table']); print(res['split_table']); print(f'written to {a.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
