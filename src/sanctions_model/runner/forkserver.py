"""Kernels forked from a template that has already imported this project's stack.

An ordinary kernel is a new interpreter: it imports ipykernel, then the notebook's first cells
import numpy, pandas, statsmodels, matplotlib, pyfixest and this package, 1-2 s of every run. A
**template** (:mod:`~sanctions_model.runner.kernel_template`) imports
them once, with no ZMQ context, no event loop and no thread (BLAS is loaded with one thread,
numba's pool is not started), and then ``fork()``\\ s one fresh kernel per request. The child
applies the run's environment, working directory, memory limit (``RLIMIT_AS``), new session and
child-subreaper flag, exactly as the ``exec`` wrapper of an ordinary kernel does
(:func:`~sanctions_model.runner.kernel.limited_command`), then becomes an ``IPKernelApp`` with the
run's connection file. Nothing is reused between runs: each kernel is a new process whose memory
is a copy of the template's, so a global set by one run is not seen by the next.

In the child, before any user code:

- the environment is replaced by the run's (the kernel's allow-listed environment);
- thread counts are re-applied: OpenBLAS gets the count an ordinary kernel would start with
  (``OPENBLAS_NUM_THREADS``, else ``OMP_NUM_THREADS``, else the CPUs available), numba re-reads
  ``NUMBA_*`` (``NUMBA_NUM_THREADS``, ``NUMBA_CACHE_DIR``);
- matplotlib's backend is the one an ordinary kernel would pick (``MPLBACKEND``, else inline);
- Python's ``random`` and numpy's global random state are re-seeded from the OS (a forked copy
  would otherwise share the template's seed).

What stays the template's: Python's string-hash seed (``PYTHONHASHSEED`` is fixed per
interpreter, so forked kernels of one template iterate sets of strings in the same order);
the objects it preloaded are frozen (``gc.freeze``, as CPython's documentation advises for a
process that forks: a kernel's collections never traverse them, nor copy their pages); pyarrow's
jemalloc runs without its background purge thread (jemalloc stops it in a forked child;
the template starts without it, to stay single-threaded); and anything else the imported libraries
read from the environment at import time (nothing in this package: ``sanctions_model`` reads its
variables when called). A template serves only runs whose interpreter, flags and import-relevant
variables (``PYTHON*``, ``LD_LIBRARY_PATH``, ``HOME``, ``XDG_*``, ``MPLCONFIGDIR``,
``VIRTUAL_ENV``) match its own; a run that differs gets a template of its own.

A template for sweeps imports the whole stack before its first fork (a request waits rather than
fork a kernel that would import the same modules while the template does: on two cores that
doubles the work); a one-off ``sanctions-model run`` starts its template at once with only
ipykernel to import (profile ``kernel``), which overlaps with the runner's own imports of
papermill and nbconvert. A sweep on the local executor starts one template before its pool and
shares it with the workers (:func:`share`, :class:`SharedTemplate`: they find its socket in
:data:`SHARED_ENV`); a worker that finds none, or whose shared template is gone, starts its own.
A client keeps its connection open for the kernel's life: the template reports the kernel's exit status on it and,
if the client goes away (the runner died), kills the kernel and every process carrying its run
token. The template exits when the process that started it does (its stdin reaches EOF) and takes
its live kernels with it; a kernel whose template is gone exits too (ipykernel's parent poller).

Kernels fork on Linux unless ``SANCTIONS_MODEL_FORK_KERNELS=0``; elsewhere, for a kernel spec that
is not ``python -m ipykernel_launcher``, and for runs on a remote Dask cluster, the runner starts
ordinary kernels. Precedent: SageMathCell's ``ForkingKernelManager`` (a preloaded process that
forks an ``IPKernelApp`` per request, with resource limits). The template itself is
:mod:`~sanctions_model.runner.kernel_template`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sanctions_model.runner.processes import pid_alive

FORK_ENV = "SANCTIONS_MODEL_FORK_KERNELS"
_DEBUG_ENV = "SANCTIONS_MODEL_FORK_DEBUG"  # the template's and kernels' stderr shown
#: Templates a process shares with the processes it starts (:func:`share`): JSON, key digest ->
#: socket address and owner pid. Not a ``SANCTIONS_MODEL_*`` name: kernels never see it (see
#: kernel_env.py) and it is not part of a run's cache key.
SHARED_ENV = "SM_SHARED_KERNEL_TEMPLATES"


#: Thread counts the template loads its libraries with (no BLAS thread pool before the fork).
_TEMPLATE_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: Variables that change what an import finds or loads: a template serves one value of each.
_IMPORT_ENV = re.compile(r"^(PYTHON.*|LD_LIBRARY_PATH|HOME|XDG_.*|MPLCONFIGDIR|VIRTUAL_ENV)$")
#: Per-run variables the template is not started with.
_JEMALLOC_ENV, _NO_BG = "JE_ARROW_MALLOC_CONF", "background_thread:false"
_RUN_ENV = re.compile(r"^(SANCTIONS_MODEL_RUN_.*|JPY_.*|PWD|OLDPWD)$")
_LAUNCHER = "ipykernel_launcher"
_INTERPRETER_FLAG = re.compile(r"^-(X\S+|[BEsuOI]+)$")
_START_TIMEOUT = 60.0


# -- whether and how a kernel command can be forked ----------------------------------------------


def fork_enabled(requested: bool | None = None) -> bool:
    """Fork kernels here? ``requested`` (a run's own choice) wins over the environment."""
    if not (sys.platform.startswith("linux") and hasattr(os, "fork")):
        return False
    if requested is not None:
        return requested
    return os.environ.get(FORK_ENV, "1").strip().lower() not in ("0", "no", "false", "off")


def split_command(kernel_cmd: Sequence[str]) -> tuple[list[str], list[str]] | None:
    """``(interpreter and flags, kernel arguments)`` of ``python [-X..] -m ipykernel_launcher ..``.

    None for any other command (another language, a wrapper script): such kernels start
    ordinarily.
    """
    cmd = list(kernel_cmd)
    try:
        at = cmd.index("-m")
    except ValueError:
        return None
    if at + 1 >= len(cmd) or cmd[at + 1] != _LAUNCHER or at < 1:
        return None
    flags = cmd[1:at]
    if not all(_INTERPRETER_FLAG.match(f) for f in flags):
        return None
    return [cmd[0], *flags], cmd[at + 2 :]


def _template_key(python: Sequence[str], env: Mapping[str, str]) -> tuple:
    return (tuple(python), tuple(sorted((k, v) for k, v in env.items() if _IMPORT_ENV.match(k))))


# -- the client side: a template owned by this process -------------------------------------------


class ForkedKernel:
    """A forked kernel as ``subprocess.Popen`` shows a process: ``pid``, ``poll``, ``wait``,
    ``send_signal``, ``kill``; its exit status comes from the template, over ``conn``."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, conn: socket.socket, args: list[str]) -> None:
        self.pid = pid
        self.args = args
        self.returncode: int | None = None
        self._conn = conn
        self._buffer = b""

    def _read(self, timeout: float | None) -> None:
        if self.returncode is not None:
            return
        self._conn.settimeout(timeout)
        try:
            data = self._conn.recv(4096)
        except (BlockingIOError, TimeoutError):
            return
        except OSError:
            data = b""
        if not data:  # the template is gone, and killed its kernels on the way out
            self.returncode = -signal.SIGKILL
            self._close()
            return
        self._buffer += data
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            message = json.loads(line)
            if "exit" in message:
                self.returncode = int(message["exit"])
                self._close()
                return

    def _close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.close()

    def poll(self) -> int | None:
        self._read(0.0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.returncode is None:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            self._read(left if left is not None else 1.0)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkServer:
    """A template process owned by this process; :meth:`launch` forks a kernel from it."""

    def __init__(
        self, python: Sequence[str], env: Mapping[str, str], profile: str = "stack"
    ) -> None:
        self.owner = os.getpid()
        self.profile = profile
        self._dir = tempfile.mkdtemp(prefix="sm-forkserver-")  # private (0700): the socket's home
        self.address = str(Path(self._dir) / "socket")
        template_env = {k: v for k, v in env.items() if not _RUN_ENV.match(k)}
        template_env.update(dict.fromkeys(_TEMPLATE_THREADS, "1"))
        template_env["MPLBACKEND"] = "Agg"
        # pyarrow's jemalloc (imported by pandas) starts a purge thread; jemalloc stops it in a
        # forked child anyway, so the template runs without it and stays single-threaded
        conf = template_env.get(_JEMALLOC_ENV)
        template_env[_JEMALLOC_ENV] = f"{conf},{_NO_BG}" if conf else _NO_BG
        template_env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        # stdin is the template's lifeline: it exits when this process (the writer) is gone.
        # It holds no copy of this process's stdout or stderr: a caller that reads the command's
        # output to its end (``$(sanctions-model run ...)``, subprocess.run) would otherwise wait
        # for the template's exit too. A kernel's own output travels over its IOPub channel.
        quiet = None if os.environ.get(_DEBUG_ENV) else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [*python, "-m", "sanctions_model.runner.kernel_template", self.address, profile],
            stdin=subprocess.PIPE,
            stdout=quiet,
            stderr=quiet,
            env=template_env,
            cwd="/",
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.owner == os.getpid() and self.process.poll() is None

    def _connect(self) -> socket.socket:
        conn = _connect(self.address, lambda: self.process.poll() is None, refused_retries=True)
        if conn is None:
            raise OSError("the kernel template did not start")
        return conn

    def launch(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: str | None,
        memory_limit: int | None,
        quiet_stderr: bool,
    ) -> ForkedKernel:
        """Fork a kernel running ``IPKernelApp`` with ``args`` (``-f CONNECTION_FILE ...``)."""
        conn = self._connect()
        # the template runs from "/": every path it is given must be absolute (a sweep with a
        # relative --output-root gives a relative run directory and connection file)
        args = [os.path.abspath(a) if i and args[i - 1] == "-f" else a for i, a in enumerate(args)]
        request = {
            "args": args,
            "env": dict(env),
            "cwd": os.path.abspath(cwd) if cwd else os.getcwd(),
            "memory_limit": int(memory_limit or 0),
            "quiet_stderr": bool(quiet_stderr) and not os.environ.get(_DEBUG_ENV),
        }
        conn.sendall(json.dumps(request).encode() + b"\n")
        conn.settimeout(_START_TIMEOUT)
        buffer = b""
        while b"\n" not in buffer:
            data = conn.recv(4096)
            if not data:
                conn.close()
                raise OSError("the kernel template closed the connection before forking")
            buffer += data
        line, rest = buffer.split(b"\n", 1)
        reply = json.loads(line)
        if "error" in reply:
            conn.close()
            raise OSError(f"the kernel template could not fork: {reply['error']}")
        kernel = ForkedKernel(int(reply["pid"]), conn, list(args))
        kernel._buffer = rest
        return kernel

    def status(self, *, wait_for_preload: bool = False) -> dict[str, Any]:
        """The template's preload progress and thread count (``wait_for_preload``: when done)."""
        deadline = time.monotonic() + _START_TIMEOUT * 2
        while True:
            conn = self._connect()
            with conn:
                conn.settimeout(_START_TIMEOUT)
                conn.sendall(b'{"status": true}\n')
                status = json.loads(conn.makefile("rb").readline())
            if status["preloaded"] or not wait_for_preload or time.monotonic() > deadline:
                return status
            time.sleep(0.2)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if self.process.stdin:
                self.process.stdin.close()
        with contextlib.suppress(Exception):
            self.process.wait(timeout=5)
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.kill()
            self.process.wait()
        with contextlib.suppress(OSError):
            os.unlink(self.address)
        with contextlib.suppress(OSError):
            os.rmdir(self._dir)


class SharedTemplate(ForkServer):
    """A template that another process started and shares (a sweep, for its pool's workers; see
    :func:`share`): used over its socket, never stopped from here. Its owner's lifeline still
    holds it, and each kernel still goes with the connection (the worker) that asked for it."""

    def __init__(self, address: str, owner: int, pid: int) -> None:  # no process of its own
        self.owner = owner
        self.pid = pid  # the template's
        self.profile = "stack"
        self.address = address
        self.process = None  # type: ignore[assignment]
        self._failed = False

    def alive(self) -> bool:
        # the socket's folder exists from before the template starts until it is stopped
        folder = os.path.dirname(self.address)
        return (
            not self._failed
            and pid_alive(self.owner)
            and pid_alive(self.pid)
            and os.path.isdir(folder)
        )

    def _connect(self) -> socket.socket:
        # refused: the socket is there but nobody listens any more (the template died)
        conn = _connect(self.address, self.alive, refused_retries=False)
        if conn is None:
            self._failed = True
            raise OSError("the shared kernel template is gone")
        return conn

    def close(self) -> None:
        self._failed = True  # not this process's to stop


def _connect(
    address: str, alive: Callable[[], bool], *, refused_retries: bool
) -> socket.socket | None:
    """A connection to a template's socket, retried while it may still come (the template is
    ``alive()`` and starting: no socket file yet, or, with ``refused_retries``, not listening
    yet) for at most ``_START_TIMEOUT`` seconds; None when it will not."""
    deadline = time.monotonic() + _START_TIMEOUT
    retry: tuple[type[OSError], ...] = (FileNotFoundError,)
    if refused_retries:
        retry += (ConnectionRefusedError,)
    while True:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(address)
            return conn
        except retry:
            conn.close()
            if not alive() or time.monotonic() > deadline:
                return None
            time.sleep(0.01)
        except OSError:
            conn.close()
            return None


def _key_digest(key: tuple) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:32]


def _shared(key: tuple) -> SharedTemplate | None:
    """The template a parent process shares for ``key`` (:data:`SHARED_ENV`), if it is alive."""
    if key in _NOT_SHARED:
        return None
    try:
        entry = json.loads(os.environ.get(SHARED_ENV) or "{}").get(_key_digest(key))
        shared = SharedTemplate(str(entry["address"]), int(entry["owner"]), int(entry["pid"]))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if shared.owner == os.getpid() or not shared.alive():
        return None
    return shared


_SERVERS: dict[tuple, ForkServer] = {}
_LOCK = threading.Lock()
_BROKEN: set[tuple] = set()
_NOT_SHARED: set[tuple] = set()  # keys whose shared template failed here: this process's own


def server_for(python: Sequence[str], env: Mapping[str, str], profile: str = "stack") -> ForkServer:
    """This process's template for ``python`` and ``env``: one a parent shares (:func:`share`),
    else its own, started on first use with ``profile`` (an existing template serves whatever its
    profile)."""
    key = _template_key(python, env)
    with _LOCK:
        server = _SERVERS.get(key)
        if server is None or not server.alive():
            if server is not None and server.owner == os.getpid():
                server.close()
            if isinstance(server, SharedTemplate):
                _NOT_SHARED.add(key)
            server = _shared(key) or ForkServer(python, env, profile)
            _SERVERS[key] = server
        return server


def share(kernel_cmd: Sequence[str], env: Mapping[str, str]) -> ForkServer | None:
    """Start this process's template for ``kernel_cmd`` (profile ``stack``) now, and let the
    processes it starts later use it (:data:`SHARED_ENV`, read by :func:`server_for`).

    A sweep calls it before its pool starts: one template imports the stack for all workers,
    beginning while the sweep plans and the pool starts, where each worker used to start and
    import its own once the pool was up. The template started (stop it with :func:`unshare`),
    or None where kernels do not fork or a parent already shares one."""
    split = split_command(kernel_cmd)
    if split is None or not fork_enabled():
        return None
    try:
        server = server_for(split[0], env, "stack")
    except OSError:
        return None
    if isinstance(server, SharedTemplate):
        return None  # a parent shares one with this process: its children see it too
    key = _template_key(split[0], env)
    try:
        entries = json.loads(os.environ.get(SHARED_ENV) or "{}")
        entries = entries if isinstance(entries, dict) else {}
    except ValueError:
        entries = {}
    entries[_key_digest(key)] = {
        "address": server.address,
        "owner": os.getpid(),
        "pid": server.process.pid,
    }
    os.environ[SHARED_ENV] = json.dumps(entries)
    return server


def unshare(server: ForkServer) -> None:
    """Stop a template :func:`share` started (its live kernels go with it) and stop sharing it."""
    with _LOCK:
        for key, known in list(_SERVERS.items()):
            if known is server:
                del _SERVERS[key]
    try:
        entries = json.loads(os.environ.get(SHARED_ENV) or "{}")
        entries = {k: v for k, v in entries.items() if v.get("address") != server.address}
    except (ValueError, AttributeError):
        entries = {}
    if entries:
        os.environ[SHARED_ENV] = json.dumps(entries)
    else:
        os.environ.pop(SHARED_ENV, None)
    server.close()


def prestart(kernel_cmd: Sequence[str], env: Mapping[str, str], profile: str = "stack") -> None:
    """Start the template for ``kernel_cmd`` now, so that it imports while the caller does."""
    split = split_command(kernel_cmd)
    if split is not None and fork_enabled():
        with contextlib.suppress(OSError):
            server_for(split[0], env, profile)


def template_pids() -> set[int]:
    """The pids of this process's live templates (not those shared with it)."""
    with _LOCK:
        return {
            s.process.pid
            for s in _SERVERS.values()
            if not isinstance(s, SharedTemplate) and s.alive()
        }


def close_all() -> None:
    """Stop this process's templates (their live kernels go with them)."""
    with _LOCK:
        servers = [s for s in _SERVERS.values() if s.owner == os.getpid()]
        _SERVERS.clear()
    for server in servers:
        server.close()


def launch(
    kernel_cmd: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: str | None = None,
    memory_limit: int | None = None,
    quiet_stderr: bool = True,
) -> ForkedKernel | None:
    """A kernel for ``kernel_cmd`` forked from this process's template; None if it cannot fork."""
    split = split_command(kernel_cmd)
    if split is None:
        return None
    python, args = split
    key = _template_key(python, env)
    if key in _BROKEN:
        raise OSError("the kernel template did not start earlier in this process")
    for attempt in range(2):  # a template that died is replaced once
        server = server_for(python, env)
        try:
            return server.launch(
                args, env=env, cwd=cwd, memory_limit=memory_limit, quiet_stderr=quiet_stderr
            )
        except OSError:
            with _LOCK:
                _SERVERS.pop(key, None)
                if isinstance(server, SharedTemplate):
                    _NOT_SHARED.add(key)  # the second attempt starts this process's own
            server.close()
            if attempt:
                _BROKEN.add(key)  # ordinary kernels from now on, without waiting again
                raise
    return None


__all__ = [
    "SHARED_ENV",
    "SharedTemplate",
    "share",
    "unshare",
    "FORK_ENV",
    "ForkServer",
    "ForkedKernel",
    "close_all",
    "fork_enabled",
    "launch",
    "prestart",
    "server_for",
    "split_command",
    "template_pids",
]
