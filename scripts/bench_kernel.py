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
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

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
    starts, ends = idcache.split_slices(ids, threads)
    seconds = []
    for _ in range(repeats + 1):  # the first call loads (or compiles) the kernel
        model_arrays, states = initial_weights(len(counts), config)
        tallies = np.zeros((threads, N_TALLIES), dtype=np.float64)
        start = time.perf_counter()
        cpu.train_chunk(ids, starts, ends, model_arrays, noise, tree, keep, params, states,
                        tallies, config.alpha, config.min_alpha)
        seconds.append(time.perf_counter() - start)
    total = tallies.sum(axis=0)
    return seconds[1:], total[TALLY_LOSS] / max(total[TALLY_TERMS], 1)


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
    args = ap.parse_args()
    models = checked_choices(args.models, MODELS, "bench_kernel", "model")
    with tempfile.TemporaryDirectory(prefix="w2vns-bench-") as workdir:
        ids, counts = encoded(args.corpus, args.limit_words, workdir)
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
