#!/usr/bin/env python
"""Thread scaling: w2vns and gensim with 1, 2, 4, 8 and 16 threads, in one run.

For every model and thread count (up to the machine's cores) each tool trains in its own
process with the same settings (the standard run: dim 100, window 5, negative 5, sample
1e-4, min-count 5); the table shows wall seconds (reading included), words/s, the
speed-up over the same tool with 1 thread, w2vns's speed against gensim at the same
thread count, and analogy accuracy (questions-words, 30,000 most frequent words, gensim's
evaluator for both), with the processor model and core count.

    python scripts/bench_threads.py                                  # sg and cbow, 5 epochs
    python scripts/bench_threads.py --limit-words 4000000 --epochs 1 --models sg
    python scripts/bench_threads.py --threads 1,2,4 --tools w2vns --json scaling.json
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (ALPHA, DEFAULT_CORPUS, DEFAULT_EVAL, GENSIM_TRAIN, HERE,  # noqa: E402
                   checked_choices, corpus_lines, evaluate, processor, run, warm_w2vns)

CORPUS_WORDS = 17_210_356  # words in the standard corpus
THREAD_COUNTS = (1, 2, 4, 8, 16)
TOOLS = ("w2vns", "gensim")


def thread_counts(wanted, cores):
    """The counts asked for (default: THREAD_COUNTS up to the cores, and the cores)."""
    if wanted:
        return sorted({int(t) for t in wanted.split(",")})
    counts = {t for t in THREAD_COUNTS if t <= cores}
    counts.add(min(cores, max(THREAD_COUNTS)))
    return sorted(counts)


def command(tool, model, threads, w2v_input, lines, out, args):
    if tool == "gensim":
        return [sys.executable, "-c", GENSIM_TRAIN, lines, out, "1" if model == "sg" else "0",
                str(threads), str(args.epochs), str(ALPHA[model]), str(args.sample)]
    return [sys.executable, "-m", "w2vns", "train", w2v_input, "-o", out, "-q",
            "--model", model, "--dim", "100", "--window", "5", "--negative", "5",
            "--sample", str(args.sample), "--min-count", "5", "--epochs", str(args.epochs),
            "--threads", str(threads), "--alpha", str(ALPHA[model])]


def table(results, header):
    lines = [header, "",
             "| model | tool | threads | wall s | words/s | speed-up vs 1 thread | "
             "vs gensim (same threads) | analogy (30k) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        one = next((o for o in results if (o["model"], o["tool"], o["threads"])
                    == (r["model"], r["tool"], 1)), None)
        rival = next((g for g in results if (g["model"], g["tool"], g["threads"])
                      == (r["model"], "gensim", r["threads"])), None)
        speedup = f"{one['wall'] / r['wall']:.2f}x" if one else "-"
        versus = (f"{rival['wall'] / r['wall']:.2f}x" if rival and r["tool"] != "gensim"
                  else "-")
        lines.append(f"| {r['model']} | {r['tool']} | {r['threads']} | {r['wall']:.1f} | "
                     f"{r['words_per_second'] / 1e3:,.0f}k | {speedup} | {versus} | "
                     f"{r['analogy']:.3f} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--eval-dir", default=DEFAULT_EVAL)
    ap.add_argument("--models", default="sg,cbow")
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--threads", default="",
                    help="comma-separated thread counts [default: 1,2,4,8,16 up to the cores]")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-4)
    ap.add_argument("--limit-words", type=int, default=0, help="train on the first N words only")
    ap.add_argument("--workdir", default=os.path.join(HERE, "..", "bench-out"))
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    tools = checked_choices(args.tools, TOOLS, "bench_threads", "tool")
    os.makedirs(args.workdir, exist_ok=True)
    counts = thread_counts(args.threads, os.cpu_count() or 1)
    lines, w2v_input = corpus_lines(args.corpus, args.workdir, args.limit_words)
    warm_w2vns(lines, args.workdir)

    words = (args.limit_words or CORPUS_WORDS) * args.epochs
    results = []
    for model in args.models.split(","):
        for threads in counts:
            for tool in tools:
                out = os.path.join(args.workdir, f"threads-{model}-{tool}-{threads}.bin")
                wall, rss, _ = run(command(tool, model, threads, w2v_input, lines, out, args))
                analogy, ws353 = evaluate(out, args.eval_dir)
                results.append(dict(model=model, tool=tool, threads=threads, wall=wall,
                                    words_per_second=words / wall, rss=rss, analogy=analogy,
                                    ws353=ws353))
                print(f"{model} {tool} {threads} threads: {wall:.1f}s analogy {analogy:.3f}",
                      file=sys.stderr, flush=True)

    header = (f"{processor()}; {args.epochs} epoch(s), {words // args.epochs:,} words, "
              f"threads {','.join(map(str, counts))}")
    print("\n" + table(results, header))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(dict(processor=processor(), epochs=args.epochs,
                           words=words // args.epochs, results=results), handle, indent=2)


if __name__ == "__main__":
    main()
