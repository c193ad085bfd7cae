"""Re-measure the shipped trickvos-showcase model: Trick 3 rows with the filter in its place (issue 15), flip testing
and memory every 5 frames on the DAVIS sample (issue 19).

    python scripts/remeasure_showcase.py --work runs/showcase-remeasure

Writes WORK/davis.json (CV, PT), WORK/practices.json (flip, mem-every-5) and WORK/synth.json (none, CV, PT and the
floor on synthetic val, the calibrated benchmark made as scripts/make_showcase.py makes it, in WORK). The figures were
copied into trickvos/weights/trickvos-showcase.json by hand, with the old ones beside them (`remeasured`); since leg 3
replaced that model they sit in the record under `superseded`, with the model they were measured on.
"""
import argparse, json, sys
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent))
import make_showcase as S
from trickvos.model import shipped_model
ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
ap.add_argument('--work', type=Path, required=True)
a = ap.parse_args()
work = a.work; work.mkdir(parents=True, exist_ok=True)
model = shipped_model('trickvos-showcase')
davis = S.DAVIS_SAMPLE
data, _, _ = S.make_data(work, davis, tiny=False)          # the calibrated benchmark (reused when WORK already holds it)
run = work / 'trickvos-showcase'
out = {}
for tr in ('cv', 'pt'):
    out[tr] = S.evaluate(run, work, data, davis, tr, synthetic=False, model=model)
    print(tr, 'DAVIS held-out', round(out[tr]['DAVIS 2016 sample']['held-out']['J&F'], 3), flush=True)
(work / 'davis.json').write_text(json.dumps(out, indent=1))
from trickvos.evaluation import evaluate_model
extra = {}
for name, kw in (('flip', dict(flip=True)), ('mem-every-5', dict(mem_every=5))):
    r = evaluate_model(model, davis, split='val', year=2016, short_side=240, out_dir=work / f'davis-{name}', progress=False, **kw)
    extra[name] = dict(S.per_sequence(r['scores']), fps=r['fps'])
    print(name, 'DAVIS held-out', round(extra[name]['held-out']['J&F'], 3), 'FPS', round(r['fps'], 1), flush=True)
(work / 'practices.json').write_text(json.dumps(extra, indent=1))
syn = {}
for tr in ('none', 'cv', 'pt'):
    syn[tr] = S.evaluate(run, work, data, None, tr, synthetic=True, model=model)['synthetic val']
    print(tr, 'synthetic val', round(syn[tr]['J&F'], 3), flush=True)
syn['floor'] = S.floors(work, data, None)['synthetic val']
(work / 'synth.json').write_text(json.dumps(syn, indent=1))
