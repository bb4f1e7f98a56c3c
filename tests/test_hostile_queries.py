"""Hostile queries, evaluation files and vectors files: every case ends in a correct answer
or one exact `Error:` line with its exit code; JSON stays standard (no NaN); no file is
changed; no message carries raw bytes or control characters from a file."""

import bz2
import gzip
import io
import json
import pickle
import struct
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner

from w2vns.cli.main import cli
from w2vns.errors import UsageError, W2vnsError, printable
from w2vns.io import w2vformat
from w2vns.vectors.embeddings import Embeddings

# Small whole numbers: every cosine is exact enough to compare across BLAS libraries.
WORDS = ["king", "queen", "man", "woman", "up", "down", "zero", "cat"]
ROWS = [[3, 1, 0, 1], [3, 1, 1, 0], [1, 2, 0, 1], [1, 2, 1, 0],
        [1, 0, 0, 0], [-1, 0, 0, 0], [0, 0, 0, 0], [0, 1, 3, 2]]
FASTTEXT_MAGIC = 793712314  # int32 at offset 0 of a fastText .bin model
FASTTEXT_VERSION = 12
FASTTEXT_ARGS = (100, 5, 5, 1, 5, 1)  # dim, window, epochs, min count, negatives, ngrams
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
SEED = 20261122
HUGE_VALUE = 1e30  # finite in float32, but its square is not
USAGE, FAILURE = 2, 1
SIMILAR_REMEDY = ("Give the words to look up, or none at all to read queries from stdin. "
                  "See 'w2vns similar --help'.")
ANALOGY_REMEDY = ("Give three words A B C, or none to read 'A B C' lines from stdin. "
                  "See 'w2vns analogy --help'.")
ZERO_QUERY = ("the query vector of '{}' is zero (a zero word vector, or words that cancel "
              "out): it has no neighbours")
ANALOGY_FORMAT = ("expected ': section' lines, each followed by questions of four words "
                  "'A B C D' (as 'athens greece baghdad iraq').")
PAIRS_FORMAT = ("expected lines 'word1<TAB>word2<TAB>score' with a number as score, '#' "
                "starting a comment.")


def strict_json(line):
    """json.loads that refuses NaN and Infinity, as a standard JSON parser does."""
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(line, parse_constant=refuse)


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def folder(tmp_path):
    """A word2vec binary and text file of WORDS; every file in it is checked afterwards to
    be byte-identical to what it was before the command ran."""
    values = np.array(ROWS, dtype=np.float32)
    w2vformat.write(str(tmp_path / "v.bin"), WORDS, values, binary=True)
    w2vformat.write(str(tmp_path / "v.txt"), WORDS, values, binary=False)
    return tmp_path


def invoke(folder, args, stdin=None, make=None):
    """Run w2vns with '{dir}' in the arguments replaced; the folder's files (those ``make``
    writes first included) must come out unchanged."""
    if make is not None:
        make(folder)
    before = snapshot(folder)
    result = CliRunner().invoke(cli, [a.replace("{dir}", str(folder)) for a in args],
                                input=stdin)
    assert snapshot(folder) == before
    assert "Traceback" not in result.stderr
    assert all(line.isprintable() for line in result.stderr.splitlines())
    return result


def assert_error(result, code, message):
    """Exit ``code``, nothing on stdout, and exactly the one line ``message`` on stderr."""
    assert result.exit_code == code, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [message]


# ---------------------------------------------------------------------- query words


BLANK_ARGUMENTS = [
    (["similar", "{dir}/v.bin", ""], f"Error: query 1 is empty. {SIMILAR_REMEDY}"),
    (["similar", "{dir}/v.bin", "king", "  ", "--json"],
     f"Error: query 2 is blank (only whitespace). {SIMILAR_REMEDY}"),
    (["similar", "{dir}/v.bin", "king", "\t\n"],
     f"Error: query 2 is blank (only whitespace). {SIMILAR_REMEDY}"),
    (["analogy", "{dir}/v.bin", "", "king", "woman"], f"Error: word 1 is empty. {ANALOGY_REMEDY}"),
    (["analogy", "{dir}/v.bin", "man", "king", " ", "--json"],
     f"Error: word 3 is blank (only whitespace). {ANALOGY_REMEDY}"),
    (["plot", "{dir}/v.bin", "king", "", "-o", "{dir}/map.png"],
     "Error: word 2 is empty. Give the words to draw. See 'w2vns plot --help'."),
]


@pytest.mark.parametrize("args,message", BLANK_ARGUMENTS)
def test_empty_or_blank_query_argument_is_a_usage_error(folder, args, message):
    assert_error(invoke(folder, args), USAGE, message)


def test_blank_stdin_lines_are_skipped(folder):
    result = invoke(folder, ["similar", "{dir}/v.bin", "-n", "1", "--json"],
                    stdin="king\n\n   \n\t\r\nqueen\n")
    assert result.exit_code == 0 and result.stderr == ""
    records = [strict_json(line) for line in result.stdout.splitlines()]
    assert [r["query"] for r in records] == ["king", "queen"]
    assert [r["results"][0]["word"] for r in records] == ["queen", "king"]
    result = invoke(folder, ["analogy", "{dir}/v.bin", "-n", "1"], stdin="\n \nman king woman\n")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.split("\t")[:2] == ["man king woman", "queen"]


# ---------------------------------------------------------------------- finite scores


def test_a_zero_vector_has_similarity_zero_never_nan(folder):
    result = invoke(folder, ["similar", "{dir}/v.bin", "king", "-n", "8", "--json"])
    assert result.exit_code == 0
    (record,) = [strict_json(line) for line in result.stdout.splitlines()]
    scores = {r["word"]: r["similarity"] for r in record["results"]}
    assert scores["zero"] == 0.0 and len(scores) == len(WORDS) - 1
    assert all(np.isfinite(list(scores.values())))


@pytest.mark.parametrize("args,text", [
    (["similar", "{dir}/v.bin", "zero"], "zero"),
    (["similar", "{dir}/v.bin", "up down"], "up down"),  # the mean of opposite vectors
    (["analogy", "{dir}/v.bin", "up", "up", "zero"], "up up zero"),  # B - A + C = 0
])
def test_a_zero_query_vector_is_reported_not_ranked(folder, args, text):
    result = invoke(folder, args + ["--json"])
    assert result.exit_code == FAILURE
    message = ZERO_QUERY.format(text)
    assert result.stderr.splitlines() == [message]
    assert [strict_json(line) for line in result.stdout.splitlines()] == [
        {"query": text, "results": [], "error": message}]


def test_stdin_zero_query_is_numbered_and_the_others_answered(folder):
    result = invoke(folder, ["similar", "{dir}/v.bin", "-n", "1", "--json"],
                    stdin="king\nzero\n")
    assert result.exit_code == FAILURE
    assert result.stderr.splitlines() == ["line 2: " + ZERO_QUERY.format("zero")]
    records = [strict_json(line) for line in result.stdout.splitlines()]
    assert records[0]["results"][0]["word"] == "queen" and records[1]["results"] == []


def test_3cosmul_with_zero_vectors_stays_finite(folder):
    result = invoke(folder, ["analogy", "{dir}/v.bin", "zero", "zero", "zero", "--method",
                             "mul", "--json"])
    assert result.exit_code == 0
    (record,) = [strict_json(line) for line in result.stdout.splitlines()]
    assert len(record["results"]) == 5 and all(np.isfinite(r["score"])
                                               for r in record["results"])


def test_vectors_too_large_to_square_are_refused(folder):
    path = folder / "huge.bin"
    values = np.array(ROWS, dtype=np.float32)
    values[2] = HUGE_VALUE
    w2vformat.write(str(path), WORDS, values, binary=True)
    assert_error(invoke(folder, ["similar", str(path), "king", "--json"]), FAILURE,
                 f"Error: '{path}': the vector of 'man' holds NaN or infinity, or values too "
                 "large for float32 arithmetic: its similarities would be NaN.")


def test_the_python_api_refuses_an_empty_query():
    kv = Embeddings(WORDS, np.array(ROWS, dtype=np.float32))
    with pytest.raises(UsageError):
        kv.most_similar([])
    assert kv.similarity("zero", "king") == 0.0
    assert kv.similar_batch([[WORDS.index("up"), WORDS.index("down")]], 3) == [[]]
    assert kv.analogy("up", "up", "zero") == []


# ---------------------------------------------------------------------- evaluation files


def _write_text(name, text):
    return _write_texts(**{name: text})


def _write_texts(**texts):
    """A maker of text files: name=text."""
    def make(folder):
        for name, text in texts.items():
            (folder / name).write_text(text, encoding="utf-8")
    return make


EVALUATION_ERRORS = [
    ("--analogies", "empty.txt", "",
     f"Error: '{{dir}}/empty.txt' holds no analogy question: {ANALOGY_FORMAT}"),
    ("--analogies", "bad.txt", ": capitals\nparis france\n\n   \nrome italy berlin\n",
     "Error: '{dir}/bad.txt' holds no analogy question (2 line(s) of another form): "
     + ANALOGY_FORMAT),
    ("--analogies", "sections.txt", ": one\n: two\n",
     f"Error: '{{dir}}/sections.txt' holds no analogy question: {ANALOGY_FORMAT}"),
    ("--similarity", "empty.tsv", "# only a comment\n\n",
     f"Error: '{{dir}}/empty.tsv' holds no word pair: {PAIRS_FORMAT}"),
    ("--similarity", "bad.tsv", "king\tqueen\nking\tqueen\thigh\nman\twoman\tnan\n"
                                "man\twoman\tinf\n\tqueen\t3\n",
     f"Error: '{{dir}}/bad.tsv' holds no word pair (5 line(s) of another form): {PAIRS_FORMAT}"),
    ("--similarity", "binary.tsv", "\x00\x01\x02\n\x1b[31m\n",
     f"Error: '{{dir}}/binary.tsv' holds no word pair (2 line(s) of another form): "
     f"{PAIRS_FORMAT}"),
]


@pytest.mark.parametrize("option,name,text,message", EVALUATION_ERRORS)
def test_evaluation_file_with_no_usable_line_is_an_error(folder, option, name, text, message):
    result = invoke(folder, ["evaluate", "{dir}/v.bin", option, f"{{dir}}/{name}"],
                    make=_write_text(name, text))
    assert_error(result, FAILURE, message.format(dir=folder))


ANALOGIES_OOV = ": one\nathens greece baghdad iraq\nparis france rome italy\n"
PAIRS_OOV = "tiger\tcat\t7\nbook\tpaper\t5\n"
PAIRS_KNOWN = "king\tqueen\t8\nman\twoman\t7\ncat\tking\t1\n"


def test_nothing_in_the_vocabulary_is_an_error(folder):
    make = _write_texts(**{"q.txt": ANALOGIES_OOV, "p.tsv": PAIRS_OOV})
    result = invoke(folder, ["evaluate", "{dir}/v.bin", "--analogies", "{dir}/q.txt",
                             "--similarity", "{dir}/p.tsv", "--json"], make=make)
    assert_error(result, FAILURE, (
        f"Error: nothing could be scored: 0 of the 2 analogy question(s) in '{folder}/q.txt' "
        f"have all four words in the first 30,000 words of '{folder}/v.bin'; 0 of the 2 word "
        f"pair(s) in '{folder}/p.tsv' have both words in '{folder}/v.bin'. Check that the "
        "evaluation files are in the language of the vectors."))


def test_restrict_hint_when_the_search_was_cut(folder):
    result = invoke(folder, ["evaluate", "{dir}/v.bin", "--analogies", "{dir}/q.txt",
                             "--restrict", "2"], make=_write_text("q.txt", ANALOGIES_OOV))
    assert_error(result, FAILURE, (
        f"Error: nothing could be scored: 0 of the 2 analogy question(s) in '{folder}/q.txt' "
        f"have all four words in the first 2 words of '{folder}/v.bin'. Check that the "
        "evaluation files are in the language of the vectors, or pass --restrict 0 to search "
        "every word."))


def test_a_file_with_nothing_known_is_reported_beside_one_that_scores(folder):
    make = _write_texts(**{"q.txt": ANALOGIES_OOV, "p.tsv": PAIRS_KNOWN})
    result = invoke(folder, ["evaluate", "{dir}/v.bin", "--analogies", "{dir}/q.txt",
                             "--similarity", "{dir}/p.tsv", "--json"], make=make)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"warning: 0 of the 2 analogy question(s) in '{folder}/q.txt' have all four words in "
        f"the first 30,000 words of '{folder}/v.bin'."]
    report = strict_json(result.stdout)
    assert report["analogies"][0]["total"]["total"] == 0
    assert report["analogies"][0]["oov"] == report["analogies"][0]["questions"] == 2
    assert report["similarity"][0]["pairs"] == 3
    assert -1 <= report["similarity"][0]["spearman"] <= 1


def test_non_finite_human_scores_are_malformed_not_nan(folder):
    text = PAIRS_KNOWN + "king\tman\tnan\nqueen\twoman\tinf\nup\tdown\t1e999\n"
    result = invoke(folder, ["evaluate", "{dir}/v.txt", "--similarity", "{dir}/p.tsv",
                             "--json"], make=_write_text("p.tsv", text))
    assert result.exit_code == 0 and result.stderr == ""
    (pairs,) = strict_json(result.stdout)["similarity"]
    assert pairs["pairs"] == 3 and pairs["malformed"] == 3
    assert np.isfinite([pairs["spearman"], pairs["pearson"]]).all()


# ---------------------------------------------------------------------- vectors files


def _fasttext_bin(folder):
    header = struct.pack("<ii", FASTTEXT_MAGIC, FASTTEXT_VERSION)
    (folder / "model.bin").write_bytes(header + struct.pack("<6i", *FASTTEXT_ARGS)
                                       + b"\x00\n\x1b" * 20)


def _npz(folder):
    np.savez(folder / "vectors.npz", vectors=np.array(ROWS, dtype=np.float32))


def _npz_named_npy(folder):
    _npz(folder)
    (folder / "vectors.npy").write_bytes((folder / "vectors.npz").read_bytes())
    (folder / "vectors.vocab").write_text("\n".join(WORDS) + "\n")


def _npy_without_suffix(folder):
    data = io.BytesIO()
    np.save(data, np.array(ROWS, dtype=np.float32))
    (folder / "matrix.dat").write_bytes(data.getvalue())


def _zip(folder):
    with zipfile.ZipFile(folder / "wiki.vec.zip", "w") as archive:
        archive.write(folder / "v.txt", "wiki.vec")


def _bytes(name, data):
    return lambda folder: (folder / name).write_bytes(data)


def _compressed(name, compress):
    return lambda folder: (folder / name).write_bytes(compress((folder / "v.bin").read_bytes()))


VECTORS_ERRORS = {
    "cut fastText model": (_fasttext_bin, "model.bin",
                           "Error: '{p}' is truncated (in the dictionary): the fastText model "
                           "is incomplete. Copy or download it again."),
    "HDF5 file": (_bytes("model.h5", HDF5_SIGNATURE + bytes(64)), "model.h5",
                  "Error: '{p}' is an HDF5 file (a Keras or h5py model?), which w2vns does not "
                  "read. Save the matrix with np.save as NAME.npy and its words, one per line, "
                  "in NAME.vocab beside it: w2vns reads that pair."),
    "npz archive": (_npz, "vectors.npz",
                    "Error: '{p}' is a NumPy .npz archive, which w2vns does not read. Save the "
                    "matrix with np.save as NAME.npy and its words, one per line, in NAME.vocab "
                    "beside it: w2vns reads that pair."),
    "npz named .npy": (_npz_named_npy, "vectors.npy",
                       "Error: '{p}' is a NumPy .npz archive, which w2vns does not read. Save "
                       "the matrix with np.save as NAME.npy and its words, one per line, in "
                       "NAME.vocab beside it: w2vns reads that pair."),
    "zip archive": (_zip, "wiki.vec.zip",
                    "Error: '{p}' is a zip archive (it holds 'wiki.vec'), which w2vns does not "
                    "read. Unzip it and give the vectors file inside."),
    "pickle": (_bytes("w2v.model", pickle.dumps({"vectors": ROWS}, protocol=4)), "w2v.model",
               "Error: '{p}' is a Python pickle (a gensim model saved with .save()?), which "
               "w2vns does not read. Write its vectors from gensim with "
               "model.wv.save_word2vec_format('vectors.bin', binary=True)."),
    "npy without its suffix": (_npy_without_suffix, "matrix.dat",
                               "Error: '{p}' is a NumPy .npy matrix without the .npy suffix. "
                               "Rename it to NAME.npy and put its words, one per line, in "
                               "NAME.vocab beside it."),
    "gzip under .bin": (_compressed("gz.bin", gzip.compress), "gz.bin",
                        "Error: '{p}' holds gzip-compressed data, but its name does not end in "
                        ".gz (w2vns decompresses by the extension). Rename it to '{p}.gz'."),
    "bzip2 under .txt": (_compressed("bz.txt", bz2.compress), "bz.txt",
                         "Error: '{p}' holds bzip2-compressed data, but its name does not end "
                         "in .bz2 (w2vns decompresses by the extension). Rename it to "
                         "'{p}.bz2'."),
    "empty file": (_bytes("empty.bin", b""), "empty.bin",
                   "Error: '{p}' is empty. Expected a word2vec file with a 'count dim' header "
                   "line."),
    "random bytes": (_bytes("random.bin", b"\xec\xf8a\xc8\x00\x92\xea\x1bI8\n\x134\xf3\xe2"
                            + np.random.default_rng(SEED).bytes(5000)), "random.bin",
                     "Error: '{p}' is not a word2vec vectors file: it starts with binary data "
                     "('\\xec\\xf8a\\xc8\\x00\\x92\\xea\\x1bI8\\n'), not a 'count dim' header "
                     "line."),
    "control characters": (_bytes("ansi.txt", b"\x1b[31mhi \x07you\r\n"), "ansi.txt",
                           "Error: '{p}' is not a word2vec vectors file: it starts with binary "
                           "data ('\\x1b[31mhi \\x07you\\r\\n'), not a 'count dim' header "
                           "line."),
    "a corpus, not vectors": (_bytes("corpus.txt", ("the cat sat " * 10).encode() + b"\n"),
                              "corpus.txt",
                              "Error: '{p}' line 1: expected the word2vec header 'count dim' "
                              "(two whole numbers, dim > 0), found 'the cat sat the cat sat the "
                              "cat sat the ...'."),
    "absurd dimension": (_bytes("dim.bin", b"3 99999999999\nking abc"), "dim.bin",
                         "Error: '{p}' line 1: the header announces 99,999,999,999 dimensions, "
                         "more than the 1,048,576 w2vns reads: the header is damaged, or this "
                         "is not a word2vec file."),
    "absurd count": (_bytes("count.bin", b"99999999999999999999 4\nking abcd"), "count.bin",
                     "Error: '{p}' is truncated: vector 1 of 99999999999999999999 (byte 23) is "
                     "incomplete or missing."),
    "header of three numbers": (_bytes("three.txt", b"8 4 1\nking 3 1 0 1\n"), "three.txt",
                                "Error: '{p}' line 1: expected the word2vec header 'count dim' "
                                "(two whole numbers, dim > 0), found '8 4 1'. If the file "
                                "has no header line and line 1 is a vector, pass --no-header."),
}


@pytest.mark.parametrize("case", sorted(VECTORS_ERRORS))
def test_vectors_file_of_another_format_is_named(folder, case):
    make, name, message = VECTORS_ERRORS[case]
    path = folder / name
    result = invoke(folder, ["similar", str(path), "king"], make=make)
    assert_error(result, FAILURE, message.format(p=path))


def test_absurd_count_in_a_compressed_file_is_an_error(folder):
    path = folder / "count.bin.gz"
    result = invoke(folder, ["similar", str(path), "king"],
                    make=_bytes(path.name, gzip.compress(b"99999999999999999999 300\nking ")))
    assert result.exit_code == FAILURE and result.stdout == ""
    assert result.stderr.splitlines() in (
        [f"Error: '{path}': not enough memory for the 99999999999999999999 x 300 vectors its "
         "header announces. Use --limit N to read fewer."],
        [f"Error: '{path}' is truncated: vector 1 of 99999999999999999999 (byte 25) is "
         "incomplete or missing."])


def test_glove_text_without_a_header_is_read(folder):
    text = (folder / "v.txt").read_text().split("\n", 1)[1]
    make = _write_text("glove.txt", text)
    result = invoke(folder, ["similar", "{dir}/glove.txt", "king", "man woman", "--json"],
                    make=make)
    expected = invoke(folder, ["similar", "{dir}/v.txt", "king", "man woman", "--json"])
    assert result.exit_code == expected.exit_code == 0 and result.stderr == ""
    assert [strict_json(line) for line in result.stdout.splitlines()] == [
        strict_json(line) for line in expected.stdout.splitlines()]


def test_file_text_in_messages_is_escaped_and_cut():
    assert printable(b"a\x00b\nc\x1b[0m\xff") == "a\\x00b\\nc\\x1b[0m\\xff"
    assert printable("tab\there\u200b") == "tab\\there\\u200b"
    assert printable("naïve 日本") == "naïve 日本"
    assert printable("x" * 50, limit=10) == "x" * 10 + "..."
    assert printable(b"\x00" * 50, limit=10) == "\\x00\\x00..."


# ------------------------------------------------------------------------ --no-header

NUMBER_WORD = "1990"  # a first word that is a number: line 1 holds only whole numbers
NUMBER_ROW = [2, 1, 1, 1]
QUESTIONS = ": family\nman woman king queen\n"
COMMANDS = {
    "similar": ["similar", "{v}", "king", NUMBER_WORD, "-n", "3"],
    "analogy": ["analogy", "{v}", "man", "woman", "king", "--json"],
    "evaluate": ["evaluate", "{v}", "--analogies", "{dir}/q.txt", "--similarity",
                 "{dir}/p.tsv", "--json"],
    "convert": ["convert", "{v}", "-"],
    "plot": ["plot", "{v}", "king", "cat", "-n", "2", "-o", "{dir}/out/map.png"],
}


def _headerless(folder):
    """n.txt (with its header) and glove.txt (the same rows, no header line), whose first
    word is a number; the evaluation files and an output folder the commands need."""
    words, rows = [NUMBER_WORD] + WORDS, np.array([NUMBER_ROW] + ROWS, dtype=np.float32)
    w2vformat.write(str(folder / "n.txt"), words, rows, binary=False)
    text = (folder / "n.txt").read_text(encoding="utf-8")
    (folder / "glove.txt").write_text(text.split("\n", 1)[1], encoding="utf-8")
    _write_texts(**{"q.txt": QUESTIONS, "p.tsv": PAIRS_KNOWN})(folder)
    (folder / "out").mkdir(exist_ok=True)


def _command(name, vectors, *extra):
    if name == "plot":
        pytest.importorskip("matplotlib")
    return [a.replace("{v}", vectors) for a in COMMANDS[name]] + list(extra)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_vectors_command_reads_headerless_text_with_no_header(folder, name):
    _headerless(folder)
    expected = invoke(folder, _command(name, "{dir}/n.txt"))
    result = invoke(folder, _command(name, "{dir}/glove.txt", "--no-header"))
    assert expected.exit_code == result.exit_code == 0, result.stderr
    assert expected.stdout or (folder / "out" / "map.png").stat().st_size  # plot: a picture
    same = str(folder / "n.txt")
    assert result.stdout.replace(str(folder / "glove.txt"), same) == expected.stdout
    assert result.stderr.replace(str(folder / "glove.txt"), same) == expected.stderr


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_without_no_header_a_first_row_of_whole_numbers_is_a_bad_header(folder, name):
    _headerless(folder)
    result = invoke(folder, _command(name, "{dir}/glove.txt"))
    assert_error(result, FAILURE, (
        f"Error: '{folder}/glove.txt' line 1: expected the word2vec header 'count dim' (two "
        f"whole numbers, dim > 0), found '1990 2 1 1 1'. If the file has no header line and "
        "line 1 is a vector, pass --no-header."))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_vectors_command_names_a_format_it_does_not_read(folder, name):
    _headerless(folder)
    for case in ("cut fastText model", "HDF5 file", "pickle"):
        make, file_name, message = VECTORS_ERRORS[case]
        path = folder / file_name
        for extra in ([], ["--no-header"]):
            result = invoke(folder, _command(name, str(path), *extra), make=make)
            assert_error(result, FAILURE, message.format(p=path))


@pytest.mark.parametrize("vectors", ["v.txt", "v.bin"])
def test_no_header_refuses_a_file_that_has_one(folder, vectors):
    result = invoke(folder, ["similar", f"{{dir}}/{vectors}", "king", "--no-header"])
    assert_error(result, USAGE, (
        f"Error: '{folder}/{vectors}' line 1 is a word2vec header ('8 4'), but --no-header "
        "reads line 1 as a vector. Drop --no-header."))


def test_no_header_refuses_a_npy_matrix(folder):
    make = _write_texts(**{"m.vocab": "\n".join(WORDS) + "\n"})
    np.save(folder / "m.npy", np.array(ROWS, dtype=np.float32))
    result = invoke(folder, ["similar", "{dir}/m.npy", "king", "--no-header"], make=make)
    assert_error(result, USAGE, f"Error: --no-header is for text vectors files; "
                                f"'{folder}/m.npy' is a .npy matrix. Drop --no-header.")


@pytest.mark.parametrize("text,shown", [
    ("the cat sat on the mat\n", "the cat sat on the mat"),
    ("king\n", "king"),
    ("king 1 x 3\n", "king 1 x 3"),
])
def test_no_header_needs_a_vector_on_line_1(folder, text, shown):
    result = invoke(folder, ["similar", "{dir}/words.txt", "king", "--no-header"],
                    make=_write_text("words.txt", text))
    assert_error(result, FAILURE, (
        f"Error: '{folder}/words.txt' line 1: expected a word and its values (--no-header: no "
        f"header line), found '{shown}'."))


def test_no_header_reads_a_first_line_that_could_pass_for_a_header(tmp_path):
    """'3 5' is the word '3' with the one value 5 when the next line is a row of one value."""
    path = tmp_path / "one.txt"
    path.write_text("3 5\n4 -6\nx 1.5\n", encoding="utf-8")
    words, values = w2vformat.read(str(path), no_header=True)
    assert words == ["3", "4", "x"] and values.tolist() == [[5.0], [-6.0], [1.5]]
    with pytest.raises(W2vnsError):
        w2vformat.read(str(path))


def test_the_api_reads_headerless_text_with_no_header(folder):
    import w2vns

    _headerless(folder)
    with_header = w2vns.load(str(folder / "n.txt"))
    without = w2vns.load(str(folder / "glove.txt"), no_header=True)
    assert without.words == with_header.words
    assert (without.vectors == with_header.vectors).all()
