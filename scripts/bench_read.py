#!/usr/bin/env python
"""Time reading the corpus (tokenise, count, spool the ids) with 1 and more threads.

Reads the compressed corpus (a reading thread decompresses and cuts blocks that every
thread tokenises) and a plain copy of it (byte ranges tokenised by every thread), each with 1 thread and with
``--threads``, alternately, ``--repeats`` times; prints the best wall time of each, the
speed-up over 1 thread, and whether the spooled ids are identical.

    python scripts/bench_read.py                       # standard corpus, 1 vs 2 threads
    python scripts/bench_read.py --threads 8 --repeats 5
"""

import argparse
import filecmp
import gzip
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from bench import DEFAULT_CORPUS, processor  # noqa: E402

from w2vns.io.parallel_scan import scan  # noqa: E402

PRUNE_AT = 10_000_000
COPY_BLOCK = 1 << 20


def timed_scan(source, spool, threads):
    start = time.perf_counter()
    result = scan([source], spool, PRUNE_AT, threads)
    return time.perf_counter() - start, result.stats.tokens


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="w2vns-bench-read-") as tmp:
        plain = os.path.join(tmp, "corpus.txt")
        opener = gzip.open if args.corpus.endswith(".gz") else open
        with opener(args.corpus, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst, COPY_BLOCK)
        timed_scan(plain, os.path.join(tmp, "warm.spool"), args.threads)  # compile once
        rows = []
        for label, source in (("compressed", args.corpus), ("plain", plain)):
            best = {}
            for _ in range(args.repeats):
                for threads in (1, args.threads):
                    spool = os.path.join(tmp, f"{threads}.spool")
                    seconds, tokens = timed_scan(source, spool, threads)
                    best[threads] = min(best.get(threads, seconds), seconds)
            same = filecmp.cmp(os.path.join(tmp, "1.spool"),
                               os.path.join(tmp, f"{args.threads}.spool"), shallow=False)
            rows.append((label, best[1], best[args.threads], same, tokens))
    print(f"processor: {processor()}; corpus {args.corpus}; "
          f"best of {args.repeats}")
    print()
    print(f"| input | 1 thread s | {args.threads} threads s | speed-up | words/s "
          f"({args.threads} threads) | identical ids |")
    print("|---|---|---|---|---|---|")
    for label, one, many, same, tokens in rows:
        print(f"| {label} | {one:.2f} | {many:.2f} | {one / many:.2f}x | "
              f"{tokens / many / 1e6:.1f}M | {'yes' if same else 'NO'} |")


if __name__ == "__main__":
    main()
