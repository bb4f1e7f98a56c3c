#!/usr/bin/env python
"""Compile every CUDA training kernel to PTX and assemble it with ptxas, without a GPU.

For each width class (columns per lane) and ring placement (shared or global memory),
and each architecture: registers per thread, spill bytes, local memory (stack) and shared
memory, as ``ptxas -v`` reports them. Needs numba-cuda with its NVVM wheel and a ptxas
that reads that PTX (pip install 'numba-cuda[cu13]' nvidia-cuda-nvcc).

    python scripts/cuda_resources.py                       # the standard class, sm_90 and sm_80
    python scripts/cuda_resources.py --all                 # every class
    python scripts/cuda_resources.py --cached              # through the kernel's disk cache

``--cached`` compiles the standard kernel as a run does, through its dispatcher and
Numba's disk cache (NUMBA_CACHE_DIR, else beside the sources), and prints whether it was
loaded from there: run it twice, the second process loads it. Without a GPU the
dispatcher stops at PTX (binding the cubin to a context needs a driver).
"""

import argparse
import collections
import contextlib
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time
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


@contextlib.contextmanager
def without_gpu(cc):
    """Compile as for a GPU of compute capability ``cc`` where there is none: where Numba
    asks the driver for the current device, its capability or the CUDA version, answer
    ``cc``; a kernel's dispatcher stops at PTX where it would bind the cubin to a context."""
    from numba.cuda import codegen, dispatcher

    device = types.SimpleNamespace(compute_capability=cc)

    def bind(kernel):
        kernel._codelibrary.get_asm_str()  # the PTX, which the cache keeps

    with mock.patch.object(dispatcher, "get_current_device", lambda: device), \
            mock.patch.object(codegen.CUDACodeLibrary, "_ensure_cc",
                              lambda self, given: given or (*cc, "a" if cc >= (9, 0) else "")), \
            mock.patch.object(codegen.JITCUDACodegen, "magic_tuple",
                              lambda self: ("no driver", cc)), \
            mock.patch.object(dispatcher._Kernel, "bind", bind):
        yield


def compile_ptx(slots, ring_in_shared, cc):
    """PTX of the training kernel of one class for compute capability ``cc``."""
    from numba import cuda

    from w2vns.kernels import cuda as kernels

    with without_gpu(cc):
        kernel = kernels._kernel(slots, ring_in_shared)
        ptx, _ = cuda.compile_ptx(kernel.py_func, kernels.kernel_argument_types(), cc=cc,
                                  fastmath=True)
    return ptx


def compile_cached(slots, ring_in_shared, cc):
    """Compile the kernel of one class through its dispatcher, as a run does (with the
    disk cache); returns (loaded from the cache, compiled) for its signature."""
    from w2vns.kernels import cuda as kernels

    signature = kernels.kernel_argument_types()
    with without_gpu(cc):
        kernel = kernels.kernel_for(slots, ring_in_shared)
        kernel.compile(signature)
    stats = kernel.stats
    return sum(stats.cache_hits.values()), sum(stats.cache_misses.values())


def opcodes(ptx):
    """How often each instruction (opcode with its type suffixes) occurs in ``ptx``."""
    counts = collections.Counter()
    for line in ptx.splitlines():
        words = line.split()
        if line.startswith("\t") and words and words[0][0].isalpha():
            counts[words[0]] += 1
    return counts


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
    ap.add_argument("--cached", action="store_true",
                    help="compile the standard kernel through the disk cache and say whether "
                         "it was loaded from there")
    args = ap.parse_args()
    from w2vns.kernels import cuda as kernels

    if args.cached:
        start = time.perf_counter()
        hits, misses = compile_cached(STANDARD_SLOTS, True, ARCHITECTURES[0])
        print(json.dumps({"cache_hits": hits, "cache_misses": misses,
                          "seconds": round(time.perf_counter() - start, 2)}))
        return

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
