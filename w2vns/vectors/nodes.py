"""Node embeddings evaluated: node classification and link prediction.

Node classification follows DeepWalk's protocol (as node2vec and PecanPy report it): a
random ``fraction`` of the labelled nodes trains one-vs-rest logistic regression on
their vectors (scikit-learn, the ``graph`` extra; L2, C = 1); each other node is given
as many labels as it truly has, those the classifier scores highest; micro- and
macro-F1 over those nodes are averaged over ``splits`` random splits. A label with no
node on either side of a split counts as 0 in the macro average, as scikit-learn's
``zero_division=0`` has it.

Link prediction scores a node pair by the cosine similarity of its vectors: ROC AUC of
the held-out edges against the non-edges (the probability that an edge outscores a
non-edge, ties counting half). A links file holds 'u v' lines (edges) or 'u v label'
lines (1: edge, 0: non-edge), as ``w2vns walks --hold-out`` writes; without any non-edge
in it, as many pairs of distinct nodes that are not among its lines are drawn from the
vectors' words.
"""

import importlib.util
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import FormatError, UsageError, W2vnsError
from .evaluate import average_ranks, numbered_lines

INSTALL_HINT = "pip install 'w2vns[graph]'"
LOGISTIC_C = 1.0  # inverse regularisation strength, scikit-learn's default
LOGISTIC_MAX_ITER = 1000
COMMENT = "#"
EDGE, NON_EDGE = 1, 0
SPLIT_SALT = 0xF1  # the seeds of the splits, apart from the non-edges'
NON_EDGE_SALT = 0xA0C
NON_EDGE_ROUNDS = 64


class GraphDependencyError(W2vnsError):
    """scikit-learn is not installed."""


def check_sklearn():
    if importlib.util.find_spec("sklearn") is None:
        raise GraphDependencyError(f"--node-labels needs scikit-learn. Install it with: "
                                   f"{INSTALL_HINT}")


def check_fractions(fractions):
    for fraction in fractions:
        if not 0 < fraction < 1:
            raise UsageError(f"--train-fraction must be between 0 and 1, got {fraction:g}.")


# ------------------------------------------------------------------------ node labels


def read_labels(path):
    """{node: [labels]} from 'node label [label...]' lines ('#' comments), in file order;
    a node may have several lines."""
    labels = {}
    for number, line in numbered_lines(path):
        fields = line.split()
        if not fields or fields[0].startswith(COMMENT):
            continue
        if len(fields) < 2:
            raise FormatError(f"'{path}' line {number}: expected 'node label' (a node and "
                              "one or more labels).")
        known = labels.setdefault(fields[0], [])
        known.extend(label for label in fields[1:] if label not in known)
    if not labels:
        raise FormatError(f"'{path}' holds no node label: expected 'node label' lines.")
    return labels


@dataclass
class FractionScore:
    fraction: float
    micro: list = field(default_factory=list)  # one F1 per split
    macro: list = field(default_factory=list)

    def as_dict(self):
        return {"train_fraction": self.fraction, "micro_f1": float(np.mean(self.micro)),
                "macro_f1": float(np.mean(self.macro)),
                "micro_f1_std": float(np.std(self.micro)),
                "macro_f1_std": float(np.std(self.macro)), "splits": len(self.micro)}


@dataclass
class ClassificationResult:
    KEY = "node_classification"

    path: str
    nodes: int = 0  # labelled nodes with a vector
    missing: int = 0  # labelled nodes without one (left out)
    labels: int = 0
    scores: list = field(default_factory=list)  # FractionScore per training fraction

    def nothing_scored(self, vectors):
        if self.scores:
            return None
        return (f"{self.nodes:,} of the {self.nodes + self.missing:,} labelled node(s) in "
                f"'{self.path}' have a vector in '{vectors}': too few to split")

    def as_dict(self):
        return {"file": self.path, "nodes": self.nodes, "missing": self.missing,
                "labels": self.labels, "fractions": [s.as_dict() for s in self.scores]}

    def report(self):
        lines = [f"node classification: {self.path} ({self.nodes:,} nodes, {self.labels:,} "
                 "labels; one-vs-rest logistic regression)",
                 f"  {'train':>6}  {'micro-F1':>8}  {'macro-F1':>8}  splits"]
        for score in self.scores:
            lines.append(f"  {score.fraction:>6.0%}  {np.mean(score.micro):>8.4f}  "
                         f"{np.mean(score.macro):>8.4f}  {len(score.micro)}")
        if self.missing:
            lines.append(f"  left out {self.missing:,} labelled node(s) without a vector")
        return lines


def classify_nodes(kv, path, fractions, splits, seed, threads=1):
    """Micro- and macro-F1 of DeepWalk's protocol, per training fraction (see module)."""
    labels = read_labels(path)
    nodes = [node for node in labels if node in kv]
    result = ClassificationResult(path, len(nodes), len(labels) - len(nodes))
    if len(nodes) < 2:
        return result
    names = sorted({label for node in nodes for label in labels[node]})
    result.labels = len(names)
    column = {name: k for k, name in enumerate(names)}
    truth = np.zeros((len(nodes), len(names)), dtype=np.int8)
    for row, node in enumerate(nodes):
        truth[row, [column[label] for label in labels[node]]] = 1
    features = kv.vectors[[kv.index(node) for node in nodes]]
    for fraction in fractions:
        score = FractionScore(fraction)
        for split in range(splits):
            order = np.random.default_rng([seed, SPLIT_SALT, split]).permutation(len(nodes))
            cut = min(max(int(round(fraction * len(nodes))), 1), len(nodes) - 1)
            micro, macro = _split_f1(features, truth, order[:cut], order[cut:], threads)
            score.micro.append(micro)
            score.macro.append(macro)
        result.scores.append(score)
    return result


def _split_f1(features, truth, train, test, threads):
    """(micro-F1, macro-F1) on ``test`` of the classifier trained on ``train``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.multiclass import OneVsRestClassifier

    model = OneVsRestClassifier(LogisticRegression(C=LOGISTIC_C, max_iter=LOGISTIC_MAX_ITER),
                                n_jobs=threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # labels absent from the training side
        model.fit(features[train], truth[train])
        scores = model.predict_proba(features[test])
    predicted = top_labels(scores, truth[test].sum(axis=1))
    return (f1_score(truth[test], predicted, average="micro", zero_division=0),
            f1_score(truth[test], predicted, average="macro", zero_division=0))


def top_labels(scores, counts):
    """A 0/1 matrix with, in row i, ones at the ``counts[i]`` highest ``scores[i]``."""
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(scores.shape[1])[None, :], axis=1)
    return (ranks < np.asarray(counts)[:, None]).astype(np.int8)


# ------------------------------------------------------------------------------ links


@dataclass
class LinkResult:
    KEY = "links"

    path: str
    edges: int = 0  # scored
    non_edges: int = 0
    sampled: bool = False  # the non-edges were drawn, not read
    missing: int = 0  # pairs with a node without a vector (left out)
    malformed: int = 0
    auc: float = None

    def nothing_scored(self, vectors):
        if self.auc is not None:
            return None
        return (f"no edge and non-edge of '{self.path}' both have their nodes in "
                f"'{vectors}'")

    def as_dict(self):
        return {"file": self.path, "edges": self.edges, "non_edges": self.non_edges,
                "non_edges_sampled": self.sampled, "missing": self.missing,
                "malformed": self.malformed, "roc_auc": self.auc}

    def report(self):
        drawn = " (drawn)" if self.sampled else ""
        auc = "-" if self.auc is None else f"{self.auc:.4f}"
        lines = [f"link prediction: {self.path} (cosine similarity)",
                 f"  edges {self.edges:,}, non-edges {self.non_edges:,}{drawn}",
                 f"  ROC AUC {auc}"]
        if self.missing:
            lines.append(f"  left out {self.missing:,} pair(s) with a node without a vector")
        if self.malformed:
            lines.append(f"  ignored {self.malformed:,} malformed line(s)")
        return lines


def read_links(path):
    """([(u, v, label)], malformed lines): 'u v' (an edge) or 'u v label' (0 or 1)."""
    pairs, malformed = [], 0
    for _, line in numbered_lines(path):
        fields = line.split()
        if not fields or fields[0].startswith(COMMENT):
            continue
        if len(fields) == 2:
            pairs.append((fields[0], fields[1], EDGE))
        elif len(fields) == 3 and fields[2] in ("0", "1"):
            pairs.append((fields[0], fields[1], int(fields[2])))
        else:
            malformed += 1
    if not pairs:
        raise FormatError(f"'{path}' holds no node pair{_ignored(malformed)}: expected lines "
                          "'u v' (an edge) or 'u v label' (1 an edge, 0 a non-edge).")
    return pairs, malformed


def _ignored(malformed):
    return f" ({malformed:,} line(s) of another form)" if malformed else ""


def link_auc(kv, path, seed):
    """ROC AUC of the cosine similarity of the edges against the non-edges of ``path``."""
    pairs, malformed = read_links(path)
    result = LinkResult(path, malformed=malformed)
    rows = {EDGE: [], NON_EDGE: []}
    for u, v, label in pairs:
        if u in kv and v in kv:
            rows[label].append((kv.index(u), kv.index(v)))
        else:
            result.missing += 1
    edges = np.array(rows[EDGE], dtype=np.int64).reshape(-1, 2)
    non_edges = np.array(rows[NON_EDGE], dtype=np.int64).reshape(-1, 2)
    if len(non_edges) == 0 and not any(label == NON_EDGE for _, _, label in pairs):
        non_edges = _draw_non_edges(len(kv), edges, len(edges), seed)
        result.sampled = True
    result.edges, result.non_edges = len(edges), len(non_edges)
    if len(edges) and len(non_edges):
        unit = kv.unit
        scores = [np.einsum("ij,ij->i", unit[p[:, 0]], unit[p[:, 1]])
                  for p in (edges, non_edges)]
        result.auc = roc_auc(scores[0], scores[1])
    return result


def roc_auc(positive, negative):
    """P(a positive outscores a negative), ties counting half (Mann-Whitney)."""
    ranks = average_ranks(np.concatenate([positive, negative]))
    n_pos, n_neg = len(positive), len(negative)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _draw_non_edges(rows, edges, count, seed):
    """``count`` distinct pairs of distinct rows that are not ``edges`` (either way)."""
    known = set(map(tuple, edges.tolist())) | set(map(tuple, edges[:, ::-1].tolist()))
    rng = np.random.default_rng([seed, NON_EDGE_SALT])
    found = {}
    for _ in range(NON_EDGE_ROUNDS):
        if len(found) >= count or rows < 2:
            break
        for u, v in rng.integers(0, rows, size=(2 * (count - len(found)), 2)).tolist():
            if u != v and (u, v) not in known and (v, u) not in found:
                found.setdefault((u, v), None)
    return np.array(list(found)[:count], dtype=np.int64).reshape(-1, 2)
