"""Random walks on a graph in compressed sparse rows: DeepWalk's and node2vec's.

* ``Csr``: the graph. Node ``v``'s out-edges are ``indptr[v]..indptr[v + 1] - 1``, their
  heads ``indices`` (sorted within a row). A weighted graph also has, per edge, its
  ``weights`` and a per-node alias table over its row (``alias_prob``: uint32 thresholds,
  ``alias_index``: positions in the row), and ``totals``, each node's summed weight; an
  unweighted graph has zero-length arrays there.
* ``Bias``: node2vec's return and in-out parameters as ``inv_p`` = 1/p and ``inv_q`` = 1/q,
  and the sampling ``mode``.
* ``Tables``: precomputed second-order alias tables, one per edge (t -> v) over v's row
  (``offsets`` per edge into ``prob``/``alias``); zero-length unless the mode uses them.

A first-order step from v takes an out-edge with probability proportional to its weight
(uniformly when unweighted). A second-order step from v, having come from t, takes the
edge to x with probability proportional to w(v, x) a(t, x), where a = 1/p when x is t,
1 when x is an out-neighbour of t, 1/q otherwise (node2vec, Grover and Leskovec 2016).
Three modes draw it:

* FIRST_ORDER (p = q = 1, where a is always 1): the first-order step.
* REJECTION, without any table beyond the graph's: propose x by a first-order step and
  keep it with probability a(t, x) / h, where h = max(1, 1/q) is the envelope of every
  candidate but t; when 1/p > h, the excess mass of t, w(v, t) (1/p - h), is a strip
  of the envelope beside the others, drawn at once (KnightKing's outlier folding). So at
  most max(1, 1/q) / min(1, 1/q) proposals are expected per step, usually far fewer;
  whether x neighbours t is a binary search of t's sorted row.
* PRECOMPUTED: the alias table of every edge (t -> v), one draw per step: O(1) a step,
  but memory for sum over edges of v's out-degree (``walks.precomputed_entries``).

Walk ``i`` of a call (its number in the whole run, ``first + i``) seeds its thread's
xorshift state from the run's seed and that number, so a walk does not depend on the
thread that takes it nor on the threads' count. A walk stops early at a node without
out-edges.
"""

from collections import namedtuple

import numpy as np
from numba import njit, prange

from .alias import build_alias
from .leaves import STEP
from .rng import rng_below, rng_next, rng_uniform

Csr = namedtuple("Csr", "indptr indices weights alias_prob alias_index totals")
Bias = namedtuple("Bias", "inv_p inv_q mode")
Tables = namedtuple("Tables", "offsets prob alias")

FIRST_ORDER = 0
REJECTION = 1
PRECOMPUTED = 2
MODE_CODES = {"first-order": FIRST_ORDER, "rejection": REJECTION, "precomputed": PRECOMPUTED}

END = -1  # ends a walk in the output
PAD = -2  # fills a walk's slot after its END
ABSENT = -1  # no such edge

_U32_MASK = np.uint64(0xFFFFFFFF)
# splitmix64 (Steele, Lea and Flood 2014): seeds a walk's xorshift state.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_SHIFT_30 = np.uint64(30)
_SHIFT_27 = np.uint64(27)
_SHIFT_31 = np.uint64(31)
# The steps of a walk are inlined into ``walk_block``: a call passing the graph's arrays
# would update their reference counts at every step.
WALK_INLINE = dict(cache=True, inline="always")


@njit(**STEP)
def _splitmix(z):
    z = z + _GOLDEN
    z = (z ^ (z >> _SHIFT_30)) * _MIX_1
    z = (z ^ (z >> _SHIFT_27)) * _MIX_2
    return z ^ (z >> _SHIFT_31)


@njit(**STEP)
def seed_walk(state, t, seed, walk):
    """Thread ``t``'s state for walk number ``walk`` of the run seeded ``seed``."""
    z = _splitmix(_splitmix(np.uint64(seed)) ^ np.uint64(walk))
    state[t] = z if z != 0 else _GOLDEN


@njit(**WALK_INLINE)
def alias_pick(bits, size, prob, alias, offset):
    """An index in [0, size) drawn from 64 random ``bits`` by the alias table
    ``prob``/``alias`` of that size at ``offset``."""
    k = rng_below(bits, size)
    if np.uint32(bits & _U32_MASK) >= prob[offset + k]:
        k = alias[offset + k]
    return k


@njit(**WALK_INLINE)
def first_order_edge(csr, v, state, t):
    """An out-edge of ``v`` (it has one) drawn by weight (uniformly without weights): its
    index in ``indices``."""
    start = csr.indptr[v]
    bits = rng_next(state, t)
    size = csr.indptr[v + 1] - start
    if csr.alias_prob.shape[0] == 0:
        return start + rng_below(bits, size)
    return start + alias_pick(bits, size, csr.alias_prob, csr.alias_index, start)


@njit(**WALK_INLINE)
def find_edge(csr, a, b):
    """The index of edge (a -> b) in ``indices`` (a binary search of a's row), or ABSENT."""
    lo = csr.indptr[a]
    hi = csr.indptr[a + 1]
    while lo < hi:
        mid = (lo + hi) >> 1
        if csr.indices[mid] < b:
            lo = mid + 1
        else:
            hi = mid
    if lo < csr.indptr[a + 1] and csr.indices[lo] == b:
        return lo
    return ABSENT


@njit(**WALK_INLINE)
def _edge_weight(csr, e):
    return csr.weights[e] if csr.weights.shape[0] > 0 else 1.0


@njit(**WALK_INLINE)
def _row_weight(csr, v):
    return csr.totals[v] if csr.totals.shape[0] > 0 else float(csr.indptr[v + 1] - csr.indptr[v])


@njit(**WALK_INLINE)
def rejection_edge(csr, bias, prev, v, back, state, t):
    """A second-order step from ``v``, come from ``prev``; ``back``: the edge (v -> prev)
    or ABSENT. Returns the edge's index.

    A candidate other than prev has a = 1 or 1/q: one drawn below both is kept without
    looking it up in prev's row."""
    height = max(1.0, bias.inv_q)
    lower = min(1.0, bias.inv_q)
    body = _row_weight(csr, v) * height
    strip = 0.0
    if back != ABSENT and bias.inv_p > height:
        strip = _edge_weight(csr, back) * (bias.inv_p - height)
    while True:
        if strip > 0.0 and rng_uniform(rng_next(state, t)) * (body + strip) >= body:
            return back
        e = first_order_edge(csr, v, state, t)
        x = csr.indices[e]
        if x == prev:
            if bias.inv_p >= height or rng_uniform(rng_next(state, t)) * height < bias.inv_p:
                return e
            continue
        y = rng_uniform(rng_next(state, t)) * height
        if y < lower:
            return e
        a = 1.0 if find_edge(csr, prev, x) != ABSENT else bias.inv_q
        if y < a:
            return e


@njit(**WALK_INLINE)
def precomputed_edge(csr, tables, v, arrived, state, t):
    """A second-order step from ``v`` by the alias table of the edge it ``arrived`` by."""
    start = csr.indptr[v]
    bits = rng_next(state, t)
    return start + alias_pick(bits, csr.indptr[v + 1] - start, tables.prob, tables.alias,
                              tables.offsets[arrived])


@njit(**WALK_INLINE)
def walk_one(csr, bias, tables, start, length, out, at, state, t):
    """One walk of at most ``length`` nodes from ``start`` into out[at:], then END and
    PAD up to ``length + 1`` items."""
    out[at] = start
    prev = -1
    v = start
    arrived = -1
    n = 1
    while n < length and csr.indptr[v + 1] > csr.indptr[v]:
        if prev < 0 or bias.mode == FIRST_ORDER:
            e = first_order_edge(csr, v, state, t)
        elif bias.mode == PRECOMPUTED:
            e = precomputed_edge(csr, tables, v, arrived, state, t)
        else:
            back = find_edge(csr, v, prev) if bias.inv_p > max(1.0, bias.inv_q) else ABSENT
            e = rejection_edge(csr, bias, prev, v, back, state, t)
        prev = v
        v = csr.indices[e]
        arrived = e
        out[at + n] = v
        n += 1
    out[at + n] = END
    for k in range(n + 1, length + 1):
        out[at + k] = PAD


@njit(parallel=True, cache=True)
def walk_block(csr, bias, tables, starts, first, seed, length, states, out):
    """Walk ``length`` nodes from every node of ``starts`` (walk i is number ``first + i``
    of the run) into ``out``, ``length + 1`` items per walk (see ``walk_one``); the
    threads take the walks in turn, each with its own slot of ``states``."""
    threads = states.shape[0]
    n = starts.shape[0]
    for t in prange(threads):
        for i in range(t, n, threads):
            seed_walk(states, t, seed, first + i)
            walk_one(csr, bias, tables, starts[i], length, out, i * (length + 1), states, t)


@njit(**STEP)
def _biased_row(csr, bias, prev, v, weights):
    """w(v, x) a(prev, x) for each out-edge of v (in row order) into ``weights``: a merge
    of v's sorted row with prev's."""
    j = csr.indptr[prev]
    stop = csr.indptr[prev + 1]
    start = csr.indptr[v]
    for e in range(start, csr.indptr[v + 1]):
        x = csr.indices[e]
        while j < stop and csr.indices[j] < x:
            j += 1
        if x == prev:
            a = bias.inv_p
        elif j < stop and csr.indices[j] == x:
            a = 1.0
        else:
            a = bias.inv_q
        weights[e - start] = _edge_weight(csr, e) * a


@njit(parallel=True, cache=True)
def build_tables(csr, bias, tails, tables):
    """Fill ``tables`` (offsets already set) with the alias table of every edge
    (tails[e] -> indices[e]) over the head's row."""
    offsets, table_prob, table_alias = tables  # Numba loses writes to a tuple's arrays in prange
    for e in prange(csr.indices.shape[0]):
        v = csr.indices[e]
        degree = csr.indptr[v + 1] - csr.indptr[v]
        if degree == 0:
            continue
        weights = np.empty(degree, dtype=np.float64)
        _biased_row(csr, bias, tails[e], v, weights)
        prob, alias = build_alias(weights)
        offset = offsets[e]
        for k in range(degree):
            table_prob[offset + k] = prob[k]
            table_alias[offset + k] = alias[k]


@njit(parallel=True, cache=True)
def build_node_alias(indptr, weights, prob, alias):
    """The per-node alias tables of a weighted graph: row v's over its edges' weights."""
    for v in prange(indptr.shape[0] - 1):
        start = indptr[v]
        end = indptr[v + 1]
        if end == start:
            continue
        row_prob, row_alias = build_alias(weights[start:end].astype(np.float64))
        for k in range(end - start):
            prob[start + k] = row_prob[k]
            alias[start + k] = row_alias[k]
