"Tests of trickvos.synthetic: the synthetic benchmark (DAVIS 2017 layout) and static-image clips."
import hashlib, json
from pathlib import Path
import cv2
import numpy as np
import pytest
from trickvos import synthetic as S, textures as T
from trickvos.data import load_davis, read_label_png

SMALL = dict(n_train=3, n_val=4, frames=12, size=(72, 128), progress=False)


def tree_hash(root):
    "sha256 over the relative paths and bytes of every file under `root`."
    h = hashlib.sha256()
    for p in sorted(Path(root).rglob('*')):
        if p.is_file(): h.update(p.relative_to(root).as_posix().encode()); h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope='module')
def bench(tmp_path_factory):
    return S.generate_benchmark(tmp_path_factory.mktemp('synth')/'bench', seed=0, **SMALL)


@pytest.fixture(scope='module')
def meta(bench):
    return json.loads((bench/'meta.json').read_text())


def lst(root, name, year=2017):
    return (Path(root)/'ImageSets'/str(year)/f'{name}.txt').read_text().split()


# ---------------------------------------------------------------- constants

def test_defaults():
    H, W = S.DEFAULT_SIZE
    assert H % 16 == 0 and W % 16 == 0 and 200 <= H <= 300 and 400 <= W <= 480
    assert S.DEFAULT_TRAIN >= 20 and 20 <= S.DEFAULT_VAL <= 30 and 24 <= S.DEFAULT_FRAMES <= 40
    assert set(S.TRAIN_FAMILIES).isdisjoint(S.VAL_ONLY_FAMILIES) and len(S.VAL_ONLY_FAMILIES) >= 2


# ---------------------------------------------------------------- determinism

def test_same_seed_same_bytes_different_seed_different(bench, tmp_path):
    again = S.generate_benchmark(tmp_path/'again', seed=0, **SMALL)
    other = S.generate_benchmark(tmp_path/'other', seed=1, **SMALL)
    assert tree_hash(again) == tree_hash(bench)
    assert tree_hash(other) != tree_hash(bench)


def test_parallel_workers_write_the_same_bytes(bench, tmp_path):
    assert tree_hash(S.generate_benchmark(tmp_path/'par', seed=0, workers=2, **SMALL)) == tree_hash(bench)


def test_benchmark_video_regenerates_one_video_alone(bench):
    v = S.benchmark_video('val', 2, seed=0, frames=12, size=(72, 128))
    got = load_davis(bench, 2017, 'val', sequences=['val-0002'])[0]
    assert (got.read_masks() == v.labels).all()
    assert np.abs(got.read_frames().astype(int) - v.frames).mean() < 15   # JPEG


def test_generate_video_is_deterministic():
    a, b = S.generate_video(10, (64, 96), seed=5), S.generate_video(10, (64, 96), seed=5)
    c = S.generate_video(10, (64, 96), seed=6)
    assert (a.frames == b.frames).all() and (a.labels == b.labels).all() and a.info == b.info
    assert not (a.frames == c.frames).all()


# ---------------------------------------------------------------- layout

def test_layout_is_davis_2017(bench):
    assert (bench/'JPEGImages'/'480p'/'train-0000'/'00000.jpg').is_file()
    assert (bench/'Annotations'/'480p'/'val-0003'/'00011.png').is_file()
    assert lst(bench, 'train') == ['train-0000', 'train-0001', 'train-0002']
    assert lst(bench, 'val') == [f'val-{i:04d}' for i in range(4)]
    assert sorted(lst(bench, 'val_seen') + lst(bench, 'val_unseen')) == lst(bench, 'val')
    assert lst(bench, 'val_seen') == ['val-0000', 'val-0002'] and lst(bench, 'val_unseen') == ['val-0001', 'val-0003']


def test_readable_by_load_davis_dense_ids_1_to_K(bench):
    for split, n in (('train', 3), ('val', 4)):
        videos = load_davis(bench, 2017, split)
        assert len(videos) == n
        for v in videos:
            assert len(v) == 12 and v.size == (72, 128) and len(v.annotated) == 12    # every frame annotated
            K = len(v.object_ids)
            assert 1 <= K <= 4 and v.object_ids == list(range(1, K + 1))
            masks = v.read_masks()
            assert masks.dtype == np.uint8 and set(np.unique(masks)) <= set(range(K + 1))
            assert v.frame(0).shape == (72, 128, 3)


def test_annotations_are_davis_palette_pngs(bench):
    from PIL import Image
    from trickvos.data import DAVIS_PALETTE
    im = Image.open(bench/'Annotations'/'480p'/'train-0000'/'00000.png')
    assert im.mode == 'P' and np.array_equal(np.array(im.getpalette()[:30]).reshape(10, 3), DAVIS_PALETTE[:10])


def test_first_frame_has_every_object_visibly(bench, meta):
    H, W = SMALL['size']
    for v in load_davis(bench, 2017, 'train') + load_davis(bench, 2017, 'val'):
        m = v.mask(0)
        facts = meta['videos'][v.name]['objects']
        assert [o['id'] for o in facts] == v.object_ids
        for o in facts:
            area = int((m == o['id']).sum())
            assert area >= max(16, 0.0015*H*W) and area == o['first_frame_area']


def test_davis_2016_lists_are_the_single_object_videos(bench, meta):
    for split in ('train', 'val'):
        single = [n for n, v in meta['videos'].items() if v['split'] == split and len(v['objects']) == 1]
        f = bench/'ImageSets'/'2016'/f'{split}.txt'
        assert (lst(bench, split, 2016) == single) if single else not f.exists()
        if single:
            for v in load_davis(bench, 2016, split): assert set(np.unique(v.mask(0))) == {0, 1}
    assert (bench/'ImageSets'/'2016'/'val.txt').exists() or (bench/'ImageSets'/'2016'/'train.txt').exists()


def test_meta_json(bench, meta):
    assert meta['params'] == dict(n_train=3, n_val=4, frames=12, size=[72, 128], seed=0, max_objects=4,
                                  distractors=True, texture_dir=None, speed=0.45, leave_prob=0.1, motion='davis')
    assert '480p' in meta['layout'] and meta['families']['val_only'] == list(S.VAL_ONLY_FAMILIES)
    assert list(meta['videos']) == lst(bench, 'train') + lst(bench, 'val')
    for name, v in meta['videos'].items():
        assert v['name'] == name and v['frames'] == 12 and v['size'] == [72, 128]
        for o in v['objects']:
            assert {'family', 'texture', 'shape', 'leaves_frame', 'out_of_frame', 'fully_occluded'} <= set(o)
            assert o['texture']['family'] == o['family']
        for d in v['distractors']: assert 1 <= d['imitates'] <= len(v['objects'])


# ---------------------------------------------------------------- seen / unseen

def test_unseen_videos_use_held_out_families(bench, meta):
    vids = meta['videos']
    for n in lst(bench, 'val_unseen'):
        assert vids[n]['unseen'] and any(o['family'] in S.VAL_ONLY_FAMILIES for o in vids[n]['objects'])
    for n in lst(bench, 'val_seen') + lst(bench, 'train'):
        assert not vids[n]['unseen'] and all(o['family'] in S.TRAIN_FAMILIES for o in vids[n]['objects'])
        assert all(d['family'] in S.TRAIN_FAMILIES for d in vids[n]['distractors'])


def test_train_never_sees_held_out_families():
    for s in range(15):
        v = S.generate_video(4, (64, 96), seed=s, split='train')
        assert all(o['family'] in S.TRAIN_FAMILIES for o in v.info['objects'])
        assert all(f in S.TRAIN_FAMILIES for f in v.info['background'])
    with pytest.raises(ValueError, match='unseen'): S.generate_video(4, (64, 96), split='train', unseen=True)


# ---------------------------------------------------------------- distractors, occlusion, leaving

def hs_score(v, o, t, where):
    "Mean first-frame hue-saturation classifier score of object `o` over the pixels `where` of frame `t`."
    def hs_bin(img):
        hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV).astype(np.int64)
        return hsv[..., 0]//6*16 + hsv[..., 1]//16
    b0, m0 = hs_bin(v.frames[0]), v.labels[0] == o
    h_obj, h_bg = (np.bincount(b0[m], minlength=480)/m.sum() for m in (m0, ~m0))
    return (h_obj/(h_obj + h_bg + 1e-9))[hs_bin(v.frames[t])][where].mean()


@pytest.mark.parametrize('motion', ['fast', 'davis'])
def test_distractors_unlabelled_and_same_appearance(motion):
    seen, drawn, hidden = 0, 0, 0
    for s in range(12):
        v = S.generate_video(24, (96, 160), seed=s, motion=motion)
        K = len(v.object_ids)
        assert (v.labels == np.where(v.instances <= K, v.instances, 0)).all()
        assert (v.labels[v.instances > K] == 0).all()
        for j, d in enumerate(v.info['distractors']):
            tgt = v.info['objects'][d['imitates'] - 1]
            assert d['family'] == tgt['family']
            twin = v.instances == K + 1 + j
            drawn, hidden = drawn + twin.any(), hidden + (not twin.any())
            t = d['closest_frame']
            if twin[t].sum() > 150 and (v.labels[t] == d['imitates']).sum() > 150:
                seen += 1                                   # same texture and colours: a colour model cannot tell
                assert hs_score(v, d['imitates'], t, twin[t]) > 0.4 > hs_score(v, d['imitates'], t, v.instances[t] == 0)
    assert seen >= 3
    # it is drawn somewhere in the video; with DAVIS-like (large, slow) objects a few hide behind a target throughout
    assert hidden == 0 if motion == 'fast' else hidden <= 0.25 * drawn


def test_distractors_switch_off():
    for s in range(5):
        v = S.generate_video(8, (64, 96), seed=s, distractors=False)
        assert v.info['distractors'] == [] and v.instances.max() <= len(v.object_ids)
    counts = [len(S.generate_video(4, (64, 96), seed=s, distractors=4).info['distractors']) for s in range(20)]
    assert max(counts) > 2 and min(counts) >= 0


def test_distractors_cross_near_their_target():
    ds = [d for s in range(12) for d in S.generate_video(24, (96, 160), seed=s).info['distractors']]
    assert len(ds) >= 5
    assert np.median([d['closest_distance'] for d in ds]) < 0.35*96


def test_labels_reflect_visibility_and_leaving():
    leavers = 0
    for s in range(12):
        v = S.generate_video(30, (96, 160), seed=s)
        for o in v.info['objects']:
            area = (v.labels == o['id']).sum((1, 2))
            assert (area[o['out_of_frame']] == 0).all() and (area[o['fully_occluded']] == 0).all()
            empty = set(np.flatnonzero(area == 0))
            assert empty == set(o['out_of_frame']) | set(o['fully_occluded'])
            if o['reenters']:
                leavers += 1
                assert area[0] > 0 and area[o['out_of_frame'][-1] + 1:].max() > 0
    assert leavers >= 2


def test_occlusion_front_sprite_wins():
    one = np.ones(1)
    shape = {**S.random_shape(np.random.default_rng(0), 'ellipse'), 'aspect': 1.0, 'a': np.zeros(3)}
    def disc(inst, label, cx, colour):
        return S.Sprite(inst, label, np.full((24, 24, 3), colour, np.uint8), {}, shape, 8.0, cx*one, 16*one, one,
                        0*one, one, one, 0*one)
    frame, inst = np.zeros((32, 48, 3), np.float32), np.zeros((32, 48), np.uint8)
    S.draw_sprite(frame, inst, disc(1, 1, 18, (255, 0, 0)), 0)
    S.draw_sprite(frame, inst, disc(2, 0, 26, (0, 255, 0)), 0)          # a distractor in front
    labels = S.labels_from_instances(inst, 1)
    assert labels[16, 12] == 1 and labels[16, 22] == 0 and labels[16, 30] == 0
    assert tuple(frame[16, 22]) == (0, 255, 0) and tuple(frame[16, 12]) == (255, 0, 0)


def test_object_counts_and_max_objects():
    ks = [len(S.generate_video(3, (64, 96), seed=s).object_ids) for s in range(40)]
    assert set(ks) == {1, 2, 3, 4}
    assert all(len(S.generate_video(3, (64, 96), seed=s, max_objects=1).object_ids) == 1 for s in range(5))
    assert all(len(S.generate_video(3, (96, 160), seed=s, min_objects=3, max_objects=3).object_ids) == 3 for s in range(5))


def test_speed_knob_makes_motion_faster():
    def motion(speed):
        m = []
        for s in range(6):
            v = S.generate_video(12, (96, 160), seed=s, speed=speed, distractors=False, leave_prob=0)
            c = [np.argwhere(l == 1).mean(0) for l in v.labels if (l == 1).any()]
            m.append(np.linalg.norm(np.diff(c, axis=0), axis=1).mean())
        return np.mean(m)
    assert motion(3.0) > 1.5*motion(1.0)


# ---------------------------------------------------------------- textures

def test_texture_families():
    rng = np.random.default_rng(0)
    for fam in T.FAMILIES:
        img, p = T.make_texture(fam, 30, 40, rng)
        assert img.shape == (30, 40, 3) and img.dtype == np.uint8 and p['family'] == fam and img.std() > 5
        json.dumps(p)
    with pytest.raises(ValueError, match='unknown texture family'): T.make_texture('plaid', 8, 8, rng)
    with pytest.raises(ValueError, match='texture_dir'): T.make_texture('photo', 8, 8, rng)


@pytest.fixture
def texture_dir(tmp_path):
    d = tmp_path/'tex'; d.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        cv2.imwrite(str(d/f'img{i}.png'), (rng.random((60 + 10*i, 90, 3))*255).astype(np.uint8))
    (d/'notes.txt').write_text('not an image')
    return d


def test_texture_dir_photos(texture_dir, tmp_path):
    T.load_texture_images.cache_clear()
    photos = T.load_texture_images(str(texture_dir))
    assert [n for n, _ in photos['photo']] == ['img0.png', 'img1.png', 'img2.png'] and photos['photo_heldout'][0][0] == 'img3.png'
    root = S.generate_benchmark(tmp_path/'b', n_train=6, n_val=6, frames=3, size=(64, 96), seed=0,
                                texture_dir=texture_dir, progress=False)
    meta = json.loads((root/'meta.json').read_text())
    fams = [o['family'] for v in meta['videos'].values() for o in v['objects']]
    bgs = [f for v in meta['videos'].values() for f in v['background']]
    assert 'photo' in fams + bgs
    for v in meta['videos'].values():
        if v['split'] == 'train' or not v['unseen']:
            assert all(o['family'] in (*S.TRAIN_FAMILIES, 'photo') for o in v['objects'])
    assert meta['params']['texture_dir'] == str(texture_dir)


def test_texture_dir_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='not a folder'): T.load_texture_images(str(tmp_path/'nope'))
    (tmp_path/'empty').mkdir()
    with pytest.raises(ValueError, match='no images'):
        S.generate_benchmark(tmp_path/'o', texture_dir=tmp_path/'empty', progress=False)
    assert not (tmp_path/'o').exists()                    # validated before anything is written


# ---------------------------------------------------------------- arguments

@pytest.mark.parametrize('kw, match', [
    (dict(size=(32, 128)), 'too small'), (dict(size=(64,)), r'\(H, W\)'), (dict(size='240x432'), r'\(H, W\)'),
    (dict(size=(64.0, 96)), 'integers'), (dict(frames=2), 'frames'), (dict(frames=3.5), 'frames'),
    (dict(n_train=0), 'n_train'), (dict(n_val=0), 'n_val'), (dict(n_train=True), 'n_train'),
    (dict(max_objects=0), 'max_objects'), (dict(max_objects=S.MAX_OBJECTS + 1), 'max_objects'),
    (dict(distractors=-1), 'distractors'), (dict(seed=-1), 'seed'), (dict(seed=1.5), 'seed'),
    (dict(speed=0), 'speed'), (dict(leave_prob=2), 'leave_prob'), (dict(workers=0), 'workers')])
def test_argument_validation(tmp_path, kw, match):
    with pytest.raises(ValueError, match=match):
        S.generate_benchmark(tmp_path/'x', **{**dict(n_train=1, n_val=1, frames=3, size=(64, 96), progress=False), **kw})
    assert not (tmp_path/'x').exists()


def test_generate_video_argument_validation():
    with pytest.raises(ValueError, match='split'): S.generate_video(3, (64, 96), split='test')
    with pytest.raises(ValueError, match='min_objects'): S.generate_video(3, (64, 96), min_objects=3, max_objects=2)
    with pytest.raises(ValueError, match='frames'): S.generate_video(0, (64, 96))
    assert len(S.generate_video(1, (64, 96))) == 1                 # a single frame is fine in memory


def test_refuses_non_empty_folder_unless_overwrite(tmp_path):
    kw = dict(n_train=2, n_val=1, frames=3, size=(64, 96), progress=False)
    out = tmp_path/'o'; out.mkdir(); (out/'keep.txt').write_text('mine')
    with pytest.raises(FileExistsError, match='overwrite=True'): S.generate_benchmark(out, **kw)
    assert sorted(p.name for p in out.iterdir()) == ['keep.txt']
    S.generate_benchmark(out, overwrite=True, **kw)
    assert (out/'JPEGImages'/'480p'/'train-0001').is_dir() and (out/'keep.txt').read_text() == 'mine'
    S.generate_benchmark(out, overwrite=True, **{**kw, 'n_train': 1})  # stale videos of the first run go
    assert not (out/'JPEGImages'/'480p'/'train-0001').exists() and lst(out, 'train') == ['train-0000']
    (tmp_path/'f').write_text('x')
    with pytest.raises(FileExistsError, match='not a folder'): S.generate_benchmark(tmp_path/'f', **kw)


def test_empty_existing_folder_is_fine_and_progress_bar(tmp_path, capsys):
    (tmp_path/'e').mkdir()
    out = S.generate_benchmark(tmp_path/'e', n_train=1, n_val=1, frames=3, size=(64, 96), progress=True)
    assert out == tmp_path/'e' and 'synthetic videos' in capsys.readouterr().err


# ---------------------------------------------------------------- single images

def test_synthetic_images():
    pairs = list(S.synthetic_images(3, size=(64, 96), seed=0))
    assert len(pairs) == 3
    for im, lab in pairs:
        assert im.shape == (64, 96, 3) and lab.shape == (64, 96) and set(np.unique(lab)) == {0, 1}
    assert (list(S.synthetic_images(1, size=(64, 96), seed=0))[0][0] == pairs[0][0]).all()
