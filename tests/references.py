"""NumPy references of the training steps, in float64, shared by the CPU and GPU kernel tests."""

import numpy as np


def random_matrices(rows, dim, seed=3):
    """(syn0, syn1): two float32 matrices of N(0, 0.5) entries, the same for every test."""
    rng = np.random.default_rng(seed)
    syn0 = rng.normal(0, 0.5, (rows, dim)).astype(np.float32)
    syn1 = rng.normal(0, 0.5, (rows, dim)).astype(np.float32)
    return syn0, syn1


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -6.0, 6.0)))


def logistic_gradient(f, label):
    """label - sigmoid(f), elementwise, as the kernels take it: 0 for a logit beyond the clip
    on the side of its label (a learnt term), the clipped sigmoid's otherwise."""
    f, label = np.asarray(f, dtype=np.float64), np.asarray(label, dtype=np.float64)
    learnt = np.where(label > 0, f > 6.0, f < -6.0)
    return np.where(learnt, 0.0, label - sigmoid(f))


def reference_sgns(h, targets, syn1, alpha, logits_first=False):
    """Sequential negative-sampling step in float64: returns (neu1e, new syn1, loss).

    ``logits_first``: every logit is taken before any row is updated (as the CPU kernel
    does); otherwise each after the previous target's update (a repeated target sees it)."""
    syn1 = syn1.astype(np.float64).copy()
    h = h.astype(np.float64)
    neu1e = np.zeros_like(h)
    loss = 0.0
    first = [h @ syn1[w] for w in targets]
    for d, w in enumerate(targets):
        label = 1.0 if d == 0 else 0.0
        f = first[d] if logits_first else h @ syn1[w]
        g = logistic_gradient(f, label) * alpha
        neu1e += g * syn1[w]
        syn1[w] += g * h
        loss += -np.log(sigmoid(f) if label else 1.0 - sigmoid(f))
    return neu1e, syn1, loss


def reference_window(syn0, syn1, contexts, targets, alpha, block=None):
    """Skip-gram over one centre's window with shared targets (``targets[0]`` the centre
    word), in float64: the ``contexts`` in blocks of ``block`` (all at once when None),
    each block's logits taken from the rows the previous block left, and its updates
    summed. Returns the new (syn0, syn1)."""
    syn0, syn1 = syn0.astype(np.float64).copy(), syn1.astype(np.float64).copy()
    labels = np.array([1.0] + [0.0] * (len(targets) - 1))
    block = block or len(contexts)
    for first in range(0, len(contexts), block):
        part = contexts[first:first + block]
        h, w = syn0[part], syn1[targets]
        g = logistic_gradient(h @ w.T, labels) * alpha
        np.add.at(syn1, targets, g.T @ h)
        np.add.at(syn0, part, g @ w)
    return syn0, syn1


def reference_nce(h, targets, syn1, shift, alpha):
    """Noise-contrastive estimation's step in float64, every logit taken first: negative
    sampling's terms on the logits ``h . syn1[w] - shift[w]``. Returns (neu1e, new syn1,
    loss)."""
    syn1 = syn1.astype(np.float64).copy()
    h = h.astype(np.float64)
    neu1e = np.zeros_like(h)
    logits = [h @ syn1[w] - shift[w] for w in targets]
    loss = 0.0
    for d, w in enumerate(targets):
        label = 1.0 if d == 0 else 0.0
        g = logistic_gradient(logits[d], label) * alpha
        neu1e += g * syn1[w]
        syn1[w] += g * h
        p = sigmoid(logits[d])
        loss += -np.log(p if label else 1.0 - p)
    return neu1e, syn1, loss


def reference_softmax(h, word, syn1, alpha):
    """The exact softmax's step in float64: returns (neu1e, new syn1, -log p(word))."""
    syn1 = syn1.astype(np.float64)
    h = h.astype(np.float64)
    logits = syn1 @ h
    p = np.exp(logits - logits.max())
    p /= p.sum()
    g = -p * alpha
    g[word] += alpha
    return g @ syn1, syn1 + np.outer(g, h), -np.log(p[word])
