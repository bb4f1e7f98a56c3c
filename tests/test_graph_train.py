"""From a graph to node vectors in one run (``w2vns train --graph``): a planted-community
graph's nodes learn their communities and its held-out edges; the walks train as their
text would; node2vec's defaults; under mpiexec each process walks its share; the errors."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from w2vns.cli.main import cli
from w2vns.io import w2vformat

COMMUNITIES = 5
MEMBERS = 40
P_IN = 0.25  # chance of an edge between two members of one community
P_OUT = 0.005  # between members of two communities
FAST = ["--threads", "2", "--dim", "32", "--walk-length", "40", "-q"]
F1_BAR = 0.9  # micro- and macro-F1 of the community labels
AUC_BAR = 0.75  # held-out edges against non-edges: about 0.9 at best, a fifth of the non-edges
# falling inside a community (0.88 to 0.92 seen over three seeds; 0.5 is chance)
SAME_COMMUNITY_BAR = 0.9  # share of nodes whose nearest neighbour is in their community
MPIEXEC = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which(
    "mpiexec")
RUN_LIMIT = 120  # seconds


def run(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def snapshot(folder):
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def node(community, member):
    return f"c{community}-{member}"


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """(edge list, labels file) of a planted-partition graph: COMMUNITIES communities of
    MEMBERS nodes, dense inside, sparse between."""
    rng = np.random.default_rng(8)
    folder = tmp_path_factory.mktemp("planted")
    names = [node(c, m) for c in range(COMMUNITIES) for m in range(MEMBERS)]
    community = np.repeat(np.arange(COMMUNITIES), MEMBERS)
    lines = []
    for a in range(len(names)):
        chance = np.where(community[a + 1:] == community[a], P_IN, P_OUT)
        for b in np.flatnonzero(rng.random(len(chance)) < chance) + a + 1:
            lines.append(f"{names[a]} {names[b]}\n")
    rng.shuffle(lines)
    edges, labels = folder / "edges.txt", folder / "labels.txt"
    edges.write_text("".join(lines))
    labels.write_text("".join(f"{n} community{c}\n" for n, c in zip(names, community)))
    return edges, labels


def same_community_share(path):
    words, vectors = w2vformat.read(str(path))
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = similarity.argmax(axis=1)
    return np.mean([words[i].split("-")[0] == words[j].split("-")[0]
                    for i, j in enumerate(nearest)])


@pytest.mark.parametrize("walk", [[], ["--p", "0.25", "--q", "4"]], ids=["deepwalk", "node2vec"])
def test_planted_communities_are_learned(planted, tmp_path, walk):
    edges, labels = planted
    out, links = tmp_path / "nodes.txt", tmp_path / "links.txt"
    result = run("train", "--graph", edges, "-o", out, "--hold-out", "0.1", "--hold-out-file",
                 links, *walk, *FAST)
    assert result.exit_code == 0, result.output
    assert same_community_share(out) >= SAME_COMMUNITY_BAR
    scores = run("evaluate", out, "--node-labels", labels, "--links", links, "--splits", "2",
                 "--json")
    assert scores.exit_code == 0, scores.output
    record = json.loads(scores.stdout)
    fraction = record["node_classification"][0]["fractions"][0]
    assert fraction["micro_f1"] >= F1_BAR and fraction["macro_f1"] >= F1_BAR
    assert record["links"][0]["roc_auc"] >= AUC_BAR
    assert record["links"][0]["non_edges_sampled"] is False


def test_the_walks_train_as_their_text_would(planted, tmp_path):
    """The same walks, as a file or straight from the graph: the same words and counts."""
    edges, _ = planted
    walks = tmp_path / "walks.txt"
    assert run("walks", edges, "-o", walks, "--seed", "4", "--q", "2", "-q").exit_code == 0
    from_text = run("train", walks, "-o", tmp_path / "a.txt", "--min-count", "1", "--seed", "4",
                    "--save-vocab", tmp_path / "a.vocab", "--dim", "8", "--epochs", "1", "-q")
    assert from_text.exit_code == 0, from_text.output
    direct = run("train", "--graph", edges, "-o", tmp_path / "b.txt", "--seed", "4", "--q", "2",
                 "--save-vocab", tmp_path / "b.vocab", "--dim", "8", "-q")
    assert direct.exit_code == 0, direct.output
    counts = [dict(line.split() for line in (tmp_path / f"{k}.vocab").read_text().splitlines())
              for k in "ab"]
    assert counts[0] == counts[1] and len(counts[0]) == COMMUNITIES * MEMBERS


def test_one_thread_and_a_seed_give_the_same_file(planted, tmp_path):
    edges, _ = planted
    outputs = [tmp_path / f"{k}.bin" for k in "ab"]
    for out in outputs:
        result = run("train", "--graph", edges, "-o", out, "--threads", "1", "--seed", "5",
                     "--p", "0.5", "--dim", "8", "--walks-per-node", "2", "-q")
        assert result.exit_code == 0, result.output
    assert outputs[0].read_bytes() == outputs[1].read_bytes()


def test_node2vec_settings_are_the_defaults_unless_given(planted, tmp_path):
    edges, _ = planted
    config = tmp_path / "c.toml"
    config.write_text("window = 3\n")
    for extra, expected in [([], dict(dim=128, window=10, epochs=1, min_count=1)),
                            (["--dim", "16", "--config", config, "--epochs", "2"],
                             dict(dim=16, window=3, epochs=2, min_count=1))]:
        report = tmp_path / "run.json"
        result = run("train", "--graph", edges, "-o", tmp_path / "v.bin", "--report", report,
                     "--threads", "2", "--walks-per-node", "1", "-q", *extra)
        assert result.exit_code == 0, result.output
        fields = json.loads(report.read_text())
        assert {k: fields["options"][k] for k in expected} == expected
        assert fields["corpus"] == [{"path": str(edges), "size": edges.stat().st_size}]


@pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not installed (pip install 'w2vns[mpi]')")
def test_each_process_walks_its_share(planted, tmp_path):
    edges, _ = planted
    common = ["--graph", str(edges), "--threads", "1", "--dim", "8", "--walks-per-node", "30",
              "--seed", "3", "-q"]
    single = run("train", "-o", tmp_path / "one.txt", "--save-vocab", tmp_path / "one.vocab",
                 *common)
    assert single.exit_code == 0, single.output
    two = subprocess.run([MPIEXEC, "-n", "2", sys.executable, "-m", "w2vns", "train", "-o",
                          str(tmp_path / "two.txt"), "--save-vocab", str(tmp_path / "two.vocab"),
                          *common], capture_output=True, text=True, timeout=RUN_LIMIT)
    assert two.returncode == 0, two.stderr
    assert (tmp_path / "two.vocab").read_text() == (tmp_path / "one.vocab").read_text()


def test_errors_of_a_run_on_a_graph(planted, tmp_path):
    edges, _ = planted
    bad = tmp_path / "bad.txt"
    bad.write_text("a b\nc d e f\n")
    out = tmp_path / "v.bin"
    out.write_bytes(b"older vectors")
    before = snapshot(tmp_path)
    for args, code, message in [
            ([edges, "--graph", edges], 2, "Error: give a CORPUS or --graph GRAPH, not both: the "
                                           "walks over the graph are the corpus."),
            ([edges, "--q", "2"], 2, "Error: --q is an option of --graph: give --graph GRAPH, or "
                                     "drop --q."),
            (["--graph", tmp_path / "no.txt"], 2, f"Error: graph file '{tmp_path / 'no.txt'}' "
                                                  "not found. Check the path."),
            (["--graph", bad], 1, f"Error: graph '{bad}' line 2: expected two node names and an "
                                  "optional weight ('u v' or 'u v weight'), got 'c d e f'. Fix "
                                  "or remove the line ('#' starts a comment)."),
            (["--graph", edges, "--hold-out", "0.1", "--hold-out-file", out], 2,
             f"Error: -o '{out}' and --hold-out-file '{out}' are the same file. Give each output "
             "its own path."),
            (["--graph", edges, "--seed", "-1"], 2, "Error: --seed must be 0 or more, got -1.")]:
        result = run("train", *args, "-o", out, "-q")
        assert result.exit_code == code, result.output
        assert result.stderr.splitlines() == [message]
        assert snapshot(tmp_path) == before
