"""Phrases: join frequent collocations into one token (``new york`` -> ``new_york``).

Each pass counts words and adjacent pairs, then rewrites the text: a pair of words
a b is joined when, as in the reference word2phrase tool (gensim's default scorer
multiplies by the vocabulary size instead of the total),

    (count(ab) - min_count) / (count(a) * count(b)) * total_words > threshold

with count(a), count(b) >= min_count; pairs are decided greedily left to right and a
word joined to its left neighbour is not joined again in the same pass (two passes
find three-word phrases). Tokens and sentences are those of training (``corpus``):
ASCII whitespace separates tokens, a newline ends a sentence, and pairs never cross
one. Words are counted by the corpus scan (pruned beyond ``prune_at`` distinct
words), pairs of frequent words in a table pruned the same way.

Every pass reads its input twice (count, then rewrite), so standard input and URLs
are first copied to a temporary file. The inputs are sniffed as ``train`` sniffs them
(``corpus.sniff_inputs``): a byte order mark chooses the encoding, input that is not
text is refused. Output: tokens separated by one space, each input line on one line,
UTF-8 when the input was decoded (``encoding``, or a UTF-16 or UTF-32 byte order mark),
without a UTF-8 byte order mark.
"""

import os
import shutil
import time
import zlib
from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import phrase_kernels as kernels
from .atomic import atomic_output, check_writable
from .corpus import BLOCK_BYTES, STDIN, Readings, ReadStats, TokenScan, check_sources, \
    is_url, iter_raw_blocks, open_binary, read_warnings, sniff_inputs
from .recode import normalize_encoding
from .workdir import run_directory
from ..errors import CorpusError, UsageError

SPOOL_ITEM = np.dtype(np.int32)
COUNT_CHUNK = 1 << 18  # ids per step of bigram counting (bounds the table's headroom)
MAX_LOAD_NUMERATOR, MAX_LOAD_DENOMINATOR = 3, 4  # the bigram table stays at most 3/4 full
INITIAL_BIGRAM_SLOTS = 1 << 16
WORD_SLOTS_PER_WORD = 2
_READ_ERRORS = (OSError, EOFError, zlib.error, ValueError)


@dataclass(frozen=True)
class PhrasesConfig:
    min_count: int = 5
    threshold: float = 100.0
    delimiter: str = "_"
    passes: int = 1
    prune_at: int = 10_000_000  # distinct words, and distinct pairs, held while counting
    encoding: Optional[str] = None
    binary_ok: bool = False  # read inputs that do not look like text (sniff) anyway

    def validate(self):
        for option, value in (("--min-count", self.min_count), ("--passes", self.passes),
                              ("--prune-at", self.prune_at)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise UsageError(f"{option} must be a positive integer, got {value}.")
        if not self.threshold >= 0:
            raise UsageError(f"--threshold must be 0 or more, got {self.threshold}.")
        if not self.delimiter or any(c.isspace() or c == "\0" for c in self.delimiter):
            raise UsageError(f"--delimiter must be a non-empty string without whitespace, "
                             f"got {self.delimiter!r}.")
        normalize_encoding(self.encoding)
        return self


@dataclass
class PassStats:
    """What one pass found and did, for the log."""

    number: int = 0
    words: int = 0  # tokens read
    distinct: int = 0
    frequent: int = 0  # distinct words with count >= min_count
    bigrams: int = 0  # distinct pairs of frequent words held at the end of counting
    prunes: int = 0  # times the pair table was pruned
    prune_min_count: int = 0  # pairs seen this many times or fewer were pruned
    phrases: int = 0  # distinct pairs scoring above the threshold
    joins: int = 0  # pairs joined in the text
    seconds: float = 0.0
    read: Optional[ReadStats] = None


class BigramTable:
    """Counts of pairs of frequent words (dense ids), bounded by ``prune_at`` entries:
    beyond it the rarest pairs are dropped, as the corpus scan does for words."""

    def __init__(self, n_words, prune_at):
        self.n_words = n_words
        self.prune_at = prune_at
        self.keys = np.full(INITIAL_BIGRAM_SLOTS, kernels.EMPTY, dtype=np.int64)
        self.counts = np.zeros(INITIAL_BIGRAM_SLOTS, dtype=np.int64)
        self.state = np.array([0, kernels.NO_WORD], dtype=np.int64)  # live pairs, previous
        self.prunes = 0
        self.prune_min_count = 0

    @property
    def live(self):
        return int(self.state[0])

    def add(self, ids, dense_of):
        """Count the pairs of a chunk of the provisional id stream."""
        need = (self.live + len(ids)) * MAX_LOAD_DENOMINATOR // MAX_LOAD_NUMERATOR + 1
        if len(self.keys) < need:
            self._refill(*self.items(), slots=need)
        kernels.count_bigrams(ids, dense_of, self.n_words, self.keys, self.counts, self.state)
        while self.live > self.prune_at:
            self.prune_min_count += 1
            keys, counts = self.items()
            keep = counts > self.prune_min_count
            self._refill(keys[keep], counts[keep], slots=len(self.keys))
            self.prunes += 1

    def items(self):
        """(keys, counts) of the pairs held; a key is ``a * n_words + b``."""
        held = self.keys != kernels.EMPTY
        return self.keys[held], self.counts[held]

    def _refill(self, keys, counts, slots):
        size = 1 << max(int(slots - 1).bit_length(), 1)
        self.keys = np.full(size, kernels.EMPTY, dtype=np.int64)
        self.counts = np.zeros(size, dtype=np.int64)
        kernels.insert_bigrams(self.keys, self.counts, keys, counts)
        self.state[0] = len(keys)


@dataclass
class Counts:
    """One counting pass: the frequent words, their spellings in the text, the pairs."""

    words: list  # frequent words (decoded), dense id order
    word_counts: np.ndarray
    spellings: list  # bytes of every token spelling of a frequent word
    spelling_word: np.ndarray  # dense id of each spelling
    bigrams: BigramTable
    total_words: int
    distinct: int
    read: ReadStats


def count(sources, config, workdir, readings=None):
    """Count words (corpus scan) and adjacent pairs of frequent words in ``sources``, read
    as the corpus.Readings ``readings`` says."""
    spool = os.path.join(workdir, "spool.bin")
    scan = TokenScan(spool, config.prune_at, readings).run(sources)
    words, provisional, counts, aliases = scan.word_counts()
    frequent = np.flatnonzero(counts >= config.min_count)
    dense_of = np.full(max(len(scan.counts), 1), kernels.NO_WORD, dtype=np.int32)
    dense_of[provisional[frequent]] = np.arange(len(frequent), dtype=np.int32)
    for pid, canonical in aliases:  # other bytes, the same word once decoded
        dense_of[pid] = dense_of[canonical]
    spelled = np.flatnonzero(dense_of >= 0)
    spellings = [scan.words.word(int(pid)) for pid in spelled]
    table = BigramTable(len(frequent), config.prune_at)
    with open(spool, "rb") as handle:
        for _ in range(0, scan.spooled, COUNT_CHUNK):
            table.add(np.fromfile(handle, dtype=SPOOL_ITEM, count=COUNT_CHUNK), dense_of)
    os.unlink(spool)
    return Counts([words[i] for i in frequent.tolist()], counts[frequent].astype(np.int64),
                  spellings, dense_of[spelled].astype(np.int64), table, scan.stats.tokens,
                  scan.distinct, scan.stats)


def _score_array(found, config):
    """(first words, second words, scores) of every pair held (the kernels' formula)."""
    keys, together = found.bigrams.items()
    first, second = np.divmod(keys, found.bigrams.n_words)
    value = ((together - config.min_count)
             / (found.word_counts[first].astype(np.float64) * found.word_counts[second])
             * found.total_words)
    return first, second, value


def scores(found, config):
    """Score of every pair held: {(a, b): score}."""
    first, second, value = _score_array(found, config)
    return {(found.words[a], found.words[b]): float(s)
            for a, b, s in zip(first.tolist(), second.tolist(), value.tolist())}


def bigram_scores(sources, config=PhrasesConfig()):
    """Scores of the pairs of frequent words of ``sources`` (one counting pass)."""
    config.validate()
    sources = list(sources)
    check_sources(sources)
    with run_directory("phrases") as workdir:
        readings = sniff_inputs(sources, config.encoding, config.binary_ok)
        return scores(count(sources, config, workdir, readings), config)


def _phrase_count(found, config):
    return int(np.count_nonzero(_score_array(found, config)[2] > config.threshold))


class _WordLookup:
    """The spellings of the frequent words, in the kernels' byte hash table."""

    def __init__(self, found):
        lengths = np.array([len(s) for s in found.spellings], dtype=np.int64)
        self.offsets = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=self.offsets[1:])
        self.lengths = lengths
        self.arena = np.frombuffer(b"".join(found.spellings) or b"\0", dtype=np.uint8)
        slots = 1 << max(int(WORD_SLOTS_PER_WORD * len(lengths)).bit_length(), 1)
        self.slots = np.full(slots, kernels.EMPTY, dtype=np.int64)
        kernels.build_word_slots(self.slots, self.arena, self.offsets, self.lengths)
        self.entry_word = found.spelling_word


def rewrite(sources, found, config, write, readings=None):
    """Write ``sources`` with the phrases of ``found`` joined; return the pairs joined."""
    lookup = _WordLookup(found)
    keys, counts = found.bigrams.keys, found.bigrams.counts
    delimiter = np.frombuffer(config.delimiter.encode("utf-8"), dtype=np.uint8)
    joins = 0
    for source in sources:
        state = np.array([kernels.NO_WORD, 0, 1, 0], dtype=np.int64)
        blocks = iter_raw_blocks(source, ReadStats(), BLOCK_BYTES, readings)
        pending = next(blocks)  # the last block is the end-of-input newline
        for raw in blocks:
            block = np.frombuffer(pending, dtype=np.uint8)
            out = np.empty(len(block) * (1 + len(delimiter)) + 1, dtype=np.uint8)
            n = kernels.rewrite(block, out, lookup.slots, lookup.arena, lookup.offsets,
                                lookup.lengths, lookup.entry_word, found.word_counts, keys,
                                counts, config.min_count, config.threshold, found.total_words,
                                delimiter, state)
            write(memoryview(out[:n]))
            pending = raw
        if not state[kernels.LINE_START]:  # the input did not end with a newline
            write(pending)
        joins += int(state[kernels.JOINS])
    return joins


def _local_copies(sources, workdir):
    """Files that can be read twice: stdin and URLs are copied (decompressed) first."""
    local = []
    for number, source in enumerate(sources):
        if source != STDIN and not is_url(source):
            local.append(source)
            continue
        path = os.path.join(workdir, f"input-{number}.txt")
        with open_binary(source) as handle, open(path, "wb") as copy:
            try:
                shutil.copyfileobj(handle, copy, BLOCK_BYTES)
            except _READ_ERRORS as exc:
                raise CorpusError(f"cannot read corpus '{source}': {exc}. The input may be "
                                  "truncated or corrupt.") from None
        local.append(path)
    return local


def run(sources, config, output=None, stream=None, log=None):
    """All passes over ``sources``; the result goes to ``output`` (a path, written
    atomically) or to the binary ``stream``. Returns the PassStats of each pass."""
    config.validate()
    sources = list(sources)
    check_sources(sources)
    if output is not None:
        check_writable(output, "-o")
    log = log or (lambda message: None)
    with run_directory("phrases") as workdir:
        inputs = _local_copies(sources, workdir)
        readings = sniff_inputs(inputs, config.encoding, config.binary_ok, names=sources)
        done = []
        for number in range(1, config.passes + 1):
            last = number == config.passes
            started = time.perf_counter()
            found = count(inputs, config, workdir, readings)
            stats = PassStats(number, found.total_words, found.distinct, len(found.words),
                              found.bigrams.live, found.bigrams.prunes,
                              found.bigrams.prune_min_count, _phrase_count(found, config),
                              read=found.read)
            target = os.path.join(workdir, f"pass-{number}.txt")
            if last and output is None:
                stats.joins = rewrite(inputs, found, config, stream.write, readings)
            else:
                with (atomic_output(output, "wb") if last else open(target, "wb")) as handle:
                    stats.joins = rewrite(inputs, found, config, handle.write, readings)
            stats.seconds = time.perf_counter() - started
            describe(stats, config, log)
            done.append(stats)
            for old in inputs:
                if old.startswith(workdir):
                    os.unlink(old)
            inputs, readings = [target], Readings()  # later passes read this pass's UTF-8
        return done


def describe(stats, config, log):
    """The log lines of one pass."""
    read = stats.read
    log(f"pass {stats.number}/{config.passes}: {stats.words:,} words, {stats.distinct:,} "
        f"distinct, {stats.frequent:,} with count >= {config.min_count}; "
        f"{stats.bigrams:,} distinct pairs of them, {stats.phrases:,} scoring above "
        f"{config.threshold:g}; {stats.joins:,} pairs joined ({stats.seconds:.1f}s)")
    for warning in read_warnings(read, config.encoding, config.prune_at,
                                 " for counting (the text is written as read)"):
        log(warning)
    if stats.prunes:
        log(f"warning: more than {config.prune_at:,} distinct pairs: pruned pairs seen "
            f"{stats.prune_min_count} time(s) or fewer while counting ({stats.prunes} "
            "prune(s)); rare pair counts are approximate. Raise --prune-at to avoid this.")
