"""Training on the CPU (``--device cpu``, the default): the model stays in the host arrays;
each batch is cut into one slice per thread (at sentence ends) and trained by
``kernels.cpu.train_chunk``, the threads updating the shared matrices without locks.

Numba's thread count is set for the run and restored when the device is closed.
"""

import contextlib

import numpy as np

from ...io import idcache
from ...kernels.bundles import N_TALLIES
from ..counters import Counts
from ..threads import numba_threads
from .base import Device


class CpuDevice(Device):
    name = "cpu"
    distributed = True
    subwords = True

    def __init__(self, config, model, tables, states, log, tuning=None):
        from ...kernels import cpu as kernels

        from ...kernels import subwords

        if tables.subwords is None:
            tables = tables._replace(subwords=subwords.none())
        super().__init__(config, model, tables, states, log, tuning)
        self.kernels = kernels
        self.threads = config.threads
        self.tallies = np.zeros((self.threads, N_TALLIES), dtype=np.float64)
        self.limit = contextlib.ExitStack()  # Numba's thread count, restored by close()
        self.limit.enter_context(numba_threads(self.threads))

    @property
    def batch_items(self):
        return self.threads * self.config.batch_words

    def train(self, batch, params, alpha_start, alpha_end, upcoming=None):
        noise, tree, keep, subs = self.tables
        starts, ends = idcache.split_slices(batch.ids, self.threads)
        self.kernels.train_chunk(batch.ids, starts, ends, self.model, noise, tree, subs, keep, params,
                                 self.states, self.tallies, alpha_start, alpha_end)
        return Counts.from_tallies(self.tallies)

    def close(self):
        self.limit.close()


DEVICE = CpuDevice
