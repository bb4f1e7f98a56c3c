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
    python scripts/bench_objectives.py --limit-words 4000000 --epochs 1 --max-vocab 5000 \
        --objectives unigram,nce,softmax,hs+ns --compare-softmax

``--compare-softmax`` measures how close each objective comes to the exact softmax: every
w2vns row with output vectors also saves them, and each model is scored on held-out
(context word, centre word) pairs from the words after ``--limit-words``: the mean log
probability of the centre word under the exact softmax of the model's own scores (input
vector . output vector over the whole vocabulary), and the share of each of the 1,000 most
frequent words' 10 nearest neighbours (input vectors, cosine) it has in common with the
softmax model's.
"""

import argparse
import json
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (ALPHA, DEFAULT_CORPUS, DEFAULT_EVAL, HERE,  # noqa: E402
                   checked_choices, corpus_lines, evaluate, processor, run, warm_w2vns)

CORPUS_WORDS = 17_210_356  # words in the standard corpus
WARM_WORDS = 50_000  # each objective's kernels are compiled (or loaded) on this many words
OBJECTIVES = {
    "unigram": [],
    "per-pair": ["--no-share-negatives"],
    "uniform": ["--ns-strategy", "uniform"],
    "hard": ["--ns-strategy", "hard"],
    "dynamic": ["--ns-strategy", "dynamic"],
    "adaptive": ["--ns-strategy", "adaptive"],
    "hs": ["--hs", "--negative", "0"],
    "hs+ns": ["--hs"],
    "nce": ["--loss", "nce"],
    "softmax": ["--loss", "softmax"],
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
             "--alpha", str(ALPHA[model])] + OBJECTIVES[name] + max_vocab(args)
            + shlex.split(args.w2vns_args))


def max_vocab(args):
    return ["--max-vocab", str(args.max_vocab)] if args.max_vocab else []


def max_vocab_note(args):
    return f", w2vns vocabulary {args.max_vocab:,} words" if args.max_vocab else ""


def warm_objectives(names, args):
    """Compile (or load) the kernels of every w2vns objective in ``names`` on the first
    words, so that no row's time includes a compilation (the Huffman tree's, say)."""
    warm_lines, _ = corpus_lines(args.corpus, args.workdir, WARM_WORDS)
    for name in names:
        if OBJECTIVES[name] is not None:
            warm_w2vns(warm_lines, args.workdir, *OBJECTIVES[name])


HELDOUT_PAIRS = 20_000  # held-out (context, centre) pairs scored under the exact softmax
NEIGHBOUR_WORDS = 1_000  # the most frequent words whose neighbours are compared
NEIGHBOURS = 10
HELDOUT_WINDOW = 5
LL_BLOCK = 2_000  # pairs scored at once


def has_context(name):
    """Whether a w2vns row trains one output vector per word (--save-context works)."""
    return not name.startswith("gensim") and name != "hs"


def heldout_pairs(corpus, skip, window=HELDOUT_WINDOW, limit=HELDOUT_PAIRS):
    """(context word, centre word) pairs within ``window`` from the words after the first
    ``skip`` of ``corpus``, every position in turn until ``limit`` pairs."""
    import gzip

    seen, words = 0, []
    with (gzip.open(corpus, "rt") if corpus.endswith(".gz") else open(corpus)) as handle:
        for line in handle:
            tokens = line.split()
            if seen + len(tokens) > skip:
                words.extend(tokens[max(skip - seen, 0):])
            seen += len(tokens)
            if len(words) > limit:
                break
    pairs = []
    for i, centre in enumerate(words):
        for j in range(max(0, i - window), min(len(words), i + window + 1)):
            if j != i:
                pairs.append((words[j], centre))
        if len(pairs) >= limit:
            break
    return pairs


def load_vectors(path):
    from gensim.models import KeyedVectors

    return KeyedVectors.load_word2vec_format(path, binary=True)


def heldout_log_likelihood(vectors, context, pairs):
    """Mean log p(centre | context word) under the exact softmax of the model's scores
    (input vectors against output vectors, both in the vocabulary's order), over the pairs
    whose words are both known; and the share of pairs used."""
    import numpy as np

    if vectors.index_to_key != context.index_to_key:
        sys.exit("bench_objectives: input and output vectors list different words")
    index = vectors.key_to_index
    known = np.array([(index[a], index[b]) for a, b in pairs if a in index and b in index])
    out = context.vectors.astype(np.float64)
    total = 0.0
    for first in range(0, len(known), LL_BLOCK):
        part = known[first:first + LL_BLOCK]
        logits = vectors.vectors[part[:, 0]].astype(np.float64) @ out.T
        top = logits.max(axis=1)
        norm = top + np.log(np.exp(logits - top[:, None]).sum(axis=1))
        total += (logits[np.arange(len(part)), part[:, 1]] - norm).sum()
    return total / max(len(known), 1), len(known) / max(len(pairs), 1)


def neighbour_sets(vectors, words):
    import numpy as np

    unit = vectors.vectors / np.linalg.norm(vectors.vectors, axis=1, keepdims=True)
    ids = [vectors.key_to_index[w] for w in words]
    sims = unit[ids] @ unit.T
    sims[np.arange(len(ids)), ids] = -np.inf
    best = np.argsort(-sims, axis=1)[:, :NEIGHBOURS]
    return [set(vectors.index_to_key[k] for k in row) for row in best]


def softmax_closeness(results, corpus, skip):
    """Adds each row's held-out log-likelihood and neighbour agreement with its model's
    softmax row (``--compare-softmax``)."""
    pairs = heldout_pairs(corpus, skip)
    for model in {r["model"] for r in results}:
        reference = next((r for r in results if r["model"] == model
                          and r["objective"] == "softmax"), None)
        ref_sets = None
        if reference is not None:
            ref_vectors = load_vectors(reference["vectors"])
            words = ref_vectors.index_to_key[:NEIGHBOUR_WORDS]
            ref_sets = neighbour_sets(ref_vectors, words)
        for r in results:
            if r["model"] != model:
                continue
            vectors = load_vectors(r["vectors"])
            if r.get("context"):
                r["heldout_ll"], r["heldout_used"] = heldout_log_likelihood(
                    vectors, load_vectors(r["context"]), pairs)
            if ref_sets is not None and all(w in vectors.key_to_index for w in words):
                sets = neighbour_sets(vectors, words)
                r["agreement"] = sum(len(a & b) for a, b in zip(sets, ref_sets)) / (
                    NEIGHBOURS * len(words))


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
    ap.add_argument("--max-vocab", type=int, default=0, help="w2vns rows keep the N most "
                    "frequent words")
    ap.add_argument("--compare-softmax", action="store_true",
                    help="held-out log-likelihood and neighbour agreement with the softmax row")
    ap.add_argument("--workdir", default=os.path.join(HERE, "..", "bench-out"))
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    names = checked_choices(args.objectives, OBJECTIVES, "bench_objectives", "objective")
    lines, w2v_input = corpus_lines(args.corpus, args.workdir, args.limit_words)
    warm_objectives(names, args)

    words = (args.limit_words or CORPUS_WORDS) * args.epochs
    results = []
    for model in args.models.split(","):
        for name in names:
            out = os.path.join(args.workdir, f"obj-{model}-{name}.bin")
            context = out[:-len(".bin")] + "-context.bin" \
                if args.compare_softmax and has_context(name) else None
            extra = ["--save-context", context] if context else []
            wall, rss, _ = run(command(name, model, w2v_input, lines, out, args) + extra)
            analogy, ws353 = evaluate(out, args.eval_dir)
            results.append(dict(model=model, objective=name, wall=wall, words_per_second=words / wall,
                                rss=rss, analogy=analogy, ws353=ws353, vectors=out,
                                context=context))
            print(f"{model} {name}: {wall:.1f}s analogy {analogy:.3f} ws353 {ws353:.3f}",
                  file=sys.stderr, flush=True)

    if args.compare_softmax:
        softmax_closeness(results, args.corpus, args.limit_words)
        print_closeness(results)
    print(f"\n{processor()}; {args.epochs} epochs, {words // args.epochs:,} words, "
          f"{args.threads} threads" + max_vocab_note(args)
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


def print_closeness(results):
    print("\n| model | objective | wall s | analogy | WS353 | held-out log p (softmax of its "
          "scores) | neighbours shared with softmax |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        ll = f"{r['heldout_ll']:.3f}" if "heldout_ll" in r else "-"
        agree = f"{r['agreement']:.3f}" if "agreement" in r else "-"
        print(f"| {r['model']} | {r['objective']} | {r['wall']:.1f} | {r['analogy']:.3f} | "
              f"{r['ws353']:.3f} | {ll} | {agree} |")


if __name__ == "__main__":
    main()
