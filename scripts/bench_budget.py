#!/usr/bin/env python
"""Quality at equal time: what w2vns reaches with --time-budget set to the wall time gensim
needs for its epochs, on the same text.

gensim trains skip-gram (or CBOW) for --epochs epochs on the first --words words of the
standard corpus, split into 1000-word lines (scripts/bench.py's settings and helpers);
its wall time T (vocabulary pass included) becomes w2vns's budget: `w2vns train
--time-budget T` on the same file, the whole command inside T. w2vns with gensim's
epochs is shown too. Every vectors file is scored by gensim's evaluator (analogies,
30,000 most frequent words; WordSim-353 Spearman), as scripts/bench.py scores them.

    python scripts/bench_budget.py                          # 4M words, skip-gram, 5 epochs
    python scripts/bench_budget.py --words 2000000 --model cbow
    python scripts/bench_budget.py --words 0                # the standard run
"""

import argparse
import json
import os
import sys
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (DEFAULT_CORPUS, DEFAULT_EVAL, HERE, corpus_lines, evaluate,  # noqa: E402
                   processor, run, train_command, warm_w2vns)

DEFAULT_WORDS = 4_000_000
DEFAULT_EPOCHS = 5
DEFAULT_SAMPLE = 1e-4  # as scripts/bench.py
BUDGET_DECIMALS = 1  # the budget given to w2vns, in seconds


def without_epochs(cmd):
    """``cmd`` without its --epochs value: under --time-budget it would be a cap."""
    at = cmd.index("--epochs")
    return cmd[:at] + cmd[at + 2:]


def budgeted(cmd, seconds, report):
    """``cmd`` (w2vns train) trained to a deadline of ``seconds``, reporting to ``report``."""
    return without_epochs(cmd) + ["--time-budget", f"{seconds:.{BUDGET_DECIMALS}f}",
                                  "--report", report]


def timed(cmd, out, eval_dir):
    """Run ``cmd`` writing ``out``; (wall seconds, analogy, WS353)."""
    wall, _, _ = run(cmd)
    analogy, ws353 = evaluate(out, eval_dir)
    return wall, analogy, ws353


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--eval-dir", default=DEFAULT_EVAL)
    ap.add_argument("--model", choices=["sg", "cbow"], default="sg")
    ap.add_argument("--words", type=int, default=DEFAULT_WORDS,
                    help="train on the first N words of the corpus (0: all of it, the "
                         "standard run)")
    ap.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS, help="gensim's epochs")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sample", type=float, default=DEFAULT_SAMPLE)
    ap.add_argument("--workdir", default=os.path.join(HERE, "..", "bench-out"))
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    lines, _ = corpus_lines(args.corpus, args.workdir, args.words)
    warm_w2vns(lines, args.workdir, "--threads", str(args.threads))
    settings = SimpleNamespace(threads=args.threads, epochs=args.epochs, sample=args.sample)
    inputs = (lines, lines)

    def out(name):
        return os.path.join(args.workdir, f"budget-{args.model}-{name}.bin")

    rows = []
    gensim = timed(train_command("gensim", args.model, inputs, out("gensim"), settings),
                   out("gensim"), args.eval_dir)
    rows.append(dict(tool="gensim", setting=f"{args.epochs} epochs", epochs=args.epochs,
                     wall=gensim[0], analogy=gensim[1], ws353=gensim[2]))
    print(f"gensim: {gensim[0]:.1f}s", file=sys.stderr)
    fixed = train_command("w2vns", args.model, inputs, out("epochs"), settings)
    wall, analogy, ws353 = timed(fixed, out("epochs"), args.eval_dir)
    rows.append(dict(tool="w2vns", setting=f"{args.epochs} epochs", epochs=args.epochs,
                     wall=wall, analogy=analogy, ws353=ws353))
    report = os.path.join(args.workdir, f"budget-{args.model}.json")
    cmd = budgeted(train_command("w2vns", args.model, inputs, out("budget"), settings),
                   gensim[0], report)
    wall, analogy, ws353 = timed(cmd, out("budget"), args.eval_dir)
    with open(report) as handle:
        trained = json.load(handle)["time_budget"]["epochs_trained"]
    rows.append(dict(tool="w2vns", setting=f"--time-budget {gensim[0]:.{BUDGET_DECIMALS}f}",
                     epochs=trained, wall=wall, analogy=analogy, ws353=ws353))
    print_table(rows, args)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=2)


def print_table(rows, args):
    words = f"first {args.words:,} words" if args.words else "the whole corpus"
    print(f"\n{args.model}, {words}, {args.threads} threads, {processor()}\n")
    print("| tool | setting | wall s | epochs | analogy | WS353 |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        epochs = f"{r['epochs']:.2f}" if isinstance(r["epochs"], float) else str(r["epochs"])
        print(f"| {r['tool']} | {r['setting']} | {r['wall']:.1f} | {epochs} | "
              f"{r['analogy']:.3f} | {r['ws353']:.3f} |")


if __name__ == "__main__":
    main()
