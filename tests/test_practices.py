"Good Practices options (16_good_practices, 10_inference): the defaults run the plain processor and change nothing."
import numpy as np, torch
from trickvos.processors import make_core
from trickvos.inference import InferenceCore, propagate, segment_video, pad_divide_by, unpad, frame_to_tensor, labels_to_probs
from trickvos.model import build_model
from trickvos.practices import MultiCore, scaled_size
from trickvos.synthetic import generate_video


def _video(T=6, size=(64, 96)):
    return generate_video(frames=T, size=size, seed=5, min_objects=2, max_objects=2)


def _model():
    torch.manual_seed(0)
    return build_model('baseline').eval()


@torch.no_grad()
def _by_hand(model, video):
    "The paper's loop written out with VOSModel's calls: memory = first frame (given) + previous frame (predicted)."
    x = [pad_divide_by(frame_to_tensor(video.frame(t))[None]) for t in range(len(video))]
    ids = sorted(set(np.unique(video.mask(0))) - {0})
    given = pad_divide_by(labels_to_probs(video.mask(0), ids)[None])[0]
    p0 = torch.cat([(1 - given.sum(1, keepdim=True)).clamp(min=0), given], 1)
    first = (model.encode_key(x[0][0])[0], model.memorise(p0))
    memory, out = [first], [unpad(p0[0], x[0][1])]
    for t in range(1, len(video)):
        query = model.encode_key(x[t][0])
        mk, mv = torch.stack([m[0] for m in memory], 2), torch.stack([m[1] for m in memory], 3)
        p = model.aggregate(model.decode(model.read_memory(mk, mv, query[0]), query[1:]))[1]
        memory = [first, (query[0], model.memorise(p))]          # frame 1 reads frame 0 alone, later frames two
        out.append(unpad(p[0], x[t][1]))
    return torch.stack(out)


def test_defaults_are_the_plain_loop():
    "Every option at its default (no flip, scales or ensemble, the model's memory, PyTorch): the hand-written loop, bit for bit."
    model, v = _model(), _video()
    assert type(make_core(model)) is InferenceCore
    core = make_core(model, None, None, scales=None, ensemble=(), flip=False, mem_every=None, max_memory=None, backend='torch')
    got = torch.stack([core.step(v.frame(t), v.mask(0) if t == 0 else None) for t in range(len(v))])
    assert torch.equal(got, _by_hand(model, v))


def test_multicore_members_and_fusion():
    from trickvos.model import load_model, shipped_model
    model, v = load_model(shipped_model('trickvos-showcase')), _video()     # a trained model: few pixels near a tie
    plain = segment_video(model, v.frames, v.mask(0))
    one = propagate(make_core(model, scales=[1.0]), v.frames, v.mask(0))
    assert (one == plain).mean() > 0.999                       # one member: the plain path up to float rounding
    core = MultiCore([model, _model()], scales=(0.5, 1.0))
    assert len(core.members) == 4 and scaled_size((64, 96), 0.5) == (32, 48)
    for t in range(3): core.step(v.frame(t), v.mask(0) if t == 0 else None)
    sizes = {s: {tuple(e['key'].shape[-2:]) for e in c.memory.values()} for c, s in core.members}
    assert sizes[0.5] == {(2, 3)} and sizes[1.0] == {(4, 6)}    # each member's memory at its own scale
    for bad in ((0.0,), ()):
        try: MultiCore([model], scales=bad); raise AssertionError(f'scales {bad} accepted')
        except ValueError: pass
