"""The two TSV files that the TensorBoard Embedding Projector loads.

``vectors.tsv``: one row per word, the values separated by tabs, no header;
``vectors_metadata.tsv`` beside it: the words, one per line, in the same order
(a single column, so no header). Both are written atomically.
"""

import os

import numpy as np

from .atomic import COMPRESSED_SUFFIXES, atomic_output

TSV_SUFFIX = ".tsv"
METADATA_TAG = "_metadata"
TEXT_FLOAT = "%.9g"  # as the word2vec text format: float32 values survive a round trip
_WRITE_ROWS = 4096


def metadata_path(tsv_path):
    """``out.tsv`` -> ``out_metadata.tsv`` (``out.tsv.gz`` -> ``out_metadata.tsv.gz``)."""
    root, compression = os.path.splitext(tsv_path)
    if compression.lower() not in COMPRESSED_SUFFIXES:
        root, compression = tsv_path, ""
    base, suffix = os.path.splitext(root)
    return f"{base}{METADATA_TAG}{suffix}{compression}"


def write(path, words, vectors):
    """The vectors TSV at ``path`` and the metadata TSV beside it."""
    vectors = np.asarray(vectors, dtype=np.float32)
    with atomic_output(metadata_path(path), "wb") as handle:
        for start in range(0, len(words), _WRITE_ROWS):
            handle.write("".join(f"{w}\n" for w in words[start:start + _WRITE_ROWS]).encode())
    line = "\t".join([TEXT_FLOAT] * vectors.shape[1]) + "\n"
    with atomic_output(path, "wb") as handle:
        for start in range(0, len(vectors), _WRITE_ROWS):
            block = vectors[start:start + _WRITE_ROWS].tolist()
            handle.write("".join(line % tuple(row) for row in block).encode())
