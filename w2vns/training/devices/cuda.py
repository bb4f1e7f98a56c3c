"""Training on a CUDA GPU (``--device cuda``): device arrays, the corpus resident, copies back.

The epoch loop (``loop.py``) is the same on every device (``base.Device``). Preparing the
GPU copies the matrices, the subsampling and noise tables and the RNG states to it once
and picks the kernel of the run's width class (``kernels.cuda.kernel_for``), its rings in
shared memory when they fit. Each batch (a chunk of ``DEVICE_CHUNK_WORDS`` ids) is cut
into units and uploaded the first time it is seen, through a pinned staging buffer; while
the chunks fit in ``RESIDENT_SHARE`` of the free device memory they stay there, so later
epochs upload nothing. The grid is persistent: as many blocks as the multiprocessors hold
at once, from the kernel's registers and shared memory. The counters are summed on the
device and read back once per chunk. ``copy_back`` brings the matrices and RNG states
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
MAX_BLOCKS_PER_SM = 32  # the hardware's limit of resident blocks per multiprocessor
REGISTERS_PER_SM = 65536
SHARED_LIMIT = 48 * 1024  # shared memory a block may use without opting in
RESIDENT_SHARE = 0.5  # of the free device memory, for the chunks kept resident
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
    cut into pieces of at most ``segment`` ids. Returns two int32 arrays."""
    eos = np.flatnonzero(batch == -1)
    starts = np.concatenate([[0], eos[:-1] + 1]).astype(np.int64)
    lengths = eos - starts
    pieces = (lengths + segment - 1) // segment
    sentence = np.repeat(np.arange(len(starts)), pieces)
    first = np.cumsum(pieces) - pieces
    k = np.arange(int(pieces.sum()), dtype=np.int64) - np.repeat(first, pieces)
    unit_start = starts[sentence] + k * segment
    unit_end = np.minimum(unit_start + segment, eos[sentence])
    return unit_start.astype(np.int32), unit_end.astype(np.int32)


def batch_key(batch):
    """What identifies a batch from one epoch to the next: its place in the encoded corpus
    it is a view of, its length and a sample of its ids. None for a batch that is no view
    of a larger array: nothing says that the same array comes back."""
    root = batch
    while isinstance(getattr(root, "base", None), np.ndarray):
        root = root.base
    if root is batch or root.nbytes <= batch.nbytes:
        return None
    offset = np.byte_bounds(batch)[0] - np.byte_bounds(root)[0]
    sample = batch[::max(1, len(batch) // 64)]
    return offset, len(batch), sample.tobytes()


def blocks_per_sm(registers, threads, shared_bytes, sm_shared):
    """Resident blocks per multiprocessor for a kernel using ``registers`` per thread and
    ``shared_bytes`` per block of ``threads``."""
    by_registers = REGISTERS_PER_SM // max(1, registers * threads)
    by_shared = sm_shared // max(1, shared_bytes)
    return max(1, min(MAX_BLOCKS_PER_SM, by_registers, by_shared))


class CudaDevice(Device):
    """Device copies of the model and tables; trains one chunk of the corpus per call.

    ``lanes`` and ``workers`` default to a warp per worker and a persistent grid that fills
    the GPU; under the simulator to one lane and a few workers (the simulator alone takes
    other lane counts).
    """

    name = "cuda"

    def __init__(self, config, model, tables, states, log, lanes=None, workers=None):
        from numba import cuda

        from ...kernels import cuda as kernels

        super().__init__(config, model, tables, states, log)
        self.cuda, self.kernels = cuda, kernels
        self.lanes = (lanes or SIMULATOR_LANES) if simulated() else kernels.WARP
        slots = kernels.width_class(config.dim, self.lanes)
        per_block = kernels.WORKERS_PER_BLOCK
        self.ring_bytes = per_block * 4 * kernels.ring_floats(config.window, slots, self.lanes)
        in_shared = self.ring_bytes + _static_shared(kernels) <= SHARED_LIMIT
        self.kernel = kernels.kernel_for(slots, in_shared)
        wanted = workers or (SIMULATOR_WORKERS if simulated() else self._resident_workers())
        self.workers = -(-wanted // per_block) * per_block
        self.shared_bytes = self.ring_bytes if in_shared else 0
        store = ((1, 1) if in_shared
                 else (self.workers, kernels.ring_floats(config.window, slots, self.lanes)))
        self.ring_store = cuda.device_array(store, dtype=np.float32)
        self.device_model = Model(*(cuda.to_device(m) for m in model))
        self.device_noise = Noise(*(cuda.to_device(a) for a in tables.noise))
        self.device_keep = cuda.to_device(tables.keep)
        self.rng = cuda.to_device(worker_states(states, self.workers))
        self.zero_tallies = np.zeros(N_TALLIES, dtype=np.float64)
        self.device_tallies = cuda.to_device(self.zero_tallies)
        self.resident, self.staging = {}, None
        self.resident_budget = _free_bytes(cuda) * RESIDENT_SHARE
        log(f"training on {_device_name(cuda)}: {self.workers:,} workers of {self.lanes} lanes, "
            f"{slots} columns a lane, window rows in {'shared' if in_shared else 'global'} memory")

    def _resident_workers(self):
        """Workers of a persistent grid: the blocks every multiprocessor holds at once."""
        gpu = self.cuda.get_current_device()
        signature = self.kernels.kernel_argument_types()
        self.kernel.compile(signature)
        threads = self.lanes * self.kernels.WORKERS_PER_BLOCK
        registers = self.kernel.get_regs_per_thread(signature)
        shared = self.kernel.get_shared_mem_per_block(signature) + self.ring_bytes
        per_sm = blocks_per_sm(registers, threads, shared,
                               gpu.MAX_SHARED_MEMORY_PER_MULTIPROCESSOR)
        return gpu.MULTIPROCESSOR_COUNT * per_sm * self.kernels.WORKERS_PER_BLOCK

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
        return DEVICE_CHUNK_WORDS

    def _upload(self, batch):
        """The device arrays (ids, unit starts, unit ends) of ``batch``: resident ones
        when it was seen before, else uploaded through the pinned staging buffer (and
        kept while the budget allows)."""
        key = batch_key(batch)
        if key is not None and key in self.resident:
            return self.resident[key]
        cuda = self.cuda
        if self.staging is None or len(self.staging) < len(batch):
            self.staging = cuda.pinned_array(max(len(batch), 1), dtype=np.int32)
        staged = self.staging[:len(batch)]
        staged[:] = batch
        unit_start, unit_end = units(batch, self.kernels.SEGMENT_WORDS)
        arrays = (cuda.to_device(staged), cuda.to_device(unit_start), cuda.to_device(unit_end))
        size = sum(a.nbytes for a in arrays)
        if key is not None and size <= self.resident_budget:
            self.resident[key] = arrays
            self.resident_budget -= size
        return arrays

    def train(self, batch, params, alpha_start, alpha_end):
        """The counters of the batch, summed on the device (zeros without a unit)."""
        ids, unit_start, unit_end = self._upload(batch)
        if unit_start.shape[0] == 0:
            return Counts.from_tallies(self.zero_tallies[None, :])
        per_block = self.kernels.WORKERS_PER_BLOCK
        blocks = -(-min(unit_start.shape[0], self.workers) // per_block)
        self.device_tallies.copy_to_device(self.zero_tallies)
        chunk = self.kernels.Chunk(ids, unit_start, unit_end, float(alpha_start),
                                   float(alpha_end))
        self.kernel[blocks, self.lanes * per_block, 0, self.shared_bytes](
            chunk, self.device_model, self.device_noise, self.device_keep, params, self.rng,
            self.device_tallies, self.ring_store)
        return Counts.from_tallies(self.device_tallies.copy_to_host()[None, :])

    def copy_back(self):
        """Bring the matrices and RNG states into the host arrays it was prepared with."""
        for device_matrix, host_matrix in zip(self.device_model, self.model):
            device_matrix.copy_to_host(host_matrix)
        rng = self.rng.copy_to_host()
        count = min(len(self.states), len(rng))
        self.states[:count] = rng[:count]


DEVICE = CudaDevice


def _static_shared(kernels):
    """Bytes of a block's fixed shared arrays (the unit, targets, partial sums, gradients)."""
    per_worker = 4 * (kernels.SEGMENT_WORDS + kernels.MAX_TARGETS
                      + kernels.SHARED_CONTEXTS * (kernels.WARP + 1))
    return kernels.WORKERS_PER_BLOCK * per_worker


def _free_bytes(cuda):
    if simulated():
        return DEVICE_CHUNK_WORDS * 4 * 8  # a few chunks
    free, _total = cuda.current_context().get_memory_info()
    return free


def _device_name(cuda):
    if simulated():
        return "the CUDA simulator"
    name = cuda.get_current_device().name
    return name.decode() if isinstance(name, bytes) else str(name)
