"scripts/make_showcase.py at --tiny size: data (synthetic + real sequences), two legs, evaluation, records."
import importlib.util, json
from pathlib import Path
import numpy as np
from trickvos.model import read_model_metadata


def _script():
    spec = importlib.util.spec_from_file_location('make_showcase', Path(__file__).parents[1] / 'scripts' / 'make_showcase.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    return m


def _fake_davis2016(root, names, T=5, H=64, W=96):
    "A DAVIS 2016-layout folder (0/255 masks) whose sequences carry the sample's names: a square drifting right."
    import cv2
    for k, n in enumerate(names):
        for t in range(T):
            f = np.full((H, W, 3), 40 * k, np.uint8); m = np.zeros((H, W), np.uint8)
            m[20:40, 10 + 4 * t:30 + 4 * t] = 255; f[m > 0] = (200, 60, 30)
            (root / 'JPEGImages/480p' / n).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / 'JPEGImages/480p' / n / f'{t:05d}.jpg'), f)
            (root / 'Annotations/480p' / n).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / 'Annotations/480p' / n / f'{t:05d}.png'), m)          # 8-bit grayscale, as DAVIS 2016
    return root


def test_make_showcase_tiny(tmp_path):
    s = _script()
    davis = _fake_davis2016(tmp_path / 'davis', s.TRAIN_SEQUENCES + s.HELD_OUT)
    w = tmp_path / 'weights'
    assert s.main(['--work', str(tmp_path / 'work'), '--tiny', '--davis', str(davis), '--weights', str(w),
                   '--models', 'trickvos-showcase', '--lr', '1e-4', '--real-repeat', '4']) == 0
    rec = json.loads((w / 'trickvos-showcase.json').read_text())
    assert rec['preset'] == 'trick12' and rec['total_steps'] == 1800 + 6 and rec['legs'][0]['init'] == 'trickvos-reference'
    assert rec['legs'][0]['config']['lr'] == 1e-4 and rec['legs'][0]['config']['ema'] == 0.998   # each leg keeps its config
    assert set(rec['results']) == {'none', 'cv', 'pt'} and rec['data']['real_held_out'] == ['car-shadow', 'libby']
    davis_scores = rec['results']['none']['DAVIS 2016 sample']
    assert set(davis_scores['sequences']) == set(s.TRAIN_SEQUENCES + s.HELD_OUT)
    assert rec['floor']['DAVIS 2016 sample']['held-out']['J&F'] > 0.3          # a square that drifts: the floor is not 0
    assert [r['step'] for r in rec['curve']] == [3, 6] and 'davis-heldout J&F' in rec['curve'][0]
    train = (tmp_path / 'work' / 'synth-davis' / 'ImageSets/2017/train.txt').read_text().split()
    assert train.count('blackswan') == 1 and 'blackswan~4' in train and 'blackswan~5' not in train   # --real-repeat 4
    assert 'libby' not in train and rec['data']['real_repeat'] == 4                         # held out of training
    key = next(k for k in rec['curve'][0] if k.endswith(' J&F'))             # the first eval folder: synthetic val
    best = max(rec['curve'], key=lambda r: (r[key], r['step']))['step']                      # keep_best: the curve's best step ships
    assert read_model_metadata(w / 'trickvos-showcase.safetensors')['step'] == best == rec['legs'][-1]['selected']['step']


def test_gpu_script_tiny(tmp_path):
    "scripts/gpu_showcase.sh run at TINY=1 on the CPU: one command, at most 8 files of at most 16 MB come back."
    import os, subprocess, sys
    out = tmp_path / 'out'
    env = {**os.environ, 'TINY': '1', 'OUT': str(out), 'WORK': str(tmp_path / 'work'), 'CARRY': str(tmp_path / 'no-carry'),
           'DAVIS': str(tmp_path / 'no-davis'), 'PY': sys.executable}
    r = subprocess.run(['bash', str(Path(__file__).parents[1] / 'scripts' / 'gpu_showcase.sh'), 'run'], env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    files = sorted(p.name for p in out.iterdir())
    assert files == ['baseline-showcase.json', 'baseline-showcase.safetensors', 'bench.json', 'gpu_showcase.log',
                     'trickvos-showcase.json', 'trickvos-showcase.safetensors']
    assert all((out / f).stat().st_size < 16 << 20 for f in files)
    assert json.loads((out / 'trickvos-showcase.json').read_text())['scale'] == 'showcase-gpu'
    assert 'optimised' in (out / 'gpu_showcase.log').read_text()


def test_make_training_stages_tiny(tmp_path):
    "scripts/make_training_stages.py at --tiny size: three rows, each trained with exactly its stages, scored beside the floor."
    spec = importlib.util.spec_from_file_location('stages', Path(__file__).parents[1] / 'scripts' / 'make_training_stages.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    out = tmp_path / 'stages.json'
    assert m.main(['--work', str(tmp_path / 'work'), '--tiny', '--davis', str(tmp_path / 'no-davis'), '--out', str(out)]) == 0
    rec = json.loads(out.read_text())
    assert [(r['row'], r['static_iters'], r['main_iters']) for r in rec['rows']] == [
        ('Pre-training only', 3, 0), ('Main training only', 0, 4), ('Full training', 3, 4)]
    steps = [json.loads((tmp_path / 'work' / r['model']).with_name('summary.json').read_text())['steps'] for r in rec['rows']]
    assert steps == [3, 4, 7] and [r['paper'] for r in rec['rows']] == [0.667, 0.681, 0.766]
    assert 'DAVIS 2016 sample' not in rec['floor'] and rec['floor']['synthetic val']['J&F'] > 0.3   # drifting squares: floor > 0
    assert all(0 <= r['synthetic val']['J&F'] <= 1 for r in rec['rows'])


def test_make_trick2_controls_tiny(tmp_path):
    "scripts/make_trick2_controls.py at --tiny size: Trick 2 and both controls per seed, paired differences over seeds and videos."
    spec = importlib.util.spec_from_file_location('controls', Path(__file__).parents[1] / 'scripts' / 'make_trick2_controls.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    out = tmp_path / 'controls.json'
    assert m.main(['--work', str(tmp_path / 'work'), '--tiny', '--seeds', '0', '1', '--out', str(out)]) == 0
    rec = json.loads(out.read_text())
    assert [r['row'] for r in rec['rows']] == ['Baseline', '+ Trick 2', 'control: whole model', 'control: train longer']
    cfg = lambda s, k: json.loads((tmp_path / 'work' / f'seed{s}' / k / 'config.json').read_text())['train']
    assert cfg(1, 'control-longer')['main_iters'] == 3 + 5 and cfg(1, 'control-whole')['model_from'].endswith('seed1/baseline/model.safetensors')
    assert cfg(0, 'trick2')['decoder_from'] == cfg(0, 'control-whole')['model_from']       # both start from the same donor
    d = {(x['row'], x['base']): x for x in rec['deltas']}
    assert len(d) == 5 and all(x['ci'][0] <= x['ci'][1] and set(x['seeds']) == {'0', '1'} for x in d.values())
    assert '| + Trick 2 − control: train longer |' in rec['table'] and rec['donor_check'] == {}
    from trickvos.reporting import _video
    videos = {sp: set((tmp_path / 'work' / 'synth' / 'ImageSets' / '2017' / f'{sp}.txt').read_text().split()) for sp in rec['split_deltas']}
    assert {sp: set(v) for sp, v in rec['split_videos'].items()} == videos
    assert rec['split_deltas'] and set(rec['split_deltas']) <= {'val_seen', 'val_unseen'}    # the texture splits it lists
    for sp, ds in rec['split_deltas'].items():                   # each split: the same pairs over its own objects only
        n = sum(_video(o) in videos[sp] for o in rec['objects']['seed0/baseline'])
        assert [(x['row'], x['base']) for x in ds] == list(d) and all(x['objects'] == n for x in ds) and f'| {sp} | ' in rec['split_table']
    import shutil
    shutil.rmtree(tmp_path / 'work')                       # a later session without the work folder: --out's scores are re-used
    assert m.main(['--work', str(tmp_path / 'work'), '--tiny', '--seeds', '0', '1', '--out', str(out)]) == 0
    again = json.loads(out.read_text())
    assert again['objects'] == rec['objects'] and again['deltas'] == rec['deltas'] and not (tmp_path / 'work' / 'seed0').exists()
