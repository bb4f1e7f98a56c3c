"""Word classes by K-means on word vectors, as the C word2vec tool's ``-classes K`` makes
them: word i starts in class i mod K; each of a fixed number of rounds sets every centroid
to the direction (unit length) of its members' mean and moves every word to the class whose
centroid has the largest dot product with the word's vector. A class left without members
gets no centroid and no word after that.
"""

import numpy as np

from .embeddings import SCORE_BUDGET

KMEANS_ROUNDS = 10  # the C tool's count


def word_classes(vectors, classes, rounds=KMEANS_ROUNDS):
    """Class id (0 .. ``classes`` - 1) of each row of ``vectors``, an int64 array."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if classes < 1:
        raise ValueError(f"classes must be at least 1, got {classes}.")
    labels = np.arange(len(vectors), dtype=np.int64) % classes
    for _ in range(rounds):
        centroids, empty = _centroids(vectors, labels, classes)
        labels = _nearest(vectors, centroids, empty)
    return labels


def _centroids(vectors, labels, classes):
    """Unit-length directions of each class's mean, and which classes have none (no
    members, or members summing to zero)."""
    sums = np.stack([np.bincount(labels, weights=column, minlength=classes)
                     for column in vectors.T.astype(np.float64)], axis=1)
    norms = np.sqrt((sums * sums).sum(axis=1))
    empty = norms == 0
    norms[empty] = 1.0
    return (sums / norms[:, None]).astype(np.float32), empty


def _nearest(vectors, centroids, empty):
    """For each row, the class of the largest dot product (ties: the lower class id);
    classes marked ``empty`` are never chosen."""
    labels = np.empty(len(vectors), dtype=np.int64)
    batch = max(1, SCORE_BUDGET // max(len(centroids), 1))
    for start in range(0, len(vectors), batch):
        scores = vectors[start:start + batch] @ centroids.T
        scores[:, empty] = -np.inf
        labels[start:start + batch] = scores.argmax(axis=1)
    return labels
