"""Reading with several threads gives exactly what one thread gives: the same provisional
ids in the same order, counts, spooled id stream with its sentence ends, statistics,
pruning and trained vectors."""

import dataclasses
import gzip
import io
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2vns.io import corpus, parallel_scan, synthetic
from w2vns.io.parallel_scan import ParallelScan, StreamScan, scan
from w2vns.io.prefetch import Prefetched
from w2vns.training import config as train_config
from w2vns.training import loop, reading
from w2vns.training.run import Run

LONG = corpus.MAX_WORD_BYTES


def outcome(result):
    """Everything a scan hands on: the table (id -> bytes), counts, spool, statistics."""
    live = result.words.live_ids().tolist()
    spooled = np.fromfile(result.spool_path, dtype=np.int32)
    assert len(spooled) == result.spooled
    return dict(words={i: result.words.word(i) for i in live},
                counts=result.counts[[corpus.EOS_TEMP_ID] + live].tolist(),
                spool=spooled.tolist(), stats=dataclasses.asdict(result.stats),
                distinct=result.distinct, word_counts=repr(result.word_counts()))


def serial(tmp_path, sources, prune_at=10_000, block_bytes=64):
    one = corpus.TokenScan(str(tmp_path / "serial.spool"), prune_at)
    return outcome(one.run(sources, block_bytes=block_bytes))


def in_ranges(tmp_path, sources, threads=3, prune_at=10_000, block_bytes=64,
              min_range_bytes=100):
    parallel = ParallelScan(str(tmp_path / "parallel.spool"), prune_at, threads,
                            min_range_bytes)
    result = parallel.run(sources, block_bytes)
    assert result is not None  # read in ranges, no fallback
    assert not list(tmp_path.glob("parallel.spool.*"))  # the thread spools are removed
    return outcome(result)


def ranges(sources, threads, min_range_bytes):
    return len(parallel_scan.units_of(sources, threads, min_range_bytes))


def write(path, data):
    path.write_bytes(data)
    return str(path)


def test_synthetic_corpus_in_ranges_equals_one_thread(tmp_path):
    path = tmp_path / "synthetic.txt"
    synthetic.write(str(path), sentences=3000)
    assert len(parallel_scan.units_of([str(path)], 4, 4096)) == 4
    expected = serial(tmp_path, [str(path)], block_bytes=1000)
    assert in_ranges(tmp_path, [str(path)], threads=4, block_bytes=1000,
                     min_range_bytes=4096) == expected
    assert expected["stats"]["sentences"] == 3001  # every line, and the end of the input


def test_long_line_without_newline(tmp_path):
    words = " ".join(f"w{i % 211}x{i % 7}" for i in range(20_000)).encode()
    source = write(tmp_path / "line.txt", words)
    expected = serial(tmp_path, [source])
    assert expected["spool"].count(corpus.EOS_TEMP_ID) == 1  # cuts add no sentence end
    assert ranges([source], 4, 100) == 4
    assert in_ranges(tmp_path, [source], threads=4, block_bytes=50) == expected


def test_multibyte_utf8_and_invalid_bytes_at_cut_points(tmp_path):
    rng = np.random.default_rng(3)
    pieces = ["é", "日本", "😀", "ß", "a", "\ufffd"]
    spaces = [b" ", b"\n", b"\t", b"\x00", b"\r\n"]
    invalid = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf0\x9f"]
    out = []
    for _ in range(3000):
        word = "".join(rng.choice(pieces, size=rng.integers(1, 5))).encode()
        if rng.random() < 0.1:
            word += invalid[rng.integers(len(invalid))]
        out.append(word + spaces[rng.integers(len(spaces))])
    source = write(tmp_path / "utf8.txt", b"".join(out))
    expected = serial(tmp_path, [source], block_bytes=7)
    assert expected["stats"]["invalid_utf8"] > 100
    assert ranges([source], 3, 37) == 3
    for block in (7, 64, 1 << 20):
        assert in_ranges(tmp_path, [source], threads=3, block_bytes=block,
                         min_range_bytes=37) == expected


def test_over_long_tokens_across_cuts_and_blocks(tmp_path):
    data = (b"short " + b"x" * (3 * LONG) + b" mid " + "é".encode() * LONG + b"\n"
            + b"y" * (LONG + 1) + b" z" * 50 + b"\n" + b"w" * LONG + b" " + b"q" * 5000)
    source = write(tmp_path / "long.txt", data)
    expected = serial(tmp_path, [source], block_bytes=1 << 20)
    assert expected["stats"]["truncated_words"] == 4  # x..., é..., y..., q...: once each
    assert max(len(w) for w in expected["words"].values()) == LONG
    assert ranges([source], 4, 300) >= 3  # some cuts fall inside long tokens
    for block in (1, 100, 1000, 1 << 20):  # wherever the blocks fall: the same result
        assert serial(tmp_path, [source], block_bytes=block) == expected
        assert in_ranges(tmp_path, [source], threads=4, block_bytes=block,
                         min_range_bytes=300) == expected


def test_many_inputs_with_empty_files(tmp_path):
    rng = np.random.default_rng(7)
    sources = []
    for k in range(25):
        n = 0 if k % 6 == 0 else int(rng.integers(1, 400))
        text = " ".join(f"t{int(i)}" for i in rng.zipf(1.5, size=n) % 500)
        if k % 4 == 1:
            text += "\n"
        sources.append(write(tmp_path / f"in{k}.txt", text.encode()))
    sources.append(sources[3])  # the same file twice
    expected = serial(tmp_path, sources)
    assert ranges(sources, 3, 50) > 2 * len(sources) - 5
    assert expected["stats"]["sentences"] == sum(1 for s in sources) + 6
    assert in_ranges(tmp_path, sources, threads=3, block_bytes=16,
                     min_range_bytes=50) == expected


def test_only_empty_inputs(tmp_path):
    sources = [write(tmp_path / f"e{k}.txt", b"") for k in range(3)]
    expected = serial(tmp_path, sources)
    assert expected["spool"] == [corpus.EOS_TEMP_ID] * 3
    assert in_ranges(tmp_path, sources, threads=2) == expected


def in_blocks(tmp_path, sources, threads=3, prune_at=10_000, block_bytes=64):
    result = StreamScan(str(tmp_path / "stream.spool"), prune_at, threads).run(sources,
                                                                               block_bytes)
    assert result is not None  # tokenised in parallel, no fallback
    assert not list(tmp_path.glob("stream.spool.*"))  # the thread spools are removed
    return outcome(result)


def test_compressed_and_mixed_inputs_are_tokenised_in_parallel(tmp_path):
    text = " ".join(f"g{i % 97}" for i in range(30_000)).encode() + b"\nlast line\n"
    packed = write(tmp_path / "c.txt.gz", gzip.compress(text))
    plain = write(tmp_path / "p.txt", text[:5000])
    empty = write(tmp_path / "e.txt.gz", gzip.compress(b""))
    sources = [packed, plain, empty, packed]
    expected = serial(tmp_path, sources, block_bytes=333)
    assert in_blocks(tmp_path, sources, threads=3, block_bytes=333) == expected
    result = scan(sources, str(tmp_path / "piped.spool"), 10_000, threads=2, block_bytes=333)
    assert outcome(result) == expected


def test_compressed_pruning_reads_again_and_prunes_as_one_thread(tmp_path):
    rng = np.random.default_rng(12)
    words = " ".join(f"r{int(i)}" for i in rng.zipf(1.3, size=20_000) % 5000).encode()
    source = write(tmp_path / "rare.txt.gz", gzip.compress(words))
    expected = serial(tmp_path, [source], prune_at=300, block_bytes=2000)
    assert expected["stats"]["prunes"] > 0
    assert StreamScan(str(tmp_path / "p.spool"), 300, 3).run([source], 2000) is None
    assert not list(tmp_path.glob("p.spool*"))
    result = scan([source], str(tmp_path / "s.spool"), 300, threads=3, block_bytes=2000)
    assert outcome(result) == expected


def test_corrupt_compressed_input_is_one_corpus_error(tmp_path):
    packed = gzip.compress(b"a b c\n" * 20_000)
    source = write(tmp_path / "cut.txt.gz", packed[: len(packed) // 2])
    with pytest.raises(corpus.CorpusError, match="cannot read corpus '.*cut.txt.gz'.*corrupt"):
        StreamScan(str(tmp_path / "x.spool"), 1000, 3).run([source], 64)
    assert not list(tmp_path.glob("x.spool*"))


def test_stdin_is_pipelined(tmp_path, monkeypatch):
    data = b"x y\nz " * 1000
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    result = scan(["-"], str(tmp_path / "stdin.spool"), 100, threads=2, block_bytes=10)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert outcome(result) == serial(tmp_path, ["-"], prune_at=100, block_bytes=10)


def test_pruning_reads_again_and_prunes_as_one_thread(tmp_path):
    rng = np.random.default_rng(11)
    words = " ".join(f"r{int(i)}" for i in rng.zipf(1.3, size=20_000) % 5000).encode()
    source = write(tmp_path / "rare.txt", words)
    expected = serial(tmp_path, [source], prune_at=300, block_bytes=2000)
    assert expected["stats"]["prunes"] > 0
    assert ParallelScan(str(tmp_path / "p.spool"), 300, 3, 1000).run([source], 2000) is None
    result = scan([source], str(tmp_path / "s.spool"), 300, threads=3, block_bytes=2000,
                  min_range_bytes=1000)
    assert outcome(result) == expected
    # below the bound, ranges are read in parallel and nothing is pruned
    assert (in_ranges(tmp_path, [source], prune_at=5000, block_bytes=2000, min_range_bytes=1000)
            == serial(tmp_path, [source], prune_at=5000, block_bytes=2000))


def test_read_error_in_a_thread_is_one_corpus_error(tmp_path):
    source = write(tmp_path / "gone.txt", b"a b c " * 1000)
    units = parallel_scan.units_of([source], 2, 100)
    (tmp_path / "gone.txt").unlink()
    parallel = ParallelScan(str(tmp_path / "x.spool"), 100, 2, 100)
    parallel_scan_units = parallel_scan.units_of
    try:
        parallel_scan.units_of = lambda *args: units
        with pytest.raises(corpus.CorpusError, match="cannot read corpus '.*gone.txt'"):
            parallel.run([source], 64)
    finally:
        parallel_scan.units_of = parallel_scan_units
    assert not list(tmp_path.glob("x.spool*"))


_TOKEN = st.one_of(
    st.binary(max_size=12),
    st.builds(lambda unit, n: unit * n, st.sampled_from([b"x", "é".encode(), b"\xff"]),
              st.integers(LONG - 2, LONG + 600)),
)
_GAP = st.sampled_from([b" ", b"\n", b"\t", b"\x00", b"  ", b"\r\n", b"\x0b"])


@settings(max_examples=150, deadline=None)
@given(tokens=st.lists(st.tuples(_TOKEN, _GAP), max_size=40), block=st.integers(1, 300),
       min_range=st.integers(1, 2000), threads=st.integers(2, 5),
       last_gap=st.booleans())
def test_any_bytes_any_cuts(tmp_path_factory, tokens, block, min_range, threads, last_gap):
    tmp = tmp_path_factory.mktemp("p")
    data = b"".join(t + g for t, g in tokens)
    if not last_gap and tokens:
        data = data[: -len(tokens[-1][1])]
    source = write(tmp / "in.bin", data)
    assert in_ranges(tmp, [source], threads, 10_000, block, min_range) == serial(
        tmp, [source], block_bytes=1 << 20)


@settings(max_examples=60, deadline=None)
@given(tokens=st.lists(st.tuples(_TOKEN, _GAP), max_size=40), block=st.integers(1, 300),
       threads=st.integers(2, 5), inputs=st.integers(1, 3))
def test_compressed_any_bytes_any_blocks(tmp_path_factory, tokens, block, threads, inputs):
    tmp = tmp_path_factory.mktemp("s")
    data = b"".join(t + g for t, g in tokens)
    sources = [write(tmp / f"in{k}.gz", gzip.compress(data[k:])) for k in range(inputs)]
    assert in_blocks(tmp, sources, threads, 10_000, block) == serial(
        tmp, sources, block_bytes=1 << 20)


def test_trained_vectors_are_identical(tmp_path, monkeypatch):
    """--threads 1 training on the ids read by one thread or by four: the same bytes."""
    path = tmp_path / "synthetic.txt"
    synthetic.write(str(path), sentences=2000)
    cfg = train_config.build(None, epochs=2, threads=1, seed=3, dim=16, min_count=2)
    one = loop.train(Run([str(path)], cfg, log=lambda _: None, bar=False))
    used = []

    def four_threads(sources, spool_path, prune_at, threads, encoding=None):
        result = ParallelScan(spool_path, prune_at, 4, 2048).run(sources)
        used.append(result is not None)
        return result

    monkeypatch.setattr(reading, "scan_inputs", four_threads)
    four = loop.train(Run([str(path)], cfg, log=lambda _: None, bar=False))
    assert used == [True]
    assert one.vocab.words == four.vocab.words
    assert one.vocab.counts.tolist() == four.vocab.counts.tolist()
    assert one.summary.corpus_words == four.summary.corpus_words
    assert one.vectors.tobytes() == four.vectors.tobytes()


def test_prefetch_hands_on_errors_and_stops_when_closed():
    def failing():
        yield 1
        raise corpus.CorpusError("broken")

    items = Prefetched(failing(), 2)
    assert next(items) == 1
    with pytest.raises(corpus.CorpusError, match="broken"):
        next(items)

    produced = []

    def endless():
        k = 0
        while True:
            produced.append(k)
            yield k
            k += 1

    before = threading.active_count()
    items = Prefetched(endless(), 3)
    assert [next(items) for _ in range(5)] == [0, 1, 2, 3, 4]
    items.close()
    assert threading.active_count() == before
    assert len(produced) <= 5 + 3 + 2  # at most the queue's depth ahead


def test_scan_with_one_thread_is_the_plain_scan(tmp_path):
    source = write(tmp_path / "a.txt", b"a b a\nc\n")
    result = scan([source], str(tmp_path / "one.spool"), 100, threads=1)
    assert type(result) is corpus.TokenScan
    assert np.fromfile(result.spool_path, dtype=np.int32).tolist() == [1, 2, 1, 0, 3, 0, 0]


def test_cli_vocabulary_is_the_same_with_two_threads(tmp_path):
    from click.testing import CliRunner

    from w2vns.cli.main import cli

    path = tmp_path / "synthetic.txt"
    synthetic.write(str(path), sentences=500)
    words = {}
    for threads in (1, 2):
        out = tmp_path / f"v{threads}.txt"
        result = CliRunner().invoke(cli, ["train", str(path), "-o", str(out), "--threads",
                                          str(threads), "--epochs", "1", "--dim", "8", "-q"])
        assert result.exit_code == 0, result.output
        words[threads] = [line.split(" ", 1)[0] for line in out.read_text().splitlines()]
    assert len(words[1]) > 50 and words[1] == words[2]
