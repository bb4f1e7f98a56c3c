"""Training orchestration: scan, vocabulary, id cache, the epoch loop, outputs.

All schedules, thread settings and progress live here in plain Python; the
arithmetic lives in ``kernels``.
"""

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

from . import idcache, vocab as vocabulary
from .atomic import check_writable
from .corpus import EOS_TEMP_ID, TokenScan, check_sources
from .errors import CorpusError, DivergenceError
from .progress import Progress, human_bytes, peak_rss_bytes

MODEL_CODES = {"sg": 0, "cbow": 1}


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
    read: object = None

    @property
    def words_per_second(self):
        return self.words_trained / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Trained:
    vocab: vocabulary.Vocab
    vectors: np.ndarray  # input vectors, the embeddings (syn0)
    context: np.ndarray  # output vectors (syn1neg)
    config: object
    summary: Summary


def learning_rate(progress, alpha, min_alpha):
    """Linear decay from alpha to min_alpha over global progress in [0, 1]."""
    return alpha - (alpha - min_alpha) * min(max(progress, 0.0), 1.0)


def _stderr(message):
    print(message, file=sys.stderr, flush=True)


def train(sources, config, *, read_vocab=None, save_vocab=None, quiet=False, bar=None,
          log=_stderr):
    """Train on ``sources`` (paths, URLs or '-') with a resolved TrainConfig."""
    check_sources(sources)
    started = time.perf_counter()
    workdir = tempfile.mkdtemp(prefix="w2vns-")
    try:
        scan = _scan(sources, config, workdir, log)
        scanned = time.perf_counter()
        vocab, table = _vocabulary(scan, config, read_vocab, log)
        if save_vocab:
            vocabulary.save_vocab(vocab, save_vocab)
        cache = idcache.encode(scan.spool_path, scan.spooled, table,
                               os.path.join(workdir, "ids.bin"), config.max_sentence_length)
        idcache.remove(scan.spool_path)
        if cache.words == 0:
            raise CorpusError("no words left to train on after applying the vocabulary.")
        summary = Summary(vocab_size=len(vocab), corpus_words=cache.words, read=scan.stats,
                          scan_seconds=scanned - started,
                          encode_seconds=time.perf_counter() - scanned)
        log(f"encoded {cache.words:,} words in {cache.sentences:,} sentences "
            f"(read and count {summary.scan_seconds:.1f}s, vocabulary and id cache "
            f"{summary.encode_seconds:.1f}s)")
        syn0, syn1neg = _train_epochs(cache, vocab, config, summary, quiet, bar, log)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    summary.peak_rss = peak_rss_bytes()
    return Trained(vocab, syn0, syn1neg, config, summary)


def _scan(sources, config, workdir, log):
    scan = TokenScan(os.path.join(workdir, "spool.bin"), config.prune_at).run(sources)
    stats = scan.stats
    if stats.tokens == 0:
        names = ", ".join(f"'{s}'" for s in sources)
        raise CorpusError(f"corpus {names} contains no words. Check that the input is a "
                          "non-empty text file.")
    log(f"read {stats.tokens:,} words, {len(scan.table) - 1:,} distinct, "
        f"{human_bytes(stats.bytes_read)} from {len(sources)} input(s)")
    if stats.invalid_utf8:
        log(f"warning: {stats.invalid_utf8:,} invalid UTF-8 sequence(s) replaced by U+FFFD")
    if stats.truncated_words:
        log(f"warning: {stats.truncated_words:,} word(s) longer than the limit were cut")
    if stats.prunes:
        log(f"warning: more than {config.prune_at:,} distinct words: pruned words seen "
            f"{stats.prune_min_count} time(s) or fewer while counting ({stats.prunes} prune(s)); "
            "rare-word counts are approximate. Raise --prune-at to avoid this.")
    return scan


def _vocabulary(scan, config, read_vocab, log):
    words, provisional, counts = scan.word_counts()
    table = idcache.remap_table(len(scan.counts), EOS_TEMP_ID)
    if read_vocab:
        file_words, file_counts = vocabulary.read_vocab(read_vocab)
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
    log(f"vocabulary: {len(vocab):,} words with count >= {config.min_count}"
        + (f" (capped at {config.max_vocab:,})" if config.max_vocab else "")
        + f", {vocab.total:,} tokens")
    return vocab, table


def _train_epochs(cache, vocab, config, summary, quiet, bar, log):
    import numba

    from . import kernels

    threads = config.threads
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    rng = np.random.default_rng(config.seed)
    dim = config.dim
    syn0 = ((rng.random((len(vocab), dim), dtype=np.float32) - np.float32(0.5))
            / np.float32(dim))
    syn1neg = np.zeros((len(vocab), dim), dtype=np.float32)
    keep = vocabulary.keep_probabilities(vocab.counts, config.sample)
    alias_prob, alias_index = vocabulary.alias_table(
        vocabulary.noise_weights(vocab.counts, config.ns_exponent))
    states = rng.integers(1, np.iinfo(np.int64).max, size=threads, dtype=np.int64).astype(
        np.uint64)
    loss_out = np.zeros(threads, dtype=np.float64)
    terms_out = np.zeros(threads, dtype=np.int64)
    kept_out = np.zeros(threads, dtype=np.int64)
    total = cache.words * config.epochs
    progress = Progress(cache.words, config.epochs, quiet=quiet, bar=bar)
    train_start = time.perf_counter()
    done = 0
    try:
        for epoch in range(1, config.epochs + 1):
            epoch_loss = epoch_terms = 0.0
            for batch in idcache.iter_batches(cache, threads * config.batch_words):
                words = len(batch) - int(np.count_nonzero(batch == idcache.EOS))
                a0 = learning_rate(done / total, config.alpha, config.min_alpha)
                a1 = learning_rate((done + words) / total, config.alpha, config.min_alpha)
                starts, ends = idcache.split_slices(batch, threads)
                kernels.train_chunk(batch, starts, ends, syn0, syn1neg, keep, alias_prob,
                                    alias_index, states, MODEL_CODES[config.model],
                                    config.window, config.negative, config.cbow_mean,
                                    config.max_sentence_length, a0, a1, loss_out, terms_out,
                                    kept_out)
                batch_loss, batch_terms = float(loss_out.sum()), int(terms_out.sum())
                if not np.isfinite(batch_loss):
                    raise DivergenceError(
                        f"training diverged in epoch {epoch} (the loss is not finite). "
                        f"Try a lower --alpha (now {config.alpha:g}).")
                epoch_loss += batch_loss
                epoch_terms += batch_terms
                summary.words_kept += int(kept_out.sum())
                done += words
                progress.update(words, epoch, a1, batch_loss / max(batch_terms, 1))
            summary.epoch_loss.append(epoch_loss / max(epoch_terms, 1))
    finally:
        progress.close()
    summary.words_trained = done
    summary.train_seconds = time.perf_counter() - train_start
    if not (np.isfinite(syn0).all() and np.isfinite(syn1neg).all()):
        raise DivergenceError("training diverged (a vector is not finite). "
                              f"Try a lower --alpha (now {config.alpha:g}).")
    return syn0, syn1neg


def describe(summary):
    """The final summary line."""
    return (f"trained {summary.words_trained:,} words ({summary.words_kept:,} after subsampling) "
            f"in {summary.seconds:.1f}s: {summary.words_per_second / 1e3:,.0f}k words/s, "
            f"peak memory {human_bytes(summary.peak_rss)}")


def train_to_files(sources, config, output, *, save_context=None, save_vocab=None,
                   read_vocab=None, quiet=False, bar=None, log=_stderr):
    """Train and write the vectors (and optionally the context vectors) atomically."""
    from . import w2vformat

    outputs = [p for p in (output, save_context, save_vocab) if p]
    for path in outputs:
        check_writable(path, "-o" if path == output else "--save-context"
                       if path == save_context else "--save-vocab")
    binary = w2vformat.is_binary(output, config.format)
    trained = train(sources, config, read_vocab=read_vocab, save_vocab=save_vocab, quiet=quiet,
                    bar=bar, log=log)
    w2vformat.write(output, trained.vocab.words, trained.vectors, binary)
    if save_context:
        w2vformat.write(save_context, trained.vocab.words, trained.context,
                        w2vformat.is_binary(save_context, config.format))
    log(describe(trained.summary))
    return trained
