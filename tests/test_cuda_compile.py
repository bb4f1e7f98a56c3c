"""The CUDA training kernels compiled for real: PTX for sm_90 and sm_80, assembled by ptxas.

Runs wherever numba-cuda (with its NVVM wheel) and the nvidia-cuda-nvcc wheel's ptxas are
installed (``make test-cuda``); skipped elsewhere. No GPU is needed.
"""

import importlib.util
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "scripts"))

pytestmark = pytest.mark.skipif(importlib.util.find_spec("numba_cuda") is None,
                                reason="needs numba-cuda (make test-cuda)")

STANDARD_SLOTS = 4  # dim 100 on a warp: the standard run's class


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
