#!/usr/bin/env python
"""Benchmark subword vectors: w2vns --subwords against gensim's FastText and fastText, in
one run, on the standard corpus (or its first words).

Each tool trains in its own process with the same settings (skip-gram, dim 100, window
5, negative 5, n-grams 3 to 6 in 2,000,000 buckets) and threads, each at its own default
learning rate unless --alpha gives one for all; plain w2vns (no subwords) is the
baseline. The table: wall seconds (vocabulary pass included), peak RSS,
analogy accuracy (questions-words, 30,000 most frequent words; semantic and syntactic
sections apart), WS353 Spearman, and rare words (EN-RW-STANFORD) twice: over the pairs
of known words, and over every pair with unknown words' vectors built from their n-grams
where the tool can (plain word2vec cannot: its figure stays the known pairs'). Every
model is scored by the same evaluator (gensim's, reading the fastText .bin of the
subword tools).

    python scripts/bench_subwords.py --limit-words 4000000
    python scripts/bench_subwords.py --fasttext-python /path/to/venv/bin/python  # + fastText
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import (DEFAULT_CORPUS, DEFAULT_EVAL, RESTRICT, corpus_lines,  # noqa: E402
                   processor, timed, warm_w2vns)

TOOLS = ("w2vns", "w2vns-subwords", "gensim", "fasttext")
MINN, MAXN, BUCKET = 3, 6, 2_000_000
DIM, WINDOW, NEGATIVE, MIN_COUNT = 100, 5, 5, 5
DEFAULT_RATE = "default"  # --alpha: each tool's own default learning rate

GENSIM_TRAIN = """
import sys
from gensim.models import FastText
from gensim.models.fasttext import save_facebook_model
corpus, out, threads, epochs, sample, minn, maxn, bucket, alpha = sys.argv[1:10]
rate = {} if alpha == "default" else {"alpha": float(alpha)}
model = FastText(corpus_file=corpus, vector_size=100, window=5, negative=5, hs=0, sg=1,
                 sample=float(sample), min_count=5, workers=int(threads), epochs=int(epochs),
                 min_n=int(minn), max_n=int(maxn), bucket=int(bucket), seed=1, **rate)
save_facebook_model(model, out)
"""

FASTTEXT_TRAIN = """
import sys
import fasttext
corpus, out, threads, epochs, sample, minn, maxn, bucket, alpha = sys.argv[1:10]
rate = {} if alpha == "default" else {"lr": float(alpha)}
model = fasttext.train_unsupervised(corpus, model="skipgram", dim=100, ws=5, neg=5,
                                    minCount=5, t=float(sample), thread=int(threads),
                                    epoch=int(epochs), minn=int(minn), maxn=int(maxn),
                                    bucket=int(bucket), verbose=0, **rate)
model.save_model(out)
"""

EVALUATE = """
import json, sys
import numpy as np
from scipy.stats import spearmanr
from gensim.models import KeyedVectors
from gensim.models.fasttext import load_facebook_vectors
path, subwords, analogies, ws353, rw, restrict = sys.argv[1:7]
subwords = subwords == "1"
kv = load_facebook_vectors(path) if subwords else KeyedVectors.load_word2vec_format(
    path, binary=True)
_, sections = kv.evaluate_word_analogies(analogies, restrict_vocab=int(restrict))
def accuracy(parts):
    right = sum(len(s["correct"]) for s in parts)
    return right / max(right + sum(len(s["incorrect"]) for s in parts), 1)
parts = [s for s in sections if s["section"] != "Total accuracy"]
semantic = accuracy([s for s in parts if not s["section"].startswith("gram")])
syntactic = accuracy([s for s in parts if s["section"].startswith("gram")])
total = accuracy(parts)
ws = kv.evaluate_word_pairs(ws353)[1][0]
rw_known, _, rw_oov = kv.evaluate_word_pairs(rw)
rw_known = rw_known[0]
rw_all = rw_known
if subwords:
    gold, got = [], []
    for line in open(rw):
        a, b, score = line.split()[:3]
        va, vb = kv[a], kv[b]
        got.append(float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb) + 1e-12)))
        gold.append(float(score))
    rw_all = spearmanr(gold, got)[0]
print(json.dumps(dict(analogy=total, semantic=semantic, syntactic=syntactic, ws353=ws,
                      rw=rw_known, rw_all=rw_all, rw_oov=rw_oov / 100)))
"""


def train_command(tool, inputs, out, args):
    """The command that trains ``tool`` on the standard settings; ``inputs``: (the
    line-split copy the other tools read, what w2vns reads), as ``bench.corpus_lines``
    gives them."""
    lines, w2v_input = inputs
    common = [str(args.threads), str(args.epochs), str(args.sample), str(MINN), str(MAXN),
              str(BUCKET), args.alpha]
    if tool.startswith("w2vns"):
        cmd = [sys.executable, "-m", "w2vns", "train", w2v_input, "-o", out + ".vec", "-q",
               "--model", "sg", "--dim", str(DIM), "--window", str(WINDOW), "--negative",
               str(NEGATIVE), "--sample", str(args.sample), "--min-count", str(MIN_COUNT),
               "--epochs", str(args.epochs), "--threads", str(args.threads)]
        if args.alpha != DEFAULT_RATE:
            cmd += ["--alpha", args.alpha]
        if tool == "w2vns":
            return [c if c != out + ".vec" else out for c in cmd]
        return cmd + ["--subwords", "--minn", str(MINN), "--maxn", str(MAXN), "--bucket",
                      str(BUCKET), "--save-fasttext", out]
    if tool == "gensim":
        return [sys.executable, "-c", GENSIM_TRAIN, lines, out, *common]
    return [args.fasttext_python, "-c", FASTTEXT_TRAIN, lines, out, *common]


def evaluate(path, subwords, eval_dir):
    sim = os.path.join(eval_dir, "word-sim")
    out = subprocess.run([sys.executable, "-c", EVALUATE, path, "1" if subwords else "0",
                          os.path.join(eval_dir, "questions-words.txt"),
                          os.path.join(eval_dir, "wordsim353.tsv"),
                          os.path.join(sim, "EN-RW-STANFORD.txt"), str(RESTRICT)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--eval-dir", default=DEFAULT_EVAL)
    ap.add_argument("--limit-words", type=int, default=0, help="only the first N words")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sample", type=float, default=1e-4)
    ap.add_argument("--alpha", default=DEFAULT_RATE,
                    help="one start learning rate for every tool (default: each tool's own: "
                         "w2vns 0.025, 0.032 with --subwords; gensim 0.025; fastText 0.05)")
    ap.add_argument("--fasttext-python", default=None,
                    help="a Python with the fasttext module (fastText is skipped without)")
    ap.add_argument("--tools", default=",".join(TOOLS[:3]) + ",fasttext")
    ap.add_argument("--workdir", default=None, help="keep the corpus copy here")
    args = ap.parse_args()
    tools = [t for t in args.tools.split(",") if t != "fasttext" or args.fasttext_python]
    workdir = args.workdir or tempfile.mkdtemp(prefix="bench-subwords-")
    os.makedirs(workdir, exist_ok=True)
    inputs = corpus_lines(args.corpus, workdir, args.limit_words)
    warm_w2vns(inputs[0], workdir)
    warm_w2vns(inputs[0], workdir, "--subwords", "--bucket", "1000")
    print(f"{processor()}; {f'{args.limit_words:,}' if args.limit_words else 'all'} words, {args.epochs} epochs, "
          f"{args.threads} threads, sample {args.sample:g}, n-grams {MINN}-{MAXN}, "
          f"{BUCKET:,} buckets, learning rate {args.alpha}", file=sys.stderr)
    print("| tool | wall s | CPU s | peak RSS | analogy (30k) | semantic | syntactic | WS353 "
          "| RW (known pairs) | RW (all pairs, n-grams) | RW pairs out of vocabulary |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    times = {}
    for tool in tools:
        out = os.path.join(workdir, f"{tool}.bin")
        times[tool] = t = timed(train_command(tool, inputs, out, args))
        s = evaluate(out, tool != "w2vns", args.eval_dir)
        print(f"| {tool} | {t.wall:.1f} | {t.cpu:.1f} | {t.rss / 2**20:.0f} MB "
              f"| {s['analogy']:.3f} | {s['semantic']:.3f} | {s['syntactic']:.3f} "
              f"| {s['ws353']:.3f} | {s['rw']:.3f} | {s['rw_all']:.3f} | {s['rw_oov']:.1%} |",
              flush=True)
    print_ratios(times)


def print_ratios(times):
    """Each rival's wall and CPU seconds over w2vns --subwords's, the goal's measure."""
    ours = times.get("w2vns-subwords")
    if ours is None:
        return
    for rival in ("gensim", "fasttext"):
        if rival in times:
            print(f"w2vns --subwords against {rival}: {times[rival].wall / ours.wall:.2f}x "
                  f"the speed in wall time, {times[rival].cpu / ours.cpu:.2f}x in CPU time")


if __name__ == "__main__":
    main()
