"""Every training default in one frozen dataclass, its validation, and loading of
``configs/*.toml``. The choices of ``--ns-strategy`` and ``--device`` and what each
allows come from their registries (``objectives``, ``devices``); this module, like them,
imports neither NumPy nor Numba, so the command line may import it."""

import dataclasses
import math
import os
import tomllib
from dataclasses import dataclass
from typing import Optional

from ..errors import ConfigError, OptionError, UsageError
from ..io import ngram_defaults
from ..io.recode import normalize_encoding
from . import budget, devices, objectives

MODELS = ("sg", "cbow")
FORMATS = ("text", "binary")
DEVICES = devices.NAMES
NS_STRATEGIES = objectives.NAMES
DEFAULT_NS_EXPONENT = 0.75
POOL_PER_NEGATIVE = 4  # default --ns-pool: this many candidates per negative kept
SG_ALPHA = 0.035
CBOW_ALPHA = 0.05
# Skip-gram with subwords starts at 0.032: on the first 4M words of the standard corpus (3
# epochs, five seeds, ending at a fifth of it) 0.032 lifts analogy from 0.338 to 0.372,
# WS353 from 0.375 to 0.393 and rare words from 0.372 to 0.389 against 0.025; 0.04 loses
# WS353 and rare words again. See README "Subword vectors".
SG_SUBWORD_ALPHA = 0.032
# Default --min-alpha as a fraction of --alpha (by model; skip-gram with subwords apart).
# Plain skip-gram starts higher than the C tool (0.035 against 0.025) and ends at a
# twentieth of that. On the standard run (three seeds each) this lifts analogy from 0.364
# (0.025 ending at a fifth) to 0.386 and ten of the twelve similarity sets by 0.016 to
# 0.042, leaving rare words and SimVerb level; on the first 4M words (5 epochs) analogy
# from 0.128 to 0.142 and all but rare words (level). Decaying to about zero from 0.035
# scores analogy 0.391 but drops rare words to gensim's level; 0.04 loses them outright;
# 0.025 decaying to about zero lowers the mean rate and loses semantic analogies. CBOW and
# skip-gram with subwords end at a fifth of their start: about zero costs CBOW 0.01 of
# analogy on the standard run (from 0.05 or 0.06) and subwords 0.05 at 4M words. See
# README "Choosing an objective".
MIN_ALPHA_RATIO = {"sg": 0.05, "cbow": 0.2}
SG_SUBWORD_MIN_ALPHA_RATIO = 0.2
DEFAULT_EPOCHS = 5  # without --time-budget; with one, --epochs is a cap and has none
CBOW_GRADS = ("mean", "sum")
# Default --cbow-grad by CBOW input (True: the mean of the context, False: its sum). The
# mean's gradient spread over the context ("mean") against the whole of it to every word
# ("sum", the C tool and gensim): see README "Choosing an objective". The sum of the
# context keeps gensim's division, which keeps wide windows from diverging.
DEFAULT_CBOW_GRAD = {True: "sum", False: "mean"}
# Default --context-weight by model: the vectors written are the input vectors plus this
# many times the context (output) vectors of negative sampling. CBOW adds half: on the
# standard run (six seeds) this lifts analogy from 0.394 to 0.429 (semantic from 0.432 to
# 0.505) and every similarity set by 0.001 to 0.033, which puts CBOW above gensim on all
# fifteen columns where it was level; the whole context vector lowers syntactic analogies
# and VERB-143. On small corpora it costs rare words (first 4M words: RW 0.342 -> 0.296;
# 8M: 0.355 -> 0.343) while lifting most other sets. Skip-gram's context vectors lower its
# syntactic analogies, SimVerb and VERB-143, so skip-gram writes its input vectors alone,
# as the C tool and gensim do. See README "Why the defaults".
CONTEXT_WEIGHT = {"sg": 0.0, "cbow": 0.5}


@dataclass(frozen=True)
class TrainConfig:
    model: str = "sg"
    dim: int = 100
    window: int = 5
    negative: int = 5
    epochs: Optional[int] = None  # None: DEFAULT_EPOCHS, or as many as --time-budget allows
    alpha: Optional[float] = None  # None: default_alpha(model, subwords)
    min_alpha: Optional[float] = None  # None: alpha * min_alpha_ratio(model, subwords)
    sample: float = 1e-3
    min_count: int = 5
    max_vocab: Optional[int] = None
    prune_at: int = 10_000_000  # distinct words held while counting before rare ones are pruned
    ns_exponent: Optional[float] = None  # None: DEFAULT_NS_EXPONENT (0 for uniform)
    ns_strategy: str = objectives.DEFAULT_STRATEGY
    ns_pool: Optional[int] = None  # None: POOL_PER_NEGATIVE x negative
    share_negatives: bool = True
    hs: bool = False
    cbow_mean: bool = True
    threads: Optional[int] = None  # None: all cores
    seed: int = 1
    max_sentence_length: int = 10_000
    format: Optional[str] = None  # None: from the output extension
    batch_words: int = 200_000  # words per thread per kernel call (progress and Ctrl-C granularity)
    encoding: Optional[str] = None  # the inputs' encoding; None: UTF-8 with replacement
    binary_ok: bool = False  # read inputs that do not look like text (io/sniff.py) anyway
    device: str = "cpu"  # one of devices.NAMES (training/devices/)
    sync_words: int = 500_000  # under mpiexec: words (all processes) between model syncs
    shrink_windows: bool = True  # a random 1..window words a side, as the C tool
    time_budget: Optional[float] = None  # seconds (or "45m", "2h"...): train to a deadline
    cbow_grad: Optional[str] = None  # None: DEFAULT_CBOW_GRAD[cbow_mean]
    context_weight: Optional[float] = None  # None: default_context_weight(self)
    loss: Optional[str] = None  # one of objectives.LOSSES; None: "hs" for --hs --negative 0, else "ns"
    subwords: bool = False  # character n-gram vectors, as fastText
    minn: int = ngram_defaults.DEFAULT_MINN  # shortest n-gram, in characters (with --subwords)
    maxn: int = ngram_defaults.DEFAULT_MAXN  # longest n-gram; 0: no n-grams
    bucket: int = ngram_defaults.DEFAULT_BUCKET  # hashed n-gram rows

    @property
    def uses_subwords(self):
        """True when words have n-gram rows (--subwords with --maxn above 0)."""
        return bool(self.subwords) and self.maxn > 0

    def resolved(self):
        """A copy with model-dependent defaults filled in, validated."""
        alpha = self.alpha if self.alpha is not None else default_alpha(
            self.model, self.uses_subwords)
        min_alpha = self.min_alpha if self.min_alpha is not None else (
            alpha * min_alpha_ratio(self.model, self.uses_subwords))
        threads = self.threads if self.threads is not None else available_cores()
        self.validate()
        seconds = None if self.time_budget is None else budget.parse_duration(self.time_budget)
        epochs = self.epochs if self.epochs is not None or seconds is not None \
            else DEFAULT_EPOCHS
        fixed = objectives.STRATEGIES[self.ns_strategy].fixed_exponent
        exponent = self.ns_exponent if self.ns_exponent is not None else (
            fixed if fixed is not None else DEFAULT_NS_EXPONENT)
        pool = self.ns_pool if self.ns_pool is not None else POOL_PER_NEGATIVE * max(self.negative, 1)
        cbow_grad = self.cbow_grad if self.cbow_grad is not None else \
            DEFAULT_CBOW_GRAD[bool(self.cbow_mean)]
        context_weight = self.context_weight if self.context_weight is not None else \
            default_context_weight(self)
        done = dataclasses.replace(self, alpha=alpha, min_alpha=min_alpha, threads=threads,
                                   ns_exponent=exponent, ns_pool=pool, epochs=epochs,
                                   time_budget=seconds, cbow_grad=cbow_grad,
                                   context_weight=context_weight,
                                   **objectives.loss_fields(self))
        done.validate()
        return done

    def validate(self):
        for field, choices in (("model", MODELS), ("format", FORMATS), ("device", DEVICES),
                               ("ns_strategy", NS_STRATEGIES), ("cbow_grad", CBOW_GRADS),
                               ("loss", objectives.LOSS_NAMES)):
            _choice(field, getattr(self, field), choices)
        for field in POSITIVE_INTS:
            _positive_int(field, getattr(self, field))
        for field in OPTIONAL_POSITIVE_INTS:
            if getattr(self, field) is not None:
                _positive_int(field, getattr(self, field))
        if not _is_int(self.negative) or self.negative < 0:
            raise OptionError("{negative} must be 0 or more, got {0}.", self.negative)
        for field in FLOATS:
            _finite(field, getattr(self, field))
        if self.sample < 0:
            raise OptionError("{sample} must be 0 (off) or more, got {0}.", self.sample)
        if self.alpha is not None and not self.alpha > 0:
            raise OptionError("{alpha} must be greater than 0, got {0}.", self.alpha)
        if self.min_alpha is not None and not self.min_alpha >= 0:
            raise OptionError("{min_alpha} must be 0 or more, got {0}.", self.min_alpha)
        if self.alpha is not None and self.min_alpha is not None and self.min_alpha > self.alpha:
            raise OptionError("{min_alpha} ({0:g}) is above {alpha} ({1:g}): the learning rate "
                              "decays from {alpha} to {min_alpha}. Give a {min_alpha} of at "
                              "most {1:g}.", self.min_alpha, self.alpha)
        self._validate_context_weight()
        if self.time_budget is not None:
            budget.parse_duration(self.time_budget)  # a usage error naming the option
        normalize_encoding(self.encoding)  # a usage error for an unknown name
        self._validate_objective()
        self._validate_subwords()
        devices.check_options(self)

    def _validate_objective(self):
        objectives.check_loss(self)
        if self.negative == 0 and not self.hs and self.loss in (None, "ns"):
            raise OptionError("nothing to train: give {negative} > 0 or {hs}.")
        strategy = objectives.STRATEGIES[self.ns_strategy]
        if self.negative == 0 and strategy.needs_negatives:
            raise OptionError("{ns_strategy} {0} needs negatives: give {negative} > 0.",
                              self.ns_strategy)
        fixed = strategy.fixed_exponent
        if fixed is not None and self.ns_exponent not in (None, fixed):
            raise OptionError(f"{{ns_strategy}} {strategy.name} {strategy.exponent_conflict}, "
                              "which contradicts {ns_exponent} {0:g}. Drop one of them.",
                              self.ns_exponent)
        if self.ns_pool is not None and self.ns_pool < self.negative:
            raise OptionError("{ns_pool} ({0}) must be at least {negative} ({1}): the "
                              "negatives are picked from the pool.", self.ns_pool, self.negative)

    def _validate_context_weight(self):
        weight = self.context_weight
        if weight is None or weight == 0:
            return
        if weight < 0:
            raise OptionError("{context_weight} must be 0 (the input vectors alone) or more, "
                              "got {0:g}.", weight)
        if self.uses_subwords:
            raise OptionError("{context_weight} adds each word's context vector, and words "
                              "built from n-grams ({subwords}) have none. Drop "
                              "{context_weight} or {subwords}.")
        if not objectives.has_output_rows(self):
            raise OptionError("{context_weight} adds the context vectors of negative "
                              "sampling, and {negative} 0 has none. Drop {context_weight} "
                              "or give {negative} > 0.")

    def _validate_subwords(self):
        if not _is_int(self.maxn) or self.maxn < 0:
            raise OptionError("{maxn} must be 0 (no n-grams) or more, got {0}.", self.maxn)
        if self.maxn > 0 and self.minn > self.maxn:
            raise OptionError("{minn} ({0}) is above {maxn} ({1}): n-grams are {minn} to "
                              "{maxn} characters long. Give a {minn} of at most {1}.",
                              self.minn, self.maxn)

    def advisories(self, cores=None):
        """Warnings about legal values that are almost surely mistakes (one line each)."""
        cores = cores or available_cores()
        if self.threads is not None and self.threads > THREADS_PER_CORE_WARNING * cores:
            yield (f"--threads {self.threads} is far more than the {cores} core(s) here: "
                   f"training will be slower, not faster, than with --threads {cores}.")


# Fields checked alike by validate().
POSITIVE_INTS = ("dim", "window", "min_count", "max_sentence_length", "prune_at",
                 "batch_words", "sync_words", "minn", "bucket")
OPTIONAL_POSITIVE_INTS = ("epochs", "threads", "max_vocab", "ns_pool")
FLOATS = ("alpha", "min_alpha", "sample", "ns_exponent", "context_weight")
# More threads than this many per available core draws a warning.
THREADS_PER_CORE_WARNING = 2


def default_alpha(model, subwords=False):
    """The start learning rate ``--alpha`` defaults to for ``model``."""
    if model == "cbow":
        return CBOW_ALPHA
    return SG_SUBWORD_ALPHA if subwords else SG_ALPHA


def min_alpha_ratio(model, subwords=False):
    """The fraction of --alpha that --min-alpha defaults to for ``model``."""
    if model == "sg" and subwords:
        return SG_SUBWORD_MIN_ALPHA_RATIO
    return MIN_ALPHA_RATIO.get(model, MIN_ALPHA_RATIO["sg"])


def default_context_weight(config):
    """The ``--context-weight`` a config without one gets: CONTEXT_WEIGHT by model, and 0
    where words have no context vectors of their own (no negative sampling) or are built
    from n-grams (subwords)."""
    if config.uses_subwords or not objectives.has_output_rows(config):
        return 0.0
    return CONTEXT_WEIGHT.get(config.model, 0.0)


def divergence_advice(config):
    """What to change after a divergence: --alpha only when it is above its default."""
    default = default_alpha(config.model, config.uses_subwords)
    if config.alpha > default:
        return f"Try a lower --alpha (now {config.alpha:g}, default {default:g})."
    if config.model == "cbow" and not config.cbow_mean:
        return (f"--cbow-sum adds up the vectors of windows of up to {2 * config.window} "
                "words: try --cbow-mean, or a lower --alpha.")
    return (f"--alpha {config.alpha:g} is not above its default ({default:g}), so this "
            "should not happen: please report the command; a lower --alpha may get around it.")


def available_cores():
    """The cores this process may run on (its affinity), else the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _positive_int(field, value):
    if not _is_int(value) or value < 1:
        raise OptionError(f"{{{field}}} must be a positive integer, got {{0}}.", value)


def _finite(field, value):
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise OptionError(f"{{{field}}} must be a finite number, got {{0}}.", value)


def _choice(field, value, choices):
    if value is not None and value not in choices:
        raise OptionError(f"{{{field}}} must be one of {', '.join(choices)}, got '{{0}}'.",
                          value)


FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}


def load_toml(path):
    """Read a config file into a dict of TrainConfig fields. Keys may use - or _."""
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file '{path}' not found. Check the --config path.") from None
    except IsADirectoryError:
        raise ConfigError(f"config '{path}' is a directory. Pass a .toml file.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file '{path}' is not valid TOML: {exc}.") from None
    values = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        if name not in FIELDS:
            known = ", ".join(sorted(k.replace("_", "-") for k in FIELDS))
            raise ConfigError(f"unknown key '{key}' in config '{path}'. Known keys: {known}.")
        values[name] = value
    return values


def build(config_path=None, **overrides):
    """Defaults, then the config file, then explicit overrides (None = not given)."""
    values = load_toml(config_path) if config_path else {}
    values.update({k: v for k, v in overrides.items() if v is not None})
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise UsageError(f"unknown option(s): {', '.join(sorted(unknown))}.")
    try:
        return TrainConfig(**values).resolved()
    except TypeError as exc:
        raise ConfigError(f"bad config value: {exc}.") from None


def learning_rate(progress, alpha, min_alpha):
    """Linear decay from alpha to min_alpha over global progress in [0, 1]; exactly
    min_alpha at the end (the product below can miss a small one by a rounding)."""
    if progress >= 1.0:
        return min_alpha
    return alpha - (alpha - min_alpha) * max(progress, 0.0)
