"""Streaming a corpus: opening inputs, reading bounded blocks, tokenising into ids.

Inputs are paths or URLs opened with smart_open (compression inferred from the
extension) or ``-`` for standard input. Every input is read exactly once: the
scan assigns each distinct token a provisional id, counts it, and spools the id
stream to a temporary file, so later epochs never re-read (or re-decode) text.

Tokens are separated by ASCII whitespace (space, tab, CR, LF, VT, FF) or NUL, as in
the reference word2vec tool; a newline, and the end of each input, ends a sentence.
Blocks are cut at whitespace, so memory stays bounded whatever the line length; a
token longer than ``MAX_WORD_BYTES`` is cut to that length. Tokenising happens on raw
bytes (``tokenizer``); words are decoded from UTF-8, with replacement, once at the end.
Nothing depends on where blocks fall, so several threads can read parts of the inputs
(``parallel_scan``) with the same result.

Before the scan, ``sniff_inputs`` looks at the start of every input (``sniff``): a byte
order mark chooses its encoding, input that is not text is refused. Local files are
sniffed at once; stdin and URLs, whose bytes can be read only once, as they are opened,
the sniffed bytes then handed back to the reader (``Replayed``).
"""

import contextlib
import dataclasses
import importlib.util
import os
import sys
import types
import zlib
from dataclasses import dataclass, field
from typing import Mapping, Optional

import numpy as np

from ..errors import CorpusError, InputError
from .prefetch import Prefetched
from .ranges import ByteRange, RangeReader
from .recode import RecodedReader, normalize_encoding
from .sniff import SNIFF_BYTES, Reading, judge
from .tokenizer import EOS_ID, WordTable, clip_words

STDIN = "-"
BLOCK_BYTES = 1 << 20  # 1 MiB of raw text per read (bigger blocks only cost memory)
MAX_WORD_BYTES = 1024
EOS_TEMP_ID = EOS_ID  # the provisional id of the sentence marker
_SENTENCE_END = b"\n"
_REPLACEMENT_UTF8 = "\ufffd".encode()
_READ_ERRORS = (OSError, EOFError, zlib.error, ValueError)
_INITIAL_ID_CAPACITY = 1 << 16
PREFETCH_BLOCKS = 4  # blocks read ahead by the reading thread of a pipelined scan
# URL schemes that need an optional extra: scheme -> (module smart_open imports, extra name).
EXTRA_SCHEMES = {"s3": ("boto3", "s3")}
# Count with a dense bincount when ids are at most this many times the block's tokens.
_DENSE_COUNT_RATIO = 4


@dataclass
class ReadStats:
    """What reading the inputs found, for the user's summary."""

    bytes_read: int = 0
    tokens: int = 0
    sentences: int = 0
    invalid_utf8: int = 0
    undecodable: int = 0  # sequences not valid in a declared --encoding, replaced
    truncated_words: int = 0
    prunes: int = 0
    prune_min_count: int = 0
    sizes: dict = field(default_factory=dict)


def read_warnings(stats, encoding, prune_at, invalid_note=""):
    """The warning lines for what reading replaced, cut or pruned (``stats``: ReadStats).
    ``invalid_note`` is appended to the invalid-UTF-8 line."""
    if stats.invalid_utf8:
        yield (f"warning: {stats.invalid_utf8:,} invalid UTF-8 sequence(s) replaced by "
               f"U+FFFD{invalid_note}")
    if stats.undecodable:
        declared = encoding or "in the encoding of their byte order mark"
        yield (f"warning: {stats.undecodable:,} byte sequence(s) not valid {declared} "
               "replaced by U+FFFD")
    if stats.truncated_words:
        yield f"warning: {stats.truncated_words:,} word(s) longer than the limit were cut"
    if stats.prunes:
        yield (f"warning: more than {prune_at:,} distinct words: pruned words seen "
               f"{stats.prune_min_count} time(s) or fewer while counting ({stats.prunes} "
               "prune(s)); rare-word counts are approximate. Raise --prune-at to avoid this.")


def is_url(source):
    return "://" in source


def _installed(module):
    return importlib.util.find_spec(module) is not None


def missing_extra(source):
    """The error for a URL whose scheme needs an optional extra that is not installed."""
    scheme = source.split("://", 1)[0].lower() if is_url(source) else None
    if scheme not in EXTRA_SCHEMES:
        return None
    module, extra = EXTRA_SCHEMES[scheme]
    if _installed(module):
        return None
    return CorpusError(f"cannot open corpus '{source}': {scheme}:// inputs need the optional "
                       f"'{extra}' dependencies. Install them with: pip install 'w2vns[{extra}]'.")


def check_sources(sources):
    """Fail fast, before any work, on inputs that cannot be read."""
    if not sources:
        raise InputError("no corpus given. Pass one or more files, URLs, or - for stdin.")
    if sum(1 for s in sources if s == STDIN) > 1:
        raise InputError("stdin (-) can be given only once.")
    for source in sources:
        if source == STDIN:
            continue
        if is_url(source):
            error = missing_extra(source)
            if error is not None:
                raise error
            continue
        if not os.path.exists(source):
            raise InputError(f"corpus file '{source}' not found. Check the path.")
        if os.path.isdir(source):
            raise InputError(f"corpus '{source}' is a directory. Pass the text files inside it.")
        if not os.access(source, os.R_OK):
            raise InputError(f"corpus file '{source}' is not readable. Check its permissions.")


@contextlib.contextmanager
def open_binary(source):
    """A binary file object for a path, URL, or ``-`` (stdin, left open)."""
    if source == STDIN:
        yield sys.stdin.buffer
        return
    if isinstance(source, ByteRange):  # one process's share of a plain file
        with RangeReader(source) as handle:
            yield handle
        return
    import smart_open  # deferred: importing it costs start-up time

    try:
        handle = smart_open.open(source, "rb")
    except ImportError as exc:
        raise missing_extra(source) or CorpusError(
            f"cannot open corpus '{source}': {_reason(exc)}.") from None
    except Exception as exc:  # smart_open raises many types for unreachable inputs
        raise CorpusError(f"cannot open corpus '{source}': {_reason(exc)}. Check the path or URL.")
    with handle:
        yield handle


def _reason(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _count_invalid_utf8(raw, stats):
    """Count the byte sequences that decoding with replacement will replace."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
        stats.invalid_utf8 += text.count("\ufffd") - raw.count(_REPLACEMENT_UTF8)


def _raw_pieces(handle, block_bytes, stats):
    """Raw byte pieces of ``handle``, each ending at a token boundary, with every token
    longer than MAX_WORD_BYTES cut to that length (wherever the blocks fall)."""
    carry = b""
    run = 0  # length of the token that continues into the next block
    out = np.empty(block_bytes, dtype=np.uint8)
    while True:
        block = handle.read(block_bytes)
        if not block:
            break
        stats.bytes_read += len(block)
        if len(block) > len(out):
            out = np.empty(len(block), dtype=np.uint8)
        n, run, cut, last = clip_words(np.frombuffer(block, dtype=np.uint8), out, run,
                                       MAX_WORD_BYTES)
        if cut or n < len(block):
            stats.truncated_words += cut
            block = out[:n].tobytes()
        if last < 0:
            carry += block  # stays within MAX_WORD_BYTES: tokens are cut
            continue
        yield carry + block[: last + 1]
        carry = block[last + 1:]
    if carry:
        yield carry


def read_pieces(handle, source, stats, block_bytes=BLOCK_BYTES, end_of_input=True):
    """The counted pieces of an open input (see ``_raw_pieces``); with ``end_of_input``, a
    last newline, since the end of an input ends a sentence."""
    try:
        for raw in _raw_pieces(handle, block_bytes, stats):
            _count_invalid_utf8(raw, stats)
            stats.sentences += raw.count(_SENTENCE_END)
            yield raw
    except _READ_ERRORS as exc:
        raise CorpusError(f"cannot read corpus '{source}': {_reason(exc)}. "
                          "The file may be truncated or corrupt.") from None
    if end_of_input:
        stats.sentences += 1
        yield _SENTENCE_END


def read_head(handle, name, size=SNIFF_BYTES):
    """The first ``size`` bytes of an open input (fewer when it ends first)."""
    parts, got = [], 0
    try:
        while got < size:
            block = handle.read(size - got)
            if not block:
                break
            parts.append(block)
            got += len(block)
    except _READ_ERRORS as exc:
        raise CorpusError(f"cannot read corpus '{name}': {_reason(exc)}. "
                          "The file may be truncated or corrupt.") from None
    return b"".join(parts)


class Replayed:
    """A binary reader giving ``head`` (bytes already read from ``handle``), then the
    rest of ``handle``."""

    def __init__(self, head, handle):
        self._head = head
        self._at = 0
        self._handle = handle

    def read(self, size=-1):
        if self._at >= len(self._head):
            return self._handle.read(size)
        end = len(self._head) if size is None or size < 0 else self._at + size
        data = self._head[self._at:end]
        self._at += len(data)
        return data


@dataclass(frozen=True)
class Readings:
    """How each input is read: the Reading of every input sniffed before the scan; the
    others are sniffed as they are opened (``sniff_rest``), or read in ``encoding``."""

    encoding: Optional[str] = None  # the declared encoding's codec; None: UTF-8
    declared: Optional[str] = None  # --encoding as given
    binary_ok: bool = False
    sniffed: Mapping = field(default_factory=dict)  # source -> its Reading
    sniff_rest: bool = False

    def of(self, source):
        """The Reading of ``source`` (a ByteRange: of its file, the mark skipped only by a
        range at the file's start), or None when it is sniffed as it is opened."""
        if isinstance(source, ByteRange):
            reading = self.of(source.path)
            if reading is None or source.start == 0:
                return reading
            return dataclasses.replace(reading, skip=0)
        if source in self.sniffed:
            return self.sniffed[source]
        return None if self.sniff_rest else Reading(self.encoding)

    def recoded(self, source):
        """Whether ``source`` is known to be decoded from another encoding than UTF-8."""
        reading = self.of(source)
        return reading is not None and reading.encoding is not None

    def reader(self, source, handle):
        """(a binary reader of the text of ``source``, open as ``handle``, in UTF-8; its
        Reading), the input sniffed first if it was not yet."""
        reading = self.of(source)
        if reading is None:
            head = read_head(handle, source)
            reading = judge(source, head, len(head) < SNIFF_BYTES, self.declared,
                            self.binary_ok)
            handle = Replayed(head, handle)
        if reading.skip:
            read_head(handle, source, reading.skip)
        return (RecodedReader(handle, reading.encoding) if reading.encoding else handle), reading


def sniff_inputs(sources, declared=None, binary_ok=False, names=None):
    """How to read ``sources`` (checked by ``check_sources``), a Readings: each local file
    is sniffed now (``sniff``), stdin and URLs as they are opened. ``declared``: --encoding
    as given. A UsageError when a byte order mark contradicts it, a CorpusError for an
    input that does not look like text (unless ``binary_ok``). ``names``: the inputs as
    the messages name them (default: ``sources``)."""
    sniffed = {}
    for source, name in zip(sources, names or sources):
        if source == STDIN or is_url(source):
            continue
        with open_binary(source) as handle:
            head = read_head(handle, name)
        sniffed[source] = judge(name, head, len(head) < SNIFF_BYTES, declared, binary_ok)
    return Readings(normalize_encoding(declared), declared, binary_ok,
                    types.MappingProxyType(sniffed), sniff_rest=True)


def iter_raw_blocks(source, stats, block_bytes=BLOCK_BYTES, readings=None):
    """Raw byte blocks of one input, each ending at a token boundary; the last one is a
    newline, since the end of an input ends a sentence. ``readings`` (default: UTF-8, not
    sniffed) says how the input is read; the blocks are UTF-8."""
    with open_binary(source) as handle:
        reader, reading = (readings or Readings()).reader(source, handle)
        yield from read_pieces(reader, source, stats, block_bytes)
        if reading.encoding:
            stats.undecodable += reader.replaced


def input_pieces(sources, stats, block_bytes=BLOCK_BYTES, readings=None):
    """The pieces of all inputs in order; ``stats.sizes`` gets each input's bytes."""
    for source in sources:
        before = stats.bytes_read
        yield from iter_raw_blocks(source, stats, block_bytes, readings)
        stats.sizes[source] = stats.bytes_read - before


class TokenScan:
    """One pass over the inputs: provisional ids, counts, and the spooled id stream.

    ``words`` (a tokenizer.WordTable) maps tokens to provisional ids (id 0 is the
    sentence marker); ``counts[i]`` counts provisional id ``i``. When more than
    ``prune_at`` distinct tokens are held, the rarest are dropped (as the reference
    tool does) and the pruning is reported in ``stats``. ``readings``: how the inputs are
    read (a Readings; default: UTF-8, not sniffed).
    """

    def __init__(self, spool_path, prune_at, readings=None):
        self.spool_path = spool_path
        self.prune_at = prune_at
        self.readings = readings
        self.stats = ReadStats()
        self.words = WordTable()
        self.counts = np.zeros(_INITIAL_ID_CAPACITY, dtype=np.int64)
        self.spooled = 0

    @property
    def distinct(self):
        return self.words.live

    def run(self, sources, block_bytes=BLOCK_BYTES, prefetch=False):
        """Read ``sources``; with ``prefetch``, a second thread reads, decompresses and
        cuts the blocks while this one tokenises them (the same blocks, the same result)."""
        return self.run_pieces(input_pieces(sources, self.stats, block_bytes, self.readings),
                               prefetch)

    def run_pieces(self, pieces, prefetch=False):
        """Tokenise ``pieces`` (byte blocks cut at whitespace, as ``input_pieces`` gives);
        with ``prefetch``, they are produced in a second thread."""
        if prefetch:
            pieces = Prefetched(pieces, PREFETCH_BLOCKS)
        with open(self.spool_path, "wb") as spool, contextlib.closing(pieces):
            for raw in pieces:
                ids = self.words.encode(raw)
                self._count(ids)
                spool.write(ids.tobytes())
                self.spooled += len(ids)
                if self.words.live > self.prune_at:
                    self._prune()
        self.stats.tokens = int(self.counts.sum() - self.counts[EOS_TEMP_ID])
        return self

    def _count(self, ids):
        if len(ids) == 0:
            return
        top = int(ids.max()) + 1
        if top > len(self.counts):
            grown = np.zeros(max(top, 2 * len(self.counts)), dtype=np.int64)
            grown[: len(self.counts)] = self.counts
            self.counts = grown
        if top <= _DENSE_COUNT_RATIO * len(ids):
            self.counts[:top] += np.bincount(ids, minlength=top)
        else:
            uniq, freq = np.unique(ids, return_counts=True)
            self.counts[uniq] += freq

    def _prune(self):
        """Drop the rarest tokens until the table is back under its bound."""
        while self.words.live > self.prune_at:
            self.stats.prune_min_count += 1
            live = self.words.live_ids()
            doomed = live[self.counts[live] <= self.stats.prune_min_count]
            self.counts[doomed] = 0
            self.words.prune(doomed)
            self.stats.prunes += 1

    def word_counts(self):
        """Distinct words in first-seen order, their provisional ids and counts, and the
        aliases: (provisional id, id of the same word) pairs for tokens whose bytes differ
        but decode to the same text (invalid UTF-8 replaced)."""
        ids = self.words.live_ids()
        first = {}
        aliases = []
        for pid, word in zip(ids.tolist(), self.words.decoded(ids)):
            canonical = first.setdefault(word, pid)
            if canonical != pid:
                aliases.append((pid, canonical))
        for pid, canonical in aliases:
            self.counts[canonical] += self.counts[pid]
            self.counts[pid] = 0
        kept = np.fromiter(first.values(), dtype=np.int64, count=len(first))
        return list(first), kept, self.counts[kept], aliases
