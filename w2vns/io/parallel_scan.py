"""Reading the inputs with several threads, with exactly the result of one thread.

``scan`` picks how to read:

* one thread (``--threads 1``): ``corpus.TokenScan`` reads and tokenises block after block;
* plain local files (every input): each file is cut at whitespace into byte ranges
  (``ranges``); the threads take ranges in input order, each tokenising into its own word
  table, counts and spool file (the tokeniser releases the GIL). The tables are then merged
  in input order, so a word's provisional id is the rank of its first occurrence in the
  whole input, as one thread assigns it; the spooled ids are rewritten in input order;
* local files, some compressed (``StreamScan``): one thread reads, decompresses and cuts
  the inputs into blocks, in order; ``threads`` threads take the blocks as they come, each
  tokenising into its own table, counts and spool, and the shares are merged by block
  order exactly as the ranges are;
* anything else (a URL, stdin, an input decoded from another encoding than UTF-8, by
  ``--encoding`` or by its byte order mark): one thread reads, decompresses and cuts
  blocks while another tokenises them, a few blocks apart (``prefetch``): the one-thread
  scan, block for block.

Vocabulary, counts, the id stream with its sentence ends and the read statistics are
identical in all three cases: ranges start just after a whitespace byte, so no token is
split, no sentence end is added (only the last range of an input ends a sentence) and
nothing counted depends on where a range or block starts.

Pruning (``--prune-at``) depends on the order words arrive in, so the ranges (or blocks)
are read in parallel only while all threads' tables together hold at most ``prune_at``
words: then the one-thread scan would not have pruned either. Beyond that, the threads
stop and the inputs are read again by the pipelined scan, which prunes exactly as one
thread does (which is why the stream is used only for inputs that can be read again).

Memory: each thread holds one block (``BLOCK_BYTES``) and its copies (the stream, at most
``PREFETCH_BLOCKS`` more waiting); the tables hold at most ``prune_at`` words together
(plus the new words of one block per thread); the merge holds the merged table and
``MERGE_CHUNK`` ids. On disk the ids are held twice while the
thread spools are merged into the final spool.
"""

import contextlib
import os
import queue
import threading
from dataclasses import dataclass

import numpy as np

from ..errors import CorpusError
from .corpus import (BLOCK_BYTES, EOS_TEMP_ID, PREFETCH_BLOCKS, Readings, ReadStats,
                     TokenScan, input_pieces, is_url, read_pieces)
from .prefetch import Prefetched
from .ranges import ByteRange, RangeReader, split, splittable
from .tokenizer import WordTable, add_counts, remap

MIN_RANGE_BYTES = 4 * BLOCK_BYTES  # a file is cut into ranges of at least this size
MERGE_CHUNK = 1 << 20  # ids per step when the thread spools are merged
SPOOL_ITEM = np.dtype(np.int32)
_WAIT_SECONDS = 0.1  # the main thread wakes this often (signals are handled there)
_INITIAL_COUNTS = 1 << 16
_ADDED_STATS = ("bytes_read", "sentences", "invalid_utf8", "truncated_words")


def scan(sources, spool_path, prune_at, threads=1, readings=None, block_bytes=BLOCK_BYTES,
         min_range_bytes=MIN_RANGE_BYTES):
    """Read ``sources`` once with ``threads`` threads; a finished corpus.TokenScan.
    ``readings``: how the inputs are read (a corpus.Readings; default: UTF-8, not sniffed)."""
    readings = readings or Readings()
    done = None
    as_bytes = not any(readings.recoded(s) for s in sources)
    if threads > 1 and as_bytes and all(splittable(s) for s in sources):
        done = ParallelScan(spool_path, prune_at, threads, min_range_bytes).run(
            sources, block_bytes, readings)
    elif threads > 1 and as_bytes and all(readable_again(s) for s in sources):
        done = StreamScan(spool_path, prune_at, threads).run(sources, block_bytes, readings)
    if done is not None:
        return done
    return TokenScan(spool_path, prune_at, readings).run(sources, block_bytes,
                                                         prefetch=threads > 1)


def readable_again(source):
    """Whether ``source`` is a local file (compressed or not): one that can be read twice."""
    return (isinstance(source, str) and source != "-" and not is_url(source)
            and os.path.isfile(source))


@dataclass(frozen=True)
class Unit:
    """One byte range of an input; the last range of an input ends a sentence."""

    source: str
    range: ByteRange
    last: bool


def units_of(sources, parts, min_range_bytes, readings=None):
    """The ranges of all inputs in order: each file in at most ``parts`` ranges of at least
    ``min_range_bytes`` (a smaller file is one range), after the bytes its Reading skips."""
    readings = readings or Readings()
    units = []
    for source in sources:
        skip = readings.of(source).skip
        size = os.path.getsize(source) - skip
        ranges = split(source, max(1, min(parts, size // max(min_range_bytes, 1))), skip)
        units += [Unit(source, r, i == len(ranges) - 1) for i, r in enumerate(ranges)]
    return units


def in_threads(work, items, stop):
    """Run ``work(item)`` for every item, each in its own thread, and wait for all. The
    first error raised in a thread sets ``stop`` (the others are expected to end soon) and
    is raised here, as is a signal that arrives while waiting."""
    errors = []

    def guarded(item):
        try:
            work(item)
        except BaseException as exc:  # raised again in the calling thread
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=guarded, args=(item,), daemon=True,
                                name=f"w2vns-read-{k}") for k, item in enumerate(items)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(_WAIT_SECONDS)
    except BaseException:  # a signal: the threads stop after their current block
        stop.set()
        for thread in threads:
            thread.join()
        raise
    if errors:
        raise errors[0]


def _grown_counts(counts, ids_assigned):
    if ids_assigned <= len(counts):
        return counts
    grown = np.zeros(max(ids_assigned, 2 * len(counts)), dtype=np.int64)
    grown[: len(counts)] = counts
    return grown


class Share:
    """One thread's part: its word table, counts, spool, statistics, and per range read
    (range index, first and end of the ids it introduced, spool offset, ids spooled)."""

    def __init__(self, spool_path):
        self.words = WordTable()
        self.counts = np.zeros(_INITIAL_COUNTS, dtype=np.int64)
        self.stats = ReadStats()
        self.spool_path = spool_path
        self.spooled = 0
        self.done = []

    def read(self, index, unit, spool, block_bytes, stopped):
        """Tokenise one range; False if ``stopped()`` said to stop before its end."""
        first, offset = self.words.ids_assigned, self.spooled
        try:
            reader = RangeReader(unit.range)
        except OSError as exc:
            raise CorpusError(f"cannot read corpus '{unit.source}': {exc.strerror or exc}. "
                              "Check that it still exists.") from None
        with reader:
            for raw in read_pieces(reader, unit.source, self.stats, block_bytes, unit.last):
                self._encode(raw, spool)
                if stopped():
                    return False
        self._record(index, first, offset)
        return True

    def take(self, index, raw, spool):
        """Tokenise block ``index`` of a stream."""
        first, offset = self.words.ids_assigned, self.spooled
        self._encode(raw, spool)
        self._record(index, first, offset)

    def _encode(self, raw, spool):
        ids = self.words.encode(raw)
        self.counts = _grown_counts(self.counts, self.words.ids_assigned)
        add_counts(ids, self.counts)
        spool.write(ids.tobytes())
        self.spooled += len(ids)

    def _record(self, index, first, offset):
        self.done.append((index, first, self.words.ids_assigned, offset,
                          self.spooled - offset))


class ParallelScan:
    """Plain files read by ranges in ``threads`` threads (see the module's description)."""

    def __init__(self, spool_path, prune_at, threads, min_range_bytes=MIN_RANGE_BYTES):
        self.spool_path = spool_path
        self.prune_at = prune_at
        self.threads = threads
        self.min_range_bytes = min_range_bytes
        self.too_many_words = False

    def run(self, sources, block_bytes=BLOCK_BYTES, readings=None):
        """The finished TokenScan, or None when the tables outgrew ``prune_at`` words."""
        units = units_of(sources, self.threads, self.min_range_bytes, readings)
        shares = [Share(f"{self.spool_path}.{k}")
                  for k in range(min(self.threads, len(units)))]
        try:
            self._read(units, shares, block_bytes)
            if self.too_many_words:
                return None
            return merged(self.spool_path, self.prune_at, shares,
                          self._merged_stats(units, shares))
        finally:
            _remove_spools(shares)

    def _read(self, units, shares, block_bytes):
        todo = queue.SimpleQueue()
        for index in range(len(units)):
            todo.put(index)
        stop = threading.Event()

        def stopped():
            if _too_many_words(shares, self.prune_at):
                self.too_many_words = True
                stop.set()
            return stop.is_set()

        def work(share):
            with open(share.spool_path, "wb") as spool:
                while not stop.is_set():
                    try:
                        index = todo.get_nowait()
                    except queue.Empty:
                        return
                    if not share.read(index, units[index], spool, block_bytes, stopped):
                        return

        in_threads(work, shares, stop)

    @staticmethod
    def _merged_stats(units, shares):
        stats = ReadStats()
        for share in shares:
            for name in _ADDED_STATS:
                setattr(stats, name, getattr(stats, name) + getattr(share.stats, name))
        read = 0
        for unit in units:
            read += unit.range.size
            if unit.last:
                stats.sizes[unit.source] = read
                read = 0
        return stats


class StreamScan:
    """Local inputs, some compressed: one thread cuts them into blocks in order,
    ``threads`` threads tokenise the blocks as they come (see the module's description)."""

    def __init__(self, spool_path, prune_at, threads):
        self.spool_path = spool_path
        self.prune_at = prune_at
        self.threads = threads
        self.too_many_words = False

    def run(self, sources, block_bytes=BLOCK_BYTES, readings=None):
        """The finished TokenScan, or None when the tables outgrew ``prune_at`` words."""
        stats = ReadStats()
        pieces = Prefetched(_numbered(input_pieces(sources, stats, block_bytes, readings)),
                            PREFETCH_BLOCKS)
        shares = [Share(f"{self.spool_path}.{k}") for k in range(self.threads)]
        stop = threading.Event()

        def work(share):
            with open(share.spool_path, "wb") as spool:
                while not stop.is_set():
                    try:
                        index, raw = next(pieces)
                    except StopIteration:
                        return
                    share.take(index, raw, spool)
                    if _too_many_words(shares, self.prune_at):
                        self.too_many_words = True
                        stop.set()

        try:
            in_threads(work, shares, stop)
            if self.too_many_words:
                return None
            return merged(self.spool_path, self.prune_at, shares, stats)
        finally:
            pieces.close()
            _remove_spools(shares)


def _too_many_words(shares, prune_at):
    """Whether the threads' tables together hold more than ``prune_at`` words: one thread
    would have pruned by now."""
    return sum(share.words.live for share in shares) > prune_at


def _numbered(items):
    """(index, item) pairs; closing it closes ``items`` (and the input they read)."""
    with contextlib.closing(items):
        yield from enumerate(items)


def _remove_spools(shares):
    for share in shares:
        try:
            os.unlink(share.spool_path)
        except FileNotFoundError:
            pass


def merged(spool_path, prune_at, shares, stats):
    """One TokenScan from the shares: ids by first occurrence in input order, the spool
    in input order, ``stats`` with the tokens counted."""
    done = sorted((record[0], k, record) for k, share in enumerate(shares)
                  for record in share.done)
    table = WordTable()
    maps = [np.zeros(share.words.ids_assigned, dtype=np.int32) for share in shares]
    for _, k, (_, first, end, _, _) in done:
        maps[k][first:end] = table.absorb(shares[k].words, first, end)
    result = TokenScan(spool_path, prune_at)
    result.words = table
    result.counts = _grown_counts(result.counts, table.ids_assigned)
    for share, ids in zip(shares, maps):
        result.counts[ids] += share.counts[: len(ids)]
    result.spooled = _merge_spools(spool_path, done, shares, maps)
    result.stats = stats
    result.stats.tokens = int(result.counts.sum() - result.counts[EOS_TEMP_ID])
    return result


def _merge_spools(spool_path, done, shares, maps):
    """Write the final spool: each thread rewrites the parts it read, in global ids, at
    their place in input order. Returns the ids written."""
    jobs = [[] for _ in shares]
    position = 0
    for _, k, (_, _, _, offset, count) in done:
        jobs[k].append((offset, position, count))
        position += count
    with open(spool_path, "wb") as out:
        out.truncate(position * SPOOL_ITEM.itemsize)

        def rewrite(k):
            with open(shares[k].spool_path, "rb") as src:
                for offset, at, count in jobs[k]:
                    src.seek(offset * SPOOL_ITEM.itemsize)
                    for step in range(0, count, MERGE_CHUNK):
                        ids = np.fromfile(src, dtype=SPOOL_ITEM,
                                          count=min(MERGE_CHUNK, count - step))
                        remap(ids, maps[k])
                        os.pwrite(out.fileno(), ids, (at + step) * SPOOL_ITEM.itemsize)

        in_threads(rewrite, range(len(shares)), threading.Event())
    return position
