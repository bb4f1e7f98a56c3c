#!/usr/bin/env python
"""Benchmark node embeddings on BlogCatalog: w2vns against PecanPy and gensim, in one run.

Every job goes from the graph file to a vectors file, in its own processes with the
same threads and node2vec's settings (10 walks of 80 nodes per node, dim 128, window 10,
1 epoch, negative 5, sample 1e-3, every node kept), for each (p, q) asked:

* ``w2vns``: ``w2vns train --graph`` (walks made straight into the id cache);
* ``pecanpy-sparse`` and ``pecanpy-precomp``: PecanPy's SparseOTF and PreComp modes
  (node2vec's walks in Numba, then gensim's Word2Vec on them), on a plain tab-separated
  copy of the graph that PecanPy reads;
* ``gensim``: ``w2vns walks`` to a file, then gensim's Word2Vec (``corpus_file``, its
  fastest mode) on those walks with the same settings: the same walks, gensim's
  training.

The table gives the wall seconds of the whole job, its peak RSS (of its largest
process), micro- and macro-F1 of DeepWalk's protocol (``w2vns evaluate --node-labels``,
the same evaluator for every file: one-vs-rest logistic regression on 50% of the nodes,
``--splits`` splits), and the speed against PecanPy's SparseOTF. w2vns's kernels are
compiled (or loaded from the cache) once before the timed runs; PecanPy compiles its own
at every run, as its users see it.

    python scripts/bench_graph.py --pecanpy /path/to/venv/bin/pecanpy
    python scripts/bench_graph.py --settings 1,1 --tools w2vns,gensim --splits 2
"""

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from bench import SHARED, checked_choices, processor, run  # noqa: E402

GRAPHS = os.path.join(SHARED, "graphs")
DEFAULT_GRAPH = os.path.join(GRAPHS, "blogcatalog.edges.gz")
DEFAULT_LABELS = os.path.join(GRAPHS, "blogcatalog.labels")
TOOLS = ("w2vns", "pecanpy-sparse", "pecanpy-precomp", "gensim")
PECANPY_MODES = {"pecanpy-sparse": "SparseOTF", "pecanpy-precomp": "PreComp"}
SPEED_BASE = "pecanpy-sparse"
DIM, WINDOW, WALKS, LENGTH, EPOCHS = 128, 10, 10, 80, 1
TRAIN_FRACTION = 0.5

GENSIM_TRAIN = """
import sys
from gensim.models import Word2Vec
walks, out, threads, seed = sys.argv[1:5]
model = Word2Vec(corpus_file=walks, vector_size=%d, window=%d, min_count=0, sg=1,
                 workers=int(threads), epochs=%d, seed=int(seed))
model.wv.save_word2vec_format(out, binary=True)
""" % (DIM, WINDOW, EPOCHS)


def plain_copy(graph, workdir):
    """The graph as PecanPy reads it: plain text, 'u<TAB>v' lines (written once)."""
    path = os.path.join(workdir, "graph.edg")
    if not os.path.exists(path):
        opener = gzip.open if graph.endswith(".gz") else open
        with opener(graph, "rt") as src, open(path + ".part", "w") as dst:
            for line in src:
                fields = line.split()
                if len(fields) >= 2 and not fields[0].startswith("#"):
                    dst.write(f"{fields[0]}\t{fields[1]}\n")
        os.replace(path + ".part", path)
    return path


def w2vns(*args):
    return [sys.executable, "-m", "w2vns", *map(str, args)]


def walk_options(p, q, threads, seed):
    return ["--p", p, "--q", q, "--walks-per-node", WALKS, "--walk-length", LENGTH,
            "--threads", threads, "--seed", seed, "-q"]


def job(tool, p, q, paths, args):
    """The commands of one job, run one after the other, and the vectors file it writes."""
    graph, plain, workdir = paths
    out = os.path.join(workdir, f"{tool}-p{p}-q{q}.bin")
    if tool == "w2vns":
        return [w2vns("train", "--graph", graph, "-o", out, "--dim", DIM, "--window", WINDOW,
                      "--epochs", EPOCHS, *walk_options(p, q, args.threads, args.seed))], out
    if tool == "gensim":
        walks = os.path.join(workdir, f"walks-p{p}-q{q}.txt")
        return [w2vns("walks", graph, "-o", walks, *walk_options(p, q, args.threads, args.seed)),
                [sys.executable, "-c", GENSIM_TRAIN, walks, out, str(args.threads),
                 str(args.seed)]], out
    out = out[:-len(".bin")] + ".emb"  # PecanPy writes word2vec text
    return [[args.pecanpy, "--input", plain, "--output", out, "--mode", PECANPY_MODES[tool],
             "--dimensions", str(DIM), "--window-size", str(WINDOW), "--num-walks", str(WALKS),
             "--walk-length", str(LENGTH), "--epochs", str(EPOCHS), "--workers",
             str(args.threads), "--p", str(p), "--q", str(q), "--random_state",
             str(args.seed)]], out


def timed(commands):
    """(wall seconds of all the commands, the largest peak RSS of one of them)."""
    wall = rss = 0
    for command in commands:
        seconds, peak, _ = run(command)
        wall += seconds
        rss = max(rss, peak)
    return wall, rss


def scores(vectors, labels, splits, threads):
    """(micro-F1, macro-F1) at TRAIN_FRACTION, by w2vns's evaluator."""
    out = subprocess.run(w2vns("evaluate", vectors, "--node-labels", labels, "--splits", splits,
                               "--train-fraction", TRAIN_FRACTION, "--threads", threads,
                               "--json"), check=True, capture_output=True, text=True).stdout
    fraction = json.loads(out)["node_classification"][0]["fractions"][0]
    return fraction["micro_f1"], fraction["macro_f1"]


def settings(text):
    """'1,1;0.25,4' -> [(1.0, 1.0), (0.25, 4.0)]."""
    return [tuple(float(x) for x in pair.split(",")) for pair in text.split(";")]


def warm(graph, workdir, threads):
    """Compile (or load) w2vns's kernels, so that the timed runs do not."""
    small = os.path.join(workdir, "warm.edges")
    with open(small, "w") as handle:
        handle.write("".join(f"{i} {(i + 1) % 50}\n{i} {(i * 7) % 50}\n" for i in range(50)))
    for p, q in ((1, 1), (0.5, 2)):
        run(w2vns("train", "--graph", small, "-o", os.path.join(workdir, "warm.bin"),
                  *walk_options(p, q, threads, 1)))
        run(w2vns("walks", small, "-o", os.path.join(workdir, "warm.txt"),
                  *walk_options(p, q, threads, 1)))


def table(results, threads):
    print(f"\n{processor()}; {threads} threads\n")
    print("| p | q | tool | wall s | peak RSS | micro-F1 | macro-F1 | speed vs SparseOTF |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        base = next((b for b in results if (b["p"], b["q"]) == (r["p"], r["q"])
                     and b["tool"] == SPEED_BASE), None)
        ratio = f"{base['wall'] / r['wall']:.2f}x" if base else "-"
        print(f"| {r['p']:g} | {r['q']:g} | {r['tool']} | {r['wall']:.1f} | "
              f"{r['rss'] / 2**20:,.0f} MB | {r['micro']:.3f} | {r['macro']:.3f} | {ratio} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", default=DEFAULT_GRAPH)
    ap.add_argument("--labels", default=DEFAULT_LABELS)
    ap.add_argument("--settings", type=settings, default=settings("1,1;0.25,4"),
                    help="(p, q) pairs: 'p,q;p,q'")
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--splits", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pecanpy", default=shutil.which("pecanpy"),
                    help="PecanPy's command (pip install pecanpy)")
    ap.add_argument("--workdir", default=os.path.join(HERE, "..", "bench-out", "graph"))
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    tools = checked_choices(args.tools, TOOLS, "bench_graph.py", "tool")
    if any(t in PECANPY_MODES for t in tools) and not args.pecanpy:
        sys.exit("bench_graph.py: PecanPy not found: pip install pecanpy, pass --pecanpy, or "
                 "leave the pecanpy tools out of --tools")
    os.makedirs(args.workdir, exist_ok=True)
    paths = (args.graph, plain_copy(args.graph, args.workdir), args.workdir)
    warm(args.graph, args.workdir, args.threads)
    results = []
    for p, q in args.settings:
        for tool in tools:
            commands, out = job(tool, p, q, paths, args)
            wall, rss = timed(commands)
            micro, macro = scores(out, args.labels, args.splits, args.threads)
            results.append(dict(p=p, q=q, tool=tool, wall=wall, rss=rss, micro=micro,
                                macro=macro))
            print(f"p={p:g} q={q:g} {tool}: {wall:.1f}s, {rss / 2**20:,.0f} MB, micro-F1 "
                  f"{micro:.3f}, macro-F1 {macro:.3f}", file=sys.stderr, flush=True)
    table(results, args.threads)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=1)


if __name__ == "__main__":
    main()
