"""What a device is to the epoch loop: one small interface.

A device checks that it can run a configuration (``require``: the machine,
``check_options``: the options, as usage errors), prepares the model (copying it to the
device when it lives elsewhere), trains one batch at a time and returns what the kernels
counted, and copies the model back into the host arrays (before every checkpoint and at
the end), so that checkpoints hold host arrays and a run can resume on any device.
``close`` undoes whatever preparing changed in this process.
"""

from collections import namedtuple

from ...errors import UsageError
from .. import objectives

# What the kernels read besides the model: the noise bundle, the Huffman tree (both
# ``kernels.bundles``), the per-word subsampling keep probabilities, and each word's
# input rows (a ``kernels.subwords.Subwords``; None: one row per word).
Tables = namedtuple("Tables", "noise tree keep subwords", defaults=(None,))
# A batch of the encoded corpus: its int32 ids (ending with EOS) and where it lies there,
# items [start, end) (the same from one epoch to the next).
Batch = namedtuple("Batch", "ids start end")


class Device:
    """One implementation per device; ``devices.REGISTRY`` names them.

    ``model`` (a ``kernels.bundles.Model``) and ``states`` (one uint64 RNG state per
    thread) are the host arrays: the device trains them in place or copies back into them.
    ``tuning``: settings of this device instead of its defaults (tests and benchmarks;
    None: the defaults).
    """

    name = None  # as --device gives it
    distributed = False  # can run under mpiexec (one process per machine)
    subwords = False  # trains subword (character n-gram) vectors
    reads_ahead = False  # is handed the next batch with each one (``train``'s upcoming)
    times_kernels = False  # reports ``kernel_seconds``

    def __init__(self, config, model, tables, states, log, tuning=None):
        self.config, self.model, self.tables, self.states = config, model, tables, states
        self.log, self.tuning = log, tuning

    @classmethod
    def require(cls, config):
        """Fail before any work (a DeviceError) when this machine cannot run ``config``."""

    @classmethod
    def check_options(cls, config):
        """Usage errors for the options this device does not support: by default, the
        objectives whose registry entries do not list it, and subwords unless it trains
        them."""
        objectives.check_device(config, cls.name)
        if config.uses_subwords and not cls.subwords:
            raise UsageError(f"--subwords is not supported with --device {cls.name}: subword "
                             "vectors train on CPUs. Drop --device or --subwords.")

    @classmethod
    def check_cluster(cls, cluster):
        """A usage error when a distributed run (``cluster``) asks for this device."""
        if cluster is not None and not cls.distributed:
            raise UsageError(f"--device {cls.name} cannot be used under mpiexec: distributed "
                             "training runs on CPUs. Drop --device or mpiexec.")

    @property
    def batch_items(self):
        """Ids of the encoded corpus per call of ``train`` (cut at a sentence end)."""
        raise NotImplementedError

    def train(self, batch, params, alpha_start, alpha_end, upcoming=None):
        """Train on ``batch`` (a Batch) with alpha falling from ``alpha_start`` to
        ``alpha_end`` and the kernel ``params``; returns the batch's ``counters.Counts``
        (its corpus words left to the caller). ``upcoming``: the Batch the next call will
        train (only to a device that ``reads_ahead``; None at the end of an epoch)."""
        raise NotImplementedError

    @property
    def kernel_seconds(self):
        """Seconds the kernels ran by the device's own clock; None when it has none."""
        return None

    def copy_back(self):
        """Bring the trained matrices and RNG states into the host arrays."""

    def close(self):
        """Undo what preparing the device changed in this process."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
