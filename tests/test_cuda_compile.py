"""The CUDA training kernels compiled for real: PTX for sm_90 and sm_80, assembled by ptxas.

Runs wherever numba-cuda (with its NVVM wheel) and the nvidia-cuda-nvcc wheel's ptxas are
installed (``make test-cuda``); skipped elsewhere. No GPU is needed.
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "scripts"))

pytestmark = pytest.mark.skipif(importlib.util.find_spec("numba_cuda") is None,
                                reason="needs numba-cuda (make test-cuda)")

STANDARD_SLOTS = 4  # dim 100 on a warp: the standard run's class
SCRIPTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts")
# Float64 instructions that only move, convert or add up (the per-unit loss, the counters).
FLOAT64_BOOKKEEPING = ("mov.", "ld.", "st.", "cvt.", "add.f64", "atom.")
EXACT_DIVISION = ("div.rn.f32", "div.full.f32", "rcp.rn.f32")


@pytest.fixture(scope="module")
def ptxas():
    import cuda_resources

    path = cuda_resources.ptxas_path()
    if path is None:
        pytest.skip("needs the nvidia-cuda-nvcc wheel's ptxas (make test-cuda)")
    return path


@pytest.mark.parametrize("cc", [(9, 0), (8, 0)])
@pytest.mark.parametrize("ring_in_shared", [True, False])
def test_the_standard_kernel_assembles_without_spills_or_local_memory(ptxas, cc,
                                                                      ring_in_shared):
    import cuda_resources

    figures = cuda_resources.assemble(cuda_resources.compile_ptx(STANDARD_SLOTS, ring_in_shared,
                                                                 cc), cc, ptxas)
    print(f"sm_{cc[0]}{cc[1]} ring in {'shared' if ring_in_shared else 'global'} memory: "
          f"{figures['registers']} registers a thread")
    assert figures["spill_stores"] == 0 and figures["spill_loads"] == 0, figures
    assert figures["stack"] == 0, figures  # no local memory
    assert 0 < figures["registers"] <= 255


@pytest.mark.parametrize("slots", [1, 8, 32])
def test_other_width_classes_assemble_for_sm_90(ptxas, slots):
    import cuda_resources

    figures = cuda_resources.assemble(cuda_resources.compile_ptx(slots, True, (9, 0)), (9, 0),
                                      ptxas)
    print(f"{slots} columns a lane: {figures['registers']} registers, "
          f"{figures['stack']} bytes of stack")
    assert 0 < figures["registers"] <= 255


def test_the_standard_kernel_takes_fast_float32_arithmetic_per_term():
    """The logistic term's exp, log and division are the approximate intrinsics (an exact
    log has no lg2.approx, an exact division is div.rn or rcp.rn); float64 only adds up."""
    import cuda_resources

    ops = cuda_resources.opcodes(cuda_resources.compile_ptx(STANDARD_SLOTS, True, (9, 0)))
    assert ops["ex2.approx.ftz.f32"] > 0 and ops["lg2.approx.ftz.f32"] > 0
    assert ops["lg2.approx.ftz.f32"] == ops["ex2.approx.ftz.f32"]  # one of each a term
    assert not [op for op in ops if op in EXACT_DIVISION]
    float64 = [op for op in ops if ".f64" in op or op.endswith("f64")]
    assert float64 and all(op.startswith(FLOAT64_BOOKKEEPING) for op in float64), float64


def test_a_second_process_loads_the_kernel_from_the_disk_cache(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path),
               PYTHONPATH=os.pathsep.join(filter(None, [os.path.dirname(SCRIPTS),
                                                        os.environ.get("PYTHONPATH")])))
    found = []
    for _ in range(2):
        result = subprocess.run([sys.executable, os.path.join(SCRIPTS, "cuda_resources.py"),
                                 "--cached"], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-3000:]
        found.append(json.loads(result.stdout.splitlines()[-1]))
    print(f"compiled in {found[0]['seconds']} s, loaded in {found[1]['seconds']} s")
    assert (found[0]["cache_hits"], found[0]["cache_misses"]) == (0, 1)
    assert (found[1]["cache_hits"], found[1]["cache_misses"]) == (1, 0)
    assert os.listdir(tmp_path)
