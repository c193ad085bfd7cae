"""Reference port of the official DAVIS 2017 semi-supervised evaluation, used ONLY as a test oracle and a benchmark baseline.

Derived from davis2017-evaluation (https://github.com/davisvideochallenge/davis2017-evaluation,
davis2017/metrics.py, davis2017/utils.py, davis2017/davis.py, davis2017/results.py, davis2017/evaluation.py and
evaluation_method.py), Copyright (c) 2020, DAVIS: Densely Annotated VIdeo Segmentation, BSD 3-Clause License.
It is a faithful port: the same numpy/OpenCV operations in the same order, so that it returns the same numbers as
the official scorer. It is not part of the `trickvos` package; `trickvos.metrics` is the fast implementation that
the tests compare against this file.

The only changes, none of which alters a value:
- `np.bool` (removed from numpy) is `bool`;
- `skimage.morphology.disk` (scikit-image is not a dependency) is rebuilt below with skimage's own formula
  (`L = arange(-r, r+1); X, Y = meshgrid(L, L); X**2 + Y**2 <= r**2`);
- `_seg2bmap` keeps only the branch the evaluation uses (bmap of the same size as the segmentation);
- the pandas tables of evaluation_method.py are plain dicts/lists here (same columns, same numpy means).
Like the official code, the evaluation calls `sys.exit()` when a results PNG holds a label above the number of
objects or when a frame is missing.
"""
import os, sys, warnings
from collections import defaultdict
from glob import glob

import cv2
import numpy as np
from PIL import Image

__all__ = ['disk', 'db_eval_iou', 'db_eval_boundary', 'f_measure', 'seg2bmap', 'db_statistics',
           'DAVIS', 'Results', 'evaluate_semisupervised', 'evaluate', 'evaluation_method', 'G_MEASURES']


def disk(radius, dtype=np.uint8):
    "scikit-image's `morphology.disk(radius)`: the pixels (x, y) with x**2 + y**2 <= radius**2."
    coords = np.arange(-radius, radius + 1)
    xx, yy = np.meshgrid(coords, coords)
    return np.array((xx ** 2 + yy ** 2) <= radius ** 2, dtype=dtype)


# ---------------------------------------------------------------- davis2017/metrics.py
def db_eval_iou(annotation, segmentation, void_pixels=None):
    "Region similarity J (Jaccard index) of binary maps, per frame for (T, H, W) input."
    assert annotation.shape == segmentation.shape
    gt = annotation.astype(bool)
    seg = segmentation.astype(bool)
    if void_pixels is not None:
        assert annotation.shape == void_pixels.shape
        void = void_pixels.astype(bool)
    else:
        void = np.zeros_like(seg)
    keep = np.logical_not(void)
    inter = np.sum((seg & gt) & keep, axis=(-2, -1))
    union = np.sum((seg | gt) & keep, axis=(-2, -1))
    with np.errstate(divide='ignore', invalid='ignore'):
        j = inter / union
    if j.ndim == 0:
        j = 1 if np.isclose(union, 0) else j
    else:
        j[np.isclose(union, 0)] = 1
    return j


def db_eval_boundary(annotation, segmentation, void_pixels=None, bound_th=0.008):
    "Boundary F-measure, per frame for (T, H, W) input."
    assert annotation.shape == segmentation.shape
    if void_pixels is not None:
        assert annotation.shape == void_pixels.shape
    if annotation.ndim == 3:
        res = np.zeros(annotation.shape[0])
        for t in range(annotation.shape[0]):
            void_t = None if void_pixels is None else void_pixels[t]
            res[t] = f_measure(segmentation[t], annotation[t], void_t, bound_th=bound_th)
        return res
    if annotation.ndim == 2:
        return f_measure(segmentation, annotation, void_pixels, bound_th=bound_th)
    raise ValueError(f'db_eval_boundary does not support tensors with {annotation.ndim} dimensions')


def f_measure(foreground_mask, gt_mask, void_pixels=None, bound_th=0.008):
    "Precision/recall of the boundary pixels of `foreground_mask` vs `gt_mask` within a disk tolerance -> F."
    assert np.atleast_3d(foreground_mask).shape[2] == 1
    void = void_pixels.astype(bool) if void_pixels is not None else np.zeros_like(foreground_mask).astype(bool)
    bound_pix = bound_th if bound_th >= 1 else np.ceil(bound_th * np.linalg.norm(foreground_mask.shape))

    fg_boundary = seg2bmap(foreground_mask * np.logical_not(void))
    gt_boundary = seg2bmap(gt_mask * np.logical_not(void))

    se = disk(bound_pix).astype(np.uint8)
    fg_dil = cv2.dilate(fg_boundary.astype(np.uint8), se)
    gt_dil = cv2.dilate(gt_boundary.astype(np.uint8), se)

    gt_match = gt_boundary * fg_dil
    fg_match = fg_boundary * gt_dil
    n_fg = np.sum(fg_boundary)
    n_gt = np.sum(gt_boundary)

    if n_fg == 0 and n_gt > 0:
        precision, recall = 1, 0
    elif n_fg > 0 and n_gt == 0:
        precision, recall = 0, 1
    elif n_fg == 0 and n_gt == 0:
        precision, recall = 1, 1
    else:
        precision = np.sum(fg_match) / float(n_fg)
        recall = np.sum(gt_match) / float(n_gt)

    if precision + recall == 0:
        return 0
    return 2 * precision * recall / (precision + recall)


def seg2bmap(seg):
    "1-pixel-wide boundary map of a segmentation (D. Martin's seg2bmap, as in davis2017 `_seg2bmap`)."
    seg = seg.astype(bool)
    seg[seg > 0] = 1
    assert np.atleast_3d(seg).shape[2] == 1
    east = np.zeros_like(seg)
    south = np.zeros_like(seg)
    south_east = np.zeros_like(seg)
    east[:, :-1] = seg[:, 1:]
    south[:-1, :] = seg[1:, :]
    south_east[:-1, :-1] = seg[1:, 1:]
    b = seg ^ east | seg ^ south | seg ^ south_east
    b[-1, :] = seg[-1, :] ^ east[-1, :]
    b[:, -1] = seg[:, -1] ^ south[:, -1]
    b[-1, -1] = 0
    return b


# ---------------------------------------------------------------- davis2017/utils.py
def db_statistics(per_frame_values):
    "Mean, recall (fraction > 0.5) and decay (first quarter minus last quarter) of per-frame values."
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', category=RuntimeWarning)
        M = np.nanmean(per_frame_values)
        O = np.nanmean(per_frame_values > 0.5)
    n_bins = 4
    ids = np.round(np.linspace(1, len(per_frame_values), n_bins + 1) + 1e-10) - 1
    ids = ids.astype(np.uint8)
    bins = [per_frame_values[ids[i]:ids[i + 1] + 1] for i in range(0, 4)]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', category=RuntimeWarning)
        D = np.nanmean(bins[0]) - np.nanmean(bins[3])
    return M, O, D


# ---------------------------------------------------------------- davis2017/davis.py (semi-supervised, 480p)
class DAVIS:
    "Ground-truth reader of the DAVIS 2017 layout."
    def __init__(self, root, subset='val', resolution='480p', year='2017'):
        self.img_path = os.path.join(root, 'JPEGImages', resolution)
        self.mask_path = os.path.join(root, 'Annotations', resolution)
        with open(os.path.join(root, 'ImageSets', year, f'{subset}.txt')) as f:
            names = [x.strip() for x in f.readlines()]
        self.sequences = defaultdict(dict)
        for seq in names:
            images = np.sort(glob(os.path.join(self.img_path, seq, '*.jpg'))).tolist()
            if len(images) == 0:
                raise FileNotFoundError(f'Images for sequence {seq} not found.')
            self.sequences[seq]['images'] = images
            masks = np.sort(glob(os.path.join(self.mask_path, seq, '*.png'))).tolist()
            masks.extend([-1] * (len(images) - len(masks)))
            self.sequences[seq]['masks'] = masks

    def get_sequences(self):
        yield from self.sequences

    def _get_all_elements(self, sequence, obj_type):
        first = np.array(Image.open(self.sequences[sequence][obj_type][0]))
        all_objs = np.zeros((len(self.sequences[sequence][obj_type]), *first.shape))
        obj_id = []
        for i, path in enumerate(self.sequences[sequence][obj_type]):
            all_objs[i, ...] = np.array(Image.open(path))
            obj_id.append(''.join(path.split('/')[-1].split('.')[:-1]))
        return all_objs, obj_id

    def get_all_masks(self, sequence, separate_objects_masks=False):
        masks, masks_id = self._get_all_elements(sequence, 'masks')
        masks_void = np.zeros_like(masks)
        for k in range(masks.shape[0]):
            masks_void[k, ...] = masks[k, ...] == 255
            masks[k, masks[k, ...] == 255] = 0
        if separate_objects_masks:
            num_objects = int(np.max(masks[0, ...]))
            tmp = np.ones((num_objects, *masks.shape))
            tmp = tmp * np.arange(1, num_objects + 1)[:, None, None, None]
            masks = (tmp == masks[None, ...])
            masks = masks > 0
        return masks, masks_void, masks_id


# ---------------------------------------------------------------- davis2017/results.py
class Results:
    "Reader of a results folder `<root>/<sequence>/<frame id>.png`."
    def __init__(self, root_dir):
        self.root_dir = root_dir

    def _read_mask(self, sequence, frame_id):
        try:
            return np.array(Image.open(os.path.join(self.root_dir, sequence, f'{frame_id}.png')))
        except IOError:
            sys.stdout.write(sequence + ' frame %s not found!\n' % frame_id)
            sys.exit()

    def read_masks(self, sequence, masks_id):
        mask_0 = self._read_mask(sequence, masks_id[0])
        masks = np.zeros((len(masks_id), *mask_0.shape))
        for ii, m in enumerate(masks_id):
            masks[ii, ...] = self._read_mask(sequence, m)
        num_objects = int(np.max(masks))
        tmp = np.ones((num_objects, *masks.shape))
        tmp = tmp * np.arange(1, num_objects + 1)[:, None, None, None]
        return (tmp == masks[None, ...]) > 0


# ---------------------------------------------------------------- davis2017/evaluation.py
def evaluate_semisupervised(all_gt_masks, all_res_masks, all_void_masks=None, metric=('J', 'F')):
    "Per-object per-frame J and F of (n_objects, T, H, W) boolean stacks (`DAVISEvaluation._evaluate_semisupervised`)."
    if all_res_masks.shape[0] > all_gt_masks.shape[0]:
        sys.stdout.write('\nIn your PNG files there is an index higher than the number of objects in the sequence!')
        sys.exit()
    elif all_res_masks.shape[0] < all_gt_masks.shape[0]:
        zero_padding = np.zeros((all_gt_masks.shape[0] - all_res_masks.shape[0], *all_res_masks.shape[1:]))
        all_res_masks = np.concatenate([all_res_masks, zero_padding], axis=0)
    j_res, f_res = np.zeros(all_gt_masks.shape[:2]), np.zeros(all_gt_masks.shape[:2])
    for ii in range(all_gt_masks.shape[0]):
        if 'J' in metric:
            j_res[ii, :] = db_eval_iou(all_gt_masks[ii, ...], all_res_masks[ii, ...], all_void_masks)
        if 'F' in metric:
            f_res[ii, :] = db_eval_boundary(all_gt_masks[ii, ...], all_res_masks[ii, ...], all_void_masks)
    return j_res, f_res


def evaluate(davis_root, res_path, subset='val', year='2017'):
    "`DAVISEvaluation(davis_root, 'semi-supervised', subset).evaluate(res_path)`: per-object M, R, D lists."
    dataset = DAVIS(davis_root, subset=subset, year=year)
    metrics_res = {k: {'M': [], 'R': [], 'D': [], 'M_per_object': {}} for k in ('J', 'F')}
    results = Results(res_path)
    for seq in list(dataset.get_sequences()):
        all_gt_masks, all_void_masks, all_masks_id = dataset.get_all_masks(seq, True)
        all_gt_masks, all_masks_id = all_gt_masks[:, 1:-1, :, :], all_masks_id[1:-1]
        all_res_masks = results.read_masks(seq, all_masks_id)
        j_res, f_res = evaluate_semisupervised(all_gt_masks, all_res_masks, None)
        for ii in range(all_gt_masks.shape[0]):
            name = f'{seq}_{ii + 1}'
            for key, res in (('J', j_res), ('F', f_res)):
                M, R, D = db_statistics(res[ii])
                metrics_res[key]['M'].append(M)
                metrics_res[key]['R'].append(R)
                metrics_res[key]['D'].append(D)
                metrics_res[key]['M_per_object'][name] = M
    return metrics_res


# ---------------------------------------------------------------- evaluation_method.py
G_MEASURES = ['J&F-Mean', 'J-Mean', 'J-Recall', 'J-Decay', 'F-Mean', 'F-Recall', 'F-Decay']


def evaluation_method(davis_root, res_path, subset='val', year='2017'):
    "The global row {measure: value} and per-sequence rows [(name, J-Mean, F-Mean)] of evaluation_method.py."
    res = evaluate(davis_root, res_path, subset, year)
    J, F = res['J'], res['F']
    final_mean = (np.mean(J['M']) + np.mean(F['M'])) / 2.
    g_res = np.array([final_mean, np.mean(J['M']), np.mean(J['R']), np.mean(J['D']),
                      np.mean(F['M']), np.mean(F['R']), np.mean(F['D'])])
    names = list(J['M_per_object'].keys())
    rows = [(n, J['M_per_object'][n], F['M_per_object'][n]) for n in names]
    return dict(zip(G_MEASURES, g_res.tolist())), rows
