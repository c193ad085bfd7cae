"Issue 16: outputs never overwrite a user's input or a dataset, resumes never mix data, and bad files get a one-line error."
import hashlib, json
from pathlib import Path
import numpy as np
import pytest
import torch
from trickvos.cli import main
from trickvos.data import VOSDataError, write_label_png
from trickvos.model import build_model, save_model, load_model, read_model_metadata
from vos_toy import make_davis, save_frames, toy_frames, toy_labels

torch.set_num_threads(1)


def snapshot(root):
    "{relative path: sha256} of every file under `root`."
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(root).rglob('*')) if p.is_file()}


@pytest.fixture(scope='module')
def ckpt(tmp_path_factory):
    torch.manual_seed(0)
    return save_model(build_model('baseline').eval(), tmp_path_factory.mktemp('m') / 'model.safetensors')


@pytest.fixture
def user(tmp_path):
    "A folder of PNG frames, its first mask, and a DAVIS dataset next to them."
    frames = tmp_path / 'frames'
    save_frames(frames, toy_frames(4), [f'{t:05d}' for t in range(4)])
    for p in frames.glob('*.jpg'): p.rename(p.with_suffix('.png'))
    write_label_png(tmp_path / 'first.png', toy_labels(4, 1)[0])
    return tmp_path, frames, make_davis(tmp_path / 'D')


def segment(ckpt, frames, mask, *extra):
    return main(['segment', '--checkpoint', str(ckpt), '--video', str(frames), '--mask', str(mask), '--device', 'cpu', *extra])


def test_segment_never_writes_over_inputs_or_datasets(ckpt, user, capsys):
    tmp, frames, davis = user
    before, ds_before = snapshot(frames), snapshot(davis)
    gt = davis / 'Annotations' / '480p' / 'bear' / '00001.png'
    for out, extra in [(frames, []),                                  # --out = the input frames folder
                       (frames / 'masks', []),                        # inside it
                       (davis, []),                                   # --out = a dataset root (was checked on its parent)
                       (tmp / 'o1', ['--overlay', str(gt)]),          # --overlay onto a ground-truth mask
                       (tmp / 'o2', ['--overlay', str(tmp / 'x.png')]),   # --overlay that is not a video
                       (tmp / 'o3', ['--overlay', str(frames / '00000.png')])]:
        assert segment(ckpt, frames, tmp / 'first.png', '--out', str(out), *extra) == 1
        assert 'error' in capsys.readouterr().err
    assert snapshot(frames) == before and snapshot(davis) == ds_before and not (tmp / 'x.png').exists()


def test_segment_out_not_empty_needs_overwrite(ckpt, user, capsys):
    tmp, frames, _ = user
    out = tmp / 'masks'; out.mkdir()
    for i in range(10): write_label_png(out / f'{i:05d}.png', np.zeros((2, 2), np.uint8))   # an earlier, longer video
    assert segment(ckpt, frames, tmp / 'first.png', '--out', str(out)) == 1
    assert 'not empty' in capsys.readouterr().err and len(list(out.glob('*.png'))) == 10
    assert segment(ckpt, frames, tmp / 'first.png', '--out', str(out), '--overwrite') == 0
    assert sorted(p.stem for p in out.glob('*.png')) == [f'{t:05d}' for t in range(4)]      # no stale masks left
    (tmp / 'afile').write_text('x')
    assert segment(ckpt, frames, tmp / 'first.png', '--out', str(tmp / 'afile')) == 1
    assert 'not a folder' in capsys.readouterr().err


def test_train_refuses_dataset_folders_and_other_data(user, tmp_path, capsys):
    _, _, davis = user
    before = snapshot(davis)
    base = ['train', '--data', str(davis), '--iters', '0', '1', '--batch-size', '2', '--no-progress', '--device', 'cpu']
    assert main(base + ['--out', str(davis / 'Annotations' / '480p' / 'run')]) == 1
    assert 'inside the dataset folder' in capsys.readouterr().err and snapshot(davis) == before
    other = make_davis(tmp_path / 'other', {'a': (4, 1), 'b': (4, 1)})
    run = tmp_path / 'run'
    from trickvos.training import train
    from trickvos.config import train_config
    from trickvos.runs import save_checkpoint
    cfg = train_config('baseline', 'lesson', static_iters=0, main_iters=1, batch_size=2, crop=(32, 32), max_objects=1)
    train(cfg, davis, run, progress=False)
    with pytest.raises(ValueError, match='other data'): train(cfg, other, run, resume=True, progress=False)
    (run / 'config.json').write_text('{not json')
    with pytest.raises(VOSDataError, match='config.json'): train(cfg, davis, run, resume=True, progress=False)


def test_train_tracker_refuses_dataset_folders(user, capsys):
    _, _, davis = user
    assert main(['train-tracker', '--data', str(davis), '--out', str(davis / 'JPEGImages' / 'pt'), '--steps', '1', '--quiet']) == 1
    assert 'inside the dataset folder' in capsys.readouterr().err and not (davis / 'JPEGImages' / 'pt').exists()


def test_synth_overwrite_only_replaces_a_synthetic_benchmark(user, capsys):
    _, _, davis = user
    before = snapshot(davis)
    assert main(['synth', '--out', str(davis), '--train', '1', '--val', '1', '--frames', '3', '--size', '64x96', '--overwrite']) == 1
    assert 'did not make' in capsys.readouterr().err and snapshot(davis) == before


def test_split_must_exist(user, capsys):
    _, _, davis = user
    (davis / 'ImageSets' / '2017').mkdir(parents=True)
    (davis / 'ImageSets' / '2017' / 'val.txt').write_text('bear\n')
    (davis.parent / 'r').mkdir()
    assert main(['score', '--results', str(davis.parent / 'r'), '--davis', str(davis), '--set', 'vall']) == 1
    assert "no split 'vall'" in capsys.readouterr().err


def test_bad_model_files_name_the_file(ckpt, tmp_path, capsys):
    bad = tmp_path / 'trunc.safetensors'
    bad.write_bytes(ckpt.read_bytes()[:1000])
    for f in (bad, tmp_path / 'random.safetensors'):
        if f.name.startswith('random'): f.write_bytes(np.random.default_rng(0).bytes(5000))
        with pytest.raises(ValueError, match=f.name): read_model_metadata(f)
    from trickvos.parametric_tracker import shipped_tracker_path
    with pytest.raises(ValueError, match='parametric_tracker'): load_model(shipped_tracker_path())
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match='CUDA is not available'): load_model(ckpt, 'cuda')


def test_frame_area_checked_against_memory(monkeypatch):
    import os
    from trickvos.inference import check_frame_memory
    monkeypatch.setattr(os, 'sysconf', lambda name: 1024 if name == 'SC_AVPHYS_PAGES' else 4096)   # 4 MiB free
    check_frame_memory((64, 96), 'cpu')                                       # 24 positions: fits
    with pytest.raises(ValueError, match=r'2160x3840 need about .* --short-side \d+'): check_frame_memory((2160, 3840), 'cpu')


def test_model_files_readable_like_any_file(tmp_path):
    import os
    old = os.umask(0o022)
    try: f = save_model(build_model('baseline'), tmp_path / 'm.safetensors')
    finally: os.umask(old)
    assert (f.stat().st_mode & 0o777) == 0o644                 # safetensors alone writes 0600


def test_lesson_scale_checkpoints_often():
    from trickvos.config import train_config
    cfg = train_config('baseline', 'lesson')
    assert cfg.ckpt_every <= cfg.total_iters // 5
