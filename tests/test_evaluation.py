"Tests for trickvos.evaluation: evaluate_model over a tiny synthetic DAVIS 2017 set and a toy DAVIS 2016 set, subsets, CLI."
import argparse, json
from pathlib import Path
import numpy as np
import pytest
import torch
from trickvos.data import VOSDataError, load_davis, read_label_png
from trickvos.metrics import evaluate_results
from trickvos.model import build_model, save_model
from trickvos.synthetic import generate_benchmark
from trickvos.inference import segment_video
from trickvos.evaluation import davis_subset, evaluate_model
from trickvos.cli import build_parser
from vos_toy import make_davis

torch.set_num_threads(1)

@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return build_model('baseline').eval()

@pytest.fixture(scope='module')
def data(tmp_path_factory):
    return generate_benchmark(tmp_path_factory.mktemp('synth')/'bench', n_train=1, n_val=2, frames=5, size=(64, 96),
                              progress=False)

@pytest.fixture(scope='module')
def full(model, data, tmp_path_factory):
    "evaluate_model over the whole val split, once for the module."
    return evaluate_model(model, data, out_dir=tmp_path_factory.mktemp('eval')/'out', progress=False)

class CountingTracker:
    "A tracker that passes probabilities through and counts its calls."
    def __init__(self): self.calls = []
    def reset(self): pass
    def step(self, prob, annotated=False): self.calls.append(annotated); return prob

def test_evaluate_model_outputs(model, data, full):
    videos = load_davis(data)
    out = full['out_dir']
    assert set(full) == {'scores', 'fps', 'frames', 'seconds', 'out_dir'}
    assert full['frames'] == sum(len(v) for v in videos) == 10 and full['seconds'] > 0
    assert full['fps'] == pytest.approx(full['frames'] / full['seconds'])
    for v in videos:                                     # the PNGs are exactly what segment_video predicts
        expect = segment_video(model, v.read_frames(), v.first_mask())
        got = [read_label_png(f'{out}/{v.name}/{n}.png') for n in v.frame_names]
        assert all(np.array_equal(g, e) for g, e in zip(got, expect))
    again = evaluate_results(out, data, progress=False)
    assert again.global_table == pytest.approx(full['scores'].global_table, nan_ok=True)
    assert len(full['scores'].per_sequence) == sum(len(v.object_ids) for v in videos)

def test_eval_json(full, data):
    s = json.loads(open(f"{full['out_dir']}/eval.json").read())
    g = full['scores'].global_table
    assert s['J&F'] == pytest.approx(g['J&F-Mean']) and s['J'] == pytest.approx(g['J-Mean']) and s['F'] == pytest.approx(g['F-Mean'])
    assert s['FPS'] == pytest.approx(full['fps']) and s['frames'] == 10 and s['videos'] == 2
    assert s['checkpoint'] is None and s['model'] == 'baseline' and s['tracker'] is None and s['device'] == 'cpu'
    assert s['split'] == 'val' and s['year'] == 2017 and s['data'] == str(data.resolve())

def test_subset_matches_full(model, data, full, tmp_path):
    name = load_davis(data)[1].name
    sub = evaluate_model(model, data, out_dir=tmp_path/'sub', sequences=[name], progress=False)
    assert sub['frames'] == 5 and list(sub['scores'].sequences) == [name]
    assert np.allclose(sub['scores'].sequences[name].J, full['scores'].sequences[name].J)
    assert not any(p.is_symlink() for p in data.rglob('*'))             # the view lived elsewhere and is gone
    with pytest.raises(VOSDataError, match='no frame folder'): evaluate_model(model, data, out_dir=tmp_path/'x', sequences=['nope'])

def test_davis_subset(data, tmp_path):
    names = [v.name for v in load_davis(data)]
    view = davis_subset(data, names[::-1], out=tmp_path/'view')
    assert [v.name for v in load_davis(view)] == names[::-1] and (view/'Annotations'/'480p'/names[0]).is_symlink()
    assert (view/'ImageSets'/'2017'/'val.txt').read_text().split() == names[::-1]
    with pytest.raises(VOSDataError, match='not found'): davis_subset(data, ['nope'], out=tmp_path/'v2')

def test_refuses_dataset_folder_and_default_out(model, data, tmp_path):
    with pytest.raises(VOSDataError, match='refusing'): evaluate_model(model, data, out_dir=data/'preds', progress=False)
    assert not (data/'preds').exists()
    name = load_davis(data)[0].name
    res = evaluate_model(model, data, sequences=[name], progress=False)          # out_dir=None: a new temporary folder
    assert (Path(res['out_dir'])/name/'00001.png').is_file() and (Path(res['out_dir'])/'eval.json').is_file()

def test_checkpoint_and_tracker(model, data, tmp_path):
    ckpt = save_model(model, tmp_path/'run'/'model.safetensors')
    tr = CountingTracker()
    name = load_davis(data)[0].name
    res = evaluate_model(tmp_path/'run', data, out_dir=tmp_path/'o', tracker=tr, sequences=[name], device='cpu', progress=False)
    s = json.loads((tmp_path/'o'/'eval.json').read_text())
    assert s['checkpoint'] == str(tmp_path/'run') and s['tracker'] == 'CountingTracker' and ckpt.is_file()
    assert tr.calls.count(True) == 2 and tr.calls.count(False) == 1 + 4          # warm-up (2 frames) + the 5-frame video
    assert res['frames'] == 5

def test_davis2016_binary(model, tmp_path):
    root = make_davis(tmp_path/'d16', {'bear': (5, 1), 'camel': (4, 1)}, year=2016, splits={'val': ['bear', 'camel']})
    res = evaluate_model(model, root, year=2016, out_dir=tmp_path/'out', progress=False)
    assert res['frames'] == 9 and [r['Sequence'] for r in res['scores'].per_sequence] == ['bear_1', 'camel_1']
    assert read_label_png(tmp_path/'out'/'bear'/'00000.png').max() == 1

def parse(argv):
    return build_parser(argv).parse_args(argv)

def test_cli_eval(model, data, full, tmp_path, capsys):
    save_model(model, tmp_path/'m.safetensors')
    args = parse(['eval', '--checkpoint', str(tmp_path/'m.safetensors'), '--data', str(data), '--out', str(tmp_path/'o'),
                  '--device', 'cpu'])
    assert args.func(args) == 0
    text = capsys.readouterr().out
    assert 'J&F-Mean' in text and 'FPS on cpu' in text and f"{full['scores'].global_table['J&F-Mean']:.3f}" in text
    assert json.loads((tmp_path/'o'/'eval.json').read_text())['J&F'] == pytest.approx(full['scores'].global_table['J&F-Mean'])
    args = parse(['eval', '--checkpoint', str(tmp_path/'missing'), '--data', str(data)])
    with pytest.raises(FileNotFoundError, match='no model file'): args.func(args)
    args = parse(['eval', '--checkpoint', str(tmp_path/'m.safetensors'), '--data', str(tmp_path/'nodata'), '--out', str(tmp_path/'o2')])
    with pytest.raises(VOSDataError, match='not a DAVIS folder'): args.func(args)
    with pytest.raises(SystemExit): parse(['eval', '--checkpoint', 'c', '--data', 'd', '--tracker', 'kalman'])


def test_object_scores_and_story():
    from trickvos.evaluation import object_scores, object_story
    g = np.zeros((6, 20, 20), np.uint8); g[:, 2:8, 2:8] = 1; g[:, 10:16, 10:16] = 2
    p = g.copy(); p[1][p[1] == 2] = 0                          # object 2 lost at frame 1 of the scored 1..4
    sc = object_scores(g, p)
    assert sc[1] == pytest.approx(1.0) and sc[2] == pytest.approx(0.75)
    assert object_scores(g, p, object_ids=[2]) == {2: sc[2]}
    with pytest.raises(ValueError): object_scores(g, p[:3])
    info = {'name': 'v', 'objects': [{'id': 1, 'path': 'orbit', 'out_of_frame': [], 'reenters': False, 'fully_occluded': [3]},
                                     {'id': 2, 'path': 'leave', 'out_of_frame': [4], 'reenters': False, 'fully_occluded': []}],
            'distractors': [{'imitates': 1, 'closest_distance': 3.2, 'closest_frame': 7}]}
    assert object_story(info, 1) == 'circles (turns all the time); fully hidden at 1 frame(s); a look-alike comes within 3 px at frame 7'
    assert object_story(info, 2) == 'heads for the border; out of frame at frame 4, never comes back'
    with pytest.raises(KeyError): object_story(info, 5)


def test_tracker_effect_rows():
    from trickvos.evaluation import tracker_effect
    from trickvos.model import VOSModel, ModelConfig
    from trickvos.synthetic import generate_video
    torch.manual_seed(0)
    model = VOSModel(ModelConfig()).eval()
    v = generate_video(frames=4, size=(64, 96), seed=1, max_objects=2, name='t')
    rows, preds = tracker_effect(model, [v], trackers=('none', 'cv'), progress=False)
    assert [r['object'] for r in rows] == v.object_ids and set(preds['t']) == {'none', 'cv'}
    assert all(0 <= r[t] <= 1 for r in rows for t in ('none', 'cv')) and preds['t']['cv'].shape == v.labels.shape
