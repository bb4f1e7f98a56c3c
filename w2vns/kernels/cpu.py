"""The CPU training kernels: skip-gram and CBOW over sentences, and the per-chunk kernel.

Layout of the data the kernels see:

* ``ids``: int32 word ids of the encoded corpus; ``EOS`` (-1) ends a sentence.
* ``model``, ``noise``, ``tree``, ``params``: the bundles of ``bundles``.
* ``keep_prob``: float32 per-word probability of keeping a token (subsampling).
* ``rng``: one uint64 xorshift64* state per thread; ``tallies``: one counter row per thread.

``train_chunk`` runs one ``prange`` iteration per thread; each thread owns a disjoint
slice of ``ids``, its own RNG state, buffers and counters (a ``Work`` bundle), and
updates the shared matrices without locks (Hogwild). Both models call the same loss
primitives (``losses``) and target-drawing leaves (``targets``).
"""

from collections import namedtuple

import numpy as np
from numba import njit, prange

from .bundles import (MODEL_SG, N_TALLIES, STRATEGY_ADAPTIVE, STRATEGY_DYNAMIC, STRATEGY_HARD,
                      TALLY_KEPT, TALLY_PAIRS)
from .leaves import (axpy_from_row, axpy_to_row, copy_row, fill, prefetch_row, scale)
from .losses import hs_update, ns_update
from .rng import rng_below, rng_next, rng_uniform
from .targets import draw_hard, draw_targets

EOS = -1
# Alpha is re-interpolated every this many tokens (a power of two: cheap mask test).
_ALPHA_REFRESH_MASK = 255
# A thread's RNG state lives in the middle of a private buffer this long, so that no
# two threads ever write to the same cache line.
_STATE_PAD = 16
_OWN = _STATE_PAD // 2
_AHEAD_SLOTS = 2  # targets of the current centre and of the next one

# One thread's buffers: the subsampled sentence, input vector, window sum (hard
# strategies), gradient, two rows of targets and their counts, the hard strategies'
# candidate pool and scores, the RNG state and the counters.
Work = namedtuple("Work", "sent h hsum neu1e targets counts candidates scores state tally")


@njit(cache=True)
def new_work(params, dim, seed):
    state = np.zeros(_STATE_PAD, dtype=np.uint64)
    state[_OWN] = seed
    width = max(params.negative, params.pool) + 1
    return Work(np.empty(params.max_sentence, dtype=np.int32), np.empty(dim, dtype=np.float32),
                np.empty(dim, dtype=np.float32), np.empty(dim, dtype=np.float32),
                np.empty((_AHEAD_SLOTS, width), dtype=np.int64),
                np.zeros(_AHEAD_SLOTS, dtype=np.int64), np.empty(width, dtype=np.int64),
                np.empty(width, dtype=np.float32), state, np.zeros(N_TALLIES, dtype=np.float64))


@njit(cache=True)
def scores_candidates(params):
    """True for the strategies that score a pool of candidates (hard, dynamic)."""
    return params.strategy == STRATEGY_HARD or params.strategy == STRATEGY_DYNAMIC


@njit(cache=True)
def window_bounds(i, n, window, state, t):
    """[lo, hi) of centre ``i``'s context, the window shrunk at random as the C tool does."""
    span = window - rng_below(rng_next(state, t), window)
    return max(0, i - span), min(n, i + span + 1)


@njit(cache=True)
def draw_for(positive, h, slot, model, noise, params, work):
    """Targets of one example into row ``slot``: scored against ``h`` when the strategy
    asks for it, plain draws from the noise table otherwise."""
    if scores_candidates(params):
        work.counts[slot] = draw_hard(positive, h, params.negative, params.pool,
                                      work.targets[slot], work.candidates, work.scores,
                                      work.state, _OWN, noise, model.syn1neg, work.tally)
    else:
        work.counts[slot] = draw_targets(positive, params.negative, work.targets[slot],
                                         work.state, _OWN, noise)


@njit(cache=True)
def draw_ahead(i, n, model, noise, params, work):
    """Draw centre ``i``'s targets into row ``i & 1`` and prefetch the rows it will need
    (its output rows, the context row entering the window), one centre ahead."""
    if i >= n:
        return
    slot = i & 1
    draw_for(work.sent[i], work.h, slot, model, noise, params, work)
    for d in range(work.counts[slot]):
        prefetch_row(model.syn1neg, work.targets[slot, d])
    if i + params.window < n:
        prefetch_row(model.syn0, work.sent[i + params.window])


@njit(cache=True)
def ahead_of_time(params):
    """Targets can be drawn one centre ahead (and prefetched) when they do not depend on
    the current vectors and are shared by the whole window."""
    return params.negative > 0 and params.share != 0 and not scores_candidates(params)


@njit(cache=True)
def update_both(h, centre, slot, model, noise, tree, params, work, alpha):
    """The summed losses for input ``h`` predicting ``centre``; gradient left in neu1e."""
    fill(work.neu1e, np.float32(0.0))
    if params.negative > 0:
        ns_update(h, work.targets[slot], work.counts[slot], model.syn1neg, alpha, work.neu1e,
                  work.tally, noise, params.strategy == STRATEGY_ADAPTIVE)
    if params.hs:
        hs_update(h, centre, tree, model.syn1, alpha, work.neu1e, work.tally)


@njit(cache=True)
def sg_sentence(n, model, noise, tree, params, work, alpha):
    """Skip-gram over the ``n`` words of ``work.sent``: each context word predicts the centre.

    With shared negatives one draw per centre serves its whole window (scored, for the
    hard strategies, against the sum of the window's input vectors); otherwise every
    (centre, context) pair draws its own, scored against that context's vector.
    """
    syn0 = model.syn0
    sent = work.sent
    ahead = ahead_of_time(params)
    if ahead:
        draw_ahead(0, n, model, noise, params, work)
    for i in range(n):
        if ahead:
            draw_ahead(i + 1, n, model, noise, params, work)
        lo, hi = window_bounds(i, n, params.window, work.state, _OWN)
        work.tally[TALLY_PAIRS] += hi - lo - 1
        slot = i & 1
        centre = sent[i]
        if params.negative > 0 and params.share != 0 and not ahead:
            fill(work.hsum, np.float32(0.0))
            for j in range(lo, hi):
                if j != i:
                    axpy_from_row(np.float32(1.0), syn0, sent[j], work.hsum)
            draw_for(centre, work.hsum, slot, model, noise, params, work)
        for j in range(lo, hi):
            if j == i:
                continue
            context = sent[j]
            copy_row(syn0, context, work.h)
            if params.negative > 0 and params.share == 0:
                draw_for(centre, work.h, slot, model, noise, params, work)
            update_both(work.h, centre, slot, model, noise, tree, params, work, alpha)
            axpy_to_row(np.float32(1.0), work.neu1e, syn0, context)


@njit(cache=True)
def cbow_sentence(n, model, noise, tree, params, work, alpha):
    """CBOW over the ``n`` words of ``work.sent``: the mean (or sum) of the context
    predicts the centre."""
    syn0 = model.syn0
    sent = work.sent
    h = work.h
    ahead = ahead_of_time(params)
    if ahead:
        draw_ahead(0, n, model, noise, params, work)
    for i in range(n):
        if ahead:
            draw_ahead(i + 1, n, model, noise, params, work)
        lo, hi = window_bounds(i, n, params.window, work.state, _OWN)
        width = hi - lo - 1
        if width == 0:
            continue
        work.tally[TALLY_PAIRS] += width
        fill(h, np.float32(0.0))
        for j in range(lo, hi):
            if j != i:
                axpy_from_row(np.float32(1.0), syn0, sent[j], h)
        inv = np.float32(1.0) / np.float32(width)
        if params.cbow_mean:
            scale(h, inv)
        slot = i & 1
        if params.negative > 0 and not ahead:
            draw_for(sent[i], h, slot, model, noise, params, work)
        update_both(h, sent[i], slot, model, noise, tree, params, work, alpha)
        share = np.float32(1.0) if params.cbow_mean else inv
        for j in range(lo, hi):
            if j != i:
                axpy_to_row(share, work.neu1e, syn0, sent[j])


@njit(cache=True)
def train_slice(ids, lo, hi, model, noise, tree, keep_prob, params, work, alpha_start,
                alpha_end):
    """One thread's slice ``ids[lo:hi]`` (ending with EOS): subsample, then train sentence
    by sentence with alpha falling linearly from ``alpha_start`` to ``alpha_end``."""
    length = max(hi - lo, 1)
    n = 0
    alpha = np.float32(alpha_start)
    for p in range(lo, hi):
        if ((p - lo) & _ALPHA_REFRESH_MASK) == 0:
            alpha = np.float32(alpha_start + (alpha_end - alpha_start) * ((p - lo) / length))
        w = ids[p]
        if w != EOS:
            prob = keep_prob[w]
            if prob >= np.float32(1.0) or rng_uniform(rng_next(work.state, _OWN)) < prob:
                if n < params.max_sentence:
                    work.sent[n] = w
                    n += 1
            continue
        if n > 1:
            if params.model == MODEL_SG:
                sg_sentence(n, model, noise, tree, params, work, alpha)
            else:
                cbow_sentence(n, model, noise, tree, params, work, alpha)
        work.tally[TALLY_KEPT] += n
        n = 0


@njit(cache=True, parallel=True)
def train_chunk(ids, starts, ends, model, noise, tree, keep_prob, params, rng, tallies,
                alpha_start, alpha_end):
    """Train on ``ids[starts[t]:ends[t]]`` in thread ``t``, for every t in parallel.

    Each slice must end with EOS. Alpha falls linearly from ``alpha_start`` to
    ``alpha_end`` over each slice (the caller maps global progress to these). Each
    thread's counters (``bundles.TALLY_*``) go to ``tallies[t]``; its RNG state to ``rng[t]``.
    """
    dim = model.syn0.shape[1]
    for t in prange(starts.shape[0]):
        work = new_work(params, dim, rng[t])
        train_slice(ids, starts[t], ends[t], model, noise, tree, keep_prob, params, work,
                    alpha_start, alpha_end)
        rng[t] = work.state[_OWN]
        for k in range(N_TALLIES):
            tallies[t, k] = work.tally[k]
