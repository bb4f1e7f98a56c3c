"""The two loss primitives, shared by skip-gram and CBOW.

Each takes the input vector ``h`` (a context row in skip-gram, the context mean or sum
in CBOW), updates the output rows it touches in place, ADDS the gradient for ``h`` to
``neu1e`` (so that both losses can be summed) and adds its loss and logistic-term count
to the thread's ``tally`` row.
"""

import numpy as np
from numba import njit

from .bundles import TALLY_LOSS, TALLY_TERMS
from .leaves import (MAX_EXP, axpy_from_row, axpy_row_to_row, axpy_to_row, dot_row, dot_rows,
                     sigmoid_and_loss)


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


@njit(cache=True)
def ns_update_window(sent, lo, hi, centre_at, targets, count, syn0, syn1neg, alpha, grad,
                     delta, tally):
    """Negative sampling for a whole skip-gram window at once (HogBatch).

    Every context word ``sent[j]`` (j in [lo, hi), j != centre_at) predicts the same
    ``targets[:count]`` (the centre word, then its shared noise words). All logits are
    taken first, against the current rows; then each output row is written once with the
    sum of its gradients, and each context row once: ``count`` hot output rows see one
    write per window instead of one per context word. ``grad`` holds (2 window, count)
    gradients and ``delta`` (2 window, dim) context updates.
    """
    loss = 0.0
    c = 0
    for j in range(lo, hi):
        if j == centre_at:
            continue
        row = sent[j]
        for d in range(count):
            label = 1 if d == 0 else 0
            sig, term_loss = sigmoid_and_loss(dot_rows(syn0, row, syn1neg, targets[d]), label)
            grad[c, d] = (np.float32(label) - sig) * alpha
            loss += term_loss
        c += 1
    dim = syn0.shape[1]
    for k in range(c):
        for x in range(dim):
            delta[k, x] = np.float32(0.0)
        for d in range(count):
            axpy_from_row(grad[k, d], syn1neg, targets[d], delta[k])
    for d in range(count):
        k = 0
        for j in range(lo, hi):
            if j == centre_at:
                continue
            axpy_row_to_row(grad[k, d], syn0, sent[j], syn1neg, targets[d])
            k += 1
    k = 0
    for j in range(lo, hi):
        if j == centre_at:
            continue
        axpy_to_row(np.float32(1.0), delta[k], syn0, sent[j])
        k += 1
    tally[TALLY_LOSS] += loss
    tally[TALLY_TERMS] += c * count
