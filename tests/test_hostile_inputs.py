"""Inputs are sniffed before they are read: a byte order mark chooses the decoding, input
that does not look like text is refused with one `Error:` line, and the user can insist."""

import gzip
import os

import numpy as np
import pytest
from click.testing import CliRunner

from w2vns.cli.main import cli
from w2vns.errors import UsageError
from w2vns.io import corpus, sniff, synthetic
from w2vns.io.parallel_scan import scan
from w2vns.io.ranges import ByteRange
from w2vns.training import distributed

FAST = ["--epochs", "1", "--dim", "8", "--min-count", "1", "--threads", "2", "-q"]
SEED = 20261122
RANDOM_BYTES = 1_000_000
# non-ASCII words, so that decoding is seen in the words and not only in the spacing
EXTRA_LINES = "le café était très bon\nnaïve façade 東京 😀 Ωmega\n" * 20
BOM_ENCODINGS = {  # name -> (byte order mark, codec of the text after it)
    "UTF-8 with BOM": (b"\xef\xbb\xbf", "utf-8"),
    "UTF-16-LE": (b"\xff\xfe", "utf-16-le"),
    "UTF-16-BE": (b"\xfe\xff", "utf-16-be"),
    "UTF-32-LE": (b"\xff\xfe\x00\x00", "utf-32-le"),
    "UTF-32-BE": (b"\x00\x00\xfe\xff", "utf-32-be"),
}
# C0 controls but TAB LF VT FF CR, and DEL: what the refusal counts (spelled out here)
CONTROL_BYTES = [b for b in range(32) if b not in (9, 10, 11, 12, 13)] + [127]
ADVICE = "Pass --encoding NAME if it is text in another encoding, or --binary-ok to read it anyway."


@pytest.fixture(scope="module")
def text(tmp_path_factory):
    path = tmp_path_factory.mktemp("text") / "corpus.txt"
    synthetic.write(str(path), sentences=1500)
    return path.read_text(encoding="utf-8") + EXTRA_LINES


@pytest.fixture(scope="module")
def utf8_vocab(tmp_path_factory, text):
    """The vocabulary file of the UTF-8 corpus."""
    tmp = tmp_path_factory.mktemp("utf8")
    path = tmp / "corpus.txt"
    path.write_bytes(text.encode("utf-8"))
    result = run("train", path, "-o", tmp / "v.txt", "--save-vocab", tmp / "vocab.txt", *FAST)
    assert result.exit_code == 0, result.output
    return (tmp / "vocab.txt").read_bytes()


def run(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def snapshot(folder):
    """Every file under ``folder`` and its bytes."""
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def encoded(text, name):
    mark, codec = BOM_ENCODINGS[name]
    return mark + text.encode(codec)


def controls(data):
    return sum(data.count(bytes([b])) for b in CONTROL_BYTES)


def not_text_line(name, share, size, unit, what, advice=ADVICE):
    return (f"Error: corpus '{name}' does not look like text: {share:.1%} of its first "
            f"{size:,} {unit} are {what}. {advice}")


def assert_refused(result, line, code, tmp_path, before):
    """One Error line, ``code``, no output written, every file as it was."""
    assert result.exit_code == code, result.output
    errors = [x for x in result.stderr.splitlines() if x.startswith("Error")]
    assert errors == [line]
    assert "Traceback" not in result.output
    assert snapshot(tmp_path) == before


# --- byte order marks ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BOM_ENCODINGS))
def test_a_byte_order_mark_trains_the_vocabulary_of_the_utf8_text(name, text, utf8_vocab,
                                                                   tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_bytes(encoded(text, name))
    result = run("train", path, "-o", tmp_path / "v.txt", "--save-vocab", tmp_path / "vocab.txt",
                 *FAST)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "vocab.txt").read_bytes() == utf8_vocab
    assert "replaced" not in result.stderr


def test_compressed_utf16_trains_the_vocabulary_of_the_utf8_text(text, utf8_vocab, tmp_path):
    path = tmp_path / "corpus.txt.gz"
    path.write_bytes(gzip.compress(encoded(text, "UTF-16-LE")))
    result = run("train", path, "-o", tmp_path / "v.txt", "--save-vocab", tmp_path / "vocab.txt",
                 *FAST)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "vocab.txt").read_bytes() == utf8_vocab


@pytest.mark.parametrize("name", ["UTF-16-BE", "UTF-8 with BOM"])
def test_stdin_is_sniffed_without_losing_bytes(name, text, utf8_vocab, tmp_path):
    result = run("train", "-", "-o", tmp_path / "v.txt", "--save-vocab", tmp_path / "vocab.txt",
                 *FAST, input=encoded(text, name))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "vocab.txt").read_bytes() == utf8_vocab


@pytest.mark.parametrize("name,encoding", [("UTF-16-LE", "utf-16"), ("UTF-16-BE", "UTF-16BE"),
                                           ("UTF-32-LE", "utf_32_le"), ("UTF-8 with BOM", "utf8")])
def test_an_encoding_that_agrees_with_the_mark_is_accepted(name, encoding, text, utf8_vocab,
                                                           tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_bytes(encoded(text, name))
    result = run("train", path, "-o", tmp_path / "v.txt", "--save-vocab", tmp_path / "vocab.txt",
                 "--encoding", encoding, *FAST)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "vocab.txt").read_bytes() == utf8_vocab


@pytest.mark.parametrize("name,encoding,family", [("UTF-16-LE", "latin-1", "UTF-16"),
                                                  ("UTF-16-BE", "utf-16-le", "UTF-16"),
                                                  ("UTF-32-BE", "utf-8", "UTF-32"),
                                                  ("UTF-8 with BOM", "cp1252", "UTF-8")])
def test_a_mark_that_contradicts_the_encoding_is_a_usage_error(name, encoding, family, text,
                                                               tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_bytes(encoded(text, name))
    out = tmp_path / "v.txt"
    before = snapshot(tmp_path)
    result = run("train", path, "-o", out, "--encoding", encoding, *FAST)
    label = name.split()[0]
    assert_refused(result, f"Error: --encoding {encoding} contradicts corpus '{path}', which "
                           f"starts with a {label} byte order mark. Drop --encoding to read it "
                           f"as {family}.", 2, tmp_path, before)


def test_phrases_read_a_utf16_input_as_its_utf8_text(text, tmp_path):
    plain, wide = tmp_path / "plain.txt", tmp_path / "wide.txt"
    plain.write_bytes(text.encode("utf-8"))
    wide.write_bytes(encoded(text, "UTF-16-BE"))
    for source in (plain, wide):
        result = run("phrases", source, "-o", f"{source}.out", "--threshold", "1", "-q")
        assert result.exit_code == 0, result.output
    joined = (tmp_path / "plain.txt.out").read_bytes()
    assert b"_" in joined and (tmp_path / "wide.txt.out").read_bytes() == joined


def test_ff_fe_without_utf16_text_after_it_is_not_a_mark():
    """Latin-1 text can start with the bytes FF FE; read as UTF-16 it has no whitespace."""
    head = b"\xff\xfeword caf\xe9 ok na\xc3\xafve\n" * 50
    assert sniff.byte_order_mark(head) is None
    assert sniff.judge("x.txt", head, True) == sniff.Reading()
    assert sniff.judge("x.txt", head, True, declared="latin-1") == sniff.Reading("iso8859-1")


def test_utf32_le_is_told_from_utf16_le():
    text = "a b c\n"
    assert sniff.byte_order_mark(b"\xff\xfe\x00\x00" + text.encode("utf-32-le")).label == \
        "UTF-32-LE"
    assert sniff.byte_order_mark(b"\xff\xfe" + text.encode("utf-16-le")).label == "UTF-16-LE"


# --- input that is not text ---------------------------------------------------------------


@pytest.fixture
def random_file(tmp_path):
    path = tmp_path / "random.txt"
    path.write_bytes(np.random.default_rng(SEED).bytes(RANDOM_BYTES))
    return path


def random_line(path, name=None):
    data = path.read_bytes()
    return not_text_line(name or path, controls(data) / len(data), len(data), "bytes",
                         "NUL or other control characters")


@pytest.mark.parametrize("command", [["train", "-o", "{out}", *FAST], ["phrases", "-o", "{out}"],
                                     ["estimate", "--calibration-seconds", "0.1"]])
def test_random_bytes_are_refused(command, random_file, tmp_path):
    out = tmp_path / "out.txt"
    before = snapshot(tmp_path)
    args = [command[0], random_file, *(a.format(out=out) for a in command[1:])]
    assert_refused(run(*args), random_line(random_file), 1, tmp_path, before)
    assert not out.exists()


def test_random_bytes_on_stdin_are_refused(random_file, tmp_path):
    out = tmp_path / "v.txt"
    before = snapshot(tmp_path)
    result = run("train", "-", "-o", out, *FAST, input=random_file.read_bytes())
    assert_refused(result, random_line(random_file, "-"), 1, tmp_path, before)


def test_random_bytes_are_read_when_the_user_insists(random_file, tmp_path):
    out = tmp_path / "v.txt"
    result = run("train", random_file, "-o", out, "--binary-ok", *FAST)
    assert result.exit_code == 0, result.output
    assert out.exists() and out.read_bytes().split(b" ", 1)[0].isdigit()
    result = run("phrases", random_file, "-o", tmp_path / "p.txt", "--binary-ok", "-q")
    assert result.exit_code == 0, result.output


def test_a_declared_encoding_still_refuses_control_characters(random_file, tmp_path):
    before = snapshot(tmp_path)
    result = run("train", random_file, "-o", tmp_path / "v.txt", "--encoding", "latin-1", *FAST)
    data = random_file.read_bytes()  # Latin-1: one character per byte
    line = not_text_line(random_file, controls(data) / len(data), len(data), "characters",
                         "NUL or other control characters",
                         "Check --encoding, or pass --binary-ok to read it anyway.")
    assert_refused(result, line, 1, tmp_path, before)


def test_mostly_nul_is_refused(tmp_path):
    path = tmp_path / "padded.txt"
    data = b"some words here\n" * 100 + b"\x00" * 50_000
    path.write_bytes(data)
    before = snapshot(tmp_path)
    result = run("train", path, "-o", tmp_path / "v.txt", *FAST)
    line = not_text_line(path, data.count(b"\x00") / len(data), len(data), "bytes",
                         "NUL or other control characters")
    assert_refused(result, line, 1, tmp_path, before)


def test_text_in_another_script_and_encoding_is_refused_until_named(tmp_path):
    path = tmp_path / "russian.txt"
    data = "съешь же ещё этих мягких французских булок\n".encode("cp1251") * 500
    path.write_bytes(data)
    before = snapshot(tmp_path)
    result = run("train", path, "-o", tmp_path / "v.txt", *FAST)
    invalid = data.decode("utf-8", "replace").count("\ufffd")
    assert_refused(result, not_text_line(path, invalid / len(data), len(data), "bytes",
                                         "not valid UTF-8"), 1, tmp_path, before)
    result = run("train", path, "-o", tmp_path / "v.txt", "--encoding", "cp1251", "--save-vocab",
                 tmp_path / "vocab.txt", *FAST)
    assert result.exit_code == 0, result.output
    assert "мягких" in (tmp_path / "vocab.txt").read_text(encoding="utf-8").split()


@pytest.mark.parametrize("every", [1, 5])
def test_text_with_latin1_words_is_read(every, text, tmp_path):
    words = text.encode("utf-8").split(b" ")
    data = b" ".join(w + b"\xe9" if k % every == 0 else w for k, w in enumerate(words))
    path = tmp_path / "latin1.txt"
    path.write_bytes(data)
    result = run("train", path, "-o", tmp_path / "v.txt", *FAST)
    assert result.exit_code == 0, result.output
    assert "invalid UTF-8 sequence(s) replaced by U+FFFD" in result.stderr


# --- how the readers use the verdicts -----------------------------------------------------


def test_a_utf8_mark_is_skipped_by_the_byte_ranges(text, tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(encoded(text, "UTF-8 with BOM"))
    readings = corpus.sniff_inputs([str(path)])
    one = scan([str(path)], str(tmp_path / "one.spool"), 10**6, 1, readings)
    ranges = scan([str(path)], str(tmp_path / "ranges.spool"), 10**6, 3, readings,
                  min_range_bytes=1000)
    assert one.word_counts()[0] == ranges.word_counts()[0]
    assert one.word_counts()[0][0] == text.split()[0]
    assert (tmp_path / "one.spool").read_bytes() == (tmp_path / "ranges.spool").read_bytes()
    assert one.stats.sizes == ranges.stats.sizes == {str(path): len(text.encode("utf-8"))}


def test_processes_do_not_cut_utf16_into_byte_ranges(text, tmp_path):
    path = tmp_path / "wide.txt"
    path.write_bytes(encoded(text, "UTF-16-LE"))
    readings = corpus.sniff_inputs([str(path)])
    with pytest.raises(UsageError) as error:
        distributed.shares([str(path)], 0, 2, readings)
    assert str(error.value) == (f"corpus '{path}' is read as utf-16 and cannot be split between "
                                "2 processes at bytes: convert it to UTF-8, or pass at least 2 "
                                "files (each process reads whole files).")


def test_only_the_first_byte_range_skips_the_utf8_mark(text, tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(encoded(text, "UTF-8 with BOM"))
    readings = corpus.sniff_inputs([str(path)])
    first, second = (distributed.shares([str(path)], rank, 2, readings)[0] for rank in (0, 1))
    assert readings.of(first).skip == 3 and readings.of(second).skip == 0
    assert isinstance(first, ByteRange) and first.start == 0
    assert os.path.getsize(path) == second.end
