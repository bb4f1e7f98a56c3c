"""The table ``w2vns estimate`` prints (its ``--json`` is the Estimate's fields as they are)."""

from ..training.progress import human_bytes

SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3600


def _count(value):
    return f"{value:,.0f}"


def _duration(seconds):
    if seconds >= SECONDS_PER_HOUR:
        hours, rest = divmod(seconds, SECONDS_PER_HOUR)
        return f"{int(hours)}h {int(rest // SECONDS_PER_MINUTE):02d}m"
    if seconds >= SECONDS_PER_MINUTE:
        minutes, rest = divmod(seconds, SECONDS_PER_MINUTE)
        return f"{int(minutes)}m {int(rest):02d}s"
    return f"{seconds:.1f}s"


def _basis(estimate):
    if estimate.basis == "zipf":
        a = estimate.assumptions
        return (f"planned, not read: counts follow {a['distribution']}, sentences of "
                f"{a['sentence_length']} words, {a['word_bytes']} bytes per word")
    if estimate.basis == "sample":
        a = estimate.assumptions
        return (f"APPROXIMATE: the first {a['sample_bytes']:,} bytes of each input, "
                f"scaled x{a['scale']:g} by the inputs' sizes")
    return "counted from the corpus (one reading pass, train's tokenizer and vocabulary)"


def render_table(estimate):
    """A readable table of an Estimate (training.estimate.Estimate)."""
    e = estimate
    m, t, c = e.memory, e.time, e.calibration
    rows = [
        ("corpus", f"{_count(e.tokens)} words in {_count(e.sentences)} sentences"),
        ("vocabulary", f"{_count(e.vocab_size)} words"),
        ("epochs", f"{e.epochs} (the counts below are totals over all of them)"),
        ("kept tokens", f"{_count(e.kept_tokens)} (expected after subsampling)"),
        ("positive pairs", f"{_count(e.positive_pairs)} (centre, context) pairs"),
        ("negative samples", _count(e.negative_samples)),
        ("hs inner-node updates", _count(e.hs_updates)),
        ("logistic terms", f"{_count(e.logistic_terms)} (positive targets "
                           f"{_count(e.positive_targets)} + negatives + hs nodes)"),
        ("pool scores", f"{_count(e.pool_scores)} (hard/dynamic candidates scored)"),
        ("batches per epoch", f"{_count(e.batches_per_epoch)} (threads x "
                              f"{_count(e.batch_words)} words each, about "
                              f"{_count(e.pairs_per_batch)} pairs)"),
        ("memory (peak)", f"{human_bytes(e.memory_bytes)} (runtime {human_bytes(m['runtime'])}"
                          f", matrices {human_bytes(m['matrices'])}, vocabulary "
                          f"{human_bytes(m['vocabulary'])}, tables {human_bytes(m['tables'])}"
                          f", buffers {human_bytes(m['buffers'])}; reading "
                          f"{human_bytes(m['reading'])})"),
        ("disk", f"{human_bytes(e.disk_bytes)} (the encoded corpus, in $TMPDIR or "
                 "--checkpoint-dir)"),
        ("time", f"{_duration(e.seconds)} (start-up {_duration(t['startup'])}, reading "
                 f"{_duration(t['reading'])}, set-up "
                 f"{_duration(t['setup'])}, training {_duration(t['training'])}, writing "
                 f"{_duration(t['writing'])})"),
        ("calibration", f"{_count(e.words_per_second)} words/s: a {c['seconds']:.1f}s "
                        f"training run on {_count(c['words'])} words of "
                        f"{c['corpus']} on this machine, extrapolated"),
        ("basis", _basis(e)),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)
