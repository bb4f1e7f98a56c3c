"""Hostile outputs: no output ever replaces an input or another output, whatever path
reaches it; '-' is stdout; devices, FIFOs and symbolic links are written through, never
replaced. Every refusal is one exact `Error:` line and its exit code, and leaves every
file that was there byte-identical."""

import contextlib
import hashlib
import itertools
import os
import pty
import stat
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import w2vns
from stopping import StopAfter
from w2vns.cli.main import cli
from w2vns.errors import Interrupted, OutputPathError
from w2vns.io import synthetic, w2vformat
from w2vns.training import config
from w2vns.training.outputs import train_to_files
from w2vns.training.run import Run

ROOT = Path(__file__).resolve().parents[1]
RUN_TIMEOUT = 180  # seconds; a hang fails the test
SENTENCES = 300
SEED = "7"
FAST = ["--epochs", "1", "--dim", "8", "--threads", "1", "--min-count", "1", "-q",
        "--seed", SEED]
NULL_DEVICE = (1, 3)  # major and minor of /dev/null
TRAIN_OUTPUTS = ["-o", "--save-context", "--save-vocab", "--save-model", "--report",
                 "--log-file"]
SAME_FILE = ("Error: {out} '{out_path}' and {inp} '{in_path}' are the same file: an output "
             "never replaces an input. Choose another {out} path.")
TWO_OUTPUTS = ("Error: {a} '{a_path}' and {b} '{b_path}' are the same file. Give each output "
               "its own path.")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The corpus and the vectors a plain run writes to regular files (text and binary)."""
    folder = tmp_path_factory.mktemp("reference")
    corpus = folder / "c.txt"
    synthetic.write(str(corpus), sentences=SENTENCES)
    for name in ("v.txt", "v.bin"):
        result = invoke("train", corpus, "-o", folder / name, *FAST)
        assert result.exit_code == 0, result.output
    return {name: (folder / name).read_bytes() for name in ("c.txt", "v.txt", "v.bin")}


@pytest.fixture
def folder(tmp_path, reference, monkeypatch):
    """A working directory holding the corpus c.txt; paths in messages are relative to it."""
    (tmp_path / "c.txt").write_bytes(reference["c.txt"])
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def run_child(folder, *args, **kwargs):
    """w2vns in its own process, in ``folder``; a hang fails the test."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "w2vns", *map(str, args)], cwd=folder,
                          stderr=subprocess.PIPE, env=env, timeout=RUN_TIMEOUT, **kwargs)


def snapshot(folder):
    """Every entry under ``folder``: regular files by content hash, links by target, special
    files by type (and device number); opening nothing that could block."""
    found = {}
    for directory, names, files in os.walk(folder):
        for name in names + files:
            path = os.path.join(directory, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                found[path] = ("link", os.readlink(path))
            elif stat.S_ISREG(mode):
                found[path] = ("file", hashlib.sha256(Path(path).read_bytes()).hexdigest())
            elif stat.S_ISCHR(mode):
                found[path] = ("char device", os.lstat(path).st_rdev)
            else:
                found[path] = (stat.S_IFMT(mode),)
    return found


def refused(folder, args, message, code=2):
    """The command fails with exactly ``message`` and leaves ``folder`` as it was."""
    before = snapshot(folder)
    result = invoke(*args)
    assert (result.exit_code, result.stderr) == (code, message + "\n"), result.output
    assert result.stdout == ""
    assert snapshot(folder) == before


def output_args(option, path):
    """Train arguments writing ``option`` to ``path`` (and -o elsewhere unless it is -o)."""
    base = ["train", "c.txt", *FAST]
    return base + ([] if option == "-o" else ["-o", "v.txt"]) + [option, path]


# ------------------------------------------------------------------ outputs onto inputs


@pytest.mark.parametrize("option", TRAIN_OUTPUTS)
def test_every_train_output_onto_the_corpus_is_refused(folder, option):
    refused(folder, output_args(option, "c.txt"),
            SAME_FILE.format(out=option, out_path="c.txt", inp="corpus", in_path="c.txt"))


@pytest.mark.parametrize("way", ["symlink", "hard link", "another path"])
def test_the_corpus_reached_another_way_is_refused(folder, way):
    if way == "symlink":
        os.symlink("c.txt", folder / "same.txt")
        path = "same.txt"
    elif way == "hard link":
        os.link(folder / "c.txt", folder / "same.txt")
        path = "same.txt"
    else:
        (folder / "sub").mkdir()
        path = os.path.join("sub", "..", ".", "c.txt")
    refused(folder, ["train", "c.txt", "-o", path, *FAST],
            SAME_FILE.format(out="-o", out_path=path, inp="corpus", in_path="c.txt"))


@pytest.mark.parametrize("inp,out,name", [
    ("--read-vocab", "--save-vocab", "vocab.txt"),
    ("--config", "--report", "run.toml"),
    ("--init-from", "-o", "model.txt"),
    ("--read-vocab", "--log-file", "vocab.txt"),
])
def test_other_inputs_are_never_outputs(folder, inp, out, name):
    (folder / name).write_bytes(b"not even valid: nothing is read before the refusal\n")
    refused(folder, output_args(out, name) + [inp, name],
            SAME_FILE.format(out=out, out_path=name, inp=inp, in_path=name))


def test_refused_before_the_corpus_is_read(folder):
    """A FIFO corpus with no writer would block the first read: the refusal comes first."""
    os.mkfifo(folder / "fifo.txt")
    before = snapshot(folder)
    proc = run_child(folder, "train", "fifo.txt", "-o", "v.txt", "--report", "v.txt", *FAST)
    assert proc.returncode == 2
    assert proc.stderr.decode() == TWO_OUTPUTS.format(a="-o", a_path="v.txt", b="--report",
                                                      b_path="v.txt") + "\n"
    assert snapshot(folder) == before  # no report either: it would be one of the two


# ------------------------------------------------------------------ outputs onto outputs


@pytest.mark.parametrize("first,second", list(itertools.combinations(TRAIN_OUTPUTS, 2)))
def test_every_pair_of_train_outputs_on_one_file_is_refused(folder, first, second):
    (folder / "same.txt").write_bytes(b"older")
    args = ["train", "c.txt", *FAST] + ([] if first == "-o" else ["-o", "v.txt"])
    refused(folder, args + [first, "same.txt", second, "same.txt"],
            TWO_OUTPUTS.format(a=first, a_path="same.txt", b=second, b_path="same.txt"))


def test_outputs_meeting_through_a_dangling_symlink_are_refused(folder):
    os.symlink("later.txt", folder / "link.txt")
    refused(folder, ["train", "c.txt", "-o", "link.txt", "--save-vocab", "later.txt", *FAST],
            TWO_OUTPUTS.format(a="-o", a_path="link.txt", b="--save-vocab",
                               b_path="later.txt"))


@pytest.mark.parametrize("other", ["--save-vocab", "--save-context", "--report"])
def test_two_outputs_to_stdout_are_refused(folder, other):
    refused(folder, ["train", "c.txt", "-o", "-", other, "-", *FAST],
            f"Error: -o and {other} both write to stdout (-). Give a file path to all but "
            "one of them.")


@pytest.mark.parametrize("option", ["--save-model", "--log-file"])
def test_outputs_that_need_a_file_refuse_stdout(folder, option):
    refused(folder, output_args(option, "-"),
            f"Error: {option} needs a file path: - (stdout) is not supported there.")


# ------------------------------------------------------------------ checkpoint directories


@pytest.mark.parametrize("option,name,pattern", [
    ("-o", "checkpoint-000001.npz", "checkpoint-*.npz"),
    ("--save-vocab", "ids.bin", "ids.bin"),
    ("--report", "ids-3.bin", "ids-*.bin"),
])
def test_outputs_named_as_checkpoint_files_are_refused(folder, option, name, pattern):
    (folder / "ck").mkdir()
    path = os.path.join("ck", name)
    refused(folder, output_args(option, path) + ["--checkpoint-dir", "ck"],
            f"Error: {option} '{path}' has a name that --checkpoint-dir 'ck' uses for its own "
            f"files ({pattern}): it would be overwritten or removed. Choose another {option} "
            "path.")


def test_a_corpus_named_as_a_checkpoint_file_is_refused(folder):
    (folder / "ck").mkdir()
    (folder / "ck" / "ids.bin").write_bytes(b"my corpus")
    refused(folder, ["train", "ck/ids.bin", "-o", "v.txt", "--checkpoint-dir", "ck", *FAST],
            "Error: corpus 'ck/ids.bin' has a name that --checkpoint-dir 'ck' uses for its own "
            "files (ids.bin): it would be overwritten or removed. Choose another "
            "--checkpoint-dir directory.")


def test_an_output_onto_the_checkpoint_directory_is_refused(folder):
    refused(folder, ["train", "c.txt", "-o", "ck.txt", "--checkpoint-dir", "ck.txt", *FAST],
            "Error: -o 'ck.txt' and --checkpoint-dir 'ck.txt' are the same path. Choose "
            "another -o path.")


def test_corpus_and_outputs_inside_the_checkpoint_directory_are_fine(folder, reference):
    (folder / "ck").mkdir()
    os.replace(folder / "c.txt", folder / "ck" / "c.txt")
    result = invoke("train", "ck/c.txt", "-o", "ck/v.txt", "--checkpoint-dir", "ck", *FAST)
    assert result.exit_code == 0, result.output
    assert (folder / "ck" / "c.txt").read_bytes() == reference["c.txt"]
    assert sorted(os.listdir(folder / "ck")) == ["c.txt", "v.txt"]


def test_a_resumed_run_checks_the_outputs_its_checkpoint_records(folder):
    cfg = config.build(None, epochs=2, threads=1, dim=8, min_count=1, batch_words=500)
    with pytest.raises(Interrupted):
        train_to_files(Run([str(folder / "c.txt")], cfg, str(folder / "v.bin"),
                           checkpoint_dir=str(folder / "ck"), stop=StopAfter(1),
                           log=lambda _: None, bar=False))
    recorded = str(folder / "v.bin")
    refused(folder, ["train", "--resume", "ck", "--report", "v.bin"],
            TWO_OUTPUTS.format(a="-o", a_path=recorded, b="--report", b_path="v.bin"))
    refused(folder, ["train", "--resume", "ck", "-o", "c.txt"],
            SAME_FILE.format(out="-o", out_path="c.txt", inp="corpus",
                             in_path=str(folder / "c.txt")))
    refused(folder, ["train", "--resume", "ck", "-o", "ck/ids.bin"],
            "Error: -o 'ck/ids.bin' has a name that --resume 'ck' uses for its own files "
            "(ids.bin): it would be overwritten or removed. Choose another -o path.")


def test_a_model_continued_in_place_is_allowed(folder):
    """--init-from is read whole before --save-model is renamed onto the same file."""
    assert invoke("train", "c.txt", "-o", "a.bin", "--save-model", "m.model",
                  *FAST).exit_code == 0
    first = (folder / "m.model").read_bytes()
    result = invoke("train", "c.txt", "-o", "b.bin", "--init-from", "m.model",
                    "--save-model", "m.model", *FAST)
    assert result.exit_code == 0, result.output
    assert (folder / "m.model").read_bytes() != first
    assert w2vns.load(folder / "b.bin").words == w2vns.load(folder / "a.bin").words


# ------------------------------------------------------------------ the other commands


def test_convert_collisions(folder, reference):
    (folder / "v.bin").write_bytes(reference["v.bin"])
    os.symlink("v.bin", folder / "link.txt")
    refused(folder, ["convert", "v.bin", "v.bin"],
            SAME_FILE.format(out="OUT", out_path="v.bin", inp="IN", in_path="v.bin"))
    refused(folder, ["convert", "v.bin", "link.txt"],
            SAME_FILE.format(out="OUT", out_path="link.txt", inp="IN", in_path="v.bin"))
    (folder / "p_metadata.tsv").write_bytes(b"my words\n")  # OUT p.tsv writes this beside it
    refused(folder, ["convert", "p_metadata.tsv", "p.tsv"],
            SAME_FILE.format(out="OUT", out_path="p_metadata.tsv", inp="IN",
                             in_path="p_metadata.tsv"))


def test_plot_collision(folder, reference):
    pytest.importorskip("matplotlib")
    (folder / "v.bin").write_bytes(reference["v.bin"])
    os.link(folder / "v.bin", folder / "map.png")
    refused(folder, ["plot", "v.bin", "level", "-o", "map.png"],
            SAME_FILE.format(out="-o", out_path="map.png", inp="VECTORS", in_path="v.bin"))


@pytest.mark.parametrize("path", ["c.txt", "./c.txt"])
def test_phrases_collision(folder, path):
    refused(folder, ["phrases", "c.txt", "-o", path],
            SAME_FILE.format(out="-o", out_path=path, inp="corpus", in_path="c.txt"))


def test_the_python_api_names_its_arguments(folder):
    before = snapshot(folder)
    with pytest.raises(OutputPathError) as error:
        w2vns.train("c.txt", "v.txt", save_vocab="c.txt", min_count=1, epochs=1, quiet=True)
    assert str(error.value) == ("save_vocab= 'c.txt' and corpus= 'c.txt' are the same file: an "
                                "output never replaces an input. Choose another save_vocab= "
                                "path.")
    with pytest.raises(OutputPathError, match="output= 'v.txt' and save_context= 'v.txt'"):
        w2vns.train("c.txt", "v.txt", save_context="v.txt", quiet=True)
    assert snapshot(folder) == before


# ------------------------------------------------------------------ stdout


@pytest.mark.parametrize("fmt,name", [([], "v.txt"), (["--format", "text"], "v.txt"),
                                      (["--format", "binary"], "v.bin")])
def test_dash_writes_the_vectors_to_stdout(folder, reference, fmt, name):
    proc = run_child(folder, "train", "c.txt", "-o", "-", *fmt, *FAST)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == reference[name]  # the log lines stay on stderr
    assert sorted(os.listdir(folder)) == ["c.txt"]


def test_binary_to_a_terminal_is_refused(folder):
    terminal, child = pty.openpty()
    try:
        proc = run_child(folder, "train", "c.txt", "-o", "-", "--format", "binary", *FAST,
                         stdout=child)
    finally:
        os.close(child)
        os.close(terminal)
    assert proc.returncode == 2
    assert proc.stderr.decode() == ("Error: -o - would write binary vectors to a terminal. "
                                    "Redirect stdout to a file or a pipe, or pass --format "
                                    "text.\n")
    assert sorted(os.listdir(folder)) == ["c.txt"]


def test_vocabulary_and_converted_vectors_to_stdout(folder, reference):
    result = invoke("train", "c.txt", "-o", "v.txt", "--save-vocab", "-", *FAST)
    assert result.exit_code == 0, result.output
    words = w2vformat.read(str(folder / "v.txt"))[0]
    assert [line.split()[0] for line in result.stdout.splitlines()] == words
    (folder / "v.bin").write_bytes(reference["v.bin"])
    result = invoke("convert", "v.bin", "-")
    assert result.exit_code == 0, result.output
    (folder / "stdout.txt").write_bytes(result.stdout_bytes)
    converted, original = (w2vformat.read(str(folder / name)) for name in ("stdout.txt", "v.bin"))
    assert converted[0] == original[0] and np.array_equal(converted[1], original[1])


def test_dev_stdout_on_a_pipe_is_written_in_place(folder, reference):
    link = "/dev/stdout"
    if not os.path.islink(link):
        pytest.skip("no /dev/stdout link here")
    before = os.readlink(link)
    proc = run_child(folder, "train", "c.txt", "-o", link, "--format", "text", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == reference["v.txt"]
    assert os.readlink(link) == before and sorted(os.listdir(folder)) == ["c.txt"]


# ------------------------------------------------------------------ special files and links


def _release(fifo):
    """Unblock a reader still waiting to open ``fifo`` (its writer never came)."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_a_fifo_output_is_written_in_place(folder, reference):
    fifo = folder / "pipe.txt"
    os.mkfifo(fifo)
    received = {}

    def read():
        with open(fifo, "rb") as handle:
            received["data"] = handle.read()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        proc = run_child(folder, "train", "c.txt", "-o", "pipe.txt", *FAST)
    finally:
        _release(fifo)
        reader.join(RUN_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert received["data"] == reference["v.txt"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(os.listdir(folder)) == ["c.txt", "pipe.txt"]


def test_a_device_output_stays_a_device(folder):
    device = folder / "null.bin"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(*NULL_DEVICE))
        os.close(os.open(device, os.O_WRONLY))  # a nodev mount refuses to open it
    except OSError as exc:
        pytest.skip(f"cannot make or open a device node here: {exc.strerror}")
    before = snapshot(folder)
    result = invoke("train", "c.txt", "-o", "null.bin", *FAST)
    assert result.exit_code == 0, result.output
    assert snapshot(folder) == before  # still the same device, no file beside it


def test_dev_full_is_a_full_disk_and_stays_a_device(folder):
    full = "/dev/full"
    if not os.path.exists(full) or not stat.S_ISCHR(os.stat(full).st_mode):
        pytest.skip("no /dev/full here")
    before = snapshot(folder)
    proc = run_child(folder, "train", "c.txt", "-o", full, "--format", "binary", *FAST)
    err = proc.stderr.decode()
    assert proc.returncode == 1
    assert err.splitlines()[-1] == (f"Error: cannot write '{full}': No space left on device. "
                                    "Check free space and permissions.")
    assert [line for line in err.splitlines() if line.startswith("Error")] == \
        err.splitlines()[-1:] and "Traceback" not in err
    assert stat.S_ISCHR(os.stat(full).st_mode)
    assert not [name for name in os.listdir("/dev") if name.startswith((".full.", ".w2vns"))]
    assert snapshot(folder) == before


def test_a_symlink_output_keeps_the_link_and_replaces_its_file(folder, reference):
    (folder / "target.bin").write_bytes(b"older")
    os.symlink("target.bin", folder / "link.bin")
    result = invoke("train", "c.txt", "-o", "link.bin", *FAST)
    assert result.exit_code == 0, result.output
    assert os.readlink(folder / "link.bin") == "target.bin"
    assert (folder / "target.bin").read_bytes() == reference["v.bin"]
    assert sorted(os.listdir(folder)) == ["c.txt", "link.bin", "target.bin"]


def test_a_dangling_symlink_output_creates_its_file(folder, reference):
    os.symlink(os.path.join("sub", "new.bin"), folder / "link.bin")
    refused(folder, ["train", "c.txt", "-o", "link.bin", *FAST],
            f"Error: output directory '{os.getcwd()}/sub' does not exist. Create it or "
            "choose another -o path.")
    (folder / "sub").mkdir()
    result = invoke("train", "c.txt", "-o", "link.bin", *FAST)
    assert result.exit_code == 0, result.output
    assert os.readlink(folder / "link.bin") == os.path.join("sub", "new.bin")
    assert (folder / "sub" / "new.bin").read_bytes() == reference["v.bin"]
    assert os.listdir(folder / "sub") == ["new.bin"]


# ------------------------------------------------------------------ exit codes


@pytest.mark.parametrize("args,message", [
    (["train", "c.txt", "-o", "d.bin"], "Error: output 'd.bin' is a directory. Give a file "
                                        "path to -o."),
    (["train", "c.txt", "-o", "v.txt", "--save-vocab", "d.bin"],
     "Error: output 'd.bin' is a directory. Give a file path to --save-vocab."),
    (["train", "c.txt", "-o", "no/v.bin"],
     "Error: output directory '{cwd}/no' does not exist. Create it or choose another -o "
     "path."),
    (["train", "c.txt", "-o", "v.txt", "--report", "no/r.json"],
     "Error: output directory '{cwd}/no' does not exist. Create it or choose another "
     "--report path."),
    (["phrases", "c.txt", "-o", "no/p.txt"],
     "Error: output directory '{cwd}/no' does not exist. Create it or choose another -o "
     "path."),
])
def test_output_path_problems_are_usage_errors(folder, args, message):
    (folder / "d.bin").mkdir()
    refused(folder, args + (FAST if args[0] == "train" else []),
            message.format(cwd=os.getcwd()))


def test_a_loop_of_symlinks_as_output_is_a_usage_error(folder):
    os.symlink("b.bin", folder / "a.bin")
    os.symlink("a.bin", folder / "b.bin")
    refused(folder, ["train", "c.txt", "-o", "a.bin", *FAST],
            "Error: output 'a.bin' is a loop of symbolic links. Give a file path to -o.")


def test_an_unwritable_output_directory_is_a_usage_error(folder):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    locked = folder / "locked"
    locked.mkdir(mode=0o500)
    refused(folder, ["train", "c.txt", "-o", "locked/v.txt", *FAST],
            f"Error: cannot write to output directory '{locked}': Permission denied. Choose "
            "another -o path.")
