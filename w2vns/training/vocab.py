"""Vocabulary: counts, ordering, the remapping of a scan's provisional ids, subsampling
and the noise distribution."""

import os
from dataclasses import dataclass

import numpy as np

from ..errors import CorpusError, InputError, VocabularyError
from ..io import idcache
from ..io.corpus import EOS_TEMP_ID
from ..kernels.alias import ALIAS_SCALE, U32_MAX as _U32_MAX, build_alias
from . import distributed, model_file


@dataclass(frozen=True)
class Vocab:
    """Words sorted by count descending (ties: first seen first) and their counts."""

    words: tuple
    counts: np.ndarray

    def __len__(self):
        return len(self.words)

    @property
    def total(self):
        return int(self.counts.sum())

    def index(self):
        return {w: i for i, w in enumerate(self.words)}


def select(words, counts, order_key, min_count, max_vocab):
    """Keep words with count >= min_count, most frequent first, at most max_vocab.

    ``order_key`` breaks count ties (smaller first). Returns (Vocab, kept positions).
    Raises VocabularyError naming a --min-count that would keep words.
    """
    counts = np.asarray(counts, dtype=np.int64)
    if len(counts) == 0:
        raise VocabularyError("the corpus contains no words. Check that the input is a text file.")
    order = np.lexsort((np.asarray(order_key), -counts))
    order = order[counts[order] >= min_count]
    if max_vocab is not None:
        order = order[:max_vocab]
    if len(order) == 0:
        best = int(counts.max())
        raise VocabularyError(
            f"empty vocabulary: no word occurs at least {min_count} times "
            f"(the most frequent occurs {best} times). Try --min-count {best}.")
    return Vocab(tuple(words[i] for i in order), counts[order].copy()), order


def from_scan(scan, config, given_vocab, log, init_from=None, cluster=None):
    """The run's vocabulary and the table mapping the scan's provisional ids to its ids.

    The words are the scan's, or ``given_vocab`` (--read-vocab's words and counts), or
    merged with a saved model's (``init_from``) or with the other processes' (``cluster``).
    """
    words, provisional, counts, aliases = scan.word_counts()
    table = idcache.remap_table(len(scan.counts), EOS_TEMP_ID)
    if given_vocab is not None or init_from is not None or cluster is not None:
        seen_words, seen_counts = words, counts
        if cluster is not None and given_vocab is None:
            seen_words, seen_counts = distributed.merge_counts(cluster, words, counts)
            if not seen_words:
                raise CorpusError("the corpus contains no words. Check that the inputs are "
                                  "non-empty text files.")
        file_words, file_counts = (given_vocab if given_vocab is not None else
                                   model_file.merged_counts(init_from, seen_words, seen_counts)
                                   if init_from is not None else (seen_words, seen_counts))
        vocab, kept = select(file_words, file_counts, np.arange(len(file_words)),
                             config.min_count, config.max_vocab)
        position = {w: i for i, w in enumerate(vocab.words)}
        for word, pid in zip(words, provisional.tolist()):
            final = position.get(word)
            if final is not None:
                table[pid] = final
    else:
        vocab, kept = select(words, counts, provisional, config.min_count, config.max_vocab)
        table[provisional[kept]] = np.arange(len(kept), dtype=np.int32)
    for pid, canonical in aliases:  # different bytes, same word once decoded
        table[pid] = table[canonical]
    log(f"vocabulary: {len(vocab):,} words with count >= {config.min_count}"
        + (f" (capped at {config.max_vocab:,})" if config.max_vocab else "")
        + f", {vocab.total:,} tokens")
    return vocab, table


def keep_probabilities(counts, sample):
    """Per-word probability of keeping a token: sqrt(t/f) + t/f, capped at 1 (t = sample)."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones(len(counts), dtype=np.float32)
    ratio = sample / (counts / counts.sum())
    return np.minimum(np.sqrt(ratio) + ratio, 1.0).astype(np.float32)


def noise_weights(counts, exponent):
    """Unnormalised noise distribution count**exponent (0: uniform; negative allowed)."""
    return np.power(np.asarray(counts, dtype=np.float64), exponent)


def alias_table(weights):
    """Walker/Vose alias table for sampling index i with probability weights[i]/sum.

    Returns (prob, alias): draw column k uniformly, keep k if a uniform 32-bit integer
    is below prob[k], else take alias[k]. O(V) memory, O(1) per draw.
    """
    return build_alias(np.asarray(weights, dtype=np.float64))


def alias_probabilities(prob, alias):
    """The exact distribution an alias table samples from (for checks)."""
    n = len(prob)
    keep = prob.astype(np.float64) / ALIAS_SCALE
    keep[prob == _U32_MAX] = 1.0
    dist = keep / n
    np.add.at(dist, alias, (1.0 - keep) / n)
    return dist


def save_vocab(vocab, path):
    """Write 'word count' lines, the reference tool's vocabulary format, atomically."""
    from ..io.atomic import atomic_output

    with atomic_output(path, "w") as handle:
        for word, count in zip(vocab.words, vocab.counts.tolist()):
            handle.write(f"{word} {count}\n")


def read_vocab(path):
    """Read 'word count' lines. Returns (words, counts) in file order."""
    if not os.path.isfile(path):
        raise InputError(f"vocabulary file '{path}' not found. Check the --read-vocab path.")
    words, counts, seen = [], [], set()
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].isdigit():
                raise InputError(f"vocabulary file '{path}' line {number}: expected 'word count'. "
                                 "Use a file written by --save-vocab.")
            if parts[0] in seen:
                continue
            seen.add(parts[0])
            words.append(parts[0])
            counts.append(int(parts[1]))
    if not words:
        raise InputError(f"vocabulary file '{path}' is empty. Use a file written by --save-vocab.")
    return words, np.asarray(counts, dtype=np.int64)
