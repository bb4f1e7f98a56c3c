"""The epoch loop, and the runs around it: a fresh run (``train``), a resumed one
(``resume``) and a calibration run on an encoded corpus (``train_cache``).

The loop walks the encoded corpus in batches, takes the learning rate from its schedule
(``schedule``: over the words of --epochs, or the time of --time-budget), asks the
objective's registry entry (``objectives``) what changes between batches (the adaptive
noise table, the dynamic pool), hands each batch to the device (``devices``; a
device that reads ahead gets the next batch with it, to copy while it trains), reports
progress, honours stop requests and writes checkpoints; under mpiexec it
synchronises the processes' models (``distributed.Syncs``). It has no device-specific
code: the arithmetic lives in the kernels, behind the device.
"""

import dataclasses
import os
import time
from dataclasses import dataclass

import numpy as np

from . import checkpoint as ckpt
from . import budget, devices, distributed, model_file, objectives, reading, subwords
from . import schedule as schedules
from . import vocab as vocabulary
from .config import divergence_advice
from ..errors import EXIT_SIGNAL, DivergenceError, InputError, Interrupted
from ..io import idcache
from ..io.workdir import run_directory
from .counters import Counts
from .devices.base import Batch, Tables
from .progress import available_memory_bytes, human_bytes, peak_rss_bytes, run_progress
from ..logs import to_stderr
from .run import Run, Status, Summary, Trained, notify


@dataclass
class State:
    """What the epoch loop trains and a checkpoint holds."""

    cache: object  # the encoded corpus, an idcache.IdCache
    vocab: object  # a vocab.Vocab
    model: object  # a kernels.bundles.Model
    noise: object  # a kernels.bundles.Noise
    states: object  # one uint64 RNG state per thread
    position: ckpt.Position
    summary: Summary
    checkpoint_dir: str = None  # where checkpoints go (None: none are written) ...
    meta: dict = None  # ... with this record of the run
    plan: object = None  # a budget.Plan: the schedule follows the time (--time-budget)


def train(run):
    """Train on ``run.sources`` with ``run.config`` (resolved); returns a Trained.

    Under mpiexec (``run.cluster``) this process reads only its share of the sources;
    counts are merged so that every process has the same vocabulary, and the models are
    synchronised every ``config.sync_words`` words: every process's changes since the last
    sync are added up. ``run.init_from`` (a model_file.SavedModel) continues a saved model:
    its vocabulary and counts are merged with the corpus's, known words start from their
    saved vectors.
    """
    config, log = run.config, run.log
    readings = reading.check_inputs(run.sources, config)
    devices.require(config, run.cluster)
    budget.check(config, run.cluster)
    for advice in config.advisories():
        log(f"warning: {advice}")
    given_vocab = vocabulary.read_vocab(run.read_vocab) if run.read_vocab else None  # first
    started = time.perf_counter()
    if run.checkpoint_dir:
        os.makedirs(run.checkpoint_dir, exist_ok=True)
    with run_directory() as workdir:
        vocab, cache, summary = reading.encode(run, readings, given_vocab, workdir, started)
        _check_run(len(vocab), summary.corpus_words, config, log)
        plan = budget.plan(run, cache, vocab, workdir) if config.time_budget else None
        model, states = initial_weights(len(vocab), config, run.cluster)
        if run.init_from is not None:
            known = model_file.carry_over(run.init_from, vocab, config, model, log)
            log(f"continuing '{run.init_from.path}': {known:,} known words start from their "
                f"saved vectors, {len(vocab) - known:,} new words")
        noise = objectives.noise_for(vocab.counts, config)
        meta = ckpt.run_meta(run, cache) if run.checkpoint_dir else None
        state = State(cache, vocab, model, noise, states, ckpt.Position(), summary,
                      run.checkpoint_dir, meta, plan)
        tree = _run_epochs(run, state)
    return _trained(state, tree, config, started)


def resume(run):
    """Continue the run saved in ``run.resume_from`` (a checkpoint.Checkpoint) to its end."""
    started = time.perf_counter()
    checkpoint, config, cluster = run.resume_from, run.config, run.cluster
    devices.require(config, cluster)
    budget.check(config, cluster)
    directory = os.path.dirname(checkpoint.path)
    position, states, cache_meta = distributed.rank_state(checkpoint, cluster)
    cache = idcache.IdCache(os.path.join(directory, reading.cache_name(cluster)), **cache_meta)
    expected_bytes = cache.items * idcache.ITEM.itemsize
    if not os.path.isfile(cache.path) or os.path.getsize(cache.path) != expected_bytes:
        raise InputError(f"the encoded corpus '{cache.path}' is missing or damaged. "
                         "Start a new run without --resume.")
    vocab = vocabulary.Vocab(checkpoint.words, checkpoint.counts)
    summary = Summary(vocab_size=len(vocab),
                      corpus_words=reading.global_words(cache.words, cluster),
                      ranks=cluster.size if cluster else 1)
    run.announce(summary)
    run.log(f"resuming from '{checkpoint.path}': epoch {position.epoch + 1}"
            + (f"/{config.epochs}, {position.done / max(cache.words * config.epochs, 1):.1%} "
               "done" if config.time_budget is None else ""))
    plan = budget.resumed(run, checkpoint.meta.get("budget"), cache.words, position.done) \
        if config.time_budget else None
    noise = objectives.noise_for(vocab.counts, config, stats=checkpoint.noise_stats)
    state = State(cache, vocab, checkpoint.model, noise, states, position, summary, directory,
                  dict(checkpoint.meta, cache=cache_meta), plan)
    tree = _run_epochs(run, state)
    return _trained(state, tree, config, started)


def train_cache(cache, vocab, config, log=to_stderr):
    """Train a fresh model on an already encoded corpus (an idcache.IdCache) for
    ``config.epochs``, without checkpoints or progress bar; returns the Summary
    (``train_seconds`` is the epoch loop alone). The estimate's calibration runs this."""
    started = time.perf_counter()
    model, states = initial_weights(len(vocab), config)
    noise = objectives.noise_for(vocab.counts, config)
    summary = Summary(vocab_size=len(vocab), corpus_words=cache.words)
    state = State(cache, vocab, model, noise, states, ckpt.Position(), summary)
    _run_epochs(Run([], config, log=log, quiet=True, bar=False), state)
    summary.seconds = time.perf_counter() - started
    return summary


def initial_weights(vocab_size, config, cluster=None):
    """The initial model (see objectives.initial_model) and one RNG state per thread.

    Under mpiexec every process starts from the same model with its own RNG states."""
    rng = np.random.default_rng(config.seed)
    model = objectives.initial_model(vocab_size, config, rng)
    if cluster is not None:
        rng = np.random.default_rng([config.seed, cluster.rank])
    states = rng.integers(1, np.iinfo(np.int64).max, size=config.threads,
                          dtype=np.int64).astype(np.uint64)
    return model, states


def _check_run(vocab_size, corpus_words, config, log):
    """Refuse a vocabulary too large for the loss; warn of an objective bad at this size."""
    objectives.check_vocab_size(config, vocab_size)
    for advice in objectives.run_advisories(config, corpus_words):
        log(f"warning: {advice}")
    need, free = objectives.model_bytes(vocab_size, config), available_memory_bytes()
    if free is not None and need > free:
        log(f"warning: the model needs {human_bytes(need)} ({vocab_size:,} words x --dim "
            f"{config.dim}) and {human_bytes(free)} of memory is available: training may swap "
            "or fail. Lower --dim or --max-vocab.")


def _trained(state, tree, config, started):
    summary, model = state.summary, state.model
    summary.seconds = time.perf_counter() - started
    summary.peak_rss = peak_rss_bytes()
    own, buckets = subwords.split(model.syn0, len(state.vocab))
    return Trained(state.vocab, own, model.syn1neg, config, summary,
                   syn1=model.syn1 if config.hs else None, tree=tree if config.hs else None,
                   buckets=buckets)


def _run_epochs(run, state):
    """The epoch loop, from ``state.position`` to the end, on the run's device; updates
    the position and the summary. Returns the Huffman tree (an empty one without --hs).

    Under mpiexec each process walks its own id cache; the learning rate follows the
    process's share of its words done, which is the global progress since the processes
    advance in step between the syncs."""
    config, counts = run.config, state.vocab.counts
    keep = vocabulary.keep_probabilities(counts, config.sample)
    tree = objectives.tree_for(counts, config)
    tables = Tables(state.noise, tree, keep, subwords.rows_for(state.vocab.words, config))
    with devices.start(config, state.model, tables, state.states, run.log,
                       run.device_tuning) as device:
        _Epochs(run, state, device).train()
    if not all(np.isfinite(m).all() for m in state.model):
        raise DivergenceError("training diverged (a vector is not finite). "
                              f"{divergence_advice(config)}")
    return tree


class _Epochs:
    """What is left of a run's epochs on one device, batch by batch."""

    def __init__(self, run, state, device):
        config = run.config
        self.run, self.state, self.device, self.config = run, state, device, config
        self.strategy = objectives.strategy_of(config)
        self.base = self.strategy.weights(state.vocab.counts, config)
        self.schedule = (schedules.TimeSchedule(config, state.cache.words, state.plan)
                         if state.plan else schedules.WordSchedule(config, state.cache.words))
        self.shown = state.summary.corpus_words / max(state.cache.words, 1)  # global per local
        self.saver = (ckpt.Saver(state.checkpoint_dir, run.checkpoint_every or 0.0, state.meta,
                                 state, device, run.log,
                                 lambda: self.schedule.checkpoint_meta(state.position.done))
                      if state.checkpoint_dir else None)
        self.progress = run_progress(run, state.summary.corpus_words, self.schedule.epochs,
                                     round(state.position.done * self.shown))
        self.started = self.last_save = time.perf_counter()
        self.sync = distributed.Syncs(run.cluster, config, state, self.schedule.total) \
            if run.cluster else None

    def train(self):
        position, stop = self.state.position, self.run.stop
        at_start = position.counts  # a resumed run counts what it does itself
        if self.sync:
            self.sync.start()
        stop.deferred = True
        self.schedule.start()
        try:
            while not self.schedule.finished(position):
                self._epoch()
            if self.sync:
                self.sync.finish(stop, self.saver)
        finally:
            stop.deferred = False
            self.progress.close()
        self.device.copy_back()
        self._summarise(position.counts - at_start)

    def _epoch(self):
        cache, position = self.state.cache, self.state.position
        batch_items = self.device.batch_items
        if self.sync:
            batch_items = self.sync.cap(batch_items, cache.items)
        batches = idcache.iter_batches(cache, batch_items, start=position.offset)
        for batch, upcoming in with_upcoming(batches, self.device.reads_ahead):
            self._batch(batch, upcoming)
            self._between_batches()
            if self.schedule.out_of_time and batch.end < cache.items:
                return  # the deadline, in the middle of the epoch
        position.end_epoch()
        if self.run.callbacks:
            notify(self.run.callbacks, "on_epoch_end",
                   self._status(position.epoch, position.epoch_loss[-1]))

    def _batch(self, batch, upcoming):
        config, position, strategy = self.config, self.state.position, self.strategy
        words = len(batch.ids) - int(np.count_nonzero(batch.ids == idcache.EOS))
        started = time.perf_counter()
        a0, a1 = self.schedule.rates(position.done, words)
        if strategy.refresh is not None:
            rebuild_start = time.perf_counter()
            strategy.refresh(self.state.noise, self.base)
            self.state.summary.noise_seconds += time.perf_counter() - rebuild_start
        pool = strategy.pool.at(config, self.schedule.progress(position.done))
        params = objectives.params_for(config, pool)
        counted = dataclasses.replace(self.device.train(batch, params, a0, a1, upcoming),
                                      words=words)
        self.schedule.record(words, time.perf_counter() - started)
        if not np.isfinite(counted.loss):
            raise DivergenceError(f"training diverged in epoch {position.epoch + 1} (the loss "
                                  f"is not finite). {divergence_advice(config)}")
        position.advance(counted, batch.end)
        self.progress.update(round(words * self.shown), position.epoch + 1, a1, counted.mean_loss)
        if self.run.callbacks:
            notify(self.run.callbacks, "on_batch",
                   self._status(position.epoch + 1, position.epoch_counts.mean_loss, a1))

    def _status(self, epoch, loss, alpha=None):
        position = self.state.position
        alpha = self.schedule.alpha(position.done) if alpha is None else alpha
        return Status(epoch=epoch, epochs=self.schedule.epochs,
                      words=round(position.done * self.shown),
                      seconds=time.perf_counter() - self.started, loss=loss, alpha=alpha)

    def _between_batches(self):
        """Syncs, stop requests and periodic checkpoints."""
        now, stop, saver = time.perf_counter(), self.run.stop, self.saver
        due = saver is not None and not self.schedule.out_of_time and saver.due(now, self.last_save)
        if self.sync:
            if self.sync.run(stop, due, saver):
                self.last_save = now
            return
        if stop.requested:
            interrupted = Interrupted(stop.requested, EXIT_SIGNAL[stop.requested])
            if saver is not None:
                saver.save()
                interrupted.checkpoint_dir = saver.directory
            raise interrupted
        if due:
            saver.save()
            self.last_save = now

    def _summarise(self, counted):
        summary, position, cluster = self.state.summary, self.state.position, self.run.cluster
        if cluster:
            counted = Counts.from_array(cluster.allreduce(counted.as_array()))
            summary.syncs, summary.comm_seconds = cluster.syncs, cluster.comm_seconds
        summary.counts = counted
        summary.epoch_loss = list(position.epoch_loss)
        summary.epochs_done = position.epoch
        summary.train_seconds = time.perf_counter() - self.started
        summary.kernel_seconds = self.device.kernel_seconds
        self.schedule.finish(summary, position, self.run.log)
        if self.device.times_kernels:
            self.run.log(kernel_time(summary))
        if self.strategy.refresh is not None:
            self.run.log(f"{self.strategy.name} noise: tables rebuilt in "
                         f"{summary.noise_seconds:.2f}s, "
                         f"{summary.noise_seconds / max(summary.train_seconds, 1e-9):.1%} "
                         "of training")


def with_upcoming(batches, ahead):
    """Each (ids, end) of ``idcache.iter_batches`` as a Batch, with the Batch after it when
    ``ahead`` (read before the first is trained; None after the last, and without
    ``ahead``)."""
    batches = (Batch(ids, end - len(ids), end) for ids, end in batches)
    if not ahead:
        yield from ((batch, None) for batch in batches)
        return
    current = next(batches, None)
    for upcoming in batches:
        yield current, upcoming
        current = upcoming
    if current is not None:
        yield current, None


def kernel_time(summary):
    """The log line of the kernels' own time (``n/a`` when the device could not time them)."""
    if summary.kernel_words_per_second is None:
        return "kernel time: n/a (the kernels were not timed on this device)"
    return (f"kernel time: {summary.kernel_seconds:.2f}s, "
            f"{summary.kernel_words_per_second / 1e6:,.2f}M words/s in the kernels alone")
