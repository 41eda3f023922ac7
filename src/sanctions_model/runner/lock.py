"""One sweep at a time per output directory (a :mod:`filelock` on ``<dir>/.lock``).

A second sweep on the same directory waits up to ``timeout`` seconds, then raises
:class:`SweepLocked` (exit status 3) naming the process that holds the lock. ``timeout=0`` exits at
once; a negative timeout waits forever. The lock is released by the operating system when its holder
dies, so a crashed sweep never leaves a stale lock.

Neither file is followed if it is a symbolic link: a ``.lock`` that is a link (or not a regular
file) is refused with exit status 2 before anything is written (opening it would truncate the
link's target), and ``.lock.info`` is replaced by a rename, which replaces a link rather than
writing through it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from sanctions_model.errors import SanctionsModelError
from sanctions_model.runner.records import write_shared_text

LOCK_NAME = ".lock"
INFO_NAME = ".lock.info"
DEFAULT_LOCK_TIMEOUT = 60.0
LOCKED_EXIT_CODE = 3


class SweepLocked(SanctionsModelError):
    """Another sweep holds the lock on this output directory."""

    exit_code = LOCKED_EXIT_CODE


class LockFileRefused(SanctionsModelError):
    """The lock file is a symbolic link or not a regular file (exit status 2)."""

    exit_code = 2


def _check_lock_file(path: Path) -> None:
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "not a regular file"
        raise LockFileRefused(
            f"the sweep lock {path} is {kind}; the runner does not follow it. "
            "Remove it (no sweep is harmed: the lock is re-created) and run again"
        )


def _holder(directory: Path) -> str:
    try:
        info = json.loads((directory / INFO_NAME).read_text(encoding="utf-8"))
        return f"pid {info.get('pid')} on {info.get('host')}, since {info.get('since')}"
    except (OSError, ValueError):
        return "another process"


@contextlib.contextmanager
def sweep_lock(
    directory: str | os.PathLike[str], timeout: float = DEFAULT_LOCK_TIMEOUT
) -> Iterator[None]:
    """Hold the sweep lock on ``directory`` for the duration of the block."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _check_lock_file(directory / LOCK_NAME)
    lock = FileLock(str(directory / LOCK_NAME), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        waited = "without waiting" if timeout == 0 else f"after waiting {timeout:g} s"
        raise SweepLocked(
            f"another sweep is writing {directory} ({_holder(directory)}); gave up {waited}. "
            "Wait for it to finish, or pass --lock-timeout SECONDS to wait longer."
        ) from None
    try:
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }
        with contextlib.suppress(OSError):
            _check_lock_file(directory / LOCK_NAME)  # swapped for a link while we waited?
            write_shared_text(directory / INFO_NAME, json.dumps(info))  # a rename: links replaced
        yield
    finally:
        with contextlib.suppress(OSError):
            (directory / INFO_NAME).unlink()  # unlinks a link itself, never its target
        lock.release()
