"""Kernel steps against NumPy references (also run with NUMBA_DISABLE_JIT=1)."""

import os
import subprocess
import sys

import numpy as np
import pytest
from numba import njit

from w2vns.kernels import cpu as K
from w2vns.training import vocab

DIM = 16
ROWS = 12
ALPHA = np.float32(0.05)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -6.0, 6.0)))


def reference_sgns(h, targets, syn1, alpha):
    """Sequential negative-sampling step in float64: returns (neu1e, new syn1, loss)."""
    syn1 = syn1.astype(np.float64).copy()
    h = h.astype(np.float64)
    neu1e = np.zeros_like(h)
    loss = 0.0
    for d, w in enumerate(targets):
        label = 1.0 if d == 0 else 0.0
        f = np.clip(h @ syn1[w], -6.0, 6.0)
        g = (label - sigmoid(f)) * alpha
        neu1e += g * syn1[w]
        syn1[w] += g * h
        loss += -np.log(sigmoid(f) if label else 1.0 - sigmoid(f))
    return neu1e, syn1, loss


@pytest.fixture
def matrices():
    rng = np.random.default_rng(3)
    syn0 = rng.normal(0, 0.5, (ROWS, DIM)).astype(np.float32)
    syn1 = rng.normal(0, 0.5, (ROWS, DIM)).astype(np.float32)
    return syn0, syn1


def test_sgns_update_matches_numpy(matrices):
    syn0, syn1 = matrices
    h = syn0[2].copy()
    targets = np.array([5, 1, 7, 7, 3], dtype=np.int64)  # a repeated noise word, on purpose
    expected_e, expected_syn1, expected_loss = reference_sgns(h, targets, syn1, float(ALPHA))
    neu1e = np.empty(DIM, dtype=np.float32)
    got = syn1.copy()
    loss = K.sgns_update(h, targets, len(targets), got, ALPHA, neu1e)
    np.testing.assert_allclose(neu1e, expected_e, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got, expected_syn1, rtol=1e-4, atol=1e-6)
    assert loss == pytest.approx(expected_loss, rel=1e-4)
    untouched = [r for r in range(ROWS) if r not in targets]
    np.testing.assert_array_equal(got[untouched], syn1[untouched])


def test_sigmoid_is_clipped_never_skipped():
    for f, label in [(50.0, 0), (-50.0, 1), (np.float32(6.5), 1)]:
        sig, loss = K.sigmoid_and_loss(np.float32(f), label)
        assert sig == pytest.approx(sigmoid(f), abs=1e-6)
        assert 0.0 < sig < 1.0  # a gradient always flows
        assert np.isfinite(loss) and loss > 0
    sig, loss = K.sigmoid_and_loss(np.float32(np.nan), 1)
    assert np.isnan(loss)  # divergence is visible in the loss


def _no_noise():
    prob, alias = vocab.alias_table(np.ones(ROWS))
    return prob, alias


def test_skipgram_sentence_matches_numpy(matrices):
    """window 1, no noise words: each neighbour predicts the centre, in order."""
    syn0, syn1 = matrices
    sent = np.array([4, 9, 2, 4], dtype=np.int32)
    ref0, ref1 = syn0.astype(np.float64), syn1.astype(np.float64)
    for i in range(len(sent)):
        for j in (i - 1, i + 1):
            if 0 <= j < len(sent):
                e, ref1, _ = reference_sgns(ref0[sent[j]], [sent[i]], ref1, float(ALPHA))
                ref0[sent[j]] += e
    got0, got1 = syn0.copy(), syn1.copy()
    state = np.array([7], dtype=np.uint64)
    prob, alias = _no_noise()
    loss, terms = K.sg_sentence(sent, len(sent), got0, got1, 1, 0, ALPHA,
                                np.empty(DIM, np.float32), np.empty(DIM, np.float32),
                                np.empty((2, 1), np.int64), np.zeros(2, np.int64), state, 0,
                                prob, alias)
    assert terms == 6
    np.testing.assert_allclose(got0, ref0, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("mean", [True, False])
def test_cbow_sentence_matches_numpy(matrices, mean):
    syn0, syn1 = matrices
    sent = np.array([4, 9, 2, 6], dtype=np.int32)
    ref0, ref1 = syn0.astype(np.float64), syn1.astype(np.float64)
    for i in range(len(sent)):
        ctx = [sent[j] for j in (i - 1, i + 1) if 0 <= j < len(sent)]
        h = ref0[ctx].sum(axis=0)
        if mean:
            h = h / len(ctx)
        e, ref1, _ = reference_sgns(h, [sent[i]], ref1, float(ALPHA))
        for c in ctx:
            ref0[c] += e if mean else e / len(ctx)
    got0, got1 = syn0.copy(), syn1.copy()
    prob, alias = _no_noise()
    K.cbow_sentence(sent, len(sent), got0, got1, 1, 0, ALPHA, mean, np.empty(DIM, np.float32),
                    np.empty(DIM, np.float32), np.empty((2, 1), np.int64), np.zeros(2, np.int64),
                    np.array([7], dtype=np.uint64), 0, prob, alias)
    np.testing.assert_allclose(got0, ref0, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-6)


def test_noise_draws_follow_the_distribution():
    counts = np.array([1000, 300, 300, 50, 7, 1, 0, 2000])
    weights = vocab.noise_weights(counts, 0.75)
    prob, alias = vocab.alias_table(weights)
    draws = 200_000
    state = np.array([99], dtype=np.uint64)
    seen = np.bincount(_draw_many(state, prob, alias, draws), minlength=len(counts))
    expected = weights / weights.sum()
    assert seen[6] == 0  # a zero-weight word is never drawn
    assert (np.abs(seen / draws - expected) <= 4 * np.sqrt(expected / draws) + 1e-4).all()


@njit
def _draw_many(state, prob, alias, n):
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = K.draw_noise(state, 0, prob, alias)
    return out


@njit
def _below_many(state, t, bound, n):
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = K.rng_below(K.rng_next(state, t), bound)
    return out


def test_prefetch_changes_nothing(matrices):
    syn0, _ = matrices
    before = syn0.copy()
    for row in range(ROWS):
        K.prefetch_row(syn0, row)
    np.testing.assert_array_equal(syn0, before)


def test_rng_streams_are_uniform_and_independent():
    state = np.array([1, 2], dtype=np.uint64)
    a = _below_many(state, 0, 10, 20000)
    b = _below_many(state, 1, 10, 20000)
    assert set(np.unique(a)) == set(range(10))
    assert np.abs(np.bincount(a) / len(a) - 0.1).max() < 0.01
    assert (a != b).mean() > 0.8


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="already pure Python")
def test_kernels_pass_without_jit():
    """The kernel and tokenizer tests, interpreted by Python: valid plain Python too."""
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    tokenizer_tests = os.path.join(os.path.dirname(__file__), "test_corpus.py")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                             "-W", "ignore::RuntimeWarning",  # the hash wraps around on purpose
                             __file__, tokenizer_tests, "-k",
                             "not without_jit and not draws_follow"],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
