"""Small float32 leaves: row arithmetic, prefetching and the clipped logistic.

Rows are addressed as (matrix, row index) rather than as views: a view of a shared
matrix costs an atomic reference-count update, which threads contend on. The row
arithmetic is emitted as explicit vector code (``simd``), always inline.
"""

import llvmlite
import numpy as np
from llvmlite import ir
from numba import config as numba_config
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from . import simd
from .portable import MAX_EXP
from .simd import FAST_MATH, vector_leaf

# LEAF: inlined by Numba into every caller. The steps of the inner loops must be:
# compiled on their own they are optimised first, then too big for LLVM to inline, and a
# call per step (with reference counts for its arrays) costs more than the step.
# STEP: compiled on its own (LLVM inlines it if small): the scalar helpers and the steps
# off the default path, which would only lengthen the first compilation.
LEAF = dict(cache=True, fastmath=set(FAST_MATH), inline="always")
STEP = dict(cache=True, fastmath=set(FAST_MATH))

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
# Emitted as explicit vector code (``simd.vector_leaf``); plain NumPy without the JIT.
if numba_config.DISABLE_JIT:
    def dot_row(h, m, row):
        """h . m[row]"""
        return np.float32(np.dot(h, m[row]))

    def dot_rows(a, i, b, j):
        """a[i] . b[j]"""
        return np.float32(np.dot(a[i], b[j]))

    def axpy_row_to_row(a, src, i, dst, j):
        """dst[j] += a * src[i]"""
        dst[j] += np.float32(a) * src[i]

    def axpy_from_row(a, m, row, y):
        """y += a * m[row]"""
        y += np.float32(a) * m[row]

    def axpy_to_row(a, x, m, row):
        """m[row] += a * x"""
        m[row] += np.float32(a) * x

    def backprop_row(g, h, m, row, neu1e):
        """neu1e += g * m[row], then m[row] += g * h (the row read once)."""
        old = m[row].copy()
        neu1e += np.float32(g) * old
        m[row] = old + np.float32(g) * h

    def copy_row(m, row, out):
        out[:] = m[row]

    def fill(x, value):
        x[:] = value

    def scale(x, a):
        x *= np.float32(a)
else:
    def _product(b, ops, at, width):
        """x[block] * y[block]"""
        x, y = ops
        return simd.fmul(b, simd.load(b, x, at, width), simd.load(b, y, at, width))

    def _axpy(b, ops, at, width):
        """y[block] += a * x[block]"""
        a, x, y = ops
        simd.store(b, simd.fadd(b, simd.load(b, y, at, width),
                                simd.fmul(b, simd.splat(b, a, width), simd.load(b, x, at, width))),
                   y, at, width)

    dot_row = vector_leaf("vmr", returns_sum=True, name="dot_row", doc="h . m[row]")(_product)
    dot_rows = vector_leaf("mrmr", returns_sum=True, name="dot_rows", doc="a[i] . b[j]")(_product)
    axpy_row_to_row = vector_leaf("smrmr", name="axpy_row_to_row",
                                  doc="dst[j] += a * src[i]")(_axpy)
    axpy_from_row = vector_leaf("smrv", name="axpy_from_row", doc="y += a * m[row]")(_axpy)
    axpy_to_row = vector_leaf("svmr", name="axpy_to_row", doc="m[row] += a * x")(_axpy)

    @vector_leaf("svmrv")
    def backprop_row(b, ops, at, width):
        """neu1e += g * m[row], then m[row] += g * h (the row read once)."""
        g, h, row, neu1e = ops
        gv = simd.splat(b, g, width)
        old = simd.load(b, row, at, width)
        simd.store(b, simd.fadd(b, simd.load(b, neu1e, at, width), simd.fmul(b, gv, old)),
                   neu1e, at, width)
        simd.store(b, simd.fadd(b, old, simd.fmul(b, gv, simd.load(b, h, at, width))),
                   row, at, width)

    @vector_leaf("mrv")
    def copy_row(b, ops, at, width):
        """out = m[row]"""
        row, out = ops
        simd.store(b, simd.load(b, row, at, width), out, at, width)

    @vector_leaf("vs")
    def fill(b, ops, at, width):
        """x[:] = value"""
        x, value = ops
        simd.store(b, simd.splat(b, value, width), x, at, width)

    @vector_leaf("vs")
    def scale(b, ops, at, width):
        """x *= a"""
        x, a = ops
        simd.store(b, simd.fmul(b, simd.load(b, x, at, width), simd.splat(b, a, width)),
                   x, at, width)


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

    A logit beyond the table on the side of its label is learnt: the sigmoid returned is
    the label itself, so that the term adds no gradient, as in the C tool (a constant
    push there would grow the rows of well-separated words without end: the many pairs of
    a wide window on a small vocabulary diverge). Beyond the table on the wrong side the
    clipped value is kept, so that a gradient always flows. The loss is the table's at
    the clip either way. A NaN logit propagates into the loss so that divergence is
    detected.
    """
    if not f == f:
        return np.float32(0.5), f
    if f > MAX_EXP:
        if label > 0:
            return np.float32(1.0), _interpolate(NEG_LOG_SIGMOID_TABLE, np.float32(TABLE_SIZE))
        f = MAX_EXP
    elif f < -MAX_EXP:
        if label <= 0:
            return np.float32(0.0), _interpolate(NEG_LOG_SIGMOID_TABLE, np.float32(TABLE_SIZE))
        f = -MAX_EXP
    x = (f + MAX_EXP) * _TABLE_SCALE
    sig = _interpolate(SIGMOID_TABLE, x)
    if label > 0:
        return sig, _interpolate(NEG_LOG_SIGMOID_TABLE, x)
    return sig, _interpolate(NEG_LOG_SIGMOID_TABLE, np.float32(TABLE_SIZE) - x)
