"""One training run as every layer sees it: ``Run`` carries its settings from the command
line (or the API) to the epoch loop; ``Summary`` is what it reports as it goes and
``Trained`` what it returns; ``StopControl`` takes the stop requests (signals)."""

import dataclasses
import functools
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from ..errors import EXIT_SIGNAL, Interrupted
from ..logs import to_stderr
from .counters import Counts
from .progress import human_bytes


class StopControl:
    """Stop requests (signals) seen by training.

    Outside the epoch loop a request interrupts at once; inside it, the request is
    noted and honoured after the current batch, when the state is consistent and a
    checkpoint can be written. A second request while one is pending stops at once.
    """

    def __init__(self):
        self.deferred = False
        self.requested = None

    def request(self, signal_name):
        if not self.deferred or self.requested is not None:
            raise Interrupted(signal_name, EXIT_SIGNAL[signal_name])
        self.requested = signal_name


@dataclass
class Run:
    """A run's settings: what to read, what to write, how to checkpoint, log and stop."""

    sources: list  # paths, URLs or '-'
    config: object  # a resolved config.TrainConfig
    output: Optional[str] = None  # the vectors (-o)
    save_context: Optional[str] = None  # the output vectors of negative sampling
    save_vocab: Optional[str] = None  # 'word count' lines
    save_model: Optional[str] = None  # the model file --init-from continues
    save_fasttext: Optional[str] = None  # fastText's .bin model (with --subwords)
    read_vocab: Optional[str] = None  # a vocabulary to use instead of counting
    init_from: object = None  # a model_file.SavedModel to continue
    checkpoint_dir: Optional[str] = None  # id cache and checkpoints
    checkpoint_every: Optional[float] = None  # minutes between checkpoints
    resume_from: object = None  # a checkpoint.Checkpoint to continue
    stop: StopControl = field(default_factory=StopControl)
    log: Callable = to_stderr  # takes one line
    log_file: Optional[Callable] = None  # takes the progress lines too
    quiet: bool = False  # no progress on stderr
    bar: Optional[bool] = None  # a progress bar (None: when stderr is a terminal)
    report: object = None  # a report.RunReport following the Summary
    summary: Optional[Callable] = None  # given the Summary as soon as it exists
    cluster: object = None  # a distributed.Cluster, under mpiexec
    callbacks: tuple = ()  # objects with on_batch and/or on_epoch_end, given a Status
    device_tuning: object = None  # the device's settings instead of its defaults (tests)
    started: float = field(default_factory=time.perf_counter)  # a --time-budget's start

    @classmethod
    def resuming(cls, checkpoint, **settings):
        """A run that continues ``checkpoint`` with the options and inputs it recorded."""
        from .config import TrainConfig

        meta = checkpoint.meta
        return cls(meta["sources"], TrainConfig(**meta["config"]), resume_from=checkpoint,
                   **settings)

    def announce(self, summary):
        """Hand the run's Summary, as soon as it exists, to whoever follows it."""
        if self.summary is not None:
            self.summary(summary)
        if self.report is not None:
            self.report.attach(summary)

    def recorded_outputs(self):
        """The outputs a checkpoint records, for a resumed run to write."""
        return dict(output=self.output, save_context=self.save_context,
                    save_model=self.save_model, save_fasttext=self.save_fasttext,
                    report=self.report.path if self.report is not None else None)

    def writing_nothing(self):
        """The same run for a process that writes no output (under mpiexec, all but the
        first)."""
        return dataclasses.replace(self, output=None, save_context=None, save_vocab=None,
                                   save_model=None, save_fasttext=None)


CALLBACK_METHODS = ("on_batch", "on_epoch_end")


@dataclass(frozen=True)
class Status:
    """What a callback receives: after a batch (``on_batch``, as often as the progress
    is shown) or at the end of an epoch (``on_epoch_end``)."""

    epoch: int  # 1-based: the epoch under way, or the one just ended
    epochs: int
    words: int  # corpus words trained so far, over every epoch (all processes)
    seconds: float  # since training started
    loss: float  # the epoch's mean loss per logistic term so far (summed in float64)
    alpha: float  # the learning rate reached


def check_callbacks(callbacks):
    """``callbacks`` as a tuple, each object having at least one of CALLBACK_METHODS."""
    from ..errors import UsageError

    callbacks = tuple(callbacks or ())
    for callback in callbacks:
        if not any(callable(getattr(callback, m, None)) for m in CALLBACK_METHODS):
            raise UsageError(f"callbacks: {callback!r} has no {CALLBACK_METHODS[0]} or "
                             f"{CALLBACK_METHODS[1]} method.")
    return callbacks


def notify(callbacks, method, status):
    """Call ``method`` of every callback that has it with ``status``."""
    for callback in callbacks:
        handler = getattr(callback, method, None)
        if handler is not None:
            handler(status)


@dataclass
class Summary:
    vocab_size: int = 0
    corpus_words: int = 0
    counts: Counts = field(default_factory=Counts)  # this run's, over all its epochs
    seconds: float = 0.0
    scan_seconds: float = 0.0  # reading, tokenising and counting the inputs
    encode_seconds: float = 0.0  # writing the id cache
    train_seconds: float = 0.0
    peak_rss: int = 0
    epoch_loss: list = field(default_factory=list)
    epochs_done: int = 0
    noise_seconds: float = 0.0  # rebuilding adaptive noise tables
    read: object = None
    ranks: int = 1  # processes under mpiexec
    syncs: int = 0  # model synchronisations between them
    comm_seconds: float = 0.0  # waiting for and exchanging with the other processes
    budget: Optional[dict] = None  # a --time-budget's plan and outcome (budget.outcome)
    kernel_seconds: Optional[float] = None  # the kernels alone, by the device's clock

    @property
    def kernel_words_per_second(self):
        """Words trained per second of kernel time (None: the device did not time them)."""
        if not self.kernel_seconds:
            return None
        return self.words_trained / self.kernel_seconds

    @property
    def words_trained(self):
        """Corpus words over all epochs, before subsampling."""
        return self.counts.words

    @property
    def words_kept(self):
        return self.counts.words_kept

    @property
    def positive_pairs(self):
        return self.counts.positive_pairs

    @property
    def logistic_terms(self):
        return self.counts.logistic_terms

    @property
    def pool_scores(self):
        return self.counts.pool_scores

    @property
    def words_per_second(self):
        return self.words_trained / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Trained:
    vocab: object  # a vocab.Vocab
    vectors: object  # input vectors, the embeddings (syn0; the words' own rows)
    context: object  # output vectors of negative sampling (syn1neg)
    config: object
    summary: Summary
    syn1: object = None  # hierarchical softmax inner-node vectors (with --hs)
    tree: object = None  # the Huffman tree, a kernels.bundles.Tree (with --hs)
    buckets: object = None  # the hashed n-gram rows of the input matrix (with --subwords)

    @functools.cached_property
    def word_vectors(self):
        """The words' vectors, as written and returned: ``vectors`` itself, plus
        ``config.context_weight`` times ``context`` where that weight is above 0 (CBOW by
        default), or with subwords the mean of each word's own row and its n-gram rows (as
        fastText's .vec). The model's own matrices are left as they are."""
        from .config import default_context_weight
        from .subwords import word_vectors

        weight = self.config.context_weight
        if weight is None:  # resumed from a checkpoint written before the option existed
            weight = default_context_weight(self.config)
        if weight:
            return self.vectors + self.vectors.dtype.type(weight) * self.context
        return word_vectors(self.vocab.words, self.vectors, self.buckets, self.config)


def describe(summary):
    """The final summary line."""
    return (f"trained {summary.words_trained:,} words ({summary.words_kept:,} after subsampling) "
            f"in {summary.seconds:.1f}s: {summary.words_per_second / 1e3:,.0f}k words/s, "
            f"peak memory {human_bytes(summary.peak_rss)}")
