#!/usr/bin/env bash
# On a machine with an NVIDIA GPU and nothing prepared: install w2vns with its CUDA, test
# and bench extras (from the package index, or from a directory of wheels without a
# network), run the device tests on the GPU itself, time the standard run on the GPU
# against w2vns on all CPU cores and gensim (scripts/bench_gpu.py, which prints the
# README's table, with the kernels' own words/s), then, while time is left, the kernels'
# resources (ptxas) and a short thread scaling table. Finishes within BUDGET_S seconds
# (8 minutes) on an H100-class machine: the optional steps run only with enough time
# left, each under a timeout.
#
#     bash scripts/device_check.sh          # from anywhere: it works in the repository
#
# Settings (environment):
#   CORPUS=FILE     the standard corpus; by default shared/corpora/text8_like.txt.gz inside
#                   the repository, else ../shared/corpora/text8_like.txt.gz beside it
#   WHEELS=DIR      wheels to install from when the package index cannot be reached; made
#                   on a machine with a network, for the same Python and platform, e.g.
#                     pip download -d DIR pip 'setuptools>=77' '.[test,bench]' \
#                         'numba-cuda[cu12]' nvidia-cuda-nvcc-cu12
#                   (cu13 and nvidia-cuda-nvcc for a CUDA 13 driver)
#   CUDA_WHEELS=cu12|cu13   numba-cuda's CUDA wheels (default: the driver's CUDA major)
#   PYTHON=python3  the interpreter of the virtual environment (3.11 or later)
#   VENV=DIR        the virtual environment (default .venv-device, kept for later runs)
#   BUDGET_S=480    seconds for the whole check
#   DRY_RUN=1       no GPU: skip nvidia-smi and the install, use the current PYTHON's
#                   packages and Numba's CUDA simulator, on a 2,000-word corpus, without
#                   the scores (checks this script)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
BUDGET_S=${BUDGET_S:-480}
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv-device}
start=$(date +%s)
failed=()
left() { echo $(( BUDGET_S - ($(date +%s) - start) )); }
step() { echo; echo "== $1 ($(left) s left) =="; }
die() { echo "device_check: $1" >&2; exit 2; }

find_shared() {  # shared/ inside the repository (the device machine's copy), or beside it
  for dir in shared ../shared; do
    if [ -d "$dir" ]; then (cd "$dir" && pwd); return; fi
  done
}

cuda_flavour() {  # cu12 or cu13, from the CUDA version the driver supports
  local major
  major=$(nvidia-smi | sed -n 's/.*CUDA Version: *\([0-9][0-9]*\).*/\1/p' | head -n 1)
  if [ "${major:-12}" -ge 13 ]; then echo cu13; else echo cu12; fi
}

index_reachable() {  # the package index pip would use answers within a few seconds
  local url
  url=${PIP_INDEX_URL:-$("$PYTHON" -m pip config get global.index-url 2>/dev/null)}
  "$PYTHON" - "${url:-https://pypi.org/simple}" <<'EOF'
import sys
import urllib.request
try:
    urllib.request.urlopen(sys.argv[1].rstrip("/") + "/pip/", timeout=5)
except Exception:
    sys.exit(1)
EOF
}

install() {  # the virtual environment with w2vns and the extras; sets PY
  local flavour nvcc packages
  flavour=${CUDA_WHEELS:-$(cuda_flavour)}
  nvcc=$([ "$flavour" = cu13 ] && echo nvidia-cuda-nvcc || echo nvidia-cuda-nvcc-cu12)
  packages=(-e '.[test,bench]' "numba-cuda[$flavour]" "$nvcc")
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV" || die "cannot create $VENV with $PYTHON (install python3-venv, or set PYTHON)"
  PY="$VENV/bin/python"
  echo "CUDA wheels: $flavour"
  if index_reachable; then
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet "${packages[@]}" || die "pip install from the package index failed"
  elif [ -n "${WHEELS:-}" ] && [ -d "$WHEELS" ]; then
    echo "the package index cannot be reached: installing from $WHEELS"
    "$PY" -m pip install --quiet --no-index --find-links "$WHEELS" "${packages[@]}" \
      || die "pip install from $WHEELS failed (see WHEELS at the top of this script)"
  else
    die "the package index cannot be reached and WHEELS is not a directory of wheels (see the top of this script)"
  fi
}

SHARED=$(find_shared)
if [ -n "${DRY_RUN:-}" ]; then
  export NUMBA_ENABLE_CUDASIM=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
  PY=$PYTHON
  extra=(--limit-words 2000 --epochs 1 --no-eval --workdir bench-out/dry-run)
else
  extra=()
fi
CORPUS=${CORPUS:-${SHARED:+$SHARED/corpora/text8_like.txt.gz}}
[ -n "$CORPUS" ] && [ -f "$CORPUS" ] || die "no corpus: put shared/corpora/text8_like.txt.gz in or beside the repository, or set CORPUS"
EVAL=${SHARED:+$SHARED/eval}
[ -n "$EVAL" ] && [ -f "$EVAL/questions-words.txt" ] || EVAL=w2vns/data  # the copies shipped
echo "corpus: $CORPUS; evaluation sets: $EVAL; $(nproc) cores"

step "GPU and install"
if [ -z "${DRY_RUN:-}" ]; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || die "nvidia-smi failed: no NVIDIA driver?"
  install
fi
"$PY" -c 'import numba, numpy; print("numba", numba.__version__, "numpy", numpy.__version__)'

# The device tests on the GPU (under the simulator in a dry run: the fast ones only).
step "device tests"
tests_s=$(( $(left) - 300 ))  # the standard run below needs about 5 minutes
[ "$tests_s" -gt 180 ] && tests_s=180
if [ -n "${DRY_RUN:-}" ]; then
  filter=(-k "units or kernel_time or lanes or mask or upcoming")
else
  filter=()
fi
if [ "$tests_s" -ge 30 ]; then
  timeout "$tests_s" "$PY" -m pytest -q -x -p no:cacheprovider -W ignore::RuntimeWarning \
    tests/test_cuda.py "${filter[@]}" || failed+=("device tests")
else
  echo "skipped: $(left) s left"
fi

step "standard run: GPU, all CPU cores, gensim (the README's table)"
mkdir -p bench-out
"$PY" scripts/bench_gpu.py --corpus "$CORPUS" --eval-dir "$EVAL" --threads "$(nproc)" \
  --json bench-out/device_check.json "${extra[@]}" || failed+=("bench_gpu")

step "kernel resources (ptxas -v)"
if [ -n "${DRY_RUN:-}" ]; then
  echo "skipped: dry run"
elif [ "$(left)" -gt 120 ]; then
  timeout 90 "$PY" scripts/cuda_resources.py || echo "cuda_resources: stopped (see its --help)"
else
  echo "skipped: $(left) s left"
fi

step "thread scaling (2M words, 1 epoch)"
if [ -n "${DRY_RUN:-}" ]; then
  echo "skipped: dry run"
elif [ "$(left)" -gt 90 ]; then
  timeout $(( $(left) - 15 )) "$PY" scripts/bench_threads.py --corpus "$CORPUS" \
    --eval-dir "$EVAL" --models sg --limit-words 2000000 --epochs 1 \
    --threads "1,4,$(nproc)" || echo "bench_threads: stopped at the budget"
else
  echo "skipped: $(left) s left"
fi

echo
echo "device_check: $(( $(date +%s) - start )) s${failed:+, failed: ${failed[*]}}"
[ ${#failed[@]} -eq 0 ]
