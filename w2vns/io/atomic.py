"""Atomic file output: write to a temporary file beside the target, then rename.

A failure, Ctrl-C or kill never leaves a partial file at the target path and never
damages a file already there.
"""

import contextlib
import os
import tempfile

from ..errors import OutputError

COMPRESSED_SUFFIXES = (".gz", ".bz2", ".zst", ".xz")
_FILE_MODE = 0o666


def _directory(path):
    return os.path.dirname(os.path.abspath(path))


def check_writable(path, option="-o"):
    """Fail now, not after training, if ``path`` cannot be created."""
    if os.path.isdir(path):
        raise OutputError(f"output '{path}' is a directory. Give a file path to {option}.")
    directory = _directory(path)
    if not os.path.isdir(directory):
        raise OutputError(f"output directory '{directory}' does not exist. "
                          f"Create it or choose another {option} path.")
    try:
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".w2vns-probe-")
    except OSError as exc:
        raise OutputError(f"cannot write to output directory '{directory}': {exc.strerror}. "
                          f"Choose another {option} path.") from None
    os.close(fd)
    os.unlink(probe)


def _compression(path):
    suffix = os.path.splitext(path)[1].lower()
    return suffix if suffix in COMPRESSED_SUFFIXES else None


@contextlib.contextmanager
def atomic_output(path, mode="wb"):
    """Yield a file object; on success it replaces ``path``, on any error it vanishes.

    Compression follows the extension of ``path`` (.gz, .bz2, .zst, .xz).
    """
    directory = _directory(path)
    name = os.path.basename(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write '{path}': {exc.strerror}. Choose another path.") from None
    try:
        os.chmod(tmp, _FILE_MODE & ~_current_umask())  # mkstemp makes 0600
        compression = _compression(path)
        try:
            if compression is None:
                handle = os.fdopen(fd, mode)
            else:
                import smart_open

                os.close(fd)
                handle = smart_open.open(tmp, mode, compression=compression)
            with handle:
                yield handle
                handle.flush()
            _fsync(tmp)
            os.replace(tmp, path)
        except OSError as exc:
            raise OutputError(f"cannot write '{path}': {exc.strerror or exc}. "
                              "Check free space and permissions.") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


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
