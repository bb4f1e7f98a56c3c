#!/usr/bin/env python
"""Benchmark w2vns on a CUDA GPU against w2vns on all CPU cores and gensim, in one run.

The standard run (skip-gram, dim 100, window 5, negative 5, sample 1e-4, 5 epochs,
min-count 5) on the standard corpus, once per tool, each in its own process, one after
the other on the same machine: wall seconds (vocabulary pass included), words/s, analogy
accuracy (questions-words, 30,000 most frequent words) and WordSim-353 Spearman, all
scored by the same evaluator as scripts/bench.py. For the GPU run also the words/s of the
kernels alone, timed by CUDA events (the run's report: ``kernel_words_per_second``).
Prints a Markdown table, and whether the GPU run reaches the goal: 20M words/s for the
whole command, analogy within 0.01 of the CPU run.

Needs a CUDA GPU and the cuda extra (pip install 'w2vns[cuda]'); without them it stops
at once with the reason.

    python scripts/bench_gpu.py
    python scripts/bench_gpu.py --model cbow --tools w2vns-cuda,w2vns-cpu
    python scripts/bench_gpu.py --epochs 1 --limit-words 2000000     # quick look
    NUMBA_ENABLE_CUDASIM=1 python scripts/bench_gpu.py --limit-words 2000 --epochs 1 \
        --tools w2vns-cuda --no-eval       # the script itself, under the CUDA simulator
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import bench  # noqa: E402  (scripts/bench.py: corpus split, timed runs, evaluation)

TOOLS = ("w2vns-cuda", "w2vns-cpu", "gensim")
GOAL_WORDS_PER_SECOND = 20e6
GOAL_ANALOGY_GAP = 0.01
STANDARD_CORPUS_WORDS = 17_210_356


def check_gpu():
    """Stop with the reason when --device cuda cannot run here."""
    from w2vns.errors import W2vnsError
    from w2vns.training import config
    from w2vns.training import devices

    try:
        devices.require(config.build(None, device="cuda"))
    except W2vnsError as exc:
        sys.exit(f"bench_gpu: {exc}")


def w2vns_command(corpus, out, model, args, device, threads):
    """The w2vns run; its report is written beside ``out``, as ``report_path`` says."""
    return [sys.executable, "-m", "w2vns", "train", corpus, "-o", out, "-q",
            "--report", report_path(out),
            "--model", model, "--dim", "100", "--window", "5", "--negative", "5",
            "--sample", str(args.sample), "--min-count", "5", "--epochs", str(args.epochs),
            "--alpha", str(bench.ALPHA[model]), "--threads", str(threads),
            "--device", device]


def report_path(out):
    return out + ".report.json"


def kernel_speed(out):
    """Words/s of the kernels alone from a w2vns run's report (None: not timed)."""
    try:
        with open(report_path(out)) as handle:
            return json.load(handle).get("kernel_words_per_second")
    except (OSError, ValueError):
        return None


def gensim_command(lines, out, model, args, threads):
    return [sys.executable, "-c", bench.GENSIM_TRAIN, lines, out, "1" if model == "sg" else "0",
            str(threads), str(args.epochs), str(bench.ALPHA[model]), str(args.sample)]


def warm(lines, workdir, tools, threads):
    """Compile (and cache) the kernels of each device before anything is timed."""
    for tool in tools:
        if tool.startswith("w2vns-"):
            bench.run([sys.executable, "-m", "w2vns", "train", lines, "-o",
                       os.path.join(workdir, f"warm-{tool}.bin"), "--epochs", "1",
                       "--max-vocab", "100", "-q", "--threads", str(threads),
                       "--device", tool.split("-", 1)[1]])


def kernel_column(result):
    """The kernel-only words/s cell: GPU runs only, n/a when the kernels were not timed."""
    if result["tool"] != "w2vns-cuda":
        return "-"
    speed = result.get("kernel_words_per_second")
    return "n/a" if speed is None else f"{speed / 1e6:,.2f}M"


def table(results, words):
    lines = ["| model | tool | threads | wall s | words/s | kernel words/s | analogy (30k) "
             "| WS353 | speed vs gensim |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        base = next((g for g in results if g["model"] == r["model"] and g["tool"] == "gensim"),
                    None)
        ratio = f"{base['wall'] / r['wall']:.2f}x" if base else "-"
        lines.append(f"| {r['model']} | {r['tool']} | {r['threads']} | {r['wall']:.1f} "
                     f"| {words / r['wall'] / 1e6:,.2f}M | {kernel_column(r)} "
                     f"| {r['analogy']:.3f} | {r['ws353']:.3f} | {ratio} |")
    return "\n".join(lines)


def goal(results, words):
    """One line per model: the GPU run against the goal."""
    out = []
    for gpu in (r for r in results if r["tool"] == "w2vns-cuda"):
        cpu = next((r for r in results if r["model"] == gpu["model"]
                    and r["tool"] == "w2vns-cpu"), None)
        speed = words / gpu["wall"]
        line = (f"{gpu['model']}: GPU {speed / 1e6:.2f}M words/s for the whole command "
                f"(goal {GOAL_WORDS_PER_SECOND / 1e6:.0f}M: "
                f"{'met' if speed >= GOAL_WORDS_PER_SECOND else 'not met'}; kernels alone "
                f"{kernel_column(gpu)})")
        if cpu is not None:
            gap = cpu["analogy"] - gpu["analogy"]
            line += (f", analogy {gap:+.3f} below the CPU run (goal within {GOAL_ANALOGY_GAP}: "
                     f"{'met' if gap <= GOAL_ANALOGY_GAP else 'not met'})")
        out.append(line)
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=bench.DEFAULT_CORPUS)
    ap.add_argument("--eval-dir", default=bench.DEFAULT_EVAL)
    ap.add_argument("--model", choices=["sg", "cbow", "both"], default="sg")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                    help="CPU threads for w2vns-cpu and gensim  [default: all cores]")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-4)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--limit-words", type=int, default=0, help="train on the first N words only")
    ap.add_argument("--workdir", default=os.path.join(HERE, "..", "bench-out"))
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--no-eval", action="store_true",
                    help="skip the analogy and WS353 scores (a check of the script itself)")
    args = ap.parse_args()
    tools = bench.checked_choices(args.tools, TOOLS, "bench_gpu", "tool")
    if "w2vns-cuda" in tools:
        check_gpu()
    if not os.path.exists(args.corpus):
        sys.exit(f"bench_gpu: corpus '{args.corpus}' not found; pass --corpus")
    os.makedirs(args.workdir, exist_ok=True)
    models = ["sg", "cbow"] if args.model == "both" else [args.model]

    lines, w2v_input = bench.corpus_lines(args.corpus, args.workdir, args.limit_words)
    warm(lines, args.workdir, tools, args.threads)

    results = []
    for model in models:
        for tool in tools:
            out = os.path.join(args.workdir, f"gpu-bench-{tool}-{model}.bin")
            if tool == "gensim":
                threads = args.threads
                cmd = gensim_command(lines, out, model, args, threads)
            else:
                device = tool.split("-", 1)[1]
                threads = args.threads if device == "cpu" else "GPU"
                # all cores on both devices: reading and encoding are in the timed wall
                cmd = w2vns_command(w2v_input, out, model, args, device, args.threads)
            wall, rss, _ = bench.run(cmd)
            analogy, ws353 = ((float("nan"), float("nan")) if args.no_eval
                              else bench.evaluate(out, args.eval_dir))
            results.append(dict(model=model, tool=tool, threads=threads, wall=wall, rss=rss,
                                analogy=analogy, ws353=ws353, epochs=args.epochs,
                                kernel_words_per_second=None if tool == "gensim"
                                else kernel_speed(out)))
            print(f"{model} {tool}: {wall:.1f}s analogy {analogy:.3f}", file=sys.stderr)

    words = (args.limit_words or STANDARD_CORPUS_WORDS) * args.epochs
    print()
    print(table(results, words))
    print()
    print(goal(results, words))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
