"""The two loss primitives, shared by skip-gram and CBOW.

Each takes the input vector ``h`` (a context row in skip-gram, the context mean or sum
in CBOW), updates the output rows it touches in place, ADDS the gradient for ``h`` to
``neu1e`` (so that both losses can be summed) and adds its loss and logistic-term count
to the thread's ``tally`` row.
"""

import numpy as np
from numba import njit

from .bundles import TALLY_LOSS, TALLY_TERMS
from .leaves import MAX_EXP, axpy_from_row, axpy_to_row, dot_row, sigmoid_and_loss


@njit(cache=True)
def ns_update(h, targets, count, syn1neg, alpha, neu1e, tally, noise, adaptive):
    """Negative sampling: ``targets[0]`` is the word to predict, ``targets[1:count]`` noise.

    With ``adaptive``, each noise word's sigmoid score is added to the noise statistics
    (Hogwild: racing threads may lose an update, a statistic does not mind).
    """
    loss = 0.0
    for d in range(count):
        w = targets[d]
        label = 1 if d == 0 else 0
        sig, term_loss = sigmoid_and_loss(dot_row(h, syn1neg, w), label)
        g = (np.float32(label) - sig) * alpha
        axpy_from_row(g, syn1neg, w, neu1e)
        axpy_to_row(g, h, syn1neg, w)
        loss += term_loss
        if adaptive and d > 0:
            noise.score_sum[w] += sig
            noise.draw_count[w] += np.float32(1.0)
    tally[TALLY_LOSS] += loss
    tally[TALLY_TERMS] += count


@njit(cache=True)
def hs_update(h, word, tree, syn1, alpha, neu1e, tally):
    """Hierarchical softmax: one logistic term per inner node on ``word``'s path.

    Code bit 0 means "go left" with label 1, as in the reference tool; a node whose
    logit is already beyond the table is skipped (its gradient would be ~0).
    """
    loss = 0.0
    lo = tree.offsets[word]
    hi = tree.offsets[word + 1]
    for d in range(lo, hi):
        node = tree.points[d]
        label = 1 - np.int64(tree.codes[d])
        f = dot_row(h, syn1, node)
        sig, term_loss = sigmoid_and_loss(f, label)
        loss += term_loss
        if f >= MAX_EXP or f <= -MAX_EXP:
            continue
        g = (np.float32(label) - sig) * alpha
        axpy_from_row(g, syn1, node, neu1e)
        axpy_to_row(g, h, syn1, node)
    tally[TALLY_LOSS] += loss
    tally[TALLY_TERMS] += hi - lo
