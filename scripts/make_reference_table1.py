"""Regenerate trickvos/results/reference-table1.json: the paper's Table 1 at the reference scale, two (or more) seeds.

    python scripts/make_reference_table1.py --work runs/table1

It runs `trickvos reproduce --scale reference --seeds SEEDS --tables 1 --reuse-shipped --out WORK` (SEEDS: 0 1 by default): seed 0's baseline,
trick1 and trick12 runs are the shipped reference models (`reuse_shipped` checks that each is exactly the planned run),
every other run of Table 1 is trained, and every row is evaluated on synthetic val. An interrupted run resumes. Steps
that were run elsewhere into the same WORK (e.g. two at a time on a 2-core CPU, one torch thread each) count as
finished; their times are read from WORK/timings*.json. Then WORK/results.json, with the training curves and the
command, is copied to trickvos/results/reference-table1.json, which `trickvos.reproduce.reference_results` reads.
"""
import argparse, json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--work', type=Path, default=ROOT / 'runs' / 'table1')
    ap.add_argument('--device', default=None)
    ap.add_argument('--name', default='reference-table1')
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1], help='training seeds (default 0 1; 0 reuses the shipped models)')
    a = ap.parse_args(argv)
    from trickvos.reproduce import reproduce, RESULTS_DIR
    from trickvos.planner import _write_json
    timings = {}
    for t in sorted(a.work.glob('timings*.json')): timings.update(json.loads(t.read_text()))   # steps run by other processes
    if timings: _write_json(a.work / 'timings.json', timings)
    res = reproduce('reference', out=a.work, seeds=a.seeds, device=a.device, tables=(1,), reuse=True)
    res['regenerate'] = f'python scripts/make_reference_table1.py --work {a.work} --seeds {" ".join(map(str, a.seeds))}'
    res['step_seconds'] = json.loads((a.work / 'timings.json').read_text())
    from trickvos.results import check_results
    _write_json(RESULTS_DIR / f'{a.name}.json', check_results(res))
    print((a.work / 'table1.md').read_text())
    print(f'written to {RESULTS_DIR / (a.name + ".json")}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
