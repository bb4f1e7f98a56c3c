"""Numba's parallel loops limited to the run's ``--threads``, and put back afterwards."""

import contextlib


@contextlib.contextmanager
def numba_threads(threads):
    """Numba's parallel loops on at most ``threads`` threads inside the block (None: as
    many as before), never more than Numba started with; the count before is restored."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(max(1, min(threads or before, numba.config.NUMBA_NUM_THREADS)))
    try:
        yield
    finally:
        numba.set_num_threads(before)
