"""What a training run will cost, before it starts: pairs, logistic terms, batches,
memory, disk and time (``w2vns estimate``).

* Counts come from the real vocabulary and sentence lengths: the inputs are read once
  with train's own reading pass (tokeniser, vocabulary, encoded corpus), then
  ``kernels.expected`` computes per word the expected kept tokens, trained centres and
  (centre, context) pairs under subsampling and the random window shrink, exactly as the
  kernels draw them. The objective turns these into what the kernels count: negatives
  (draws equal to the positive word are dropped), hierarchical-softmax inner nodes (the
  Huffman code length of each predicted word), and the candidate scores of the hard and
  dynamic strategies.
* ``--sample-bytes N`` reads only the first N bytes of each input and scales by the
  inputs' sizes (approximate). ``--words N --vocab V`` plans without a corpus: counts
  follow Zipf's law and sentences have a fixed length (both stated, both overridable).
* Time comes from a calibration: a short real training run (a few seconds) with the same
  options on the first words of the corpus (or of a synthetic Zipf corpus), extrapolated
  to the whole run, plus the measured reading pass, the time a fresh process takes to
  load the compiled kernels, and an output-writing sample.
* Memory is the runtime's resident size (measured here once the kernels are loaded) plus
  the larger of the reading phase (word tables) and the training phase (matrices,
  vocabulary, tables, buffers).
"""

import bz2
import contextlib
import dataclasses
import gzip
import io
import lzma
import math
import os
import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from . import objectives
from . import vocab as vocabulary
from ..errors import UsageError
from ..io import idcache
from ..io.corpus import BLOCK_BYTES, STDIN, check_sources, is_url, sniff_inputs
from ..io.workdir import run_directory
from ..kernels.bundles import SHARED_CONTEXTS

DEFAULT_CALIBRATION_SECONDS = 3.0
DEFAULT_ZIPF_EXPONENT = 1.0
DEFAULT_SENTENCE_WORDS = 25  # a sentence of prose; corpora of one long line have 10000-word chunks
ASSUMED_WORD_BYTES = 8  # --words mode: bytes per word of the text (7 letters and a space)
CALIBRATION_FIRST_WORDS = 20_000
CALIBRATION_MAX_GROWTH = 8.0  # at most this factor between two calibration runs
CALIBRATION_MARGIN = 1.2  # aim a little past the time asked for ...
CALIBRATION_ENOUGH = 0.5  # ... and stop at a run of at least this share of it
WARMUP_SENTENCES = 8
WRITE_SAMPLE_ROWS = 2_000
WRITE_SAMPLE_NAME = "sample.vec"
SYNTHETIC_CALIBRATION_WORDS = 4_000_000  # --words mode: the calibration corpus at most
READ_SAMPLE_WORDS = 400_000  # --words mode: text generated to time the reading pass
COUNT_CHUNK_ITEMS = 1 << 22
# CPython object sizes (64-bit): a str header, a reference, a dict entry with its index.
PY_STR_HEADER = 49
PY_REF = 8
PY_DICT_ENTRY = 40
PY_WORD_OBJECT = PY_STR_HEADER + 2 * PY_REF + PY_DICT_ENTRY  # a str, in a list and a dict
ENCODE_BYTES_PER_ID = 40  # encoding's NumPy temporaries per id of a chunk (io.idcache)
# Reading: a 1 MiB block in flight as bytes, its int32 ids (4 per byte), the carried
# remainder and the spooled copy.
SCAN_BLOCK_COPIES = 8
BATCH_COPIES = 3  # a batch, the pending remainder and their concatenation
COMPRESSED = {".gz": gzip.GzipFile, ".bz2": bz2.BZ2File, ".xz": lzma.LZMAFile}
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass
class EstimateRequest:
    sources: list = field(default_factory=list)
    sample_bytes: Optional[int] = None
    words: Optional[int] = None  # plan without a corpus: corpus words ...
    vocab: Optional[int] = None  # ... and vocabulary size
    zipf_exponent: float = DEFAULT_ZIPF_EXPONENT
    sentence_words: int = DEFAULT_SENTENCE_WORDS
    calibration_seconds: float = DEFAULT_CALIBRATION_SECONDS


@dataclass
class Profile:
    """One epoch of the corpus as training will see it, before any objective."""

    vocab: vocabulary.Vocab
    tokens: int  # corpus words in the vocabulary (one epoch)
    sentences: int
    items: int  # word ids and sentence markers of the encoded corpus
    kept: np.ndarray  # per word: expected tokens kept by subsampling
    centres: np.ndarray  # per word: expected centres trained (kept, with a kept neighbour)
    pairs: np.ndarray  # per word: expected (centre, context) pairs with it as centre
    batches: int  # kernel calls per epoch
    read_seconds: float  # the reading pass: read, tokenise, count, encode
    scan_bytes: int  # the reading pass's word tables and words at their largest
    word_bytes: int  # UTF-8 bytes of the vocabulary's words
    cache: object = None  # an idcache.IdCache to calibrate on
    scale: float = 1.0  # sampled inputs: full size / sampled size
    approximate: bool = False
    basis: str = "corpus"


@dataclass
class Estimate:
    tokens: int
    vocab_size: int
    sentences: int
    epochs: int
    kept_tokens: float
    positive_pairs: float
    positive_targets: float
    negative_samples: float
    hs_updates: float
    pool_scores: float
    logistic_terms: float
    batches_per_epoch: int
    batch_words: int
    pairs_per_batch: float
    memory_bytes: int
    memory: dict
    disk_bytes: int
    seconds: float
    time: dict
    words_per_second: float
    calibration: dict
    approximate: bool
    basis: str
    assumptions: dict

    def as_dict(self):
        return dataclasses.asdict(self)


def _silent(_message):
    pass


def estimate(request, config, log=_silent):
    """The Estimate of training ``config`` (resolved) on ``request``'s corpus or plan."""
    from . import devices

    _check_request(request)
    if config.time_budget is not None:
        raise UsageError("estimate plans a run of --epochs passes, not a time budget: remove "
                         "time-budget from the config (a budgeted train logs its plan as it "
                         "starts).")
    devices.require(config)
    readings = None
    if request.words is None:  # the inputs are checked and sniffed before any work
        check_sources(list(request.sources))
        readings = sniff_inputs(list(request.sources), config.encoding, config.binary_ok)
    with run_directory("estimate") as workdir:
        baseline, startup = warm_up(config, workdir)
        if request.words is not None:
            profile = _zipf_profile(request, config, workdir, log)
        else:
            profile = _corpus_profile(request, config, workdir, log, readings)
        calibration = _calibrate(profile, config, request.calibration_seconds, workdir)
        calibration["startup_seconds"] = startup
        return _assemble(profile, config, baseline, calibration, request)


def _check_request(request):
    planned = request.words is not None or request.vocab is not None
    if planned and request.sources:
        raise UsageError("give either CORPUS or --words N --vocab V, not both.")
    if not planned and not request.sources:
        raise UsageError("no corpus given. Pass one or more files, URLs, or - for stdin; "
                         "or plan without one with --words N --vocab V.")
    if planned and (request.words is None or request.vocab is None):
        raise UsageError("--words and --vocab go together: give both.")
    if planned:
        _positive("--words", request.words)
        _positive("--vocab", request.vocab)
        _positive("--sentence-length", request.sentence_words)
        if request.sample_bytes is not None:
            raise UsageError("--sample-bytes reads a corpus; it does not apply to --words.")
    if request.sample_bytes is not None:
        _positive("--sample-bytes", request.sample_bytes)
    if not request.calibration_seconds > 0:
        raise UsageError(f"--calibration-seconds must be greater than 0, got "
                         f"{request.calibration_seconds}.")


def _positive(option, value):
    if value < 1:
        raise UsageError(f"{option} must be a positive integer, got {value}.")


# ----------------------------------------------------------------------------- warm-up


def resident_bytes():
    """This process's resident memory now (Linux), or its peak where /proc is missing."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * PAGE
    except OSError:
        from .progress import peak_rss_bytes

        return peak_rss_bytes()


def warm_up(config, workdir):
    """Run every kernel once on a tiny corpus (loading or compiling it), then measure the
    runtime's resident size: what any run holds before its data. Returns (bytes, seconds
    it took: what a fresh run spends loading its compiled kernels)."""
    from . import loop, reading

    started = time.perf_counter()
    path = os.path.join(workdir, "warmup.txt")
    with open(path, "w", encoding="ascii") as handle:
        for k in range(WARMUP_SENTENCES):
            handle.write(" ".join(f"w{(k + j) % 5}" for j in range(12)) + "\n")
    small = dataclasses.replace(config, min_count=1, max_vocab=None, epochs=1, sample=0.0)
    vocab, cache, _, _, _ = reading.encode_corpus([path], small,
                                                  os.path.join(workdir, "warm.ids"), workdir,
                                                  _silent)
    _count_pass(cache, vocab, small)
    with _quiet_stderr():
        loop.train_cache(cache, vocab, small, _silent)
    idcache.remove(cache.path, path)
    return resident_bytes(), time.perf_counter() - started


@contextlib.contextmanager
def _quiet_stderr():
    """Training's periodic progress lines are not wanted during a calibration run."""
    with contextlib.redirect_stderr(io.StringIO()):
        yield


# ----------------------------------------------------------------------------- counts


def _count_pass(cache, vocab, config):
    """Per-word expectations over the encoded corpus and the sentence ends."""
    from ..kernels.expected import expected_counts

    keep = vocabulary.keep_probabilities(vocab.counts, config.sample)
    size = len(vocab)
    kept, centres, pairs = (np.zeros(size, dtype=np.float64) for _ in range(3))
    ends = []
    for batch, end in idcache.iter_batches(cache, COUNT_CHUNK_ITEMS):
        expected_counts(batch, keep, config.window, kept, centres, pairs, config.shrink_windows)
        ends.append(np.flatnonzero(batch == idcache.EOS) + (end - len(batch)))
    ends = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
    return kept, centres, pairs, ends


def batches_per_epoch(sentence_ends, batch_items):
    """How many batches ``idcache.iter_batches`` cuts: each takes at most ``batch_items``
    ids (doubled for good once a sentence is longer) and ends at a sentence end."""
    position = 0
    count = 0
    total = int(sentence_ends[-1]) + 1 if len(sentence_ends) else 0
    while position < total:
        limit = position + batch_items
        k = int(np.searchsorted(sentence_ends, limit, side="left")) - 1
        if k < 0 or sentence_ends[k] < position:
            batch_items *= 2
            continue
        position = int(sentence_ends[k]) + 1
        count += 1
    return count


def _corpus_profile(request, config, workdir, log, readings):
    from . import reading

    sources, scale = list(request.sources), 1.0
    read_config = config
    if request.sample_bytes is not None:
        sources, scale = _sample_inputs(sources, request.sample_bytes, workdir)
        # the copies are sniffed as train sniffs the inputs, and named as the inputs
        readings = sniff_inputs(sources, config.encoding, config.binary_ok,
                                names=request.sources)
        if scale > 1.0:
            read_config = dataclasses.replace(
                config, min_count=max(1, int(round(config.min_count / scale))))
    started = time.perf_counter()
    vocab, cache, _, table_bytes, distinct = reading.encode_corpus(
        sources, read_config, os.path.join(workdir, "corpus.ids"), workdir, log, readings)
    read_seconds = time.perf_counter() - started
    kept, centres, pairs, ends = _count_pass(cache, vocab, config)
    batch_items = config.threads * config.batch_words
    word_bytes = sum(len(w.encode("utf-8")) for w in vocab.words)
    # every distinct word seen is a str in a dict while the vocabulary is chosen
    mean_bytes = word_bytes / max(len(vocab), 1)
    scan_bytes = table_bytes + int(distinct * (PY_WORD_OBJECT + mean_bytes))
    return Profile(vocab, cache.words, cache.sentences, cache.items, kept, centres, pairs,
                   batches_per_epoch(ends, batch_items), read_seconds, scan_bytes, word_bytes,
                   cache=cache, scale=scale, approximate=scale > 1.0,
                   basis="sample" if scale > 1.0 else "corpus")


class _CountingReader:
    """A binary file that counts the bytes read from it (compressed inputs: how much of
    the file a decompressed prefix took)."""

    def __init__(self, handle):
        self.handle = handle
        self.count = 0

    def read(self, n=-1):
        data = self.handle.read(n)
        self.count += len(data)
        return data

    def readable(self):
        return True

    def close(self):
        self.handle.close()


def _sample_inputs(sources, limit, workdir):
    """Copy the first ``limit`` bytes (decompressed) of each input, cut after the last
    whitespace; returns the copies and full size / sampled size."""
    copies, whole, taken = [], 0, 0
    for n, source in enumerate(sources):
        if source == STDIN or is_url(source) or not os.path.isfile(source):
            if source == STDIN or is_url(source):
                raise UsageError(f"--sample-bytes scales by the input's size, and '{source}' "
                                 "has none here. Drop --sample-bytes or give local files.")
            check_sources([source])  # the error train gives for a missing input
        suffix = os.path.splitext(source)[1].lower()
        if suffix not in COMPRESSED and suffix in (".zst", ".lz4", ".zip"):
            raise UsageError(f"--sample-bytes cannot read a prefix of '{source}' ({suffix}). "
                             "Drop --sample-bytes, or decompress it first.")
        copy = os.path.join(workdir, f"sample-{n}.txt")
        raw = _CountingReader(open(source, "rb"))
        with contextlib.closing(raw), open(copy, "wb") as out:
            reader = COMPRESSED[suffix](fileobj=raw) if suffix in COMPRESSED else raw
            data = _read_prefix(reader, limit)
            out.write(data)
        whole += os.path.getsize(source)
        taken += raw.count
        copies.append(copy)
    return copies, (whole / taken if taken else 1.0)


def _read_prefix(reader, limit):
    """The first ``limit`` bytes of ``reader``, cut after the last whitespace unless the
    input ended."""
    parts, got = [], 0
    while got < limit:
        block = reader.read(min(BLOCK_BYTES, limit - got))
        if not block:
            return b"".join(parts)
        parts.append(block)
        got += len(block)
    if not reader.read(1):
        return b"".join(parts)
    data = b"".join(parts)
    cut = max(data.rfind(space) for space in (b" ", b"\n", b"\t", b"\r"))
    return data[:cut + 1] if cut >= 0 else data


def zipf_counts(words, vocab_size, exponent):
    """Expected counts of ``words`` tokens over ``vocab_size`` words ranked by Zipf's law
    (count of rank r proportional to r^-exponent), at least 1 each, most frequent first."""
    weights = np.arange(1, vocab_size + 1, dtype=np.float64) ** -exponent
    return np.maximum(np.round(words * weights / weights.sum()), 1).astype(np.int64)


def _zipf_words(vocab_size):
    return tuple(f"w{r:0{ASSUMED_WORD_BYTES - 2}d}" for r in range(vocab_size))


def _sentence_pieces(length, max_sentence):
    """The chunks one sentence of ``length`` words is cut into (as idcache cuts)."""
    pieces = [max_sentence] * (length // max_sentence)
    if length % max_sentence:
        pieces.append(length % max_sentence)
    return pieces


def _zipf_profile(request, config, workdir, log):
    """A corpus that is not there: Zipf counts, fixed-length sentences."""
    from ..kernels.expected import expected_counts

    words, size = request.words, request.vocab
    counts = zipf_counts(words, size, request.zipf_exponent)
    vocab = vocabulary.Vocab(_zipf_words(size), counts)
    keep = vocabulary.keep_probabilities(counts, config.sample).astype(np.float64)
    mean_keep = float((counts * keep).sum() / counts.sum())
    pieces = _sentence_pieces(request.sentence_words, config.max_sentence_length)
    one = np.concatenate([np.append(np.zeros(p, np.int32), idcache.EOS) for p in pieces])
    k, c, p = (np.zeros(1) for _ in range(3))
    expected_counts(one.astype(np.int32), np.array([mean_keep], np.float32), config.window,
                    k, c, p, config.shrink_windows)
    kept = counts * keep * (words / counts.sum())  # counts are rounded; totals are not
    sentences = words / request.sentence_words
    items = int(round(words + sentences * len(pieces)))
    batch_items = config.threads * config.batch_words
    cache, read_seconds = _synthetic_corpus(counts, request, config, workdir)
    log(f"planning {words:,} words over {size:,} words (Zipf exponent "
        f"{request.zipf_exponent:g}), sentences of {request.sentence_words} words")
    return Profile(vocab, words, int(round(sentences * len(pieces))), items, kept,
                   kept * (c[0] / k[0]) if k[0] > 0 else kept * 0,
                   kept * (p[0] / k[0]) if k[0] > 0 else kept * 0,
                   max(1, math.ceil(items / batch_items)), read_seconds,
                   _table_bytes_for(size, size * ASSUMED_WORD_BYTES)
                   + size * (PY_WORD_OBJECT + ASSUMED_WORD_BYTES), size * ASSUMED_WORD_BYTES,
                   cache=cache, approximate=True, basis="zipf")


def _zipf_ids(counts, n, sentence_words, max_sentence, seed):
    """``n`` word ids drawn from ``counts`` in sentences of ``sentence_words``, EOS-ended."""
    rng = np.random.default_rng(seed)
    cdf = np.cumsum(counts, dtype=np.float64)
    ids = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right").astype(np.int32)
    length = min(sentence_words, max_sentence)
    n_sentences = max(1, n // length)
    ids = ids[: n_sentences * length].reshape(n_sentences, length)
    return np.concatenate([ids, np.full((n_sentences, 1), idcache.EOS, np.int32)], axis=1)


def _synthetic_corpus(counts, request, config, workdir):
    """The calibration corpus of --words mode, and the reading pass's expected seconds
    (timed on generated text of the same kind)."""
    from . import reading

    n = min(request.words, SYNTHETIC_CALIBRATION_WORDS)
    rows = _zipf_ids(counts, n, request.sentence_words, config.max_sentence_length, config.seed)
    path = os.path.join(workdir, "zipf.ids")
    rows.astype(idcache.ITEM).tofile(path)
    cache = idcache.IdCache(path, rows.size, rows.size - rows.shape[0], rows.shape[0])
    sample = min(request.words, READ_SAMPLE_WORDS)
    text_rows = _zipf_ids(counts, sample, request.sentence_words, config.max_sentence_length,
                          config.seed + 1)[:, :-1]
    words = _zipf_words(len(counts))
    text = os.path.join(workdir, "zipf.txt")
    with open(text, "w", encoding="ascii") as handle:
        for row in text_rows:
            handle.write(" ".join(words[i] for i in row) + "\n")
    started = time.perf_counter()
    reading.encode_corpus([text], dataclasses.replace(config, min_count=1),
                          os.path.join(workdir, "text.ids"), workdir, _silent)
    seconds = (time.perf_counter() - started) * request.words / max(text_rows.size, 1)
    idcache.remove(text, os.path.join(workdir, "text.ids"))
    return cache, seconds


def _grown(initial, need):
    size = initial
    while size < need:
        size *= 2
    return size


def _table_bytes_for(distinct, word_bytes):
    """The reading pass's word tables for ``distinct`` words (see io.tokenizer), --words
    mode, where there was no reading pass to measure."""
    from ..io.tokenizer import INITIAL_ARENA, INITIAL_WORDS, MAX_LOAD_INVERSE

    room = BLOCK_BYTES // 2 + 1
    per_word = _grown(INITIAL_WORDS, distinct + room)
    slots = 1 << max(int(MAX_LOAD_INVERSE * (distinct + room) - 1).bit_length(), 1)
    arena = _grown(INITIAL_ARENA, word_bytes + BLOCK_BYTES)
    # hashes, offsets (8 bytes), lengths (4); counts (8) and the remap table (4) per id
    return per_word * (8 + 8 + 4 + 8 + 4) + slots * 4 + arena


# ----------------------------------------------------------------------------- objective


def noise_probabilities(vocab, config):
    """The exact distribution the noise alias table draws from."""
    noise = objectives.noise_for(vocab.counts, config)
    return vocabulary.alias_probabilities(noise.alias_prob, noise.alias_index), noise


def _pool_draws(profile, config):
    """Per word, the expected draws of noise: once per pair (per-pair skip-gram), once per
    centre (CBOW), once per block of SHARED_CONTEXTS context words (shared skip-gram)."""
    if config.model != "sg":
        return profile.centres
    if not config.share_negatives:
        return profile.pairs
    if 2 * config.window <= SHARED_CONTEXTS:
        return profile.centres
    return np.maximum(profile.centres, profile.pairs * _blocks_per_pair(config.window))


def _blocks_per_pair(window):
    """Blocks per context word of a window away from the sentence ends: the spans 1 to
    ``window`` equally likely, a span s giving 2 s context words in ceil(2 s / SHARED_CONTEXTS)
    blocks (sums in closed form: the window may be huge)."""
    half = SHARED_CONTEXTS // 2  # a block holds the context of this many words a side
    q, r = divmod(window, half)
    blocks = half * q * (q + 1) // 2 + r * (q + 1)
    return blocks / (window * (window + 1))


def objective_counts(profile, config):
    """Totals over all epochs: positive targets, negatives, HS nodes, pool scores; each
    objective's registry entry counts its own."""
    epochs = config.epochs * profile.scale
    examples = profile.pairs if config.model == "sg" else profile.centres
    draws = _pool_draws(profile, config)
    out = dict(positive_targets=0.0, negative_samples=0.0, hs_updates=0.0, pool_scores=0.0)
    expectation = objectives.Expectation(examples, draws, None, epochs, profile.batches)
    if config.negative > 0:
        q, _ = noise_probabilities(profile.vocab, config)
        out["positive_targets"] = examples.sum() * epochs
        strategy = objectives.strategy_of(config)
        out["negative_samples"], out["pool_scores"] = strategy.expected_counts(
            dataclasses.replace(expectation, noise=q), config)
    if config.hs:
        out["hs_updates"] = objectives.HS.expected(
            expectation, objectives.tree_for(profile.vocab.counts, config))
    return out


# ----------------------------------------------------------------------------- memory


def memory_parts(profile, config, runtime):
    """Resident bytes the run needs, by part; ``total`` = runtime + the larger phase."""
    size, dim = len(profile.vocab), config.dim
    matrices = objectives.model_bytes(size, config)
    words = size * (PY_STR_HEADER + PY_REF) + profile.word_bytes
    per_word = (8  # counts
                + 4  # subsampling keep probabilities
                + 4 + 8  # alias table: threshold and index
                + 8)  # unnormalised noise weights
    tables = size * per_word
    if config.hs:
        depth = np.log2(max(size, 2)) + 1
        tables += int(size * (8 + depth * 5))  # offsets; codes and points per node
    from ..kernels.cpu import work_bytes

    batch_items = config.threads * config.batch_words
    largest = objectives.params_for(config, objectives.strategy_of(config).pool.largest(config))
    buffers = (BATCH_COPIES * batch_items * idcache.ITEM.itemsize
               + config.threads * work_bytes(largest, dim, size))
    training = matrices + words + tables + buffers
    # reading: word tables and words, then the encoding's temporaries or the blocks
    encode_items = min(idcache.ENCODE_CHUNK, profile.items * profile.scale)  # one chunk at most
    reading = profile.scan_bytes + max(SCAN_BLOCK_COPIES * BLOCK_BYTES,
                                       ENCODE_BYTES_PER_ID * encode_items)
    return dict(runtime=int(runtime), matrices=int(matrices), vocabulary=int(words),
                tables=int(tables), buffers=int(buffers), reading=int(reading),
                training=int(training), total=int(runtime + max(training, reading)))


# ----------------------------------------------------------------------------- time


def _prefix(cache, words, max_sentence):
    """An IdCache of the first whole sentences holding at least ``words`` words."""
    if words >= cache.words:
        return cache
    count = min(cache.items, words + 2 * (max_sentence + 1))
    ids = np.fromfile(cache.path, dtype=idcache.ITEM, count=count)
    ends = np.flatnonzero(ids == idcache.EOS)
    before = ends + 1 - np.arange(1, len(ends) + 1)  # words up to and including each end
    k = int(np.searchsorted(before, words, side="left"))
    if k >= len(ends):
        return cache
    return idcache.IdCache(cache.path, int(ends[k]) + 1, int(before[k]), k + 1)


def _calibrate(profile, config, seconds, workdir):
    """The calibration of ``estimate``: the speed on the profile's corpus (see
    ``calibrate``), the output-writing time, and which corpus it ran on."""
    calibration = calibrate(profile.cache, profile.vocab, config, seconds)
    calibration.update(write_seconds=write_seconds(len(profile.vocab), config, workdir),
                       corpus="the corpus (its first sentences)" if profile.basis != "zipf"
                       else "a synthetic Zipf corpus")
    return calibration


def calibrate(cache, vocab, config, seconds):
    """Train on ever longer prefixes of the encoded corpus ``cache`` until one run takes
    about ``seconds`` (at least half). The speed is the marginal one between the last two
    runs: a run's fixed costs (first touches of freshly allocated matrices, thread start-up)
    would otherwise be spread over the few words of a calibration and make long runs look
    slow; they go to the set-up time instead. Returns dict(words, seconds,
    words_per_second, setup_seconds)."""
    from . import loop

    one_epoch = dataclasses.replace(config, epochs=1)
    words = CALIBRATION_FIRST_WORDS
    previous = None
    while True:
        part = _prefix(cache, words, config.max_sentence_length)
        started = time.perf_counter()
        with _quiet_stderr():
            summary = loop.train_cache(part, vocab, one_epoch, _silent)
        wall = time.perf_counter() - started
        took = max(summary.train_seconds, 1e-6)
        if took >= CALIBRATION_ENOUGH * seconds or part.words >= cache.words:
            break
        previous = (part.words, took)
        growth = min(max(CALIBRATION_MARGIN * seconds / took, 2.0), CALIBRATION_MAX_GROWTH)
        words = int(part.words * growth)
    speed = part.words / took
    fixed = 0.0
    if previous is not None and part.words > previous[0] and took > previous[1]:
        marginal = (part.words - previous[0]) / (took - previous[1])
        if marginal > speed:  # a fixed cost showed; otherwise noise: keep the plain ratio
            speed = marginal
            fixed = took - part.words / speed
    return dict(words=part.words, seconds=took, words_per_second=speed,
                setup_seconds=max(wall - took, 0.0) + fixed)


def write_seconds(vocab_size, config, workdir, name=WRITE_SAMPLE_NAME):
    """Seconds to write the vectors: a sample of rows timed and scaled. ``name``: the
    sample file's name, whose extension chooses compression as an output's does."""
    from ..io import w2vformat

    rows = min(vocab_size, WRITE_SAMPLE_ROWS)
    vectors = np.random.default_rng(config.seed).random((rows, config.dim), dtype=np.float32)
    words = [f"word{r}" for r in range(rows)]
    path = os.path.join(workdir, name)
    started = time.perf_counter()
    w2vformat.write(path, words, vectors, config.format != "text")
    seconds = time.perf_counter() - started
    idcache.remove(path)
    return seconds * vocab_size / rows


def _assemble(profile, config, runtime, calibration, request):
    scale, epochs = profile.scale, config.epochs
    counts = objective_counts(profile, config)
    logistic = counts["positive_targets"] + counts["negative_samples"] + counts["hs_updates"]
    tokens = int(round(profile.tokens * scale))
    items = int(round(profile.items * scale))
    batches = int(math.ceil(profile.batches * scale))
    pairs = profile.pairs.sum() * epochs * scale
    memory = memory_parts(profile, config, runtime)
    wps = calibration["words_per_second"]
    parts = dict(startup=calibration["startup_seconds"], reading=profile.read_seconds * scale,
                 setup=calibration["setup_seconds"],
                 training=tokens * epochs / wps, writing=calibration["write_seconds"])
    assumptions = {}
    if profile.basis == "zipf":
        assumptions = dict(distribution=f"Zipf, exponent {request.zipf_exponent:g}",
                           sentence_length=request.sentence_words,
                           word_bytes=ASSUMED_WORD_BYTES)
    elif profile.basis == "sample":
        assumptions = dict(sample_bytes=request.sample_bytes, scale=round(scale, 3))
    return Estimate(
        tokens=tokens, vocab_size=len(profile.vocab),
        sentences=int(round(profile.sentences * scale)), epochs=epochs,
        kept_tokens=profile.kept.sum() * epochs * scale, positive_pairs=pairs,
        positive_targets=counts["positive_targets"],
        negative_samples=counts["negative_samples"], hs_updates=counts["hs_updates"],
        pool_scores=counts["pool_scores"], logistic_terms=logistic,
        batches_per_epoch=batches, batch_words=config.batch_words,
        pairs_per_batch=pairs / max(batches * epochs, 1),
        memory_bytes=memory["total"], memory=memory,
        disk_bytes=items * idcache.ITEM.itemsize,
        seconds=sum(parts.values()), time=parts, words_per_second=wps,
        calibration=calibration, approximate=profile.approximate, basis=profile.basis,
        assumptions=assumptions)
