#!/usr/bin/env bash
# On a machine with an NVIDIA GPU and nothing prepared: install w2vns with its CUDA and
# test extras, run the CUDA tests on the hardware, print the kernels' resources, time the
# standard run on the GPU against w2vns on all CPU cores and gensim (scripts/bench_gpu.py,
# which prints the README's table), then the thread scaling table if time allows.
#     bash scripts/device_check.sh            # from the repository root
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv-device}
BUDGET_S=${BUDGET_S:-480}  # the whole check, 8 minutes
start=$(date +%s)
left() { echo $(( BUDGET_S - ($(date +%s) - start) )); }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e '.[test,bench]' 'numba-cuda[cu13]' nvidia-cuda-nvcc
PY="$VENV/bin/python"
echo "== CUDA tests on the hardware =="
"$PY" -m pytest -q -s tests/test_cuda.py tests/test_cuda_compile.py
echo "== kernel resources (ptxas -v) =="
"$PY" scripts/cuda_resources.py
echo "== standard run: GPU, all CPU cores, gensim =="
mkdir -p bench-out
"$PY" scripts/bench_gpu.py --threads "$(nproc)" --json bench-out/device_check.json
if [ "$(left)" -gt 120 ]; then
  echo "== thread scaling =="
  "$PY" scripts/bench_threads.py --threads 1,2,4,8,16 || echo "bench_threads: skipped (see its --help)"
else
  echo "== thread scaling: skipped, $(left) s left of the budget =="
fi
echo "device_check: $(( $(date +%s) - start )) s"
