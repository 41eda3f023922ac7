"""The one-off ``run``'s report, written by a process forked from the command while its kernel runs.

Writing a report needs nbconvert, its templates and a compiled notebook schema: 0.2-0.3 s of CPU
in a process that has not written one, all of it before the first page. ``sanctions-model run``
forks a **report worker** once it has imported papermill (nbformat, nbclient, jupyter_client:
what nbconvert imports too) and before it launches the kernel. The worker imports nbconvert and
renders an empty report while the notebook runs, in a session (so a scheduling group) of its own,
without taking turns with the command for Python's lock; then it takes the one job it is given:
the run's staging folder, spec, record and path placeholders. It writes ``notebook.ipynb`` (paths
scrubbed) and ``report.html`` with :func:`~sanctions_model.runner.execute.write_report`, the
function a run without a worker calls in its own process, and answers with the record's status and
error (a report that fails makes the run failed, in either process). The report is the same, byte
for byte, as one written in-process.

A worker is forked only where ``os.fork`` exists and the command runs a single thread (a fork
copies no other thread, and a lock one of them held would stay locked in the copy). A worker that
is gone (it died) answers nothing, and the run writes its report itself. The worker exits when its
job is done, or when the command is gone (its job pipe, the lifeline, reaches end-of-file).

Protocol: one pickled ``(staging, spec, record, machine)`` tuple, length-prefixed, on the job
pipe; one pickled ``(status, error)`` on the reply pipe.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from sanctions_model.runner.execute import RunSpec
    from sanctions_model.runner.records import RunRecord

_DEBUG_ENV = "SANCTIONS_MODEL_FORK_DEBUG"  # as the kernel template: the worker's stderr is shown
_LENGTH = struct.Struct("!Q")
_REAP_WAIT = 5.0


def _send(stream: BinaryIO, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def _receive(stream: BinaryIO) -> Any:
    """The next value on ``stream``; EOFError when the other end is gone."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)  # noqa: S301 - a pipe between this process and its own fork


def can_fork() -> bool:
    """A worker can be forked here: ``os.fork`` exists and only this thread runs."""
    return hasattr(os, "fork") and threading.active_count() == 1


# -- the command's side ------------------------------------------------------------------------


class ReportWorker:
    """A report worker forked from this process (used at most once). See :func:`start`."""

    def __init__(self, show_code: bool = False) -> None:
        self.owner = os.getpid()
        self.used = self.answered = False
        job_r, job_w = os.pipe()
        reply_r, reply_w = os.pipe()
        for stream in (sys.stdout, sys.stderr):  # nothing buffered here is written twice
            with contextlib.suppress(Exception):
                stream.flush()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                os.close(job_w)
                os.close(reply_r)
                code = _worker(job_r, reply_w, show_code)
            finally:
                os._exit(code)
        os.close(job_r)
        os.close(reply_w)
        self.pid = pid
        self._job = os.fdopen(job_w, "wb")
        self._reply = os.fdopen(reply_r, "rb")

    def write_report(
        self, staging: Path, spec: RunSpec, record: RunRecord, machine: dict[str, str]
    ) -> bool:
        """Have the worker write the run's report; False (the record unchanged) if it cannot.

        On True, ``record.status`` and ``record.error`` are what the report made of them.
        """
        if self.used or self.owner != os.getpid():
            return False
        self.used = True
        try:
            _send(self._job, (staging, spec, record, machine))
            status, error = _receive(self._reply)
        except (OSError, EOFError, pickle.PickleError, ValueError):
            return False  # the worker is gone: the caller writes the report itself
        self.answered = True
        record.status, record.error = status, error
        return True

    def close(self) -> None:
        """Reap the worker: one that answered exits at once; one that had no job, or whose run
        stopped waiting (Ctrl-C), is stopped."""
        if self.owner != os.getpid():
            return
        for stream in (self._job, self._reply):
            with contextlib.suppress(OSError):
                stream.close()
        deadline = time.monotonic() + (_REAP_WAIT if self.answered else 0.0)
        while True:
            try:
                done, _ = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return
            if done:
                return
            if time.monotonic() >= deadline:  # still warming up, or stuck: not wanted any more
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(self.pid, 0)
                return
            time.sleep(0.002)


def start(show_code: bool = False) -> ReportWorker | None:
    """A report worker forked now, warming up for a report (``show_code`` as the run's); None
    where it cannot fork (:func:`can_fork`) or the fork fails."""
    if not can_fork():
        return None
    try:
        return ReportWorker(show_code)
    except OSError:
        return None


# -- the worker's side -------------------------------------------------------------------------


def _detach() -> None:
    """A session of its own (no Ctrl-C from the terminal: it ends with its lifeline); no copy of
    the kernel template's lifeline (the template must see the command go, not wait for this
    process); stdin from /dev/null and, unless debugging, no output."""
    os.setsid()
    from sanctions_model.runner import forkserver

    for server in list(forkserver._SERVERS.values()):
        with contextlib.suppress(Exception):
            if server.process.stdin is not None:
                server.process.stdin.close()
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    if not os.environ.get(_DEBUG_ENV):
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    os.close(devnull)


def _warm_up(show_code: bool) -> None:
    """Import nbconvert, compile its templates and render an empty report once."""
    import nbformat

    from sanctions_model.runner.html import _exporter

    _exporter(show_code).from_notebook_node(nbformat.v4.new_notebook())


def _worker(job_fd: int, reply_fd: int, show_code: bool) -> int:
    _detach()
    with contextlib.suppress(Exception):
        _warm_up(show_code)
    with os.fdopen(job_fd, "rb") as jobs, os.fdopen(reply_fd, "wb") as replies:
        try:
            staging, spec, record, machine = _receive(jobs)
        except EOFError:
            return 0  # the command ended without a run to report
        from sanctions_model.runner.execute import write_report

        write_report(staging, spec, record, machine)
        with contextlib.suppress(BrokenPipeError):
            _send(replies, (record.status, record.error))
    return 0


__all__ = ["ReportWorker", "can_fork", "start"]
