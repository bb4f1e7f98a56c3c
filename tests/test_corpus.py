"""Streaming: bounded blocks, sentence ends, decoding, compression, the id cache."""

import bz2
import gzip
import io
import os
import tempfile

import numpy as np
import pytest

from w2vns.io import corpus
from w2vns.io import idcache
from w2vns.io.corpus import TokenScan


EOS = "<sentence end>"


def tokens_of(source, block_bytes):
    """The scan's token stream as words (EOS for sentence ends), and its read stats."""
    with tempfile.TemporaryDirectory() as tmp:
        spool = os.path.join(tmp, "spool")
        scan = TokenScan(spool, 10_000).run([source], block_bytes=block_bytes)
        ids = np.fromfile(spool, dtype=np.int32)
    words = [EOS if i == corpus.EOS_TEMP_ID else scan.words.word(i).decode("utf-8", "replace")
             for i in ids.tolist()]
    return words, scan.stats


def test_line_longer_than_the_block_is_streamed_intact(tmp_path):
    words = [f"w{i % 97}x{i}" for i in range(5000)]
    path = tmp_path / "one-line.txt"
    path.write_text(" ".join(words))  # one line, no newline at all
    got, stats = tokens_of(str(path), block_bytes=64)
    assert got == words + [EOS]
    assert stats.bytes_read == path.stat().st_size


def test_newlines_end_sentences(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_bytes(b"a b\r\nc\n\nd e f")
    got, stats = tokens_of(str(path), block_bytes=3)
    eos = EOS
    assert got == ["a", "b", eos, "c", eos, eos, "d", "e", "f", eos]


def test_invalid_utf8_is_replaced_and_counted(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"ok caf\xc3\xa9 bad\xff\xfe word \xed\xa0\x80x real\xef\xbf\xbd\n")
    got, stats = tokens_of(str(path), block_bytes=1 << 20)
    assert "café" in got and "real\ufffd" in got
    assert any(t.startswith("bad\ufffd") for t in got)
    assert stats.invalid_utf8 >= 2  # the legitimate U+FFFD is not counted


def test_nul_bytes_are_whitespace_not_sentence_ends(tmp_path):
    path = tmp_path / "nul.txt"
    path.write_bytes(b"a\x00b c\n")
    got, _ = tokens_of(str(path), 1 << 20)
    assert got == ["a", "b", "c", EOS, EOS]


def test_giant_word_is_cut_and_memory_stays_bounded(tmp_path):
    path = tmp_path / "giant.txt"
    path.write_bytes(b"before " + b"x" * 200_000 + b" after\n")
    got, stats = tokens_of(str(path), block_bytes=4096)
    assert got[0] == "before" and got[2] == "after"
    assert len(got[1]) == corpus.MAX_WORD_BYTES
    assert stats.truncated_words == 1


@pytest.mark.parametrize("suffix,compress", [(".gz", gzip.compress), (".bz2", bz2.compress),
                                             (".zst", None)])
def test_compressed_inputs(tmp_path, suffix, compress):
    text = b"the quick brown fox\njumps over\n"
    if compress is None:
        zstd = pytest.importorskip("backports.zstd") if not _has_stdlib_zstd() else _stdlib_zstd()
        compress = zstd.compress
    path = tmp_path / f"c.txt{suffix}"
    path.write_bytes(compress(text))
    got, _ = tokens_of(str(path), 8)
    assert [t for t in got if t != EOS] == text.decode().split()


def _has_stdlib_zstd():
    try:
        import compression.zstd  # noqa: F401
        return True
    except ImportError:
        return False


def _stdlib_zstd():
    import compression.zstd
    return compression.zstd


def test_stdin_is_read(monkeypatch):
    fake = io.TextIOWrapper(io.BytesIO(b"x y\nz\n"))
    monkeypatch.setattr("sys.stdin", fake)
    got, _ = tokens_of("-", 4)
    assert got == ["x", "y", EOS, "z", EOS, EOS]


def test_scan_spools_every_token(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b a\nc\n")
    scan = TokenScan(str(tmp_path / "spool"), 100).run([str(path)])
    spooled = np.fromfile(scan.spool_path, dtype=np.int32)
    assert spooled.tolist() == [1, 2, 1, 0, 3, 0, 0]  # provisional ids; 0 ends a sentence
    assert [scan.words.word(i) for i in (1, 2, 3)] == [b"a", b"b", b"c"]
    assert scan.stats.tokens == 4 and scan.distinct == 3


def test_sentences_are_cut_not_truncated():
    x = np.array([1, 2, 3, 4, 5, 6, 7, -1, 8, 9, -1, -1, 10], dtype=np.int32)
    out, carry = idcache.cut_sentences(x, 0, 3)
    assert out.tolist() == [1, 2, 3, -1, 4, 5, 6, -1, 7, -1, 8, 9, -1, 10]
    assert carry == 1
    # the carry continues the count across chunks
    out, carry = idcache.cut_sentences(np.array([11, 12, 13], dtype=np.int32), carry, 3)
    assert out.tolist() == [11, 12, -1, 13] and carry == 1


def test_encode_and_batches_cover_the_corpus(tmp_path):
    rng = np.random.default_rng(0)
    provisional = rng.integers(0, 50, size=20_000).astype(np.int32)
    spool = tmp_path / "spool"
    provisional.tofile(spool)
    table = idcache.remap_table(50, 0)
    table[1:40] = np.arange(39)  # provisional ids 40..49 are out of vocabulary
    cache = idcache.encode(str(spool), len(provisional), table, str(tmp_path / "ids"), 100)
    stream = np.fromfile(tmp_path / "ids", dtype=np.int32)
    expected_words = table[provisional][(provisional >= 1) & (provisional < 40)]
    assert cache.words == len(expected_words) == np.count_nonzero(stream >= 0)
    assert (stream[stream >= 0] == expected_words).all()
    runs = np.diff(np.flatnonzero(np.concatenate([[-1], stream, [-1]]) == -1)) - 1
    assert runs.max() <= 100
    pairs = list(idcache.iter_batches(cache, 1000))
    batches = [b for b, _ in pairs]
    assert all(b[-1] == idcache.EOS for b in batches)
    assert (np.concatenate(batches) == stream).all()
    assert [end for _, end in pairs] == np.cumsum([len(b) for b in batches]).tolist()
    middle = pairs[2][1]
    resumed = [b for b, _ in idcache.iter_batches(cache, 1000, start=middle)]
    assert (np.concatenate(resumed) == stream[middle:]).all()
    starts, ends = idcache.split_slices(batches[0], 3)
    assert starts[0] == 0 and ends[-1] == len(batches[0])
    assert all(batches[0][e - 1] == idcache.EOS for s, e in zip(starts, ends) if e > s)


def _reference_encoding(provisional, table, max_sentence):
    """The id cache by its definition: words outside the vocabulary dropped, no empty
    sentences, a sentence end after every max_sentence words, the last sentence ended."""
    out, run = [], 0
    for word in table[provisional].tolist():
        if word == idcache.OOV or (word == idcache.EOS and run == 0):
            continue
        out.append(word)
        run = 0 if word == idcache.EOS else run + 1
        if run == max_sentence:
            out.append(idcache.EOS)
            run = 0
    return out + [idcache.EOS] * (run > 0)


@pytest.mark.parametrize("chunk", [7, 1000, 1 << 20])
def test_encoding_matches_its_definition_across_chunks(tmp_path, monkeypatch, chunk):
    rng = np.random.default_rng(chunk)
    provisional = rng.choice(12, size=5000, p=[0.3] + [0.7 / 11] * 11).astype(np.int32)
    provisional[:3] = 0  # leading sentence ends
    table = idcache.remap_table(12, 0)
    table[1:9] = np.arange(8)  # 9..11 are out of vocabulary
    provisional.tofile(tmp_path / "spool")
    monkeypatch.setattr(idcache, "ENCODE_CHUNK", chunk)
    cache = idcache.encode(str(tmp_path / "spool"), len(provisional), table,
                           str(tmp_path / "ids"), 4)
    stream = np.fromfile(tmp_path / "ids", dtype=np.int32).tolist()
    assert stream == _reference_encoding(provisional, table, 4)
    assert cache.items == len(stream) and cache.sentences == stream.count(idcache.EOS)
