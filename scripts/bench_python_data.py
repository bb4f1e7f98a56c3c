#!/usr/bin/env python
"""Training from Python data against training from the same text in a file, in one run.

The corpus's first words are split into 1000-word lines; w2vns trains on the file and
then on the same lines as a list of token lists (and as NumPy id arrays), each in its
own process, timed from the call to the return (the list is built before the clock
starts, as a user's data already is). Same options, threads and seed; the ratio is the
figure to quote. gensim's Word2Vec on the same list is timed too, for reference.

    python scripts/bench_python_data.py --limit-words 4000000 --epochs 1
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

from bench import DEFAULT_CORPUS, corpus_lines, processor, warm_w2vns

CHILD = """
import json, sys, time
import numpy as np
kind, path, threads, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
options = dict(dim=100, window=5, negative=5, sample=1e-4, min_count=5, epochs=epochs,
               threads=threads, seed=1)
if kind != "file":
    with open(path) as handle:
        data = [line.split() for line in handle]
    if kind == "ids":
        index = {}
        data = [np.array([index.setdefault(w, len(index)) for w in s], dtype=np.int32)
                for s in data]
if kind == "gensim":
    from gensim.models import Word2Vec
    start = time.perf_counter()
    Word2Vec(data, vector_size=100, window=5, negative=5, sample=1e-4, min_count=5,
             epochs=epochs, workers=threads, seed=1, sg=1)
else:
    import w2vns
    start = time.perf_counter()
    w2vns.train(path if kind == "file" else data, quiet=True, **options)
print(json.dumps(time.perf_counter() - start))
"""
KINDS = ("file", "lists", "ids", "gensim")


def timed(kind, lines, threads, epochs):
    out = subprocess.run([sys.executable, "-c", CHILD, kind, lines, str(threads), str(epochs)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--limit-words", type=int, default=4_000_000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "w2vns-bench"))
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    lines, _ = corpus_lines(args.corpus, args.workdir, args.limit_words)
    warm_w2vns(lines, args.workdir)
    seconds = {kind: [] for kind in KINDS}
    for _ in range(args.repeats):  # alternated, so that drift hits every kind alike
        for kind in KINDS:
            seconds[kind].append(timed(kind, lines, args.threads, args.epochs))
    best = {kind: min(s) for kind, s in seconds.items()}
    print(f"{processor()}; {args.limit_words:,} words, skip-gram, {args.epochs} epoch(s), "
          f"{args.threads} threads, best of {args.repeats}")
    print("| input | train s | vs the file |")
    print("|---|---|---|")
    for kind in KINDS:
        print(f"| {kind} | {best[kind]:.2f} | {best[kind] / best['file']:.2f}x |")


if __name__ == "__main__":
    main()
