"""Node vectors evaluated (``w2vns evaluate --node-labels / --links``): DeepWalk's
classification protocol, ROC AUC, their files and errors."""

import importlib.util
import json

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.metrics import roc_auc_score

from w2vns.cli.main import cli
from w2vns.io import w2vformat
from w2vns.vectors import nodes
from w2vns.vectors.embeddings import Embeddings

CLUSTERS = 4
PER_CLUSTER = 30
DIM = 8
SPREAD = 0.3  # noise around each cluster's centre (unit centres)


def run(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def snapshot(folder):
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.fixture
def clustered(tmp_path):
    """Vectors of CLUSTERS clusters (node c{k}n{i}), their labels (the cluster, and a
    second label 'even' for the even clusters) and the path of both files."""
    rng = np.random.default_rng(2)
    centres = np.eye(DIM)[:CLUSTERS] * 3
    names = [f"c{k}n{i}" for k in range(CLUSTERS) for i in range(PER_CLUSTER)]
    vectors = np.repeat(centres, PER_CLUSTER, axis=0) + rng.normal(0, SPREAD, (len(names), DIM))
    path = tmp_path / "nodes.txt"
    w2vformat.write(str(path), names, vectors.astype(np.float32), binary=False)
    labels = tmp_path / "labels.txt"
    labels.write_text("# node label\n" + "".join(
        f"c{k}n{i} group{k}\n" + (f"c{k}n{i} even\n" if k % 2 == 0 else "")
        for k in range(CLUSTERS) for i in range(PER_CLUSTER)))
    return Embeddings(names, vectors), path, labels


def test_top_labels_gives_each_row_its_count():
    scores = np.array([[0.1, 0.9, 0.5], [0.3, 0.2, 0.1], [0.5, 0.5, 0.6]])
    assert nodes.top_labels(scores, [2, 1, 3]).tolist() == [[0, 1, 1], [1, 0, 0], [1, 1, 1]]


def test_roc_auc_agrees_with_scikit_learn():
    rng = np.random.default_rng(5)
    positive = np.round(rng.normal(0.5, 1, 300), 1)  # rounded: ties
    negative = np.round(rng.normal(0, 1, 400), 1)
    expected = roc_auc_score(np.r_[np.ones(300), np.zeros(400)], np.r_[positive, negative])
    assert nodes.roc_auc(positive, negative) == pytest.approx(expected, abs=1e-12)


def test_clusters_are_classified_and_random_labels_are_not(clustered, tmp_path):
    kv, _, labels = clustered
    result = nodes.classify_nodes(kv, str(labels), [0.2, 0.5], splits=3, seed=1)
    assert [s.fraction for s in result.scores] == [0.2, 0.5]
    assert (result.nodes, result.labels, result.missing) == (CLUSTERS * PER_CLUSTER,
                                                             CLUSTERS + 1, 0)
    assert all(min(s.micro) > 0.95 and min(s.macro) > 0.95 for s in result.scores)
    shuffled = tmp_path / "shuffled.txt"
    rng = np.random.default_rng(3)
    shuffled.write_text("".join(f"{w} group{rng.integers(CLUSTERS)}\n" for w in kv.words))
    chance = nodes.classify_nodes(kv, str(shuffled), [0.5], splits=3, seed=1)
    assert np.mean(chance.scores[0].micro) < 0.5


def test_links_score_near_pairs_above_far_ones(clustered, tmp_path):
    kv, _, _ = clustered
    links = tmp_path / "links.txt"
    within = [(f"c{k}n{i}", f"c{k}n{i + 1}") for k in range(CLUSTERS) for i in range(0, 20, 2)]
    across = [(f"c{k}n{i}", f"c{(k + 1) % CLUSTERS}n{i}") for k in range(CLUSTERS)
              for i in range(10)]
    links.write_text("".join(f"{a} {b} 1\n" for a, b in within)
                     + "".join(f"{a} {b} 0\n" for a, b in across) + "x y 1\nbad line here 7\n")
    result = nodes.link_auc(kv, str(links), seed=1)
    assert (result.edges, result.non_edges, result.missing, result.malformed) == (40, 40, 1, 1)
    assert result.auc == 1.0 and not result.sampled
    unlabelled = tmp_path / "edges.txt"
    unlabelled.write_text("".join(f"{a} {b}\n" for a, b in within))
    drawn = nodes.link_auc(kv, str(unlabelled), seed=1)
    assert drawn.sampled and drawn.non_edges == drawn.edges == 40
    assert 0.7 < drawn.auc < 1.0  # a quarter of the drawn pairs fall within a cluster


def test_evaluate_prints_and_json_of_nodes(clustered, tmp_path):
    _, path, labels = clustered
    links = tmp_path / "links.txt"
    links.write_text("c0n0 c0n1\nc1n0 c1n1\n")
    result = run("evaluate", path, "--node-labels", labels, "--train-fraction", "0.3,0.6",
                 "--train-fraction", "0.9", "--splits", "2", "--links", links)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (f"node classification: {labels} (120 nodes, 5 labels; one-vs-rest "
                        "logistic regression)")
    assert [line.split()[0] for line in lines[2:5]] == ["30%", "60%", "90%"]
    assert lines[5:] == [f"link prediction: {links} (cosine similarity)",
                         "  edges 2, non-edges 2 (drawn)", "  ROC AUC 1.0000"]
    as_json = json.loads(run("evaluate", path, "--node-labels", labels, "--splits", "2",
                             "--json").stdout)
    assert as_json["rows"] == [] and as_json["analogies"] == []
    fraction = as_json["node_classification"][0]["fractions"][0]
    assert fraction["train_fraction"] == 0.5 and fraction["splits"] == 2
    assert fraction["micro_f1"] > 0.95


def test_missing_scikit_learn_is_one_error_line(clustered, monkeypatch):
    _, path, labels = clustered
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "sklearn" else real(name, *a))
    result = run("evaluate", path, "--node-labels", labels)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: --node-labels needs scikit-learn. Install it with: pip install 'w2vns[graph]'"]


@pytest.mark.parametrize("content,options,code,message", [
    ("c0n0 group0\nc0n1\n", [], 1,
     "Error: '{labels}' line 2: expected 'node label' (a node and one or more labels)."),
    ("# nothing\n", [], 1, "Error: '{labels}' holds no node label: expected 'node label' lines."),
    ("c0n0 group0\n", ["--train-fraction", "1"], 2,
     "Error: --train-fraction must be between 0 and 1, got 1."),
    ("c0n0 group0\n", ["--train-fraction", "0.5,half"], 2,
     "Error: Invalid value for '--train-fraction': '0.5,half' is not a fraction or a "
     "comma-separated list of them. See 'w2vns evaluate --help'."),
    ("nobody group0\nnoone group1\n", [], 1,
     "Error: nothing could be scored: 0 of the 2 labelled node(s) in '{labels}' have a vector "
     "in '{vectors}': too few to split. Check that the files name the nodes as the vectors "
     "do."),
])
def test_bad_label_files_and_options(clustered, tmp_path, content, options, code, message):
    _, path, _ = clustered
    labels = tmp_path / "bad-labels.txt"
    labels.write_text(content)
    before = snapshot(tmp_path)
    result = run("evaluate", path, "--node-labels", labels, *options)
    assert result.exit_code == code, result.output
    assert result.stderr.splitlines() == [message.format(labels=labels, vectors=path)]
    assert snapshot(tmp_path) == before


def test_a_links_file_without_pairs_is_an_error(clustered, tmp_path):
    _, path, _ = clustered
    links = tmp_path / "links.txt"
    links.write_text("a b c d\n")
    result = run("evaluate", path, "--links", links)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: '{links}' holds no node pair (1 line(s) of another form): expected lines "
        "'u v' (an edge) or 'u v label' (1 an edge, 0 a non-edge)."]
