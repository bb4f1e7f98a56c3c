"""w2vns phrases: hand-counted scores, greedy joining, passes, stdin/stdout, errors."""

import gzip
import os

import numpy as np
import pytest
from click.testing import CliRunner

from w2vns.cli.main import cli
from w2vns.io import phrases

# 25 words. Counts: new 5, york 5, "new york" 5, city 3, "york city" 3, we 2, ...
TEXT = ("we love new york and new york loves us\n"
        "new york city is big\n"
        "the new york city subway\n"
        "in new york city we met\n")
TOTAL = 25


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(TEXT)
    return path


def run(*args, **kwargs):
    return CliRunner().invoke(cli, ["phrases", *[str(a) for a in args]], **kwargs)


def test_scores_match_the_hand_counted_formula(corpus):
    found = phrases.bigram_scores([str(corpus)], phrases.PhrasesConfig(min_count=1))
    assert found[("new", "york")] == pytest.approx((5 - 1) / (5 * 5) * TOTAL)  # 4.0
    assert found[("york", "city")] == pytest.approx((3 - 1) / (5 * 3) * TOTAL)  # 3.33
    assert found[("we", "love")] == 0.0  # seen once: (1 - 1) / ...
    assert ("us", "new") not in found  # pairs never cross a line
    assert len(found) == 15  # distinct adjacent pairs inside lines, counted by hand
    found = phrases.bigram_scores([str(corpus)], phrases.PhrasesConfig(min_count=3))
    assert found == {("new", "york"): pytest.approx((5 - 3) / 25 * TOTAL),
                     ("york", "city"): pytest.approx((3 - 3) / 15 * TOTAL)}


@pytest.mark.parametrize("threshold, joined", [(3.99, True), (4.0, False)])
def test_the_threshold_is_strict(corpus, threshold, joined):
    result = run(corpus, "--min-count", "1", "--threshold", threshold)
    assert result.exit_code == 0, result.output
    assert ("new_york" in result.stdout) == joined


def test_greedy_left_to_right_without_overlap(corpus):
    # york city (3.33) also passes 1, but york is already joined to new
    result = run(corpus, "--min-count", "1", "--threshold", "1")
    assert result.stdout == ("we love new_york and new_york loves us\n"
                             "new_york city is big\n"
                             "the new_york city subway\n"
                             "in new_york city we met\n")
    assert "5 pairs joined" in result.stderr


def test_two_passes_find_a_three_word_phrase(corpus, tmp_path):
    out = tmp_path / "out.txt"
    result = run(corpus, "--min-count", "1", "--threshold", "1", "--passes", "2", "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[1:] == ["new_york_city is big",
                                                "the new_york_city subway",
                                                "in new_york_city we met"]
    lines = result.stderr.splitlines()
    assert lines[0].startswith("pass 1/2: 25 words, 14 distinct, 14 with count >= 1; "
                               "15 distinct pairs of them, 2 scoring above 1; 5 pairs joined")
    assert lines[1].startswith("pass 2/2: 20 words") and "3 pairs joined" in lines[1]
    assert os.listdir(tmp_path) == ["corpus.txt", "out.txt"]


def test_min_count_keeps_rare_words_and_pairs_apart(corpus):
    result = run(corpus, "--min-count", "4", "--threshold", "0")
    assert "new_york" in result.stdout and "york_city" not in result.stdout
    assert "city_" not in result.stdout  # city (3) is below --min-count


def test_stdin_to_stdout_with_a_delimiter_and_whitespace_normalised():
    text = "  the big  apple\tis big\r\nthe big apple\n\nbig apple pie"
    # big apple: (3 - 2) / (4 * 3) * 11 = 0.92; the big: (2 - 2) / ... = 0
    result = run("-", "--min-count", "2", "--threshold", "0.9", "--delimiter", "+", "-q",
                 input=text)
    assert result.exit_code == 0, result.output
    assert result.stdout == "the big+apple is big\nthe big+apple\n\nbig+apple pie\n"
    assert result.stderr == ""


def test_compressed_output_and_encoding(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("un café crème\nle café crème chaud\ndu café crème\n".encode("latin-1"))
    out = tmp_path / "out.txt.gz"
    result = run(path, "--encoding", "latin-1", "--min-count", "2", "--threshold", "1",
                 "-o", out)
    assert result.exit_code == 0, result.output
    assert gzip.decompress(out.read_bytes()).decode("utf-8") == (
        "un café_crème\nle café_crème chaud\ndu café_crème\n")


def test_pair_counting_is_bounded_and_pruning_reported(tmp_path):
    path = tmp_path / "c.txt"
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in rng.integers(0, 40, size=5000)]  # 40 words, ~1600 pairs
    path.write_text(" ".join(words) + "\nbig apple\n" * 50)
    result = run(path, "--prune-at", "60", "--min-count", "2", "--threshold", "1")
    assert result.exit_code == 0, result.output
    assert "distinct pairs: pruned pairs seen" in result.stderr
    assert "big_apple" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["missing.txt"], "Error: corpus file 'missing.txt' not found. Check the path."),
    (["{corpus}", "--delimiter", " "],
     "Error: --delimiter must be a non-empty string without whitespace, got ' '."),
    (["{corpus}", "--threshold", "-1"], "Error: --threshold must be 0 or more, got -1.0."),
    (["{corpus}", "--passes", "0"], "Error: --passes must be a positive integer, got 0."),
    (["{corpus}", "--encoding", "nope"],
     "Error: --encoding: unknown encoding 'nope'. Use a Python codec name such as utf-8, "
     "latin-1, cp1252 or utf-16."),
    (["-", "-"], "Error: stdin (-) can be given only once."),
])
def test_usage_errors(corpus, args, message):
    result = run(*[a.format(corpus=corpus) for a in args])
    assert result.exit_code == 2
    assert result.stderr == message + "\n"
    assert result.stdout == ""


def test_missing_output_directory(corpus, tmp_path):
    out = tmp_path / "no" / "out.txt"
    result = run(corpus, "-o", out)
    assert result.exit_code == 2
    assert result.stderr == (f"Error: output directory '{out.parent}' does not exist. Create it "
                             "or choose another -o path.\n")


def test_a_failed_run_leaves_an_older_output_alone(corpus, tmp_path, monkeypatch):
    out = tmp_path / "out.txt"
    out.write_text("older")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(phrases.kernels, "rewrite", broken)
    result = run(corpus, "-o", out)
    assert result.exit_code == 1
    assert result.stderr.endswith(f"Error: cannot write '{out}': No space left on device. "
                                  "Check free space and permissions.\n")
    assert out.read_text() == "older" and sorted(os.listdir(tmp_path)) == ["corpus.txt",
                                                                         "out.txt"]
