"""Character n-grams and fastText's hash (io/ngrams.py)."""

import numpy as np
import pytest

from w2vns.io import ngrams as ng

WORDS = ["a", "ab", "where", "été", "naïve", "日本語", "x" * 12, "Ωmega-2"]


def test_ngrams_hand_made():
    assert ng.ngrams("ab", 3, 6) == ["<ab", "<ab>", "ab>"]
    assert ng.ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]
    assert ng.ngrams("a", 1, 2) == ["<a", "a", "a>"]  # a lone boundary mark is no n-gram


def test_ngrams_count_utf8_characters_not_bytes():
    assert ng.ngrams("été", 3, 4) == ["<ét", "<été", "été", "été>", "té>"]
    assert ng.ngrams("日本", 4, 4) == ["<日本>"]


def test_hash_hand_made():
    # FNV-1a: the empty string is the offset basis; one ASCII byte, by hand.
    assert ng.ft_hash(b"") == 2166136261
    assert ng.ft_hash(b"a") == ((2166136261 ^ 0x61) * 16777619) % 2 ** 32
    # A byte >= 0x80 is sign-extended first, as fastText's int8_t cast does.
    assert ng.ft_hash(b"\xe9") == ((2166136261 ^ 0xFFFFFFE9) * 16777619) % 2 ** 32


def test_buckets_match_gensims_fasttext_hash():
    fasttext = pytest.importorskip("gensim.models.fasttext")
    for word in WORDS:
        ours = ng.ngram_buckets(word, 3, 6, 2_000_000)
        theirs = fasttext.ft_ngram_hashes(word, 3, 6, 2_000_000)
        assert sorted(ours) == sorted(int(h) for h in theirs), word


@pytest.mark.parametrize("minn,maxn", [(3, 6), (1, 3), (2, 2), (3, 0)])
def test_compact_rows_equal_the_reference(minn, maxn):
    bucket, first = 1000, len(WORDS)
    offsets, rows = ng.word_ngram_rows(WORDS, minn, maxn, bucket, first)
    assert offsets.shape == (len(WORDS) + 1,) and rows.dtype == np.int32
    for w, word in enumerate(WORDS):
        expected = [w] + [first + b for b in ng.ngram_buckets(word, minn, maxn, bucket)]
        assert rows[offsets[w]:offsets[w + 1]].tolist() == expected, word
