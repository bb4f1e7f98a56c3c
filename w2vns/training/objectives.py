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

from ..kernels.bundles import (LOSS_NCE, LOSS_NS, LOSS_SOFTMAX, MODEL_CODES, STRATEGY_ADAPTIVE, STRATEGY_DYNAMIC, STRATEGY_HARD,
                               STRATEGY_UNIFORM, STRATEGY_UNIGRAM)
from ..errors import OptionError, UsageError
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
# Training words (corpus words x epochs) below which a strategy draws a warning: hard's
# negatives are only as good as the model scoring them (4M words x 1 epoch: WS353 0.178
# against unigram's 0.239; 17.2M x 5: analogy 0.396 against 0.359); uniform scored below
# unigram at every size measured, so it always warns.
HARD_MIN_TRAINING_WORDS = 50_000_000
ALWAYS = float("inf")


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
    min_training_words: Optional[float] = None  # warned below this many (corpus x epochs)
    caution: str = ""  # the warning's reason and advice

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
             exponent_conflict="draws every word equally", min_training_words=ALWAYS,
             caution="it draws rare words as often as frequent ones, so the frequent words' "
                     "output vectors are seldom pushed away and rare ones far too often; it "
                     "scored below unigram on every set at every size measured. Use unigram "
                     "(the default) unless you are comparing noise distributions."),
    Strategy("hard", STRATEGY_HARD, "the best-scored of --ns-pool draws", unigram_weights,
             expected=pooled_counts, pool=FIXED_POOL, needs_negatives=True, devices=("cpu",),
             min_training_words=HARD_MIN_TRAINING_WORDS,
             caution="its negatives are the words the model scores highest, and until the "
                     "model has learnt much those are mostly the most frequent words, so "
                     "a short run learns less than with unigram. Use unigram (the default) at "
                     "this size; dynamic (hard after a warm-up of plain draws) loses less."),
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

# ----------------------------------------------------------------------------- losses

DEFAULT_LOSS = "ns"
# --loss softmax computes every word's logit for every example (vocabulary x --dim
# multiply-adds, twice): above this many words a run takes hours where ns takes minutes.
SOFTMAX_MAX_VOCAB = 10_000


@dataclass(frozen=True)
class Loss:
    """One ``--loss``: what an example's input vector is trained to predict its word with."""

    name: str
    code: int  # kernels.bundles.LOSS_*: the kernels' loss leaf for the output rows
    summary: str  # its line in --loss's help
    draws_noise: bool  # --negative noise words per example (its k); else --negative is unused
    devices: tuple = ALL_DEVICES
    max_vocab: Optional[int] = None  # refused above this many words

    def refusal(self, device):
        return (f"--loss {self.name} is not supported with --device {device}: use --loss ns, "
                f"or --device {' or '.join(self.devices)}.")


LOSSES = {loss.name: loss for loss in (
    Loss("ns", LOSS_NS, "negative sampling: --negative noise words per example, plus "
         "hierarchical softmax with --hs", True),
    Loss("hs", LOSS_NS, "hierarchical softmax alone (as --hs --negative 0)", False,
         devices=HS.devices),
    Loss("nce", LOSS_NCE, "noise-contrastive estimation: negative sampling's logits less "
         "log(k P_n(w)), k = --negative", True, devices=("cpu",)),
    Loss("softmax", LOSS_SOFTMAX, "the exact softmax over the whole vocabulary (at most "
         f"{SOFTMAX_MAX_VOCAB:,} words)", False, devices=("cpu",), max_vocab=SOFTMAX_MAX_VOCAB),
)}
LOSS_NAMES = tuple(LOSSES)


def loss_help():
    lines = "; ".join(f"{loss.name}: {loss.summary}" for loss in LOSSES.values())
    return f"The loss: {lines}.  [default: {DEFAULT_LOSS}]"


def loss_fields(config):
    """The fields a resolved config takes from its ``loss`` (None: from --hs/--negative)."""
    if config.loss is None:
        return dict(loss="hs" if config.hs and config.negative == 0 else DEFAULT_LOSS)
    if config.loss == "hs":
        return dict(hs=True, negative=0)
    if not LOSSES[config.loss].draws_noise:
        return dict(negative=0)
    return {}


def check_loss(config):
    """Usage errors for options that contradict ``config.loss`` (None: nothing to check)."""
    loss = LOSSES.get(config.loss)
    if loss is None or loss.name in ("ns", "hs"):
        return
    if config.hs:
        raise OptionError("{loss} {0} is a loss of its own: drop {hs} (which adds "
                          "hierarchical softmax to negative sampling).", loss.name)
    strategy = STRATEGIES[config.ns_strategy]
    if loss.draws_noise:
        if config.negative == 0:
            raise OptionError("{loss} {0} draws {negative} noise words per example: give "
                              "{negative} > 0.", loss.name)
        if strategy.scores_pool or strategy.refresh is not None:
            raise OptionError("{loss} {0} needs the noise probabilities, which {ns_strategy} "
                              "{1} changes: use {ns_strategy} unigram or uniform.", loss.name,
                              strategy.name)
    elif strategy.name != DEFAULT_STRATEGY:
        raise OptionError("{loss} {0} draws no noise words: drop {ns_strategy}.", loss.name)
    if loss.max_vocab is not None and (config.max_vocab or 0) > loss.max_vocab:
        raise OptionError(f"{{loss}} {{0}} takes at most {loss.max_vocab:,} words: give "
                          f"{{max_vocab}} {loss.max_vocab} or less, got {{1}}.", loss.name,
                          config.max_vocab)


def check_vocab_size(config, vocab_size):
    """A usage error when the vocabulary is too large for ``config.loss``."""
    limit = LOSSES[config.loss].max_vocab
    if limit is not None and vocab_size > limit:
        raise OptionError(f"{{loss}} {{0}} takes at most {limit:,} words and the vocabulary "
                          f"has {vocab_size:,}: give {{max_vocab}} {limit} (or a higher "
                          "{min_count}).", config.loss)


def has_output_rows(config):
    """Whether the run trains one output row per word (negative sampling, NCE, softmax)."""
    return config.negative > 0 or config.loss == "softmax"


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


def run_advisories(config, corpus_words):
    """Warnings (one line each) about an objective known to do badly on this run's size."""
    strategy = strategy_of(config)
    words = corpus_words * (config.epochs or 1)
    if config.negative > 0 and strategy.min_training_words is not None \
            and words < strategy.min_training_words:
        size = "" if strategy.min_training_words == ALWAYS else (
            f" on {words:,} training words (corpus x epochs; it helps from about "
            f"{strategy.min_training_words:,.0f})")
        yield f"--ns-strategy {strategy.name}{size}: {strategy.caution}"


def check_device(config, device):
    """A usage error when ``device`` cannot run the objectives ``config`` asks for."""
    if config.hs and device not in HS.devices:
        raise UsageError(HS.refusal(device))
    loss = LOSSES[config.loss or DEFAULT_LOSS]
    if device not in loss.devices:
        raise UsageError(loss.refusal(device))
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
    return Noise(prob, alias, score_sum, draw_count, nce_shift(counts, config))


def nce_shift(counts, config):
    """log(k P_n(w)) per word for --loss nce (P_n the noise distribution, k --negative),
    which NCE subtracts from each logit; zero-length for the other losses."""
    import numpy as np

    if config.loss != "nce":
        return np.zeros(0, np.float32)
    weights = strategy_of(config).weights(counts, config)
    q = np.maximum(weights / weights.sum(), NEVER_DRAWN)
    return np.log(config.negative * q).astype(np.float32)


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
                  int(strategy.gathers_statistics), int(config.cbow_grad == "mean"),
                  LOSSES[config.loss or DEFAULT_LOSS].code)


def _rows(vocab_size, config):
    """Rows of the input (the words', then the hashed n-grams' with subwords),
    negative-sampling output and inner-node matrices."""
    neg_rows = vocab_size if has_output_rows(config) else PLACEHOLDER_ROWS
    hs_rows = HS.rows(vocab_size) if config.hs else PLACEHOLDER_ROWS
    return vocab_size + (config.bucket if config.uses_subwords else 0), neg_rows, hs_rows


def initial_model(vocab_size, config, rng):
    """syn0 uniform in (-0.5, 0.5)/dim, output matrices at zero (placeholders if unused).
    The words' rows come from ``rng``, the n-gram rows of a subword model from a seed it
    draws (``kernels.subwords.fill_uniform``)."""
    import numpy as np

    from ..kernels.bundles import Model
    from ..kernels.subwords import fill_uniform
    from .threads import numba_threads

    dim = config.dim
    input_rows, neg_rows, hs_rows = _rows(vocab_size, config)
    syn0 = np.empty((input_rows, dim), dtype=np.float32)
    words = syn0[:vocab_size]
    rng.random(out=words, dtype=np.float32)  # in place: no copies
    words -= np.float32(0.5)
    words /= np.float32(dim)
    if input_rows > vocab_size:  # the n-gram rows, in parallel on --threads threads
        seed = rng.integers(np.iinfo(np.int64).max, dtype=np.int64)
        with numba_threads(config.threads):
            fill_uniform(syn0[vocab_size:], np.uint64(seed), np.float32(-0.5 / dim),
                         np.float32(1.0 / dim))
    return Model(syn0, np.zeros((neg_rows, dim), dtype=np.float32),
                 np.zeros((hs_rows, dim), dtype=np.float32))


def model_bytes(vocab_size, config):
    """Bytes of the matrices ``initial_model`` allocates for ``vocab_size`` words."""
    import numpy as np

    row = config.dim * np.dtype(np.float32).itemsize
    return sum(_rows(vocab_size, config)) * row
