"""The two loss primitives, shared by skip-gram and CBOW.

Each takes the input vector ``h`` (a context row in skip-gram, the context mean or sum
in CBOW), updates the output rows it touches in place, ADDS the gradient for ``h`` to
``neu1e`` (so that both losses can be summed) and returns its summed loss; the caller
counts the logistic terms. Plain arrays only: the primitives are inlined into the
sentence kernels' inner loops, where unpacking a bundle would cost a reference count.
"""

import numpy as np
from numba import njit

from .leaves import (LEAF, STEP, axpy_row_to_row, backprop_row, dot_row, dot_rows,
                     sigmoid_and_loss)
from .portable import MAX_EXP


@njit(**LEAF)
def ns_update(h, targets, slot, count, syn1neg, alpha, neu1e, score_sum, draw_count, grad,
              adaptive):
    """Negative sampling: ``targets[slot, 0]`` is the word to predict, then
    ``targets[slot, 1:count]`` noise words. Returns the summed loss.

    All logits are taken first, against the rows as they are (independent dot products
    the processor overlaps), then each row is updated in turn; ``grad`` (at least
    ``count`` floats) holds the gradients in between. A noise word equal to the word to
    predict takes no term (targets shared by several examples were drawn for another).

    With ``adaptive`` (the adaptive strategy), each noise word's sigmoid score is added
    to its statistics in ``score_sum``/``draw_count`` (Hogwild: racing threads may lose
    an update, a statistic does not mind).
    """
    loss = 0.0
    for d in range(count):
        grad[d] = dot_row(h, syn1neg, targets[slot, d])
    for d in range(count):
        label = 1 if d == 0 else 0
        if d > 0 and targets[slot, d] == targets[slot, 0]:
            grad[d] = np.float32(0.0)  # a shared noise word that is this example's word
            continue
        sig, term_loss = sigmoid_and_loss(grad[d], label)
        grad[d] = (np.float32(label) - sig) * alpha
        loss += term_loss
        if adaptive and d > 0:
            w = targets[slot, d]
            score_sum[w] += sig
            draw_count[w] += np.float32(1.0)
    for d in range(count):
        backprop_row(grad[d], h, syn1neg, targets[slot, d], neu1e)
    return loss


@njit(**STEP)
def hs_update(h, word, offsets, codes, points, syn1, alpha, neu1e, logits):
    """Hierarchical softmax: one logistic term per inner node on ``word``'s path
    (``points/codes[offsets[word]:offsets[word + 1]]``). Returns the summed loss.

    Code bit 0 means "go left" with label 1, as in the reference tool; a node whose
    logit is already beyond the table is not updated (its gradient would be ~0). The
    nodes of a path are distinct, so their logits are taken ``logits.shape[0]`` at a time
    before any of their rows is updated (independent dot products), with the result of
    taking them one by one.
    """
    loss = 0.0
    chunk = logits.shape[0]
    for first in range(offsets[word], offsets[word + 1], chunk):
        last = min(first + chunk, offsets[word + 1])
        for d in range(first, last):
            logits[d - first] = dot_row(h, syn1, points[d])
        for d in range(first, last):
            f = logits[d - first]
            label = 1 - np.int64(codes[d])
            sig, term_loss = sigmoid_and_loss(f, label)
            loss += term_loss
            clipped = f >= MAX_EXP or f <= -MAX_EXP
            logits[d - first] = np.float32(0.0) if clipped else (np.float32(label) - sig) * alpha
        for d in range(first, last):
            if logits[d - first] != np.float32(0.0):
                backprop_row(logits[d - first], h, syn1, points[d], neu1e)
    return loss


@njit(**LEAF)
def ns_update_window(sent, lo, hi, centre_at, targets, slot, count, syn0, syn1neg, alpha,
                     grad, delta, score_sum, draw_count, adaptive):
    """Negative sampling for a block of a skip-gram window at once (HogBatch). Returns
    the summed loss.

    Every context word ``sent[j]`` (j in [lo, hi), j != centre_at) predicts the same
    ``targets[slot, :count]`` (the centre word, then its shared noise words). All logits
    are taken first, against the current rows; then each output row is written once with
    the sum of its gradients, and each context row once: ``count`` hot output rows see one
    write per block instead of one per context word. ``grad`` holds (contexts, count)
    gradients and ``delta`` (contexts, dim) context updates. The sum is of gradients that
    all saw the same rows, so the caller keeps blocks short (``bundles.SHARED_CONTEXTS``):
    summed over hundreds of context words they overshoot and training diverges. With
    ``adaptive``, every (context, noise word) score is added to the noise statistics, as
    ``ns_update`` adds them.
    """
    loss = 0.0
    c = 0
    for j in range(lo, hi):
        if j == centre_at:
            continue
        row = sent[j]
        for d in range(count):
            label = 1 if d == 0 else 0
            sig, term_loss = sigmoid_and_loss(dot_rows(syn0, row, syn1neg, targets[slot, d]),
                                              label)
            grad[c, d] = (np.float32(label) - sig) * alpha
            loss += term_loss
            if adaptive and d > 0:
                w = targets[slot, d]
                score_sum[w] += sig
                draw_count[w] += np.float32(1.0)
        c += 1
    dim = syn0.shape[1]
    for k in range(c):
        for x in range(dim):
            delta[k, x] = np.float32(0.0)
        for d in range(count):
            axpy_row_to_row(grad[k, d], syn1neg, targets[slot, d], delta, k)
    for d in range(count):
        k = 0
        for j in range(lo, hi):
            if j == centre_at:
                continue
            axpy_row_to_row(grad[k, d], syn0, sent[j], syn1neg, targets[slot, d])
            k += 1
    k = 0
    for j in range(lo, hi):
        if j == centre_at:
            continue
        axpy_row_to_row(np.float32(1.0), delta, k, syn0, sent[j])
        k += 1
    return loss


@njit(**STEP)
def nce_update(h, targets, slot, count, syn1neg, alpha, neu1e, shift, grad):
    """Noise-contrastive estimation: negative sampling's terms on the logits
    ``h . syn1neg[w] - shift[w]``, where ``shift[w]`` is log(k P_n(w)), for the target
    ``targets[slot, 0]`` and the noise words ``targets[slot, 1:count]`` alike; the model's
    score then estimates log P(w | h) itself. Returns the summed loss."""
    loss = 0.0
    for d in range(count):
        w = targets[slot, d]
        grad[d] = dot_row(h, syn1neg, w) - shift[w]
    for d in range(count):
        label = 1 if d == 0 else 0
        if d > 0 and targets[slot, d] == targets[slot, 0]:
            grad[d] = np.float32(0.0)  # a shared noise word that is this example's word
            continue
        sig, term_loss = sigmoid_and_loss(grad[d], label)
        grad[d] = (np.float32(label) - sig) * alpha
        loss += term_loss
    for d in range(count):
        backprop_row(grad[d], h, syn1neg, targets[slot, d], neu1e)
    return loss


@njit(**STEP)
def softmax_update(h, word, syn1neg, alpha, neu1e, logits):
    """The exact softmax over every output row: p = softmax(syn1neg @ h); each row ``w``
    moves by alpha (1[w = word] - p_w) h and ``neu1e`` receives the matching gradient
    for ``h``. Returns -log p_word.

    ``logits`` (at least one float per output row, the caller's) holds the logits, then
    their exponentials: two passes over the rows (the logits; the updates) and one over
    ``logits``. The loss is taken from the logit itself, so that it stays finite when
    p_word is below the smallest float."""
    words = syn1neg.shape[0]
    top = np.float32(-np.inf)
    for w in range(words):
        logits[w] = dot_row(h, syn1neg, w)
        top = max(top, logits[w])
    own = logits[word] - top
    total = 0.0
    for w in range(words):
        logits[w] = np.exp(logits[w] - top)
        total += logits[w]
    step = np.float32(alpha / total)
    for w in range(words):
        label = np.float32(alpha) if w == word else np.float32(0.0)
        backprop_row(label - logits[w] * step, h, syn1neg, w, neu1e)
    return np.log(total) - own
