"""Loading vectors files: layouts real tools write, --limit, repairs, and every corrupt case
with its exact message (byte offset for binary, line number for text)."""

import gzip

import numpy as np
import pytest
from click.testing import CliRunner

from w2vns.io import matrix
from w2vns.vectors import embeddings as vectors
from w2vns.io import w2vformat
from w2vns.cli.main import cli
from w2vns.errors import FormatError, InputError

WORDS = ["the", "cat", "naïve", "日本", "sat"]
DIM = 4
WIDEN = 40  # columns repeated to make text rows longer than a header line may be


@pytest.fixture
def values():
    rng = np.random.default_rng(3)
    return rng.normal(0, 1, (len(WORDS), DIM)).astype(np.float32)


def binary_bytes(words, rows, newline=b"\n", header=None):
    """A binary word2vec file, rows ending with ``newline`` (C tool: b"\\n", gensim: b"")."""
    head = header if header is not None else f"{len(words)} {rows.shape[1]}\n".encode()
    body = b"".join(w.encode() + b" " + r.astype("<f4").tobytes() + newline
                    for w, r in zip(words, rows))
    return head + body


def text_bytes(words, rows, newline="\n", trailing=""):
    lines = [f"{len(words)} {rows.shape[1]}"]
    lines += [w + " " + " ".join("%.9g" % v for v in r) + trailing for w, r in zip(words, rows)]
    return (newline.join(lines) + newline).encode()


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("newline", [b"\n", b"", b"\n\n", b"\r\n"])
def test_binary_rows_with_or_without_newlines(tmp_path, values, newline):
    path = write(tmp_path, "v.bin", binary_bytes(WORDS, values, newline))
    words, got = w2vformat.read(path)
    assert words == WORDS
    np.testing.assert_array_equal(got, values)


@pytest.mark.parametrize("newline,trailing", [("\n", ""), ("\r\n", ""), ("\n", " "),
                                              ("\r\n", " ")])
def test_text_crlf_and_c_tool_trailing_space(tmp_path, values, newline, trailing):
    path = write(tmp_path, "v.txt", text_bytes(WORDS, values, newline, trailing))
    words, got = w2vformat.read(path)
    assert words == WORDS
    np.testing.assert_array_equal(got, values)


def test_text_blank_lines_are_skipped_and_counted(tmp_path, values):
    data = text_bytes(WORDS, values).replace(b"\ncat ", b"\n\n\ncat ")
    path = write(tmp_path, "v.txt", data)
    assert w2vformat.read(path)[0] == WORDS
    bad = data.replace(b"\nsat ", b"\nsat x ")
    path = write(tmp_path, "bad.txt", bad)
    with pytest.raises(FormatError) as err:
        w2vformat.read(path)
    assert str(err.value) == f"'{path}' line 8: expected a word and 4 values, found 5 values."


def test_many_rows_across_block_boundaries_and_gzip(tmp_path):
    rng = np.random.default_rng(0)
    words = [f"w{i}" + "x" * (i % 13) for i in range(3000)]
    rows = rng.normal(0, 1, (len(words), 8)).astype(np.float32)
    data = binary_bytes(words, rows, b"")
    assert len(data) > 10 * (2 * (8 * 4 + w2vformat.MAX_WORD_BYTES + 8))  # many refills
    for name, payload in (("v.bin", data), ("v.bin.gz", gzip.compress(data))):
        for block in (w2vformat.BLOCK_BYTES, 1):
            path = write(tmp_path, name, payload)
            original, w2vformat.BLOCK_BYTES = w2vformat.BLOCK_BYTES, block
            try:
                got_words, got = w2vformat.read(path)
            finally:
                w2vformat.BLOCK_BYTES = original
            assert got_words == words
            np.testing.assert_array_equal(got, rows)


def test_limit_stops_reading(tmp_path, values):
    data = binary_bytes(WORDS, values)
    path = write(tmp_path, "v.bin", data[:-30] + b"garbage")  # cut inside row 5, then garbage
    words, got = w2vformat.read(path, limit=2)
    assert words == WORDS[:2]
    np.testing.assert_array_equal(got, values[:2])
    with pytest.raises(FormatError):
        w2vformat.read(path)
    text = write(tmp_path, "v.txt", text_bytes(WORDS, values)[:-30] + b"not numbers at all")
    assert w2vformat.read(text, limit=3)[0] == WORDS[:3]


def test_unknown_extension_is_sniffed(tmp_path, values):
    for data in (binary_bytes(WORDS, values), text_bytes(WORDS, values)):
        path = write(tmp_path, "vectors", data)
        words, got = w2vformat.read(path)
        assert words == WORDS
        np.testing.assert_array_equal(got, values)


def test_text_without_a_header_line_is_read_as_glove(tmp_path, values):
    """GloVe's format: word2vec text with no 'count dim' line, plain or compressed, a line 1
    longer than the header is read; --limit counts only what it needs."""
    values = np.repeat(values, WIDEN, axis=1)  # rows longer than MAX_HEADER_BYTES
    body = text_bytes(WORDS, values).split(b"\n", 1)[1]
    assert body.index(b"\n") > w2vformat.MAX_HEADER_BYTES
    for name, data in (("glove.txt", body), ("glove.txt.gz", gzip.compress(body)),
                       ("glove", w2vformat.UTF8_BOM + body.replace(b"\ncat", b"\n\ncat"))):
        path = write(tmp_path, name, data)
        words, got = w2vformat.read(path)
        assert words == WORDS, name
        np.testing.assert_array_equal(got, values)
        assert w2vformat.read(path, limit=2)[0] == WORDS[:2]
    bad = write(tmp_path, "bad.txt", body.replace(b"\nsat ", b"\nsat 1 "))
    with pytest.raises(FormatError) as err:
        w2vformat.read(bad)
    dim = DIM * WIDEN
    assert str(err.value) == (f"'{bad}' line 5: expected a word and {dim} values, found "
                              f"{dim + 1} values.")


def test_invalid_utf8_replace_ignore_strict(tmp_path, values):
    words = ["ok", "bad\xff", "fine"]
    data = binary_bytes(words, values[:3]).replace("bad\xff".encode(), b"bad\xff")
    path = write(tmp_path, "v.bin", data)
    found = w2vformat.read_file(path)
    assert found.words == ["ok", "bad\ufffd", "fine"] and found.invalid_words == 1
    assert w2vformat.read_file(path, unicode_errors="ignore").words == ["ok", "bad", "fine"]
    with pytest.raises(FormatError) as err:
        w2vformat.read_file(path, unicode_errors="strict")
    offset = data.index(b"bad\xff")
    assert str(err.value) == (f"'{path}' byte {offset}: the word is not valid UTF-8. "
                              "Use --unicode-errors replace or ignore.")
    result = CliRunner().invoke(cli, ["similar", path, "ok"])
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == ("warning: 1 word(s) were not valid UTF-8; the bad "
                                             "bytes were replaced by U+FFFD")


def test_duplicates_keep_the_first(tmp_path, values):
    words = ["a", "b", "a", "c", "b"]
    path = write(tmp_path, "v.txt", text_bytes(words, values))
    found = w2vformat.read_file(path)
    assert found.words == ["a", "b", "c"] and found.duplicates == 2
    np.testing.assert_array_equal(found.vectors, values[[0, 1, 3]])
    messages = []
    kv = vectors.load(path, log=messages.append)
    assert len(kv) == 3
    assert messages == ["warning: 2 duplicate word(s); kept the first vector of each"]


def test_npy_round_trip_and_limit(tmp_path, values):
    path = str(tmp_path / "v.npy")
    w2vformat.write_file(path, WORDS, values)
    assert (tmp_path / "v.vocab").read_text(encoding="utf-8").splitlines() == WORDS
    words, got = w2vformat.read(path)
    assert words == WORDS
    np.testing.assert_array_equal(got, values)
    assert w2vformat.read(path, limit=2)[0] == WORDS[:2]


def test_prefaulted_matrix_is_a_normal_writable_array(monkeypatch):
    monkeypatch.setattr(matrix, "PREFAULT_MIN_BYTES", 0)
    m = matrix.empty(5, 3)
    m[:] = 2.0
    assert m.shape == (5, 3) and m.dtype == np.float32 and m.flags.c_contiguous
    np.testing.assert_allclose(matrix.normalized(m), np.full((5, 3), 1 / np.sqrt(3)), rtol=1e-6)


def test_normalize_in_place_keeps_one_matrix(tmp_path, values):
    path = write(tmp_path, "v.bin", binary_bytes(WORDS, values))
    kv = vectors.load(path, normalize=True)
    assert kv.unit is kv.vectors
    np.testing.assert_allclose(np.linalg.norm(kv.vectors, axis=1), 1.0, rtol=1e-6)
    kv.most_similar("cat")
    assert kv.unit is kv.vectors


def replace_line(text, index, line):
    lines = text.split("\n")
    lines[index] = line
    return "\n".join(lines).encode()


def _corrupt_cases(values):
    """(name, bytes, expected message with {path}) for every kind of damage."""
    header = f"5 {DIM}\n".encode()
    good = binary_bytes(WORDS, values)
    row = [len(w.encode()) + 1 + 4 * DIM + 1 for w in WORDS]  # bytes per binary row
    start = [len(header) + sum(row[:i]) for i in range(len(WORDS))]
    short_row = (good[:start[1]] + b"cat " + values[1, :3].astype("<f4").tobytes() + b"\n"
                 + good[start[2]:])
    nan = np.array([[1, 2, 3, 4], [1, np.nan, 3, 4]], dtype=np.float32)
    text = text_bytes(WORDS, values).decode()
    return [
        ("truncated.bin", good[:start[3] + 10],
         f"'{{path}}' is truncated: vector 4 of 5 (byte {start[3]}) is incomplete or missing."),
        ("missing.bin", good[:start[4]],
         f"'{{path}}' is truncated: vector 5 of 5 (byte {start[4]}) is incomplete or missing."),
        ("short-row.bin", short_row,
         f"'{{path}}' is corrupt at byte {start[1] + 4 + 4 * DIM}: vector 2 is not followed "
         "by a newline (a row with the wrong number of values, or a damaged file)."),
        ("extra.bin", good + binary_bytes(["more"], values[:1], header=b""),
         f"'{{path}}' has data after its last vector at byte {len(good)}: the header's count "
         f"(5) or dimension ({DIM}) is wrong."),
        ("nul.bin", good[:start[1]] + b"c\0t" + good[start[1] + 3:],
         f"'{{path}}' is corrupt at byte {start[1]}: vector 2 has a NUL byte in its word."),
        ("nan.bin", binary_bytes(["a", "b"], nan),
         f"'{{path}}' vector 2 (byte {4 + 2 + 4 * DIM + 1}): the vector of 'b' holds NaN or "
         "infinity."),
        ("empty.bin", b"", "'{path}' is empty. Expected a word2vec file with a 'count dim' "
                           "header line."),
        ("header.bin", b"5 four\n" + good[len(header):],
         "'{path}' line 1: expected the word2vec header 'count dim' (two whole numbers, "
         "dim > 0), found '5 four'."),
        ("words.txt", b"the cat sat on the mat\n" + text.split("\n", 1)[1].encode(),
         "'{path}' line 1: expected the word2vec header 'count dim' (two whole numbers, "
         "dim > 0), found 'the cat sat on the mat'."),
        ("truncated.txt", "\n".join(text.splitlines()[:4]).encode() + b"\n",
         "'{path}' is truncated: it ends at line 4 with 3 of the 5 vectors its header "
         "announces."),
        ("count.txt", replace_line(text, 2, "cat 0.5 1 2 3 4"),
         f"'{{path}}' line 3: expected a word and {DIM} values, found {DIM + 1} values."),
        ("number.txt", replace_line(text, 5, "sat 1 1,5 2 3"),
         "'{path}' line 6: '1,5' is not a number."),
        ("inf.txt", replace_line(text, 3, "naïve 1 inf 2 3"),
         "'{path}' line 4: the vector of 'naïve' holds NaN or infinity."),
        ("extra.txt", text.encode() + b"more 1 2 3 4\n",
         "'{path}' line 7: more vectors than the 5 its header announces. Fix the header's "
         "count."),
        ("bad.bin.gz", gzip.compress(good)[:-12], None),
    ]


def test_corrupt_files_give_format_errors(tmp_path, values):
    for name, data, message in _corrupt_cases(values):
        path = write(tmp_path, name, data)
        with pytest.raises(FormatError) as err:
            w2vformat.read(path)
        if message is not None:
            assert str(err.value) == message.format(path=path), name
        else:
            assert str(err.value).startswith(f"cannot read '{path}': ")


def test_corrupt_files_on_the_command_line(tmp_path, values):
    runner = CliRunner()
    for name, data, message in _corrupt_cases(values):
        path = write(tmp_path, name, data)
        for args in (["similar", path, "cat"], ["convert", path, str(tmp_path / "out.txt")]):
            result = runner.invoke(cli, args)
            assert result.exit_code == 1, name
            lines = result.stderr.splitlines()
            assert lines[-1].startswith("Error: ") and "Traceback" not in result.stderr
            if message is not None:
                assert lines[-1] == "Error: " + message.format(path=path), name
            assert result.stdout == ""
            assert not (tmp_path / "out.txt").exists()


def test_smallest_rows_and_no_final_newline(tmp_path):
    for name, data in (("v.txt", b"2 1\na 1\nb 2"), ("v.bin", b"2 1\na " + b"\0" * 4 + b"b "
                                                     + np.float32(2).tobytes())):
        words, got = w2vformat.read(write(tmp_path, name, data))
        assert words == ["a", "b"] and got[:, 0].tolist() == [float(name == "v.txt"), 2.0]


def test_absurd_header_count_is_an_error_not_a_crash(tmp_path, values):
    data = binary_bytes(WORDS, values, header=b"3000000000 300\n")
    path = write(tmp_path, "huge.bin", data)
    with pytest.raises(FormatError) as err:
        w2vformat.read(path)
    assert str(err.value).startswith(f"'{path}' is truncated: vector 1 of 3000000000 (byte 15)")
    path = write(tmp_path, "huge.bin.gz", gzip.compress(data))
    with pytest.raises(FormatError) as err:  # size unknown: the allocation is attempted
        w2vformat.read(path)
    assert str(err.value) in (  # refused, or (memory overcommitted) the first row is short
        f"'{path}': not enough memory for the 3000000000 x 300 vectors its header announces. "
        "Use --limit N to read fewer.",
        f"'{path}' is truncated: vector 1 of 3000000000 (byte 15) is incomplete or missing.")


def test_npy_problems(tmp_path, values):
    path = str(tmp_path / "v.npy")
    np.save(path, values)
    with pytest.raises(InputError) as err:
        w2vformat.read(path)
    assert str(err.value) == (f"'{tmp_path / 'v.vocab'}' not found: a .npy matrix needs its "
                              "words beside it, one per line, in a file with the suffix .vocab.")
    (tmp_path / "v.vocab").write_text("a\nb\n")
    with pytest.raises(FormatError) as err:
        w2vformat.read(path)
    assert str(err.value) == f"'{tmp_path / 'v.vocab'}' has 2 words but '{path}' has 5 rows."


def test_missing_file_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["similar", str(tmp_path / "nope.bin"), "cat"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: vectors file '{tmp_path / 'nope.bin'}' not found. " \
                            "Check the path.\n"


def test_gensim_reads_what_we_read(tmp_path, values):
    gensim_models = pytest.importorskip("gensim.models")
    path = write(tmp_path, "v.bin", binary_bytes(WORDS, values, b""))
    kv = gensim_models.KeyedVectors.load_word2vec_format(path, binary=True)
    words, got = w2vformat.read(path)
    assert list(kv.index_to_key) == words
    np.testing.assert_array_equal(kv.vectors, got)
