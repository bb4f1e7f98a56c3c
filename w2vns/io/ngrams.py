"""Character n-grams of words and fastText's hash of them (subword vectors).

A word is wrapped in the boundary marks ``<`` and ``>``; its n-grams are the substrings of
``minn`` to ``maxn`` characters (UTF-8 characters, not bytes) of the wrapped word, the
whole wrapped word included when it is short enough, a lone boundary mark excluded, in
fastText's order (by start, then by length). Each n-gram's row is fastText's hash of its
UTF-8 bytes (FNV-1a, 32 bits, each byte sign-extended as fastText's ``int8_t`` cast does)
modulo the number of buckets, so that bucket ids match fastText's own.

``word_ngram_rows`` computes every vocabulary word's rows at once (compiled) into compact
arrays: the rows of word ``w`` are ``rows[offsets[w]:offsets[w + 1]]``.
"""

import numpy as np
from numba import njit

from .ngram_defaults import DEFAULT_BUCKET, DEFAULT_MAXN, DEFAULT_MINN

BOW, EOW = "<", ">"  # fastText's word boundary marks
FNV_OFFSET = 2166136261
FNV_PRIME = 16777619
_U32 = 0xFFFFFFFF
_SIGN_BIT = 0x80
_BYTE = 0x100
_CONTINUATION_MASK, _CONTINUATION = 0xC0, 0x80  # UTF-8 continuation bytes: 10xxxxxx


def ft_hash(data):
    """fastText's hash of ``data`` (bytes): FNV-1a over sign-extended bytes, uint32."""
    h = FNV_OFFSET
    for byte in data:
        signed = byte - _BYTE if byte & _SIGN_BIT else byte
        h = ((h ^ (signed & _U32)) * FNV_PRIME) & _U32
    return h


def ngrams(word, minn=DEFAULT_MINN, maxn=DEFAULT_MAXN):
    """The n-grams of ``word`` (a str), as fastText computes them, in its order."""
    wrapped = BOW + word + EOW
    out = []
    for i in range(len(wrapped)):
        for n in range(minn, maxn + 1):
            if i + n > len(wrapped):
                break
            if n == 1 and (i == 0 or i + n == len(wrapped)):
                continue
            out.append(wrapped[i:i + n])
    return out


def ngram_buckets(word, minn=DEFAULT_MINN, maxn=DEFAULT_MAXN, bucket=DEFAULT_BUCKET):
    """The bucket ids (0 <= id < bucket) of ``word``'s n-grams, in fastText's order."""
    if maxn <= 0 or bucket <= 0:
        return []
    return [ft_hash(g.encode("utf-8")) % bucket for g in ngrams(word, minn, maxn)]


@njit(cache=True)
def _is_start(b):
    return (b & _CONTINUATION_MASK) != _CONTINUATION


@njit(cache=True)
def _hash_bytes(data, start, stop):
    h = np.uint32(FNV_OFFSET)
    for k in range(start, stop):
        b = np.int64(data[k])
        signed = b - _BYTE if b & _SIGN_BIT else b
        h = np.uint32((h ^ np.uint32(signed & _U32)) * np.uint32(FNV_PRIME))
    return h


@njit(cache=True)
def _word_ngrams(data, start, stop, minn, maxn, bucket, first_row, out, at):
    """Rows of the n-grams of the wrapped word ``data[start:stop]`` into ``out`` from
    ``at`` (large enough); returns the new end."""
    for i in range(start, stop):
        if not _is_start(data[i]):
            continue
        j = i
        n = 0
        while j < stop and n < maxn:
            j += 1
            while j < stop and not _is_start(data[j]):
                j += 1
            n += 1
            if n >= minn and not (n == 1 and (i == start or j == stop)):
                out[at] = first_row + np.int64(_hash_bytes(data, i, j) % np.uint32(bucket))
                at += 1
    return at


@njit(cache=True)
def _all_rows(data, starts, minn, maxn, bucket, first_row, offsets, rows):
    at = 0
    for w in range(starts.shape[0] - 1):
        offsets[w] = at
        rows[at] = w  # the word's own row first
        at = _word_ngrams(data, starts[w], starts[w + 1], minn, maxn, bucket, first_row, rows,
                          at + 1)
    offsets[starts.shape[0] - 1] = at
    return at


def word_ngram_rows(words, minn, maxn, bucket, first_row):
    """Compact input rows of every word: word ``w``'s are ``rows[offsets[w]:offsets[w+1]]``,
    its own row ``w`` first, then ``first_row`` + the bucket id of each of its n-grams.

    Returns (offsets int64 of len(words) + 1, rows int32)."""
    wrapped = [(BOW + w + EOW).encode("utf-8") for w in words]
    lengths = np.fromiter((len(b) for b in wrapped), dtype=np.int64, count=len(wrapped))
    starts = np.zeros(len(wrapped) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    data = np.frombuffer(b"".join(wrapped), dtype=np.uint8)
    width = max(maxn - minn + 1, 0)
    capacity = int(len(words) + width * int(starts[-1]))  # at most (maxn-minn+1) per char
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    rows = np.empty(max(capacity, 1), dtype=np.int64)
    used = _all_rows(data, starts, minn, maxn, bucket, first_row, offsets, rows)
    return offsets, rows[:used].astype(np.int32)
