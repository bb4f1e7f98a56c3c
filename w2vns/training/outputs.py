"""Where a run's results go: the vectors (-o), the context vectors, the vocabulary and the
model file, each checked writable before any work and written atomically once training
has ended; then the run's checkpoints are removed and the report lists the outputs."""

import dataclasses
import os

from . import checkpoint as ckpt
from . import loop, model_file, objectives, reading
from ..errors import UsageError
from ..io.atomic import check_writable
from .run import describe


def train_to_files(run):
    """Train (or resume, with ``run.resume_from``) and write the vectors, and optionally
    the context vectors, the vocabulary and the model file, atomically.

    With ``run.checkpoint_dir`` the id cache and checkpoints live there and are removed
    once the outputs are written. ``run.save_model``: also write the model file that
    ``init_from`` (a loaded model_file.SavedModel) continues. Under mpiexec
    (``run.cluster``) every process trains and only the first one writes the outputs,
    checkpoints and report. Returns the Trained.
    """
    cluster = run.cluster
    if run.save_fasttext and not run.config.uses_subwords:
        raise UsageError("--save-fasttext writes a subword model and the run has none. Add "
                         "--subwords (with --maxn above 0) or drop --save-fasttext.")
    if run.save_context and not objectives.has_output_rows(run.config):
        raise UsageError("--save-context writes the output vectors of negative sampling, and "
                         "--negative 0 has none. Drop --save-context or give --negative > 0.")
    writer = cluster is None or cluster.is_root
    if not writer:
        run = run.writing_nothing()
    formats = _check_outputs(run)
    if run.resume_from is not None:
        checkpoint_dir = os.path.dirname(run.resume_from.path)
        trained = loop.resume(run)
    else:
        checkpoint_dir = run.checkpoint_dir
        trained = loop.train(run)
    if not writer:
        if checkpoint_dir:
            ckpt.remove_cache(checkpoint_dir, reading.cache_name(cluster))
        return trained
    _write(run, trained, formats)
    if checkpoint_dir:
        ckpt.remove_all(checkpoint_dir)
        ckpt.remove_cache(checkpoint_dir, reading.cache_name(cluster))
    if run.report is not None:
        for path in (run.output, run.save_context, run.save_vocab, run.save_model,
                     run.save_fasttext):
            run.report.add_output(path)
    run.log(describe(trained.summary))
    return trained


def _check_outputs(run):
    """Every output can be written, before any work; returns whether the vectors and the
    context vectors are binary."""
    from ..io import w2vformat

    config = run.config
    binary = w2vformat.is_binary(run.output, config.format) if run.output else None
    context_binary = (w2vformat.is_binary(run.save_context, config.format)
                      if run.save_context else None)
    for path, option, is_binary in ((run.output, "-o", binary),
                                    (run.save_context, "--save-context", context_binary),
                                    (run.save_vocab, "--save-vocab", False),
                                    (run.save_model, "--save-model", True),
                                    (run.save_fasttext, "--save-fasttext", True)):
        if path:
            check_writable(path, option, is_binary)
    return binary, context_binary


def _write(run, trained, formats):
    from ..io import w2vformat

    binary, context_binary = formats
    words = trained.vocab.words
    w2vformat.write(run.output, words, trained.word_vectors, binary)
    if run.save_context:
        w2vformat.write(run.save_context, words, trained.context, context_binary)
    if run.save_model:
        model_file.save(run.save_model, words, trained.vocab.counts,
                        dataclasses.asdict(trained.config), model_file.arrays_of(trained))
    if run.save_fasttext:
        _write_fasttext(run.save_fasttext, trained)


def _write_fasttext(path, trained):
    """fastText's .bin: the input matrix whole (the words' rows, then the n-gram rows)."""
    from ..io import fasttext
    from .subwords import joined

    fasttext.write(path, trained.vocab.words, trained.vocab.counts, trained.config,
                   joined(trained.vectors, trained.buckets), fasttext.output_rows(trained))
