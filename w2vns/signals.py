"""Signals: SIGINT and SIGTERM unwind like exceptions, so temporary files go away."""

import contextlib
import signal

from .errors import EXIT_SIGNAL, Interrupted


@contextlib.contextmanager
def handle_signals(callback, names=("SIGTERM",)):
    """Route the named signals to ``callback(name)`` (main thread only)."""
    previous = {}
    try:
        for name in names:
            previous[name] = signal.signal(getattr(signal, name), _relay(callback))
    except ValueError:  # not the main thread: leave signals alone
        pass
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)


def _relay(callback):
    def handler(signum, frame):
        callback(signal.Signals(signum).name)

    return handler


def raise_interrupted(name):
    raise Interrupted(name, EXIT_SIGNAL[name])


def interrupted_message(stop):
    """The one line shown for an Interrupted: where the checkpoint is and how to resume."""
    if stop.checkpoint_dir:
        launcher = f"mpiexec -n {stop.processes} " if stop.processes > 1 else ""
        return (f"interrupted ({stop.signal_name}); checkpoint saved in '{stop.checkpoint_dir}'. "
                f"Resume with: {launcher}w2vns train --resume {stop.checkpoint_dir}")
    return f"interrupted ({stop.signal_name}); no output was written."
