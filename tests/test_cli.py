"The `trickvos` console command: help, argument errors, synth -> score round trip."
import json, shutil, subprocess, sys
from pathlib import Path
import pytest
from trickvos.cli import main, parse_size

def test_console_script_lists_subcommands():
    exe = shutil.which('trickvos') or str(Path(sys.executable).parent/'trickvos')
    r = subprocess.run([exe, '--help'], capture_output=True, text=True)
    assert r.returncode == 0
    for cmd in ('synth', 'score', 'demo'): assert cmd in r.stdout

def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert 'usage: trickvos' in capsys.readouterr().out

@pytest.mark.parametrize('bad', ['12', 'axb', '0x10', '10x-3'])
def test_bad_size_is_an_argparse_error(bad, capsys):
    with pytest.raises(SystemExit) as e: main(['synth', '--out', 'x', '--size', bad])
    assert e.value.code == 2 and 'size' in capsys.readouterr().err

def test_synth_then_score(tmp_path, capsys):
    data = tmp_path/'synth'
    assert main(['synth', '--out', str(data), '--train', '1', '--val', '2', '--frames', '6', '--size', '64x96', '--seed', '3']) == 0
    val = (data/'ImageSets'/'2017'/'val.txt').read_text().split()
    assert len(val) == 2
    # a perfect prediction: the ground truth itself, copied to a results folder, scores J&F = 1
    res = tmp_path/'res'
    for seq in val: shutil.copytree(data/'Annotations'/'480p'/seq, res/seq)
    capsys.readouterr()
    assert main(['score', '--results', str(res), '--davis', str(data), '--set', 'val']) == 0
    assert 'J&F-Mean' in capsys.readouterr().out
    header, values = (res/'global_results-val.csv').read_text().splitlines()[:2]
    assert dict(zip(header.split(','), map(float, values.split(','))))['J&F-Mean'] == 1.0
    assert not any((data/'Annotations'/'480p').glob('*.csv')) and not any(data.glob('*.csv'))  # nothing written into the dataset
    assert any(res.glob('*.csv'))

def test_score_missing_results_is_a_clean_error(tmp_path, capsys):
    data = tmp_path/'synth'
    assert main(['synth', '--out', str(data), '--train', '1', '--val', '1', '--frames', '5', '--size', '64x96']) == 0
    (tmp_path/'empty').mkdir()
    assert main(['score', '--results', str(tmp_path/'empty'), '--davis', str(data)]) == 1
    assert 'error' in capsys.readouterr().err


@pytest.mark.parametrize('cmd', ['train', 'eval', 'segment', 'bench', 'train-tracker'])
def test_module_commands_have_their_own_help(cmd, capsys):
    with pytest.raises(SystemExit) as e: main([cmd, '--help'])
    assert e.value.code == 0 and f'usage: trickvos {cmd}' in capsys.readouterr().out


def test_module_command_errors_are_clean(tmp_path, capsys):
    assert main(['eval', '--checkpoint', str(tmp_path / 'nothing'), '--data', str(tmp_path)]) == 1
    assert 'trickvos eval: error' in capsys.readouterr().err
