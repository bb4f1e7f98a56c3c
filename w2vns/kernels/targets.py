"""Target-drawing leaves, one per negative-sampling strategy.

Each fills row ``slot`` of ``targets`` with ``positive`` followed by the noise words and
returns how many (rows rather than views: a view costs a reference count). Noise draws equal to the positive word are dropped, as in the reference tool.

* sampling (unigram, uniform, adaptive): ``negative`` draws from the alias table
  (``portable.draw_targets``, the same on every target); the strategies differ only in
  the table the orchestration builds.
* hard: ``pool`` draws, each scored against the input vector ``h``; the ``negative``
  highest-scoring ones are kept (the words the model confuses most with the positive).
  Dynamic is hard with a pool that grows with progress (the caller passes the size).
"""

from numba import njit

from .leaves import STEP, dot_row
from .rng import draw_noise


@njit(**STEP)
def keep_hardest(candidates, scores, n, keep, targets, slot):
    """Copy the ``keep`` highest-scoring of ``candidates[:n]`` to ``targets[slot, 1:]``,
    best first (a partial selection sort: ``keep`` is small). Returns 1 + how many."""
    kept = min(keep, n)
    for k in range(kept):
        best = k
        for m in range(k + 1, n):
            if scores[m] > scores[best]:
                best = m
        if best != k:
            candidates[k], candidates[best] = candidates[best], candidates[k]
            scores[k], scores[best] = scores[best], scores[k]
        targets[slot, 1 + k] = candidates[k]
    return 1 + kept


@njit(**STEP)
def contains(values, n, x):
    for k in range(n):
        if values[k] == x:
            return True
    return False


@njit(**STEP)
def draw_hard(positive, h, negative, pool, targets, slot, candidates, scores, state, t,
              alias_prob, alias_index, syn1neg):
    """targets[slot, 0] = positive, then the ``negative`` distinct words of ``pool`` noise
    draws that score highest against ``h`` (a repeated draw is scored once).

    Returns (how many targets, how many candidates were scored)."""
    targets[slot, 0] = positive
    n = 0
    for _ in range(pool):
        w = draw_noise(state, t, alias_prob, alias_index)
        if w != positive and not contains(candidates, n, w):
            candidates[n] = w
            scores[n] = dot_row(h, syn1neg, w)
            n += 1
    return keep_hardest(candidates, scores, n, negative, targets, slot), n
