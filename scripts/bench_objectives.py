#!/usr/bin/env python
"""Every objective side by side on the standard run, with gensim in the same run.

One row per model x objective: w2vns with unigram negatives shared per centre word and
drawn per pair, uniform, hard, dynamic, adaptive, hierarchical softmax alone and with
negative sampling; gensim with negative sampling and with hs=1, negative=0. Each tool
trains in its own process with the same settings and threads; the table shows wall
seconds (vocabulary pass included), words/s, analogy accuracy (questions-words, 30,000
most frequent words) and WordSim-353 Spearman, both scored by gensim's evaluator.

    python scripts/bench_objectives.py                         # the standard run, sg and cbow
    python scripts/bench_objectives.py --limit-words 4000000 --epochs 3 --models sg
    python scripts/bench_objectives.py --objectives unigram,per-pair --w2vns-args="--min-alpha 0.0025"
"""

import argparse
import json
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (ALPHA, DEFAULT_CORPUS, DEFAULT_EVAL, HERE,  # noqa: E402
                   checked_choices, corpus_lines, evaluate, run, warm_w2vns)

CORPUS_WORDS = 17_210_356  # words in the standard corpus
OBJECTIVES = {
    "unigram": [],
    "per-pair": ["--no-share-negatives"],
    "uniform": ["--ns-strategy", "uniform"],
    "hard": ["--ns-strategy", "hard"],
    "dynamic": ["--ns-strategy", "dynamic"],
    "adaptive": ["--ns-strategy", "adaptive"],
    "hs": ["--hs", "--negative", "0"],
    "hs+ns": ["--hs"],
    "gensim": None,
    "gensim-hs": None,
}

GENSIM_TRAIN = """
import sys
from gensim.models import Word2Vec
corpus, out, sg, threads, epochs, alpha, sample, hs, negative = sys.argv[1:10]
model = Word2Vec(corpus_file=corpus, vector_size=100, window=5, negative=int(negative),
                 hs=int(hs), sample=float(sample), min_count=5, sg=int(sg),
                 workers=int(threads), epochs=int(epochs), alpha=float(alpha), seed=1)
model.wv.save_word2vec_format(out, binary=True)
"""


def command(name, model, w2v_input, lines, out, args):
    if name.startswith("gensim"):
        hs = name == "gensim-hs"
        return [sys.executable, "-c", GENSIM_TRAIN, lines, out, "1" if model == "sg" else "0",
                str(args.threads), str(args.epochs), str(ALPHA[model]), str(args.sample),
                "1" if hs else "0", "0" if hs else "5"]
    return ([sys.executable, "-m", "w2vns", "train", w2v_input, "-o", out, "-q", "--model", model,
             "--dim", "100", "--window", "5", "--negative", "5", "--sample", str(args.sample),
             "--min-count", "5", "--epochs", str(args.epochs), "--threads", str(args.threads),
             "--alpha", str(ALPHA[model])] + OBJECTIVES[name] + shlex.split(args.w2vns_args))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--eval-dir", default=DEFAULT_EVAL)
    ap.add_argument("--models", default="sg,cbow")
    ap.add_argument("--objectives", default=",".join(OBJECTIVES))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-4)
    ap.add_argument("--limit-words", type=int, default=0, help="train on the first N words only")
    ap.add_argument("--w2vns-args", default="", help="extra options for every w2vns row")
    ap.add_argument("--workdir", default=os.path.join(HERE, "..", "bench-out"))
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    names = checked_choices(args.objectives, OBJECTIVES, "bench_objectives", "objective")
    lines, w2v_input = corpus_lines(args.corpus, args.workdir, args.limit_words)
    warm_w2vns(lines, args.workdir)

    words = (args.limit_words or CORPUS_WORDS) * args.epochs
    results = []
    for model in args.models.split(","):
        for name in names:
            out = os.path.join(args.workdir, f"obj-{model}-{name}.bin")
            wall, rss, _ = run(command(name, model, w2v_input, lines, out, args))
            analogy, ws353 = evaluate(out, args.eval_dir)
            results.append(dict(model=model, objective=name, wall=wall, words_per_second=words / wall,
                                rss=rss, analogy=analogy, ws353=ws353))
            print(f"{model} {name}: {wall:.1f}s analogy {analogy:.3f} ws353 {ws353:.3f}",
                  file=sys.stderr, flush=True)

    print(f"\n{args.epochs} epochs, {words // args.epochs:,} words, {args.threads} threads"
          + (f", w2vns {args.w2vns_args}" if args.w2vns_args else ""))
    print("\n| model | objective | wall s | words/s | analogy | WS353 | vs gensim (time) |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        base = next((g for g in results if g["model"] == r["model"]
                     and g["objective"] == "gensim"), None)
        ratio = f"{base['wall'] / r['wall']:.2f}x" if base else "-"
        print(f"| {r['model']} | {r['objective']} | {r['wall']:.1f} | "
              f"{r['words_per_second'] / 1e3:,.0f}k | {r['analogy']:.3f} | {r['ws353']:.3f} | "
              f"{ratio} |")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
