"""The negative-sampling family and hierarchical softmax: distributions, options, learning,
determinism, resume and the run's counters."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from numba import njit

from test_learning import analogy_score, neighbour_score
from test_resume import StopAfter
from w2vns.cli.main import cli
from w2vns.errors import Interrupted
from w2vns.kernels import targets
from w2vns.training import checkpoint as ckpt
from w2vns.training import config, objectives, vocab
from w2vns.training.loop import train
from w2vns.training.outputs import train_to_files
from w2vns.training.run import Run
from w2vns.vectors.embeddings import Embeddings

CORPUS_SENTENCES = 20000  # sentences of the shared corpus fixture (conftest.py)
QUIET = dict(log=lambda _: None, bar=False)
COUNTS = np.array([900, 400, 400, 120, 60, 30, 9, 5, 3, 1], dtype=np.int64)
OBJECTIVES = {
    "hs": dict(hs=True, negative=0),
    "hs+ns": dict(hs=True),
    "uniform": dict(ns_strategy="uniform"),
    "hard": dict(ns_strategy="hard"),
    "dynamic": dict(ns_strategy="dynamic"),
    "adaptive": dict(ns_strategy="adaptive"),
    "per-pair": dict(share_negatives=False),
    "nce": dict(loss="nce"),
    "softmax": dict(loss="softmax"),
}
# Objectives whose negatives get harder as training goes (dynamic's pool grows from
# --negative to --ns-pool candidates): their later epochs score a harder loss, so the loss
# of one epoch is not comparable with another's.
HARDENING = {"dynamic"}


def base_weights(counts, cfg):
    return objectives.strategy_of(cfg).weights(counts, cfg)


def pool_at(cfg, progress):
    return objectives.strategy_of(cfg).pool.at(cfg, progress)


def noise_distribution(**options):
    cfg = config.build(None, **options)
    noise = objectives.noise_for(COUNTS, cfg)
    return vocab.alias_probabilities(noise.alias_prob, noise.alias_index)


def test_unigram_and_uniform_noise_are_exact():
    expected = COUNTS ** 0.75 / np.sum(COUNTS ** 0.75)
    np.testing.assert_allclose(noise_distribution(), expected, atol=1e-9)
    np.testing.assert_allclose(noise_distribution(ns_exponent=0.5),
                               COUNTS ** 0.5 / np.sum(COUNTS ** 0.5), atol=1e-9)
    np.testing.assert_allclose(noise_distribution(ns_strategy="uniform"),
                               np.full(len(COUNTS), 1 / len(COUNTS)), atol=1e-9)


def test_adaptive_noise_favours_words_the_model_still_confuses():
    cfg = config.build(None, ns_strategy="adaptive")
    noise = objectives.noise_for(COUNTS, cfg)
    base = base_weights(COUNTS, cfg)
    # word 1 scored high (0.9) on many draws, word 2 low (0.1), the rest at the average
    noise.draw_count[:] = 100.0
    noise.score_sum[:] = 50.0
    noise.score_sum[1], noise.score_sum[2] = 90.0, 10.0
    mean = noise.score_sum.sum() / noise.draw_count.sum()
    prior = objectives.ADAPTIVE_PRIOR_DRAWS
    ratio = (noise.score_sum + prior * mean) / (noise.draw_count + prior) / mean
    expected = base * np.clip(ratio, 1 / objectives.ADAPTIVE_MAX_RATIO,
                              objectives.ADAPTIVE_MAX_RATIO)
    objectives.refresh_adaptive(noise, base)
    got = vocab.alias_probabilities(noise.alias_prob, noise.alias_index)
    np.testing.assert_allclose(got, expected / expected.sum(), atol=1e-9)
    assert got[1] > 1.5 * got[2]  # same count, more confusing: drawn more often
    np.testing.assert_allclose(noise.draw_count, 100.0 * objectives.ADAPTIVE_DECAY)
    # the kernel's draws follow the rebuilt table (a chi-square test at p = 0.001)
    draws = 300_000
    seen = np.bincount(_draw_many(np.array([42], np.uint64), noise, draws),
                       minlength=len(COUNTS))
    chi2 = np.sum((seen - draws * got) ** 2 / (draws * got))
    assert chi2 < 27.9  # 9 degrees of freedom


@njit
def _draw_many(state, noise, n):
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = targets.draw_noise(state, 0, noise.alias_prob, noise.alias_index)
    return out


def test_adaptive_without_statistics_is_unigram():
    cfg = config.build(None, ns_strategy="adaptive")
    noise = objectives.noise_for(COUNTS, cfg)
    objectives.refresh_adaptive(noise, base_weights(COUNTS, cfg))
    np.testing.assert_allclose(vocab.alias_probabilities(noise.alias_prob, noise.alias_index),
                               noise_distribution(), atol=1e-9)


def test_the_registry_has_one_entry_per_kernel_strategy():
    from w2vns.kernels.bundles import STRATEGY_CODES

    assert {name: entry.code for name, entry in objectives.STRATEGIES.items()} == STRATEGY_CODES


def test_dynamic_pool_grows_from_negative_to_pool():
    cfg = config.build(None, ns_strategy="dynamic", negative=5, ns_pool=25)
    sizes = [pool_at(cfg, p) for p in np.linspace(0, 1, 11)]
    assert sizes[0] == 5 and sizes[-1] == 25
    assert all(b >= a for a, b in zip(sizes, sizes[1:]))
    assert pool_at(config.build(None, ns_strategy="hard", ns_pool=30), 0.0) == 30
    assert config.build(None, negative=7).ns_pool == config.POOL_PER_NEGATIVE * 7


def embeddings(corpus, **options):
    cfg = config.build(None, **{"epochs": 6, "threads": 2, "seed": 5, **options})
    trained = train(Run([corpus], cfg, **QUIET))
    return Embeddings(trained.vocab.words, trained.vectors), trained


@pytest.mark.parametrize("name", sorted(OBJECTIVES))
@pytest.mark.parametrize("model", ["sg", "cbow"])
def test_every_objective_learns_the_planted_structure(corpus, name, model):
    kv, trained = embeddings(corpus, model=model, **OBJECTIVES[name])
    assert neighbour_score(kv) >= 0.9
    assert analogy_score(kv) >= 0.7
    summary = trained.summary
    if name not in HARDENING:
        assert summary.epoch_loss[-1] < summary.epoch_loss[0]
    assert summary.positive_pairs > summary.words_kept  # several context words per centre
    if "hs" in name:
        assert trained.tree is not None and trained.syn1.shape[0] == len(trained.vocab) - 1
    assert (summary.pool_scores > 0) == (name in ("hard", "dynamic"))


def test_counters_follow_the_objective(corpus):
    """The objective does not change the windows (only the random stream), so pair counts
    agree closely; logistic terms add up across the two losses."""
    runs = {name: embeddings(corpus, threads=1, epochs=1, **opts)[1].summary
            for name, opts in [("ns", {}), ("hs", dict(hs=True, negative=0)),
                               ("both", dict(hs=True)), ("pair", dict(share_negatives=False))]}
    counts = [s.positive_pairs for s in runs.values()]
    assert max(counts) < 1.01 * min(counts)
    pairs = runs["ns"].positive_pairs
    # every pair has one positive and at most 5 noise words (draws of the positive dropped)
    assert pairs * 5 < runs["ns"].logistic_terms <= pairs * 6
    assert runs["both"].logistic_terms == pytest.approx(
        runs["ns"].logistic_terms + runs["hs"].logistic_terms, rel=0.02)


@pytest.mark.parametrize("name", ["hs+ns", "adaptive", "hard", "per-pair"])
def test_one_thread_runs_are_byte_identical(corpus, tmp_path, name):
    outputs = []
    for run in ("a", "b"):
        cfg = config.build(None, epochs=1, threads=1, seed=3, **OBJECTIVES[name])
        out = tmp_path / f"{run}.bin"
        train_to_files(Run([corpus], cfg, str(out), **QUIET))
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("name", ["hs+ns", "adaptive", "dynamic"])
def test_resume_is_byte_identical_for_every_objective(corpus, tmp_path, name):
    cfg = config.build(None, epochs=2, threads=1, seed=11, batch_words=20000, **OBJECTIVES[name])
    whole = tmp_path / "whole.bin"
    train_to_files(Run([corpus], cfg, str(whole), **QUIET))
    out, ck = tmp_path / "resumed.bin", tmp_path / "ck"
    with pytest.raises(Interrupted):
        train_to_files(Run([corpus], cfg, str(out), checkpoint_dir=str(ck), stop=StopAfter(4),
                           **QUIET))
    saved = ckpt.load_latest(str(ck), warn=print)
    train_to_files(Run([corpus], cfg, str(out), resume_from=saved, **QUIET))
    assert out.read_bytes() == whole.read_bytes()


ERRORS = [
    (["--ns-strategy", "nce"], "Error: Invalid value for '--ns-strategy': 'nce' is not one of "
     "'unigram', 'uniform', 'hard', 'dynamic', 'adaptive'. See 'w2vns train --help'."),
    (["--negative", "0"], "Error: nothing to train: give --negative > 0 or --hs."),
    (["--ns-strategy", "hard", "--negative", "5", "--ns-pool", "3"],
     "Error: --ns-pool (3) must be at least --negative (5): the negatives are picked from the "
     "pool."),
    (["--ns-strategy", "dynamic", "--negative", "0", "--hs"],
     "Error: --ns-strategy dynamic needs negatives: give --negative > 0."),
    (["--ns-strategy", "adaptive", "--negative", "0", "--hs"],
     "Error: --ns-strategy adaptive needs negatives: give --negative > 0."),
    (["--ns-strategy", "uniform", "--ns-exponent", "0.75"],
     "Error: --ns-strategy uniform draws every word equally, which contradicts --ns-exponent "
     "0.75. Drop one of them."),
    (["--loss", "softmax", "--hs"], "Error: --loss softmax is a loss of its own: drop --hs "
     "(which adds hierarchical softmax to negative sampling)."),
    (["--loss", "nce", "--ns-strategy", "hard"], "Error: --loss nce needs the noise "
     "probabilities, which --ns-strategy hard changes: use --ns-strategy unigram or uniform."),
    (["--loss", "nce", "--negative", "0"],
     "Error: --loss nce draws --negative noise words per example: give --negative > 0."),
    (["--loss", "softmax", "--ns-strategy", "uniform"],
     "Error: --loss softmax draws no noise words: drop --ns-strategy."),
    (["--loss", "softmax", "--max-vocab", "20000"], "Error: --loss softmax takes at most "
     "10,000 words: give --max-vocab 10000 or less, got 20000."),
    (["--cbow-grad", "half"], "Error: Invalid value for '--cbow-grad': 'half' is not one of "
     "'mean', 'sum'. See 'w2vns train --help'."),
    (["--hs", "--negative", "0", "--save-context", "{tmp}/c.bin"],
     "Error: --save-context writes the output vectors of negative sampling, and --negative 0 "
     "has none. Drop --save-context or give --negative > 0."),
]


@pytest.mark.parametrize("args,message", ERRORS)
def test_objective_errors_are_one_line_and_write_nothing(corpus, tmp_path, args, message):
    out = tmp_path / "v.bin"
    args = [a.format(tmp=tmp_path) for a in args]
    result = CliRunner().invoke(cli, ["train", corpus, "-o", str(out), *args])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [message.format(tmp=tmp_path)]
    assert not out.exists()


def test_softmax_refuses_a_vocabulary_above_its_limit(tmp_path):
    """Counted only once the corpus is read: the error names --max-vocab, and the
    existing output is left as it was."""
    corpus = tmp_path / "wide.txt"
    words = [f"w{i}" for i in range(objectives.SOFTMAX_MAX_VOCAB + 1)]
    corpus.write_text("\n".join(" ".join(words[i:i + 20]) for i in range(0, len(words), 20)))
    out = tmp_path / "v.txt"
    out.write_bytes(b"kept")
    result = CliRunner().invoke(cli, ["train", str(corpus), "-o", str(out), "--min-count", "1",
                                      "--loss", "softmax", "--threads", "1"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: --loss softmax takes at most 10,000 words and the vocabulary has 10,001: "
        "give --max-vocab 10000 (or a higher --min-count).")
    assert out.read_bytes() == b"kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.txt", "wide.txt"]


@pytest.mark.parametrize("given,loss,hs,negative", [
    (dict(), "ns", False, 5), (dict(hs=True), "ns", True, 5),
    (dict(hs=True, negative=0), "hs", True, 0), (dict(loss="hs"), "hs", True, 0),
    (dict(loss="softmax"), "softmax", False, 0), (dict(loss="nce", negative=7), "nce", False, 7)])
def test_loss_and_the_older_options_agree(given, loss, hs, negative):
    cfg = config.build(None, **given)
    assert (cfg.loss, cfg.hs, cfg.negative) == (loss, hs, negative)
    assert objectives.has_output_rows(cfg) == (loss != "hs")


def test_nce_shift_is_log_k_times_the_noise_probability():
    cfg = config.build(None, loss="nce", negative=4)
    noise = objectives.noise_for(COUNTS, cfg)
    q = COUNTS ** 0.75 / (COUNTS ** 0.75).sum()
    np.testing.assert_allclose(noise.nce_shift, np.log(4 * q), rtol=1e-5)
    assert objectives.noise_for(COUNTS, config.build(None)).nce_shift.size == 0


@pytest.mark.parametrize("mean,grad,divide", [(True, None, config.DEFAULT_CBOW_GRAD[True] == "mean"),
                                              (False, None, True), (True, "mean", True),
                                              (True, "sum", False), (False, "sum", False)])
def test_cbow_grad_sets_the_kernels_division(mean, grad, divide):
    cfg = config.build(None, model="cbow", cbow_mean=mean, cbow_grad=grad)
    assert objectives.params_for(cfg, 0).cbow_divide == int(divide)


def test_cbow_with_the_mean_gradient_learns_the_planted_structure(corpus):
    kv, trained = embeddings(corpus, model="cbow", cbow_grad="mean")
    assert neighbour_score(kv) >= 0.9
    assert analogy_score(kv) >= 0.7
    assert trained.summary.epoch_loss[-1] < trained.summary.epoch_loss[0]


def test_resume_with_a_changed_objective_is_refused(corpus, tmp_path):
    ck = tmp_path / "ck"
    with pytest.raises(Interrupted):
        train_to_files(Run([corpus], config.build(None, epochs=2, threads=1, batch_words=20000),
                           str(tmp_path / "v.bin"), checkpoint_dir=str(ck), stop=StopAfter(2),
                           **QUIET))
    result = CliRunner().invoke(cli, ["train", "--resume", str(ck), "--hs"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"Error: cannot resume from '{ck}': --hs is True but the "
                                     "checkpoint has False. Use --force to resume anyway.")
    result = CliRunner().invoke(cli, ["train", "--resume", str(ck), "--ns-strategy", "hard"])
    assert "--ns-strategy is hard but the checkpoint has unigram" in result.stderr


def test_report_counts_pairs_and_terms(corpus, tmp_path):
    report = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["train", corpus, "-o", str(tmp_path / "v.bin"), "--hs",
                                      "--ns-strategy", "hard", "--epochs", "1", "--threads", "1",
                                      "--report", str(report), "-q"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(report.read_text())
    assert data["options"]["hs"] is True and data["options"]["ns_strategy"] == "hard"
    assert data["positive_pairs"] > data["words_trained"] // 2
    assert data["logistic_terms"] > data["positive_pairs"]
    assert data["pool_scores"] > 0


def test_default_final_learning_rate_depends_on_the_model():
    from w2vns.training.config import MIN_ALPHA_RATIO, TrainConfig

    sg = TrainConfig(model="sg").resolved()
    cbow = TrainConfig(model="cbow").resolved()
    assert sg.min_alpha == pytest.approx(sg.alpha * MIN_ALPHA_RATIO["sg"])
    assert cbow.min_alpha == pytest.approx(cbow.alpha * MIN_ALPHA_RATIO["cbow"])
    assert TrainConfig(model="sg", min_alpha=0.001).resolved().min_alpha == 0.001


@pytest.mark.parametrize("strategy,words,warned", [
    ("hard", objectives.HARD_MIN_TRAINING_WORDS // 5 - 1, True),
    ("hard", objectives.HARD_MIN_TRAINING_WORDS // 5, False),
    ("uniform", 10 ** 10, True), ("unigram", 1000, False), ("dynamic", 1000, False)])
def test_strategies_known_to_do_badly_at_a_size_warn(strategy, words, warned):
    """Counted in training words: corpus words x epochs (5 here)."""
    cfg = config.build(None, ns_strategy=strategy, epochs=5)
    advice = list(objectives.run_advisories(cfg, words))
    assert len(advice) == int(warned)
    if warned:
        assert advice[0].startswith(f"--ns-strategy {strategy}")
        assert "Use unigram" in advice[0]


def test_the_warning_is_logged_before_training(corpus):
    lines = []
    cfg = config.build(None, ns_strategy="hard", epochs=1, threads=1)
    train(Run([corpus], cfg, log=lines.append, bar=False))
    warnings = [line for line in lines if line.startswith("warning: --ns-strategy hard on ")]
    assert len(warnings) == 1 and "Use unigram" in warnings[0]
