"""Training from Python data: token lists, strings, generators, open files, id arrays."""

import io

import numpy as np
import pytest

import w2vns
from w2vns.errors import CorpusError, UsageError
from w2vns.training import sequences

CORPUS_SENTENCES = 3000
RUN = dict(threads=1, seed=5, epochs=2, quiet=True)


@pytest.fixture(scope="module")
def lines(corpus):
    with open(corpus, encoding="utf-8") as handle:
        return handle.read().splitlines()


@pytest.fixture(scope="module")
def from_file(corpus):
    return w2vns.train(corpus, **RUN)


def same(a, b):
    return a.words == b.words and np.array_equal(a.vectors, b.vectors)


def test_token_lists_train_exactly_as_the_file(lines, from_file):
    assert same(w2vns.train([line.split() for line in lines], **RUN), from_file)


def test_a_generator_is_read_once_and_trains_as_the_file(lines, from_file):
    consumed = []

    def sentences():
        for line in lines:
            consumed.append(1)
            yield line.split()

    assert same(w2vns.train(sentences(), **RUN), from_file)
    assert len(consumed) == len(lines)


def test_strings_and_open_text_files_are_split_as_the_tokenizer_does(lines, from_file):
    assert same(w2vns.train(["  " + line.replace(" ", "\t") for line in lines], **RUN),
                from_file)
    assert same(w2vns.train(io.StringIO("\n".join(lines) + "\n"), **RUN), from_file)


def test_two_threads_read_python_data_too(lines):
    trained = w2vns.train([line.split() for line in lines], threads=2, seed=5, epochs=1,
                          quiet=True)
    assert len(trained) > 100 and np.isfinite(trained.vectors).all()


def test_a_list_of_paths_is_still_a_list_of_inputs(corpus, from_file):
    assert same(w2vns.train([corpus], **RUN), from_file)


def test_id_arrays_train_as_their_decimal_text(tmp_path):
    rng = np.random.default_rng(0)
    n_items = 300
    first = np.arange(n_items)  # every id once, in order: ties rank as in the text
    sessions = [first] + [rng.integers(0, n_items, size=rng.integers(2, 30))
                          for _ in range(3000)]
    text = tmp_path / "ids.txt"
    text.write_text("".join(" ".join(map(str, s)) + "\n" for s in sessions))
    from_text = w2vns.train(str(text), min_count=1, **RUN)
    from_ids = w2vns.train(sessions, min_count=1, **RUN)
    assert same(from_ids, from_text)


def test_sparse_ids_keep_their_numbers(tmp_path):
    sessions = [np.array([10**9, 5, 10**9]), np.array([5, 123456789012]), np.array([5])]
    trained = w2vns.train(sessions, min_count=1, **RUN)
    assert trained.words == ["5", "1000000000", "123456789012"]


def test_named_id_sequences_use_the_names():
    names = ["apple", "pear", "plum"]
    blocks = [np.array([0, 1, 2, -1, 0, 1], dtype=np.int32), np.array([-1, 0, 0, -1])]
    trained = w2vns.train(w2vns.IdSequences(blocks, names), min_count=1, **RUN)
    assert trained.words == ["apple", "pear", "plum"]


@pytest.mark.parametrize("corpus, message", [
    ([["a", "b c"]], "corpus: sentence 1 holds the token 'b c': a token is not empty and "
                     "holds no whitespace (join its parts with '_')."),
    ([["a", "b"], ["a", 3]], "corpus: sentence 2 holds a int (3); tokens must be str."),
    ([["a"], 7], "corpus: sentence 2 is a int; expected a list of str tokens or a str."),
    ([np.array([1, 2]), np.array([-3])],
     "corpus: id -3 is out of range: ids are at least 0; -1 ends a sequence."),
    ([np.array([1, 2]), [3]], "corpus: sequence 2 is a list; expected a NumPy array of "
                              "integer ids (as the first one)."),
    ([np.array([1.5])], "corpus: ids must be integers, not float64."),
    (np.array([1, 2]), "corpus: a NumPy array is one sequence; pass a list of arrays (one "
                       "per sequence)."),
    (42, "corpus: expected a path, a list of paths or an iterable of sentences, not int."),
])
def test_bad_python_data_is_a_usage_error(corpus, message):
    with pytest.raises(UsageError) as caught:
        w2vns.train(corpus, min_count=1, **RUN)
    assert str(caught.value) == message


def test_names_must_cover_the_ids():
    with pytest.raises(UsageError, match=r"id 3 is out of range: ids are at least 0 and "
                                         r"below 3 \(the number of names\)"):
        w2vns.train(w2vns.IdSequences([np.array([0, 3])], ["a", "b", "c"]), min_count=1,
                    **RUN)


def test_empty_python_data_is_refused():
    with pytest.raises(CorpusError, match="contains no sentences"):
        w2vns.train(iter([]), **RUN)
    with pytest.raises(CorpusError, match="contains no words"):
        w2vns.train([[], []], **RUN)


def test_python_data_is_named_in_checkpoints_and_logs(lines):
    logged = []
    w2vns.train([line.split() for line in lines[:200]], log=logged.append, threads=1,
                epochs=1, min_count=1)
    assert any(f"from {sequences.NAME}" in line for line in logged)
