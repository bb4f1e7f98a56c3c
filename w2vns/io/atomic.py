"""Atomic file output: write to a temporary file beside the target, then rename.

A failure, Ctrl-C or kill never leaves a partial file at the target path and never
damages a file already there. Only regular files are replaced: '-' is stdout; a device
or a FIFO is opened and written in place (there is nothing to rename onto it); a
symbolic link keeps pointing where it did while the file it points to is replaced
(or created, for a link whose file does not exist yet).
"""

import codecs
import contextlib
import os
import stat
import sys
import tempfile

from ..errors import OutputError, OutputPathError

COMPRESSED_SUFFIXES = (".gz", ".bz2", ".zst", ".xz")
STDOUT = "-"
_FILE_MODE = 0o666


def _directory(path):
    return os.path.dirname(os.path.abspath(path))


def target_of(path):
    """The file ``path`` names: itself, or for a symbolic link the file it points to
    (which need not exist yet)."""
    return os.path.realpath(path) if os.path.islink(path) else path


def is_special(path):
    """True if ``path`` (links followed) exists and is neither a regular file nor a
    directory: a device, a FIFO or a socket (/dev/stdout on a pipe), written in place."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def check_writable(path, option="-o", binary=False):
    """Fail now, not after training, if ``path`` cannot be written: a usage error.

    ``binary``: the output is binary data, refused on a terminal when ``path`` is '-'.
    No probe file is created for a device or a FIFO: its permission is checked instead.
    """
    if path == STDOUT:
        if binary and sys.stdout is not None and sys.stdout.isatty():
            raise OutputPathError(f"{option} - would write binary vectors to a terminal. "
                                  "Redirect stdout to a file or a pipe, or pass --format text.")
        return
    if is_special(path):
        if not os.access(path, os.W_OK):
            raise OutputPathError(f"cannot write to '{path}': permission denied. Choose "
                                  f"another {option} path.")
        return
    target = target_of(path)
    if os.path.islink(target):
        raise OutputPathError(f"output '{path}' is a loop of symbolic links. Give a file path "
                              f"to {option}.")
    if os.path.isdir(target):
        raise OutputPathError(f"output '{path}' is a directory. Give a file path to {option}.")
    _probe_directory(_directory(target), option)


def _probe_directory(directory, option):
    if not os.path.isdir(directory):
        raise OutputPathError(f"output directory '{directory}' does not exist. "
                              f"Create it or choose another {option} path.")
    try:
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".w2vns-probe-")
    except OSError as exc:
        raise OutputPathError(f"cannot write to output directory '{directory}': "
                              f"{exc.strerror}. Choose another {option} path.") from None
    os.close(fd)
    os.unlink(probe)


def _compression(path):
    suffix = os.path.splitext(path)[1].lower()
    return suffix if suffix in COMPRESSED_SUFFIXES else None


def _open(path, mode, compression, fd=None):
    """A file object on ``fd`` (or on ``path`` when ``fd`` is None), compressed or not."""
    if compression is None:
        return os.fdopen(fd, mode) if fd is not None else open(path, mode)
    import smart_open

    if fd is not None:
        os.close(fd)
    return smart_open.open(path, mode, compression=compression)


def _write_failed(path, exc):
    return OutputError(f"cannot write '{path}': {exc.strerror or exc}. "
                       "Check free space and permissions.")


@contextlib.contextmanager
def atomic_output(path, mode="wb"):
    """Yield a file object; on success it replaces ``path``, on any error it vanishes.

    Compression follows the extension of ``path`` (.gz, .bz2, .zst, .xz). '-' is stdout;
    a device or a FIFO is written in place; a symbolic link's file is replaced.
    """
    if path == STDOUT:
        opener = _stdout_output
    else:
        opener = _in_place if is_special(path) else _replacing
    with opener(path, mode) as handle:
        yield handle


@contextlib.contextmanager
def _replacing(path, mode):
    """A temporary file beside the file ``path`` names, renamed onto it on success."""
    target = target_of(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=_directory(target),
                                   prefix=f".{os.path.basename(target)}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write '{path}': {exc.strerror}. Choose another path.") from None
    try:
        os.chmod(tmp, _FILE_MODE & ~_current_umask())  # mkstemp makes 0600
        try:
            with _open(tmp, mode, _compression(path), fd) as handle:
                yield handle
                handle.flush()
            _fsync(tmp)
            os.replace(tmp, target)
        except OSError as exc:
            raise _write_failed(path, exc) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def _in_place(path, mode):
    """A device or a FIFO: opened for writing and written directly (no rename, no fsync)."""
    try:
        with _open(path, mode, _compression(path)) as handle:
            yield handle
            handle.flush()
    except OSError as exc:
        raise _write_failed(path, exc) from None


@contextlib.contextmanager
def _stdout_output(path, mode):
    """stdout's binary stream, or a UTF-8 writer on it for a text ``mode``; never closed."""
    stream = sys.stdout.buffer
    try:
        sys.stdout.flush()
        yield stream if "b" in mode else codecs.getwriter("utf-8")(stream)
        stream.flush()
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            _discard_stdout()
        raise OutputError(f"cannot write to stdout: {exc.strerror or exc}. Check where "
                          "stdout goes (a closed pipe, a full disk).") from None


def _discard_stdout():
    """After a closed pipe: send what stdout still holds to the null device, so that the
    interpreter's last flush does not fail a second time."""
    with contextlib.suppress(OSError, ValueError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def _current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
