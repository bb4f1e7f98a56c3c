"""Numba training kernels: pure arithmetic on arrays, no I/O, no w2vns imports.

Layout of the data the kernels see:

* ``ids``: int32 word ids of the encoded corpus; ``EOS`` (-1) ends a sentence.
* ``syn0`` / ``syn1neg``: float32 input and output matrices, shape (V, dim).
* ``keep_prob``: float32 per-word probability of keeping a token (subsampling).
* ``alias_prob`` / ``alias_index``: the alias table of the noise distribution.
* ``rng``: one uint64 xorshift64* state per thread.

The per-chunk kernel ``train_chunk`` runs one ``prange`` iteration per thread; each
thread owns a disjoint slice of ``ids``, its own RNG row and its own buffers, and
updates the shared matrices without locks (Hogwild).
"""

import llvmlite
import numpy as np
from llvmlite import ir
from numba import config as numba_config
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

EOS = -1
MODEL_SG = 0
MODEL_CBOW = 1
MAX_EXP = np.float32(6.0)  # logits are clipped to [-MAX_EXP, MAX_EXP] before the sigmoid

_XS_MULT = np.uint64(2685821657736338717)
_U32_MASK = np.uint64(0xFFFFFFFF)
_SHIFT_32 = np.uint64(32)
_SHIFT_40 = np.uint64(40)
_INV_2_24 = np.float32(1.0 / (1 << 24))
# Alpha is re-interpolated every this many tokens (a power of two: cheap mask test).
_ALPHA_REFRESH_MASK = 255
# A thread's RNG state lives in the middle of a private buffer this long, so that no
# two threads ever write to the same cache line.
_STATE_PAD = 16
_FLOATS_PER_LINE = 16  # 64-byte cache lines of float32
# LLVM's name for the prefetch intrinsic on a generic pointer (typed pointers before LLVM 15).
_PREFETCH = ("llvm.prefetch.p0" if hasattr(llvmlite, "ir_layer_typed_pointers_enabled")
             else "llvm.prefetch.p0i8")
_PREFETCH_WRITE, _PREFETCH_KEEP, _PREFETCH_DATA = 1, 3, 1


# ---------------------------------------------------------------- random numbers
@njit(cache=True)
def rng_next(state, t):
    """Advance thread ``t``'s xorshift64* state and return 64 random bits."""
    x = state[t]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[t] = x
    return x * _XS_MULT


@njit(cache=True)
def rng_uniform(bits):
    """A float32 in [0, 1) from the top 24 bits of ``bits``."""
    return np.float32(bits >> _SHIFT_40) * _INV_2_24


@njit(cache=True)
def rng_below(bits, n):
    """An integer in [0, n) from the top 32 bits of ``bits`` (multiply-shift, no division)."""
    return np.int64(((bits >> _SHIFT_32) * np.uint64(n)) >> _SHIFT_32)


@njit(cache=True)
def draw_noise(state, t, alias_prob, alias_index):
    """One draw from the noise distribution: O(1) with the alias method."""
    bits = rng_next(state, t)
    k = rng_below(bits, alias_prob.shape[0])
    if np.uint32(bits & _U32_MASK) < alias_prob[k]:
        return k
    return np.int64(alias_index[k])


# ---------------------------------------------------------------- prefetching
if numba_config.DISABLE_JIT:
    def prefetch_line(m, row, col):
        """Pure Python: a hint with no effect."""
else:
    @intrinsic
    def prefetch_line(typingctx, m, row, col):
        """Ask the CPU to start loading the cache line of m[row, col] (no wait, no effect)."""

        def codegen(context, builder, signature, args):
            aryty = signature.args[0]
            ary = context.make_array(aryty)(context, builder, args[0])
            index = [context.cast(builder, v, t, types.intp)
                     for v, t in zip(args[1:], signature.args[1:])]
            ptr = cgutils.get_item_pointer(context, builder, aryty, ary, index, wraparound=False)
            i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), _PREFETCH)
            builder.call(fn, [builder.bitcast(ptr, i8p), i32(_PREFETCH_WRITE),
                              i32(_PREFETCH_KEEP), i32(_PREFETCH_DATA)])
            return context.get_dummy_value()

        return types.void(m, row, col), codegen


@njit(cache=True)
def prefetch_row(m, row):
    """Prefetch every cache line of m[row]: random rows are where the time goes."""
    last = m.shape[1] - 1
    for k in range(0, last, _FLOATS_PER_LINE):
        prefetch_line(m, row, k)
    prefetch_line(m, row, last)


# ---------------------------------------------------------------- vector leaves
# Rows are addressed as (matrix, row index) rather than as views: a view of a shared
# matrix costs an atomic reference-count update, which threads contend on.
@njit(cache=True, fastmath=True)
def dot_row(h, m, row):
    """h . m[row]"""
    s = np.float32(0.0)
    for k in range(h.shape[0]):
        s += h[k] * m[row, k]
    return s


@njit(cache=True, fastmath=True)
def axpy_from_row(a, m, row, y):
    """y += a * m[row]"""
    for k in range(y.shape[0]):
        y[k] += a * m[row, k]


@njit(cache=True, fastmath=True)
def axpy_to_row(a, x, m, row):
    """m[row] += a * x"""
    for k in range(x.shape[0]):
        m[row, k] += a * x[k]


@njit(cache=True, fastmath=True)
def copy_row(m, row, out):
    for k in range(out.shape[0]):
        out[k] = m[row, k]


@njit(cache=True, fastmath=True)
def fill(x, value):
    for k in range(x.shape[0]):
        x[k] = value


@njit(cache=True, fastmath=True)
def scale(x, a):
    for k in range(x.shape[0]):
        x[k] *= a


def _logistic_tables(size):
    """sigmoid(f) and -log sigmoid(f) sampled at ``size + 1`` points over [-MAX_EXP, MAX_EXP]."""
    f = np.linspace(-MAX_EXP, MAX_EXP, size + 1)
    return (1.0 / (1.0 + np.exp(-f))).astype(np.float32), np.log1p(np.exp(-f)).astype(np.float32)


TABLE_SIZE = 4096
_TABLE_SCALE = np.float32(TABLE_SIZE / (2.0 * MAX_EXP))
SIGMOID_TABLE, NEG_LOG_SIGMOID_TABLE = _logistic_tables(TABLE_SIZE)  # read-only constants


@njit(cache=True, fastmath=True)
def _interpolate(table, x):
    i = min(np.int64(x), TABLE_SIZE - 1)
    frac = x - np.float32(i)
    return table[i] + frac * (table[i + 1] - table[i])


@njit(cache=True)
def sigmoid_and_loss(f, label):
    """Clipped logistic by interpolated table: (sigmoid(f), -log p(label | f)).

    A NaN logit propagates into the loss so that divergence is detected.
    """
    if not f == f:
        return np.float32(0.5), f
    if f > MAX_EXP:
        f = MAX_EXP
    elif f < -MAX_EXP:
        f = -MAX_EXP
    x = (f + MAX_EXP) * _TABLE_SCALE
    sig = _interpolate(SIGMOID_TABLE, x)
    if label > 0:
        return sig, _interpolate(NEG_LOG_SIGMOID_TABLE, x)
    return sig, _interpolate(NEG_LOG_SIGMOID_TABLE, np.float32(TABLE_SIZE) - x)


# ---------------------------------------------------------------- the loss primitive
@njit(cache=True)
def draw_targets(positive, negative, targets, state, t, alias_prob, alias_index):
    """targets[0] = positive, then up to ``negative`` noise words; returns how many.

    Noise draws equal to the positive word are dropped, as in the reference tool.
    """
    targets[0] = positive
    count = 1
    for _ in range(negative):
        w = draw_noise(state, t, alias_prob, alias_index)
        if w != positive:
            targets[count] = w
            count += 1
    return count


@njit(cache=True)
def sgns_update(h, targets, count, syn1neg, alpha, neu1e):
    """One negative-sampling step for input vector ``h``.

    ``targets[0]`` is the word to predict, ``targets[1:count]`` the noise words. Updates
    their output rows in place, writes the gradient for ``h`` into ``neu1e`` and
    returns the summed loss -log sigmoid(+-h.out).
    """
    fill(neu1e, np.float32(0.0))
    loss = 0.0
    for d in range(count):
        w = targets[d]
        label = 1 if d == 0 else 0
        sig, term_loss = sigmoid_and_loss(dot_row(h, syn1neg, w), label)
        g = (np.float32(label) - sig) * alpha
        axpy_from_row(g, syn1neg, w, neu1e)
        axpy_to_row(g, h, syn1neg, w)
        loss += term_loss
    return loss


# ---------------------------------------------------------------- strategies
@njit(cache=True)
def draw_ahead(sent, n, i, window, negative, targets, counts, syn0, syn1neg, state, t,
               alias_prob, alias_index):
    """Draw the targets of centre ``i`` into row ``i & 1`` and prefetch the rows it will
    need (its output rows, the context row entering the window), one centre ahead."""
    if i >= n:
        return
    slot = i & 1
    counts[slot] = draw_targets(sent[i], negative, targets[slot], state, t, alias_prob,
                                alias_index)
    for d in range(counts[slot]):
        prefetch_row(syn1neg, targets[slot, d])
    if i + window < n:
        prefetch_row(syn0, sent[i + window])


@njit(cache=True)
def window_bounds(i, n, window, state, t):
    """[lo, hi) of centre ``i``'s context, the window shrunk at random as the C tool does."""
    span = window - rng_below(rng_next(state, t), window)
    return max(0, i - span), min(n, i + span + 1)


@njit(cache=True)
def sg_sentence(sent, n, syn0, syn1neg, window, negative, alpha, h, neu1e, targets, counts,
                state, t, alias_prob, alias_index):
    """Skip-gram over one subsampled sentence: each context word predicts the centre.

    The noise words are drawn once per centre word and shared by its context words:
    the output rows then stay in cache across the window. ``targets`` has two rows:
    the current centre's and the next one's, drawn and prefetched one step ahead.
    """
    loss = 0.0
    terms = 0
    draw_ahead(sent, n, 0, window, negative, targets, counts, syn0, syn1neg, state, t,
               alias_prob, alias_index)
    for i in range(n):
        draw_ahead(sent, n, i + 1, window, negative, targets, counts, syn0, syn1neg, state, t,
                   alias_prob, alias_index)
        lo, hi = window_bounds(i, n, window, state, t)
        slot = i & 1
        for j in range(lo, hi):
            if j == i:
                continue
            context = sent[j]
            copy_row(syn0, context, h)
            loss += sgns_update(h, targets[slot], counts[slot], syn1neg, alpha, neu1e)
            axpy_to_row(np.float32(1.0), neu1e, syn0, context)
            terms += counts[slot]
    return loss, terms


@njit(cache=True)
def cbow_sentence(sent, n, syn0, syn1neg, window, negative, alpha, cbow_mean, h, neu1e,
                  targets, counts, state, t, alias_prob, alias_index):
    """CBOW over one subsampled sentence: the mean (or sum) of the context predicts the centre."""
    loss = 0.0
    terms = 0
    draw_ahead(sent, n, 0, window, negative, targets, counts, syn0, syn1neg, state, t,
               alias_prob, alias_index)
    for i in range(n):
        draw_ahead(sent, n, i + 1, window, negative, targets, counts, syn0, syn1neg, state, t,
                   alias_prob, alias_index)
        lo, hi = window_bounds(i, n, window, state, t)
        width = hi - lo - 1
        if width == 0:
            continue
        fill(h, np.float32(0.0))
        for j in range(lo, hi):
            if j != i:
                axpy_from_row(np.float32(1.0), syn0, sent[j], h)
        inv = np.float32(1.0) / np.float32(width)
        if cbow_mean:
            scale(h, inv)
        slot = i & 1
        loss += sgns_update(h, targets[slot], counts[slot], syn1neg, alpha, neu1e)
        share = np.float32(1.0) if cbow_mean else inv
        for j in range(lo, hi):
            if j != i:
                axpy_to_row(share, neu1e, syn0, sent[j])
        terms += counts[slot]
    return loss, terms


# ---------------------------------------------------------------- the per-chunk kernel
@njit(cache=True, parallel=True)
def train_chunk(ids, starts, ends, syn0, syn1neg, keep_prob, alias_prob, alias_index, rng,
                model, window, negative, cbow_mean, max_sentence, alpha_start, alpha_end,
                loss_out, terms_out, kept_out):
    """Train on ``ids[starts[t]:ends[t]]`` in thread ``t``, for every t in parallel.

    Each slice must end with EOS. Alpha falls linearly from ``alpha_start`` to
    ``alpha_end`` over each slice (the caller maps global progress to these).
    Per-thread loss sum, logistic-term count and kept-token count go to the ``*_out`` rows.
    """
    dim = syn0.shape[1]
    for t in prange(starts.shape[0]):
        sent = np.empty(max_sentence, dtype=np.int32)
        h = np.empty(dim, dtype=np.float32)
        neu1e = np.empty(dim, dtype=np.float32)
        targets = np.empty((2, negative + 1), dtype=np.int64)
        counts = np.zeros(2, dtype=np.int64)
        state = np.zeros(_STATE_PAD, dtype=np.uint64)
        own = _STATE_PAD // 2
        state[own] = rng[t]
        lo = starts[t]
        length = max(ends[t] - lo, 1)
        loss = 0.0
        terms = 0
        kept = 0
        n = 0
        alpha = np.float32(alpha_start)
        for p in range(lo, ends[t]):
            if ((p - lo) & _ALPHA_REFRESH_MASK) == 0:
                frac = (p - lo) / length
                alpha = np.float32(alpha_start + (alpha_end - alpha_start) * frac)
            w = ids[p]
            if w != EOS:
                prob = keep_prob[w]
                if prob >= np.float32(1.0) or rng_uniform(rng_next(state, own)) < prob:
                    if n < max_sentence:
                        sent[n] = w
                        n += 1
                continue
            if n > 1:
                if model == MODEL_SG:
                    step_loss, step_terms = sg_sentence(sent, n, syn0, syn1neg, window, negative,
                                                        alpha, h, neu1e, targets, counts, state,
                                                        own, alias_prob, alias_index)
                else:
                    step_loss, step_terms = cbow_sentence(sent, n, syn0, syn1neg, window,
                                                          negative, alpha, cbow_mean, h, neu1e,
                                                          targets, counts, state, own,
                                                          alias_prob, alias_index)
                loss += step_loss
                terms += step_terms
            kept += n
            n = 0
        rng[t] = state[own]
        loss_out[t] = loss
        terms_out[t] = terms
        kept_out[t] = kept
