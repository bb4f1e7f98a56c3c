"""Continued training: --save-model, then --init-from on new data."""

import os

import numpy as np
import pytest
from click.testing import CliRunner

from w2vns.cli.main import cli
from w2vns.io import synthetic, w2vformat
from w2vns.training import model_file
from w2vns.vectors.embeddings import Embeddings

SENTENCES = 12000
NEIGHBOUR_BAR = 0.9
B_ONLY_CLASSES = ("fruit", "tool", "instrument")  # renamed in part B: words A never saw
SUFFIX = "x"
TRAIN = ["--epochs", "8", "--threads", "2", "--seed", "3", "--dim", "40"]


def renamed_words():
    grammar = synthetic.Grammar()
    words = set()
    for name in B_ONLY_CLASSES:
        words |= set(synthetic.CLASSES[name]) | set(grammar.class_contexts[name])
    return words


def write_part_b(path):
    """The synthetic grammar with other sentences, and with three classes (members and
    their context words) renamed: animals, colours and relations go on, the renamed
    classes are new words."""
    rename = renamed_words()
    with open(path, "w", encoding="utf-8") as handle:
        for sentence in synthetic.Grammar().sentences(SENTENCES, seed=99):
            handle.write(" ".join(w + SUFFIX if w in rename else w for w in sentence) + "\n")


def b_only_neighbours():
    return {w + SUFFIX: {m + SUFFIX for m in members if m != w}
            for name in B_ONLY_CLASSES for members in [synthetic.CLASSES[name]] for w in members}


def neighbour_score(kv, planted, candidates):
    sub = Embeddings(candidates, np.stack([kv[w] for w in candidates]))
    return float(np.mean([sub.most_similar(w, topn=1)[0][0] in near
                          for w, near in planted.items()]))


def run(*args):
    return CliRunner().invoke(cli, ["train", *[str(a) for a in args]])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("continue")
    part_a, part_b = folder / "a.txt", folder / "b.txt"
    synthetic.write(str(part_a), sentences=SENTENCES)
    write_part_b(part_b)
    result = run(part_a, "-o", folder / "a.bin", "--save-model", folder / "a.model", *TRAIN)
    assert result.exit_code == 0, result.output
    result = run(part_b, "--init-from", folder / "a.model", "-o", folder / "b.bin",
                 "--save-model", folder / "b.model", *TRAIN)
    assert result.exit_code == 0, result.output
    return folder, result


def load(path):
    return Embeddings(*w2vformat.read(str(path)))


def test_words_of_a_keep_their_neighbours_and_words_of_b_learn_theirs(runs):
    folder, result = runs
    kv = load(folder / "b.bin")
    planted_a = synthetic.planted_neighbours()
    planted_b = b_only_neighbours()
    candidates = list(planted_a) + list(planted_b)
    assert neighbour_score(kv, planted_a, candidates) >= NEIGHBOUR_BAR
    assert neighbour_score(kv, planted_b, candidates) >= NEIGHBOUR_BAR
    assert f"continuing '{folder / 'a.model'}': " in result.stderr


def test_words_seen_only_in_a_keep_their_vectors_exactly(runs):
    folder, _ = runs
    before, after = load(folder / "a.bin"), load(folder / "b.bin")
    for word in synthetic.CLASSES["fruit"]:
        np.testing.assert_array_equal(after[word], before[word])
    moved = [w for w in synthetic.CLASSES["animal"] if not np.array_equal(after[w], before[w])]
    assert moved == synthetic.CLASSES["animal"]  # words also in B were trained further


def test_counts_are_merged(runs):
    folder, _ = runs
    a = model_file.load(str(folder / "a.model"))
    b = model_file.load(str(folder / "b.model"))
    count_a = dict(zip(a.words, a.counts.tolist()))
    count_b = dict(zip(b.words, b.counts.tolist()))
    text_b = (folder / "b.txt").read_text().split()
    assert count_b["cat"] == count_a["cat"] + text_b.count("cat")
    assert count_b["apple"] == count_a["apple"]
    assert count_b["apple" + SUFFIX] == text_b.count("apple" + SUFFIX)
    assert "apple" + SUFFIX not in count_a
    assert list(b.counts) == sorted(b.counts, reverse=True)  # most frequent first
    assert b.config["dim"] == 40 and b.arrays["syn0"].shape == (len(b.words), 40)


def test_dim_and_model_come_from_the_saved_model(runs, tmp_path):
    folder, _ = runs
    out = tmp_path / "c.bin"
    result = run(folder / "b.txt", "--init-from", folder / "a.model", "-o", out, "--epochs", "1",
                 "-q")
    assert result.exit_code == 0, result.output
    assert load(out).dim == 40


@pytest.mark.parametrize("option, message", [
    (["--dim", "50"], "Error: --dim is 50 but the model '{model}' has 40 dimensions. Drop --dim "
                      "to continue it."),
    (["--model", "cbow"], "Error: --model is cbow but the model '{model}' was trained with sg. "
                          "Drop --model to continue it."),
    (["--hs"], "Error: the objective is hierarchical softmax and negative sampling but the "
               "model '{model}' was trained with negative sampling. Use the same --hs and "
               "--negative 0 or not."),
    (["--read-vocab", "v.txt"], "Error: --init-from and --read-vocab cannot be combined: the "
                                "vocabulary of a continued run is the saved one merged with the "
                                "corpus's."),
])
def test_mismatched_options_are_usage_errors(runs, tmp_path, option, message):
    folder, _ = runs
    model = folder / "a.model"
    result = run(folder / "b.txt", "--init-from", model, "-o", tmp_path / "c.bin", *option)
    assert result.exit_code == 2
    assert result.stderr == message.format(model=model) + "\n"
    assert os.listdir(tmp_path) == []


def damaged(path, out):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("make, message", [
    (lambda folder, tmp: damaged(folder / "a.model", tmp / "bad.model"),
     "Error: '{path}' is damaged: its contents do not match its checksum. Use an intact copy, "
     "or train from scratch without --init-from."),
    (lambda folder, tmp: folder / "a.bin",
     "Error: '{path}' is not a w2vns model file (not an .npz archive). Pass a file written by "
     "'w2vns train --save-model'."),
    (lambda folder, tmp: _other_npz(tmp / "other.npz"),
     "Error: '{path}' is not a w2vns model file (no w2vns model header). Pass a file written by "
     "'w2vns train --save-model'."),
    (lambda folder, tmp: tmp / "missing.model",
     "Error: model file '{path}' not found. Check the --init-from path."),
])
def test_a_corrupt_or_foreign_model_is_refused_in_one_line(runs, tmp_path, make, message):
    folder, _ = runs
    path = make(folder, tmp_path)
    out = tmp_path / "c.bin"
    result = run(folder / "b.txt", "--init-from", path, "-o", out, "-q")
    assert result.exit_code in (1, 2)
    assert result.stderr == message.format(path=path) + "\n"
    assert not out.exists()


def _other_npz(path):
    np.savez(path, syn0=np.zeros((2, 2), np.float32))
    return path


def test_arrays_are_stored_by_name_and_optional(tmp_path):
    path = str(tmp_path / "m.model")
    rng = np.random.default_rng(0)
    arrays = dict(syn0=rng.random((3, 4), dtype=np.float32),
                  syn1neg=rng.random((3, 4), dtype=np.float32),
                  syn1=rng.random((2, 4), dtype=np.float32), codes=None)
    model_file.save(path, ("a", "b", "c"), [5, 3, 1], {"dim": 4, "model": "sg"}, arrays)
    saved = model_file.load(path)
    assert saved.words == ("a", "b", "c") and saved.counts.tolist() == [5, 3, 1]
    assert sorted(saved.arrays) == ["syn0", "syn1", "syn1neg"]
    for name in saved.arrays:
        np.testing.assert_array_equal(saved.arrays[name], arrays[name])


def test_hierarchical_softmax_model_continues_with_its_tree(runs, tmp_path):
    folder, _ = runs
    hs = ["--hs", "--negative", "0", "--epochs", "1", "--threads", "1", "--dim", "16", "-q"]
    first = tmp_path / "hs.model"
    result = run(folder / "a.txt", "-o", tmp_path / "a.bin", "--save-model", first, *hs)
    assert result.exit_code == 0, result.output
    saved = model_file.load(str(first))
    assert {"syn0", "syn1", "tree_codes", "tree_points", "tree_offsets"} <= set(saved.arrays)
    assert "syn1neg" not in saved.arrays and saved.arrays["syn1"].shape == (
        len(saved.words) - 1, 16)
    # the same data again: the merged counts keep the tree, and its node vectors
    same = run(folder / "a.txt", "--init-from", first, "-o", tmp_path / "b.bin",
               "--save-model", tmp_path / "again.model", "--epochs", "1", "-q")
    assert same.exit_code == 0, same.output
    assert "another Huffman tree" not in same.stderr
    # the inherited objective is hierarchical softmax alone; new words change the tree
    other = run(folder / "b.txt", "--init-from", first, "-o", tmp_path / "c.bin",
                "--epochs", "1", "-q")
    assert other.exit_code == 0, other.output
    assert "warning: the merged counts give another Huffman tree" in other.stderr


def test_the_python_api_continues_a_model(runs, tmp_path):
    import w2vns

    folder, _ = runs
    kv = w2vns.train(str(folder / "b.txt"), str(tmp_path / "c.bin"),
                     init_from=str(folder / "a.model"), save_model=str(tmp_path / "c.model"),
                     epochs=1, threads=1, quiet=True, log=lambda _: None)
    assert kv.dim == 40 and "apple" in kv and "apple" + SUFFIX in kv
    assert model_file.load(str(tmp_path / "c.model")).words == tuple(kv.words)
