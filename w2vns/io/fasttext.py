"""fastText's ``.bin`` model format: written for subword models, read from anyone.

Layout (little-endian, as fastText writes it on every common machine): the magic
number and version 12; the arguments (12 int32: dim, ws, epoch, minCount, neg,
wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate; one float64: t); the
dictionary (int32 size, nwords, nlabels; int64 ntokens, pruneidx_size; per entry the
word's UTF-8 bytes, a NUL, int64 count, int8 type); a quantisation flag and the input
matrix (int64 rows, cols; float32 rows x cols: the words' rows then the ``bucket`` n-gram
rows); a quantisation flag and the output matrix. Files from fastText before its version
12 (no magic number) have no pruneidx_size and no flags.

A word's vector is the mean of its own row and its n-gram rows (``io.ngrams``), as
fastText's ``getWordVector``; an unknown word's, the mean of its n-gram rows.
"""

import os
import struct
from dataclasses import dataclass

import numpy as np

from ..errors import FormatError
from .atomic import atomic_output

MAGIC = 793712314
VERSION = 12
LOSS_HS, LOSS_NS = 1, 2  # fastText's loss_name
MODEL_CBOW, MODEL_SG = 1, 2  # fastText's model_name
ENTRY_WORD = 0  # fastText's entry_type (1: a label, in supervised models)
LR_UPDATE_RATE = 100  # fastText's default, recorded in the arguments
EOS_WORD = "</s>"  # fastText's end of sentence: a word without n-grams
NOT_PRUNED = -1  # pruneidx_size of a model that was not pruned (0 would mean "all pruned")
_ARGS = struct.Struct("<12id")
_INT32, _INT64, _SHAPE = struct.Struct("<i"), struct.Struct("<q"), struct.Struct("<2q")
_ENTRY_TAIL = struct.Struct("<qb")
_DICT_HEAD = struct.Struct("<3iq")
_FLOAT_BYTES = 4
_WRITE_FLOATS = 1 << 22  # floats per write of a matrix (16 MiB)


@dataclass
class FastTextModel:
    """What a ``.bin`` holds that w2vns uses: the words, their counts, the n-gram
    settings and the input matrix (the words' rows, then the n-gram rows)."""

    words: list
    counts: np.ndarray
    dim: int
    minn: int
    maxn: int
    bucket: int
    input: np.ndarray  # (len(words) + bucket, dim) float32
    invalid_words: int = 0  # words that were not valid UTF-8 (bad bytes replaced)

    @property
    def subwords(self):
        return self.maxn > 0 and self.bucket > 0


def is_fasttext(path):
    """True when ``path`` (a plain file) starts with fastText's magic number."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_INT32.size)
    except OSError:
        return False
    return len(head) == _INT32.size and _INT32.unpack(head)[0] == MAGIC


def write(path, words, counts, config, input_matrix, output_matrix):
    """Write a fastText ``.bin`` atomically: ``input_matrix`` holds the words' rows then
    the n-gram rows, ``output_matrix`` the output rows (fastText's ``wo_``)."""
    dim = input_matrix.shape[1]
    loss = LOSS_NS if config.negative > 0 else LOSS_HS
    model = MODEL_CBOW if config.model == "cbow" else MODEL_SG
    bucket = input_matrix.shape[0] - len(words)
    maxn = config.maxn if bucket > 0 else 0
    with atomic_output(path, "wb") as out:
        out.write(_INT32.pack(MAGIC) + _INT32.pack(VERSION))
        out.write(_ARGS.pack(dim, config.window, config.epochs or 0, config.min_count,
                             config.negative, 1, loss, model, bucket, config.minn, maxn,
                             LR_UPDATE_RATE, float(config.sample)))
        out.write(_DICT_HEAD.pack(len(words), len(words), 0, int(np.sum(counts))))
        out.write(_INT64.pack(NOT_PRUNED))  # pruneidx_size
        out.write(b"".join(w.encode("utf-8") + b"\0" + _ENTRY_TAIL.pack(int(c), ENTRY_WORD)
                           for w, c in zip(words, np.asarray(counts).tolist())))
        for matrix in (input_matrix, output_matrix):
            out.write(b"\0")  # not quantised
            out.write(_SHAPE.pack(*matrix.shape))
            _write_rows(out, matrix)


def _write_rows(out, matrix):
    """A matrix's float32 values, little-endian, a block of rows at a time (no copy of a
    large matrix)."""
    step = max(1, _WRITE_FLOATS // max(matrix.shape[1], 1))
    for first in range(0, matrix.shape[0], step):
        block = np.ascontiguousarray(matrix[first:first + step], dtype="<f4")
        out.write(memoryview(block).cast("B"))


def output_rows(trained):
    """fastText's output matrix of a trained model: the negative-sampling rows, or the
    hierarchical-softmax node rows padded to one per word."""
    if trained.config.negative > 0:
        return trained.context
    out = np.zeros((len(trained.vocab), trained.vectors.shape[1]), dtype=np.float32)
    out[:trained.syn1.shape[0]] = trained.syn1
    return out


def read(path):
    """Read a fastText ``.bin`` model (a FormatError when truncated or quantised)."""
    with open(path, "rb") as handle:
        reader = _Reader(path, handle)
        return reader.model()


class _Reader:
    def __init__(self, path, handle):
        self.path, self.handle = path, handle

    def take(self, size, what):
        data = self.handle.read(size)
        if len(data) != size:
            raise FormatError(f"'{self.path}' is truncated (in the {what}): the fastText "
                              "model is incomplete. Copy or download it again.")
        return data

    def model(self):
        first = _INT32.unpack(self.take(_INT32.size, "header"))[0]
        new_format = first == MAGIC
        if new_format:
            self.take(_INT32.size, "header")  # the version
            args = _ARGS.unpack(self.take(_ARGS.size, "arguments"))
        else:
            args = (first,) + _ARGS.unpack(_INT32.pack(0) + self.take(_ARGS.size - _INT32.size,
                                                                       "arguments"))[1:]
        dim, bucket, minn, maxn = args[0], args[8], args[9], args[10]
        words, counts, invalid = self.dictionary(new_format)
        if new_format and self.take(1, "flags") != b"\0":
            raise FormatError(f"'{self.path}' is a quantised fastText model (.ftz), which "
                              "w2vns does not read. Use the unquantised .bin.")
        rows, cols = _SHAPE.unpack(self.take(_SHAPE.size, "input matrix"))
        if cols != dim or rows < len(words):
            raise FormatError(f"'{self.path}': the input matrix is {rows} x {cols}, not at "
                              f"least {len(words)} x {dim}: the fastText model is damaged.")
        self.need(rows, cols, "input matrix")
        matrix = np.frombuffer(self.take(rows * cols * _FLOAT_BYTES, "input matrix"),
                               dtype="<f4")
        matrix = matrix.reshape(rows, cols).astype(np.float32)
        self.check_output(new_format)
        return FastTextModel(words, counts, dim, minn, maxn, rows - len(words), matrix, invalid)

    def check_output(self, new_format):
        """The output matrix (unused) is whole: its header, and as many bytes as it says."""
        if new_format:
            self.take(1, "output matrix")
        rows, cols = _SHAPE.unpack(self.take(_SHAPE.size, "output matrix"))
        self.need(rows, cols, "output matrix")

    def need(self, rows, cols, what):
        """A FormatError unless the file holds a rows x cols matrix from here on."""
        left = os.fstat(self.handle.fileno()).st_size - self.handle.tell()
        if rows < 0 or cols < 0 or left < rows * cols * _FLOAT_BYTES:
            self.take(left + 1, what)  # raises: truncated

    def dictionary(self, new_format):
        size, nwords, _, _ = _DICT_HEAD.unpack(self.take(_DICT_HEAD.size, "dictionary"))
        prune = _INT64.unpack(self.take(_INT64.size, "dictionary"))[0] if new_format else 0
        words, counts, invalid = [], [], 0
        for _ in range(size):
            raw = self._until_nul()
            count, kind = _ENTRY_TAIL.unpack(self.take(_ENTRY_TAIL.size, "dictionary"))
            if kind == ENTRY_WORD:
                word = raw.decode("utf-8", "replace")
                invalid += word.encode("utf-8") != raw
                words.append(word)
                counts.append(count)
        if prune > 0:
            self.take(prune * 2 * _INT32.size, "dictionary")
        return words[:nwords], np.array(counts[:nwords], dtype=np.int64), invalid

    def _until_nul(self):
        out = bytearray()
        while True:
            byte = self.take(1, "dictionary")
            if byte == b"\0":
                return bytes(out)
            out += byte


def word_vectors(model):
    """Every word's vector: the mean of its own row and its n-gram rows."""
    from ..kernels.subwords import compose_all
    from .ngrams import word_ngram_rows

    own = model.input[:len(model.words)]
    if not model.subwords:
        return own.copy()
    offsets, rows = word_ngram_rows(model.words, model.minn, model.maxn, model.bucket,
                                    len(model.words))
    if EOS_WORD in model.words:  # fastText gives the end of sentence no n-grams
        offsets, rows = _without_ngrams(offsets, rows, model.words.index(EOS_WORD))
    out = np.empty_like(own)
    compose_all(model.input, offsets, rows, out)
    return out


def _without_ngrams(offsets, rows, word):
    """The compact rows with ``word`` reduced to its own row."""
    cut = offsets[word + 1] - offsets[word] - 1
    rows = np.concatenate([rows[:offsets[word] + 1], rows[offsets[word + 1]:]])
    offsets = offsets.copy()
    offsets[word + 1:] -= cut
    return offsets, rows


def unknown_vector(model, word):
    """The vector fastText gives ``word`` when it is not in the vocabulary: the mean of its
    n-gram rows, or None when it has none."""
    from .ngrams import ngram_buckets

    if not model.subwords:
        return None
    ids = ngram_buckets(word, model.minn, model.maxn, model.bucket)
    if not ids:
        return None
    rows = len(model.words) + np.asarray(ids, dtype=np.int64)
    return model.input[rows].mean(axis=0, dtype=np.float64).astype(np.float32)
