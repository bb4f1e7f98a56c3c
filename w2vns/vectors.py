"""An embeddings object and the queries on it."""

import numpy as np

from . import w2vformat


class Embeddings:
    """Words, their float32 vectors, and cosine-similarity queries."""

    def __init__(self, words, vectors):
        self.words = list(words)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self._index = {}
        for i, word in enumerate(self.words):
            self._index.setdefault(word, i)
        self._unit = None

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self._index

    def __getitem__(self, word):
        return self.vectors[self._index[word]]

    def index(self, word):
        return self._index[word]

    @property
    def unit(self):
        """Rows scaled to unit length (computed once, float32)."""
        if self._unit is None:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            self._unit = self.vectors / norms
        return self._unit

    def similarity(self, a, b):
        return float(self.unit[self._index[a]] @ self.unit[self._index[b]])

    def _nearest(self, query, exclude, topn):
        query = query / (np.linalg.norm(query) or 1.0)
        scores = self.unit @ query.astype(np.float32)
        scores[list(exclude)] = -np.inf
        k = min(topn, len(scores) - len(exclude))
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in best]

    def most_similar(self, words, topn=10):
        """Neighbours of a word (or of the mean of several), the query words excluded."""
        if isinstance(words, str):
            words = [words]
        ids = [self._index[w] for w in words]
        return self._nearest(self.unit[ids].mean(axis=0), set(ids), topn)

    def analogy(self, a, b, c, topn=5):
        """a is to b as c is to ? (3CosAdd: argmax cos(x, b - a + c))."""
        ia, ib, ic = (self._index[w] for w in (a, b, c))
        unit = self.unit
        return self._nearest(unit[ib] - unit[ia] + unit[ic], {ia, ib, ic}, topn)

    def save(self, path, binary=None):
        w2vformat.write(path, self.words, self.vectors, w2vformat.is_binary(path)
                        if binary is None else binary)


def load(path, binary=None, limit=None):
    """Load a word2vec text or binary file (compression from the extension)."""
    words, vectors = w2vformat.read(path, binary=binary, limit=limit)
    return Embeddings(words, vectors)
