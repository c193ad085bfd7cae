"Tests for trickvos.widgets: set controls as a user would (callbacks run synchronously) and check what the widgets show."
import json
import numpy as np
import pytest
import torch
import ipywidgets as W
import trickvos.widgets as wd
from trickvos.drawing import new_figure, png_bytes, one_thread
from trickvos.widgets import (frame_scores, MaskViewer, mask_viewer, TapTracker,
                              track_probs, track_model, BoxViewer, box_viewer, AblationViewer, ablation_viewer,
                              TrackerPlayground, tracker_playground)
from trickvos.results import load_results, FLOOR_ROW
from trickvos.tracker import ConstantVelocityTracker
from trickvos.paper import PAPER_TABLE1, PAPER_TABLE1_ROWS, paper_table1, paper_rows

torch.set_num_threads(1)

def square_labels(T=6, H=40, Wd=64, step=5):
    "A 15x15 square (label 1) moving `step` px right per frame: (T,H,W) uint8."
    lab = np.zeros((T, H, Wd), np.uint8)
    for t in range(T): lab[t, 10:25, 4 + step * t:19 + step * t] = 1
    return lab

def square_probs(xs, H=40, Wd=80, s=10, y=12):
    "One-object probabilities (T,1,H,W): an s x s square at each x in `xs`."
    p = torch.zeros(len(xs), 1, H, Wd)
    for t, x in enumerate(xs): p[t, 0, y:y + s, max(x, 0):max(x + s, 0)] = 1
    return p

# ---------------------------------------------------------------- figures
def test_png_bytes():
    fig = new_figure(1, 1); fig.add_subplot().plot([0, 1])
    assert png_bytes(fig).startswith(b'\x89PNG')

def test_one_thread_restores():
    n = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with one_thread(): assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    finally: torch.set_num_threads(n)

# ---------------------------------------------------------------- mask viewer
def test_frame_scores_known_values():
    g = np.zeros((20, 30), np.uint8); g[5:15, 5:20] = 1
    p = g.copy(); p[5:15, 5:10] = 0
    s = frame_scores(g, p, [1])
    assert s['J'][0] == pytest.approx(100 / 150) and 0 < s['F'][0] < 1
    assert frame_scores(g, g, [1])['J'].tolist() == [1.0] and frame_scores(g, g, [1])['F'].tolist() == [1.0]
    v = g.copy(); v[0, 0] = 255                                   # void counts as background
    assert frame_scores(v, g, [1])['J'].tolist() == [1.0]
    assert frame_scores(g, g, [1, 2])['J'].tolist() == [1.0, 1.0]  # absent in both: J = 1 (DAVIS)

def test_mask_viewer_shows_known_scores():
    gt = square_labels()
    frames = np.full(gt.shape + (3,), 90, np.uint8)
    mv = MaskViewer(frames, gt, {'perfect': gt, 'shifted': np.roll(gt, 5, axis=2)})
    assert mv.object_ids == [1] and 'given mask (not scored)' in mv.table.value
    mv.frame.value = 2
    assert mv.play.value == 2                  # the play button starts from the shown frame (jslink copies play -> frame)
    sc = mv.scores(mv.frame.value)
    assert (sc['perfect']['J'].tolist(), sc['perfect']['F'].tolist()) == ([1.0], [1.0])
    assert sc['shifted']['J'].tolist() == pytest.approx([0.5]) and 'scored by the DAVIS protocol' in mv.table.value
    img = mv.image.value
    mv.errors.value = True; assert mv.image.value != img
    one = mv.image.value
    mv.show.value = 'ground truth'; assert mv.image.value != one and len(mv.panels(2)) == 1
    mv.frame.value = 5; assert 'last frame' in mv.table.value
    assert isinstance(mask_viewer(frames, gt, {'p': gt}), W.VBox)

def test_mask_viewer_errors_painted_white():
    gt = square_labels()
    frames = np.zeros(gt.shape + (3,), np.uint8)
    mv = MaskViewer(frames, gt, {'shifted': np.roll(gt, 5, axis=2)})
    mv.errors.value = True
    (_, g), (_, p) = mv.panels(0)
    wrong = gt[0] != np.roll(gt, 5, axis=2)[0]
    assert (p[wrong] == 255).all() and not (g == 255).all(-1).any()

def test_mask_viewer_bad_input():
    gt = square_labels()
    frames = np.zeros(gt.shape + (3,), np.uint8)
    with pytest.raises(ValueError): MaskViewer(frames, gt, {})
    with pytest.raises(ValueError): MaskViewer(frames, gt, {'p': gt[:3]})
    with pytest.raises(ValueError): MaskViewer(frames[:3], gt, {'p': gt})
    with pytest.raises(ValueError): MaskViewer(frames, gt.astype(float), {'p': gt})

# ---------------------------------------------------------------- box viewer
def test_track_probs_records_known_boxes():
    xs = [5 + 3 * t for t in range(6)]
    probs = torch.maximum(square_probs(xs), square_probs([x + 20 for x in xs]) * (torch.arange(6) >= 2)[:, None, None, None])
    rec = track_probs(probs, 'cv')
    assert len(rec) == 6 and rec.before.shape == rec.after.shape == (6, 1, 40, 80) and rec.tracker == 'cv'
    assert rec.history[0]['annotated'] and not rec.history[1]['active'][0] and rec.history[2]['active'][0]
    for t in range(2, 6):
        assert rec.history[t]['predicted'].tolist() == [[xs[t], 12, 10, 10]]
        assert torch.equal(rec.after[t].float(), square_probs([xs[t]])[0])

def test_track_probs_from_label_maps_and_errors():
    lab = square_labels(T=5)
    rec = track_probs(lab, 'cv', gt=lab)
    assert rec.object_ids == [1] and rec.before.shape == (5, 1, 40, 64) and rec.gt.shape == (5, 1, 40, 64)
    with pytest.raises(ValueError): track_probs(torch.zeros(4, 5), 'cv')
    with pytest.raises(ValueError): track_probs(lab, None)

def test_tap_tracker_pads_late_objects():
    tap = TapTracker(ConstantVelocityTracker())
    tap.reset()
    tap.step(torch.ones(1, 4, 4), annotated=True); tap.step(torch.ones(2, 4, 4), annotated=True)
    st = wd._stack_objects(tap.before)
    assert st.shape == (2, 2, 4, 4) and st[0, 1].sum() == 0 and st[1, 1].sum() == 16 and len(tap.history) == 2

def test_box_viewer_info_and_margin():
    xs = [5 + 3 * t for t in range(6)]
    probs = torch.maximum(square_probs(xs), square_probs([x + 20 for x in xs]) * (torch.arange(6) >= 2)[:, None, None, None])
    bv = BoxViewer(track_probs(probs, 'cv'), rerun=lambda name, **kw: track_probs(probs, name, **kw))
    bv.frame.value = 4
    rec = bv.record
    assert rec.history[4]['predicted'][0].tolist() == [17.0, 12.0, 10.0, 10.0] and 'filtered' in bv.info.value
    assert int(((rec.before[4, 0] > 0.5) & ~(rec.after[4, 0] > 0.5)).sum()) == 100   # the look-alike, removed
    bv.margin.value = 0.2                      # 10 px box + 2 px per side
    assert bv.record.history[4]['attention'][0].float().sum() == 14 * 14
    img = bv.image.value
    bv.tracker.value = 'pt'
    assert bv.record.tracker == 'pt' and bv.record.history[4]['predicted'] is not None
    bv.frame.value = 1; assert 'initialising' in bv.info.value and bv.image.value != img
    bv.frame.value = 0; assert 'annotated frame' in bv.info.value

def test_box_viewer_function_and_gt():
    lab = square_labels(T=5)
    w = box_viewer(lab, 'cv', gt=lab)
    assert isinstance(w, W.VBox) and 'J against the ground truth before filtering: 1.000, after: 1.000' in w.children[-1].value
    w2 = box_viewer(track_probs(lab, 'cv'))
    assert len(w2.children) == 3                # a record cannot be re-run: no tracker/margin row

def test_track_model_matches_segment_video():
    from trickvos.model import build_model
    from trickvos.inference import segment_video
    torch.manual_seed(0)
    model = build_model('baseline').eval()
    lab = square_labels(T=4, H=32, Wd=48, step=3)
    frames = [np.where(l[..., None] > 0, 200, 40).astype(np.uint8).repeat(3, -1) for l in lab]
    rec, labels = track_model(model, frames, lab[0], 'cv', gt=lab)
    assert rec.before.shape == (4, 1, 32, 48) and rec.frames.shape == (4, 32, 48, 3) and rec.object_ids == [1]
    assert rec.history[0]['annotated'] and len(rec.history) == 4
    assert np.array_equal(labels, segment_video(model, frames, lab[0], tracker='cv'))
    assert BoxViewer(rec).info.value.startswith('<b>frame 2, object 1</b> (cv)')

# ---------------------------------------------------------------- ablation viewer
def test_ablation_viewer_controls():
    res = {'rows': [{'row': 'Baseline', 'split': 'a', 'J&F': 0.5, 'J': 0.4, 'F': 0.6, 'seeds': [0.49, 0.51]},
                    {'row': '+ Trick 1', 'split': 'a', 'J&F': 0.6, 'J': 0.55, 'F': 0.65},
                    {'row': 'floor', 'split': 'b', 'J&F': 0.1}]}
    av = AblationViewer(res)
    assert av.dataset.value == 'DAVIS 2017 val' and av.split.options == ('a', 'b')
    assert av.rows()[:2] == ['Baseline', '+ Trick 1']
    assert av.values('ours')['+ Trick 1'][0] == 0.6 and av.values('paper')['+ Trick 1'][0] == pytest.approx(0.8197)
    assert '<td>+ Trick 1</td><td>0.600</td><td>0.820</td>' in av.table.value      # the table shows those values
    av.relative.value = True
    assert av.values('ours')['+ Trick 1'][0] == pytest.approx(0.1) and av.values('paper')['+ Trick 1'][0] == pytest.approx(0.0111)
    assert av.values('ours')['Baseline'] == (0.0, [pytest.approx(-0.01), pytest.approx(0.01)])   # seeds move with it
    img = av.image.value
    av.metric.value = 'J'
    assert av.values('ours')['+ Trick 1'][0] == pytest.approx(0.15) and av.values('paper') == {} and av.image.value != img
    av.dataset.value = 'DAVIS 2016 val'; av.metric.value = 'J&F'
    assert '+ SSIM' not in av.values('ours') and av.values('paper')['+ SSIM'][0] == pytest.approx(-0.0037)
    av.split.value = 'b'                      # no Baseline in split b: nothing to subtract
    assert av.values('ours') == {} and av.rows()[-1] == 'floor'
    av.relative.value = False
    assert av.values('ours') == {'floor': (0.1, None)}
    assert isinstance(ablation_viewer(res), W.VBox)

def test_reproduce_style_results(tmp_path):
    "The results.json of `trickvos reproduce`: seeds as {seed: {metric: value}}, a floor, Table 2 rows in `paper`."
    res = {'rows': [{'row': 'Baseline', 'table': 1, 'preset': 'baseline', 'tracker': None, 'split': 'val', 'J&F': 0.2, 'J': 0.1, 'F': 0.3,
                     'seeds': {'0': {'J&F': 0.19, 'J': 0.09, 'F': 0.29}, '1': {'J&F': 0.21, 'J': 0.11, 'F': 0.31}},
                     'min': {'J&F': 0.19}, 'FPS': 3.0}],
           'paper': paper_table1() + [{'row': 'Baseline', 'table': 2, 'dataset': 'DAVIS 2017 val', 'J&F': 0.809, 'J': 0.775, 'F': 0.842}],
           'floor': {'val': {'J&F': 0.15, 'J': 0.16, 'F': 0.14}}, 'source': 'trickvos reproduce --scale lesson', 'table2': []}
    (tmp_path / 'results.json').write_text(json.dumps(res))
    r = load_results(tmp_path / 'results.json')
    assert r['rows'][0]['seeds'] == {'J&F': [0.19, 0.21], 'J': [0.09, 0.11], 'F': [0.29, 0.31]}
    assert r['rows'][1] == {'row': FLOOR_ROW, 'split': 'val', 'J&F': 0.15, 'J': 0.16, 'F': 0.14}
    assert len(r['paper']) == len(paper_table1())                 # the Table 2 row is not Table 1's
    av = AblationViewer(r)
    av.metric.value = 'J'
    assert av.values('ours')['Baseline'] == (0.1, [0.09, 0.11]) and av.values('ours')[FLOOR_ROW] == (0.16, None)
    with pytest.raises(ValueError): load_results({**res, 'floor': [0.1]})
    with pytest.raises(ValueError): load_results({**res, 'rows': [{**res['rows'][0], 'seeds': {'0': 0.2}}]})

def test_reproduce_paper_rows_accepted():
    pytest.importorskip('trickvos.reproduce')
    r = load_results({'rows': [{'row': 'Baseline', 'split': 'val', 'J&F': 0.2}], 'paper': paper_rows()})
    assert len(r['paper']) == len(PAPER_TABLE1) * len(PAPER_TABLE1_ROWS) and {p['dataset'] for p in r['paper']} == set(PAPER_TABLE1)

# ---------------------------------------------------------------- trajectories and playground
def test_playground_known_boxes_and_margin():
    pg = TrackerPlayground(speed=2, similarity=0.0)
    h = pg.runs['CV']['history']
    assert [h[t]['predicted'][0].tolist() for t in (2, 6, 20)] == [[2 + 2 * t, 15, 12, 12] for t in (2, 6, 20)]
    assert (pg.runs['CV']['iou'] == 1).all() and (pg.runs['none']['iou'] == 1).all()
    assert h[6]['attention'][0].float().sum() == 144
    pg.sliders['margin'].value = 0.25          # 12 px box + 3 px per side
    assert pg.runs['CV']['history'][6]['attention'][0].float().sum() == 18 * 18
    assert pg.runs['PT']['history'][6]['attention'][0].float().sum() >= 18 * 18

def test_playground_lookalike_lessons():
    pg = TrackerPlayground(speed=2, similarity=0.9, distance=2)
    kept = lambda name: int((pg.runs[name]['out'][2:][pg.traj.distractor[2:]] > 0.5).sum())
    assert kept('none') == int(pg.traj.distractor[2:].sum()) > 0 and kept('CV') == 0
    assert pg.runs['none']['iou'][2:].max() == pytest.approx(0.5)             # object + same-size look-alike
    assert f"<td>none</td><td>0.500</td><td>{kept('none')} / {kept('none')}</td>" in pg.status.value
    pg.sliders['margin'].value = 0.25          # margin 3 px > gap 2 px: the look-alike gets in, the box swallows it
    assert kept('CV') > 0 and pg.runs['CV']['history'][-1]['box'][0, 3] > 12
    pg.sliders['similarity'].value = 0.45      # below 0.5 the look-alike never wins a pixel: no tracker needed
    assert (pg.runs['none']['iou'] == 1).all() and kept('none') == 0

def test_playground_frame_slider_and_controls():
    pg = TrackerPlayground(accel=0.1, similarity=0.9)
    img, plot = pg.frame_image.value, pg.plot_image.value
    pg.frame.value = 10
    assert pg.frame_image.value != img and pg.plot_image.value == plot and pg.frame_label.value.startswith('frame 10:')
    assert pg.play.value == 10 and TrackerPlayground().play.value == 4
    assert f"IoU {pg.runs['CV']['iou'][10]:.2f}" in pg.frame_label.value
    pg.sliders['turn'].value = 5
    assert pg.plot_image.value != plot and pg.params()['turn'] == 5
    rgb = np.asarray(__import__('PIL.Image', fromlist=['Image']).open(__import__('io').BytesIO(pg.frame_image.value)))
    assert rgb.shape[:2] == (64 * 4, 96 * 4 * 2 + 6)
    with pytest.raises(ValueError): TrackerPlayground(wind=3)
    assert isinstance(tracker_playground(speed=1), W.VBox)

def test_playground_asym_choice_uses_chosen_model():
    "Choosing a factor runs the PT with that factor's model; models are kept by the playground, not by the module."
    from trickvos.parametric_tracker import MotionMLP
    chosen = MotionMLP().eval()
    pg = TrackerPlayground(pt_models={'16': chosen})
    pg.asym.value = '16'
    assert pg.trackers()['PT'].model is chosen and pg.runs['PT']['history'][3]['predicted'] is not None
    assert pg.pt_model('shipped (4)') is pg.pt_model('shipped (4)') and set(pg.pt_models) == {'16', 'shipped (4)'}
    assert TrackerPlayground().pt_models.keys() == {'shipped (4)'}          # a new playground starts with its own

def test_ablation_viewer_keeps_every_seed_dot_on_its_axis(monkeypatch):
    "Issue 18: the Trick 1+2 seed-1 dot fell off the axis, which was scaled to the means only."
    import trickvos.widgets as w
    from trickvos.reproduce import reference_results
    figs = []
    monkeypatch.setattr(w, 'png_bytes', lambda fig: figs.append(fig) or b'')
    av = AblationViewer(reference_results())
    av.render()
    top = max(x for r, (v, s) in av.values('ours').items() if s for x in s)
    assert figs[-1].axes[0].get_xlim()[1] >= top
