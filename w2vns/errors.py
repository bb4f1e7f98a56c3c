"""Exception types. The CLI turns each into one ``Error: ...`` line and its exit code."""

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_SIGINT = 130
EXIT_SIGTERM = 143
EXIT_SIGNAL = {"SIGINT": EXIT_SIGINT, "SIGTERM": EXIT_SIGTERM}


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


class FormatError(W2vnsError):
    """A vectors file is truncated or malformed."""


class DeviceError(W2vnsError):
    """The requested compute device (--device cuda) cannot be used."""
