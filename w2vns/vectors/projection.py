"""Projecting a few hundred vectors to 2-D for a picture: PCA, or exact t-SNE in NumPy.

Both work on float64 copies of the rows given (a plot holds at most a few thousand
points: t-SNE is O(n^2) per iteration, which at that size takes seconds).
"""

import numpy as np

PLANE = 2
# t-SNE (van der Maaten & Hinton 2008, exact gradient), with the usual settings.
PERPLEXITY = 30.0
MIN_PERPLEXITY = 2.0
ITERATIONS = 1000
EXAGGERATION = 12.0
EXAGGERATION_ITERATIONS = 250
MOMENTUM_START, MOMENTUM_END = 0.5, 0.8
# Step size n / (EXAGGERATION x 4), at least MIN_LEARNING_RATE (Belkina et al. 2019, as
# scikit-learn's 'auto'): a fixed 200 sends points of a small plot flying (3 blobs of 20
# points: one point thousands of units out for some seeds, clusters merged for others).
LEARNING_RATE_DIVISOR = 4.0
MIN_LEARNING_RATE = 50.0
GAIN_STEP, GAIN_DECAY, MIN_GAIN = 0.2, 0.8, 0.01
INITIAL_SCALE = 1e-4
BISECTION_STEPS = 64
TINY = 1e-12


def pca(points):
    """Coordinates of ``points`` on their first two principal axes (n x 2).

    Signs are fixed (the largest loading of each axis is positive), so the same
    vectors always give the same picture.
    """
    x = np.asarray(points, dtype=np.float64)
    centred = x - x.mean(axis=0)
    out = np.zeros((len(x), PLANE))
    if len(x) < 2:
        return out
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    axes = axes[:PLANE]
    signs = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
    out[:, :len(axes)] = centred @ (axes * signs[:, None]).T
    return out


def _squared_distances(x):
    sq = (x * x).sum(axis=1)
    d = sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)
    np.maximum(d, 0.0, out=d)
    np.fill_diagonal(d, 0.0)
    return d


def _affinities(distances, perplexity):
    """Symmetric joint probabilities P: each row's Gaussian bandwidth found by bisection
    (all rows at once) so that its entropy is log(perplexity)."""
    n = len(distances)
    target = np.log(perplexity)
    beta = np.ones(n)
    lo, hi = np.zeros(n), np.full(n, np.inf)
    off_diagonal = ~np.eye(n, dtype=bool)
    for _ in range(BISECTION_STEPS):
        shifted = distances - np.where(off_diagonal, distances, np.inf).min(axis=1)[:, None]
        p = np.exp(-shifted * beta[:, None]) * off_diagonal
        total = p.sum(axis=1)
        p /= total[:, None]
        entropy = -(p * np.log(np.maximum(p, TINY))).sum(axis=1)
        too_flat = entropy > target  # bandwidth too wide: raise beta
        lo = np.where(too_flat, beta, lo)
        hi = np.where(too_flat, hi, beta)
        beta = np.where(np.isinf(hi), beta * 2.0, (lo + hi) / 2.0)
    joint = (p + p.T) / (2.0 * n)
    return np.maximum(joint, TINY)


def tsne(points, seed=0, perplexity=PERPLEXITY, iterations=ITERATIONS):
    """Exact t-SNE of ``points`` to 2-D (n x 2); deterministic for a seed."""
    x = np.asarray(points, dtype=np.float64)
    n = len(x)
    if n < 3:
        return pca(x)
    perplexity = max(min(perplexity, (n - 1) / 3.0), MIN_PERPLEXITY)
    p = _affinities(_squared_distances(x), perplexity)
    learning_rate = max(n / (EXAGGERATION * LEARNING_RATE_DIVISOR), MIN_LEARNING_RATE)
    rng = np.random.default_rng(seed)
    y = rng.normal(0.0, INITIAL_SCALE, size=(n, PLANE))
    update = np.zeros_like(y)
    gains = np.ones_like(y)
    for step in range(iterations):
        early = step < EXAGGERATION_ITERATIONS
        num = 1.0 / (1.0 + _squared_distances(y))
        np.fill_diagonal(num, 0.0)
        q = np.maximum(num / num.sum(), TINY)
        weights = ((EXAGGERATION if early else 1.0) * p - q) * num
        grad = 4.0 * (weights.sum(axis=1)[:, None] * y - weights @ y)
        same = (grad > 0) == (update > 0)
        gains = np.maximum(np.where(same, gains * GAIN_DECAY, gains + GAIN_STEP), MIN_GAIN)
        momentum = MOMENTUM_START if early else MOMENTUM_END
        update = momentum * update - learning_rate * gains * grad
        y += update
        y -= y.mean(axis=0)
    return y
