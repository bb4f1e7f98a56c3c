"""Training on a CUDA GPU (``--device cuda``): device arrays, the corpus in chunks, copies back.

The epoch loop (``loop.py``) is the same on every device (``base.Device``). Preparing the
GPU copies the matrices, the subsampling and noise tables and the RNG states to it once;
each batch (a chunk of ``DEVICE_CHUNK_WORDS`` ids) is copied over, cut into units and
trained by ``kernels.cuda.train_chunk``; ``copy_back`` brings the matrices and RNG states
into the host arrays before a checkpoint and at the end, so checkpoints hold host arrays
and a run can resume on either device.
"""

import importlib.util

import numpy as np

from ...errors import DeviceError, UsageError
from ...kernels.bundles import N_TALLIES, Model, Noise
from ..counters import Counts
from .base import Device

DEVICE_CHUNK_WORDS = 1 << 24  # ids per kernel launch (64 MiB of int32)
SIMULATOR_LANES = 1  # lanes per worker under the simulator: one thread simulates fastest
SIMULATOR_WORKERS = 4
BLOCKS_PER_SM = 16  # resident thread blocks aimed for on each multiprocessor
NO_PACKAGE = ("--device cuda needs the numba-cuda package: pip install 'w2vns[cuda]', "
              "or use --device cpu.")
NO_GPU = "--device cuda: no CUDA GPU found (check the driver with nvidia-smi), or use --device cpu."


def simulated():
    """True when Numba's CUDA simulator is on (NUMBA_ENABLE_CUDASIM=1)."""
    from numba import config as numba_config

    return bool(numba_config.ENABLE_CUDASIM)


def package_installed():
    """Is numba-cuda (the ``cuda`` extra) installed?"""
    return importlib.util.find_spec("numba_cuda") is not None


def gpu_found():
    """Does the CUDA driver see a usable GPU?"""
    from numba import cuda

    return bool(cuda.is_available())


def _limits():
    """The kernel's fixed sizes (importing the kernels does not need a GPU)."""
    try:
        from ...kernels import cuda as kernels
    except ImportError:
        raise DeviceError(NO_PACKAGE) from None
    return {"dim": kernels.MAX_DIM, "negative": kernels.MAX_NEGATIVE}


def worker_states(states, workers):
    """One RNG state per worker: the given ones, or as many derived from them."""
    states = np.asarray(states, dtype=np.uint64)
    if len(states) >= workers:
        return states[:workers].copy()
    rng = np.random.default_rng(states)
    return rng.integers(1, np.iinfo(np.int64).max, size=workers, dtype=np.int64).astype(np.uint64)


def units(batch, segment):
    """[start, end) of every unit of ``batch``: each sentence (EOS excluded), longer ones
    cut into pieces of at most ``segment`` ids. Returns two int64 arrays."""
    eos = np.flatnonzero(batch == -1)
    starts = np.concatenate([[0], eos[:-1] + 1]).astype(np.int64)
    lengths = eos - starts
    pieces = (lengths + segment - 1) // segment
    sentence = np.repeat(np.arange(len(starts)), pieces)
    first = np.cumsum(pieces) - pieces
    k = np.arange(int(pieces.sum()), dtype=np.int64) - np.repeat(first, pieces)
    unit_start = starts[sentence] + k * segment
    unit_end = np.minimum(unit_start + segment, eos[sentence])
    return unit_start.astype(np.int64), unit_end.astype(np.int64)


class CudaDevice(Device):
    """Device copies of the model and tables; trains one chunk of the corpus per call.

    ``lanes`` and ``workers`` default to a warp per worker and enough workers to fill the
    GPU (one lane and a few workers under the simulator).
    """

    name = "cuda"

    def __init__(self, config, model, tables, states, log, lanes=None, workers=None):
        from numba import cuda

        from ...kernels import cuda as kernels

        super().__init__(config, model, tables, states, log)
        self.cuda, self.kernels = cuda, kernels
        self.lanes = lanes or (SIMULATOR_LANES if simulated() else kernels.WARP)
        per_block = kernels.WORKERS_PER_BLOCK
        wanted = workers or (SIMULATOR_WORKERS if simulated()
                             else _resident_blocks(cuda) * per_block)
        self.workers = -(-wanted // per_block) * per_block
        self.chunk_items = DEVICE_CHUNK_WORDS
        self.device_model = Model(*(cuda.to_device(m) for m in model))
        self.device_noise = Noise(*(cuda.to_device(a) for a in tables.noise))
        self.device_keep = cuda.to_device(tables.keep)
        self.rng = cuda.to_device(worker_states(states, self.workers))
        self.device_tallies = cuda.to_device(np.zeros((self.workers, N_TALLIES),
                                                      dtype=np.float64))
        self.tallies = np.zeros((1, N_TALLIES), dtype=np.float64)
        log(f"training on {_device_name(cuda)}: {self.workers:,} workers of {self.lanes} lanes")

    @classmethod
    def require(cls, config):
        if simulated():
            return
        if not package_installed():
            raise DeviceError(NO_PACKAGE)
        if not gpu_found():
            raise DeviceError(NO_GPU)

    @classmethod
    def check_options(cls, config):
        limits = _limits()
        if config.dim > limits["dim"]:
            raise UsageError(f"--dim {config.dim} is not supported with --device cuda "
                             f"(at most {limits['dim']}).")
        if config.negative > limits["negative"]:
            raise UsageError(f"--negative {config.negative} is not supported with --device "
                             f"cuda (at most {limits['negative']}).")
        super().check_options(config)

    @property
    def batch_items(self):
        return self.chunk_items

    def train(self, batch, params, alpha_start, alpha_end):
        """The totals of the workers' tally rows (zeros for a batch without a unit)."""
        tallies = self.tallies
        tallies[:] = 0
        unit_start, unit_end = units(batch, self.kernels.SEGMENT_WORDS)
        if len(unit_start) == 0:
            return Counts.from_tallies(tallies)
        per_block = self.kernels.WORKERS_PER_BLOCK
        blocks = -(-min(len(unit_start), self.workers) // per_block)
        cuda = self.cuda
        chunk = self.kernels.Chunk(cuda.to_device(np.ascontiguousarray(batch)),
                                   cuda.to_device(unit_start), cuda.to_device(unit_end),
                                   float(alpha_start), float(alpha_end))
        self.kernels.train_chunk[blocks, self.lanes * per_block](
            chunk, self.device_model, self.device_noise, self.device_keep, params, self.rng,
            self.device_tallies)
        tallies[0] = self.device_tallies.copy_to_host()[:blocks * per_block].sum(axis=0)
        return Counts.from_tallies(tallies)

    def copy_back(self):
        """Bring the matrices and RNG states into the host arrays it was prepared with."""
        for device_matrix, host_matrix in zip(self.device_model, self.model):
            device_matrix.copy_to_host(host_matrix)
        rng = self.rng.copy_to_host()
        count = min(len(self.states), len(rng))
        self.states[:count] = rng[:count]


DEVICE = CudaDevice


def _resident_blocks(cuda):
    return cuda.get_current_device().MULTIPROCESSOR_COUNT * BLOCKS_PER_SM


def _device_name(cuda):
    if simulated():
        return "the CUDA simulator"
    name = cuda.get_current_device().name
    return name.decode() if isinstance(name, bytes) else str(name)
