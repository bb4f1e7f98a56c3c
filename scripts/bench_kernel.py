#!/usr/bin/env python
"""Time the CPU training kernel alone: one ``train_chunk`` call on the first words.

Encodes the first ``--limit-words`` words of the corpus once (not timed), then calls
``kernels.cpu.train_chunk`` on them ``--repeats`` times for each model, from the same fresh
model each time, and prints the best and median seconds, words/s and the mean loss. No
reading, no Python between batches, no gensim: this isolates the kernel, to compare two
versions of it (run the script on each) or two thread counts. Machines are noisy: compare
the best of several repeats, measured alternately where possible.

    python scripts/bench_kernel.py                          # sg and cbow, 1 thread, 4M words
    python scripts/bench_kernel.py --threads 2 --models cbow --repeats 7
    python scripts/bench_kernel.py --models cbow --dim 96 --hs      # another dim, HS alone
    python scripts/bench_kernel.py --compare ../old-checkout --rounds 6   # old against new

``--compare`` times this checkout's kernel against another checkout's (its root), on the
same encoded words: each round runs one process per checkout, alternately, so that the
machine's drift hits both alike; the table gives the best CPU seconds of each (process
time: other processes on a shared machine inflate it far less than wall time) and the
ratio.
"""

import argparse
import inspect
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT_VARIABLE = "BENCH_KERNEL_ROOT"  # the checkout a --compare child imports w2vns from
sys.path.insert(0, os.environ.get(ROOT_VARIABLE) or os.path.dirname(HERE))

from bench import DEFAULT_CORPUS, checked_choices, processor, split_lines  # noqa: E402

MODELS = ("sg", "cbow")


def encoded(corpus, limit_words, workdir):
    """(ids of the first ``limit_words`` words, ending at a sentence end; vocabulary counts)."""
    import numpy as np

    from w2vns.io import idcache
    from w2vns.training.config import TrainConfig
    from w2vns.training.reading import encode_corpus

    lines = os.path.join(workdir, "lines.txt")
    split_lines(corpus, lines, limit_words)
    config = TrainConfig(threads=1).resolved()
    vocab, cache, *_ = encode_corpus([lines], config, os.path.join(workdir, "ids.bin"),
                                     workdir, log=lambda message: None)
    ids = np.fromfile(cache.path, dtype=idcache.ITEM)
    return ids, np.asarray(vocab.counts)


def time_model(model, ids, counts, threads, sample, repeats, dim=100, hs=False):
    """Seconds of each repeat and the last repeat's mean loss per logistic term; with
    ``hs``, hierarchical softmax alone (negative 0)."""
    import numba
    import numpy as np

    from w2vns.io import idcache
    from w2vns.kernels import cpu
    from w2vns.kernels.bundles import N_TALLIES, TALLY_LOSS, TALLY_TERMS
    from w2vns.training import objectives
    from w2vns.training import vocab as vocabulary
    from w2vns.training.config import TrainConfig
    from w2vns.training.loop import initial_weights

    objective_args = dict(hs=True, negative=0) if hs else {}
    config = TrainConfig(model=model, sample=sample, threads=threads, dim=dim,
                         **objective_args).resolved()
    numba.set_num_threads(threads)
    keep = vocabulary.keep_probabilities(counts, config.sample)
    noise = objectives.noise_for(counts, config)
    tree = objectives.tree_for(counts, config)
    params = objectives.params_for(config, objectives.strategy_of(config).pool.at(config, 0.0))
    tables = (noise, tree) + _no_subwords(cpu)
    starts, ends = idcache.split_slices(ids, threads)
    seconds, cpu_seconds = [], []
    for _ in range(repeats + 1):  # the first call loads (or compiles) the kernel
        model_arrays, states = initial_weights(len(counts), config)
        tallies = np.zeros((threads, N_TALLIES), dtype=np.float64)
        start, start_cpu = time.perf_counter(), time.process_time()
        cpu.train_chunk(ids, starts, ends, model_arrays, *tables, keep, params, states,
                        tallies, config.alpha, config.min_alpha)
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - start_cpu)
    total = tallies.sum(axis=0)
    time_model.cpu_seconds = cpu_seconds[1:]
    return seconds[1:], total[TALLY_LOSS] / max(total[TALLY_TERMS], 1)


def _no_subwords(cpu):
    """The kernel's empty subword rows, for a checkout whose kernel takes them."""
    if "subs" not in inspect.signature(cpu.train_chunk.py_func).parameters:
        return ()
    from w2vns.kernels import subwords
    return (subwords.none(),)


def child(args):
    """One checkout's timings on the saved words, as JSON on stdout (``--compare``)."""
    import numpy as np

    ids, counts = np.load(args.child[0]), np.load(args.child[1])
    out = {}
    for model in args.models.split(","):
        seconds, loss = time_model(model, ids, counts, args.threads, args.sample, args.repeats,
                                   args.dim, args.hs)
        out[model] = dict(wall=min(seconds), cpu=min(time_model.cpu_seconds), loss=loss)
    print(json.dumps(out))


def compare(args, ids, counts, models, workdir):
    """This checkout against ``args.compare``, alternately, ``args.rounds`` rounds."""
    import numpy as np

    saved = [os.path.join(workdir, name) for name in ("ids.npy", "counts.npy")]
    np.save(saved[0], ids)
    np.save(saved[1], counts)
    trees = {"this": os.path.dirname(HERE), "other": os.path.abspath(args.compare)}
    best = {tree: {m: dict(wall=float("inf"), cpu=float("inf")) for m in models} for tree in trees}
    for _ in range(args.rounds):
        for tree, root in trees.items():
            command = [sys.executable, os.path.abspath(__file__), "--child", *saved,
                       "--models", ",".join(models), "--threads", str(args.threads),
                       "--sample", str(args.sample), "--repeats", str(args.repeats),
                       "--dim", str(args.dim)] + (["--hs"] if args.hs else [])
            got = json.loads(subprocess.run(command, check=True, capture_output=True, text=True,
                                            env=dict(os.environ, **{ROOT_VARIABLE: root})).stdout)
            for m in models:
                for key in ("wall", "cpu"):
                    best[tree][m][key] = min(best[tree][m][key], got[m][key])
    print(f"this: {trees['this']}; other: {trees['other']}; best of {args.rounds} rounds x "
          f"{args.repeats} repeats\n")
    print("| model | this CPU s | other CPU s | this / other (CPU) | this / other (wall) |")
    print("|---|---|---|---|---|")
    for m in models:
        this, other = best["this"][m], best["other"][m]
        print(f"| {m} | {this['cpu']:.3f} | {other['cpu']:.3f} | {this['cpu'] / other['cpu']:.3f} "
              f"| {this['wall'] / other['wall']:.3f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limit-words", type=int, default=4_000_000)
    ap.add_argument("--sample", type=float, default=1e-4)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--hs", action="store_true", help="hierarchical softmax alone (negative 0)")
    ap.add_argument("--compare", metavar="CHECKOUT", help="another checkout's root to time "
                    "against this one, alternately")
    ap.add_argument("--rounds", type=int, default=4, help="rounds of --compare")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    models = checked_choices(args.models, MODELS, "bench_kernel", "model")
    with tempfile.TemporaryDirectory(prefix="w2vns-bench-") as workdir:
        ids, counts = encoded(args.corpus, args.limit_words, workdir)
        if args.compare:
            return compare(args, ids, counts, models, workdir)
    words = int((ids >= 0).sum())
    print(f"{processor()}; {words:,} words, {args.threads} thread(s), dim {args.dim}, "
          f"{'hierarchical softmax' if args.hs else 'negative sampling'}, "
          f"best and median of {args.repeats}\n")
    print("| model | best s | median s | words/s (best) | loss |")
    print("|---|---|---|---|---|")
    for model in models:
        seconds, loss = time_model(model, ids, counts, args.threads, args.sample, args.repeats,
                                   args.dim, args.hs)
        best = min(seconds)
        print(f"| {model} | {best:.2f} | {statistics.median(seconds):.2f} | "
              f"{words / best / 1e3:,.0f}k | {loss:.4f} |")


if __name__ == "__main__":
    main()
