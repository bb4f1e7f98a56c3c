"""The JSON run report for schedulers, written atomically at the end of every run."""

import dataclasses
import hashlib
import json
import os
import time

from ..io.atomic import STDOUT, atomic_output
from ..io.corpus import STDIN, is_url
from .progress import peak_rss_bytes

HASH_BLOCK = 1 << 20
REPORT_VERSION = 1


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(HASH_BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def describe_inputs(sources):
    out = []
    for source in sources:
        local = source != STDIN and not is_url(source) and os.path.isfile(source)
        out.append({"path": source, "size": os.path.getsize(source) if local else None})
    return out


class RunReport:
    """Collects what a run did; ``write`` puts it in a JSON file atomically."""

    def __init__(self, path, argv=None):
        self.path = path
        self.started = time.time()
        self.clock = time.perf_counter()
        self.fields = {"version": REPORT_VERSION, "argv": argv, "status": "running",
                       "exit_code": None, "error": None, "options": None, "corpus": [],
                       "vocab_size": None, "words_trained": 0, "epochs_done": 0,
                       "seconds": None, "words_per_second": None, "peak_rss": None,
                       "epoch_loss": [], "positive_pairs": 0, "logistic_terms": 0,
                       "pool_scores": 0, "noise_seconds": 0.0, "outputs": [],
                       "checkpoint_dir": None, "device": None,
                       "ranks": 1, "syncs": 0, "comm_seconds": 0.0, "time_budget": None,
                       "kernel_seconds": None, "kernel_words_per_second": None}
        self.summary = None

    def attach(self, summary):
        """Follow a run's Summary (run.Summary) as it fills in."""
        self.summary = summary

    def set(self, **fields):
        self.fields.update(fields)

    def add_output(self, path):
        if path and path != STDOUT and os.path.isfile(path):
            self.fields["outputs"].append({"path": path, "size": os.path.getsize(path),
                                           "sha256": sha256_of(path)})

    def finish(self, status, exit_code, error=None):
        seconds = time.perf_counter() - self.clock
        summary = self.summary
        if summary is not None:
            self.set(vocab_size=summary.vocab_size or None, words_trained=summary.words_trained,
                     epochs_done=summary.epochs_done, epoch_loss=list(summary.epoch_loss),
                     positive_pairs=summary.positive_pairs,
                     logistic_terms=summary.logistic_terms, pool_scores=summary.pool_scores,
                     noise_seconds=round(summary.noise_seconds, 3), ranks=summary.ranks,
                     syncs=summary.syncs, comm_seconds=round(summary.comm_seconds, 3),
                     time_budget=summary.budget,
                     kernel_seconds=summary.kernel_seconds,
                     kernel_words_per_second=summary.kernel_words_per_second,
                     words_per_second=summary.words_trained / seconds if seconds > 0 else None)
        self.set(status=status, exit_code=exit_code, error=error, seconds=round(seconds, 3),
                 peak_rss=peak_rss_bytes(), started_at=_iso(self.started),
                 finished_at=_iso(time.time()))

    def write(self):
        with atomic_output(self.path, "w") as handle:
            json.dump(self.fields, handle, indent=2, default=_jsonable)
            handle.write("\n")


def _iso(epoch_seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds))


def _jsonable(value):
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return str(value)
