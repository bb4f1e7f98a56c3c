"""What training counts, in one shape: a batch's tallies, a checkpoint's position and a
run's summary all hold ``Counts``.

The kernels add their counters to one row per thread (``kernels.bundles.TALLY_*``);
``Counts.from_tallies`` sums the rows. The corpus words of a batch are counted by the
epoch loop (they are known before the kernels run: the learning rate depends on them).
"""

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..kernels.bundles import TALLY_KEPT, TALLY_LOSS, TALLY_PAIRS, TALLY_POOL, TALLY_TERMS

# The whole-number counts, in this order wherever they travel as one array (MPI sums).
WHOLE = ("words", "words_kept", "positive_pairs", "logistic_terms", "pool_scores")


@dataclass(frozen=True)
class Counts:
    words: int = 0  # corpus words, before subsampling
    words_kept: int = 0  # after subsampling
    positive_pairs: int = 0  # (centre, context) pairs inside the shrunk windows
    logistic_terms: int = 0  # sigmoids evaluated with an update: targets, noise, HS nodes
    pool_scores: int = 0  # candidates scored by the hard and dynamic strategies
    loss: float = 0.0  # summed -log sigmoid over the logistic terms

    @classmethod
    def from_tallies(cls, tallies, words=0):
        """The sum of the kernels' per-thread tally rows, with ``words`` corpus words."""
        counted = tallies.sum(axis=0)
        return cls(words=words, words_kept=int(counted[TALLY_KEPT]),
                   positive_pairs=int(counted[TALLY_PAIRS]),
                   logistic_terms=int(counted[TALLY_TERMS]), pool_scores=int(counted[TALLY_POOL]),
                   loss=float(counted[TALLY_LOSS]))

    @classmethod
    def from_array(cls, array):
        """Counts from ``as_array``'s layout (the loss is not carried)."""
        return cls(**{name: int(n) for name, n in zip(WHOLE, array)})

    def as_array(self):
        """The whole-number counts as int64, in ``WHOLE``'s order."""
        return np.array([getattr(self, name) for name in WHOLE], dtype=np.int64)

    def __add__(self, other):
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in _FIELDS))

    def __sub__(self, other):
        return Counts(*(getattr(self, f.name) - getattr(other, f.name) for f in _FIELDS))

    @property
    def mean_loss(self):
        """The loss per logistic term."""
        return self.loss / max(self.logistic_terms, 1)


_FIELDS = dataclasses.fields(Counts)
