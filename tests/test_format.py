"""word2vec text/binary round trips, gensim interoperability, atomic writes."""

import os

import numpy as np
import pytest

from w2vns.io import w2vformat
from w2vns.errors import FormatError, OutputError

WORDS = ["the", "cat", "naïve", "日本"]


@pytest.fixture
def vectors():
    rng = np.random.default_rng(1)
    return rng.normal(0, 1, (len(WORDS), 7)).astype(np.float32)


@pytest.mark.parametrize("name", ["v.bin", "v.txt", "v.vec", "v.bin.gz", "v.txt.gz",
                                  "v.txt.bz2", "v.npy"])
def test_round_trip_is_exact(tmp_path, vectors, name):
    path = str(tmp_path / name)
    w2vformat.write_file(path, WORDS, vectors)
    words, got = w2vformat.read(path)
    assert words == WORDS
    np.testing.assert_array_equal(got, vectors)


def test_binary_layout_is_word2vec(tmp_path, vectors):
    path = tmp_path / "v.bin"
    w2vformat.write(str(path), WORDS, vectors, True)
    data = path.read_bytes()
    assert data.startswith(b"4 7\n")
    first = b"the " + vectors[0].astype("<f4").tobytes() + b"\n"
    assert data[4:4 + len(first)] == first


def test_text_layout_is_word2vec(tmp_path, vectors):
    path = tmp_path / "v.txt"
    w2vformat.write(str(path), WORDS, vectors, False)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "4 7"
    assert lines[1].split(" ")[0] == "the" and len(lines[1].split(" ")) == 8


@pytest.mark.parametrize("name,binary", [("v.bin", True), ("v.txt", False)])
def test_gensim_loads_the_output(tmp_path, vectors, name, binary):
    gensim_models = pytest.importorskip("gensim.models")
    path = str(tmp_path / name)
    w2vformat.write(path, WORDS, vectors, binary)
    kv = gensim_models.KeyedVectors.load_word2vec_format(path, binary=binary)
    assert list(kv.index_to_key) == WORDS
    np.testing.assert_allclose(kv.vectors, vectors, rtol=1e-6)


def test_reads_gensim_binary_without_trailing_newlines(tmp_path, vectors):
    gensim_models = pytest.importorskip("gensim.models")
    kv = gensim_models.KeyedVectors(vector_size=7)
    kv.add_vectors(WORDS, vectors)
    path = str(tmp_path / "g.bin")
    kv.save_word2vec_format(path, binary=True)
    words, got = w2vformat.read(path)
    assert words == WORDS
    np.testing.assert_array_equal(got, vectors)


def test_failed_write_leaves_older_file_untouched(tmp_path, vectors):
    path = tmp_path / "v.bin"
    path.write_bytes(b"precious")

    class Exploding(list):
        def __getitem__(self, item):
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        w2vformat.write(str(path), Exploding(WORDS), vectors, True)
    assert path.read_bytes() == b"precious"
    assert os.listdir(tmp_path) == ["v.bin"]  # no temporary left behind


def test_unwritable_directory_is_reported(tmp_path, vectors):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError):
        w2vformat.write(str(blocker / "v.bin"), WORDS, vectors, True)


def test_truncated_binary_is_an_error(tmp_path, vectors):
    path = tmp_path / "v.bin"
    w2vformat.write(str(path), WORDS, vectors, True)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(FormatError, match="truncated"):
        w2vformat.read(str(path))
