"""Exception types. The CLI turns each into one ``Error: ...`` line and its exit code."""

import string

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_SIGINT = 130
EXIT_SIGTERM = 143
EXIT_SIGNAL = {"SIGINT": EXIT_SIGINT, "SIGTERM": EXIT_SIGTERM}
SHOWN_CHARS = 40  # text from a file quoted in a message is cut to this many characters
CUT_MARK = "..."
UTF8_MAX_BYTES = 4  # bytes of the longest UTF-8 character


def printable(value, limit=SHOWN_CHARS):
    """Text or bytes from a file, fit to quote in a one-line message.

    Bytes that are not UTF-8 and characters that are not printable (NUL, control
    characters, line breaks, invisible format characters) are escaped as ``repr`` writes
    them (``\\x00``, ``\\n``, ``\\u200b``); the result is cut to at most ``limit``
    characters, then '...' marking the cut.
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value[:UTF8_MAX_BYTES * limit]).decode("utf-8", "backslashreplace")
    shown = []
    length = 0
    for char in value:
        piece = char if char.isprintable() else repr(char)[1:-1]
        if length + len(piece) > limit:
            return "".join(shown) + CUT_MARK
        shown.append(piece)
        length += len(piece)
    return "".join(shown)


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: unwind (removing temporary files), write nothing."""

    def __init__(self, signal_name, exit_code):
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.exit_code = exit_code
        self.checkpoint_dir = None  # set when a checkpoint was written before stopping
        self.processes = 1  # of a distributed run (resumed with as many)


class W2vnsError(Exception):
    """A failure with a message meant for the user: what went wrong and what to do."""

    exit_code = EXIT_FAILURE


class UsageError(W2vnsError):
    """An option, argument or config value is invalid."""

    exit_code = EXIT_USAGE


def option_name(field):
    """A TrainConfig field as the command line spells it: ``min_alpha`` -> ``--min-alpha``."""
    return "--" + field.replace("_", "-")


def keyword_name(field):
    """A TrainConfig field as the Python API spells it: the keyword argument itself."""
    return field


class _Spelling(dict):
    def __init__(self, spell):
        super().__init__()
        self.spell = spell

    def __missing__(self, field):
        return self.spell(field)


class OptionError(UsageError):
    """A bad option value. ``template`` names options as ``{field}`` (TrainConfig field
    names) and values as ``{0}``, ``{1}``...: the message spells the options as the
    command line does; ``for_keywords`` gives the same error as the Python API spells
    them (``dim`` where the command line says ``--dim``)."""

    def __init__(self, template, *values, spell=option_name):
        self.template = template
        self.values = values
        super().__init__(string.Formatter().vformat(template, values, _Spelling(spell)))

    def for_keywords(self):
        return OptionError(self.template, *self.values, spell=keyword_name)


class ConfigError(UsageError):
    """A config file is unreadable or holds unknown keys or bad values."""


class InputError(UsageError):
    """A corpus or vocabulary input is missing, a directory, or unreadable."""


class CorpusError(W2vnsError):
    """A corpus could not be read to the end, or holds nothing to train on."""


class VocabularyError(W2vnsError):
    """The vocabulary is empty or inconsistent with the options."""


class OutputError(W2vnsError):
    """An output file could not be written (disk full, directory removed meanwhile)."""


class OutputPathError(UsageError):
    """An output path is unusable before any work starts: a directory, in a missing or
    unwritable directory, or the same file as an input or another output."""


class DivergenceError(W2vnsError):
    """Training produced a non-finite loss or vector."""


class EvaluationError(W2vnsError):
    """Nothing in the evaluation files could be scored against the vectors."""


class FormatError(W2vnsError):
    """A vectors file is truncated or malformed."""


class GraphError(W2vnsError):
    """A graph's edge list is malformed, unreadable or holds no edge."""


class DeviceError(W2vnsError):
    """The requested compute device (--device cuda) cannot be used."""


class UnknownWordError(W2vnsError, KeyError):
    """A word (a key) that is not in the vocabulary: a KeyError, as gensim raises."""

    def __init__(self, word):
        super().__init__(f"unknown word: {word}")
        self.word = word

    def __str__(self):
        return self.args[0]


class UnknownAttributeError(W2vnsError, KeyError):
    """A per-word attribute the vectors do not have (word counts of vectors read from a
    file): a KeyError, as gensim's ``get_vecattr`` raises."""

    def __str__(self):
        return self.args[0]


class QueryValueError(UsageError, ValueError):
    """A query with nothing to compare, or a vector of the wrong size: a ValueError, as
    gensim raises."""


class QueryTypeError(UsageError, TypeError):
    """A query argument of the wrong kind: a TypeError."""
