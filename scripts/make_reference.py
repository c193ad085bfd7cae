"""Regenerate the shipped reference baseline and the figures recorded beside it.

    python scripts/make_reference.py --work runs/reference            # everything (about 1.5 h on a 2-core CPU)
    python scripts/make_reference.py --work runs/reference --davis2016 ../shared/data/davis2016-sample

Steps (each skipped when its output exists, so an interrupted run resumes; training resumes from its checkpoint):
1. `trickvos synth --out WORK/synth` (the embedded default benchmark, seed 0);
2. `trickvos train --preset baseline --scale reference --data WORK/synth --out WORK/baseline`;
3. the copy-first-frame floor and `trickvos eval` of the run on synthetic val (and on the DAVIS 2016 sample if given);
4. copy the weights to trickvos/weights/baseline-reference.safetensors and write baseline-reference.json with the
   commands, the training time and the scores.
"""
import argparse, json, shutil, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--work', type=Path, default=ROOT / 'runs' / 'reference')
    ap.add_argument('--davis2016', type=Path, default=None, help='a DAVIS 2016 folder (e.g. the 5-sequence sample) to score too')
    ap.add_argument('--name', default='baseline-reference')
    ap.add_argument('--preset', default='baseline')
    a = ap.parse_args(argv)
    from trickvos.cli import main as trickvos
    from trickvos.metrics import copy_first_frame
    from trickvos.reproduce import score_splits
    from trickvos.evaluation import evaluate_model
    from trickvos.model import WEIGHTS_DIR, count_parameters, load_model
    work, data, run = a.work, a.work / 'synth', a.work / a.preset
    cmds = {'synth': f'trickvos synth --out {data}',
            'train': f'trickvos train --preset {a.preset} --scale reference --data {data} --out {run}'}
    if not (data / 'ImageSets').exists(): assert trickvos(cmds['synth'].split()[1:]) == 0
    if not (run / 'summary.json').exists():
        assert trickvos(cmds['train'].split()[1:] + (['--resume'] if (run / 'checkpoint.pt').exists() else [])) == 0
    record = dict(name=a.name, preset=a.preset, commands=cmds, regenerate=f'python scripts/make_reference.py --work {work}',
                  training=json.loads((run / 'summary.json').read_text()), config=json.loads((run / 'config.json').read_text())['train'],
                  parameters=count_parameters(load_model(run)), results={})
    floor_dir = work / 'copy_first_frame'
    copy_first_frame(data, 'val', floor_dir)
    record['results']['synthetic-val copy-first-frame floor'] = score_splits(floor_dir, data, ('val',))['val']
    sets = [('synthetic-val', data, 2017, None)]
    if a.davis2016: sets.append(('davis2016-sample', a.davis2016, 2016,
                                 sorted(p.name for p in (a.davis2016 / 'JPEGImages' / '480p').iterdir())))
    for label, root, year, seqs in sets:
        t0 = time.perf_counter()
        res = evaluate_model(run, root, split='val', out_dir=work / f'eval-{label}', year=year, sequences=seqs, device='cpu')
        g = res['scores'].global_table
        record['results'][label] = {**{k: g[f'{k}-Mean'] for k in ('J&F', 'J', 'F')}, 'fps_cpu': res['fps'],
                                    'frames': res['frames'], 'wall_s': round(time.perf_counter() - t0, 1)}
        if label == 'synthetic-val':
            split = score_splits(work / f'eval-{label}', data, ('val_seen', 'val_unseen'), out_dir=work)
            record['results'][label].update({'J&F seen': split['val_seen']['J&F'], 'J&F unseen': split['val_unseen']['J&F']})
        print(label, record['results'][label], flush=True)
    WEIGHTS_DIR.mkdir(exist_ok=True)
    shutil.copyfile(run / 'model.safetensors', WEIGHTS_DIR / f'{a.name}.safetensors')
    (WEIGHTS_DIR / f'{a.name}.json').write_text(json.dumps(record, indent=1) + '\n')
    print(json.dumps(record['results'], indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
