"""Progress: a bar on a terminal, log lines otherwise (cron), a log file either way."""

import io

from w2vns.training.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_log_lines_when_not_a_terminal():
    stream, logged = io.StringIO(), []
    progress = Progress(1000, 2, stream=stream, log_every=0, log_file=logged.append)
    progress.update(500, 1, 0.02, 0.5)
    progress.close()
    line = stream.getvalue().strip()
    assert line.startswith("epoch 1/2  25.0%") and "alpha 0.02000 loss 0.5000" in line
    assert "words/s" in line and "eta" in line
    assert logged == [line]


def test_a_bar_on_a_terminal_and_quiet_turns_it_off():
    stream = Terminal()
    progress = Progress(1000, 2, stream=stream, log_every=1e9)
    progress.update(500, 1, 0.02, 0.5)
    progress.close()
    assert "epoch 1/2" in stream.getvalue() and "loss 0.5000" in stream.getvalue()
    assert "\r" in stream.getvalue()  # redrawn in place
    quiet, lines = Terminal(), []
    progress = Progress(1000, 2, stream=quiet, quiet=True, log_every=0, log_file=lines.append)
    progress.update(500, 1, 0.02, 0.5)
    assert quiet.getvalue() == ""  # quiet: nothing on the stream, not even on a terminal
    assert lines and lines[0].startswith("epoch 1/2")  # the log file still gets the lines


def test_more_epochs_than_planned_extend_the_total():
    stream = io.StringIO()
    progress = Progress(1000, 2, stream=stream, log_every=0)
    progress.update(2000, 2, 0.02, 0.5)
    progress.update(500, 3, 0.01, 0.5)  # a time budget's forecast was short by one epoch
    progress.close()
    last = stream.getvalue().strip().splitlines()[-1]
    assert last.startswith("epoch 3/3  83.3%")
