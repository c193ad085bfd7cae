"Execute every notebook in nbs/ top to bottom with nbdev's runner (IN_TEST set, `notest`/`slow` cells skipped)."
from pathlib import Path
import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as run_notebook  # renamed so that pytest does not collect it

NBS = Path(__file__).resolve().parent.parent/'nbs'
NOTEBOOKS = sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.')))
EXTRAS = {'17_export': 'onnxruntime'}       # notebooks that need an optional extra (pip install "trickvos[export]")

def test_there_are_notebooks():
    assert {'index', '00_data', '01_synthetic', '02_metrics'} <= {p.stem for p in NOTEBOOKS}

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(nb):
    if nb.stem in EXTRAS: pytest.importorskip(EXTRAS[nb.stem], reason=f'{nb.stem} needs the export extra')
    cfg = get_config(NBS)
    flags = cfg.tst_flags.split() if isinstance(cfg.tst_flags, str) else list(cfg.tst_flags)
    ok, _ = run_notebook(nb, skip_flags=flags, basepath=cfg.config_path, cell_timeout=cfg.cell_timeout)
    assert ok, f'{nb.name} failed: its traceback is printed above'
