"""Run directories: removed at the end, and those of killed runs removed by the next run,
never those of a run still going."""

import os
import signal
import subprocess
import sys
import time

from w2vns.io import synthetic, workdir

HOLDER = """
import sys, time
from w2vns.io import workdir
with workdir.run_directory(parent=sys.argv[1]) as path:
    open(path + "/ids.bin", "wb").write(b"x" * 4096)
    print(path, flush=True)
    time.sleep(600)
"""
WAIT_SECONDS = 60


def hold(parent):
    """A child process holding a run directory under ``parent``; returns (process, path)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(parent)], stdout=subprocess.PIPE,
                            text=True)
    return proc, proc.stdout.readline().strip()


def test_a_run_directory_is_removed_at_the_end(tmp_path):
    with workdir.run_directory(parent=str(tmp_path)) as path:
        assert os.path.isdir(path) and os.path.basename(path).startswith("w2vns-")
    assert os.listdir(tmp_path) == []


def test_a_killed_runs_directory_is_removed_by_the_next_run_a_live_ones_kept(tmp_path):
    dead, dead_path = hold(tmp_path)
    live, live_path = hold(tmp_path)
    try:
        dead.kill()
        dead.wait()
        assert os.path.isfile(os.path.join(dead_path, "ids.bin"))  # SIGKILL left it behind
        with workdir.run_directory(parent=str(tmp_path)) as mine:
            assert not os.path.exists(dead_path)
            assert os.path.isfile(os.path.join(live_path, "ids.bin"))
            assert workdir.remove_abandoned(str(tmp_path)) == []  # mine and live are alive
            assert os.path.isdir(mine)
    finally:
        live.kill()
        live.wait()
    assert workdir.remove_abandoned(str(tmp_path)) == [live_path]
    assert os.listdir(tmp_path) == []


def test_foreign_directories_are_never_touched(tmp_path):
    foreign = ["w2vns-notmine", "w2vns-123", "other-99999999-abc", "w2vns-99999999-abc.txt"]
    for name in foreign[:3]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "data").write_bytes(b"keep")
    (tmp_path / foreign[3]).write_bytes(b"a file")
    assert workdir.remove_abandoned(str(tmp_path)) == []
    assert sorted(os.listdir(tmp_path)) == sorted(foreign)


def test_an_empty_directory_of_a_run_that_died_before_locking_is_removed(tmp_path):
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(proc.stdout)
    empty = tmp_path / f"w2vns-{dead_pid}-abc123"
    empty.mkdir()
    assert workdir.remove_abandoned(str(tmp_path)) == [str(empty)]


def test_train_killed_with_sigkill_leaves_its_spool_to_the_next_run(tmp_path):
    corpus = tmp_path / "corpus.txt"
    synthetic.write(str(corpus), sentences=20000)
    spools = tmp_path / "tmp"
    spools.mkdir()
    env = dict(os.environ, TMPDIR=str(spools))
    args = [sys.executable, "-m", "w2vns", "train", str(corpus), "--threads", "1", "--quiet",
            "--min-count", "1", "--dim", "16"]
    proc = subprocess.Popen(args + ["-o", str(tmp_path / "a.bin"), "--epochs", "1000"], env=env,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + WAIT_SECONDS
    while not any(f.name.startswith("ids") for d in spools.iterdir() for f in d.iterdir()):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    (left,) = spools.iterdir()
    subprocess.run(args + ["-o", str(tmp_path / "b.bin"), "--epochs", "1"], env=env, check=True,
                   stderr=subprocess.DEVNULL)
    assert not left.exists() and list(spools.iterdir()) == []
