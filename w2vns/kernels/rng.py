"""Per-thread random numbers: xorshift64* states, uniform floats, bounded integers."""

import numpy as np
from numba import njit

from .leaves import STEP

_XS_MULT = np.uint64(2685821657736338717)
_SHIFT_12 = np.uint64(12)
_SHIFT_25 = np.uint64(25)
_SHIFT_27 = np.uint64(27)
_SHIFT_32 = np.uint64(32)
_SHIFT_40 = np.uint64(40)
_INV_2_24 = np.float32(1.0 / (1 << 24))


@njit(**STEP)
def rng_next(state, t):
    """Advance thread ``t``'s xorshift64* state and return 64 random bits."""
    x = state[t]
    x ^= x >> _SHIFT_12
    x ^= x << _SHIFT_25
    x ^= x >> _SHIFT_27
    state[t] = x
    return x * _XS_MULT


@njit(**STEP)
def rng_uniform(bits):
    """A float32 in [0, 1) from the top 24 bits of ``bits``."""
    return np.float32(bits >> _SHIFT_40) * _INV_2_24


@njit(**STEP)
def rng_below(bits, n):
    """An integer in [0, n) from the top 32 bits of ``bits`` (multiply-shift, no division)."""
    return np.int64(((bits >> _SHIFT_32) * np.uint64(n)) >> _SHIFT_32)
