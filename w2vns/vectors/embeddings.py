"""The embeddings object and the cosine-similarity queries on it."""

import sys

import numpy as np

from ..io import matrix
from ..io import w2vformat
from ..errors import FormatError, UnknownWordError, UsageError, printable
from .gensim_api import COSMUL_EPSILON, GensimQueries

__all__ = ["Embeddings", "UnknownWordError", "load"]

ANALOGY_METHODS = ("add", "mul")  # 3CosAdd, 3CosMul (Levy & Goldberg 2014)
SCORE_BUDGET = 1 << 24  # floats in one batch of query x vocabulary scores (64 MiB)


class Embeddings(GensimQueries):
    """Words, their float32 vectors, and cosine-similarity queries.

    Rows are normalised to unit length once, on the first query: into a copy, or in
    place after ``normalize()`` (then ``vectors`` holds the unit rows). A zero vector stays
    zero: its cosine similarity with any vector is 0, never NaN. A query whose own vector
    is zero (the mean of the query words, or B - A + C of a 3CosAdd analogy) has no
    direction: it gets no neighbours (an empty list). Every score is a finite number.

    gensim's ``KeyedVectors`` names work too (``index_to_key``, ``most_similar(positive,
    negative, topn)``, ``get_vecattr(key, "count")``...: see ``gensim_api``). ``counts``:
    each word's count in the training corpus, or None when unknown (vectors read from a
    file).
    """

    def __init__(self, words, vectors, normalized=False, counts=None, subwords=None):
        self.words = list(words)
        self.subwords = subwords  # an io.fasttext.FastTextModel: unknown words get vectors
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.vectors.ndim != 2 or len(self.vectors) != len(self.words):
            raise UsageError(f"need one vector per word: {len(self.words)} words, "
                             f"vectors of shape {self.vectors.shape}.")
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        if self.counts is not None and self.counts.shape != (len(self.words),):
            raise UsageError(f"need one count per word: {len(self.words)} words, counts of "
                             f"shape {self.counts.shape}.")
        self._index = {}
        for i, word in enumerate(self.words):
            self._index.setdefault(word, i)
        self._unit = self.vectors if normalized else None
        self.norms = None  # row lengths, once fill_norms() has run
        self._built = {}  # unknown word -> its id (len(words) + k), built from n-grams
        self._built_unit = np.zeros((0, self.dim), dtype=np.float32)  # their unit rows

    def __len__(self):
        return len(self.words)

    def __repr__(self):
        return f"<Embeddings: {len(self):,} words x {self.dim} dimensions>"

    @property
    def dim(self):
        return self.vectors.shape[1]

    def index(self, word):
        """The row of ``word`` (an id past the rows for a word ``build`` built);
        UnknownWordError (a KeyError) if absent."""
        try:
            return self._index[word]
        except KeyError:
            if word in self._built:
                return self._built[word]
            raise UnknownWordError(word) from None

    def missing(self, words):
        """The words (of an iterable) neither in the vocabulary nor built, in order."""
        return [w for w in words if w not in self._index and w not in self._built]

    def build(self, words):
        """With a subword model, give the unknown ``words`` vectors from their n-grams, so
        that queries may use them (they are never answers); returns the words built now."""
        if self.subwords is None:
            return []
        new, rows = [], []
        for word in dict.fromkeys(self.missing(words)):
            vector = self.built_vector(word)
            if vector is not None:
                self._built[word] = len(self.words) + len(self._built_unit) + len(rows)
                new.append(word)
                rows.append(vector / max(float(np.linalg.norm(vector)), np.finfo(np.float32).tiny))
        if rows:
            self._built_unit = np.concatenate([self._built_unit,
                                               np.asarray(rows, dtype=np.float32)])
        return new

    def unit_rows(self, ids):
        """The unit rows of ``ids`` (an int array), built words' included."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(self._built_unit):
            return self.unit[ids]
        out = np.empty(ids.shape + (self.dim,), dtype=np.float32)
        known = ids < len(self.words)
        out[known] = self.unit[ids[known]]
        out[~known] = self._built_unit[ids[~known] - len(self.words)]
        return out

    def vector(self, word):
        """The vector of ``word``: its row, or for an unknown word of a subword model the
        mean of its n-gram rows (as fastText's print-word-vectors); UnknownWordError when
        it has neither."""
        if word in self._index:
            return self.vectors[self._index[word]]
        built = self.built_vector(word)
        if built is None:
            raise UnknownWordError(word)
        return built

    def built_vector(self, word):
        """The vector of ``word`` built from its n-grams (None without a subword model or
        when it has no n-gram)."""
        from ..io.fasttext import unknown_vector

        if self.subwords is None:
            return None
        return unknown_vector(self.subwords, word)

    @property
    def unit(self):
        """Rows scaled to unit length (computed once, float32)."""
        if self._unit is None:
            self._unit = matrix.normalized(self.vectors, norms=self._finite_norms())
        return self._unit

    def normalize(self):
        """Scale the rows to unit length in place: no copy. Returns self."""
        if self._unit is not self.vectors:
            matrix.normalized(self.vectors, out=self.vectors, norms=self._finite_norms())
            self._unit = self.vectors
            self.norms = None
        return self

    def _finite_norms(self):
        """Row lengths (zeros as 1); FormatError for a row holding NaN or infinity, or values
        too large to square in float32, whose cosines would be NaN."""
        norms = matrix.row_norms(self.vectors)
        bad = np.flatnonzero(~np.isfinite(norms))
        if len(bad):
            word = printable(self.words[bad[0]])
            raise FormatError(f"the vector of '{word}' holds NaN or infinity, or values too "
                              "large for float32 arithmetic: its similarities would be NaN.")
        return norms

    def query_vector(self, ids, method="similar"):
        """The vector a query is compared with: the mean of the unit rows ``ids``
        ('similar'), or B - A + C of the unit rows of (A, B, C) ('add'). A zero one has
        no direction, hence no neighbours."""
        if len(ids) == 0:
            raise UsageError("a query needs at least one word.")
        rows = self.unit_rows(ids)
        if method == "similar":
            return rows.mean(axis=0)
        a, b, c = rows
        return b - a + c

    def analogy(self, a, b, c, topn=5, method="add", restrict=None):
        """a is to b as c is to ? 'add': argmax cos(x, b - a + c); 'mul': 3CosMul."""
        ids = [self.index(w) for w in (a, b, c)]
        return self.analogy_batch([ids], topn, method, restrict)[0]

    def similar_batch(self, queries, topn, restrict=None):
        """most_similar for many queries (lists of row ids) at once: [[(word, score)]].

        A query whose mean vector is zero gets an empty list."""
        points = np.stack([self.query_vector(ids) for ids in queries]) if queries else None
        return self._ranked(queries, lambda rows, part: self._cosines(points[rows], part),
                            topn, restrict, _zero_rows(points))

    def analogy_batch(self, questions, topn, method="add", restrict=None):
        """analogy for many (a, b, c) row-id triples at once: [[(word, score)]].

        3CosAdd: a question whose B - A + C is zero gets an empty list. 3CosMul scores
        each word's cosines with A, B and C, which a zero vector makes constant, not NaN."""
        if method not in ANALOGY_METHODS:
            raise UsageError(f"analogy method must be one of {', '.join(ANALOGY_METHODS)}, "
                             f"got '{method}'.")
        triples = np.asarray(questions, dtype=np.int64).reshape(-1, 3)
        score = self._cosadd if method == "add" else self._cosmul
        zero = None
        if method == "add" and len(triples):
            zero = _zero_rows(np.stack([self.query_vector(ids, "add") for ids in triples]))
        return self._ranked(questions, lambda rows, part: score(triples[rows], part),
                            topn, restrict, zero)

    def analogy_scores(self, triples, method, restrict=None):
        """Scores of every (restricted) word for each (a, b, c) row-id triple."""
        part = self.unit[:restrict]
        return self._cosadd(triples, part) if method == "add" else self._cosmul(triples, part)

    def _cosadd(self, triples, part):
        unit_rows = self.unit_rows
        points = unit_rows(triples[:, 1]) - unit_rows(triples[:, 0]) + unit_rows(triples[:, 2])
        return self._cosines(points, part)

    def _cosmul(self, triples, part):
        """(cos(x,b)+1)/2 * (cos(x,c)+1)/2 / ((cos(x,a)+1)/2 + eps), cosines shifted to [0, 1]."""
        a, b, c = (_shifted_cosines(self.unit_rows(triples[:, k]), part) for k in range(3))
        a += np.float32(COSMUL_EPSILON)
        b *= c
        b /= a
        return b

    @staticmethod
    def _cosines(points, part):
        """Cosines of ``points`` with the unit rows ``part``; 0 for a zero point."""
        points = points / matrix.row_norms(points)[:, None]
        return points.astype(np.float32, copy=False) @ part.T

    def _ranked(self, queries, scores_of, topn, restrict, zero=None):
        """Top ``topn`` of each query's scores, its own words excluded, in batches; an empty
        list for the queries flagged in ``zero`` (no direction)."""
        part = self.unit[:restrict]
        batch = max(1, SCORE_BUDGET // max(len(part), 1))
        out = []
        for start in range(0, len(queries), batch):
            rows = slice(start, start + batch)
            scores = scores_of(rows, part)
            for i, (query, row_scores) in enumerate(zip(queries[rows], scores), start):
                empty = zero is not None and zero[i]
                out.append([] if empty else self._top(row_scores, set(query), topn))
        return out

    def _top(self, scores, exclude, topn):
        return [(self.words[i], float(scores[i])) for i in top_indices(scores, exclude, topn)]

    def save(self, path, fmt=None):
        """Write word2vec binary/text or .npy + .vocab, from ``fmt`` or the extension."""
        w2vformat.write_file(str(path), self.words, self.vectors, fmt)


def _zero_rows(points):
    """Which rows of ``points`` are zero vectors (None for no points)."""
    return None if points is None else ~points.any(axis=1)


def _shifted_cosines(points, part):
    """(cos + 1) / 2 of unit ``points`` with every row of ``part``, computed in place."""
    scores = points @ part.T
    scores += np.float32(1)
    scores *= np.float32(0.5)
    return scores


def top_indices(scores, exclude, topn):
    """Rows of the ``topn`` highest scores, best first (ties: lower row first), ``exclude``
    (row ids) left out. Overwrites the excluded scores with -inf."""
    exclude = [i for i in set(exclude) if i < len(scores)]
    scores[exclude] = -np.inf
    k = min(topn, len(scores) - len(exclude))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    best = np.argpartition(-scores, k - 1)[:k]
    return best[np.lexsort((best, -scores[best]))]


def _stderr(message):
    print(message, file=sys.stderr, flush=True)


def load(path, limit=None, unicode_errors="replace", normalize=False, fmt=None, log=_stderr,
         no_header=False):
    """Load word2vec text or binary (plain or compressed), GloVe text or .npy + .vocab.

    ``limit`` reads only the first N vectors; ``normalize`` scales them to unit
    length in place (all a similarity query needs, with no second copy). Repaired
    words (invalid UTF-8, duplicates) are reported through ``log``. ``no_header``: text
    with no 'count dim' line (GloVe), line 1 read as a vector whatever it holds.
    """
    found = w2vformat.read_file(path, fmt=fmt, limit=limit, unicode_errors=unicode_errors,
                                no_header=no_header)
    if log is not None:
        report_repairs(found, unicode_errors, log)
    kv = Embeddings(found.words, found.vectors, subwords=found.subwords)
    if normalize:
        try:
            kv.normalize()
        except FormatError as exc:
            raise FormatError(f"'{path}': {exc}") from None
    return kv


def report_repairs(found, unicode_errors, log):
    """Warnings for words that were not valid UTF-8 and for duplicates."""
    if found.invalid_words:
        done = "replaced by U+FFFD" if unicode_errors == "replace" else "dropped"
        log(f"warning: {found.invalid_words:,} word(s) were not valid UTF-8; the bad bytes "
            f"were {done}")
    if found.duplicates:
        log(f"warning: {found.duplicates:,} duplicate word(s); kept the first vector of each")
