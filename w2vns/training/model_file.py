"""The model file: everything needed to continue training later, in one self-checking file.

``--save-model FILE`` writes an ``.npz`` (written to a temporary file and renamed)
holding a JSON header (format name, version, the options, the names of the arrays),
the vocabulary (words and counts), every weight array by name (``syn0`` always,
``syn1neg`` with negative sampling, ``syn1`` and the Huffman tree ``tree_offsets``,
``tree_codes``, ``tree_points`` with hierarchical softmax) and a sha256 over all of it.
``--init-from FILE`` continues from it: ``merged_counts`` unites the saved vocabulary
with a new corpus's counts, ``carry_over`` puts the saved rows of known words in place.
"""

import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np

from . import objectives
from ..io.atomic import atomic_output
from ..errors import FormatError, InputError, UsageError

FORMAT = "w2vns-model"
VERSION = 1
REQUIRED_ARRAYS = ("syn0",)
BUCKETS = "buckets"  # the hashed n-gram rows of a subword model (--subwords)
TREE_PREFIX = "tree_"
HEADER_KEY, DIGEST_KEY, WORDS_KEY, COUNTS_KEY = "header", "sha256", "words", "counts"
WORD_SEPARATOR = "\n"  # words never hold whitespace
# Options a continued run must share with the saved model (taken from it when not given).
INHERITED = ("dim", "model", "hs", "negative", "subwords", "minn", "maxn", "bucket")


@dataclass
class SavedModel:
    path: str
    words: tuple
    counts: np.ndarray
    arrays: dict  # name -> array: syn0, syn1neg, and any optional ones
    config: dict

    @property
    def dim(self):
        return int(self.arrays["syn0"].shape[1])


def _digest(header_text, words, counts, arrays):
    h = hashlib.sha256(header_text.encode())
    for name, array in [(WORDS_KEY, words), (COUNTS_KEY, counts)] + sorted(arrays.items()):
        array = np.ascontiguousarray(array)
        h.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        h.update(array.tobytes())
    return h.hexdigest()


def save(path, words, counts, config, arrays):
    """Write the model atomically; ``arrays`` maps names to arrays (None: left out)."""
    arrays = {name: np.asarray(a) for name, a in arrays.items() if a is not None}
    missing = [name for name in REQUIRED_ARRAYS if name not in arrays]
    if missing:
        raise ValueError(f"a model file needs {', '.join(missing)}")
    header = dict(format=FORMAT, version=VERSION, config=config, arrays=sorted(arrays),
                  vocab_size=len(words))
    header_text = json.dumps(header, sort_keys=True)
    word_bytes = np.frombuffer(WORD_SEPARATOR.join(words).encode("utf-8"), dtype=np.uint8)
    counts = np.asarray(counts, dtype=np.int64)
    digest = _digest(header_text, word_bytes, counts, arrays)
    with atomic_output(path, "wb") as handle:
        np.savez(handle, **{HEADER_KEY: np.frombuffer(header_text.encode(), dtype=np.uint8),
                            DIGEST_KEY: np.frombuffer(digest.encode(), dtype=np.uint8),
                            WORDS_KEY: word_bytes, COUNTS_KEY: counts}, **arrays)


def _foreign(path, why):
    return FormatError(f"'{path}' is not a w2vns model file ({why}). Pass a file written by "
                       "'w2vns train --save-model'.")


def load(path):
    """Read and verify a model file; one FormatError for anything foreign or damaged."""
    try:
        data = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InputError(f"model file '{path}' not found. Check the --init-from path.") from None
    except IsADirectoryError:
        raise InputError(f"model file '{path}' is a directory. Pass the file written by "
                         "--save-model.") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        raise _foreign(path, "not an .npz archive") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise _foreign(path, "a single array")
    with data:
        header_text, header = _header(path, data)
        try:
            arrays = {name: data[name] for name in header["arrays"]}
            word_bytes, counts = data[WORDS_KEY], data[COUNTS_KEY]
            expected = data[DIGEST_KEY].tobytes().decode()
        except (OSError, ValueError, KeyError, EOFError, TypeError, zipfile.BadZipFile,
                zlib.error):
            raise _damaged(path) from None
    if _digest(header_text, word_bytes, counts, arrays) != expected:
        raise _damaged(path)
    words = tuple(word_bytes.tobytes().decode("utf-8").split(WORD_SEPARATOR))
    return SavedModel(path, words, counts, arrays, header["config"])


def _header(path, data):
    try:
        header_text = data[HEADER_KEY].tobytes().decode()
        header = json.loads(header_text)
        known = header.get("format") == FORMAT
    except (OSError, ValueError, KeyError, EOFError, AttributeError, zipfile.BadZipFile,
            zlib.error):
        known = False
    if not known:
        raise _foreign(path, "no w2vns model header")
    if header.get("version") != VERSION:
        raise FormatError(f"'{path}' is a model file of version {header.get('version')}; "
                          f"this w2vns reads version {VERSION}.")
    return header_text, header


def _damaged(path):
    return FormatError(f"'{path}' is damaged: its contents do not match its checksum. Use an "
                       "intact copy, or train from scratch without --init-from.")


def inherit(options, saved, given):
    """``options`` with the INHERITED ones not ``given`` (on the command line or in a
    config file) taken from the saved model."""
    out = dict(options)
    for name in INHERITED:
        if name in saved.config and name not in given:
            out[name] = saved.config[name]
    return out


def _objective(config):
    parts = []
    if config.get("hs"):
        parts.append("hierarchical softmax")
    if config.get("negative", 0) > 0:
        parts.append("negative sampling")
    return " and ".join(parts)


def check_compatible(saved, config):
    """A usage error when the run cannot continue the saved model."""
    stored = dict(saved.config)
    wanted = {name: getattr(config, name) for name in ("dim", "model", "hs", "negative")
              if hasattr(config, name)}
    if wanted["dim"] != saved.dim:
        raise UsageError(f"--dim is {wanted['dim']} but the model '{saved.path}' has "
                         f"{saved.dim} dimensions. Drop --dim to continue it.")
    if wanted["model"] != stored.get("model"):
        raise UsageError(f"--model is {wanted['model']} but the model '{saved.path}' was "
                         f"trained with {stored.get('model')}. Drop --model to continue it.")
    if _objective(wanted) != _objective(stored):
        raise UsageError(f"the objective is {_objective(wanted)} but the model '{saved.path}' "
                         f"was trained with {_objective(stored)}. Use the same --hs and "
                         "--negative 0 or not.")


def merged_counts(saved, words, counts):
    """The saved words with their counts plus the new ones, in order: (words, counts).

    Saved words come first in their saved order (so count ties keep it), then the
    words seen only in the new corpus, in first-seen order.
    """
    merged = dict(zip(saved.words, saved.counts.tolist()))
    for word, count in zip(words, np.asarray(counts).tolist()):
        merged[word] = merged.get(word, 0) + count
    return list(merged), np.fromiter(merged.values(), dtype=np.int64, count=len(merged))


def arrays_of(trained):
    """The named arrays of a trained model (loop.Trained) that a model file keeps."""
    arrays = dict(syn0=trained.vectors)
    if trained.buckets is not None:
        arrays[BUCKETS] = trained.buckets
    if objectives.has_output_rows(trained.config):
        arrays["syn1neg"] = trained.context
    if trained.tree is not None:
        arrays["syn1"] = trained.syn1
        arrays.update({TREE_PREFIX + name: getattr(trained.tree, name)
                       for name in trained.tree._fields})
    return arrays


def carry_over(saved, vocab, config, model, log):
    """Put the saved rows of the words known to ``saved`` into ``model`` (a
    kernels.bundles.Model of the merged vocabulary); return how many words were known.

    Input vectors and negative-sampling output vectors are per word. The inner-node
    vectors of hierarchical softmax belong to the Huffman tree: they are kept when the
    merged counts give the same tree, else they start again from zero (with a warning).
    """
    old = {w: i for i, w in enumerate(saved.words)}
    pairs = [(i, old[w]) for i, w in enumerate(vocab.words) if w in old]
    if pairs:
        new_rows, old_rows = (np.array(side, dtype=np.int64) for side in zip(*pairs))
        model.syn0[new_rows] = saved.arrays["syn0"][old_rows]
        if objectives.has_output_rows(config) and "syn1neg" in saved.arrays:
            model.syn1neg[new_rows] = saved.arrays["syn1neg"][old_rows]
    _carry_buckets(saved, len(vocab), config, model, log)
    if config.hs and "syn1" in saved.arrays:
        if _same_tree(saved, objectives.tree_for(vocab.counts, config)):
            model.syn1[:] = saved.arrays["syn1"]
        else:
            log("warning: the merged counts give another Huffman tree: the hierarchical-"
                "softmax node vectors start again from zero (word vectors are kept)")
    return len(pairs)


def _carry_buckets(saved, vocab_size, config, model, log):
    """The saved n-gram rows, when the run has the same n-grams (else they start afresh)."""
    if not config.uses_subwords or BUCKETS not in saved.arrays:
        return
    stored = saved.config
    same = all(stored.get(name) == getattr(config, name) for name in ("minn", "maxn", "bucket"))
    if same and saved.arrays[BUCKETS].shape == model.syn0[vocab_size:].shape:
        model.syn0[vocab_size:] = saved.arrays[BUCKETS]
    else:
        log("warning: --minn, --maxn or --bucket differ from the saved model's: the n-gram "
            "vectors start afresh (word vectors are kept)")


def _same_tree(saved, tree):
    stored = [saved.arrays.get(TREE_PREFIX + name) for name in tree._fields]
    return all(a is not None and np.array_equal(a, b) for a, b in zip(stored, tree))
