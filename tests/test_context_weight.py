"""--context-weight: the vectors written (and returned) are the input vectors plus a multiple
of the context vectors of negative sampling (by default half of them in CBOW, none in
skip-gram); the model's own matrices, the context file and the model file are left as
trained."""

import shutil

import numpy as np
import pytest
from click.testing import CliRunner

import w2vns
from test_learning import analogy_score, neighbour_score
from test_resume import StopAfter
from w2vns.cli.main import cli
from w2vns.errors import Interrupted, UsageError
from w2vns.training import config, model_file
from w2vns.training.loop import train
from w2vns.training.outputs import train_to_files
from w2vns.training.run import Run
from w2vns.vectors.embeddings import Embeddings, load

CORPUS_SENTENCES = 6000  # sentences of the shared corpus fixture (conftest.py)
QUIET = dict(log=lambda _: None, bar=False)
ONE_THREAD = ["--threads", "1", "--seed", "3", "--epochs", "1", "-q"]
TOLERANCE = dict(rtol=1e-5, atol=1e-6)  # float32 sums written as binary floats


def train_cli(corpus, out, *args):
    result = CliRunner().invoke(cli, ["train", corpus, "-o", str(out), *ONE_THREAD, *args])
    assert result.exit_code == 0, result.stderr
    return load(str(out)).vectors


WEIGHT = 0.5  # a weight the tests write with


@pytest.mark.parametrize("options,weight", [
    (dict(model="cbow"), config.CONTEXT_WEIGHT["cbow"]),
    (dict(model="sg"), config.CONTEXT_WEIGHT["sg"]),
    (dict(model="cbow", negative=0, hs=True), 0.0),
    (dict(model="cbow", loss="softmax"), config.CONTEXT_WEIGHT["cbow"]),
    (dict(model="cbow", subwords=True), 0.0),
    (dict(model="cbow", subwords=True, maxn=0), config.CONTEXT_WEIGHT["cbow"]),
    (dict(model="sg", context_weight=WEIGHT), WEIGHT),
    (dict(model="cbow", context_weight=0), 0.0),
])
def test_the_default_weight_follows_the_model_and_the_objective(options, weight):
    assert config.build(None, **options).context_weight == weight


def test_cbow_writes_its_input_vectors_plus_half_its_context_vectors(corpus, tmp_path):
    """Same seed, one thread: the default run's vectors are the input-only run's plus the
    weighted context vectors, which --save-context writes as trained."""
    assert config.CONTEXT_WEIGHT["cbow"] > 0
    weighted = train_cli(corpus, tmp_path / "a.bin", "--model", "cbow",
                         "--save-context", str(tmp_path / "c.bin"))
    context = load(str(tmp_path / "c.bin")).vectors
    own = train_cli(corpus, tmp_path / "b.bin", "--model", "cbow", "--context-weight", "0")
    doubled = train_cli(corpus, tmp_path / "d.bin", "--model", "cbow", "--context-weight", "2")
    np.testing.assert_allclose(weighted, own + config.CONTEXT_WEIGHT["cbow"] * context,
                               **TOLERANCE)
    np.testing.assert_allclose(doubled, own + 2 * context, **TOLERANCE)
    assert np.abs(weighted - own).max() > 0.1
    assert load(str(tmp_path / "c.bin")).words == load(str(tmp_path / "a.bin")).words


def test_skipgram_writes_its_input_vectors_alone(corpus, tmp_path):
    assert config.CONTEXT_WEIGHT["sg"] == 0
    train_cli(corpus, tmp_path / "a.bin")
    train_cli(corpus, tmp_path / "b.bin", "--context-weight", "0")
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()
    weighted = train_cli(corpus, tmp_path / "c.bin", "--context-weight", str(WEIGHT),
                         "--save-context", str(tmp_path / "ctx.bin"))
    np.testing.assert_allclose(weighted, load(str(tmp_path / "a.bin")).vectors
                               + WEIGHT * load(str(tmp_path / "ctx.bin")).vectors, **TOLERANCE)


def test_the_model_file_keeps_the_trained_matrices(corpus, tmp_path):
    """--init-from continues the input vectors as trained, not the weighted sum."""
    train_cli(corpus, tmp_path / "a.bin", "--model", "cbow", "--save-model",
              str(tmp_path / "m.w2vm"))
    own = train_cli(corpus, tmp_path / "b.bin", "--model", "cbow", "--context-weight", "0")
    saved = model_file.load(str(tmp_path / "m.w2vm"))
    np.testing.assert_array_equal(saved.arrays["syn0"], own)
    assert saved.config["context_weight"] == config.CONTEXT_WEIGHT["cbow"]


def test_the_api_returns_what_the_command_line_writes(corpus, tmp_path):
    written = train_cli(corpus, tmp_path / "a.bin", "--model", "cbow")
    kv = w2vns.train(corpus, model="cbow", threads=1, seed=3, epochs=1, quiet=True)
    np.testing.assert_allclose(kv.vectors, written, **TOLERANCE)
    own = w2vns.train(corpus, model="cbow", threads=1, seed=3, epochs=1, quiet=True,
                      context_weight=0)
    assert np.abs(kv.vectors - own.vectors).max() > 0.1


def test_the_api_names_its_keyword_in_errors(corpus):
    with pytest.raises(UsageError) as caught:
        w2vns.train(corpus, negative=0, hs=True, context_weight=1, quiet=True)
    assert str(caught.value) == ("context_weight adds the context vectors of negative "
                                 "sampling, and negative 0 has none. Drop context_weight or "
                                 "give negative > 0.")


ERRORS = [
    (["--context-weight", "-1"],
     "Error: --context-weight must be 0 (the input vectors alone) or more, got -1."),
    (["--hs", "--negative", "0", "--context-weight", "0.5"],
     "Error: --context-weight adds the context vectors of negative sampling, and --negative 0 "
     "has none. Drop --context-weight or give --negative > 0."),
    (["--subwords", "--context-weight", "0.5"],
     "Error: --context-weight adds each word's context vector, and words built from n-grams "
     "(--subwords) have none. Drop --context-weight or --subwords."),
    (["--context-weight", "inf"],
     "Error: Invalid value for '--context-weight': 'inf' is not a finite number. "
     "See 'w2vns train --help'."),
]


@pytest.mark.parametrize("args,message", ERRORS)
def test_bad_weights_are_one_line_errors_and_write_nothing(corpus, tmp_path, args, message):
    out = tmp_path / "v.bin"
    result = CliRunner().invoke(cli, ["train", corpus, "-o", str(out), *args])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [message]
    assert not out.exists()


def test_a_resumed_run_may_change_the_weight(corpus, tmp_path):
    """The weight says how the vectors are written, not how they are trained: --resume
    takes a new one without --force, and the same checkpoint resumed with the recorded
    (default) weight writes the input vectors plus half the context vectors."""
    ck = tmp_path / "ck"
    cfg = config.build(None, model="cbow", epochs=2, threads=1, batch_words=5000)
    with pytest.raises(Interrupted):
        train_to_files(Run([corpus], cfg, str(tmp_path / "v.bin"), checkpoint_dir=str(ck),
                           stop=StopAfter(2), **QUIET))
    shutil.copytree(ck, tmp_path / "ck2")
    runner = CliRunner()
    result = runner.invoke(cli, ["train", "--resume", str(ck), "--context-weight", "0",
                                 "--save-context", str(tmp_path / "c.bin"), "-q"])
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(cli, ["train", "--resume", str(tmp_path / "ck2"), "-o",
                                 str(tmp_path / "w.bin"), "-q"])
    assert result.exit_code == 0, result.stderr
    own, context = load(str(tmp_path / "v.bin")).vectors, load(str(tmp_path / "c.bin")).vectors
    np.testing.assert_allclose(load(str(tmp_path / "w.bin")).vectors,
                               own + config.CONTEXT_WEIGHT["cbow"] * context, **TOLERANCE)


@pytest.mark.parametrize("model", ["sg", "cbow"])
def test_weighted_vectors_learn_the_planted_structure(corpus, model):
    """The weighted sum, not only the input vectors, carries what was learned."""
    cfg = config.build(None, model=model, epochs=6, threads=2, seed=5, context_weight=WEIGHT)
    trained = train(Run([corpus], cfg, **QUIET))
    kv = Embeddings(trained.vocab.words, trained.word_vectors)
    assert np.abs(kv.vectors - trained.vectors).max() > 0.1
    assert neighbour_score(kv) >= 0.9
    assert analogy_score(kv) >= 0.7
