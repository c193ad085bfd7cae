"Tests for trickvos.tracker: boxes from masks, attention maps, clipping, the constant-velocity tracker (Algorithm 1) and its edge cases."
import math
import numpy as np
import pytest
import torch
from trickvos.tracker import (masks_to_boxes, box_attention, clip_boxes, ConstantVelocityTracker, run_tracker, kept_fraction,
                              label_probs)
from trickvos.parametric_tracker import make_tracker

H, W = 40, 80


def square(x, y, s=10, h=H, w=W):
    m = torch.zeros(h, w)
    m[max(y, 0):max(y + s, 0), max(x, 0):max(x + s, 0)] = 1
    return m


def moving(xs, y=12, s=10):
    "(T,1,H,W) one square per frame at the given x positions."
    return torch.stack([square(x, y, s) for x in xs])[:, None]


# --- masks_to_boxes ---------------------------------------------------------------------------------------------

def test_boxes_known_values():
    m = torch.zeros(4, 6, 8)
    m[0, 2, 3] = 1
    m[1, 1:4, 2:7] = 0.9
    m[2, 0, 0] = 0.5                     # exactly the threshold: not in the mask
    m[3, 5, 7] = 1; m[3, 0, 0] = 1       # two corners: the box spans everything
    b, p = masks_to_boxes(m)
    assert b.dtype == torch.float32 and p.dtype == torch.bool
    assert b.tolist() == [[3, 2, 1, 1], [2, 1, 5, 3], [0, 0, 0, 0], [0, 0, 8, 6]]
    assert p.tolist() == [True, True, False, True]


def test_boxes_leading_dims_threshold_and_empty():
    m = torch.rand(2, 3, 5, 7)
    b, p = masks_to_boxes(m, threshold=0.0)
    assert b.shape == (2, 3, 4) and p.all() and (b == torch.tensor([0., 0, 7, 5])).all()
    b, p = masks_to_boxes(torch.zeros(0, 5, 7))
    assert b.shape == (0, 4) and p.shape == (0,)
    b, p = masks_to_boxes(torch.zeros(2, 5, 7))
    assert not p.any() and (b == 0).all()


# --- box_attention ----------------------------------------------------------------------------------------------

def test_attention_of_init_is_the_mask_rectangle():
    m = torch.zeros(2, 6, 8)
    m[0, 1:4, 2:7] = 1
    m[1, 5, 0] = 1
    b, p = masks_to_boxes(m)
    assert torch.equal(box_attention(b, p, 6, 8), m)


def test_attention_margin_zero_size_absent_and_negative():
    on = torch.tensor([True])
    assert box_attention(torch.tensor([[2., 1, 4, 2]]), on, 6, 8, margin=0.25).sum() == 6 * 3    # x: [1, 7), y: [0.5, 3.5)
    assert box_attention(torch.tensor([[2.5, 1, 0, 2]]), on, 6, 8).sum() == 0                    # zero width keeps nothing
    assert box_attention(torch.tensor([[2., 1, -3, 2]]), on, 6, 8).sum() == 0                    # negative width too
    assert (box_attention(torch.tensor([[2., 1, 4, 2]]), torch.tensor([False]), 6, 8) == 1).all()  # no box: no constraint
    # half-open box, pixel centres: [1.4, 3.4) holds the centres 1.5, 2.5 (not 0.5, 3.5)
    assert box_attention(torch.tensor([[1.4, 0, 2.0, 1]]), on, 1, 6)[0, 0].tolist() == [0, 1, 1, 0, 0, 0]


def test_soft_attention_known_value():
    s = box_attention(torch.tensor([[2., 1, 4, 2]]), torch.tensor([True]), 6, 8, soft=True, sigma=0.5)[0]
    assert s[1:3, 2:6].eq(1).all() and s.min() > 0 and s.max() == 1
    # pixel (row 1, col 1): centre 0.5 px left of the box, s_x = 0.5 * 4 = 2
    assert math.isclose(s[1, 1].item(), math.exp(-0.5 * (0.5 / 2) ** 2), rel_tol=1e-6)
    # zero-size box: the std is at least 1 px, so the map is finite
    z = box_attention(torch.tensor([[3., 3, 0, 0]]), torch.tensor([True]), 6, 8, soft=True)
    assert torch.isfinite(z).all() and z.max() <= 1


def test_clip_boxes():
    b = torch.tensor([[-5., 2, 10, 3], [90, -4, 20, 10], [10, 10, -3, 5], [200, 0, 5, 5], [1, 1, 2, 2]])
    assert clip_boxes(b, 50, 100).tolist() == [[0, 2, 5, 3], [90, 0, 10, 6], [10, 10, 0, 5], [100, 0, 0, 5], [1, 1, 2, 2]]


# --- the constant-velocity tracker ------------------------------------------------------------------------------

def test_constant_velocity_predicts_exactly_and_cuts_outside():
    tr = ConstantVelocityTracker(record=True)
    assert tr.step(square(5, 12)[None], annotated=True).shape == (1, H, W)
    for t in range(1, 8):
        look_alike = square(30 + 3 * t, 20) * (t >= 2)
        out = tr.step(torch.maximum(square(5 + 3 * t, 12), look_alike)[None])
        rec = tr.history[-1]
        if t == 1:
            assert rec['active'].tolist() == [False] and (rec['attention'] == 1).all()
        else:
            assert rec['predicted'].tolist() == [[5 + 3 * t, 12, 10, 10]]
            assert torch.equal(out[0], square(5 + 3 * t, 12))              # the look-alike is zeroed
        assert rec['box'].tolist() == [[5 + 3 * t, 12, 10, 10]] and rec['present'].tolist() == [True]
    assert tr.history[0]['annotated'] and tr.history[0]['predicted'] is None and len(tr.history) == 8


def test_annotated_frames_are_returned_unchanged():
    tr = ConstantVelocityTracker()
    p = torch.rand(2, H, W)
    assert tr.step(p, annotated=True) is p
    tr.step(p); tr.step(p)
    assert tr.step(p, annotated=True) is p


@pytest.mark.parametrize('T', [1, 2])
def test_short_videos_are_not_filtered(T):
    probs = torch.rand(T, 3, H, W)
    assert torch.equal(run_tracker(ConstantVelocityTracker(), probs), probs)


def test_empty_mask_ends_the_track_then_reinitialises():
    xs = [5, 8, 11, 14, None, 20, 23, 26, 29]
    probs = torch.stack([square(x, 12) if x is not None else torch.zeros(H, W) for x in xs])[:, None]
    tr = ConstantVelocityTracker(record=True)
    out = run_tracker(tr, probs)
    assert torch.isfinite(out).all()
    ages = [r['active'] for r in tr.history[1:]]
    assert [a.item() for a in ages] == [False, True, True, True, False, False, True, True]
    assert not tr.history[4]['present'][0]
    # the square jumped while it was gone: frames 5 and 6 pass through, frame 7 uses the motion 20 -> 23
    assert torch.equal(out[5:], probs[5:]) and tr.history[7]['predicted'][0].tolist() == [26, 12, 10, 10]


def test_object_that_stops_is_eaten_by_the_ratchet_and_comes_back():
    xs = [4 + 8 * min(t, 4) for t in range(12)]
    probs = moving(xs, s=16)
    out = run_tracker(ConstantVelocityTracker(), probs)
    kept = kept_fraction(out, probs)[:, 0]
    assert kept[:5].eq(1).all() and kept[5] == 0.5 and kept[6] == 0 and kept[7:].eq(1).all()
    out = run_tracker(ConstantVelocityTracker(soft=True, sigma=0.25), probs)
    assert kept_fraction(out, probs)[:, 0].mean() > kept.mean()


def test_late_objects_join_with_their_own_initialisation():
    tr = ConstantVelocityTracker(record=True)
    tr.step(square(5, 5)[None], annotated=True)
    tr.step(square(8, 5)[None])
    tr.step(square(11, 5)[None])                                          # object 1 filtered from here on
    both = lambda x1, x2: torch.stack([square(x1, 5), square(x2, 25)])
    tr.step(both(14, 50), annotated=True)                                 # object 2 is annotated at frame 3
    assert tr.history[-1]['box'].tolist() == [[14, 5, 10, 10], [50, 25, 10, 10]]
    tr.step(both(17, 47))
    assert tr.history[-1]['active'].tolist() == [True, False]             # object 2: its frame 2 only initialises
    out = tr.step(torch.maximum(both(20, 44), square(60, 25)[None]))     # a look-alike next to object 2
    assert tr.history[-1]['active'].tolist() == [True, True]
    assert tr.history[-1]['predicted'].tolist() == [[20, 5, 10, 10], [44, 25, 10, 10]]
    assert torch.equal(out, both(20, 44))
    # an object that appears during prediction (no annotation) passes through until it has two boxes
    out = tr.step(torch.cat([both(23, 41), square(70, 0)[None]]))
    assert out.shape == (3, H, W) and torch.equal(out[2], square(70, 0))
    with pytest.raises(ValueError, match='never removed'): tr.step(torch.zeros(2, H, W))


def test_box_leaving_the_image_no_crash_no_nan():
    xs = list(range(50, 100, 6))                                          # leaves on the right at 8 px/frame
    probs = moving(xs)
    for kw in ({}, dict(clip=False), dict(margin=0.2), dict(soft=True), dict(soft=True, clip=False, margin=0.3)):
        tr = ConstantVelocityTracker(record=True, **kw)
        out = run_tracker(tr, probs)
        assert torch.isfinite(out).all() and out.shape == probs.shape
        assert all(torch.isfinite(r['box']).all() for r in tr.history)
        assert kept_fraction(out, probs)[:, 0].eq(1).all()                # constant motion: nothing is lost
        if kw.get('clip', True):
            pred = torch.cat([r['predicted'] for r in tr.history[2:]])
            assert (pred[:, 0] >= 0).all() and (pred[:, 0] + pred[:, 2] <= W).all() and (pred[:, 2:] >= 0).all()


def test_shrinking_box_becomes_zero_size_without_nan():
    # a box that shrinks by 6 px per frame: the predicted width goes to 0, then below (clamped)
    probs = torch.stack([torch.zeros(H, W).index_fill_(1, torch.arange(10, 10 + max(w, 0)), 1.0) for w in (30, 24, 18, 12, 6, 0, 0)])[:, None]
    tr = ConstantVelocityTracker(record=True, soft=True)
    out = run_tracker(tr, probs)
    assert torch.isfinite(out).all() and (tr.history[-2]['predicted'][:, 2:] >= 0).all()


def test_nan_free_on_random_probabilities():
    g = torch.Generator().manual_seed(0)
    probs = torch.rand(20, 4, 24, 32, generator=g) ** 4
    probs[5:9, 1] = 0                                                      # an object that vanishes
    for kw in ({}, dict(soft=True), dict(margin=0.5, clip=False), dict(threshold=0.0)):
        out = run_tracker(ConstantVelocityTracker(**kw), probs)
        assert torch.isfinite(out).all() and (out >= 0).all() and (out <= probs).all()


def test_dtype_device_and_no_host_synchronisation():
    tr = ConstantVelocityTracker()
    p = square(5, 5)[None].half()
    tr.step(p, annotated=True); tr.step(p)
    assert tr.step(p).dtype == torch.half
    # meta tensors hold no data: any .item(), bool(tensor), nonzero or data-dependent shape would raise
    for kw in ({}, dict(soft=True, margin=0.1, clip=False)):
        tr = ConstantVelocityTracker(**kw)
        m = torch.empty(3, H, W, device='meta')
        tr.step(m, annotated=True); tr.step(m); tr.step(m)
        assert tr.step(torch.empty(4, H, W, device='meta')).shape == (4, H, W)


def test_reset_and_bad_input():
    tr = ConstantVelocityTracker(record=True)
    run_tracker(tr, moving([1, 2, 3]))
    tr.reset()
    assert tr.age is None and tr.history == []
    tr.step(torch.zeros(5, H, W), annotated=True)                          # a new video may have any number of objects
    with pytest.raises(ValueError, match=r'\(K, H, W\)'): tr.step(torch.zeros(H, W))
    for bad in (dict(margin=-1), dict(sigma=0), dict(threshold=1.0)):
        with pytest.raises(ValueError): ConstantVelocityTracker(**bad)


def test_helpers():
    assert label_probs(np.array([[0, 2], [1, 2]], np.uint8), [1, 2]).tolist() == [[[0, 0], [1, 0]], [[0, 1], [0, 1]]]
    gt = torch.zeros(2, 1, 4, 4); gt[:, 0, :2, :2] = 1
    out = gt.clone(); out[1, 0, 0, 0] = 0
    assert kept_fraction(out, gt)[:, 0].tolist() == [1.0, 0.75]
    assert kept_fraction(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 4)).item() == 1.0     # no object: nothing lost


def test_make_tracker():
    assert make_tracker(None) is None and make_tracker('none') is None and make_tracker('None') is None
    cv = make_tracker('cv', margin=0.1, soft=True)
    assert isinstance(cv, ConstantVelocityTracker) and cv.margin == 0.1 and cv.soft
    assert make_tracker(cv) is cv
    with pytest.raises(ValueError): make_tracker(cv, margin=0.2)
    with pytest.raises(ValueError): make_tracker('kalman')
    with pytest.raises(TypeError): make_tracker(3)
