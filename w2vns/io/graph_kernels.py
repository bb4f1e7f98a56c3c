"""Numba kernels of graphs' input and output: edge-list lines parsed on raw bytes into
node ids, walks written as lines of node names, edges picked to be held out.

A line holds two node names and, optionally, a weight. Fields are separated by ASCII
whitespace, or by one delimiter byte (then the whitespace around each field is
stripped). ``#`` at the start of a field starts a comment that runs to the end of the
line; a line with no field (blank, or a comment) is skipped. Node names are looked up,
and added when new, in a ``tokenizer.WordTable``'s arrays, so that a name is any token
and no Python object is made per edge. Weights are decimal numbers
(``[+-]digits[.digits][e[+-]digits]``).

``parse_edges`` stops at the first malformed line and says why (a ``BAD_*`` code) and
where; the caller words the error.
"""

import numpy as np
from numba import njit

from .tokenizer import is_space, lookup

NO_DELIMITER = -1  # fields separated by whitespace
MAX_FIELDS = 3  # u v weight
MAX_NAME_BYTES = 1024  # as the corpus tokenizer's longest word
MAX_MANTISSA_DIGITS = 18  # digits of a weight held exactly in an int64; later ones scale it
_NEWLINE = 10
_SPACE = 32
_HASH = 35
_PLUS, _MINUS, _DOT, _ZERO, _NINE = 43, 45, 46, 48, 57
_LOWER_E, _UPPER_E = 101, 69
_TEN = 10.0

# The per-line steps are inlined: a call passing the table's arrays would update their
# reference counts on every line (half the time of a read).
INLINE = dict(cache=True, inline="always")

# Outcomes of ``parse_edges`` (``status``).
OK = 0
BAD_FIELDS = 1  # one field, or more than three
NO_WEIGHT = 2  # --weighted, and a line with two fields
BAD_WEIGHT = 3  # the third field is not a number
NONPOSITIVE_WEIGHT = 4  # a weight that is 0, negative, or too large for a float
EMPTY_NAME = 5  # a delimiter with nothing (but whitespace) before or after it
SPACE_IN_NAME = 6  # --delimiter, and whitespace inside a field
LONG_NAME = 7  # a node name of more than MAX_NAME_BYTES bytes
NO_ROOM = 8  # the output arrays are full: the caller grows them and parses the rest

# Slots of the ``tally`` array the kernel adds to.
TALLY_LINES = 0  # lines read (a last line without a newline included)
TALLY_SKIPPED = 1  # blank and comment lines
TALLY_IGNORED_WEIGHTS = 2  # three fields without --weighted: the third was ignored
N_TALLIES = 3


@njit(cache=True)
def _digits(block, p, end):
    """(value of the digits from p, digits read, position after them); the value holds the
    first MAX_MANTISSA_DIGITS digits, the later ones are only counted."""
    value = np.int64(0)
    count = 0
    while p < end and _ZERO <= block[p] <= _NINE:
        if count < MAX_MANTISSA_DIGITS:
            value = value * 10 + (block[p] - _ZERO)
        count += 1
        p += 1
    return value, count, p


@njit(cache=True)
def parse_number(block, start, end):
    """(True, value) for a decimal number filling block[start:end], else (False, 0.0)."""
    p = start
    negative = False
    if p < end and (block[p] == _PLUS or block[p] == _MINUS):
        negative = block[p] == _MINUS
        p += 1
    whole, whole_digits, p = _digits(block, p, end)
    scale = max(whole_digits - MAX_MANTISSA_DIGITS, 0)
    fraction_digits = 0
    fraction = np.int64(0)
    if p < end and block[p] == _DOT:
        fraction, fraction_digits, p = _digits(block, p + 1, end)
    if whole_digits + fraction_digits == 0:
        return False, 0.0
    exponent = 0
    if p < end and (block[p] == _LOWER_E or block[p] == _UPPER_E):
        sign = 1
        p += 1
        if p < end and (block[p] == _PLUS or block[p] == _MINUS):
            sign = -1 if block[p] == _MINUS else 1
            p += 1
        power, power_digits, p = _digits(block, p, end)
        if power_digits == 0:
            return False, 0.0
        exponent = sign * power
    if p != end:
        return False, 0.0
    kept = min(fraction_digits, MAX_MANTISSA_DIGITS)
    value = (np.float64(whole) * _TEN ** scale
             + np.float64(fraction) * _TEN ** (-kept)) * _TEN ** exponent
    return True, -value if negative else value


@njit(**INLINE)
def _field_end(block, p, end, delimiter):
    """Where the field starting at p ends: the next whitespace, or the next delimiter."""
    while p < end:
        b = block[p]
        if (is_space(b) if delimiter == NO_DELIMITER else b == delimiter):
            return p
        p += 1
    return end


@njit(**INLINE)
def _split_line(block, start, end, delimiter, fields):
    """Field spans of block[start:end] into ``fields`` (rows: start, end); returns the
    number of fields (MAX_FIELDS + 1 for more than MAX_FIELDS) or -status."""
    n = 0
    p = start
    while True:
        while p < end and is_space(block[p]):
            p += 1
        if p == end and (delimiter == NO_DELIMITER or n == 0):
            return n
        if p < end and block[p] == _HASH:
            return n
        if n == MAX_FIELDS:
            return MAX_FIELDS + 1
        stop = _field_end(block, p, end, delimiter)
        last = stop
        while last > p and is_space(block[last - 1]):
            last -= 1
        if last == p:
            return -EMPTY_NAME
        if delimiter != NO_DELIMITER and _field_end(block, p, last, NO_DELIMITER) < last:
            return -SPACE_IN_NAME
        fields[n, 0] = p
        fields[n, 1] = last
        n += 1
        if delimiter == NO_DELIMITER or stop == end:
            p = stop
            if delimiter != NO_DELIMITER:
                return n
        else:
            p = stop + 1


@njit(**INLINE)
def _edge(block, fields, n, weighted, table, out, k, tally):
    """Store the edge of a line of ``n`` fields at out[k]; returns a status."""
    if n < 2 or n > MAX_FIELDS:
        return BAD_FIELDS
    if weighted and n == 2:
        return NO_WEIGHT
    for f in range(2):
        if fields[f, 1] - fields[f, 0] > MAX_NAME_BYTES:
            return LONG_NAME
    sources, targets, weights = out
    slots, hashes, offsets, lengths, arena, state = table
    sources[k] = lookup(block, fields[0, 0], fields[0, 1], slots, hashes, offsets, lengths,
                        arena, state)
    targets[k] = lookup(block, fields[1, 0], fields[1, 1], slots, hashes, offsets, lengths,
                        arena, state)
    if n == MAX_FIELDS and not weighted:
        tally[TALLY_IGNORED_WEIGHTS] += 1
    if weighted:
        ok, value = parse_number(block, fields[2, 0], fields[2, 1])
        if not ok:
            return BAD_WEIGHT
        if not (0.0 < value < np.inf) or np.float32(value) == 0 or np.isinf(np.float32(value)):
            return NONPOSITIVE_WEIGHT
        weights[k] = value
    return OK


@njit(cache=True, nogil=True)
def parse_edges(block, delimiter, weighted, table, out, tally, position):
    """Parse the lines of ``block`` (bytes ending at a line end, or the last piece of an
    input) from byte ``position[0]``, edges going to ``out`` (sources, targets, weights:
    provisional ids of ``table``, the WordTable's arrays, and float64 weights) from index
    ``position[1]``.

    Returns a status. On OK every line was parsed; on NO_ROOM, ``position`` says where
    to continue once ``out`` has room; otherwise ``position[0]`` is the start of the bad
    line. The caller reserves room in ``table`` for every name of the block.
    """
    fields = np.zeros((MAX_FIELDS, 2), dtype=np.int64)
    capacity = out[0].shape[0]
    p = position[0]
    k = position[1]
    size = block.shape[0]
    while p < size:
        end = p
        while end < size and block[end] != _NEWLINE:
            end += 1
        n = _split_line(block, p, end, delimiter, fields)
        if n == 0:
            tally[TALLY_SKIPPED] += 1
        elif n < 0:
            position[0] = p
            return -n
        else:
            if k == capacity:
                position[0] = p
                position[1] = k
                return NO_ROOM
            status = _edge(block, fields, n, weighted, table, out, k, tally)
            if status != OK:
                position[0] = p
                return status
            k += 1
        tally[TALLY_LINES] += 1
        p = end + 1
    position[0] = size
    position[1] = k
    return OK


@njit(cache=True, nogil=True)
def format_walks(walks, arena, offsets, lengths, out):
    """The text of ``walks`` (node ids, a negative id after each walk) into ``out``: each
    walk a line of node names (``arena[offsets[v]:offsets[v] + lengths[v]]``) separated
    by spaces. Returns the bytes written."""
    n = 0
    first = True
    for k in range(walks.shape[0]):
        v = walks[k]
        if v < 0:
            out[n] = _NEWLINE
            n += 1
            first = True
            continue
        if not first:
            out[n] = _SPACE
            n += 1
        start = offsets[v]
        for b in range(lengths[v]):
            out[n + b] = arena[start + b]
        n += lengths[v]
        first = False
    return n


@njit(cache=True)
def pick_held_out(order, tails, heads, degrees, target, held):
    """Mark ``held[e]`` for edges taken in ``order`` whose two ends both keep another
    edge (``degrees``: each node's edges, lowered as edges are taken), until ``target``
    are marked. Returns how many were."""
    taken = 0
    for k in range(order.shape[0]):
        if taken == target:
            break
        e = order[k]
        u = tails[e]
        v = heads[e]
        if degrees[u] > 1 and degrees[v] > 1:
            degrees[u] -= 1
            degrees[v] -= 1
            held[e] = True
            taken += 1
    return taken
