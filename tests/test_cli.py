"""The command line through click's CliRunner: outputs, pipelines, exact error messages."""

import gzip
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from w2vns.io import synthetic
from w2vns.io import w2vformat
from w2vns.cli.main import cli

CORPUS_SENTENCES = 2000  # sentences of the shared corpus fixture (conftest.py)
FAST = ["--epochs", "1", "--threads", "1", "--min-count", "1"]


@pytest.fixture
def runner():
    return CliRunner()


def run(runner, *args, **kwargs):
    return runner.invoke(cli, [str(a) for a in args], **kwargs)


def test_train_binary_and_text(runner, corpus, tmp_path):
    out = tmp_path / "v.bin"
    result = run(runner, "train", corpus, "-o", out, *FAST, "--dim", "12")
    assert result.exit_code == 0, result.output
    words, vectors = w2vformat.read(str(out))
    assert vectors.shape == (len(words), 12)
    assert "trained" in result.stderr and "words/s" in result.stderr
    out_txt = tmp_path / "v.txt"
    result = run(runner, "train", corpus, "-o", out_txt, *FAST, "--dim", "12", "--model", "cbow",
                 "--save-context", tmp_path / "ctx.vec", "--save-vocab", tmp_path / "vocab.txt")
    assert result.exit_code == 0, result.output
    assert out_txt.read_text().split("\n", 1)[0] == f"{len(words)} 12"
    assert (tmp_path / "ctx.vec").exists()
    first = (tmp_path / "vocab.txt").read_text().splitlines()[0].split()
    assert first[0] == words[0] and int(first[1]) > 0


def test_train_from_stdin_and_compressed(runner, corpus, tmp_path):
    out = tmp_path / "v.txt"
    result = run(runner, "train", "-", "-o", out, *FAST, input=Path(corpus).read_text())
    assert result.exit_code == 0, result.output
    gz = tmp_path / "c.txt.gz"
    gz.write_bytes(gzip.compress(Path(corpus).read_bytes()))
    out2 = tmp_path / "v2.txt"
    assert run(runner, "train", gz, "-o", out2, *FAST).exit_code == 0
    assert w2vformat.read(str(out))[0] == w2vformat.read(str(out2))[0]


def test_read_vocab_restricts_training(runner, corpus, tmp_path):
    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("cat 100\ndog 90\nhorse 80\n")
    out = tmp_path / "v.txt"
    result = run(runner, "train", corpus, "-o", out, *FAST, "--read-vocab", vocab_file)
    assert result.exit_code == 0, result.output
    assert w2vformat.read(str(out))[0] == ["cat", "dog", "horse"]


def test_config_file_and_override(runner, corpus, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('dim = 8\nmodel = "cbow"\nmin-count = 1\n')
    out = tmp_path / "v.bin"
    result = run(runner, "train", "--config", cfg, corpus, "-o", out, "--dim", "6",
                 "--epochs", "1", "-q")
    assert result.exit_code == 0, result.output
    assert w2vformat.read(str(out))[1].shape[1] == 6


ERRORS = [
    (["train", "{missing}", "-o", "{out}"], 2,
     "Error: corpus file '{missing}' not found. Check the path."),
    (["train", "{dir}", "-o", "{out}"], 2,
     "Error: corpus '{dir}' is a directory. Pass the text files inside it."),
    (["train", "{empty}", "-o", "{out}"], 1,
     "Error: corpus '{empty}' contains no words. Check that the input is a non-empty text file."),
    (["train", "{tiny}", "-o", "{out}"], 1,
     "Error: empty vocabulary: no word occurs at least 5 times (the most frequent occurs "
     "2 times). Try --min-count 2."),
    (["train", "{tiny}", "-o", "{out}", "--dim", "0"], 2,
     "Error: --dim must be a positive integer, got 0."),
    (["train", "{tiny}", "-o", "{out}", "--window", "0"], 2,
     "Error: --window must be a positive integer, got 0."),
    (["train", "{tiny}", "-o", "{out}", "--negative", "-1"], 2,
     "Error: --negative must be 0 or more, got -1."),
    (["train", "{tiny}", "-o", "{out}", "--sample", "-0.1"], 2,
     "Error: --sample must be 0 (off) or more, got -0.1."),
    (["train", "{tiny}", "-o", "{out}", "--alpha", "0"], 2,
     "Error: --alpha must be greater than 0, got 0.0."),
    (["train", "{tiny}", "-o", "{out}", "--epochs", "0"], 2,
     "Error: --epochs must be a positive integer, got 0."),
    (["train", "{tiny}", "-o", "{out}", "--threads", "0"], 2,
     "Error: --threads must be a positive integer, got 0."),
    (["train", "{tiny}", "-o", "{out}", "--model", "glove"], 2,
     "Error: Invalid value for '--model': 'glove' is not one of 'sg', 'cbow'. "
     "See 'w2vns train --help'."),
    (["train", "{tiny}", "-o", "{nodir}/v.bin"], 2,
     "Error: output directory '{nodir}' does not exist. Create it or choose another -o path."),
    (["train", "{tiny}", "-o", "{out}", "--config", "{badcfg}"], 2,
     "Error: unknown key 'dimension' in config '{badcfg}'. Known keys: alpha, batch-words, "
     "binary-ok, bucket, cbow-grad, cbow-mean, context-weight, device, dim, encoding, "
     "epochs, format, hs, loss, max-sentence-length, max-vocab, maxn, min-alpha, min-count, "
     "minn, model, negative, ns-exponent, ns-pool, ns-strategy, prune-at, sample, seed, share-negatives, "
     "shrink-windows, subwords, sync-words, threads, time-budget, window."),
    (["train", "{tiny}", "-o", "{tmp}/vectors"], 2,
     "Error: cannot tell the format of '{tmp}/vectors' from its extension. Name it .bin "
     "(binary) or .txt/.vec (text), or pass --format binary|text."),
]


@pytest.mark.parametrize("args,code,message", ERRORS)
def test_errors_are_one_clean_line(runner, tmp_path, args, code, message):
    names = dict(missing=tmp_path / "nope.txt", dir=tmp_path / "adir", empty=tmp_path / "e.txt",
                 tiny=tmp_path / "tiny.txt", out=tmp_path / "out.bin", nodir=tmp_path / "no",
                 badcfg=tmp_path / "bad.toml", tmp=tmp_path)
    (tmp_path / "adir").mkdir()
    (tmp_path / "e.txt").write_text("  \n\n \t\n")
    (tmp_path / "tiny.txt").write_text("a a b c\n")
    (tmp_path / "bad.toml").write_text("dimension = 3\n")
    names = {k: str(v) for k, v in names.items()}
    result = run(runner, *[a.format(**names) for a in args])
    assert result.exit_code == code
    lines = result.stderr.splitlines()
    assert lines[-1] == message.format(**names)
    assert [line for line in lines if line.startswith("Error")] == lines[-1:]
    assert "Traceback" not in result.stderr
    assert not os.path.exists(names["out"])


def test_failed_run_keeps_an_older_output(runner, tmp_path):
    out = tmp_path / "v.bin"
    out.write_bytes(b"older vectors")
    (tmp_path / "tiny.txt").write_text("a a b c\n")
    result = run(runner, "train", tmp_path / "tiny.txt", "-o", out)
    assert result.exit_code == 1
    assert out.read_bytes() == b"older vectors"
    assert sorted(os.listdir(tmp_path)) == ["tiny.txt", "v.bin"]


def test_divergence_is_an_error_and_writes_nothing(runner, corpus, tmp_path):
    out = tmp_path / "v.bin"
    result = run(runner, "train", corpus, "-o", out, *FAST, "--alpha", "1e30")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: training diverged in epoch 1 (the loss is not finite). Try a lower --alpha "
        "(now 1e+30, default 0.035).")
    assert not out.exists()


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_examples(runner, command):
    result = run(runner, command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout


def test_help_does_not_import_numba():
    code = ("import sys; from click.testing import CliRunner; from w2vns.cli.main import cli; "
            "CliRunner().invoke(cli, ['train', '--help']); "
            "print(sorted(m for m in ('numba', 'numpy', 'smart_open') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_python_dash_m_works(tmp_path):
    out = subprocess.run([sys.executable, "-m", "w2vns", "--help"], capture_output=True,
                         text=True)
    assert out.returncode == 0 and "train" in out.stdout


def test_vectors_are_float32_finite(runner, corpus, tmp_path):
    out = tmp_path / "v.bin"
    assert run(runner, "train", corpus, "-o", out, *FAST).exit_code == 0
    _, vectors = w2vformat.read(str(out))
    assert vectors.dtype == np.float32 and np.isfinite(vectors).all()


def test_sigterm_removes_temporary_files_and_writes_nothing(tmp_path):
    import signal
    import time

    corpus = tmp_path / "big.txt"
    synthetic.write(str(corpus), sentences=50000)
    out = tmp_path / "v.bin"
    out.write_bytes(b"older")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    proc = subprocess.Popen([sys.executable, "-m", "w2vns", "train", str(corpus), "-o", str(out),
                             "--epochs", "1000", "--threads", "1"],
                            stderr=subprocess.PIPE, text=True, env=env)
    for line in proc.stderr:
        if line.startswith("encoded"):
            break
    time.sleep(1.0)
    assert list(scratch.iterdir())  # the id cache exists while training
    proc.send_signal(signal.SIGTERM)
    rest = proc.stderr.read()
    assert proc.wait(timeout=30) == 143
    assert rest.splitlines()[-1] == "Error: interrupted (SIGTERM); no output was written."
    assert out.read_bytes() == b"older"
    assert list(scratch.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt", "tmp", "v.bin"]
