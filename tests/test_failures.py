"""Failure cases that must end cleanly: an Error line, the exit code, no partial output,
no temporary files left."""

import errno
import gzip
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from w2vns.training import checkpoint as ckpt
from w2vns.training import config
from w2vns.io import synthetic
from w2vns.training import loop as training
from w2vns.training.outputs import train_to_files
from w2vns.training.run import Run
from w2vns.io import w2vformat
from w2vns.cli.main import cli
from w2vns.errors import OutputError

CORPUS_SENTENCES = 4000  # sentences of the shared corpus fixture (conftest.py)
FAST = ["--epochs", "1", "--threads", "1", "-q"]


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """TMPDIR for the run, to check that nothing is left in it."""
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr("tempfile.tempdir", None)
    return tmp


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def last_line(result):
    return result.stderr.splitlines()[-1]


def test_disk_full_while_writing_the_output(corpus, tmp_path, scratch, monkeypatch):
    out = tmp_path / "v.bin"
    out.write_bytes(b"older")
    real = w2vformat._write_binary

    def full_disk(handle, words, vectors):
        real(handle, words[:3], vectors[:3])  # some bytes reach the disk first
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(w2vformat, "_write_binary", full_disk)
    result = invoke("train", corpus, "-o", out, *FAST)
    assert result.exit_code == 1
    assert last_line(result) == (f"Error: cannot write '{out}': No space left on device. "
                                 "Check free space and permissions.")
    assert out.read_bytes() == b"older"
    assert sorted(os.listdir(tmp_path)) == ["tmpdir", "v.bin"]
    assert os.listdir(scratch) == []


def test_disk_full_on_a_real_small_filesystem(corpus, tmp_path, scratch):
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        out = mount / "v.txt"
        result = invoke("train", corpus, "-o", out, *FAST)
        assert result.exit_code == 1
        assert last_line(result) == (f"Error: cannot write '{out}': No space left on device. "
                                     "Check free space and permissions.")
        assert os.listdir(mount) == []
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_disk_full_while_writing_a_checkpoint_keeps_the_previous(corpus, tmp_path, monkeypatch):
    ck = tmp_path / "ck"
    ck.mkdir()
    cfg = config.build(None, epochs=3, threads=1, batch_words=5000)
    calls = {"n": 0}
    real_savez = np.savez

    def savez(handle, **arrays):
        calls["n"] += 1
        if calls["n"] >= 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_savez(handle, **arrays)

    monkeypatch.setattr(np, "savez", savez)
    with pytest.raises(OutputError, match="No space left on device"):
        train_to_files(Run([corpus], cfg, str(tmp_path / "v.bin"), checkpoint_dir=str(ck),
                           checkpoint_every=1e-9, log=lambda _: None, bar=False))
    files = ckpt.list_checkpoints(str(ck))
    assert [os.path.basename(f) for f in files] == ["checkpoint-000001.npz"]
    assert ckpt.load_latest(str(ck), warn=print).position.done > 0
    assert sorted(os.listdir(ck)) == ["checkpoint-000001.npz", "ids.bin"]  # no temporaries


def test_output_directory_removed_during_training(corpus, tmp_path, scratch, monkeypatch):
    target = tmp_path / "out"
    target.mkdir()
    real = training.train

    def train_then_remove(*args, **kwargs):
        trained = real(*args, **kwargs)
        shutil.rmtree(target)
        return trained

    monkeypatch.setattr(training, "train", train_then_remove)
    result = invoke("train", corpus, "-o", target / "v.bin", *FAST)
    assert result.exit_code == 1
    assert last_line(result) == (f"Error: cannot write '{target}/v.bin': No such file or "
                                 "directory. Choose another path.")
    assert os.listdir(scratch) == []


def test_corpus_deleted_after_the_vocabulary_pass_does_not_matter(tmp_path, scratch):
    """Every input is read once; training uses the encoded copy."""
    path = tmp_path / "c.txt"
    synthetic.write(str(path), sentences=3000)
    cfg = config.build(None, epochs=2, threads=1)
    trained = training.train(Run([str(path)], cfg, summary=lambda _: os.unlink(path),
                                 log=lambda _: None, bar=False))
    assert not path.exists()
    assert trained.summary.epochs_done == 2 and np.isfinite(trained.vectors).all()


def test_gzip_corrupt_halfway(corpus, tmp_path, scratch):
    data = gzip.compress(open(corpus, "rb").read())
    bad = tmp_path / "bad.txt.gz"
    bad.write_bytes(data[: len(data) // 2] + bytes(200) + data[len(data) // 2:])
    result = invoke("train", bad, "-o", tmp_path / "v.bin", *FAST)
    assert result.exit_code == 1
    assert last_line(result).startswith(f"Error: cannot read corpus '{bad}': ")
    assert last_line(result).endswith("The file may be truncated or corrupt.")
    assert not (tmp_path / "v.bin").exists() and os.listdir(scratch) == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/corpus.txt",
                                 "s3://no-such-bucket-w2vns/corpus.txt"])
def test_unreachable_url(url, tmp_path, scratch):
    result = invoke("train", url, "-o", tmp_path / "v.bin", *FAST)
    assert result.exit_code == 1
    assert last_line(result).startswith("Error: cannot ")
    assert f"corpus '{url}'" in last_line(result)
    assert "Traceback" not in result.stderr
    assert os.listdir(scratch) == []


def test_s3_input_without_the_extra_names_it(corpus, tmp_path, scratch, monkeypatch):
    monkeypatch.setattr("w2vns.io.corpus._installed", lambda module: module != "boto3")
    url = "s3://bucket/corpus.txt"
    result = invoke("train", corpus, url, "-o", tmp_path / "v.bin", *FAST)
    assert result.exit_code == 1
    assert last_line(result) == (
        f"Error: cannot open corpus '{url}': s3:// inputs need the optional 's3' dependencies. "
        "Install them with: pip install 'w2vns[s3]'.")
    assert "read " not in result.stderr  # refused before reading the first input
    assert not (tmp_path / "v.bin").exists() and os.listdir(scratch) == []


def test_vocabulary_beyond_the_counting_bound_is_pruned_and_reported(tmp_path):
    path = tmp_path / "c.txt"
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in rng.integers(0, 5000, size=30000)] + ["the"] * 5000
    path.write_text(" ".join(words))
    result = invoke("train", path, "-o", tmp_path / "v.txt", *FAST, "--prune-at", "1000",
                    "--min-count", "1")
    assert result.exit_code == 0, result.output
    assert "pruned words seen" in result.stderr and "Raise --prune-at" in result.stderr
    words_out, _ = w2vformat.read(str(tmp_path / "v.txt"))
    assert words_out[0] == "the" and len(words_out) <= 1000


def test_two_runs_writing_the_same_output(corpus, tmp_path):
    out = tmp_path / "v.bin"
    procs = [subprocess.Popen([sys.executable, "-m", "w2vns", "train", corpus, "-o", str(out),
                               "--seed", str(seed), *FAST], stderr=subprocess.PIPE)
             for seed in (1, 2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    words, vectors = w2vformat.read(str(out))  # the last rename wins; the file is whole
    assert len(words) == vectors.shape[0] > 0 and np.isfinite(vectors).all()
    assert os.listdir(tmp_path) == ["v.bin"]
