"""The Huffman tree of hierarchical softmax, built without recursion for any vocabulary.

Counts are sorted in descending order (the vocabulary's order), so the two smallest
unmerged nodes are always at the end of the leaves or the start of the merged inner
nodes: two queues, O(V). Each word's code and inner-node path (root first) are then
read off by walking parent links, into compressed rows (offsets into flat arrays).
"""

import numpy as np
from numba import njit


@njit(cache=True)
def _smallest(weight, leaf, inner, made):
    """The smaller of the next leaf and the next merged node (a merged node wins ties)."""
    if leaf >= 0 and (inner >= made or weight[leaf] < weight[inner]):
        return leaf, leaf - 1, inner
    return inner, leaf, inner + 1


@njit(cache=True)
def build_tree(counts):
    """(offsets int64 (V+1), codes uint8, points int32) for counts sorted descending.

    Inner nodes are numbered 0..V-2 (the root is V-2); ``points`` are those numbers.
    A one-word vocabulary has an empty tree.
    """
    v = counts.shape[0]
    offsets = np.zeros(v + 1, dtype=np.int64)
    if v < 2:
        return offsets, np.empty(0, dtype=np.uint8), np.empty(0, dtype=np.int32)
    nodes = 2 * v - 1
    weight = np.empty(nodes, dtype=np.int64)
    weight[:v] = counts
    parent = np.zeros(nodes, dtype=np.int64)
    bit = np.zeros(nodes, dtype=np.uint8)
    leaf = v - 1  # next smallest leaf (moving left)
    inner = v  # next smallest merged node (moving right)
    for made in range(v, nodes):
        first, leaf, inner = _smallest(weight, leaf, inner, made)
        second, leaf, inner = _smallest(weight, leaf, inner, made)
        weight[made] = weight[first] + weight[second]
        parent[first] = made
        parent[second] = made
        bit[second] = 1
    root = nodes - 1
    for w in range(v):
        depth = 0
        node = w
        while node != root:
            depth += 1
            node = parent[node]
        offsets[w + 1] = offsets[w] + depth
    codes = np.empty(offsets[v], dtype=np.uint8)
    points = np.empty(offsets[v], dtype=np.int32)
    for w in range(v):
        k = offsets[w + 1] - 1  # fill leaf-to-root, stored root-first
        node = w
        while node != root:
            codes[k] = bit[node]
            points[k] = parent[node] - v
            node = parent[node]
            k -= 1
    return offsets, codes, points
