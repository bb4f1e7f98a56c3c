"""--encoding: inputs in another encoding than UTF-8 are decoded as they stream."""

import io

import pytest
from click.testing import CliRunner

from w2vns.cli.main import cli
from w2vns.io import w2vformat
from w2vns.io.recode import RecodedReader, normalize_encoding
from w2vns.errors import UsageError

FAST = ["--epochs", "1", "--threads", "1", "--min-count", "1", "--dim", "8", "-q"]
SENTENCE = "le café est très bon à paris\nun garçon naïf mange une crêpe\n"
REPEATS = 50


@pytest.fixture
def latin1_corpus(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes((SENTENCE * REPEATS).encode("latin-1"))
    return path


def train_words(corpus, out, *options):
    result = CliRunner().invoke(cli, ["train", str(corpus), "-o", str(out), *FAST, *options])
    assert result.exit_code == 0, result.output
    words, _ = w2vformat.read(str(out))
    return words, result.stderr


def test_latin1_words_come_out_right_with_the_encoding(latin1_corpus, tmp_path):
    words, log = train_words(latin1_corpus, tmp_path / "v.txt", "--encoding", "latin-1")
    for word in ("café", "très", "à", "garçon", "naïf", "crêpe"):
        assert word in words
    assert not any("\ufffd" in w for w in words)
    assert "replaced" not in log


def test_latin1_without_the_encoding_is_replaced_and_counted(latin1_corpus, tmp_path):
    words, log = train_words(latin1_corpus, tmp_path / "v.txt")
    assert "café" not in words and "caf\ufffd" in words
    invalid = 6 * REPEATS  # é è à ç ï ê: one invalid byte each per repetition
    assert f"warning: {invalid:,} invalid UTF-8 sequence(s) replaced by U+FFFD" in log


def test_bytes_invalid_in_the_declared_encoding_are_counted(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"ok caf\xe9 bad\x81 end\n" * 10)  # 0x81 is undefined in cp1252
    words, log = train_words(path, tmp_path / "v.txt", "--encoding", "cp1252")
    assert "café" in words and "bad\ufffd" in words
    assert "warning: 10 byte sequence(s) not valid cp1252 replaced by U+FFFD" in log


def test_unknown_encoding_is_a_usage_error(latin1_corpus, tmp_path):
    result = CliRunner().invoke(cli, ["train", str(latin1_corpus), "-o", str(tmp_path / "v.bin"),
                                      "--encoding", "klingon"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: --encoding: unknown encoding 'klingon'. Use a Python codec name such as "
        "utf-8, latin-1, cp1252 or utf-16.")
    assert not (tmp_path / "v.bin").exists()


@pytest.mark.parametrize("name", ["base64", "rot13"])
def test_codecs_that_are_not_text_encodings_are_refused(name):
    with pytest.raises(UsageError, match="is not a text encoding"):
        normalize_encoding(name)


def test_utf8_names_keep_the_default_path():
    assert normalize_encoding("UTF8") is None and normalize_encoding(None) is None
    assert normalize_encoding("Latin-1") == "iso8859-1"


@pytest.mark.parametrize("block", [1, 2, 3, 5, 64])
def test_recoding_streams_characters_split_across_reads(block):
    text = "naïve € 漢字 😀 end\n" * 7
    reader = RecodedReader(io.BytesIO(text.encode("utf-16")), "utf-16")
    out = b"".join(iter(lambda: reader.read(block), b""))
    assert out.decode("utf-8") == text and reader.replaced == 0
