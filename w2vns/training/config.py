"""Every training default in one frozen dataclass, and loading of ``configs/*.toml``."""

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from typing import Optional

from ..errors import ConfigError, UsageError
from ..io.recode import normalize_encoding

MODELS = ("sg", "cbow")
FORMATS = ("text", "binary")
DEVICES = ("cpu", "cuda")
NS_STRATEGIES = ("unigram", "uniform", "hard", "dynamic", "adaptive")
SCORED_STRATEGIES = ("hard", "dynamic", "adaptive")  # need negatives to act on
DEFAULT_NS_EXPONENT = 0.75
POOL_PER_NEGATIVE = 4  # default --ns-pool: this many candidates per negative kept
SG_ALPHA = 0.025
CBOW_ALPHA = 0.05
# Default --min-alpha as a fraction of --alpha, per model. Both end at a fifth of their
# starting rate: decaying to ~0 leaves the last epochs too little learning rate (skip-gram's
# analogy 0.005 to 0.02 lower on the standard and the 4M-word runs, CBOW's 0.01 lower); see
# README "Choosing an objective".
MIN_ALPHA_RATIO = {"sg": 0.2, "cbow": 0.2}


@dataclass(frozen=True)
class TrainConfig:
    model: str = "sg"
    dim: int = 100
    window: int = 5
    negative: int = 5
    epochs: int = 5
    alpha: Optional[float] = None  # None: SG_ALPHA for sg, CBOW_ALPHA for cbow
    min_alpha: Optional[float] = None  # None: alpha * MIN_ALPHA_RATIO[model]
    sample: float = 1e-3
    min_count: int = 5
    max_vocab: Optional[int] = None
    prune_at: int = 10_000_000  # distinct words held while counting before rare ones are pruned
    ns_exponent: Optional[float] = None  # None: DEFAULT_NS_EXPONENT (0 for uniform)
    ns_strategy: str = "unigram"
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
    device: str = "cpu"  # cpu, or cuda (training/device.py)
    sync_words: int = 500_000  # under mpiexec: words (all processes) between model syncs

    def resolved(self):
        """A copy with model-dependent defaults filled in, validated."""
        alpha = self.alpha if self.alpha is not None else (
            CBOW_ALPHA if self.model == "cbow" else SG_ALPHA)
        min_alpha = self.min_alpha if self.min_alpha is not None else (
            alpha * MIN_ALPHA_RATIO.get(self.model, MIN_ALPHA_RATIO["sg"]))
        threads = self.threads if self.threads is not None else (os.cpu_count() or 1)
        self.validate()
        uniform = self.ns_strategy == "uniform"
        exponent = self.ns_exponent if self.ns_exponent is not None else (
            0.0 if uniform else DEFAULT_NS_EXPONENT)
        pool = self.ns_pool if self.ns_pool is not None else POOL_PER_NEGATIVE * max(self.negative, 1)
        done = dataclasses.replace(self, alpha=alpha, min_alpha=min_alpha, threads=threads,
                                   ns_exponent=exponent, ns_pool=pool)
        done.validate()
        return done

    def validate(self):
        if self.model not in MODELS:
            raise UsageError(f"--model must be one of {', '.join(MODELS)}, got '{self.model}'.")
        if self.format is not None and self.format not in FORMATS:
            raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got '{self.format}'.")
        if self.device not in DEVICES:
            raise UsageError(f"--device must be one of {', '.join(DEVICES)}, got '{self.device}'.")
        _positive_int("--dim", self.dim)
        _positive_int("--window", self.window)
        _positive_int("--epochs", self.epochs)
        _positive_int("--min-count", self.min_count)
        _positive_int("--max-sentence-length", self.max_sentence_length)
        _positive_int("--prune-at", self.prune_at)
        _positive_int("batch_words", self.batch_words)
        _positive_int("--sync-words", self.sync_words)
        if self.threads is not None:
            _positive_int("--threads", self.threads)
        if self.max_vocab is not None:
            _positive_int("--max-vocab", self.max_vocab)
        if not isinstance(self.negative, int) or self.negative < 0:
            raise UsageError(f"--negative must be 0 or more, got {self.negative}.")
        if self.sample < 0:
            raise UsageError(f"--sample must be 0 (off) or more, got {self.sample}.")
        if self.alpha is not None and not self.alpha > 0:
            raise UsageError(f"--alpha must be greater than 0, got {self.alpha}.")
        if self.min_alpha is not None and not self.min_alpha >= 0:
            raise UsageError(f"--min-alpha must be 0 or more, got {self.min_alpha}.")
        normalize_encoding(self.encoding)  # a usage error for an unknown name
        self._validate_objective()
        if self.device == "cuda":
            from .device import check_options

            check_options(self)

    def _validate_objective(self):
        if self.ns_strategy not in NS_STRATEGIES:
            raise UsageError(f"--ns-strategy must be one of {', '.join(NS_STRATEGIES)}, "
                             f"got '{self.ns_strategy}'.")
        if self.negative == 0 and not self.hs:
            raise UsageError("nothing to train: give --negative > 0 or --hs.")
        if self.negative == 0 and self.ns_strategy in SCORED_STRATEGIES:
            raise UsageError(f"--ns-strategy {self.ns_strategy} needs negatives: give "
                             "--negative > 0.")
        if self.ns_strategy == "uniform" and self.ns_exponent not in (None, 0, 0.0):
            raise UsageError(f"--ns-strategy uniform draws every word equally, which "
                             f"contradicts --ns-exponent {self.ns_exponent:g}. Drop one of them.")
        if self.ns_pool is not None:
            _positive_int("--ns-pool", self.ns_pool)
            if self.ns_pool < self.negative:
                raise UsageError(f"--ns-pool ({self.ns_pool}) must be at least --negative "
                                 f"({self.negative}): the negatives are picked from the pool.")


def _positive_int(option, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise UsageError(f"{option} must be a positive integer, got {value}.")


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
