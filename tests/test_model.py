"Tests for trickvos.model: parameter budget, shapes, affinity, readout, aggregation, memory policy, presets, errors."
import math
import pytest
import torch
import torch.nn.functional as F
from trickvos.model import (ModelConfig, PRESETS, VOSModel, build_model, count_parameters, parameter_table, memory_frames,
                            l2_affinity, dot_affinity, memory_softmax, read_out, soft_aggregate, Decoder, IMAGENET_MEAN, IMAGENET_STD)
from trickvos.backbone import load_imagenet_weights, MobileNetV2Encoder
from test_backbone import fake_torchvision_state_dict, built

H, W = 32, 48


@pytest.fixture(scope='module')
def baseline():
    torch.manual_seed(0)
    return build_model('baseline').eval()


def test_baseline_parameter_count(baseline):
    n = count_parameters(baseline)
    assert 1.71e6 <= n <= 2.09e6, n      # the paper: 1.9M
    table = dict(parameter_table(baseline))
    assert table['key_encoder'] == 542_528 and table['value_encoder'] == 542_528 - 32 * 9   # 2 mask channels, not 3
    assert table['total'] == n == sum(v for k, v in table.items() if k != 'total')


def test_presets_build_and_differ():
    assert set(PRESETS) == {'baseline', 'stcn', 'stm'}
    models = {n: build_model(n) for n in PRESETS}
    assert {n: m.config.affinity for n, m in models.items()} == {'baseline': 'l2', 'stcn': 'l2', 'stm': 'dot'}
    assert {n: m.key_proj.out_channels for n, m in models.items()} == {'baseline': 32, 'stcn': 64, 'stm': 128}
    assert models['baseline'].config.mem_every == 0 and models['stcn'].config.mem_every == 5 == models['stm'].config.mem_every
    assert count_parameters(models['stcn']) > count_parameters(models['baseline'])
    assert models['baseline'].value_encoder.in_channels == 2 and models['stcn'].value_encoder.in_channels == 5
    assert build_model(PRESETS['stcn']).config == PRESETS['stcn'] and build_model('baseline', top_k=5).config.top_k == 5


@pytest.mark.parametrize('K', [1, 3])
def test_shapes(baseline, K):
    B = 2
    frames, masks = torch.rand(B, 3, H, W), torch.rand(B, K, H, W)
    with torch.no_grad():
        key, f16, f8, f4 = baseline.encode_key(frames)
        assert key.shape == (B, 32, 2, 3) and f16.shape == (B, 96, 2, 3) and f8.shape == (B, 32, 4, 6) and f4.shape == (B, 24, 8, 12)
        v = baseline.encode_value(masks)
        assert v.shape == (B, K, 64, 2, 3)
        readout = baseline.read_memory(torch.stack([key, key], 2), torch.stack([v, v], 3), key)
        assert readout.shape == (B, K, 64, 2, 3)
        logits, probs = baseline.segment(readout, (f16, f8, f4))
        assert logits.shape == probs.shape == (B, K + 1, H, W)
        lt, pt = baseline(torch.rand(B, 4, 3, H, W), (masks > 0.5).float())
        assert lt.shape == pt.shape == (B, 3, K + 1, H, W)
        assert torch.allclose(pt.sum(2), torch.ones(1), atol=1e-5)


def test_soft_aggregation():
    p = torch.rand(2, 3, 4, 5)
    logits = soft_aggregate(p)
    assert logits.shape == (2, 4, 4, 5)
    assert torch.allclose(F.softmax(logits, 1).sum(1), torch.ones(2, 4, 5), atol=1e-6)
    assert torch.allclose(torch.sigmoid(logits[:, 0]), torch.prod(1 - p, 1).clamp(1e-7, 1 - 1e-7), atol=1e-6)
    assert torch.allclose(torch.sigmoid(logits[:, 1:]), p.clamp(1e-7, 1 - 1e-7), atol=1e-6)
    extreme = soft_aggregate(torch.tensor([[[[0.0]], [[1.0]]]]))
    assert torch.isfinite(extreme).all() and F.softmax(extreme, 1)[0, 2].item() > 0.999


def test_segment_aggregates_and_valid_masks_objects(baseline):
    frames = torch.rand(1, 3, H, W)
    with torch.no_grad():
        key, *skips = baseline.encode_key(frames)
        readout = torch.randn(1, 2, 64, 2, 3)
        logits, probs = baseline.segment(readout, skips)
        obj = torch.sigmoid(baseline.decoder(torch.cat([readout, baseline.key_comp(skips[0]).unsqueeze(1).expand(-1, 2, -1, -1, -1)], 2), *skips[1:]))
        assert torch.allclose(torch.sigmoid(logits[:, 0]), torch.prod(1 - obj, 1).clamp(1e-7, 1 - 1e-7), atol=1e-5)
        _, probs_v = baseline.segment(readout, skips, valid=torch.tensor([[True, False]]))
        assert probs_v[:, 2].max() < 1e-6 and torch.allclose(probs_v.sum(1), torch.ones(1), atol=1e-5)


def test_l2_affinity_formula():
    mk, qk = torch.randn(2, 6, 7), torch.randn(2, 6, 4)
    explicit = torch.empty(2, 7, 4)
    for b in range(2):
        for i in range(7):
            for j in range(4):
                explicit[b, i, j] = (2 * mk[b, :, i] @ qk[b, :, j] - mk[b, :, i] @ mk[b, :, i]) / math.sqrt(6)
    assert torch.allclose(l2_affinity(mk, qk), explicit, atol=1e-5)
    neg_dist = -torch.cdist(mk.transpose(1, 2), qk.transpose(1, 2)) ** 2 / math.sqrt(6)   # |q|^2 cancels in the softmax
    assert torch.allclose(memory_softmax(l2_affinity(mk, qk)), F.softmax(neg_dist, 1), atol=1e-5)
    assert torch.allclose(dot_affinity(mk, qk), mk.transpose(1, 2) @ qk / math.sqrt(6))


@pytest.mark.parametrize('top_k', [None, 1, 3, 50])
def test_affinity_softmax_sums_to_one_over_memory(top_k):
    sim = torch.randn(2, 10, 6)
    w = memory_softmax(sim, top_k)
    assert torch.allclose(w.sum(1), torch.ones(2, 6), atol=1e-6) and (w >= 0).all()
    if top_k == 1: assert torch.equal(w.argmax(1), sim.argmax(1)) and torch.equal(w.max(1).values, torch.ones(2, 6))
    if top_k == 3: assert ((w > 0).sum(1) == 3).all()


@pytest.mark.parametrize('preset,sim', [('baseline', lambda k, q, C: (2 * k @ q - (k * k).sum(1, keepdim=True)) / math.sqrt(C)),
                                        ('stm', lambda k, q, C: k @ q / math.sqrt(C))])
def test_read_memory_uses_the_preset_affinity(preset, sim):
    model = build_model(preset)
    C = model.config.key_dim
    mk, mv, qk = torch.randn(1, C, 2, 2, 3), torch.randn(1, 3, 5, 2, 2, 3), torch.randn(1, C, 2, 3)
    k, q = mk.flatten(2)[0].T, qk.flatten(2)[0]                 # (12,C), (C,6)
    w = F.softmax(sim(k, q, C), 0)                               # over the 12 memory positions
    expected = (mv.reshape(15, 12) @ w).view(1, 3, 5, 2, 3)
    assert torch.allclose(model.read_memory(mk, mv, qk), expected, atol=1e-4)


def test_read_out_shares_affinity_across_objects():
    mv, aff = torch.randn(2, 3, 4, 2, 2, 2), F.softmax(torch.randn(2, 8, 4), 1)
    r = read_out(aff, mv)
    assert r.shape == (2, 3, 4, 2, 2)
    assert torch.allclose(r[1, 2].flatten(1), mv[1, 2].flatten(1) @ aff[1], atol=1e-6)


def test_top_k_one_reads_best_match(baseline):
    mk, qk = torch.randn(1, 32, 1, 2, 3), torch.randn(1, 32, 2, 3)
    mv = torch.randn(1, 1, 4, 1, 2, 3)
    best = l2_affinity(mk.flatten(2), qk.flatten(2))[0].argmax(0)           # (6,) memory index per query pixel
    expected = mv.flatten(3)[0, 0][:, best].view(1, 1, 4, 2, 3)
    assert torch.allclose(baseline.read_memory(mk, mv, qk, top_k=1), expected)


def test_objects_are_batched_not_looped():
    model = build_model('baseline', value_others=False).eval()
    masks = torch.rand(1, 3, H, W)
    with torch.no_grad():
        v = model.encode_value(masks)
        for k in range(3): assert torch.allclose(v[:, k], model.encode_value(masks[:, k:k + 1])[:, 0], atol=1e-5)
    dec = Decoder(8, (8, 6, 4), skip_channels=(5, 3)).eval()
    x, f8, f4 = torch.randn(2, 3, 8, 2, 2), torch.randn(2, 5, 4, 4), torch.randn(2, 3, 8, 8)
    out = dec(x, f8, f4)
    for k in range(3): assert torch.allclose(out[:, k:k + 1], dec(x[:, k:k + 1], f8, f4), atol=1e-5)


def test_value_encoder_sees_others(baseline):
    masks = torch.zeros(1, 2, H, W); masks[:, 0, :16] = 1; masks[:, 1, 16:] = 1
    captured = {}
    hook = baseline.value_encoder.register_forward_pre_hook(lambda m, a: captured.update(x=a[0].clone()))
    with torch.no_grad(): baseline.encode_value(masks)
    hook.remove()
    x = captured['x']                                  # (B*K, 2, H, W): own mask, sum of the others
    assert x.shape == (2, 2, H, W) and torch.equal(x[0, 0], masks[0, 0]) and torch.equal(x[0, 1], masks[0, 1])
    assert torch.equal(x[1, 1], masks[0, 0])


def test_input_normalisation_inside_model(baseline):
    frames = torch.rand(1, 3, H, W)
    mean, std = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        key = baseline.encode_key(frames)[0]
        assert torch.allclose(key, baseline.key_proj(baseline.key_encoder((frames - mean) / std)[0]), atol=1e-5)
    assert 'pixel_mean' not in baseline.state_dict()


def _record_memory_sizes(model, monkeypatch):
    sizes, calls, read, enc = [], [], model.read_memory, model.encode_value
    monkeypatch.setattr(model, 'read_memory', lambda mk, mv, qk, top_k=None: (sizes.append(mk.shape[2]), read(mk, mv, qk, top_k))[1])
    monkeypatch.setattr(model, 'encode_value', lambda m, f=None: (calls.append(m.shape), enc(m, f))[1])
    return sizes, calls


def test_baseline_memory_stays_two_frames(baseline, monkeypatch):
    sizes, calls = _record_memory_sizes(baseline, monkeypatch)
    with torch.no_grad(): logits, _ = baseline(torch.rand(1, 7, 3, H, W), torch.rand(1, 2, H, W))
    assert logits.shape[1] == 6 and sizes == [1, 2, 2, 2, 2, 2]
    assert len(calls) == 6           # first mask + the predictions of frames 1..5 (frame 6 is never memory)


def test_stcn_memory_grows(monkeypatch):
    model = build_model('stcn').eval()
    sizes, _ = _record_memory_sizes(model, monkeypatch)
    with torch.no_grad(): model(torch.rand(1, 12, 3, H, W), torch.rand(1, 1, H, W))
    assert sizes == [len(memory_frames(t, model.config)) for t in range(1, 12)] == [1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]


def test_memory_frames_policy():
    base, stcn = PRESETS['baseline'], PRESETS['stcn']
    assert all(memory_frames(t, base) == [0, t - 1] for t in range(2, 50)) and memory_frames(1, base) == [0]
    assert memory_frames(16, stcn) == [0, 5, 10, 15] and memory_frames(17, stcn) == [0, 5, 10, 15, 16]
    assert memory_frames(0, base) == []


def test_forward_backprop_through_predicted_masks():
    torch.manual_seed(0)
    model = build_model('baseline')
    logits, _ = model(torch.rand(1, 3, 3, H, W), torch.rand(1, 1, H, W))
    logits[:, -1].sum().backward()
    assert model.value_encoder.features[0][0].weight.grad.abs().sum() > 0
    assert model.key_proj.weight.grad.abs().sum() > 0 and model.decoder.pred.weight.grad.abs().sum() > 0


def test_rgb_value_encoder_presets_need_frames():
    model = build_model('stcn').eval()
    with pytest.raises(ValueError, match='value_rgb'): model.encode_value(torch.rand(1, 1, H, W))
    with torch.no_grad():
        assert model.encode_value(torch.rand(1, 2, H, W), torch.rand(1, 3, H, W)).shape == (1, 2, 128, 2, 3)
        assert model(torch.rand(1, 3, 3, H, W), torch.rand(1, 2, H, W))[0].shape == (1, 2, 3, H, W)


def test_bad_inputs(baseline):
    with pytest.raises(ValueError, match='multiples of 16'): baseline.encode_key(torch.rand(1, 3, 40, 48))
    with pytest.raises(ValueError, match='multiples of 16'): baseline.encode_value(torch.rand(1, 1, 32, 50))
    with pytest.raises(ValueError, match='K >= 1'): baseline.encode_value(torch.rand(1, 0, H, W))
    with pytest.raises(ValueError, match='K >= 1'): baseline(torch.rand(1, 3, 3, H, W), torch.rand(1, 0, H, W))
    with pytest.raises(ValueError, match='multiples of 16'): baseline(torch.rand(1, 3, 3, 40, W), torch.rand(1, 1, 40, W))
    with pytest.raises(ValueError, match=r'\(B,3,H,W\)'): baseline.encode_key(torch.rand(1, 1, H, W))
    with pytest.raises(ValueError, match='T >= 2'): baseline(torch.rand(1, 1, 3, H, W), torch.rand(1, 1, H, W))
    with pytest.raises(ValueError, match='first_mask'): baseline(torch.rand(1, 3, 3, H, W), torch.rand(1, 1, H, W + 16))
    with pytest.raises(ValueError, match='do not agree'):
        baseline.read_memory(torch.rand(1, 32, 2, 2, 3), torch.rand(1, 1, 64, 1, 2, 3), torch.rand(1, 32, 2, 3))


def test_config_validation():
    with pytest.raises(ValueError, match='unknown model preset'): build_model('xmem')
    with pytest.raises(ValueError, match='affinity'): ModelConfig(affinity='cosine')
    with pytest.raises(ValueError, match='decoder_dims'): ModelConfig(decoder_dims=(8, 8))
    with pytest.raises(ValueError, match='keep_first or keep_previous'): ModelConfig(keep_first=False, keep_previous=False)
    with pytest.raises(ValueError, match='top_k'): ModelConfig(top_k=0)
    assert ModelConfig(decoder_dims=[8, 8, 8]).decoder_dims == (8, 8, 8)


def test_torchvision_state_dict_round_trip(tmp_path):
    sd = fake_torchvision_state_dict(3)
    torch.save(sd, tmp_path/'mobilenet_v2-b0353104.pth')
    model = build_model('baseline', weights=tmp_path/'mobilenet_v2-b0353104.pth')
    got = model.key_encoder.state_dict()
    assert set(got) == {k for k in sd if built(k)} and all(torch.equal(got[k], sd[k]) for k in got)
    stem = model.value_encoder.features[0][0].weight
    assert stem.shape == (32, 2, 3, 3) and torch.allclose(stem, sd['features.0.0.weight'].sum(1, keepdim=True).expand(-1, 2, -1, -1) / 2)
    torch.save(model.key_encoder.state_dict(), tmp_path/'key_encoder.pth')          # and back, by torchvision names
    again = load_imagenet_weights(MobileNetV2Encoder(), tmp_path/'key_encoder.pth')
    assert all(torch.equal(v, got[k]) for k, v in again.state_dict().items())
    with pytest.raises(FileNotFoundError, match='download.pytorch.org'): build_model('baseline', weights=tmp_path/'none.pth')


def test_freeze_bn():
    model = build_model('baseline').freeze_bn()
    model.train()
    bn = model.value_encoder.features[2].conv[0][1]
    before = bn.running_var.clone()
    model.encode_value(torch.rand(2, 1, H, W))
    assert model.training and not bn.training and torch.equal(bn.running_var, before)
    model.freeze_bn(False)
    assert bn.training
    model.encode_value(torch.rand(2, 1, H, W))
    assert not torch.equal(bn.running_var, before)


def test_state_dict_round_trip():
    a, b = build_model('baseline'), build_model('baseline')
    b.load_state_dict(a.state_dict())
    x = torch.rand(1, 3, H, W)
    a.eval(); b.eval()
    with torch.no_grad(): assert torch.equal(a.encode_key(x)[0], b.encode_key(x)[0])
    assert isinstance(a, VOSModel)


def test_save_load_model_round_trip_and_errors(tmp_path):
    from trickvos.model import save_model, load_model, read_model_metadata
    from safetensors.torch import save_file
    m = build_model('stm', key_dim=8)
    f = save_model(m, tmp_path / 'a' / 'model.safetensors', step=3, note='x')
    m2 = load_model(tmp_path / 'a')
    assert m2.config == m.config and not m2.training
    assert all(torch.equal(a, b) for a, b in zip(m.state_dict().values(), m2.state_dict().values()))
    assert read_model_metadata(f) == {'config': read_model_metadata(f)['config'], 'step': 3, 'note': 'x'}
    assert not list((tmp_path / 'a').glob('*.tmp'))
    with pytest.raises(FileNotFoundError, match='no model file'): load_model(tmp_path / 'missing')
    save_file({'w': torch.zeros(2)}, str(tmp_path / 'other.safetensors'))
    with pytest.raises(ValueError, match='not a trickvos model'): load_model(tmp_path / 'other.safetensors')


def test_detach_memory_stops_the_gradient_through_previous_predictions():
    torch.manual_seed(0)
    m = build_model('baseline', key_dim=8)
    frames = torch.rand(1, 3, 3, 32, 32, requires_grad=True)
    mask = torch.rand(1, 1, 32, 32)
    for detach, expect_grad in ((False, True), (True, False)):
        frames.grad = None
        logits, _ = m(frames, mask, detach_memory=detach)
        logits[:, 1].sum().backward()                       # loss of frame 2 only
        # frame 1 reaches frame 2's loss through its key (both cases) and its predicted mask (only without detach);
        # the decoder's weights see frame 1's prediction only through the chain: compare gradients of frame 1 pixels
        g = frames.grad[:, 1].abs().sum().item()
        if detach: assert g < g_full
        else: g_full = g
