"""The devices training runs on: each one implementation of ``base.Device``.

``REGISTRY`` maps a ``--device`` name to the module that implements it; the command line's
choices and the options' validation read ``NAMES`` without importing NumPy or Numba, and
an implementation is imported only when a run asks for it.

Adding a device touches a module here (a ``Device`` subclass, exported as ``DEVICE``)
and its line in ``REGISTRY``; the epoch loop and checkpoints need no change.
"""

import importlib

REGISTRY = {"cpu": "cpu", "cuda": "cuda"}  # --device name: module of this package
NAMES = tuple(REGISTRY)


def implementation(name):
    """The ``Device`` class of ``--device name``."""
    return importlib.import_module(f"{__name__}.{REGISTRY[name]}").DEVICE


def check_options(config):
    """Usage errors for options ``config.device`` does not support."""
    implementation(config.device).check_options(config)


def require(config, cluster=None):
    """Fail before any work when ``config.device`` cannot run here, or not under
    mpiexec (``cluster``)."""
    device = implementation(config.device)
    device.require(config)
    device.check_cluster(cluster)


def start(config, model, tables, states, log, tuning=None):
    """The prepared device of ``config.device`` (a context manager that closes it), with
    ``tuning`` instead of its default settings when given."""
    return implementation(config.device)(config, model, tables, states, log, tuning)
