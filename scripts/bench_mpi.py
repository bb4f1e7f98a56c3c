#!/usr/bin/env python
"""Processes against threads: the same cores as one process of T threads or N processes
under mpiexec (pip install 'w2vns[mpi]'), on the standard corpus, in one run.

Rows: 1 process x 2 threads against 2 processes x 1 thread; with 16 cores or more also
1 x 16, 2 x 8 and 4 x 4. The table shows wall seconds (reading and counting included),
words/s, analogy accuracy (questions-words, 30,000 most frequent words, gensim's
evaluator), the model syncs and the seconds spent communicating (from the run report).

It then measures what one sync costs on this machine, for the corpus's vocabulary: every
row of both matrices against only the rows touched since the last sync (found by
comparison with a copy; a union of the masks, then the rows packed and reduced), with as
many touched rows as distinct vocabulary words in one process's interval of --sync-words
words.

The corpus is copied as a plain file (its first --limit-words words) so that the
processes can read byte ranges of it.

    python scripts/bench_mpi.py                                    # the standard run
    python scripts/bench_mpi.py --limit-words 4000000 --epochs 2   # quick look
"""

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import DEFAULT_CORPUS, DEFAULT_EVAL, evaluate, run, split_lines  # noqa: E402

BIN = os.path.dirname(sys.executable)
MANY_CORES = 16
LAYOUTS_SMALL = [(1, 2), (2, 1)]  # (processes, threads)
LAYOUTS_MANY = [(1, 16), (2, 8), (4, 4)]
PROBE_REPEATS = 5
SYNC_WORDS = 500_000  # as w2vns's default --sync-words
MIN_COUNT = 5  # as w2vns's default --min-count
FLOAT_BYTES = 4


def cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown processor"


def mpiexec():
    found = shutil.which("mpiexec", path=BIN) or shutil.which("mpiexec")
    if found is None:
        sys.exit("bench_mpi: mpiexec not found. Install it with: pip install 'w2vns[mpi]'.")
    return found


def train(corpus, out, processes, threads, args, work):
    report = os.path.join(work, f"run-{processes}x{threads}.json")
    cmd = [os.path.join(BIN, "w2vns"), "train", corpus, "-o", out, "--threads", str(threads),
           "--epochs", str(args.epochs), "--sync-words", str(args.sync_words), "-q",
           "--report", report, *args.w2vns_args.split()]
    if processes > 1:
        cmd = [mpiexec(), "-n", str(processes), *cmd]
    wall, _, _ = run(cmd)
    with open(report) as handle:
        return wall, json.load(handle)


def touched_rows(corpus, interval_words, min_count):
    """Distinct vocabulary words in the first interval of the corpus."""
    counts = collections.Counter()
    interval = set()
    seen = 0
    with open(corpus) as handle:
        for line in handle:
            words = line.split()
            counts.update(words)
            if seen < interval_words:
                interval.update(words[:interval_words - seen])
            seen += len(words)
    return sum(1 for w in interval if counts[w] >= min_count)


PROBE = """
import json, sys, time
from mpi4py import MPI
vocab, dim, touched, repeats = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
comm = MPI.COMM_WORLD
rng = np.random.default_rng(comm.Get_rank())
mats = [rng.random((vocab, dim), dtype=np.float32) for _ in range(2)]
bases = [m.copy() for m in mats]
rows = rng.choice(vocab, touched, replace=False)
def touch():
    for m in mats:
        m[rows] += np.float32(1e-3)
def full():
    for m, b in zip(mats, bases):
        comm.Allreduce(MPI.IN_PLACE, m)
        m -= np.float32(comm.Get_size() - 1) * b
        b[...] = m
def partial():
    for m, b in zip(mats, bases):
        mask = (m != b).any(axis=1).astype(np.uint8)
        comm.Allreduce(MPI.IN_PLACE, mask, op=MPI.MAX)
        idx = np.flatnonzero(mask)
        packed = np.ascontiguousarray(m[idx])
        comm.Allreduce(MPI.IN_PLACE, packed)
        m[idx] = packed - np.float32(comm.Get_size() - 1) * b[idx]
        b[idx] = m[idx]
out = {}
for name, step in (("full", full), ("touched", partial)) * 2:  # the second round counts
    seconds = 0.0
    for _ in range(repeats):
        touch()
        comm.Barrier()
        start = time.perf_counter()
        step()
        comm.Barrier()
        seconds += time.perf_counter() - start
    out[name] = seconds / repeats
if comm.Get_rank() == 0:
    print(json.dumps(out))
"""


def probe(vocab, dim, touched, processes):
    cmd = [mpiexec(), "-n", str(processes), sys.executable, "-c", PROBE, str(vocab), str(dim),
           str(touched), str(PROBE_REPEATS)]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--eval-dir", default=DEFAULT_EVAL)
    parser.add_argument("--limit-words", type=int, default=0, help="0: the whole corpus")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--sync-words", type=int, default=SYNC_WORDS)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--w2vns-args", default="", help="more options for every run")
    parser.add_argument("--work", default="bench-out")
    args = parser.parse_args()
    args.w2vns_args = f"--dim {args.dim} {args.w2vns_args}"
    os.makedirs(args.work, exist_ok=True)
    corpus = os.path.join(args.work, f"mpi-corpus-{args.limit_words or 'all'}.txt")
    if not os.path.exists(corpus):
        words = split_lines(args.corpus, corpus, args.limit_words)
        print(f"wrote {corpus} ({words:,} words)", file=sys.stderr)
    cores = os.cpu_count() or 1
    layouts = LAYOUTS_SMALL + (LAYOUTS_MANY if cores >= MANY_CORES else [])
    rows = []
    for processes, threads in layouts:
        out = os.path.join(args.work, f"mpi-{processes}x{threads}.bin")
        wall, report = train(corpus, out, processes, threads, args, args.work)
        analogy, _ = evaluate(out, args.eval_dir)
        rows.append(dict(layout=f"{processes} x {threads}", wall=wall, report=report,
                         analogy=analogy))
        print(f"{processes} x {threads}: {wall:.1f}s analogy {analogy:.3f}", file=sys.stderr)
    print(f"\n{cpu_model()}, {cores} cores; {args.epochs} epoch(s), --sync-words "
          f"{args.sync_words:,}, dim {args.dim}")
    print("\n| processes x threads | wall s | words/s | analogy | syncs | sync s | vs 1 process |")
    print("|---|---|---|---|---|---|---|")
    base = {}
    for row in rows:
        report = row["report"]
        threads = int(row["layout"].split(" x ")[1]) * int(row["layout"].split(" x ")[0])
        base.setdefault(threads, row["wall"])
        print(f"| {row['layout']} | {row['wall']:.1f} | "
              f"{report['words_trained'] / row['wall'] / 1e3:,.0f}k | {row['analogy']:.3f} | "
              f"{report['syncs']} | {report['comm_seconds']:.2f} | "
              f"{base[threads] / row['wall']:.2f}x |")
    vocab = rows[0]["report"]["vocab_size"]
    interval = args.sync_words // 2
    touched = min(touched_rows(corpus, interval, MIN_COUNT), vocab)
    cost = probe(vocab, args.dim, touched, 2)
    sync_bytes = 2 * vocab * args.dim * FLOAT_BYTES
    print(f"\none sync, 2 processes, vocabulary {vocab:,} x dim {args.dim} "
          f"({sync_bytes / 1e6:.1f} MB in both matrices): every row {cost['full'] * 1e3:.1f} ms; "
          f"only the {touched:,} input rows ({touched / vocab:.0%}) touched in {interval:,} "
          f"words {cost['touched'] * 1e3:.1f} ms (every row / touched "
          f"{cost['full'] / cost['touched']:.2f}x)")


if __name__ == "__main__":
    main()
