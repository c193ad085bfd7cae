"Tests for trickvos.losses: bootstrapped CE, SSIM, IoU and the hybrid VOS loss (Trick 1)."
import math
import pytest
import torch
import torch.nn.functional as F
from trickvos.losses import (IGNORE, LOSS_PRESETS, LossConfig, bootstrap_fraction, bootstrapped_ce, iou_loss,
                             ssim_loss, vos_loss)
import trickvos.losses as losses


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    "Every tensor here is tiny: extra threads only spin on a busy CPU. Restored afterwards."
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def onehot_output(labels, K, conf=0.999):
    "Model-like (logits, probs) (B,T,K+1,H,W) with probability `conf` on the labelled class (255 -> background)."
    lab = labels.masked_fill(labels == IGNORE, 0)
    probs = F.one_hot(lab, K + 1).permute(0, 1, 4, 2, 3).float() * (conf - (1 - conf) / K) + (1 - conf) / K
    return probs.log(), probs


def random_output(B, T, K, H, W, requires_grad=True, seed=0):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(B, T, K + 1, H, W, generator=g).requires_grad_(requires_grad)
    return logits, F.softmax(logits, 2)


# ---------------------------------------------------------------- bootstrap_fraction
def test_bootstrap_fraction_schedule():
    assert bootstrap_fraction(0.) == 1.0 and bootstrap_fraction(0.1299) == 1.0
    assert bootstrap_fraction(0.13) == pytest.approx(1.0)
    assert bootstrap_fraction(0.30) == pytest.approx(0.15 + 0.85 * 0.17 / 0.34)
    assert bootstrap_fraction(0.47) == pytest.approx(0.15) and bootstrap_fraction(1.0) == pytest.approx(0.15)
    # STCN in iterations: 20K..70K of 150K, top_p 0.15; at 45K p = 0.575
    assert bootstrap_fraction(45 / 150, 20 / 150, 70 / 150, 0.15) == pytest.approx(0.575)
    ps = [bootstrap_fraction(t / 100) for t in range(101)]
    assert all(a >= b for a, b in zip(ps, ps[1:]))                 # never increases
    assert bootstrap_fraction(0.5, 0.5, 0.5, 0.3) == 0.3           # a step when start == end
    assert bootstrap_fraction(0.9, top_p=1.0) == 1.0               # top_p=1: plain CE throughout


@pytest.mark.parametrize('kw', [dict(top_p=0.), dict(top_p=1.5), dict(start_warm=0.6, end_warm=0.5)])
def test_bootstrap_fraction_bad(kw):
    with pytest.raises(ValueError): bootstrap_fraction(0.5, **kw)


# ---------------------------------------------------------------- bootstrapped_ce
def test_bootstrapped_ce_p1_is_cross_entropy():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(3, 4, 9, 7, generator=g)
    labels = torch.randint(0, 4, (3, 9, 7), generator=g)
    assert torch.allclose(bootstrapped_ce(logits, labels), F.cross_entropy(logits, labels), atol=1e-6)
    labels[0, :4] = IGNORE; labels[2, 1, 1] = IGNORE
    assert torch.allclose(bootstrapped_ce(logits, labels, 1.0), F.cross_entropy(logits, labels, ignore_index=255), atol=1e-6)


def test_bootstrapped_ce_hand_example():
    z = torch.tensor([2., 0., -1., 3., -2.])                    # class-1 logit margin per pixel
    logits = torch.stack([torch.zeros_like(z), z])[None, :, None, :]   # (1,2,1,5)
    labels = torch.ones(1, 1, 5, dtype=torch.long)
    per_px = [math.log1p(math.exp(-v)) for v in z.tolist()]      # [0.127, 0.693, 1.313, 0.049, 2.127]
    assert bootstrapped_ce(logits, labels, 0.4).item() == pytest.approx((per_px[4] + per_px[2]) / 2, rel=1e-6)
    assert bootstrapped_ce(logits, labels, 0.2).item() == pytest.approx(per_px[4], rel=1e-6)
    assert bootstrapped_ce(logits, labels, 0.01).item() == pytest.approx(per_px[4], rel=1e-6)   # at least one pixel
    assert bootstrapped_ce(logits, labels, 0.6).item() == pytest.approx((per_px[4] + per_px[2] + per_px[1]) / 3, rel=1e-6)
    labels[0, 0, 4] = IGNORE                                    # the hardest is ignored: never picked
    assert bootstrapped_ce(logits, labels, 0.5).item() == pytest.approx((per_px[2] + per_px[1]) / 2, rel=1e-6)


def test_bootstrapped_ce_gradient_only_on_hard_pixels():
    z = torch.tensor([2., 0., -1., 3.], requires_grad=True)
    logits = torch.stack([torch.zeros(4), z])[None, :, None, :]
    bootstrapped_ce(logits, torch.ones(1, 1, 4, dtype=torch.long), 0.5).backward()
    assert (z.grad[[0, 3]] == 0).all() and (z.grad[[1, 2]] < 0).all()


def test_bootstrapped_ce_all_ignored_is_zero_with_grad():
    logits = torch.randn(2, 3, 4, 4, requires_grad=True)
    for p in (1.0, 0.3):
        loss = bootstrapped_ce(logits, torch.full((2, 4, 4), IGNORE), p)
        assert loss.item() == 0 and loss.requires_grad
        loss.backward(); assert torch.isfinite(logits.grad).all()


def test_bootstrapped_ce_bad_input():
    with pytest.raises(ValueError): bootstrapped_ce(torch.zeros(2, 3, 4, 4), torch.zeros(2, 4, 5, dtype=torch.long))
    with pytest.raises(ValueError): bootstrapped_ce(torch.zeros(2, 3, 4, 4), torch.zeros(2, 4, 4, dtype=torch.long), 0.)
    with pytest.raises(ValueError): bootstrapped_ce(torch.zeros(3, 4, 4), torch.zeros(3, 4, dtype=torch.long))


# ---------------------------------------------------------------- iou_loss
def test_iou_hand_example():
    p = torch.tensor([[.5, 1., 0.], [0., .25, 0.]]); t = torch.tensor([[1., 1., 0.], [0., 0., 0.]])
    # I = 1.5, U = 1 + 1 + .25 = 2.25
    assert iou_loss(p, t, eps=0.).item() == pytest.approx(1 - 1.5 / 2.25)
    assert iou_loss(p, t).item() == pytest.approx(1 - 2.5 / 3.25)
    assert iou_loss(torch.zeros(2, 3), t, eps=0.).item() == pytest.approx(1.)          # miss everything
    assert iou_loss(torch.ones(2, 3), t, eps=0.).item() == pytest.approx(1 - 2 / 6)    # predict everything
    assert iou_loss(p, torch.zeros(2, 3)).item() == pytest.approx(1.75 / 2.75)        # empty target: FP mass


def test_iou_per_map_and_valid():
    t0 = torch.zeros(4, 4); t0[:2] = 1
    p, t = torch.stack([t0, 1 - t0, torch.full((4, 4), .5)]), t0.expand(3, 4, 4)
    per = iou_loss(p, t, reduction='none', eps=0.)
    assert torch.allclose(per, torch.tensor([0., 1., 1 - 4 / 12]))   # I = 8 * .5, U = 16 * .5 + 8 - 4
    assert iou_loss(p, t, eps=0.).item() == pytest.approx(per.mean().item())
    assert iou_loss(p, t, torch.tensor([True, False, True]), eps=0.).item() == pytest.approx((per[0] + per[2]).item() / 2)
    assert iou_loss(p, t, torch.zeros(3, dtype=torch.bool)).item() == 0


# ---------------------------------------------------------------- ssim_loss
def test_ssim_known_values():
    g = torch.zeros(32, 32); g[10:22, 8:20] = 1
    assert ssim_loss(g, g).item() == pytest.approx(0, abs=1e-6)
    assert ssim_loss(torch.zeros(32, 32), torch.zeros(32, 32)).item() == pytest.approx(0, abs=1e-6)
    # a constant 0.5 map: sigma_xy = sigma_x = 0, so each window's SSIM is (2 mu .5 + C1)/(mu^2 + .25 + C1) * C2/(s_g^2 + C2)
    assert ssim_loss(torch.full((32, 32), .5), g).item() > 0.5
    shifted = [ssim_loss(torch.roll(g, s, 1), g).item() for s in range(5)]
    assert shifted[0] < 1e-6 and all(a < b for a, b in zip(shifted, shifted[1:]))
    assert ssim_loss(1 - g, g).item() > 1.0                     # anti-correlated: SSIM < 0


def test_ssim_matches_pytorch_msssim_window_11():
    from pytorch_msssim import ssim
    g = torch.Generator().manual_seed(0)
    p, t = torch.rand(3, 40, 50, generator=g), (torch.rand(3, 40, 50, generator=g) > .5).float()
    ref = 1 - ssim(p[:, None], t[:, None], data_range=1., size_average=False, win_size=11, win_sigma=1.5)
    assert torch.allclose(ssim_loss(p, t, reduction='none'), ref, atol=1e-6)


def test_ssim_small_maps_shrink_window():
    g = torch.zeros(6, 8); g[2:4, 3:5] = 1
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')                          # pytorch_msssim warns when it skips smoothing
        assert ssim_loss(g, g).item() == pytest.approx(0, abs=1e-6)
        assert ssim_loss(torch.roll(g, 1, 1), g).item() > 0.1


def test_map_loss_bad_input():
    for fn in (ssim_loss, iou_loss):
        with pytest.raises(ValueError): fn(torch.zeros(2, 8, 8), torch.zeros(2, 8, 9))
        with pytest.raises(ValueError): fn(torch.zeros(2, 8, 8), torch.zeros(2, 8, 8), torch.ones(3, dtype=torch.bool))
        with pytest.raises(ValueError): fn(torch.zeros(2, 8, 8), torch.zeros(2, 8, 8), reduction='sum')


# ---------------------------------------------------------------- LossConfig / presets
def test_presets():
    assert LOSS_PRESETS['baseline'] == LossConfig() and (LossConfig().ce, LossConfig().ssim, LossConfig().iou) == (1, 0, 0)
    assert (LOSS_PRESETS['trick1'].ssim, LOSS_PRESETS['trick1'].iou) == (1., 1.)
    assert LOSS_PRESETS['ssim'].iou == 0 and LOSS_PRESETS['iou'].ssim == 0
    with pytest.raises(Exception): LossConfig().ce = 2.          # frozen


# ---------------------------------------------------------------- vos_loss
def labels_two_objects(B=2, T=2, H=32, W=32):
    lab = torch.zeros(B, T, H, W, dtype=torch.long)
    lab[:, :, 5:20, 4:16] = 1; lab[0, :, 22:30, 18:30] = 2
    return lab


def test_vos_loss_perfect_prediction():
    lab = labels_two_objects()
    valid = torch.tensor([[True, True], [True, False]])
    logits, probs = onehot_output(lab, 2, conf=1 - 1e-6)
    for name, cfg in LOSS_PRESETS.items():
        total, parts = vos_loss(logits, probs, lab, valid, cfg)
        assert total.item() < 1e-3 and parts['loss'] == pytest.approx(total.item())
        assert all(v < 1e-3 for k, v in parts.items() if k != 'p'), (name, parts)


def test_vos_loss_parts_and_weights():
    lab = labels_two_objects()
    valid = torch.tensor([[True, True], [True, False]])
    logits, probs = random_output(2, 2, 2, 32, 32)
    _, base = vos_loss(logits, probs, lab, valid, LOSS_PRESETS['baseline'], progress=0.)
    assert set(base) == {'loss', 'ce', 'p'} and base['p'] == 1.0 and base['loss'] == pytest.approx(base['ce'])
    total, parts = vos_loss(logits, probs, lab, valid, LossConfig(ce=.5, ssim=2., iou=3.), progress=0.3)
    assert set(parts) == {'loss', 'ce', 'ce_plain', 'p', 'ssim', 'iou'} and parts['ce_plain'] <= parts['ce'] and parts['p'] == pytest.approx(bootstrap_fraction(0.3))
    assert parts['loss'] == pytest.approx(.5 * parts['ce'] + 2 * parts['ssim'] + 3 * parts['iou'], rel=1e-5)
    # the parts are the terms: CE on logits (padded channel masked), SSIM/IoU on valid object maps
    tgt = torch.stack([lab == 1, lab == 2], 2).float()
    v = valid[:, None].expand(2, 2, 2)
    assert parts['iou'] == pytest.approx(iou_loss(probs[:, :, 1:], tgt, v).item(), rel=1e-5)
    assert parts['ssim'] == pytest.approx(ssim_loss(probs[:, :, 1:], tgt, v).item(), rel=1e-5)
    lg = logits.detach().clone(); lg[1, :, 2] = -1e4
    assert parts['ce'] == pytest.approx(bootstrapped_ce(lg.flatten(0, 1), lab.flatten(0, 1), parts['p']).item(), rel=1e-5)


def test_vos_loss_zero_weight_not_computed(monkeypatch):
    def boom(*a, **k): raise AssertionError('computed a term whose weight is 0')
    monkeypatch.setattr(losses, 'ssim_loss', boom)
    lab = labels_two_objects(); valid = torch.ones(2, 2, dtype=torch.bool)
    logits, probs = random_output(2, 2, 2, 32, 32)
    for cfg in (LOSS_PRESETS['baseline'], LOSS_PRESETS['iou']):
        _, parts = vos_loss(logits, probs, lab, valid, cfg)
        assert 'ssim' not in parts
    with pytest.raises(AssertionError): vos_loss(logits, probs, lab, valid, LOSS_PRESETS['trick1'])
    monkeypatch.setattr(losses, 'iou_loss', boom); monkeypatch.setattr(losses, 'bootstrapped_ce', boom)
    _, parts = vos_loss(logits, probs, lab, valid, LossConfig(ce=0.))
    assert parts['loss'] == 0 and set(parts) == {'loss', 'p'}


def test_vos_loss_invalid_objects_ignored():
    lab = labels_two_objects()
    valid = torch.tensor([[True, True], [True, False]])
    logits, probs = random_output(2, 2, 2, 32, 32, requires_grad=False)
    cfg = LOSS_PRESETS['trick1']
    t0, p0 = vos_loss(logits, probs, lab, valid, cfg)
    logits2, probs2 = logits.clone(), probs.clone()
    logits2[1, :, 2] = torch.randn(2, 32, 32) * 5; probs2[1, :, 2] = torch.rand(2, 32, 32)
    t1, p1 = vos_loss(logits2, probs2, lab, valid, cfg)
    assert t0.item() == pytest.approx(t1.item(), abs=1e-6) and p0 == pytest.approx(p1)
    # ...while changing a valid object's map does change it
    probs2[0, :, 2] = torch.rand(2, 32, 32)
    assert vos_loss(logits2, probs2, lab, valid, cfg)[0].item() != pytest.approx(t0.item())


def test_vos_loss_no_grad_to_invalid_object():
    lab = labels_two_objects(); valid = torch.tensor([[True, True], [True, False]])
    logits, probs = random_output(2, 2, 2, 32, 32)
    probs.retain_grad()
    vos_loss(logits, probs, lab, valid, LOSS_PRESETS['trick1'])[0].backward()
    assert (probs.grad[1, :, 2] == 0).all()    # (logits[1, :, 2] still gets gradient through the softmax of the others)
    assert probs.grad[0, :, 2].abs().sum() > 0


@pytest.mark.parametrize('case', ['empty', 'full', 'one_pixel', 'all_ignore', 'thin'])
def test_vos_loss_finite_on_edge_cases(case):
    H = W = 24
    lab = torch.zeros(1, 2, H, W, dtype=torch.long)
    if case == 'full': lab[:] = 1
    if case == 'one_pixel': lab[:, :, 7, 9] = 1
    if case == 'all_ignore': lab[:] = IGNORE
    if case == 'thin': lab[:, :, :, 12] = 1
    valid = torch.ones(1, 1, dtype=torch.bool)
    for kind in ('random', 'perfect'):
        for prog in (0., 1.):
            if kind == 'random':
                logits = torch.randn(1, 2, 2, H, W, requires_grad=True)
                probs = F.softmax(logits, 2); probs.retain_grad()
            else:
                logits, probs = (x.detach().requires_grad_() for x in onehot_output(lab, 1))
            total, parts = vos_loss(logits, probs, lab, valid, LOSS_PRESETS['trick1'], progress=prog)
            total.backward()
            assert math.isfinite(total.item()) and all(math.isfinite(v) for v in parts.values())
            assert torch.isfinite(logits.grad).all() and torch.isfinite(probs.grad).all()
    if case == 'all_ignore': assert total.item() == 0


def test_vos_loss_hard_zero_probabilities_finite():
    "Probabilities of exactly 0 and 1 (hard masks), empty targets: no NaN or inf anywhere."
    lab = torch.zeros(1, 2, 16, 16, dtype=torch.long); lab[:, 1, 4:8, 4:8] = 1
    probs = torch.zeros(1, 2, 2, 16, 16); probs[:, :, 0] = 1
    probs.requires_grad_()
    logits = torch.zeros(1, 2, 2, 16, 16, requires_grad=True)
    total, _ = vos_loss(logits, probs, lab, torch.ones(1, 1, dtype=torch.bool), LOSS_PRESETS['trick1'])
    total.backward()
    assert torch.isfinite(total) and torch.isfinite(probs.grad).all() and torch.isfinite(logits.grad).all()


def test_vos_loss_ignore_pixels_do_not_count():
    lab = labels_two_objects(B=1); valid = torch.ones(1, 2, dtype=torch.bool)
    logits, probs = random_output(1, 2, 2, 32, 32, requires_grad=False)
    lab2 = lab.clone(); lab2[:, :, :, :3] = IGNORE
    t0 = vos_loss(logits, probs, lab2, valid, LOSS_PRESETS['trick1'], progress=0.)[0]
    logits2, probs2 = logits.clone(), probs.clone()
    logits2[..., :3] = torch.randn(1, 2, 3, 32, 3); probs2[..., :3] = torch.rand(1, 2, 3, 32, 3)
    assert vos_loss(logits2, probs2, lab2, valid, LOSS_PRESETS['trick1'], progress=0.)[0].item() == pytest.approx(t0.item(), abs=1e-6)


def test_vos_loss_with_model_output():
    from trickvos.model import build_model
    torch.manual_seed(0)
    model = build_model('baseline')
    frames = torch.rand(2, 3, 3, 32, 48)
    first = torch.zeros(2, 2, 32, 48); first[:, 0, 8:20, 8:24] = 1; first[0, 1, 20:30, 30:44] = 1
    valid = torch.tensor([[True, True], [True, False]])
    logits, probs = model(frames, first, valid)
    lab = torch.zeros(2, 2, 32, 48, dtype=torch.long); lab[:, :, 8:20, 8:24] = 1; lab[0, :, 20:30, 30:44] = 2
    total, parts = vos_loss(logits, probs, lab, valid, LOSS_PRESETS['trick1'], progress=0.2)
    total.backward()
    assert math.isfinite(parts['loss']) and all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_vos_loss_bad_input():
    lab = labels_two_objects(); valid = torch.ones(2, 2, dtype=torch.bool)
    logits, probs = random_output(2, 2, 2, 32, 32, requires_grad=False)
    with pytest.raises(ValueError): vos_loss(logits, probs[:, :, :2], lab, valid)
    with pytest.raises(ValueError): vos_loss(logits, probs, lab[:, :1], valid)
    with pytest.raises(ValueError): vos_loss(logits, probs, lab, valid[:, :1])
    with pytest.raises(ValueError): vos_loss(logits[0], probs[0], lab[0], valid)
    bad = lab.clone(); bad[0, 0, 0, 0] = 3                       # no such object
    with pytest.raises(ValueError): vos_loss(logits, probs, bad, valid)
    with pytest.raises(ValueError):                             # labels name a padded object
        vos_loss(logits, probs, lab, torch.tensor([[True, False], [True, True]]))
