"""The word2vec text and binary vector formats, and ``.npy`` + ``.vocab`` pairs.

Header ``V D\\n``; then per word: text ``word v1 ... vD\\n``; binary ``word `` followed
by D little-endian float32 (the C tool adds ``\\n``, gensim does not). Text with no
header line (GloVe's format) is recognised and read too, or read as such on request
(``no_header``). Compression follows the extension. A ``.npy`` matrix keeps its words
one per line beside it, in the same path with the suffix ``.vocab``. Other formats met
in the wild (fastText models, ``.npz`` archives, pickles, HDF5 files, compressed data
under a plain name) are recognised by their first bytes and refused with a message that
says what to do.
"""

import itertools
import os
import sys
import warnings
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np

from . import fasttext, matrix, projector
from .atomic import COMPRESSED_SUFFIXES, STDOUT, atomic_output
from ..errors import CUT_MARK, FormatError, InputError, UsageError, printable

BINARY_SUFFIXES = (".bin",)
TEXT_SUFFIXES = (".txt", ".vec", ".w2v")
NPY_SUFFIX = ".npy"
NPZ_SUFFIX = ".npz"
VOCAB_SUFFIX = ".vocab"
UNICODE_ERRORS = ("strict", "replace", "ignore")
FLOAT_LE = np.dtype("<f4")
TEXT_FLOAT = "%.9g"  # nine significant digits: float32 values survive a round trip exactly
MAX_HEADER_BYTES = 256
MAX_WORD_BYTES = 4096  # longer "words" in a binary file mean a corrupt file
BLOCK_BYTES = 4 << 20  # binary files are read in blocks of this size
TEXT_BATCH_ROWS = 4096  # text rows parsed by NumPy at once
FINITE_CHECK_ROWS = 65536  # rows checked for NaN/inf at once (bounds the temporary)
SNIFF_BYTES = 1 << 16
MIN_BINARY_ROW_BYTES = 2  # besides the floats: a one-byte word and its space
MIN_TEXT_ROW_BYTES = 2  # per field: one character and a separator (none after the last)
ROW_SEPARATORS = b"\r\n"  # between binary rows: the C tool writes "\n", gensim nothing
UTF8_BOM = b"\xef\xbb\xbf"
MAX_DIM = 1 << 20  # a header announcing more dimensions is damaged
MAX_TEXT_ROW_BYTES = 32 * MAX_DIM  # line 1 of headerless text is read up to this length
SHOWN_BYTES = 16  # of binary data quoted in a message
REASON_CHARS = 200  # a library's explanation quoted in a message is cut to this length
TEXT_CONTROLS = "\t\n\r\x0b\x0c"  # the only control characters text vectors may hold
FASTTEXT_MAGIC = (793712314).to_bytes(4, "little")  # first bytes of a fastText .bin model
ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF\r\n"  # an HDF5 file's first line (its signature goes on: \x1a\n)
NPY_MAGIC = b"\x93NUMPY"
PICKLE_PROTOCOLS = (2, 3, 4, 5)  # a pickle of these protocols starts with 0x80, protocol
PICKLE_START = 0x80
# Compressed data under a name that does not say so: (first bytes, kind, suffix to add).
COMPRESSION_MAGIC = ((b"\x1f\x8b", "gzip", ".gz"), (b"BZh", "bzip2", ".bz2"),
                     (b"\x28\xb5\x2f\xfd", "zstd", ".zst"), (b"\xfd7zXZ\x00", "xz", ".xz"))
_WRITE_ROWS = 4096


@dataclass
class VectorsFile:
    """What a read found: unique words, their float32 rows, and what was repaired."""

    words: list
    vectors: np.ndarray
    invalid_words: int = 0  # words that were not valid UTF-8 (replaced or ignored)
    duplicates: int = 0  # later rows of a repeated word, dropped
    subwords: object = None  # a fastText model's n-grams (an io.fasttext.FastTextModel)


def _base_suffix(path):
    root, suffix = os.path.splitext(path.lower())
    if suffix in COMPRESSED_SUFFIXES:
        suffix = os.path.splitext(root)[1]
    return suffix


def file_format(path, fmt=None):
    """'binary', 'text' or 'npy' from an explicit format or the extension; None if unknown."""
    if fmt is not None:
        return fmt
    suffix = _base_suffix(path)
    if suffix in BINARY_SUFFIXES:
        return "binary"
    if suffix in TEXT_SUFFIXES:
        return "text"
    if path.lower().endswith(NPY_SUFFIX):
        return "npy"
    if suffix == projector.TSV_SUFFIX:
        return "tsv"
    return None


def is_binary(path, fmt=None):
    """Binary or text, from an explicit format or the file extension ('-', stdout: text)."""
    if fmt is not None:
        return fmt == "binary"
    if path == STDOUT:
        return False
    found = file_format(path)
    if found in ("binary", "text"):
        return found == "binary"
    raise UsageError(f"cannot tell the format of '{path}' from its extension. Name it .bin "
                     "(binary) or .txt/.vec (text), or pass --format binary|text.")


def output_format(path):
    """The format to write ``path`` in, from its extension ('-', stdout: text)."""
    found = "text" if path == STDOUT else file_format(path)
    if found is None:
        raise UsageError(f"cannot tell the format of '{path}' from its extension. Name it .bin "
                         "(binary), .txt/.vec (text, both may end in .gz/.bz2/.zst), .npy or "
                         ".tsv (Embedding Projector).")
    return found


def vocab_path(npy_path):
    """The words file that goes with a ``.npy`` matrix."""
    return os.path.splitext(npy_path)[0] + VOCAB_SUFFIX


# ----------------------------------------------------------------------------- writing


def write(path, words, vectors, binary):
    """Write vectors atomically in the word2vec format."""
    vectors = np.asarray(vectors, dtype=np.float32)
    with atomic_output(path, "wb") as handle:
        handle.write(f"{len(words)} {vectors.shape[1]}\n".encode())
        if binary:
            _write_binary(handle, words, vectors)
        else:
            _write_text(handle, words, vectors)


def write_file(path, words, vectors, fmt=None):
    """Write in the format of ``fmt`` or of the extension (binary, text or npy)."""
    fmt = output_format(path) if fmt is None else fmt
    if fmt == "npy":
        write_npy(path, words, vectors)
    elif fmt == "tsv":
        projector.write(path, words, vectors)
    else:
        write(path, words, vectors, fmt == "binary")


def write_npy(path, words, vectors):
    """The matrix with ``np.save``, the words one per line in the ``.vocab`` file beside it."""
    vectors = np.asarray(vectors, dtype=np.float32)
    with atomic_output(vocab_path(path), "wb") as handle:
        for start in range(0, len(words), _WRITE_ROWS):
            handle.write("".join(f"{w}\n" for w in words[start:start + _WRITE_ROWS]).encode())
    with atomic_output(path, "wb") as handle:
        np.save(handle, vectors, allow_pickle=False)


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
        chunk = words[start:start + _WRITE_ROWS]
        handle.write("".join(line % (word, *row) for word, row in zip(chunk, block)).encode())


# ----------------------------------------------------------------------------- reading


def read(path, binary=None, limit=None, unicode_errors="replace", no_header=False):
    """Read a vectors file. Returns (words, float32 matrix)."""
    fmt = None if binary is None else ("binary" if binary else "text")
    found = read_file(path, fmt=fmt, limit=limit, unicode_errors=unicode_errors,
                      no_header=no_header)
    return found.words, found.vectors


def read_file(path, fmt=None, limit=None, unicode_errors="replace", no_header=False):
    """Read word2vec text or binary (plain or compressed) or ``.npy`` + ``.vocab``.

    ``limit`` reads only the first N vectors. Duplicate words keep their first row.
    ``no_header``: the file is text whose line 1 is already a vector (GloVe's format),
    whatever its extension; without it, such a file is recognised when line 1 cannot be a
    header. A truncated or malformed file raises FormatError naming the byte or line.
    """
    path = os.fspath(path)
    _check_readable(path)
    if unicode_errors not in UNICODE_ERRORS:
        raise UsageError(f"unicode_errors must be one of {', '.join(UNICODE_ERRORS)}, "
                         f"got '{unicode_errors}'.")
    if limit is not None and limit < 0:
        raise UsageError(f"--limit must be 0 or more, got {limit}.")
    if "://" not in path and fasttext.is_fasttext(path):
        return _read_fasttext(path, limit)
    fmt = file_format(path, fmt)
    if fmt == "tsv":
        raise UsageError(f"'{path}' is an Embedding Projector TSV, which w2vns writes but "
                         "does not read. Load the word2vec file it was made from.")
    if no_header and fmt == "npy":
        raise UsageError(f"--no-header is for text vectors files; '{path}' is a .npy matrix. "
                         "Drop --no-header.")
    decoder = _WordDecoder(path, unicode_errors)
    if fmt == "npy":
        words, vectors = _read_npy(path, limit, decoder)
    else:
        words, vectors = _read_word2vec(path, fmt, limit, decoder, no_header)
    words, vectors, duplicates = _drop_duplicates(words, vectors)
    return VectorsFile(words, vectors, decoder.invalid, duplicates)


def _read_fasttext(path, limit):
    """A fastText .bin model: its words' vectors (each the mean of its own row and its
    n-gram rows), and the model to build unknown words' vectors from."""
    model = fasttext.read(path)
    vectors = fasttext.word_vectors(model)
    words, vectors, duplicates = _drop_duplicates(model.words, vectors)
    if limit is not None:
        words, vectors = words[:limit], vectors[:limit]
    return VectorsFile(words, vectors, model.invalid_words, duplicates, subwords=model)


def _check_readable(path):
    if "://" in path:
        return
    if os.path.isdir(path):
        raise InputError(f"vectors '{path}' is a directory. Pass a vectors file.")
    if not os.path.exists(path):
        raise InputError(f"vectors file '{path}' not found. Check the path.")


class _WordDecoder:
    """UTF-8 decoding of words, counting (or, if strict, refusing) invalid ones."""

    def __init__(self, path, errors):
        self.path = path
        self.errors = errors
        self.invalid = 0

    def __call__(self, raw, where):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            if self.errors == "strict":
                raise FormatError(f"'{self.path}' {where}: the word is not valid UTF-8. "
                                  "Use --unicode-errors replace or ignore.") from None
            self.invalid += 1
            return raw.decode("utf-8", self.errors)


def _drop_duplicates(words, vectors):
    if len(set(words)) == len(words):
        return words, vectors, 0
    seen = set()
    keep = []
    for i, word in enumerate(words):
        if word not in seen:
            seen.add(word)
            keep.append(i)
    unique = [words[i] for i in keep]
    return unique, np.ascontiguousarray(vectors[keep]), len(words) - len(keep)


def _read_word2vec(path, fmt, limit, decoder, no_header=False):
    """A word2vec file, or with ``no_header`` text with no header line; a failure of the
    stream (a damaged compressed file) is a FormatError."""
    import smart_open

    try:
        if no_header:
            return _read_no_header(path, limit, decoder)
        if fmt is None:
            fmt = _sniff(path)
        with smart_open.open(path, "rb") as handle:
            count, dim, offset = _read_header(path, handle)
            if count is not None:
                shape = _Shape(count, count if limit is None else min(count, limit), dim)
                parse = _read_binary_rows if fmt == "binary" else _read_text_rows
                return parse(path, handle, shape, offset, decoder)
        return _read_headerless(path, dim, offset, limit, decoder)
    except (OSError, EOFError, zlib.error) as exc:
        raise FormatError(f"cannot read '{path}': {printable(str(exc), REASON_CHARS)}.") from None


@dataclass(frozen=True)
class _Shape:
    count: int  # vectors the header announces
    rows: int  # vectors to read (count, or fewer with a limit)
    dim: int


def _first_line(path, handle):
    """(line 1 up to MAX_HEADER_BYTES without a byte order mark, whether it was read to its
    end, bytes taken, bytes of the byte order mark). FormatError for an empty file or one
    in a format w2vns does not read."""
    line = handle.readline(MAX_HEADER_BYTES)
    complete = line.endswith(b"\n") or len(line) < MAX_HEADER_BYTES
    taken = len(line)
    bom = len(UTF8_BOM) if line.startswith(UTF8_BOM) else 0
    line = line[bom:]
    if not line:
        raise FormatError(f"'{path}' is empty. Expected a word2vec file with a 'count dim' "
                          "header line.")
    recognised = _recognised(path, line)
    if recognised:
        raise FormatError(recognised)
    return line, complete, taken, bom


def _is_header(fields):
    """Two whole numbers, the second above 0: 'count dim'."""
    return len(fields) == 2 and all(f.isdigit() for f in fields) and int(fields[1]) > 0


def _read_header(path, handle):
    """(count, dim, bytes taken) from the first line; for text with no header line (GloVe),
    (None, dim, bytes of a byte order mark) with line 1 left to read as a row."""
    line, complete, taken, bom = _first_line(path, handle)
    fields = line.split()
    if _is_header(fields):
        if int(fields[1]) > MAX_DIM:
            raise FormatError(f"'{path}' line 1: the header announces {int(fields[1]):,} "
                              f"dimensions, more than the {MAX_DIM:,} w2vns reads: the header "
                              "is damaged, or this is not a word2vec file.")
        return int(fields[0]), int(fields[1]), taken
    dim = None if _is_binary(line) else _headerless_dim(line, complete, handle)
    if dim is None:
        raise FormatError(_not_vectors(path, line))
    return None, dim, bom


def _headerless_dim(line, complete, handle):
    """The dimension if line 1 is a row (a word and its values) rather than a header: text
    in GloVe's format. None if it is not. ``complete``: the line was read to its end."""
    if not complete:
        if not _is_row(line.split()[:-1]):
            return None
        line += handle.readline(MAX_TEXT_ROW_BYTES)
    fields = line.split()
    return len(fields) - 1 if _is_row(fields) and len(fields) - 1 <= MAX_DIM else None


def _is_row(fields):
    """A word and numbers, not all of them whole numbers (that is a damaged header)."""
    if all(f.lstrip(b"+-").isdigit() for f in fields):
        return False
    return _is_word_and_values(fields)


def _is_word_and_values(fields):
    """A word and at least one number."""
    if len(fields) < 2:
        return False
    try:
        [float(f) for f in fields[1:]]
    except ValueError:
        return False
    return True


def _is_one_value_row(line):
    """A word and one number: what follows line 1 of a one-dimensional headerless file."""
    fields = line.split()
    return len(fields) == 2 and _is_word_and_values(fields)


def _read_no_header(path, limit, decoder):
    """Text whose line 1 is a row (``no_header``): GloVe's format, read as such even when
    line 1 holds only whole numbers. A line 1 that is a word2vec header (the next line is
    not a row of one value) is refused: the file has a header."""
    import smart_open

    with smart_open.open(path, "rb") as handle:
        line, complete, _, bom = _first_line(path, handle)
        if not complete:
            line += handle.readline(MAX_TEXT_ROW_BYTES)
        fields = line.split()
        if _is_header(fields) and not _is_one_value_row(handle.readline(MAX_HEADER_BYTES)):
            raise UsageError(f"'{path}' line 1 is a word2vec header ('{printable(line.strip())}'"
                             "), but --no-header reads line 1 as a vector. Drop --no-header.")
    if _is_binary(line):
        raise FormatError(_not_vectors(path, line))
    if not _is_word_and_values(fields) or len(fields) - 1 > MAX_DIM:
        raise FormatError(f"'{path}' line 1: expected a word and its values (--no-header: no "
                          f"header line), found '{printable(line.strip())}'.")
    return _read_headerless(path, len(fields) - 1, bom, limit, decoder)


def _sniff(path):
    """Text or binary, for a file whose extension does not say: is row 1 all numbers?"""
    import smart_open

    with smart_open.open(path, "rb") as handle:
        count, dim, _ = _read_header(path, handle)
        if count is None:
            return "text"
        sample = handle.read(SNIFF_BYTES)
    fields = sample.split(b"\n", 1)[0].split()
    try:
        [float(f) for f in fields[1:]]
    except ValueError:
        return "binary"
    return "text" if len(fields) == dim + 1 else "binary"


# ---------------------------------------------------------------- other formats, refused


def _recognised(path, line):
    """The message for a file that starts as a format w2vns does not read, or None:
    compressed data under a plain name, a model or archive."""
    for magic, kind, suffix in COMPRESSION_MAGIC:
        if line.startswith(magic):
            return (f"'{path}' holds {kind}-compressed data, but its name does not end in "
                    f"{suffix} (w2vns decompresses by the extension). Rename it to "
                    f"'{path}{suffix}'.")
    return _known_format(path, line)


def _not_vectors(path, line):
    """Why a file whose first line is neither a header nor a row cannot be read: binary
    data, or text that is not a header."""
    if _is_binary(line):
        shown = repr(bytes(line[:SHOWN_BYTES]))[2:-1] + (CUT_MARK if len(line) > SHOWN_BYTES
                                                          else "")
        return (f"'{path}' is not a word2vec vectors file: it starts with binary data "
                f"('{shown}'), not a 'count dim' header line.")
    hint = (" If the file has no header line and line 1 is a vector, pass --no-header."
            if _is_word_and_values(line.split()) else "")
    return (f"'{path}' line 1: expected the word2vec header 'count dim' (two whole numbers, "
            f"dim > 0), found '{printable(line.strip())}'.{hint}")


def _known_format(path, line):
    """The message for a vectors or model format w2vns does not read, or None."""
    if line.startswith(FASTTEXT_MAGIC):
        return (f"'{path}' is a fastText model (.bin), which w2vns reads from a plain local "
                "file only. Decompress or download it first.")
    if line.startswith(ZIP_MAGIC):
        return _zip_message(path)
    if line.startswith(HDF5_MAGIC):
        return (f"'{path}' is an HDF5 file (a Keras or h5py model?), which w2vns does not "
                "read. Save the matrix with np.save as NAME.npy and its words, one per line, "
                "in NAME.vocab beside it: w2vns reads that pair.")
    if line.startswith(NPY_MAGIC):
        return (f"'{path}' is a NumPy .npy matrix without the .npy suffix. Rename it to "
                "NAME.npy and put its words, one per line, in NAME.vocab beside it.")
    if len(line) > 1 and line[0] == PICKLE_START and line[1] in PICKLE_PROTOCOLS:
        return (f"'{path}' is a Python pickle (a gensim model saved with .save()?), which "
                "w2vns does not read. Write its vectors from gensim with "
                "model.wv.save_word2vec_format('vectors.bin', binary=True).")
    return None


def _zip_message(path):
    """A NumPy .npz archive (a zip of .npy arrays), or another zip archive."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        names = []
    if path.lower().endswith(NPZ_SUFFIX) or (names and all(n.endswith(NPY_SUFFIX)
                                                          for n in names)):
        return npz_message(path)
    inside = f" (it holds '{printable(names[0])}')" if len(names) == 1 else ""
    return (f"'{path}' is a zip archive{inside}, which w2vns does not read. Unzip it and "
            "give the vectors file inside.")


def npz_message(path):
    """What to do with a NumPy .npz archive."""
    return (f"'{path}' is a NumPy .npz archive, which w2vns does not read. Save the matrix "
            "with np.save as NAME.npy and its words, one per line, in NAME.vocab beside it: "
            "w2vns reads that pair.")


def _is_binary(line):
    """Bytes that are not UTF-8 text, or text with control characters."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return any(not c.isprintable() and c not in TEXT_CONTROLS for c in text)


# ------------------------------------------------------------------------ binary rows


def _read_binary_rows(path, handle, shape, offset, decoder):
    """Scan each row's word with bytes.find, copy its floats straight into the matrix."""
    vectors = _allocate(path, shape, offset, MIN_BINARY_ROW_BYTES + 4 * shape.dim)
    scan = _BinaryScan(path, handle, shape, offset, vectors, decoder)
    scan.run()
    if shape.rows == shape.count:
        scan.check_end()
    if sys.byteorder != "little":
        vectors.byteswap(inplace=True)
    _check_finite(path, vectors, scan.words,
                  lambda row: f"vector {row + 1} (byte {scan.offsets[row]})")
    return scan.words, vectors


class _BinaryScan:
    """One pass over binary rows through a reusable buffer, refilled block by block."""

    def __init__(self, path, handle, shape, offset, vectors, decoder):
        self.path, self.handle, self.shape, self.decoder = path, handle, shape, decoder
        self.width = shape.dim * FLOAT_LE.itemsize
        self.target = memoryview(vectors.reshape(-1).view(np.uint8))
        self.buffer = bytearray(max(BLOCK_BYTES, 2 * (self.width + MAX_WORD_BYTES + 8)))
        self.view = memoryview(self.buffer)
        self.base = offset  # file offset of buffer[0]
        self.start = self.end = 0  # unread bytes are buffer[start:end]
        self.eof = False
        self.words = []
        self.offsets = []  # file offset of each row's word, for messages
        self.newline_rows = None  # does every row end with a newline? known at row 2
        self.row_end_checked = False  # the current row's start has been checked

    def run(self):
        while len(self.words) < self.shape.rows:
            self._fill()
            before = len(self.words)
            self._scan_buffer()
            if len(self.words) < self.shape.rows and self.eof:
                raise FormatError(f"'{self.path}' is truncated: vector {len(self.words) + 1} "
                                  f"of {self.shape.count} (byte {self.base + self.start}) is "
                                  "incomplete or missing.")
            if len(self.words) == before and self.end - self.start == len(self.buffer):
                self._corrupt(self.start, f"vector {before + 1} does not fit in "
                              f"{len(self.buffer)} bytes")

    def _fill(self):
        """Move the unread bytes to the front and read more behind them."""
        if self.start:
            left = self.end - self.start
            self.view[:left] = self.buffer[self.start:self.end]
            self.base += self.start
            self.start, self.end = 0, left
        while self.end < len(self.buffer) and not self.eof:
            got = _read_into(self.handle, self.view[self.end:])
            self.end += got
            self.eof = got == 0

    def _scan_buffer(self):
        """Every complete row in the buffer. The hot loop: one bytes.find and one copy a row."""
        data, view, target, find = self.buffer, self.view, self.target, self.buffer.find
        end, width, rows = self.end, self.width, self.shape.rows
        words, offsets = self.words, self.offsets
        pos, row, checked = self.start, len(words), self.row_end_checked
        while row < rows:
            if not checked:  # pos is just past the previous row's floats
                if row:
                    if pos >= end:
                        break
                    ends_line = data[pos] in ROW_SEPARATORS
                    if ends_line is not self.newline_rows:
                        self._row_end_changed(ends_line, pos, row)
                checked = True
            while pos < end and data[pos] in ROW_SEPARATORS:
                pos += 1
            space = find(b" ", pos, min(end, pos + MAX_WORD_BYTES + 1))
            stop = space + 1 + width
            if space < 0 or stop > end:
                if space < 0 and end - pos > MAX_WORD_BYTES:
                    self._corrupt(pos, f"vector {row + 1} has no word end within "
                                  f"{MAX_WORD_BYTES} bytes")
                break
            raw = data[pos:space]
            if not raw or 0 in raw:
                self._bad_word(raw, pos, row)
            try:
                words.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                words.append(self.decoder(bytes(raw), f"byte {self.base + pos}"))
            offsets.append(self.base + pos)
            target[row * width:(row + 1) * width] = view[space + 1:stop]
            pos, row, checked = stop, row + 1, False
        self.start, self.row_end_checked = pos, checked

    def _row_end_changed(self, ends_line, pos, row):
        """Row 1 tells whether rows end with a newline; after that, a missing one is an error."""
        if self.newline_rows is None:
            self.newline_rows = ends_line
        elif self.newline_rows:
            self._corrupt(pos, f"vector {row} is not followed by a newline (a row with "
                          "the wrong number of values, or a damaged file)")

    def _bad_word(self, raw, pos, row):
        problem = "an empty word" if not raw else "a NUL byte in its word"
        self._corrupt(pos, f"vector {row + 1} has {problem}")

    def _corrupt(self, pos, what):
        raise FormatError(f"'{self.path}' is corrupt at byte {self.base + pos}: {what}.")

    def check_end(self):
        """Only newlines may follow the last row: more data means a wrong header."""
        while True:
            rest = bytes(self.buffer[self.start:self.end]).lstrip(ROW_SEPARATORS)
            if rest:
                raise FormatError(f"'{self.path}' has data after its last vector at byte "
                                  f"{self.base + self.end - len(rest)}: the header's count "
                                  f"({self.shape.count}) or dimension ({self.shape.dim}) "
                                  "is wrong.")
            if self.eof:
                return
            self.start = self.end
            self._fill()


def _allocate(path, shape, offset, min_row_bytes):
    """The matrix for the rows to read; a file too short for them gets only the rows it can
    hold (the reader then stops at the first missing one, with a precise message)."""
    rows = shape.rows
    if "://" not in path and not _compressed(path):
        rows = min(rows, max(0, os.path.getsize(path) - offset) // min_row_bytes)
    try:
        return matrix.empty(rows, shape.dim)
    except (MemoryError, ValueError):  # ValueError: more bytes than an address space holds
        raise FormatError(f"'{path}': not enough memory for the {rows} x {shape.dim} vectors "
                          "its header announces. Use --limit N to read fewer.") from None


def _compressed(path):
    return os.path.splitext(path.lower())[1] in COMPRESSED_SUFFIXES


def _read_into(handle, view):
    """Read up to len(view) bytes into view; 0 only at the end of the stream."""
    if hasattr(handle, "readinto"):
        return handle.readinto(view) or 0
    chunk = handle.read(len(view))
    view[:len(chunk)] = chunk
    return len(chunk)


# -------------------------------------------------------------------------- text rows


def _read_headerless(path, dim, offset, limit, decoder):
    """Text with no header line (GloVe): one pass counts the rows, a second reads them.

    ``offset``: bytes before line 1 (a byte order mark). The count stops one row past
    ``limit``, so that ``--limit`` reads only the start of the file.
    """
    import smart_open

    with smart_open.open(path, "rb") as handle:
        handle.read(offset)
        rows = (line for line in handle if line.strip())
        count = sum(1 for _ in itertools.islice(rows, None if limit is None else limit + 1))
    shape = _Shape(count, count if limit is None else min(count, limit), dim)
    with smart_open.open(path, "rb") as handle:
        handle.read(offset)
        return _read_text_rows(path, handle, shape, offset, decoder, header_lines=0)


def _read_text_rows(path, handle, shape, offset, decoder, header_lines=1):
    """Lines in batches: Python splits off the words, NumPy parses the numbers."""
    vectors = _allocate(path, shape, offset, MIN_TEXT_ROW_BYTES * (shape.dim + 1) - 1)
    words, line_numbers, batch = [], [], []
    line_no = header_lines
    while len(line_numbers) < shape.rows:
        raw = handle.readline()
        if not raw:
            raise FormatError(f"'{path}' is truncated: it ends at line {line_no} with "
                              f"{len(line_numbers)} of the {shape.count} vectors its header "
                              "announces.")
        line_no += 1
        raw = raw.rstrip()
        if not raw:
            continue
        batch.append(raw)
        line_numbers.append(line_no)
        if len(batch) == TEXT_BATCH_ROWS or len(line_numbers) == shape.rows:
            _parse_text_batch(path, batch, line_numbers[-len(batch):], shape.dim, vectors,
                              words, decoder)
            batch = []
    if shape.rows == shape.count:
        _check_text_end(path, handle, line_no, shape.count)
    _check_finite(path, vectors, words, lambda row: f"line {line_numbers[row]}")
    return words, vectors


def _parse_text_batch(path, lines, line_numbers, dim, vectors, words, decoder):
    first = len(words)
    values = []
    for raw, line_no in zip(lines, line_numbers):
        parts = raw.split(None, 1)
        rest = parts[1] if len(parts) == 2 else b""
        if not rest or rest.count(b" ") != dim - 1:
            _check_count(path, rest, dim, line_no)
        words.append(decoder(parts[0], f"line {line_no}"))
        values.append(rest)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            parsed = np.fromstring(b" ".join(values), dtype=np.float32, sep=" ")
    except (ValueError, DeprecationWarning):
        parsed = None
    if parsed is None or parsed.size != len(lines) * dim:
        _diagnose(path, values, line_numbers, dim)
    vectors[first:first + len(lines)] = parsed.reshape(len(lines), dim)


def _check_count(path, rest, dim, line_no):
    found = len(rest.split())
    if found != dim:
        raise FormatError(f"'{path}' line {line_no}: expected a word and {dim} values, "
                          f"found {found} values.")


def _diagnose(path, values, line_numbers, dim):
    """The exact line NumPy stumbled on: a wrong count or a token that is not a number."""
    for rest, line_no in zip(values, line_numbers):
        _check_count(path, rest, dim, line_no)
        for token in rest.split():
            try:
                float(token)
            except ValueError:
                raise FormatError(f"'{path}' line {line_no}: '{printable(token)}' is not a "
                                  "number.") from None
    raise FormatError(f"'{path}' line {line_numbers[0]}: the values could not be parsed.")


def _check_text_end(path, handle, line_no, count):
    for raw in handle:
        line_no += 1
        if raw.strip():
            raise FormatError(f"'{path}' line {line_no}: more vectors than the {count} its "
                              "header announces. Fix the header's count.")


def _check_finite(path, vectors, words, where):
    """NaN or infinity would poison every query: refuse them, naming the first row."""
    for start in range(0, len(vectors), FINITE_CHECK_ROWS):
        finite = np.isfinite(vectors[start:start + FINITE_CHECK_ROWS]).all(axis=1)
        if not finite.all():
            row = start + int(np.argmin(finite))
            raise FormatError(f"'{path}' {where(row)}: the vector of '{printable(words[row])}' "
                              "holds NaN or infinity.")


# --------------------------------------------------------------------------------- npy


def _read_npy(path, limit, decoder):
    try:
        stored = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise FormatError(f"'{path}' is not a readable .npy matrix: "
                          f"{printable(str(exc), REASON_CHARS)}.") from None
    if not isinstance(stored, np.ndarray):  # np.load opens an .npz archive too
        stored.close()
        raise FormatError(npz_message(path))
    if stored.ndim != 2 or stored.dtype.kind != "f" or stored.shape[1] == 0:
        raise FormatError(f"'{path}' holds a {stored.dtype} array of shape {stored.shape}; "
                          "expected a 2-D float matrix.")
    words_path = vocab_path(path)
    if not os.path.exists(words_path):
        raise InputError(f"'{words_path}' not found: a .npy matrix needs its words beside it, "
                         "one per line, in a file with the suffix .vocab.")
    words = _read_vocab_words(words_path, decoder)
    if len(words) != stored.shape[0]:
        raise FormatError(f"'{words_path}' has {len(words)} words but '{path}' has "
                          f"{stored.shape[0]} rows.")
    rows = stored.shape[0] if limit is None else min(limit, stored.shape[0])
    vectors = matrix.empty(rows, stored.shape[1])
    vectors[:] = stored[:rows]
    words = words[:rows]
    _check_finite(path, vectors, words, lambda row: f"row {row + 1}")
    return words, vectors


def _read_vocab_words(path, decoder):
    with open(path, "rb") as handle:
        lines = handle.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [decoder(line.rstrip(b"\r"), f"line {i + 1}") for i, line in enumerate(lines)]
