"""The reading pass of a run: the inputs checked and sniffed, scanned (tokenised and
counted), the vocabulary chosen (``vocab.from_scan``) and the corpus encoded into the id
cache the epochs read. ``estimate`` runs the same pass (``encode_corpus``)."""

import os
import time

from ..errors import CorpusError
from ..io import idcache
from ..io.corpus import check_sources, read_warnings, sniff_inputs
from ..io.parallel_scan import scan as scan_inputs
from ..logs import to_stderr
from . import checkpoint as ckpt
from . import distributed
from . import sequences
from . import vocab as vocabulary
from .progress import human_bytes
from .run import Summary


def check_inputs(sources, config):
    """Every input exists and looks like text; how each one is read (a corpus.Readings).
    Python data (``sequences``) is not checked here: it is read as it comes."""
    if sequences.in_memory(sources):
        return None
    check_sources(sources)
    return sniff_inputs(sources, config.encoding, config.binary_ok)


def cache_name(cluster):
    """The id cache's file name in a checkpoint directory: one per process under mpiexec."""
    return ckpt.CACHE_NAME if cluster is None else ckpt.rank_cache_name(cluster.rank)


def global_words(words, cluster):
    """Corpus words over every process of the run."""
    if cluster is None:
        return words
    import numpy as np

    return int(cluster.allreduce(np.array([words], dtype=np.int64))[0])


def encode(run, readings, given_vocab, workdir, started):
    """Scan this process's share of ``run.sources``, choose the vocabulary, encode the id
    cache (in the checkpoint directory, if any); returns (vocab, cache, Summary), the
    Summary handed to whoever follows the run."""
    config, cluster, log = run.config, run.cluster, run.log
    share = (distributed.shares(run.sources, cluster.rank, cluster.size, readings)
             if cluster and not sequences.in_memory(run.sources) else run.sources)
    scan = scan_corpus(share, config, workdir, log, readings, cluster)
    scanned = time.perf_counter()
    vocab, table = vocabulary.from_scan(scan, config, given_vocab, log, run.init_from, cluster)
    if run.save_vocab:
        vocabulary.save_vocab(vocab, run.save_vocab)
    cache = idcache.encode(scan.spool_path, scan.spooled, table,
                           os.path.join(run.checkpoint_dir or workdir, cache_name(cluster)),
                           config.max_sentence_length)
    idcache.remove(scan.spool_path)
    read_stats = scan.stats
    del scan, table  # the token table is not needed for training: free it first
    corpus_words = global_words(cache.words, cluster)
    if corpus_words == 0:
        raise CorpusError("no words left to train on after applying the vocabulary.")
    summary = Summary(vocab_size=len(vocab), corpus_words=corpus_words, read=read_stats,
                      scan_seconds=scanned - started,
                      encode_seconds=time.perf_counter() - scanned,
                      ranks=cluster.size if cluster else 1)
    run.announce(summary)
    log(f"encoded {corpus_words:,} words"
        + (f" over {cluster.size} processes" if cluster else
           f" in {cache.sentences:,} sentences")
        + f" (read and count {summary.scan_seconds:.1f}s, vocabulary and id cache "
        f"{summary.encode_seconds:.1f}s)")
    return vocab, cache, summary


def scan_corpus(sources, config, workdir, log, readings, cluster=None):
    """Tokenise and count ``sources`` into a spool file; logs what was read and warns
    about what was replaced, cut or pruned."""
    spool = os.path.join(workdir, "spool.bin")
    if sequences.in_memory(sources):
        scan = sources.scan(spool, config.prune_at, prefetch=config.threads > 1)
    else:
        scan = scan_inputs(sources, spool, config.prune_at, config.threads, readings)
    stats = scan.stats
    names = sequences.names_of(sources)
    if stats.tokens == 0 and cluster is None:
        names = ", ".join(f"'{s}'" if s != sequences.NAME else s for s in names)
        raise CorpusError(f"corpus {names} contains no words. Check that the input is a "
                          "non-empty text file.")
    share = f" (process 0's share of {cluster.size})" if cluster else ""
    log(f"read {stats.tokens:,} words, {scan.distinct:,} distinct, "
        f"{human_bytes(stats.bytes_read)} from "
        + (sequences.NAME if sequences.in_memory(sources) else f"{len(sources)} input(s)")
        + share)
    for warning in read_warnings(stats, config.encoding, config.prune_at):
        log(warning)
    return scan


def encode_corpus(sources, config, cache_path, workdir, log=to_stderr, readings=None):
    """The reading pass of ``train`` alone: scan, vocabulary, id cache at ``cache_path``.
    ``readings``: how the inputs are read (default: as ``train`` sniffs them).

    Returns (vocab, cache, read stats, bytes of the scan's word tables at their largest,
    distinct words seen).
    """
    check_sources(sources)
    readings = readings or sniff_inputs(sources, config.encoding, config.binary_ok)
    scan = scan_corpus(sources, config, workdir, log, readings)
    vocab, table = vocabulary.from_scan(scan, config, None, log)
    words = scan.words
    table_bytes = sum(a.nbytes for a in (words.slots, words.hashes, words.offsets,
                                         words.lengths, words.arena, scan.counts, table))
    cache = idcache.encode(scan.spool_path, scan.spooled, table, cache_path,
                           config.max_sentence_length)
    idcache.remove(scan.spool_path)
    if cache.words == 0:
        raise CorpusError("no words left to train on after applying the vocabulary.")
    return vocab, cache, scan.stats, table_bytes, scan.distinct
