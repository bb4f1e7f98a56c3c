"""Private temporary directories of a run, and the removal of those that dead runs left.

A run's directory (the spooled ids of the scan, the id cache of its epochs) is removed
when the run ends, also on error or signal. A process killed outright (SIGKILL, a power
cut, the out-of-memory killer) cannot remove it, so every run holds an exclusive lock on
a file inside its directory while it lives, and names the directory after its process
id. The next run removes every directory whose lock it can take and whose process is
gone: the lock proves no live run uses it (the kernel drops a dead process's locks), the
process id guards the moment between creating the directory and locking it.
"""

import contextlib
import fcntl
import os
import re
import shutil
import tempfile

PREFIX = "w2vns-"
LOCK_NAME = ".owner.lock"
# w2vns-<kind>-<pid>-<random>, as made by run_directory; other names are never touched.
_OWNED = re.compile(rf"^{re.escape(PREFIX)}(?:[a-z]+-)?(\d+)-[A-Za-z0-9_]+$")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _abandoned(path, pid):
    """True if no live process holds ``path``'s lock and its process ``pid`` is gone."""
    if _alive(pid):
        return False
    try:
        fd = os.open(os.path.join(path, LOCK_NAME), os.O_RDWR)
    except OSError:  # no lock file: the run died before locking, or the directory is foreign
        return not os.listdir(path) if os.path.isdir(path) else False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)  # closing releases the lock taken here
    return True


def remove_abandoned(parent=None):
    """Remove the directories of dead runs under ``parent`` ($TMPDIR by default).

    Returns the paths removed. Never raises: cleaning up is a courtesy to the user."""
    parent = parent or tempfile.gettempdir()
    removed = []
    try:
        names = os.listdir(parent)
    except OSError:
        return removed
    for name in names:
        match = _OWNED.match(name)
        path = os.path.join(parent, name)
        if match is None or os.path.islink(path) or not os.path.isdir(path):
            continue
        with contextlib.suppress(OSError):
            if _abandoned(path, int(match.group(1))):
                shutil.rmtree(path)
                removed.append(path)
    return removed


@contextlib.contextmanager
def run_directory(kind=None, parent=None):
    """A private directory for this run, locked while it lives and removed at the end.

    ``kind`` (lower-case letters) tells runs apart in a listing (``estimate``,
    ``phrases``). Directories of dead runs are removed first."""
    remove_abandoned(parent)
    prefix = f"{PREFIX}{kind + '-' if kind else ''}{os.getpid()}-"
    path = tempfile.mkdtemp(prefix=prefix, dir=parent)
    fd = os.open(os.path.join(path, LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield path
    finally:
        os.close(fd)
        shutil.rmtree(path, ignore_errors=True)
