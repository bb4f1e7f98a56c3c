"""Expected per-word counts of a training epoch, exactly as the kernels would count them.

Training subsamples each sentence first (token ``k`` kept with probability ``keep[w_k]``,
independently) and then gives every kept centre word a window of ``span`` kept words on
each side, ``span`` uniform in [1, window] (the random shrink; ``span = window`` without
it), cut at the sentence ends. A kept centre with ``L`` kept words before it and ``R``
after it therefore has, on average, ``f(L) + f(R)`` context words, where

    f(m) = E[min(span, m)] = sum_{t=1..window} P(span >= t) [m >= t].

``L`` and ``R`` are sums of independent Bernoulli variables; their distributions,
truncated at ``window`` (nothing beyond it matters), are carried along the sentence in
``window + 1`` slots: one pass left to right, one right to left, O(window) per token.
"""

import numpy as np
from numba import njit

from .bundles import EOS


@njit(cache=True)
def _tail_score(dist, window, shrink):
    """E[min(span, L)] for L distributed as ``dist`` (slot ``window`` holds P(L >= window)):
    P(span >= t) is (window - t + 1) / window with ``shrink``, else 1."""
    score = 0.0
    tail = 0.0
    for t in range(window, 0, -1):
        tail += dist[t]
        score += ((window - t + 1) / window if shrink else 1.0) * tail
    return score


@njit(cache=True)
def _advance(dist, p, window):
    """``dist`` of L after one more token kept with probability ``p``."""
    dist[window] += dist[window - 1] * p
    for j in range(window - 1, 0, -1):
        dist[j] = dist[j] * (1.0 - p) + dist[j - 1] * p
    dist[0] *= 1.0 - p


@njit(cache=True)
def _reset(dist):
    dist[:] = 0.0
    dist[0] = 1.0


@njit(cache=True)
def _sentence(ids, lo, hi, keep, window, shrink, left, alone, dist, kept, centres, pairs):
    """Add the expectations of sentence ``ids[lo:hi]`` to the per-word sums."""
    _reset(dist)
    for k in range(hi - lo):
        left[k] = _tail_score(dist, window, shrink)
        alone[k] = dist[0]
        _advance(dist, min(np.float64(keep[ids[lo + k]]), 1.0), window)
    _reset(dist)
    for k in range(hi - lo - 1, -1, -1):
        w = ids[lo + k]
        p = min(np.float64(keep[w]), 1.0)
        kept[w] += p
        pairs[w] += p * (left[k] + _tail_score(dist, window, shrink))
        # a centre trains only when its subsampled sentence keeps another word
        centres[w] += p * (1.0 - alone[k] * dist[0])
        _advance(dist, p, window)


@njit(cache=True)
def expected_counts(ids, keep, window, kept, centres, pairs, shrink=True):
    """Add to ``kept[w]`` (tokens kept by subsampling), ``centres[w]`` (kept tokens in a
    sentence of two or more kept words: the centres trained) and ``pairs[w]`` ((centre,
    context) pairs with centre w) the expectations over ``ids``, sentences ending with EOS.
    Returns the length of the longest sentence seen."""
    longest = 0
    start = 0
    for p in range(ids.shape[0]):
        if ids[p] == EOS:
            longest = max(longest, p - start)
            start = p + 1
    left = np.empty(longest + 1, dtype=np.float64)
    alone = np.empty(longest + 1, dtype=np.float64)
    dist = np.empty(window + 1, dtype=np.float64)
    start = 0
    for p in range(ids.shape[0]):
        if ids[p] == EOS:
            if p > start:
                _sentence(ids, start, p, keep, window, shrink, left, alone, dist, kept, centres,
                          pairs)
            start = p + 1
    return longest
