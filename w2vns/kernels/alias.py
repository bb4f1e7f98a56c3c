"""Walker/Vose alias tables, built in O(V) (fast enough to rebuild between batches)."""

import numpy as np
from numba import njit

ALIAS_SCALE = 1 << 32  # alias probabilities are stored as uint32 thresholds
U32_MAX = ALIAS_SCALE - 1


@njit(cache=True)
def build_alias(weights):
    """(prob, alias) for sampling index i with probability weights[i] / sum(weights).

    Draw column k uniformly; keep k if a uniform 32-bit integer is below prob[k], else
    take alias[k]. Columns are paired from two stacks (small and large), in index order.
    """
    n = weights.shape[0]
    scaled = weights * (n / weights.sum())
    prob = np.ones(n, dtype=np.float64)
    alias = np.arange(n).astype(np.int32)
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    ns = 0
    nl = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        g = large[nl - 1]
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        if scaled[g] < 1.0:
            nl -= 1
            small[ns] = g
            ns += 1
    thresholds = np.empty(n, dtype=np.uint32)
    for i in range(n):
        if prob[i] >= 1.0:
            thresholds[i] = U32_MAX
        else:
            thresholds[i] = np.uint32(min(np.round(prob[i] * ALIAS_SCALE), U32_MAX))
    return thresholds, alias
