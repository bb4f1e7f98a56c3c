"""Hostile input: every case ends in a correct result or a clean `Error:` line; never a
traceback, a hang (each run has a timeout) or unbounded memory."""

import os
import re
import resource
import subprocess
import sys
import tempfile
import threading

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from w2vns.io import corpus as streaming
from w2vns.io import w2vformat

RUN_TIMEOUT = 180  # seconds; a hang fails the test
MEMORY_BOUND = 512 * 2**20  # peak RSS of one child (about 170 MB seen for every case)
SEED = 20261122


def _write(path, data):
    path.write_bytes(data)
    return path


def random_bytes(tmp):
    return _write(tmp / "random.bin", np.random.default_rng(SEED).bytes(2_000_000))


def nul_bytes(tmp):
    return _write(tmp / "nul.txt", b"\x00" * 1_000_000)


def invalid_utf8(tmp):
    words = [b"caf\xe9", b"\xff\xfeword", b"ok", b"\xed\xa0\x80", b"na\xc3\xafve"]
    rng = np.random.default_rng(SEED)
    return _write(tmp / "latin1.txt", b" ".join(words[i] for i in rng.integers(0, 5, 20000)))


def only_whitespace(tmp):
    return _write(tmp / "blank.txt", b" \t\r\n\x0b\x0c" * 100_000)


def enormous_word(tmp):
    return _write(tmp / "word.txt", b"a" * (10 * 2**20) + b"\n")


def tiny_lines(tmp):
    return _write(tmp / "lines.txt", b"a b\nc\n" * 1_000_000)


def mixed_crlf(tmp):
    rng = np.random.default_rng(SEED)
    ends = [b"\n", b"\r\n", b"\r", b" "]
    parts = [b"w%d" % w + ends[e] for w, e in zip(rng.integers(0, 50, 50000),
                                                   rng.integers(0, 4, 50000))]
    return _write(tmp / "crlf.txt", b"".join(parts))


NOT_TEXT = "Error: corpus '{path}' does not look like text: "

# case -> (file maker, extra options, expected: "ok" or the start of the error line, where
# {path} is the corpus)
CASES = {
    "random bytes": (random_bytes, [], NOT_TEXT),
    "random bytes, insisted": (random_bytes, ["--binary-ok"], "ok"),
    "NUL bytes": (nul_bytes, [], NOT_TEXT + "100.0% of its first 1,000,000 bytes are NUL or "
                                           "other control characters."),
    "invalid UTF-8": (invalid_utf8, [], "ok"),
    "only whitespace": (only_whitespace, [], "Error: corpus"),
    "one 10 MB word": (enormous_word, ["--min-count", "1"], "ok"),
    "two million tiny lines": (tiny_lines, [], "ok"),
    "mixed CRLF": (mixed_crlf, [], "ok"),
}


def run_child(args):
    """Run w2vns; fail on a hang or on memory beyond the bound. Returns (code, out, err)."""
    # A child's peak RSS counts what it shared with this process when it was forked (the
    # maximum survives exec), so the bound is on top of this process's own peak.
    inherited = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "w2vns", *args], stdout=out, stderr=err)
        timer = threading.Timer(RUN_TIMEOUT, proc.kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        hung = not timer.is_alive()
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        texts = []
        for handle in (out, err):
            handle.seek(0)
            texts.append(handle.read().decode("utf-8", "replace"))
    assert not hung, f"w2vns {' '.join(args)} hung"
    assert usage.ru_maxrss * 1024 < MEMORY_BOUND + inherited, \
        f"w2vns {' '.join(args)} used too much memory"
    return proc.returncode, texts[0], texts[1]


@pytest.mark.parametrize("case", sorted(CASES))
def test_train_survives(case, tmp_path):
    make, options, expected = CASES[case]
    corpus = make(tmp_path)
    out = tmp_path / "v.txt"
    args = ["train", str(corpus), "-o", str(out), "--epochs", "1", "--threads", "2", "-q",
            "--dim", "16", *options]
    code, _, err = run_child(args)
    assert "Traceback" not in err
    if expected == "ok":
        assert code == 0, err
        words, vectors = w2vformat.read(str(out))
        assert len(words) == vectors.shape[0] > 0 and np.isfinite(vectors).all()
        assert all(len(w.encode()) <= streaming.MAX_WORD_BYTES for w in words)
    else:
        assert code in (1, 2)
        last = err.splitlines()[-1]
        assert last.startswith(expected.format(path=corpus)) and not out.exists()
        assert sum(line.startswith("Error") for line in err.splitlines()) == 1


_SPLIT_BYTES = re.compile(rb"[ \t\n\r\x0b\x0c\x00]+")


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=4000), block=st.integers(min_value=1, max_value=97))
def test_streaming_equals_whole_decoding(tmp_path_factory, data, block):
    """Any bytes, any block size: the tokens of splitting the whole input at once."""
    assume(max((len(t) for t in _SPLIT_BYTES.split(data)), default=0) < streaming.MAX_WORD_BYTES)
    tmp = tmp_path_factory.mktemp("h")
    path = tmp / "input.bin"
    path.write_bytes(data)
    scan = streaming.TokenScan(str(tmp / "spool"), 10_000).run([str(path)], block_bytes=block)
    got = [None if i == streaming.EOS_TEMP_ID else scan.words.word(i)
           for i in np.fromfile(tmp / "spool", dtype=np.int32).tolist()]
    expected = []
    for line in data.split(b"\n"):  # a newline, and the end of the input, end a sentence
        expected += [t for t in _SPLIT_BYTES.split(line) if t] + [None]
    assert got == expected
    assert scan.stats.bytes_read == len(data)


def _binary_rows(rows, dim):
    return b"".join(w.encode() + b" " + np.full(dim, 0.5, "<f4").tobytes() + b"\n" for w in rows)


LOADER_CASES = {
    "header says more rows": (b"5 2\n" + _binary_rows(["a", "b"], 2), "v.bin"),
    "header says fewer rows": (b"1 2\n" + _binary_rows(["a", "b"], 2), "v.bin"),
    "negative dimension": (b"2 -3\na 0.1 0.2\nb 0.3 0.4\n", "v.txt"),
    "negative count": (b"-2 2\na 0.1 0.2\n", "v.txt"),
    "text word with a space": (b"2 2\nnew york 0.1 0.2\nb 0.3 0.4\n", "v.txt"),
    "binary word with a space": (b"2 2\n" + _binary_rows(["new york", "b"], 2), "v.bin"),
    "random bytes": (np.random.default_rng(SEED).bytes(5000), "v.bin"),
    "header only": (b"3 4\n", "v.txt"),
    "empty file": (b"", "v.bin"),
    "nan value": (b"2 2\na nan 0.2\nb 0.3 0.4\n", "v.txt"),
}


@pytest.mark.parametrize("case", sorted(LOADER_CASES))
def test_loader_survives(case, tmp_path):
    data, name = LOADER_CASES[case]
    path = _write(tmp_path / name, data)
    code, out, err = run_child(["similar", str(path), "a", "-n", "1"])
    assert "Traceback" not in err and out == ""  # never a half-loaded model used silently
    assert code == 1
    assert err.splitlines()[-1].startswith(f"Error: '{path}' ")
