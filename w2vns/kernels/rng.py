"""The portable steps (``portable``) compiled for the CPU: per-thread xorshift64* random
numbers, noise draws, window bounds and subsampling, as every CPU kernel calls them."""

from numba import njit

from .leaves import LEAF, STEP
from .portable import compiled

_CPU = compiled(njit(**STEP), njit(**LEAF))

rng_next = _CPU.rng_next
rng_uniform = _CPU.rng_uniform
rng_below = _CPU.rng_below
draw_noise = _CPU.draw_noise
draw_targets = _CPU.draw_targets
window_bounds = _CPU.window_bounds
kept = _CPU.kept
