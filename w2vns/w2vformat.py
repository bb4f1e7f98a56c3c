"""The word2vec text and binary vector formats.

Header ``V D\\n``; then per word: text ``word v1 ... vD\\n``; binary ``word `` followed
by D little-endian float32 and ``\\n``. Compression follows the extension.
"""

import os

import numpy as np

from .atomic import COMPRESSED_SUFFIXES, atomic_output
from .errors import FormatError, InputError, UsageError

BINARY_SUFFIXES = (".bin",)
TEXT_SUFFIXES = (".txt", ".vec", ".w2v")
FLOAT_LE = np.dtype("<f4")
TEXT_FLOAT = "%.9g"  # nine significant digits: float32 values survive a round trip exactly
_WRITE_ROWS = 4096


def _base_suffix(path):
    root, suffix = os.path.splitext(path.lower())
    if suffix in COMPRESSED_SUFFIXES:
        suffix = os.path.splitext(root)[1]
    return suffix


def is_binary(path, fmt=None):
    """Binary or text, from an explicit format or the file extension."""
    if fmt is not None:
        return fmt == "binary"
    suffix = _base_suffix(path)
    if suffix in BINARY_SUFFIXES:
        return True
    if suffix in TEXT_SUFFIXES:
        return False
    raise UsageError(f"cannot tell the format of '{path}' from its extension. Name it .bin "
                     "(binary) or .txt/.vec (text), or pass --format binary|text.")


def write(path, words, vectors, binary):
    """Write vectors atomically in the word2vec format."""
    vectors = np.asarray(vectors, dtype=np.float32)
    with atomic_output(path, "wb") as handle:
        handle.write(f"{len(words)} {vectors.shape[1]}\n".encode())
        if binary:
            _write_binary(handle, words, vectors)
        else:
            _write_text(handle, words, vectors)


def _write_binary(handle, words, vectors):
    rows = vectors.astype(FLOAT_LE, copy=False)
    for start in range(0, len(words), _WRITE_ROWS):
        parts = []
        for word, row in zip(words[start:start + _WRITE_ROWS], rows[start:start + _WRITE_ROWS]):
            parts.append(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
        handle.write(b"".join(parts))


def _write_text(handle, words, vectors):
    line = "%s " + " ".join([TEXT_FLOAT] * vectors.shape[1]) + "\n"
    for start in range(0, len(words), _WRITE_ROWS):
        block = vectors[start:start + _WRITE_ROWS].tolist()
        text = "".join(line % (word, *row) for word, row in zip(words[start:start + _WRITE_ROWS], block))
        handle.write(text.encode("utf-8"))


def read(path, binary=None, limit=None):
    """Read a word2vec file. Returns (words, float32 matrix)."""
    if not os.path.exists(path):
        raise InputError(f"vectors file '{path}' not found. Check the path.")
    if binary is None:
        binary = is_binary(path)
    import smart_open

    with smart_open.open(path, "rb") as handle:
        data = handle.read()
    newline = data.find(b"\n")
    header = data[:newline].split()
    if newline < 0 or len(header) != 2 or not all(h.isdigit() for h in header):
        raise FormatError(f"'{path}' has no word2vec header ('count dim') on its first line.")
    count, dim = int(header[0]), int(header[1])
    if limit is not None:
        count = min(count, limit)
    body = (_parse_binary if binary else _parse_text)
    return body(path, data, newline + 1, count, dim)


def _parse_binary(path, data, pos, count, dim):
    width = dim * FLOAT_LE.itemsize
    words = []
    vectors = np.empty((count, dim), dtype=np.float32)
    for row in range(count):
        while pos < len(data) and data[pos] in b"\n\r":
            pos += 1
        space = data.find(b" ", pos)
        if space < 0 or space + 1 + width > len(data):
            raise FormatError(f"'{path}' is truncated: the header promises {count} vectors, "
                              f"row {row + 1} ends early at byte {pos}.")
        words.append(data[pos:space].decode("utf-8", "replace"))
        vectors[row] = np.frombuffer(data, dtype=FLOAT_LE, count=dim, offset=space + 1)
        pos = space + 1 + width
    return words, vectors


def _parse_text(path, data, pos, count, dim):
    lines = data[pos:].decode("utf-8", "replace").splitlines()
    lines = [ln for ln in lines if ln.strip()]
    if len(lines) < count:
        raise FormatError(f"'{path}' is truncated: the header promises {count} vectors, "
                          f"found {len(lines)}.")
    words = []
    vectors = np.empty((count, dim), dtype=np.float32)
    for row, line in enumerate(lines[:count]):
        parts = line.rstrip().split(" ")
        if len(parts) != dim + 1:
            raise FormatError(f"'{path}' line {row + 2}: expected a word and {dim} numbers, "
                              f"found {len(parts) - 1} values.")
        words.append(parts[0])
        try:
            vectors[row] = np.array(parts[1:], dtype=np.float32)
        except ValueError:
            raise FormatError(f"'{path}' line {row + 2}: a value is not a number.") from None
    return words, vectors
