"Tiny DAVIS 2016/2017 and YouTube-VOS folders in the real layouts, written into a test's tmp_path."
import json
from pathlib import Path
import numpy as np
from PIL import Image
from trickvos.data import write_label_png

H, W = 24, 32

def toy_frames(n, seed=0):
    "n random RGB frames (uint8 H x W x 3)."
    return np.random.default_rng(seed).integers(0, 256, (n, H, W, 3), dtype=np.uint8)

def toy_labels(n, n_obj=2, start=None):
    "n label maps with `n_obj` moving boxes; object k is absent before frame start[k-1]."
    start = start or [0]*n_obj
    labels = np.zeros((n, H, W), np.uint8)
    for t in range(n):
        for k in range(1, n_obj + 1):
            if t >= start[k - 1]: labels[t, 2 + 4*k:6 + 4*k, 2 + t + 6*k:8 + t + 6*k] = k
    return labels

def save_frames(folder, frames, names):
    "Write frames as JPEGs named `names`."
    folder.mkdir(parents=True, exist_ok=True)
    for f, n in zip(frames, names): Image.fromarray(f).save(folder/f'{n}.jpg', quality=95)

def make_davis(root, seqs=None, year=2017, splits=None, resolution='480p'):
    "A DAVIS folder: seqs = {name: (n_frames, n_objects)}; DAVIS 2016 masks are grayscale 0/255."
    root = Path(root)
    seqs = seqs or {'bear': (5, 2), 'camel': (4, 1)}
    for i, (s, (n, k)) in enumerate(seqs.items()):
        names = [f'{t:05d}' for t in range(n)]
        save_frames(root/'JPEGImages'/resolution/s, toy_frames(n, i), names)
        for lab, nm in zip(toy_labels(n, k), names):
            p = root/'Annotations'/resolution/s/f'{nm}.png'
            if year == 2016: p.parent.mkdir(parents=True, exist_ok=True); Image.fromarray((lab > 0).astype(np.uint8)*255).save(p)
            else: write_label_png(p, lab)
    for split, names in (splits or {}).items():
        p = root/'ImageSets'/str(year)/f'{split}.txt'
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(''.join(f'{s}\n' for s in names))
    return root

def make_youtube(root, split='valid'):
    """A YouTube-VOS split: video 'vid_a' (6 frames 00000, 00005, ...; object 2 appears at the 3rd frame,
    annotated sparsely as in the valid split) and 'vid_b' (4 frames, one object)."""
    sroot = Path(root)/split
    meta = {'videos': {}}
    for v, n, start in (('vid_a', 6, [0, 2]), ('vid_b', 4, [0])):
        names = [f'{5*t:05d}' for t in range(n)]
        save_frames(sroot/'JPEGImages'/v, toy_frames(n, n), names)
        labels = toy_labels(n, len(start), start)
        for t in sorted(set(start)):  # the valid split annotates each object only where it first appears
            write_label_png(sroot/'Annotations'/v/f'{names[t]}.png', np.where(np.isin(labels[t], [k + 1 for k, s in enumerate(start) if s == t]), labels[t], 0))
        meta['videos'][v] = {'objects': {str(k + 1): {'category': 'thing', 'frames': names[s:]} for k, s in enumerate(start)}}
    (sroot/'meta.json').write_text(json.dumps(meta))
    return Path(root)
