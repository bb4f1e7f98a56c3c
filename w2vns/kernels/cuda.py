"""Numba CUDA training kernels: the steps of ``kernels.cpu`` as device functions.

Arithmetic only, no I/O, no imports from outside ``kernels``; the same names as ``cpu.py``
for the same steps.

Layout of the work:

* A *worker* is a group of ``lanes`` threads (a warp on a GPU). Workers train *units* (a
  sentence, or a piece of at most ``SEGMENT_WORDS`` words of a longer one) one after the
  other: worker ``w`` takes units ``w``, ``w + workers``, ... of the chunk, so units trained
  at the same time lie close together in the corpus.
* The lanes of a worker split the ``dim`` columns of every row: lane ``l`` owns columns
  ``l``, ``l + lanes``, ... Dot products are summed across lanes (warp shuffles on a GPU,
  shared memory under the simulator, which has no shuffles).
* Every lane runs the same xorshift64* RNG from the worker's state, so all lanes make
  the same draws (subsampling, window, noise words) and follow the same control flow.
* The matrices are shared by all workers and updated without locks (Hogwild).

Arguments travel in namedtuples; ``train_chunk`` is the kernel, launched with
``WORKERS_PER_BLOCK`` workers of ``lanes`` threads per block.
"""

import math
from collections import namedtuple

import numpy as np
from numba import config as numba_config
from numba import cuda

from .bundles import MODEL_SG, TALLY_KEPT, TALLY_LOSS, TALLY_PAIRS, TALLY_TERMS
from .portable import MAX_EXP, compiled

_CLIP_LOSS = np.float32(math.log1p(math.exp(-MAX_EXP)))  # -log sigmoid(MAX_EXP)

SIMULATED = bool(numba_config.ENABLE_CUDASIM)
WARP = 32
FULL_MASK = 0xFFFFFFFF
MAX_DIM = 1024  # --dim limit on the device: the per-lane vectors are fixed-size local arrays
MAX_NEGATIVE = 64  # --negative limit on the device (fixed-size local target array)
MAX_TARGETS = MAX_NEGATIVE + 1
SEGMENT_WORDS = 512  # longest unit: a longer sentence is cut into pieces this long
# Per-lane slots of a row: on a GPU a worker has WARP lanes; the simulator may use any
# number of lanes down to one (one thread per worker simulates fastest).
SLOTS = MAX_DIM if SIMULATED else MAX_DIM // WARP
# Workers sharing a thread block: several warps on a GPU; one under the simulator, where
# lanes synchronise through the block barrier.
WORKERS_PER_BLOCK = 1 if SIMULATED else 4

# Under the simulator device functions are plain Python calls: the kernel's launch already
# points this module's ``cuda`` at the simulated one, and a call stays cheap.
device_function = (lambda f: f) if SIMULATED else cuda.jit(device=True)

_ZERO = np.float32(0.0)
_ONE = np.float32(1.0)
_HALF = np.float32(0.5)

# The kernel takes the CPU kernels' bundles (``kernels.bundles``: Model, Noise, Params, the
# (workers, N_TALLIES) tallies) and these two:
# One chunk of the encoded corpus: ids, units [start, end) into it, and the learning rate
# at its first and last item (alpha is interpolated by each unit's start).
Chunk = namedtuple("Chunk", ["ids", "unit_start", "unit_end", "alpha_start", "alpha_end"])
# One thread's view: its lane number (the first column it owns), the lane count (the
# stride between its columns), how many columns it owns, the worker's RNG
# state (a local copy), its slices of h and neu1e, the targets, and the worker's shared
# buffers (reduction scratch and the subsampled unit).
Lane = namedtuple("Lane", ["first", "stride", "slots", "state", "h", "neu1e", "targets",
                           "scratch", "sent"])


# ---------------------------------------------------------------- the portable steps
# Random numbers, noise and target draws, window bounds, subsampling: ``portable``'s,
# compiled as device functions (the same draws from the same states as on the CPU).
_STEPS = compiled(device_function, device_function)
draw_targets = _STEPS.draw_targets
window_bounds = _STEPS.window_bounds
kept = _STEPS.kept


# ---------------------------------------------------------------- lanes
if SIMULATED:
    # Plain functions here (cheap calls); the block barrier goes through the simulator's
    # own device functions, which find the simulated ``cuda`` module from any caller.
    def sync_lanes(lane):
        """Make every lane's writes to the worker's shared buffers visible to the others."""
        if lane.stride > 1:
            _block_barrier()

    def lane_sum(x, lane):
        """The sum of ``x`` over the worker's lanes, the same in every lane."""
        if lane.stride == 1:
            return x
        return _block_sum(x, lane.first, lane.stride, lane.scratch)

    @cuda.jit(device=True)
    def _block_barrier():
        cuda.syncthreads()

    @cuda.jit(device=True)
    def _block_sum(x, first, stride, scratch):
        scratch[first] = x
        cuda.syncthreads()
        total = _ZERO
        for k in range(stride):
            total += scratch[k]
        cuda.syncthreads()
        return total
else:
    @device_function
    def sync_lanes(lane):
        """Make every lane's writes to the worker's shared buffers visible to the others."""
        cuda.syncwarp(FULL_MASK)

    @device_function
    def lane_sum(x, lane):
        """The sum of ``x`` over the warp, the same in every lane (xor butterfly)."""
        offset = lane.stride >> 1
        while offset > 0:
            x += cuda.shfl_xor_sync(FULL_MASK, x, offset)
            offset >>= 1
        return x


# ---------------------------------------------------------------- vector leaves
# Each works on the lane's own columns: first + c * stride for c in range(slots).
@device_function
def dot_row(h, m, row, lane):
    """h . m[row], summed over all lanes."""
    s = _ZERO
    for c in range(lane.slots):
        s += h[c] * m[row, lane.first + c * lane.stride]
    return lane_sum(s, lane)


@device_function
def axpy_from_row(a, m, row, y, lane):
    """y += a * m[row]"""
    for c in range(lane.slots):
        y[c] += a * m[row, lane.first + c * lane.stride]


@device_function
def axpy_to_row(a, x, m, row, lane):
    """m[row] += a * x"""
    for c in range(lane.slots):
        col = lane.first + c * lane.stride
        m[row, col] += a * x[c]


@device_function
def copy_row(m, row, out, lane):
    for c in range(lane.slots):
        out[c] = m[row, lane.first + c * lane.stride]


@device_function
def fill(x, value, lane):
    for c in range(lane.slots):
        x[c] = value


@device_function
def scale(x, a, lane):
    for c in range(lane.slots):
        x[c] *= a


@device_function
def sigmoid_and_loss(f, label):
    """Clipped logistic: (sigmoid(f), -log p(label | f)).

    A logit beyond the clip on the side of its label is learnt: the sigmoid returned is
    the label itself (no gradient), as on the CPU. A NaN logit propagates into the loss
    so that divergence is detected.
    """
    if not f == f:
        return _HALF, f
    if (f > MAX_EXP) if label > 0 else (f < -MAX_EXP):
        return np.float32(label), _CLIP_LOSS
    f = min(max(f, -MAX_EXP), MAX_EXP)
    e = math.exp(-f)
    sig = _ONE / (_ONE + e)
    if label > 0:
        return sig, np.float32(math.log1p(e))
    return sig, np.float32(math.log1p(_ONE / e))


# ---------------------------------------------------------------- the loss primitive
@device_function
def sgns_update(h, targets, count, syn1neg, alpha, neu1e, lane):
    """One negative-sampling step for input vector ``h`` (the lane's columns of it).

    ``targets[0, 0]`` is the word to predict, ``targets[0, 1:count]`` the noise words. Updates
    their output rows in place, writes the gradient for ``h`` into ``neu1e`` and
    returns the summed loss -log sigmoid(+-h.out).
    """
    fill(neu1e, _ZERO, lane)
    loss = 0.0
    for d in range(count):
        w = targets[0, d]
        label = 1 if d == 0 else 0
        sig, term_loss = sigmoid_and_loss(dot_row(h, syn1neg, w, lane), label)
        g = (np.float32(label) - sig) * alpha
        axpy_from_row(g, syn1neg, w, neu1e, lane)
        axpy_to_row(g, h, syn1neg, w, lane)
        loss += term_loss
    return loss


# ---------------------------------------------------------------- per-unit steps
@device_function
def sg_sentence(sent, n, model, noise, params, alpha, lane):
    """Skip-gram over one subsampled unit: each context word predicts the centre.

    With ``params.share`` the noise words are drawn once per centre word and shared by
    its context words (as on the CPU); otherwise each (context, centre) pair draws its own.
    Returns (loss, logistic terms, positive pairs).
    """
    loss = 0.0
    terms = 0
    pairs = 0
    count = 0
    for i in range(n):
        if params.share:
            count = draw_targets(sent[i], params.negative, lane.targets, 0, lane.state, 0,
                                 noise.alias_prob, noise.alias_index)
        lo, hi = window_bounds(i, n, params.window, params.shrink, lane.state, 0)
        for j in range(lo, hi):
            if j == i:
                continue
            if not params.share:
                count = draw_targets(sent[i], params.negative, lane.targets, 0, lane.state, 0,
                                     noise.alias_prob, noise.alias_index)
            context = sent[j]
            copy_row(model.syn0, context, lane.h, lane)
            loss += sgns_update(lane.h, lane.targets, count, model.syn1neg, alpha, lane.neu1e,
                                lane)
            axpy_to_row(_ONE, lane.neu1e, model.syn0, context, lane)
            terms += count
            pairs += 1
    return loss, terms, pairs


@device_function
def cbow_sentence(sent, n, model, noise, params, alpha, lane):
    """CBOW over one subsampled unit: the mean (or sum) of the context predicts the centre.

    Returns (loss, logistic terms, positive pairs).
    """
    loss = 0.0
    terms = 0
    pairs = 0
    for i in range(n):
        count = draw_targets(sent[i], params.negative, lane.targets, 0, lane.state, 0,
                             noise.alias_prob, noise.alias_index)
        lo, hi = window_bounds(i, n, params.window, params.shrink, lane.state, 0)
        width = hi - lo - 1
        if width == 0:
            continue
        fill(lane.h, _ZERO, lane)
        for j in range(lo, hi):
            if j != i:
                axpy_from_row(_ONE, model.syn0, sent[j], lane.h, lane)
        inv = _ONE / np.float32(width)
        if params.cbow_mean:
            scale(lane.h, inv, lane)
        loss += sgns_update(lane.h, lane.targets, count, model.syn1neg, alpha, lane.neu1e,
                            lane)
        share = _ONE if params.cbow_mean else inv
        for j in range(lo, hi):
            if j != i:
                axpy_to_row(share, lane.neu1e, model.syn0, sent[j], lane)
        terms += count
        pairs += width
    return loss, terms, pairs


@device_function
def subsample(ids, lo, hi, keep_prob, lane):
    """Copy the kept words of ids[lo:hi] into the worker's unit buffer; returns how many.

    Every lane draws the same decisions and writes the same values.
    """
    n = 0
    for p in range(lo, hi):
        w = ids[p]
        prob = keep_prob[w]
        if kept(prob, lane.state, 0):
            lane.sent[n] = w
            n += 1
    return n


@device_function
def unit_alpha(chunk, start):
    """The learning rate at item ``start`` of the chunk: linear between its two ends."""
    frac = start / max(chunk.ids.shape[0], 1)
    return np.float32(chunk.alpha_start + (chunk.alpha_end - chunk.alpha_start) * frac)


# ---------------------------------------------------------------- the per-chunk kernel
@cuda.jit
def train_chunk(chunk, model, noise, keep_prob, params, rng, tallies):
    """Train every unit of ``chunk``: worker ``w`` uses RNG state ``rng[w]`` and adds its
    counters (``bundles.TALLY_*``) in ``tallies[w]``."""
    lanes = cuda.blockDim.x // WORKERS_PER_BLOCK
    local = cuda.threadIdx.x // lanes
    worker = cuda.blockIdx.x * WORKERS_PER_BLOCK + local
    workers = cuda.gridDim.x * WORKERS_PER_BLOCK
    first = cuda.threadIdx.x - local * lanes
    sent = cuda.shared.array((WORKERS_PER_BLOCK, SEGMENT_WORDS), np.int32)
    scratch = cuda.shared.array((WORKERS_PER_BLOCK, WARP), np.float32)
    state = cuda.local.array(1, np.uint64)
    h = cuda.local.array(SLOTS, np.float32)
    neu1e = cuda.local.array(SLOTS, np.float32)
    targets = cuda.local.array((1, MAX_TARGETS), np.int64)  # one row: slot 0
    state[0] = rng[worker]
    dim = model.syn0.shape[1]
    lane = Lane(first, lanes, (dim - first + lanes - 1) // lanes, state, h, neu1e, targets,
                scratch[local], sent[local])
    loss = 0.0
    terms = 0
    pairs = 0
    kept = 0
    for u in range(worker, chunk.unit_start.shape[0], workers):
        start = chunk.unit_start[u]
        n = subsample(chunk.ids, start, chunk.unit_end[u], keep_prob, lane)
        sync_lanes(lane)
        if n > 1:
            alpha = unit_alpha(chunk, start)
            if params.model == MODEL_SG:
                step_loss, step_terms, step_pairs = sg_sentence(lane.sent, n, model, noise,
                                                                params, alpha, lane)
            else:
                step_loss, step_terms, step_pairs = cbow_sentence(lane.sent, n, model, noise,
                                                                  params, alpha, lane)
            loss += step_loss
            terms += step_terms
            pairs += step_pairs
        kept += n
        sync_lanes(lane)  # the next unit overwrites the buffer
    if first == 0:
        rng[worker] = state[0]
        tallies[worker, TALLY_LOSS] = loss
        tallies[worker, TALLY_TERMS] = terms
        tallies[worker, TALLY_PAIRS] = pairs
        tallies[worker, TALLY_KEPT] = kept
