"""w2vns estimate: its counts against what real training runs count, its memory against a
run's peak, --words planning, --sample-bytes, batches, and the command line."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from w2vns.cli.main import cli
from w2vns.io import idcache, synthetic
from w2vns.training import config, loop, objectives, reading
from w2vns.training.run import Run
from w2vns.training.estimate import EstimateRequest, batches_per_epoch, estimate, zipf_counts

CORPUS_SENTENCES = 3000  # sentences of the shared corpus fixture (conftest.py)
QUICK = 0.05  # calibration seconds: the tests check counts, not time
COUNT_TOLERANCE = 0.02
MEMORY_TOLERANCE = 0.20
JSON_KEYS = {"tokens", "vocab_size", "kept_tokens", "positive_pairs", "negative_samples",
             "logistic_terms", "hs_updates", "pool_scores", "batches_per_epoch", "memory_bytes",
             "disk_bytes", "seconds", "words_per_second"}

OBJECTIVES = {
    "sg shared": dict(model="sg"),
    "sg per-pair": dict(model="sg", share_negatives=False),
    "cbow": dict(model="cbow"),
    "sg hs": dict(model="sg", hs=True, negative=0),
    "cbow hs+ns": dict(model="cbow", hs=True),
    "sg hs+ns": dict(model="sg", hs=True),
    "sg hard": dict(model="sg", ns_strategy="hard"),
    "sg hard per-pair": dict(model="sg", ns_strategy="hard", share_negatives=False),
    "cbow dynamic": dict(model="cbow", ns_strategy="dynamic", batch_words=3000),
    "sg whole windows": dict(model="sg", shrink_windows=False),
    "cbow whole windows": dict(model="cbow", shrink_windows=False),
}


def silent(_message):
    pass


@pytest.mark.parametrize("name", sorted(OBJECTIVES))
def test_counts_match_what_training_counts(corpus, name):
    cfg = config.build(None, epochs=3, threads=1, window=4, sample=1e-3, **OBJECTIVES[name])
    planned = estimate(EstimateRequest([corpus], calibration_seconds=QUICK), cfg)
    run = loop.train(Run([corpus], cfg, log=silent, quiet=True, bar=False)).summary
    assert planned.tokens == run.corpus_words
    assert planned.kept_tokens == pytest.approx(run.words_kept, rel=COUNT_TOLERANCE)
    assert planned.positive_pairs == pytest.approx(run.positive_pairs, rel=COUNT_TOLERANCE)
    assert planned.logistic_terms == pytest.approx(run.logistic_terms, rel=COUNT_TOLERANCE)
    assert planned.pool_scores == pytest.approx(run.pool_scores, rel=COUNT_TOLERANCE)
    if "hs" in name:
        assert planned.hs_updates > 0
    if "hard" in name or "dynamic" in name:
        assert planned.pool_scores > planned.negative_samples > 0


def test_batches_are_counted_as_training_cuts_them(corpus, tmp_path):
    cfg = config.build(None, threads=1)
    vocab, cache, _, _, _ = reading.encode_corpus([corpus], cfg, str(tmp_path / "ids"),
                                                  str(tmp_path), silent)
    ids = np.fromfile(cache.path, dtype=idcache.ITEM)
    ends = np.flatnonzero(ids == idcache.EOS)
    for batch_items in (50, 1000, 7777, 10 ** 6):
        cut = sum(1 for _ in idcache.iter_batches(cache, batch_items))
        assert batches_per_epoch(ends, batch_items) == cut


def _run_json(*args):
    done = subprocess.run([sys.executable, "-m", "w2vns", *map(str, args)], capture_output=True,
                          text=True, check=True)
    return done.stdout


def _big_vocab_corpus(path, words=40_000, repeats=3, sentence=20, seed=5):
    """Every word a few times: a large vocabulary, so the matrices dominate memory."""
    rng = np.random.default_rng(seed)
    tokens = rng.permutation(np.repeat(np.arange(words), repeats))
    with open(path, "w", encoding="ascii") as handle:
        for start in range(0, len(tokens), sentence):
            handle.write(" ".join(f"u{t}" for t in tokens[start:start + sentence]) + "\n")


@pytest.fixture(scope="module")
def compiled_kernels(tmp_path_factory):
    """Compiling Numba kernels (a cold cache) raises a process's resident size for good:
    one training run and one estimate first, so that both measured processes load
    compiled kernels."""
    where = tmp_path_factory.mktemp("warm")
    small = where / "c.txt"
    synthetic.write(str(small), sentences=200)
    options = ["--threads", "1", "--epochs", "1"]
    _run_json("train", small, "-o", where / "v.bin", "--report", where / "r.json", "-q", *options)
    _run_json("estimate", small, "--json", "--calibration-seconds", QUICK, *options)


@pytest.mark.parametrize("kind", ["synthetic", "big vocabulary"])
def test_memory_is_within_a_fifth_of_the_runs_peak(corpus, tmp_path, kind, compiled_kernels):
    """The run's peak is the training process's peak resident size, as its report gives it
    (runtime included: that is what the machine must have). Both run in fresh processes."""
    options = ["--threads", "1", "--epochs", "1"]
    if kind == "big vocabulary":
        corpus = str(tmp_path / "big.txt")
        _big_vocab_corpus(corpus)
        options += ["--min-count", "1", "--dim", "300"]
    report = tmp_path / "run.json"
    _run_json("train", corpus, "-o", tmp_path / "v.bin", "--report", report, "-q", *options)
    peak = json.loads(report.read_text())["peak_rss"]
    planned = json.loads(_run_json("estimate", corpus, "--json", "--calibration-seconds", QUICK,
                                   *options))
    assert planned["memory_bytes"] == pytest.approx(peak, rel=MEMORY_TOLERANCE)
    if kind == "big vocabulary":  # here the data, not the runtime, decides the result
        assert planned["memory"]["matrices"] > MEMORY_TOLERANCE * peak


@pytest.mark.parametrize("options", [dict(), dict(ns_strategy="dynamic", ns_pool=30),
                                     dict(hs=True, negative=0), dict(loss="softmax")])
def test_thread_buffers_are_counted_as_the_kernels_allocate_them(options):
    from w2vns.kernels import cpu

    words = 3_000  # output rows: the exact softmax keeps a logit for each
    cfg = config.build(None, dim=24, window=3, max_sentence_length=500, **options)
    params = objectives.params_for(cfg, objectives.strategy_of(cfg).pool.largest(cfg))
    work = cpu.new_work(params, cfg.dim, words, np.uint64(1))
    assert cpu.work_bytes(params, cfg.dim, words) == sum(buffer.nbytes for buffer in work)
    assert (work.logits.size >= words) == (options.get("loss") == "softmax")


def test_words_mode_matches_a_corpus_drawn_from_its_assumptions(tmp_path):
    words, size, length = 60_000, 2_000, 12
    counts = zipf_counts(words, size, 1.0)
    rng = np.random.default_rng(3)
    ids = rng.choice(size, size=words, p=counts / counts.sum())
    path = tmp_path / "zipf.txt"
    with open(path, "w", encoding="ascii") as handle:
        for start in range(0, words, length):
            handle.write(" ".join(f"z{i}" for i in ids[start:start + length]) + "\n")
    cfg = config.build(None, threads=1, min_count=1, sample=1e-3, epochs=2)
    planned = estimate(EstimateRequest(words=words, vocab=size, sentence_words=length,
                                       calibration_seconds=QUICK), cfg)
    read = estimate(EstimateRequest([str(path)], calibration_seconds=QUICK), cfg)
    assert planned.tokens == words and planned.vocab_size == size
    assert planned.basis == "zipf" and planned.approximate
    assert planned.positive_pairs == pytest.approx(read.positive_pairs, rel=0.05)
    assert planned.logistic_terms == pytest.approx(read.logistic_terms, rel=0.05)
    assert planned.disk_bytes == pytest.approx(read.disk_bytes, rel=0.01)
    assert planned.seconds > 0 and planned.words_per_second > 0


def test_words_mode_pairs_follow_the_window_formula():
    """No subsampling, sentences of 8 words, window 3: pairs per sentence in closed form."""
    window, length, words = 3, 8, 80_000
    per_sentence = sum(np.mean([min(s, i) + min(s, length - 1 - i)
                                for s in range(1, window + 1)]) for i in range(length))
    cfg = config.build(None, threads=1, sample=0.0, window=window, epochs=2, negative=4)
    planned = estimate(EstimateRequest(words=words, vocab=500, sentence_words=length,
                                       calibration_seconds=QUICK), cfg)
    assert planned.positive_pairs == pytest.approx(2 * words / length * per_sentence)
    assert planned.kept_tokens == pytest.approx(2 * words, rel=1e-3)
    # negatives: 4 per pair, less the draws that hit the centre word (dropped)
    assert 3.5 * planned.positive_pairs < planned.negative_samples < 4 * planned.positive_pairs
    bigger = estimate(EstimateRequest(words=words, vocab=50_000, sentence_words=length,
                                      calibration_seconds=QUICK), cfg)
    assert bigger.memory["matrices"] == pytest.approx(100 * planned.memory["matrices"], rel=1e-3)


def test_sample_bytes_scales_and_says_so(corpus):
    cfg = config.build(None, threads=1)
    whole = estimate(EstimateRequest([corpus], calibration_seconds=QUICK), cfg)
    half = estimate(EstimateRequest([corpus], sample_bytes=os.path.getsize(corpus) // 2,
                                    calibration_seconds=QUICK), cfg)
    assert half.approximate and half.basis == "sample" and not whole.approximate
    assert half.tokens == pytest.approx(whole.tokens, rel=0.03)
    assert half.positive_pairs == pytest.approx(whole.positive_pairs, rel=0.03)


def invoke(*args):
    return CliRunner().invoke(cli, ["estimate", *map(str, args)])


def test_table_says_what_it_counted_and_how_time_was_measured(corpus):
    result = invoke(corpus, "--threads", "1", "--calibration-seconds", QUICK)
    assert result.exit_code == 0, result.output
    table = result.stdout
    for label in ("positive pairs", "negative samples", "logistic terms", "batches per epoch",
                  "memory (peak)", "disk", "time", "calibration"):
        assert label in table
    assert "extrapolated" in table and "training run" in table
    assert "counted from the corpus" in table
    planned = invoke("--words", 1_000_000, "--vocab", 5000, "--threads", "1",
                     "--calibration-seconds", QUICK)
    assert planned.exit_code == 0, planned.output
    assert "Zipf, exponent 1" in planned.stdout and "sentences of 25 words" in planned.stdout


def test_json_has_the_documented_keys(corpus):
    result = invoke(corpus, "--threads", "1", "--calibration-seconds", QUICK, "--json",
                    "--model", "cbow", "--epochs", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert JSON_KEYS <= set(data)
    assert data["epochs"] == 2 and data["tokens"] > 0
    assert data["logistic_terms"] == pytest.approx(
        data["positive_targets"] + data["negative_samples"] + data["hs_updates"])


ERRORS = [
    (["{missing}"], 2, "Error: corpus file '{missing}' not found. Check the path."),
    ([], 2, "Error: no corpus given. Pass one or more files, URLs, or - for stdin; or plan "
            "without one with --words N --vocab V."),
    (["--words", "1000"], 2, "Error: --words and --vocab go together: give both."),
    (["{tiny}", "--words", "10", "--vocab", "5"], 2,
     "Error: give either CORPUS or --words N --vocab V, not both."),
    (["--words", "0", "--vocab", "5"], 2, "Error: --words must be a positive integer, got 0."),
    (["{tiny}", "--window", "0"], 2, "Error: --window must be a positive integer, got 0."),
    (["{tiny}", "--negative", "0"], 2, "Error: nothing to train: give --negative > 0 or --hs."),
    (["-", "--sample-bytes", "100"], 2,
     "Error: --sample-bytes scales by the input's size, and '-' has none here. Drop "
     "--sample-bytes or give local files."),
    (["{empty}"], 1, "Error: corpus '{empty}' contains no words. Check that the input is a "
                     "non-empty text file."),
    (["{tiny}", "--model", "glove"], 2,
     "Error: Invalid value for '--model': 'glove' is not one of 'sg', 'cbow'. "
     "See 'w2vns estimate --help'."),
]


@pytest.mark.parametrize("args,code,message", ERRORS)
def test_errors_are_one_clean_line(tmp_path, args, code, message):
    names = dict(missing=tmp_path / "nope.txt", tiny=tmp_path / "tiny.txt",
                 empty=tmp_path / "empty.txt")
    (tmp_path / "tiny.txt").write_text("a a b c\n" * 5)
    (tmp_path / "empty.txt").write_text(" \n\n")
    names = {k: str(v) for k, v in names.items()}
    result = invoke(*[a.format(**names) for a in args])
    assert result.exit_code == code
    lines = result.stderr.splitlines()
    assert lines[-1] == message.format(**names)
    assert "Traceback" not in result.stderr
