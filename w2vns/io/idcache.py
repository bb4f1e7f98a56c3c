"""The encoded corpus: final word ids on disk, reused by every epoch.

The spooled provisional ids of a scan are mapped to vocabulary ids, words outside
the vocabulary are dropped, and sentences longer than ``max_sentence`` words are
cut into chunks (never truncated). The result is one int32 file where ``EOS`` (-1)
ends each sentence; training reads it in bounded batches.
"""

import os
from dataclasses import dataclass

import numpy as np
from numba import njit

EOS = -1
OOV = -2
ITEM = np.dtype(np.int32)
ENCODE_CHUNK = 1 << 20  # provisional ids per step of the encoding pass (bounds its temporaries)


@dataclass(frozen=True)
class IdCache:
    path: str
    items: int  # word ids and EOS markers
    words: int  # word ids only
    sentences: int


def remap_table(n_provisional, eos_id):
    """Array mapping every provisional id to OOV; callers fill in vocabulary ids."""
    table = np.full(n_provisional, OOV, dtype=np.int32)
    table[eos_id] = EOS
    return table


@njit(cache=True, nogil=True)
def _emit(word, out, n, carry, max_sentence):
    """Append one final id (or EOS) to ``out`` at ``n``: repeated EOS collapse, a sentence
    is cut after every ``max_sentence`` words. Returns (n, carry)."""
    if word == EOS:
        if carry == 0:
            return n, carry
        out[n] = EOS
        return n + 1, 0
    out[n] = word
    n += 1
    carry += 1
    if carry == max_sentence:
        out[n] = EOS
        return n + 1, 0
    return n, carry


@njit(cache=True, nogil=True)
def _encode_chunk(chunk, table, out, carry, max_sentence):
    n = 0
    for k in range(chunk.shape[0]):
        word = table[chunk[k]]
        if word != OOV:
            n, carry = _emit(word, out, n, carry, max_sentence)
    return n, carry


@njit(cache=True, nogil=True)
def _cut_chunk(x, out, carry, max_sentence):
    n = 0
    for k in range(x.shape[0]):
        n, carry = _emit(x[k], out, n, carry, max_sentence)
    return n, carry


def _room(n, max_sentence):
    return n + n // max(max_sentence, 1) + 1


def cut_sentences(x, carry, max_sentence):
    """Insert EOS after every ``max_sentence`` consecutive words; collapse repeated EOS.

    ``carry`` is the number of words of an unfinished sentence before ``x``.
    Returns (new array, new carry).
    """
    out = np.empty(_room(len(x), max_sentence), dtype=ITEM)
    n, carry = _cut_chunk(np.ascontiguousarray(x, dtype=ITEM), out, carry, max_sentence)
    return out[:n], int(carry)


def encode(spool_path, spooled, table, cache_path, max_sentence):
    """Write the final id cache from a spool of provisional ids (one pass in Numba: vocabulary
    ids, words outside it dropped, repeated EOS collapsed, long sentences cut)."""
    items = words = sentences = 0
    carry = 0
    table = np.ascontiguousarray(table, dtype=ITEM)
    out = np.empty(_room(ENCODE_CHUNK, max_sentence), dtype=ITEM)
    with open(spool_path, "rb") as src, open(cache_path, "wb") as dst:
        remaining = spooled
        while remaining > 0:
            n = min(ENCODE_CHUNK, remaining)
            chunk = np.fromfile(src, dtype=ITEM, count=n)
            remaining -= n
            written, carry = _encode_chunk(chunk, table, out, carry, max_sentence)
            final = out[:written]
            n_eos = int(np.count_nonzero(final == EOS))
            sentences += n_eos
            words += written - n_eos
            items += written
            final.tofile(dst)
        if carry:
            np.array([EOS], dtype=ITEM).tofile(dst)
            items += 1
            sentences += 1
    return IdCache(cache_path, items, words, sentences)


def iter_batches(cache, batch_items, start=0):
    """Yield (batch, end) from item ``start`` to the end of the cache: each batch holds at
    most ``batch_items`` ids (more if one sentence is longer) and ends with EOS; ``end`` is
    the item offset just after it, where a resumed run continues."""
    with open(cache.path, "rb") as src:
        src.seek(start * ITEM.itemsize)
        pending = np.empty(0, dtype=ITEM)
        position = start
        remaining = cache.items - start
        while remaining > 0 or len(pending):
            want = max(batch_items - len(pending), 0)
            n = min(want, remaining)
            if n:
                pending = np.concatenate([pending, np.fromfile(src, dtype=ITEM, count=n)])
                remaining -= n
            eos = np.flatnonzero(pending == EOS)
            if len(eos) == 0:
                if remaining == 0:
                    break
                batch_items *= 2  # a sentence longer than the batch: read more
                continue
            end = int(eos[-1]) + 1
            position += end
            yield pending[:end], position
            pending = pending[end:]


def split_slices(batch, parts):
    """Cut ``batch`` into ``parts`` slices of near-equal length, each ending at an EOS.

    Returns (starts, ends) int64 arrays; some slices may be empty.
    """
    eos = np.flatnonzero(batch == EOS)
    ideal = (np.arange(1, parts, dtype=np.int64) * len(batch)) // parts
    pick = np.clip(np.searchsorted(eos, ideal), 0, len(eos) - 1)
    cut_ends = np.minimum(eos[pick] + 1, len(batch))
    ends = np.concatenate([np.maximum.accumulate(cut_ends), [len(batch)]]).astype(np.int64)
    starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
    return starts, ends


def remove(*paths):
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
