"""Streaming a corpus: opening inputs, reading bounded blocks, tokenising into ids.

Inputs are paths or URLs opened with smart_open (compression inferred from the
extension) or ``-`` for standard input. Every input is read exactly once: the
scan assigns each distinct token a provisional id, counts it, and spools the id
stream to a temporary file, so later epochs never re-read (or re-decode) text.

Tokens are separated by whitespace; a newline, and the end of each input, ends a
sentence. Blocks are cut at ASCII whitespace, so memory stays bounded whatever the
line length; a token longer than ``MAX_WORD_BYTES`` is cut to that length.
"""

import contextlib
import itertools
import os
import sys
import zlib
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from .errors import CorpusError, InputError

STDIN = "-"
BLOCK_BYTES = 1 << 20  # 1 MiB of raw text per read (bigger blocks only cost memory)
MAX_WORD_BYTES = 1024
EOS_TOKEN = "\x00"  # sentence marker inside a block; real NULs are treated as whitespace
EOS_TEMP_ID = 0
_ASCII_SPACES = (b" ", b"\n", b"\t", b"\r", b"\x0b", b"\x0c")
_REPLACEMENT_UTF8 = "\ufffd".encode()
_READ_ERRORS = (OSError, EOFError, zlib.error, ValueError)
_INITIAL_ID_CAPACITY = 1 << 16
# Count with a dense bincount when ids are at most this many times the block's tokens.
_DENSE_COUNT_RATIO = 4


@dataclass
class ReadStats:
    """What reading the inputs found, for the user's summary."""

    bytes_read: int = 0
    tokens: int = 0
    sentences: int = 0
    invalid_utf8: int = 0
    truncated_words: int = 0
    prunes: int = 0
    prune_min_count: int = 0
    sizes: dict = field(default_factory=dict)


def is_url(source):
    return "://" in source


def check_sources(sources):
    """Fail fast, before any work, on inputs that cannot be read."""
    if not sources:
        raise InputError("no corpus given. Pass one or more files, URLs, or - for stdin.")
    if sum(1 for s in sources if s == STDIN) > 1:
        raise InputError("stdin (-) can be given only once.")
    for source in sources:
        if source == STDIN or is_url(source):
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
    import smart_open  # deferred: importing it costs start-up time

    try:
        handle = smart_open.open(source, "rb")
    except Exception as exc:  # smart_open raises many types for unreachable inputs
        raise CorpusError(f"cannot open corpus '{source}': {_reason(exc)}. Check the path or URL.")
    with handle:
        yield handle


def _reason(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _last_space(buf):
    return max(buf.rfind(s) for s in _ASCII_SPACES)


def _first_space(buf):
    found = [i for i in (buf.find(s) for s in _ASCII_SPACES) if i >= 0]
    return min(found) if found else -1


def _decode(raw, stats):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
        stats.invalid_utf8 += text.count("\ufffd") - raw.count(_REPLACEMENT_UTF8)
        return text


def _raw_pieces(handle, block_bytes, stats):
    """Raw byte pieces of ``handle``, each ending at a token boundary."""
    carry = b""
    skipping = False  # inside an over-long token whose head was already emitted
    while True:
        block = handle.read(block_bytes)
        if not block:
            break
        stats.bytes_read += len(block)
        if skipping:
            cut = _first_space(block)
            if cut < 0:
                continue
            block = block[cut:]
            skipping = False
        buf = carry + block
        cut = _last_space(buf)
        if cut < 0:
            if len(buf) > MAX_WORD_BYTES:
                stats.truncated_words += 1
                yield buf[:MAX_WORD_BYTES] + b" "
                carry = b""
                skipping = True
            else:
                carry = buf
            continue
        yield buf[: cut + 1]
        carry = buf[cut + 1:]
        if len(carry) > MAX_WORD_BYTES:
            stats.truncated_words += 1
            yield carry[:MAX_WORD_BYTES] + b" "
            carry = b""
            skipping = True
    if carry:
        yield carry


def iter_text_blocks(source, stats, block_bytes=BLOCK_BYTES):
    """Decoded text blocks of one input; newlines replaced by the EOS marker token."""
    with open_binary(source) as handle:
        try:
            for raw in _raw_pieces(handle, block_bytes, stats):
                text = _decode(raw, stats)
                if EOS_TOKEN in text:
                    text = text.replace(EOS_TOKEN, " ")
                stats.sentences += text.count("\n")
                yield text.replace("\n", " " + EOS_TOKEN + " ")
        except _READ_ERRORS as exc:
            raise CorpusError(f"cannot read corpus '{source}': {_reason(exc)}. "
                              "The file may be truncated or corrupt.") from None
    stats.sentences += 1
    yield " " + EOS_TOKEN + " "


class TokenScan:
    """One pass over the inputs: provisional ids, counts, and the spooled id stream.

    ``table`` maps token -> provisional id (id 0 is the sentence marker);
    ``counts[i]`` counts provisional id ``i``. When more than ``prune_at`` distinct
    tokens are held, the rarest are dropped (as the reference tool does) and the
    pruning is reported in ``stats``.
    """

    def __init__(self, spool_path, prune_at):
        self.spool_path = spool_path
        self.prune_at = prune_at
        self.stats = ReadStats()
        self.table = defaultdict(itertools.count().__next__)
        self.table[EOS_TOKEN]  # reserve provisional id 0 for the sentence marker
        self.counts = np.zeros(_INITIAL_ID_CAPACITY, dtype=np.int64)
        self.spooled = 0

    def run(self, sources, on_bytes=None):
        lookup = self.table.__getitem__
        with open(self.spool_path, "wb") as spool:
            for source in sources:
                for text in iter_text_blocks(source, self.stats):
                    tokens = text.split()
                    ids = np.fromiter(map(lookup, tokens), dtype=np.int32, count=len(tokens))
                    self._count(ids)
                    spool.write(ids.tobytes())
                    self.spooled += len(ids)
                    if len(self.table) > self.prune_at:
                        self._prune()
                    if on_bytes is not None:
                        on_bytes(self.stats.bytes_read)
                self.stats.sizes[source] = self.stats.bytes_read - sum(self.stats.sizes.values())
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
        while len(self.table) > self.prune_at:
            self.stats.prune_min_count += 1
            floor = self.stats.prune_min_count
            doomed = [w for w, i in self.table.items()
                      if i != EOS_TEMP_ID and self.counts[i] <= floor]
            for word in doomed:
                self.counts[self.table.pop(word)] = 0
            self.stats.prunes += 1

    def word_counts(self):
        """(words, provisional ids, counts) of the tokens still held, in first-seen order."""
        items = [(w, i) for w, i in self.table.items() if i != EOS_TEMP_ID]
        words = [w for w, _ in items]
        ids = np.fromiter((i for _, i in items), dtype=np.int64, count=len(items))
        return words, ids, self.counts[ids]
