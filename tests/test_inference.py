"Tests for trickvos.inference: padding, ids, memory policy, late objects, tracker hook, forward equality, I/O, CLI."
import argparse, sys, types
import numpy as np
import pytest
import torch
from PIL import Image
from trickvos.data import VOSDataError, read_label_png, write_label_png
from trickvos.model import build_model, memory_frames, save_model
from trickvos.cli import build_parser
from trickvos.inference import (InferenceCore, frame_to_tensor, label_map, labels_to_probs,
                                mask_objects, pad_divide_by, propagate, read_video, segment_video,
                                unpad, write_overlay_video)

torch.set_num_threads(1)
H, W = 64, 96

@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return build_model('baseline').eval()

def clip(T=5, h=H, w=W, seed=0):
    "Random frames with a bright square moving right; labels with objects 1 (left half) and 2 (right half)."
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 60, (T, h, w, 3), dtype=np.uint8)
    labels = np.zeros((T, h, w), np.uint8)
    for t in range(T):
        x = 4 + 4 * t
        frames[t, h // 4:3 * h // 4, x:x + w // 3] = 220
        labels[t, h // 4:3 * h // 4, x:x + w // 6] = 1
        labels[t, h // 4:3 * h // 4, x + w // 6:x + w // 3] = 2
    return frames, labels

def run(core, frames, first, masks=None):
    "Step every frame; `masks` maps frame index -> mask for later frames."
    masks = {0: first, **(masks or {})}
    return [core.step(f, masks.get(t)) for t, f in enumerate(frames)]

class FakeTracker:
    "Records its calls; optionally zeroes probabilities outside the left half."
    def __init__(self, filter_left=False, bad_shape=False): self.filter_left, self.bad_shape, self.calls, self.resets = filter_left, bad_shape, [], 0
    def reset(self): self.resets += 1
    def step(self, prob, annotated=False):
        self.calls.append((tuple(prob.shape), annotated, prob.device.type))
        if self.bad_shape: return prob[:, 1:]
        if not self.filter_left: return prob
        out = prob.clone(); out[:, :, prob.shape[-1] // 2:] = 0
        return out

# --- padding and conversions

@pytest.mark.parametrize('h,w,pad', [(50, 70, (5, 5, 7, 7)), (64, 96, (0, 0, 0, 0)), (17, 31, (0, 1, 7, 8))])
def test_pad_round_trip(h, w, pad):
    x = torch.rand(2, 3, h, w)
    p, got = pad_divide_by(x)
    assert got == pad and p.shape[-2] % 16 == 0 and p.shape[-1] % 16 == 0 and torch.equal(unpad(p, got), x)
    assert p[..., :pad[2], :].abs().sum() == 0          # zeros on top

def test_frame_to_tensor():
    f = np.zeros((4, 6, 3), np.uint8); f[0, 0] = (255, 0, 51)
    x = frame_to_tensor(f)
    assert x.shape == (3, 4, 6) and x.dtype == torch.float32 and torch.allclose(x[:, 0, 0], torch.tensor([1, 0, 0.2]))
    assert torch.equal(frame_to_tensor(torch.from_numpy(f).permute(2, 0, 1)), x)
    assert torch.equal(frame_to_tensor(f.astype(np.float32) / 255), x)
    for bad in (np.zeros((4, 6), np.uint8), np.zeros((4, 6, 4), np.uint8), torch.zeros(4, 6, 3), np.zeros((4, 6, 3), np.int64)):
        with pytest.raises(ValueError): frame_to_tensor(bad)

def test_masks():
    m = np.array([[0, 5, 5], [1, 255, 0]], np.uint8)
    assert mask_objects(m) == [1, 5] and mask_objects(np.zeros((2, 2), np.uint8)) == []
    p = labels_to_probs(m, [5, 1, 8])
    assert p.shape == (3, 2, 3) and p[0].tolist() == [[0, 1, 1], [0, 0, 0]] and p[2].sum() == 0
    assert label_map(np.array([[True, False]])).tolist() == [[1, 0]]
    with pytest.raises(ValueError, match='differs'): label_map(m, (2, 4))
    with pytest.raises(ValueError, match='integer'): label_map(m.astype(float))
    with pytest.raises(ValueError, match='label map'): label_map(m[None])

# --- the processor

def test_matches_forward_baseline(model):
    frames, labels = clip(5)
    x = torch.stack([frame_to_tensor(f) for f in frames])[None]
    with torch.no_grad(): ref = model(x, labels_to_probs(labels[0], [1, 2])[None])[1][0]
    out = run(InferenceCore(model), frames, labels[0])
    assert (torch.stack(out[1:]) - ref).abs().max() < 1e-4
    assert torch.equal(out[0][1:], labels_to_probs(labels[0], [1, 2]))   # the given frame: its mask, exactly

def test_matches_forward_stcn():
    torch.manual_seed(1)
    m = build_model('stcn').eval()                 # RGB in the value encoder, memory every 5 frames
    frames, labels = clip(7, 32, 48)
    x = torch.stack([frame_to_tensor(f) for f in frames])[None]
    with torch.no_grad(): ref = m(x, labels_to_probs(labels[0], [1, 2])[None])[1][0]
    core = InferenceCore(m)
    out = run(core, frames, labels[0])
    assert (torch.stack(out[1:]) - ref).abs().max() < 1e-4 and core.memory_frames == [0, 5, 6]

def test_probabilities_sum_to_one_and_ids(model):
    frames, labels = clip(4)
    first = np.select([labels[0] == 1, labels[0] == 2], [7, 3], 0).astype(np.uint8)    # 7 appears left of 3
    core = InferenceCore(model)
    out = run(core, frames, first)
    assert core.object_ids == [3, 7]                                # sorted ids of one mask
    for p in out: assert p.shape == (3, H, W) and p.device.type == 'cpu' and torch.allclose(p.sum(0), torch.ones(1), atol=1e-5)
    assert np.array_equal(core.labels(out[0]), first) and core.labels(out[0]).dtype == np.uint8
    assert set(np.unique(core.labels(out[-1]))) <= {0, 3, 7}

def test_labels_large_ids_and_shape_check(model):
    frames, labels = clip(2)
    core = InferenceCore(model)
    p = core.step(frames[0], labels[0].astype(np.int32) * 300)
    lab = core.labels(p)
    assert core.object_ids == [300, 600] and lab.dtype == np.int32 and set(np.unique(lab)) == {0, 300, 600}
    with pytest.raises(ValueError, match='probability maps'): core.labels(p[:2])

def test_odd_size_equals_manual_padding(model):
    frames, labels = clip(3, 50, 70)
    a = run(InferenceCore(model), frames, labels[0])
    padf = [pad_divide_by(frame_to_tensor(f))[0] for f in frames]
    padm, pad = pad_divide_by(torch.from_numpy(labels[0])[None])
    b = [unpad(p, pad) for p in run(InferenceCore(model), padf, padm[0])]
    assert a[2].shape == (3, 50, 70) and pad == (5, 5, 7, 7)
    assert all(torch.allclose(x, y, atol=1e-5) for x, y in zip(a, b))

def test_frame_formats_agree(model):
    frames, labels = clip(3)
    a = run(InferenceCore(model), frames, labels[0])
    b = run(InferenceCore(model), [frame_to_tensor(f) for f in frames], torch.from_numpy(labels[0]))
    assert all(torch.allclose(x, y, atol=1e-6) for x, y in zip(a, b))

def test_memory_two_frames_baseline(model):
    frames, labels = clip(6)
    core = InferenceCore(model)
    for t, f in enumerate(frames):
        core.step(f, labels[0] if t == 0 else None)
        assert core.memory_frames == ([0] if t == 0 else [0, t])
        assert core.memory[0]['permanent'] and (t == 0 or not core.memory[t]['permanent'])
    assert core.memory[0]['value'].shape == (1, 2, model.config.value_dim, H // 16, W // 16)

def test_memory_policy_follows_config():
    torch.manual_seed(0)
    frames, labels = clip(12, 32, 32)
    for cfg in (dict(mem_every=3), dict(mem_every=4, keep_previous=False), dict(keep_first=False)):
        core = InferenceCore(build_model('baseline', **cfg))
        for t, f in enumerate(frames):
            core.step(f, labels[0] if t == 0 else None)
            assert core.memory_frames == memory_frames(t + 1, core.config), (cfg, t)

def test_end_writes_nothing_and_reset(model):
    frames, labels = clip(3)
    tr = FakeTracker()
    core = InferenceCore(model, tracker=tr)
    core.step(frames[0], labels[0]); core.step(frames[1])
    before = {i: e['value'].clone() for i, e in core.memory.items()}
    core.step(frames[2], end=True)
    assert core.memory_frames == [0, 1] and all(torch.equal(before[i], core.memory[i]['value']) for i in before)
    core.reset()
    assert core.memory == {} and core.object_ids == [] and core.t == -1 and tr.resets == 2
    with pytest.raises(ValueError, match='first frame needs a mask'): core.step(frames[0])
    core.step(frames[0][:32], labels[0][:32])                 # a new video may have another size
    assert core.stats['frames'] == 4 and core.stats['seconds'] > 0

def test_late_objects(model):
    frames, labels = clip(5)
    late = np.zeros((H, W), np.uint8); late[2:12, 60:80] = 9
    core = InferenceCore(model)
    out = run(core, frames, labels[0] == 1, {2: late})
    assert core.object_ids == [1, 9] and [p.shape[0] for p in out] == [2, 2, 3, 3, 3]
    assert core.memory_frames == [0, 2, 4] and core.memory[2]['permanent'] and not core.memory[4]['permanent']
    assert all(e['value'].shape[1] == 2 for e in core.memory.values())
    lab2 = core.labels(out[2])
    assert np.array_equal(lab2 == 9, late == 9)                       # given object: exactly its mask
    assert (out[2][1][late == 9] == 0).all()                          # the older object yields where 9 is given
    plain = run(InferenceCore(model), frames[:3], labels[0] == 1)      # ... and keeps its prediction elsewhere
    assert torch.allclose(out[2][1][late != 9], plain[2][1][late != 9], atol=1e-6)
    for p in out: assert torch.allclose(p.sum(0), torch.ones(1), atol=1e-5)

def test_late_object_values_are_empty_mask_values(model):
    frames, labels = clip(3)
    core = InferenceCore(model)
    core.step(frames[0], labels[0] == 1)
    v0 = core.memory[0]['value'].clone()
    core.step(frames[1], (labels[1] == 2) * 2)
    first = labels_to_probs(labels[0], [1])
    with torch.no_grad(): expect = model.encode_value(torch.stack([first[0], torch.zeros(H, W)])[None])
    assert torch.equal(core.memory[0]['value'][:, :1], v0) and torch.allclose(core.memory[0]['value'], expect, atol=1e-5)

def test_objects_argument_and_unmentioned_objects(model):
    frames, labels = clip(4)
    core = InferenceCore(model)
    p0 = core.step(frames[0], labels[0], objects=[2])
    assert core.object_ids == [2] and set(np.unique(core.labels(p0))) == {0, 2}
    core.step(frames[1])
    # frame 2: a mask that only mentions the new id 1; object 2 keeps its prediction outside object 1's pixels
    p2 = core.step(frames[2], labels[2], objects=[1])
    assert core.object_ids == [2, 1] and np.array_equal(core.labels(p2) == 1, labels[2] == 1)
    with pytest.raises(ValueError, match='distinct ids'): core.step(frames[3], labels[3], objects=[1, 1])
    with pytest.raises(ValueError, match='distinct ids'): core.step(frames[3], labels[3], objects=[0])

def test_tracker_hook(model):
    frames, labels = clip(5)
    late = np.zeros((H, W), np.uint8); late[2:12, 2:20] = 4
    tr = FakeTracker(filter_left=True)
    core = InferenceCore(model, tracker=tr)
    out = run(core, frames, labels[0], {3: late})
    assert tr.resets == 1 and tr.calls == [((2, H, W), True, 'cpu'), ((2, H, W), False, 'cpu'), ((2, H, W), False, 'cpu'),
                                           ((3, H, W), True, 'cpu'), ((3, H, W), False, 'cpu')]
    for p in (out[1], out[2], out[4]):                                  # filtered: right half is background
        assert (p[0, :, W // 2:] > 0.99).all() and torch.allclose(p.sum(0), torch.ones(1), atol=1e-5)
    assert (out[3][1:, :, W // 2:].sum() > 0)                            # a given frame is not filtered

def test_tracker_odd_size_sees_frame_size(model):
    frames, labels = clip(2, 50, 70)
    tr = FakeTracker()
    run(InferenceCore(model, tracker=tr), frames, labels[0])
    assert [c[0] for c in tr.calls] == [(2, 50, 70), (2, 50, 70)]

def test_tracker_by_name(model):
    from trickvos.tracker import ConstantVelocityTracker
    from trickvos.parametric_tracker import ParametricTracker
    assert InferenceCore(model, tracker=None).tracker is None and InferenceCore(model, tracker='none').tracker is None
    assert isinstance(InferenceCore(model, tracker='CV').tracker, ConstantVelocityTracker)
    assert isinstance(InferenceCore(model, tracker='pt').tracker, ParametricTracker)
    with pytest.raises(TypeError, match='reset'): InferenceCore(model, tracker=object())
    with pytest.raises(ValueError, match='kalman'): InferenceCore(model, tracker='kalman')

class KeepAll:
    "A tracker whose filter keeps every pixel."
    def __init__(self): self.calls = 0
    def reset(self): pass
    def step(self, prob, annotated=False):
        self.calls += not annotated
        return prob

def test_tracker_that_keeps_all_changes_nothing(model):
    "Trick 3 filters each object's probability before the one aggregation: keeping every pixel = no tracker, exactly."
    frames, labels = clip(6, 50, 70)
    out = {}
    for name, tr in (('none', None), ('keep', KeepAll())):
        core = InferenceCore(model, tracker=tr)
        out[name] = [core.step(f, labels[0] if t == 0 else None) for t, f in enumerate(frames)]
        if tr is not None: assert tr.calls == len(frames) - 1
    for a, b in zip(out['none'], out['keep']): assert torch.equal(a, b)

def test_filter_before_aggregation():
    "Three objects at logit -0.4 share a pixel: aggregated once they win it; the old re-aggregation gave it to background."
    from trickvos.inference import filter_with_tracker
    from trickvos.model import aggregate_logits, soft_aggregate
    x = torch.full((1, 3, 1, 1), -0.4)
    once = torch.softmax(aggregate_logits(filter_with_tracker(KeepAll(), x)), 1).flatten()
    assert torch.allclose(once, torch.tensor([0.12, 0.293, 0.293, 0.293]), atol=5e-3)
    twice = torch.softmax(soft_aggregate(once[None, 1:, None, None]), 1).flatten()
    assert twice.argmax() == 0 and abs(twice[0].item() - 0.30) < 0.01
    class Zero:
        def step(self, p, annotated=False): return torch.zeros_like(p)
    z = filter_with_tracker(Zero(), x)                                    # nothing kept: background everywhere
    assert torch.softmax(aggregate_logits(z), 1)[0, 0].item() > 0.999

def test_optimised_path_same_labels():
    from trickvos.processors import make_core
    "--optimise (BN folded, softmax-last read; fp32 on the CPU) labels a video as the eager path does (trained model)."
    from trickvos.model import load_model, shipped_model
    from trickvos.synthetic import generate_video
    trained = load_model(shipped_model('trickvos-showcase'))
    v = generate_video(frames=6, size=(64, 112), seed=3, min_objects=2, max_objects=2)
    for tr in ('none', 'cv', 'pt'):
        eager = segment_video(trained, v.frames, v.mask(0), tracker=tr)
        fast = propagate(make_core(trained, tracker=tr, optimise=True), v.frames, v.mask(0))
        assert fast.shape == eager.shape and (fast == eager).mean() >= 0.999      # the stated tolerance: 0.1% of labels

def test_tracker_bad_output(model):
    frames, labels = clip(2)
    core = InferenceCore(model, tracker=FakeTracker(bad_shape=True))
    core.step(frames[0], labels[0])
    with pytest.raises(ValueError, match='tracker returned'): core.step(frames[1])

def test_errors(model):
    frames, labels = clip(2)
    core = InferenceCore(model)
    with pytest.raises(ValueError, match='first frame needs a mask'): core.step(frames[0])
    with pytest.raises(ValueError, match='mask size'): core.step(frames[0], labels[0][:, :50])
    with pytest.raises(ValueError, match='no object'): core.step(frames[0], np.zeros((H, W), np.uint8))
    with pytest.raises(ValueError, match='no object'): core.step(frames[0], np.full((H, W), 255, np.uint8))
    assert core.t == -1 and core.memory == {}                            # failed calls change nothing
    core.step(frames[0], labels[0])
    with pytest.raises(ValueError, match='differs from this video'): core.step(frames[1][:32])

def test_segment_video(model):
    frames, labels = clip(4)
    first = labels[0] * 5
    out = segment_video(model, frames, first)
    assert out.shape == (4, H, W) and out.dtype == np.uint8 and np.array_equal(out[0], first)
    assert np.array_equal(segment_video(model, iter(list(frames)), first, device='cpu'), out)   # any iterable
    core = InferenceCore(model)
    assert np.array_equal(propagate(core, frames, first), out) and core.memory_frames == [0, 2]  # last frame: end=True
    with pytest.raises(ValueError, match='no frames'): segment_video(model, [], first)

# --- reading and writing videos

def test_read_video_folder(tmp_path):
    frames, _ = clip(3, 16, 24)
    for n, f in zip(('10', '2', '1'), frames): Image.fromarray(f).save(tmp_path/f'{n}.png')
    (tmp_path/'notes.txt').write_text('not a frame')
    got, names = read_video(tmp_path)
    assert names == ['1', '2', '10'] and np.array_equal(got[0], frames[2]) and np.array_equal(got[2], frames[0])

def test_read_video_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError): read_video(tmp_path/'nope')
    (tmp_path/'empty').mkdir()
    with pytest.raises(VOSDataError, match='no frames'): read_video(tmp_path/'empty')
    d = tmp_path/'sizes'; d.mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(d/'00000.png')
    Image.fromarray(np.zeros((8, 9, 3), np.uint8)).save(d/'00001.png')
    with pytest.raises(VOSDataError, match='differs'): read_video(d)
    (d/'00001.png').unlink(); (d/'00001.jpg').write_bytes(b'garbage')
    with pytest.raises(VOSDataError, match='unreadable'): read_video(d)
    bad = tmp_path/'bad.mp4'; bad.write_text('not a video')
    with pytest.raises(VOSDataError, match='no frame could be decoded'): read_video(bad)

def test_mp4_round_trip(tmp_path):
    import cv2
    frames = np.zeros((6, 32, 48, 3), np.uint8); frames[:, :, :, 0] = 200; frames[:, 8:24, 8:24] = (20, 200, 40)
    w = cv2.VideoWriter(str(tmp_path/'in.mp4'), cv2.VideoWriter_fourcc(*'mp4v'), 10.0, (48, 32))
    for f in frames: w.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    w.release()
    got, names = read_video(tmp_path/'in.mp4')
    assert len(got) == 6 and names[-1] == '00005' and got[0].shape == (32, 48, 3) and got[0].dtype == np.uint8
    assert np.abs(got[3][16, 16].astype(int) - (20, 200, 40)).max() < 30 and got[3][2, 40, 0] > 170   # RGB order kept
    labels = np.zeros((6, 32, 48), np.uint8); labels[:, 8:24, 8:24] = 1
    out = write_overlay_video(tmp_path/'sub'/'ov.mp4', got, labels, fps=5)
    back, _ = read_video(out)
    assert len(back) == 6 and back[0][16, 16, 0] > got[0][16, 16, 0] + 30       # palette red blended in
    with pytest.raises(ValueError, match='label maps'): write_overlay_video(tmp_path/'x.mp4', got, labels[:3])
    with pytest.raises(ValueError, match='size'): write_overlay_video(tmp_path/'y.mp4', [got[0], got[1][:16]], labels[:2])

# --- the command line

def parse(argv):
    return build_parser(argv).parse_args(argv)

def test_cli_segment(model, tmp_path, capsys):
    frames, labels = clip(4)
    vid = tmp_path/'frames'; vid.mkdir()
    for i, f in enumerate(frames): Image.fromarray(f).save(vid/f'{i:05d}.jpg', quality=95)
    write_label_png(tmp_path/'first.png', labels[0] * 3)
    ckpt = save_model(model, tmp_path/'run'/'model.safetensors')
    args = parse(['segment', '--checkpoint', str(tmp_path/'run'), '--video', str(vid), '--mask', str(tmp_path/'first.png'),
                  '--out', str(tmp_path/'out'), '--overlay', str(tmp_path/'ov.mp4'), '--device', 'cpu', '--fps', '5'])
    assert args.func(args) == 0
    pngs = sorted((tmp_path/'out').glob('*.png'))
    assert [p.stem for p in pngs] == [f'{i:05d}' for i in range(4)] and np.array_equal(read_label_png(pngs[0]), labels[0] * 3)
    expect = segment_video(model, read_video(vid)[0], labels[0] * 3)
    assert all(np.array_equal(read_label_png(p), e) for p, e in zip(pngs, expect))
    assert len(read_video(tmp_path/'ov.mp4')[0]) == 4 and 'objects [3, 6]' in capsys.readouterr().out
    # clear errors
    write_label_png(tmp_path/'small.png', labels[0][:32])
    args = parse(['segment', '--checkpoint', str(ckpt), '--video', str(vid), '--mask', str(tmp_path/'small.png'), '--out', str(tmp_path/'o2')])
    with pytest.raises(ValueError, match='mask size'): args.func(args)
    args = parse(['segment', '--checkpoint', str(tmp_path/'none'), '--video', str(vid), '--mask', str(tmp_path/'first.png'), '--out', str(tmp_path/'o3')])
    with pytest.raises(FileNotFoundError, match='no model file'): args.func(args)
    args = parse(['segment', '--checkpoint', str(ckpt), '--video', str(vid), '--mask', str(tmp_path/'missing.png'), '--out', str(tmp_path/'o4')])
    with pytest.raises(VOSDataError, match='file not found'): args.func(args)
    with pytest.raises(SystemExit): parse(['segment', '--checkpoint', 'c', '--video', 'v', '--mask', 'm', '--out', 'o', '--tracker', 'xx'])

def test_cli_segment_refuses_dataset_folder(model, tmp_path):
    frames, labels = clip(3)
    ds = tmp_path/'ds'; (ds/'JPEGImages').mkdir(parents=True)
    vid = tmp_path/'v'; vid.mkdir()
    for i, f in enumerate(frames): Image.fromarray(f).save(vid/f'{i:05d}.png')
    write_label_png(tmp_path/'first.png', labels[0])
    ckpt = save_model(model, tmp_path/'m.safetensors')
    args = parse(['segment', '--checkpoint', str(ckpt), '--video', str(vid), '--mask', str(tmp_path/'first.png'), '--out', str(ds/'preds')])
    with pytest.raises(VOSDataError, match='refusing'): args.func(args)

def test_youtube_sparse_annotations(model, tmp_path):
    "A YouTube-VOS video whose object 2 is first annotated at frame 2: the processor adds it there."
    from vos_toy import make_youtube
    from trickvos.data import load_youtube_vos
    v = next(x for x in load_youtube_vos(make_youtube(tmp_path)) if x.name == 'vid_a')
    core = InferenceCore(model)
    out = [core.step(v.frame(i), v.mask(i)) for i in range(len(v))]
    assert v.annotated == [0, 2] and core.object_ids == [1, 2] and [p.shape[0] for p in out] == [2, 2, 3, 3, 3, 3]
    assert np.array_equal(core.labels(out[2]) == 2, v.mask(2) == 2) and core.memory_frames == [0, 2, 5]

def test_real_cv_tracker(model):
    "With the project's constant-velocity tracker (when its module is present) by name."
    pytest.importorskip('trickvos.tracker')
    frames, labels = clip(5)
    core = InferenceCore(model, tracker='cv')
    out = run(core, frames, labels[0])
    assert type(core.tracker).__name__ == 'ConstantVelocityTracker'
    for p in out: assert p.shape == (3, H, W) and torch.allclose(p.sum(0), torch.ones(1), atol=1e-5)


def test_flip_testing_is_mirror_symmetric_and_off_by_default():
    "Flip testing averages a frame with its mirror, so a mirrored video gets exactly the mirrored masks; off by default."
    from trickvos.model import load_model, shipped_model
    from trickvos.synthetic import generate_video
    trained = load_model(shipped_model('trickvos-showcase'))
    v = generate_video(frames=5, size=(64, 96), seed=3, min_objects=2, max_objects=2)
    a = segment_video(trained, v.frames, v.mask(0), flip=True)
    b = segment_video(trained, [f[:, ::-1] for f in v.frames], v.mask(0)[:, ::-1], flip=True)
    assert np.array_equal(a, b[:, :, ::-1])
    plain = segment_video(trained, v.frames, v.mask(0))
    assert not np.array_equal(plain, segment_video(trained, [f[:, ::-1] for f in v.frames], v.mask(0)[:, ::-1])[:, :, ::-1])
    assert np.array_equal(segment_video(trained, v.frames, v.mask(0), tracker=KeepAll(), flip=True), a)   # composes with Trick 3


def test_memory_every_n_with_a_cap(model):
    "STM's memory policy as an option: frame 0, every 5th frame, the previous one; the cap keeps the newest M of the every-N ones."
    frames, labels = clip(13)
    got = {}
    for kw in ({}, dict(mem_every=5), dict(mem_every=5, max_memory=1), dict(mem_every=3, max_memory=2)):
        core = InferenceCore(model, **kw)
        for t, f in enumerate(frames): core.step(f, labels[0] if t == 0 else None)
        got[tuple(kw.items())] = core.memory_frames
    assert list(got.values()) == [[0, 12], [0, 5, 10, 12], [0, 10, 12], [0, 9, 12]]
    with pytest.raises(ValueError, match='max_memory'): InferenceCore(model, max_memory=0)
