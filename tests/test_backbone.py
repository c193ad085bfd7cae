"Tests for trickvos.backbone: torchvision names and shapes, taps, first-layer adaptation, weight loading."
import pytest
import torch
from torch import nn
from trickvos.backbone import (MobileNetV2Encoder, InvertedResidual, ConvBNReLU, adapt_input_conv, mobilenet_v2_features,
                               find_imagenet_weights, load_imagenet_weights, read_state_dict, MOBILENET_V2_WEIGHTS)

# MobileNetV2's inverted residual setting (Sandler et al. 2018, Table 2): t, c, n, s
SETTING = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]


def torchvision_names_and_shapes():
    "(name, shape) of every tensor of torchvision.models.mobilenet_v2().state_dict(), written out from the table."
    out = []
    def bn(prefix, c):
        out.extend([(f'{prefix}.weight', (c,)), (f'{prefix}.bias', (c,)), (f'{prefix}.running_mean', (c,)),
                    (f'{prefix}.running_var', (c,)), (f'{prefix}.num_batches_tracked', ())])
    def conv_bn_act(prefix, cin, cout, k, groups=1):   # Conv2dNormActivation: .0 conv, .1 bn, .2 ReLU6
        out.append((f'{prefix}.0.weight', (cout, cin // groups, k, k)))
        bn(f'{prefix}.1', cout)
    conv_bn_act('features.0', 3, 32, 3)
    i, cin = 1, 32
    for t, c, n, s in SETTING:
        for _ in range(n):
            hidden, j, p = cin * t, 0, f'features.{i}.conv'
            if t != 1: conv_bn_act(f'{p}.0', cin, hidden, 1); j = 1
            conv_bn_act(f'{p}.{j}', hidden, hidden, 3, groups=hidden)
            out.append((f'{p}.{j + 1}.weight', (c, hidden, 1, 1)))
            bn(f'{p}.{j + 2}', c)
            i, cin = i + 1, c
    conv_bn_act('features.18', 320, 1280, 1)
    out += [('classifier.1.weight', (1000, 1280)), ('classifier.1.bias', (1000,))]
    return out


def fake_torchvision_state_dict(seed=0):
    "A random state dict with torchvision's MobileNetV2 names, shapes and dtypes."
    g = torch.Generator().manual_seed(seed)
    return {k: (torch.randn(s, generator=g) if s else torch.tensor(7)) for k, s in torchvision_names_and_shapes()}


def built(name): return name.startswith('features.') and int(name.split('.')[1]) < 14


def test_reference_list_is_torchvision_sized():
    sd = torchvision_names_and_shapes()
    n_params = sum(torch.Size(s).numel() for k, s in sd if not k.endswith(('running_mean', 'running_var', 'num_batches_tracked')))
    assert len(sd) == 314 and n_params == 3_504_872     # torchvision's mobilenet_v2: 3,504,872 parameters


def test_names_and_shapes_match_torchvision():
    ours = [(k, tuple(v.shape)) for k, v in MobileNetV2Encoder().state_dict().items()]
    assert ours == [(k, s) for k, s in torchvision_names_and_shapes() if built(k)]


def test_full_depth_stack_matches_torchvision():
    full = nn.Sequential(*mobilenet_v2_features())
    ours = [('features.' + k, tuple(v.shape)) for k, v in full.state_dict().items()]
    assert ours == [(k, s) for k, s in torchvision_names_and_shapes() if k.startswith('features.')]


def test_taps_shapes_and_strides():
    f16, f8, f4 = MobileNetV2Encoder().eval()(torch.randn(2, 3, 96, 64))
    assert f16.shape == (2, 96, 6, 4) and f8.shape == (2, 32, 12, 8) and f4.shape == (2, 24, 24, 16)


def test_taps_are_the_feature_slices():
    enc = MobileNetV2Encoder().eval()
    x = torch.randn(1, 3, 32, 32)
    f16, f8, f4 = enc(x)
    assert torch.allclose(f4, enc.features[:4](x)) and torch.allclose(f8, enc.features[:7](x))
    assert torch.allclose(f16, enc.features(x))


def test_residual_blocks_are_stride1_same_width():
    enc = MobileNetV2Encoder()
    assert [i for i in range(1, 14) if enc.features[i].use_res_connect] == [3, 5, 6, 8, 9, 10, 12, 13]


def test_inverted_residual_is_linear_bottleneck():
    b = InvertedResidual(24, 24, 1, 6)
    assert isinstance(b.conv[-1], nn.BatchNorm2d) and not any(isinstance(m, nn.ReLU6) for m in b.conv[2:])
    assert isinstance(b.conv[0][2], nn.ReLU6) and b.conv[1][0].groups == 144
    with pytest.raises(ValueError, match='stride'): InvertedResidual(8, 8, 3, 6)


def test_conv_bn_relu_caps_at_6():
    m = ConvBNReLU(1, 1, 1).eval()
    nn.init.ones_(m[0].weight)
    assert m(torch.full((1, 1, 2, 2), 10.)).max().item() == pytest.approx(6.0)


def test_load_synthetic_torchvision_checkpoint(tmp_path):
    sd = fake_torchvision_state_dict()
    torch.save(sd, tmp_path/'w.pth')
    enc = load_imagenet_weights(MobileNetV2Encoder(), tmp_path/'w.pth')
    got = enc.state_dict()
    assert set(got) == {k for k in sd if built(k)}
    assert all(torch.equal(got[k], sd[k]) for k in got)


def test_load_from_hub_cache(tmp_path):
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path))
    try:
        with pytest.raises(FileNotFoundError) as e: find_imagenet_weights()
        msg = str(e.value)
        assert 'https://download.pytorch.org/models/mobilenet_v2-b0353104.pth' in msg and str(tmp_path/'checkpoints') in msg
        (tmp_path/'checkpoints').mkdir()
        torch.save(fake_torchvision_state_dict(1), tmp_path/'checkpoints'/'mobilenet_v2-7ebf99e0.pth')
        assert find_imagenet_weights() == tmp_path/'checkpoints'/'mobilenet_v2-7ebf99e0.pth'
        enc = load_imagenet_weights(MobileNetV2Encoder())
        assert torch.equal(enc.features[13].conv[2].weight, fake_torchvision_state_dict(1)['features.13.conv.2.weight'])
    finally: torch.hub.set_dir(old)


def test_missing_explicit_path_names_url(tmp_path):
    with pytest.raises(FileNotFoundError, match='download.pytorch.org/models/mobilenet_v2'):
        load_imagenet_weights(MobileNetV2Encoder(), tmp_path/'nope.pth')
    assert all(u.endswith(n) for n, u in MOBILENET_V2_WEIGHTS.items())


def test_wrong_checkpoint_fails_loudly(tmp_path):
    sd = fake_torchvision_state_dict()
    del sd['features.7.conv.1.0.weight']
    torch.save(sd, tmp_path/'missing_key.pth')
    with pytest.raises(RuntimeError, match='(?s)missing_key.pth.*features.7.conv.1.0.weight'):
        load_imagenet_weights(MobileNetV2Encoder(), tmp_path/'missing_key.pth')
    sd = fake_torchvision_state_dict(); sd['head.weight'] = torch.zeros(3)
    torch.save(sd, tmp_path/'extra_key.pth')
    with pytest.raises(RuntimeError, match='head.weight'): load_imagenet_weights(MobileNetV2Encoder(), tmp_path/'extra_key.pth')


def test_read_state_dict_unwraps(tmp_path):
    sd = {'features.0.0.weight': torch.ones(2)}
    torch.save({'state_dict': {'module.' + k: v for k, v in sd.items()}, 'epoch': 3}, tmp_path/'wrapped.pth')
    assert list(read_state_dict(tmp_path/'wrapped.pth')) == ['features.0.0.weight']
    torch.save([1, 2], tmp_path/'list.pth')
    with pytest.raises(ValueError, match='state dict'): read_state_dict(tmp_path/'list.pth')


def test_safetensors(tmp_path):
    try: from safetensors.torch import save_file
    except ImportError:
        (tmp_path/'w.safetensors').write_bytes(b'')
        with pytest.raises(ImportError, match='pip install safetensors'): read_state_dict(tmp_path/'w.safetensors')
        return
    save_file({'a': torch.ones(2)}, str(tmp_path/'w.safetensors'))
    assert torch.equal(read_state_dict(tmp_path/'w.safetensors')['a'], torch.ones(2))


@pytest.mark.parametrize('n', [1, 2, 4])
def test_adapt_mask_channels_preserves_grey_response(n):
    w = torch.randn(32, 3, 3, 3)
    x = torch.rand(2, 1, 9, 9)
    new = adapt_input_conv(w, n)
    assert new.shape == (32, n, 3, 3)
    assert torch.allclose(new, (w.mean(1, keepdim=True) * 3 / n).expand(-1, n, -1, -1))
    conv = lambda w, x: nn.functional.conv2d(x, w)
    assert torch.allclose(conv(new, x.expand(-1, n, -1, -1)), conv(w, x.expand(-1, 3, -1, -1)), atol=1e-5)


def test_adapt_rgb_plus_masks_and_errors():
    w = torch.randn(32, 3, 3, 3)
    new = adapt_input_conv(w, 5, rgb=True)
    assert torch.equal(new[:, :3], w) and not new[:, 3:].any()
    assert torch.equal(adapt_input_conv(w, 3), w) and torch.equal(adapt_input_conv(w, 3, rgb=True), w)
    with pytest.raises(ValueError, match='in_channels >= 3'): adapt_input_conv(w, 2, rgb=True)
    with pytest.raises(ValueError, match='RGB filters'): adapt_input_conv(torch.randn(32, 1, 3, 3), 2)
    with pytest.raises(ValueError, match='>= 1'): adapt_input_conv(w, 0)


@pytest.mark.parametrize('cin,rgb', [(1, False), (2, False), (5, True)])
def test_load_into_other_input_channels(tmp_path, cin, rgb):
    sd = fake_torchvision_state_dict()
    torch.save(sd, tmp_path/'w.pth')
    enc = load_imagenet_weights(MobileNetV2Encoder(in_channels=cin), tmp_path/'w.pth')
    assert enc.rgb == rgb
    assert torch.equal(enc.features[0][0].weight, adapt_input_conv(sd['features.0.0.weight'], cin, rgb))
    assert torch.equal(enc.features[1].conv[1].weight, sd['features.1.conv.1.weight'])
    assert enc(torch.rand(1, cin, 32, 32))[0].shape == (1, 96, 2, 2)
