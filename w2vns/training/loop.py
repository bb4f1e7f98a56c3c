"""Training orchestration: scan, vocabulary, id cache, the epoch loop, outputs.

All schedules, thread settings, progress, checkpoints and stop requests live here in
plain Python; the arithmetic lives in ``kernels``.
"""

import dataclasses
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

from . import checkpoint as ckpt
from . import model_file
from . import device
from ..io import idcache
from . import vocab as vocabulary
from ..io.atomic import check_writable
from .config import TrainConfig
from ..io.corpus import EOS_TEMP_ID, check_sources
from ..io.parallel_scan import scan as scan_inputs
from ..io.recode import normalize_encoding
from ..errors import (EXIT_SIGNAL, CorpusError, DivergenceError, InputError, Interrupted,
                      UsageError)
from ..kernels.bundles import TALLY_KEPT, TALLY_LOSS, TALLY_PAIRS, TALLY_POOL, TALLY_TERMS
from . import objective
from .progress import Progress, human_bytes, peak_rss_bytes

SECONDS_PER_MINUTE = 60.0


@dataclass
class Summary:
    vocab_size: int = 0
    corpus_words: int = 0
    words_trained: int = 0  # corpus words over all epochs, before subsampling
    words_kept: int = 0  # after subsampling
    seconds: float = 0.0
    scan_seconds: float = 0.0  # reading, tokenising and counting the inputs
    encode_seconds: float = 0.0  # writing the id cache
    train_seconds: float = 0.0
    peak_rss: int = 0
    epoch_loss: list = field(default_factory=list)
    epochs_done: int = 0
    positive_pairs: int = 0  # (centre, context) pairs inside the shrunk windows
    logistic_terms: int = 0  # sigmoids evaluated with an update: targets, noise, HS nodes
    pool_scores: int = 0  # candidates scored by the hard and dynamic strategies
    noise_seconds: float = 0.0  # rebuilding adaptive noise tables
    read: object = None

    @property
    def words_per_second(self):
        return self.words_trained / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Trained:
    vocab: vocabulary.Vocab
    vectors: np.ndarray  # input vectors, the embeddings (syn0)
    context: np.ndarray  # output vectors of negative sampling (syn1neg)
    config: object
    summary: Summary
    syn1: object = None  # hierarchical softmax inner-node vectors (with --hs)
    tree: object = None  # the Huffman tree, a kernels.bundles.Tree (with --hs)


def learning_rate(progress, alpha, min_alpha):
    """Linear decay from alpha to min_alpha over global progress in [0, 1]."""
    return alpha - (alpha - min_alpha) * min(max(progress, 0.0), 1.0)


def _stderr(message):
    print(message, file=sys.stderr, flush=True)


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
class Checkpointing:
    directory: str
    every_minutes: float
    meta: dict
    sync: object = None  # brings device arrays into the host arrays before a save


def train(sources, config, *, read_vocab=None, save_vocab=None, quiet=False, bar=None,
          log=_stderr, checkpoint_dir=None, checkpoint_every=None, stop=None, log_file=None,
          summary=None, extra_meta=None, init_from=None):
    """Train on ``sources`` (paths, URLs or '-') with a resolved TrainConfig.

    ``init_from`` (a model_file.SavedModel) continues a saved model: its vocabulary and
    counts are merged with the corpus's, known words start from their saved vectors.

    ``summary``: an optional callable given the run's Summary as soon as it exists
    (a report can then describe a run that fails later).
    """
    check_sources(sources)
    device.require(config)
    started = time.perf_counter()
    workdir = tempfile.mkdtemp(prefix="w2vns-")
    cache_dir = checkpoint_dir or workdir
    if checkpoint_dir:
        os.makedirs(checkpoint_dir, exist_ok=True)
    try:
        scan = _scan(sources, config, workdir, log)
        scanned = time.perf_counter()
        vocab, table = _vocabulary(scan, config, read_vocab, log, init_from)
        if save_vocab:
            vocabulary.save_vocab(vocab, save_vocab)
        cache = idcache.encode(scan.spool_path, scan.spooled, table,
                               os.path.join(cache_dir, ckpt.CACHE_NAME),
                               config.max_sentence_length)
        idcache.remove(scan.spool_path)
        read_stats = scan.stats
        del scan, table  # the token table is not needed for training: free it first
        if cache.words == 0:
            raise CorpusError("no words left to train on after applying the vocabulary.")
        run = Summary(vocab_size=len(vocab), corpus_words=cache.words, read=read_stats,
                      scan_seconds=scanned - started, encode_seconds=time.perf_counter() - scanned)
        if summary is not None:
            summary(run)
        summary = run
        log(f"encoded {cache.words:,} words in {cache.sentences:,} sentences "
            f"(read and count {summary.scan_seconds:.1f}s, vocabulary and id cache "
            f"{summary.encode_seconds:.1f}s)")
        model, states = initial_weights(len(vocab), config)
        if init_from is not None:
            known = model_file.carry_over(init_from, vocab, config, model, log)
            log(f"continuing '{init_from.path}': {known:,} known words start from their saved "
                f"vectors, {len(vocab) - known:,} new words")
        noise = objective.noise_for(vocab.counts, config)
        saver = None
        if checkpoint_dir:
            meta = dict(extra_meta or {}, config=dataclasses.asdict(config),
                        sources=list(sources), fingerprint=ckpt.fingerprint(sources),
                        cache=dict(items=cache.items, words=cache.words,
                                   sentences=cache.sentences))
            saver = Checkpointing(checkpoint_dir, checkpoint_every or 0.0, meta)
        position = ckpt.Position()
        tree = _run_epochs(cache, vocab, config, model, noise, states, position, summary, saver,
                           stop or StopControl(), quiet, bar, log, log_file)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return _trained(vocab, model, tree, config, summary, started)


def _trained(vocab, model, tree, config, summary, started):
    summary.seconds = time.perf_counter() - started
    summary.peak_rss = peak_rss_bytes()
    return Trained(vocab, model.syn0, model.syn1neg, config, summary,
                   syn1=model.syn1 if config.hs else None, tree=tree if config.hs else None)


def resume(checkpoint, *, quiet=False, bar=None, log=_stderr, checkpoint_every=None,
           stop=None, log_file=None, summary=None):
    """Continue the run saved in ``checkpoint`` (a checkpoint.Checkpoint) to its end."""
    started = time.perf_counter()
    meta = checkpoint.meta
    config = TrainConfig(**meta["config"])
    device.require(config)
    directory = os.path.dirname(checkpoint.path)
    cache = idcache.IdCache(os.path.join(directory, ckpt.CACHE_NAME), **meta["cache"])
    expected_bytes = cache.items * idcache.ITEM.itemsize
    if not os.path.isfile(cache.path) or os.path.getsize(cache.path) != expected_bytes:
        raise InputError(f"the encoded corpus '{cache.path}' is missing or damaged. "
                         "Start a new run without --resume.")
    vocab = vocabulary.Vocab(checkpoint.words, checkpoint.counts)
    position = checkpoint.position
    run = Summary(vocab_size=len(vocab), corpus_words=cache.words,
                  words_kept=position.words_kept)
    if summary is not None:
        summary(run)
    summary = run
    log(f"resuming from '{checkpoint.path}': epoch {position.epoch + 1}/{config.epochs}, "
        f"{position.done / (cache.words * config.epochs):.1%} done")
    model, states = checkpoint.model, checkpoint.rng
    noise = objective.noise_for(vocab.counts, config, stats=checkpoint.noise_stats)
    saver = Checkpointing(directory, checkpoint_every or 0.0, meta)
    tree = _run_epochs(cache, vocab, config, model, noise, states, position, summary, saver,
                       stop or StopControl(), quiet, bar, log, log_file)
    return _trained(vocab, model, tree, config, summary, started)


def initial_weights(vocab_size, config):
    """The initial model (see objective.initial_model) and one RNG state per thread."""
    rng = np.random.default_rng(config.seed)
    model = objective.initial_model(vocab_size, config, rng)
    states = rng.integers(1, np.iinfo(np.int64).max, size=config.threads,
                          dtype=np.int64).astype(np.uint64)
    return model, states


def _scan(sources, config, workdir, log):
    scan = scan_inputs(sources, os.path.join(workdir, "spool.bin"), config.prune_at,
                       config.threads, normalize_encoding(config.encoding))
    stats = scan.stats
    if stats.tokens == 0:
        names = ", ".join(f"'{s}'" for s in sources)
        raise CorpusError(f"corpus {names} contains no words. Check that the input is a "
                          "non-empty text file.")
    log(f"read {stats.tokens:,} words, {scan.distinct:,} distinct, "
        f"{human_bytes(stats.bytes_read)} from {len(sources)} input(s)")
    if stats.invalid_utf8:
        log(f"warning: {stats.invalid_utf8:,} invalid UTF-8 sequence(s) replaced by U+FFFD")
    if stats.undecodable:
        log(f"warning: {stats.undecodable:,} byte sequence(s) not valid {config.encoding} "
            "replaced by U+FFFD")
    if stats.truncated_words:
        log(f"warning: {stats.truncated_words:,} word(s) longer than the limit were cut")
    if stats.prunes:
        log(f"warning: more than {config.prune_at:,} distinct words: pruned words seen "
            f"{stats.prune_min_count} time(s) or fewer while counting ({stats.prunes} prune(s)); "
            "rare-word counts are approximate. Raise --prune-at to avoid this.")
    return scan


def _vocabulary(scan, config, read_vocab, log, init_from=None):
    words, provisional, counts, aliases = scan.word_counts()
    table = idcache.remap_table(len(scan.counts), EOS_TEMP_ID)
    if read_vocab or init_from is not None:
        file_words, file_counts = (vocabulary.read_vocab(read_vocab) if read_vocab else
                                   model_file.merged_counts(init_from, words, counts))
        vocab, kept = vocabulary.select(file_words, file_counts, np.arange(len(file_words)),
                                        config.min_count, config.max_vocab)
        position = {w: i for i, w in enumerate(vocab.words)}
        for word, pid in zip(words, provisional.tolist()):
            final = position.get(word)
            if final is not None:
                table[pid] = final
    else:
        vocab, kept = vocabulary.select(words, counts, provisional, config.min_count,
                                        config.max_vocab)
        table[provisional[kept]] = np.arange(len(kept), dtype=np.int32)
    for pid, canonical in aliases:  # different bytes, same word once decoded
        table[pid] = table[canonical]
    log(f"vocabulary: {len(vocab):,} words with count >= {config.min_count}"
        + (f" (capped at {config.max_vocab:,})" if config.max_vocab else "")
        + f", {vocab.total:,} tokens")
    return vocab, table


def _run_epochs(cache, vocab, config, model, noise, states, position, summary, saver, stop,
                quiet, bar, log, log_file):
    """The epoch loop, from ``position`` to the end; updates position and summary.

    Returns the Huffman tree (an empty one without --hs)."""
    import numba

    from ..kernels import cpu as kernels

    threads = config.threads
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    keep = vocabulary.keep_probabilities(vocab.counts, config.sample)
    tree = objective.tree_for(vocab.counts, config)
    base = objective.base_weights(vocab.counts, config)
    adaptive = config.ns_strategy == "adaptive"
    tallies = objective.new_tallies(threads)
    accel = device.start(config, model, noise, keep, states, log)
    if accel and saver:
        saver.sync = accel.copy_back  # checkpoints hold host arrays
    total = cache.words * config.epochs
    progress = Progress(cache.words, config.epochs, quiet=quiet, bar=bar, log_file=log_file,
                        done=position.done)
    train_start = last_save = time.perf_counter()
    words_at_start = position.done
    stop.deferred = True
    try:
        while position.epoch < config.epochs:
            epoch = position.epoch + 1
            loss_sum, term_sum = position.epoch_sums
            batch_items = accel.batch_items if accel else threads * config.batch_words
            for batch, end in idcache.iter_batches(cache, batch_items, start=position.offset):
                words = len(batch) - int(np.count_nonzero(batch == idcache.EOS))
                a0 = learning_rate(position.done / total, config.alpha, config.min_alpha)
                a1 = learning_rate((position.done + words) / total, config.alpha,
                                   config.min_alpha)
                if adaptive:
                    rebuild_start = time.perf_counter()
                    objective.refresh_adaptive(noise, base)
                    summary.noise_seconds += time.perf_counter() - rebuild_start
                params = objective.params_for(config,
                                              objective.pool_at(config, position.done / total))
                if accel:
                    accel.train_chunk(batch, a0, a1, tallies)
                else:
                    starts, ends = idcache.split_slices(batch, threads)
                    kernels.train_chunk(batch, starts, ends, model, noise, tree, keep, params,
                                        states, tallies, a0, a1)
                counted = tallies.sum(axis=0)
                batch_loss, batch_terms = float(counted[TALLY_LOSS]), int(counted[TALLY_TERMS])
                if not np.isfinite(batch_loss):
                    raise DivergenceError(
                        f"training diverged in epoch {epoch} (the loss is not finite). "
                        f"Try a lower --alpha (now {config.alpha:g}).")
                loss_sum += batch_loss
                term_sum += batch_terms
                position.offset = end
                position.done += words
                position.words_kept += int(counted[TALLY_KEPT])
                position.positive_pairs += int(counted[TALLY_PAIRS])
                position.logistic_terms += batch_terms
                position.pool_scores += int(counted[TALLY_POOL])
                position.epoch_sums = (loss_sum, term_sum)
                progress.update(words, epoch, a1, batch_loss / max(batch_terms, 1))
                now = time.perf_counter()
                if stop.requested:
                    _stop(stop.requested, saver, position, model, noise, states, vocab, log)
                if saver and saver.every_minutes and (
                        now - last_save >= saver.every_minutes * SECONDS_PER_MINUTE):
                    _save(saver, position, model, noise, states, vocab, log)
                    last_save = now
            position.epoch_loss.append(loss_sum / max(term_sum, 1))
            position.epoch += 1
            position.offset = 0
            position.epoch_sums = (0.0, 0)
    finally:
        stop.deferred = False
        progress.close()
    if accel:
        accel.copy_back()
    summary.words_trained = position.done - words_at_start
    summary.words_kept = position.words_kept
    summary.positive_pairs = position.positive_pairs
    summary.logistic_terms = position.logistic_terms
    summary.pool_scores = position.pool_scores
    summary.epoch_loss = list(position.epoch_loss)
    summary.epochs_done = position.epoch
    summary.train_seconds = time.perf_counter() - train_start
    if adaptive:
        log(f"adaptive noise: tables rebuilt in {summary.noise_seconds:.2f}s, "
            f"{summary.noise_seconds / max(summary.train_seconds, 1e-9):.1%} of training")
    if not all(np.isfinite(m).all() for m in model):
        raise DivergenceError("training diverged (a vector is not finite). "
                              f"Try a lower --alpha (now {config.alpha:g}).")
    return tree


def _save(saver, position, model, noise, states, vocab, log):
    if saver.sync:
        saver.sync()
    path = ckpt.save(saver.directory, position, saver.meta, model, states,
                     (noise.score_sum, noise.draw_count), vocab.words, vocab.counts)
    log(f"checkpoint written: {path}")
    return path


def _stop(signal_name, saver, position, model, noise, states, vocab, log):
    """Honour a stop request: checkpoint if asked to, then unwind."""
    interrupted = Interrupted(signal_name, EXIT_SIGNAL[signal_name])
    if saver is not None:
        _save(saver, position, model, noise, states, vocab, log)
        interrupted.checkpoint_dir = saver.directory
    raise interrupted


def describe(summary):
    """The final summary line."""
    return (f"trained {summary.words_trained:,} words ({summary.words_kept:,} after subsampling) "
            f"in {summary.seconds:.1f}s: {summary.words_per_second / 1e3:,.0f}k words/s, "
            f"peak memory {human_bytes(summary.peak_rss)}")


def train_to_files(sources, config, output, *, save_context=None, save_vocab=None,
                   read_vocab=None, quiet=False, bar=None, log=_stderr, checkpoint_dir=None,
                   checkpoint_every=None, resume_from=None, stop=None, log_file=None,
                   report=None, save_model=None, init_from=None):
    """Train (or resume) and write the vectors, and optionally the context vectors, atomically.

    With ``checkpoint_dir`` the id cache and checkpoints live there and are removed once
    the outputs are written; ``resume_from`` (a checkpoint.Checkpoint) continues a run.
    ``save_model``: also write the model file that ``init_from`` (a loaded
    model_file.SavedModel) continues.
    """
    from ..io import w2vformat

    if save_context and config.negative == 0:
        raise UsageError("--save-context writes the output vectors of negative sampling, and "
                         "--negative 0 has none. Drop --save-context or give --negative > 0.")
    for path, option in ((output, "-o"), (save_context, "--save-context"),
                         (save_vocab, "--save-vocab"), (save_model, "--save-model")):
        if path:
            check_writable(path, option)
    binary = w2vformat.is_binary(output, config.format)
    context_binary = w2vformat.is_binary(save_context, config.format) if save_context else None
    common = dict(quiet=quiet, bar=bar, log=log, checkpoint_every=checkpoint_every, stop=stop,
                  log_file=log_file)
    if resume_from is not None:
        checkpoint_dir = os.path.dirname(resume_from.path)
        trained = resume(resume_from, **common, summary=report and report.attach)
    else:
        outputs = dict(output=output, save_context=save_context, save_model=save_model)
        trained = train(sources, config, read_vocab=read_vocab, save_vocab=save_vocab,
                        checkpoint_dir=checkpoint_dir, **common,
                        summary=report and report.attach, extra_meta=dict(outputs=outputs),
                        init_from=init_from)
    w2vformat.write(output, trained.vocab.words, trained.vectors, binary)
    if save_context:
        w2vformat.write(save_context, trained.vocab.words, trained.context, context_binary)
    if save_model:
        model_file.save(save_model, trained.vocab.words, trained.vocab.counts,
                        dataclasses.asdict(trained.config), model_file.arrays_of(trained))
    if checkpoint_dir:
        ckpt.remove_all(checkpoint_dir)
    if report is not None:
        for path in (output, save_context, save_vocab, save_model):
            report.add_output(path)
    log(describe(trained.summary))
    return trained
