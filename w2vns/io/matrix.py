"""Large float32 matrices: fast allocation and row normalisation without temporaries."""

import mmap

import numpy as np

PREFAULT_MIN_BYTES = 64 << 20  # below this, a plain np.empty is as fast
_PREFAULT_FLAGS = getattr(mmap, "MAP_POPULATE", 0)
MEMINFO = "/proc/meminfo"


def empty(rows, dim):
    """An uninitialised C-contiguous float32 matrix.

    Large ones are mapped with MAP_POPULATE (Linux): the kernel maps every page in
    one call, about three times faster than faulting them in one by one while the
    matrix is filled; only when half the available memory holds it, so that a huge
    request cannot summon the OOM killer. Otherwise plain ``np.empty`` (MemoryError if
    even that is refused).
    """
    size = rows * dim * 4
    if _PREFAULT_FLAGS and PREFAULT_MIN_BYTES <= size <= available_memory() // 2:
        try:
            memory = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
                               | _PREFAULT_FLAGS)
        except (OSError, ValueError):
            pass
        else:
            return np.frombuffer(memory, dtype=np.float32).reshape(rows, dim)
    return np.empty((rows, dim), dtype=np.float32)


def available_memory():
    """Bytes of memory available to new allocations (Linux MemAvailable), 0 if unknown."""
    try:
        with open(MEMINFO) as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def row_norms(matrix):
    """Euclidean length of each row, zeros replaced by 1 (so zero rows stay zero)."""
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
    norms[norms == 0] = 1.0
    return norms


def normalized(matrix, out=None, norms=None):
    """Rows scaled to unit length, into ``out`` (may be ``matrix`` itself) or a new matrix.

    ``norms``: the row lengths from ``row_norms``, when the caller has them already."""
    if out is None:
        out = empty(*matrix.shape)
    if norms is None:
        norms = row_norms(matrix)
    np.divide(matrix, norms[:, None], out=out)
    return out
