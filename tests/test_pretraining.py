"trickvos.pretraining (Trick 2): what is copied, donor checks and records, the trick2/trick12 presets, the CLI."
import argparse, json
import pytest
import torch
from trickvos.model import build_model, save_model, count_parameters, load_model
from trickvos.synthetic import generate_benchmark
from trickvos.training import train
from trickvos.config import train_config, TRAIN_PRESETS
from trickvos.cli import build_parser
from trickvos.pretraining import PARTS, part_keys, decoder_table, init_from_donor

TINY = dict(static_iters=1, main_iters=1, batch_size=1, crop=(32, 32), log_every=1, ckpt_every=1, max_objects=1)


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    return generate_benchmark(tmp_path_factory.mktemp('d') / 'synth', n_train=2, n_val=1, frames=6, size=(64, 96),
                              seed=2, progress=False)


@pytest.fixture
def donor(tmp_path):
    torch.manual_seed(123)
    m = build_model('baseline')
    return m, save_model(m, tmp_path / 'donor.safetensors', preset='baseline', step=600, scale='reference', complete=True)


def test_decoder_is_the_decoder_module():
    m = build_model('baseline')
    rows = decoder_table(m)
    assert {k for k, _, _ in rows} == {f'decoder.{k}' for k in m.decoder.state_dict()}
    assert sum(n for _, _, n in rows) == count_parameters(m.decoder) == 682_113
    assert set(part_keys(m.state_dict(), 'all')) == set(m.state_dict()) and set(PARTS) == {'decoder', 'all'}
    with pytest.raises(ValueError, match='unknown part'): part_keys(m.state_dict(), 'encoder')


def test_init_from_donor_copies_the_decoder_only(donor):
    d, path = donor
    torch.manual_seed(0); m = build_model('baseline')
    fresh = {k: v.clone() for k, v in m.state_dict().items()}
    rec = init_from_donor(m, path, expect_preset='baseline')
    s, sd = m.state_dict(), d.state_dict()
    for k in s:
        if k.startswith('decoder.'): assert torch.equal(s[k], sd[k]), k
        else: assert torch.equal(s[k], fresh[k]), k
    assert rec['part'] == 'decoder' and rec['tensors'] == len(decoder_table(m)) and rec['step'] == 600
    assert rec['preset'] == 'baseline' and rec['complete'] is True and rec['source'] == str(path.resolve())


def test_init_from_donor_all_and_run_folder(donor, tmp_path):
    d, path = donor
    (tmp_path / 'run').mkdir(); path.rename(tmp_path / 'run' / 'model.safetensors')
    m = build_model('baseline')
    rec = init_from_donor(m, tmp_path / 'run', 'all')
    assert all(torch.equal(a, b) for a, b in zip(m.state_dict().values(), d.state_dict().values()))
    assert rec['tensors'] == len(m.state_dict())


def test_donor_sha256_identifies_the_file(donor, tmp_path):
    _, path = donor
    a = init_from_donor(build_model('baseline'), path)['sha256']
    other = save_model(build_model('baseline'), tmp_path / 'other.safetensors', preset='baseline', step=1, complete=True)
    assert a == init_from_donor(build_model('baseline'), path)['sha256'] != init_from_donor(build_model('baseline'), other)['sha256']


def test_mismatched_or_missing_donor_is_a_clear_error(tmp_path):
    stcn = save_model(build_model('stcn'), tmp_path / 'stcn.safetensors', preset='stcn', step=1, complete=True)
    m = build_model('baseline'); before = {k: v.clone() for k, v in m.state_dict().items()}
    with pytest.raises(ValueError, match=r'decoder\.compress\.conv1\.weight \(256, 256, 3, 3\) vs \(128, 128, 3, 3\)'):
        init_from_donor(m, stcn)
    assert all(torch.equal(v, before[k]) for k, v in m.state_dict().items())            # nothing half-copied
    with pytest.raises(FileNotFoundError, match='no model file'): init_from_donor(m, tmp_path / 'nothing')


def test_wrong_preset_or_unfinished_donor_warns(tmp_path):
    f = save_model(build_model('baseline'), tmp_path / 'd.safetensors', preset='trick1', step=3, complete=False)
    with pytest.warns(UserWarning) as w: rec = init_from_donor(build_model('baseline'), f, expect_preset='baseline')
    msgs = ' '.join(str(x.message) for x in w)
    assert "preset 'trick1', not 'baseline'" in msgs and 'had not finished (step 3)' in msgs
    assert rec['complete'] is False


def test_presets_need_a_donor():
    donors = {p: c.donor for p, c in TRAIN_PRESETS.items() if c.donor}
    assert donors == {'trick2': 'baseline', 'trick12': 'trick1'}
    for p, d in donors.items():     # Trick 2 is its donor's recipe, started from the donor's decoder
        assert (TRAIN_PRESETS[p].model, TRAIN_PRESETS[p].loss) == (TRAIN_PRESETS[d].model, TRAIN_PRESETS[d].loss)
        with pytest.raises(ValueError, match='--decoder-from'): train_config(p)
    with pytest.raises(ValueError, match='not both'): train_config('baseline', decoder_from='a', model_from='b')
    assert train_config('trick12', decoder_from='x').loss.ssim == 1 and train_config('trick2', decoder_from='x').loss.ssim == 0


def test_train_trick2_records_its_donor_and_starts_from_its_decoder(data, donor, tmp_path):
    d, path = donor
    cfg = train_config('trick2', decoder_from=str(path), **{**TINY, 'lr': 0.0, 'weight_decay': 0.0})
    run = train(cfg, data, tmp_path / 'run', progress=False)
    rec = json.loads((run / 'donor.json').read_text())
    assert rec['source'] == str(path.resolve()) and rec['part'] == 'decoder' and rec['preset'] == 'baseline'
    assert json.loads((run / 'config.json').read_text())['train']['decoder_from'] == str(path)
    out = load_model(run).state_dict()                                          # lr 0: the weights did not move
    assert all(torch.equal(out[k], v) for k, v in d.state_dict().items() if k.startswith('decoder.'))
    assert not torch.equal(out['key_proj.weight'], d.state_dict()['key_proj.weight'])
    train(cfg, data, run, resume=True, progress=False)                             # resuming a finished run: fine


def test_cli_decoder_from(data, donor, tmp_path):
    _, path = donor
    p = build_parser(['train'])
    args = p.parse_args(['train', '--preset', 'trick12', '--data', str(data), '--out', str(tmp_path / 'r'),
                         '--iters', '0', '1', '--batch-size', '1', '--no-progress', '--decoder-from', str(path)])
    assert args.decoder_from == str(path) and args.model_from is None
    with pytest.warns(UserWarning, match="not 'trick1'"): assert args.func(args) == 0
    assert json.loads((tmp_path / 'r' / 'donor.json').read_text())['tensors'] == 22
    args = p.parse_args(['train', '--preset', 'trick2', '--data', str(data), '--out', str(tmp_path / 's')])
    with pytest.raises(ValueError, match='--decoder-from'): args.func(args)
