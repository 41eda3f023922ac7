"""One sweep at a time per output directory (a :mod:`filelock` on ``<dir>/.lock``).

A second sweep on the same directory waits up to ``timeout`` seconds, then raises
:class:`SweepLocked` (exit status 3) naming the process that holds the lock. ``timeout=0`` exits at
once; a negative timeout waits forever. The lock is released by the operating system when its holder
dies, so a crashed sweep never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from sanctions_model.errors import SanctionsModelError

LOCK_NAME = ".lock"
INFO_NAME = ".lock.info"
DEFAULT_LOCK_TIMEOUT = 60.0
LOCKED_EXIT_CODE = 3


class SweepLocked(SanctionsModelError):
    """Another sweep holds the lock on this output directory."""

    exit_code = LOCKED_EXIT_CODE


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
            (directory / INFO_NAME).write_text(json.dumps(info), encoding="utf-8")
        yield
    finally:
        with contextlib.suppress(OSError):
            (directory / INFO_NAME).unlink()
        lock.release()
