#!/usr/bin/env python
"""How close ``w2vns estimate`` comes to real runs: time, pairs, logistic terms, memory.

For each size, the first N words of the standard corpus (as 1000-word lines) are
estimated and then trained with the same options, each in its own process, one after
the other. The table shows the estimate's seconds against the run's own clock (its
report: reading, training and writing) and against the process's wall time (interpreter
start-up included), the relative errors of the counts and of peak memory, and how long
the estimate itself took.

    python scripts/bench_estimate.py                                  # 2M and 8M words
    python scripts/bench_estimate.py --sizes 1000000,4000000 --epochs 1 --threads 2
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import DEFAULT_CORPUS, run, split_lines  # noqa: E402

STANDARD = ["--model", "sg", "--dim", "100", "--window", "5", "--negative", "5",
            "--sample", "1e-4", "--min-count", "5"]
DEFAULT_SIZES = "2000000,8000000"


def processor():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        return "unknown"
    for line in out.splitlines():
        if line.startswith("Model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def relative(estimated, actual):
    return (estimated - actual) / actual if actual else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated word counts")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--calibration-seconds", type=float, default=3.0)
    args = parser.parse_args()
    w2vns = [sys.executable, "-m", "w2vns"]
    options = STANDARD + ["--epochs", str(args.epochs), "--threads", str(args.threads)]
    print(f"processor: {processor()}, {args.threads} thread(s); options: {' '.join(options)}")
    header = ("words", "est s", "run s", "wall s", "time err", "wall err", "pairs err",
              "terms err", "memory err", "estimate took s")
    print(" | ".join(header))
    with tempfile.TemporaryDirectory(prefix="w2vns-bench-estimate-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            corpus = os.path.join(tmp, f"first-{size}.txt")
            split_lines(args.corpus, corpus, size)
            cmd = w2vns + ["estimate", corpus, "--json", "--calibration-seconds",
                           str(args.calibration_seconds)] + options
            started = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            cost = time.perf_counter() - started
            if proc.returncode != 0:
                sys.exit(f"bench: estimate failed:\n{proc.stderr}")
            est = json.loads(proc.stdout)
            report = os.path.join(tmp, "run.json")
            wall, _, _ = run(w2vns + ["train", corpus, "-o", os.path.join(tmp, "v.bin"), "-q",
                                      "--report", report] + options)
            with open(report) as handle:
                done = json.load(handle)
            print(" | ".join([
                f"{size:,}", f"{est['seconds']:.1f}", f"{done['seconds']:.1f}", f"{wall:.1f}",
                f"{relative(est['seconds'], done['seconds']):+.1%}",
                f"{relative(est['seconds'], wall):+.1%}",
                f"{relative(est['positive_pairs'], done['positive_pairs']):+.2%}",
                f"{relative(est['logistic_terms'], done['logistic_terms']):+.2%}",
                f"{relative(est['memory_bytes'], done['peak_rss']):+.1%}",
                f"{cost:.1f}"]), flush=True)


if __name__ == "__main__":
    main()
