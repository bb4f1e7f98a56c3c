"""Every path a command writes, checked before any work against every path it reads and
against each other: an output never replaces an input, and two outputs never share a file.

Files that exist are compared by identity (device and inode), so the same file reached
through another path, a symbolic link or a hard link is recognised; paths that do not
exist yet are compared by their resolved real paths. '-' as an output is stdout, which
one output at most may use; '-' and URLs as inputs are not files here. Character
devices (/dev/null, a terminal) are written in place and replace nothing, so they
collide with nothing.
"""

import fnmatch
import os
import stat
from dataclasses import dataclass, field

from ..errors import OutputPathError
from .atomic import STDOUT
from .corpus import STDIN, is_url

_STDOUT_IDENTITY = ("stdout",)


@dataclass(frozen=True)
class WorkDirectory:
    """A directory a run keeps its own files in (checkpoints, the encoded corpus):
    ``names`` are the glob patterns of the files it writes and removes there."""

    label: str
    path: str
    names: tuple


@dataclass
class PathPlan:
    """What a command reads and writes, each path with the option (label) that gave it.

    ``inputs`` and ``outputs``: (label, path) pairs, a None path left out.
    ``stdout_refused``: labels of outputs that must name a file, not '-'.
    ``may_replace``: (input label, output label) pairs allowed to be one file: an input
    read whole before the output is renamed onto it (a model continued in place).
    """

    inputs: list
    outputs: list
    directories: list = field(default_factory=list)
    stdout_refused: tuple = ()
    may_replace: frozenset = frozenset()


def identity(path):
    """What decides whether two paths are one file; None for a character device."""
    if path == STDOUT:
        return _STDOUT_IDENTITY
    try:
        status = os.stat(path)
    except OSError:
        return ("path", os.path.realpath(path))
    if stat.S_ISCHR(status.st_mode):
        return None
    return ("file", status.st_dev, status.st_ino)


def _given(pairs):
    return [(label, os.fspath(path)) for label, path in pairs if path is not None]


def check_paths(plan):
    """Raise OutputPathError (a usage error) for the first collision in ``plan``."""
    outputs = _given(plan.outputs)
    inputs = [(label, path) for label, path in _given(plan.inputs)
              if path != STDIN and not is_url(path)]
    _check_stdout(outputs, plan.stdout_refused)
    _check_inputs(inputs, outputs, plan.may_replace)
    _check_outputs(outputs)
    for directory in plan.directories:
        if directory.path is not None:
            _check_directory(directory, inputs, outputs)


def _check_stdout(outputs, refused):
    for label, path in outputs:
        if path == STDOUT and label in refused:
            raise OutputPathError(f"{label} needs a file path: - (stdout) is not supported "
                                  "there.")
    to_stdout = [label for label, path in outputs if path == STDOUT]
    if len(to_stdout) > 1:
        raise OutputPathError(f"{to_stdout[0]} and {to_stdout[1]} both write to stdout (-). "
                              "Give a file path to all but one of them.")


def _check_inputs(inputs, outputs, may_replace):
    read = {}
    for label, path in inputs:
        key = identity(path)
        if key is not None:
            read.setdefault(key, (label, path))
    for label, path in outputs:
        found = read.get(identity(path))
        if found is not None and (found[0], label) not in may_replace:
            raise OutputPathError(f"{label} '{path}' and {found[0]} '{found[1]}' are the same "
                                  f"file: an output never replaces an input. Choose another "
                                  f"{label} path.")


def _check_outputs(outputs):
    written = {}
    for label, path in outputs:
        key = identity(path)
        if key is None or key == _STDOUT_IDENTITY:
            continue
        if key in written:
            first, first_path = written[key]
            raise OutputPathError(f"{first} '{first_path}' and {label} '{path}' are the same "
                                  "file. Give each output its own path.")
        written[key] = (label, path)


def _check_directory(directory, inputs, outputs):
    home = identity(directory.path)
    for label, path in outputs:
        if path != STDOUT and identity(path) == home:
            raise OutputPathError(f"{label} '{path}' and {directory.label} '{directory.path}' "
                                  f"are the same path. Choose another {label} path.")
    for entries, remedy in ((inputs, f"another {directory.label} directory"),
                            (outputs, None)):
        for label, path in entries:
            pattern = _reserved(path, home, directory.names)
            if pattern is not None:
                raise OutputPathError(
                    f"{label} '{path}' has a name that {directory.label} '{directory.path}' "
                    f"uses for its own files ({pattern}): it would be overwritten or "
                    f"removed. Choose {remedy or f'another {label} path'}.")


def _reserved(path, home, names):
    """The pattern of ``names`` that ``path`` matches when it lies in the directory whose
    identity is ``home``; None otherwise."""
    if path == STDOUT:
        return None
    real = os.path.realpath(path)
    if identity(os.path.dirname(real)) != home:
        return None
    return next((p for p in names if fnmatch.fnmatchcase(os.path.basename(real), p)), None)
