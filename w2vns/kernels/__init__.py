"""Numba kernels: pure arithmetic on arrays, no I/O, no imports from the rest of w2vns."""
