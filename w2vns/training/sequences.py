"""Corpora held by Python rather than in files: sentences and sequences of ids.

``w2vns.train`` takes, besides paths, any iterable (a list, a generator read once, an
open text file) of

* token lists (``["the", "king"]``) or strings (``"the king"``, split as the tokenizer
  splits a line): ``Sentences``. The tokens are joined into the byte stream a file of one
  sentence per line would give and read by the same scan, so the vocabulary, counts and
  ids are exactly those of that file;
* NumPy arrays of non-negative integer ids (item sessions, walks): ``IdSequences``. The
  ids are counted and spooled as they come, without any string per token; each id's
  word is its decimal number, or ``names[id]`` when names are given.

Either is consumed once, by the reading pass: ``scan`` returns a finished
``io.corpus.TokenScan`` (provisional ids spooled, counted), which the vocabulary and
the id cache take as they take a file's. Sequences of ids are never pruned
(``--prune-at`` bounds the words of text).
"""

import itertools
import os
from collections.abc import Iterable

import numpy as np

from ..errors import CorpusError, UsageError
from ..io.corpus import EOS_TEMP_ID, ReadStats, TokenScan, read_pieces
from ..io.tokenizer import WordTable

NAME = "<Python data>"  # how the inputs are named in logs, reports and checkpoints
EOS = -1  # ends a sequence in the blocks of ``IdSequences``
_WHITESPACE = b" \t\n\r\x0b\x0c\x00"  # what the tokenizer splits on
_SPOOL_ITEM = np.dtype(np.int32)
_RAW_ITEM = np.dtype(np.int64)
_REWRITE_CHUNK = 1 << 20  # ids per step when the ids are rewritten as provisional ones
GATHER_IDS = 1 << 20  # arrays are gathered into blocks of at least this many ids
DENSE_IDS = 1 << 24  # ids below this are counted in a dense array


class Sentences:
    """Token lists or strings, one sentence each, read once (see the module)."""

    def __init__(self, items):
        self.items = items
        self.name = NAME

    def scan(self, spool_path, prune_at, prefetch=False):
        scan = TokenScan(spool_path, prune_at)
        stream = _SentenceStream(self.items)
        scan.run_pieces(read_pieces(stream, NAME, scan.stats), prefetch)
        scan.stats.sizes[NAME] = scan.stats.bytes_read
        return scan


class IdSequences:
    """Sequences of integer ids, read once: ``blocks`` yields int arrays where ``EOS``
    (-1) ends a sequence (a block may end inside one). With ``names`` (the word of each
    id 0..N-1) every id must be below N; without, ids are any non-negative integers and
    each is named by its decimal number."""

    def __init__(self, blocks, names=None):
        self.blocks = blocks
        self.names = None if names is None else list(names)
        self.name = NAME

    @classmethod
    def of_arrays(cls, arrays, names=None):
        """One sequence per array of ``arrays`` (an iterable of 1-D integer arrays)."""
        return cls(_terminated(arrays), names)

    def scan(self, spool_path, prune_at=None, prefetch=False):
        del prune_at, prefetch  # ids are never pruned; counting is one NumPy call a block
        if self.names is not None:
            return self._scan_named(spool_path)
        return self._scan_sparse(spool_path)

    def _scan_named(self, spool_path):
        n = len(self.names)
        counts = np.zeros(n + 1, dtype=np.int64)
        stats, spooled = ReadStats(), 0
        with open(spool_path, "wb") as spool:
            for block in self.blocks:
                ids = _checked_block(block, n)
                provisional = (ids + 1).astype(np.int32)  # 0 is the sentence marker
                counts += np.bincount(provisional, minlength=n + 1)
                spool.write(provisional.tobytes())
                spooled += len(provisional)
        return _finished(spool_path, self.names, counts, spooled, stats)

    def _scan_sparse(self, spool_path):
        tally = _IdTally()
        raw_path, raw_items = spool_path + ".raw", 0
        try:
            with open(raw_path, "wb") as raw:
                for block in self.blocks:
                    ids = _checked_block(block, None)
                    tally.add(ids)
                    raw.write(ids.tobytes())
                    raw_items += len(ids)
            keys, counts = tally.result()
            _rewrite_provisional(raw_path, raw_items, keys, spool_path)
        finally:
            if os.path.exists(raw_path):
                os.unlink(raw_path)
        return _finished(spool_path, [str(k) for k in keys.tolist()],
                         np.concatenate(([tally.ends], counts)), raw_items, ReadStats())


def in_memory(sources):
    """Whether a run's ``sources`` are Python data rather than a list of paths."""
    return isinstance(sources, (Sentences, IdSequences))


def names_of(sources):
    """The inputs' names for logs, reports and checkpoints."""
    return [sources.name] if in_memory(sources) else list(sources)


def corpus_of(corpus):
    """``corpus`` as ``w2vns.train`` takes it: a list of paths, or a Sentences or an
    IdSequences. A str or path is one input; a list or tuple of strs naming existing
    files (or URLs, or '-') with no whitespace in them is a list of inputs; any other
    iterable is Python data, its kind told by its first item."""
    if isinstance(corpus, (str, os.PathLike)):
        return [os.fspath(corpus)]
    if isinstance(corpus, (Sentences, IdSequences)):
        return corpus
    if isinstance(corpus, np.ndarray):
        raise UsageError("corpus: a NumPy array is one sequence; pass a list of arrays "
                         "(one per sequence).")
    if not isinstance(corpus, Iterable):
        raise UsageError(f"corpus: expected a path, a list of paths or an iterable of "
                         f"sentences, not {type(corpus).__name__}.")
    if isinstance(corpus, (list, tuple)) and corpus and all(_is_path(c) for c in corpus):
        return [os.fspath(c) for c in corpus]
    items = iter(corpus)
    first = next(items, None)
    if first is None:
        raise CorpusError("the corpus contains no sentences.")
    items = itertools.chain([first], items)
    if isinstance(first, np.ndarray):
        return IdSequences.of_arrays(items)
    return Sentences(items)


def _is_path(item):
    from ..io.corpus import STDIN, is_url

    if isinstance(item, os.PathLike):
        return True
    return (isinstance(item, str) and not any(c.isspace() for c in item)
            and (item == STDIN or is_url(item) or os.path.isfile(item)))


class _SentenceStream:
    """The bytes of a file of one sentence per line, from token lists or strings, read
    as a binary file is (``read(n)``)."""

    def __init__(self, items):
        self._items = iter(items)
        self._buffer = bytearray()
        self._number = 0
        self._done = False

    def read(self, size):
        while len(self._buffer) < size and not self._done:
            self._fill(size)
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out

    def _fill(self, size):
        lines = []
        got = 0
        for item in self._items:
            line = self._line(item)
            lines.append(line)
            got += len(line)
            if got >= size:
                break
        else:
            self._done = True
        self._buffer += b"".join(lines)

    def _line(self, item):
        self._number += 1
        if isinstance(item, str):
            text = item
        elif isinstance(item, bytes):
            return item if item.endswith(b"\n") else item + b"\n"
        elif isinstance(item, (list, tuple)):
            text = self._joined(item)
        else:
            raise UsageError(f"corpus: sentence {self._number} is a {type(item).__name__}; "
                             "expected a list of str tokens or a str.")
        line = text.encode("utf-8", "surrogateescape")
        return line if line.endswith(b"\n") else line + b"\n"

    def _joined(self, tokens):
        text = " ".join(tokens) if all(isinstance(t, str) for t in tokens) else None
        if text is None:
            bad = next(t for t in tokens if not isinstance(t, str))
            raise UsageError(f"corpus: sentence {self._number} holds a "
                             f"{type(bad).__name__} ({bad!r}); tokens must be str.")
        if sum(text.count(chr(b)) for b in _WHITESPACE) != max(len(tokens) - 1, 0):
            bad = next(t for t in tokens if not t or any(chr(b) in t for b in _WHITESPACE))
            raise UsageError(f"corpus: sentence {self._number} holds the token {bad!r}: a "
                             "token is not empty and holds no whitespace (join its parts "
                             "with '_').")
        return text


def _terminated(arrays):
    """The arrays as blocks of at least GATHER_IDS ids, each array followed by the end of
    its sequence."""
    end = np.array([EOS], dtype=np.int64)
    parts, gathered = [], 0
    for number, array in enumerate(arrays, 1):
        if not isinstance(array, np.ndarray):
            raise UsageError(f"corpus: sequence {number} is a {type(array).__name__}; "
                             "expected a NumPy array of integer ids (as the first one).")
        if array.dtype.kind not in "iu":
            raise UsageError(f"corpus: ids must be integers, not {array.dtype}.")
        parts += [array.ravel(), end]
        gathered += array.size + 1
        if gathered >= GATHER_IDS:
            yield np.concatenate(parts)
            parts, gathered = [], 0
    if parts:
        yield np.concatenate(parts)


class _IdTally:
    """Counts of non-negative ids: a dense array while the ids stay below DENSE_IDS, sorted
    (key, count) pairs beyond. ``ends`` counts the EOS markers."""

    def __init__(self):
        self.dense = np.zeros(0, dtype=np.int64)
        self.keys = self.counts = None
        self.ends = 0

    def add(self, ids):
        words = ids[ids != EOS]
        self.ends += len(ids) - len(words)
        if len(words) == 0:
            return
        top = int(words.max()) + 1
        if self.keys is None and top <= DENSE_IDS:
            if top > len(self.dense):
                self.dense = np.concatenate((self.dense, np.zeros(top - len(self.dense),
                                                                  dtype=np.int64)))
            self.dense += np.bincount(words, minlength=len(self.dense))
            return
        if self.keys is None:
            self.keys, self.counts = self.result()
        uniq, freq = np.unique(words, return_counts=True)
        self.keys, self.counts = _merged_counts(self.keys, self.counts, uniq, freq)

    def result(self):
        """(keys, counts), keys sorted."""
        if self.keys is not None:
            return self.keys, self.counts
        keys = np.flatnonzero(self.dense)
        return keys, self.dense[keys]


def _checked_block(block, n):
    """``block`` as int64 ids, each at least 0 (and below ``n`` when given) or EOS."""
    ids = np.asarray(block)
    if ids.dtype.kind not in "iu":
        raise UsageError(f"corpus: ids must be integers, not {ids.dtype}.")
    ids = ids.astype(np.int64, copy=False).ravel()
    if len(ids) and (ids.min() < EOS or (n is not None and ids.max() >= n)):
        bad = ids[(ids < EOS) | ((ids >= n) if n is not None else False)][0]
        limit = f" and below {n:,} (the number of names)" if n is not None else ""
        raise UsageError(f"corpus: id {bad} is out of range: ids are at least 0{limit}; "
                         f"{EOS} ends a sequence.")
    return ids


def _merged_counts(keys, counts, new_keys, new_counts):
    """Sorted (key, count) pairs with ``new_keys`` (sorted) added."""
    if len(keys) == 0:
        return new_keys, new_counts
    all_keys = np.concatenate((keys, new_keys))
    merged, inverse = np.unique(all_keys, return_inverse=True)
    totals = np.zeros(len(merged), dtype=np.int64)
    np.add.at(totals, inverse, np.concatenate((counts, new_counts)))
    return merged, totals


def _rewrite_provisional(raw_path, items, keys, spool_path):
    """The spool of provisional ids (1 + the key's rank; 0 ends a sentence)."""
    lookup = None
    if len(keys) and keys[-1] < DENSE_IDS:
        lookup = np.zeros(int(keys[-1]) + 2, dtype=np.int32)  # the last slot: EOS
        lookup[keys] = np.arange(1, len(keys) + 1, dtype=np.int32)
        lookup[-1] = EOS_TEMP_ID
    with open(raw_path, "rb") as raw, open(spool_path, "wb") as spool:
        for _ in range(0, items, _REWRITE_CHUNK):
            ids = np.fromfile(raw, dtype=_RAW_ITEM, count=_REWRITE_CHUNK)
            if lookup is not None:
                out = lookup[ids]  # EOS (-1) reads the last slot
            else:
                out = np.searchsorted(keys, ids).astype(np.int32) + 1
                out[ids == EOS] = EOS_TEMP_ID
            spool.write(out.tobytes())


def _finished(spool_path, names, counts, spooled, stats):
    """A TokenScan of ``names`` (provisional ids 1..N) with ``counts`` (index 0: the
    sentence marker's) and the spool written."""
    if len(set(names)) != len(names):
        raise UsageError("corpus: names must be distinct.")
    if any(not name or any(chr(b) in name for b in _WHITESPACE) for name in names):
        raise UsageError("corpus: a name is empty or holds whitespace.")
    scan = TokenScan(spool_path, len(names) + 1)
    table = WordTable()
    if names:
        ids = table.encode(" ".join(names).encode("utf-8", "surrogateescape"))
        if len(ids) != len(names):  # pragma: no cover - names were checked above
            raise UsageError("corpus: names could not be read as tokens.")
    scan.words = table
    scan.counts = counts
    scan.spooled = spooled
    stats.sentences = int(counts[EOS_TEMP_ID])
    stats.tokens = int(counts.sum() - counts[EOS_TEMP_ID])
    stats.sizes[NAME] = None
    scan.stats = stats
    return scan
