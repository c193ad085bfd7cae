"""trickvos.metrics: values derived by hand, edge cases, errors, and equality with a port of the official DAVIS
2017 evaluation (tests/davis_reference.py) on many random masks, sequences and results folders."""
import json, sys, time
from pathlib import Path
import cv2
import numpy as np
import pytest
from PIL import Image

from trickvos import metrics as M
from trickvos.data import write_label_png
from trickvos.metrics import (boundary_map, contour_accuracy, copy_first_frame, disk, evaluate_results,
                              evaluate_sequence, format_tables, mean_recall_decay, region_similarity, tolerance_radius)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import davis_reference as R  # noqa: E402


# ------------------------------------------------------------------ masks
def pixel(r, c, shape=(7, 9)):
    m = np.zeros(shape, bool); m[r, c] = True
    return m

def blob(rng, H, W, cells=None):
    "A smooth random shape: a coarse random grid, upsampled and thresholded."
    cells = cells or (int(rng.integers(2, 7)), int(rng.integers(2, 7)))
    g = cv2.resize(rng.random(cells).astype(np.float32), (W, H), interpolation=cv2.INTER_LINEAR)
    return g > rng.uniform(0.3, 0.7)

def random_mask(rng, H, W, kind):
    if kind == 0: return blob(rng, H, W)
    if kind == 1: return rng.random((H, W)) < rng.random()                       # noise
    if kind == 2:                                                                # a box, often against a border
        m = np.zeros((H, W), bool)
        r0, c0 = rng.integers(0, H), rng.integers(0, W)
        m[r0:r0 + rng.integers(1, H + 1), c0:c0 + rng.integers(1, W + 1)] = True
        return m
    if kind == 3: return pixel(rng.integers(0, H), rng.integers(0, W), (H, W))   # one pixel
    if kind == 4:                                                                # lines
        m = np.zeros((H, W), bool)
        if rng.random() < .5: m[rng.integers(0, H)] = True
        else: m[:, rng.integers(0, W)] = True
        if rng.random() < .5: np.fill_diagonal(m, True)
        return m
    if kind == 5: return np.ones((H, W), bool) if rng.random() < .5 else np.zeros((H, W), bool)
    raise ValueError(kind)

def perturb(rng, m):
    "A prediction near `m`: shifted, eroded or dilated, with a little noise."
    k = rng.integers(0, 4)
    if k == 0: return np.roll(m, (rng.integers(-3, 4), rng.integers(-3, 4)), (0, 1))
    op = cv2.erode if k == 1 else cv2.dilate
    if k < 3: return op(m.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    return m ^ (rng.random(m.shape) < 0.02)

def pairs(rng, n, sizes):
    for i in range(n):
        H, W = sizes[i % len(sizes)] if sizes else (int(rng.integers(1, 41)), int(rng.integers(1, 41)))
        gt = random_mask(rng, H, W, i % 6)
        pred = perturb(rng, gt) if rng.random() < .5 else random_mask(rng, H, W, rng.integers(0, 6))
        void = rng.random((H, W)) < 0.1 if i % 4 == 0 else None
        yield gt, pred, void


# ------------------------------------------------------------------ J
def test_region_similarity_by_hand():
    G = np.zeros((4, 5), bool); G[1:3, 1:3] = True
    Mk = np.zeros((4, 5), bool); Mk[1:3, 2:4] = True
    assert region_similarity(G, Mk) == 2 / 6                 # 2 shared pixels, 6 in the union
    assert region_similarity(G, G) == 1 and region_similarity(G, ~G) == 0
    assert region_similarity(np.zeros((3, 3)), np.zeros((3, 3))) == 1         # both empty: J = 1 (official)
    assert region_similarity(G, np.zeros_like(G)) == 0
    void = np.zeros_like(G); void[:, 3] = True
    assert region_similarity(G, Mk, void) == 2 / 4
    assert region_similarity(G, Mk, np.ones_like(G)) == 1                       # everything void: empty union
    assert region_similarity(G.astype(np.uint8) * 7, Mk.astype(float)) == 2 / 6   # any non-zero is foreground

def test_region_similarity_per_frame_and_errors():
    G = np.zeros((3, 4, 4), bool); G[0, :2] = True; G[2] = True
    P = G.copy(); P[2, 0] = False
    assert np.array_equal(region_similarity(G, P), [1, 1, 12 / 16])
    with pytest.raises(ValueError, match='shape'): region_similarity(np.zeros((3, 4)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match='void'): region_similarity(np.zeros((3, 4)), np.zeros((3, 4)), np.zeros((2, 2)))
    with pytest.raises(ValueError): region_similarity(np.zeros(5), np.zeros(5))

@pytest.mark.parametrize('sizes', [None, [(7, 9), (1, 1), (1, 13), (13, 1)], [(64, 96), (480, 910)]])
def test_region_similarity_equals_official(sizes):
    rng = np.random.default_rng(1)
    for gt, pred, void in pairs(rng, 300 if sizes is None else 24, sizes):
        assert region_similarity(gt, pred, void) == R.db_eval_iou(gt, pred, void)


# ------------------------------------------------------------------ boundary maps
def on(b): return sorted((int(r), int(c)) for r, c in zip(*np.nonzero(b)))

def test_boundary_map_by_hand():
    # one pixel away from the edges: it and the three pixels that have it as E, S or SE neighbour
    assert on(boundary_map(pixel(3, 4))) == [(2, 3), (2, 4), (3, 3), (3, 4)]
    # top-left corner: only the pixel itself (it differs from its right neighbour)
    assert on(boundary_map(pixel(0, 0))) == [(0, 0)]
    # bottom-right corner: never a boundary itself; its left (last row rule), upper (last column rule), upper-left
    assert on(boundary_map(pixel(6, 8))) == [(5, 7), (5, 8), (6, 7)]
    # last row / last column, away from the corner
    assert on(boundary_map(pixel(6, 3))) == [(5, 2), (5, 3), (6, 2), (6, 3)]
    assert on(boundary_map(pixel(2, 8))) == [(1, 7), (1, 8), (2, 7), (2, 8)]
    # a 3x3 square: the 12-pixel ring of the 4x4 block shifted up-left
    sq = np.zeros((7, 7), bool); sq[2:5, 2:5] = True
    ring = np.zeros((7, 7), bool); ring[1:5, 1:5] = True; ring[2:4, 2:4] = False
    assert np.array_equal(boundary_map(sq), ring)
    # full-width line at row 3: rows 2 and 3; full-height line at column 0: columns 0 only (nothing to its left)
    line = np.zeros((7, 9), bool); line[3] = True
    assert on(boundary_map(line)) == [(r, c) for r in (2, 3) for c in range(9)]
    col = np.zeros((7, 9), bool); col[:, 0] = True
    assert on(boundary_map(col)) == [(r, 0) for r in range(7)]
    # no boundary in a constant mask, nor in a 1x1 image
    assert not boundary_map(np.ones((7, 9))).any() and not boundary_map(np.zeros((7, 9))).any()
    assert not boundary_map(np.ones((1, 1))).any()
    with pytest.raises(ValueError): boundary_map(np.zeros((0, 3)))

def test_boundary_map_equals_official():
    rng = np.random.default_rng(2)
    for i in range(400):
        H, W = int(rng.integers(1, 30)), int(rng.integers(1, 30))
        m = random_mask(rng, H, W, i % 6)
        assert np.array_equal(boundary_map(m), R.seg2bmap(m))


# ------------------------------------------------------------------ tolerance
def test_tolerance_radius_and_disk():
    assert tolerance_radius((480, 854)) == 8 and tolerance_radius((240, 432)) == 4 and tolerance_radius((7, 9)) == 1
    assert tolerance_radius((1080, 1920)) == 18 and tolerance_radius((480, 910)) == 9
    assert tolerance_radius((480, 854), 5) == 5 and tolerance_radius((480, 854), 2.5) == 2.5
    assert tolerance_radius((480, 854), 0) == 0
    with pytest.raises(ValueError): tolerance_radius((4, 4), -0.1)
    for r in [0, 1, 2, 3, 8, 17, 25, 2.5, np.float64(8.0)]: assert np.array_equal(disk(r), R.disk(r))
    assert disk(1).sum() == 5 and disk(2).sum() == 13 and disk(2.5).shape == (6, 6)


# ------------------------------------------------------------------ F
def test_contour_accuracy_by_hand():
    # 7x9 image: r = ceil(0.008 * sqrt(49 + 81)) = 1, the disk is the pixel and its 4 neighbours.
    # GT pixel (3,3): B_G = {(2,2),(2,3),(3,2),(3,3)}. Prediction pixel (4,5): B_M = {(3,4),(3,5),(4,4),(4,5)}.
    # Only (3,4) of B_M is within 1 of B_G (right of (3,3)); only (3,3) of B_G within 1 of B_M: P = R = 1/4.
    gt = pixel(3, 3)
    assert M._counts_dilate(pixel(4, 5), gt, 1) == (4, 4, 1, 1)
    assert contour_accuracy(gt, pixel(4, 5)) == 0.25
    # prediction (4,4): B_M = {(3,3),(3,4),(4,3),(4,4)}; (4,4) is sqrt(2) from B_G, (2,2) sqrt(2) from B_M: F = 3/4
    assert contour_accuracy(gt, pixel(4, 4)) == 0.75
    # far apart: no match, P = R = 0 -> F = 0
    assert contour_accuracy(gt, pixel(3, 7)) == 0
    # the same pixel: 1; with a 3-pixel tolerance the (4,5) pixel is fully matched
    assert contour_accuracy(gt, gt) == 1 and contour_accuracy(gt, pixel(4, 5), bound_th=3) == 1

def test_contour_accuracy_empty_conventions():
    full, empty, obj = np.ones((7, 9)), np.zeros((7, 9)), pixel(3, 3)
    assert contour_accuracy(empty, empty) == 1          # no boundary anywhere: P = R = 1
    assert contour_accuracy(obj, empty) == 0            # predicted boundary empty: P = 1, R = 0
    assert contour_accuracy(empty, obj) == 0            # GT boundary empty: P = 0, R = 1
    assert contour_accuracy(full, empty) == 1           # a full frame has no boundary either (official quirk)
    assert contour_accuracy(full, full) == 1 and contour_accuracy(full, obj) == 0
    for g, p in [(full, empty), (obj, empty), (empty, obj), (full, obj)]:
        assert contour_accuracy(g, p) == R.db_eval_boundary(g, p)

def test_contour_accuracy_void():
    gt, pred = pixel(3, 3), pixel(3, 7)
    void = np.zeros((7, 9), bool); void[:, 5:] = True      # the prediction's pixel is void: nothing predicted
    assert contour_accuracy(gt, pred, void) == 0 == R.db_eval_boundary(gt, pred, void)
    void[:] = True
    assert contour_accuracy(gt, pred, void) == 1            # all void: both boundaries empty

@pytest.mark.parametrize('bound_th', [0.008, 0.05, 0.2, 1, 2, 2.5, 11, 24, 25, 31.5])
def test_contour_accuracy_equals_official_small(bound_th):
    rng = np.random.default_rng(int(bound_th * 1000))
    for gt, pred, void in pairs(rng, 250, None):
        assert contour_accuracy(gt, pred, void, bound_th) == R.db_eval_boundary(gt, pred, void, bound_th)

@pytest.mark.parametrize('size', [(7, 9), (1, 50), (50, 1), (64, 96), (240, 432), (480, 854), (480, 910)])
def test_contour_accuracy_equals_official_sizes(size):
    rng = np.random.default_rng(size[0] * 1000 + size[1])
    n = 12 if size[0] * size[1] > 100_000 else 60
    for gt, pred, void in pairs(rng, n, [size]):
        assert contour_accuracy(gt, pred, void) == R.db_eval_boundary(gt, pred, void)

def test_contour_accuracy_realistic_frames():
    "DAVIS-like objects (5-20 % of a 480x854 frame, against borders too) and perturbed predictions."
    rng = np.random.default_rng(3)
    for i in range(16):
        gt = blob(rng, 480, 854, (3, 5))
        if i % 4 == 0: gt[:, :rng.integers(1, 50)] = True; gt[-rng.integers(1, 30):] = True   # touch the borders
        pred = perturb(rng, gt)
        f = contour_accuracy(gt, pred)
        assert f == R.db_eval_boundary(gt, pred) and region_similarity(gt, pred) == R.db_eval_iou(gt, pred)

def test_strided_and_fortran_inputs():
    rng = np.random.default_rng(11)
    big_gt, big_pred = blob(rng, 120, 180), blob(rng, 120, 180)
    for gt, pred in [(big_gt[::2, 1::3], big_pred[::2, 1::3]), (np.asfortranarray(big_gt), np.asfortranarray(big_pred)),
                     (big_gt.T, big_pred.T), (big_gt.astype(np.float32) * .3, big_pred.astype(np.int64) - 2)]:
        assert contour_accuracy(gt, pred) == R.db_eval_boundary(gt, pred)
        assert region_similarity(gt, pred) == R.db_eval_iou(gt, pred)

def test_packed_counts_equal_dilation_counts():
    "The bit-packed path gives the four counts of cv2.dilate for every radius it serves (0..24), over word edges."
    rng = np.random.default_rng(4)
    for i in range(250):
        H, W = int(rng.integers(1, 70)), int(rng.integers(1, 400))       # up to 400 columns: many words a row
        a, b = random_mask(rng, H, W, i % 6), random_mask(rng, H, W, (i // 6) % 6)
        r = int(rng.integers(0, M.MAX_PACKED_RADIUS + 1))
        assert M._counts_packed(a, b, r) == M._counts_dilate(a, b, r), (H, W, r)

def test_bit_count_without_numpy2(monkeypatch):
    "numpy < 2 has no bitwise_count: the unpackbits fallback counts the same bits."
    words = np.random.default_rng(10).integers(0, 2 ** 63, (7, 5), dtype=np.uint64)[:, 1:4]   # not contiguous
    expected = sum(bin(int(w)).count('1') for w in words.ravel())
    assert M._count_bits(words) == expected
    monkeypatch.setattr(M, '_HAS_BITCOUNT', False)
    assert M._count_bits(words) == expected
    gt, pred = pixel(3, 3), pixel(4, 4)
    assert contour_accuracy(gt, pred) == 0.75

def test_contour_accuracy_per_frame_and_errors():
    rng = np.random.default_rng(5)
    gt = np.stack([blob(rng, 30, 40) for _ in range(4)]); pred = np.stack([perturb(rng, g) for g in gt])
    void = rng.random(gt.shape) < .1
    assert np.array_equal(contour_accuracy(gt, pred), R.db_eval_boundary(gt, pred))
    assert np.array_equal(contour_accuracy(gt, pred, void), R.db_eval_boundary(gt, pred, void))
    with pytest.raises(ValueError): contour_accuracy(gt[0], pred[0, :-1])
    with pytest.raises(ValueError): contour_accuracy(gt[0], pred[0], bound_th=-1)

def test_contour_accuracy_is_faster():
    "Loose guard (the benchmark script measures properly): at least 3x the whole-frame computation at 480x854."
    yy, xx = np.mgrid[:480, :854]
    gt = np.hypot((yy - 250) / 120, (xx - 400) / 150) < 1                                  # 14 % of the frame
    pred = cv2.erode(np.roll(gt, (5, -3), (0, 1)).view(np.uint8), np.ones((5, 5), np.uint8)).view(bool)
    slow, fast = [], []
    for _ in range(9):
        t = time.perf_counter(); M._counts_dilate(pred, gt, 8); slow.append(time.perf_counter() - t)
        t = time.perf_counter(); contour_accuracy(gt, pred); fast.append(time.perf_counter() - t)
    assert np.median(slow) > 3 * np.median(fast)


# ------------------------------------------------------------------ statistics
def test_mean_recall_decay_by_hand():
    v = np.array([1, 1, 1, .9, .8, .7, .6, .2, .2, .2])     # bins: frames 0-2 and 7-9 (edges 0, 2, 5, 7, 9)
    m, r, d = mean_recall_decay(v)
    assert m == pytest.approx(0.66) and r == 0.7 and d == pytest.approx(0.8)
    assert mean_recall_decay([0.7]) == (0.7, 1.0, 0.0)
    assert mean_recall_decay([0.3, 0.8]) == (0.55, 0.5, pytest.approx(-0.5))
    assert mean_recall_decay([0.5, 0.5, 0.5])[1] == 0       # recall counts values strictly above 0.5

@pytest.mark.filterwarnings('ignore::RuntimeWarning')   # the reference's uint8 `edge + 1` overflows past 255
@pytest.mark.parametrize('n', list(range(1, 30)) + [64, 104, 255, 256, 257, 300, 600])
def test_mean_recall_decay_equals_official(n):
    rng = np.random.default_rng(n)
    v = rng.random(n)
    if n % 3 == 0: v[rng.integers(0, n)] = np.nan
    ours, theirs = mean_recall_decay(v), R.db_statistics(v)
    np.testing.assert_array_equal(ours, np.array(theirs, dtype=float))


# ------------------------------------------------------------------ one sequence
def random_video(rng, T, H, W, K):
    "Ground-truth labels: K objects moving a few pixels a frame, later ones in front."
    labels = np.zeros((T, H, W), np.uint8)
    shapes = [blob(rng, H, W, (3, 3)) for _ in range(K)]
    for t in range(T):
        for k, s in enumerate(shapes):
            labels[t][np.roll(s, (t * (k + 1) % 5, t * (k + 2) % 7), (0, 1))] = k + 1
    return labels

def predict(rng, gt, K, drop=None):
    "Predicted labels near `gt`; object `drop` never predicted."
    pred = np.zeros_like(gt)
    for t in range(len(gt)):
        for k in range(1, K + 1):
            if k != drop: pred[t][perturb(rng, gt[t] == k)] = k
    return pred

def official_sequence(gt, pred, void=False):
    "J and F of the official code for label arrays (what DAVIS.get_all_masks + Results.read_masks produce)."
    gt = gt.astype(float); v = gt == 255; gt[v] = 0
    n = int(gt[0].max())
    G = (np.arange(1, n + 1)[:, None, None, None] == gt[None])[:, 1:-1]
    P = pred[1:-1].astype(float)
    Pm = np.arange(1, int(P.max()) + 1)[:, None, None, None] == P[None]
    return R.evaluate_semisupervised(G, Pm, v[1:-1] if void else None)

def test_evaluate_sequence_by_hand():
    gt = np.zeros((5, 7, 9), np.uint8); gt[:, 1:3, 1:3] = 1; gt[:, 4:6, 5:8] = 2
    pred = np.where(gt == 1, 1, 0).astype(np.uint8); pred[[0, 4]] = 0   # frames 0 and 4 are not scored
    s = evaluate_sequence(gt, pred)
    assert s.frames == [1, 2, 3] and s.n_objects == 2
    assert s.J.tolist() == [[1, 1, 1], [0, 0, 0]] and s.F.tolist() == [[1, 1, 1], [0, 0, 0]]
    assert s.J_mean.tolist() == [1, 0] and s.F_recall.tolist() == [1, 0] and s.J_decay.tolist() == [0, 0]
    # object 2 leaves in frame 3 and nobody predicts it: J = 1 there (both empty)
    gt[3][gt[3] == 2] = 0
    assert evaluate_sequence(gt, pred).J[1].tolist() == [0, 0, 1]

def test_evaluate_sequence_protocol_details():
    gt = np.zeros((4, 6, 6), np.uint8); gt[:, 1:3, 1:3] = 1; gt[:, 4:, 4:] = 3   # labels 1 and 3: objects 1, 2, 3
    pred = gt.copy()
    s = evaluate_sequence(gt, pred)
    assert s.n_objects == 3 and s.J[1].tolist() == [1, 1] and s.F[1].tolist() == [1, 1]   # object 2: empty & empty
    later = gt.copy(); later[2, 0, 5] = 4                      # a label that is not in frame 0 is ignored
    assert evaluate_sequence(later, pred).n_objects == 3
    with pytest.raises(ValueError, match='label 4'): evaluate_sequence(gt, later)
    ok = pred.copy(); ok[0] = 9; ok[-1] = 9                      # unscored frames may hold anything
    assert evaluate_sequence(gt, ok).J.tolist() == s.J.tolist()
    with pytest.raises(ValueError, match='T >= 3'): evaluate_sequence(gt[:2], pred[:2])
    with pytest.raises(ValueError): evaluate_sequence(gt, pred[:, :-1])

def test_evaluate_sequence_void():
    gt = np.zeros((3, 6, 6), np.uint8); gt[:, :, :3] = 1; gt[1, :, 4:] = 255      # 18 object pixels, 12 void
    pred = np.zeros_like(gt); pred[:, :, :3] = 1; pred[1, :, 4:] = 1              # object predicted on the void strip
    official = evaluate_sequence(gt, pred)                                        # void = background: 18 / 30
    assert official.J[0, 0] == 18 / 30
    assert evaluate_sequence(gt, pred, exclude_void=True).J[0, 0] == 1
    j, f = official_sequence(gt, pred)
    assert official.J.tolist() == j.tolist() and official.F.tolist() == f.tolist()

def test_evaluate_sequence_equals_official():
    rng = np.random.default_rng(7)
    for i in range(12):
        T, H, W, K = int(rng.integers(3, 9)), int(rng.integers(5, 60)), int(rng.integers(5, 90)), int(rng.integers(1, 5))
        gt = random_video(rng, T, H, W, K)
        if i % 3 == 0: gt[rng.random(gt.shape) < .05] = 255                       # void pixels
        pred = predict(rng, np.where(gt == 255, 0, gt), K, drop=K if i % 4 == 1 else None)
        for void in (False, True):
            s = evaluate_sequence(gt, pred, exclude_void=void)
            j, f = official_sequence(gt, pred, void)
            assert np.array_equal(s.J, j) and np.array_equal(s.F, f)
            for k in range(s.n_objects):
                assert (s.J_mean[k], s.J_recall[k], s.J_decay[k]) == R.db_statistics(j[k])
                assert (s.F_mean[k], s.F_recall[k], s.F_decay[k]) == R.db_statistics(f[k])


# ------------------------------------------------------------------ results folders
def make_davis(root, videos, split='val'):
    "A DAVIS 2017 layout in `root`: blank JPEG frames, palette annotations, ImageSets/2017/<split>.txt."
    for name, labels in videos.items():
        for t, lab in enumerate(labels):
            f = root/'JPEGImages'/'480p'/name/f'{t:05d}.jpg'
            f.parent.mkdir(parents=True, exist_ok=True)
            Image.new('RGB', lab.shape[::-1]).save(f)
            write_label_png(root/'Annotations'/'480p'/name/f'{t:05d}.png', lab)
    (root/'ImageSets'/'2017').mkdir(parents=True, exist_ok=True)
    (root/'ImageSets'/'2017'/f'{split}.txt').write_text(''.join(n + '\n' for n in videos))
    return root

def write_results(root, preds):
    for name, labels in preds.items():
        for t, lab in enumerate(labels): write_label_png(root/name/f'{t:05d}.png', lab)
    return root

@pytest.fixture
def dataset(tmp_path):
    rng = np.random.default_rng(8)
    gts, preds = {}, {}
    for i, (T, H, W, K) in enumerate([(6, 40, 64, 2), (9, 48, 40, 3), (5, 33, 47, 1), (7, 24, 30, 4)]):
        gt = random_video(rng, T, H, W, K)
        if i == 2: gt[1:4, :3, :3] = 255                                   # void pixels
        gts[f'seq{i}'] = gt
        preds[f'seq{i}'] = predict(rng, np.where(gt == 255, 0, gt), K, drop=3 if i == 1 else None)
    return make_davis(tmp_path/'DAVIS', gts), write_results(tmp_path/'results', preds), gts, preds

def test_evaluate_results_equals_official(dataset, tmp_path):
    root, res, gts, preds = dataset
    scores = evaluate_results(res, root, 'val', progress=False)
    g, rows = R.evaluation_method(str(root), str(res), 'val')
    assert scores.global_table == g
    assert [(r['Sequence'], r['J-Mean'], r['F-Mean']) for r in scores.per_sequence] == rows
    assert [r['Sequence'] for r in scores.per_sequence][:3] == ['seq0_1', 'seq0_2', 'seq1_1']
    assert scores.global_table['J&F-Mean'] == (scores.global_table['J-Mean'] + scores.global_table['F-Mean']) / 2
    assert scores.sequences['seq1'].J[2].max() <= 1 and scores.sequences['seq1'].J[2].sum() == 0   # object 3 dropped

def test_evaluate_results_files(dataset):
    root, res, gts, preds = dataset
    scores = evaluate_results(res, root, 'val', progress=False)
    glob_csv, seq_csv = (res/'global_results-val.csv').read_text(), (res/'per-sequence_results-val.csv').read_text()
    assert scores.files['global'] == res/'global_results-val.csv'
    lines = glob_csv.splitlines()
    assert lines[0] == 'J&F-Mean,J-Mean,J-Recall,J-Decay,F-Mean,F-Recall,F-Decay' and len(lines) == 2
    assert lines[1] == ','.join(f'{scores.global_table[k]:.3f}' for k in M.G_MEASURES)
    seq_lines = seq_csv.splitlines()
    assert seq_lines[0] == 'Sequence,J-Mean,F-Mean' and len(seq_lines) == 1 + 2 + 3 + 1 + 4
    assert seq_lines[1] == f"seq0_1,{scores.per_sequence[0]['J-Mean']:.3f},{scores.per_sequence[0]['F-Mean']:.3f}"
    data = json.loads((res/'davis_results-val.json').read_text())
    assert data['global_results'] == pytest.approx(scores.global_table)
    assert data['per_frame']['seq0']['frames'] == [1, 2, 3, 4] and len(data['per_frame']['seq1']['J']) == 3
    assert data['per_frame']['seq0']['J'][0] == scores.sequences['seq0'].J[0].tolist()
    text = format_tables(scores)
    assert 'Global results for val' in text and 'J&F-Mean' in text and 'seq3_4' in text
    assert f"{scores.global_table['J&F-Mean']:.3f}" in text
    assert not list(root.rglob('*.csv')) and not list(root.rglob('*.json'))     # nothing written into the dataset

def test_evaluate_results_out_dir(dataset, tmp_path):
    root, res, gts, preds = dataset
    s = evaluate_results(res, root, out_dir=tmp_path/'tables', progress=False)
    assert (tmp_path/'tables'/'per-sequence_results-val.csv').is_file() and not list(res.glob('*.csv'))
    assert s.files['json'].parent == tmp_path/'tables'
    with pytest.raises(ValueError, match='dataset'): evaluate_results(res, root, out_dir=root/'tables', progress=False)

def test_evaluate_results_errors(dataset, tmp_path):
    root, res, gts, preds = dataset
    with pytest.raises(FileNotFoundError, match='nowhere'): evaluate_results(tmp_path/'nowhere', root)
    (tmp_path/'empty').mkdir()
    with pytest.raises(FileNotFoundError, match=r'empty.seq0'): evaluate_results(tmp_path/'empty', root)
    (res/'seq2'/'00002.png').unlink()                                             # a scored frame is missing
    with pytest.raises(ValueError, match=r"(?s)seq2.*frame count mismatch.*missing \['00002'\]"):
        evaluate_results(res, root, progress=False)
    write_label_png(res/'seq2'/'00002.png', preds['seq2'][2])
    write_label_png(res/'seq2'/'00009.png', preds['seq2'][2])                     # one frame too many
    with pytest.raises(ValueError, match=r"unexpected \['00009'\]"): evaluate_results(res, root, progress=False)
    (res/'seq2'/'00009.png').unlink()
    write_label_png(res/'seq2'/'00003.png', np.zeros((5, 5), np.uint8))            # wrong size
    with pytest.raises(ValueError, match=r'00003.png.*size'): evaluate_results(res, root, progress=False)
    bad = preds['seq2'][3].copy(); bad[0, 0] = 2                                  # seq2 has one object
    write_label_png(res/'seq2'/'00003.png', bad)
    with pytest.raises(ValueError, match=r'00003.png: label 2'): evaluate_results(res, root, progress=False)
    with pytest.raises(SystemExit): R.evaluation_method(str(root), str(res), 'val')   # the official refuses it too

def test_ground_truth_size_mismatch_and_progress_bar(dataset, capsys):
    root, res, gts, preds = dataset
    evaluate_results(res, root)
    assert 'scoring val' in capsys.readouterr().err                               # the tqdm bar over sequences
    write_label_png(root/'Annotations'/'480p'/'seq3'/'00004.png', np.zeros((5, 5), np.uint8))
    with pytest.raises(ValueError, match=r'seq3.00004.png: size'): evaluate_results(res, root, progress=False)

def test_first_and_last_frames_are_not_needed(dataset):
    root, res, gts, preds = dataset
    full = evaluate_results(res, root, progress=False).global_table
    for name, labels in preds.items():
        (res/name/'00000.png').unlink(); (res/name/f'{len(labels) - 1:05d}.png').unlink()
    assert evaluate_results(res, root, progress=False).global_table == full

def test_copy_first_frame(dataset, tmp_path):
    root, res, gts, preds = dataset
    out = copy_first_frame(root, 'val', tmp_path/'floor')
    for name, gt in gts.items():
        files = sorted((out/name).glob('*.png'))
        assert len(files) == len(gt)
        first = np.where(gt[0] == 255, 0, gt[0])
        assert all(np.array_equal(np.array(Image.open(f)), first) for f in files)
        assert Image.open(files[0]).mode == 'P'
    scores = evaluate_results(out, root, progress=False)
    assert scores.global_table == R.evaluation_method(str(root), str(out), 'val')[0]
    assert 0 < scores.global_table['J-Mean'] < 1

def test_davis2016_binary_masks(tmp_path):
    "DAVIS 2016: one object, grayscale 0/255 masks, ImageSets/2016; read as labels {0, 1}."
    rng = np.random.default_rng(9)
    gt = random_video(rng, 5, 20, 30, 1)
    root = tmp_path/'DAVIS'
    for t, lab in enumerate(gt):
        (root/'JPEGImages'/'480p'/'bear').mkdir(parents=True, exist_ok=True)
        Image.new('RGB', (30, 20)).save(root/'JPEGImages'/'480p'/'bear'/f'{t:05d}.jpg')
        (root/'Annotations'/'480p'/'bear').mkdir(parents=True, exist_ok=True)
        Image.fromarray(lab * 255).save(root/'Annotations'/'480p'/'bear'/f'{t:05d}.png')
    (root/'ImageSets'/'2016').mkdir(parents=True)
    (root/'ImageSets'/'2016'/'val.txt').write_text('bear\n')
    pred = predict(rng, gt, 1)
    res = write_results(tmp_path/'res', {'bear': pred})
    scores = evaluate_results(res, root, year=2016, progress=False)
    assert [r['Sequence'] for r in scores.per_sequence] == ['bear_1']
    assert np.array_equal(scores.sequences['bear'].J, evaluate_sequence(gt, pred).J)


def test_sequence_jf_is_the_mean_over_objects():
    import numpy as np
    from trickvos.metrics import evaluate_sequence
    gt = np.zeros((4, 20, 20), np.uint8); gt[:, 2:8, 2:8] = 1; gt[:, 12:18, 12:18] = 2
    pred = gt.copy(); pred[1:, 12:18, 12:18] = 0                        # object 2 lost after frame 0
    s = evaluate_sequence(gt, pred)
    assert s.JF == pytest.approx(((s.J_mean[0] + s.F_mean[0]) / 2 + (s.J_mean[1] + s.F_mean[1]) / 2) / 2)
    assert s.JF == pytest.approx(0.5)                                    # object 1 perfect, object 2 scores 0
