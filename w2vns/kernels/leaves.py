"""Small float32 leaves: row arithmetic, prefetching and the clipped logistic.

Rows are addressed as (matrix, row index) rather than as views: a view of a shared
matrix costs an atomic reference-count update, which threads contend on.
"""

import llvmlite
import numpy as np
from llvmlite import ir
from numba import config as numba_config
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

# Fast-math flags of every CPU kernel: reassociation (vectorised dot products and sums),
# contraction (fused multiply-add), no signed zeros, reciprocals, approximate functions;
# NOT "no NaNs / no infinities", so that a diverging logit is still seen as NaN.
FAST_MATH = ("reassoc", "contract", "nsz", "arcp", "afn")
# LEAF: inlined by Numba into every caller. The row loops (and the steps of the inner
# loops built on them) must be: compiled on their own they are vectorised and unrolled
# first, then too big for LLVM to inline, and a call per row costs more than the row.
# STEP: compiled on its own (LLVM inlines it if small): the scalar helpers and the steps
# off the default path, which would only lengthen the first compilation.
LEAF = dict(cache=True, fastmath=set(FAST_MATH), inline="always")
STEP = dict(cache=True, fastmath=set(FAST_MATH))

MAX_EXP = np.float32(6.0)  # logits are clipped to [-MAX_EXP, MAX_EXP] before the sigmoid
TABLE_SIZE = 4096
_FLOATS_PER_LINE = 16  # 64-byte cache lines of float32
# LLVM's name for the prefetch intrinsic on a generic pointer (typed pointers before LLVM 15).
_PREFETCH = ("llvm.prefetch.p0" if hasattr(llvmlite, "ir_layer_typed_pointers_enabled")
             else "llvm.prefetch.p0i8")
_PREFETCH_WRITE, _PREFETCH_KEEP, _PREFETCH_DATA = 1, 3, 1


# ---------------------------------------------------------------- prefetching
if numba_config.DISABLE_JIT:
    def prefetch_line(m, row, col):
        """Pure Python: a hint with no effect."""
else:
    @intrinsic
    def prefetch_line(typingctx, m, row, col):
        """Ask the CPU to start loading the cache line of m[row, col] (no wait, no effect)."""

        def codegen(context, builder, signature, args):
            aryty = signature.args[0]
            ary = context.make_array(aryty)(context, builder, args[0])
            index = [context.cast(builder, v, t, types.intp)
                     for v, t in zip(args[1:], signature.args[1:])]
            ptr = cgutils.get_item_pointer(context, builder, aryty, ary, index, wraparound=False)
            i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), _PREFETCH)
            builder.call(fn, [builder.bitcast(ptr, i8p), i32(_PREFETCH_WRITE),
                              i32(_PREFETCH_KEEP), i32(_PREFETCH_DATA)])
            return context.get_dummy_value()

        return types.void(m, row, col), codegen


@njit(**LEAF)
def prefetch_row(m, row):
    """Prefetch every cache line of m[row]: random rows are where the time goes."""
    last = m.shape[1] - 1
    for k in range(0, last, _FLOATS_PER_LINE):
        prefetch_line(m, row, k)
    prefetch_line(m, row, last)


# ---------------------------------------------------------------- vector leaves
@njit(**LEAF)
def dot_row(h, m, row):
    """h . m[row]"""
    s = np.float32(0.0)
    for k in range(h.shape[0]):
        s += h[k] * m[row, k]
    return s


@njit(**LEAF)
def dot_rows(a, i, b, j):
    """a[i] . b[j]"""
    s = np.float32(0.0)
    for k in range(a.shape[1]):
        s += a[i, k] * b[j, k]
    return s


@njit(**LEAF)
def axpy_row_to_row(a, src, i, dst, j):
    """dst[j] += a * src[i]"""
    for k in range(src.shape[1]):
        dst[j, k] += a * src[i, k]


@njit(**LEAF)
def axpy_from_row(a, m, row, y):
    """y += a * m[row]"""
    for k in range(y.shape[0]):
        y[k] += a * m[row, k]


@njit(**LEAF)
def axpy_to_row(a, x, m, row):
    """m[row] += a * x"""
    for k in range(x.shape[0]):
        m[row, k] += a * x[k]


@njit(**LEAF)
def copy_row(m, row, out):
    for k in range(out.shape[0]):
        out[k] = m[row, k]


@njit(**LEAF)
def fill(x, value):
    for k in range(x.shape[0]):
        x[k] = value


@njit(**LEAF)
def scale(x, a):
    for k in range(x.shape[0]):
        x[k] *= a


# ---------------------------------------------------------------- the clipped logistic
def _logistic_tables(size):
    """sigmoid(f) and -log sigmoid(f) sampled at ``size + 1`` points over [-MAX_EXP, MAX_EXP]."""
    f = np.linspace(-MAX_EXP, MAX_EXP, size + 1)
    return (1.0 / (1.0 + np.exp(-f))).astype(np.float32), np.log1p(np.exp(-f)).astype(np.float32)


_TABLE_SCALE = np.float32(TABLE_SIZE / (2.0 * MAX_EXP))
SIGMOID_TABLE, NEG_LOG_SIGMOID_TABLE = _logistic_tables(TABLE_SIZE)  # read-only constants


@njit(**LEAF)
def _interpolate(table, x):
    i = min(np.int64(x), TABLE_SIZE - 1)
    frac = x - np.float32(i)
    return table[i] + frac * (table[i + 1] - table[i])


@njit(**LEAF)
def sigmoid_and_loss(f, label):
    """Clipped logistic by interpolated table: (sigmoid(f), -log p(label | f)).

    A NaN logit propagates into the loss so that divergence is detected.
    """
    if not f == f:
        return np.float32(0.5), f
    if f > MAX_EXP:
        f = MAX_EXP
    elif f < -MAX_EXP:
        f = -MAX_EXP
    x = (f + MAX_EXP) * _TABLE_SCALE
    sig = _interpolate(SIGMOID_TABLE, x)
    if label > 0:
        return sig, _interpolate(NEG_LOG_SIGMOID_TABLE, x)
    return sig, _interpolate(NEG_LOG_SIGMOID_TABLE, np.float32(TABLE_SIZE) - x)
