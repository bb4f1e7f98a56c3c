"""Training on a CUDA GPU (--device cuda).

CI has no GPU: the device tests run in a subprocess under Numba's CUDA simulator
(NUMBA_ENABLE_CUDASIM=1, read when numba is imported, so never in this process). The
simulator runs every thread in Python: corpora are tiny and vectors short.
"""

import itertools
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from numba import config as numba_config
from numba import cuda

from references import logistic_gradient, random_matrices, reference_sgns, sigmoid
from stopping import StopAfter
from w2vns.cli.main import cli
from w2vns.errors import Interrupted
from w2vns.io import synthetic
from w2vns.kernels.bundles import Model, Noise
from w2vns.training import checkpoint as ckpt
from w2vns.training import config, objectives
from w2vns.training.devices import cuda as device
from w2vns.training.devices.base import Tables
from w2vns.training import vocab
from w2vns.training.loop import train
from w2vns.training.outputs import train_to_files
from w2vns.training.run import Run
from w2vns.vectors.embeddings import Embeddings

CORPUS_SENTENCES = 200  # sentences of the shared corpus fixture (conftest.py)
SIMULATED = bool(numba_config.ENABLE_CUDASIM)
simulator = pytest.mark.skipif(not SIMULATED, reason="runs in a subprocess, under the simulator")
host = pytest.mark.skipif(SIMULATED, reason="checks the host without the simulator")

ALPHA = np.float32(0.05)
SENTENCES = 300  # the synthetic corpus, without its filler words (see learning_setup)
NEIGHBOUR_BAR = 0.8  # share of planted words whose nearest planted word is planted
QUIET = dict(log=lambda _: None, bar=False)


# ---------------------------------------------------------------- host side
@host
def test_device_tests_pass_under_the_simulator():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                             "-W", "ignore::RuntimeWarning",  # xorshift wraps around on purpose
                             __file__], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and "skipped" in result.stdout  # the host tests skip


@host
def test_cuda_without_numba_cuda_is_one_error_line(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(device, "package_installed", lambda: False)
    out, ck = tmp_path / "v.bin", tmp_path / "ck"
    result = CliRunner().invoke(cli, ["train", corpus, "-o", str(out), "--device", "cuda",
                                      "--checkpoint-dir", str(ck)])
    assert result.exit_code == 1
    assert result.output == ("Error: --device cuda needs the numba-cuda package: "
                             "pip install 'w2vns[cuda]', or use --device cpu.\n")
    assert not out.exists() and not ck.exists()


@host
def test_cuda_without_a_gpu_is_one_error_line(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(device, "package_installed", lambda: True)
    monkeypatch.setattr(device, "gpu_found", lambda: False)
    out = tmp_path / "v.bin"
    result = CliRunner().invoke(cli, ["train", corpus, "-o", str(out), "--device", "cuda"])
    assert result.exit_code == 1
    assert result.output == ("Error: --device cuda: no CUDA GPU found (check the driver with "
                             "nvidia-smi), or use --device cpu.\n")
    assert not out.exists()


@host
@pytest.mark.parametrize("args, message", [
    (["--dim", "2000"], "--dim 2000 is not supported with --device cuda (at most 1024)."),
    (["--negative", "65"], "--negative 65 is not supported with --device cuda (at most 64)."),
    (["--hs"], "--hs is not supported with --device cuda: use negative sampling, or --device cpu."),
    (["--ns-strategy", "hard"], "--ns-strategy hard is not supported with --device cuda "
                                "(use unigram or uniform, or --device cpu)."),
    (["--device", "tpu"], None),
])
def test_options_the_device_path_lacks_are_usage_errors(corpus, tmp_path, args, message):
    out = tmp_path / "v.bin"
    result = CliRunner().invoke(cli, ["train", corpus, "-o", str(out), "--device", "cuda", *args])
    assert result.exit_code == 2
    if message:
        assert result.output == f"Error: {message}\n"
    else:
        assert result.output.startswith("Error: Invalid value for '--device'")
    assert not out.exists()


def test_units_cut_long_sentences_and_skip_eos():
    eos = -1
    batch = np.array([1, 2, 3, 4, 5, eos, 6, eos, 7, 8, 9, eos], dtype=np.int32)
    starts, ends = device.units(batch, 2)
    assert list(zip(starts, ends)) == [(0, 2), (2, 4), (4, 5), (6, 7), (8, 10), (10, 11)]


def test_worker_states_are_derived_from_the_checkpointed_ones():
    states = np.array([5, 7], dtype=np.uint64)
    many = device.worker_states(states, 6)
    assert len(set(many.tolist())) == 6 and (many > 0).all()
    np.testing.assert_array_equal(device.worker_states(states, 6), many)  # deterministic
    np.testing.assert_array_equal(device.worker_states(many, 2), many[:2])


# ---------------------------------------------------------------- NumPy references
def reference_block(syn0, syn1, contexts, targets, alpha):
    """The device's order for a block of context rows sharing ``targets`` (the centre word
    first): each target in turn meets every context row as the previous targets left it;
    its row gains the sum of the block's gradients, each context row its own, at once."""
    labels = [1.0] + [0.0] * (len(targets) - 1)
    for t, label in zip(targets, labels):
        w = syn1[t].copy()
        h = syn0[contexts]
        g = logistic_gradient(h @ w, label) * alpha
        syn1[t] += g @ h
        syn0[contexts] += np.outer(g, w)


def reference_sg(sent, syn0, syn1, noise_of_block, alpha, share=True):
    """Skip-gram with window 1 in float64: the centre's two context words form one block
    with shared negatives, else each is a block with its own draw."""
    ref0, ref1 = syn0.astype(np.float64), syn1.astype(np.float64)
    block = 0
    for i in range(len(sent)):
        contexts = [sent[j] for j in (i - 1, i + 1) if 0 <= j < len(sent)]
        for part in ([contexts] if share else [[c] for c in contexts]):
            reference_block(ref0, ref1, part, [sent[i], *noise_of_block[block]], alpha)
            block += 1
    return ref0, ref1


def reference_cbow(sent, syn0, syn1, noise, alpha, mean):
    ref0, ref1 = syn0.astype(np.float64), syn1.astype(np.float64)
    for i in range(len(sent)):
        ctx = [sent[j] for j in (i - 1, i + 1) if 0 <= j < len(sent)]
        h = ref0[ctx].sum(axis=0)
        if mean:
            h = h / len(ctx)
        e, ref1, _ = reference_sgns(h, [sent[i], *noise], ref1, alpha)
        for c in ctx:
            ref0[c] += e if mean else e / len(ctx)
    return ref0, ref1


# ---------------------------------------------------------------- device side
ROWS = 12
DIM = 40  # with 32 lanes: the 2-column class, lanes 0-7 own two columns, the others one
# Widths of several classes: with 32 lanes 1, 2 (the last lanes idle) and 4 columns a lane.
WIDTHS = [8, DIM, 100]


@pytest.fixture(params=WIDTHS)
def matrices(request):
    return random_matrices(ROWS, request.param)


def noise_table(words):
    """An alias table drawing only ``words``, uniformly."""
    weights = np.zeros(ROWS)
    weights[list(words)] = 1.0
    return vocab.alias_table(weights)


def device_run(sent, syn0, syn1, noise_words, *, model="sg", negative=1, mean=True,
               share=True, lanes=1, seed=7):
    """Train one sentence (window 1, no subsampling) through the device kernel.

    Returns the new matrices, the logistic terms and the positive pairs counted."""
    dim = syn0.shape[1]
    cfg = config.build(None, model=model, dim=dim, window=1, negative=negative, sample=0,
                       cbow_mean=mean, share_negatives=share, threads=1, device="cuda")
    got = Model(syn0.copy(), syn1.copy(), np.zeros((1, dim), np.float32))
    noise = Noise(*noise_table(noise_words), np.zeros(0, np.float32), np.zeros(0, np.float32),
                  np.zeros(0, np.float32))
    tables = Tables(noise, objectives.tree_for(np.ones(ROWS), cfg), np.ones(ROWS, np.float32))
    trainer = device.CudaDevice(cfg, got, tables, np.array([seed], np.uint64), lambda _: None,
                                lanes=lanes, workers=1)
    counted = trainer.train(np.array([*sent, -1], dtype=np.int32), objectives.params_for(cfg, 0),
                            ALPHA, ALPHA)
    trainer.copy_back()
    return got.syn0, got.syn1neg, counted.logistic_terms, counted.positive_pairs


@simulator
def test_only_learnt_terms_stop_on_the_device():
    """Beyond the clip on the side of its label a term adds no gradient; on the wrong side,
    or within the clip, one flows (as on the CPU)."""
    from w2vns.kernels import cuda as K

    for f, label in [(6.5, 1), (50.0, 1), (-6.5, 0), (-50.0, 0)]:
        sig, loss = K.sigmoid_and_loss(np.float32(f), label)
        assert sig == label and logistic_gradient(f, label) == 0.0
        assert loss == pytest.approx(-np.log(sigmoid(6.0)), rel=1e-3)
    for f, label in [(6.5, 0), (-6.5, 1), (5.9, 1), (-5.9, 0)]:
        sig, _ = K.sigmoid_and_loss(np.float32(f), label)
        assert sig == pytest.approx(sigmoid(f), abs=1e-6) and 0.0 < sig < 1.0


@simulator
@pytest.mark.parametrize("lanes", [1, 32])
@pytest.mark.parametrize("share", [True, False])
def test_skipgram_unit_matches_numpy(matrices, lanes, share):
    """A single noise word: both ways of drawing negatives give the same targets."""
    syn0, syn1 = matrices
    sent = [4, 9, 2, 4]
    got0, got1, terms, pairs = device_run(sent, syn0, syn1, [11], lanes=lanes, share=share)
    ref0, ref1 = reference_sg(sent, syn0, syn1, [[11]] * 6, float(ALPHA), share)
    assert (terms, pairs) == (12, 6)
    np.testing.assert_allclose(got0, ref0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-5)


@simulator
@pytest.mark.parametrize("mean", [True, False])
@pytest.mark.parametrize("lanes", [1, 32])
def test_cbow_unit_matches_numpy(matrices, mean, lanes):
    syn0, syn1 = matrices
    sent = [4, 9, 2, 6]
    got0, got1, terms, pairs = device_run(sent, syn0, syn1, [11], model="cbow", mean=mean,
                                          lanes=lanes)
    ref0, ref1 = reference_cbow(sent, syn0, syn1, [11], float(ALPHA), mean)
    assert (terms, pairs) == (8, 6)
    np.testing.assert_allclose(got0, ref0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-5)


def _matching_draws(got0, got1, sent, syn0, syn1, noise_words, share):
    """The noise word of each block of a 3-word unit (3 shared, 4 per pair) that
    reproduces the result."""
    found = []
    for draws in itertools.product(noise_words, repeat=3 if share else 4):
        ref0, ref1 = reference_sg(sent, syn0, syn1, [[w] for w in draws], float(ALPHA), share)
        if np.allclose(got0, ref0, rtol=1e-4, atol=1e-5) and np.allclose(got1, ref1, rtol=1e-4,
                                                                         atol=1e-5):
            found.append(draws)
    assert len(found) == 1
    return found[0]


@simulator
def test_shared_negatives_are_drawn_per_centre_and_fresh_ones_per_pair(matrices):
    """Two equally likely noise words: the middle centre's two pairs share theirs only
    when negatives are shared."""
    syn0, syn1 = matrices
    sent, noise_words = [3, 5, 8], (10, 11)
    middle_pairs_differ = []
    for share in (True, False):
        for seed in range(1, 9):
            got0, got1, _, _ = device_run(sent, syn0, syn1, noise_words, share=share, seed=seed)
            draws = _matching_draws(got0, got1, sent, syn0, syn1, noise_words, share)
            if not share:
                middle_pairs_differ.append(draws[1] != draws[2])  # pairs of centre 1
    assert any(middle_pairs_differ)


@pytest.fixture(scope="module")
def learning_setup(tmp_path_factory):
    """The synthetic corpus with a vocabulary of its planted and context words only."""
    root = tmp_path_factory.mktemp("synthetic")
    path, words_path = root / "corpus.txt", root / "vocab.txt"
    synthetic.write(str(path), sentences=SENTENCES)
    grammar = synthetic.Grammar()
    words = [w for w, _ in grammar.topics]
    for pools in (grammar.class_contexts, grammar.role_markers, grammar.pair_topics):
        words += [w for pool in pools.values() for w in pool]
    words_path.write_text("".join(f"{w} 1\n" for w in words))
    return str(path), str(words_path)


def neighbour_score(kv):
    planted = synthetic.planted_neighbours()
    words = list(planted)
    sub = Embeddings(words, np.stack([kv[w] for w in words]))
    return float(np.mean([sub.most_similar(w, topn=1)[0][0] in near
                          for w, near in planted.items()]))


def learning_options(model):
    epochs, alpha = (5, 0.2) if model == "sg" else (8, 0.3)
    return dict(model=model, epochs=epochs, alpha=alpha, dim=8, window=2, negative=2, sample=0,
                min_count=1, threads=1, seed=1, device="cuda")


@simulator
@pytest.mark.parametrize("model", ["sg", "cbow"])
def test_planted_neighbours_are_learned_on_the_device(learning_setup, model):
    corpus_path, words_path = learning_setup
    cfg = config.build(None, **learning_options(model))
    trained = train(Run([corpus_path], cfg, read_vocab=words_path, **QUIET))
    assert neighbour_score(Embeddings(trained.vocab.words, trained.vectors)) >= NEIGHBOUR_BAR
    losses = trained.summary.epoch_loss
    assert losses[-1] < losses[0]


@simulator
def test_untrained_vectors_fail_the_same_bar(learning_setup):
    corpus_path, words_path = learning_setup
    cfg = config.build(None, **dict(learning_options("sg"), epochs=1, alpha=1e-6,
                                    min_alpha=1e-7))
    trained = train(Run([corpus_path], cfg, read_vocab=words_path, **QUIET))
    assert neighbour_score(Embeddings(trained.vocab.words, trained.vectors)) < 0.5


def _interrupted_run(corpus, words, out, ck, options, batches):
    cfg = config.build(None, **options)
    with pytest.raises(Interrupted):
        train_to_files(Run([corpus], cfg, str(out), checkpoint_dir=str(ck), read_vocab=words,
                           stop=StopAfter(batches), **QUIET))
    saved = ckpt.load_latest(str(ck), warn=print)
    total = saved.meta["cache"]["words"] * cfg.epochs
    assert 0 < saved.position.done < total
    return saved, total


def _resume_on(device_name, ck, out, report):
    result = CliRunner().invoke(cli, ["train", "--resume", str(ck), "--device", device_name,
                                      "--report", str(report), "-q"])
    assert result.exit_code == 0, result.output
    assert out.exists() and os.listdir(ck) == []
    return json.loads(report.read_text())


@simulator
def test_a_cpu_checkpoint_resumes_on_the_device(learning_setup, tmp_path):
    corpus_path, words_path = learning_setup
    out, ck = tmp_path / "v.bin", tmp_path / "ck"
    options = dict(learning_options("sg"), device="cpu", batch_words=300, epochs=2)
    saved, total = _interrupted_run(corpus_path, words_path, out, ck, options, 3)
    report = _resume_on("cuda", ck, out, tmp_path / "run.json")
    assert report["device"] == "cuda" and report["options"]["device"] == "cuda"
    assert report["words_trained"] == total - saved.position.done
    assert report["epochs_done"] == 2


@simulator
def test_a_device_checkpoint_resumes_on_the_cpu(learning_setup, tmp_path, monkeypatch):
    monkeypatch.setattr(device, "DEVICE_CHUNK_WORDS", 300)  # several chunks per epoch
    corpus_path, words_path = learning_setup
    out, ck = tmp_path / "v.bin", tmp_path / "ck"
    options = dict(learning_options("sg"), epochs=1)
    saved, total = _interrupted_run(corpus_path, words_path, out, ck, options, 2)
    assert saved.model.syn0.any() and saved.model.syn1neg.any()  # the device's vectors, copied back
    report = _resume_on("cpu", ck, out, tmp_path / "run.json")
    assert report["device"] == "cpu"
    assert report["words_trained"] == total - saved.position.done
