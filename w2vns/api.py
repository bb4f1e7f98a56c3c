"""The Python API, ``w2vns.load``, ``w2vns.train`` and ``w2vns.evaluate``: the same code as
the command line.

Nothing heavy is imported until a function is called, so ``import w2vns`` stays fast.
"""

import dataclasses
import os

# --init-from's file is read whole first and --save-model's replaced atomically at the end.
MODEL_CONTINUED_IN_PLACE = frozenset({("init_from=", "save_model=")})


def load(path, *, limit=None, unicode_errors="replace", normalize=False):
    """Vectors from a word2vec text or binary file (plain or compressed), GloVe text (no
    header line) or a .npy file.

    Returns a ``w2vns.vectors.Embeddings``. ``limit`` reads only the first N vectors;
    ``normalize`` scales them to unit length in place (no second copy for queries).
    """
    from .vectors.embeddings import load as load_vectors

    return load_vectors(path, limit=limit, unicode_errors=unicode_errors, normalize=normalize)


def train(corpus, output=None, *, config_path=None, save_context=None, save_vocab=None,
          read_vocab=None, quiet=False, log=None, save_model=None, init_from=None, **options):
    """Train on ``corpus`` (a path, URL or '-', or a list of them); options as the CLI's
    long options with underscores (``dim=100, model="cbow"``, ...).

    ``quiet``: nothing on stderr but warnings (as the command line's ``-q``); ``log``, a
    callable taking one line, receives every line instead.

    With ``output`` the vectors are also written there, atomically, exactly as
    ``w2vns train -o output`` does ('-': stdout). ``save_model`` (with an output) also
    writes the model file that ``init_from`` continues (``--save-model``, ``--init-from``).
    An output that is an input or another output is refused before anything is read.
    Returns the trained ``Embeddings``.
    """
    from .training import loop, outputs
    from .training.run import Run
    from .training.runner import configure
    from .errors import OptionError, UsageError
    from .io.outputs import PathPlan, check_paths
    from .logs import stderr_log
    from .vectors.embeddings import Embeddings

    sources = [os.fspath(corpus)] if isinstance(corpus, (str, os.PathLike)) else [
        os.fspath(source) for source in corpus]
    check_paths(PathPlan(
        inputs=[("corpus=", s) for s in sources] + [("config_path=", config_path),
                                                    ("read_vocab=", read_vocab),
                                                    ("init_from=", init_from)],
        outputs=[("output=", output), ("save_context=", save_context),
                 ("save_vocab=", save_vocab), ("save_model=", save_model)],
        stdout_refused=("save_model=",), may_replace=MODEL_CONTINUED_IN_PLACE))
    try:
        cfg, saved = configure(config_path, options, init_from, read_vocab)
    except OptionError as exc:
        raise exc.for_keywords() from None
    run = Run(sources, cfg, read_vocab=read_vocab, save_vocab=save_vocab, quiet=quiet,
              init_from=saved, log=log if log is not None else stderr_log(quiet))
    if output is not None:
        trained = outputs.train_to_files(dataclasses.replace(
            run, output=os.fspath(output), save_context=save_context, save_model=save_model))
    elif save_context is not None or save_model is not None:
        raise UsageError("save_context and save_model need an output path for the vectors "
                         "too.")
    else:
        trained = loop.train(run)
    return Embeddings(trained.vocab.words, trained.vectors)


def evaluate(vectors, *, analogies=(), similarity=(), suite_dir=None, restrict=None,
             method="add"):
    """Score ``vectors`` (an ``Embeddings``, or the path of a vectors file) on a suite of
    evaluation sets, as ``w2vns evaluate`` does.

    ``analogies`` and ``similarity``: a path or a list of paths; with neither, the sets
    shipped with w2vns. ``suite_dir``: a directory whose every *.txt word-similarity set is
    scored too (one named as a shipped set replaces it). ``restrict``: analogies search
    only the first N words (default 30,000; 0: every word); ``method``: "add" (3CosAdd) or
    "mul" (3CosMul). Returns a ``w2vns.vectors.evaluate.SuiteResult``: ``rows`` (one per set
    and kind: name, kind, score, used, size, oov_ratio), ``analogies`` and
    ``similarities`` (every number), ``as_dict()``.
    """
    from .vectors import evaluate as evaluation
    from .vectors.embeddings import Embeddings

    analogy_files, similarity_files = evaluation.suite_files(
        _paths(analogies), _paths(similarity),
        None if suite_dir is None else os.fspath(suite_dir), label="suite_dir=")
    for path in (*analogy_files, *similarity_files):
        evaluation.check_file(path)
    kv = vectors if isinstance(vectors, Embeddings) else load(vectors, normalize=True)
    restrict = evaluation.DEFAULT_RESTRICT if restrict is None else restrict
    return evaluation.evaluate_suite(kv, analogy_files, similarity_files, restrict, method)


def _paths(value):
    """A path or a list of paths, as a list of strings."""
    if isinstance(value, (str, os.PathLike)):
        return [os.fspath(value)]
    return [os.fspath(path) for path in value]
