"trickvos.training: clip sampling, curriculum, config, learning rate, checkpoints, exact resume, gloo DDP, CLI."
import argparse, json, os, subprocess, sys, textwrap
import cv2
import numpy as np
import pytest
import torch
from trickvos.data import VOID, load_davis
from trickvos.synthetic import generate_benchmark
from trickvos.model import load_model, read_model_metadata
from trickvos.training import (static_clip, sample_frame_indices, max_skip_at, make_sample, collate_clips, StaticClips, VideoClips,
                               learning_rate, stage_of, train, read_log)
from trickvos.config import TrainConfig, train_config, SCALES, TRAIN_PRESETS
from trickvos.runs import save_checkpoint, load_checkpoint, CHECKPOINT
from trickvos.cli import build_parser
from trickvos.model import build_model

TINY = dict(static_iters=2, main_iters=3, batch_size=2, crop=(32, 32), log_every=1, ckpt_every=2, max_objects=2)


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    return generate_benchmark(tmp_path_factory.mktemp('d') / 'synth', n_train=3, n_val=1, frames=8, size=(64, 96),
                              seed=1, progress=False)


def test_sample_frame_indices_gaps_order_and_reversal():
    rng = np.random.default_rng(0)
    seen_rev = seen_fwd = False
    for _ in range(300):
        ix = sample_frame_indices(rng, list(range(0, 40, 2)), 5, 3)          # annotated every 2nd frame
        gaps = np.diff(ix)
        assert len(ix) == 5 and set(ix) <= set(range(0, 40, 2))
        assert (np.abs(gaps) >= 2).all() and (np.abs(gaps) <= 6).all() and (np.sign(gaps) == np.sign(gaps[0])).all()
        seen_rev |= gaps[0] < 0; seen_fwd |= gaps[0] > 0
    assert seen_rev and seen_fwd
    assert sorted(sample_frame_indices(rng, [3, 4, 5], 3, 10)) == [3, 4, 5]   # just enough frames
    with pytest.raises(ValueError, match='needs 5 annotated'): sample_frame_indices(rng, [0, 1, 2], 5, 2)


def test_max_skip_curriculum_is_stcns():
    assert [max_skip_at(p) for p in (0, 0.099, 0.1, 0.2, 0.3, 0.4, 0.89, 0.9, 1.0)] == [5, 5, 10, 15, 20, 25, 25, 5, 5]   # STCN's train.py
    with pytest.raises(ValueError): max_skip_at(0.5, (1, 2), (0.1, 0.2))


def test_make_sample_crops_renumbers_and_keeps_void():
    T, H, W = 3, 40, 50
    frames = np.random.default_rng(0).integers(0, 256, (T, H, W, 3), dtype=np.uint8)
    labels = np.zeros((T, H, W), np.uint8)
    labels[:, 5:25, 5:25] = 3; labels[:, 20:35, 30:45] = 7; labels[:, 0, :] = VOID
    for seed in range(20):
        s = make_sample(frames, labels, np.random.default_rng(seed), crop=(32, 32), max_objects=1, scale=(1, 1), jitter=0)
        K = s['first'].shape[0]
        assert s['frames'].shape == (T, 3, 32, 32) and s['labels'].shape == (T, 32, 32) and K == 1
        assert set(s['labels'].unique().tolist()) <= {0, 1, VOID}
        assert torch.equal(s['first'][0], (s['labels'][0] == 1).float()) and s['first'].sum() >= 16
        assert 0 <= s['frames'].min() and s['frames'].max() <= 1
    # no object anywhere -> None (the caller resamples)
    assert make_sample(frames, np.zeros_like(labels), np.random.default_rng(0), crop=(32, 32)) is None
    # a crop larger than the frame scales the clip up instead of failing
    s = make_sample(frames, labels, np.random.default_rng(0), crop=(64, 64), scale=(0.5, 0.5))
    assert s['frames'].shape[-2:] == (64, 64)


def test_collate_pads_objects_and_marks_them_invalid():
    a = dict(frames=torch.zeros(5, 3, 16, 16), labels=torch.zeros(5, 16, 16, dtype=torch.long), first=torch.ones(1, 16, 16))
    b = dict(a, first=torch.ones(3, 16, 16))
    batch = collate_clips([a, b])
    assert batch['first'].shape == (2, 3, 16, 16) and batch['valid'].tolist() == [[True, False, False], [True] * 3]
    assert batch['first'][0, 1:].abs().sum() == 0


def test_datasets_are_functions_of_the_index(data):
    videos = load_davis(data, split='train')
    ds = VideoClips(videos, 5, steps=4, samples_per_step=2, crop=(32, 32), skip_values=(1, 2, 3, 4, 5), skip_at=(0.1, 0.2, 0.3, 0.9))
    assert len(ds) == 8
    a, b = ds[5], ds[5]
    assert all(torch.equal(a[k], b[k]) for k in a) and not torch.equal(ds[4]['frames'], ds[5]['frames'])
    assert [ds.max_skip(s) for s in range(4)] == [1, 3, 4, 4]                # progress 0, .25, .5, .75
    st = StaticClips(videos, 3, steps=1, samples_per_step=2, crop=(32, 32))
    assert st[0]['frames'].shape == (3, 3, 32, 32) and not torch.equal(st[0]['frames'][0], st[0]['frames'][1])
    with pytest.raises(ValueError, match='annotated frames'): VideoClips(videos, 50, 1, 1)


def test_config_scales_presets_and_errors():
    ref, paper = train_config('baseline', 'reference'), train_config('trick1', 'paper')
    assert (paper.lr, paper.weight_decay, paper.batch_size, paper.main_iters, paper.clip_frames) == (1e-5, 1e-7, 16, 300_000, 5)
    assert paper.bn_frozen and not ref.bn_frozen and paper.loss.ssim == paper.loss.iou == 1
    assert ref.clip_frames == 5 and ref.static_frames == 3 and set(SCALES) == {'lesson', 'reference', 'showcase', 'showcase-gpu', 'paper'}
    assert set(TRAIN_PRESETS) >= {'baseline', 'stcn', 'stm', 'ssim', 'iou', 'trick1'}
    with pytest.raises(ValueError, match='multiples of 16'): TrainConfig(crop=(30, 32))
    show = train_config('trick12', 'showcase', model_from='m.safetensors')          # a new leg of a Trick 2 model
    assert show.cpu_amp and show.channels_last and show.eval_every > 0 and show.total_iters == 3400
    assert train_config('trick12', 'showcase-gpu', model_from='m').batch_size == 16
    with pytest.raises(ValueError, match='is Trick 2'): train_config('trick12', 'showcase')
    with pytest.raises(ValueError, match='unknown scale'): train_config('baseline', 'huge')
    with pytest.raises(ValueError, match='unknown training preset'): train_config('x')


def test_learning_rate_schedule():
    cfg = TrainConfig(static_iters=10, main_iters=100, lr=1.0, warmup=0.1, lr_drop_at=0.8)
    assert stage_of(cfg, 9) == (0, 9, 10) and stage_of(cfg, 10) == (2, 0, 100)
    lrs = [learning_rate(cfg, s) for s in range(cfg.total_iters)]
    assert lrs[0] == 1.0 and lrs[10] == pytest.approx(0.1) and lrs[19] == pytest.approx(1.0)   # warm-up restarts at stage 2
    assert lrs[10 + 50] == 1.0 and lrs[10 + 80] == pytest.approx(0.1) and lrs[-1] == pytest.approx(0.1)


def test_checkpoint_is_atomic_and_weights_only(tmp_path):
    m = build_model('baseline', key_dim=8)
    opt = torch.optim.Adam(m.parameters())
    m(torch.rand(1, 2, 3, 32, 32), torch.rand(1, 1, 32, 32))[0].mean().backward(); opt.step()
    save_checkpoint(tmp_path / CHECKPOINT, m, opt, 7, 1.5)
    assert not list(tmp_path.glob('*.tmp'))
    state = torch.load(tmp_path / CHECKPOINT, weights_only=True)          # must not need pickled code
    assert state['step'] == 7
    m2 = build_model('baseline', key_dim=8); opt2 = torch.optim.Adam(m2.parameters())
    assert load_checkpoint(tmp_path / CHECKPOINT, m2, opt2) == (7, 1.5)
    assert all(torch.equal(a, b) for a, b in zip(m.state_dict().values(), m2.state_dict().values()))
    assert torch.equal(opt2.state_dict()['state'][0]['exp_avg'], opt.state_dict()['state'][0]['exp_avg'])


def test_train_writes_a_complete_run_folder(data, tmp_path):
    cfg = TrainConfig(**TINY)
    run = train(cfg, data, tmp_path / 'run', progress=False)
    names = {p.name for p in run.iterdir()}
    assert {'config.json', 'log.csv', CHECKPOINT, 'model.safetensors', 'summary.json', 'loss.png'} <= names
    log = read_log(run)
    assert log['step'].tolist() == [1, 2, 3, 4, 5] and log['stage'].tolist() == [0, 0, 2, 2, 2]
    assert np.isfinite(log['loss']).all()
    meta = read_model_metadata(run)
    assert meta['step'] == 5 and meta['complete'] and meta['preset'] == 'baseline'
    assert load_model(run).config.key_dim == 32
    assert json.loads((run / 'config.json').read_text())['train']['crop'] == [32, 32]
    with pytest.raises(FileExistsError, match='already holds'): train(cfg, data, tmp_path / 'run', progress=False)
    with pytest.raises(ValueError, match='different config'):
        train(TrainConfig(**{**TINY, 'lr': 0.5}), data, tmp_path / 'run', resume=True, progress=False)


@pytest.mark.parametrize('native', [False, True])
def test_cpu_bf16_only_where_native(data, tmp_path, monkeypatch, native):
    "cpu_amp trains in bf16 only on a CPU with native bfloat16; elsewhere it warns, trains in float32, and says so."
    import warnings
    import trickvos.training as tr
    monkeypatch.setattr(tr, 'native_bf16', lambda: native)
    seen = []
    real = torch.autocast
    monkeypatch.setattr(torch, 'autocast', lambda *a, **kw: seen.append(kw.get('enabled')) or real(*a, **kw))
    cfg = TrainConfig(**{**TINY, 'cpu_amp': True})
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        run = train(cfg, data, tmp_path / 'run', progress=False)
    said = [str(x.message) for x in w if 'native bfloat16' in str(x.message)]
    assert json.loads((run / 'summary.json').read_text())['precision'] == ('bf16 autocast' if native else 'float32')
    assert bool(said) == (not native)                         # a warning where bf16 would be emulated
    assert (True in seen) == native                           # the forward passes ran under bf16 autocast, or not
    assert tr.autocast_on(TrainConfig(**TINY), torch.device('cpu')) is False           # no cpu_amp: never


def test_resume_equals_an_uninterrupted_run(data, tmp_path):
    cfg = TrainConfig(**{**TINY, 'ckpt_every': 1})
    a = train(cfg, data, tmp_path / 'a', progress=False)
    train(cfg, data, tmp_path / 'b', progress=False, stop_after=3)            # killed after step 3 (in stage 2)
    assert not (tmp_path / 'b' / 'summary.json').exists()
    b = train(cfg, data, tmp_path / 'b', progress=False, resume=True)
    sa, sb = (torch.load(r / CHECKPOINT, weights_only=True) for r in (a, b))
    assert sa['step'] == sb['step'] == 5
    assert all(torch.equal(sa['model'][k], sb['model'][k]) for k in sa['model'])
    assert read_log(b)['step'].tolist() == [1, 2, 3, 4, 5]
    assert np.array_equal(read_log(a)['loss'], read_log(b)['loss'])
    b2 = train(cfg, data, tmp_path / 'b', progress=False, resume=True)        # finished: nothing more to do
    assert torch.equal(torch.load(b2 / CHECKPOINT, weights_only=True)['model']['decoder.pred.weight'], sb['model']['decoder.pred.weight'])


def test_ddp_gloo_two_processes_match_one_process(data, tmp_path):
    "2 processes x batch 1 see the same samples as 1 process x batch 2; with BatchNorm frozen the first losses agree."
    script = tmp_path / 'ddp.py'
    script.write_text(textwrap.dedent(f'''
        import sys, torch
        from trickvos.training import train
        from trickvos.config import TrainConfig
        torch.set_num_threads(1)
        cfg = TrainConfig(static_iters=0, main_iters=2, batch_size=int(sys.argv[2]), crop=(32, 32), log_every=1,
                          ckpt_every=1, max_objects=1, freeze_bn=True)
        train(cfg, {str(data)!r}, sys.argv[1], progress=False)
    '''))
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    r = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2',
                        str(script), str(tmp_path / 'ddp'), '1'], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    env.pop('WORLD_SIZE', None)
    r = subprocess.run([sys.executable, str(script), str(tmp_path / 'one'), '2'], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads((tmp_path / 'ddp' / 'summary.json').read_text())['processes'] == 2
    ddp, one = read_log(tmp_path / 'ddp'), read_log(tmp_path / 'one')
    assert ddp['step'].tolist() == [1, 2]
    assert ddp['loss'][0] == pytest.approx(one['loss'][0], rel=1e-3)


def test_cli_parser(data, tmp_path):
    p = build_parser(['train'])
    args = p.parse_args(['train', '--data', str(data), '--out', str(tmp_path / 'r'), '--iters', '1', '1',
                         '--batch-size', '1', '--no-progress'])
    assert args.scale == 'lesson' and args.preset == 'baseline'
    assert args.func(args) == 0 and read_log(tmp_path / 'r')['step'].tolist()[-1] == 2
    with pytest.raises(SystemExit): p.parse_args(['train', '--data', 'x', '--out', 'y', '--scale', 'huge'])


def test_shipped_reference_baseline_was_trained_at_the_reference_scale():
    from trickvos.model import shipped_info
    rec, ref = shipped_info('baseline-reference'), train_config('baseline', 'reference')
    keys = ('static_iters', 'main_iters', 'batch_size', 'lr', 'detach_memory', 'grad_clip', 'clip_frames', 'seed')
    assert {k: rec['config'][k] for k in keys} == {k: getattr(ref, k) for k in keys}
    assert tuple(rec['config']['crop']) == ref.crop and rec['training']['steps'] == ref.total_iters


# stage 0: one image, deformed (static_clip)
def _solid_object():
    img, msk = np.zeros((80, 120, 3), np.uint8), np.zeros((80, 120), np.uint8)
    cv2.ellipse(msk, (60, 40), (30, 18), 20, 0, 360, 1, -1)
    cv2.rectangle(msk, (5, 5), (20, 30), 2, -1)
    img[msk == 1], img[msk == 2] = (255, 0, 0), (0, 0, 255)
    return img, msk


def test_static_clip_shapes_and_consistency():
    img, msk = _solid_object()
    fr, ms = static_clip(img, msk, n_frames=3, seed=0)
    assert fr.shape == (3, 80, 120, 3) and ms.shape == (3, 80, 120) and fr.dtype == ms.dtype == np.uint8
    assert set(np.unique(ms)) <= {0, 1, 2}                              # nearest: labels stay labels
    for f, m in zip(fr, ms):
        red = (f[..., 0] > 127) & (f[..., 2] < 128)
        blue = (f[..., 2] > 127) & (f[..., 0] < 128)
        assert ((m == 1) != red).mean() < 0.01 and ((m == 2) != blue).mean() < 0.01
        assert not (m == msk).all()                                    # really deformed
    assert not (ms[0] == ms[1]).all()                                  # each frame its own deformation


def test_static_clip_seed_rng_and_zero_deformation():
    img, msk = _solid_object()
    a, b = static_clip(img, msk, seed=3), static_clip(img, msk, seed=3)
    assert (a[0] == b[0]).all() and (a[1] == b[1]).all()
    c = static_clip(img, msk, rng=np.random.default_rng(3))
    assert (c[1] == a[1]).all()
    fr, ms = static_clip(img, msk, 2, seed=0, max_rotation=0, max_shear=0, scale=(1, 1), max_translate=0, elastic=0)
    assert (fr == img).all() and (ms == msk).all()                      # the identity map is exact


def test_static_clip_errors():
    img, msk = _solid_object()
    with pytest.raises(ValueError, match='image'): static_clip(img[..., 0], msk)
    with pytest.raises(ValueError, match='mask shape'): static_clip(img, msk[1:])
    with pytest.raises(ValueError, match='n_frames'): static_clip(img, msk, n_frames=0)


def test_composed_config_sets_the_network_and_reads_back(data, tmp_path, capsys):
    "Model and loss fields set with `trickvos train --set` reach the trained network; config.json reads back as the config."
    from trickvos.cli import main
    from trickvos.config import read_run_config, config_diff
    run = tmp_path / 'run'
    args = ['train', '--data', str(data), '--out', str(run), '--iters', '1', '2', '--batch-size', '2', '--device', 'cpu',
            '--no-progress', '--set', 'crop=[32, 32]', '--set', 'max_objects=2', '--set', 'loss.iou=0.5']
    assert main(args + ['--set', 'model.key_dim=16']) == 0
    cfg = read_run_config(run)
    assert cfg == train_config('baseline', static_iters=1, main_iters=2, batch_size=2, crop=(32, 32), max_objects=2,
                               model=dict(key_dim=16), loss=dict(iou=0.5))
    assert load_model(run).config == cfg.model and cfg.model.key_dim == 16 != TRAIN_PRESETS['baseline'].model.key_dim
    with pytest.raises(ValueError, match=r"\['model.key_dim'\] changed"):          # resuming with another network
        train(train_config(**{**cfg.__dict__, 'model': dict(key_dim=8)}), data, run, resume=True, progress=False)
    # a run folder written before configs held their network and loss (flat) reads as its preset's, and resumes
    plain = train(TrainConfig(**TINY), data, tmp_path / 'plain', progress=False)
    saved = json.loads((plain / 'config.json').read_text())
    saved['train'] = {k: v for k, v in saved['train'].items() if k not in ('model', 'loss', 'donor')}
    (plain / 'config.json').write_text(json.dumps(saved))
    assert read_run_config(plain) == TrainConfig(**TINY) and config_diff(saved['train'], TrainConfig(**TINY)) == set()
    train(TrainConfig(**TINY), data, plain, resume=True, progress=False)
    for bad, msg in ((['--set', 'model.keydim=16'], "model has no field 'keydim'"), (['--set', 'lr'], 'FIELD=VALUE')):
        assert main(args[:4] + [str(tmp_path / 'x')] + args[5:] + bad) != 0 and msg in capsys.readouterr().err
    assert not (tmp_path / 'x').exists()                                                 # refused before any folder
