"""The C word2vec tools' command lines, run by w2vns: ``word2vec``, ``word2phrase``,
``distance``, ``word-analogy`` and ``compute-accuracy`` take the arguments of the C
programs of those names (single-dash ``-flag value`` pairs, the same defaults) and run
w2vns's training, phrases and query code.

Each of word2vec's and word2phrase's flags is one ``Flag`` row of its tool's table: the C
name, its value's type, the C default, the w2vns setting it becomes. The tables feed the
parser and the usage text. Click hands those two commands their arguments untouched;
``parse_flags`` reads them (click would read ``-size`` as ``-s ize``).
"""

import os
import sys
from dataclasses import dataclass
from typing import Callable

import click

from ..training import config as configuration
from .params import FINITE

C_THREADS = 12  # the C word2vec's default -threads
NEIGHBOURS = 40  # rows of the tables distance and word-analogy print, as the C tools
WORD_COLUMN = 50  # width of those tables' word column
SCORE_COLUMN = 22  # width of their score heading
RULE = "-" * (WORD_COLUMN + SCORE_COLUMN)
ANALOGY_WORDS = 3
SEMANTIC_SECTIONS = 5  # compute-accuracy: the first five sections are semantic, as in C
SECTION_MARK = ":"
EXIT_WORD = "EXIT"  # a query line of this word alone ends distance and word-analogy
HELP = "--help"
C_STYLE = {"ignore_unknown_options": True, "allow_extra_args": True,
           "help_option_names": []}
TEXT = click.STRING


def _same(value):
    return value


def _threads(value):
    """The C tool's thread count, at most the cores this process may use (more threads
    than cores only slow training down); 0 and negative counts are left to validation."""
    from ..training.config import available_cores

    return min(value, available_cores()) if value > 0 else value


@dataclass(frozen=True)
class Flag:
    """One option of a C tool and what it becomes in w2vns."""

    name: str  # as the C tool spells it, dash included
    kind: click.ParamType  # of its value
    default: object  # the C tool's default; None: none
    field: str  # the TrainConfig field or request key it sets
    spelling: str  # the w2vns option it corresponds to
    help: str  # its line in the usage
    convert: Callable = _same  # C value -> the field's value

    @property
    def metavar(self):
        return "<file>" if self.kind is TEXT else "<int>" if self.kind is click.INT else "<float>"


WORD2VEC_FLAGS = (
    Flag("-train", TEXT, None, "corpus", "CORPUS", "Train on the text in <file> (- for stdin)"),
    Flag("-output", TEXT, None, "output", "-o", "Write the word vectors, or the word classes, "
         "to <file>"),
    Flag("-size", click.INT, 100, "dim", "--dim", "Vector size"),
    Flag("-window", click.INT, 5, "window", "--window", "Context words on each side, at most"),
    Flag("-sample", FINITE, 1e-3, "sample", "--sample", "Subsampling threshold of frequent "
         "words (0 = off; useful range 1e-5 to 1e-3)"),
    Flag("-hs", click.INT, 0, "hs", "--hs", "1 = hierarchical softmax (with -negative > 0 "
         "both losses are summed)", bool),
    Flag("-negative", click.INT, 5, "negative", "--negative", "Noise words per example "
         "(0 = no negative sampling)"),
    Flag("-threads", click.INT, C_THREADS, "threads", "--threads", "Threads; at most the "
         "cores available are used", _threads),
    Flag("-iter", click.INT, 5, "epochs", "--epochs", "Passes over the corpus"),
    Flag("-min-count", click.INT, 5, "min_count", "--min-count", "Ignore words seen fewer "
         "times"),
    Flag("-alpha", FINITE, None, "alpha", "--alpha", "Start learning rate; default "
         f"{configuration.SG_ALPHA:g} for skip-gram, {configuration.CBOW_ALPHA:g} for CBOW "
         "(w2vns's)"),
    Flag("-classes", click.INT, 0, "classes", "(none)", "K > 0: write K K-means word "
         "classes ('word class' lines) instead of vectors"),
    Flag("-debug", click.INT, 2, "quiet", "-q", "0 = nothing on stderr but warnings and "
         "errors", lambda level: level < 1),
    Flag("-binary", click.INT, 0, "format", "--format", "1 = binary vectors, 0 = text",
         lambda binary: "binary" if binary else "text"),
    Flag("-save-vocab", TEXT, None, "save_vocab", "--save-vocab", "Also write the "
         "vocabulary ('word count' lines) to <file>"),
    Flag("-read-vocab", TEXT, None, "read_vocab", "--read-vocab", "Take the vocabulary from "
         "<file> instead of counting it"),
    Flag("-cbow", click.INT, 1, "model", "--model", "1 = CBOW, 0 = skip-gram",
         lambda cbow: "cbow" if cbow else "sg"),
)
WORD2PHRASE_FLAGS = (
    Flag("-train", TEXT, None, "corpus", "CORPUS", "Read the text in <file> (- for stdin)"),
    Flag("-output", TEXT, None, "output", "-o", "Write the text with phrases joined to "
         "<file>"),
    Flag("-min-count", click.INT, 5, "min_count", "--min-count", "Words and pairs seen "
         "fewer times are never joined"),
    Flag("-threshold", FINITE, 100.0, "threshold", "--threshold", "Join a pair scoring "
         "above this; higher means fewer phrases"),
    Flag("-debug", click.INT, 2, "quiet", "-q", "0 = nothing on stderr but warnings and "
         "errors", lambda level: level < 1),
)
# The w2vns command each tool stands for, for the hints of unknown options.
COUNTERPARTS = {"train": ("word2vec", WORD2VEC_FLAGS), "phrases": ("word2phrase",
                                                                    WORD2PHRASE_FLAGS)}
WORD2VEC_EXAMPLE = ("w2vns word2vec -train data.txt -output vec.txt -size 200 -window 5 "
                    "-sample 1e-4 -negative 5 -hs 0 -binary 0 -cbow 1 -iter 3")
WORD2PHRASE_EXAMPLE = ("w2vns word2phrase -train text.txt -output phrases.txt -threshold 100 "
                       "-debug 2")


# ------------------------------------------------------------------------------ parsing


def parse_flags(ctx, args, flags):
    """{flag name: value} for the flags in ``args``, each value converted to its type.

    Usage errors, naming the flag: one the tool does not have, one given twice, one
    without a value (the last argument, or followed by another flag), a value of the
    wrong type, an argument that is not a flag."""
    table = {flag.name: flag for flag in flags}
    values = {}
    for position in range(0, len(args), 2):
        name = args[position]
        if name not in table:
            raise click.UsageError(_not_a_flag(name, table), ctx)
        if name in values:
            raise click.UsageError(f"Option '{name}' is given twice. Give it once.", ctx)
        if position + 1 == len(args) or args[position + 1] in table:
            raise click.UsageError(f"Option '{name}' requires an argument.", ctx)
        values[name] = _convert(ctx, table[name], args[position + 1])
    return values


def _not_a_flag(name, table):
    if not name.startswith("-") or name == "-":
        return (f"Got unexpected extra argument ({name}): the options come in pairs, "
                f"'-flag value'.")
    if name.startswith("--") and name[1:] in table:
        return f"No such option '{name}'. The C tool's options take one dash: {name[1:]}."
    return f"No such option '{name}'."


def _convert(ctx, flag, text):
    try:
        return flag.kind.convert(text, None, None)
    except click.BadParameter as exc:
        raise click.UsageError(f"Invalid value for '{flag.name}': {exc.message}", ctx) from None


def settings(ctx, args, flags):
    """Every flag's w2vns value by field: those given, converted, else the C defaults."""
    given = parse_flags(ctx, args, flags)
    return {flag.field: flag.convert(given[flag.name]) if flag.name in given else
            (None if flag.default is None else flag.convert(flag.default))
            for flag in flags}


def usage(title, flags, example, notes=()):
    """The text a tool prints when run with no arguments (or --help)."""
    lines = [title, "", "Options:"]
    for flag in flags:
        default = "" if flag.default is None else f"; default {flag.default:g}" if isinstance(
            flag.default, float) else f"; default {flag.default}"
        same = f"  [w2vns: {flag.spelling}]" if flag.spelling.startswith("-") else ""
        lines += [f"\t{flag.name} {flag.metavar}", f"\t\t{flag.help}{default}{same}"]
    lines += ["", *notes, *([""] if notes else []), "Example:", f"  {example}"]
    return "\n".join(lines)


def _wants_usage(args):
    return not args or HELP in args


def _flag_name(flags, field):
    return next(flag.name for flag in flags if flag.field == field)


def _require(ctx, values, flags, field):
    if values[field] is None:
        name = _flag_name(flags, field)
        raise click.UsageError(f"Missing option '{name}'.", ctx)


def _check_paths(values, flags, inputs, outputs):
    """The usual path checks (no output replaces an input or another output, every output
    writable), naming the C tool's flags."""
    from ..io.atomic import check_writable
    from ..io.outputs import PathPlan, check_paths

    label = {flag.field: flag.name for flag in flags}
    check_paths(PathPlan([(label[f], values[f]) for f in inputs],
                         [(label[f], values[f]) for f in outputs]))
    for field in outputs:
        if values[field] is not None:
            check_writable(values[field], label[field])


# ------------------------------------------------------------------------------ word2vec


WORD2VEC_NOTES = (
    "Runs 'w2vns train'. Without -output, only the vocabulary is counted (for -save-vocab).",
    "Vectors are written as 'w2vns train' writes them: text unless -binary 1, whatever the "
    "file's extension.",
    "CBOW's vectors are its input vectors plus "
    f"{configuration.CONTEXT_WEIGHT['cbow']:g} x its context vectors, as 'w2vns train' writes "
    "them (its --context-weight); the C tool writes the input vectors alone.",
)


@click.command(name="word2vec", context_settings=C_STYLE, add_help_option=False,
               short_help="Train with the C word2vec tool's options.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def word2vec(ctx, args):
    """The C word2vec tool's command line: run 'w2vns word2vec' alone for its options."""
    if _wants_usage(args):
        click.echo(usage("word2vec (w2vns): the C word2vec tool's options, on w2vns's "
                         "training", WORD2VEC_FLAGS, WORD2VEC_EXAMPLE, WORD2VEC_NOTES))
        return
    values = settings(ctx, args, WORD2VEC_FLAGS)
    _require(ctx, values, WORD2VEC_FLAGS, "corpus")
    if values["output"] is None and values["save_vocab"] is None:
        raise click.UsageError("Missing option '-output' (or '-save-vocab', to count the "
                               "vocabulary alone).", ctx)
    options = _training_options(values)
    _check_word2vec(ctx, values, options)
    if values["output"] is None:
        _count_vocabulary(values, options)
    elif values["classes"] > 0:
        _train_classes(values, options)
    else:
        _train_vectors(values, options)


def _training_options(values):
    from ..training.config import FIELDS

    return {field: value for field, value in values.items() if field in FIELDS}


def _check_word2vec(ctx, values, options):
    """Every value checked before any work, errors naming the C tool's flags."""
    from ..errors import InputError, OptionError, UsageError

    if values["classes"] < 0:
        raise UsageError(f"-classes must be 0 (word vectors) or more, got {values['classes']}.")
    if values["read_vocab"] is not None and values["output"] is None:
        raise click.UsageError("-read-vocab needs -output: without -output, word2vec "
                               "only counts the vocabulary of -train.", ctx)
    try:
        configuration.build(None, **options)
    except OptionError as exc:
        raise OptionError(exc.template, *exc.values, spell=_c_spelling) from None
    vocabulary = values["read_vocab"]
    if vocabulary is not None and not os.path.isfile(vocabulary):
        raise InputError(f"vocabulary file '{vocabulary}' not found. Check the -read-vocab "
                         "path.")
    _check_paths(values, WORD2VEC_FLAGS, ["corpus", "read_vocab"], ["output", "save_vocab"])


def _c_spelling(field):
    """A TrainConfig field in a message, as the C tool's flag that sets it."""
    from ..errors import option_name

    for flag in WORD2VEC_FLAGS:
        if flag.field == field:
            return f"{flag.name} 1" if flag.convert is bool else flag.name
    return option_name(field)


def _train_vectors(values, options):
    from ..training.runner import TrainRequest, run_train

    run_train(TrainRequest(corpus=[values["corpus"]], output=values["output"],
                           options=options, save_vocab=values["save_vocab"],
                           read_vocab=values["read_vocab"], quiet=values["quiet"],
                           argv=sys.argv[1:]))


def _train_classes(values, options):
    """Train, then write 'word class' lines of K-means classes instead of vectors."""
    from .. import api
    from ..io.atomic import atomic_output
    from ..logs import stderr_log
    from ..vectors.kmeans import word_classes

    trained = api.train(values["corpus"], save_vocab=values["save_vocab"],
                        read_vocab=values["read_vocab"], quiet=values["quiet"], **options)
    labels = word_classes(trained.vectors, values["classes"])
    with atomic_output(values["output"], "w") as handle:
        handle.writelines(f"{word} {label}\n" for word, label in
                          zip(trained.words, labels.tolist()))
    stderr_log(values["quiet"])(f"wrote {len(trained):,} words in {values['classes']:,} "
                                f"classes to {values['output']}")


def _count_vocabulary(values, options):
    """No -output: count the vocabulary of -train and write it to -save-vocab."""
    from ..io.workdir import run_directory
    from ..logs import stderr_log
    from ..training import reading
    from ..training import vocab as vocabulary

    log = stderr_log(values["quiet"])
    with run_directory("vocab") as workdir:
        counted = reading.encode_corpus([values["corpus"]], configuration.build(None, **options),
                                        os.path.join(workdir, "ids.bin"), workdir, log)
    vocabulary.save_vocab(counted[0], values["save_vocab"])
    log(f"wrote {len(counted[0]):,} words to {values['save_vocab']}")


# --------------------------------------------------------------------------- word2phrase


@click.command(name="word2phrase", context_settings=C_STYLE, add_help_option=False,
               short_help="Join phrases with the C word2phrase tool's options.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def word2phrase(ctx, args):
    """The C word2phrase tool's command line: run 'w2vns word2phrase' alone for its
    options."""
    from ..errors import UsageError
    from ..io import phrases as phrasing
    from ..logs import stderr_log

    if _wants_usage(args):
        click.echo(usage("word2phrase (w2vns): the C word2phrase tool's options, on "
                         "'w2vns phrases'", WORD2PHRASE_FLAGS, WORD2PHRASE_EXAMPLE))
        return
    values = settings(ctx, args, WORD2PHRASE_FLAGS)
    for field in ("corpus", "output"):
        _require(ctx, values, WORD2PHRASE_FLAGS, field)
    if values["min_count"] < 1:
        raise UsageError(f"-min-count must be a positive integer, got {values['min_count']}.")
    if values["threshold"] < 0:
        raise UsageError(f"-threshold must be 0 or more, got {values['threshold']:g}.")
    _check_paths(values, WORD2PHRASE_FLAGS, ["corpus"], ["output"])
    config = phrasing.PhrasesConfig(min_count=values["min_count"],
                                    threshold=values["threshold"])
    phrasing.run([values["corpus"]], config, output=values["output"],
                 log=stderr_log(values["quiet"]))


# ------------------------------------------------------------- distance and word-analogy


DISTANCE_PROMPT = "Enter a word or several (EXIT to stop): "
ANALOGY_PROMPT = "Enter three words A B C, for A is to B as C is to ? (EXIT to stop): "
VECTORS_USAGE = ("Usage: w2vns {name} FILE\n"
                 "FILE holds word vectors: word2vec binary (as the C tool reads), or any "
                 "format 'w2vns similar' reads.\n{what}\n"
                 "Queries are read from stdin, one per line, until EXIT or the end of input.")


def _load(path, limit=None):
    from ..vectors.embeddings import load

    return load(path, limit=limit, normalize=True,
                log=lambda message: click.echo(message, err=True))


def _query_lines(prompt):
    """The words of each query line of stdin, after its prompt; blank lines skipped."""
    stream = sys.stdin.buffer
    while True:
        click.echo(prompt, nl=False)
        raw = stream.readline()
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not raw or text == EXIT_WORD:
            click.echo("")
            return
        if text.split():
            yield text.split()


def _positions(kv, words):
    """The C tools' 'Word: ... Position in vocabulary: ...' lines, stopping at the first
    unknown word; its rows, or None when a word is unknown."""
    lines, rows = [], []
    for word in words:
        row = kv.index(word) if word in kv else -1
        lines += ["", f"Word: {word}  Position in vocabulary: {row}"]
        if row < 0:
            lines.append("Not in the vocabulary.")
            return lines, None
        rows.append(row)
    return lines, rows


def table(heading, results):
    """The C tools' table: the word right-aligned in 50 columns, two tabs, the score."""
    if not results:
        return ["", "The query vector is zero (words that cancel out): no neighbours."]
    return (["", f"{'Word':>{WORD_COLUMN}}{heading:>{SCORE_COLUMN}}", RULE]
            + [f"{word:>{WORD_COLUMN}}\t\t{score:f}" for word, score in results])


@click.command(name="distance", short_help="Nearest words, as the C distance tool.")
@click.argument("vectors", required=False, type=click.Path(dir_okay=False))
def distance(vectors):
    """The C distance tool: the 40 words nearest to each query read from stdin (the
    mean direction of a query's words), in its table layout.

    \b
    Examples:
      w2vns distance vectors.bin
      printf 'king\\nparis france\\n' | w2vns distance vectors.bin
    """
    if vectors is None:
        click.echo(VECTORS_USAGE.format(name="distance", what="Each query (a word or "
                                        "several) gets the 40 nearest words."))
        return
    kv = _load(vectors)
    for words in _query_lines(DISTANCE_PROMPT):
        lines, rows = _positions(kv, words)
        if rows is not None:
            lines += table("Cosine distance", kv.similar_batch([rows], NEIGHBOURS)[0])
        click.echo("\n".join(lines))


@click.command(name="word-analogy", short_help="Analogies, as the C word-analogy tool.")
@click.argument("vectors", required=False, type=click.Path(dir_okay=False))
def word_analogy(vectors):
    """The C word-analogy tool: for each line 'A B C' read from stdin, the 40 words
    nearest to B - A + C, in its table layout.

    \b
    Examples:
      w2vns word-analogy vectors.bin
      echo 'paris france berlin' | w2vns word-analogy vectors.bin
    """
    if vectors is None:
        click.echo(VECTORS_USAGE.format(name="word-analogy", what="Each query 'A B C' (A is "
                                        "to B as C is to ?) gets the 40 nearest words to "
                                        "B - A + C."))
        return
    kv = _load(vectors)
    for words in _query_lines(ANALOGY_PROMPT):
        click.echo("\n".join(_analogy_lines(kv, words)))


def _analogy_lines(kv, words):
    if len(words) < ANALOGY_WORDS:
        return [f"Only {len(words)} word(s) given: three words A B C are needed."]
    lines, rows = _positions(kv, words)
    if rows is None:
        return lines
    extra = set(words[ANALOGY_WORDS:])  # further words: never answers, as in the C tool
    found = kv.analogy_batch([rows[:ANALOGY_WORDS]], NEIGHBOURS + len(extra), "add")[0]
    return lines + table("Distance", [r for r in found if r[0] not in extra][:NEIGHBOURS])


# ---------------------------------------------------------------------- compute-accuracy


ACCURACY_USAGE = (
    "Usage: w2vns compute-accuracy FILE [THRESHOLD] < questions-words.txt\n"
    "FILE holds word vectors (any format 'w2vns similar' reads); THRESHOLD keeps only its "
    "first THRESHOLD words for a fast approximate evaluation (0 = all; 30000 is typical).\n"
    "Questions (': section' lines, then 'A B C D' lines) are read from stdin. The bundled "
    "set is w2vns/data/questions-words.txt; 'w2vns evaluate' reports the same and more.")


@click.command(name="compute-accuracy", short_help="Analogy accuracy, as the C "
               "compute-accuracy tool.")
@click.argument("vectors", required=False, type=click.Path(dir_okay=False))
@click.argument("threshold", required=False, default=0, type=click.INT, metavar="THRESHOLD")
def compute_accuracy(vectors, threshold):
    """The C compute-accuracy tool: accuracy of the analogy questions read from stdin,
    per section and in total, in its layout. Words are compared upper-cased; a question
    with a word outside the first THRESHOLD words is not asked.

    \b
    Examples:
      w2vns compute-accuracy vectors.bin 30000 < w2vns/data/questions-words.txt
      w2vns compute-accuracy vectors.bin < questions-phrases.txt
    """
    from ..vectors.evaluate import uppercase_index

    if vectors is None:
        click.echo(ACCURACY_USAGE)
        return
    if threshold < 0:
        raise click.UsageError(f"THRESHOLD must be 0 (all words) or more, got {threshold}.")
    kv = _load(vectors, limit=threshold or None)
    upper = [word.upper() for word in kv.words]
    tally = Accuracy(kv, uppercase_index(upper), upper)
    for raw in sys.stdin.buffer:
        words = raw.decode("utf-8", "replace").split()
        if [word.upper() for word in words] == [EXIT_WORD]:
            break
        for line in tally.read(words):
            click.echo(line)
    for line in tally.finish():
        click.echo(line)


def percent(part, whole):
    return f"{part / whole * 100:.2f}" if whole else "nan"


@dataclass
class Score:
    correct: int = 0
    asked: int = 0

    def add(self, correct):
        self.correct += int(correct)
        self.asked += 1


class Accuracy:
    """compute-accuracy's counts, fed one line of words at a time; a section's questions
    are answered together when it ends."""

    def __init__(self, kv, known, upper):
        self.kv, self.known, self.upper = kv, known, upper
        self.sections = 0
        self.pending = []
        self.questions = self.malformed = 0
        self.total, self.semantic, self.syntactic = Score(), Score(), Score()

    def read(self, words):
        """The lines to print after this line of words."""
        if words and words[0] == SECTION_MARK:
            lines = self._close()
            self.sections += 1
            return lines + [f"{' '.join(words[1:])}:"]
        if len(words) == ANALOGY_WORDS + 1:
            self.questions += 1
            question = [word.upper() for word in words]
            if all(word in self.known for word in question):
                self.pending.append(question)
        elif words:
            self.malformed += 1
        return []

    def finish(self):
        lines = self._close()
        if self.malformed:
            click.echo(f"warning: {self.malformed:,} line(s) of stdin were neither "
                       "': section' lines nor four words; they were skipped.", err=True)
        asked = self.total.asked
        return lines + [f"Questions seen / total: {asked} {self.questions}   "
                        f"{percent(asked, self.questions)} % "]

    def _close(self):
        """Answer the section's questions; its two lines (none before the first section).
        A section without questions shows 0.00 %, the totals without any show nan."""
        section = Score()
        group = self.semantic if self.sections <= SEMANTIC_SECTIONS else self.syntactic
        for correct in answers(self.kv, self.known, self.upper, self.pending):
            for score in (section, self.total, group):
                score.add(correct)
        self.pending = []
        if not self.sections:
            return []
        return [f"ACCURACY TOP1: {percent(section.correct, max(section.asked, 1))} %  "
                f"({section.correct} / {section.asked})",
                f"Total accuracy: {percent(self.total.correct, self.total.asked)} %   "
                f"Semantic accuracy: {percent(self.semantic.correct, self.semantic.asked)} %   "
                f"Syntactic accuracy: {percent(self.syntactic.correct, self.syntactic.asked)}"
                " % "]


def answers(kv, known, upper, questions):
    """For each upper-cased question (A, B, C, D): is D the word nearest to B - A + C,
    A, B and C excluded?"""
    import numpy as np

    from ..vectors.embeddings import SCORE_BUDGET, top_indices

    batch = max(1, SCORE_BUDGET // max(len(upper), 1))
    for start in range(0, len(questions), batch):
        chunk = questions[start:start + batch]
        triples = np.array([[known[w] for w in q[:ANALOGY_WORDS]] for q in chunk],
                           dtype=np.int64)
        for question, ids, scores in zip(chunk, triples, kv.analogy_scores(triples, "add")):
            best = top_indices(scores, ids.tolist(), 1)
            yield len(best) > 0 and upper[best[0]] == question[ANALOGY_WORDS]


COMMANDS = (word2vec, word2phrase, distance, word_analogy, compute_accuracy)
