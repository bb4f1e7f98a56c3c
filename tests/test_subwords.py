"""Subword vectors end to end: options, the word vectors written, fastText's .bin."""

import os

import numpy as np
import pytest

from test_cli import run, runner  # noqa: F401 (a fixture)
from w2vns.io import fasttext, w2vformat

CORPUS_SENTENCES = 8000
BUCKET = 20_000
TRAIN = ["--subwords", "--bucket", BUCKET, "--threads", 1, "--epochs", 3, "--min-count", 3]
MISSPELT = {"trumpett": "trumpet", "hammmer": "hammer", "germanyy": "germany"}


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    """A subword run's vectors (-o) and fastText .bin."""
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("subwords")
    result = run(CliRunner(), "train", corpus, "-o", out / "v.vec", *TRAIN,
                 "--save-fasttext", out / "m.bin")
    assert result.exit_code == 0, result.stderr
    return out / "v.vec", out / "m.bin"


def snapshot(directory):
    return {p: p.read_bytes() for p in directory.iterdir()}


@pytest.mark.parametrize("args,message", [
    (["--subwords", "--device", "cuda"], "Error: --subwords is not supported with --device "
     "cuda: subword vectors train on CPUs. Drop --device or --subwords."),
    (["--subwords", "--minn", 5, "--maxn", 3], "Error: --minn (5) is above --maxn (3): n-grams "
     "are --minn to --maxn characters long. Give a --minn of at most 3."),
    (["--subwords", "--maxn", -1], "Error: --maxn must be 0 (no n-grams) or more, got -1."),
    (["--subwords", "--bucket", 0], "Error: --bucket must be a positive integer, got 0."),
    (["--save-fasttext", "{tmp}/m.bin"], "Error: --save-fasttext writes a subword model and the "
     "run has none. Add --subwords (with --maxn above 0) or drop --save-fasttext."),
])
def test_bad_subword_options_are_usage_errors(runner, tmp_path, args, message):  # noqa: F811
    (tmp_path / "tiny.txt").write_text("a a b c\n")
    (tmp_path / "old.vec").write_text("1 2\na 1 2\n")
    before = snapshot(tmp_path)
    args = [str(a).format(tmp=tmp_path) for a in args]
    result = run(runner, "train", tmp_path / "tiny.txt", "-o", tmp_path / "old.vec", *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == message.format(tmp=tmp_path)
    assert "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before


def test_word_vectors_are_the_mean_of_their_rows(trained):
    """The .vec rows are fastText's word vectors of the .bin: own row and n-grams, averaged."""
    vec, binary = trained
    words, vectors = w2vformat.read(str(vec))
    model = fasttext.read(str(binary))
    assert model.words == words and model.bucket == BUCKET and (model.minn, model.maxn) == (3, 6)
    np.testing.assert_allclose(fasttext.word_vectors(model), vectors, rtol=1e-5, atol=1e-6)
    own = model.input[:len(words)]
    assert not np.allclose(own, vectors, atol=1e-3)  # not the words' own rows alone


def test_gensim_opens_our_fasttext_model(trained):
    gensim_fasttext = pytest.importorskip("gensim.models.fasttext")
    vec, binary = trained
    words, vectors = w2vformat.read(str(vec))
    kv = gensim_fasttext.load_facebook_vectors(str(binary))
    assert kv.index_to_key == words
    np.testing.assert_allclose(kv.vectors, vectors, rtol=1e-4, atol=1e-5)
    model = fasttext.read(str(binary))
    for word in MISSPELT:
        np.testing.assert_allclose(kv[word], fasttext.unknown_vector(model, word),
                                   rtol=1e-4, atol=1e-6)


def nearest_known(model, word):
    """The vocabulary word whose vector is nearest (cosine) to ``word``'s n-gram vector."""
    vectors = fasttext.word_vectors(model)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    v = fasttext.unknown_vector(model, word)
    return model.words[int(np.argmax(unit @ (v / np.linalg.norm(v))))]


def test_an_unknown_misspelling_is_nearest_to_the_word_it_misspells(trained):
    _, binary = trained
    model = fasttext.read(str(binary))
    for wrong, right in MISSPELT.items():
        assert wrong not in model.words
        assert nearest_known(model, wrong) == right


def test_maxn_0_trains_plain_vectors(runner, corpus, tmp_path):  # noqa: F811
    plain, off = tmp_path / "plain.txt", tmp_path / "off.txt"
    for path, extra in ((plain, []), (off, ["--subwords", "--maxn", 0])):
        result = run(runner, "train", corpus, "-o", path, "--threads", 1, "--epochs", 1, *extra)
        assert result.exit_code == 0, result.stderr
    assert plain.read_bytes() == off.read_bytes()
    assert os.path.getsize(plain) > 0


def gensim_test_model(name):
    """A fastText .bin from gensim's test data (skipped without gensim)."""
    gensim_test = pytest.importorskip("gensim.test.utils")
    return gensim_test.datapath(name)


@pytest.mark.parametrize("name", ["lee_fasttext_new.bin", "toy-model.bin"])
def test_we_read_fasttext_models_others_publish(name):
    """Every word's vector and an unknown word's equal gensim's reading of the same file
    (but '</s>', to which fastText, unlike gensim, gives no n-grams)."""
    from gensim.models.fasttext import load_facebook_vectors

    import w2vns

    path = gensim_test_model(name)
    kv, theirs = w2vns.load(path), load_facebook_vectors(path)
    assert kv.subwords is not None and len(kv) == len(theirs.index_to_key)
    words = [w for w in kv.words if w != fasttext.EOS_WORD]
    np.testing.assert_allclose(kv[words], theirs[words], rtol=1e-4, atol=1e-5)
    for word in ("zzqxyab", "naïvetés"):
        assert word not in kv
        np.testing.assert_allclose(kv.get_vector(word), theirs[word], rtol=1e-4, atol=1e-6)


def test_queries_build_unknown_words_and_say_so(trained, runner):  # noqa: F811
    _, binary = trained
    result = run(runner, "similar", binary, "trumpett", "-n", 1)
    assert result.exit_code == 0
    assert result.stdout.split("\t")[:2] == ["trumpett", "trumpet"]
    assert result.stderr.splitlines() == [
        "'trumpett' is not in the vocabulary: its vector is built from its character n-grams"]


def test_print_word_vectors_reads_words_from_stdin(trained, runner):  # noqa: F811
    vec, binary = trained
    result = run(runner, "print-word-vectors", binary, input="trumpet hammmer\n")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["trumpet", "hammmer"]
    words, vectors = w2vformat.read(str(vec))
    np.testing.assert_allclose([float(x) for x in lines[0].split()[1:]],
                               vectors[words.index("trumpet")], rtol=1e-3, atol=1e-5)
    built = fasttext.unknown_vector(fasttext.read(str(binary)), "hammmer")
    np.testing.assert_allclose([float(x) for x in lines[1].split()[1:]], built, rtol=1e-3,
                               atol=1e-5)
    plain = run(runner, "print-word-vectors", vec, input="hammmer\n")
    assert plain.exit_code == 1
    assert plain.stderr.splitlines()[-1] == "unknown word: hammmer (printed as zeros)"


def test_the_api_builds_unknown_words(corpus):
    import w2vns

    kv = w2vns.train(corpus, subwords=True, bucket=BUCKET, threads=1, epochs=3, min_count=3,
                     quiet=True)
    assert "trumpett" not in kv and kv.subwords is not None
    assert kv.most_similar(positive=[kv.get_vector("trumpett")], topn=1)[0][0] == "trumpet"


def test_fasttext_models_before_version_12_are_read():
    """No magic number, no pruning size, no quantisation flags (read by io.fasttext.read;
    the vectors commands recognise a .bin model by its magic number)."""
    from gensim.models.fasttext import load_facebook_vectors

    path = gensim_test_model("non_ascii_fasttext.bin")
    model, theirs = fasttext.read(path), load_facebook_vectors(path)
    vectors = fasttext.word_vectors(model)
    words = [w for w in model.words if w != fasttext.EOS_WORD]
    rows = [model.words.index(w) for w in words]
    np.testing.assert_allclose(vectors[rows], theirs[words], rtol=1e-4, atol=1e-5)


def test_a_truncated_fasttext_model_is_one_error_line(trained, runner, tmp_path):  # noqa: F811
    _, binary = trained
    cut = tmp_path / "cut.bin"
    cut.write_bytes(binary.read_bytes()[:-1000])
    result = run(runner, "similar", cut, "trumpet")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: '{cut}' is truncated (in the output matrix): the fastText model is "
        "incomplete. Copy or download it again."]


def test_evaluate_scores_unknown_words_with_oov_ngrams(trained, runner, tmp_path):  # noqa: F811
    import w2vns

    vec, binary = trained
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("trumpet\tviolin\t8\ntrumpett\tguitar\t7\nhammmer\tcat\t1\n"
                     "cat\tdog\t9\ngermanyy\tberlin\t6\n")
    skipped = w2vns.evaluate(str(binary), similarity=[str(pairs)]).similarities[0]
    built = w2vns.evaluate(str(binary), similarity=[str(pairs)], oov="ngrams").similarities[0]
    assert (skipped.pairs, skipped.oov, skipped.built) == (2, 3, 0)
    assert (built.pairs, built.oov, built.built) == (5, 0, 3)
    before = snapshot(tmp_path)
    result = run(runner, "evaluate", vec, "--similarity", pairs, "--oov", "ngrams")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: --oov ngrams builds unknown words from a subword model's n-grams, and "
        f"'{vec}' has none. Pass a fastText .bin (w2vns train --subwords --save-fasttext) "
        "or drop --oov."]
    assert snapshot(tmp_path) == before


def test_an_interrupted_subword_run_resumes_to_the_same_model(corpus, tmp_path):
    """Checkpoints hold the n-gram rows: one thread, byte-identical outputs."""
    from stopping import StopAfter
    from w2vns.errors import Interrupted
    from w2vns.training import checkpoint as ckpt
    from w2vns.training import config
    from w2vns.training.outputs import train_to_files
    from w2vns.training.run import Run

    cfg = config.build(None, epochs=2, threads=1, seed=11, batch_words=20000, subwords=True,
                       bucket=BUCKET, min_count=3)
    quiet = dict(log=lambda _: None, bar=False)
    whole, out, ck = tmp_path / "whole.vec", tmp_path / "resumed.vec", tmp_path / "ck"
    train_to_files(Run([corpus], cfg, str(whole), save_fasttext=str(whole) + ".bin", **quiet))
    with pytest.raises(Interrupted):
        train_to_files(Run([corpus], cfg, str(out), save_fasttext=str(out) + ".bin",
                           checkpoint_dir=str(ck), stop=StopAfter(3), **quiet))
    saved = ckpt.load_latest(str(ck), warn=print)
    assert saved.model.syn0.shape[0] == len(saved.words) + BUCKET
    train_to_files(Run([corpus], cfg, str(out), save_fasttext=str(out) + ".bin",
                       resume_from=saved, **quiet))
    assert out.read_bytes() == whole.read_bytes()
    assert (tmp_path / "resumed.vec.bin").read_bytes() == (tmp_path / "whole.vec.bin").read_bytes()


def test_init_from_continues_the_ngram_rows(corpus, runner, tmp_path):  # noqa: F811
    """A saved model keeps its n-gram rows and a continued run starts from them (a learning
    rate near 0 leaves them as they were; a fresh start would not)."""
    from w2vns.training import model_file

    first, second = tmp_path / "first.model", tmp_path / "second.model"
    result = run(runner, "train", corpus, "-o", tmp_path / "a.vec", *TRAIN,
                 "--save-model", first)
    assert result.exit_code == 0, result.stderr
    result = run(runner, "train", corpus, "-o", tmp_path / "b.vec", "--init-from", first,
                 "--save-model", second, "--epochs", 1, "--threads", 1, "--min-count", 3,
                 "--alpha", 1e-9, "--min-alpha", 0)
    assert result.exit_code == 0, result.stderr
    saved, continued = (model_file.load(str(p)) for p in (first, second))
    assert continued.config["subwords"] and continued.config["bucket"] == BUCKET
    assert saved.arrays["buckets"].shape == (BUCKET, saved.dim)
    np.testing.assert_allclose(continued.arrays["buckets"], saved.arrays["buckets"], atol=1e-6)


@pytest.mark.parametrize("fields, expected, ratio", [
    (dict(subwords=True), "SG_SUBWORD_ALPHA", "SG_SUBWORD_MIN_ALPHA_RATIO"),
    (dict(subwords=True, maxn=0), "SG_ALPHA", "sg"),
    (dict(), "SG_ALPHA", "sg"),
    (dict(subwords=True, model="cbow"), "CBOW_ALPHA", "cbow"),
    (dict(subwords=True, alpha=0.01), None, "SG_SUBWORD_MIN_ALPHA_RATIO"),
])
def test_skipgram_with_subwords_has_its_own_learning_rates(fields, expected, ratio):
    from w2vns.training import config as configuration
    resolved = configuration.TrainConfig(**fields).resolved()
    want = getattr(configuration, expected) if expected else fields["alpha"]
    fraction = configuration.MIN_ALPHA_RATIO.get(ratio) or getattr(configuration, ratio)
    assert resolved.alpha == want
    assert resolved.min_alpha == pytest.approx(want * fraction)
    assert configuration.SG_SUBWORD_ALPHA != configuration.SG_ALPHA
    # plain skip-gram anneals to about zero; with subwords it ends at a fraction of its start
    assert configuration.MIN_ALPHA_RATIO["sg"] < configuration.SG_SUBWORD_MIN_ALPHA_RATIO
