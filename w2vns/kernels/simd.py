"""Vector code for the row loops: blocks of ``LANES`` float32, then of ``QUAD``, then singles.

A row loop over a length known only at run time (``--dim``) is vectorised by LLVM with a
wide main loop, a narrower epilogue loop and a scalar remainder; at dim 100 the
remainders cost as much as the body. The leaves of ``leaves`` are instead emitted here as
explicit vector code: whole blocks of ``LANES`` floats (one AVX-512 register, two AVX2
ones), then blocks of ``QUAD`` (the usual dims are multiples of 4), then single floats,
with no remainder loop at the usual dims. Loads and stores are unaligned, so any C row
of float32 will do.

``vector_leaf`` turns a function describing one block into a Numba intrinsic. The other
helpers take llvmlite values inside an intrinsic's codegen: pointers to the first float
of each operand, the length, and a ``body`` giving one block's result from loads at an
offset.
"""

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

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


def sum_blocks(builder, n, body):
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


# Numba's intrinsics take no *args: the typer is wrapped in one of fixed arity.
_FIXED_ARITY = {
    2: lambda typer: lambda typingctx, a, b: typer(typingctx, a, b),
    3: lambda typer: lambda typingctx, a, b, c: typer(typingctx, a, b, c),
    4: lambda typer: lambda typingctx, a, b, c, d: typer(typingctx, a, b, c, d),
    5: lambda typer: lambda typingctx, a, b, c, d, e: typer(typingctx, a, b, c, d, e),
}


def vector_leaf(spec, returns_sum=False, name=None, doc=None):
    """Decorator: a Numba intrinsic over operands described by ``spec``, one letter per
    argument: ``v`` a 1D array, ``m`` a 2D array followed by ``r`` its row index, ``s`` a
    scalar. The decorated ``block(b, ops, at, width)`` gives one block's sum (with
    ``returns_sum``: the intrinsic returns the float32 total) or does its stores; ``ops``
    holds a pointer per array and a float32 per scalar. ``name`` and ``doc`` (by default the
    block's) name the leaf, so that one block can serve several leaves.

    Arrays must be C-contiguous float32 rows of one length (the first array's; neither it
    nor the row index is checked, as in Numba's default indexing); a scalar may be any
    number. Leaves are elementwise, so one row may be read and written by the same leaf."""

    def decorate(block):
        def typer(typingctx, *args):
            if not _accepts(spec, args):
                return None

            def codegen(context, builder, signature, values):
                ops, size = _operands(context, builder, spec, signature, values)

                def body(at, width):
                    return block(builder, ops, at, width)

                if returns_sum:
                    return sum_blocks(builder, size, body)
                for_blocks(builder, size, body)
                return context.get_dummy_value()

            return (types.float32 if returns_sum else types.void)(*args), codegen

        fixed = _FIXED_ARITY[len(spec)](typer)
        fixed.__name__ = fixed.__qualname__ = name or block.__name__
        fixed.__doc__ = doc or block.__doc__
        return intrinsic(fixed)

    return decorate


def _accepts(spec, args):
    """Whether the argument types fit ``spec`` (see ``vector_leaf``)."""
    for kind, ty in zip(spec, args):
        if kind in "vm":
            if not (isinstance(ty, types.Array) and ty.dtype == types.float32
                    and ty.layout == "C" and ty.ndim == (1 if kind == "v" else 2)):
                return False
        elif not isinstance(ty, (types.Integer, types.Float)):
            return False
    return True


def _operands(context, builder, spec, signature, values):
    """A pointer per array (to its row, for ``m``), a float32 per scalar, and the length."""
    ops, size = [], None
    for i, kind in enumerate(spec):
        ty, value = signature.args[i], values[i]
        if kind == "s":
            ops.append(context.cast(builder, value, ty, types.float32))
        elif kind == "v":
            ops.append(row_pointer(context, builder, ty, value))
        elif kind == "m":
            row = context.cast(builder, values[i + 1], signature.args[i + 1], types.intp)
            ops.append(row_pointer(context, builder, ty, value, row))
        if kind in "vm" and size is None:
            size = length(context, builder, ty, value)
    return ops, size
