"""Tokenising raw bytes into provisional word ids with Numba: no Python object per token.

Tokens are runs of bytes between ASCII whitespace (space, tab, CR, LF, VT, FF) or NUL,
as in the reference word2vec tool; a newline also yields the sentence marker id 0.
Distinct tokens live in an open-addressing hash table over a byte arena:

* ``slots``: power-of-two table of word ids, -1 empty;
* ``hashes``, ``offsets``, ``lengths``: per word id (a pruned word has length -1);
* ``arena``: the words' bytes.

The Python class ``WordTable`` owns the arrays, grows them before each block (the
kernels never allocate), prunes rare words when asked, and absorbs the words of another
table (parallel reading merges per-thread tables in input order). The kernels that touch
one table release the GIL, so threads with a table each tokenise at the same time.
"""

import numpy as np
from numba import njit

EOS_ID = 0
EMPTY = -1
DEAD = -1  # length of a pruned word: it never matches again
_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)
_NEWLINE = 10
# The word tables start this large and grow so (``estimate`` predicts their size from these).
MAX_LOAD_INVERSE = 2  # slots stay at most half full
INITIAL_WORDS = 1 << 16
INITIAL_ARENA = 1 << 20


@njit(cache=True)
def is_space(b):
    """Whether byte ``b`` separates tokens: ASCII whitespace or NUL."""
    return b == 32 or b == 0 or (9 <= b <= 13)


@njit(cache=True)
def fnv1a(block, start, end):
    """The 64-bit FNV-1a hash of ``block[start:end]``."""
    h = _FNV_OFFSET
    for k in range(start, end):
        h = (h ^ np.uint64(block[k])) * _FNV_PRIME
    return h


@njit(cache=True)
def _same(block, start, length, arena, offset):
    for k in range(length):
        if block[start + k] != arena[offset + k]:
            return False
    return True


@njit(cache=True)
def lookup(block, start, end, slots, hashes, offsets, lengths, arena, state):
    """Id of block[start:end], inserting it if new. state = [words, arena used]."""
    h = fnv1a(block, start, end)
    length = end - start
    mask = slots.shape[0] - 1
    i = np.int64(h & np.uint64(mask))
    while True:
        w = slots[i]
        if w == EMPTY:
            break
        if hashes[w] == h and lengths[w] == length and _same(block, start, length, arena,
                                                              offsets[w]):
            return w
        i = (i + 1) & mask
    w = state[0]
    used = state[1]
    for k in range(length):
        arena[used + k] = block[start + k]
    hashes[w] = h
    offsets[w] = used
    lengths[w] = length
    slots[i] = w
    state[0] = w + 1
    state[1] = used + length
    return w


@njit(cache=True, nogil=True)
def tokenize(block, ids, slots, hashes, offsets, lengths, arena, state):
    """Write the ids of block's tokens (and EOS_ID per newline) to ``ids``; return how many.

    The caller guarantees room: ids and the per-word arrays for len(block) // 2 + 1 new
    entries, the arena for len(block) more bytes, slots at most half full after that.
    """
    n = 0
    start = -1
    for p in range(block.shape[0]):
        b = block[p]
        if is_space(b):
            if start >= 0:
                ids[n] = lookup(block, start, p, slots, hashes, offsets, lengths, arena, state)
                n += 1
                start = -1
            if b == _NEWLINE:
                ids[n] = EOS_ID
                n += 1
        elif start < 0:
            start = p
    if start >= 0:
        ids[n] = lookup(block, start, block.shape[0], slots, hashes, offsets, lengths, arena,
                         state)
        n += 1
    return n


@njit(cache=True, nogil=True)
def clip_words(block, out, run, max_len):
    """Copy ``block`` to ``out`` with every run of non-space bytes cut to its first
    ``max_len`` bytes. ``run``: length of the run that continues from before the block.

    Returns (bytes written, run at the end, runs cut here, index in ``out`` of the last
    whitespace byte or -1). A pure function of the byte stream: blocks may fall anywhere.
    """
    n = 0
    cut = 0
    last = -1
    for p in range(block.shape[0]):
        b = block[p]
        if is_space(b):
            run = 0
            last = n
            out[n] = b
            n += 1
        else:
            run += 1
            if run <= max_len:
                out[n] = b
                n += 1
            elif run == max_len + 1:
                cut += 1
    return n, run, cut, last


@njit(cache=True, nogil=True)
def add_counts(ids, counts):
    """counts[i] += 1 for every id (counts is large enough)."""
    for k in range(ids.shape[0]):
        counts[ids[k]] += 1


@njit(cache=True, nogil=True)
def remap(ids, table):
    """ids[k] = table[ids[k]], in place."""
    for k in range(ids.shape[0]):
        ids[k] = table[ids[k]]


@njit(cache=True)
def absorb_words(src_arena, src_offsets, src_lengths, lo, hi, out, slots, hashes, offsets,
                 lengths, arena, state):
    """Look up (inserting if new) the words ``lo..hi-1`` of another table; their ids here
    go to ``out``. Room as for ``tokenize``: hi - lo words and their bytes."""
    for w in range(lo, hi):
        start = src_offsets[w]
        out[w - lo] = lookup(src_arena, start, start + src_lengths[w], slots, hashes, offsets,
                              lengths, arena, state)


@njit(cache=True, nogil=True)
def gather_words(arena, offsets, lengths, ids, out):
    """The bytes of the words ``ids``, each followed by a newline, into ``out``."""
    n = 0
    for k in range(ids.shape[0]):
        start = offsets[ids[k]]
        for b in range(lengths[ids[k]]):
            out[n] = arena[start + b]
            n += 1
        out[n] = _NEWLINE
        n += 1


@njit(cache=True)
def rebuild_slots(slots, hashes, lengths, words):
    """Refill ``slots`` (all EMPTY on entry) with the live words among the first ``words``."""
    mask = slots.shape[0] - 1
    for w in range(words):
        if lengths[w] == DEAD:
            continue
        i = np.int64(hashes[w] & np.uint64(mask))
        while slots[i] != EMPTY:
            i = (i + 1) & mask
        slots[i] = w


@njit(cache=True)
def compact_arena(arena, offsets, lengths, words):
    """Move live words' bytes to the front of the arena; return the bytes used."""
    used = 0
    for w in range(words):
        length = lengths[w]
        if length == DEAD:
            continue
        start = offsets[w]
        for k in range(length):
            arena[used + k] = arena[start + k]
        offsets[w] = used
        used += length
    return used


def _grown(array, need, fill=None):
    if len(array) >= need:
        return array
    size = max(need, 2 * len(array))
    out = np.empty(size, dtype=array.dtype) if fill is None else np.full(size, fill, array.dtype)
    out[: len(array)] = array
    return out


class WordTable:
    """Distinct tokens and their provisional ids; id 0 is the sentence marker."""

    def __init__(self):
        self.slots = np.full(2 * INITIAL_WORDS, EMPTY, dtype=np.int32)
        self.hashes = np.zeros(INITIAL_WORDS, dtype=np.uint64)
        self.offsets = np.zeros(INITIAL_WORDS, dtype=np.int64)
        self.lengths = np.zeros(INITIAL_WORDS, dtype=np.int32)
        self.arena = np.zeros(INITIAL_ARENA, dtype=np.uint8)
        self.state = np.array([1, 0], dtype=np.int64)  # id 0 is taken by the sentence marker
        self.lengths[EOS_ID] = DEAD
        self.live = 0  # distinct words held (pruned ones excluded)

    @property
    def ids_assigned(self):
        return int(self.state[0])

    def encode(self, raw):
        """Provisional ids of one block of bytes (cut at whitespace by the caller)."""
        block = np.frombuffer(raw, dtype=np.uint8)
        words = self.reserve(len(block) // 2 + 1, len(block))
        ids = np.empty(len(block) + 1, dtype=np.int32)
        n = tokenize(block, ids, self.slots, self.hashes, self.offsets, self.lengths, self.arena,
                     self.state)
        self.live += self.ids_assigned - words
        return ids[:n]

    def absorb(self, other, lo, hi):
        """Ids here of ``other``'s words ``lo..hi-1`` (live ones), added when new, in order."""
        out = np.empty(hi - lo, dtype=np.int32)
        if hi > lo:
            words = self.reserve(hi - lo, int(other.lengths[lo:hi].sum()))
            absorb_words(other.arena, other.offsets, other.lengths, lo, hi, out, self.slots,
                         self.hashes, self.offsets, self.lengths, self.arena, self.state)
            self.live += self.ids_assigned - words
        return out

    def reserve(self, room, arena_bytes):
        """Grow the arrays for ``room`` more words of ``arena_bytes`` bytes in all; return
        the ids assigned so far."""
        words = self.ids_assigned
        self.hashes = _grown(self.hashes, words + room)
        self.offsets = _grown(self.offsets, words + room)
        self.lengths = _grown(self.lengths, words + room)
        self.arena = _grown(self.arena, int(self.state[1]) + arena_bytes)
        if len(self.slots) < MAX_LOAD_INVERSE * (self.live + room):
            self._resize_slots(MAX_LOAD_INVERSE * (self.live + room))
        return words

    def _resize_slots(self, at_least):
        size = 1 << max(int(at_least - 1).bit_length(), 1)
        self.slots = np.full(size, EMPTY, dtype=np.int32)
        rebuild_slots(self.slots, self.hashes, self.lengths, self.ids_assigned)

    def prune(self, dead_ids):
        """Forget the given ids (never matched again), then reclaim their memory."""
        self.lengths[dead_ids] = DEAD
        self.live -= len(dead_ids)
        self.slots.fill(EMPTY)
        rebuild_slots(self.slots, self.hashes, self.lengths, self.ids_assigned)
        self.state[1] = compact_arena(self.arena, self.offsets, self.lengths, self.ids_assigned)

    def live_ids(self):
        ids = np.flatnonzero(self.lengths[: self.ids_assigned] != DEAD)
        return ids

    def decoded(self, ids):
        """The words ``ids`` decoded from UTF-8 (invalid bytes replaced), in one pass: a
        token never holds a newline, so the words are decoded joined by newlines."""
        if len(ids) == 0:
            return []
        out = np.empty(int(self.lengths[ids].sum()) + len(ids), dtype=np.uint8)
        gather_words(self.arena, self.offsets, self.lengths, ids, out)
        return out.tobytes().decode("utf-8", "replace").split("\n")[:-1]

    def word(self, w):
        start = int(self.offsets[w])
        return self.arena[start:start + int(self.lengths[w])].tobytes()
