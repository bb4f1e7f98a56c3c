"""Trained vectors: loading, nearest-neighbour and analogy queries, evaluation."""

from .embeddings import Embeddings, UnknownWordError, load

__all__ = ["Embeddings", "UnknownWordError", "load"]
