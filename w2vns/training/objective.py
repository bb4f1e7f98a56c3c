"""The objective in plain Python: the kernels' bundles, built from the vocabulary and the
options, and the schedules that change them between batches.

* unigram: noise ~ count^ns_exponent; uniform: every word alike.
* hard: each example's negatives are the ``negative`` best-scoring of ``ns_pool`` draws.
* dynamic: hard with a pool growing linearly with global progress, from ``negative``
  (plain unigram draws) to ``ns_pool``.
* adaptive: before each batch the noise table is rebuilt from what the kernels saw:
  each word's unigram weight times how much higher (or lower) its average sigmoid score
  as a negative is than the average negative's, smoothed and clipped; older statistics
  decay geometrically, so the table follows the model.
* hierarchical softmax: a Huffman tree over the counts and one inner-node matrix.
"""

import numpy as np

from ..kernels.alias import build_alias
from ..kernels.bundles import (MODEL_CODES, N_TALLIES, STRATEGY_CODES, Model, Noise, Params,
                               Tree)
from ..kernels.huffman import build_tree
from . import vocab as vocabulary

# Adaptive noise: a word's score ratio is shrunk towards 1 with this many pseudo-draws,
# clipped to [1 / ADAPTIVE_MAX_RATIO, ADAPTIVE_MAX_RATIO], and statistics decay by
# ADAPTIVE_DECAY at each rebuild (a half-life of a few batches).
ADAPTIVE_PRIOR_DRAWS = 10.0
ADAPTIVE_MAX_RATIO = 4.0
ADAPTIVE_DECAY = 0.5
PLACEHOLDER_ROWS = 1  # a matrix the objective does not use


def initial_model(vocab_size, config, rng):
    """syn0 uniform in (-0.5, 0.5)/dim, output matrices at zero (placeholders if unused)."""
    dim = config.dim
    syn0 = ((rng.random((vocab_size, dim), dtype=np.float32) - np.float32(0.5))
            / np.float32(dim))
    neg_rows = vocab_size if config.negative > 0 else PLACEHOLDER_ROWS
    hs_rows = max(vocab_size - 1, PLACEHOLDER_ROWS) if config.hs else PLACEHOLDER_ROWS
    return Model(syn0, np.zeros((neg_rows, dim), dtype=np.float32),
                 np.zeros((hs_rows, dim), dtype=np.float32))


def model_bytes(vocab_size, config):
    """Bytes of the matrices ``initial_model`` allocates for ``vocab_size`` words."""
    row = config.dim * np.dtype(np.float32).itemsize
    neg_rows = vocab_size if config.negative > 0 else PLACEHOLDER_ROWS
    hs_rows = max(vocab_size - 1, PLACEHOLDER_ROWS) if config.hs else PLACEHOLDER_ROWS
    return (vocab_size + neg_rows + hs_rows) * row


def tree_for(counts, config):
    """The Huffman tree when --hs is on, else an empty one."""
    if config.hs:
        return Tree(*build_tree(np.asarray(counts, dtype=np.int64)))
    return Tree(np.zeros(len(counts) + 1, dtype=np.int64), np.empty(0, dtype=np.uint8),
                np.empty(0, dtype=np.int32))


def base_weights(counts, config):
    """Unnormalised noise weights before any adaptation."""
    if config.ns_strategy == "uniform":
        return np.ones(len(counts), dtype=np.float64)
    return vocabulary.noise_weights(counts, config.ns_exponent)


def noise_for(counts, config, stats=None):
    """The noise bundle; ``stats`` (score sums, draw counts) continues an adaptive run."""
    prob, alias = build_alias(base_weights(counts, config))
    if config.ns_strategy == "adaptive":
        if stats is None:
            stats = (np.zeros(len(counts), np.float32), np.zeros(len(counts), np.float32))
        score_sum, draw_count = stats
    else:
        score_sum = draw_count = np.zeros(0, np.float32)
    return Noise(prob, alias, score_sum, draw_count)


def adaptive_weights(base, score_sum, draw_count):
    """Unigram weights scaled by each word's smoothed score ratio (see module docstring)."""
    total_draws = float(draw_count.sum())
    if total_draws <= 0:
        return base
    mean = float(score_sum.sum()) / total_draws
    if mean <= 0:
        return base
    smoothed = (score_sum + ADAPTIVE_PRIOR_DRAWS * mean) / (draw_count + ADAPTIVE_PRIOR_DRAWS)
    ratio = np.clip(smoothed / mean, 1.0 / ADAPTIVE_MAX_RATIO, ADAPTIVE_MAX_RATIO)
    return base * ratio


def refresh_adaptive(noise, base):
    """Rebuild the alias table in place from the statistics, then decay them."""
    prob, alias = build_alias(adaptive_weights(base, noise.score_sum, noise.draw_count))
    noise.alias_prob[:] = prob
    noise.alias_index[:] = alias
    for stat in (noise.score_sum, noise.draw_count):
        np.multiply(stat, np.float32(ADAPTIVE_DECAY), out=stat)


def pool_at(config, progress):
    """Candidates per example: fixed for hard, growing with progress for dynamic."""
    if config.ns_strategy == "dynamic":
        grow = (config.ns_pool - config.negative) * min(max(progress, 0.0), 1.0)
        return config.negative + int(round(grow))
    if config.ns_strategy == "hard":
        return config.ns_pool
    return 0


def params_for(config, pool):
    return Params(MODEL_CODES[config.model], config.window, config.negative, int(config.hs),
                  STRATEGY_CODES[config.ns_strategy], pool, int(config.share_negatives),
                  int(config.cbow_mean), config.max_sentence_length)


def new_tallies(threads):
    return np.zeros((threads, N_TALLIES), dtype=np.float64)
