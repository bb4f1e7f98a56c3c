"""Interruption, checkpoints, resume and run reports."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner

from stopping import StopAfter
from w2vns.training import checkpoint as ckpt
from w2vns.training import config
from w2vns.io import synthetic
from w2vns.cli.main import cli
from w2vns.errors import Interrupted
from w2vns.training.outputs import train_to_files
from w2vns.training.run import Run

CORPUS_SENTENCES = 20000  # sentences of the shared corpus fixture (conftest.py)
QUIET = dict(log=lambda _: None, bar=False)


def settings(**extra):
    return config.build(None, **{"epochs": 4, "threads": 1, "seed": 11, "batch_words": 20000,
                                 **extra})


def test_interrupted_and_resumed_run_equals_an_uninterrupted_one(corpus, tmp_path):
    whole = tmp_path / "whole.bin"
    train_to_files(Run([corpus], settings(), str(whole), **QUIET))
    out = tmp_path / "resumed.bin"
    out.write_bytes(b"older")
    ck = tmp_path / "ck"
    with pytest.raises(Interrupted) as stop:
        train_to_files(Run([corpus], settings(), str(out), checkpoint_dir=str(ck),
                           stop=StopAfter(5), **QUIET))
    assert stop.value.exit_code == 130 and stop.value.checkpoint_dir == str(ck)
    assert out.read_bytes() == b"older"  # untouched by the interrupted run
    saved = ckpt.load_latest(str(ck), warn=print)
    assert 0 < saved.position.done < saved.meta["cache"]["words"] * 4
    train_to_files(Run([corpus], settings(), str(out), resume_from=saved, **QUIET))
    assert out.read_bytes() == whole.read_bytes()  # one thread: identical, byte for byte
    assert os.listdir(ck) == []  # checkpoints and id cache removed after success


def test_corrupt_newest_checkpoint_falls_back_to_the_previous(corpus, tmp_path):
    ck = tmp_path / "ck"
    with pytest.raises(Interrupted):
        train_to_files(Run([corpus], settings(), str(tmp_path / "v.bin"), checkpoint_dir=str(ck),
                           checkpoint_every=1e-9, stop=StopAfter(3), **QUIET))
    files = ckpt.list_checkpoints(str(ck))
    assert len(files) == ckpt.KEEP  # older ones are pruned, the previous one kept
    newest, previous = files
    data = bytearray(open(newest, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(newest, "wb").write(bytes(data))
    warnings = []
    loaded = ckpt.load_latest(str(ck), warn=warnings.append)
    assert loaded.path == previous
    assert len(warnings) == 1 and "damaged" in warnings[0]
    open(previous, "wb").write(b"truncated")
    with pytest.raises(Exception, match="no usable checkpoint"):
        ckpt.load_latest(str(ck), warn=warnings.append)


def _interrupted_cli_run(corpus, tmp_path, runner):
    ck = tmp_path / "ck"
    with pytest.raises(Interrupted):
        train_to_files(Run([corpus], settings(), str(tmp_path / "v.bin"), checkpoint_dir=str(ck),
                           stop=StopAfter(2), **QUIET))
    return ck


def test_resume_refuses_changed_options_and_corpus(corpus, tmp_path):
    runner = CliRunner()
    ck = _interrupted_cli_run(corpus, tmp_path, runner)
    result = runner.invoke(cli, ["train", "--resume", str(ck), "--dim", "50"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: cannot resume from '{ck}': --dim is 50 but the checkpoint has 100. "
        "Use --force to resume anyway.")
    os.utime(corpus, ns=(time.time_ns(), time.time_ns() + 10**9))
    result = runner.invoke(cli, ["train", "--resume", str(ck)])
    assert result.exit_code == 2
    assert "changed or disappeared since the checkpoint" in result.stderr
    result = runner.invoke(cli, ["train", "--resume", str(ck), "--force", "-q"])
    assert result.exit_code == 0, result.output
    assert "resuming anyway (--force)" in result.stderr
    assert os.path.getsize(tmp_path / "v.bin") > 0


def test_report_on_success_and_failure(corpus, tmp_path):
    runner = CliRunner()
    out, rep = tmp_path / "v.bin", tmp_path / "run.json"
    result = runner.invoke(cli, ["train", corpus, "-o", str(out), "--epochs", "2", "-q",
                                 "--report", str(rep), "--log-file", str(tmp_path / "log")])
    assert result.exit_code == 0, result.output
    report = json.loads(rep.read_text())
    assert report["status"] == "ok" and report["exit_code"] == 0
    assert report["epochs_done"] == 2 and len(report["epoch_loss"]) == 2
    assert report["vocab_size"] > 0 and report["words_trained"] > 0
    assert report["corpus"] == [{"path": corpus, "size": os.path.getsize(corpus)}]
    import hashlib
    assert report["outputs"][0]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert "trained" in (tmp_path / "log").read_text()
    result = runner.invoke(cli, ["train", corpus, "-o", str(out), "--alpha", "1e30", "-q",
                                 "--report", str(rep)])
    assert result.exit_code == 1
    report = json.loads(rep.read_text())
    assert report["status"] == "failed" and report["exit_code"] == 1
    assert report["error"].startswith("training diverged")


@pytest.mark.parametrize("sig,code,name", [(signal.SIGINT, 130, "SIGINT"),
                                           (signal.SIGTERM, 143, "SIGTERM")])
def test_signal_writes_a_checkpoint_and_says_how_to_resume(tmp_path, sig, code, name):
    corpus = tmp_path / "big.txt"
    synthetic.write(str(corpus), sentences=30000)
    out, ck = tmp_path / "v.bin", tmp_path / "ck"
    proc = subprocess.Popen([sys.executable, "-m", "w2vns", "train", str(corpus), "-o", str(out),
                             "--epochs", "1000", "--threads", "1", "--checkpoint-dir",
                             str(ck), "--report", str(tmp_path / "r.json")],
                            stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if line.startswith("encoded"):
            break
    time.sleep(1.0)
    started = time.monotonic()
    proc.send_signal(sig)
    rest = proc.stderr.read()
    assert proc.wait(timeout=30) == code
    assert time.monotonic() - started < 5  # stops within a few seconds
    assert rest.splitlines()[-1] == (f"Error: interrupted ({name}); checkpoint saved in '{ck}'. "
                                     f"Resume with: w2vns train --resume {ck}")
    assert not out.exists()
    assert len(ckpt.list_checkpoints(str(ck))) == 1
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["status"] == "interrupted" and report["exit_code"] == code
    loaded = ckpt.load_latest(str(ck), warn=print)
    assert np.isfinite(loaded.model.syn0).all() and loaded.position.done > 0


def test_resume_rewrites_the_report_of_the_run_it_completes(tmp_path):
    corpus = tmp_path / "big.txt"
    synthetic.write(str(corpus), sentences=30000)
    out, ck, rep = tmp_path / "v.bin", tmp_path / "ck", tmp_path / "r.json"
    first = subprocess.Popen([sys.executable, "-m", "w2vns", "train", str(corpus), "-o", str(out),
                              "--epochs", "4", "--threads", "1", "--checkpoint-dir", str(ck),
                              "--report", str(rep), "--sample", "1e-3"],
                             stderr=subprocess.PIPE, text=True)
    for line in first.stderr:
        if line.startswith("encoded"):
            corpus_words = int(line.split()[1].replace(",", ""))
            break
    time.sleep(0.5)
    first.send_signal(signal.SIGINT)
    first.stderr.read()
    assert first.wait(timeout=30) == 130
    assert json.loads(rep.read_text())["status"] == "interrupted"
    done_before = ckpt.load_latest(str(ck), warn=print).position.done
    second = subprocess.run([sys.executable, "-m", "w2vns", "train", "--resume", str(ck)],
                            capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    report = json.loads(rep.read_text())
    assert report["status"] == "ok" and report["exit_code"] == 0 and report["error"] is None
    assert report["epochs_done"] == 4 and len(report["epoch_loss"]) == 4
    assert report["outputs"][0]["path"] == str(out)
    # the summary counts this run's words, before and after subsampling, alike
    summary = second.stderr.splitlines()[-1]
    trained, kept = (int(n.replace(",", "")) for n in
                     re.match(r"trained ([\d,]+) words \(([\d,]+) after subsampling\)",
                              summary).groups())
    assert trained == report["words_trained"] and 0 < kept < trained
    assert done_before + trained == 4 * corpus_words  # the rest of the run, no more


def test_resumed_multithreaded_run_passes_the_learning_bar(corpus, tmp_path):
    """More threads are not deterministic; the resumed run must still learn as well."""
    from test_learning import NEIGHBOUR_BAR, analogy_score, neighbour_score, ANALOGY_BAR
    from w2vns.vectors.embeddings import load

    cfg = settings(threads=2, epochs=10, seed=5)
    ck, out = tmp_path / "ck", tmp_path / "v.bin"
    with pytest.raises(Interrupted):
        train_to_files(Run([corpus], cfg, str(out), checkpoint_dir=str(ck), stop=StopAfter(40),
                           **QUIET))
    saved = ckpt.load_latest(str(ck), warn=print)
    assert saved.position.epoch >= 1  # interrupted well inside the run
    train_to_files(Run([corpus], cfg, str(out), resume_from=saved, **QUIET))
    kv = load(str(out))
    assert neighbour_score(kv) >= NEIGHBOUR_BAR
    assert analogy_score(kv) >= ANALOGY_BAR
