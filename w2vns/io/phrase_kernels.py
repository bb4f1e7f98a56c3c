"""Numba kernels of ``phrases``: bigram counting over an id stream, and rewriting text.

* Bigrams of frequent words (dense ids ``0..n-1``) are counted in an open-addressing
  table keyed by ``a * n + b`` (``keys``: -1 empty; ``counts``). The Python caller
  keeps it at most half full and prunes it.
* Frequent words are found in raw text through a second open-addressing table over
  their bytes (``slots`` into ``offsets``/``lengths`` of an ``arena``, FNV-1a hashes).
* ``rewrite`` tokenises a block exactly as the corpus scan does (ASCII whitespace and
  NUL separate tokens, a newline ends a sentence), decides each adjacent pair greedily
  left to right with the word2phrase score, and writes the output bytes.
"""

import numpy as np
from numba import njit

from .tokenizer import fnv1a, is_space

EMPTY = -1
NO_WORD = -1
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing of bigram keys
_NEWLINE = 10
_SPACE = 32
# rewrite state: previous dense id, its count (0 after a join), at line start, joins made
PREV, PREV_COUNT, LINE_START, JOINS = 0, 1, 2, 3
STATE_SIZE = 4


@njit(cache=True)
def _slot_of_key(key, mask):
    return np.int64((np.uint64(key) * _MIX) >> np.uint64(32)) & mask


@njit(cache=True)
def count_bigrams(ids, dense_of, n_words, keys, counts, state):
    """Count adjacent pairs of ids that both map to a frequent word.

    ``dense_of`` maps each id of the stream to a dense id or NO_WORD (the sentence
    marker, rare and pruned words). ``state`` = [distinct bigrams, previous dense id],
    carried from one chunk of the stream to the next.
    """
    mask = keys.shape[0] - 1
    live = state[0]
    prev = state[1]
    for i in range(ids.shape[0]):
        word = dense_of[ids[i]]
        if prev >= 0 and word >= 0:
            key = prev * n_words + word
            s = _slot_of_key(key, mask)
            while keys[s] != EMPTY and keys[s] != key:
                s = (s + 1) & mask
            if keys[s] == EMPTY:
                keys[s] = key
                live += 1
            counts[s] += 1
        prev = word
    state[0] = live
    state[1] = prev


@njit(cache=True)
def insert_bigrams(keys, counts, new_keys, new_counts):
    """Put (key, count) pairs into an empty table (after growing or pruning)."""
    mask = keys.shape[0] - 1
    for i in range(new_keys.shape[0]):
        s = _slot_of_key(new_keys[i], mask)
        while keys[s] != EMPTY:
            s = (s + 1) & mask
        keys[s] = new_keys[i]
        counts[s] = new_counts[i]


@njit(cache=True)
def bigram_count(keys, counts, key):
    mask = keys.shape[0] - 1
    s = _slot_of_key(key, mask)
    while keys[s] != EMPTY:
        if keys[s] == key:
            return counts[s]
        s = (s + 1) & mask
    return 0


@njit(cache=True)
def build_word_slots(slots, arena, offsets, lengths):
    """Fill ``slots`` (all EMPTY, at most half full after) with word i at its hash."""
    mask = slots.shape[0] - 1
    for w in range(offsets.shape[0]):
        s = np.int64(fnv1a(arena, offsets[w], offsets[w] + lengths[w]) & np.uint64(mask))
        while slots[s] != EMPTY:
            s = (s + 1) & mask
        slots[s] = w


@njit(cache=True)
def find_word(block, start, end, slots, arena, offsets, lengths):
    """Index of the word block[start:end] in the table, or NO_WORD."""
    mask = slots.shape[0] - 1
    s = np.int64(fnv1a(block, start, end) & np.uint64(mask))
    length = end - start
    while slots[s] != EMPTY:
        w = slots[s]
        if lengths[w] == length:
            offset = offsets[w]
            same = True
            for k in range(length):
                if block[start + k] != arena[offset + k]:
                    same = False
                    break
            if same:
                return w
        s = (s + 1) & mask
    return NO_WORD


@njit(cache=True)
def _joins(prev, prev_count, word, word_count, keys, counts, n_words, min_count, threshold,
           total_words):
    """The word2phrase decision: (count(ab) - min_count) / (count(a) count(b)) * total."""
    if prev < 0 or word < 0 or prev_count < min_count or word_count < min_count:
        return False
    together = bigram_count(keys, counts, prev * n_words + word)
    if together == 0:
        return False
    score = (together - min_count) / (float(prev_count) * word_count) * total_words
    return score > threshold


@njit(cache=True)
def rewrite(block, out, slots, arena, offsets, lengths, entry_word, word_counts, keys, counts,
            min_count, threshold, total_words, delimiter, state):
    """Write block's tokens to ``out``, joining phrases with ``delimiter``; return the
    bytes written. Tokens are separated by one space, each newline is kept; ``state``
    carries the previous word across blocks of one input. An entry of the word table
    (``slots``...) is a spelling; ``entry_word`` maps it to its dense word id.

    The caller guarantees room: len(block) * (1 + len(delimiter)) + 1 bytes.
    """
    n_words = word_counts.shape[0]
    n = 0
    p = 0
    size = block.shape[0]
    while p < size:
        b = block[p]
        if is_space(b):
            if b == _NEWLINE:
                out[n] = _NEWLINE
                n += 1
                state[PREV] = NO_WORD
                state[PREV_COUNT] = 0
                state[LINE_START] = 1
            p += 1
            continue
        start = p
        while p < size and not is_space(block[p]):
            p += 1
        entry = find_word(block, start, p, slots, arena, offsets, lengths)
        word = entry_word[entry] if entry >= 0 else NO_WORD
        word_count = word_counts[word] if word >= 0 else 0
        joined = _joins(state[PREV], state[PREV_COUNT], word, word_count, keys, counts,
                        n_words, min_count, threshold, total_words)
        if state[LINE_START] == 0:
            if joined:
                for k in range(delimiter.shape[0]):
                    out[n] = delimiter[k]
                    n += 1
            else:
                out[n] = _SPACE
                n += 1
        for k in range(start, p):
            out[n] = block[k]
            n += 1
        state[LINE_START] = 0
        state[PREV] = word
        state[PREV_COUNT] = 0 if joined else word_count  # no overlapping phrases
        if joined:
            state[JOINS] += 1
    return n
