"Tests for trickvos.parametric_tracker: box trajectories, normalised motion pairs, the 5-layer GeLU MLP, the asymmetric loss, training, checkpoints, the tracker and its CLI."
import argparse, copy, math
import numpy as np
import pytest
import torch
from torch import nn
from trickvos.parametric_tracker import (BoxTrack, box_trajectories, normalise_motion, denormalise_motion, motion_pairs, MotionMLP,
                                         MotionMLPConfig, edge_errors, asymmetric_box_loss, fit_motion_mlp, save_motion_mlp,
                                         load_motion_mlp, read_tracker_metadata, shipped_tracker_path, ParametricTracker, box_iou,
                                         box_pixel_recall, one_step_boxes, train_parametric_tracker,
                                         TRACKER_FILE)
from trickvos.tracker import ConstantVelocityTracker, run_tracker, masks_to_boxes, label_probs
from trickvos.parametric_tracker import make_tracker
from trickvos.synthetic import generate_benchmark
from trickvos.data import load_davis


class ToyVideo:
    "Label maps in memory with the Video interface (None = frame not annotated)."
    def __init__(self, labels, ids, name='toy'): self.labels, self.object_ids, self.name = labels, ids, name
    def __len__(self): return len(self.labels)
    def mask(self, i): return self.labels[i]
    size = property(lambda self: next(m for m in self.labels if m is not None).shape)


def toy_labels(T=6, H=20, W=40):
    lab = np.zeros((T, H, W), np.uint8)
    for t in range(T): lab[t, 2:6, 1 + 3 * t:5 + 3 * t] = 1        # object 1: 4x4, +3 px/frame
    lab[[0, 2, 3, 4, 5], 10:15, 30:32] = 2                          # object 2: still, missing in frame 1
    return list(lab)


@pytest.fixture(scope='module')
def bench(tmp_path_factory):
    return generate_benchmark(tmp_path_factory.mktemp('synth') / 'b', n_train=2, n_val=1, frames=6, size=(64, 96), seed=3, progress=False)


def test_box_trajectories_known_values():
    labels = toy_labels()
    labels[3] = None                                                # an unannotated frame counts as absent
    tracks = box_trajectories([ToyVideo(labels, [1, 2, 5])])
    assert [(t.video, t.obj, t.size) for t in tracks] == [('toy', 1, (20, 40)), ('toy', 2, (20, 40)), ('toy', 5, (20, 40))]
    assert tracks[0].boxes[:, 0].tolist() == [1, 4, 7, 0, 13, 16] and tracks[0].boxes[0].tolist() == [1, 2, 4, 4]
    assert tracks[0].present.tolist() == [True, True, True, False, True, True]
    assert tracks[1].present.tolist() == [True, False, True, False, True, True] and tracks[1].boxes[0].tolist() == [30, 10, 2, 5]
    assert not tracks[2].present.any() and isinstance(tracks[0], BoxTrack)


def test_box_trajectories_on_a_davis_layout_split(bench):
    videos = load_davis(bench, split='train')
    tracks = box_trajectories(videos)
    assert len(tracks) == sum(len(v.object_ids) for v in videos)
    v, tr = videos[0], tracks[0]
    b, p = masks_to_boxes(label_probs(v.mask(4), v.object_ids))
    assert torch.equal(tr.boxes[4], b[0]) and tr.present[4] == p[0] and tr.size == (64, 96)


def test_motion_pairs_and_normalisation():
    x, y = motion_pairs(box_trajectories([ToyVideo(toy_labels(), [1, 2])]))
    # object 1: frames 2..5 -> 4 pairs, motion (3, 0, 0, 0) on a 4x4 box; object 2: frames 4, 5 -> 2 pairs of zero motion
    assert x.shape == y.shape == (6, 4)
    assert torch.allclose(x[:4], torch.tensor([[0.75, 0, 0, 0]]).expand(4, 4)) and torch.equal(x[4:], torch.zeros(2, 4))
    assert torch.allclose(y, x)
    T, last = torch.tensor([6., -2, 3, 1]), torch.tensor([0., 0, 12, 4])
    assert torch.allclose(normalise_motion(T, last), torch.tensor([0.5, -0.5, 0.25, 0.25]))
    assert torch.allclose(denormalise_motion(normalise_motion(T, last), last), T)
    assert torch.isfinite(normalise_motion(T, torch.zeros(4))).all()          # zero-size box: divided by 1 px
    assert motion_pairs([])[0].shape == (0, 4)


def test_mlp_structure_and_input_clipping():
    m = MotionMLP()
    linears = [l for l in m.modules() if isinstance(l, nn.Linear)]
    assert len(linears) == 5 and sum(isinstance(l, nn.GELU) for l in m.modules()) == 4
    assert isinstance(m.net[-1], nn.Linear) and linears[0].in_features == 4 and linears[-1].out_features == 4
    assert torch.equal(m(torch.full((1, 4), 100.)), m(torch.full((1, 4), 2.)))
    assert len([l for l in MotionMLP(MotionMLPConfig(layers=3)).modules() if isinstance(l, nn.Linear)]) == 3
    with pytest.raises(ValueError): MotionMLP(MotionMLPConfig(layers=1))


def test_asymmetric_loss_known_values():
    t = torch.zeros(1, 4)
    assert edge_errors(torch.tensor([[0.1, 0, 0, 0]]), t).tolist()[0] == pytest.approx([0.1, 0, -0.1, 0])
    # shifted right: the left edge cuts (weight a), the right edge is outside (weight 1)
    assert asymmetric_box_loss(torch.tensor([[0.1, 0, 0, 0]]), t, asym=4.0).item() == pytest.approx((4 * 0.1 + 0.1) / 4)
    assert asymmetric_box_loss(torch.tensor([[0., 0, -0.2, 0]]), t, asym=3.0).item() == pytest.approx(3 * 0.2 / 4)   # too narrow
    assert asymmetric_box_loss(torch.tensor([[0., 0, 0.2, 0]]), t, asym=3.0).item() == pytest.approx(0.2 / 4)       # too wide
    assert asymmetric_box_loss(torch.tensor([[0., -0.1, 0, 0.3]]), t, asym=2.0).item() == pytest.approx((0.1 + 0.2) / 4)      # taller both ways
    assert asymmetric_box_loss(torch.tensor([[0., 0.1, 0, -0.3]]), t, asym=2.0).item() == pytest.approx(2 * (0.1 + 0.2) / 4)  # shorter both ways
    p, q = torch.randn(50, 4), torch.randn(50, 4)
    assert asymmetric_box_loss(p, q, asym=1.0).item() == pytest.approx(edge_errors(p, q).abs().mean().item(), rel=1e-6)
    assert asymmetric_box_loss(q, q) == 0


def test_training_decreases_the_loss_and_is_seeded(bench):
    x, y = motion_pairs(box_trajectories(load_davis(bench, split='train')))
    assert len(x) > 5
    m, losses = fit_motion_mlp(x, y, steps=80, seed=1)
    assert np.mean(losses[-20:]) < 0.8 * np.mean(losses[:20]) and not m.training
    assert torch.allclose(m.in_scale, x.clamp(-2, 2).std(0).clamp(min=1e-3))
    m2, losses2 = fit_motion_mlp(x, y, steps=80, seed=1)
    assert losses == losses2
    with pytest.raises(ValueError): fit_motion_mlp(torch.zeros(0, 4), torch.zeros(0, 4))
    with pytest.raises(ValueError): fit_motion_mlp(x, y, asym=0)


def test_larger_asym_gives_larger_boxes():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, 4, generator=g) * 0.1
    y = x + torch.randn(400, 4, generator=g) * 0.1                  # noisy constant velocity
    w = {a: fit_motion_mlp(x, y, steps=200, asym=a)[0](x).detach() for a in (1.0, 8.0)}
    cut = {a: (edge_errors(p, y) > 0).float().mean().item() for a, p in w.items()}
    assert cut[8.0] < cut[1.0] - 0.2                              # fewer edges inside the true box
    assert w[8.0][:, 2].mean() > w[1.0][:, 2].mean()              # wider boxes


def test_save_load_round_trip(tmp_path):
    m = MotionMLP(MotionMLPConfig(hidden=8, layers=5, limit=1.5))
    m.in_scale.fill_(0.3)
    f = save_motion_mlp(m, tmp_path / 'run' / TRACKER_FILE, asym=2.0, note='x')
    for where in (f, tmp_path / 'run', str(f)):
        back = load_motion_mlp(where)
        u = torch.randn(5, 4)
        assert torch.equal(back(u), m(u)) and back.config == m.config and not back.training
    meta = read_tracker_metadata(f)
    assert meta['asym'] == 2.0 and meta['note'] == 'x' and meta['kind'] == 'parametric_tracker'
    assert f.read_bytes()[:8] != b'\x80\x04\x95'                   # not a pickle
    with pytest.raises(FileNotFoundError): load_motion_mlp(tmp_path / 'nothing')
    from trickvos.model import save_model
    save_model(m, tmp_path / 'other.safetensors')                  # a trickvos model file that is not a tracker
    with pytest.raises(ValueError, match='not a parametric tracker'): load_motion_mlp(tmp_path / 'other.safetensors')


def test_shipped_checkpoint():
    assert shipped_tracker_path().is_file()
    meta = read_tracker_metadata()
    assert meta['split'] == 'train' and meta['asym'] == 4.0 and meta['config'] == dict(hidden=64, layers=5, limit=2.0)
    pt = make_tracker('pt')
    assert isinstance(pt, ParametricTracker) and isinstance(pt, ConstantVelocityTracker)
    assert make_tracker('pt', margin=0.1).margin == 0.1


def square(x, y=12, s=10, H=40, W=80):
    m = torch.zeros(H, W)
    m[max(y, 0):max(y + s, 0), max(x, 0):max(x + s, 0)] = 1
    return m


def test_parametric_tracker_follows_a_square():
    pt = ParametricTracker(record=True)
    probs = torch.stack([square(5 + 3 * t) for t in range(8)])[:, None]
    out = run_tracker(pt, probs)
    assert torch.equal(out, probs)                                 # nothing of the square is cut
    for t, r in enumerate(pt.history[2:], 2):
        assert (r['predicted'][0] - torch.tensor([5. + 3 * t, 12, 10, 10])).abs().max() < 1.5
    # a look-alike far away is cut
    pt.reset()
    pt.step(square(5)[None], annotated=True); pt.step(square(8)[None])
    assert torch.equal(pt.step(torch.maximum(square(11), square(60, 25))[None])[0], square(11))


def test_parametric_tracker_edge_cases():
    pt = ParametricTracker(soft=True, margin=0.1)
    probs = torch.rand(12, 3, 24, 32) ** 3
    probs[4:7, 1] = 0
    out = run_tracker(pt, probs)
    assert torch.isfinite(out).all() and (out <= probs).all()
    for T in (1, 2):
        assert torch.equal(run_tracker(ParametricTracker(), probs[:T]), probs[:T])
    pt.step(torch.rand(4, 24, 32))                                  # a late object
    # no host synchronisation: meta tensors (a private copy of the MLP goes to the meta device)
    pt = ParametricTracker(copy.deepcopy(load_motion_mlp()))
    m = torch.empty(2, 24, 32, device='meta')
    pt.step(m, annotated=True); pt.step(m); pt.step(m)
    assert pt.step(torch.empty(3, 24, 32, device='meta')).shape == (3, 24, 32)


def test_box_metrics_and_one_step():
    a, g = torch.tensor([[0., 0, 4, 4], [0, 0, 4, 4], [10, 10, 2, 2]]), torch.tensor([[2., 0, 4, 4], [0, 0, 4, 4], [0, 0, 2, 2]])
    assert torch.allclose(box_iou(a, g), torch.tensor([8 / 24, 1, 0]))
    assert box_iou(torch.zeros(1, 4), torch.zeros(1, 4)).item() == 0
    assert box_pixel_recall(a, g).tolist() == [0.5, 1, 0]
    assert box_pixel_recall(torch.tensor([[1.4, 0, 2.0, 1]]), torch.tensor([[0., 0, 5, 1]])).item() == pytest.approx(0.4)
    tracks = box_trajectories([ToyVideo(toy_labels(), [1, 2])])
    p, gt = one_step_boxes(ConstantVelocityTracker(), tracks)
    assert torch.equal(p, gt) and len(p) == 6                      # constant velocity is exact on the toy
    p, gt = one_step_boxes(ParametricTracker(), tracks)
    assert p.shape == (6, 4) and (box_pixel_recall(p, gt) == 1).all()


def test_train_parametric_tracker_and_cli(bench, tmp_path):
    f = train_parametric_tracker(bench, tmp_path / 'run', steps=20, progress=False)
    assert f == tmp_path / 'run' / TRACKER_FILE and read_tracker_metadata(f)['steps'] == 20
    from trickvos.cli import build_parser
    parser = build_parser(['train-tracker'])
    args = parser.parse_args(['train-tracker', '--data', str(bench), '--out', str(tmp_path / 'cli'), '--steps', '10',
                              '--asym', '2', '--seed', '4', '--quiet'])
    assert args.func(args) == 0
    meta = read_tracker_metadata(tmp_path / 'cli')
    assert (meta['steps'], meta['asym'], meta['seed'], meta['split']) == (10, 2.0, 4, 'train')
    with pytest.raises(SystemExit): parser.parse_args(['train-tracker', '--out', 'x'])            # --data is required


# ---------------------------------------------------------------- toy trajectories (13_widgets' playground)
from trickvos.parametric_tracker import toy_trajectory, toy_motion_pairs, toy_pt_model

def test_toy_trajectory_known_positions():
    tj = toy_trajectory(T=10, speed=3)
    assert tj.boxes[:, 0].tolist() == [2 + 3 * t for t in range(10)] and tj.boxes[:, 1:].unique().tolist() == [12, 15]
    assert tj.distractor[:2].sum() == 0 and tj.distractor[2].sum() == 144
    d = tj.distractor[5].nonzero()
    assert d[:, 0].min() == 15 + 12 + 6 and d[:, 1].min() == 2 + 15          # 6 px gap below, same x
    assert torch.equal(tj.prob[0], tj.gt[0]) and (tj.prob[5][tj.distractor[5]] == 0.8).all() and (tj.prob[5][tj.gt[5] > 0] == 1).all()

def test_toy_trajectory_motion_options():
    acc = toy_trajectory(T=6, speed=1, accel=1).boxes[:, 0].tolist()
    assert acc == [2, 3, 5, 8, 12, 17]
    down = toy_trajectory(T=4, speed=2, turn=90).boxes[:, :2].tolist()      # turns 90 degrees each frame: right, down, left, up
    assert down[:3] == [[2, 15], [4, 15], [4, 17]]
    assert torch.equal(toy_trajectory(noise=1, seed=3).gt, toy_trajectory(noise=1, seed=3).gt)
    assert not torch.equal(toy_trajectory(noise=1, seed=3).gt, toy_trajectory(noise=1, seed=4).gt)
    b = toy_trajectory(T=30, W=64, speed=4, distance=0).boxes[:, 0]
    assert b[11:16].tolist() == [46, 50, 50, 46, 42]                          # bounces off x = 52
    assert toy_trajectory(similarity=0).prob[3].max() == 1 and toy_trajectory(similarity=0).prob[3].sum() == 144
    for bad in (dict(similarity=1.5), dict(distance=-1), dict(noise=-1), dict(size=40), dict(T=0)):
        with pytest.raises(ValueError): toy_trajectory(**bad)

def test_toy_motion_pairs_and_pt_models():
    X, Y = toy_motion_pairs(n=3, T=5)
    assert X.shape == Y.shape == (9, 4) and torch.isfinite(X).all()
    m = toy_pt_model('16', steps=5, pairs=(X, Y))
    assert isinstance(m, MotionMLP) and not m.training and m is not toy_pt_model('16', steps=5, pairs=(X, Y))
