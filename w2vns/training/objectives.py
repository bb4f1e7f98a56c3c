"""The objectives, one registry entry each: the negative-sampling strategies
(``--ns-strategy``, ``STRATEGIES``) and hierarchical softmax (``--hs``, ``HS``).

An entry holds all that is known about its objective outside the kernels:

* unigram: noise ~ count^ns_exponent; uniform: every word alike.
* hard: each example's negatives are the ``negative`` best-scoring of ``ns_pool`` draws.
* dynamic: hard with a pool growing linearly with global progress, from ``negative``
  (plain unigram draws) to ``ns_pool``.
* adaptive: before each batch the noise table is rebuilt from what the kernels saw:
  each word's unigram weight times how much higher (or lower) its average sigmoid score
  as a negative is than the average negative's, smoothed and clipped; older statistics
  decay geometrically, so the table follows the model.
* hierarchical softmax: a Huffman tree over the counts and one inner-node matrix.

The options' validation (``config``), the command line's ``--ns-strategy`` choices and
help, the devices' option checks, the epoch loop and ``estimate`` all read this registry.
Adding a negative-sampling strategy touches two places:

1. its ``Strategy`` entry here, in ``STRATEGIES``: the help line, whether it needs
   negatives, its noise weights and their refresh between batches, its pool schedule,
   its kernel code, its expected counts for ``estimate``, the devices that run it;
2. its kernel leaf: a ``STRATEGY_*`` code in ``kernels/bundles.py`` and the
   target-drawing leaf the kernels choose by that code (``kernels/targets.py``, and
   ``kernels/cuda.py`` if the GPU runs it).

Importing this module loads neither NumPy nor Numba (the command line's help reads it);
the functions import what they need.
"""

from dataclasses import dataclass
from typing import Callable, Optional

from ..kernels.bundles import (MODEL_CODES, STRATEGY_ADAPTIVE, STRATEGY_DYNAMIC, STRATEGY_HARD,
                               STRATEGY_UNIFORM, STRATEGY_UNIGRAM)
from ..errors import UsageError
from .devices import NAMES as ALL_DEVICES

DEFAULT_STRATEGY = "unigram"
# Adaptive noise: a word's score ratio is shrunk towards 1 with this many pseudo-draws,
# clipped to [1 / ADAPTIVE_MAX_RATIO, ADAPTIVE_MAX_RATIO], and statistics decay by
# ADAPTIVE_DECAY at each rebuild (a half-life of a few batches).
ADAPTIVE_PRIOR_DRAWS = 10.0
ADAPTIVE_MAX_RATIO = 4.0
ADAPTIVE_DECAY = 0.5
PLACEHOLDER_ROWS = 1  # a matrix the objective does not use
NEVER_DRAWN = 1e-12  # keeps log(1 - q) finite for a word that is all the noise


@dataclass(frozen=True)
class Expectation:
    """Per-word expectations over a whole run, for ``estimate``."""

    examples: object  # per word: examples it is the target of (sg pairs, cbow centres)
    draws: object  # per word: draws of noise made for it (per centre, or per pair)
    noise: object  # the noise distribution the alias table draws from
    epochs: float  # epochs, times the scale of a sampled corpus
    batches: int  # batches per epoch


# ----------------------------------------------------------------------------- behaviours


def unigram_weights(counts, config):
    """count^ns_exponent."""
    from .vocab import noise_weights

    return noise_weights(counts, config.ns_exponent)


def uniform_weights(counts, config):
    import numpy as np

    return np.ones(len(counts), dtype=np.float64)


def adaptive_weights(base, score_sum, draw_count):
    """Unigram weights scaled by each word's smoothed score ratio (see module docstring)."""
    import numpy as np

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
    import numpy as np

    from ..kernels.alias import build_alias

    prob, alias = build_alias(adaptive_weights(base, noise.score_sum, noise.draw_count))
    noise.alias_prob[:] = prob
    noise.alias_index[:] = alias
    for stat in (noise.score_sum, noise.draw_count):
        np.multiply(stat, np.float32(ADAPTIVE_DECAY), out=stat)


@dataclass(frozen=True)
class PoolSchedule:
    """How many candidates each example scores as the run progresses."""

    at: Callable  # (config, progress in [0, 1]): the pool size then (0: no pool)
    fixed: bool  # the same size all run long

    def over_run(self, config, batches):
        """(pool size, share of the run) for each size the run's batches will use."""
        if self.fixed:
            return [(self.at(config, 0.0), 1.0)]
        total = max(batches * config.epochs, 1)
        shares = {}
        for b in range(total):
            pool = self.at(config, b / total)
            shares[pool] = shares.get(pool, 0.0) + 1.0 / total
        return sorted(shares.items())

    def largest(self, config):
        """The largest pool of the run (sizes never shrink)."""
        return self.at(config, 1.0)


def _growing(config, progress):
    """From ``negative`` at the start to ``ns_pool`` at the end of the run."""
    grow = (config.ns_pool - config.negative) * min(max(progress, 0.0), 1.0)
    return config.negative + int(round(grow))


NO_POOL = PoolSchedule(lambda config, progress: 0, fixed=True)
FIXED_POOL = PoolSchedule(lambda config, progress: config.ns_pool, fixed=True)
GROWING_POOL = PoolSchedule(_growing, fixed=False)


def drawn_counts(strategy, expectation, config):
    """(negatives, pool scores) of plain draws: a draw equal to the positive is dropped."""
    return ((expectation.examples * config.negative * (1.0 - expectation.noise)).sum()
            * expectation.epochs, 0.0)


def distinct_draws(q, pool):
    """E[distinct words among ``pool`` draws other than the positive], per positive word."""
    import numpy as np

    seen = -np.expm1(pool * np.log1p(-np.minimum(q, 1.0 - NEVER_DRAWN)))
    return seen.sum() - seen


def pooled_counts(strategy, expectation, config):
    """(negatives, pool scores) of the best ``negative`` of a pool of distinct draws, over
    the pool sizes the run goes through."""
    import numpy as np

    negatives = scores = 0.0
    for pool, share in strategy.pool.over_run(config, expectation.batches):
        distinct = distinct_draws(expectation.noise, pool)
        kept = np.minimum(distinct, config.negative)
        negatives += (expectation.examples * kept).sum() * expectation.epochs * share
        scores += (expectation.draws * distinct).sum() * expectation.epochs * share
    return negatives, scores


# ----------------------------------------------------------------------------- entries


@dataclass(frozen=True)
class Strategy:
    """One ``--ns-strategy``: how the noise words of negative sampling are drawn."""

    name: str
    code: int  # kernels.bundles.STRATEGY_*: the kernels' target-drawing leaf
    summary: str  # its line in --ns-strategy's help ("" when the name says it all)
    weights: Callable  # (counts, config): unnormalised noise weights, float64
    expected: Callable = drawn_counts  # (self, Expectation, config): (negatives, scores)
    pool: PoolSchedule = NO_POOL  # candidates scored per example
    refresh: Optional[Callable] = None  # (noise, base weights): before each batch
    needs_negatives: bool = False  # acts on the negatives: refused with --negative 0
    gathers_statistics: bool = False  # the kernels add each noise word's score and draw
    fixed_exponent: Optional[float] = None  # the one --ns-exponent that fits it
    exponent_conflict: str = ""  # why another --ns-exponent contradicts it
    devices: tuple = ALL_DEVICES

    @property
    def scores_pool(self):
        return self.pool is not NO_POOL

    def expected_counts(self, expectation, config):
        """(noise words, pool scores) over the whole run, for ``estimate``."""
        return self.expected(self, expectation, config)

    def refusal(self, device):
        """The usage error for running it on ``device``."""
        others = " or ".join(s.name for s in STRATEGIES.values() if device in s.devices)
        return (f"--ns-strategy {self.name} is not supported with --device {device} (use "
                f"{others}, or --device {' or '.join(self.devices)}).")


@dataclass(frozen=True)
class HierarchicalSoftmax:
    """``--hs``: the target word's Huffman code predicted node by node from the root."""

    name: str = "hs"
    devices: tuple = ("cpu",)

    def tree(self, counts):
        import numpy as np

        from ..kernels.bundles import Tree
        from ..kernels.huffman import build_tree

        return Tree(*build_tree(np.asarray(counts, dtype=np.int64)))

    def rows(self, vocab_size):
        """Inner nodes of the tree: one fewer than the words."""
        return max(vocab_size - 1, PLACEHOLDER_ROWS)

    def expected(self, expectation, tree):
        """Inner-node updates: each example's target has its code length of them."""
        import numpy as np

        return (expectation.examples * np.diff(tree.offsets)).sum() * expectation.epochs

    def refusal(self, device):
        return (f"--hs is not supported with --device {device}: use negative sampling, or "
                f"--device {' or '.join(self.devices)}.")


STRATEGIES = {s.name: s for s in (
    Strategy("unigram", STRATEGY_UNIGRAM, "count^ns-exponent", unigram_weights),
    Strategy("uniform", STRATEGY_UNIFORM, "", uniform_weights, fixed_exponent=0.0,
             exponent_conflict="draws every word equally"),
    Strategy("hard", STRATEGY_HARD, "the best-scored of --ns-pool draws", unigram_weights,
             expected=pooled_counts, pool=FIXED_POOL, needs_negatives=True, devices=("cpu",)),
    Strategy("dynamic", STRATEGY_DYNAMIC, "hard, the pool growing with progress",
             unigram_weights, expected=pooled_counts, pool=GROWING_POOL, needs_negatives=True,
             devices=("cpu",)),
    Strategy("adaptive", STRATEGY_ADAPTIVE, "noise re-estimated from the model's scores",
             unigram_weights, refresh=refresh_adaptive, needs_negatives=True,
             gathers_statistics=True,
             devices=("cpu",)),
)}
NAMES = tuple(STRATEGIES)
HS = HierarchicalSoftmax()


def strategy_help():
    """--ns-strategy's help: every strategy and what it does."""
    lines = ", ".join(f"{s.name} ({s.summary})" if s.summary else s.name
                      for s in STRATEGIES.values())
    return f"How negatives are drawn: {lines}.  [default: {DEFAULT_STRATEGY}]"


def pool_help():
    """--ns-pool's help: the strategies that score a pool."""
    names = "/".join(s.name for s in STRATEGIES.values() if s.scores_pool)
    return f"{names}: candidates drawn per example.  [default: 4 x negative]"


def strategy_of(config):
    return STRATEGIES[config.ns_strategy]


def check_device(config, device):
    """A usage error when ``device`` cannot run the objectives ``config`` asks for."""
    if config.hs and device not in HS.devices:
        raise UsageError(HS.refusal(device))
    strategy = strategy_of(config)
    if device not in strategy.devices:
        raise UsageError(strategy.refusal(device))


# ----------------------------------------------------------------------------- bundles


def noise_for(counts, config, stats=None):
    """The noise bundle; ``stats`` (score sums, draw counts) continues an adaptive run."""
    import numpy as np

    from ..kernels.alias import build_alias
    from ..kernels.bundles import Noise

    strategy = strategy_of(config)
    prob, alias = build_alias(strategy.weights(counts, config))
    if strategy.gathers_statistics:
        if stats is None:
            stats = (np.zeros(len(counts), np.float32), np.zeros(len(counts), np.float32))
        score_sum, draw_count = stats
    else:
        score_sum = draw_count = np.zeros(0, np.float32)
    return Noise(prob, alias, score_sum, draw_count)


def tree_for(counts, config):
    """The Huffman tree when --hs is on, else an empty one."""
    import numpy as np

    from ..kernels.bundles import Tree

    if config.hs:
        return HS.tree(counts)
    return Tree(np.zeros(len(counts) + 1, dtype=np.int64), np.empty(0, dtype=np.uint8),
                np.empty(0, dtype=np.int32))


def params_for(config, pool):
    """The kernels' integer settings, with ``pool`` candidates per example."""
    from ..kernels.bundles import Params

    strategy = strategy_of(config)
    return Params(MODEL_CODES[config.model], config.window, config.negative, int(config.hs),
                  strategy.code, pool, int(config.share_negatives), int(config.cbow_mean),
                  config.max_sentence_length, int(config.shrink_windows),
                  int(strategy.gathers_statistics))


def _rows(vocab_size, config):
    """Rows of the input, negative-sampling output and inner-node matrices."""
    neg_rows = vocab_size if config.negative > 0 else PLACEHOLDER_ROWS
    hs_rows = HS.rows(vocab_size) if config.hs else PLACEHOLDER_ROWS
    return vocab_size, neg_rows, hs_rows


def initial_model(vocab_size, config, rng):
    """syn0 uniform in (-0.5, 0.5)/dim, output matrices at zero (placeholders if unused)."""
    import numpy as np

    from ..kernels.bundles import Model

    dim = config.dim
    syn0 = ((rng.random((vocab_size, dim), dtype=np.float32) - np.float32(0.5))
            / np.float32(dim))
    _, neg_rows, hs_rows = _rows(vocab_size, config)
    return Model(syn0, np.zeros((neg_rows, dim), dtype=np.float32),
                 np.zeros((hs_rows, dim), dtype=np.float32))


def model_bytes(vocab_size, config):
    """Bytes of the matrices ``initial_model`` allocates for ``vocab_size`` words."""
    import numpy as np

    row = config.dim * np.dtype(np.float32).itemsize
    return sum(_rows(vocab_size, config)) * row
