#!/usr/bin/env bash
# GPU benchmark: SAM 2.1 tiny/small/base_plus/large on random weights (no internet, no
# checkpoints), engine vs raw predictor, compile off/on, VRAM over 1000 frames, concurrent
# sessions. Under 8 minutes; prints one table. See bench/gpu_bench.py and bench/RESULTS.md.
#   bench/gpu.sh            full run on a CUDA machine
#   bench/gpu.sh --dry-run  CPU, random-tiny, a few frames (proves the script end to end)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
if [[ " $* " != *" --dry-run "* ]] && ! "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  echo "# no CUDA device here: the full run needs one; running --dry-run instead" >&2
fi
exec timeout 480 "$PY" bench/gpu_bench.py "$@"
