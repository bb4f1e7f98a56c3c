"""Training on a CUDA GPU (``--device cuda``): device arrays, the corpus resident or
streamed, copies back.

The epoch loop (``loop.py``) is the same on every device (``base.Device``). Preparing the
GPU copies the matrices, the subsampling and noise tables and the RNG states to it once
and picks the kernel of the run's width class (``kernels.cuda.kernel_for``), its rings in
shared memory when they fit. The grid is persistent: as many blocks as the
multiprocessors hold at once, from the kernel's registers and shared memory.

The corpus goes over in chunks (one batch of the loop, ``DEVICE_CHUNK_WORDS`` ids), each
cut into units on the host (``Uploads``). The loop hands the device the next chunk with
each one (``reads_ahead``): once the kernel of the current chunk is launched on the
compute stream, the next is staged in one of two pinned buffers and copied on a copy
stream, and the kernel that trains it waits for that copy's event; so copies overlap the
kernels. While the chunks fit in ``RESIDENT_SHARE`` of the free device memory each stays
where it was copied and later epochs copy nothing; the chunks beyond are streamed, every
epoch, through two device buffers in turn. The counters are summed on the device and read
back once per chunk; a pair of CUDA events around each launch times the kernels alone
(``kernel_seconds``; the simulator's events time nothing). ``copy_back`` brings the
matrices and RNG states into the host arrays before a checkpoint and at the end, so
checkpoints hold host arrays and a run can resume on either device.
"""

import importlib.util
from collections import namedtuple

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
BUFFERS = 2  # pinned staging buffers and device buffers of streamed chunks, used in turn
MS_PER_SECOND = 1000.0
ITEM_BYTES = 4  # an int32 id or unit offset
SIMULATOR_FREE_CHUNKS = 8  # the device memory the simulator claims to have free, in chunks

# Settings a test or a benchmark may give instead of the defaults (None: the default):
# lanes per worker (a power of two up to a warp; any number under the simulator), workers,
# ids per chunk, and bytes of device memory for the chunks kept resident.
Tuning = namedtuple("Tuning", "lanes workers chunk_words resident_bytes", defaults=(None,) * 4)


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


def staged_items(ids):
    """Most items a batch of ``ids`` ids is staged in: its ids, then the starts and ends of
    its units (at most one unit per two ids: a sentence is a word and EOS at least, and a
    longer one is cut into units of SEGMENT_WORDS)."""
    return ids + 2 * (ids // 2)


def lanes_of(tuning, warp):
    """Lanes per worker: a warp (one lane under the simulator) unless ``tuning`` says; on a
    GPU a power of two up to a warp, so that a worker is one whole part of one warp (its
    lanes synchronise under its own mask)."""
    if tuning.lanes is None:
        return SIMULATOR_LANES if simulated() else warp
    if not simulated() and (tuning.lanes < 1 or warp % tuning.lanes):
        raise ValueError(f"lanes: {tuning.lanes} does not divide a warp of {warp}")
    return tuning.lanes


def event(cuda, timing=True):
    """A CUDA event (the simulator's take no settings)."""
    return cuda.event() if simulated() else cuda.event(timing=timing)


def blocks_per_sm(registers, threads, shared_bytes, sm_shared):
    """Resident blocks per multiprocessor for a kernel using ``registers`` per thread and
    ``shared_bytes`` per block of ``threads``."""
    by_registers = REGISTERS_PER_SM // max(1, registers * threads)
    by_shared = sm_shared // max(1, shared_bytes)
    return max(1, min(MAX_BLOCKS_PER_SM, by_registers, by_shared))


class Uploads:
    """The chunks of the corpus on the device: each a Batch's ids, its units' starts and
    its units' ends, int32 device arrays that are views of one allocation.

    ``upload`` stages a Batch in the next of two pinned buffers and starts its copy on the
    copy stream, into an allocation of its own while ``budget`` bytes allow (the chunk
    stays resident), else into the next of two device buffers; ``take`` gives a chunk to
    the kernel launched next on a stream, which waits for the chunk's copy. Two of each
    suffice: the kernel of a chunk is done before the second upload after it. The buffers
    hold ``capacity`` items (more when a batch needs it).
    """

    def __init__(self, cuda, segment, capacity, budget, log):
        self.cuda, self.segment, self.capacity = cuda, segment, capacity
        self.budget, self.log = budget, log
        self.copy_stream = cuda.stream()
        self.resident = {}  # (start, end) of a Batch: its device arrays
        self.pending = None  # (key, arrays, copy event) of the last upload, until taken
        self.staging, self.buffers = [None] * BUFFERS, [None] * BUFFERS
        self.copies = self.streamed = 0  # chunks copied; of those, into a device buffer

    def take(self, batch, stream):
        """The device arrays of ``batch`` for the kernel launched next on ``stream``."""
        key = (batch.start, batch.end)
        if not self._pending(key):
            if key in self.resident:
                return self.resident[key]
            self.upload(batch)
        _, arrays, copied = self.pending
        self.pending = None
        copied.wait(stream)
        return arrays

    def upload(self, batch):
        """Start copying ``batch`` to the device, unless it is there or on its way."""
        key = (batch.start, batch.end)
        if key in self.resident or self._pending(key):
            return
        self.settle()  # an upload no kernel took: its buffers come round again
        host, units = self._stage(batch)
        keep = host.nbytes <= self.budget
        target = self._target(len(host), keep)
        target.copy_to_device(host, stream=self.copy_stream)
        copied = event(self.cuda, timing=False)
        copied.record(self.copy_stream)
        n = len(batch.ids)
        arrays = (target[:n], target[n:n + units], target[n + units:n + 2 * units])
        if keep:
            self.resident[key] = arrays
        self.pending = (key, arrays, copied)
        self.copies += 1

    def settle(self):
        """Wait for the copy of an upload no kernel has taken."""
        if self.pending is not None:
            self.pending[2].synchronize()
            self.pending = None

    def _pending(self, key):
        return self.pending is not None and self.pending[0] == key

    def _stage(self, batch):
        """``batch``'s ids, unit starts and unit ends in the next pinned buffer (the copy
        from the other one may still run). Returns the staged array and the unit count."""
        starts, ends = units(batch.ids, self.segment)
        n, count = len(batch.ids), len(starts)
        size = n + 2 * count
        turn = self.copies % BUFFERS
        if self.staging[turn] is None or len(self.staging[turn]) < size:
            self.staging[turn] = self.cuda.pinned_array(max(size, self.capacity),
                                                        dtype=np.int32)
        host = self.staging[turn][:size]
        host[:n] = batch.ids
        host[n:n + count] = starts
        host[n + count:] = ends
        return host, count

    def _target(self, size, keep):
        """Device memory for ``size`` staged items: an allocation of its own for a chunk
        kept resident, else the next device buffer (its last chunk's kernel is done)."""
        if keep:
            self.budget -= size * ITEM_BYTES
            return self.cuda.device_array(max(size, 1), dtype=np.int32)[:size]
        if self.streamed == 0:
            self.log(f"the corpus does not fit in the device memory kept for it: the chunks "
                     f"after the first {len(self.resident):,} are copied again every epoch")
        turn = self.streamed % BUFFERS
        self.streamed += 1
        if self.buffers[turn] is None or len(self.buffers[turn]) < size:
            self.buffers[turn] = self.cuda.device_array(max(size, self.capacity),
                                                        dtype=np.int32)
        return self.buffers[turn][:size]


class KernelClock:
    """The kernels' own time: a pair of CUDA events recorded around each launch, whose
    milliseconds are added once the launch is done. The simulator's events time nothing:
    there ``seconds`` is None."""

    def __init__(self, cuda, timed):
        self.events = (event(cuda), event(cuda)) if timed else None
        self.milliseconds = 0.0

    def start(self, stream):
        if self.events is not None:
            self.events[0].record(stream)

    def stop(self, stream):
        if self.events is not None:
            self.events[1].record(stream)

    def add(self):
        """Add the time of the launch between ``start`` and ``stop`` (it is done)."""
        if self.events is not None:
            self.milliseconds += self.events[0].elapsed_time(self.events[1])

    @property
    def seconds(self):
        return None if self.events is None else self.milliseconds / MS_PER_SECOND


class CudaDevice(Device):
    """Device copies of the model and tables; trains one chunk of the corpus per call,
    copying the next one meanwhile.

    By default a worker is a warp and the persistent grid fills the GPU; under the
    simulator a worker is one lane and there are a few (``tuning`` may say otherwise).
    """

    name = "cuda"
    reads_ahead = True
    times_kernels = True

    def __init__(self, config, model, tables, states, log, tuning=None):
        from numba import cuda

        from ...kernels import cuda as kernels

        super().__init__(config, model, tables, states, log, tuning)
        tuning = tuning or Tuning()
        self.cuda, self.kernels = cuda, kernels
        self.lanes = lanes_of(tuning, kernels.WARP)
        slots = kernels.width_class(config.dim, self.lanes)
        per_block = kernels.WORKERS_PER_BLOCK
        self.ring_bytes = per_block * 4 * kernels.ring_floats(config.window, slots, self.lanes)
        in_shared = self.ring_bytes + _static_shared(kernels) <= SHARED_LIMIT
        self.kernel = kernels.kernel_for(slots, in_shared)
        self.workers = tuning.workers or (SIMULATOR_WORKERS if simulated()
                                          else self._resident_workers())
        self.shared_bytes = self.ring_bytes if in_shared else 0
        self._prepare_arrays(kernels.ring_floats(config.window, slots, self.lanes), in_shared)
        self.chunk_words = tuning.chunk_words or DEVICE_CHUNK_WORDS
        budget = (_free_bytes(cuda) * RESIDENT_SHARE if tuning.resident_bytes is None
                  else tuning.resident_bytes)
        self.stream = cuda.stream()
        self.uploads = Uploads(cuda, kernels.SEGMENT_WORDS, staged_items(self.chunk_words),
                               budget, log)
        self.clock = KernelClock(cuda, timed=not simulated())
        log(f"training on {_device_name(cuda)}: {self.workers:,} workers of {self.lanes} lanes, "
            f"{slots} columns a lane, window rows in {'shared' if in_shared else 'global'} memory")

    def _prepare_arrays(self, ring_floats, in_shared):
        """The model, tables, RNG states, counters and (when not in shared memory) the
        rings on the device."""
        cuda, model, tables = self.cuda, self.model, self.tables
        self.ring_store = cuda.device_array((1, 1) if in_shared else (self.workers, ring_floats),
                                            dtype=np.float32)
        self.device_model = Model(*(cuda.to_device(m) for m in model))
        self.device_noise = Noise(*(cuda.to_device(a) for a in tables.noise))
        self.device_keep = cuda.to_device(tables.keep)
        self.rng = cuda.to_device(worker_states(self.states, self.workers))
        self.zero_tallies = cuda.pinned_array(N_TALLIES, dtype=np.float64)
        self.zero_tallies[:] = 0.0
        self.host_tallies = cuda.pinned_array(N_TALLIES, dtype=np.float64)
        self.device_tallies = cuda.to_device(self.zero_tallies)

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
        self.log(f"kernel: {registers} registers a thread, {shared:,} bytes of shared memory "
                 f"a block of {threads} threads: {per_sm} blocks a multiprocessor, "
                 f"{gpu.MULTIPROCESSOR_COUNT} multiprocessors")
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
        return self.chunk_words

    @property
    def kernel_seconds(self):
        return self.clock.seconds

    def train(self, batch, params, alpha_start, alpha_end, upcoming=None):
        """The counters of the batch, summed on the device (zeros without a unit). The
        copy of ``upcoming`` starts once this batch's kernel is launched."""
        ids, unit_start, unit_end = self.uploads.take(batch, self.stream)
        launched = unit_start.shape[0] > 0
        if launched:
            chunk = self.kernels.Chunk(ids, unit_start, unit_end, np.float32(alpha_start),
                                       np.float32(alpha_end))
            self._launch(chunk, params)
        if upcoming is not None:
            self.uploads.upload(upcoming)
        if not launched:
            return Counts.from_tallies(self.zero_tallies[None, :])
        self.device_tallies.copy_to_host(self.host_tallies, stream=self.stream)
        self.stream.synchronize()
        self.clock.add()
        return Counts.from_tallies(self.host_tallies[None, :])

    def _launch(self, chunk, params):
        """Launch the kernel on ``chunk`` on the compute stream, between the clock's events."""
        per_block = self.kernels.WORKERS_PER_BLOCK
        blocks = -(-min(chunk.unit_start.shape[0], self.workers) // per_block)
        self.device_tallies.copy_to_device(self.zero_tallies, stream=self.stream)
        self.clock.start(self.stream)
        self.kernel[blocks, self.lanes * per_block, self.stream, self.shared_bytes](
            chunk, self.device_model, self.device_noise, self.device_keep, params, self.rng,
            self.device_tallies, self.ring_store)
        self.clock.stop(self.stream)

    def copy_back(self):
        """Bring the matrices and RNG states into the host arrays it was prepared with."""
        self.stream.synchronize()
        for device_matrix, host_matrix in zip(self.device_model, self.model):
            device_matrix.copy_to_host(host_matrix)
        rng = self.rng.copy_to_host()
        count = min(len(self.states), len(rng))
        self.states[:count] = rng[:count]

    def close(self):
        """Wait for a copy still under way before the pinned buffers go."""
        self.uploads.settle()


DEVICE = CudaDevice


def _static_shared(kernels):
    """Bytes of a block's fixed shared arrays (the unit, targets, partial sums, gradients)."""
    per_worker = 4 * (kernels.SEGMENT_WORDS + kernels.MAX_TARGETS
                      + kernels.SHARED_CONTEXTS * (kernels.WARP + 1))
    return kernels.WORKERS_PER_BLOCK * per_worker


def _free_bytes(cuda):
    if simulated():
        return DEVICE_CHUNK_WORDS * ITEM_BYTES * SIMULATOR_FREE_CHUNKS
    free, _total = cuda.current_context().get_memory_info()
    return free


def _device_name(cuda):
    if simulated():
        return "the CUDA simulator"
    name = cuda.get_current_device().name
    return name.decode() if isinstance(name, bytes) else str(name)
