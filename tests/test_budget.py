"""Training to a deadline (--time-budget): durations, the time schedule on a fake clock,
budgeted runs through the command line and the API, checkpoints and resumption."""

import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner

import w2vns
from stopping import StopAfter
from w2vns.cli.main import cli
from w2vns.errors import Interrupted, OptionError, UsageError
from w2vns.io import w2vformat
from w2vns.training import budget, config
from w2vns.training import checkpoint as ckpt
from w2vns.training.config import learning_rate
from w2vns.training.counters import Counts
from w2vns.training.outputs import train_to_files
from w2vns.training.run import Run
from w2vns.training.schedule import LAST_BATCH_SLACK, TimeSchedule, WordSchedule

CORPUS_SENTENCES = 20000  # sentences of the shared corpus fixture (conftest.py)
QUIET = dict(log=lambda _: None, bar=False)
SMALL_BATCHES = ["--batch-words", "5000"]  # several batches an epoch: a fine deadline


def wall_limit(budget_seconds):
    """How long a budgeted run may take on a slow, shared machine."""
    return budget_seconds * 1.5 + 2.0


BAD_DURATION = ("Error: --time-budget must be a positive duration such as 90s, 45m, 2h or "
                "1h30m, or a number of seconds, got '{0}'.")


# ----------------------------------------------------------------------------- durations


@pytest.mark.parametrize("text,seconds", [
    ("90", 90.0), ("90s", 90.0), ("45m", 2700.0), ("2h", 7200.0), ("1h30m", 5400.0),
    ("1h30m15s", 5415.0), ("2.5h", 9000.0), ("0.5s", 0.5), (" 45m ", 2700.0), (30, 30.0),
    (2.5, 2.5)])
def test_durations_in_every_spelling(text, seconds):
    assert budget.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["5x", "0", "0s", "-3", "1h30", "m", "", "45 m", "inf", "nan",
                                  "1e3m", "2d", "30m1h"])
def test_a_bad_duration_is_one_error_line(text, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n" * 10)
    out = tmp_path / "v.bin"
    out.write_bytes(b"older vectors")
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    result = CliRunner().invoke(cli, ["train", str(corpus), "-o", str(out), "--time-budget",
                                      text])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [BAD_DURATION.format(text)]
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.parametrize("value", [0, -1.0, float("nan"), True, "soon"])
def test_the_api_names_the_keyword(value, corpus):
    with pytest.raises(OptionError) as error:
        w2vns.train(corpus, time_budget=value)
    assert str(error.value) == ("time_budget must be a positive duration such as 90s, 45m, "
                                f"2h or 1h30m, or a number of seconds, got '{value}'.")


def test_a_config_file_takes_a_duration_and_epochs_become_a_cap(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('time-budget = "1h30m"\n')
    assert (config.build(str(path)).time_budget, config.build(str(path)).epochs) == (5400.0, None)
    assert config.build(str(path), epochs=3).epochs == 3
    assert config.build(None).epochs == config.DEFAULT_EPOCHS  # no budget: the default


@pytest.mark.parametrize("seconds,text", [(2.5, "2.5s"), (130, "2m10s"), (2700, "45m"),
                                          (5400, "1h30m"), (7205, "2h0m05s")])
def test_durations_as_the_logs_show_them(seconds, text):
    assert budget.format_duration(seconds) == text


# ----------------------------------------------------------------------------- schedules


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def settings(**extra):
    return config.build(None, **{"threads": 1, "seed": 3, **extra})


def plan(deadline, speed, **extra):
    return budget.Plan(seconds=deadline, started=0.0, deadline=deadline, reserve=0.0,
                       words_per_second=speed, **extra)


def drive(schedule, clock, batch_words, epoch_words, seconds_of):
    """Run ``schedule`` as the epoch loop does, batch by batch, ``seconds_of(n)`` seconds
    for the n-th batch; returns [(start time, a0, a1)] and the final position."""
    position, rates, n = ckpt.Position(), [], 0
    schedule.start()
    while not schedule.finished(position):
        a0, a1 = schedule.rates(position.done, batch_words)
        rates.append((clock.now, a0, a1))
        seconds = seconds_of(n)
        clock.now += seconds
        schedule.record(batch_words, seconds)
        position.advance(Counts(words=batch_words), position.offset + batch_words)
        if position.offset >= epoch_words:
            position.end_epoch()
        n += 1
    return rates, position


def test_the_rate_follows_the_time_and_ends_at_min_alpha_at_the_deadline():
    cfg, clock = settings(time_budget=10.3), FakeClock()
    schedule = TimeSchedule(cfg, 1000, plan(10.3, 100.0), clock=clock)
    rates, position = drive(schedule, clock, 100, 1000, lambda n: 1.0)
    assert abs(clock.now - 10.3) <= LAST_BATCH_SLACK * 1.0  # within half a batch
    for start, a0, _ in rates:
        assert a0 == pytest.approx(learning_rate(start / 10.3, cfg.alpha, cfg.min_alpha))
    assert rates[-1][2] == cfg.min_alpha and schedule.out_of_time
    ends = [a1 for _, _, a1 in rates]
    assert ends == sorted(ends, reverse=True)
    assert position.epoch == 1 and position.offset == 0  # 10 batches: one whole epoch


def test_a_machine_slower_than_calibrated_still_stops_at_the_deadline():
    cfg, clock = settings(time_budget=20), FakeClock()
    schedule = TimeSchedule(cfg, 1000, plan(20.0, 400.0), clock=clock)  # 4x too fast
    slow = lambda n: 7.0 if n == 5 else 1.0  # and one batch much slower still
    rates, position = drive(schedule, clock, 100, 1000, slow)
    assert rates[-1][2] == cfg.min_alpha
    assert clock.now <= 20.0 + LAST_BATCH_SLACK * 1.0
    assert 0 < position.done < 20 * 100  # partial: the deadline came first


def test_epochs_given_with_a_budget_end_the_run_first():
    cfg, clock = settings(time_budget=100, epochs=2), FakeClock()
    schedule = TimeSchedule(cfg, 1000, plan(100.0, 250.0, max_epochs=2), clock=clock)
    rates, position = drive(schedule, clock, 250, 1000, lambda n: 1.0)
    assert position.epoch == 2 and len(rates) == 8 and clock.now == 8.0
    assert not schedule.out_of_time
    assert rates[-1][2] == pytest.approx(cfg.min_alpha)  # by the words of 2 epochs


def test_a_resumed_schedule_starts_where_its_checkpoint_stood():
    cfg, clock = settings(time_budget=10), FakeClock()
    clock.now = 50.0
    schedule = TimeSchedule(cfg, 1000, plan(60.0, 100.0, progress=0.5), clock=clock)
    rates, _ = drive(schedule, clock, 100, 1000, lambda n: 1.0)
    assert rates[0][1] == pytest.approx(learning_rate(0.5, cfg.alpha, cfg.min_alpha))
    assert rates[-1][2] == cfg.min_alpha and clock.now == 60.0


def test_no_time_left_trains_one_batch_to_min_alpha():
    cfg, clock = settings(time_budget=1), FakeClock()
    clock.now = 5.0  # past the deadline already
    schedule = TimeSchedule(cfg, 1000, plan(1.0, None), clock=clock)
    rates, position = drive(schedule, clock, 100, 1000, lambda n: 1.0)
    assert len(rates) == 1 and rates[0][2] == cfg.min_alpha and position.done == 100


def test_the_word_schedule_is_word2vecs():
    cfg = settings(epochs=3)
    schedule = WordSchedule(cfg, 1000)
    for done in (0, 700, 2999):
        assert schedule.rates(done, 300) == (
            learning_rate(done / 3000, cfg.alpha, cfg.min_alpha),
            learning_rate((done + 300) / 3000, cfg.alpha, cfg.min_alpha))
    assert not schedule.finished(ckpt.Position(epoch=2))
    assert schedule.finished(ckpt.Position(epoch=3))


# ----------------------------------------------------------------------------- whole runs


@pytest.fixture(scope="module")
def warm(corpus):
    """The kernels loaded in this process (as in any but the first run of a program), so
    that a short budget measures training rather than loading."""
    w2vns.train(corpus, epochs=1, threads=1, quiet=True)


def test_a_short_budget_ends_on_time_with_valid_vectors(corpus, tmp_path):
    out, report = tmp_path / "v.txt", tmp_path / "run.json"
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "w2vns", "train", corpus, "-o", str(out),
                           "--time-budget", "8s", "--threads", "2", "--report", str(report),
                           *SMALL_BATCHES], capture_output=True, text=True)
    wall = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    assert wall <= wall_limit(8.0)
    words, vectors = w2vformat.read(str(out))
    assert vectors.shape == (len(words), 100) and np.isfinite(vectors).all()
    assert re.search(r"^time budget 8\.0s: .* used before training .* planned", proc.stderr,
                     re.M)
    assert re.search(r"^time budget: stopped at the deadline after", proc.stderr, re.M)
    recorded = json.loads(report.read_text())["time_budget"]
    assert recorded["seconds"] == 8.0 and recorded["stopped"] == "deadline"
    assert recorded["planned_epochs"] >= 1 and recorded["epochs_trained"] > 0
    assert recorded["epochs_done"] == int(recorded["epochs_trained"])


class Recorder:
    def __init__(self):
        self.batches, self.epochs = [], []

    def on_batch(self, status):
        self.batches.append(status)

    def on_epoch_end(self, status):
        self.epochs.append(status)


def test_the_api_keyword_trains_to_the_deadline(corpus, warm):
    recorder = Recorder()
    started = time.perf_counter()
    kv = w2vns.train(corpus, time_budget="4s", threads=1, batch_words=5000, quiet=True,
                     callbacks=[recorder])
    assert time.perf_counter() - started <= wall_limit(4.0)
    assert len(kv) > 0 and np.isfinite(kv.vectors).all()
    cfg = settings()
    assert recorder.batches[-1].alpha == pytest.approx(cfg.min_alpha)
    assert recorder.batches[0].alpha > recorder.batches[-1].alpha


def test_epochs_with_a_generous_budget_stop_after_those_epochs(corpus, warm):
    recorder = Recorder()
    started = time.perf_counter()
    w2vns.train(corpus, time_budget="10m", epochs=2, threads=1, quiet=True,
                callbacks=[recorder])
    assert time.perf_counter() - started < 60  # not the ten minutes
    assert [s.epoch for s in recorder.epochs] == [1, 2]
    assert all(s.epochs == 2 for s in recorder.epochs)
    assert recorder.epochs[-1].alpha == pytest.approx(settings().min_alpha)


def test_a_resumed_budgeted_run_continues_with_the_time_left(corpus, tmp_path, warm):
    cfg = settings(time_budget=8, batch_words=5000)
    out, ck = tmp_path / "v.bin", tmp_path / "ck"
    with pytest.raises(Interrupted):
        train_to_files(Run([corpus], cfg, str(out), checkpoint_dir=str(ck), stop=StopAfter(4),
                           **QUIET))
    saved = ckpt.load_latest(str(ck), warn=print)
    record = saved.meta["budget"]
    assert record["seconds"] == 8.0 and 0 < record["used"] < 8.0
    assert 0 < record["progress"] < 1
    epochs_before = saved.position.done / saved.meta["cache"]["words"]  # resuming moves it
    started = time.perf_counter()
    resumed = train_to_files(Run([corpus], cfg, str(out), resume_from=saved, **QUIET))
    assert time.perf_counter() - started <= wall_limit(8.0 - record["used"])
    outcome = resumed.summary.budget
    assert outcome["stopped"] == "deadline"
    assert outcome["epochs_trained"] > epochs_before
    assert w2vformat.read(str(out))[1].shape[1] == cfg.dim and os.listdir(ck) == []


def test_resuming_with_another_budget_needs_force(corpus, tmp_path):
    cfg = settings(time_budget=60, batch_words=5000)
    ck = tmp_path / "ck"
    with pytest.raises(Interrupted):
        train_to_files(Run([corpus], cfg, str(tmp_path / "v.bin"), checkpoint_dir=str(ck),
                           stop=StopAfter(1), **QUIET))
    before = {name: (ck / name).read_bytes() for name in os.listdir(ck)}
    result = CliRunner().invoke(cli, ["train", "--resume", str(ck), "--time-budget", "10m"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: cannot resume from '{ck}': --time-budget is 600.0 but the checkpoint has "
        "60.0. Use --force to resume anyway.")
    assert {name: (ck / name).read_bytes() for name in os.listdir(ck)} == before


def test_mpiexec_runs_are_refused():
    with pytest.raises(UsageError) as error:
        budget.check(settings(time_budget=60), cluster=object())
    assert str(error.value) == ("--time-budget cannot be used under mpiexec: each process "
                                "would keep its own clock. Give --epochs instead.")
    budget.check(settings(), cluster=object())  # without a budget: nothing to refuse


def test_estimate_refuses_a_budget_from_the_config(corpus, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('time-budget = "1h"\n')
    result = CliRunner().invoke(cli, ["estimate", corpus, "--config", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: estimate plans a run of --epochs passes, not a time budget: remove "
        "time-budget from the config (a budgeted train logs its plan as it starts)."]
