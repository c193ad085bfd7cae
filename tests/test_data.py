"Unit tests for trickvos.data: palette, label PNGs, DAVIS 2016/2017 and YouTube-VOS readers, prediction writer."
import json, os
from pathlib import Path
import numpy as np
import pytest
from PIL import Image
from trickvos.data import (DAVIS_PALETTE, VOID, VOSDataError, Video, davis_palette, load_davis, load_youtube_vos,
                           overlay_mask, read_label_png, show_frames, show_video, write_label_png, write_predictions)
from vos_toy import H, W, make_davis, make_youtube, toy_labels

def snapshot(root):
    "Every file under root with its size and mtime: a dataset folder must not change when read."
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in Path(root).rglob('*')}

# --- palette -----------------------------------------------------------------------------------------------

def test_palette_known_entries():
    known = {0: (0, 0, 0), 1: (128, 0, 0), 2: (0, 128, 0), 3: (128, 128, 0), 4: (0, 0, 128), 5: (128, 0, 128),
             6: (0, 128, 128), 7: (128, 128, 128), 8: (64, 0, 0), 9: (192, 0, 0), 255: (224, 224, 192)}
    for k, c in known.items(): assert tuple(DAVIS_PALETTE[k]) == c, k
    assert DAVIS_PALETTE.dtype == np.uint8 and DAVIS_PALETTE.shape == (256, 3)
    assert len({tuple(c) for c in DAVIS_PALETTE}) == 256  # every label has its own colour
    assert (davis_palette(8) == DAVIS_PALETTE[:8]).all()

# --- label PNGs --------------------------------------------------------------------------------------------

def test_write_read_round_trip(tmp_path):
    lab = np.random.default_rng(0).integers(0, 256, (7, 9), dtype=np.uint8)
    p = write_label_png(tmp_path/'x'/'y'/'00000.png', lab)
    assert p.is_file()
    im = Image.open(p)
    assert im.mode == 'P' and np.array(im.getpalette()[:768], np.uint8).reshape(256, 3).tolist() == DAVIS_PALETTE.tolist()
    assert (read_label_png(p) == lab).all() and read_label_png(p).dtype == np.uint8

def test_write_accepts_integer_and_bool_arrays(tmp_path):
    write_label_png(tmp_path/'a.png', np.array([[0, 3], [255, 1]], np.int64))
    assert read_label_png(tmp_path/'a.png').tolist() == [[0, 3], [255, 1]]
    write_label_png(tmp_path/'b.png', np.array([[True, False]]))
    assert read_label_png(tmp_path/'b.png').tolist() == [[1, 0]]

@pytest.mark.parametrize('bad', [np.zeros((2, 2, 3), np.uint8), np.zeros(4, np.uint8), np.full((2, 2), 0.5),
                                 np.full((2, 2), 256), np.full((2, 2), -1)])
def test_write_rejects_bad_labels(tmp_path, bad):
    with pytest.raises(ValueError, match='bad.png'): write_label_png(tmp_path/'bad.png', bad)
    assert not (tmp_path/'bad.png').exists()

def test_read_davis2016_grayscale(tmp_path):
    Image.fromarray(np.array([[0, 255], [255, 0]], np.uint8)).save(tmp_path/'m.png')
    assert read_label_png(tmp_path/'m.png').tolist() == [[0, 1], [1, 0]]
    Image.fromarray(np.array([[0, 255], [255, 0]], np.uint8)).convert('1').save(tmp_path/'b.png')
    assert read_label_png(tmp_path/'b.png').tolist() == [[0, 1], [1, 0]]

def test_read_binary_modes(tmp_path):
    write_label_png(tmp_path/'p.png', np.array([[0, 2, 5, 255]], np.uint8))
    assert read_label_png(tmp_path/'p.png', binary=True).tolist() == [[0, 1, 1, 255]]  # objects -> 1, void stays
    Image.fromarray(np.array([[0, 1, 2]], np.uint8)).save(tmp_path/'g.png')  # a grayscale *label map*
    assert read_label_png(tmp_path/'g.png', binary=False).tolist() == [[0, 1, 2]]

def test_read_rejects_gray_values_outside_0_255(tmp_path):
    Image.fromarray(np.array([[0, 128, 255]], np.uint8)).save(tmp_path/'soft.png')
    with pytest.raises(VOSDataError, match=r'soft\.png.*\[128, 255\].*0/255'): read_label_png(tmp_path/'soft.png')
    Image.fromarray(np.array([[0, 1], [1, 0]], np.uint8)).save(tmp_path/'01.png')          # 0/1 grayscale: accepted
    assert read_label_png(tmp_path/'01.png').tolist() == [[0, 1], [1, 0]]
    Image.fromarray(np.array([[0, 1], [255, 0]], np.uint8)).save(tmp_path/'mixed.png')     # 1 and 255: ambiguous
    with pytest.raises(VOSDataError, match=r'mixed\.png'): read_label_png(tmp_path/'mixed.png')

@pytest.mark.parametrize('mode', ['RGB', 'RGBA', 'I;16'])
def test_read_rejects_non_label_modes(tmp_path, mode):
    Image.new(mode, (3, 2)).save(tmp_path/'c.png')
    with pytest.raises(VOSDataError, match=rf"c\.png.*'{mode}' image"): read_label_png(tmp_path/'c.png')

def test_read_missing_and_unreadable(tmp_path):
    with pytest.raises(VOSDataError, match=r'nope\.png: file not found'): read_label_png(tmp_path/'nope.png')
    (tmp_path/'junk.png').write_bytes(b'not a png at all')
    with pytest.raises(VOSDataError, match=r'junk\.png: unreadable image'): read_label_png(tmp_path/'junk.png')
    png = tmp_path/'cut.png'; write_label_png(png, toy_labels(1)[0])
    png.write_bytes(png.read_bytes()[:60])  # truncated file
    with pytest.raises(VOSDataError, match=r'cut\.png: unreadable image'): read_label_png(png)
    assert issubclass(VOSDataError, ValueError)

# --- DAVIS -------------------------------------------------------------------------------------------------

def test_load_davis2017(tmp_path):
    root = make_davis(tmp_path/'DAVIS', splits={'train': ['camel'], 'val': ['bear']})
    before = snapshot(root)
    (v,) = load_davis(root, split='val')
    assert v.name == 'bear' and len(v) == 5 and v.size == (H, W) and v.annotated == [0, 1, 2, 3, 4]
    assert [p.name for p in v.frame_paths] == [f'0000{t}.jpg' for t in range(5)] and v.frame_names[0] == '00000'
    assert v.object_ids == [1, 2] and v.object_first_frame == {1: 0, 2: 0}
    f = v.frame(2)
    assert f.shape == (H, W, 3) and f.dtype == np.uint8 and f.flags.writeable
    assert (v.mask(3) == toy_labels(5)[3]).all() and (v.first_mask() == toy_labels(5)[0]).all()
    assert v.read_frames().shape == (5, H, W, 3) and (v.read_masks() == toy_labels(5)).all()
    assert v.mask(-1).shape == (H, W)
    assert [x.name for x in load_davis(root, split='train')] == ['camel']
    assert snapshot(root) == before  # reading never writes into the dataset

def test_load_davis_lists_order_and_custom_split(tmp_path):
    root = make_davis(tmp_path, {'a': (3, 1), 'b': (3, 1), 'c': (3, 1)}, splits={'val_unseen': ['c', 'a']})
    assert [v.name for v in load_davis(root, split='val_unseen')] == ['c', 'a']
    with pytest.raises(VOSDataError, match="no split 'val_seen'.*the splits here: 2017/val_unseen"):   # misspelt or absent split
        load_davis(root, split='val_seen')
    import shutil; shutil.rmtree(root/'ImageSets')
    assert [v.name for v in load_davis(root, split='val_seen')] == ['a', 'b', 'c']  # no ImageSets at all: every folder
    root = make_davis(tmp_path/'again', {'a': (3, 1), 'b': (3, 1), 'c': (3, 1)}, splits={'val_unseen': ['c', 'a']})
    assert [v.name for v in load_davis(root, sequences=['b'])] == ['b']
    assert [v.name for v in load_davis(root, year='2017', split='val_unseen')] == ['c', 'a']  # year as text

def test_load_davis_zip_parent_and_2016_line_format(tmp_path):
    root = make_davis(tmp_path/'DAVIS', {'bear': (3, 1), 'dog': (3, 1)}, year=2016)
    (root/'ImageSets'/'480p').mkdir(parents=True)
    (root/'ImageSets'/'480p'/'val.txt').write_text(
        ''.join(f'/JPEGImages/480p/dog/0000{t}.jpg /Annotations/480p/dog/0000{t}.png\n' for t in range(3)))
    (v,) = load_davis(tmp_path, year=2016)  # the folder the zip unpacks into, and DAVIS 2016's own list format
    assert v.name == 'dog' and v.object_ids == [1] and set(np.unique(v.read_masks())) == {0, 1}

def test_davis2016_binarises_multi_object_masks(tmp_path):
    root = make_davis(tmp_path, {'bear': (4, 3)}, splits={'val': ['bear']})
    (v16,), (v17,) = load_davis(root, year=2016, sequences=['bear']), load_davis(root, year=2017)
    assert v17.object_ids == [1, 2, 3] and v16.object_ids == [1]
    assert ((v16.mask(1) == 1) == (v17.mask(1) > 0)).all()

def test_void_is_kept(tmp_path):
    root = make_davis(tmp_path, {'s': (3, 1)})
    lab = toy_labels(3, 1)[1]; lab[0, :4] = VOID
    write_label_png(root/'Annotations/480p/s/00001.png', lab)
    (v,) = load_davis(root)
    assert v.object_ids == [1] and (v.mask(1)[0, :4] == VOID).all()
    assert v.void(1).sum() == 4 and v.void(0).sum() == 0

def test_first_frame_only_annotation(tmp_path):
    root = make_davis(tmp_path, {'s': (4, 2)})
    for t in (1, 2, 3): (root/f'Annotations/480p/s/0000{t}.png').unlink()
    (v,) = load_davis(root)
    assert v.annotated == [0] and v.mask(1) is None and v.void(2) is None and v.object_ids == [1, 2]
    with pytest.raises(VOSDataError, match="annotations for 1 of 4 frames"): v.read_masks()

def test_lazy_loading(tmp_path, monkeypatch):
    root = make_davis(tmp_path, {'s': (4, 1)})
    (root/'JPEGImages/480p/s/00002.jpg').write_bytes(b'garbage')
    import trickvos.data as data
    opened = []
    real_open = data.Image.open
    monkeypatch.setattr(data.Image, 'open', lambda *a, **k: opened.append(a[0]) or real_open(*a, **k))
    (v,) = load_davis(root)
    assert opened == []  # construction reads no image
    v.frame(1)
    assert len(opened) == 2  # the first frame's header (size) and frame 1
    with pytest.raises(VOSDataError, match=r'00002\.jpg: unreadable image'): v.frame(2)

# --- DAVIS: bad input --------------------------------------------------------------------------------------

def test_missing_sequence_names_the_list(tmp_path):
    root = make_davis(tmp_path, {'a': (3, 1)}, splits={'val': ['a', 'ghost']})
    with pytest.raises(VOSDataError, match=r"ghost.*'ghost' listed in .*val\.txt has no frame folder"): load_davis(root)

def test_count_mismatch(tmp_path):
    root = make_davis(tmp_path, {'s': (5, 1)})
    (root/'Annotations/480p/s/00003.png').unlink()
    with pytest.raises(VOSDataError, match=r'Annotations/480p/s: 4 annotations for 5 frames'): load_davis(root)

def test_annotation_without_frame(tmp_path):
    root = make_davis(tmp_path, {'s': (3, 1)})
    (root/'JPEGImages/480p/s/00002.jpg').rename(root/'JPEGImages/480p/s/00007.jpg')
    with pytest.raises(VOSDataError, match=r'00002\.png: annotation has no frame 00002\.\* in .*JPEGImages/480p/s'): load_davis(root)

def test_mask_size_differs_from_frame(tmp_path):
    root = make_davis(tmp_path, {'s': (3, 1)})
    write_label_png(root/'Annotations/480p/s/00001.png', np.zeros((H, W + 1), np.uint8))
    (v,) = load_davis(root)
    with pytest.raises(VOSDataError, match=rf'00001\.png: mask size \({H}, {W + 1}\) differs'): v.mask(1)

def test_frame_size_differs(tmp_path):
    root = make_davis(tmp_path, {'s': (3, 1)})
    Image.new('RGB', (W, H + 2)).save(root/'JPEGImages/480p/s/00002.jpg')
    (v,) = load_davis(root)
    with pytest.raises(VOSDataError, match=r'00002\.jpg: frame size'): v.frame(2)

def test_invalid_labels(tmp_path):
    root = make_davis(tmp_path, {'s': (3, 2)})
    lab = toy_labels(3, 2)[2]; lab[0, 0] = 7
    write_label_png(root/'Annotations/480p/s/00002.png', lab)
    (v,) = load_davis(root)
    with pytest.raises(VOSDataError, match=r"00002\.png: mask has labels \[7\] that are not objects of video 's' \[1, 2\]"):
        v.read_masks()

def test_rgb_mask_in_dataset(tmp_path):
    root = make_davis(tmp_path, {'s': (3, 1)})
    Image.new('RGB', (W, H)).save(root/'Annotations/480p/s/00001.png')
    (v,) = load_davis(root)
    with pytest.raises(VOSDataError, match=r"00001\.png: mask is a 'RGB' image"): v.mask(1)

def test_empty_first_mask(tmp_path):
    root = make_davis(tmp_path, {'s': (3, 1)})
    write_label_png(root/'Annotations/480p/s/00000.png', np.zeros((H, W), np.uint8))
    (v,) = load_davis(root)
    for f in (lambda: v.object_ids, v.first_mask, lambda: v.mask(0)):
        with pytest.raises(VOSDataError, match=r'00000\.png: first-frame mask is empty'): f()

@pytest.mark.parametrize('n', [1, 2])
def test_too_short_video(tmp_path, n):
    root = make_davis(tmp_path, {'s': (n, 1)})
    with pytest.raises(VOSDataError, match=rf"JPEGImages/480p/s: video 's' has {n} frame\(s\); at least 3 needed"): load_davis(root)
    assert len(load_davis(root, min_frames=1)[0]) == n

def test_frame_removed_after_loading(tmp_path):
    root = make_davis(tmp_path, {'s': (3, 1)})
    (v,) = load_davis(root)
    (root/'JPEGImages/480p/s/00001.jpg').unlink()
    with pytest.raises(VOSDataError, match=r'00001\.jpg: file not found'): v.frame(1)

def test_not_a_dataset(tmp_path):
    with pytest.raises(VOSDataError, match='no JPEGImages'): load_davis(tmp_path)
    make_davis(tmp_path, {'s': (3, 1)})
    with pytest.raises(VOSDataError, match=r"1080p: no frames at resolution '1080p'"): load_davis(tmp_path, resolution='1080p')
    (tmp_path/'ImageSets/2017').mkdir(parents=True); (tmp_path/'ImageSets/2017/val.txt').write_text('\n')
    with pytest.raises(VOSDataError, match=r'val\.txt: no sequences found'): load_davis(tmp_path)

def test_video_direct_construction(tmp_path):
    root = make_davis(tmp_path, {'s': (4, 1)})
    frames = sorted((root/'JPEGImages/480p/s').iterdir())
    v = Video('s', frames, [root/'Annotations/480p/s/00000.png', None, None, None])
    assert v.annotated == [0] and v.object_ids == [1]
    with pytest.raises(VOSDataError, match='no annotated frame'): Video('s', frames, {})
    with pytest.raises(VOSDataError, match=r'missing\.jpg: frame file not found'): Video('s', frames + [tmp_path/'missing.jpg'], [frames[0]])

def test_numeric_frame_order(tmp_path):
    d = tmp_path/'v'; d.mkdir()
    for t in (10, 5, 0, 100): Image.new('RGB', (4, 3)).save(d/f'{t}.jpg')
    from trickvos.data import _list_files
    assert [p.stem for p in _list_files(d, ('.jpg',))] == ['0', '5', '10', '100']

# --- YouTube-VOS -------------------------------------------------------------------------------------------

def test_load_youtube_vos_sparse(tmp_path):
    root = make_youtube(tmp_path/'ytvos')
    before = snapshot(root)
    a, b = load_youtube_vos(root, 'valid')
    assert (a.name, len(a), b.name, len(b)) == ('vid_a', 6, 'vid_b', 4)
    assert a.frame_names == ['00000', '00005', '00010', '00015', '00020', '00025']
    assert a.annotated == [0, 2] and a.object_ids == [1, 2] and a.object_first_frame == {1: 0, 2: 2}
    assert a.mask(1) is None and set(np.unique(a.mask(2))) == {0, 2} and set(np.unique(a.first_mask())) == {0, 1}
    with pytest.raises(VOSDataError, match='annotations for 2 of 6 frames'): a.read_masks()
    assert b.object_ids == [1] and b.annotated == [0]
    assert [v.name for v in load_youtube_vos(root/'valid', videos=['vid_b'])] == ['vid_b']  # the split folder itself
    assert snapshot(root) == before

def test_youtube_vos_without_meta_reads_objects_from_annotations(tmp_path):
    root = make_youtube(tmp_path)
    (root/'valid/meta.json').unlink()
    a = load_youtube_vos(root)[0]
    assert a.object_ids == [1, 2] and a.object_first_frame == {1: 0, 2: 2}

def test_youtube_vos_label_not_in_meta(tmp_path):
    root = make_youtube(tmp_path)
    meta = json.loads((root/'valid/meta.json').read_text()); del meta['videos']['vid_a']['objects']['2']
    (root/'valid/meta.json').write_text(json.dumps(meta))
    a = load_youtube_vos(root)[0]
    assert a.object_ids == [1]
    with pytest.raises(VOSDataError, match=r'00010\.png: mask has labels \[2\]'): a.mask(2)

def test_youtube_vos_bad_meta_entry(tmp_path):
    root = make_youtube(tmp_path)
    meta = json.loads((root/'valid/meta.json').read_text()); meta['videos']['vid_b'] = {'objects': {'one': {}}}
    (root/'valid/meta.json').write_text(json.dumps(meta))
    with pytest.raises(VOSDataError, match=r'meta\.json: bad "objects" entry for video \'vid_b\''): load_youtube_vos(root)
    meta['videos']['vid_b'] = {'objects': {'1': {'category': 'thing'}}}  # no frames listed: read them from the masks
    (root/'valid/meta.json').write_text(json.dumps(meta))
    b = load_youtube_vos(root)[1]
    assert b.object_ids == [1] and b.object_first_frame == {1: 0}

def test_youtube_vos_bad_folders(tmp_path):
    with pytest.raises(VOSDataError, match='not a YouTube-VOS folder'): load_youtube_vos(tmp_path)
    root = make_youtube(tmp_path)
    (root/'valid/meta.json').write_text('{"no videos": 1}')
    with pytest.raises(VOSDataError, match=r'meta\.json: not a YouTube-VOS meta\.json'): load_youtube_vos(root)

# --- predictions -------------------------------------------------------------------------------------------

def test_write_predictions(tmp_path):
    root = make_davis(tmp_path/'DAVIS', {'s': (4, 2)})
    (v,) = load_davis(root)
    out = write_predictions(tmp_path/'results', v.name, v.read_masks(), frame_names=v.frame_names)
    assert out == tmp_path/'results'/'s' and sorted(p.name for p in out.iterdir()) == [f'0000{t}.png' for t in range(4)]
    assert (np.stack([read_label_png(p) for p in sorted(out.iterdir())]) == v.read_masks()).all()
    assert Image.open(out/'00000.png').mode == 'P'
    out2 = write_predictions(tmp_path/'r2', 'x', list(toy_labels(3)), frame_names=[Path('a/00005.jpg'), 'b', 'c'])
    assert sorted(p.name for p in out2.iterdir()) == ['00005.png', 'b.png', 'c.png']
    with pytest.raises(ValueError, match='3 label maps but 2 frame names'): write_predictions(tmp_path/'r3', 'x', toy_labels(3), ['a', 'b'])

def test_write_predictions_refuses_dataset_folders(tmp_path):
    root = make_davis(tmp_path/'DAVIS', {'s': (3, 1)})
    before = snapshot(root)
    for out in (root, root/'Results', root/'Annotations'/'480p'):
        with pytest.raises(VOSDataError, match='refusing to write predictions inside the dataset folder'):
            write_predictions(out, 's', toy_labels(3, 1))
    ytv = make_youtube(tmp_path/'yt')
    with pytest.raises(VOSDataError, match='refusing'): write_predictions(ytv/'valid'/'preds', 'vid_a', toy_labels(3))
    assert snapshot(root) == before and not (root/'Results').exists()

# --- drawing -----------------------------------------------------------------------------------------------

def test_overlay_mask_known_values():
    frame = np.full((2, 2, 3), 100, np.uint8)
    lab = np.array([[0, 1], [2, 0]], np.uint8)
    out = overlay_mask(frame, lab, alpha=0.5)
    assert out.dtype == np.uint8 and out[0, 0].tolist() == [100, 100, 100]
    assert out[0, 1].tolist() == [114, 50, 50] and out[1, 0].tolist() == [50, 114, 50]
    assert (overlay_mask(frame, lab, alpha=1.0)[0, 1] == DAVIS_PALETTE[1]).all()
    with pytest.raises(ValueError, match='do not fit the frame'): overlay_mask(frame, np.zeros((3, 2), np.uint8))
    with pytest.raises(ValueError, match='need integer'): overlay_mask(frame, np.zeros((2, 2)))

def test_show_frames_and_video(tmp_path):
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    (v,) = load_davis(make_davis(tmp_path, {'s': (5, 2)}))
    fig = show_video(v, n=3, ncols=2)
    assert [ax.get_title() for ax in fig.axes if ax.images] == ['s 00000', 's 00002', 's 00004']
    assert len(fig.axes) == 4
    fig2 = show_frames([v.frame(0)], titles=['x'])
    assert (fig2.axes[0].images[0].get_array() == v.frame(0)).all()
    plt.close('all')


# --- issue 16: names, orders and splits that once went wrong silently ---

def test_frames_in_natural_order(tmp_path):
    "ffmpeg's frame%d.jpg: frame2 comes before frame10 (it was read 1, 10, 11, 2, ...)."
    from trickvos.data import _list_files
    for i in (1, 2, 10, 11, 3): (tmp_path/f'frame{i}.jpg').touch()
    (tmp_path/'00005.jpg').touch(); (tmp_path/'00010.jpg').touch()
    assert [p.stem for p in _list_files(tmp_path, ('.jpg',))] == ['00005', '00010', 'frame1', 'frame2', 'frame3', 'frame10', 'frame11']

def test_imagesets_names_with_spaces_and_bom(tmp_path):
    root = make_davis(tmp_path, {'black swan': (3, 1), 'dog': (3, 1)})
    (root/'ImageSets'/'2017').mkdir(parents=True)
    (root/'ImageSets'/'2017'/'val.txt').write_bytes('\ufeffblack swan\r\ndog\n'.encode('utf-8'))
    assert [v.name for v in load_davis(root)] == ['black swan', 'dog']

@pytest.mark.parametrize('bad', ['..', '../x', '/etc', 'a/b', '.', ''])
def test_sequence_names_cannot_escape(tmp_path, bad):
    from trickvos.data import write_predictions
    root = make_davis(tmp_path/'d', {'a': (3, 1)})
    with pytest.raises(VOSDataError, match='bad sequence name'): load_davis(root, sequences=[bad])
    (root/'ImageSets'/'2017').mkdir(parents=True)
    (root/'ImageSets'/'2017'/'val.txt').write_text(f'a\n{bad}\n')
    if bad.strip() and not bad.startswith('/'):                           # empty: skipped; '/...': DAVIS 2016's line format
        with pytest.raises(VOSDataError, match='bad sequence name'): load_davis(root)
    with pytest.raises(VOSDataError, match='bad sequence name'):
        write_predictions(tmp_path/'out', bad, np.zeros((1, 4, 4), np.uint8))
    assert not (tmp_path/'x').exists() and not (tmp_path/'out').exists()
