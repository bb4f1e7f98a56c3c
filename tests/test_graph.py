"""Graphs: edge lists read into compressed sparse rows (names, comments, delimiters,
weights, self-loops, repeated edges, compressed and piped inputs), ``w2vns walks`` and
its hold-out, and malformed inputs refused with one exact ``Error:`` line."""

import gzip

import numpy as np
import pytest
from click.testing import CliRunner

from w2vns.cli.main import cli
from w2vns.io import graph_kernels
from w2vns.io.graph import EdgeFormat, hold_out, read_graph

FAST = ["--threads", "1", "-q"]
TAIL = ". Fix or remove the line ('#' starts a comment)."


def run(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def snapshot(folder):
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def neighbours(graph):
    """{name: sorted [(neighbour, weight)]} of the graph's stored edges."""
    out = {}
    for v, name in enumerate(graph.names):
        row = range(graph.indptr[v], graph.indptr[v + 1])
        out[name] = [(graph.names[graph.indices[e]],
                      None if graph.weights is None else float(graph.weights[e])) for e in row]
    return out


MESSY = ("# a comment line\n"
         "\n"
         "alice\tbob\r\n"
         "  bob carol   # a comment after the edge\n"
         "carol alice 2.5\n"
         "bob alice\n"  # the edge alice-bob again, the other way
         "dave dave\n"  # a self-loop: dave keeps no edge
         "caf\u00e9 node:1\n")


def test_an_edge_list_reads_into_sorted_rows(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text(MESSY, encoding="utf-8")
    graph, stats = read_graph([str(path)])
    assert graph.names == ["alice", "bob", "carol", "dave", "caf\u00e9", "node:1"]
    assert neighbours(graph) == {
        "alice": [("bob", None), ("carol", None)], "bob": [("alice", None), ("carol", None)],
        "carol": [("alice", None), ("bob", None)], "dave": [],
        "caf\u00e9": [("node:1", None)], "node:1": [("caf\u00e9", None)]}
    assert (stats.lines, stats.skipped, stats.edges_read) == (8, 2, 6)
    assert (stats.self_loops, stats.duplicates, stats.ignored_weights) == (1, 1, 1)
    assert (stats.dead_ends, stats.isolated) == (1, 1)
    assert graph.edges == 4 and graph.stored_edges == 8


def test_directed_weighted_graph_keeps_the_first_weight(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("a , b, 2\nb,c,0.5e1\na,b,7\nc,a,+.25\n")
    graph, stats = read_graph([str(path)], EdgeFormat(delimiter=",", weighted=True,
                                                       directed=True))
    assert neighbours(graph) == {"a": [("b", 2.0)], "b": [("c", 5.0)], "c": [("a", 0.25)]}
    assert stats.duplicates == 1 and stats.dead_ends == 0


def test_compressed_and_piped_inputs_read_alike(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text(MESSY, encoding="utf-8")
    packed = tmp_path / "g.txt.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    plain = run("walks", path, "--seed", "3", *FAST)
    assert plain.exit_code == 0, plain.output
    assert run("walks", packed, "--seed", "3", *FAST).stdout == plain.stdout
    assert run("walks", "-", "--seed", "3", *FAST, input=MESSY).stdout == plain.stdout


@pytest.mark.parametrize("text,value", [("2", 2.0), ("0.5", 0.5), ("1e-3", 1e-3),
                                        ("+7.", 7.0), (".25", 0.25), ("12345678901234567890.5",
                                                                     12345678901234567890.5),
                                        ("3.14159265358979323846264", 3.14159265358979323846264),
                                        ("-2E+2", -200.0)])
def test_weights_parse_as_python_reads_them(text, value):
    raw = np.frombuffer(text.encode(), dtype=np.uint8)
    ok, parsed = graph_kernels.parse_number(raw, 0, len(raw))
    assert ok and parsed == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize("text", ["", ".", "e5", "1e", "1.2.3", "0x10", "inf", "nan", "1,5",
                                  "--1"])
def test_what_is_not_a_number_is_refused(text):
    raw = np.frombuffer(text.encode(), dtype=np.uint8)
    assert not graph_kernels.parse_number(raw, 0, len(raw))[0]


def test_walks_follow_edges_and_every_node_starts_its_walks(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text(MESSY, encoding="utf-8")
    result = run("walks", path, "--walks-per-node", "3", "--walk-length", "6", "--p", "0.5",
                 *FAST)
    assert result.exit_code == 0, result.output
    graph, _ = read_graph([str(path)])
    edges = {(a, b) for a, row in neighbours(graph).items() for b, _ in row}
    walks = [line.split() for line in result.stdout.splitlines()]
    assert sorted(walk[0] for walk in walks) == sorted(graph.names * 3)
    assert all(len(walk) == 6 for walk in walks if walk[0] != "dave")
    assert [walk for walk in walks if walk[0] == "dave"] == [["dave"]] * 3
    assert all(pair in edges for walk in walks for pair in zip(walk, walk[1:]))


def test_walks_are_the_same_whatever_the_threads(tmp_path):
    path = tmp_path / "g.txt"
    rng = np.random.default_rng(4)
    path.write_text("".join(f"n{a} n{b}\n" for a, b in rng.integers(0, 300, (2000, 2))))
    out = [tmp_path / f"w{threads}.txt.gz" for threads in (1, 2)]
    for threads, target in zip((1, 2), out):
        result = run("walks", path, "-o", target, "--threads", threads, "--q", "2", "-q")
        assert result.exit_code == 0, result.output
    assert gzip.decompress(out[0].read_bytes()) == gzip.decompress(out[1].read_bytes())
    assert len(gzip.decompress(out[0].read_bytes()).splitlines()) == 300 * 10


def test_walks_report_what_the_graph_held(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text(MESSY, encoding="utf-8")
    result = run("walks", path, "-o", tmp_path / "w.txt", "--threads", "1")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("graph: 6 nodes, 4 undirected edges from 8 lines in ")
    assert lines[1:5] == [
        "warning: 1 self-loop(s) dropped",
        "warning: 1 repeated edge(s) merged into their first occurrence (and its weight)",
        "warning: the third field of 1 line(s) was ignored: pass --weighted to use it as the "
        "edge's weight",
        "1 node(s) without an out-edge (1 without any edge): walks stop there"]
    assert lines[-1].startswith(f"wrote 60 walks, 4,010 nodes, to '{tmp_path / 'w.txt'}' in ")


def ring_of_cliques(cliques=6, size=8):
    lines = []
    for c in range(cliques):
        members = [f"c{c}m{k}" for k in range(size)]
        lines += [f"{a} {b}" for i, a in enumerate(members) for b in members[i + 1:]]
        lines.append(f"c{c}m0 c{(c + 1) % cliques}m1")
    return "\n".join(lines) + "\n"


def test_hold_out_takes_edges_out_and_writes_them_with_non_edges(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text(ring_of_cliques())
    links, walks = tmp_path / "links.txt", tmp_path / "walks.txt"
    result = run("walks", path, "--hold-out", "0.2", "--hold-out-file", links, "-o", walks,
                 "--walks-per-node", "20", *FAST)
    assert result.exit_code == 0, result.output
    graph, _ = read_graph([str(path)])
    edges = {frozenset((a, b)) for a, row in neighbours(graph).items() for b, _ in row}
    rows = [line.split() for line in links.read_text().splitlines()]
    held = [frozenset(r[:2]) for r in rows if r[2] == "1"]
    non_edges = [frozenset(r[:2]) for r in rows if r[2] == "0"]
    assert len(held) == round(0.2 * len(edges)) == len(non_edges)
    assert set(held) <= edges and not set(non_edges) & edges
    assert len(set(non_edges)) == len(non_edges) and all(len(pair) == 2 for pair in non_edges)
    walked = {frozenset(p) for line in walks.read_text().splitlines()
              for p in zip(line.split(), line.split()[1:])}
    assert walked <= edges - set(held)
    assert {name for line in walks.read_text().splitlines() for name in line.split()[1:2]} == \
        set(graph.names)  # every node kept an edge


def test_hold_out_never_takes_a_nodes_last_edge(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("a b\nb c\nc d\n")  # a path: only b-c can go
    graph, _ = read_graph([str(path)])
    rest, held = hold_out(graph, 0.9, seed=1)
    assert held.wanted == 3 and len(held.edges) == 1
    assert {graph.names[v] for v in held.edges[0]} == {"b", "c"}
    assert rest.edges == 2


LONG = 70_000  # lines: more than one 64 KiB block before the bad line

MALFORMED = [
    ("a b\nc\n", [], 1, "Error: graph '{g}' line 2: expected two node names and an optional "
                        "weight ('u v' or 'u v weight'), got 'c'" + TAIL),
    ("a b\n# c\n\na b c d\n", [], 1,
     "Error: graph '{g}' line 4: expected two node names and an optional weight ('u v' or "
     "'u v weight'), got 'a b c d'" + TAIL),
    ("a b 1\nb c\n", ["--weighted"], 1,
     "Error: graph '{g}' line 2: no weight, and --weighted expects 'u v weight': got 'b c'"
     + TAIL),
    ("a b 1\nb c one\n", ["--weighted"], 1,
     "Error: graph '{g}' line 2: the weight is not a number: 'b c one'" + TAIL),
    ("a b -1\n", ["--weighted"], 1,
     "Error: graph '{g}' line 1: the weight is not a positive number that fits a float32: "
     "'a b -1'" + TAIL),
    ("a b 1e60\n", ["--weighted"], 1,
     "Error: graph '{g}' line 1: the weight is not a positive number that fits a float32: "
     "'a b 1e60'" + TAIL),
    ("a,b\nb,,c\n", ["--delimiter", ","], 1,
     "Error: graph '{g}' line 2: an empty node name (nothing between two delimiters): "
     "'b,,c'" + TAIL),
    ("New York\tBoston\n", ["--delimiter", "\t"], 1,
     "Error: graph '{g}' line 1: a node name holds whitespace (names are tokens): "
     "'New York\\tBoston'" + TAIL),
    ("a " + "b" * 1025 + "\n", [], 1,
     "Error: graph '{g}' line 1: a node name is longer than 1024 bytes: 'a "
     + "b" * 38 + "...'" + TAIL),
    ("a b\n" * LONG + "x\n", [], 1,
     f"Error: graph '{{g}}' line {LONG + 1}: expected two node names and an optional weight "
     "('u v' or 'u v weight'), got 'x'" + TAIL),
    ("# nothing\n\n", [], 1,
     "Error: graph '{g}' holds no edge: expected lines 'u v' or 'u v weight' ('#' starts a "
     "comment)."),
    ("a b\n", ["--delimiter", "::"], 2,
     "Error: --delimiter must be one ASCII character other than '#' and a newline, got '::'."),
    ("a b\n", ["--hold-out", "0.1"], 2,
     "Error: --hold-out FRACTION and --hold-out-file FILE go together: the held-out edges are "
     "written to the file."),
    ("a b\n", ["--hold-out", "1.5", "--hold-out-file", "{dir}/links.txt"], 2,
     "Error: --hold-out must be between 0 and 1 (a fraction of the edges), got 1.5."),
    ("a b\n", ["--q", "0"], 2,
     "Error: Invalid value for '--q': 0 is not greater than 0. See 'w2vns walks --help'."),
    ("a b\n", ["--hold-out-file", "{g}", "--hold-out", "0.5"], 2,
     "Error: --hold-out-file '{g}' and GRAPH '{g}' are the same file: an output never "
     "replaces an input. Choose another --hold-out-file path."),
]


@pytest.mark.parametrize("text,options,code,message", MALFORMED)
def test_malformed_graphs_are_one_error_line_and_change_nothing(tmp_path, text, options, code,
                                                                message):
    graph = tmp_path / "g.txt"
    graph.write_text(text)
    out = tmp_path / "walks.txt"
    out.write_text("older walks\n")
    before = snapshot(tmp_path)
    names = dict(g=graph, dir=tmp_path)
    result = run("walks", graph, "-o", out, *[o.format(**names) for o in options], *FAST)
    assert result.exit_code == code, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert errors == [message.format(**names)]
    assert result.stderr.splitlines()[-1] == errors[0] and "Traceback" not in result.output
    assert snapshot(tmp_path) == before


def test_missing_unreadable_and_corrupt_graphs(tmp_path):
    (tmp_path / "dir").mkdir()
    corrupt = tmp_path / "g.txt.gz"
    edges = np.random.default_rng(1).integers(0, 10**6, (100_000, 2))
    packed = gzip.compress("".join(f"{a} {b}\n" for a, b in edges).encode())
    corrupt.write_bytes(packed[:len(packed) // 2])
    before = snapshot(tmp_path)
    for args, code, message in [
            ([tmp_path / "nope.txt"], 2, f"Error: graph file '{tmp_path / 'nope.txt'}' not found. "
                                         "Check the path."),
            ([tmp_path / "dir"], 2, f"Error: graph '{tmp_path / 'dir'}' is a directory. Pass the "
                                    "edge-list files inside it."),
            ([corrupt], 1, f"Error: cannot read graph '{corrupt}': Compressed file ended before "
                           "the end-of-stream marker was reached. The file may be truncated or "
                           "corrupt.")]:
        result = run("walks", *args, "-o", tmp_path / "w.txt", *FAST)
        assert result.exit_code == code, result.output
        assert result.stderr.splitlines() == [message]
        assert snapshot(tmp_path) == before
