#!/usr/bin/env python
"""Per-frame speed of `trickvos.metrics.contour_accuracy` (F) and `region_similarity` (J) against the official DAVIS
2017 scorer (`db_eval_boundary` / `db_eval_iou`, ported in tests/davis_reference.py), measured side by side on
DAVIS-like mask pairs, with a check that every value is identical.

    python scripts/bench_metrics.py [--pairs 40] [--repeats 5] [--size 480x854] [--seed 0]
"""
import argparse, sys, time
from pathlib import Path
import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent/'tests'))
import davis_reference as official  # noqa: E402
from trickvos.metrics import contour_accuracy, region_similarity  # noqa: E402


def star_object(rng, H, W, area):
    "A star-shaped object covering about `area` of an HxW frame: a radius with a few random harmonics, filled."
    t = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    rad = 1 + sum(rng.uniform(0, .25 / k) * np.cos(k * t + rng.uniform(0, 2 * np.pi)) for k in range(2, 7))
    s = np.sqrt(area * H * W / (np.pi * np.mean(rad ** 2)))
    a = rng.uniform(0.6, 1.6)                                   # aspect ratio
    cy, cx = rng.uniform(0.25, 0.75) * H, rng.uniform(0.25, 0.75) * W
    pts = np.stack([cx + s * a ** .5 * rad * np.cos(t), cy + s / a ** .5 * rad * np.sin(t)], 1)
    m = np.zeros((H, W), np.uint8)
    cv2.fillPoly(m, [np.round(pts).astype(np.int32)], 1)
    return m.view(bool)

def perturbed(rng, gt):
    "A slightly wrong prediction: shifted a few pixels, eroded or dilated, with a small blob added or cut away."
    p = np.roll(gt, (int(rng.integers(-6, 7)), int(rng.integers(-6, 7))), (0, 1)).view(np.uint8)
    k = np.ones((int(rng.integers(2, 8)),) * 2, np.uint8)
    p = (cv2.erode if rng.random() < .5 else cv2.dilate)(p, k)
    ys, xs = np.nonzero(gt)
    i = rng.integers(len(ys))
    cv2.circle(p, (int(xs[i]), int(ys[i])), int(rng.integers(5, 20)), int(rng.random() < .5), -1)
    return p.view(bool)

def side_by_side(fns, args, repeats, interleave=False):
    "Time each function `repeats` times on the same arguments (in turn, or alternating call by call); times, values."
    times, values = [[] for _ in fns], [None] * len(fns)
    order = [i for _ in range(repeats) for i in range(len(fns))] if interleave else \
            [i for i in range(len(fns)) for _ in range(repeats)]
    for i in order:
        t = time.perf_counter(); values[i] = fns[i](*args); times[i].append(time.perf_counter() - t)
    return times, values

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--pairs', type=int, default=40, help='mask pairs (frames)')
    p.add_argument('--repeats', type=int, default=5, help='timed calls of each scorer per pair (in a row)')
    p.add_argument('--size', default='480x854', help='frame size HxW (DAVIS 480p: 480x854)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--interleave', action='store_true',
                   help='alternate the scorers call by call (each then runs with the caches the other left cold)')
    a = p.parse_args(argv)
    H, W = (int(v) for v in a.size.lower().split('x'))
    rng = np.random.default_rng(a.seed)
    pairs = []
    for _ in range(a.pairs):
        gt = star_object(rng, H, W, rng.uniform(0.05, 0.20))
        pairs.append((gt, perturbed(rng, gt)))
    contour_accuracy(*pairs[0]); official.db_eval_boundary(*pairs[0])          # warm up (imports, caches)

    t_of, t_ours, tj_of, tj_ours, same, fs = [], [], [], [], 0, []
    for gt, pred in pairs:
        (to, tu), (fo, fu) = side_by_side([official.db_eval_boundary, contour_accuracy], (gt, pred), a.repeats, a.interleave)
        (jo, ju), (vo, vu) = side_by_side([official.db_eval_iou, region_similarity], (gt, pred), a.repeats, a.interleave)
        t_of.append(np.median(to)); t_ours.append(np.median(tu)); tj_of.append(np.median(jo)); tj_ours.append(np.median(ju))
        same += (fo == fu) and (vo == vu)
        fs.append(fu)
    area = np.mean([g.mean() for g, _ in pairs])
    ms = lambda x: 1e3 * float(np.median(x))
    print(f'{a.pairs} DAVIS-like pairs at {H}x{W} (object {100 * area:.1f} % of the frame on average, '
          f'F from {min(fs):.3f} to {max(fs):.3f}), {a.repeats} calls of each scorer per pair, '
          f'{"alternating" if a.interleave else "in turn"}; per-frame medians:')
    print(f'  F  official db_eval_boundary  {ms(t_of):7.3f} ms')
    print(f'     trickvos contour_accuracy  {ms(t_ours):7.3f} ms   -> {ms(t_of) / ms(t_ours):.1f}x faster')
    print(f'  J  official db_eval_iou       {ms(tj_of):7.3f} ms')
    print(f'     trickvos region_similarity {ms(tj_ours):7.3f} ms   -> {ms(tj_of) / ms(tj_ours):.1f}x faster')
    print(f'  identical J and F values on {same}/{a.pairs} pairs')
    return 0 if same == a.pairs else 1

if __name__ == '__main__':
    sys.exit(main())
