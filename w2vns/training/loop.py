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
from . import distributed
from ..io import idcache
from . import vocab as vocabulary
from ..io.atomic import check_writable
from .config import CBOW_ALPHA, SG_ALPHA, TrainConfig
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
    ranks: int = 1  # processes under mpiexec
    syncs: int = 0  # model synchronisations between them
    comm_seconds: float = 0.0  # waiting for and exchanging with the other processes

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


class _Discard:
    """A text stream that drops what is written (progress of the other processes)."""

    def write(self, text):
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


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
          summary=None, extra_meta=None, init_from=None, cluster=None):
    """Train on ``sources`` (paths, URLs or '-') with a resolved TrainConfig.

    ``cluster`` (a distributed.Cluster, under mpiexec): this process reads only its share
    of ``sources``; counts are merged so that every process has the same vocabulary, and
    the models are synchronised every ``config.sync_words`` words: every process's changes
    since the last sync are added up.

    ``init_from`` (a model_file.SavedModel) continues a saved model: its vocabulary and
    counts are merged with the corpus's, known words start from their saved vectors.

    ``summary``: an optional callable given the run's Summary as soon as it exists
    (a report can then describe a run that fails later).
    """
    check_sources(sources)
    device.require(config)
    _check_cluster(config, cluster)
    started = time.perf_counter()
    workdir = tempfile.mkdtemp(prefix="w2vns-")
    cache_dir = checkpoint_dir or workdir
    if checkpoint_dir:
        os.makedirs(checkpoint_dir, exist_ok=True)
    try:
        share = distributed.shares(sources, cluster.rank, cluster.size) if cluster else sources
        scan = _scan(share, config, workdir, log, cluster)
        scanned = time.perf_counter()
        vocab, table = _vocabulary(scan, config, read_vocab, log, init_from, cluster)
        if save_vocab:
            vocabulary.save_vocab(vocab, save_vocab)
        cache = idcache.encode(scan.spool_path, scan.spooled, table,
                               os.path.join(cache_dir, cache_name(cluster)),
                               config.max_sentence_length)
        idcache.remove(scan.spool_path)
        read_stats = scan.stats
        del scan, table  # the token table is not needed for training: free it first
        corpus_words = _global_words(cache.words, cluster)
        if corpus_words == 0:
            raise CorpusError("no words left to train on after applying the vocabulary.")
        run = Summary(vocab_size=len(vocab), corpus_words=corpus_words, read=read_stats,
                      scan_seconds=scanned - started, encode_seconds=time.perf_counter() - scanned,
                      ranks=cluster.size if cluster else 1)
        if summary is not None:
            summary(run)
        summary = run
        log(f"encoded {corpus_words:,} words"
            + (f" over {cluster.size} processes" if cluster else
               f" in {cache.sentences:,} sentences")
            + f" (read and count {summary.scan_seconds:.1f}s, vocabulary and id cache "
            f"{summary.encode_seconds:.1f}s)")
        model, states = initial_weights(len(vocab), config, cluster)
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
            if cluster:
                meta["ranks"] = cluster.size
            saver = Checkpointing(checkpoint_dir, checkpoint_every or 0.0, meta)
        position = ckpt.Position()
        tree = _run_epochs(cache, vocab, config, model, noise, states, position, summary, saver,
                           stop or StopControl(), quiet, bar, log, log_file, cluster)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return _trained(vocab, model, tree, config, summary, started)


def _trained(vocab, model, tree, config, summary, started):
    summary.seconds = time.perf_counter() - started
    summary.peak_rss = peak_rss_bytes()
    return Trained(vocab, model.syn0, model.syn1neg, config, summary,
                   syn1=model.syn1 if config.hs else None, tree=tree if config.hs else None)


def resume(checkpoint, *, quiet=False, bar=None, log=_stderr, checkpoint_every=None,
           stop=None, log_file=None, summary=None, cluster=None):
    """Continue the run saved in ``checkpoint`` (a checkpoint.Checkpoint) to its end."""
    started = time.perf_counter()
    meta = checkpoint.meta
    config = TrainConfig(**meta["config"])
    device.require(config)
    _check_cluster(config, cluster)
    directory = os.path.dirname(checkpoint.path)
    position, states, cache_meta = _rank_state(checkpoint, cluster)
    cache = idcache.IdCache(os.path.join(directory, cache_name(cluster)), **cache_meta)
    expected_bytes = cache.items * idcache.ITEM.itemsize
    if not os.path.isfile(cache.path) or os.path.getsize(cache.path) != expected_bytes:
        raise InputError(f"the encoded corpus '{cache.path}' is missing or damaged. "
                         "Start a new run without --resume.")
    vocab = vocabulary.Vocab(checkpoint.words, checkpoint.counts)
    run = Summary(vocab_size=len(vocab), corpus_words=_global_words(cache.words, cluster),
                  words_kept=position.words_kept, ranks=cluster.size if cluster else 1)
    if summary is not None:
        summary(run)
    summary = run
    log(f"resuming from '{checkpoint.path}': epoch {position.epoch + 1}/{config.epochs}, "
        f"{position.done / max(cache.words * config.epochs, 1):.1%} done")
    model = checkpoint.model
    noise = objective.noise_for(vocab.counts, config, stats=checkpoint.noise_stats)
    saver = Checkpointing(directory, checkpoint_every or 0.0, dict(meta, cache=cache_meta))
    tree = _run_epochs(cache, vocab, config, model, noise, states, position, summary, saver,
                       stop or StopControl(), quiet, bar, log, log_file, cluster)
    return _trained(vocab, model, tree, config, summary, started)


def initial_weights(vocab_size, config, cluster=None):
    """The initial model (see objective.initial_model) and one RNG state per thread.

    Under mpiexec every process starts from the same model with its own RNG states."""
    rng = np.random.default_rng(config.seed)
    model = objective.initial_model(vocab_size, config, rng)
    if cluster is not None:
        rng = np.random.default_rng([config.seed, cluster.rank])
    states = rng.integers(1, np.iinfo(np.int64).max, size=config.threads,
                          dtype=np.int64).astype(np.uint64)
    return model, states


def cache_name(cluster):
    """The id cache's file name in a checkpoint directory: one per process under mpiexec."""
    return ckpt.CACHE_NAME if cluster is None else ckpt.rank_cache_name(cluster.rank)


def _check_cluster(config, cluster):
    if cluster is not None and config.device != "cpu":
        raise UsageError(f"--device {config.device} cannot be used under mpiexec: "
                         "distributed training runs on CPUs. Drop --device or mpiexec.")


def _global_words(words, cluster):
    if cluster is None:
        return words
    return int(cluster.allreduce(np.array([words], dtype=np.int64))[0])


def _rank_state(checkpoint, cluster):
    """This process's position, RNG states and id cache description in a checkpoint."""
    meta = checkpoint.meta
    ranks = meta.get("ranks", 1)
    size = cluster.size if cluster else 1
    if ranks != size:
        directory = os.path.dirname(checkpoint.path)
        raise UsageError(f"the checkpoint in '{directory}' was written by {ranks} process(es) "
                         f"and this run has {size}. Resume it "
                         + (f"with: mpiexec -n {ranks} w2vns train --resume {directory}"
                            if ranks > 1 else f"without mpiexec: w2vns train --resume {directory}"))
    if cluster is None:
        return checkpoint.position, checkpoint.rng, meta["cache"]
    shared = meta["shared"][cluster.rank]
    states = checkpoint.rng.reshape(cluster.size, -1)[cluster.rank].copy()
    position = dict(shared["position"], epoch_sums=tuple(shared["position"]["epoch_sums"]))
    return ckpt.Position(**position), states, shared["cache"]


def _scan(sources, config, workdir, log, cluster=None):
    scan = scan_inputs(sources, os.path.join(workdir, "spool.bin"), config.prune_at,
                       config.threads, normalize_encoding(config.encoding))
    stats = scan.stats
    if stats.tokens == 0 and cluster is None:
        names = ", ".join(f"'{s}'" for s in sources)
        raise CorpusError(f"corpus {names} contains no words. Check that the input is a "
                          "non-empty text file.")
    share = f" (process 0's share of {cluster.size})" if cluster else ""
    log(f"read {stats.tokens:,} words, {scan.distinct:,} distinct, "
        f"{human_bytes(stats.bytes_read)} from {len(sources)} input(s){share}")
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


def _vocabulary(scan, config, read_vocab, log, init_from=None, cluster=None):
    words, provisional, counts, aliases = scan.word_counts()
    table = idcache.remap_table(len(scan.counts), EOS_TEMP_ID)
    if read_vocab or init_from is not None or cluster is not None:
        seen_words, seen_counts = words, counts
        if cluster is not None and not read_vocab:
            seen_words, seen_counts = distributed.merge_counts(cluster, words, counts)
            if not seen_words:
                raise CorpusError("the corpus contains no words. Check that the inputs are "
                                  "non-empty text files.")
        file_words, file_counts = (vocabulary.read_vocab(read_vocab) if read_vocab else
                                   model_file.merged_counts(init_from, seen_words, seen_counts)
                                   if init_from is not None else (seen_words, seen_counts))
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
                quiet, bar, log, log_file, cluster=None):
    """The epoch loop, from ``position`` to the end; updates position and summary.

    Under mpiexec (``cluster``) each process walks its own id cache; the learning rate
    follows the process's share of its words done, which is the global progress since
    the processes advance in step between the syncs.

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
    total = max(cache.words * config.epochs, 1)
    shown = summary.corpus_words / max(cache.words, 1)  # global words per local word
    silent = cluster is not None and not cluster.is_root  # the first process shows progress
    progress = Progress(summary.corpus_words, config.epochs, quiet=quiet or silent,
                        bar=bar and not silent, log_file=log_file,
                        done=round(position.done * shown),
                        stream=_Discard() if silent else None)
    train_start = last_save = time.perf_counter()
    words_at_start = position.done
    sync = _Syncs(cluster, summary.corpus_words, config, total, position) if cluster else None
    if sync:
        sync.start(model)
    stop.deferred = True
    try:
        while position.epoch < config.epochs:
            epoch = position.epoch + 1
            loss_sum, term_sum = position.epoch_sums
            batch_items = accel.batch_items if accel else threads * config.batch_words
            if sync:
                batch_items = sync.cap(batch_items, cache.items)
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
                        f"{divergence_advice(config)}")
                loss_sum += batch_loss
                term_sum += batch_terms
                position.offset = end
                position.done += words
                position.words_kept += int(counted[TALLY_KEPT])
                position.positive_pairs += int(counted[TALLY_PAIRS])
                position.logistic_terms += batch_terms
                position.pool_scores += int(counted[TALLY_POOL])
                position.epoch_sums = (loss_sum, term_sum)
                progress.update(round(words * shown), epoch, a1, batch_loss / max(batch_terms, 1))
                now = time.perf_counter()
                if sync:
                    due = bool(saver and saver.every_minutes and (
                        now - last_save >= saver.every_minutes * SECONDS_PER_MINUTE))
                    if sync.run(position, model, stop, due, states, saver, noise, vocab, log):
                        last_save = now
                    continue
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
        if sync:
            sync.finish(position, model, stop, states, saver, noise, vocab, log)
    finally:
        stop.deferred = False
        progress.close()
    if accel:
        accel.copy_back()
    counted = np.array([position.done - words_at_start, position.words_kept,
                        position.positive_pairs, position.logistic_terms, position.pool_scores],
                       dtype=np.int64)
    if cluster:
        cluster.allreduce(counted)
        summary.syncs, summary.comm_seconds = cluster.syncs, cluster.comm_seconds
    (summary.words_trained, summary.words_kept, summary.positive_pairs, summary.logistic_terms,
     summary.pool_scores) = (int(n) for n in counted)
    summary.epoch_loss = list(position.epoch_loss)
    summary.epochs_done = position.epoch
    summary.train_seconds = time.perf_counter() - train_start
    if adaptive:
        log(f"adaptive noise: tables rebuilt in {summary.noise_seconds:.2f}s, "
            f"{summary.noise_seconds / max(summary.train_seconds, 1e-9):.1%} of training")
    if not all(np.isfinite(m).all() for m in model):
        raise DivergenceError("training diverged (a vector is not finite). "
                              f"{divergence_advice(config)}")
    return tree


def divergence_advice(config):
    """What to change after a divergence: --alpha only when it is above its default."""
    default = CBOW_ALPHA if config.model == "cbow" else SG_ALPHA
    if config.alpha > default:
        return f"Try a lower --alpha (now {config.alpha:g}, default {default:g})."
    if config.model == "cbow" and not config.cbow_mean:
        return (f"--cbow-sum adds up the vectors of windows of up to {2 * config.window} "
                "words: try --cbow-mean, or a lower --alpha.")
    return (f"--alpha {config.alpha:g} is not above its default ({default:g}), so this "
            "should not happen: please report the command; a lower --alpha may get around it.")


def _save(saver, position, model, noise, states, vocab, log):
    if saver.sync:
        saver.sync()
    path = ckpt.save(saver.directory, position, saver.meta, model, states,
                     (noise.score_sum, noise.draw_count), vocab.words, vocab.counts)
    log(f"checkpoint written: {path}")
    return path


class _Syncs:
    """When and how the processes of a distributed run synchronise their models.

    The run is cut into ``points`` intervals of about ``--sync-words`` words over all
    processes; each process syncs when its own share reaches the next interval, so all
    take part in the same number of syncs whatever the sizes of their shares. At a sync
    the changes every process made since the previous one are added up (an allreduce).
    Stop requests and checkpoint times are agreed on at each sync."""

    def __init__(self, cluster, global_words, config, total, position):
        self.cluster = cluster
        self.total = total
        self.points = distributed.sync_points(global_words, config.epochs, config.sync_words)
        self.epochs = config.epochs
        self.done = position.syncs
        self.bases = None  # the model as of the last combination

    def start(self, model):
        self.bases = [np.array(m) for m in model]

    def cap(self, batch_items, cache_items):
        """Batches no longer than one interval, so a batch crosses at most one sync."""
        per_interval = cache_items * self.epochs // self.points
        return max(1, min(batch_items, per_interval))

    def _reached(self, position):
        return min(position.done * self.points // self.total, self.points)

    def run(self, position, model, stop, save_due, states, saver, noise, vocab, log):
        """Sync as many times as this process's progress asks; True if it saved."""
        saved = False
        while self.done < self._reached(position):
            saved |= self._once(position, model, stop, save_due, states, saver, noise, vocab,
                                log)
        return saved

    def finish(self, position, model, stop, states, saver, noise, vocab, log):
        """The syncs still due at the end (the last one makes the final model)."""
        while self.done < self.points:
            self._once(position, model, stop, False, states, saver, noise, vocab, log)

    def _once(self, position, model, stop, save_due, states, saver, noise, vocab, log):
        cluster = self.cluster
        stopping, saving, _ = cluster.status(stop.requested is not None, save_due, position.done)
        cluster.combine(model, self.bases)
        self.done += 1
        position.syncs = self.done
        if (stopping or saving) and saver:
            self._save(position, states, saver, model, noise, vocab, log)
        if stopping:
            interrupted = Interrupted(stop.requested or "SIGTERM",
                                      EXIT_SIGNAL[stop.requested or "SIGTERM"])
            interrupted.checkpoint_dir = saver.directory if saver else None
            interrupted.processes = cluster.size
            raise interrupted
        return saving

    def _save(self, position, states, saver, model, noise, vocab, log):
        """The first process writes the synchronised model with every process's position."""
        shared = self.cluster.allgather(dict(position=_position_dict(position),
                                             states=states, cache=saver.meta["cache"]))
        if not self.cluster.is_root:
            return
        meta = dict(saver.meta, shared=[dict(position=s["position"], cache=s["cache"])
                                        for s in shared])
        all_states = np.concatenate([s["states"] for s in shared])
        _save(Checkpointing(saver.directory, saver.every_minutes, meta, saver.sync), position,
              model, noise, all_states, vocab, log)


def _position_dict(position):
    return dict(position.__dict__, epoch_sums=list(position.epoch_sums),
                epoch_loss=list(position.epoch_loss))


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
                   report=None, save_model=None, init_from=None, cluster=None):
    """Train (or resume) and write the vectors, and optionally the context vectors, atomically.

    With ``checkpoint_dir`` the id cache and checkpoints live there and are removed once
    the outputs are written; ``resume_from`` (a checkpoint.Checkpoint) continues a run.
    ``save_model``: also write the model file that ``init_from`` (a loaded
    model_file.SavedModel) continues. Under mpiexec (``cluster``) every process trains
    and only the first one writes the outputs, checkpoints and report.
    """
    from ..io import w2vformat

    if save_context and config.negative == 0:
        raise UsageError("--save-context writes the output vectors of negative sampling, and "
                         "--negative 0 has none. Drop --save-context or give --negative > 0.")
    writer = cluster is None or cluster.is_root
    if not writer:
        output = save_context = save_vocab = save_model = None
    for path, option in ((output, "-o"), (save_context, "--save-context"),
                         (save_vocab, "--save-vocab"), (save_model, "--save-model")):
        if path:
            check_writable(path, option)
    binary = w2vformat.is_binary(output, config.format) if output else None
    context_binary = w2vformat.is_binary(save_context, config.format) if save_context else None
    common = dict(quiet=quiet, bar=bar, log=log, checkpoint_every=checkpoint_every, stop=stop,
                  log_file=log_file)
    if resume_from is not None:
        checkpoint_dir = os.path.dirname(resume_from.path)
        trained = resume(resume_from, **common, summary=report and report.attach,
                         cluster=cluster)
    else:
        outputs = dict(output=output, save_context=save_context, save_model=save_model)
        trained = train(sources, config, read_vocab=read_vocab, save_vocab=save_vocab,
                        checkpoint_dir=checkpoint_dir, **common,
                        summary=report and report.attach, extra_meta=dict(outputs=outputs),
                        init_from=init_from, cluster=cluster)
    if not writer:
        if checkpoint_dir:
            ckpt.remove_cache(checkpoint_dir, cache_name(cluster))
        return trained
    w2vformat.write(output, trained.vocab.words, trained.vectors, binary)
    if save_context:
        w2vformat.write(save_context, trained.vocab.words, trained.context, context_binary)
    if save_model:
        model_file.save(save_model, trained.vocab.words, trained.vocab.counts,
                        dataclasses.asdict(trained.config), model_file.arrays_of(trained))
    if checkpoint_dir:
        ckpt.remove_all(checkpoint_dir)
        ckpt.remove_cache(checkpoint_dir, cache_name(cluster))
    if report is not None:
        for path in (output, save_context, save_vocab, save_model):
            report.add_output(path)
    log(describe(trained.summary))
    return trained


def train_cache(cache, vocab, config, log=_stderr):
    """Train a fresh model on an already encoded corpus (an idcache.IdCache) for
    ``config.epochs``, without checkpoints or progress bar; returns the Summary
    (``train_seconds`` is the epoch loop alone). The estimate's calibration runs this."""
    started = time.perf_counter()
    model, states = initial_weights(len(vocab), config)
    noise = objective.noise_for(vocab.counts, config)
    summary = Summary(vocab_size=len(vocab), corpus_words=cache.words)
    _run_epochs(cache, vocab, config, model, noise, states, ckpt.Position(), summary, None,
                StopControl(), True, False, log, None)
    summary.seconds = time.perf_counter() - started
    return summary


def encode_corpus(sources, config, cache_path, workdir, log=_stderr):
    """The reading pass of ``train`` alone: scan, vocabulary, id cache at ``cache_path``.

    Returns (vocab, cache, read stats, bytes of the scan's word tables at their largest,
    distinct words seen).
    """
    check_sources(sources)
    scan = _scan(sources, config, workdir, log)
    vocab, table = _vocabulary(scan, config, None, log)
    words = scan.words
    table_bytes = sum(a.nbytes for a in (words.slots, words.hashes, words.offsets,
                                         words.lengths, words.arena, scan.counts, table))
    cache = idcache.encode(scan.spool_path, scan.spooled, table, cache_path,
                           config.max_sentence_length)
    idcache.remove(scan.spool_path)
    if cache.words == 0:
        raise CorpusError("no words left to train on after applying the vocabulary.")
    return vocab, cache, scan.stats, table_bytes, scan.distinct
