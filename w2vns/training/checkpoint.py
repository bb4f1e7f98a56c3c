"""Checkpoints: everything needed to continue an interrupted run.

A checkpoint directory holds the encoded corpus (``ids.bin``, written once) and
numbered checkpoint files ``checkpoint-NNNNNN.npz``. Each file carries both weight
matrices, the RNG states, the vocabulary, the position (epoch, offset, words done),
the per-epoch losses, the options, the corpus fingerprint and a sha256 of all of it.
Each is written to a temporary file and renamed; the previous one is kept until the
new one is complete, so a corrupt or truncated newest file falls back to the one before.
``Saver`` writes a run's checkpoints from the epoch loop; ``Position`` is where it stands,
its counts a ``counters.Counts``, kept in the files under the meta names they always had.
"""

import dataclasses
import glob
import hashlib
import json
import os
import re
from dataclasses import dataclass, field

import numpy as np

from ..io.atomic import atomic_output
from ..io.corpus import STDIN, is_url
from ..errors import InputError
from ..kernels.bundles import Model
from .counters import Counts

CACHE_NAME = "ids.bin"
PATTERN = "checkpoint-*.npz"
RANK_CACHE_PATTERN = "ids-*.bin"
OWN_FILES = (CACHE_NAME, RANK_CACHE_PATTERN, PATTERN)  # written and removed in the directory
KEEP = 2  # the newest and the one before it
_NUMBER = re.compile(r"checkpoint-(\d+)\.npz$")
_ARRAYS = ("syn0", "syn1neg", "syn1", "rng", "counts", "words", "score_sum", "draw_count")
# A position's counts as a checkpoint's meta names them: meta key -> Counts field.
_META_COUNTS = {"done": "words", "words_kept": "words_kept", "positive_pairs": "positive_pairs",
                "logistic_terms": "logistic_terms", "pool_scores": "pool_scores"}
EPOCH_SUMS = "epoch_sums"  # meta key: [loss, logistic terms] of the unfinished epoch
SECONDS_PER_MINUTE = 60.0


@dataclass
class Position:
    """Where training stands: epoch (0-based), ids consumed in it, and what was counted:
    over the whole run (``counts``; its words are the words done) and in the unfinished
    epoch (``epoch_counts``, whose loss per term is the epoch's loss)."""

    epoch: int = 0
    offset: int = 0
    counts: Counts = field(default_factory=Counts)
    epoch_loss: list = field(default_factory=list)
    epoch_counts: Counts = field(default_factory=Counts)
    syncs: int = 0  # model synchronisations done (distributed runs)

    @property
    def done(self):
        """Corpus words trained so far, over all epochs."""
        return self.counts.words

    def advance(self, counted, offset):
        """Add a batch's ``counted`` (a Counts); the epoch goes on at id ``offset``."""
        self.offset = offset
        self.counts = self.counts + counted
        self.epoch_counts = self.epoch_counts + counted

    def end_epoch(self):
        self.epoch_loss.append(self.epoch_counts.mean_loss)
        self.epoch += 1
        self.offset = 0
        self.epoch_counts = Counts()

    def to_meta(self):
        """The position as a checkpoint's meta holds it (plain JSON values)."""
        meta = dict(epoch=self.epoch, offset=self.offset, epoch_loss=list(self.epoch_loss),
                    syncs=self.syncs)
        meta.update({key: getattr(self.counts, name) for key, name in _META_COUNTS.items()})
        meta[EPOCH_SUMS] = [self.epoch_counts.loss, self.epoch_counts.logistic_terms]
        return meta

    @classmethod
    def from_meta(cls, meta):
        loss, terms = meta.get(EPOCH_SUMS, (0.0, 0))
        return cls(epoch=meta.get("epoch", 0), offset=meta.get("offset", 0),
                   counts=Counts(**{name: meta.get(key, 0) for key, name in _META_COUNTS.items()}),
                   epoch_loss=list(meta.get("epoch_loss", [])),
                   epoch_counts=Counts(loss=loss, logistic_terms=terms),
                   syncs=meta.get("syncs", 0))


@dataclass
class Checkpoint:
    path: str
    position: Position
    meta: dict  # options, sources, fingerprint, cache description
    model: Model
    rng: np.ndarray
    noise_stats: tuple  # adaptive noise statistics (score sums, draw counts); empty otherwise
    words: tuple
    counts: np.ndarray


class Saver:
    """Writes one run's checkpoints into ``directory``: the epoch loop's ``state`` (its
    model, noise statistics, RNG states, vocabulary and position) with ``meta`` (options,
    inputs, outputs, the id cache), every ``every_minutes`` (0: only when stopped).
    ``device`` first copies the model back: checkpoints hold host arrays. ``extra``: a
    callable giving what else the meta records at the time of writing (a time budget's
    state)."""

    def __init__(self, directory, every_minutes, meta, state, device, log, extra=None):
        self.directory, self.every_minutes, self.meta = directory, every_minutes, meta
        self.state, self.device, self.log, self.extra = state, device, log, extra

    def due(self, now, last_save):
        """Is a periodic checkpoint due at ``now`` (seconds, like ``last_save``)?"""
        return bool(self.every_minutes
                    and now - last_save >= self.every_minutes * SECONDS_PER_MINUTE)

    def save(self, meta=None, states=None):
        """Write the next checkpoint: the state's own, or with ``meta`` and ``states`` (a
        distributed run's first process writes every process's)."""
        self.device.copy_back()
        state = self.state
        noise, vocab = state.noise, state.vocab
        meta = self.meta if meta is None else meta
        if self.extra is not None:
            meta = dict(meta, **self.extra())
        path = save(self.directory, state.position, meta,
                    state.model, state.states if states is None else states,
                    (noise.score_sum, noise.draw_count), vocab.words, vocab.counts)
        self.log(f"checkpoint written: {path}")
        return path


def run_meta(run, cache):
    """What a fresh run's (a run.Run's) checkpoints record besides the state: outputs,
    options, inputs and the id cache ``cache``."""
    from .sequences import names_of

    meta = dict(outputs=run.recorded_outputs(), config=dataclasses.asdict(run.config),
                sources=names_of(run.sources), fingerprint=fingerprint(names_of(run.sources)),
                cache=dict(items=cache.items, words=cache.words, sentences=cache.sentences))
    if run.cluster:
        meta["ranks"] = run.cluster.size
    return meta


def fingerprint(sources):
    """Names, sizes and mtimes of the inputs (URLs and stdin by name only)."""
    items = []
    for source in sources:
        if source == STDIN or is_url(source) or not os.path.exists(source):
            items.append([source, None, None])
        else:
            st = os.stat(source)
            items.append([os.path.abspath(source), st.st_size, st.st_mtime_ns])
    return items


def _digest(arrays, meta_text):
    h = hashlib.sha256(meta_text.encode())
    for name in _ARRAYS:
        h.update(np.ascontiguousarray(arrays[name]).tobytes())
    return h.hexdigest()


def _number(path):
    match = _NUMBER.search(path)
    return int(match.group(1)) if match else -1


def list_checkpoints(directory):
    """Checkpoint files, newest first."""
    return sorted(glob.glob(os.path.join(directory, PATTERN)), key=_number, reverse=True)


def save(directory, position, meta, model, rng, noise_stats, words, counts):
    """Write the next checkpoint atomically, then drop all but the newest KEEP."""
    existing = list_checkpoints(directory)
    number = _number(existing[0]) + 1 if existing else 1
    path = os.path.join(directory, f"checkpoint-{number:06d}.npz")
    meta = dict(meta, position=position.to_meta())
    meta_text = json.dumps(meta, sort_keys=True)
    arrays = dict(syn0=model.syn0, syn1neg=model.syn1neg, syn1=model.syn1, rng=rng,
                  counts=np.asarray(counts, np.int64),
                  words=np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
                  score_sum=noise_stats[0], draw_count=noise_stats[1])
    digest = _digest(arrays, meta_text)
    with atomic_output(path, "wb") as handle:
        np.savez(handle, meta=np.frombuffer(meta_text.encode(), dtype=np.uint8),
                 sha256=np.frombuffer(digest.encode(), dtype=np.uint8), **arrays)
    for old in list_checkpoints(directory)[KEEP:]:
        os.unlink(old)
    return path


def _load(path):
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in _ARRAYS}
        meta_text = data["meta"].tobytes().decode()
        expected = data["sha256"].tobytes().decode()
    if _digest(arrays, meta_text) != expected:
        raise ValueError("checksum mismatch")
    meta = json.loads(meta_text)
    position = Position.from_meta(meta.pop("position"))
    words = tuple(arrays["words"].tobytes().decode("utf-8").split("\n"))
    model = Model(arrays["syn0"], arrays["syn1neg"], arrays["syn1"])
    stats = (arrays["score_sum"], arrays["draw_count"])
    return Checkpoint(path, position, meta, model, arrays["rng"],
                      stats if len(stats[0]) else None, words, arrays["counts"])


def recorded_meta(directory):
    """The meta (options, inputs, outputs) of the newest checkpoint in ``directory`` whose
    meta can be read, without reading or verifying its weights; {} if there is none.
    Every checkpoint of a run records the same inputs and outputs."""
    for path in list_checkpoints(directory):
        try:
            with np.load(path, allow_pickle=False) as data:
                return json.loads(data["meta"].tobytes().decode())
        except Exception:  # any damage: load_latest reports it
            continue
    return {}


def load_latest(directory, warn):
    """The newest checkpoint that verifies; corrupt ones are reported and skipped."""
    if not os.path.isdir(directory):
        raise InputError(f"checkpoint directory '{directory}' not found. Check the --resume path.")
    for path in list_checkpoints(directory):
        try:
            return _load(path)
        except Exception as exc:  # any damage: truncated zip, bad JSON, checksum
            warn(f"warning: checkpoint '{path}' is damaged ({type(exc).__name__}: {exc}); "
                 "trying the previous one")
    raise InputError(f"no usable checkpoint in '{directory}'. Start a new run without --resume.")


def recorded_outputs(directory):
    """The outputs the run checkpointed in ``directory`` was asked for (read from its
    newest checkpoint without loading the model); empty if there is none readable."""
    for path in list_checkpoints(directory) if os.path.isdir(directory) else []:
        try:
            with np.load(path) as data:
                return json.loads(data["meta"].tobytes().decode()).get("outputs", {})
        except Exception:  # a damaged checkpoint: load_latest reports it
            continue
    return {}


def rank_cache_name(rank):
    """The id cache of one process of a distributed run."""
    return f"ids-{rank}.bin"


def remove_cache(directory, name):
    """Remove one id cache (each process of a distributed run removes its own)."""
    try:
        os.unlink(os.path.join(directory, name))
    except FileNotFoundError:
        pass


def remove_all(directory):
    """Remove this run's checkpoints and id cache (after success)."""
    for path in list_checkpoints(directory) + [os.path.join(directory, CACHE_NAME)]:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
