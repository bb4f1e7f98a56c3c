"""gensim ``KeyedVectors``' names, argument order and results, for ``Embeddings``.

A mixin: queries by key (a word, or a row number as gensim allows), by vector, or by
(key or vector, weight) pairs, per-word counts, and the conversion to and from gensim's
own object. Where gensim would give NaN or ignore an argument, w2vns differs:

* a zero vector has cosine 0 with every vector (gensim: NaN), so every score is finite;
* a query whose combined vector is zero has no direction: ``most_similar`` returns no
  neighbours (an empty list; gensim ranks arbitrary words at 0);
* ``most_similar_cosmul`` scales a query vector to unit length and honours
  ``restrict_vocab`` (gensim uses the vector as given and searches every word).

gensim itself is imported only by ``to_gensim`` and ``from_gensim``.
"""

from numbers import Integral

import numpy as np

from ..errors import (QueryTypeError, QueryValueError, UnknownAttributeError, UnknownWordError,
                      UsageError)

KEY_TYPES = (str, int, np.integer)  # a key: a word, or a row number (as gensim's)
COUNT = "count"  # the one per-word attribute w2vns keeps
COSMUL_EPSILON = 1e-6  # added to 3CosMul's denominator, as gensim's most_similar_cosmul
POSITIVE, NEGATIVE = 1.0, -1.0  # weights of positive and negative terms, unless given
WEIGHTED_TERM = 2  # a (key or vector, weight) pair
GENSIM_MISSING = "gensim is not installed: pip install gensim (Embeddings.{} needs it)."


class GensimQueries:
    """gensim KeyedVectors' API. The class using it provides ``words``, ``vectors`` (float32,
    one row per word), ``counts`` (or None), ``norms`` (or None), ``unit`` (the rows at unit
    length), ``_index`` (word -> row), ``_cosines(points, part)`` and ``_top(scores,
    exclude, topn)``."""

    # -------------------------------------------------------------------------- keys

    @property
    def index_to_key(self):
        """The words, in row order (gensim's name for ``words``)."""
        return self.words

    @property
    def key_to_index(self):
        """word -> row."""
        return self._index

    @property
    def vector_size(self):
        """The dimension (gensim's name for ``dim``)."""
        return self.vectors.shape[1]

    def get_index(self, key, default=None):
        """The row of ``key``: a word, or a row number within range (as gensim's). Else
        ``default`` if given, else UnknownWordError (a KeyError)."""
        row = self._index.get(key, -1)
        if row >= 0:
            return row
        if isinstance(key, (int, np.integer)) and 0 <= key < len(self.words):
            return int(key)
        if default is not None:
            return default
        raise UnknownWordError(key)

    def has_index_for(self, key):
        return self.get_index(key, -1) >= 0

    def __contains__(self, key):
        return self.has_index_for(key)

    def get_vector(self, key, norm=False):
        """The vector of ``key`` (read-only); ``norm``: at unit length (a zero one stays zero)."""
        if isinstance(key, str) and key not in self and getattr(self, "subwords", None):
            vector = self.vector(key)  # built from its n-grams
        else:
            vector = self.vectors[self.get_index(key)]
        if norm:
            vector = _unit(vector)
        vector.setflags(write=False)
        return vector

    def __getitem__(self, key_or_keys):
        """The vector of a key, or the matrix of the vectors of a list of keys."""
        if isinstance(key_or_keys, KEY_TYPES):
            return self.get_vector(key_or_keys)
        return np.vstack([self.get_vector(key) for key in key_or_keys])

    def get_vecattr(self, key, attr):
        """The word's ``"count"`` in the training corpus. UnknownAttributeError (a KeyError)
        for vectors read from a file, which hold no counts, and for other attributes."""
        row = self.get_index(key)
        if attr != COUNT:
            raise UnknownAttributeError(f"no attribute '{attr}': w2vns keeps only '{COUNT}' "
                                        "for each word.")
        if self.counts is None:
            raise UnknownAttributeError("no word counts: vectors read from a file hold none "
                                        "(those w2vns.train returns have them).")
        return self.counts[row]

    # ------------------------------------------------------------------------- norms

    def fill_norms(self, force=False):
        """Compute ``norms``, the length of every row (0 for a zero vector), if not yet."""
        if self.norms is None or force:
            self.norms = _lengths(self.vectors)

    def get_normed_vectors(self):
        """The rows at unit length (a zero row stays zero), read-only; computed once."""
        unit = self.unit.view()
        unit.setflags(write=False)
        return unit

    # ----------------------------------------------------------------------- queries

    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None, *,
                     restrict=None):
        """[(key, cosine)] of the ``topn`` keys nearest to the weighted mean of the unit
        vectors of the ``positive`` (weight +1) and ``negative`` (weight -1) keys, the query
        keys excluded; vectors are taken as given; (key or vector, weight) pairs set their
        own weight. ``topn=None``: the cosines of all (searched) keys, an array.
        ``restrict_vocab`` (or ``restrict``, its older name) searches only the first N keys.
        """
        if isinstance(negative, (int, np.integer)):
            raise QueryTypeError(f"most_similar's second argument is negative, as in gensim: "
                                 f"pass topn={negative} by keyword.")
        if isinstance(topn, Integral) and topn < 1:
            return []
        points, weights, rows = self._resolve(_terms(positive, POSITIVE)
                                              + _terms(negative, NEGATIVE))
        point = weights @ points
        part = self.unit[:restrict_vocab if restrict_vocab else restrict]
        scores = self._cosines(point[None, :], part)[0]
        if not topn:
            return scores
        return self._top(scores, rows, topn) if point.any() else []

    def similar_by_key(self, key, topn=10, restrict_vocab=None):
        """Neighbours of one key: ``most_similar([key], ...)``."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_word(self, word, topn=10, restrict_vocab=None):
        return self.similar_by_key(word, topn, restrict_vocab)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """Neighbours of a vector (no key excluded)."""
        return self.most_similar(positive=[np.asarray(vector)], topn=topn,
                                 restrict_vocab=restrict_vocab)

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """3CosMul (Levy & Goldberg): the product of the shifted cosines (cos + 1) / 2 with
        the ``positive`` keys or vectors over (the product of those with the ``negative``
        ones + 1e-6), the query keys excluded. ``topn=None``: every score, an array."""
        if isinstance(topn, Integral) and topn < 1:
            return []
        part = self.unit[:restrict_vocab or None]
        up, up_rows = self._shifted_cosines(_terms(positive, POSITIVE, pairs=False), part)
        down, down_rows = self._shifted_cosines(_terms(negative, NEGATIVE, pairs=False), part,
                                                empty_ok=True)
        scores = np.prod(up, axis=0) / (np.prod(down, axis=0) + np.float32(COSMUL_EPSILON))
        if not topn:
            return scores
        return self._top(scores, up_rows + down_rows, topn)

    def similarity(self, w1, w2):
        """Cosine similarity of two keys (0 if either vector is zero)."""
        return float(self.get_vector(w1, norm=True) @ self.get_vector(w2, norm=True))

    def distance(self, w1, w2):
        """Cosine distance, 1 - similarity."""
        return 1 - self.similarity(w1, w2)

    def n_similarity(self, ws1, ws2):
        """Cosine similarity of the means of two lists of keys (raw vectors); as gensim, keys
        not in the vocabulary are left out (none left: a zero mean, similarity 0)."""
        if not (len(ws1) and len(ws2)):
            raise QueryValueError("n_similarity needs at least one key in each list.")
        return float(_unit(self._known_mean(ws1)) @ _unit(self._known_mean(ws2)))

    @staticmethod
    def cosine_similarities(vector_1, vectors_all):
        """Cosines of one vector with each row of a matrix (0 where either is zero)."""
        vector_1, vectors_all = np.asarray(vector_1), np.asarray(vectors_all)
        dots = vectors_all @ vector_1
        scale = _lengths(vectors_all) * np.sqrt(vector_1 @ vector_1)
        out = np.zeros(dots.shape, dtype=np.result_type(dots, scale))
        return np.divide(dots, scale, out=out, where=scale > 0)

    def distances(self, word_or_vector, other_words=()):
        """1 - cosine of a key or vector with each key of ``other_words`` (none: every key,
        itself included)."""
        if isinstance(word_or_vector, KEY_TYPES):
            vector = self.get_vector(word_or_vector)
        else:
            vector = self._checked_vector(word_or_vector)
        others = list(other_words) if other_words is not None else []
        matrix = self.vectors[[self.get_index(w) for w in others]] if others else self.vectors
        return 1 - self.cosine_similarities(vector, matrix)

    def closer_than(self, key1, key2):
        """The keys closer to ``key1`` than ``key2`` is, in row order, ``key1`` left out."""
        distances = self.distances(key1)
        first, second = self.get_index(key1), self.get_index(key2)
        closer = np.flatnonzero(distances < distances[second])
        return [self.words[row] for row in closer if row != first]

    def words_closer_than(self, word1, word2):
        return self.closer_than(word1, word2)

    def rank(self, key1, key2):
        """1 + the number of keys closer to ``key1`` than ``key2`` is."""
        return len(self.closer_than(key1, key2)) + 1

    def rank_by_centrality(self, words, use_norm=True):
        """[(cosine, key)] of the known ``words`` with their mean (of unit vectors, unless
        ``use_norm`` is False), highest first; unknown words are left out, as in gensim."""
        used = [word for word in words if word in self]
        if not used:
            raise QueryValueError("none of the words is in the vocabulary: nothing to rank.")
        vectors = np.vstack([self.get_vector(word, norm=use_norm) for word in used])
        return sorted(zip(vectors @ _unit(vectors.mean(axis=0)), used), reverse=True)

    def doesnt_match(self, words):
        """The word of ``words`` furthest from the mean of them all."""
        return self.rank_by_centrality(words)[-1][1]

    # --------------------------------------------------------------------- internals

    def _checked_vector(self, vector):
        vector = np.asarray(vector, dtype=np.float32)
        if vector.shape != (self.vector_size,):
            raise QueryValueError(f"a query vector of shape {vector.shape}: these vectors have "
                                  f"{self.vector_size} dimensions.")
        return vector

    def _resolve(self, terms):
        """(points, weights, rows): each term's vector (a key's unit row, or the vector as
        given), its weight, and the rows of the terms that are keys."""
        if not terms:
            raise QueryValueError("cannot compute similarity with no input: give at least one "
                                  "key or vector.")
        points, weights, rows = [], [], []
        for item, weight in terms:
            if isinstance(item, np.ndarray):
                points.append(self._checked_vector(item))
            else:
                rows.append(self.get_index(item))
                points.append(self.unit[rows[-1]])
            weights.append(weight)
        return np.stack(points), np.asarray(weights, dtype=np.float32), rows

    def _shifted_cosines(self, terms, part, empty_ok=False):
        """(cos + 1) / 2 of each term with every row of ``part``, and the rows of the keys."""
        if not terms and empty_ok:
            return np.ones((0, len(part)), dtype=np.float32), []
        points, _, rows = self._resolve(terms)
        scores = self._cosines(points, part)
        scores += np.float32(1)
        scores *= np.float32(0.5)
        return scores, rows

    def _known_mean(self, keys):
        """The mean of the raw vectors of the known keys (vectors taken as given); zero if
        none is known."""
        vectors = [self._checked_vector(k) if isinstance(k, np.ndarray) else self.vectors[
            self.get_index(k)] for k in keys if isinstance(k, np.ndarray) or k in self]
        return np.mean(vectors, axis=0) if vectors else np.zeros(self.vector_size, np.float32)

    # ---------------------------------------------------------------------- gensim

    def to_gensim(self):
        """A ``gensim.models.KeyedVectors`` with a copy of the vectors (the first of
        duplicate words), and each word's ``"count"`` when known."""
        keyed_vectors = _gensim_keyed_vectors("to_gensim")
        rows = sorted(self._index.values())
        kv = keyed_vectors(self.vector_size, count=len(rows), dtype=np.float32)
        kv.vectors[:] = self.vectors if len(rows) == len(self.words) else self.vectors[rows]
        kv.index_to_key = [self.words[row] for row in rows]
        kv.key_to_index = {key: i for i, key in enumerate(kv.index_to_key)}
        kv.next_index = len(rows)
        if self.counts is not None:
            kv.allocate_vecattrs([COUNT], [np.int64])
            kv.expandos[COUNT][:] = self.counts[rows]
        return kv

    @classmethod
    def from_gensim(cls, kv):
        """Embeddings from a gensim ``KeyedVectors`` (or a model's ``.wv``): a copy of its
        vectors, and its ``"count"`` attribute as counts when it has one."""
        keyed_vectors = _gensim_keyed_vectors("from_gensim")
        kv = getattr(kv, "wv", kv)
        if not isinstance(kv, keyed_vectors):
            raise UsageError(f"from_gensim takes a gensim KeyedVectors (or a model with .wv), "
                             f"got {type(kv).__name__}.")
        size = len(kv.index_to_key)
        counts = kv.expandos.get(COUNT)
        if counts is not None and counts.dtype.kind not in "iu":
            counts = None
        return cls(list(kv.index_to_key), np.array(kv.vectors[:size], dtype=np.float32),
                   counts=None if counts is None else counts[:size])


def _terms(value, weight, pairs=True):
    """[(key or vector, weight)] of a positive or negative argument, read as gensim reads it:
    a key, a vector, a 2-D array of vectors, or a list of keys, vectors and (key or vector,
    weight) pairs (``pairs``)."""
    if value is None:
        return []
    if isinstance(value, KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
        value = [value]
    terms = []
    for item in value:
        if isinstance(item, KEY_TYPES + (np.ndarray,)):
            terms.append((item, weight))
        elif pairs and isinstance(item, (tuple, list)) and len(item) == WEIGHTED_TERM:
            terms.append((item[0], float(item[1])))
        else:
            kinds = "a key or a vector" + (" or a (key or vector, weight) pair" if pairs else "")
            raise QueryTypeError(f"a query term must be {kinds} (a vector: a NumPy array), "
                                 f"got {type(item).__name__}.")
    return terms


def _lengths(matrix):
    """The Euclidean length of each row, with no temporary matrix."""
    return np.sqrt(np.einsum("ij,ij->i", matrix, matrix))


def _unit(vector):
    """``vector`` at unit length; a zero vector stays zero."""
    length = np.sqrt(vector @ vector)
    return vector / length if length > 0 else vector.copy()


def _gensim_keyed_vectors(method):
    try:
        from gensim.models import KeyedVectors
    except ImportError:
        raise UsageError(GENSIM_MISSING.format(method)) from None
    return KeyedVectors
