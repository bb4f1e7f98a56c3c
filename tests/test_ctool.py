"""The C word2vec tools' command lines through w2vns: the steps of the C tool's demo
scripts (demo-word.sh, demo-analogy.sh, demo-classes.sh, demo-phrases.sh,
demo-word-accuracy.sh) with their flags, the output formats and table layouts, the
K-means classes, and every refused argument list (exact line, exit code, no file
touched)."""

import hashlib
import re

import numpy as np
import pytest
from click.testing import CliRunner

from w2vns.cli import ctool
from w2vns.cli.main import cli
from w2vns.training import config as configuration
from w2vns.vectors import kmeans
from w2vns.vectors.evaluate import BUNDLED_ANALOGIES, bundled

CORPUS_SENTENCES = 3000  # sentences of the shared corpus fixture (conftest.py)
DIM = 20  # demo-word.sh says -size 200 -iter 15: shrunk for speed, every flag kept
ITERATIONS = 3
DEMO_FLAGS = ["-cbow", "1", "-size", str(DIM), "-window", "8", "-negative", "25", "-hs", "0",
              "-sample", "1e-4", "-threads", "20", "-binary", "1", "-iter", str(ITERATIONS)]
CLASSES = 7
DEMO_CLASSES_FLAGS = ["-cbow", "1", "-size", str(DIM), "-window", "8", "-negative", "25", "-hs",
                      "0", "-sample", "1e-4", "-threads", "20", "-iter", str(ITERATIONS),
                      "-classes", str(CLASSES)]  # demo-classes.sh's (-classes 500)
ROW = re.compile(r"^ *(\S+)\t\t(-?\d+\.\d{6})$")  # the C tools' '%50s\t\t%f' rows
NEIGHBOURS = 40


def run(*args, stdin=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=stdin)


def snapshot(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def demo(corpus, tmp_path_factory):
    """demo-word.sh's training command, and the vocabulary it counted."""
    folder = tmp_path_factory.mktemp("demo")
    result = run("word2vec", "-train", corpus, "-output", folder / "vectors.bin", *DEMO_FLAGS,
                 "-save-vocab", folder / "vocab.txt")
    assert result.exit_code == 0, result.output
    return folder, result


@pytest.fixture(scope="module")
def gensim_vectors(demo):
    models = pytest.importorskip("gensim.models")
    return models.KeyedVectors.load_word2vec_format(str(demo[0] / "vectors.bin"), binary=True)


# ---------------------------------------------------------------------------- word2vec


def test_demo_word_writes_c_binary_vectors(demo, gensim_vectors):
    folder, result = demo
    words = [line.split()[0] for line in (folder / "vocab.txt").read_text().splitlines()]
    header = (folder / "vectors.bin").read_bytes().split(b"\n", 1)[0]
    assert header == f"{len(words)} {DIM}".encode()
    assert gensim_vectors.vector_size == DIM
    assert list(gensim_vectors.index_to_key) == words
    assert np.isfinite(gensim_vectors.vectors).all()
    assert "far more than" not in result.stderr  # -threads 20: at most the cores here


def test_binary_0_writes_text_whatever_the_extension(corpus, tmp_path):
    models = pytest.importorskip("gensim.models")
    out = tmp_path / "vectors.bin"
    result = run("word2vec", "-train", corpus, "-output", out, "-size", "8", "-iter", "1",
                 "-threads", "1", "-debug", "0")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # -debug 0: nothing but warnings and errors
    kv = models.KeyedVectors.load_word2vec_format(str(out), binary=False)
    assert kv.vector_size == 8


def test_c_defaults_become_the_training_options():
    values = ctool.settings(None, ["-train", "c.txt", "-output", "v.bin"], ctool.WORD2VEC_FLAGS)
    cfg = configuration.build(None, **ctool._training_options(values))
    assert (cfg.model, cfg.dim, cfg.window, cfg.negative, cfg.hs, cfg.epochs, cfg.min_count,
            cfg.sample, cfg.format) == ("cbow", 100, 5, 5, False, 5, 5, 1e-3, "text")
    assert cfg.alpha == configuration.CBOW_ALPHA
    assert cfg.threads == min(ctool.C_THREADS, configuration.available_cores())
    assert values["classes"] == 0 and values["quiet"] is False
    skipgram = ctool.settings(None, ["-cbow", "0", "-hs", "1", "-binary", "1", "-debug", "0"],
                              ctool.WORD2VEC_FLAGS)
    cfg = configuration.build(None, **ctool._training_options(skipgram))
    assert (cfg.model, cfg.alpha, cfg.hs, cfg.format) == ("sg", configuration.SG_ALPHA, True,
                                                          "binary")
    assert skipgram["quiet"] is True


def test_no_output_counts_the_vocabulary_alone(demo, corpus, tmp_path):
    result = run("word2vec", "-train", corpus, "-save-vocab", tmp_path / "vocab.txt",
                 "-debug", "0")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "vocab.txt").read_bytes() == (demo[0] / "vocab.txt").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vocab.txt"]


def test_demo_classes_writes_word_and_class_lines(demo, corpus, tmp_path):
    out = tmp_path / "classes.txt"
    result = run("word2vec", "-train", corpus, "-output", out, *DEMO_CLASSES_FLAGS, "-debug", "0")
    assert result.exit_code == 0, result.output
    lines = [line.split(" ") for line in out.read_text().splitlines()]
    vocab = [line.split()[0] for line in (demo[0] / "vocab.txt").read_text().splitlines()]
    assert [word for word, _ in lines] == vocab
    labels = [int(label) for _, label in lines]
    assert min(labels) >= 0 and max(labels) < CLASSES and len(set(labels)) > 1


def test_usage_without_arguments_lists_every_flag():
    result = run("word2vec")
    assert result.exit_code == 0
    for flag in ctool.WORD2VEC_FLAGS:
        assert f"\t{flag.name} {flag.metavar}\n" in result.stdout
    assert run("word2vec", "--help").stdout == result.stdout
    phrase = run("word2phrase")
    assert phrase.exit_code == 0
    assert all(f"\t{flag.name} " in phrase.stdout for flag in ctool.WORD2PHRASE_FLAGS)
    for tool in ("distance", "word-analogy", "compute-accuracy"):
        bare = run(tool)
        assert bare.exit_code == 0 and bare.stdout.startswith(f"Usage: w2vns {tool} FILE")


# ------------------------------------------------------------------------------- K-means


def test_kmeans_gathers_planted_groups():
    """Rows start in class i mod 3; the first rows belong to another group than that."""
    group = np.arange(60) % 3
    group[:9] = (group[:9] + 1) % 3
    rng = np.random.default_rng(0)
    vectors = np.eye(3, 8, dtype=np.float32)[group] * 5 + rng.uniform(-0.5, 0.5, (60, 8))
    labels = kmeans.word_classes(vectors, 3)
    assert len(set(labels.tolist())) == 3
    for g in range(3):
        assert len(set(labels[group == g].tolist())) == 1


def test_kmeans_starts_from_i_mod_k_and_leaves_empty_classes_empty():
    vectors = np.array([[1, 0], [0, 1], [1, 0.1], [0.1, 1], [1, 0]], dtype=np.float32)
    assert kmeans.word_classes(vectors, 3, rounds=0).tolist() == [0, 1, 2, 0, 1]
    # Round one: centroids along rows {0, 3}, {1, 4}, {2}; each row takes the best dot.
    first = kmeans.word_classes(vectors, 3, rounds=1)
    centroids = np.array([vectors[[0, 3]].sum(0), vectors[[1, 4]].sum(0), vectors[2]])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    assert first.tolist() == (vectors @ centroids.T).argmax(axis=1).tolist()
    more = kmeans.word_classes(vectors, 8)  # classes 5..7 never get a member
    assert max(more) < len(vectors)


# ------------------------------------------------------------------ distance, analogy


def _tables(stdout):
    """The rows of each table in the output: [[(word, score)], ...]."""
    tables, current = [], None
    for line in stdout.splitlines():
        if line == ctool.RULE:
            current = []
            tables.append(current)
        elif current is not None and ROW.match(line):
            word, score = ROW.match(line).groups()
            assert len(line.split("\t")[0]) == ctool.WORD_COLUMN
            current.append((word, float(score)))
        else:
            current = None
    return tables


def test_demo_distance_prints_the_c_table(demo, gensim_vectors):
    words = gensim_vectors.index_to_key
    result = run("distance", demo[0] / "vectors.bin",
                 stdin=f"{words[3]}\nno-such-word\n\n{words[1]} {words[2]}\nEXIT\nignored\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(ctool.DISTANCE_PROMPT + "\n")
    assert out.count(ctool.DISTANCE_PROMPT) == 5  # 4 lines before EXIT, EXIT's own prompt
    assert f"\nWord: {words[3]}  Position in vocabulary: 3\n" in out
    assert "\nWord: no-such-word  Position in vocabulary: -1\nNot in the vocabulary.\n" in out
    heading = " " * 46 + "Word" + " " * 7 + "Cosine distance"
    assert out.count(f"\n{heading}\n{'-' * 72}\n") == 2
    single, pair = _tables(out)
    assert len(single) == len(pair) == NEIGHBOURS
    assert words[3] not in dict(single) and not {words[1], words[2]} & set(dict(pair))
    for word, score in single:
        assert score == pytest.approx(gensim_vectors.similarity(words[3], word), abs=2e-6)
    mean = gensim_vectors.get_mean_vector([words[1], words[2]])
    for word, score in pair:
        expected = gensim_vectors.cosine_similarities(mean, gensim_vectors[[word]])[0]
        assert score == pytest.approx(expected, abs=2e-6)
    assert [s for _, s in single] == sorted((s for _, s in single), reverse=True)


def test_demo_analogy_prints_the_c_table(demo, gensim_vectors):
    a, b, c, extra = gensim_vectors.index_to_key[4:8]
    result = run("word-analogy", demo[0] / "vectors.bin",
                 stdin=f"{a} {b}\n{a} {b} {c}\n{a} {b} {c} {extra}\n")  # ends without EXIT
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(ctool.ANALOGY_PROMPT + "Only 2 word(s) given: three words A B C are "
                          "needed.\n")
    assert out.endswith(ctool.ANALOGY_PROMPT + "\n")
    heading = " " * 46 + "Word" + " " * 14 + "Distance"
    assert out.count(f"\n{heading}\n{'-' * 72}\n") == 2
    three, four = _tables(out)
    assert len(three) == len(four) == NEIGHBOURS
    assert not {a, b, c} & set(dict(three)) and not {a, b, c, extra} & set(dict(four))
    unit = gensim_vectors.get_normed_vectors()
    point = unit[gensim_vectors.key_to_index[b]] - unit[gensim_vectors.key_to_index[a]] \
        + unit[gensim_vectors.key_to_index[c]]
    for word, score in three:
        expected = gensim_vectors.cosine_similarities(point, gensim_vectors[[word]])[0]
        assert score == pytest.approx(expected, abs=2e-6)
    kept = [w for w, _ in three if w != extra]
    assert [w for w, _ in four][:len(kept)] == kept


# ---------------------------------------------------------------------- compute-accuracy


def test_demo_word_accuracy_prints_the_c_lines(demo):
    questions = open(bundled(BUNDLED_ANALOGIES), encoding="utf-8").read()
    sections = [line[2:] for line in questions.splitlines() if line.startswith(": ")]
    total = sum(1 for line in questions.splitlines() if len(line.split()) == 4)
    result = run("compute-accuracy", demo[0] / "vectors.bin", 30000, stdin=questions)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0::3][:len(sections)] == [f"{name}:" for name in sections]
    correct = asked = 0
    for line in lines[1::3]:
        found = re.fullmatch(r"ACCURACY TOP1: (\d+\.\d\d) %  \((\d+) / (\d+)\)", line)
        assert found, line
        correct, asked = correct + int(found[2]), asked + int(found[3])
    for line in lines[2::3][:len(sections)]:
        assert re.fullmatch(r"Total accuracy: \S+ %   Semantic accuracy: \S+ %   Syntactic "
                            r"accuracy: \S+ % ", line), line
    assert lines[-1] == f"Questions seen / total: {asked} {total}   {asked / total * 100:.2f} % "
    assert 0 < asked < total and 0 <= correct <= asked


def test_compute_accuracy_scores_as_the_c_tool(tmp_path):
    """Planted answers: B - A + C lands on D in the first section, on another word in the
    second; a question with a word outside THRESHOLD is not asked."""
    rows = {"man": [1, 0, 0, 0], "king": [1, 1, 0, 0], "woman": [0, 0, 1, 0],
            "queen": [0, 1, 1, 0], "far": [0, 0, 0, 1], "paris": [0.1, 0, 0, 1],
            "france": [0.1, 0.1, 0, 1]}
    path = tmp_path / "v.txt"
    path.write_text(f"{len(rows)} 4\n" + "".join(
        f"{word} {' '.join(map(str, row))}\n" for word, row in rows.items()))
    empty = "".join(f": s{n}\n" for n in range(2, 6))  # the first five sections are semantic
    stdin = (": family\nMan King Woman Queen\nwoman queen man king\n" + empty +
             ": gram-x\nman king woman far\nman king paris france\n")
    result = run("compute-accuracy", path, 6, stdin=stdin)  # 'france' is the 7th word
    assert result.exit_code == 0, result.output
    semantic = ("Total accuracy: 100.00 %   Semantic accuracy: 100.00 %   Syntactic "
                "accuracy: nan % ")
    assert result.stdout.splitlines() == [
        "family:", "ACCURACY TOP1: 100.00 %  (2 / 2)", semantic,
        *[line for n in range(2, 6) for line in (f"s{n}:", "ACCURACY TOP1: 0.00 %  (0 / 0)",
                                                  semantic)],
        "gram-x:", "ACCURACY TOP1: 0.00 %  (0 / 1)",
        "Total accuracy: 66.67 %   Semantic accuracy: 100.00 %   Syntactic accuracy: 0.00 % ",
        "Questions seen / total: 3 4   75.00 % "]


# ----------------------------------------------------------------------------- phrases


def test_demo_phrases_matches_w2vns_phrases(corpus, tmp_path):
    c_style = tmp_path / "phrase0.txt"
    result = run("word2phrase", "-train", corpus, "-output", c_style, "-threshold", "50",
                 "-min-count", "3", "-debug", "2")
    assert result.exit_code == 0, result.output
    ours = tmp_path / "phrases.txt"
    assert run("phrases", corpus, "-o", ours, "--threshold", "50", "--min-count", "3",
               "-q").exit_code == 0
    assert c_style.read_bytes() == ours.read_bytes()
    assert b"_" in c_style.read_bytes()


# ------------------------------------------------------------------------ refused lines


W2V = ["word2vec", "-train", "{corpus}", "-output", "{out}"]
HINT = " See 'w2vns word2vec --help'.\n"


@pytest.mark.parametrize("args,message", [
    (W2V + ["-eof", "1"], "Error: No such option '-eof'." + HINT),
    (W2V + ["-sentence-vectors", "1"], "Error: No such option '-sentence-vectors'." + HINT),
    (W2V + ["--size", "3"], "Error: No such option '--size'. The C tool's options take one "
     "dash: -size." + HINT),
    (W2V + ["-size"], "Error: Option '-size' requires an argument." + HINT),
    (W2V[:-1] + ["-size", "3"], "Error: Option '-output' requires an argument." + HINT),
    (W2V + ["-size", "x"], "Error: Invalid value for '-size': 'x' is not a valid integer."
     + HINT),
    (W2V + ["-alpha", "nan"], "Error: Invalid value for '-alpha': 'nan' is not a finite "
     "number." + HINT),
    (W2V + ["-size", "3", "-size", "4"], "Error: Option '-size' is given twice. Give it once."
     + HINT),
    (["word2vec", "{corpus}"], "Error: Got unexpected extra argument ({corpus}): the options "
     "come in pairs, '-flag value'." + HINT),
    (["word2vec", "-output", "{out}"], "Error: Missing option '-train'." + HINT),
    (["word2vec", "-train", "{corpus}"], "Error: Missing option '-output' (or '-save-vocab', "
     "to count the vocabulary alone)." + HINT),
    (W2V + ["-size", "0"], "Error: -size must be a positive integer, got 0.\n"),
    (W2V + ["-negative", "0"], "Error: nothing to train: give -negative > 0 or -hs 1.\n"),
    (W2V + ["-threads", "0"], "Error: -threads must be a positive integer, got 0.\n"),
    (W2V + ["-classes", "-1"], "Error: -classes must be 0 (word vectors) or more, got -1.\n"),
    (W2V + ["-read-vocab", "{folder}/none.txt"], "Error: vocabulary file '{folder}/none.txt' "
     "not found. Check the -read-vocab path.\n"),
    (["word2vec", "-train", "{corpus}", "-read-vocab", "{corpus}", "-save-vocab", "{out}"],
     "Error: -read-vocab needs -output: without -output, word2vec only counts the "
     "vocabulary of -train." + HINT),
    (["word2vec", "-train", "{corpus}", "-output", "{corpus}"], "Error: -output '{corpus}' and "
     "-train '{corpus}' are the same file: an output never replaces an input. Choose another "
     "-output path.\n"),
    (["word2vec", "-train", "{folder}/none.txt", "-output", "{out}"], "Error: corpus file "
     "'{folder}/none.txt' not found. Check the path.\n"),
    (["word2phrase", "-train", "{corpus}"], "Error: Missing option '-output'. See 'w2vns "
     "word2phrase --help'.\n"),
    (["word2phrase", "-train", "{corpus}", "-output", "{out}", "-size", "3"], "Error: No such "
     "option '-size'. See 'w2vns word2phrase --help'.\n"),
    (["word2phrase", "-train", "{corpus}", "-output", "{out}", "-min-count", "0"], "Error: "
     "-min-count must be a positive integer, got 0.\n"),
    (["word2phrase", "-train", "{corpus}", "-output", "{out}", "-threshold", "-1"], "Error: "
     "-threshold must be 0 or more, got -1.\n"),
    (["distance", "{folder}/none.bin"], "Error: vectors file '{folder}/none.bin' not found. "
     "Check the path.\n"),
    (["compute-accuracy", "{out}", "x"], "Error: Invalid value for 'THRESHOLD': 'x' is not a "
     "valid integer. See 'w2vns compute-accuracy --help'.\n"),
])
def test_refused_argument_lists_touch_nothing(tmp_path, args, message):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat sat on the mat\n" * 50)
    out = tmp_path / "old.bin"
    out.write_bytes(b"an older output")
    names = {"corpus": corpus, "out": out, "folder": tmp_path}
    before = snapshot(tmp_path)
    result = run(*[a.format(**names) for a in args])
    assert result.exit_code == 2
    assert result.stderr == message.format(**names)
    assert snapshot(tmp_path) == before
