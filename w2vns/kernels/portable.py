"""The steps that are the same mathematics on every target, written once.

The xorshift64* random numbers, the alias-method noise draw, the targets of one example,
the random shrink of a window and the subsampling decision are plain Python functions
here, calling each other by name. ``compiled(step, leaf)`` compiles them for one target:
each is copied with its calls bound to the copies (as a closure factory would, but with
no closure, so that the CPU's compiled steps stay cacheable) and given to ``step``, or to
``leaf`` for the ones an inner loop inlines. The CPU kernels compile them with Numba's
``njit`` (``rng``, ``targets``, ``cpu``), the CUDA kernels as device functions (``cuda``):
the same draws from the same states on both.

Arrays are addressed by (array, index) pairs: ``state[t]`` is the RNG state of the caller
(a thread on the CPU, a worker on the GPU) and ``targets[slot]`` the row being filled.
"""

import types

import numpy as np

MAX_EXP = np.float32(6.0)  # logits are clipped to [-MAX_EXP, MAX_EXP] before the sigmoid

_XS_MULT = np.uint64(2685821657736338717)
_U32_MASK = np.uint64(0xFFFFFFFF)
_SHIFT_12 = np.uint64(12)
_SHIFT_25 = np.uint64(25)
_SHIFT_27 = np.uint64(27)
_SHIFT_32 = np.uint64(32)
_SHIFT_40 = np.uint64(40)
_INV_2_24 = np.float32(1.0 / (1 << 24))
_ONE = np.float32(1.0)


def rng_next(state, t):
    """Advance the xorshift64* state ``state[t]`` and return 64 random bits."""
    x = state[t]
    x ^= x >> _SHIFT_12
    x ^= x << _SHIFT_25
    x ^= x >> _SHIFT_27
    state[t] = x
    return x * _XS_MULT


def rng_uniform(bits):
    """A float32 in [0, 1) from the top 24 bits of ``bits``."""
    return np.float32(bits >> _SHIFT_40) * _INV_2_24


def rng_below(bits, n):
    """An integer in [0, n) from the top 32 bits of ``bits`` (multiply-shift, no division)."""
    return np.int64(((bits >> _SHIFT_32) * np.uint64(n)) >> _SHIFT_32)


def draw_noise(state, t, alias_prob, alias_index):
    """One draw from the noise distribution: O(1) with the alias method."""
    bits = rng_next(state, t)
    k = rng_below(bits, alias_prob.shape[0])
    if np.uint32(bits & _U32_MASK) < alias_prob[k]:
        return k
    return np.int64(alias_index[k])


def draw_targets(positive, negative, targets, slot, state, t, alias_prob, alias_index):
    """targets[slot, 0] = positive, then up to ``negative`` noise words; returns how many.
    Noise draws equal to the positive word are dropped, as in the reference tool."""
    targets[slot, 0] = positive
    count = 1
    for _ in range(negative):
        w = draw_noise(state, t, alias_prob, alias_index)
        if w != positive:
            targets[slot, count] = w
            count += 1
    return count


def window_bounds(i, n, window, shrink, state, t):
    """[lo, hi) of centre ``i``'s context in a sentence of ``n`` words: ``window`` words a
    side, or with ``shrink`` a uniform 1..window of them (as the C tool does)."""
    span = window - rng_below(rng_next(state, t), window) if shrink else window
    return max(0, i - span), min(n, i + span + 1)


def kept(prob, state, t):
    """Whether subsampling keeps a token whose keep probability is ``prob`` (no draw when
    it is certain)."""
    return prob >= _ONE or rng_uniform(rng_next(state, t)) < prob


STEPS = ("rng_next", "rng_uniform", "rng_below", "draw_noise", "draw_targets",
         "window_bounds", "kept")
LEAVES = frozenset({"draw_targets", "window_bounds", "kept"})  # inlined by inner loops


def compiled(step, leaf):
    """Every step compiled for one target: ``step(f)`` compiles a step, ``leaf(f)`` one
    that inner loops inline; each copy calls the other copies. A namespace by name."""
    scope = dict(globals())
    for name in STEPS:
        source = globals()[name]
        copy = types.FunctionType(source.__code__, scope, name, source.__defaults__)
        copy.__qualname__, copy.__doc__ = source.__qualname__, source.__doc__
        copy.__module__ = source.__module__
        scope[name] = (leaf if name in LEAVES else step)(copy)
    return types.SimpleNamespace(**{name: scope[name] for name in STEPS})
