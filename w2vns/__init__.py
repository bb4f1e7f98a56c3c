"""w2vns: fast word2vec (skip-gram and CBOW with negative sampling).

    import w2vns
    kv = w2vns.load("vectors.bin")          # w2vns.vectors.Embeddings
    kv.most_similar("king", topn=5)
    kv = w2vns.train("corpus.txt", "vectors.bin", dim=100, epochs=5)
    kv = w2vns.train([["the", "king"], ["a", "queen"]], min_count=1)  # Python data
    suite = w2vns.evaluate(kv, suite_dir="eval/word-sim")   # suite.rows: one per set

Importing w2vns loads neither NumPy nor Numba; the functions import what they need.
"""

from .api import evaluate, load, train

__all__ = ["evaluate", "load", "train", "Sentences", "IdSequences"]
_LAZY = {"Sentences": "training.sequences", "IdSequences": "training.sequences"}


def __getattr__(name):
    """The classes that need NumPy, imported when first used."""
    if name not in _LAZY:
        raise AttributeError(f"module 'w2vns' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
