"""Time loading a large binary word2vec file: w2vns against gensim, in the same run.

Writes a ROWS x DIM binary file (random words and float32 values, rows ending with a
newline as the C tool writes them) to a temporary directory, then loads it with
``w2vns.load`` and with gensim's ``KeyedVectors.load_word2vec_format``, each in a
fresh Python process (as a command-line query pays it: module imports excluded,
first allocation of the matrix included), alternating, ``--repeat`` times, with the
file in the page cache. Prints every
time and the median of each.

    .venv/bin/python scripts/bench_load.py                 # 300,000 x 300
    .venv/bin/python scripts/bench_load.py --rows 100000 --dim 100 --repeat 5
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

DEFAULT_ROWS = 300_000
DEFAULT_DIM = 300
DEFAULT_REPEAT = 5
WRITE_ROWS = 10_000
READ_BYTES = 1 << 24
SEED = 1

LOADERS = {
    "w2vns": ("import w2vns, w2vns.vectors, smart_open",
              "kv = w2vns.load(PATH); shape = kv.vectors.shape"),
    "gensim": ("from gensim.models import KeyedVectors",
               "kv = KeyedVectors.load_word2vec_format(PATH, binary=True); "
               "shape = kv.vectors.shape"),
}
TIMER = """
import time
{imports}
PATH = {path!r}
start = time.perf_counter()
{load}
print(time.perf_counter() - start, *shape)
"""


def write_file(path, rows, dim):
    """A binary word2vec file with words of varied length and N(0, 0.3) values."""
    rng = np.random.default_rng(SEED)
    with open(path, "wb") as handle:
        handle.write(f"{rows} {dim}\n".encode())
        for start in range(0, rows, WRITE_ROWS):
            block = rng.normal(0, 0.3, (min(WRITE_ROWS, rows - start), dim)).astype("<f4")
            handle.write(b"".join(
                f"w{start + i}{'x' * ((start + i) % 11)} ".encode() + row.tobytes() + b"\n"
                for i, row in enumerate(block)))


def warm_page_cache(path):
    """Read the file once so that every timed load finds it in the page cache."""
    with open(path, "rb") as handle:
        while handle.read(READ_BYTES):
            pass


def time_load(name, path):
    """Seconds to load ``path`` in a fresh process, imports excluded."""
    imports, load = LOADERS[name]
    code = TIMER.format(imports=imports, path=path, load=load)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    seconds, rows, dim = out.stdout.split()
    return float(seconds), (int(rows), int(dim))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--dim", type=int, default=DEFAULT_DIM)
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="w2vns-bench-load-") as folder:
        path = os.path.join(folder, "vectors.bin")
        started = time.perf_counter()
        write_file(path, args.rows, args.dim)
        size = os.path.getsize(path)
        print(f"wrote {args.rows:,} x {args.dim} binary ({size / 2**20:,.0f} MiB) in "
              f"{time.perf_counter() - started:.1f}s; {os.cpu_count()} CPU(s)")
        warm_page_cache(path)
        times = {name: [] for name in LOADERS}
        for run in range(1, args.repeat + 1):
            for name in LOADERS:
                seconds, shape = time_load(name, path)
                assert shape == (args.rows, args.dim), (name, shape)
                times[name].append(seconds)
                print(f"run {run}: {name:<7} {seconds:6.3f} s")
    for name, values in times.items():
        print(f"{name:<7} median {statistics.median(values):.3f} s, best {min(values):.3f} s "
              f"over {len(values)} runs")
    ratio = statistics.median(times["gensim"]) / statistics.median(times["w2vns"])
    print(f"w2vns loads {ratio:.1f}x as fast as gensim")


if __name__ == "__main__":
    main()
