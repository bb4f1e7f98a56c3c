"""Subword input rows in the CPU kernels: one example equals a NumPy reference."""

import numpy as np
import pytest

from references import logistic_gradient, random_matrices, reference_sgns
from test_kernels import (ALPHA, COUNTS, DIM, NOISE_WORD, ROWS, make_params, one_hot_noise,
                          reference_hs)
from w2vns.kernels import bundles as B
from w2vns.kernels import cpu as K
from w2vns.kernels import huffman
from w2vns.kernels.subwords import Subwords

BUCKETS = 7


def subword_rows():
    """Word w's rows: itself, then 0 to 3 n-gram rows (repeats included, as hashing gives)."""
    offsets, rows = [0], []
    for w in range(ROWS):
        rows += [w] + [ROWS + (w * 5 + k) % BUCKETS for k in range(w % 4)] + \
            ([ROWS + (w * 5) % BUCKETS] if w == 9 else [])
        offsets.append(len(rows))
    return Subwords(np.array(offsets, dtype=np.int64), np.array(rows, dtype=np.int32))


def rows_of(subs, w):
    return subs.rows[subs.offsets[w]:subs.offsets[w + 1]].tolist()


def run_sentence(step, sent, syn0, syn1neg, syn1, subs, params, tree):
    work = K.new_work(params, DIM, syn1neg.shape[0], np.uint64(7))
    work.sent[:len(sent)] = sent
    step(len(sent), B.Model(syn0, syn1neg, syn1), one_hot_noise(NOISE_WORD), tree, subs,
         params, work, ALPHA)
    return work.tally


def reference_step(h, centre, ref1, refh, tree, hs, noise=(NOISE_WORD,)):
    """The gradient for ``h`` and the new output rows of one example."""
    e, ref1, _ = reference_sgns(h, [centre, *noise], ref1, float(ALPHA))
    if hs:
        e2, refh, _ = reference_hs(h, centre, tree, refh, float(ALPHA))
        e = e + e2
    return e, ref1, refh


def matrices():
    syn0, syn1 = random_matrices(ROWS + BUCKETS, DIM)
    return syn0, syn1[:ROWS].copy(), syn1[::-1].copy()[:ROWS - 1]


@pytest.mark.parametrize("share,hs", [(False, False), (False, True), (True, True)])
def test_skipgram_subword_example_matches_numpy(share, hs):
    """With hierarchical softmax or negatives drawn per pair (fastText's way round): the
    centre word's input vector is the mean of its rows, taken once; it predicts
    each context word in turn; the summed gradient goes, whole, to each of the centre's
    rows after its window (a row listed twice takes it twice). A noise word never scores
    against itself as the word to predict; shared noise is drawn for the centre word,
    which it never is."""
    syn0, syn1, hs_rows = matrices()
    subs, tree = subword_rows(), B.Tree(*huffman.build_tree(COUNTS))
    sent = np.array([4, 9, 2, 4, 3, NOISE_WORD, 5], dtype=np.int32)
    ref0, ref1, refh = syn0.astype(np.float64), syn1.astype(np.float64), hs_rows.astype(float)
    for i in range(len(sent)):
        rows = rows_of(subs, sent[i])
        h, total = ref0[rows].mean(axis=0), 0.0
        for j in (i - 1, i + 1):
            if 0 <= j < len(sent):
                drawn = not (share and sent[i] == NOISE_WORD) and sent[j] != NOISE_WORD
                e, ref1, refh = reference_step(h, sent[j], ref1, refh, tree, hs,
                                               (NOISE_WORD,) if drawn else ())
                total = total + e
        np.add.at(ref0, rows, total)
    got0, got1, goth = syn0.copy(), syn1.copy(), hs_rows.copy()
    tally = run_sentence(K.sg_sentence, sent, got0, got1, goth, subs,
                         make_params(hs=hs, share=share), tree)
    assert tally[B.TALLY_PAIRS] == 12
    assert not np.allclose(got0[ROWS:], syn0[ROWS:])  # the n-gram rows were trained
    np.testing.assert_allclose(got0, ref0, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(goth, refh if hs else hs_rows, rtol=1e-4, atol=1e-6)


def test_skipgram_subword_shared_negatives_match_numpy():
    """Shared negatives (the default), the plain skip-gram's way round: each context word's
    vector (the mean of its rows, composed when its position enters the window) predicts
    the centre word and its noise words, the whole window at once; a position's change is
    added to each of its word's rows when it leaves the window."""
    syn0, syn1, hs_rows = matrices()
    subs, tree = subword_rows(), B.Tree(*huffman.build_tree(COUNTS))
    sent = np.array([4, 9, 2, 4, 3, NOISE_WORD, 5, 9], dtype=np.int32)
    ref0, ref1 = syn0.astype(np.float64), syn1.astype(np.float64)
    ring, base = {}, {}
    for i in range(len(sent) + 1):
        for p in [p for p in sorted(ring) if p < i - 1 or i == len(sent)]:
            np.add.at(ref0, rows_of(subs, sent[p]), ring.pop(p) - base.pop(p))
        if i == len(sent):
            break
        for p in range(max(i - 1, 0), min(len(sent), i + 2)):
            if p not in ring:
                ring[p] = ref0[rows_of(subs, sent[p])].mean(axis=0)
                base[p] = ring[p].copy()
        contexts = [j for j in (i - 1, i + 1) if 0 <= j < len(sent)]
        targets = [sent[i]] + ([NOISE_WORD] if sent[i] != NOISE_WORD else [])
        h, w = np.array([ring[j] for j in contexts]), ref1[targets]
        labels = np.array([1.0] + [0.0] * (len(targets) - 1))
        g = logistic_gradient(h @ w.T, labels) * ALPHA
        np.add.at(ref1, targets, g.T @ h)
        for k, j in enumerate(contexts):
            ring[j] = ring[j] + g[k] @ w
    got0, got1, goth = syn0.copy(), syn1.copy(), hs_rows.copy()
    tally = run_sentence(K.sg_sentence, sent, got0, got1, goth, subs, make_params(), tree)
    assert tally[B.TALLY_PAIRS] == 14
    assert not np.allclose(got0[ROWS:], syn0[ROWS:])  # the n-gram rows were trained
    np.testing.assert_allclose(got0, ref0, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(goth, hs_rows)


@pytest.mark.parametrize("mean", [True, False])
@pytest.mark.parametrize("hs", [False, True])
def test_cbow_subword_example_matches_numpy(mean, hs):
    """The context is the mean (or sum) of its words' input vectors, each the mean of the
    word's rows; each row of a context word takes the context's gradient (over the
    context's length with --cbow-sum)."""
    syn0, syn1, hs_rows = matrices()
    subs, tree = subword_rows(), B.Tree(*huffman.build_tree(COUNTS))
    sent = np.array([4, 9, 2, 6, 3], dtype=np.int32)
    ref0, ref1, refh = syn0.astype(np.float64), syn1.astype(np.float64), hs_rows.astype(float)
    for i in range(len(sent)):
        ctx = [sent[j] for j in (i - 1, i + 1) if 0 <= j < len(sent)]
        h = sum(ref0[rows_of(subs, c)].mean(axis=0) for c in ctx)
        h = h / len(ctx) if mean else h
        e, ref1, refh = reference_step(h, sent[i], ref1, refh, tree, hs)
        for c in ctx:
            np.add.at(ref0, rows_of(subs, c), e if mean else e / len(ctx))
    got0, got1, goth = syn0.copy(), syn1.copy(), hs_rows.copy()
    tally = run_sentence(K.cbow_sentence, sent, got0, got1, goth, subs,
                         make_params("cbow", hs=hs, mean=mean), tree)
    assert tally[B.TALLY_PAIRS] == 8
    np.testing.assert_allclose(got0, ref0, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(goth, refh if hs else hs_rows, rtol=1e-4, atol=1e-6)


def test_the_ngram_rows_start_the_same_on_any_number_of_threads():
    import numba

    from w2vns.kernels.subwords import fill_uniform
    from w2vns.training import objectives
    from w2vns.training.config import TrainConfig

    before = numba.get_num_threads()
    filled = []
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        config = TrainConfig(subwords=True, bucket=5000, dim=16, threads=threads).resolved()
        filled.append(objectives.initial_model(300, config, np.random.default_rng(7)).syn0)
        assert numba.get_num_threads() == before  # --threads applies inside only
    first, again = filled
    assert np.array_equal(first, again)
    words = np.random.default_rng(7).random((300, 16), dtype=np.float32)
    assert np.array_equal(first[:300], (words - np.float32(0.5)) / np.float32(16))
    ngrams = first[300:]
    assert ngrams.shape == (5000, 16)
    assert ngrams.min() >= -0.5 / 16 and ngrams.max() < 0.5 / 16
    assert abs(ngrams.mean()) < 0.01 / 16  # 80,000 draws: the mean is near 0
    assert len(np.unique(ngrams)) > 0.99 * ngrams.size
    other = np.empty_like(ngrams)
    fill_uniform(other, np.uint64(1), np.float32(-0.5 / 16), np.float32(1 / 16))
    assert not np.array_equal(other, ngrams)  # another seed, other rows
