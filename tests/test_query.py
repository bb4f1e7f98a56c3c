"""Using the vectors: the Python API, similar / analogy / evaluate / convert on the command
line, output modes, unknown words, and agreement with gensim on the same file."""

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import w2vns
from w2vns.cli import display
from w2vns.vectors import evaluate
from w2vns.io import synthetic
from w2vns.io import w2vformat
from w2vns.cli.main import cli
from w2vns.errors import W2vnsError
from w2vns.vectors.query import Query
from w2vns.vectors.embeddings import Embeddings, UnknownWordError

SENTENCES = 5000
TRAIN = dict(epochs=5, threads=1, seed=1, dim=24, quiet=True, log=lambda _: None)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small vectors file trained with the Python API on the synthetic corpus."""
    folder = tmp_path_factory.mktemp("query")
    corpus = folder / "corpus.txt"
    synthetic.write(str(corpus), sentences=SENTENCES)
    path = folder / "v.bin"
    kv = w2vns.train(str(corpus), str(path), **TRAIN)
    return str(path), kv


@pytest.fixture(scope="module")
def gensim_kv(trained):
    models = pytest.importorskip("gensim.models")
    return models.KeyedVectors.load_word2vec_format(trained[0], binary=True)


def run(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def tsv(result):
    return [line.split("\t") for line in result.stdout.splitlines()]


def assert_same_ranking(got, expected, tol=1e-5):
    """Same scores in order, and the same words, except that near-tied words may swap."""
    assert [s for _, s in got] == pytest.approx([s for _, s in expected], abs=tol)
    scores = dict(expected)
    for word, score in got:
        assert word in scores or score == pytest.approx(expected[-1][1], abs=tol)


# ------------------------------------------------------------------------ Python API


def test_load_returns_embeddings(trained, tmp_path):
    path, kv_trained = trained
    kv = w2vns.load(path)
    assert isinstance(kv, Embeddings) and len(kv) == len(kv_trained) == len(kv.words)
    assert kv.words == kv_trained.words
    np.testing.assert_array_equal(kv.vectors, kv_trained.vectors)
    assert "cat" in kv and "zzz" not in kv
    np.testing.assert_array_equal(kv["cat"], kv.vectors[kv.words.index("cat")])
    a, b = kv["cat"], kv["dog"]
    assert kv.similarity("cat", "dog") == pytest.approx(
        a @ b / np.linalg.norm(a) / np.linalg.norm(b), abs=1e-6)
    assert [w for w, _ in kv.most_similar("cat", topn=3)] == \
        [w for w, _ in kv_trained.most_similar("cat", topn=3)]
    kv.save(tmp_path / "copy.txt")
    assert w2vformat.read(str(tmp_path / "copy.txt"))[0] == kv.words
    with pytest.raises(UnknownWordError) as err:
        kv.most_similar("zzz")
    assert isinstance(err.value, KeyError) and isinstance(err.value, W2vnsError)
    assert str(err.value) == "unknown word: zzz"


def test_train_without_output_after_the_module_was_imported(tmp_path):
    from w2vns.training.outputs import train_to_files  # w2vns.train stays the API function

    corpus = tmp_path / "c.txt"
    synthetic.write(str(corpus), sentences=300)
    kv = w2vns.train([corpus], min_count=1, **dict(TRAIN, epochs=1, dim=8))
    assert callable(train_to_files) and kv.vectors.shape == (len(kv.words), 8)
    assert "cat" in kv and list(tmp_path.iterdir()) == [corpus]


def test_import_w2vns_and_help_are_light():
    code = ("import sys, w2vns; from click.testing import CliRunner; from w2vns.cli.main import cli; "
            "w2vns.load; "
            "codes = [CliRunner().invoke(cli, args).exit_code for args in "
            "(['--help'], ['similar', '--help'], ['analogy', '--help'], "
            "['evaluate', '--help'], ['convert', '--help'], ['plot', '--help'], "
            "['phrases', '--help'])]; "
            "print(codes, sorted(m for m in ('numba', 'numpy', 'smart_open', 'matplotlib') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[0, 0, 0, 0, 0, 0, 0] []"


# ------------------------------------------------------------------------ similar


def test_similar_tsv_when_piped(trained):
    path, kv = trained
    result = run("similar", path, "cat", "king queen", "-n", "3")
    assert result.exit_code == 0 and result.stderr == ""
    rows = tsv(result)
    assert [r[0] for r in rows] == ["cat"] * 3 + ["king queen"] * 3
    got = [(r[1], float(r[2])) for r in rows]
    assert_same_ranking(got[:3], kv.most_similar("cat", topn=3))
    assert_same_ranking(got[3:], kv.most_similar(["king", "queen"], topn=3))
    assert not {"cat", "king", "queen"} & {r[1] for r in rows}  # query words excluded


def test_similar_reads_stdin_one_query_per_line(trained):
    path, kv = trained
    result = run("similar", path, "-n", "2", input="cat\n\ndog horse\n")
    assert result.exit_code == 0
    rows = tsv(result)
    assert [r[0] for r in rows] == ["cat", "cat", "dog horse", "dog horse"]
    assert_same_ranking([(r[1], float(r[2])) for r in rows[2:]],
                        kv.most_similar(["dog", "horse"], topn=2))


def test_unknown_words_are_reported_and_set_the_exit_code(trained):
    path, _ = trained
    result = run("similar", path, "cat", "zzz", "king yyy", "-n", "2")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["unknown word: zzz",
                                          "unknown word: yyy (in 'king yyy')"]
    assert [r[0] for r in tsv(result)] == ["cat", "cat"]  # the others are still answered
    result = run("similar", path, "-n", "1", "--ignore-missing", input="zzz\ncat\n")
    assert result.exit_code == 0
    assert result.stderr == "line 1: unknown word: zzz\n"
    assert [r[0] for r in tsv(result)] == ["cat"]


def test_similar_json_lines(trained):
    path, kv = trained
    result = run("similar", path, "cat", "zzz", "-n", "2", "--json")
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["query"] == "cat"
    assert_same_ranking([(r["word"], r["similarity"]) for r in records[0]["results"]],
                        kv.most_similar("cat", topn=2))
    assert records[1] == {"query": "zzz", "results": [], "unknown": ["zzz"]}


def test_terminal_table_is_aligned():
    query = Query("king", ["king"], results=[("queen", 0.83123), ("日本", 0.5), ("a", -0.25)])
    lines = display.table_lines(query, "similarity")
    assert lines == ["king      similarity",
                     "1  queen      0.8312",
                     "2  日本       0.5000",
                     "3  a         -0.2500"]
    assert len({display.display_width(line) for line in lines}) == 1
    assert display.tsv_lines(query)[0] == "king\tqueen\t0.831230"


# ------------------------------------------------------------------------ analogy


def test_analogy_arguments_stdin_and_methods(trained):
    path, kv = trained
    result = run("analogy", path, "france", "paris", "japan", "-n", "3")
    assert result.exit_code == 0
    rows = tsv(result)
    assert [r[0] for r in rows] == ["france paris japan"] * 3
    assert_same_ranking([(r[1], float(r[2])) for r in rows],
                        kv.analogy("france", "paris", "japan", 3))
    assert rows[0][1] == "tokyo"
    result = run("analogy", path, "--method", "mul", "-n", "1", "--json",
                 input="man woman king\nking queen\nfrance paris zzz\n")
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert_same_ranking([(r["word"], r["score"]) for r in records[0]["results"]],
                        kv.analogy("man", "woman", "king", 1, "mul"))
    assert records[1]["error"] == "expected three words 'A B C', got 2: 'king queen'"
    assert records[2]["unknown"] == ["zzz"]
    assert result.stderr.splitlines() == [
        "line 2: expected three words 'A B C', got 2: 'king queen'",
        "line 3: unknown word: zzz (in 'france paris zzz')"]


def test_analogy_needs_three_words(trained):
    result = run("analogy", trained[0], "man", "king")
    assert result.exit_code == 2
    assert result.stderr == ("Error: give three words A B C, or none to read 'A B C' lines from "
                             "stdin. See 'w2vns analogy --help'.\n")


def test_malformed_questions_fail_even_with_ignore_missing(trained):
    result = run("analogy", trained[0], "--ignore-missing", input="a b\n")
    assert result.exit_code == 1 and result.stdout == ""


# ------------------------------------------------------------------------ gensim agreement


def test_most_similar_agrees_with_gensim(trained, gensim_kv):
    kv = w2vns.load(trained[0])
    for word in ("cat", "red", "king", "paris", kv.words[0]):
        assert_same_ranking(kv.most_similar(word, topn=10), gensim_kv.most_similar(word, topn=10))
    assert_same_ranking(kv.most_similar(["cat", "dog"], topn=10),
                        gensim_kv.most_similar(["cat", "dog"], topn=10))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # gensim's own init_sims
def test_analogies_agree_with_gensim(trained, gensim_kv):
    kv = w2vns.load(trained[0])
    for a, b, c, _ in synthetic.analogy_questions()[::7]:
        theirs = gensim_kv.most_similar(positive=[b, c], negative=[a], topn=3)
        assert_same_ranking(kv.analogy(a, b, c, topn=3), theirs)
        theirs = gensim_kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=3)
        assert_same_ranking(kv.analogy(a, b, c, topn=3, method="mul"), theirs)


def _gensim_sections(sections):
    return [(s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"]))
            for s in sections]


def _our_sections(result):
    return [(s.name, s.correct, s.total) for s in result.sections] + [
        ("Total accuracy", result.total.correct, result.total.total)]


@pytest.mark.parametrize("restrict", [0, 250])
def test_bundled_analogies_agree_with_gensim(trained, gensim_kv, restrict):
    path = evaluate.bundled(evaluate.BUNDLED_ANALOGIES)
    score, sections = gensim_kv.evaluate_word_analogies(path, restrict_vocab=restrict or None)
    result = evaluate.evaluate_analogies(w2vns.load(trained[0]), path, restrict)
    assert _our_sections(result) == _gensim_sections(sections)
    assert result.total.accuracy == pytest.approx(score, abs=1e-9)
    assert 0 < result.total.correct <= result.total.total
    assert result.questions == 19544 and result.oov == 19544 - result.total.total


@pytest.fixture(scope="module")
def cased(trained, tmp_path_factory):
    """The trained vectors plus case variants (first one wins), and a mixed-case question file."""
    folder = tmp_path_factory.mktemp("cased")
    kv = w2vns.load(trained[0])
    rng = np.random.default_rng(5)
    extra = rng.normal(0, 0.1, (3, kv.dim)).astype(np.float32)
    words = ["Tokyo"] + kv.words + ["PARIS", "King"]
    rows = np.vstack([extra[:1], kv.vectors, extra[1:]])
    vectors = folder / "cased.txt"
    w2vformat.write(str(vectors), words, rows, binary=False)
    questions = [": capital-cased"]
    questions += [" ".join(w.title() for w in q) for q in synthetic.analogy_questions()[:60]]
    questions += [": gram-gender", "man woman king QUEEN", "boy girl man woman",
                  "malformed line", "king queen zzz yyy", "father mother son daughter",
                  ": empty-section"]
    analogies = folder / "questions.txt"
    analogies.write_text("\n".join(questions) + "\n")
    return str(vectors), str(analogies)


@pytest.mark.parametrize("restrict", [0, 300])
def test_case_variants_and_restrict_agree_with_gensim(cased, restrict):
    models = pytest.importorskip("gensim.models")
    vectors, analogies = cased
    theirs = models.KeyedVectors.load_word2vec_format(vectors)
    score, sections = theirs.evaluate_word_analogies(analogies, restrict_vocab=restrict or None)
    result = evaluate.evaluate_analogies(w2vns.load(vectors), analogies, restrict)
    assert _our_sections(result) == _gensim_sections(sections)
    assert result.total.accuracy == pytest.approx(score, abs=1e-9)
    assert result.malformed == 1 and result.questions == 64
    assert [s.name for s in result.sections] == ["capital-cased", "gram-gender", "empty-section"]
    assert result.semantic.total == result.sections[0].total
    assert result.syntactic.total == result.sections[1].total


@pytest.fixture(scope="module")
def pairs_file(tmp_path_factory):
    rng = np.random.default_rng(2)
    planted = list(synthetic.planted_neighbours())
    lines = ["# word1\tword2\tscore", "# a comment"]
    for i in range(60):
        a, b = rng.choice(planted, 2, replace=False)
        score = float(rng.integers(0, 8)) / 2  # many ties
        lines.append(f"{a.upper() if i % 5 == 0 else a}\t{b}\t{score}")
    lines += ["cat\tzzz\t5.0", "not a pair line", "dog\tcat\tnot-a-number", "tiger\tcat\t7.35"]
    path = tmp_path_factory.mktemp("pairs") / "pairs.tsv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_similarity_agrees_with_gensim(trained, gensim_kv, pairs_file):
    kv = w2vns.load(trained[0])
    for path in (pairs_file, evaluate.bundled(evaluate.BUNDLED_SIMILARITY)):
        pearson, spearman, oov_percent = gensim_kv.evaluate_word_pairs(path)
        result = evaluate.evaluate_similarity(kv, path)
        assert result.spearman == pytest.approx(spearman[0], abs=1e-6)
        assert result.pearson == pytest.approx(pearson[0], abs=1e-6)
        assert 100 * result.oov_ratio == pytest.approx(oov_percent, abs=1e-9)
    assert result.pairs + result.oov == 353
    result = evaluate.evaluate_similarity(kv, pairs_file)
    assert (result.pairs, result.oov, result.malformed) == (60, 2, 2)


def test_spearman_matches_scipy_with_ties():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, 200).astype(float)
    y = x + rng.integers(0, 5, 200)
    np.testing.assert_array_equal(evaluate.average_ranks(x), stats.rankdata(x))
    assert evaluate.spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
    assert evaluate.pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)
    assert evaluate.spearman([1.0], [2.0]) is None and evaluate.pearson([1, 1], [1, 2]) is None


# ------------------------------------------------------------------------ evaluate CLI


def test_evaluate_cli_default_sets_text_and_json(trained):
    path, kv = trained
    result = run("evaluate", path, "--restrict", "0")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    bundled = evaluate.evaluate_analogies(kv, evaluate.bundled(evaluate.BUNDLED_ANALOGIES), 0)
    total = bundled.total
    assert lines[0].split() == ["set", "kind", "score", "used", "OOV"]
    assert [line.split()[:2] for line in lines[1:6]] == [
        ["questions-words", "semantic"], ["questions-words", "syntactic"],
        ["questions-words", "all"], ["wordsim353", "similarity"], ["MEN-TR-3k", "similarity"]]
    assert lines[3].split()[2:] == [f"{total.accuracy:.4f}", f"{total.total:,}/19,544",
                                    f"{100 * bundled.oov / 19544:.1f}%"]
    assert lines[6].startswith("score: analogy accuracy (3CosAdd, every word searched)")
    result = run("evaluate", path, "--restrict", "0", "--json")
    report = json.loads(result.stdout)
    assert report["analogies"][0]["total"]["correct"] == total.correct
    assert report["analogies"][0]["oov"] == bundled.oov
    assert report["similarity"][0]["pairs"] == 2


def test_evaluate_cli_given_files_only(trained, pairs_file, cased):
    path, kv = trained
    result = run("evaluate", path, "--similarity", pairs_file, "--json")
    report = json.loads(result.stdout)
    assert report["analogies"] == []
    expected = evaluate.evaluate_similarity(kv, pairs_file)
    assert report["similarity"][0]["spearman"] == pytest.approx(expected.spearman)
    result = run("evaluate", cased[0], "--analogies", cased[1], "--method", "mul", "--json")
    section = json.loads(result.stdout)["analogies"][0]
    assert section["method"] == "mul" and section["restrict"] == 30000
    assert section["questions"] == 64 and section["malformed"] == 1


def test_evaluate_missing_file(trained, tmp_path):
    missing = tmp_path / "nope.txt"
    result = run("evaluate", trained[0], "--analogies", missing)
    assert result.exit_code == 2
    assert result.stderr == f"Error: evaluation file '{missing}' not found. Check the path.\n"


def test_analogy_file_needs_a_section_header(trained, tmp_path):
    bad = tmp_path / "q.txt"
    bad.write_text("a b c d\n")
    result = run("evaluate", trained[0], "--analogies", bad)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: '{bad}' line 1: a question before the first ': section' "
                             "header.\n")


# ------------------------------------------------------------------------ convert


def test_convert_round_trip_preserves_everything(trained, tmp_path):
    path, kv = trained
    chain = [path] + [str(tmp_path / n) for n in ("v.txt", "v.txt.gz", "v.npy", "v.bin")]
    for source, target in zip(chain, chain[1:]):
        result = run("convert", source, target)
        assert result.exit_code == 0, result.output
        assert result.stderr.startswith(f"wrote {len(kv):,} vectors of dimension {kv.dim} to ")
        words, values = w2vformat.read(target)
        assert words == kv.words
        np.testing.assert_array_equal(values, kv.vectors)
    assert (tmp_path / "v.vocab").read_text(encoding="utf-8").split("\n")[:-1] == kv.words
    with open(path, "rb") as original, open(chain[-1], "rb") as final:
        assert original.read() == final.read()  # byte for byte the file we started from


def test_convert_limit_and_normalize(trained, tmp_path):
    path, kv = trained
    out = tmp_path / "small.vec"
    assert run("convert", path, out, "--limit", "10", "--normalize").exit_code == 0
    words, values = w2vformat.read(str(out))
    assert words == kv.words[:10]
    np.testing.assert_allclose(np.linalg.norm(values, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(values, kv.unit[:10], rtol=1e-6)


def test_convert_to_the_embedding_projector_tsv_files(trained, tmp_path):
    path, kv = trained
    out = tmp_path / "projector.tsv"
    result = run("convert", path, out, "--limit", "50")
    assert result.exit_code == 0, result.output
    metadata = tmp_path / "projector_metadata.tsv"
    assert result.stderr == (f"wrote 50 vectors of dimension {kv.dim} to {out} and "
                             f"{metadata}\n")
    rows = out.read_text(encoding="utf-8").split("\n")
    assert rows[-1] == "" and len(rows) == 51  # no header, one row per word
    values = np.array([[float(v) for v in row.split("\t")] for row in rows[:-1]], np.float32)
    np.testing.assert_array_equal(values, kv.vectors[:50])
    assert metadata.read_text(encoding="utf-8") == "".join(f"{w}\n" for w in kv.words[:50])
    result = run("similar", out, "cat")
    assert result.exit_code == 2
    assert "is an Embedding Projector TSV, which w2vns writes but does not read" in result.stderr


def test_convert_unknown_output_extension(trained, tmp_path):
    out = tmp_path / "vectors.dat"
    result = run("convert", trained[0], out)
    assert result.exit_code == 2
    assert result.stderr == (f"Error: cannot tell the format of '{out}' from its extension. Name "
                             "it .bin (binary), .txt/.vec (text, both may end in .gz/.bz2/.zst), "
                             ".npy or .tsv (Embedding Projector).\n")
    assert not out.exists()
