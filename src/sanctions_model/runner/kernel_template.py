"""The template process of :mod:`~sanctions_model.runner.forkserver`, and the kernels it forks.

Run as ``python -m sanctions_model.runner.kernel_template SOCKET`` (by
:class:`~sanctions_model.runner.forkserver.ForkServer`, never by hand): it listens on the Unix
socket ``SOCKET``, imports the modules of its profile (:data:`PROFILES`: ``stack`` or ``kernel``), and then serves until its stdin (the lifeline to the process that started it) closes.
A request is one JSON line (the kernel's arguments, environment, working directory, memory limit);
the reply is ``{"pid": N}``, and ``{"exit": CODE}`` when that kernel ends. A client that goes away
takes its kernel with it: the template kills the kernel and every process carrying its run token.
The forked child takes on the run's settings in :func:`become_kernel`.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import selectors
import signal
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: Imported by a template for sweeps (several kernels per template), before its first fork.
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "IPython.core.interactiveshell",
    "ipykernel.debugger",
    "IPython.core.oinspect",
    # what a kernel's start imports after the fork (its shell's debugger, history database,
    # completer, logger and storemagic; tornado's asyncio bridge)
    "IPython.core.debugger",
    "IPython.core.completerlib",
    "IPython.core.logger",
    "IPython.extensions.storemagic",
    "sqlite3",
    "tornado.platform.asyncio",
    "psutil",
    "matplotlib_inline.backend_inline",
    "numpy",
    "pandas",
    "scipy.stats",
    "scipy.optimize",
    "statsmodels.api",
    "matplotlib",
    "matplotlib.pyplot",
    "pyfixest",
    "sanctions_model",
    "sanctions_model.data",
    "sanctions_model.models",
    "sanctions_model.reporting",
    "sanctions_model.coordination",
    "sanctions_model.runner.wildboot",
)

#: What a template imports, by profile: ``stack`` for sweeps (the notebooks' imports, paid once
#: per worker), ``kernel`` for a one-off run (only what any kernel imports at start, so that a
#: one-off run imports nothing it may not need, while the runner imports papermill).
PROFILES = {
    "stack": PRELOAD,
    "kernel": (
        "ipykernel.kernelapp",
        "ipykernel.ipkernel",
        "IPython.core.interactiveshell",
        # imported by IPKernelApp.initialize: 0.1 s of every forked kernel's start otherwise
        "ipykernel.debugger",
        "IPython.core.oinspect",
        "psutil",
        "sanctions_model.runner.wildboot",
    ),
}

_INLINE = "module://matplotlib_inline.backend_inline"
_PR_SET_CHILD_SUBREAPER = 36
_LAUNCHER = "ipykernel_launcher"


class _Template:
    def __init__(self, address: str) -> None:
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(address)
        self.listener.listen(64)
        self.address = address
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.wake_r, wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(wake_w, False)
        self.wake_w = wake_w
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.selector.register(self.wake_r, selectors.EVENT_READ, "child")
        self.selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "lifeline")
        self.kernels: dict[int, tuple[socket.socket, str]] = {}  # pid -> (client, run token)
        self.conns: dict[socket.socket, int] = {}
        self.done = False
        self.preloaded = False
        self.warmed: list[str] = []

    # the loop
    def poll(self, timeout: float | None) -> None:
        for key, _ in self.selector.select(timeout):
            if key.data == "accept":
                self._accept()
            elif key.data == "child":
                with contextlib.suppress(OSError):
                    os.read(self.wake_r, 4096)
                self._reap()
            elif key.data == "lifeline":
                if not os.read(sys.stdin.fileno(), 4096):
                    self.done = True
            else:  # a client's connection: EOF means its runner went away
                self._client_event(key.fileobj)  # type: ignore[arg-type]
        self._reap()

    def serve(self) -> None:
        while not self.done:
            self.poll(1.0)
        self.shutdown()

    def _accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        conn.settimeout(10)
        try:
            buffer = b""
            while b"\n" not in buffer:
                data = conn.recv(65536)
                if not data:
                    raise OSError("no request")
                buffer += data
            request = json.loads(buffer.split(b"\n", 1)[0])
        except (OSError, ValueError):
            conn.close()
            return
        if request.get("status"):
            self._status(conn)
            return
        try:
            pid = os.fork()
        except OSError as exc:
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps({"error": str(exc)}).encode() + b"\n")
            conn.close()
            return
        if pid == 0:  # the kernel
            code = 1
            try:
                self._close_in_child(conn)
                code = become_kernel(request)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:  # noqa: BLE001 - reported on the kernel's stderr, then exit
                import traceback

                traceback.print_exc()
            finally:
                os._exit(code)
        token = request.get("env", {}).get("SANCTIONS_MODEL_RUN_TOKEN", "")
        self.kernels[pid] = (conn, token)
        self.conns[conn] = pid
        conn.setblocking(False)
        try:
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        except OSError:
            self._kill(pid)
            return
        self.selector.register(conn, selectors.EVENT_READ, "client")

    def _status(self, conn: socket.socket) -> None:
        """How far the preload is, how many threads the template has (it must be one), and how
        many objects it has frozen for its kernels."""
        status = {
            "preloaded": self.preloaded,
            "threads": len(os.listdir("/proc/self/task")),
            "thread_names": [
                Path(f"/proc/self/task/{t}/comm").read_text().strip()
                for t in os.listdir("/proc/self/task")
            ],
            "modules": [name for name in PRELOAD if name in sys.modules],
            "frozen": gc.get_freeze_count(),
            "warmed": self.warmed,  # modules whose compiled kernels are ready (runner.warmup)
        }
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps(status).encode() + b"\n")
        conn.close()

    def _close_in_child(self, conn: socket.socket) -> None:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        self.selector.close()
        for fd in (self.wake_r, self.wake_w, sys.stdin.fileno()):
            with contextlib.suppress(OSError):
                os.close(fd)
        for sock in (self.listener, conn, *self.conns):
            with contextlib.suppress(OSError):
                sock.close()

    def _client_event(self, conn: socket.socket) -> None:
        try:
            data = conn.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            pid = self.conns.get(conn)
            if pid is not None:
                self._kill(pid)
            if conn in self.conns:  # still alive after the kill: stop watching a closed socket
                with contextlib.suppress(Exception):
                    self.selector.unregister(conn)

    def _kill(self, pid: int) -> None:
        """The kernel ``pid`` (its client went away): kill it and everything of its run."""
        from sanctions_model.runner.processes import kill_run_processes

        _, token = self.kernels.get(pid, (None, ""))
        kill_run_processes(token or None, [pid])  # may reap it: its status is then lost
        self._reap()
        if pid in self.kernels and not Path(f"/proc/{pid}").exists():
            self._forget(pid, -signal.SIGKILL)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self._forget(pid, os.waitstatus_to_exitcode(status))

    def _forget(self, pid: int, code: int) -> None:
        """Kernel ``pid`` has ended: tell its client (if still there) and close the connection."""
        entry = self.kernels.pop(pid, None)
        if entry is None:
            return
        conn = entry[0]
        self.conns.pop(conn, None)
        with contextlib.suppress(Exception):
            self.selector.unregister(conn)
        with contextlib.suppress(OSError):
            conn.setblocking(True)
            conn.settimeout(1)
            conn.sendall(json.dumps({"exit": code}).encode() + b"\n")
        with contextlib.suppress(OSError):
            conn.close()

    def shutdown(self) -> None:
        for pid in list(self.kernels):
            self._kill(pid)
        with contextlib.suppress(OSError):
            os.unlink(self.address)
        folder = Path(self.address).parent  # the client's private folder, when it did not close
        if folder.name.startswith("sm-forkserver-"):
            with contextlib.suppress(OSError):
                folder.rmdir()


def _set_blas_threads(count: int) -> None:
    """Set the thread count of every OpenBLAS this process has loaded (numpy's, scipy's)."""
    import ctypes

    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return
    paths = {line.split()[-1] for line in maps.splitlines() if "openblas" in line.lower()}
    names = (
        "scipy_openblas_set_num_threads64_",
        "scipy_openblas_set_num_threads",
        "openblas_set_num_threads64_",
        "openblas_set_num_threads",
    )
    for path in paths:
        if not path.startswith("/"):
            continue
        try:
            lib = ctypes.CDLL(path, mode=os.RTLD_NOLOAD | os.RTLD_LOCAL)
        except OSError:
            continue
        for name in names:
            function = getattr(lib, name, None)
            if function is not None:
                function(ctypes.c_int(count))
                break


def blas_threads(env: Mapping[str, str]) -> int:
    """The OpenBLAS thread count an ordinary kernel with ``env`` starts with."""
    for name in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"):  # its order
        with contextlib.suppress(ValueError):
            value = int(env.get(name, "").strip() or 0)
            if value > 0:
                return min(value, 64)
    cpus = (
        os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    )
    return max(1, min(len(cpus), 64))


def become_kernel(request: Mapping[str, Any]) -> int:
    """In the forked child: take on the run's settings, then run an ``IPKernelApp``."""
    import ctypes
    import resource

    os.setsid()  # a session and process group of its own, as jupyter_client starts kernels
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    limit = int(request.get("memory_limit") or 0)
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    if request.get("quiet_stderr"):
        os.dup2(devnull, 2)
    os.close(devnull)
    os.chdir(request["cwd"])
    env = dict(request["env"])
    env["JPY_PARENT_PID"] = str(os.getppid())  # the kernel exits when its template does
    if "sanctions_model.runner.wildboot" in sys.modules:  # the kernel start-up would set it late
        from sanctions_model.runner.wildboot import numba_cache_dir

        env.setdefault("NUMBA_CACHE_DIR", str(numba_cache_dir()))
    os.environ.clear()
    os.environ.update(env)
    _reapply_imports(env)
    import importlib.util

    from ipykernel import kernelapp

    spec = importlib.util.find_spec(_LAUNCHER)
    # ipykernel read JPY_PARENT_PID into a class default when the template imported it
    args = [*request["args"], f"--IPKernelApp.parent_handle={os.getppid()}"]
    sys.argv = [(spec.origin if spec else None) or _LAUNCHER, *args]
    kernelapp.launch_new_instance()
    return 0


def _reapply_imports(env: Mapping[str, str]) -> None:
    """What the template's imports read from its own environment, read again from the run's."""
    import random

    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
        count = blas_threads(env)
        if count != 1:
            _set_blas_threads(count)
    if "numba" in sys.modules:
        with contextlib.suppress(Exception):
            from numba.core import config

            config.reload_config()
    if "matplotlib" in sys.modules:
        import matplotlib

        backend = env.get("MPLBACKEND") or _INLINE
        with contextlib.suppress(Exception):
            matplotlib.rcParams["backend"] = backend
        if not env.get("MPLBACKEND"):
            os.environ["MPLBACKEND"] = _INLINE  # as ipykernel would set it


def _preload(template: _Template, profile: str) -> None:
    """Import the ``profile``'s modules before any kernel is forked: a request waits (in the
    socket's queue) rather than fork a kernel that would import them again while the template
    does. A sweep's template (``stack``) also readies the compiled kernels (:mod:`.warmup`); a
    one-off run's (``kernel``) compiles nothing its notebook may not call."""
    import importlib

    for name in PROFILES[profile]:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    if profile == "stack":
        with contextlib.suppress(Exception):
            from sanctions_model.runner.warmup import warm

            template.warmed = warm()
    # The preloaded objects go to the permanent generation: a kernel's collections never traverse
    # them (less work per full collection, and no copy-on-write of their pages by the collector).
    gc.freeze()
    template.preloaded = True


def main(argv: Sequence[str]) -> None:
    if sys.path and Path(sys.path[0] or ".").resolve() == Path.cwd():
        del sys.path[0]  # as ipykernel_launcher does; IPython puts '' back in the kernel
    template = _Template(argv[0])
    with contextlib.suppress(KeyboardInterrupt):
        _preload(template, argv[1] if len(argv) > 1 else "stack")
        template.serve()
    template.shutdown()


__all__ = ["PRELOAD", "PROFILES", "become_kernel", "blas_threads", "main"]


if __name__ == "__main__":
    main(sys.argv[1:])
    # its kernels are gone and it has nothing to flush: the tear-down of ipykernel's imports
    # (0.1-0.3 s) would only keep its process alive after the command that started it
    sys.stderr.flush()
    os._exit(0)
