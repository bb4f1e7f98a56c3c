"""Data-parallel training under mpiexec (pip install 'w2vns[mpi]'), on one machine.

The runs use two processes of one thread each; they are skipped only where mpiexec or
mpi4py is not installed.
"""

import gzip
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from w2vns.errors import UsageError
from w2vns.io.ranges import ByteRange
from w2vns.training import checkpoint as ckpt
from w2vns.training import distributed, launch
from w2vns.vectors.embeddings import load

from test_learning import ANALOGY_BAR, NEIGHBOUR_BAR, analogy_score, neighbour_score

CORPUS_SENTENCES = 20000  # sentences of the shared corpus fixture (conftest.py)
BIN = Path(sys.executable).parent
MPIEXEC = shutil.which("mpiexec", path=str(BIN)) or shutil.which("mpiexec")
W2VNS = [sys.executable, "-m", "w2vns"]
RUN_LIMIT = 120  # seconds: a hung run fails the test instead of blocking the suite
STOP_LIMIT = 15  # seconds within which a run must end once a process is lost
PEER_TIMEOUT = 3  # --peer-timeout of the fault tests
POLL = 0.05
BEATS_TAKEN = 3  # heartbeat periods for one process to take every beat already sent
MARKER = 0xA5  # a byte no heartbeat sends
MARKER_LIMIT = 10  # seconds to wait for a message that was sent
ABANDON_TIMEOUT = 1  # --peer-timeout of the process that gives up on a collective


def _has_mpi4py():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


needs_mpi = pytest.mark.skipif(MPIEXEC is None or not _has_mpi4py(),
                               reason="mpiexec and mpi4py not installed (pip install "
                                      "'w2vns[mpi]')")


def mpiexec(n, args):
    return [MPIEXEC, "-n", str(n), *args]


def clean_env():
    """The environment without a surrounding launcher's variables."""
    env = {k: v for k, v in os.environ.items()
           if k not in launch.SIZE_VARIABLES + launch.RANK_VARIABLES}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent), env.get("PYTHONPATH", "")])
    return env


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, env=clean_env(), capture_output=True, text=True,
                          timeout=RUN_LIMIT)


def errors(text):
    return [line for line in text.splitlines() if line.startswith("Error:")]


# --- without mpiexec ---------------------------------------------------------------------


def test_no_launcher_means_no_mpi(monkeypatch):
    for name in launch.SIZE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert distributed.connect() is None
    monkeypatch.setenv("PMI_SIZE", "1")  # one process: the ordinary run
    assert distributed.connect() is None


def test_launcher_without_mpi4py_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import fails
    with pytest.raises(UsageError, match=r"launched by mpiexec with 2 processes, but mpi4py "
                                         r"is not installed. Install it with: pip install "
                                         r"'w2vns\[mpi\]'."):
        distributed.connect()


def test_plain_run_does_not_import_mpi(corpus, tmp_path):
    script = textwrap.dedent(f"""
        import sys
        from w2vns.cli.main import main
        try:
            main(["train", {corpus!r}, "-o", {str(tmp_path / 'v.bin')!r}, "--epochs", "1",
                  "--threads", "1", "-q"])
        except SystemExit as done:
            assert done.code == 0, done.code
        assert "mpi4py" not in sys.modules
        print("ok")
    """)
    result = run([sys.executable, "-c", script], tmp_path)
    assert result.stdout.strip() == "ok", result.stderr


# --- shares ------------------------------------------------------------------------------


def test_several_files_are_shared_whole_by_size(tmp_path):
    sizes = {"a": 900, "b": 100, "c": 500, "d": 450}
    paths = []
    for name, size in sizes.items():
        path = tmp_path / name
        path.write_bytes(b"w " * (size // 2))
        paths.append(str(path))
    first, second = (distributed.shares(paths, rank, 2) for rank in (0, 1))
    assert sorted(first + second) == sorted(paths)
    assert first == [paths[0], paths[1]]  # 900 + 100 against 500 + 450
    assert second == [paths[2], paths[3]]


def test_one_plain_file_is_cut_in_byte_ranges(corpus):
    parts = [distributed.shares([corpus], rank, 2) for rank in (0, 1)]
    assert all(len(p) == 1 and isinstance(p[0], ByteRange) for p in parts)
    assert parts[0][0].start == 0 and parts[0][0].end == parts[1][0].start
    assert parts[1][0].end == os.path.getsize(corpus)


def test_a_compressed_single_input_cannot_be_shared(tmp_path):
    path = tmp_path / "c.txt.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("a b c\n")
    with pytest.raises(UsageError, match=r"corpus '.*c.txt.gz' is compressed or remote and "
                                         r"cannot be split between 2 processes: decompress it, "
                                         r"or pass at least 2 files"):
        distributed.shares([str(path)], 0, 2)
    with pytest.raises(UsageError, match=r"stdin \(-\) cannot be shared"):
        distributed.shares(["-"], 0, 2)


# --- under mpiexec -----------------------------------------------------------------------


@needs_mpi
def test_two_processes_learn_as_well_as_one(corpus, tmp_path):
    out = tmp_path / "v.bin"
    report = tmp_path / "run.json"
    result = run(mpiexec(2, [*W2VNS, "train", corpus, "-o", str(out), "--epochs", "10",
                             "--threads", "1", "--seed", "5", "--sync-words", "100000",
                             "--report", str(report)]), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("trained ") == 1  # the first process alone logs
    kv = load(str(out), log=lambda _: None)
    assert neighbour_score(kv) >= NEIGHBOUR_BAR
    assert analogy_score(kv) >= ANALOGY_BAR
    import json

    fields = json.loads(report.read_text())
    assert fields["ranks"] == 2
    assert fields["syncs"] >= 20  # 10 epochs of about 210k words every 100k words
    assert fields["comm_seconds"] > 0
    assert fields["words_trained"] % 10 == 0  # every epoch over the whole corpus


@needs_mpi
def test_every_process_has_the_same_vocabulary(corpus, tmp_path):
    script = textwrap.dedent(f"""
        from w2vns.training import config, distributed
        from w2vns.training.loop import train
        from w2vns.training.run import Run
        cluster = distributed.connect()
        cfg = config.build(None, epochs=1, threads=1)
        train(Run([{corpus!r}], cfg, save_vocab=f"vocab-{{cluster.rank}}.txt", cluster=cluster,
                  log=lambda _: None, bar=False))
        cluster.close(True)
    """)
    result = run(mpiexec(2, [sys.executable, "-c", script]), tmp_path)
    assert result.returncode == 0, result.stderr
    single = run([*W2VNS, "train", corpus, "-o", "v.bin", "--epochs", "1", "--threads", "1",
                  "--save-vocab", "vocab.txt", "-q"], tmp_path)
    assert single.returncode == 0, single.stderr
    first = (tmp_path / "vocab-0.txt").read_bytes()
    assert first == (tmp_path / "vocab-1.txt").read_bytes()
    assert first == (tmp_path / "vocab.txt").read_bytes()  # the same as one process counts


@needs_mpi
def test_allgather_returns_every_value_in_rank_order(tmp_path):
    script = textwrap.dedent("""
        from w2vns.training import distributed
        cluster = distributed.connect()
        mine = [] if cluster.rank == 0 else {f"w{i}": i for i in range(50000)}
        gathered = cluster.allgather(mine)
        assert gathered == [[], {f"w{i}": i for i in range(50000)}], gathered[:1]
        assert cluster.allgather(cluster.rank) == [0, 1]
        cluster.close(True)  # both processes have checked: a failed check ends the run
        if cluster.rank == 0:  # one line: the processes' outputs would interleave
            print("ok", flush=True)
    """)
    result = run(mpiexec(2, [sys.executable, "-c", script]), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok"]


@needs_mpi
def test_a_collective_given_up_on_keeps_its_buffer(tmp_path):
    """A collective abandoned when a peer is lost may still be written by MPI: its array
    stays allocated after the caller has dropped it."""
    script = textwrap.dedent(f"""
        import gc, time, weakref
        import numpy as np
        from w2vns.training import distributed
        cluster = distributed.connect(peer_timeout={ABANDON_TIMEOUT})
        if cluster.rank == 1:
            cluster.stop_heartbeat()  # silent from now on, and never joins the allreduce
            time.sleep({ABANDON_TIMEOUT} * 4)
        else:
            values = np.ones(4)
            alive = weakref.ref(values)
            try:
                cluster.allreduce(values)
            except distributed.PeerLost:
                print("lost", flush=True)
            del values
            gc.collect()
            print("kept" if alive() is not None else "freed", flush=True)
        cluster.close(False)
    """)
    result = run(mpiexec(2, [sys.executable, "-c", script]), tmp_path)
    assert result.stdout.split() == ["lost", "kept"], result.stderr


@needs_mpi
def test_a_message_sent_after_the_heartbeat_ended_is_not_taken_by_it(tmp_path):
    """The heartbeat leaves no receive posted when it ends: a message sent to it later
    waits for a receive of its own instead of being written into the heartbeat's buffer,
    which Python has freed by then (and may have handed to another array)."""
    script = textwrap.dedent(f"""
        import time
        import numpy as np
        from w2vns.training import distributed
        cluster = distributed.connect()
        assert cluster._beat is not None, "no heartbeat"
        comm, tag = cluster._beat_comm, distributed.BEAT_TAG
        if cluster.rank == 1:
            cluster.stop_heartbeat()
        cluster.barrier()
        if cluster.rank == 0:  # takes every beat process 1 sent, then posts one more receive
            time.sleep({BEATS_TAKEN} * distributed.BEAT_SECONDS)
            cluster.stop_heartbeat()
        cluster.barrier()  # both heartbeats have ended
        if cluster.rank == 1:
            comm.Send(np.full(1, {MARKER}, np.uint8), dest=0, tag=tag)
        else:
            got, received = np.zeros(1, np.uint8), False
            deadline = time.monotonic() + {MARKER_LIMIT}
            while not received and time.monotonic() < deadline:
                if comm.Iprobe(source=1, tag=tag):  # judged by receiving, not by got's bytes
                    comm.Recv(got, source=1, tag=tag)
                    received = got[0] == {MARKER}
                time.sleep({POLL})
            print("marker " + ("received" if received else "lost"), flush=True)
        cluster.close(True)
    """)
    result = run(mpiexec(2, [sys.executable, "-c", script]), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "marker received", result.stderr


def _descendants(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _rank_process(launcher, rank):
    """The pid of the given rank among the launcher's descendants."""
    for pid in _descendants(launcher.pid):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"PMI_RANK={rank}".encode() in environ:
            return pid
    return None


def _start_and_wait_for_checkpoint(corpus, tmp_path, extra=()):
    out, ck = tmp_path / "v.bin", tmp_path / "ck"
    launcher = subprocess.Popen(
        mpiexec(2, [*W2VNS, "train", corpus, "-o", str(out), "--epochs", "8", "--threads", "1",
                    "--sync-words", "100000", "--checkpoint-dir", str(ck),
                    "--checkpoint-every", "0.005", "--peer-timeout", str(PEER_TIMEOUT), "-q",
                    *extra]),
        cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    deadline = time.monotonic() + RUN_LIMIT
    while not ckpt.list_checkpoints(str(ck)):
        assert launcher.poll() is None, launcher.communicate()
        assert time.monotonic() < deadline
        time.sleep(POLL)
    victim = _rank_process(launcher, 1)
    assert victim is not None
    return launcher, victim, out, ck


def _ended(launcher, victim, started):
    try:
        _, stderr = launcher.communicate(timeout=STOP_LIMIT)
    finally:
        if launcher.poll() is None:
            launcher.kill()
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return stderr, time.monotonic() - started


@needs_mpi
def test_a_stalled_process_stops_the_run_cleanly(corpus, tmp_path):
    """A process that stops answering: the other one gives up after --peer-timeout with one
    Error line; no output; the checkpoint resumes with the same number of processes."""
    launcher, victim, out, ck = _start_and_wait_for_checkpoint(corpus, tmp_path)
    os.kill(victim, signal.SIGSTOP)
    stderr, seconds = _ended(launcher, victim, time.monotonic())
    assert launcher.returncode != 0
    assert seconds < STOP_LIMIT
    lines = errors(stderr)
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Error: process 1 of 2 stopped answering"), lines
    assert "continue with --resume and the same number of processes" in lines[0]
    assert not out.exists()
    ckpt.load_latest(str(ck), warn=pytest.fail)  # intact: verifies its checksum

    alone = run([*W2VNS, "train", "--resume", str(ck)], tmp_path)
    assert alone.returncode == 2
    assert errors(alone.stderr) == [
        f"Error: the checkpoint in '{ck}' was written by 2 process(es) and this run has 1. "
        f"Resume it with: mpiexec -n 2 w2vns train --resume {ck}"]
    three = run(mpiexec(3, [*W2VNS, "train", "--resume", str(ck)]), tmp_path)
    assert three.returncode != 0
    assert errors(three.stderr) == [
        f"Error: the checkpoint in '{ck}' was written by 2 process(es) and this run has 3. "
        f"Resume it with: mpiexec -n 2 w2vns train --resume {ck}"]

    resumed = run(mpiexec(2, [*W2VNS, "train", "--resume", str(ck)]), tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming from" in resumed.stderr
    kv = load(str(out), log=lambda _: None)
    assert neighbour_score(kv) >= NEIGHBOUR_BAR
    assert not os.listdir(ck)  # checkpoints and every process's id cache removed


@needs_mpi
def test_a_killed_process_stops_the_run_at_once(corpus, tmp_path):
    """mpiexec ends the run when a process is killed: non-zero exit within seconds, no
    output, the last checkpoint intact."""
    launcher, victim, out, ck = _start_and_wait_for_checkpoint(corpus, tmp_path)
    os.kill(victim, signal.SIGKILL)
    _, seconds = _ended(launcher, victim, time.monotonic())
    assert launcher.returncode != 0
    assert seconds < STOP_LIMIT
    assert not out.exists()
    ckpt.load_latest(str(ck), warn=pytest.fail)


@needs_mpi
def test_sigterm_to_one_process_stops_all_after_a_checkpoint(corpus, tmp_path):
    launcher, victim, out, ck = _start_and_wait_for_checkpoint(corpus, tmp_path)
    os.kill(victim, signal.SIGTERM)
    stderr, seconds = _ended(launcher, victim, time.monotonic())
    assert launcher.returncode != 0
    assert seconds < STOP_LIMIT
    assert errors(stderr) == [f"Error: interrupted (SIGTERM); checkpoint saved in '{ck}'. "
                              f"Resume with: mpiexec -n 2 w2vns train --resume {ck}"]
    ckpt.load_latest(str(ck), warn=pytest.fail)
    assert not out.exists()


@needs_mpi
def test_two_processes_train_subword_vectors(corpus, tmp_path):
    """The n-gram rows are combined like the others: misspellings never seen get vectors
    nearest to the words they misspell, from a model both processes trained."""
    from test_subwords import BUCKET, MISSPELT, nearest_known
    from w2vns.io import fasttext

    report = tmp_path / "run.json"
    result = run(mpiexec(2, [*W2VNS, "train", corpus, "-o", "v.vec", "--subwords", "--bucket",
                             str(BUCKET), "--save-fasttext", "m.bin", "--epochs", "3",
                             "--threads", "1", "--min-count", "3", "--sync-words", "100000",
                             "--report", str(report)]), tmp_path)
    assert result.returncode == 0, result.stderr
    import json

    assert json.loads(report.read_text())["syncs"] >= 3
    model = fasttext.read(str(tmp_path / "m.bin"))
    for wrong, right in MISSPELT.items():
        assert wrong not in model.words
        assert nearest_known(model, wrong) == right
