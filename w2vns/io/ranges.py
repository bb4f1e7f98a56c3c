"""Byte ranges of one plain file, cut at whitespace, so that several readers (threads or
MPI processes) can each tokenise a share of it without reading the rest.

A cut is moved forward from its nominal offset to just after the next whitespace byte
(see ``corpus`` for what counts as whitespace), so no token is split between two ranges.
Only plain local files can be cut: compressed files, URLs and stdin are read whole.
"""

import os
from typing import NamedTuple

SPACE_BYTES = frozenset(b" \n\t\r\x0b\x0c\x00")
PROBE_BYTES = 1 << 16  # read this much at a time when looking for the next whitespace
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".zst", ".xz", ".lz4", ".zip")


class ByteRange(NamedTuple):
    """Bytes [start, end) of the file at ``path``."""

    path: str
    start: int
    end: int

    @property
    def size(self):
        return self.end - self.start


def splittable(source):
    """Whether ``source`` is a plain local file that can be read by byte ranges."""
    return (isinstance(source, str) and "://" not in source and source != "-"
            and os.path.isfile(source)
            and not source.lower().endswith(COMPRESSED_SUFFIXES))


def _next_boundary(handle, offset, size):
    """The offset just after the first whitespace byte at or after ``offset`` (or ``size``)."""
    handle.seek(offset)
    while offset < size:
        probe = handle.read(PROBE_BYTES)
        if not probe:
            break
        for i, byte in enumerate(probe):
            if byte in SPACE_BYTES:
                return offset + i + 1
        offset += len(probe)
    return size


def split(path, parts, start=0):
    """At most ``parts`` consecutive, non-empty ByteRanges covering the file from byte
    ``start`` to its end, of about equal size, each ending just after a whitespace byte
    (the last at the end of the file)."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    size = os.path.getsize(path)
    cuts = [start]
    with open(path, "rb") as handle:
        for k in range(1, parts):
            nominal = start + (size - start) * k // parts
            if nominal <= cuts[-1]:
                continue
            cut = _next_boundary(handle, nominal, size)
            if cuts[-1] < cut < size:
                cuts.append(cut)
    cuts.append(size)
    return [ByteRange(path, a, b) for a, b in zip(cuts, cuts[1:]) if b > a] or [
        ByteRange(path, start, start)]


class RangeReader:
    """A binary reader over one ByteRange: ``read(n)`` stops at the range's end."""

    def __init__(self, byte_range):
        self.range = byte_range
        self._handle = open(byte_range.path, "rb")
        self._handle.seek(byte_range.start)
        self._left = byte_range.size

    def read(self, n=-1):
        if self._left <= 0:
            return b""
        n = self._left if n is None or n < 0 else min(n, self._left)
        data = self._handle.read(n)
        self._left -= len(data)
        return data

    def close(self):
        self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
