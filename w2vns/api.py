"""The Python API, ``w2vns.load``, ``w2vns.train`` and ``w2vns.evaluate``: the same code as
the command line.

Nothing heavy is imported until a function is called, so ``import w2vns`` stays fast.
"""

import dataclasses
import os
import time

# --init-from's file is read whole first and --save-model's replaced atomically at the end.
MODEL_CONTINUED_IN_PLACE = frozenset({("init_from=", "save_model=")})


def load(path, *, limit=None, unicode_errors="replace", normalize=False, no_header=False):
    """Vectors from a word2vec text or binary file (plain or compressed), GloVe text (no
    header line), a .npy file or a fastText .bin model (whose unknown words get vectors
    from their character n-grams: ``Embeddings.vector``, ``get_vector`` and the queries).

    Returns a ``w2vns.vectors.Embeddings``. ``limit`` reads only the first N vectors;
    ``normalize`` scales them to unit length in place (no second copy for queries);
    ``no_header``: a text file whose first line is a vector, even one of numbers only
    (GloVe; gensim's ``no_header=True``).
    """
    from .vectors.embeddings import load as load_vectors

    return load_vectors(path, limit=limit, unicode_errors=unicode_errors, normalize=normalize,
                        no_header=no_header)


def train(corpus, output=None, *, config_path=None, save_context=None, save_vocab=None,
          read_vocab=None, quiet=False, log=None, save_model=None, init_from=None,
          callbacks=(), **options):
    """Train on ``corpus``; options as the CLI's long options with underscores
    (``dim=100, model="cbow"``, ...).

    ``corpus`` is a path, URL or '-', or a list of them (strs naming existing files), or
    Python data read once (a list, a generator, an open text file) of token lists
    (``["the", "king"]``), of strings (``"the king"``, split as a line of a file is), or
    of NumPy arrays of integer ids (item sessions, walks: each id's word is its decimal
    number). ``w2vns.Sentences(items)`` and ``w2vns.IdSequences(blocks, names)`` say
    which explicitly (see ``w2vns.training.sequences``). Python data trains exactly as a
    file of one sentence per line would.

    Lines go to the ``logging`` logger ``w2vns`` (progress every few seconds and the
    summary at INFO, warnings at WARNING); ``quiet`` drops all but the warnings; ``log``,
    a callable taking one line, receives every line instead. ``callbacks``: objects with
    ``on_batch`` and/or ``on_epoch_end`` methods, called with a ``training.run.Status``
    (epoch, epochs, words, seconds, the epoch's mean loss, alpha) after each batch and at
    the end of each epoch; the Summary's ``epoch_loss`` lists every epoch's loss.

    With ``output`` the vectors are also written there, atomically, exactly as
    ``w2vns train -o output`` does ('-': stdout). ``save_model`` (with an output) also
    writes the model file that ``init_from`` continues (``--save-model``, ``--init-from``).
    An output that is an input or another output is refused before anything is read.
    ``time_budget`` (seconds, or "45m", "2h", "1h30m" as ``--time-budget`` takes them)
    trains to a deadline counted from this call, as ``w2vns train --time-budget`` does;
    ``epochs`` is then a maximum.

    Returns the trained ``Embeddings``.
    """
    started = time.perf_counter()
    from .training import loop, outputs
    from .training.run import Run, check_callbacks
    from .training.runner import configure
    from .training.sequences import corpus_of, in_memory
    from .errors import OptionError, UsageError
    from .io.outputs import PathPlan, check_paths
    from .logs import python_log
    from .training.subwords import subword_model
    from .vectors.embeddings import Embeddings

    sources = corpus_of(corpus)
    paths = [] if in_memory(sources) else sources
    check_paths(PathPlan(
        inputs=[("corpus=", s) for s in paths] + [("config_path=", config_path),
                                                    ("read_vocab=", read_vocab),
                                                    ("init_from=", init_from)],
        outputs=[("output=", output), ("save_context=", save_context),
                 ("save_vocab=", save_vocab), ("save_model=", save_model)],
        stdout_refused=("save_model=",), may_replace=MODEL_CONTINUED_IN_PLACE))
    try:
        cfg, saved = configure(config_path, options, init_from, read_vocab)
    except OptionError as exc:
        raise exc.for_keywords() from None
    line = log if log is not None else python_log(quiet)
    run = Run(sources, cfg, read_vocab=read_vocab, save_vocab=save_vocab, quiet=True,
              bar=False, log_file=None if quiet else line, init_from=saved, log=line,
              callbacks=check_callbacks(callbacks), started=started)
    if output is not None:
        trained = outputs.train_to_files(dataclasses.replace(
            run, output=os.fspath(output), save_context=save_context, save_model=save_model))
    elif save_context is not None or save_model is not None:
        raise UsageError("save_context and save_model need an output path for the vectors "
                         "too.")
    else:
        trained = loop.train(run)
    return Embeddings(trained.vocab.words, trained.word_vectors, counts=trained.vocab.counts,
                      subwords=subword_model(trained))


def evaluate(vectors, *, analogies=(), similarity=(), suite_dir=None, restrict=None,
             method="add", oov="skip"):
    """Score ``vectors`` (an ``Embeddings``, or the path of a vectors file) on a suite of
    evaluation sets, as ``w2vns evaluate`` does.

    ``analogies`` and ``similarity``: a path or a list of paths; with neither, the sets
    shipped with w2vns. ``suite_dir``: a directory whose every *.txt word-similarity set is
    scored too (one named as a shipped set replaces it). ``restrict``: analogies search
    only the first N words (default 30,000; 0: every word); ``method``: "add" (3CosAdd) or
    "mul" (3CosMul). Returns a ``w2vns.vectors.evaluate.SuiteResult``: ``rows`` (one per set
    and kind: name, kind, score, used, size, oov_ratio), ``analogies`` and
    ``similarities`` (every number), ``as_dict()``. ``oov``: "skip" word pairs with an
    unknown word, or with a subword model (a fastText .bin) score them with the word's
    vector built from its n-grams ("ngrams").
    """
    from .errors import UsageError
    from .vectors import evaluate as evaluation
    from .vectors.embeddings import Embeddings

    analogy_files, similarity_files = evaluation.suite_files(
        _paths(analogies), _paths(similarity),
        None if suite_dir is None else os.fspath(suite_dir), label="suite_dir=")
    for path in (*analogy_files, *similarity_files):
        evaluation.check_file(path)
    kv = vectors if isinstance(vectors, Embeddings) else load(vectors, normalize=True)
    restrict = evaluation.DEFAULT_RESTRICT if restrict is None else restrict
    if oov not in evaluation.OOV_CHOICES:
        raise UsageError(f"oov must be one of {', '.join(evaluation.OOV_CHOICES)}, got "
                         f"'{oov}'.")
    return evaluation.evaluate_suite(kv, analogy_files, similarity_files, restrict, method,
                                     oov)


def _paths(value):
    """A path or a list of paths, as a list of strings."""
    if isinstance(value, (str, os.PathLike)):
        return [os.fspath(value)]
    return [os.fspath(path) for path in value]
