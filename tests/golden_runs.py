"""The reference runs whose output bytes must not change when code moves: one per
objective family, each with ``--threads 1 --seed S`` on a small synthetic corpus.

``python tests/golden_runs.py`` (re)records ``tests/golden/outputs.json``: the sha256 of
every output, the processor and library versions they were made with, and each run's
nearest neighbours of a few words. Record only when a change of output is intended.
``python tests/golden_runs.py --files`` writes the saved model and checkpoint that later
code must load (``tests/golden/files``): only when their format changes on purpose.
"""

import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RECORD = os.path.join(HERE, "golden", "outputs.json")
SENTENCES = 4000
CORPUS_SEED = 7
COMMON = ["--threads", "1", "--seed", "11", "--dim", "24", "--epochs", "2", "--min-count", "2"]
RUNS = {
    "sg": [],
    "cbow": ["--model", "cbow"],
    "sg-per-pair": ["--no-share-negatives"],
    "sg-hs": ["--hs", "--negative", "0"],
    "cbow-hs": ["--model", "cbow", "--hs", "--negative", "0"],
    "sg-dynamic": ["--ns-strategy", "dynamic"],
    "sg-adaptive": ["--ns-strategy", "adaptive"],
    "cbow-hard": ["--model", "cbow", "--ns-strategy", "hard"],
}
QUERY_WORDS = ("cat", "red", "piano", "paris")
TOPN = 3


def environment():
    """What the bytes depend on besides the code: processor and compiler versions."""
    import llvmlite.binding as llvm
    import numba
    import numpy

    return {"cpu": llvm.get_host_cpu_name(), "machine": platform.machine(),
            "numba": numba.__version__, "numpy": numpy.__version__}


def corpus(folder):
    from w2vns.io import synthetic

    path = os.path.join(folder, "corpus.txt")
    synthetic.write(path, sentences=SENTENCES, seed=CORPUS_SEED)
    return path


def sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def run(name, folder, corpus_path):
    """Train one reference run; returns {output name: sha256} and the neighbours."""
    import w2vns

    vectors = os.path.join(folder, f"{name}.bin")
    args = ["train", corpus_path, "-o", vectors, "-q", *COMMON, *RUNS[name]]
    if "--negative" not in RUNS[name]:
        args += ["--save-context", os.path.join(folder, f"{name}.context.bin")]
    subprocess.run([sys.executable, "-m", "w2vns", *args], check=True)
    hashes = {os.path.basename(vectors): sha256(vectors)}
    if "--save-context" in args:
        context = args[args.index("--save-context") + 1]
        hashes[os.path.basename(context)] = sha256(context)
    kv = w2vns.load(vectors)
    neighbours = {w: [n for n, _ in kv.most_similar(w, topn=TOPN)] for w in QUERY_WORDS}
    return hashes, neighbours


def record():
    with tempfile.TemporaryDirectory() as folder:
        path = corpus(folder)
        runs = {}
        for name in RUNS:
            hashes, neighbours = run(name, folder, path)
            runs[name] = {"sha256": hashes, "neighbours": neighbours}
    with open(RECORD, "w") as handle:
        json.dump({"environment": environment(), "runs": runs}, handle, indent=1,
                  sort_keys=True)
        handle.write("\n")




# ----------------------------------------------------------------------------- saved files
# A model file and a checkpoint written by the recorded code, kept small (a few KB), that
# later code must still load and continue.
FILES = os.path.join(HERE, "golden", "files")
FILE_CORPUS_SENTENCES = 300
FILE_OPTIONS = dict(threads=1, seed=3, dim=4, epochs=3, min_count=3, batch_words=500)


def file_corpus(folder):
    from w2vns.io import synthetic

    path = os.path.join(folder, "small.txt")
    synthetic.write(path, sentences=FILE_CORPUS_SENTENCES, seed=CORPUS_SEED)
    return path


def record_files():
    """The model file of a finished run and the checkpoint of an interrupted one."""
    import shutil

    from stopping import StopAfter
    from w2vns.errors import Interrupted
    from w2vns.training import config
    from w2vns.training.outputs import train_to_files
    from w2vns.training.run import Run

    os.makedirs(FILES, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        path = file_corpus(folder)
        cfg = config.build(None, **FILE_OPTIONS)
        quiet = dict(log=lambda _: None, bar=False)
        train_to_files(Run([path], cfg, os.path.join(folder, "v.bin"),
                           save_model=os.path.join(FILES, "small.model"), **quiet))
        ck = os.path.join(folder, "ck")
        try:
            train_to_files(Run([path], cfg, os.path.join(folder, "v.bin"), checkpoint_dir=ck,
                               stop=StopAfter(2), **quiet))
        except Interrupted:
            pass
        target = os.path.join(FILES, "checkpoint")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(ck, target)


if __name__ == "__main__":
    record_files() if sys.argv[1:] == ["--files"] else record()
