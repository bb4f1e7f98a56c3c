"""The CPU training kernels: skip-gram and CBOW over sentences, and the per-chunk kernel.

Layout of the data the kernels see:

* ``ids``: int32 word ids of the encoded corpus; ``EOS`` (-1) ends a sentence.
* ``model``, ``noise``, ``tree``, ``params``: the bundles of ``bundles``.
* ``keep_prob``: float32 per-word probability of keeping a token (subsampling).
* ``subs``: each word's input rows (``subwords.Subwords``): with subwords a word's input
  vector is the mean of its own row and its n-gram rows, and its gradient goes to each;
  empty without subwords (one row per word, the plain path).
* ``rng``: one uint64 xorshift64* state per thread; ``tallies``: one counter row per thread.

``train_chunk`` runs one ``prange`` iteration per thread; each thread owns a disjoint
slice of ``ids``, its own RNG state, buffers and counters (a ``Work`` bundle), and
updates the shared matrices without locks (Hogwild). Both models call one ``update`` per
example (as fastText's ``Model::update``), which calls the loss primitives (``losses``)
and the target-drawing leaves (``targets``); the random numbers, draws and window
bounds are the portable steps (``portable``), the same on the GPU.
"""

from collections import namedtuple

import numpy as np
from numba import njit, prange

from .bundles import (EOS, LOSS_NCE, LOSS_NS, LOSS_SOFTMAX, MODEL_SG, N_TALLIES, SHARED_CONTEXTS, STRATEGY_DYNAMIC,
                      STRATEGY_HARD, TALLY_KEPT, TALLY_LOSS, TALLY_PAIRS, TALLY_POOL,
                      TALLY_TERMS)
from .leaves import (FAST_MATH, LEAF, STEP, axpy_from_row, axpy_to_row, copy_row, fill,
                     prefetch_row, scale)
from .losses import hs_update, nce_update, ns_update, ns_update_window, softmax_update
from .rng import draw_targets, kept, window_bounds
from .subwords import active, add_compose, compose, prefetch_word, spread, spread_row
from .targets import draw_hard
# Alpha is re-interpolated every this many tokens (a power of two: cheap mask test).
_ALPHA_REFRESH_MASK = 255
# A thread's RNG state lives in the middle of a private buffer this long, so that no
# two threads ever write to the same cache line.
_STATE_PAD = 16
_OWN = _STATE_PAD // 2
_AHEAD_SLOTS = 2  # targets of the current centre and of the next one
_HS_NODES = 16  # hierarchical softmax takes the logits of this many path nodes at a time

# One thread's buffers: the subsampled sentence, input vector, window sum (hard
# strategies), gradient, two rows of targets and their counts, the hard strategies'
# candidate pool and scores, one example's logits (or an HS path's, in chunks; with the
# exact softmax, every word's), a block's gradients and context updates (skip-gram with
# shared negatives), the RNG state and the counters.
Work = namedtuple("Work", "sent h hsum neu1e targets counts candidates scores logits grad delta "
                         "state tally")


@njit(cache=True)
def block_span(params):
    """Context words of a skip-gram block: its gradients' and context updates' rows."""
    return min(2 * params.window, SHARED_CONTEXTS)


@njit(cache=True)
def logits_length(params, width, words):
    """Floats of a thread's logits: a row of targets, a chunk of an HS path, or with the
    exact softmax one per output row (``words``)."""
    return max(width, _HS_NODES, words if params.loss == LOSS_SOFTMAX else 0)


@njit(cache=True)
def new_work(params, dim, words, seed):
    """One thread's buffers (``Work``) for ``words`` output rows, its RNG state ``seed``."""
    state = np.zeros(_STATE_PAD, dtype=np.uint64)
    state[_OWN] = seed
    width = max(params.negative, params.pool) + 1
    span = block_span(params)
    return Work(np.empty(params.max_sentence, dtype=np.int32), np.empty(dim, dtype=np.float32),
                np.empty(dim, dtype=np.float32), np.empty(dim, dtype=np.float32),
                np.empty((_AHEAD_SLOTS, width), dtype=np.int64),
                np.zeros(_AHEAD_SLOTS, dtype=np.int64), np.empty(width, dtype=np.int64),
                np.empty(width, dtype=np.float32),
                np.empty(logits_length(params, width, words), dtype=np.float32),
                np.empty((span, width), dtype=np.float32),
                np.empty((span, dim), dtype=np.float32), state,
                np.zeros(N_TALLIES, dtype=np.float64))


def work_bytes(params, dim, words):
    """Bytes of the buffers ``new_work`` allocates for one thread (``params`` with the
    largest pool the run uses; ``words`` output rows)."""
    f32, i32, i64 = (np.dtype(t).itemsize for t in (np.float32, np.int32, np.int64))
    width = max(params.negative, params.pool) + 1
    span = block_span(params)
    return (params.max_sentence * i32 + 3 * dim * f32  # sent; h, hsum, neu1e
            + _AHEAD_SLOTS * (width + 1) * i64 + width * (i64 + f32)  # targets, counts; pool
            + logits_length(params, width, words) * f32  # logits
            + span * (width + dim) * f32  # grad, delta
            + _STATE_PAD * np.dtype(np.uint64).itemsize
            + N_TALLIES * np.dtype(np.float64).itemsize)


# ``update`` is compiled on its own, without reference counting (it allocates nothing),
# and inlined by LLVM (forceinline), not by Numba: otherwise each of its array arguments
# would take a reference count per example (an atomic update of a counter that every
# thread shares, on the shared matrices).
EXAMPLE = dict(forceinline=True, _nrt=False, **STEP)

# The sentence kernels unpack the bundles once; the per-centre steps they call take plain
# arrays and are inlined (leaves.LEAF): inside the loops a bundle's field or a row view
# would cost a reference count per access.
KERNEL = dict(cache=True, fastmath=set(FAST_MATH))


@njit(**STEP)
def scores_candidates(params):
    """True for the strategies that score a pool of candidates (hard, dynamic)."""
    return params.strategy == STRATEGY_HARD or params.strategy == STRATEGY_DYNAMIC


@njit(**STEP)
def ahead_of_time(params):
    """Targets can be drawn one centre ahead (and prefetched) when they do not depend on
    the current vectors and are shared by the whole window."""
    return params.negative > 0 and params.share != 0 and not scores_candidates(params)


@njit(**STEP)
def updates_windows(params):
    """Skip-gram updates a block of the window at once (``ns_update_window``) when its
    targets are drawn ahead and negative sampling is the only loss."""
    return ahead_of_time(params) and params.hs == 0 and params.loss == LOSS_NS


@njit(**STEP)
def draw_for(positive, h, slot, targets, candidates, scores, state, alias_prob, alias_index,
             syn1neg, negative, pool, hard):
    """Targets of one example into row ``slot``: the best of ``pool`` draws scored against
    ``h`` when ``hard``, plain draws from the noise table otherwise.

    Returns (how many targets, how many candidates were scored)."""
    if hard:
        return draw_hard(positive, h, negative, pool, targets, slot, candidates, scores, state,
                         _OWN, alias_prob, alias_index, syn1neg)
    return draw_targets(positive, negative, targets, slot, state, _OWN, alias_prob,
                        alias_index), 0


@njit(**LEAF)
def draw_ahead(i, n, sent, targets, counts, state, alias_prob, alias_index, syn0, syn1neg,
               negative, window, offsets, rows):
    """Draw centre ``i``'s targets into row ``i & 1`` and prefetch the rows it will need
    (its output rows, the context row entering the window), one centre ahead."""
    if i >= n:
        return
    slot = i & 1
    counts[slot] = draw_targets(sent[i], negative, targets, slot, state, _OWN, alias_prob,
                                alias_index)
    for d in range(counts[slot]):
        prefetch_row(syn1neg, targets[slot, d])
    if rows.shape[0] > 0:
        prefetch_word(syn0, offsets, rows, sent[i])  # the next centre's input rows
    elif i + window < n:
        prefetch_row(syn0, sent[i + window])


@njit(**LEAF)
def context_at(lo, centre_at, k):
    """Position of the ``k``-th context word of the window starting at ``lo``."""
    j = lo + k
    return j + 1 if j >= centre_at else j


@njit(**LEAF)
def block_bounds(lo, hi, centre_at, first):
    """[start, stop) of the window [lo, hi) holding its context words ``first`` to
    ``first + SHARED_CONTEXTS - 1`` (fewer at the end), and how many there are."""
    last = min(first + SHARED_CONTEXTS, hi - lo - 1)
    return (context_at(lo, centre_at, first), context_at(lo, centre_at, last - 1) + 1,
            last - first)


@njit(**LEAF)
def window_sum(sent, start, stop, centre_at, syn0, out):
    """out = the sum of the input vectors of the context words in [start, stop)."""
    fill(out, np.float32(0.0))
    for j in range(start, stop):
        if j != centre_at:
            axpy_from_row(np.float32(1.0), syn0, sent[j], out)


@njit(**EXAMPLE)
def update(h, centre, slot, draw, syn1neg, syn1, targets, counts, candidates, scores, state,
           alias_prob, alias_index, score_sum, draw_count, offsets, codes, points, logits,
           neu1e, negative, pool, hard, hs, adaptive, alpha, loss_code, shift):
    """One example, shared by skip-gram and CBOW: the input vector ``h`` predicts
    ``centre`` through each loss in use. With ``draw``, the targets are drawn into row
    ``slot`` first (else they are there already). The output rows are updated in place
    and ``neu1e`` receives the gradient for ``h``, which the caller applies to the input
    rows that made it. ``loss_code`` (``LOSS_*``) says how the output rows are trained:
    negative sampling, NCE (``shift``: log(k P_n(w)) per word) or the exact softmax (one
    term per example). Returns (loss, terms, candidates scored)."""
    fill(neu1e, np.float32(0.0))
    loss = 0.0
    terms = scored = 0
    if negative > 0:
        if draw:
            counts[slot], scored = draw_for(centre, h, slot, targets, candidates, scores,
                                            state, alias_prob, alias_index, syn1neg, negative,
                                            pool, hard)
        if loss_code == LOSS_NCE:
            loss += nce_update(h, targets, slot, counts[slot], syn1neg, alpha, neu1e, shift,
                               logits)
        else:
            loss += ns_update(h, targets, slot, counts[slot], syn1neg, alpha, neu1e, score_sum,
                              draw_count, logits, adaptive)
        terms += counts[slot]
    elif loss_code == LOSS_SOFTMAX:
        loss += softmax_update(h, centre, syn1neg, alpha, neu1e, logits)
        terms += 1
    if hs:
        loss += hs_update(h, centre, offsets, codes, points, syn1, alpha, neu1e, logits)
        terms += offsets[centre + 1] - offsets[centre]
    return loss, terms, scored


@njit(**KERNEL)
def sg_sentence(n, model, noise, tree, subs, params, work, alpha):
    """Skip-gram over the ``n`` words of ``work.sent``: each context word predicts the centre.

    With shared negatives one draw serves a block of up to ``SHARED_CONTEXTS`` context
    words (the whole window up to window 10; a wider one is cut into blocks, each with
    its own draw), scored, for the hard strategies, against the sum of the block's input
    vectors; without HS each block is updated at once (``ns_update_window``), against the
    rows as the previous block left them. Otherwise every (centre, context) pair draws its
    own targets, scored against that context's vector, and is one ``update``. With
    subwords, ``sg_subword_sentence``.
    """
    if active(subs.rows):
        sg_subword_sentence(n, model, noise, tree, subs, params, work, alpha)
        return
    syn0, syn1neg, syn1 = model.syn0, model.syn1neg, model.syn1
    alias_prob, alias_index = noise.alias_prob, noise.alias_index
    score_sum, draw_count, shift = noise.score_sum, noise.draw_count, noise.nce_shift
    offsets, codes, points = tree.offsets, tree.codes, tree.points
    sub_offsets, sub_rows = subs.offsets, subs.rows
    sent, h, hsum, neu1e, state = work.sent, work.h, work.hsum, work.neu1e, work.state
    targets, counts, candidates, scores = work.targets, work.counts, work.candidates, work.scores
    grad, delta, logits = work.grad, work.delta, work.logits
    window, negative, pool, hs = params.window, params.negative, params.pool, params.hs != 0
    shrink, adaptive = params.shrink != 0, params.adaptive != 0
    hard = scores_candidates(params)
    ahead = ahead_of_time(params)
    shared = negative > 0 and params.share != 0
    windowed = updates_windows(params)
    loss = 0.0
    pairs = terms = scored = 0
    if ahead:
        draw_ahead(0, n, sent, targets, counts, state, alias_prob, alias_index, syn0, syn1neg,
                   negative, window, sub_offsets, sub_rows)
    for i in range(n):
        if ahead:
            draw_ahead(i + 1, n, sent, targets, counts, state, alias_prob, alias_index, syn0,
                       syn1neg, negative, window, sub_offsets, sub_rows)
        lo, hi = window_bounds(i, n, window, shrink, state, _OWN)
        pairs += hi - lo - 1
        slot = i & 1
        centre = sent[i]
        for first in range(0, hi - lo - 1, SHARED_CONTEXTS):
            start, stop, size = block_bounds(lo, hi, i, first)
            if shared and (first > 0 or not ahead):
                if hard:
                    window_sum(sent, start, stop, i, syn0, hsum)
                counts[slot], pooled = draw_for(centre, hsum, slot, targets, candidates,
                                                scores, state, alias_prob, alias_index,
                                                syn1neg, negative, pool, hard)
                scored += pooled
            if windowed:
                loss += ns_update_window(sent, start, stop, i, targets, slot, counts[slot],
                                         syn0, syn1neg, alpha, grad, delta, score_sum,
                                         draw_count, adaptive)
                terms += size * counts[slot]
                continue
            for j in range(start, stop):
                if j == i:
                    continue
                context = sent[j]
                copy_row(syn0, context, h)
                step_loss, step_terms, pooled = update(
                    h, centre, slot, not shared, syn1neg, syn1, targets, counts, candidates,
                    scores, state, alias_prob, alias_index, score_sum, draw_count, offsets,
                    codes, points, logits, neu1e, negative, pool, hard, hs, adaptive, alpha,
                    params.loss, shift)
                loss += step_loss
                terms += step_terms
                scored += pooled
                axpy_to_row(np.float32(1.0), neu1e, syn0, context)
    add_tallies(work.tally, loss, terms, pairs, scored)


@njit(**KERNEL)
def sg_subword_sentence(n, model, noise, tree, subs, params, work, alpha):
    """Skip-gram with subwords. With shared negatives drawn ahead and negative sampling
    alone (the defaults), ``sg_subword_windowed``. Otherwise as fastText: the centre word's
    input vector (the mean of its rows, taken once per centre) predicts each context word
    of its window, one ``update`` per pair; their gradients are summed and added to each of
    the centre's rows once, after its window. Shared negatives (hard strategies, with
    hierarchical softmax or NCE): one draw per block as in ``sg_sentence``, scored against
    the centre's vector, the context word as the positive of each pair.

    Measured on the first 4M words of the standard corpus, the windowed way round scores
    the semantic analogies almost twice as well (0.053 against 0.029) at the same cost:
    with the centre's vector fixed, a shared draw repeats the same few noise words against
    the same vector for every context word.
    """
    if updates_windows(params):
        sg_subword_windowed(n, model, noise, subs, params, work, alpha)
        return
    syn0, syn1neg, syn1 = model.syn0, model.syn1neg, model.syn1
    alias_prob, alias_index = noise.alias_prob, noise.alias_index
    score_sum, draw_count, shift = noise.score_sum, noise.draw_count, noise.nce_shift
    offsets, codes, points = tree.offsets, tree.codes, tree.points
    sub_offsets, sub_rows = subs.offsets, subs.rows
    sent, h, neu1e, state, acc = work.sent, work.h, work.neu1e, work.state, work.delta
    targets, counts, candidates, scores = work.targets, work.counts, work.candidates, work.scores
    logits = work.logits
    window, negative, pool, hs = params.window, params.negative, params.pool, params.hs != 0
    shrink, adaptive = params.shrink != 0, params.adaptive != 0
    hard = scores_candidates(params)
    ahead = ahead_of_time(params)
    shared = negative > 0 and params.share != 0
    loss = 0.0
    pairs = terms = scored = 0
    if ahead:
        draw_ahead(0, n, sent, targets, counts, state, alias_prob, alias_index, syn0, syn1neg,
                   negative, window, sub_offsets, sub_rows)
    for i in range(n):
        if ahead:
            draw_ahead(i + 1, n, sent, targets, counts, state, alias_prob, alias_index, syn0,
                       syn1neg, negative, window, sub_offsets, sub_rows)
        lo, hi = window_bounds(i, n, window, shrink, state, _OWN)
        pairs += hi - lo - 1
        slot = i & 1
        centre = sent[i]
        compose(syn0, sub_offsets, sub_rows, centre, h)
        for x in range(h.shape[0]):
            acc[0, x] = np.float32(0.0)
        for first in range(0, hi - lo - 1, SHARED_CONTEXTS):
            start, stop, size = block_bounds(lo, hi, i, first)
            if shared and (first > 0 or not ahead):
                counts[slot], pooled = draw_for(centre, h, slot, targets, candidates, scores,
                                                state, alias_prob, alias_index, syn1neg,
                                                negative, pool, hard)
                scored += pooled
            for j in range(start, stop):
                if j == i:
                    continue
                context = sent[j]
                if shared:
                    targets[slot, 0] = context
                step_loss, step_terms, pooled = update(
                    h, context, slot, not shared, syn1neg, syn1, targets, counts, candidates,
                    scores, state, alias_prob, alias_index, score_sum, draw_count, offsets,
                    codes, points, logits, neu1e, negative, pool, hard, hs, adaptive, alpha,
                    params.loss, shift)
                loss += step_loss
                terms += step_terms
                scored += pooled
                axpy_to_row(np.float32(1.0), neu1e, acc, 0)
        spread_row(acc, 0, syn0, sub_offsets, sub_rows, centre)
    add_tallies(work.tally, loss, terms, pairs, scored)


@njit(**KERNEL)
def sg_subword_windowed(n, model, noise, subs, params, work, alpha):
    """Skip-gram with subwords and shared negatives, the plain skip-gram's way round: each
    context word's input vector (the mean of its rows) predicts the centre word and the
    centre's shared noise words, a block of the window at once (``ns_update_window``).

    A word's vector is composed once, when its position enters the window, into a ring of
    the window's vectors (``ring``, its value then kept in ``base``); the updates go to the
    ring, and each position's change is added to each of its word's rows once, when it
    leaves the window. So the rows are read and written once per position, as with the
    centre's vector the other way round, and no noise word is scored against the same
    vector more than once per example.
    """
    syn0, syn1neg = model.syn0, model.syn1neg
    alias_prob, alias_index = noise.alias_prob, noise.alias_index
    score_sum, draw_count = noise.score_sum, noise.draw_count
    sub_offsets, sub_rows = subs.offsets, subs.rows
    sent, state, targets, counts = work.sent, work.state, work.targets, work.counts
    grad, delta = work.grad, work.delta
    window, negative = params.window, params.negative
    shrink, adaptive = params.shrink != 0, params.adaptive != 0
    span = min(n, 2 * window + 2)  # positions [i - window, i + window] live at centre i
    ring = np.empty((span, syn0.shape[1]), dtype=np.float32)
    base = np.empty_like(ring)
    slots = np.empty(n, dtype=np.int32)
    for j in range(n):
        slots[j] = j % span
    loss = 0.0
    pairs = terms = 0
    entered = retired = 0
    own = sub_rows[:0]  # the ring holds the centre's vector: prefetch the entering rows only
    draw_ahead(0, n, sent, targets, counts, state, alias_prob, alias_index, syn0, syn1neg,
               negative, window, sub_offsets, own)
    for i in range(n):
        draw_ahead(i + 1, n, sent, targets, counts, state, alias_prob, alias_index, syn0,
                   syn1neg, negative, window, sub_offsets, own)
        if i + window + 1 < n:
            prefetch_word(syn0, sub_offsets, sub_rows, sent[i + window + 1])
        while retired < i - window:
            commit_position(ring, base, slots[retired], syn0, sub_offsets, sub_rows,
                            sent[retired])
            retired += 1
        while entered < min(n, i + window + 1):
            enter_position(ring, base, slots[entered], syn0, sub_offsets, sub_rows,
                           sent[entered])
            entered += 1
        lo, hi = window_bounds(i, n, window, shrink, state, _OWN)
        pairs += hi - lo - 1
        slot = i & 1
        for first in range(0, hi - lo - 1, SHARED_CONTEXTS):
            start, stop, size = block_bounds(lo, hi, i, first)
            if first > 0:
                counts[slot] = draw_targets(sent[i], negative, targets, slot, state, _OWN,
                                            alias_prob, alias_index)
            loss += ns_update_window(slots, start, stop, i, targets, slot, counts[slot],
                                     ring, syn1neg, alpha, grad, delta, score_sum,
                                     draw_count, adaptive)
            terms += size * counts[slot]
    while retired < n:
        commit_position(ring, base, slots[retired], syn0, sub_offsets, sub_rows,
                        sent[retired])
        retired += 1
    add_tallies(work.tally, loss, terms, pairs, 0)


@njit(**LEAF)
def enter_position(ring, base, slot, syn0, offsets, rows, word):
    """ring[slot] = base[slot] = ``word``'s input vector, the mean of its rows."""
    compose(syn0, offsets, rows, word, ring[slot])
    for x in range(ring.shape[1]):
        base[slot, x] = ring[slot, x]


@njit(**LEAF)
def commit_position(ring, base, slot, syn0, offsets, rows, word):
    """Add the change of ring[slot] since it entered to each of ``word``'s rows."""
    for x in range(ring.shape[1]):
        ring[slot, x] -= base[slot, x]
    spread_row(ring, slot, syn0, offsets, rows, word)


@njit(**KERNEL)
def cbow_sentence(n, model, noise, tree, subs, params, work, alpha):
    """CBOW over the ``n`` words of ``work.sent``: the mean (or sum) of the context
    predicts the centre, one ``update`` per centre."""
    syn0, syn1neg, syn1 = model.syn0, model.syn1neg, model.syn1
    alias_prob, alias_index = noise.alias_prob, noise.alias_index
    score_sum, draw_count, shift = noise.score_sum, noise.draw_count, noise.nce_shift
    offsets, codes, points = tree.offsets, tree.codes, tree.points
    sub_offsets, sub_rows = subs.offsets, subs.rows
    sub = active(sub_rows)
    sent, h, neu1e, state = work.sent, work.h, work.neu1e, work.state
    targets, counts, candidates, scores = work.targets, work.counts, work.candidates, work.scores
    logits = work.logits
    window, negative, pool, hs = params.window, params.negative, params.pool, params.hs != 0
    shrink, adaptive = params.shrink != 0, params.adaptive != 0
    mean = params.cbow_mean != 0
    hard = scores_candidates(params)
    ahead = ahead_of_time(params)
    loss = 0.0
    pairs = terms = scored = 0
    if ahead:
        draw_ahead(0, n, sent, targets, counts, state, alias_prob, alias_index, syn0, syn1neg,
                   negative, window, sub_offsets, sub_rows)
    for i in range(n):
        if ahead:
            draw_ahead(i + 1, n, sent, targets, counts, state, alias_prob, alias_index, syn0,
                       syn1neg, negative, window, sub_offsets, sub_rows)
        lo, hi = window_bounds(i, n, window, shrink, state, _OWN)
        width = hi - lo - 1
        if width == 0:
            continue
        pairs += width
        centre = sent[i]
        fill(h, np.float32(0.0))
        for j in range(lo, hi):
            if j != i:
                if sub:
                    add_compose(syn0, sub_offsets, sub_rows, sent[j], h)
                else:
                    axpy_from_row(np.float32(1.0), syn0, sent[j], h)
        inv = np.float32(1.0) / np.float32(width)
        if mean:
            scale(h, inv)
        step_loss, step_terms, pooled = update(
            h, centre, i & 1, not ahead, syn1neg, syn1, targets, counts, candidates, scores,
            state, alias_prob, alias_index, score_sum, draw_count, offsets, codes, points,
            logits, neu1e, negative, pool, hard, hs, adaptive, alpha, params.loss,
            shift)
        loss += step_loss
        terms += step_terms
        scored += pooled
        share = inv if params.cbow_divide != 0 else np.float32(1.0)
        for j in range(lo, hi):
            if j != i:
                if sub:
                    spread(share, neu1e, syn0, sub_offsets, sub_rows, sent[j])
                else:
                    axpy_to_row(share, neu1e, syn0, sent[j])
    add_tallies(work.tally, loss, terms, pairs, scored)


@njit(**STEP)
def add_tallies(tally, loss, terms, pairs, scored):
    """A sentence's counters, added once to the thread's row."""
    tally[TALLY_LOSS] += loss
    tally[TALLY_TERMS] += terms
    tally[TALLY_PAIRS] += pairs
    tally[TALLY_POOL] += scored


@njit(**KERNEL)
def train_slice(ids, lo, hi, model, noise, tree, subs, keep_prob, params, work, alpha_start,
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
            if kept(keep_prob[w], work.state, _OWN):
                if n < params.max_sentence:
                    work.sent[n] = w
                    n += 1
            continue
        if n > 1:
            if params.model == MODEL_SG:
                sg_sentence(n, model, noise, tree, subs, params, work, alpha)
            else:
                cbow_sentence(n, model, noise, tree, subs, params, work, alpha)
        work.tally[TALLY_KEPT] += n
        n = 0


@njit(parallel=True, **KERNEL)
def train_chunk(ids, starts, ends, model, noise, tree, subs, keep_prob, params, rng, tallies,
                alpha_start, alpha_end):
    """Train on ``ids[starts[t]:ends[t]]`` in thread ``t``, for every t in parallel.

    Each slice must end with EOS. Alpha falls linearly from ``alpha_start`` to
    ``alpha_end`` over each slice (the caller maps global progress to these). Each
    thread's counters (``bundles.TALLY_*``) go to ``tallies[t]``; its RNG state to ``rng[t]``.
    """
    dim = model.syn0.shape[1]
    for t in prange(starts.shape[0]):
        work = new_work(params, dim, model.syn1neg.shape[0], rng[t])
        train_slice(ids, starts[t], ends[t], model, noise, tree, subs, keep_prob, params, work,
                    alpha_start, alpha_end)
        rng[t] = work.state[_OWN]
        for k in range(N_TALLIES):
            tallies[t, k] = work.tally[k]
