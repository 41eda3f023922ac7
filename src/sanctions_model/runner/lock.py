"""One sweep at a time per output directory (an ``flock`` on ``<dir>/.lock``).

A second sweep on the same directory waits up to ``timeout`` seconds, then raises
:class:`SweepLocked` (exit status 3) naming the process that holds the lock. ``timeout=0`` exits at
once; a negative timeout waits forever. The lock is released by the operating system when its holder
dies, so a crashed sweep never leaves a stale lock.

Neither file is followed if it is a symbolic link: a ``.lock`` that is a link (or not a regular
file) is refused with exit status 2 before anything is written (opening it would truncate the
link's target), and ``.lock.info`` is replaced by a rename, which replaces a link rather than
writing through it.

The lock is :func:`fcntl.flock` on the file, as :mod:`filelock` takes it on Unix (the two exclude
each other), without importing filelock (0.1-0.3 s of every sweep); where :mod:`fcntl` does not
exist, :mod:`filelock` is used.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path

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


class _Timeout(Exception):
    pass


class _FlockLock:
    """``acquire()`` / ``release()`` of an exclusive ``flock`` on ``path``, polling every 50 ms
    up to ``timeout`` seconds (0: one try; negative: wait forever); the file is kept."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path, self.timeout, self.fd = path, timeout, -1

    def acquire(self) -> None:
        import fcntl

        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.path, flags, 0o644)
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if self.timeout < 0:
                        fcntl.flock(fd, fcntl.LOCK_EX)
                        break
                    if time.monotonic() >= deadline:
                        raise _Timeout from None
                    time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd

    def release(self) -> None:
        import fcntl

        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _lock(path: str, timeout: float) -> tuple[object, type[BaseException]]:
    try:
        import fcntl  # noqa: F401
    except ImportError:  # not Unix
        from filelock import FileLock, Timeout

        return FileLock(path, timeout=timeout), Timeout
    return _FlockLock(path, timeout), _Timeout


@contextlib.contextmanager
def sweep_lock(
    directory: str | os.PathLike[str], timeout: float = DEFAULT_LOCK_TIMEOUT
) -> Iterator[None]:
    """Hold the sweep lock on ``directory`` for the duration of the block."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _check_lock_file(directory / LOCK_NAME)
    lock, timeout_error = _lock(str(directory / LOCK_NAME), timeout)
    try:
        lock.acquire()  # type: ignore[attr-defined]
    except timeout_error:
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
        lock.release()  # type: ignore[attr-defined]
