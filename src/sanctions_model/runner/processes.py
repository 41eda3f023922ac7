"""Every process a run starts ends with the run, also those that left its process group.

A notebook may start programs of its own (``subprocess.Popen``), and such a program may leave the
kernel's process group and session (``start_new_session=True``, a double fork). Killing the
kernel's process group, as jupyter_client does, leaves those behind. Three nets catch them:

- **the process tree**: the kernel's descendants, read from ``/proc`` just before the kernel is
  shut down;
- **a run token**: every kernel gets ``SANCTIONS_MODEL_RUN_TOKEN`` in its environment, which its
  children inherit; after the run, any process of this user that carries the token is killed
  (a double fork or a new session does not clear the environment);
- **a child subreaper** (``prctl(PR_SET_CHILD_SUBREAPER)``, Linux): the kernel is one (set by
  its start-up wrapper, :func:`~sanctions_model.runner.kernel.limited_command`), so the orphans of
  whatever a notebook starts are re-parented to the kernel rather than to init and stay in its
  tree, even with an empty environment. The process that runs the kernel is not made one: a
  kernel whose runner is killed must still see init as its parent, which is how ipykernel knows
  to exit. A sweep's pool worker runs one notebook at a time (``exclusive``): after each run it
  kills all its descendants.

Each pass kills with SIGKILL and repeats until nothing is found (a process that forks while it is
being killed is found in the next pass); the zombies this process inherited are reaped.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterable
from pathlib import Path

TOKEN_ENV = "SANCTIONS_MODEL_RUN_TOKEN"
_PROC = Path("/proc")
_MAX_PASSES = 50


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (a signal 0 reaches it; EPERM: someone else's, alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _parents() -> dict[int, int]:
    """pid -> parent pid of every live process (empty where /proc is missing)."""
    table: dict[int, int] = {}
    try:
        entries = os.listdir(_PROC)
    except OSError:
        return table
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = (_PROC / entry / "stat").read_bytes()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) >= 2 and fields[0] != b"Z":
            table[int(entry)] = int(fields[1])
    return table


def descendants(roots: Iterable[int], parents: dict[int, int] | None = None) -> set[int]:
    """Live descendants of ``roots`` (not the roots themselves)."""
    parents = _parents() if parents is None else parents
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found: set[int] = set()
    todo = list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def carrying_token(token: str, pids: Iterable[int]) -> set[int]:
    """Those of ``pids`` whose environment holds ``SANCTIONS_MODEL_RUN_TOKEN=token``."""
    needle = f"{TOKEN_ENV}={token}".encode()
    found = set()
    for pid in pids:
        try:
            environ = (_PROC / str(pid) / "environ").read_bytes()
        except OSError:  # gone, or another user's process
            continue
        if needle in environ.split(b"\0"):
            found.add(pid)
    return found


def _ancestors(parents: dict[int, int]) -> set[int]:
    pid, seen = os.getpid(), set()
    while pid and pid not in seen:
        seen.add(pid)
        pid = parents.get(pid, 0)
    return seen


def _reap(pids: Iterable[int]) -> None:
    """Collect the exit status of those ``pids`` that are this process's children."""
    for pid in pids:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)


def kill_run_processes(
    token: str | None,
    roots: Iterable[int] = (),
    *,
    exclusive: bool = False,
    keep: Iterable[int] = (),
) -> set[int]:
    """SIGKILL every process of a run; return the pids killed.

    ``token``: the run's token (processes carrying it are killed wherever they are). ``roots``:
    pids that belong to the run, with their descendants. ``exclusive``: this process runs nothing
    else, so all its descendants belong to the run, except ``keep`` (the kernel templates of
    :mod:`.forkserver`, whose own children are found by the token). This process and its ancestors
    are never killed.
    """
    roots = set(roots)
    keep = set(keep)
    killed: set[int] = set()
    for _ in range(_MAX_PASSES):
        parents = _parents()
        targets = descendants(roots, parents) | roots
        if exclusive:
            targets |= descendants([os.getpid()], parents) - keep
        if token:
            targets |= carrying_token(token, parents)
        targets -= _ancestors(parents)
        targets = {p for p in targets if p in parents}
        if not targets:
            break
        for pid in targets:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        killed |= targets
        roots |= targets
        time.sleep(0.01)
        _reap(targets)
    _reap(killed)
    return killed


__all__ = ["TOKEN_ENV", "carrying_token", "descendants", "kill_run_processes"]
