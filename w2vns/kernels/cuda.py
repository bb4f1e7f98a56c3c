"""Numba CUDA training kernels: skip-gram and CBOW with negative sampling on a GPU.

Arithmetic only, no I/O, no imports from outside ``kernels``. The random numbers, noise
draws, window bounds and subsampling are ``portable``'s steps compiled as device
functions: the same draws from the same states as on the CPU.

Layout of the work:

* A *worker* is one warp (``WARP`` lanes), or a part of one whose lane count divides
  ``WARP``: its lanes synchronise under the worker's own mask (``worker_mask``), never the
  whole warp's; any number of lanes down to one under the simulator, which runs every
  thread in Python. There are as many workers as RNG states. Workers train *units* (a
  sentence, or a piece of at most ``SEGMENT_WORDS`` words of a longer one): worker ``w``
  of a persistent grid takes units ``w``, ``w + workers``, ... of the chunk.
* The lanes split the columns of every row: lane ``l`` owns columns ``l``, ``l + lanes``,
  ... , ``slots`` of them. ``slots`` is a compile-time constant (one kernel per *width
  class*, ``WIDTH_CLASSES``), so that a lane's part of a row lives in registers.
* **Context rows in a ring.** The input rows of the window (``2 * window + 1`` words) are
  held in a per-worker ring, in shared memory when it fits (``kernel_for``), loaded once
  when a word enters the window, updated there by every centre it serves, and committed
  once when it leaves, as an atomic add of its accumulated change (so that the changes of
  other workers to the same row in the meantime survive).
* **Output rows in registers.** A target's output row is read once per window, updated in
  registers against every context word of the window, and committed once with atomic
  adds. The logits of all the window's context words against it are reduced together: each
  lane writes its partial dot products to shared memory and each lane then sums those of
  one context word (one pass for the whole window instead of a shuffle reduction per pair).
* The order of the updates: in skip-gram the centre's targets (the centre word, then its
  noise words) are taken in turn; each meets every context word of the block (at most
  ``bundles.SHARED_CONTEXTS``) with the context rows as the previous targets left them,
  and its output row gains the sum of the block's gradients. Without shared negatives a
  block is one context word with its own draw. In CBOW the context sum meets each target in
  turn and the context rows gain the summed gradient after the last one, as on the CPU.
* Sigmoid and loss use fast intrinsics (``fastmath``: approximate exp, log and division,
  no exact one only for the loss); a unit's terms are summed in float32, the units in
  float64 per lane; the counters of all workers are summed on the device (``tallies``,
  one row of ``bundles.N_TALLIES``) with atomic adds. Ids, targets, unit offsets, a lane's
  columns and its ring offsets are int32; the learning rate is float32.
* Every lane runs the same xorshift64* RNG from the worker's state, so all lanes make the
  same draws and follow the same control flow. The matrices are shared by all workers and
  updated without locks (Hogwild) but with atomic adds.
"""

import functools
import math
from collections import namedtuple

import numpy as np
from numba import config as numba_config
from numba import cuda, float32

from .bundles import (MODEL_SG, SHARED_CONTEXTS, TALLY_KEPT, TALLY_LOSS, TALLY_PAIRS,
                      TALLY_TERMS)
from .portable import MAX_EXP, compiled

_CLIP_LOSS = np.float32(math.log1p(math.exp(-MAX_EXP)))  # -log sigmoid(MAX_EXP)

SIMULATED = bool(numba_config.ENABLE_CUDASIM)
WARP = 32
FULL_MASK = 0xFFFFFFFF
MAX_DIM = 1024  # --dim limit on the device: the widest class, 32 slots of 32 lanes
MAX_NEGATIVE = 64  # --negative limit on the device (the targets' shared-memory row)
MAX_TARGETS = MAX_NEGATIVE + 1
SEGMENT_WORDS = 512  # longest unit: a longer sentence is cut into pieces this long
WIDTH_CLASSES = (1, 2, 4, 8, 16, 32)  # columns per lane a kernel is compiled for
RING_COPIES = 2  # a ring row holds the current values and those it was loaded with
# Workers sharing a thread block: several warps on a GPU; one under the simulator, where
# lanes synchronise through the block barrier.
WORKERS_PER_BLOCK = 1 if SIMULATED else 2

# Under the simulator device functions are plain Python calls: the kernel's launch already
# points this module's ``cuda`` at the simulated one, and a call stays cheap.
device_function = (lambda f: f) if SIMULATED else cuda.jit(device=True, fastmath=True)

_ZERO = np.float32(0.0)
_ONE = np.float32(1.0)
_HALF = np.float32(0.5)

# One chunk of the encoded corpus: int32 ids, units [start, end) into it (int32), and the
# learning rate at its first and last item, float32 (alpha is interpolated by each unit's
# start).
Chunk = namedtuple("Chunk", ["ids", "unit_start", "unit_end", "alpha_start", "alpha_end"])
# One thread's view: its lane number (the first column it owns), the lane count (the
# stride between its columns), the row width, the worker's RNG state (a one-element local
# array), its targets row in the block's shared targets (``slot``), and the worker's shared
# buffers: partial dot products (contexts x lanes), gradients (one per context), the
# subsampled unit, and its ring (``ring_rows`` rows of RING_COPIES x slots x lanes floats);
# ``mask``: the worker's lanes in their warp (``worker_mask``).
Lane = namedtuple("Lane", ["first", "stride", "dim", "state", "targets", "slot", "scratch",
                           "grad", "sent", "ring", "ring_rows", "mask"])


# ---------------------------------------------------------------- the portable steps
_STEPS = compiled(device_function, device_function)
draw_targets = _STEPS.draw_targets
window_bounds = _STEPS.window_bounds
kept = _STEPS.kept


# ---------------------------------------------------------------- lanes
if SIMULATED:
    def sync_lanes(lane):
        """Make every lane's writes to the worker's shared buffers visible to the others."""
        if lane.stride > 1:
            _block_barrier()

    @cuda.jit(device=True)
    def _block_barrier():
        cuda.syncthreads()
else:
    @device_function
    def sync_lanes(lane):
        """Make every lane's writes to the worker's shared buffers visible to the others
        (the worker's lanes only: another worker in the same warp goes its own way)."""
        cuda.syncwarp(lane.mask)


@device_function
def worker_mask(thread, lanes):
    """The lanes of the worker of block thread ``thread`` in their warp, as a mask: all of
    a warp for a worker of a warp or more, else its ``lanes`` lanes (lanes divides WARP)."""
    if lanes >= WARP:
        return np.uint32(FULL_MASK)
    first = (thread % WARP) // lanes * lanes
    return np.uint32(((1 << lanes) - 1) << first)


# ---------------------------------------------------------------- the logistic term
@device_function
def sigmoid_and_loss(f, label):
    """Clipped logistic: (sigmoid(f), -log p(label | f)), with fast intrinsics.

    A logit beyond the clip on the side of its label is learnt: the sigmoid returned is
    the label itself (no gradient), as on the CPU. A NaN logit propagates into the loss
    so that divergence is detected.
    """
    if not f == f:
        return _HALF, f
    if (f > MAX_EXP) if label > 0 else (f < -MAX_EXP):
        return np.float32(label), _CLIP_LOSS
    f = min(max(f, -MAX_EXP), MAX_EXP)
    e = np.float32(math.exp(-f))
    sig = _ONE / (_ONE + e)
    loss = np.float32(math.log(_ONE + e))  # -log sigmoid(f)
    if label > 0:
        return sig, loss
    return sig, loss + f  # -log(1 - sigmoid(f))


@device_function
def reduce_logits(size, label, alpha, lane):
    """Sum each context's partial dot products (``scratch[k, :]``) into its logit, store
    its gradient in ``grad[k]``; lane ``l`` takes contexts ``l``, ``l + lanes``, ...
    Returns this lane's share of the loss."""
    sync_lanes(lane)
    loss = _ZERO
    for k in range(lane.first, size, lane.stride):
        f = _ZERO
        for x in range(lane.stride):
            f += lane.scratch[k, x]
        sig, term = sigmoid_and_loss(f, label)
        lane.grad[k] = (np.float32(label) - sig) * alpha
        loss += term
    sync_lanes(lane)
    return loss


# ---------------------------------------------------------------- one width class
def width_class(dim, lanes):
    """The narrowest class whose ``slots`` x ``lanes`` columns hold ``dim``."""
    for slots in WIDTH_CLASSES:
        if slots * lanes >= dim:
            return slots
    return max(dim // lanes + (dim % lanes > 0), WIDTH_CLASSES[-1])


def ring_floats(window, slots, lanes):
    """Floats of one worker's ring: the window's words, two copies of each row."""
    return (2 * window + 1) * RING_COPIES * slots * lanes


def _row_steps(slots):
    """The steps on a lane's ``slots`` columns of a row (compile-time loop bounds)."""

    row_floats = np.int32(RING_COPIES * slots)

    @device_function
    def ring_at(pos, lane):
        """Offset of the ring row of unit position ``pos`` (its current values; the
        values it was loaded with follow)."""
        return (np.int32(pos) % lane.ring_rows) * row_floats * lane.stride

    @device_function
    def ring_load(pos, m, row, lane):
        at = ring_at(pos, lane)
        span = slots * lane.stride
        for c in range(slots):
            col = lane.first + c * lane.stride
            v = m[row, col] if col < lane.dim else _ZERO
            lane.ring[at + col] = v
            lane.ring[at + span + col] = v

    @device_function
    def ring_commit(pos, m, row, lane):
        """Add the change of the ring row of ``pos`` to ``m[row]`` (atomically)."""
        at = ring_at(pos, lane)
        span = slots * lane.stride
        for c in range(slots):
            col = lane.first + c * lane.stride
            if col < lane.dim:
                change = lane.ring[at + col] - lane.ring[at + span + col]
                if change != _ZERO:
                    cuda.atomic.add(m, (row, col), change)

    @device_function
    def load_row(m, row, out, lane):
        for c in range(slots):
            col = lane.first + c * lane.stride
            out[c] = m[row, col] if col < lane.dim else _ZERO

    @device_function
    def commit_row(m, row, change, lane):
        for c in range(slots):
            col = lane.first + c * lane.stride
            if col < lane.dim:
                cuda.atomic.add(m, (row, col), change[c])

    return ring_at, ring_load, ring_commit, load_row, commit_row


def _unit_steps(slots):
    """Skip-gram and CBOW over one unit, for one width class."""
    ring_at, ring_load, ring_commit, load_row, commit_row = _row_steps(slots)

    @device_function
    def target_block(t, label, start, stop, centre_at, syn1neg, alpha, lane):
        """Output row ``t`` against the context words at [start, stop) but ``centre_at``:
        their logits reduced together, the row updated in registers and committed once,
        each context row updated in the ring. Returns this lane's share of the loss."""
        o = cuda.local.array(slots, np.float32)
        change = cuda.local.array(slots, np.float32)
        load_row(syn1neg, t, o, lane)
        k = 0
        for j in range(start, stop):
            if j != centre_at:
                at = ring_at(j, lane)
                s = _ZERO
                for c in range(slots):
                    s += o[c] * lane.ring[at + lane.first + c * lane.stride]
                lane.scratch[k, lane.first] = s
                k += 1
        loss = reduce_logits(k, label, alpha, lane)
        for c in range(slots):
            change[c] = _ZERO
        k = 0
        for j in range(start, stop):
            if j != centre_at:
                at = ring_at(j, lane)
                g = lane.grad[k]
                for c in range(slots):
                    i = at + lane.first + c * lane.stride
                    change[c] += g * lane.ring[i]
                    lane.ring[i] += g * o[c]
                k += 1
        commit_row(syn1neg, t, change, lane)
        return loss

    @device_function
    def sg_block(count, start, stop, centre_at, syn1neg, alpha, lane):
        loss = _ZERO
        for d in range(count):
            loss += target_block(lane.targets[lane.slot, d], 1 if d == 0 else 0, start, stop,
                                 centre_at, syn1neg, alpha, lane)
        return loss

    @device_function
    def sg_centre(i, lo, hi, model, noise, params, alpha, lane):
        """Centre ``i``'s window [lo, hi): blocks of at most SHARED_CONTEXTS context words
        sharing one draw, or one draw per context word. Returns (loss, terms)."""
        loss = _ZERO
        terms = 0
        width = hi - lo - 1
        block = SHARED_CONTEXTS if params.share else 1
        for first in range(0, width, block):
            last = min(first + block, width)
            start = lo + first + (1 if lo + first >= i else 0)
            stop = lo + last - 1 + (1 if lo + last - 1 >= i else 0) + 1
            count = draw_targets(lane.sent[i], params.negative, lane.targets, lane.slot,
                                 lane.state, 0, noise.alias_prob, noise.alias_index)
            loss += sg_block(count, start, stop, i, model.syn1neg, alpha, lane)
            terms += count * (last - first)
        return loss, terms

    @device_function
    def cbow_centre(i, lo, hi, model, noise, params, alpha, lane):
        """CBOW for centre ``i``: the mean (or sum) of the ring rows of [lo, hi) meets each
        target in turn. Returns (loss, terms)."""
        h = cuda.local.array(slots, np.float32)
        neu1e = cuda.local.array(slots, np.float32)
        o = cuda.local.array(slots, np.float32)
        count = draw_targets(lane.sent[i], params.negative, lane.targets, lane.slot,
                             lane.state, 0, noise.alias_prob, noise.alias_index)
        width = hi - lo - 1
        inv = _ONE / np.float32(width)
        scale = inv if params.cbow_mean else _ONE
        for c in range(slots):
            h[c] = _ZERO
            neu1e[c] = _ZERO
        for j in range(lo, hi):
            if j != i:
                at = ring_at(j, lane)
                for c in range(slots):
                    h[c] += lane.ring[at + lane.first + c * lane.stride]
        for c in range(slots):
            h[c] *= scale
        loss = _ZERO
        for d in range(count):
            t = lane.targets[lane.slot, d]
            load_row(model.syn1neg, t, o, lane)
            s = _ZERO
            for c in range(slots):
                s += o[c] * h[c]
            lane.scratch[0, lane.first] = s
            loss += reduce_logits(1, 1 if d == 0 else 0, alpha, lane)
            g = lane.grad[0]
            for c in range(slots):
                neu1e[c] += g * o[c]
                o[c] = g * h[c]
            commit_row(model.syn1neg, t, o, lane)
        share = inv if params.cbow_divide else _ONE
        for j in range(lo, hi):
            if j != i:
                at = ring_at(j, lane)
                for c in range(slots):
                    lane.ring[at + lane.first + c * lane.stride] += share * neu1e[c]
        return loss, count

    @device_function
    def train_unit(n, model, noise, params, alpha, lane):
        """Every centre of the ``n`` words of ``lane.sent``, the window's input rows in the
        ring. Returns (loss, logistic terms, positive pairs)."""
        window = params.window
        syn0 = model.syn0
        for p in range(min(window, n)):
            ring_load(p, syn0, lane.sent[p], lane)
        loss = _ZERO
        terms = 0
        pairs = 0
        for i in range(n):
            if i + window < n:
                ring_load(i + window, syn0, lane.sent[i + window], lane)
            lo, hi = window_bounds(i, n, window, params.shrink, lane.state, 0)
            if hi - lo > 1:
                if params.model == MODEL_SG:
                    step_loss, step_terms = sg_centre(i, lo, hi, model, noise, params, alpha,
                                                      lane)
                else:
                    step_loss, step_terms = cbow_centre(i, lo, hi, model, noise, params, alpha,
                                                        lane)
                loss += step_loss
                terms += step_terms
                pairs += hi - lo - 1
            if i >= window:
                ring_commit(i - window, syn0, lane.sent[i - window], lane)
        for p in range(max(0, n - window), n):
            ring_commit(p, syn0, lane.sent[p], lane)
        return loss, terms, pairs

    return train_unit


# ---------------------------------------------------------------- per-unit helpers
@device_function
def subsample(ids, lo, hi, keep_prob, lane):
    """Copy the kept words of ids[lo:hi] into the worker's unit buffer; returns how many.

    Every lane draws the same decisions and writes the same values.
    """
    n = 0
    for p in range(lo, hi):
        w = ids[p]
        if kept(keep_prob[w], lane.state, 0):
            lane.sent[n] = w
            n += 1
    return n


@device_function
def unit_alpha(chunk, start):
    """The learning rate at item ``start`` of the chunk: linear between its two ends (in
    float32)."""
    frac = np.float32(start) / np.float32(max(chunk.ids.shape[0], 1))
    return chunk.alpha_start + (chunk.alpha_end - chunk.alpha_start) * frac


# ---------------------------------------------------------------- the kernels
def _kernel(slots, ring_in_shared):
    train_unit = _unit_steps(slots)

    @cuda.jit(fastmath=True, cache=True)
    def train_chunk(chunk, model, noise, keep_prob, params, rng, tallies, ring_store):
        """Train every unit of ``chunk``: there are as many workers as RNG states, worker
        ``w`` using ``rng[w]`` (the grid's last block may hold an idle one); the counters
        of all workers are added to ``tallies`` (``bundles.TALLY_*``). The rings are in
        dynamic shared memory, or in ``ring_store`` (one row per worker)."""
        lanes = cuda.blockDim.x // WORKERS_PER_BLOCK
        local = cuda.threadIdx.x // lanes
        worker = cuda.blockIdx.x * WORKERS_PER_BLOCK + local
        workers = rng.shape[0]
        if worker >= workers:
            return
        first = cuda.threadIdx.x - local * lanes
        sent = cuda.shared.array((WORKERS_PER_BLOCK, SEGMENT_WORDS), np.int32)
        targets = cuda.shared.array((WORKERS_PER_BLOCK, MAX_TARGETS), np.int32)
        scratch = cuda.shared.array((WORKERS_PER_BLOCK, SHARED_CONTEXTS, WARP), np.float32)
        grad = cuda.shared.array((WORKERS_PER_BLOCK, SHARED_CONTEXTS), np.float32)
        state = cuda.local.array(1, np.uint64)
        state[0] = rng[worker]
        size = (2 * params.window + 1) * RING_COPIES * slots * lanes  # ring_floats
        if ring_in_shared:
            ring = cuda.shared.array(0, float32)[local * size:(local + 1) * size]
        else:
            ring = ring_store[worker]
        lane = Lane(np.int32(first), np.int32(lanes), np.int32(model.syn0.shape[1]), state,
                    targets, local, scratch[local], grad[local], sent[local], ring,
                    np.int32(2 * params.window + 1), worker_mask(cuda.threadIdx.x, lanes))
        loss = 0.0
        terms = 0
        pairs = 0
        kept_words = 0
        for u in range(worker, chunk.unit_start.shape[0], workers):
            start = chunk.unit_start[u]
            n = subsample(chunk.ids, start, chunk.unit_end[u], keep_prob, lane)
            sync_lanes(lane)
            if n > 1:
                step_loss, step_terms, step_pairs = train_unit(
                    n, model, noise, params, unit_alpha(chunk, start), lane)
                loss += step_loss
                terms += step_terms
                pairs += step_pairs
            kept_words += n
            sync_lanes(lane)  # the next unit overwrites the buffer
        cuda.atomic.add(tallies, TALLY_LOSS, loss)  # each lane its share
        if first == 0:
            rng[worker] = state[0]
            cuda.atomic.add(tallies, TALLY_TERMS, np.float64(terms))
            cuda.atomic.add(tallies, TALLY_PAIRS, np.float64(pairs))
            cuda.atomic.add(tallies, TALLY_KEPT, np.float64(kept_words))

    return train_chunk


@functools.cache
def kernel_for(slots, ring_in_shared):
    """The training kernel of one width class, its rings in shared or global memory
    (built once per process, and compiled once per machine: Numba's disk cache keeps the
    compiled kernel for later processes, until this file or the kernel's code changes, by
    argument types, compute capability and CUDA version)."""
    return _kernel(slots, bool(ring_in_shared))


def kernel_argument_types():
    """The Numba types of ``train_chunk``'s arguments as a run passes them (for compiling
    ahead of time, without a GPU)."""
    from numba import typeof

    from .bundles import MODEL_CODES, N_TALLIES, Model, Noise, Params

    f32 = np.zeros((1, 1), np.float32)
    ids = np.zeros(1, np.int32)
    chunk = Chunk(ids, ids, ids, np.float32(0.0), np.float32(0.0))
    model = Model(f32, f32, f32)
    noise = Noise(np.zeros(1, np.uint32), ids, *([np.zeros(1, np.float32)] * 3))
    params = Params(*([MODEL_CODES["sg"]] * len(Params._fields)))
    args = (chunk, model, noise, np.zeros(1, np.float32), params, np.zeros(1, np.uint64),
            np.zeros(N_TALLIES, np.float64), f32)
    return tuple(typeof(a) for a in args)
