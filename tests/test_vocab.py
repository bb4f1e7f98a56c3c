"""Vocabulary counts, pruning, subsampling and noise distribution against exact expectations."""

import numpy as np
import pytest

from w2vns.training import vocab
from w2vns.io.corpus import TokenScan
from w2vns.errors import VocabularyError


def scan_text(tmp_path, text, prune_at=10_000_000):
    path = tmp_path / "c.txt"
    path.write_text(text)
    return TokenScan(str(tmp_path / "spool"), prune_at).run([str(path)])


def test_counts_are_exact_and_sorted(tmp_path):
    scan = scan_text(tmp_path, "b a c a\nb a d\n\ne e e e\n")
    words, ids, counts, _ = scan.word_counts()
    v, _ = vocab.select(words, counts, ids, min_count=1, max_vocab=None)
    assert v.words == ("e", "a", "b", "c", "d")  # c and d tie: first seen first
    assert dict(zip(v.words, v.counts.tolist())) == {"a": 3, "e": 4, "b": 2, "c": 1, "d": 1}
    assert list(v.counts) == sorted(v.counts, reverse=True)


def test_ties_break_by_first_occurrence(tmp_path):
    scan = scan_text(tmp_path, "z y x y x z w\n")
    words, ids, counts, _ = scan.word_counts()
    v, _ = vocab.select(words, counts, ids, 1, None)
    assert v.words == ("z", "y", "x", "w")


def test_min_count_and_max_vocab(tmp_path):
    scan = scan_text(tmp_path, "a a a a b b b c c d\n")
    words, ids, counts, _ = scan.word_counts()
    v, _ = vocab.select(words, counts, ids, min_count=2, max_vocab=None)
    assert v.words == ("a", "b", "c")
    v, _ = vocab.select(words, counts, ids, min_count=1, max_vocab=2)
    assert v.words == ("a", "b")
    assert v.total == 7


def test_empty_vocabulary_names_a_working_min_count(tmp_path):
    scan = scan_text(tmp_path, "a a b c\n")
    words, ids, counts, _ = scan.word_counts()
    with pytest.raises(VocabularyError) as err:
        vocab.select(words, counts, ids, min_count=5, max_vocab=None)
    assert str(err.value) == ("empty vocabulary: no word occurs at least 5 times "
                              "(the most frequent occurs 2 times). Try --min-count 2.")


def test_pruning_bounds_the_table_and_is_reported(tmp_path):
    # 'common' repeats; 200 distinct rare words stream past a table bound of 50
    rare = " ".join(f"r{i}" for i in range(200))
    scan = scan_text(tmp_path, ("common " * 30 + rare + "\n") * 2, prune_at=50)
    assert scan.stats.prunes >= 1
    assert scan.stats.prune_min_count >= 1
    assert scan.distinct <= 50
    words, ids, counts, _ = scan.word_counts()
    assert dict(zip(words, counts.tolist()))["common"] == 60


def test_tokens_that_decode_alike_are_one_word(tmp_path):
    """Different invalid bytes both become 'a\ufffd': one word, counts summed."""
    path = tmp_path / "c.txt"
    path.write_bytes(b"a\xff b a\xfe a\xff\n")
    scan = TokenScan(str(tmp_path / "spool"), 100).run([str(path)])
    words, ids, counts, aliases = scan.word_counts()
    assert words == ["a\ufffd", "b"] and counts.tolist() == [3, 1]
    assert len(aliases) == 1 and aliases[0][1] == ids[0]


def test_keep_probability_formula():
    counts = np.array([1000, 100, 10, 1])
    t = 1e-2
    f = counts / counts.sum()
    expected = np.minimum(np.sqrt(t / f) + t / f, 1.0)
    np.testing.assert_allclose(vocab.keep_probabilities(counts, t), expected, rtol=1e-6)
    assert (vocab.keep_probabilities(counts, 0) == 1).all()


@pytest.mark.parametrize("exponent", [0.75, 0.0, -0.5, 1.0])
def test_alias_table_is_exact(exponent):
    counts = np.array([5000, 1200, 1200, 31, 7, 1, 1, 88])
    weights = vocab.noise_weights(counts, exponent)
    prob, alias = vocab.alias_table(weights)
    assert prob.dtype == np.uint32 and len(prob) == len(counts)  # O(V) memory
    np.testing.assert_allclose(vocab.alias_probabilities(prob, alias), weights / weights.sum(),
                               atol=1e-9)
    if exponent == 0:
        np.testing.assert_allclose(vocab.alias_probabilities(prob, alias), 1 / len(counts))


def test_vocab_file_round_trip_in_c_format(tmp_path):
    v = vocab.Vocab(("the", "cat", "émigré"), np.array([10, 4, 2]))
    path = tmp_path / "vocab.txt"
    vocab.save_vocab(v, str(path))
    assert path.read_text(encoding="utf-8") == "the 10\ncat 4\némigré 2\n"
    words, counts = vocab.read_vocab(str(path))
    assert words == list(v.words) and counts.tolist() == [10, 4, 2]


def test_training_keeps_the_expected_share_of_tokens(tmp_path):
    """The kernel's subsampling matches sum(count * keep_probability) within 5 sigma."""
    from w2vns.training import config
    from w2vns.training.loop import train
    from w2vns.training.run import Run

    rng = np.random.default_rng(0)
    words = np.array([f"w{i}" for i in range(50)])
    p = 1.0 / np.arange(1, 51)
    tokens = rng.choice(words, size=60_000, p=p / p.sum())
    path = tmp_path / "zipf.txt"
    path.write_text("\n".join(" ".join(tokens[i:i + 20]) for i in range(0, len(tokens), 20)))
    epochs, sample = 3, 1e-2
    cfg = config.build(None, epochs=epochs, sample=sample, min_count=1, threads=2, dim=8)
    trained = train(Run([str(path)], cfg, log=lambda _: None, bar=False))
    keep = vocab.keep_probabilities(trained.vocab.counts, sample).astype(np.float64)
    expected = epochs * float((trained.vocab.counts * keep).sum())
    sigma = np.sqrt(epochs * float((trained.vocab.counts * keep * (1 - keep)).sum()))
    assert keep.min() < 0.5  # frequent words really are subsampled
    assert abs(trained.summary.words_kept - expected) < 5 * sigma
