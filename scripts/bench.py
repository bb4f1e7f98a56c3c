#!/usr/bin/env python
"""Benchmark w2vns against gensim on the standard corpus, in one run.

Each tool trains in its own process with the same settings and threads; the table
shows wall seconds (vocabulary pass included), words/s, peak RSS, analogy accuracy
(questions-words, 30,000 most frequent words) and WordSim-353 Spearman. Both vector
files are scored by the same evaluator (gensim's), so the quality columns compare.

gensim reads a copy of the corpus split into 1000-word lines (on the single-line
original it silently trains on almost nothing); w2vns reads the original .gz.

    python scripts/bench.py                  # skip-gram and CBOW, 2 threads
    python scripts/bench.py --model sg --epochs 1 --limit-words 2000000   # quick look
"""

import argparse
import collections
import gzip
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))
DEFAULT_CORPUS = os.path.join(SHARED, "corpora", "text8_like.txt.gz")
DEFAULT_EVAL = os.path.join(SHARED, "eval")
LINE_WORDS = 1000
RESTRICT = 30000
# The start learning rate given to gensim (the C tool's defaults). w2vns's runs here and in
# bench_quality.py take its own defaults; the scripts that compare objectives or devices
# at one rate pass these to w2vns too.
ALPHA = {"sg": 0.025, "cbow": 0.05}

GENSIM_TRAIN = """
import sys, logging
from gensim.models import Word2Vec
corpus, out, sg, threads, epochs, alpha, sample = sys.argv[1:8]
model = Word2Vec(corpus_file=corpus, vector_size=100, window=5, negative=5, hs=0,
                 sample=float(sample), min_count=5, sg=int(sg), workers=int(threads),
                 epochs=int(epochs), alpha=float(alpha),
                 seed=int(sys.argv[8]) if len(sys.argv) > 8 else 1)
model.wv.save_word2vec_format(out, binary=True)
"""


def split_lines(src, dst, limit_words):
    """Copy the corpus as LINE_WORDS-word lines (and optionally only its first words).

    Streams in blocks: this process stays small, so that the peak RSS its children
    inherit at fork does not hide theirs.
    """
    opener = gzip.open if src.endswith(".gz") else open
    written, pending, carry = 0, [], ""
    partial = dst + ".part"  # renamed when complete: a killed run never leaves a short copy
    with opener(src, "rt") as fin, open(partial, "w") as fout:
        while not limit_words or written < limit_words:
            block = fin.read(1 << 20)
            words = (carry + block).split()
            carry = "" if not block or block[-1].isspace() or not words else words.pop()
            pending += words
            while len(pending) >= LINE_WORDS or (not block and pending):
                line, pending = pending[:LINE_WORDS], pending[LINE_WORDS:]
                if limit_words:
                    line = line[:limit_words - written]
                fout.write(" ".join(line) + "\n")
                written += len(line)
            if not block:
                break
    os.replace(partial, dst)
    return written


def corpus_lines(corpus, workdir, limit_words):
    """The line-split copy of ``corpus`` in ``workdir`` (written once, reused by later runs)
    and what w2vns reads: the copy when only the first words are wanted, else the corpus."""
    lines = os.path.join(workdir, f"lines-{limit_words or 'all'}.txt")
    if not os.path.exists(lines):
        n = split_lines(corpus, lines, limit_words)
        print(f"wrote {lines} ({n:,} words in {LINE_WORDS}-word lines)", file=sys.stderr)
    return lines, (lines if limit_words else corpus)


def warm_w2vns(lines, workdir, *extra):
    """Load (or compile) w2vns's kernels once, so that timings measure training only."""
    run([sys.executable, "-m", "w2vns", "train", lines, "-o", os.path.join(workdir, "warm.bin"),
         "--epochs", "1", "--max-vocab", "100", "-q", *extra])


def train_command(tool, model, inputs, out, args):
    """The command that trains ``model`` (sg, cbow) with ``tool`` (w2vns, gensim) on the
    standard settings; ``inputs``: (what w2vns reads, the line-split copy gensim reads);
    ``args``: threads, epochs and sample."""
    w2v_input, lines = inputs
    if tool == "w2vns":
        return [sys.executable, "-m", "w2vns", "train", w2v_input, "-o", out, "-q",
                "--model", model, "--dim", "100", "--window", "5", "--negative", "5",
                "--sample", str(args.sample), "--min-count", "5",
                "--epochs", str(args.epochs), "--threads", str(args.threads)]
    return [sys.executable, "-c", GENSIM_TRAIN, lines, out, "1" if model == "sg" else "0",
            str(args.threads), str(args.epochs), str(ALPHA[model]), str(args.sample)]


def checked_choices(value, known, script, what):
    """The comma-separated ``value`` as a list; exits naming any unknown item."""
    items = value.split(",")
    unknown = set(items) - set(known)
    if unknown:
        sys.exit(f"{script}: unknown {what}(s) {', '.join(sorted(unknown))}; "
                 f"choose from {', '.join(known)}")
    return items


Timing = collections.namedtuple("Timing", "wall rss err cpu")


def timed(cmd):
    """Run a command; return its ``Timing``: wall seconds, peak RSS bytes, stderr, and CPU
    seconds (user + system, all its threads): on a machine other jobs share, the CPU
    seconds move much less than the wall time."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"bench: {cmd[0]} failed ({proc.returncode}):\n{err}")
    return Timing(wall, usage.ru_maxrss * 1024, err, usage.ru_utime + usage.ru_stime)


def run(cmd):
    """Run a command; return (wall seconds, peak RSS bytes, stderr)."""
    return timed(cmd)[:3]


EVALUATE = """
import json, sys
from gensim.models import KeyedVectors
path, analogies, pairs, restrict = sys.argv[1:5]
kv = KeyedVectors.load_word2vec_format(path, binary=True)
analogy, _ = kv.evaluate_word_analogies(analogies, restrict_vocab=int(restrict))
_, spearman, _ = kv.evaluate_word_pairs(pairs)
print(json.dumps([analogy, spearman[0]]))
"""


def evaluate(path, eval_dir):
    """(analogy accuracy, WS353 Spearman) by gensim's evaluator, in a child process."""
    out = subprocess.run([sys.executable, "-c", EVALUATE, path,
                          os.path.join(eval_dir, "questions-words.txt"),
                          os.path.join(eval_dir, "wordsim353.tsv"), str(RESTRICT)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def processor():
    """The processor's model name and the number of cores, for the tables."""
    name = platform.processor() or "unknown processor"
    try:
        with open("/proc/cpuinfo") as handle:
            name = next((line.split(":", 1)[1].strip() for line in handle
                         if line.startswith("model name")), name)
    except OSError:
        pass
    return f"{name}, {os.cpu_count()} cores"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--eval-dir", default=DEFAULT_EVAL)
    ap.add_argument("--model", choices=["sg", "cbow", "both"], default="both")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-4)
    ap.add_argument("--tools", default="w2vns,gensim")
    ap.add_argument("--limit-words", type=int, default=0, help="train on the first N words only")
    ap.add_argument("--workdir", default=os.path.join(HERE, "..", "bench-out"))
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    tools = args.tools.split(",")
    models = ["sg", "cbow"] if args.model == "both" else [args.model]

    lines, w2v_input = corpus_lines(args.corpus, args.workdir, args.limit_words)
    warm_w2vns(lines, args.workdir, "--threads", str(args.threads))

    results = []
    for model in models:
        common = dict(threads=args.threads, epochs=args.epochs, alpha=ALPHA[model])
        for tool in tools:
            out = os.path.join(args.workdir, f"{tool}-{model}.bin")
            cmd = train_command(tool, model, (w2v_input, lines), out, args)
            wall, rss, _ = run(cmd)
            analogy, ws353 = evaluate(out, args.eval_dir)
            results.append(dict(model=model, tool=tool, wall=wall, rss=rss, analogy=analogy,
                                ws353=ws353, **common))
            print(f"{model} {tool}: {wall:.1f}s analogy {analogy:.3f}", file=sys.stderr)

    total_words = args.limit_words or None
    print("\n| model | tool | wall s | words/s | peak RSS | analogy | WS353 | speed vs gensim |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        words = (total_words or 17_210_356) * args.epochs
        base = next((g for g in results if g["model"] == r["model"] and g["tool"] == "gensim"),
                    None)
        ratio = f"{base['wall'] / r['wall']:.2f}x" if base else "-"
        print(f"| {r['model']} | {r['tool']} | {r['wall']:.1f} | {words / r['wall'] / 1e3:,.0f}k "
              f"| {r['rss'] / 2**20:,.0f} MB | {r['analogy']:.3f} | {r['ws353']:.3f} | {ratio} |")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
