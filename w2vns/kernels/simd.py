"""Vector code for the row loops: blocks of ``LANES`` float32, then of ``QUAD``, then singles.

A row loop over a length known only at run time (``--dim``) is vectorised by LLVM with a
wide main loop, a narrower epilogue loop and a scalar remainder; at dim 100 the
remainders cost as much as the body. The leaves of ``leaves`` are instead emitted here as
explicit vector code: whole blocks of ``LANES`` floats (one AVX-512 register, two AVX2
ones), then blocks of ``QUAD`` (the usual dims are multiples of 4), then single floats,
with no remainder loop at the usual dims. Loads and stores are unaligned, so any C row
of float32 will do.

The helpers take llvmlite values inside an ``@intrinsic``'s codegen: pointers to the
first float of each operand, the length, and a ``body`` giving one block's result from
loads at an offset.
"""

from llvmlite import ir
from numba.core import cgutils

# Fast-math flags of the vector code and of every CPU kernel: reassociation (vector sums),
# contraction (fused multiply-add), no signed zeros, reciprocals, approximate functions;
# NOT "no NaNs / no infinities", so that a diverging logit is still seen as NaN.
FAST_MATH = ("reassoc", "contract", "nsz", "arcp", "afn")
LANES = 16  # float32 per block of the main loop
QUAD = 4  # float32 per block of the second loop
WIDTHS = (LANES, QUAD, 1)

F32 = ir.FloatType()
I64 = ir.IntType(64)


def vector_type(width):
    return F32 if width == 1 else ir.VectorType(F32, width)


def zeros(width):
    return ir.Constant(vector_type(width), 0.0 if width == 1 else [0.0] * width)


def row_pointer(context, builder, aryty, ary, row=None):
    """Pointer to the first float of a 1D array, or of row ``row`` of a 2D C array."""
    array = context.make_array(aryty)(context, builder, ary)
    if row is None:
        return array.data
    return cgutils.get_item_pointer(context, builder, aryty, array,
                                    [row, ir.Constant(I64, 0)], wraparound=False)


def length(context, builder, aryty, ary):
    """Length of a 1D array, or row length of a 2D one."""
    array = context.make_array(aryty)(context, builder, ary)
    return cgutils.unpack_tuple(builder, array.shape, aryty.ndim)[aryty.ndim - 1]


def load(builder, ptr, offset, width):
    at = builder.gep(ptr, [offset])
    if width == 1:
        return builder.load(at)
    return builder.load(builder.bitcast(at, vector_type(width).as_pointer()), align=4)


def store(builder, value, ptr, offset, width):
    at = builder.gep(ptr, [offset])
    if width == 1:
        builder.store(value, at)
    else:
        builder.store(value, builder.bitcast(at, vector_type(width).as_pointer()), align=4)


def splat(builder, scalar, width):
    """``scalar`` in every lane of a ``width`` vector."""
    if width == 1:
        return scalar
    vec = builder.insert_element(ir.Constant(vector_type(width), ir.Undefined), scalar,
                                 ir.Constant(ir.IntType(32), 0))
    return builder.shuffle_vector(vec, vec, ir.Constant(ir.VectorType(ir.IntType(32), width),
                                                        [0] * width))


def fmul(builder, a, b):
    return builder.fmul(a, b, flags=FAST_MATH)


def fadd(builder, a, b):
    return builder.fadd(a, b, flags=FAST_MATH)


def horizontal_sum(builder, vec, width):
    """The sum of a vector's lanes, by halving."""
    while width > 1:
        half = width // 2
        lo = builder.shuffle_vector(vec, vec, ir.Constant(ir.VectorType(ir.IntType(32), half),
                                                          list(range(half))))
        hi = builder.shuffle_vector(vec, vec, ir.Constant(ir.VectorType(ir.IntType(32), half),
                                                          list(range(half, width))))
        vec, width = fadd(builder, lo, hi), half
    return builder.extract_element(vec, ir.Constant(ir.IntType(32), 0)) \
        if isinstance(vec.type, ir.VectorType) else vec


def _blocks(builder, start, n, width, body):
    """Run ``body(offset)`` for offset = start, start + width, ... while a whole block fits;
    returns the offset after the last block."""
    count = builder.udiv(builder.sub(n, start), ir.Constant(I64, width))
    with cgutils.for_range(builder, count) as loop:
        body(builder.add(start, builder.mul(loop.index, ir.Constant(I64, width))))
    return builder.add(start, builder.mul(count, ir.Constant(I64, width)))


def for_blocks(builder, n, body):
    """``body(offset, width)`` over [0, n) in blocks of LANES, then QUAD, then 1."""
    offset = ir.Constant(I64, 0)
    for width in WIDTHS:
        offset = _blocks(builder, offset, n, width, lambda at, w=width: body(at, w))


def sum_blocks(context, builder, n, body):
    """The float32 sum over [0, n) of ``body(offset, width)`` (a ``width`` vector per block):
    one vector accumulator per width, summed at the end."""
    total = ir.Constant(F32, 0.0)
    offset = ir.Constant(I64, 0)
    for width in WIDTHS:
        acc = cgutils.alloca_once_value(builder, zeros(width))

        def add_block(at, w=width, acc=acc):
            builder.store(fadd(builder, builder.load(acc), body(at, w)), acc)

        offset = _blocks(builder, offset, n, width, add_block)
        total = fadd(builder, total, horizontal_sum(builder, builder.load(acc), width))
    return total
