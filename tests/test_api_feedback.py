"""Feedback from ``w2vns.train``: callbacks, per-epoch losses, the ``logging`` module."""

import logging

import pytest

import w2vns
from w2vns.errors import UsageError

CORPUS_SENTENCES = 3000


class Recorder:
    def __init__(self):
        self.batches, self.epochs = [], []

    def on_batch(self, status):
        self.batches.append(status)

    def on_epoch_end(self, status):
        self.epochs.append(status)


def test_callbacks_see_every_epoch_with_its_loss(corpus):
    recorder = Recorder()
    w2vns.train(corpus, threads=1, epochs=3, seed=1, quiet=True, callbacks=[recorder])
    assert [s.epoch for s in recorder.epochs] == [1, 2, 3]
    assert all(s.epochs == 3 for s in recorder.epochs)
    words = [s.words for s in recorder.epochs]
    assert words[0] > 0 and words == [words[0] * k for k in (1, 2, 3)]
    seconds = [s.seconds for s in recorder.epochs]
    assert seconds == sorted(seconds) and seconds[0] > 0
    losses = [s.loss for s in recorder.epochs]
    assert 0 < losses[-1] < losses[0]  # a planted corpus is learnt: the loss falls
    assert recorder.epochs[-1].alpha < recorder.epochs[0].alpha
    assert recorder.batches and recorder.batches[-1].words == words[-1]
    assert {s.epoch for s in recorder.batches} == {1, 2, 3}


def test_the_epoch_losses_match_the_report(corpus, tmp_path):
    recorder = Recorder()
    out = tmp_path / "v.txt"
    w2vns.train(corpus, str(out), threads=1, epochs=2, seed=1, quiet=True,
                callbacks=[recorder])
    import json

    from click.testing import CliRunner

    from w2vns.cli.main import cli

    report = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["train", corpus, "-o", str(tmp_path / "c.txt"),
                                      "--threads", "1", "--epochs", "2", "--seed", "1", "-q",
                                      "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert json.loads(report.read_text())["epoch_loss"] == [s.loss for s in recorder.epochs]


def test_an_object_without_a_callback_method_is_refused(corpus):
    with pytest.raises(UsageError, match="callbacks: 3 has no on_batch or on_epoch_end method"):
        w2vns.train(corpus, callbacks=[3])


def test_the_api_logs_through_logging(corpus, caplog, capsys):
    with caplog.at_level(logging.INFO, logger="w2vns"):
        w2vns.train(corpus, threads=1, epochs=1)
    messages = [r.getMessage() for r in caplog.records if r.name == "w2vns"]
    assert any(m.startswith("vocabulary: ") for m in messages)
    assert capsys.readouterr().err == ""


def test_api_warnings_are_logging_warnings(corpus, caplog):
    from w2vns.training.config import THREADS_PER_CORE_WARNING, available_cores

    threads = THREADS_PER_CORE_WARNING * available_cores() + 1
    with caplog.at_level(logging.INFO, logger="w2vns"):
        w2vns.train(corpus, threads=threads, epochs=1, quiet=True, dim=8)
    records = [r for r in caplog.records if r.name == "w2vns"]
    assert [r.levelno for r in records] == [logging.WARNING]
    assert records[0].getMessage().startswith(f"--threads {threads} is far more than")
