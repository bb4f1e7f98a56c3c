"""Parameter types shared by the commands."""

import math

import click


class FiniteFloat(click.ParamType):
    """A float that is a number: ``nan``, ``inf`` and ``-inf`` are refused (Python's float()
    takes them, and they would pass every range check or poison every vector). ``low``:
    the smallest value allowed, excluded when ``low_open``."""

    name = "float"

    def __init__(self, low=None, low_open=False):
        self.low = low
        self.low_open = low_open

    def convert(self, value, param, ctx):
        number = value if isinstance(value, float) else click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        if self.low is not None and (number < self.low or (self.low_open and number == self.low)):
            bound = f"greater than {self.low:g}" if self.low_open else f"at least {self.low:g}"
            self.fail(f"{number:g} is not {bound}.", param, ctx)
        return number


FINITE = FiniteFloat()
