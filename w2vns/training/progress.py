"""Progress reporting: a tqdm bar on a terminal, periodic log lines otherwise."""

import resource
import sys
import time

LOG_EVERY_SECONDS = 5.0
KIB = 1024
PROC_STATUS = "/proc/self/status"
PEAK_FIELD = "VmHWM:"  # peak resident set size, in kB
MEMINFO = "/proc/meminfo"
AVAILABLE_FIELD = "MemAvailable:"  # in kB


def peak_rss_bytes():
    """Peak resident memory of this process: the high-water mark in /proc where there is one
    (getrusage's maximum survives exec, so a process started by a big one would report its
    parent's size), getrusage's otherwise."""
    try:
        with open(PROC_STATUS) as handle:
            for line in handle:
                if line.startswith(PEAK_FIELD):
                    return int(line.split()[1]) * KIB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * KIB


def available_memory_bytes():
    """Memory the kernel says can be allocated without swapping (Linux), else None."""
    try:
        with open(MEMINFO) as handle:
            for line in handle:
                if line.startswith(AVAILABLE_FIELD):
                    return int(line.split()[1]) * KIB
    except (OSError, ValueError, IndexError):
        pass
    return None


def human_bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < KIB or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= KIB
    return f"{n:.1f} TB"


class Discard:
    """A text stream that drops what is written (the progress of a process that does not
    show it)."""

    def write(self, text):
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


class Progress:
    """Receives training updates; shows a bar or logs a line every few seconds.

    ``bar``: True for a tqdm bar, False for log lines, None to pick by whether the
    stream is a terminal (cron and pipelines get the lines). ``quiet``: nothing on the
    stream; the lines still go to ``log_file``. ``stream`` defaults to stderr.
    """

    def __init__(self, total_words, epochs, quiet=False, bar=None, stream=None,
                 log_every=LOG_EVERY_SECONDS, log_file=None, done=0):
        self.stream = stream if stream is not None else sys.stderr
        self.total = total_words * epochs
        self.epochs = epochs
        self.epoch_words = total_words
        self.log_every = log_every
        use_bar = bar if bar is not None else _is_terminal(self.stream)
        self.bar = None
        if use_bar and not quiet:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, unit="w", unit_scale=True, file=self.stream,
                            dynamic_ncols=True, smoothing=0.1)
            self.bar.update(done)
        self.quiet = quiet
        self.log_file = log_file
        self.start = time.perf_counter()
        self.last_log = self.start
        self.first = done
        self.done = done

    def update(self, words, epoch, alpha, loss):
        self.done += words
        if epoch > self.epochs:  # more epochs than planned (a time budget's forecast)
            self.epochs, self.total = epoch, self.epoch_words * epoch
            if self.bar is not None:
                self.bar.total = self.total
        now = time.perf_counter()
        if self.bar is not None:
            self.bar.set_description(f"epoch {epoch}/{self.epochs}", refresh=False)
            self.bar.set_postfix_str(f"alpha {alpha:.5f} loss {loss:.4f}", refresh=False)
            self.bar.update(words)
        if now - self.last_log >= self.log_every:
            self.last_log = now
            line = self.line(epoch, alpha, loss, now)
            if self.bar is None and not self.quiet:
                print(line, file=self.stream, flush=True)
            if self.log_file is not None:
                self.log_file(line)

    def line(self, epoch, alpha, loss, now):
        elapsed = now - self.start
        rate = (self.done - self.first) / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        percent = 100.0 * self.done / self.total if self.total else 100.0
        return (f"epoch {epoch}/{self.epochs} {percent:5.1f}% {rate / 1e3:,.0f}k words/s "
                f"alpha {alpha:.5f} loss {loss:.4f} eta {left:,.0f}s")

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def run_progress(run, corpus_words, epochs, done):
    """The Progress of a run (a run.Run) over ``epochs`` epochs of ``corpus_words``, from
    ``done`` words; under mpiexec, shown by the first process alone."""
    cluster = run.cluster
    silent = cluster is not None and not cluster.is_root
    return Progress(corpus_words, epochs, quiet=run.quiet or silent,
                    bar=run.bar and not silent, log_file=run.log_file, done=done,
                    stream=Discard() if silent else None)
