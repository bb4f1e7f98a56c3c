"""The commands that use a vectors file: similar, analogy, evaluate, convert.

Click only, a thin layer over ``w2vns.vectors``, ``w2vns.query`` and
``w2vns.evaluate``; heavy modules are imported inside the commands. ``cli.py``
registers them on the ``w2vns`` group.
"""

import sys

import click

from .options import W2vnsCommand, quiet_option

EXIT_CODES_HELP = ("Exit codes: 0 success, 1 runtime failure (unknown word, malformed or "
                   "truncated file, disk), 2 usage error (bad option, missing file, bad or "
                   "colliding output path), 130 interrupted.")
UNICODE_ERRORS = ("strict", "replace", "ignore")
DEFAULT_RESTRICT = 30000  # as w2vns.evaluate.DEFAULT_RESTRICT (not imported: numpy)
DEFAULT_SPLITS = 5
DEFAULT_TRAIN_FRACTION = 0.5


def vectors_options(func):
    """Options about reading the vectors file, shared by every command here."""
    options = [
        click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N",
                     help="Read only the first N vectors (the most frequent words)."),
        click.option("--unicode-errors", type=click.Choice(UNICODE_ERRORS), default="replace",
                     show_default=True,
                     help="Words that are not valid UTF-8: fail, replace the bad bytes by "
                          "U+FFFD, or drop them."),
        click.option("--no-header", is_flag=True,
                     help="The vectors file is text with no 'count dim' first line (GloVe): "
                          "read line 1 as a vector. Such files are also recognised without "
                          "it, unless line 1 holds only whole numbers."),
    ]
    for option in reversed(options):
        func = option(func)
    return quiet_option(func)


def query_output_options(func):
    """--json and --ignore-missing, shared by the query commands."""
    func = click.option("--ignore-missing", is_flag=True,
                        help="Unknown words are still reported, but exit 0.")(func)
    return click.option("--json", "as_json", is_flag=True,
                        help="One JSON object per query per line.")(func)


def _log(message):
    click.echo(message, err=True)


def _info(message, quiet):
    """A line of information: on stderr unless --quiet (warnings and errors always are)."""
    if not quiet:
        _log(message)


def _load(path, limit, unicode_errors, no_header, normalize=True):
    """Embeddings for queries: rows normalised in place, repairs reported on stderr."""
    from ..vectors.embeddings import load

    return load(path, limit=limit, unicode_errors=unicode_errors, normalize=normalize, log=_log,
                no_header=no_header)


def _query_batches(arguments, make):
    """Queries from the arguments, or else from stdin lines (several per batch when piped)."""
    from ..vectors import query

    if arguments:
        return query.from_arguments(arguments, make)
    lines = (raw.decode("utf-8", "replace") for raw in sys.stdin.buffer)
    interactive = sys.stdin is not None and sys.stdin.isatty()
    size = query.INTERACTIVE_BATCH if interactive else query.PIPE_BATCH
    return query.from_lines(lines, make, size)


def _check_words(ctx, words, name, remedy):
    """An empty or blank argument is a usage error: it would look up nothing."""
    for number, text in enumerate(words, start=1):
        if not text.strip():
            state = "empty" if not text else "blank (only whitespace)"
            raise click.UsageError(f"{name} {number} is {state}. {remedy}", ctx)


def _printer(as_json, score_key, score_name):
    """JSON lines, an aligned table on a terminal, else TSV."""
    from . import display

    if as_json:
        return lambda q: [display.json_line(q, score_key)]
    if sys.stdout.isatty():
        return lambda q: display.table_lines(q, score_name) + [""] if q.results else []
    return display.tsv_lines


def _answer_all(batches, answer, emit, as_json, ignore_missing):
    """Answer and print every batch; True if a query failed in a way that sets the exit code."""
    failed = False
    for batch in batches:
        for query in answer(batch):
            for note in query.notes():
                _log(note)
            if query.failed:
                _log(query.message())
                failed = failed or bool(query.problem) or not ignore_missing
                if not as_json:
                    continue
            for line in emit(query):
                click.echo(line)
    return failed


@click.command(cls=W2vnsCommand, epilog=EXIT_CODES_HELP)
@click.argument("vectors", type=click.Path(dir_okay=False))
@click.argument("words", nargs=-1, metavar="[WORD]...")
@click.option("-n", "--topn", type=click.IntRange(min=1), default=10, show_default=True,
              help="Neighbours per query.")
@query_output_options
@vectors_options
@click.pass_context
def similar(ctx, vectors, words, topn, as_json, ignore_missing, limit, unicode_errors,
            no_header, quiet):
    """Nearest neighbours of each WORD by cosine similarity, the query words excluded.

    With no WORD, queries are read from stdin, one per line; blank lines are skipped.
    An empty or blank WORD argument is a usage error. A query of several words
    ("king queen", or a line with several words) asks for the neighbours of their mean.
    Output: an aligned table on a terminal, TSV (query, neighbour, similarity) when
    piped, or JSON lines with --json. An unknown word is reported on stderr, the other
    queries are still answered, and the exit code is 1 (0 with --ignore-missing). A
    word with a zero vector has similarity 0 with every word; a query whose vector is
    zero has no neighbours: it is reported like a malformed query (exit code 1).

    \b
    Examples:
      w2vns similar vectors.bin king queen -n 5
      w2vns similar vectors.bin "king queen"
      cut -f1 words.tsv | w2vns similar vectors.bin --json
    """
    from ..vectors import query

    _check_words(ctx, words, "query", "Give the words to look up, or none at all to read "
                 "queries from stdin.")
    kv = _load(vectors, limit, unicode_errors, no_header)
    emit = _printer(as_json, "similarity", "similarity")
    batches = _query_batches(words, query.similar_query)
    if _answer_all(batches, lambda b: query.answer_similar(kv, b, topn), emit, as_json,
                   ignore_missing):
        ctx.exit(1)


@click.command(cls=W2vnsCommand, epilog=EXIT_CODES_HELP)
@click.argument("vectors", type=click.Path(dir_okay=False))
@click.argument("words", nargs=-1, metavar="[A B C]")
@click.option("-n", "--topn", type=click.IntRange(min=1), default=5, show_default=True,
              help="Answers per question.")
@click.option("--method", type=click.Choice(["add", "mul"]), default="add", show_default=True,
              help="3CosAdd (nearest to B - A + C) or 3CosMul (Levy & Goldberg).")
@query_output_options
@vectors_options
@click.pass_context
def analogy(ctx, vectors, words, topn, method, as_json, ignore_missing, limit, unicode_errors,
            no_header, quiet):
    """A is to B as C is to ?  The three question words are never answers.

    3CosAdd (default) ranks words x by cos(x, B - A + C); 3CosMul by
    cos'(x,B) cos'(x,C) / (cos'(x,A) + 1e-6) with cos' = (cos + 1) / 2.
    With no A B C, questions are read from stdin, one 'A B C' per line; blank lines
    are skipped. An empty or blank argument is a usage error. Output, unknown words and
    zero query vectors (3CosAdd: B - A + C = 0) as for 'w2vns similar'.

    \b
    Examples:
      w2vns analogy vectors.bin man king woman
      w2vns analogy vectors.bin france paris japan --method mul -n 3
      printf 'man king woman\\nparis france tokyo\\n' | w2vns analogy vectors.bin --json
    """
    from ..vectors import query

    if len(words) not in (0, query.ANALOGY_WORDS):
        raise click.UsageError("give three words A B C, or none to read 'A B C' lines "
                               "from stdin.", ctx)
    _check_words(ctx, words, "word", "Give three words A B C, or none to read 'A B C' lines "
                 "from stdin.")
    kv = _load(vectors, limit, unicode_errors, no_header)
    emit = _printer(as_json, "score", "score")
    batches = _query_batches([" ".join(words)] if words else [], query.analogy_query)
    if _answer_all(batches, lambda b: query.answer_analogy(kv, b, topn, method), emit,
                   as_json, ignore_missing):
        ctx.exit(1)


class FractionList(click.ParamType):
    """One or more fractions, comma-separated (the option may also be repeated)."""

    name = "fractions"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            return tuple(float(part) for part in str(value).split(","))
        except ValueError:
            self.fail(f"{value!r} is not a fraction or a comma-separated list of them.",
                      param, ctx)


def node_options(func):
    """The options of ``evaluate`` for node vectors."""
    options = [
        click.option("--node-labels", "label_files", multiple=True,
                     type=click.Path(dir_okay=False), metavar="FILE",
                     help="Node classification: 'node label' lines (a node may have several "
                          "labels). Needs pip install 'w2vns[graph]'. Repeatable."),
        click.option("--train-fraction", "fractions", multiple=True, type=FractionList(),
                     metavar="F[,F...]",
                     help="Node classification: the share of the labelled nodes that trains "
                          "the classifier; repeatable, or a list.  [default: 0.5]"),
        click.option("--splits", type=click.IntRange(min=1), default=DEFAULT_SPLITS,
                     show_default=True, help="Node classification: random splits averaged."),
        click.option("--links", "link_files", multiple=True, type=click.Path(dir_okay=False),
                     metavar="FILE",
                     help="Link prediction: 'u v' lines (held-out edges) or 'u v label' "
                          "lines (1 or 0), as 'w2vns walks --hold-out' writes. Repeatable."),
        click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True,
                     help="Seed of the random splits and of the drawn non-edges."),
        click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Node classification: classifiers trained at once."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command(cls=W2vnsCommand, epilog=EXIT_CODES_HELP)
@click.argument("vectors", type=click.Path(dir_okay=False))
@click.option("--analogies", "analogy_files", multiple=True, type=click.Path(dir_okay=False),
              metavar="FILE", help="Analogy questions (': section' lines, then 'A B C D' "
                                   "lines). Repeatable.")
@click.option("--similarity", "similarity_files", multiple=True,
              type=click.Path(dir_okay=False), metavar="FILE",
              help="Word pairs with a human score ('word1<TAB>word2<TAB>score'). Repeatable.")
@click.option("--suite-dir", type=click.Path(), metavar="DIR",
              help="Also score every *.txt word-similarity set in DIR (same format); one "
                   "named as a bundled set replaces it.")
@click.option("--restrict", type=click.IntRange(min=0), default=DEFAULT_RESTRICT,
              show_default=True, metavar="N",
              help="Analogies: search only the first N words and skip questions with a word "
                   "outside them; 0 for all words.")
@click.option("--method", type=click.Choice(["add", "mul"]), default="add", show_default=True,
              help="Analogy method: 3CosAdd or 3CosMul.")
@click.option("--oov", type=click.Choice(["skip", "ngrams"]), default="skip", show_default=True,
              help="Word-similarity pairs with an unknown word: skip them, or, with a "
                   "subword model (a fastText .bin), score them with the word's vector built "
                   "from its character n-grams.")
@node_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object with every number.")
@vectors_options
def evaluate(vectors, analogy_files, similarity_files, suite_dir, restrict, method, oov,
             as_json, limit, unicode_errors, no_header, quiet, **node_given):
    """Analogy accuracy and word-similarity correlation of VECTORS, on a whole suite;
    node classification and link prediction of node vectors.

    One row per set: the analogy set as its semantic sections, its syntactic (gram*)
    sections and all of them (accuracy, questions answered out of those in the set,
    share skipped for a word outside the first --restrict words); then each
    word-similarity set (Spearman correlation of cosine similarity with the human
    scores, pairs scored out of those in the set, share skipped for an unknown word).
    A set is named by its file name without extensions and 'EN-' prefix. Words match
    case-insensitively; the numbers agree with gensim's evaluate_word_analogies and
    evaluate_word_pairs. --json gives the same rows, with every section and Pearson's
    correlation too, as one JSON object.

    With no --analogies, --similarity, --node-labels or --links file, the sets
    shipped with w2vns are scored: the Google analogy set, WordSim-353 and MEN (see
    w2vns/data/README.md); the sets that may not be shipped are scored from a copy,
    with the option --suite-dir. A file with no usable line is an error (exit code
    1); a set none of whose questions or pairs has its words in the vectors is
    reported on stderr, and is an error only when nothing at all could be scored.

    Nodes (names match exactly): --node-labels gives the micro- and macro-F1 of
    one-vs-rest logistic regression trained on --train-fraction of the labelled
    nodes, each other node given as many of its top-scored labels as it has
    (DeepWalk's protocol), averaged over --splits random splits. --links gives the
    ROC AUC of the cosine similarity of held-out edges against non-edges (the file's,
    or as many drawn pairs).

    \b
    Examples:
      w2vns evaluate vectors.bin
      w2vns evaluate vectors.bin --suite-dir eval/word-sim --json
      w2vns evaluate vectors.bin --analogies my-questions.txt --restrict 0
      w2vns evaluate vectors.bin --similarity simlex.tsv --similarity men.tsv
      w2vns evaluate nodes.bin --node-labels labels.txt --train-fraction 0.1,0.5,0.9
      w2vns evaluate nodes.bin --links links.txt
    """
    from . import display
    from ..vectors import evaluate as evaluation

    node_files = node_given["label_files"] + node_given["link_files"]
    if analogy_files or similarity_files or suite_dir or not node_files:
        analogy_files, similarity_files = evaluation.suite_files(analogy_files,
                                                                 similarity_files, suite_dir)
    _check_node_options(**node_given)
    for path in (*analogy_files, *similarity_files, *node_files):
        evaluation.check_file(path)
    kv = _load(vectors, limit, unicode_errors, no_header,
               normalize=not node_given["label_files"])  # classifiers take the raw vectors
    suite = _evaluate_words(kv, vectors, (analogy_files, similarity_files), restrict, method,
                            oov, quiet)
    graph = _evaluate_nodes(kv, **node_given)
    searched = restrict if analogy_files and 0 < restrict < len(kv) else 0
    _check_scored(vectors, suite.results + graph, searched)
    if as_json:
        click.echo(display.evaluation_json(vectors, suite, graph))
        return
    lines = display.suite_table(suite.rows) + display.suite_legend(suite) if suite.rows else []
    click.echo("\n".join(lines + [line for result in graph for line in result.report()]))


def _evaluate_words(kv, vectors, files, restrict, method, oov, quiet):
    """The suite of analogy and similarity ``files`` (two lists) on ``kv``."""
    from ..errors import UsageError
    from ..vectors import evaluate as evaluation

    if oov == evaluation.OOV_NGRAMS and kv.subwords is None:
        raise UsageError(f"--oov ngrams builds unknown words from a subword model's "
                         f"n-grams, and '{vectors}' has none. Pass a fastText .bin (w2vns "
                         "train --subwords --save-fasttext) or drop --oov.")
    suite = evaluation.evaluate_suite(kv, *files, restrict, method, oov)
    built = sum(result.built for result in suite.similarities)
    if built:
        _info(f"{built:,} word pair(s) scored with vectors built from character n-grams",
              quiet)
    return suite


def _check_node_options(label_files, fractions, splits, link_files, seed, threads):
    from ..vectors import nodes

    nodes.check_fractions([f for given in fractions for f in given])
    if label_files:
        nodes.check_sklearn()


def _evaluate_nodes(kv, label_files, fractions, splits, link_files, seed, threads):
    """The node classification results of ``label_files``, then the link prediction
    results of ``link_files``."""
    from ..vectors import nodes

    fractions = [f for given in fractions for f in given] or [DEFAULT_TRAIN_FRACTION]
    return ([nodes.classify_nodes(kv, p, fractions, splits, seed, threads) for p in label_files]
            + [nodes.link_auc(kv, p, seed) for p in link_files])


def _check_scored(vectors, results, restrict):
    """A file of which nothing was scored is reported; nothing scored at all is an error.
    ``restrict``: the analogy search was cut to fewer words than the vectors have."""
    from ..errors import EvaluationError

    notes = [result.nothing_scored(vectors) for result in results]
    if all(notes):
        hint = ", or pass --restrict 0 to search every word" if restrict else ""
        check = ("the evaluation files are in the language of the vectors"
                 if any(getattr(result, "KEY", None) is None for result in results)
                 else "the files name the nodes as the vectors do")
        raise EvaluationError(f"nothing could be scored: {'; '.join(notes)}. Check that "
                              f"{check}{hint}.")
    for note in filter(None, notes):
        _log(f"warning: {note}.")


@click.command(cls=W2vnsCommand, epilog=EXIT_CODES_HELP)
@click.argument("source", metavar="IN", type=click.Path(dir_okay=False))
@click.argument("target", metavar="OUT", type=click.Path(dir_okay=False))
@click.option("--normalize", is_flag=True, help="Scale every vector to unit length.")
@vectors_options
def convert(source, target, normalize, limit, unicode_errors, no_header, quiet):
    """Convert vectors between formats, chosen by the extensions of IN and OUT.

    .bin: word2vec binary; .txt, .vec: word2vec text (with or without the 'count dim'
    header line: GloVe files are read too); either may end in .gz, .bz2 or .zst.
    .npy: the matrix (np.save) with its words one per line beside it, in the same
    name with the suffix .vocab (vectors.npy + vectors.vocab). .tsv: the
    two files the TensorBoard Embedding Projector loads: the vectors, tab separated,
    and the words one per line in NAME_metadata.tsv. OUT is written to a temporary
    file and renamed into place: never half-written. OUT - writes text to stdout.

    \b
    Examples:
      w2vns convert vectors.bin vectors.txt.gz
      w2vns convert vectors.bin - | head
      w2vns convert vectors.txt vectors.npy --normalize     # + vectors.vocab
      w2vns convert vectors.bin projector.tsv --limit 10000 # + projector_metadata.tsv
      w2vns convert GoogleNews-vectors-negative300.bin.gz top.bin --limit 200000
    """
    from ..io import projector, w2vformat
    from ..io.atomic import STDOUT, check_writable

    fmt = w2vformat.output_format(target)
    companion = {"npy": w2vformat.vocab_path, "tsv": projector.metadata_path}.get(fmt)
    outputs = [target] + ([companion(target)] if companion else [])
    _check_paths([("IN", source)], [("OUT", path) for path in outputs])
    for path in outputs:
        check_writable(path, "OUT")
    kv = _load(source, limit, unicode_errors, no_header, normalize=normalize)
    kv.save(target, fmt)
    names = ["stdout" if path == STDOUT else path for path in outputs]
    _info(f"wrote {len(kv):,} vectors of dimension {kv.dim} to {' and '.join(names)}", quiet)


def _check_paths(inputs, outputs):
    """No output may be an input (a .npy input's words file included) or another output."""
    from ..io import w2vformat
    from ..io.outputs import PathPlan, check_paths

    companions = [(label, w2vformat.vocab_path(path)) for label, path in inputs
                  if w2vformat.file_format(path) == "npy"]
    check_paths(PathPlan(inputs + companions, outputs))


@click.command(cls=W2vnsCommand, epilog=EXIT_CODES_HELP)
@click.argument("vectors", type=click.Path(dir_okay=False))
@click.argument("words", nargs=-1, required=True, metavar="WORD...")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Picture to write: .png, .svg or .pdf.")
@click.option("-n", "--topn", type=click.IntRange(min=0), default=10, show_default=True,
              help="Neighbours drawn around each word.")
@click.option("--tsne", is_flag=True,
              help="Project with t-SNE (keeps local neighbourhoods) instead of PCA.")
@click.option("--seed", type=int, default=0, show_default=True, help="t-SNE random seed.")
@click.option("--title", default=None, help="Title of the picture.  [default: the words]")
@click.option("--ignore-missing", is_flag=True,
              help="Leave unknown words out (reported on stderr) instead of failing.")
@vectors_options
def plot(vectors, words, output, topn, tsne, seed, title, ignore_missing, limit,
         unicode_errors, no_header, quiet):
    """Draw each WORD and its nearest neighbours on a 2-D map, one colour per WORD.

    The unit vectors are projected by PCA (default) or t-SNE (--tsne) and drawn
    with their labels. Needs matplotlib: pip install 'w2vns[plot]'. The picture
    is written to a temporary file and renamed into place.

    \b
    Examples:
      w2vns plot vectors.bin king paris cat -o map.png
      w2vns plot vectors.bin red piano apple -n 15 --tsne -o map.svg
    """
    from ..vectors import plot as plotting
    from ..io.atomic import check_writable

    _check_words(click.get_current_context(), words, "word", "Give the words to draw.")
    plotting.check_matplotlib()
    plotting.picture_format(output)
    _check_paths([("VECTORS", vectors)], [("-o", output)])
    check_writable(output, "-o")
    kv = _load(vectors, limit, unicode_errors, no_header)
    unknown = kv.missing(dict.fromkeys(words))
    if unknown and not ignore_missing:
        raise click.ClickException(f"unknown word(s) in '{vectors}': {', '.join(unknown)}. "
                                   "Check the spelling, or pass --ignore-missing.")
    for word in unknown:
        _log(f"warning: unknown word: {word}")
    known = [w for w in dict.fromkeys(words) if w not in unknown]
    if not known:
        raise click.ClickException(f"none of the words is in '{vectors}'; nothing to draw.")
    wmap = plotting.word_map(kv, known, topn, "tsne" if tsne else "pca", seed)
    plotting.draw(wmap, output, title)
    _info(f"wrote {len(wmap.words):,} words ({len(known)} groups, "
          f"{'t-SNE' if tsne else 'PCA'}) to {output}", quiet)


@click.command("print-word-vectors", cls=W2vnsCommand, epilog=EXIT_CODES_HELP)
@click.argument("vectors", type=click.Path(dir_okay=False))
@vectors_options
@click.pass_context
def print_word_vectors(ctx, vectors, limit, unicode_errors, no_header, quiet):
    """Print 'word v1 v2 ...' for every word read from stdin (whitespace separated), as
    fastText's print-word-vectors.

    With a subword model (a fastText .bin, ours from --save-fasttext or anyone's), a
    word not in the vocabulary gets the mean of its character n-gram vectors, and is
    named on stderr. A word without any vector is reported on stderr and printed as
    zeros (as fastText does), and the exit code is 1.

    
    Examples:
      echo "king kingdomz" | w2vns print-word-vectors model.bin
      w2vns print-word-vectors model.bin < words.txt > vectors.txt
    """
    kv = _load(vectors, limit, unicode_errors, no_header, normalize=False)
    failed = False
    for raw in sys.stdin.buffer:
        for word in raw.decode("utf-8", "replace").split():
            vector, note = _word_vector(kv, word)
            if note:
                _log(note)
            failed = failed or vector is None
            values = [0.0] * kv.dim if vector is None else vector.tolist()
            click.echo(word + " " + " ".join(f"{x:.5g}" for x in values))
    if failed:
        ctx.exit(1)


def _word_vector(kv, word):
    """(the vector of ``word`` or None, the stderr line about it or None)."""
    from ..errors import printable

    if not kv.missing([word]):
        return kv.vectors[kv.index(word)], None
    built = kv.built_vector(word)
    if built is not None:
        return built, (f"'{printable(word)}' is not in the vocabulary: its vector is built "
                       "from its character n-grams")
    return None, f"unknown word: {printable(word)} (printed as zeros)"


COMMANDS = (similar, analogy, evaluate, convert, plot, print_word_vectors)
