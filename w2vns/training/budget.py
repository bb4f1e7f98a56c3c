"""Training to a deadline (``--time-budget``): durations as the option takes them, the plan
a run makes once its corpus is read, what a checkpoint records of it and what the run
reports at the end.

The budget counts from the start of the command (of the call, in the Python API):
loading the kernels, reading the corpus, calibrating, training and writing the outputs
all fit in it. Once the corpus is read, the plan

* keeps time for writing the outputs: a sample of rows of each output written and timed
  (as ``estimate`` does), times RESERVE_FACTOR, plus FINISH_SECONDS;
* calibrates the training speed with ``estimate``'s calibration on the first sentences of
  the corpus, for CALIBRATION_SHARE of the time left at most;
* sets the deadline of training: the budget's end less the time kept for the outputs.

Training then goes epoch after epoch with the learning rate decaying linearly with the
time left (``schedule.TimeSchedule``), and stops after the batch that reaches the
deadline, with the rate at --min-alpha: the last epoch is usually partial. The
calibration only forecasts how many epochs that makes. With --epochs as well, training
also stops after that many epochs if they come first (the rate then follows whichever of
the time and the words is further).

This module imports neither NumPy nor Numba at the top: the configuration checks
durations with it.
"""

import dataclasses
import math
import os
import re
import time
from dataclasses import dataclass
from typing import Optional

from ..errors import OptionError, UsageError

SECONDS_PER = {"h": 3600.0, "m": 60.0, "s": 1.0}
_NUMBER = r"(\d+(?:\.\d+)?)"
DURATION = re.compile(rf"(?:{_NUMBER}h)?(?:{_NUMBER}m)?(?:{_NUMBER}s)?")
RESERVE_FACTOR = 2.0  # the outputs' measured writing time, doubled (checksums, noise)
FINISH_SECONDS = 0.5  # copying the model back, removing checkpoints, the report, exiting
CALIBRATION_SHARE = 0.02  # of the time left for training, at most estimate's default
MINUTE, HOUR = 60, 3600
MODEL_FILE_MATRICES = 2  # --save-model writes both matrices (three with --hs)
PROC_STAT, PROC_UPTIME = "/proc/self/stat", "/proc/uptime"
STARTTIME_FIELD = 19  # of /proc/self/stat after the command name: field 22, starttime
MAX_STARTUP_SECONDS = 60.0


def parse_duration(value):
    """Seconds from ``value``: a number of seconds, or text such as "90", "90s", "45m",
    "2h", "1h30m" or "2.5h". Anything else, or a duration of 0, is a usage error naming
    the option (--time-budget; time_budget= in the Python API)."""
    seconds = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        match = DURATION.fullmatch(text)
        if match and any(match.groups()):
            seconds = sum(float(n) * SECONDS_PER[unit]
                          for n, unit in zip(match.groups(), "hms") if n is not None)
        elif re.fullmatch(_NUMBER, text):
            seconds = float(text)
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        raise OptionError("{time_budget} must be a positive duration such as 90s, 45m, 2h or "
                          "1h30m, or a number of seconds, got '{0}'.", value)
    return seconds


def format_duration(seconds):
    """``seconds`` as the logs show it: 2.5s, 2m10s, 45m, 1h30m."""
    if seconds < MINUTE:
        return f"{seconds:.1f}s"
    hours, rest = divmod(int(round(seconds)), HOUR)
    minutes, secs = divmod(rest, MINUTE)
    text = f"{hours}h" if hours else ""
    if minutes or (hours and secs):
        text += f"{minutes}m"
    return text + (f"{secs:02d}s" if secs and text else f"{secs}s" if secs else "")


def process_age():
    """Seconds since this process started (Linux: from /proc), 0.0 where that is unknown
    or implausible (more than MAX_STARTUP_SECONDS: a clock that does not compare)."""
    try:
        with open(PROC_STAT) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        with open(PROC_UPTIME) as handle:
            uptime = float(handle.read().split()[0])
        age = uptime - int(fields[STARTTIME_FIELD]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0
    return age if 0.0 <= age <= MAX_STARTUP_SECONDS else 0.0


def check(config, cluster):
    """A budget cannot be shared by the processes of an mpiexec run: refused."""
    if config.time_budget is not None and cluster is not None:
        raise UsageError("--time-budget cannot be used under mpiexec: each process would "
                         "keep its own clock. Give --epochs instead.")


@dataclass
class Plan:
    """A budgeted run's plan; times are time.perf_counter() values."""

    seconds: float  # the budget
    started: float  # its start (a resumed run's: less the time used before the checkpoint)
    deadline: float  # the end of training: the budget's end less ``reserve``
    reserve: float  # seconds kept for writing the outputs
    words_per_second: Optional[float]  # the calibrated speed (None: no time to calibrate)
    progress: float = 0.0  # of the schedule when training starts (a resumed run's)
    max_epochs: Optional[int] = None  # --epochs, given with the budget
    planned_epochs: int = 1  # the epochs the forecast expects to start (the last partial)
    before: float = 0.0  # seconds used when the plan was made

    def record(self, progress, speed, now):
        """What a checkpoint records (``progress``: the schedule's; ``speed``: the last
        batch's corpus words per second), for a resumed run to continue."""
        return dict(seconds=self.seconds, used=now - self.started, progress=progress,
                    reserve=self.reserve, words_per_second=speed,
                    planned_epochs=self.planned_epochs)


def plan(run, cache, vocab, workdir):
    """The plan of a fresh budgeted run (``run.config.time_budget`` seconds from
    ``run.started``) whose corpus is read: ``cache`` (an idcache.IdCache) and ``vocab``.
    Logs it."""
    config = run.config
    reserve = output_reserve(run, len(vocab), workdir)
    deadline = run.started + config.time_budget - reserve
    speed = _calibrated_speed(config, cache, vocab, deadline, workdir)
    now = time.perf_counter()
    made = Plan(config.time_budget, run.started, deadline, reserve, speed,
                max_epochs=config.epochs, before=now - run.started)
    made.planned_epochs = _planned_epochs(made, now, cache.words, 0)
    for line in _describe(made, now, cache.words):
        run.log(line)
    return made


def resumed(run, record, epoch_words, done):
    """The plan of a resumed budgeted run from its checkpoint's ``record`` (see
    ``Plan.record``): it continues with the time the budget had left; ``done``: corpus
    words trained before. Logs it."""
    config, record = run.config, record or {}
    used = record.get("used", 0.0)
    started = run.started - used
    reserve = record.get("reserve", FINISH_SECONDS)
    now = time.perf_counter()
    made = Plan(config.time_budget, started, started + config.time_budget - reserve, reserve,
                record.get("words_per_second"), progress=record.get("progress", 0.0),
                max_epochs=config.epochs, before=now - started)
    made.planned_epochs = _planned_epochs(made, now, epoch_words, done)
    left = made.deadline - now
    run.log(f"time budget {format_duration(made.seconds)}: {format_duration(used)} used "
            f"before the checkpoint, {format_duration(max(left, 0.0))} left to train")
    if left <= 0:
        run.log(_spent(made))
    return made


def output_reserve(run, vocab_size, workdir):
    """Seconds kept at the end of the budget for writing ``run``'s outputs: each one's
    sample written and timed (estimate.write_seconds), times RESERVE_FACTOR, plus
    FINISH_SECONDS."""
    from ..io import w2vformat
    from .estimate import write_seconds

    config, seconds = run.config, 0.0
    for path in (run.output, run.save_context):
        if path:
            binary = w2vformat.is_binary(path, config.format)
            shaped = dataclasses.replace(config, format="binary" if binary else "text")
            seconds += write_seconds(vocab_size, shaped, workdir, _sample_name(path))
    if run.save_model:
        matrices = MODEL_FILE_MATRICES + (1 if config.hs else 0)
        shaped = dataclasses.replace(config, format="binary")
        seconds += matrices * write_seconds(vocab_size, shaped, workdir)
    return seconds * RESERVE_FACTOR + FINISH_SECONDS


def _sample_name(path):
    """The writing sample's name: compressed as ``path`` is."""
    from ..io.atomic import COMPRESSED_SUFFIXES
    from .estimate import WRITE_SAMPLE_NAME

    for suffix in COMPRESSED_SUFFIXES:
        if path.endswith(suffix):
            return WRITE_SAMPLE_NAME + suffix
    return WRITE_SAMPLE_NAME


def _calibrated_speed(config, cache, vocab, deadline, workdir):
    """Corpus words per second training ``config`` on ``cache``, by estimate's warm-up and
    calibration; None when no time is left for it."""
    left = deadline - time.perf_counter()
    if left <= 0:
        return None
    from .estimate import DEFAULT_CALIBRATION_SECONDS, calibrate, warm_up

    plain = dataclasses.replace(config, time_budget=None)
    warm_up(plain, workdir)
    seconds = min(DEFAULT_CALIBRATION_SECONDS, CALIBRATION_SHARE * left)
    return calibrate(cache, vocab, plain, seconds)["words_per_second"]


def _fit(made, now, epoch_words):
    """Epochs the time left fits at the calibrated speed (0 when unknown)."""
    if not made.words_per_second:
        return 0.0
    return max(made.deadline - now, 0.0) * made.words_per_second / max(epoch_words, 1)


def _planned_epochs(made, now, epoch_words, done):
    """The epochs expected to start: those done and those that fit, at least 1; at most
    --epochs."""
    whole = done / max(epoch_words, 1) + _fit(made, now, epoch_words)
    planned = max(1, math.ceil(whole - 1e-9))
    return min(planned, made.max_epochs) if made.max_epochs else planned


def _describe(made, now, epoch_words):
    """The plan's log lines."""
    show = format_duration
    left = made.deadline - now
    if left <= 0:
        return [_spent(made)]
    fit = _fit(made, now, epoch_words)
    lines = [f"time budget {show(made.seconds)}: {show(made.before)} used before training "
             f"(reading, calibration), {show(made.reserve)} kept for the outputs, "
             f"{show(left)} to train at about {made.words_per_second / 1e3:,.0f}k words/s: "
             f"{fit:.1f} epochs of {epoch_words:,} words fit"]
    if made.max_epochs and made.max_epochs <= fit:
        lines[0] += (f"; --epochs {made.max_epochs} ends training earlier, after about "
                     f"{show(made.max_epochs * epoch_words / made.words_per_second)}")
    else:
        lines[0] += (f", so {made.planned_epochs} planned (the last one partial): the learning "
                     "rate decays with the time to reach --min-alpha at the deadline")
    if fit < 1:
        lines.append(f"warning: time budget {show(made.seconds)} fits about {fit:.2f} of an "
                     "epoch: training stops at the deadline with part of the corpus unseen. "
                     "Give a larger --time-budget to train on all of it.")
    return lines


def _spent(made):
    return (f"warning: time budget {format_duration(made.seconds)} is spent before training "
            f"({format_duration(made.before)} used, {format_duration(made.reserve)} kept for "
            "the outputs): training one batch only. Give a larger --time-budget.")


def outcome(made, position, epoch_words, out_of_time, now):
    """What the report records of a budgeted run at the end of training (a dict), and the
    log line saying how it ended."""
    trained = position.done / max(epoch_words, 1)
    whole = position.epoch
    stopped = "deadline" if out_of_time else "epochs"
    record = dict(seconds=made.seconds, before_training=round(made.before, 3),
                  reserved_for_outputs=round(made.reserve, 3),
                  words_per_second=made.words_per_second, planned_epochs=made.planned_epochs,
                  max_epochs=made.max_epochs, epochs_done=whole,
                  epochs_trained=round(trained, 4), stopped=stopped,
                  seconds_at_end_of_training=round(now - made.started, 3))
    whole_text = f"{whole} whole epoch" + ("" if whole == 1 else "s") + ", then "
    if not out_of_time:
        line = (f"time budget: --epochs {whole} done "
                f"{format_duration(max(made.deadline - now, 0.0))} before the deadline")
    elif position.offset:
        line = (f"time budget: stopped at the deadline after {trained:.2f} epochs "
                f"({whole_text if whole else ''}part of epoch {whole + 1}), the learning rate "
                "at --min-alpha")
    else:
        line = (f"time budget: stopped at the deadline after {whole} whole epoch"
                f"{'' if whole == 1 else 's'}, the learning rate at --min-alpha")
    return record, line
