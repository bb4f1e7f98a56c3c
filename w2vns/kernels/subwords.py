"""Subword input rows (fastText): a word's input vector is the mean of its rows.

With subwords, ``syn0`` holds the vocabulary's rows then the hashed n-gram rows (the
bucket matrix), as fastText's input matrix; the ``Subwords`` bundle lists each word's
rows in compact arrays: word ``w``'s are ``rows[offsets[w]:offsets[w + 1]]``, its own row
first (``io.ngrams.word_ngram_rows``). Without subwords ``rows`` is empty and every word
is its one row of ``syn0``: the kernels take the plain path (``active``).

The steps are leaves (inlined) over plain arrays, with the same vector code as a single
row: the mean of a word's rows into a buffer, prefetching them, and adding one gradient
to each of them once per example (Hogwild, as for a single row).
"""

from collections import namedtuple

import numpy as np
from numba import njit, prange

from .leaves import (LEAF, axpy_from_row, axpy_row_to_row, axpy_to_row, fill, prefetch_row,
                     scale)

Subwords = namedtuple("Subwords", "offsets rows")

# splitmix64 (Steele, Lea and Flood 2014): a counter hashed into 64 random bits.
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_SHIFT_27, _SHIFT_30, _SHIFT_31 = np.uint64(27), np.uint64(30), np.uint64(31)
_FLOAT_SHIFT = np.uint64(40)  # the top 24 bits make a float32 in [0, 1)
_INV_2_24 = np.float32(1.0 / (1 << 24))


@njit(parallel=True, cache=True)
def fill_uniform(out, seed, low, width):
    """out[r, x] = low + width * u, u uniform in [0, 1) from splitmix64 of the counter
    ``seed + (r * dim + x + 1) * gamma``: every value depends only on ``seed`` and its
    place, so the rows are the same whatever the number of threads filling them in
    parallel. (The bucket matrix of a subword model has 2,000,000 rows: NumPy's generator
    fills them on one core, 2.6 s at --dim 100.)"""
    rows, dim = out.shape
    for r in prange(rows):
        z = seed + np.uint64(r) * np.uint64(dim) * _GAMMA
        for x in range(dim):
            z += _GAMMA
            h = (z ^ (z >> _SHIFT_30)) * _MIX_1
            h = (h ^ (h >> _SHIFT_27)) * _MIX_2
            h ^= h >> _SHIFT_31
            out[r, x] = low + width * (np.float32(h >> _FLOAT_SHIFT) * _INV_2_24)


def none():
    """The bundle of a run without subwords: every word is its own row."""
    return Subwords(np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.int32))


@njit(**LEAF)
def active(rows):
    """True when words have subword rows (``Subwords.rows`` not empty)."""
    return rows.shape[0] > 0


@njit(**LEAF)
def compose(syn0, offsets, rows, word, out):
    """out = the mean of ``word``'s input rows."""
    fill(out, np.float32(0.0))
    first, last = offsets[word], offsets[word + 1]
    for k in range(first, last):
        axpy_from_row(np.float32(1.0), syn0, rows[k], out)
    scale(out, np.float32(1.0) / np.float32(last - first))


@njit(**LEAF)
def add_compose(syn0, offsets, rows, word, out):
    """out += the mean of ``word``'s input rows."""
    first, last = offsets[word], offsets[word + 1]
    share = np.float32(1.0) / np.float32(last - first)
    for k in range(first, last):
        axpy_from_row(share, syn0, rows[k], out)


@njit(**LEAF)
def spread(a, grad, syn0, offsets, rows, word):
    """Each of ``word``'s input rows += a * grad."""
    for k in range(offsets[word], offsets[word + 1]):
        axpy_to_row(a, grad, syn0, rows[k])


@njit(**LEAF)
def spread_row(grads, k, syn0, offsets, rows, word):
    """Each of ``word``'s input rows += grads[k]."""
    for r in range(offsets[word], offsets[word + 1]):
        axpy_row_to_row(np.float32(1.0), grads, k, syn0, rows[r])


@njit(**LEAF)
def prefetch_word(syn0, offsets, rows, word):
    """Prefetch ``word``'s input rows (only its own row without subwords)."""
    if rows.shape[0] == 0:
        prefetch_row(syn0, word)
        return
    for k in range(offsets[word], offsets[word + 1]):
        prefetch_row(syn0, rows[k])


@njit(cache=True)
def compose_all(syn0, offsets, rows, out):
    """out[w] = the mean of word ``w``'s input rows, for every word (the output vectors)."""
    for w in range(out.shape[0]):
        first, last = offsets[w], offsets[w + 1]
        share = np.float32(1.0) / np.float32(last - first)
        for x in range(out.shape[1]):
            out[w, x] = np.float32(0.0)
        for k in range(first, last):
            r = rows[k]
            for x in range(out.shape[1]):
                out[w, x] += share * syn0[r, x]
