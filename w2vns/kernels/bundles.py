"""The bundles every kernel takes, so that signatures stay short as objectives grow.

* ``Model``: the trained matrices. ``syn0`` input vectors (V, dim); ``syn1neg`` output
  vectors of negative sampling (V, dim); ``syn1`` hierarchical-softmax inner-node vectors
  (V - 1, dim). A matrix an objective does not use is a one-row placeholder.
* ``Noise``: the noise distribution as an alias table, and the per-word statistics the
  adaptive strategy gathers (summed sigmoid scores of each word drawn as a negative, and
  how often it was drawn; zero-length when unused), and NCE's log(k P_n(w)) per word
  (zero-length for the other losses).
* ``Tree``: the Huffman tree of hierarchical softmax in compressed rows: word ``w``'s code
  bits and inner nodes (root first) are ``codes/points[offsets[w]:offsets[w + 1]]``.
* ``Params``: integer settings, one namedtuple of int64 (see the ``*_CODES`` below):
  ``shrink`` 1 shrinks each window at random (0: every context word of the window is
  used); ``adaptive`` 1 gathers the noise statistics of the adaptive strategy;
  ``cbow_divide`` 1 gives each CBOW context word the input's gradient divided by the
  number of context words (0: the whole gradient, as the C tool); ``loss`` the output
  loss (``LOSS_*``) of the examples that are not hierarchical softmax's.

Every array of ids the kernels see ends each sentence with ``EOS``.

Per-thread counters go to a ``(threads, N_TALLIES)`` float64 array, slots named below.
"""

from collections import namedtuple

Model = namedtuple("Model", "syn0 syn1neg syn1")
Noise = namedtuple("Noise", "alias_prob alias_index score_sum draw_count nce_shift")
Tree = namedtuple("Tree", "offsets codes points")
Params = namedtuple("Params", "model window negative hs strategy pool share cbow_mean "
                              "max_sentence shrink adaptive cbow_divide loss")

EOS = -1  # the end of a sentence in the id arrays

MODEL_SG = 0
MODEL_CBOW = 1
MODEL_CODES = {"sg": MODEL_SG, "cbow": MODEL_CBOW}

LOSS_NS = 0  # negative sampling: the target and ``negative`` noise words, logistic terms
LOSS_NCE = 1  # noise-contrastive estimation: negative sampling's logits less log(k q(w))
LOSS_SOFTMAX = 2  # the exact softmax over every word's output row
LOSS_CODES = {"ns": LOSS_NS, "nce": LOSS_NCE, "softmax": LOSS_SOFTMAX}

STRATEGY_UNIGRAM = 0
STRATEGY_UNIFORM = 1
STRATEGY_HARD = 2
STRATEGY_DYNAMIC = 3
STRATEGY_ADAPTIVE = 4
STRATEGY_CODES = {"unigram": STRATEGY_UNIGRAM, "uniform": STRATEGY_UNIFORM,
                  "hard": STRATEGY_HARD, "dynamic": STRATEGY_DYNAMIC,
                  "adaptive": STRATEGY_ADAPTIVE}

# Skip-gram with shared negatives: one draw of targets serves at most this many context
# words of a window (all of a window of 10). A wider window is trained in blocks of this
# many, each with its own draw, so that the rows a draw shares never take more than this
# many gradients computed against the same stale values (see ``cpu.sg_sentence``).
SHARED_CONTEXTS = 20  # even: a block is the context of a whole number of words a side

# Slots of the per-thread tally rows.
TALLY_LOSS = 0  # summed -log sigmoid over every logistic term
TALLY_TERMS = 1  # logistic terms: positive and negative targets, HS inner nodes
TALLY_KEPT = 2  # tokens kept by subsampling
TALLY_PAIRS = 3  # (centre, context) pairs inside the shrunk windows
TALLY_POOL = 4  # candidate scores computed by the hard and dynamic strategies
N_TALLIES = 5
