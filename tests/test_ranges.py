"""Byte ranges of a plain file cut at whitespace."""

from hypothesis import given, settings
from hypothesis import strategies as st

from w2vns.io import ranges

WORDS = st.lists(st.sampled_from(["a", "bb", "ccc", "dé", "x" * 40]), max_size=200)
SEPARATORS = st.sampled_from([" ", "\n", "\t", "  ", " \n"])


def _write(tmp_path, text):
    path = tmp_path / "c.txt"
    path.write_bytes(text.encode())
    return str(path)


@settings(max_examples=60, deadline=None)
@given(words=WORDS, sep=SEPARATORS, parts=st.integers(1, 9))
def test_ranges_cover_the_file_and_never_split_a_token(tmp_path_factory, words, sep, parts):
    path = _write(tmp_path_factory.mktemp("r"), sep.join(words) + ("\n" if words else ""))
    cut = ranges.split(path, parts)
    data = open(path, "rb").read()
    assert 1 <= len(cut) <= parts
    assert cut[0].start == 0 and cut[-1].end == len(data)
    assert all(a.end == b.start for a, b in zip(cut, cut[1:]))
    pieces = []
    for r in cut:
        with ranges.RangeReader(r) as reader:
            piece = b""
            while chunk := reader.read(7):
                piece += chunk
        assert len(piece) == r.size
        pieces.append(piece)
    assert b"".join(pieces) == data
    tokens = [t for p in pieces for t in p.split()]
    assert tokens == data.split()


def test_a_file_without_whitespace_is_one_range(tmp_path):
    path = _write(tmp_path, "x" * 1000)
    assert ranges.split(path, 4) == [ranges.ByteRange(path, 0, 1000)]


def test_only_plain_local_files_are_splittable(tmp_path):
    plain = _write(tmp_path, "a b\n")
    assert ranges.splittable(plain)
    assert not ranges.splittable(plain + ".gz")
    assert not ranges.splittable("-")
    assert not ranges.splittable("https://example.com/c.txt")
    assert not ranges.splittable(str(tmp_path))
