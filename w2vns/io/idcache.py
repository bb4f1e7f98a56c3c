"""The encoded corpus: final word ids on disk, reused by every epoch.

The spooled provisional ids of a scan are mapped to vocabulary ids, words outside
the vocabulary are dropped, and sentences longer than ``max_sentence`` words are
cut into chunks (never truncated). The result is one int32 file where ``EOS`` (-1)
ends each sentence; training reads it in bounded batches.
"""

import os
from dataclasses import dataclass

import numpy as np

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


def cut_sentences(x, carry, max_sentence):
    """Insert EOS after every ``max_sentence`` consecutive words; collapse repeated EOS.

    ``carry`` is the number of words of an unfinished sentence before ``x``.
    Returns (new array, new carry).
    """
    if len(x) == 0:
        return x, carry
    is_eos = x == EOS
    prev_eos = np.empty_like(is_eos)
    prev_eos[0] = carry == 0
    prev_eos[1:] = is_eos[:-1]
    keep = ~(is_eos & prev_eos)
    x = x[keep]
    is_eos = is_eos[keep]
    if len(x) == 0:
        return x, carry
    idx = np.arange(len(x), dtype=np.int64)
    last = np.maximum.accumulate(np.where(is_eos, idx, -1 - carry))
    position = idx - last  # 1-based word position within its sentence
    cuts = np.flatnonzero(~is_eos & (position % max_sentence == 0))
    if len(cuts):
        following = cuts + 1
        # a cut right before an existing EOS is not needed
        inner = following < len(x)
        redundant = np.zeros(len(cuts), dtype=bool)
        redundant[inner] = is_eos[following[inner]]
        x = np.insert(x, following[~redundant], EOS)
    new_carry = 0 if x[-1] == EOS else int(position[-1] % max_sentence)
    return x, new_carry


def encode(spool_path, spooled, table, cache_path, max_sentence):
    """Write the final id cache from a spool of provisional ids."""
    items = words = sentences = 0
    carry = 0
    with open(spool_path, "rb") as src, open(cache_path, "wb") as dst:
        remaining = spooled
        while remaining > 0:
            n = min(ENCODE_CHUNK, remaining)
            chunk = np.fromfile(src, dtype=ITEM, count=n)
            remaining -= n
            final = table[chunk]
            final = final[final != OOV]
            final, carry = cut_sentences(final, carry, max_sentence)
            n_eos = int(np.count_nonzero(final == EOS))
            sentences += n_eos
            words += len(final) - n_eos
            items += len(final)
            final.astype(ITEM, copy=False).tofile(dst)
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
