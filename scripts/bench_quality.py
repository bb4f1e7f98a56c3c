#!/usr/bin/env python
"""The evaluation suite for w2vns and gensim on the standard corpus, in one run.

Each tool trains skip-gram and CBOW with the settings of scripts/bench.py (gensim with
corpus_file on the corpus split into 1000-word lines); every vectors file is then scored
by `w2vns evaluate` on the analogy set (accuracy on the semantic sections, the syntactic
ones and all, 30,000 most frequent words searched) and on every word-similarity set of
the suite directory (Spearman correlation over the pairs whose words are known). One
markdown table, one column per set, then the pairs each set could use.

    python scripts/bench_quality.py                      # standard run: 5 epochs, sg and cbow
    python scripts/bench_quality.py --words 4000000 --epochs 1     # quick look
    python scripts/bench_quality.py --models sg --tools w2vns --json quality.json
    python scripts/bench_quality.py --models cbow --variant "grad-mean=--cbow-grad mean"
    python scripts/bench_quality.py --pword2vec /path/to/pWord2Vec   # + pWord2Vec (skip-gram)

pWord2Vec (Intel's HogBatch skip-gram, github.com/IntelLabs/pWord2Vec) is the skip-gram
rival with shared negatives; built without MKL it needs only g++ and OpenMP:
``g++ -std=c++11 -fopenmp -O3 -march=native -include cstdio -include cstdlib -include
mm_malloc.h pWord2Vec.cpp -o pWord2Vec``. It reads the line-split copy, as gensim does,
at its defaults for what the standard settings leave open (batch of 2 x window + 1
context words, alpha 0.025 decaying to zero).

Each ``--variant NAME=OPTIONS`` adds a w2vns row trained with OPTIONS after the standard
settings (which they override), in the same run. ``--seeds 1,2,3`` trains every row once
per seed (w2vns ``--seed``, gensim ``seed``; pWord2Vec has no seed option and is simply run
again) and prints each set's mean over the seeds, and its spread (max - min) below.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (DEFAULT_CORPUS, DEFAULT_EVAL, HERE, checked_choices,  # noqa: E402
                   corpus_lines, run, train_command, warm_w2vns)

MODELS = ("sg", "cbow")
TOOLS = ("w2vns", "gensim", "pword2vec")
SG_ONLY = ("pword2vec",)  # tools without CBOW
SCORE_DECIMALS = 3
ANALOGY_KINDS = {"semantic": "sem", "syntactic": "syn", "all": "all"}


def suite_scores(vectors, eval_dir):
    """The rows of `w2vns evaluate --json` for ``vectors``, run in a child process."""
    cmd = [sys.executable, "-m", "w2vns", "evaluate", vectors,
           "--analogies", os.path.join(eval_dir, "questions-words.txt"),
           "--suite-dir", os.path.join(eval_dir, "word-sim"), "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench_quality: evaluating {vectors} failed ({out.returncode}):\n"
                 f"{out.stderr}")
    return json.loads(out.stdout)["rows"]


def column(row):
    """A row's column heading: the set, with the analogy kind for analogy rows."""
    kind = ANALOGY_KINDS.get(row["kind"])
    return f"analogy {kind}" if kind else row["set"]


def cell(score):
    return "-" if score is None else f"{score:.{SCORE_DECIMALS}f}"


def markdown(results):
    """The table: a row per model and tool (with its wall seconds), a column per set, and a
    row per model with w2vns's margin over the best rival on each set; then the coverage
    rows."""
    columns = [column(row) for row in results[0]["rows"]]
    lines = ["| model | tool | wall s | " + " | ".join(columns) + " |",
             "|---|---|---|" + "---|" * len(columns)]
    for r in results:
        lines.append(f"| {r['model']} | {r['tool']} | {r['wall']:.1f} | "
                     + " | ".join(cell(row["score"]) for row in r["rows"]) + " |")
    for model in dict.fromkeys(r["model"] for r in results):
        margin = margins([r for r in results if r["model"] == model])
        if margin:
            lines.append(f"| {model} | w2vns - best rival | {margin[0]} | "
                         + " | ".join(margin[1:]) + " |")
    seen = []
    for r in results:
        used = [f"{row['used']:,}/{row['size']:,}" for row in r["rows"]]
        if used not in seen:
            seen.append(used)
            lines.append(f"| {r['model']} | {r['tool']} used | | " + " | ".join(used) + " |")
    return lines


def margins(rows):
    """w2vns's speed as a multiple of gensim's ("3.52x gensim"), then its score less the
    best rival's on each set (signed), for one model's rows; [] without both."""
    ours = [r for r in rows if r["tool"] == "w2vns"]
    rivals = [r for r in rows if r["tool"] in TOOLS and r["tool"] != "w2vns"]
    if not ours or not rivals:
        return []
    gensim = [r for r in rivals if r["tool"] == "gensim"]
    speed = f"{gensim[0]['wall'] / ours[0]['wall']:.2f}x gensim" if gensim else ""
    out = [speed]
    for k, row in enumerate(ours[0]["rows"]):
        theirs = [r["rows"][k]["score"] for r in rivals if r["rows"][k]["score"] is not None]
        if row["score"] is None or not theirs:
            out.append("-")
        else:
            out.append(f"{row['score'] - max(theirs):+.{SCORE_DECIMALS}f}")
    return out


def averaged(results):
    """One result per (model, tool): each set's mean score over the seeds (None where a
    seed has none) and the mean wall time; ``spread`` holds each set's max - min."""
    groups = {}
    for r in results:
        groups.setdefault((r["model"], r["tool"]), []).append(r)
    out = []
    for (model, tool), runs in groups.items():
        rows = []
        for k, row in enumerate(runs[0]["rows"]):
            scores = [one["rows"][k]["score"] for one in runs]
            known = None not in scores
            rows.append(dict(row, score=sum(scores) / len(scores) if known else None,
                             spread=max(scores) - min(scores) if known else None))
        out.append(dict(model=model, tool=tool, seeds=len(runs), rows=rows,
                        wall=sum(one["wall"] for one in runs) / len(runs)))
    return out


def spread_lines(results):
    """A row per model and tool: each set's max - min over the seeds."""
    return [f"| {r['model']} | {r['tool']} spread | | "
            + " | ".join(cell(row["spread"]) for row in r["rows"]) + " |" for r in results]


def pword2vec_command(binary, lines, out, args):
    """pWord2Vec on the standard skip-gram settings (its own defaults for the rest)."""
    return [binary, "-train", lines, "-output", out, "-size", "100", "-window", "5",
            "-negative", "5", "-sample", str(args.sample), "-min-count", "5",
            "-iter", str(args.epochs), "-threads", str(args.threads), "-binary", "1"]


def command(base, model, inputs, out, args, seed):
    """The training command of one row of the table, with ``seed``."""
    if base == "pword2vec":
        return pword2vec_command(args.pword2vec, inputs[1], out, args)
    cmd = train_command(base, model, inputs, out, args)
    return cmd + (["--seed", str(seed)] if base == "w2vns" else [str(seed)])


def train_all(models, runs, inputs, args):
    """Train and score every (seed, model, row); the list of results."""
    results = []
    for seed in args.seeds:
        for model in models:
            for tool, base, extra in runs:
                if model != "sg" and base in SG_ONLY:
                    continue
                out = os.path.join(args.workdir, f"quality-{tool}-{model}.bin")
                wall, _, _ = run(command(base, model, inputs, out, args, seed) + extra)
                results.append(dict(model=model, tool=tool, seed=seed, wall=wall,
                                    rows=suite_scores(out, args.eval_dir)))
                print(f"{model} {tool} seed {seed}: trained in {wall:.1f}s", file=sys.stderr,
                      flush=True)
    return results


def variants(given):
    """(row name, "w2vns", extra options) for each ``NAME=OPTIONS`` of --variant."""
    rows = []
    for item in given:
        name, sep, options = item.partition("=")
        if not sep or not name:
            sys.exit(f"bench_quality: --variant takes NAME=OPTIONS, got {item!r}")
        rows.append((name, "w2vns", shlex.split(options)))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--eval-dir", default=DEFAULT_EVAL,
                    help="holds questions-words.txt and the word-sim/ suite directory")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--tools", default=None,
                    help="comma-separated, of " + ", ".join(TOOLS) + " (default: w2vns and "
                         "gensim, and pword2vec with --pword2vec)")
    ap.add_argument("--pword2vec", metavar="BINARY", help="a built pWord2Vec executable")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-4)
    ap.add_argument("--words", type=int, default=0, help="train on the first N words only")
    ap.add_argument("--workdir", default=os.path.join(HERE, "..", "bench-out"))
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=OPTIONS",
                    help="also train w2vns with these extra options (repeatable)")
    ap.add_argument("--seeds", default="1", help="comma-separated seeds: every row is "
                    "trained once per seed and each set's mean printed")
    args = ap.parse_args()
    try:
        args.seeds = [int(seed) for seed in args.seeds.split(",")]
    except ValueError:
        sys.exit(f"bench_quality: --seeds takes comma-separated integers, got {args.seeds!r}")
    models = checked_choices(args.models, MODELS, "bench_quality", "model")
    tools = checked_choices(args.tools or ",".join(
        TOOLS if args.pword2vec else TOOLS[:2]), TOOLS, "bench_quality", "tool")
    if "pword2vec" in tools and not args.pword2vec:
        sys.exit("bench_quality: the pword2vec tool needs --pword2vec BINARY")
    os.makedirs(args.workdir, exist_ok=True)
    lines, w2v_input = corpus_lines(args.corpus, args.workdir, args.words)
    if "w2vns" in tools:
        warm_w2vns(lines, args.workdir, "--threads", str(args.threads))

    runs = [(tool, tool, []) for tool in tools] + variants(args.variant)
    raw = train_all(models, runs, (w2v_input, lines), args)
    results = averaged(raw)

    words = f"the first {args.words:,} words" if args.words else "the whole corpus"
    seeds = (f"mean of seeds {','.join(map(str, args.seeds))}" if len(args.seeds) > 1
             else f"seed {args.seeds[0]}")
    print(f"\n{os.path.basename(args.corpus)}, {words}, {args.epochs} epoch(s), "
          f"{args.threads} threads, {seeds}; analogies: accuracy, 30,000 words searched; "
          "similarity sets: Spearman\n")
    print("\n".join(markdown(results)))
    if len(args.seeds) > 1:
        print("\n".join(spread_lines(results)))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(raw, handle, indent=2)


if __name__ == "__main__":
    main()
