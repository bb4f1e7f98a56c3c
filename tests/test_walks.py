"""Random walks follow node2vec's definition: the frequencies of the transitions
(t, v) -> x of many walks on small graphs, against the probabilities the definition
gives, by a chi-square test (every mode, p and q, weights and direction); the walks are
a function of the seed, not of the threads; walks stop at dead ends."""

import numpy as np
import pytest
from scipy.stats import chi2

from w2vns.io.graph import build_csr
from w2vns.kernels import walks as kernels
from w2vns.training.walks import (PRECOMPUTED_MAX_BYTES, WalkOptions, Walker, choose_mode,
                                  expected_proposals, precomputed_bytes)

NODES = 9
EDGES = 22
WALKS_PER_NODE = 1200  # about 1e5 second-order transitions per graph
WALK_LENGTH = 12
MIN_P_VALUE = 1e-6  # a correct sampler fails about once in a million runs
MIN_EXPECTED = 5  # chi-square cells with fewer expected counts are pooled
SEED = 5
BIASES = [(0.25, 4.0), (4.0, 0.25), (2.0, 0.5), (1.0, 1.0)]


def small_graph(directed, weighted, seed=3):
    """A random graph of NODES nodes and EDGES edges, integer weights 1..4 if weighted."""
    rng = np.random.default_rng(seed)
    pairs = []
    while len(pairs) < EDGES:
        a, b = (int(x) for x in rng.integers(0, NODES, 2))
        if a != b and (a, b) not in pairs and (directed or (b, a) not in pairs):
            pairs.append((a, b))
    tails, heads = np.array(pairs).T
    weights = rng.integers(1, 5, EDGES).astype(np.float64) if weighted else None
    return build_csr([f"n{i}" for i in range(NODES)], tails, heads, weights, directed)


def walks_of(walker):
    """Every walk of ``walker`` as a list of node ids."""
    out = []
    for block in walker.blocks():
        ends = np.flatnonzero(block == kernels.END)
        out += np.split(block, ends + 1)[:-1]
    return [walk[:-1].tolist() for walk in out]


def transition_counts(walks):
    """{(t, v): {x: count}} over every three consecutive nodes of the walks."""
    counts = {}
    for walk in walks:
        for t, v, x in zip(walk, walk[1:], walk[2:]):
            row = counts.setdefault((t, v), {})
            row[x] = row.get(x, 0) + 1
    return counts


def node2vec_probabilities(graph, t, v, p, q):
    """(heads of v's out-edges, the probability of each after t -> v), by the definition:
    w(v, x) / p if x is t, w(v, x) if t -> x is an edge, w(v, x) / q otherwise."""
    row = graph.indices[graph.indptr[v]:graph.indptr[v + 1]]
    weights = (graph.weights[graph.indptr[v]:graph.indptr[v + 1]] if graph.weights is not None
               else np.ones(len(row)))
    out_of_t = set(graph.indices[graph.indptr[t]:graph.indptr[t + 1]].tolist())
    bias = np.array([1 / p if x == t else 1.0 if x in out_of_t else 1 / q for x in row.tolist()])
    probabilities = weights * bias
    return row.tolist(), probabilities / probabilities.sum()


def chi_square_p_value(graph, counts, p, q):
    """The p-value of the observed transitions under node2vec's probabilities."""
    statistic, freedom = 0.0, 0
    for (t, v), row_counts in counts.items():
        heads, probabilities = node2vec_probabilities(graph, t, v, p, q)
        assert set(row_counts) <= set(heads), "a walk took an edge that does not exist"
        seen = sum(row_counts.values())
        observed = np.array([row_counts.get(x, 0) for x in heads], dtype=np.float64)
        expected = probabilities * seen
        statistic_part, cells = pooled_statistic(observed, expected)
        statistic += statistic_part
        freedom += cells - 1
    return chi2.sf(statistic, freedom)


def pooled_statistic(observed, expected):
    """Pearson's statistic with the cells expected below MIN_EXPECTED pooled into one."""
    small = expected < MIN_EXPECTED
    if small.any():
        observed = np.append(observed[~small], observed[small].sum())
        expected = np.append(expected[~small], expected[small].sum())
    keep = expected > 0
    return float(((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()), int(keep.sum())


def walker(graph, p, q, sampler="auto", threads=2, seed=SEED):
    return Walker(graph, WalkOptions(walks_per_node=WALKS_PER_NODE, walk_length=WALK_LENGTH,
                                     p=p, q=q, seed=seed, threads=threads, sampler=sampler))


@pytest.mark.parametrize("directed", [False, True], ids=["undirected", "directed"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("sampler", ["rejection", "precomputed"])
@pytest.mark.parametrize("p,q", BIASES)
def test_transitions_follow_node2vec(directed, weighted, sampler, p, q):
    graph = small_graph(directed, weighted)
    counts = transition_counts(walks_of(walker(graph, p, q, sampler)))
    assert sum(sum(row.values()) for row in counts.values()) > 50_000
    assert chi_square_p_value(graph, counts, p, q) > MIN_P_VALUE


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_first_steps_follow_the_weights(weighted):
    """The first step from a node takes an edge with probability weight / total."""
    graph = small_graph(False, weighted)
    walks = walks_of(walker(graph, 0.25, 4.0))
    statistic, freedom = 0.0, 0
    for start in range(NODES):
        row = graph.indices[graph.indptr[start]:graph.indptr[start + 1]].tolist()
        weights = (graph.weights[graph.indptr[start]:graph.indptr[start + 1]]
                   if weighted else np.ones(len(row)))
        firsts = [walk[1] for walk in walks if walk[0] == start]
        observed = np.array([firsts.count(x) for x in row], dtype=np.float64)
        part, cells = pooled_statistic(observed, weights / weights.sum() * len(firsts))
        statistic += part
        freedom += cells - 1
    assert chi2.sf(statistic, freedom) > MIN_P_VALUE


def test_the_test_rejects_other_parameters():
    """The chi-square check is sharp: walks with p and q swapped fail it."""
    graph = small_graph(False, False)
    counts = transition_counts(walks_of(walker(graph, 4.0, 0.25, "rejection")))
    assert chi_square_p_value(graph, counts, 0.25, 4.0) < MIN_P_VALUE


def test_walks_depend_on_the_seed_not_the_threads():
    graph = small_graph(False, True)
    one = walks_of(walker(graph, 0.5, 2.0, threads=1))
    assert walks_of(walker(graph, 0.5, 2.0, threads=2)) == one
    assert walks_of(walker(graph, 0.5, 2.0, threads=1, seed=SEED + 1)) != one


def test_every_node_starts_its_walks_each_round_in_another_order():
    graph = small_graph(False, False)
    walks = walks_of(Walker(graph, WalkOptions(walks_per_node=3, walk_length=4, seed=1)))
    starts = [walk[0] for walk in walks]
    rounds = [starts[k * NODES:(k + 1) * NODES] for k in range(3)]
    assert all(sorted(r) == list(range(NODES)) for r in rounds)
    assert rounds[0] != rounds[1] or rounds[1] != rounds[2]


def test_walks_stop_at_dead_ends_and_isolated_nodes_walk_alone():
    """a -> b -> c, c has no out-edge; d has only a self-loop (dropped)."""
    names = ["a", "b", "c", "d"]
    graph = build_csr(names, np.array([0, 1, 3]), np.array([1, 2, 3]), None, True)
    walks = walks_of(Walker(graph, WalkOptions(walks_per_node=2, walk_length=10, p=0.5)))
    by_start = {walk[0]: walk for walk in walks}
    assert by_start == {0: [0, 1, 2], 1: [1, 2], 2: [2], 3: [3]}


def test_blocks_are_shared_between_processes_without_overlap():
    graph = small_graph(False, False)
    walk = Walker(graph, WalkOptions(walks_per_node=1000, walk_length=3, seed=2))
    whole = np.concatenate(list(walk.blocks()))
    shares = [np.concatenate(list(walk.blocks(rank, 3)) or [np.zeros(0, np.int32)])
              for rank in range(3)]
    assert sorted(map(len, shares))[0] > 0
    assert sum(map(len, shares)) == len(whole)
    assert sorted(np.concatenate(shares).tolist()) == sorted(whole.tolist())


def test_auto_precomputes_small_tables_where_rejection_is_slow():
    graph = small_graph(False, False)
    assert precomputed_bytes(graph) < PRECOMPUTED_MAX_BYTES
    assert expected_proposals(graph, 4.0, 4.0) == pytest.approx(4.0)  # 1/4 kept, everywhere
    assert expected_proposals(graph, 0.5, 1.0) == pytest.approx(1.0)  # the strip: none lost
    assert choose_mode(graph, WalkOptions(p=4, q=4)) == "precomputed"
    assert choose_mode(graph, WalkOptions(p=0.5)) == "rejection"
    assert choose_mode(graph, WalkOptions()) == "first-order"
    assert choose_mode(graph, WalkOptions(p=4, q=4, walks_per_node=1, walk_length=1)) == \
        "rejection"  # tables larger than the walks
