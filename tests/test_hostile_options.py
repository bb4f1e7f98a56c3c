"""Hostile options: numbers that are not numbers, contradictions, absurd values, what quiet
means, the bare command. Every case: the exit code, the exact line, and every file as it
was."""

import hashlib
import logging
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

import w2vns
from w2vns.cli.main import cli
from w2vns.errors import UsageError
from w2vns.logs import LOGGER_NAME

CORPUS = "the cat sat on the mat\nthe dog sat on the log\n" * 200
TINY = ["--epochs", "1", "--threads", "1", "--min-count", "1", "--dim", "8"]


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "corpus.txt").write_text(CORPUS)
    (tmp_path / "old.bin").write_bytes(b"an older output")
    return tmp_path


def snapshot(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def train(folder, *options):
    return run("train", folder / "corpus.txt", "-o", folder / "old.bin", *TINY, *options)


@pytest.mark.parametrize("option,value", [
    ("--alpha", "nan"), ("--alpha", "inf"), ("--min-alpha", "-inf"), ("--sample", "nan"),
    ("--ns-exponent", "nan"), ("--ns-exponent", "-inf"), ("--checkpoint-every", "nan"),
    ("--peer-timeout", "inf"),
])
def test_non_finite_numbers_are_usage_errors(folder, option, value):
    before = snapshot(folder)
    result = train(folder, option, value)
    assert result.exit_code == 2
    assert result.stderr == (f"Error: Invalid value for '{option}': '{value}' is not a finite "
                             "number. See 'w2vns train --help'.\n")
    assert snapshot(folder) == before


def test_non_finite_numbers_in_a_config_file_are_usage_errors(folder):
    config = folder / "c.toml"
    config.write_text("sample = nan\n")
    before = snapshot(folder)
    result = train(folder, "--config", config)
    assert result.exit_code == 2
    assert result.stderr == "Error: --sample must be a finite number, got nan.\n"
    assert snapshot(folder) == before


def test_other_commands_refuse_non_finite_numbers(folder):
    result = run("phrases", folder / "corpus.txt", "--threshold", "nan")
    assert result.exit_code == 2
    assert result.stderr == ("Error: Invalid value for '--threshold': 'nan' is not a finite "
                             "number. See 'w2vns phrases --help'.\n")
    result = run("estimate", "--words", "1000", "--vocab", "10", "--zipf-exponent", "inf")
    assert result.exit_code == 2 and "'inf' is not a finite number" in result.stderr


@pytest.mark.parametrize("options,message", [
    (["--min-alpha", "0.5"], "Error: --min-alpha (0.5) is above --alpha (0.035): the learning "
     "rate decays from --alpha to --min-alpha. Give a --min-alpha of at most 0.035.\n"),
    (["--alpha", "0.01", "--min-alpha", "0.02"], "Error: --min-alpha (0.02) is above --alpha "
     "(0.01): the learning rate decays from --alpha to --min-alpha. Give a --min-alpha of at "
     "most 0.01.\n"),
])
def test_min_alpha_above_alpha_is_a_usage_error(folder, options, message):
    before = snapshot(folder)
    result = train(folder, *options)
    assert result.exit_code == 2 and result.stderr == message
    assert snapshot(folder) == before


def test_threads_far_above_the_cores_get_a_warning_and_train(folder):
    cores = len(os.sched_getaffinity(0))
    result = train(folder, "--threads", str(cores * 50), "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (f"warning: --threads {cores * 50} is far more than the {cores} "
                             f"core(s) here: training will be slower, not faster, than with "
                             f"--threads {cores}.\n")


def test_api_errors_name_the_keyword_argument(folder):
    corpus = str(folder / "corpus.txt")
    with pytest.raises(UsageError, match=r"^dim must be a positive integer, got 0\.$"):
        w2vns.train(corpus, dim=0)
    with pytest.raises(UsageError, match=r"^min_alpha \(0\.5\) is above alpha \(0\.035\)"):
        w2vns.train(corpus, min_alpha=0.5)
    with pytest.raises(UsageError, match=r"^ns_exponent must be a finite number, got nan\.$"):
        w2vns.train(corpus, ns_exponent=float("nan"))


# ----------------------------------------------------------------------------- quiet


def test_quiet_train_prints_nothing_but_warnings(folder):
    assert train(folder, "-q").stderr == ""
    loud = train(folder)
    assert loud.exit_code == 0 and "trained" in loud.stderr.splitlines()[-1]


def test_quiet_keeps_the_log_file(folder):
    log = folder / "run.log"
    result = train(folder, "-q", "--log-file", log)
    assert result.exit_code == 0 and result.stderr == ""
    assert "trained" in log.read_text()


def test_quiet_phrases_prints_warnings_alone(folder):
    latin = folder / "latin.txt"
    latin.write_bytes(b"caf\xe9 au lait\n" + b"new york city\n" * 200)
    result = run("phrases", latin, "-q")
    assert result.exit_code == 0
    assert result.stderr == ("warning: 1 invalid UTF-8 sequence(s) replaced by U+FFFD for "
                             "counting (the text is written as read)\n")
    assert "pass 1/1" in run("phrases", latin).stderr


def test_quiet_api_logs_warnings_alone(folder, capfd, caplog):
    corpus = str(folder / "corpus.txt")
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        w2vns.train(corpus, epochs=1, threads=1, min_count=1, dim=8, quiet=True)
        assert caplog.records == []
        w2vns.train(corpus, epochs=1, threads=1, min_count=1, dim=8)
    assert any(r.getMessage().startswith("encoded 2,400 words") for r in caplog.records)
    assert capfd.readouterr().err == ""  # the logging module decides where lines go


def test_bare_command_prints_its_help_once_and_succeeds():
    result = run()
    assert result.exit_code == 0
    assert result.stdout.count("Usage: w2vns") == 1 and "Commands:" in result.stdout
    assert result.stderr == ""


NUMBA_THREADS_SCRIPT = """
import sys
import numba
import w2vns
from stopping import StopAfter
from w2vns.errors import Interrupted
from w2vns.training import config, loop
from w2vns.training.run import Run

corpus = sys.argv[1]
numba.set_num_threads(3)
w2vns.train(corpus, epochs=1, threads=1, min_count=1, dim=8, quiet=True)
print(numba.get_num_threads())
try:
    loop.train(Run([corpus], config.build(None, epochs=1, threads=2, min_count=1, dim=8),
                   stop=StopAfter(0), log=lambda _: None, bar=False))
except Interrupted:
    print(numba.get_num_threads())
"""


def test_training_leaves_numba_threads_as_it_found_them(folder):
    """A run sets Numba's thread count to its --threads and restores the caller's at the
    end, whether it succeeds or stops with an error."""
    env = dict(os.environ, NUMBA_NUM_THREADS="4",
               PYTHONPATH=os.pathsep.join([os.path.dirname(__file__),
                                           os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, "-c", NUMBA_THREADS_SCRIPT,
                             str(folder / "corpus.txt")], env=env, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "3"]


def test_a_model_larger_than_the_free_memory_gets_a_warning_and_trains(folder, monkeypatch):
    from w2vns.training import loop

    monkeypatch.setattr(loop, "available_memory_bytes", lambda: 100)
    lines = []
    kv = w2vns.train(str(folder / "corpus.txt"), epochs=1, threads=1, min_count=1, dim=8,
                     log=lines.append)
    # 7 words: the input and output matrices, 8 floats a row, and the unused HS placeholder row
    need = (2 * len(kv.words) + 1) * 8 * 4
    assert [line for line in lines if line.startswith("warning")] == [
        f"warning: the model needs {need} B (7 words x --dim 8) and 100 B of memory is "
        "available: training may swap or fail. Lower --dim or --max-vocab."]


def test_quiet_vectors_commands_print_nothing_but_warnings(folder):
    import numpy as np

    from w2vns.io import w2vformat

    source, target = folder / "v.txt", folder / "v.bin"
    w2vformat.write(str(source), ["a", "b", "a"], np.eye(3, dtype=np.float32), binary=False)
    result = run("convert", source, target, "-q")
    assert result.exit_code == 0
    assert result.stderr == "warning: 1 duplicate word(s); kept the first vector of each\n"
    loud = run("convert", source, folder / "again.bin")
    assert loud.exit_code == 0 and loud.stderr.splitlines()[-1].startswith("wrote 2 vectors")
    for name in ("train", "estimate", "phrases", "similar", "analogy", "evaluate", "convert",
                 "plot"):
        assert "-q, --quiet" in run(name, "--help").stdout  # the same option everywhere


TO_WORD2VEC = " Or run 'w2vns word2vec', which takes the C tool's options unchanged."


@pytest.mark.parametrize("command,given,hint", [
    ("train", ["--size", "50"], "w2vns calls it --dim."),
    ("train", ["--vector_size", "50"], "w2vns calls it --dim."),
    ("train", ["-size", "50"], "w2vns calls it --dim." + TO_WORD2VEC),
    ("train", ["-iter", "3"], "w2vns calls it --epochs." + TO_WORD2VEC),
    ("train", ["--iter", "3"], "w2vns calls it --epochs."),
    ("train", ["-epoch", "3"], "w2vns calls it --epochs."),
    ("train", ["--workers", "2"], "w2vns calls it --threads."),
    ("train", ["-thread", "2"], "w2vns calls it --threads."),
    ("train", ["--lr", "0.1"], "w2vns calls it --alpha."),
    ("train", ["-ws", "5"], "w2vns calls it --window."),
    ("train", ["-neg", "5"], "w2vns calls it --negative."),
    ("train", ["-t", "1e-4"], "w2vns calls it --sample."),
    ("train", ["--minCount", "3"], "w2vns spells it --min-count."),
    ("train", ["--min_count", "3"], "w2vns spells it --min-count."),
    ("train", ["-min-count", "3"], "w2vns spells it --min-count." + TO_WORD2VEC),
    ("train", ["-window", "5"], "w2vns spells it --window." + TO_WORD2VEC),
    ("train", ["-output", "{out}"], "w2vns spells it --output." + TO_WORD2VEC),
    ("train", ["--max_vocab_size", "9"], "w2vns calls it --prune-at."),
    ("train", ["--max_final_vocab", "9"], "w2vns calls it --max-vocab."),
    ("train", ["--sg", "1"], "w2vns calls it --model sg."),
    ("train", ["-cbow", "1"], "w2vns calls it --model cbow (or --model sg)." + TO_WORD2VEC),
    ("train", ["-binary", "1"], "w2vns calls it --format binary." + TO_WORD2VEC),
    ("train", ["-train", "{corpus}"], "w2vns calls it CORPUS, an argument: w2vns train "
     "CORPUS." + TO_WORD2VEC),
    ("estimate", ["--epoch", "3"], "w2vns calls it --epochs."),
    ("phrases", ["-threshold", "50"], "w2vns spells it --threshold. Or run 'w2vns "
     "word2phrase', which takes the C tool's options unchanged."),
    ("phrases", ["--min_count", "3"], "w2vns spells it --min-count."),
    ("similar", ["--top_n", "3"], "w2vns spells it --topn."),
])
def test_other_tools_option_names_get_the_w2vns_name(folder, command, given, hint):
    names = {"corpus": folder / "corpus.txt", "out": folder / "old.bin"}
    given = [arg.format(**names) for arg in given]
    before = snapshot(folder)
    result = run(command, folder / "corpus.txt", *given)
    assert result.exit_code == 2
    assert result.stderr == (f"Error: No such option '{given[0]}'. {hint} See 'w2vns "
                             f"{command} --help'.\n")
    assert snapshot(folder) == before


def test_unknown_names_of_no_w2vns_option_keep_clicks_message(folder):
    result = run("similar", folder / "old.bin", "--size", "3")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: No such option '--size'.")
    assert "w2vns calls it" not in result.stderr
    attached = run("train", folder / "corpus.txt", f"-o{folder / 'new.bin'}", *TINY, "-q")
    assert attached.exit_code == 0  # -oPATH is -o PATH, not an option named 'o...'


def test_shell_completion_prints_a_script_and_completes_through_rival_names():
    env = dict(os.environ, _W2VNS_COMPLETE="bash_source")
    script = subprocess.run([sys.executable, "-m", "w2vns"], env=env, capture_output=True,
                            text=True)
    assert script.returncode == 0
    assert "_w2vns_completion()" in script.stdout
    assert "_W2VNS_COMPLETE=bash_complete" in script.stdout
    env = dict(os.environ, _W2VNS_COMPLETE="bash_complete", COMP_WORDS="w2vns word2",
               COMP_CWORD="1")
    words = subprocess.run([sys.executable, "-m", "w2vns"], env=env, capture_output=True,
                           text=True)
    assert words.stdout.split() == ["plain,word2phrase", "plain,word2vec"]
    env.update(COMP_WORDS="w2vns train -size 50 --di", COMP_CWORD="4")
    options = subprocess.run([sys.executable, "-m", "w2vns"], env=env, capture_output=True,
                             text=True)
    assert options.returncode == 0 and options.stdout.split() == ["plain,--dim",
                                                                  "plain,--directed"]
