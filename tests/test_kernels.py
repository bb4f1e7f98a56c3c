"""Kernel steps against NumPy references (also run with NUMBA_DISABLE_JIT=1)."""

import os
import subprocess
import sys

import numpy as np
import pytest
from numba import njit

from references import (logistic_gradient, random_matrices, reference_nce, reference_sgns,
                        reference_softmax, reference_window, sigmoid)
from w2vns.kernels import bundles as B
from w2vns.kernels import cpu as K
from w2vns.kernels import huffman
from w2vns.kernels import leaves, losses, rng, subwords, targets
from w2vns.training import vocab

DIM = 16
ROWS = 12
ALPHA = np.float32(0.05)


@pytest.fixture
def matrices():
    return random_matrices(ROWS, DIM)


def make_noise(weights):
    prob, alias = vocab.alias_table(weights)
    return B.Noise(prob, alias, np.zeros(len(weights), np.float32),
                   np.zeros(len(weights), np.float32), np.zeros(0, np.float32))


def make_params(model="sg", window=1, negative=1, hs=False, strategy="unigram", pool=0,
                share=True, mean=True, shrink=True, divide=None, loss="ns"):
    divide = not mean if divide is None else divide  # the defaults' gradient by default
    return B.Params(B.MODEL_CODES[model], window, negative, int(hs), B.STRATEGY_CODES[strategy],
                    pool, int(share), int(mean), 100, int(shrink), int(strategy == "adaptive"),
                    int(divide), B.LOSS_CODES[loss])


def one_hot_noise(word):
    """A noise table that always draws ``word``: sentence steps become deterministic."""
    weights = np.zeros(ROWS)
    weights[word] = 1.0
    return make_noise(weights)


COUNTS = np.array([50, 40, 30, 20, 12, 10, 8, 5, 4, 3, 2, 1], dtype=np.int64)


@pytest.mark.parametrize("scale", [1.0, 30.0])  # 30: logits beyond the clip, on both sides
def test_ns_update_matches_numpy(matrices, scale):
    syn0, syn1 = matrices
    h = syn0[2] * np.float32(scale)
    targets = np.array([5, 1, 7, 7, 3], dtype=np.int64)  # a repeated noise word, on purpose
    expected_e, expected_syn1, expected_loss = reference_sgns(h, targets, syn1, float(ALPHA),
                                                              logits_first=True)
    neu1e = np.zeros(DIM, dtype=np.float32)
    got = syn1.copy()
    unused = np.zeros(0, np.float32)  # no adaptive statistics
    logits = np.empty(len(targets), np.float32)
    loss = losses.ns_update(h, targets[None, :], 0, len(targets), got, ALPHA, neu1e, unused,
                            unused, logits, False)
    np.testing.assert_allclose(neu1e, expected_e, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got, expected_syn1, rtol=1e-4, atol=1e-6)
    assert loss == pytest.approx(expected_loss, rel=1e-4)
    untouched = [r for r in range(ROWS) if r not in targets]
    np.testing.assert_array_equal(got[untouched], syn1[untouched])
    labels = (np.arange(len(targets)) == 0).astype(float)
    learnt = logistic_gradient(syn1[targets] @ h.astype(np.float64), labels) == 0.0
    assert learnt.any() == (scale > 1) and not learnt.all()
    np.testing.assert_array_equal(got[targets[learnt]], syn1[targets[learnt]])  # no gradient


def reference_hs(h, word, tree, syn1, alpha):
    """Sequential hierarchical-softmax step in float64: (neu1e, new syn1, loss)."""
    syn1 = syn1.astype(np.float64).copy()
    h = h.astype(np.float64)
    neu1e = np.zeros_like(h)
    loss = 0.0
    offsets, codes, points = tree
    for d in range(offsets[word], offsets[word + 1]):
        node, label = points[d], 1.0 - codes[d]
        f = h @ syn1[node]
        p = sigmoid(f)
        loss += -np.log(p if label else 1.0 - p)
        if abs(f) >= 6.0:
            continue
        g = (label - p) * alpha
        neu1e += g * syn1[node]
        syn1[node] += g * h
    return neu1e, syn1, loss


@pytest.mark.parametrize("chunk", [2, 16])  # logits taken 2 nodes at a time, or all at once
@pytest.mark.parametrize("word", [0, 5, 11])
def test_hs_update_matches_numpy(matrices, word, chunk):
    syn0, syn1 = matrices
    tree = B.Tree(*huffman.build_tree(COUNTS))
    h = syn0[3].copy()
    expected_e, expected_syn1, expected_loss = reference_hs(h, word, tree, syn1[:ROWS - 1],
                                                            float(ALPHA))
    neu1e = np.zeros(DIM, dtype=np.float32)
    got = syn1[:ROWS - 1].copy()
    assert np.diff(tree.offsets).max() > 2  # some paths are longer than a chunk
    loss = losses.hs_update(h, word, *tree, got, ALPHA, neu1e, np.empty(chunk, np.float32))
    np.testing.assert_allclose(neu1e, expected_e, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got, expected_syn1, rtol=1e-4, atol=1e-6)
    assert loss == pytest.approx(expected_loss, rel=1e-4)


def test_sigmoid_is_clipped_and_stops_only_learnt_terms():
    for f, label in [(50.0, 0), (-50.0, 1), (np.float32(6.5), 0), (np.float32(-6.5), 1),
                     (np.float32(5.9), 1), (np.float32(-5.9), 0)]:
        sig, loss = leaves.sigmoid_and_loss(np.float32(f), label)
        assert sig == pytest.approx(sigmoid(f), abs=1e-6)
        assert 0.0 < sig < 1.0  # within the clip, or on the wrong side: a gradient flows
        assert np.isfinite(loss) and loss > 0
    for f, label in [(50.0, 1), (np.float32(6.5), 1), (-50.0, 0), (np.float32(-6.5), 0)]:
        sig, loss = leaves.sigmoid_and_loss(np.float32(f), label)
        assert sig == label  # beyond the clip on the side of its label: learnt, no gradient
        assert logistic_gradient(f, label) == 0.0  # as the references take it
        assert loss == pytest.approx(-np.log(sigmoid(6.0)), rel=1e-3)
    sig, loss = leaves.sigmoid_and_loss(np.float32(np.nan), 1)
    assert np.isnan(loss)  # divergence is visible in the loss


def _run_sentence(step, sent, syn0, syn1neg, syn1, params, noise, tree):
    work = K.new_work(params, DIM, syn1neg.shape[0], np.uint64(7))
    work.sent[:len(sent)] = sent
    step(len(sent), B.Model(syn0, syn1neg, syn1), noise, tree, subwords.none(), params, work,
         ALPHA)
    return work.tally


NOISE_WORD = 11  # not in the test sentences


@pytest.mark.parametrize("share", [True, False])
@pytest.mark.parametrize("hs", [False, True])
def test_skipgram_sentence_matches_numpy(matrices, share, hs):
    """window 1, one fixed noise word: each neighbour predicts the centre, in order (with
    shared negatives and no HS, the whole window at once)."""
    syn0, syn1 = matrices
    tree = B.Tree(*huffman.build_tree(COUNTS))
    hs_rows = syn1[::-1].copy()[:ROWS - 1]
    sent = np.array([4, 9, 2, 4], dtype=np.int32)
    ref0, ref1, refh = syn0.astype(np.float64), syn1.astype(np.float64), hs_rows.astype(float)
    for i in range(len(sent)):
        contexts = [sent[j] for j in (i - 1, i + 1) if 0 <= j < len(sent)]
        if share and not hs:
            ref0, ref1 = reference_window(ref0, ref1, contexts, [sent[i], NOISE_WORD],
                                          float(ALPHA))
            continue
        for c in contexts:
            e, ref1, _ = reference_sgns(ref0[c], [sent[i], NOISE_WORD], ref1, float(ALPHA))
            if hs:
                e2, refh, _ = reference_hs(ref0[c], sent[i], tree, refh, float(ALPHA))
                e = e + e2
            ref0[c] += e
    got0, got1, goth = syn0.copy(), syn1.copy(), hs_rows.copy()
    tally = _run_sentence(K.sg_sentence, sent, got0, got1, goth,
                          make_params(hs=hs, share=share), one_hot_noise(NOISE_WORD), tree)
    assert tally[B.TALLY_PAIRS] == 6
    path_terms = sum(tree.offsets[w + 1] - tree.offsets[w] for w in [4, 9, 9, 2, 2, 4])
    assert tally[B.TALLY_TERMS] == 6 * 2 + (path_terms if hs else 0)
    np.testing.assert_allclose(got0, ref0, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(goth, refh if hs else hs_rows, rtol=1e-4, atol=1e-6)


NCE_SHIFT = np.linspace(-3.0, 2.0, ROWS).astype(np.float32)  # log(k P_n(w)), spread out


def test_nce_update_matches_numpy(matrices):
    """One example: the target and two noise words, each logit less its word's shift."""
    syn0, syn1 = matrices
    targets = np.array([[3, 7, 10], [0, 0, 0]], dtype=np.int64)
    h, got1, neu1e = syn0[5].copy(), syn1.copy(), np.zeros(DIM, np.float32)
    loss = losses.nce_update(h, targets, 0, 3, got1, ALPHA, neu1e, NCE_SHIFT,
                             np.empty(3, np.float32))
    e, ref1, ref_loss = reference_nce(syn0[5], [3, 7, 10], syn1, NCE_SHIFT, float(ALPHA))
    np.testing.assert_allclose(neu1e, e, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-6)
    assert loss == pytest.approx(ref_loss, rel=1e-3)
    plain = np.zeros(DIM, np.float32)
    losses.nce_update(h, targets, 0, 3, syn1.copy(), ALPHA, plain, np.zeros(ROWS, np.float32),
                      np.empty(3, np.float32))
    assert not np.allclose(plain, neu1e, rtol=1e-2, atol=1e-4)  # the shift changes the step


def test_softmax_update_matches_numpy(matrices):
    """One example: every output row moves by alpha (1[w = word] - p_w) h."""
    syn0, syn1 = matrices
    h, got1, neu1e = syn0[5].copy(), syn1.copy(), np.zeros(DIM, np.float32)
    loss = losses.softmax_update(h, 3, got1, ALPHA, neu1e, np.empty(ROWS, np.float32))
    e, ref1, ref_loss = reference_softmax(syn0[5], 3, syn1, float(ALPHA))
    np.testing.assert_allclose(neu1e, e, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-6)
    assert loss == pytest.approx(ref_loss, rel=1e-4)
    assert not np.allclose(got1[ROWS - 1], syn1[ROWS - 1])  # a row never drawn moves too


def test_softmax_loss_stays_finite_when_the_word_is_beyond_the_smallest_float():
    """A word whose logit is far below the others (p_word underflows even in float64): the
    loss is the gap itself and the word's row still moves towards ``h``."""
    gap = 500.0
    h = np.zeros(DIM, np.float32)
    h[0] = 1.0
    syn1 = np.zeros((3, DIM), np.float32)
    syn1[0, 0], syn1[1, 0] = gap, -gap  # logits: gap, -gap, 0
    before, neu1e = syn1.copy(), np.zeros(DIM, np.float32)
    loss = losses.softmax_update(h, 1, syn1, ALPHA, neu1e, np.empty(3, np.float32))
    assert loss == pytest.approx(2 * gap, rel=1e-6)
    np.testing.assert_allclose(syn1[1], before[1] + ALPHA * h, rtol=1e-6)
    np.testing.assert_allclose(neu1e, ALPHA * (before[1] - before[0]), rtol=1e-5)


@pytest.mark.parametrize("loss", ["nce", "softmax"])
def test_skipgram_sentence_with_each_loss_matches_numpy(matrices, loss):
    """window 1: each neighbour predicts the centre pair by pair (NCE's shared draw is
    not trained as a whole window)."""
    syn0, syn1 = matrices
    tree = B.Tree(*huffman.build_tree(COUNTS))
    sent = np.array([4, 9, 2, 4], dtype=np.int32)
    ref0, ref1 = syn0.astype(np.float64), syn1.astype(np.float64)
    for i in range(len(sent)):
        for c in [sent[j] for j in (i - 1, i + 1) if 0 <= j < len(sent)]:
            if loss == "nce":
                e, ref1, _ = reference_nce(ref0[c], [sent[i], NOISE_WORD], ref1, NCE_SHIFT,
                                           float(ALPHA))
            else:
                e, ref1, _ = reference_softmax(ref0[c], sent[i], ref1, float(ALPHA))
            ref0[c] += e
    noise = one_hot_noise(NOISE_WORD)._replace(nce_shift=NCE_SHIFT)
    params = make_params(negative=1 if loss == "nce" else 0, loss=loss)
    got0, got1 = syn0.copy(), syn1.copy()
    tally = _run_sentence(K.sg_sentence, sent, got0, got1, syn1[:1].copy(), params, noise, tree)
    assert tally[B.TALLY_PAIRS] == 6
    assert tally[B.TALLY_TERMS] == 6 * (2 if loss == "nce" else 1)
    np.testing.assert_allclose(got0, ref0, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-6)


# Wider than any test sentence: every window spans the whole sentence unless the random
# shrink draws a span shorter than it (a chance of 1 in 40,000 per centre; the pair count
# checks it did not).
WIDE = 1_000_000


def test_a_wide_skipgram_window_is_trained_in_blocks(matrices):
    """Shared negatives, more context words than one draw serves: blocks of
    SHARED_CONTEXTS, each updated at once against the rows the previous block left,
    each with its own draw (one fixed noise word, so the draws are known)."""
    syn0, syn1 = matrices
    sent = np.random.default_rng(5).integers(0, NOISE_WORD, B.SHARED_CONTEXTS + 6,
                                             dtype=np.int32)
    ref0, ref1 = syn0.astype(np.float64), syn1.astype(np.float64)
    whole0, whole1 = ref0, ref1
    for i in range(len(sent)):
        contexts = [sent[j] for j in range(len(sent)) if j != i]
        targets = [sent[i], NOISE_WORD]
        ref0, ref1 = reference_window(ref0, ref1, contexts, targets, float(ALPHA),
                                      B.SHARED_CONTEXTS)
        whole0, whole1 = reference_window(whole0, whole1, contexts, targets, float(ALPHA))
    got0, got1 = syn0.copy(), syn1.copy()
    tally = _run_sentence(K.sg_sentence, sent, got0, got1, syn1[:1].copy(),
                          make_params(window=WIDE), one_hot_noise(NOISE_WORD),
                          B.Tree(*huffman.build_tree(COUNTS)))
    assert tally[B.TALLY_PAIRS] == len(sent) * (len(sent) - 1)
    assert tally[B.TALLY_TERMS] == 2 * tally[B.TALLY_PAIRS]
    np.testing.assert_allclose(got0, ref0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-5)
    assert not np.allclose(got1, whole1, rtol=1e-2, atol=1e-3)  # not the whole window at once


@pytest.mark.parametrize("divide", [False, True])
@pytest.mark.parametrize("mean", [True, False])
@pytest.mark.parametrize("hs", [False, True])
def test_cbow_sentence_matches_numpy(matrices, mean, hs, divide):
    """The context's mean (or sum) predicts the centre; each context word takes the
    input's gradient whole, or divided by the number of context words."""
    syn0, syn1 = matrices
    tree = B.Tree(*huffman.build_tree(COUNTS))
    hs_rows = syn1[::-1].copy()[:ROWS - 1]
    sent = np.array([4, 9, 2, 6], dtype=np.int32)
    ref0, ref1, refh = syn0.astype(np.float64), syn1.astype(np.float64), hs_rows.astype(float)
    for i in range(len(sent)):
        ctx = [sent[j] for j in (i - 1, i + 1) if 0 <= j < len(sent)]
        h = ref0[ctx].sum(axis=0)
        if mean:
            h = h / len(ctx)
        e, ref1, _ = reference_sgns(h, [sent[i], NOISE_WORD], ref1, float(ALPHA))
        if hs:
            e2, refh, _ = reference_hs(h, sent[i], tree, refh, float(ALPHA))
            e = e + e2
        for c in ctx:
            ref0[c] += e / len(ctx) if divide else e
    got0, got1, goth = syn0.copy(), syn1.copy(), hs_rows.copy()
    tally = _run_sentence(K.cbow_sentence, sent, got0, got1, goth,
                          make_params("cbow", hs=hs, mean=mean, divide=divide),
                          one_hot_noise(NOISE_WORD), tree)
    assert tally[B.TALLY_PAIRS] == 6
    np.testing.assert_allclose(got0, ref0, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(goth, refh if hs else hs_rows, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("share", [True, False])
def test_shared_negatives_are_drawn_per_centre_per_pair_otherwise(matrices, share):
    """Counted through the hard strategy's pool: one pool per centre, or one per pair."""
    syn0, syn1 = matrices
    sent = np.array([4, 9, 2, 4, 7, 1], dtype=np.int32)
    weights = np.zeros(ROWS)
    weights[[10, 11]] = 1.0  # two noise words, never in the sentence
    params = make_params(window=2, negative=2, strategy="hard", pool=40, share=share)
    tally = _run_sentence(K.sg_sentence, sent, syn0.copy(), syn1.copy(), syn1.copy(), params,
                          make_noise(weights), B.Tree(*huffman.build_tree(COUNTS)))
    pairs = tally[B.TALLY_PAIRS]
    assert pairs > len(sent)
    assert tally[B.TALLY_POOL] == 2 * (len(sent) if share else pairs)
    assert tally[B.TALLY_TERMS] == pairs * (1 + 2)


@pytest.mark.parametrize("hs", [False, True])
def test_a_shared_draw_serves_at_most_a_block(matrices, hs):
    """Counted through the hard strategy's pool: one per block of SHARED_CONTEXTS."""
    syn0, syn1 = matrices
    sent = np.arange(2 * B.SHARED_CONTEXTS + 3, dtype=np.int32) % 10  # three blocks
    weights = np.zeros(ROWS)
    weights[[10, 11]] = 1.0  # two noise words, never in the sentence
    params = make_params(window=WIDE, negative=2, strategy="hard", pool=40, hs=hs)
    tally = _run_sentence(K.sg_sentence, sent, syn0.copy(), syn1.copy(), syn1.copy(), params,
                          make_noise(weights), B.Tree(*huffman.build_tree(COUNTS)))
    assert tally[B.TALLY_PAIRS] == len(sent) * (len(sent) - 1)
    assert tally[B.TALLY_POOL] == 2 * 3 * len(sent)


@pytest.mark.parametrize("model, share, hs", [("sg", True, False), ("sg", False, False),
                                               ("sg", True, True), ("cbow", True, False)])
def test_adaptive_statistics_count_every_noise_term(matrices, model, share, hs):
    """Each (input, noise word) term adds one draw and its sigmoid score, whichever path
    trains it (a whole block at once, one pair, a CBOW centre); nothing without adaptive."""
    syn0, syn1 = matrices
    sent = np.array([4, 9, 2, 4, 7, 1], dtype=np.int32)
    for strategy in ("adaptive", "unigram"):
        noise = one_hot_noise(NOISE_WORD)
        params = make_params(model, window=2, strategy=strategy, share=share, hs=hs)
        step = K.sg_sentence if model == "sg" else K.cbow_sentence
        tally = _run_sentence(step, sent, syn0.copy(), syn1.copy(), syn1.copy(), params, noise,
                              B.Tree(*huffman.build_tree(COUNTS)))
        examples = tally[B.TALLY_PAIRS] if model == "sg" else len(sent)
        drawn = noise.draw_count[NOISE_WORD]
        assert drawn == (examples if strategy == "adaptive" else 0)
        assert noise.draw_count.sum() == drawn
        assert 0 < noise.score_sum[NOISE_WORD] < drawn or strategy == "unigram"


@pytest.mark.parametrize("model", ["sg", "cbow"])
def test_without_shrinking_every_window_is_whole(matrices, model):
    syn0, syn1 = matrices
    sent = np.array([4, 9, 2, 4, 7, 1, 3], dtype=np.int32)
    window = 3
    whole = sum(min(i, window) + min(len(sent) - 1 - i, window) for i in range(len(sent)))
    step = K.sg_sentence if model == "sg" else K.cbow_sentence
    pairs = {}
    for shrink in (False, True):
        tally = _run_sentence(step, sent, syn0.copy(), syn1.copy(), syn1.copy(),
                              make_params(model, window=window, shrink=shrink),
                              one_hot_noise(NOISE_WORD), B.Tree(*huffman.build_tree(COUNTS)))
        pairs[shrink] = tally[B.TALLY_PAIRS]
    assert pairs[False] == whole and pairs[True] < whole


def test_hard_keeps_the_best_scored_candidates():
    """A planted model: the output rows of words 3 and 8 align with h, word 5 opposes it."""
    rng_ = np.random.default_rng(0)
    h = rng_.normal(size=DIM).astype(np.float32)
    syn1neg = (rng_.normal(size=(ROWS, DIM)) * 0.01).astype(np.float32)
    syn1neg[3], syn1neg[8], syn1neg[5] = 2 * h, 1 * h, -3 * h
    noise = make_noise(np.ones(ROWS))
    state = np.array([5], dtype=np.uint64)
    for _ in range(50):
        out = np.empty((2, 3), np.int64)
        count, scored = targets.draw_hard(0, h, 2, 200, out, 1, np.empty(200, np.int64),
                                          np.empty(200, np.float32), state, 0,
                                          noise.alias_prob, noise.alias_index, syn1neg)
        assert count == 3 and out[1, 0] == 0
        assert list(out[1, 1:]) == [3, 8]  # 200 draws of 12 words: both are in the pool
        assert scored == 11  # each distinct word scored once; the positive never


def test_keep_hardest_is_a_top_k():
    scores = np.array([0.1, 5.0, -1.0, 3.0, 3.5, 0.0], dtype=np.float32)
    cands = np.arange(10, 16, dtype=np.int64)
    out = np.zeros((1, 4), np.int64)
    assert targets.keep_hardest(cands.copy(), scores.copy(), 6, 3, out, 0) == 4
    assert list(out[0, 1:]) == [11, 14, 13]
    assert targets.keep_hardest(cands.copy(), scores.copy(), 2, 3, out, 0) == 3  # fewer than asked


def test_huffman_codes_are_prefix_free_and_follow_counts():
    counts = np.array(sorted(np.random.default_rng(1).zipf(1.3, 3000) % 10_000 + 1,
                             reverse=True), dtype=np.int64)
    offsets, codes, points = huffman.build_tree(counts)
    lengths = np.diff(offsets)
    words = ["".join(map(str, codes[offsets[w]:offsets[w + 1]])) for w in range(len(counts))]
    assert len(set(words)) == len(words)
    ordered = sorted(words)
    assert not any(b.startswith(a) for a, b in zip(ordered, ordered[1:]))  # prefix-free
    assert np.sum(2.0 ** -lengths) == pytest.approx(1.0)  # a full binary tree (Kraft)
    assert (np.diff(lengths) >= 0).all()  # rarer words never get shorter codes
    assert points.min() == 0 and points.max() == len(counts) - 2
    assert (points[offsets[:-1]] == len(counts) - 2).all()  # every path starts at the root
    expected = np.sum(counts * lengths) / counts.sum()
    entropy = -np.sum((p := counts / counts.sum()) * np.log2(p))
    assert entropy <= expected < entropy + 1  # Huffman's optimality bound


def test_huffman_handles_tiny_and_large_vocabularies():
    offsets, codes, points = huffman.build_tree(np.array([7], dtype=np.int64))
    assert list(offsets) == [0, 0] and len(codes) == 0
    offsets, codes, _ = huffman.build_tree(np.array([3, 2], dtype=np.int64))
    assert list(offsets) == [0, 1, 2] and sorted(codes) == [0, 1]
    big = np.arange(2_000_000, 0, -1, dtype=np.int64)  # no recursion, no per-word arrays
    offsets, _, _ = huffman.build_tree(big)
    assert offsets[-1] == np.sum(np.diff(offsets)) and np.diff(offsets).max() < 64


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
        out[i] = targets.draw_noise(state, 0, prob, alias)
    return out


@njit
def _below_many(state, t, bound, n):
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = rng.rng_below(rng.rng_next(state, t), bound)
    return out


def test_prefetch_changes_nothing(matrices):
    syn0, _ = matrices
    before = syn0.copy()
    for row in range(ROWS):
        leaves.prefetch_row(syn0, row)
    np.testing.assert_array_equal(syn0, before)


@njit
def _all_leaves(h, m, a):
    """Every vector leaf once on rows of ``m`` (rows 1 and 2 are only read)."""
    e = np.zeros_like(h)
    dots = (leaves.dot_row(h, m, 2), leaves.dot_rows(m, 1, m, 2))
    leaves.axpy_from_row(a, m, 1, e)
    leaves.axpy_to_row(a, h, m, 0)
    leaves.backprop_row(a, h, m, 3, e)
    leaves.axpy_row_to_row(a, m, 1, m, 4)
    copied = np.empty_like(h)
    leaves.copy_row(m, 2, copied)
    leaves.scale(copied, a)
    filled = np.empty_like(h)
    leaves.fill(filled, a)
    return dots, e, copied, filled


# Lengths covering each part of the vector code: singles only, quads, whole blocks of
# simd.LANES, and every mix of the three.
@pytest.mark.parametrize("dim", [1, 3, 4, 7, 15, 16, 17, 20, 23, 36, 100, 300])
def test_vector_leaves_match_numpy_at_every_length(dim):
    gen = np.random.default_rng(dim)
    m = gen.standard_normal((5, dim)).astype(np.float32)
    h = gen.standard_normal(dim).astype(np.float32)
    a = np.float32(-0.75)
    before = m.copy()
    (dot, dots), e, copied, filled = _all_leaves(h, m, a)
    tol = dict(rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dot, h @ before[2], **tol)
    np.testing.assert_allclose(dots, before[1] @ before[2], **tol)
    np.testing.assert_allclose(e, a * before[1] + a * before[3], **tol)  # backprop reads the old row
    np.testing.assert_allclose(m[0], before[0] + a * h, **tol)
    np.testing.assert_allclose(m[3], before[3] + a * h, **tol)
    np.testing.assert_allclose(m[4], before[4] + a * before[1], **tol)
    np.testing.assert_array_equal(m[1:3], before[1:3])
    np.testing.assert_allclose(copied, a * before[2], **tol)
    np.testing.assert_array_equal(filled, np.full(dim, a))


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
