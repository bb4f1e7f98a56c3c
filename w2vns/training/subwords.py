"""Subword vectors in a run: each vocabulary word's input rows, computed once, and the
vectors the outputs hold.

With subwords the input matrix ``syn0`` has the vocabulary's rows then ``--bucket``
hashed n-gram rows (``objectives.initial_model``); word ``w``'s input vector is the mean
of its own row and its n-grams' (``kernels.subwords``), and that mean is the vector the
word2vec formats write, as fastText's ``.vec``.
"""

import numpy as np

from ..io import ngrams
from ..kernels import subwords as kernels


def rows_for(words, config):
    """The kernels' ``Subwords`` bundle of ``words`` (None without subwords)."""
    if not config.uses_subwords:
        return None
    offsets, rows = ngrams.word_ngram_rows(words, config.minn, config.maxn, config.bucket,
                                           len(words))
    return kernels.Subwords(offsets, rows)


def split(syn0, vocab_size):
    """(the words' own rows, the n-gram rows or None) of an input matrix."""
    if syn0.shape[0] == vocab_size:
        return syn0, None
    return syn0[:vocab_size], syn0[vocab_size:]


def word_vectors(words, own, buckets, config):
    """Every word's vector: the mean of its own row (``own``) and its n-gram rows
    (``buckets``); ``own`` itself without n-gram rows."""
    if buckets is None:
        return own
    offsets, rows = ngrams.word_ngram_rows(words, config.minn, config.maxn, config.bucket,
                                           len(words))
    out = np.empty_like(own)
    kernels.compose_all(joined(own, buckets), offsets, rows, out)
    return out


def subword_model(trained):
    """The n-grams of a trained subword model as ``io.fasttext`` holds them (None without
    subwords): unknown words get vectors from them."""
    from ..io.fasttext import FastTextModel

    if trained.buckets is None:
        return None
    config = trained.config
    return FastTextModel(list(trained.vocab.words), trained.vocab.counts,
                         trained.vectors.shape[1], config.minn, config.maxn, config.bucket,
                         joined(trained.vectors, trained.buckets))


def joined(own, buckets):
    """The input matrix of which ``own`` and ``buckets`` are the two parts (no copy when
    they are views of it)."""
    base = own.base
    whole = (own.shape[0] + buckets.shape[0], own.shape[1])
    if (isinstance(base, np.ndarray) and base.shape == whole
            and own.ctypes.data == base.ctypes.data
            and buckets.ctypes.data == base[own.shape[0]:].ctypes.data):
        return base
    return np.concatenate([own, buckets])
