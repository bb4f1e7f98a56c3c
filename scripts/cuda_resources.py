#!/usr/bin/env python
"""Compile every CUDA training kernel to PTX and assemble it with ptxas, without a GPU.

For each width class (columns per lane) and ring placement (shared or global memory),
and each architecture: registers per thread, spill bytes, local memory (stack) and shared
memory, as ``ptxas -v`` reports them. Needs numba-cuda with its NVVM wheel and a ptxas
that reads that PTX (pip install 'numba-cuda[cu13]' nvidia-cuda-nvcc).

    python scripts/cuda_resources.py                       # the standard class, sm_90 and sm_80
    python scripts/cuda_resources.py --all                 # every class
"""

import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
import types
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

ARCHITECTURES = ((9, 0), (8, 0))  # H100/H200, and the older A100
STANDARD_SLOTS = 4  # dim 100 on 32 lanes
_RESOURCES = re.compile(r"Used (\d+) registers")
_STACK = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
_SMEM = re.compile(r"(\d+) bytes smem")


def ptxas_path():
    """The ptxas of the nvidia-cuda-nvcc wheel (it reads the PTX numba-cuda writes)."""
    import site

    roots = site.getsitepackages() + [site.getusersitepackages()]
    for root in roots:
        found = sorted(glob.glob(os.path.join(root, "nvidia", "*", "bin", "ptxas")))
        if found:
            return found[-1]
    return None


def compile_ptx(slots, ring_in_shared, cc):
    """PTX of the training kernel of one class for compute capability ``cc``. Compiling
    the device functions asks the driver for the current device's compute capability;
    without a GPU it is given ``cc``."""
    from numba import cuda
    from numba.cuda import dispatcher

    from w2vns.kernels import cuda as kernels

    device = types.SimpleNamespace(compute_capability=cc)
    with mock.patch.object(dispatcher, "get_current_device", lambda: device):
        kernel = kernels._kernel(slots, ring_in_shared)
        ptx, _ = cuda.compile_ptx(kernel.py_func, kernels.kernel_argument_types(), cc=cc,
                                  fastmath=True)
    return ptx


def assemble(ptx, cc, ptxas):
    """``ptxas -v`` figures of one PTX: registers, stack, spill stores/loads, smem."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "kernel.ptx")
        with open(path, "w") as handle:
            handle.write(ptx)
        result = subprocess.run([ptxas, "-v", f"-arch=sm_{cc[0]}{cc[1]}", "-o",
                                 os.path.join(tmp, "kernel.cubin"), path],
                                capture_output=True, text=True, check=True)
    text = result.stdout + result.stderr
    stack = _STACK.search(text)
    return dict(registers=int(_RESOURCES.search(text).group(1)),
                stack=int(stack.group(1)) if stack else 0,
                spill_stores=int(stack.group(2)) if stack else 0,
                spill_loads=int(stack.group(3)) if stack else 0,
                smem=int(_SMEM.search(text).group(1)) if _SMEM.search(text) else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--all", action="store_true", help="every width class, not only dim <= 128")
    args = ap.parse_args()
    from w2vns.kernels import cuda as kernels

    ptxas = ptxas_path()
    if ptxas is None:
        sys.exit("cuda_resources: no ptxas found: pip install nvidia-cuda-nvcc")
    classes = kernels.WIDTH_CLASSES if args.all else (STANDARD_SLOTS,)
    print("| columns a lane | dim up to | ring in | arch | registers | stack bytes "
          "| spill stores | spill loads | static smem |")
    print("|---|---|---|---|---|---|---|---|---|")
    for slots in classes:
        for shared in (True, False):
            for cc in ARCHITECTURES:
                r = assemble(compile_ptx(slots, shared, cc), cc, ptxas)
                print(f"| {slots} | {slots * kernels.WARP} | {'shared' if shared else 'global'} "
                      f"| sm_{cc[0]}{cc[1]} | {r['registers']} | {r['stack']} "
                      f"| {r['spill_stores']} | {r['spill_loads']} | {r['smem']} |", flush=True)


if __name__ == "__main__":
    main()
