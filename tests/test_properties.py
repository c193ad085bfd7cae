"Property-based tests (hypothesis) of the readers and the output guards (issue 16); example counts kept small for CI."
import hashlib, os, shutil, tempfile
from pathlib import Path
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st
from trickvos.data import VOSDataError, _list_files, _read_sequence_list, check_sequence_name
from trickvos.inference import check_segment_outputs
from vos_toy import make_davis, save_frames, toy_frames

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def snapshot(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(root).rglob('*')) if p.is_file()}


@FAST
@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=12, unique=True), st.sampled_from(['', 'frame', 'img_', 'f-']))
def test_frames_sort_by_their_numbers(numbers, prefix):
    with tempfile.TemporaryDirectory() as d:
        for n in numbers: Path(d, f'{prefix}{n}.jpg').touch()
        assert [p.stem for p in _list_files(d, ('.jpg',))] == [f'{prefix}{n}' for n in sorted(numbers)]


@FAST
@given(st.text(alphabet='ab .-_/\\', min_size=0, max_size=8))
def test_a_sequence_name_never_leaves_its_folder(name):
    root = Path('/data/JPEGImages/480p')
    try: ok = check_sequence_name(name)
    except VOSDataError: return
    assert ok == name and (root / name).resolve().parent == root.resolve()


NAME = st.text(alphabet='abcXYZ019 _-', min_size=1, max_size=10).map(str.strip).filter(lambda s: s not in ('', '.', '..'))

@FAST
@given(st.lists(NAME, min_size=1, max_size=6), st.booleans(), st.sampled_from(['\n', '\r\n']))
def test_imagesets_lists_round_trip(names, bom, newline):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d, 'val.txt')
        p.write_bytes((('\ufeff' if bom else '') + newline.join(names) + newline).encode('utf-8'))
        assert _read_sequence_list(p) == list(dict.fromkeys(names))


@pytest.fixture(scope='module')
def place():
    "A dataset, a folder of input frames, and a video file, side by side in one folder."
    root = Path(tempfile.mkdtemp())
    make_davis(root / 'D')
    save_frames(root / 'frames', toy_frames(3), ['00000', '00001', '00002'])
    (root / 'clip.mp4').write_bytes(b'not really a video')
    yield root
    shutil.rmtree(root)

WHERE = st.sampled_from(['D', 'D/JPEGImages', 'D/Annotations/480p/bear', 'D/JPEGImages/480p/bear/x', 'frames', 'frames/masks',
                         'out', 'out/deeper', '.', 'D/..', 'frames/../out2'])

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(WHERE, st.one_of(st.none(), WHERE.map(lambda w: w + '/o.mp4'), WHERE.map(lambda w: w + '/o.png'),
                        st.just('frames/00000.jpg'), st.just('clip.mp4')), st.sampled_from(['frames', 'clip.mp4']), st.booleans())
def test_outputs_never_touch_a_dataset_or_the_input(place, out, overlay, video, overwrite):
    before = {k: snapshot(place / k) for k in ('D', 'frames')} | {'clip': hashlib.sha256((place / 'clip.mp4').read_bytes()).hexdigest()}
    try: o, ov = check_segment_outputs(place / video, place / out, None if overlay is None else place / overlay, overwrite)
    except VOSDataError: o = ov = None
    after = {k: snapshot(place / k) for k in ('D', 'frames')} | {'clip': hashlib.sha256((place / 'clip.mp4').read_bytes()).hexdigest()}
    assert after == before                                          # the guard itself changed nothing there
    for p in (o, ov):
        if p is None: continue
        assert (place / 'D').resolve() not in (p, *p.parents)      # nothing it allows lies inside the dataset ...
        if video == 'frames': assert (place / 'frames').resolve() not in (p, *p.parents)   # ... or among the input frames
        if video == 'clip.mp4': assert p != (place / 'clip.mp4').resolve()   # never over the input video


@pytest.fixture(scope='module')
def tiny_data():
    root = Path(tempfile.mkdtemp())
    yield make_davis(root / 'D', {'a': (6, 1), 'b': (6, 1)}, splits={'train': ['a', 'b']})
    shutil.rmtree(root)

@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(1, 9))
def test_a_kill_between_any_two_writes_resumes_to_the_same_model(tiny_data, kill_at):
    "Training killed at its `kill_at`-th file write, then resumed, ends with the uninterrupted run's model, bit for bit."
    from safetensors.torch import load_file
    from trickvos.training import train
    from trickvos.config import train_config
    cfg = train_config('baseline', 'lesson', static_iters=2, main_iters=3, batch_size=2, crop=(32, 32), max_objects=1,
                       log_every=1, ckpt_every=1)
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as d:
        train(cfg, tiny_data, Path(d) / 'whole', progress=False)
        real, n = os.replace, [0]
        def dying_replace(a, b):
            n[0] += 1
            if n[0] == kill_at: raise KeyboardInterrupt('killed')
            return real(a, b)
        os.replace = dying_replace
        try: train(cfg, tiny_data, Path(d) / 'cut', progress=False)
        except KeyboardInterrupt: pass
        finally: os.replace = real
        resume = (Path(d) / 'cut' / 'checkpoint.pt').exists()
        train(cfg, tiny_data, Path(d) / 'cut', resume=resume, progress=False)
        a, b = load_file(str(Path(d) / 'whole' / 'model.safetensors')), load_file(str(Path(d) / 'cut' / 'model.safetensors'))
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
