"""The reference runs' output bytes are unchanged (code may move, results may not).

On the processor and library versions the reference was recorded with, every output must
be byte-identical. Elsewhere (fast-math code may round differently on another processor)
each run must still learn the recorded neighbours. To change outputs on purpose, record
again with ``python tests/golden_runs.py`` and say why in the commit.
"""

import json
import os
import shutil

import numpy as np
import pytest

import golden_runs
import w2vns
from w2vns.training import checkpoint as ckpt
from w2vns.training import model_file
from w2vns.training.loop import resume
from w2vns.training.run import Run

MIN_SHARED_NEIGHBOURS = 2  # of golden_runs.TOPN, where the bytes cannot be compared


@pytest.fixture(scope="module")
def reference():
    with open(golden_runs.RECORD) as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The reference corpus, after one run that compiles the kernels if they are not cached
    yet: a process that compiles them rounds a few last bits differently from the
    processes that load them from the cache, as the reference runs did."""
    folder = tmp_path_factory.mktemp("golden")
    path = golden_runs.corpus(str(folder))
    golden_runs.run("sg", str(folder), path)
    return path


@pytest.mark.parametrize("name", sorted(golden_runs.RUNS))
def test_reference_run_is_unchanged(name, reference, corpus, tmp_path):
    hashes, neighbours = golden_runs.run(name, str(tmp_path), corpus)
    recorded = reference["runs"][name]
    if golden_runs.environment() == reference["environment"]:
        assert hashes == recorded["sha256"]
    for word, expected in recorded["neighbours"].items():
        assert len(set(neighbours[word]) & set(expected)) >= MIN_SHARED_NEIGHBOURS, word


def test_a_saved_model_file_loads_and_continues(tmp_path):
    path = os.path.join(golden_runs.FILES, "small.model")
    saved = model_file.load(path)
    assert saved.words and np.isfinite(saved.arrays["syn0"]).all()
    corpus = golden_runs.file_corpus(str(tmp_path))
    kv = w2vns.train(corpus, init_from=path, quiet=True, epochs=1, threads=1)
    assert list(kv.words[:len(saved.words)]) == list(saved.words) and np.isfinite(kv.vectors).all()


def test_a_saved_checkpoint_resumes_to_the_end(tmp_path):
    folder = tmp_path / "ck"
    shutil.copytree(os.path.join(golden_runs.FILES, "checkpoint"), folder)
    saved = ckpt.load_latest(str(folder), warn=print)
    assert 0 < saved.position.done
    trained = resume(Run.resuming(saved, log=lambda _: None, bar=False))
    assert trained.summary.epochs_done == golden_runs.FILE_OPTIONS["epochs"]
    assert np.isfinite(trained.vectors).all() and len(trained.vocab) == len(saved.words)
