#!/usr/bin/env bash
# The GPU path of the showcase models, as one command on a bare machine with one GPU (H100/H200), in about 10 minutes:
#   1. trains baseline-showcase and trickvos-showcase at the `showcase-gpu` scale (batch 16, crop 192, bf16 on CUDA),
#      each from its shipped reference model, on the calibrated benchmark + the DAVIS sample's training sequences;
#   2. evaluates them beside the floors (synthetic val; the DAVIS sample at short side 240, held-out sequences apart);
#   3. runs `trickvos bench` at 480x864: 1 and 3 objects, eager and optimised, baseline and stcn, and the Trick 3 overhead;
#   4. leaves in $OUT at most 8 files of at most 16 MB: the two models and their records, the bench table, the log.
#
# Two steps. Here, on the CPU machine, once:   bash scripts/gpu_showcase.sh prepare
#   (writes .gpu/: the photographs at 512 px, the DAVIS 2016 sample, and the pytorch-msssim wheel the GPU image lacks;
#    add `/.gpu/` to .git/info/exclude, and carry `.gpu` with the device call)
# There, with $OUT set:                         bash scripts/gpu_showcase.sh run
# Test on the CPU at a tiny size:               TINY=1 OUT=/tmp/gpu-out bash scripts/gpu_showcase.sh run
# Ship what it trained when it beats the CPU models: copy $OUT/*-showcase.{safetensors,json} to trickvos/weights/.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
CARRY=${CARRY:-.gpu}
PY=${PY:-python3}

if [ "$mode" = prepare ]; then
  mkdir -p "$CARRY/photos" "$CARRY/wheels"
  "$PY" - "$CARRY" <<'EOF'
import sys, shutil, tempfile, cv2
from pathlib import Path
from trickvos.textures import gather_photos
carry = Path(sys.argv[1])
with tempfile.TemporaryDirectory() as d:
    for name in gather_photos(d):                      # each at 512 px on its short side: what the generator uses anyway
        im = cv2.imread(str(Path(d) / name)); f = 512 / min(im.shape[:2])
        if f < 1: im = cv2.resize(im, (round(im.shape[1] * f), round(im.shape[0] * f)), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(carry / 'photos' / (Path(name).stem + '.jpg')), im, [cv2.IMWRITE_JPEG_QUALITY, 92])
EOF
  src=${DAVIS:-../shared/data/davis2016-sample}
  rm -rf "$CARRY/davis2016-sample"; cp -rL "$src" "$CARRY/davis2016-sample"
  "$PY" -m pip download -q --no-deps --only-binary=:all: -d "$CARRY/wheels" pytorch-msssim
  du -sh "$CARRY"
  exit 0
fi

: "${OUT:?set OUT to the output folder}"
mkdir -p "$OUT"
WORK=${WORK:-/tmp/trickvos-gpu}
if ls "$CARRY"/wheels/*.whl >/dev/null 2>&1 && ! "$PY" -c 'import pytorch_msssim' 2>/dev/null; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --target /tmp/site "$CARRY"/wheels/*.whl
  export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
tiny=(); bench=(--size 480x864 --reps 20 --trackers none cv pt)
if [ "${TINY:-0}" = 1 ]; then tiny=(--tiny); bench=(--size 64x96 --reps 1 --warmup 1 --trackers none cv); fi
photos=(); [ -d "$CARRY/photos" ] && photos=(--photos "$CARRY/photos")
davis=${DAVIS:-$CARRY/davis2016-sample}
{
  "$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu")'
  t0=$(date +%s)
  "$PY" scripts/make_showcase.py --work "$WORK" --scale showcase-gpu --davis "$davis" --weights "$WORK/weights" \
    "${photos[@]}" "${tiny[@]}"
  echo "training and evaluation: $(( $(date +%s) - t0 )) s"
  "$PY" -c 'import sys; from trickvos.cli import main; sys.exit(main(sys.argv[1:]))' bench --presets baseline stcn --objects 1 3 --paths eager optimised --quiet \
    --out "$WORK/bench.json" "${bench[@]}"
} 2>&1 | grep -v 'Warning' | tee "$OUT/gpu_showcase.log"
cp "$WORK"/weights/*-showcase.safetensors "$WORK"/weights/*-showcase.json "$WORK/bench.json" "$OUT"/
ls -la "$OUT"
