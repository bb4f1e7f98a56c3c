"""`w2vns evaluate` on a whole suite: the analogy set split into semantic and syntactic
sections, one row per word-similarity set (Spearman as scipy computes it, pairs used, the
out-of-vocabulary share), the bundled sets, --suite-dir, the JSON object, and the errors."""

import gzip
import json

import numpy as np
import pytest
from click.testing import CliRunner

import w2vns
from w2vns.cli.main import cli
from w2vns.errors import InputError
from w2vns.io import w2vformat
from w2vns.vectors import evaluate
from w2vns.vectors.embeddings import Embeddings

from test_hostile_queries import assert_error, invoke, strict_json

stats = pytest.importorskip("scipy.stats")

CORPUS_SENTENCES = 3000
TRAIN = dict(epochs=2, threads=1, seed=3, dim=16, quiet=True, log=lambda _: None)
DIM = 12
SEED = 20261201
MIN_COSINE_GAP = 1e-4  # random vectors: no two cosines of a set closer than this
USAGE, FAILURE = 2, 1
ROW_KEYS = {"set", "kind", "score", "used", "size", "oov_ratio", "file"}
DIR_REMEDY = "Give the directory that holds the word-similarity sets, one *.txt file each"

# Words built so that every analogy holds exactly: each pair is (x, x + offset of its
# relation), x random. 3CosAdd then answers B - A + C = D with cosine 1.
CAPITALS = [("athens", "greece"), ("paris", "france"), ("rome", "italy")]
PLURALS = [("cat", "cats"), ("dog", "dogs"), ("car", "cars")]
OTHERS = ["Tiger", "lion", "water", "fire", "stone", "tree", "river", "king", "queen"]
ANALOGIES = """\
: capital-common-countries
athens greece paris france
paris france rome italy
athens greece rome france
athens greece zzz yyy
: family
ATHENS Greece rome italy
: gram8-plural
cat cats dog dogs
dog dogs car cars
cat cats car dogs
car cars cat cats
: gram9-plural-verbs
cat cats qqq qqqs
cat cats dog dogs
"""
# (questions, answered, correct) per kind, counted by hand from ANALOGIES
EXPECTED_ANALOGIES = {"semantic": (5, 4, 3), "syntactic": (6, 5, 4), "all": (11, 9, 7)}


def embeddings():
    """The words above with vectors in which the analogies hold, the others random."""
    rng = np.random.default_rng(SEED)
    words, rows = [], []
    for pairs in (CAPITALS, PLURALS):
        offset = rng.normal(size=DIM)
        for x, y in pairs:
            base = rng.normal(size=DIM)
            words += [x, y]
            rows += [base, base + offset]
    for word in OTHERS:
        words.append(word)
        rows.append(rng.normal(size=DIM))
    return Embeddings(words, np.array(rows, dtype=np.float32))


def pairs_text(rng, pairs, unknown=(), comment=False):
    """Pairs of known words with random human scores (ties included), then pairs with an
    unknown word; a header comment when asked."""
    lines = ["# word1\tword2\tscore"] if comment else []
    for a, b in pairs:
        lines.append(f"{a}\t{b}\t{rng.integers(0, 5) / 2}")
    lines += [f"{a}\t{b}\t{rng.integers(0, 5) / 2}" for a, b in unknown]
    return "\n".join(lines) + "\n"


def known_pairs(rng, count):
    """``count`` distinct pairs of known words, every fourth first word upper-cased."""
    words = [w for pair in CAPITALS + PLURALS for w in pair] + OTHERS
    every = [(i, j) for i in range(len(words)) for j in range(i + 1, len(words))]
    picks = [every[k] for k in rng.permutation(len(every))[:count]]
    return [(words[i].upper() if n % 4 == 0 else words[i], words[j])
            for n, (i, j) in enumerate(picks)]


SETS = {  # name: (known pairs, pairs with an unknown word)
    "EN-AAA-20.txt": (20, [("zzz", "cat"), ("dog", "qqq")]),
    "EN-BBB-12.txt": (12, []),
    "CCC.txt": (9, [("nope", "nada"), ("cat", "dogz"), ("fire", "hydrant")]),
}


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    """A folder with the vectors (v.bin), the analogy file (q.txt) and a suite directory
    (sets/) of three similarity sets, plus a file and a directory that are not sets."""
    folder = tmp_path_factory.mktemp("suite")
    kv = embeddings()
    w2vformat.write(str(folder / "v.bin"), kv.words, kv.vectors, binary=True)
    (folder / "q.txt").write_text(ANALOGIES)
    sets = folder / "sets"
    sets.mkdir()
    rng = np.random.default_rng(SEED)
    for name, (count, unknown) in SETS.items():
        text = pairs_text(rng, known_pairs(rng, count), unknown, comment=name == "CCC.txt")
        (sets / name).write_text(text)
    (sets / "notes.md").write_text("not a set\n")
    (sets / "archive.txt").mkdir()  # a directory, not a set
    return folder


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def expected_spearman(kv, path):
    """scipy's Spearman correlation over the pairs whose words are both known (matched
    upper-cased), the cosines computed as the evaluator does; and (used, size)."""
    index = evaluate.uppercase_index(kv.words)
    gold, model, size = [], [], 0
    for line in open(path, encoding="utf-8"):
        if line.startswith("#"):
            continue
        a, b, score = line.rstrip("\n").split("\t")
        size += 1
        if a.upper() in index and b.upper() in index:
            gold.append(float(score))
            model.append(float(kv.unit[index[a.upper()]] @ kv.unit[index[b.upper()]]))
    gaps = np.diff(np.sort(model))
    assert gaps.min() > MIN_COSINE_GAP  # ranks of the cosines are not a rounding matter
    return stats.spearmanr(gold, model)[0], len(gold), size


# ------------------------------------------------------------------------ the function


def test_set_names():
    assert evaluate.set_name("/x/EN-MEN-TR-3k.txt") == "MEN-TR-3k"
    assert evaluate.set_name("wordsim353.tsv") == "wordsim353"
    assert evaluate.set_name("sets/EN-RW-STANFORD.txt.gz") == "RW-STANFORD"
    assert evaluate.set_name("questions-words.txt") == "questions-words"
    assert evaluate.set_name("EN-.txt") == "EN-"


def test_each_set_is_scipy_spearman_over_its_known_pairs(suite):
    kv = embeddings()
    result = w2vns.evaluate(kv, analogies=suite / "q.txt", suite_dir=suite / "sets")
    rows = [row for row in result.rows if row.kind == "similarity"]
    assert [row.name for row in rows] == ["AAA-20", "BBB-12", "CCC"]
    for row in rows:
        spearman, used, size = expected_spearman(kv, row.file)
        assert row.score == pytest.approx(spearman, abs=1e-9)
        count, unknown = SETS[row.file.rsplit("/", 1)[1]]
        assert (row.used, row.size) == (used, size) == (count, count + len(unknown))
        assert row.oov_ratio == pytest.approx(len(unknown) / size)


def test_analogy_sections_are_split_semantic_and_syntactic(suite):
    result = w2vns.evaluate(embeddings(), analogies=suite / "q.txt", restrict=0)
    assert result.similarities == []
    rows = result.rows
    assert [(row.name, row.kind) for row in rows] == [
        ("q", "semantic"), ("q", "syntactic"), ("q", "all")]
    for row in rows:
        questions, answered, correct = EXPECTED_ANALOGIES[row.kind]
        assert (row.size, row.used) == (questions, answered)
        assert row.score == pytest.approx(correct / answered)
        assert row.oov_ratio == pytest.approx((questions - answered) / questions)
    sections = result.analogies[0].sections
    assert [(s.name, s.questions, s.total, s.correct) for s in sections] == [
        ("capital-common-countries", 4, 3, 2), ("family", 1, 1, 1),
        ("gram8-plural", 4, 4, 3), ("gram9-plural-verbs", 2, 1, 1)]


def test_restrict_counts_questions_outside_the_searched_words_as_skipped(suite):
    searched = 2 * len(CAPITALS)  # the capitals come first: the plurals fall outside
    (semantic, syntactic, total) = w2vns.evaluate(
        embeddings(), analogies=suite / "q.txt", restrict=searched).rows
    assert (semantic.used, syntactic.used, total.used) == (4, 0, 4)
    assert syntactic.score is None and syntactic.oov_ratio == 1.0


def test_no_set_given_scores_the_bundled_ones():
    files = evaluate.suite_files()
    assert [evaluate.set_name(p) for p in files[0] + files[1]] == [
        "questions-words", "wordsim353", "MEN-TR-3k"]
    men = evaluate.read_pairs(files[1][1])
    assert len(men[0]) == 3000 and men[1] == []


def test_a_suite_set_replaces_the_bundled_set_of_its_name(tmp_path):
    (tmp_path / "EN-MEN-TR-3k.txt").write_text("cat\tdog\t3\n")
    (tmp_path / "EN-Extra.txt").write_text("cat\tdog\t3\n")
    analogies, similarity = evaluate.suite_files(suite_dir=str(tmp_path))
    assert analogies == [evaluate.bundled(evaluate.BUNDLED_ANALOGIES)]
    assert similarity == [evaluate.bundled(evaluate.BUNDLED_SIMILARITY),
                          str(tmp_path / "EN-Extra.txt"), str(tmp_path / "EN-MEN-TR-3k.txt")]
    analogies, similarity = evaluate.suite_files(similarity=["x.tsv"], suite_dir=str(tmp_path))
    assert analogies == [] and similarity[0] == "x.tsv" and len(similarity) == 3


def test_python_api_names_its_keyword_in_errors(tmp_path):
    with pytest.raises(InputError) as err:
        w2vns.evaluate(embeddings(), suite_dir=tmp_path)
    assert str(err.value) == (f"suite_dir= '{tmp_path}' holds no *.txt file. {DIR_REMEDY} "
                              "('word1<TAB>word2<TAB>score' lines).")


# ------------------------------------------------------------------------ trained vectors


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    path = tmp_path_factory.mktemp("trained") / "v.bin"
    w2vns.train(corpus, str(path), **TRAIN)
    return str(path)


def test_trained_vectors_bundled_suite_cli_equals_function(trained):
    result = run("evaluate", trained, "--json", "--restrict", "0")
    assert result.exit_code == 0, result.output
    report = strict_json(result.stdout)
    kv = w2vns.load(trained)
    suite = w2vns.evaluate(kv, restrict=0)
    assert report["rows"] == [row.as_dict() for row in suite.rows]
    men = suite.similarities[-1]
    assert men.name == "MEN-TR-3k" and men.pairs > 2
    index = evaluate.uppercase_index(kv.words)
    gold, model = [], []
    for a, b, score in evaluate.read_pairs(men.path)[0]:
        if a.upper() in index and b.upper() in index:
            gold.append(score)
            model.append(float(kv.unit[index[a.upper()]] @ kv.unit[index[b.upper()]]))
    assert men.spearman == pytest.approx(stats.spearmanr(gold, model)[0], abs=1e-9)
    assert men.pairs == len(gold) and men.oov == 3000 - len(gold)


# ------------------------------------------------------------------------ command line


def test_table_rows_aligned_analogies_first(suite):
    result = invoke(suite, ["evaluate", "{dir}/v.bin", "--analogies", "{dir}/q.txt",
                            "--suite-dir", "{dir}/sets", "--restrict", "0"])
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    table, legend = lines[:7], lines[7:]
    assert table[0].split() == ["set", "kind", "score", "used", "OOV"]
    assert [line.split()[:2] for line in table[1:]] == [
        ["q", "semantic"], ["q", "syntactic"], ["q", "all"], ["AAA-20", "similarity"],
        ["BBB-12", "similarity"], ["CCC", "similarity"]]
    assert [line.split()[2:] for line in table[1:4]] == [
        ["0.7500", "4/5", "20.0%"], ["0.8000", "5/6", "16.7%"], ["0.7778", "9/11", "18.2%"]]
    assert [line.split()[3:] for line in table[4:]] == [
        ["20/22", "9.1%"], ["12/12", "0.0%"], ["9/12", "25.0%"]]
    assert len({len(line) for line in table}) == 1  # numbers right-aligned in columns
    assert {line.index(line.split()[1]) for line in table} == {table[0].index("kind")}
    assert legend == ["score: analogy accuracy (3CosAdd, every word searched), else "
                      "Spearman's rho",
                      "used: questions or pairs scored / in the set; OOV: the share skipped "
                      "for an unknown word"]


def test_json_holds_the_same_numbers(suite):
    result = invoke(suite, ["evaluate", "{dir}/v.bin", "--analogies", "{dir}/q.txt",
                            "--suite-dir", "{dir}/sets", "--json"])
    assert result.exit_code == 0 and result.stderr == ""
    report = strict_json(result.stdout)
    assert set(report) == {"vectors", "rows", "analogies", "similarity"}
    assert all(set(row) == ROW_KEYS for row in report["rows"])
    expected = w2vns.evaluate(embeddings(), analogies=suite / "q.txt",
                              suite_dir=suite / "sets")
    assert report["rows"] == json.loads(json.dumps([r.as_dict() for r in expected.rows]))
    assert [s["name"] for s in report["similarity"]] == ["AAA-20", "BBB-12", "CCC"]
    semantic = report["analogies"][0]["semantic"]
    assert (semantic["questions"], semantic["total"], semantic["correct"]) == (5, 4, 3)


def test_malformed_lines_are_counted_with_the_first_line_number(suite, tmp_path):
    sets = tmp_path / "sets"
    sets.mkdir()
    (sets / "EN-Bad.txt").write_text("cat\tdog\t1\ncat dog\nfire\twater\tx\ntree\triver\t2\n")
    result = invoke(tmp_path, ["evaluate", str(suite / "v.bin"), "--suite-dir", "{dir}/sets"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        f"note: ignored 2 malformed line(s) in '{sets}/EN-Bad.txt', the first at line 2")
    result = invoke(tmp_path, ["evaluate", str(suite / "v.bin"), "--suite-dir", "{dir}/sets",
                               "--json"])
    (bad,) = [s for s in strict_json(result.stdout)["similarity"] if s["name"] == "Bad"]
    assert (bad["pairs"], bad["malformed"], bad["first_malformed"]) == (2, 2, 2)


def _sets_folder(**files):
    def make(folder):
        (folder / "sets").mkdir()
        for name, text in files.items():
            (folder / "sets" / name).write_text(text)
        w2vformat.write(str(folder / "v.bin"), ["cat", "dog"],
                        np.eye(2, dtype=np.float32), binary=True)
    return make


SUITE_DIR_ERRORS = [
    ("{dir}/missing", {}, USAGE,
     f"Error: --suite-dir '{{dir}}/missing' is not found. {DIR_REMEDY}."),
    ("{dir}/v.bin", {}, USAGE,
     f"Error: --suite-dir '{{dir}}/v.bin' is not a directory. {DIR_REMEDY}."),
    ("{dir}/sets", {"pairs.tsv": "cat\tdog\t1\n"}, USAGE,
     f"Error: --suite-dir '{{dir}}/sets' holds no *.txt file. {DIR_REMEDY} "
     "('word1<TAB>word2<TAB>score' lines)."),
    ("{dir}/sets", {"EN-A.txt": "cat\tdog\t1\n", "EN-B.txt": "cat dog\n\ncat\tdog\tlots\n"},
     FAILURE,
     "Error: '{dir}/sets/EN-B.txt' holds no word pair (2 line(s) of another form): expected "
     "lines 'word1<TAB>word2<TAB>score' with a number as score, '#' starting a comment."),
]


@pytest.mark.parametrize("path,files,code,message", SUITE_DIR_ERRORS)
def test_suite_dir_errors(tmp_path, path, files, code, message):
    result = invoke(tmp_path, ["evaluate", "{dir}/v.bin", "--suite-dir", path],
                    make=_sets_folder(**files))
    assert_error(result, code, message.format(dir=tmp_path))


def test_a_missing_set_file_is_named_before_the_vectors_are_read(tmp_path):
    result = invoke(tmp_path, ["evaluate", "{dir}/absent.bin", "--similarity",
                               "{dir}/gone.txt", "--suite-dir", "{dir}/sets"],
                    make=_sets_folder(**{"EN-A.txt": "cat\tdog\t1\n"}))
    assert_error(result, USAGE,
                 f"Error: evaluation file '{tmp_path}/gone.txt' not found. Check the path.")


DAMAGED = [
    (b"not gzip at all", "Not a gzipped file (b'no')"),
    (gzip.compress(b"cat\tdog\t1\n" * 100)[:-12],
     "Compressed file ended before the end-of-stream marker was reached"),
]


@pytest.mark.parametrize("data,reason", DAMAGED)
def test_a_damaged_compressed_set_is_an_error(tmp_path, data, reason):
    def make(folder):
        _sets_folder()(folder)
        (folder / "p.tsv.gz").write_bytes(data)
    result = invoke(tmp_path, ["evaluate", "{dir}/v.bin", "--similarity", "{dir}/p.tsv.gz"],
                    make=make)
    assert_error(result, FAILURE, f"Error: cannot read evaluation file '{tmp_path}/p.tsv.gz': "
                                  f"{reason}. The file may be truncated or corrupt.")
