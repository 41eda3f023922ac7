"""The kernel a run executes in: its environment, its memory limit, and its end.

A kernel sees an allow-listed environment (no credentials), its run directory in
``SANCTIONS_MODEL_RUN_DIR``, and a token naming its run (``SANCTIONS_MODEL_RUN_TOKEN``, see
:mod:`~sanctions_model.runner.processes`). On Linux the kernel is started through a tiny ``exec``
wrapper that makes it a child subreaper and, with a memory limit, sets ``RLIMIT_AS`` first, so the
limit holds from the kernel's first instruction and is inherited by whatever it starts. When the
kernel shuts down, its process tree and every process carrying its token are killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type, default

from sanctions_model.runner import forkserver
from sanctions_model.runner.kernel_env import (  # noqa: F401 - re-exported
    EXTRA_ENV_VAR,
    KERNEL_ENV_ALLOW,
    RUN_DIR_ENV,
    SECRET_ENV,
    SECRET_VALUE,
    kernel_environment,
)
from sanctions_model.runner.processes import TOKEN_ENV, descendants, kill_run_processes

# -- the kernel manager --------------------------------------------------------------------------

#: Kernels still alive, by run token (an interrupt can skip nbclient's clean-up).
_LIVE_KERNELS: dict[str, set[Any]] = {}

#: ``python -c`` program that makes the kernel-to-be a child subreaper (kept across ``exec``: the
#: orphans of whatever the notebook starts stay in the kernel's process tree, even after a new
#: session or a double fork), sets the address-space limit if one is given, and becomes the
#: kernel (``exec``): the kernel keeps the pid jupyter_client knows.
_WRAPPER = (
    "import ctypes,os,resource,sys\n"
    "try:ctypes.CDLL(None,use_errno=True).prctl(36,1,0,0,0)\n"
    "except Exception:pass\n"
    "n=int(sys.argv[1])\n"
    "if n:resource.setrlimit(resource.RLIMIT_AS,(n,n))\n"
    "os.execvp(sys.argv[2],sys.argv[2:])"
)


def limited_command(kernel_cmd: list[str], memory_limit: int | None) -> list[str]:
    """``kernel_cmd`` started as a subreaper, under ``memory_limit`` bytes of address space.

    Linux only; elsewhere the command is returned as it is (and a memory limit refused).
    """
    if not sys.platform.startswith("linux"):
        if memory_limit:
            raise OSError("a kernel memory limit needs Linux (RLIMIT_AS)")
        return list(kernel_cmd)
    return [sys.executable, "-I", "-S", "-c", _WRAPPER, str(int(memory_limit or 0)), *kernel_cmd]


#: Run in each kernel before the notebook (no name is left in its namespace): wildboottest's numba
#: function compiled once per kernel and cached on disk (:mod:`~sanctions_model.runner.wildboot`).
KERNEL_STARTUP = (
    "from sanctions_model.runner.wildboot import install as _sm_install; _sm_install(); "
    "del _sm_install"
)


#: How often a shutdown checks whether a killed kernel has exited (jupyter_client's 0.1 s is most
#: of a forked kernel's shutdown).
_EXIT_POLL = 0.005


class RunKernelClient(AsyncKernelClient):
    """jupyter_client's client, ready as soon as the kernel's IOPub channel is proven connected.

    jupyter_client's ``wait_for_ready`` takes a ``kernel_info_reply`` plus any IOPub message as
    proof that IOPub is connected, then drains IOPub until it has been silent for 0.2 s: 0.2 s of
    every run spent waiting. Here the proof is the ``idle`` status of the ``kernel_info`` request
    the reply answers, read from IOPub: once it arrives, every message the kernel published before
    it (start-up output, earlier statuses) has been read, and what follows belongs to the cells
    (nbclient matches outputs to cells by their parent's id anyway). A reply whose status does not
    arrive (IOPub not yet subscribed) is asked again, as jupyter_client does.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
        deadline = time.time() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                asked = reply["parent_header"].get("msg_id")
                if await self._iopub_idle_after(asked, time.monotonic() + 0.5):
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.time() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    async def _iopub_idle_after(self, msg_id: str | None, until: float) -> bool:
        """Read IOPub until the ``idle`` status of request ``msg_id``; False at ``until``."""
        while (left := until - time.monotonic()) > 0:
            try:
                msg = await self.iopub_channel.get_msg(timeout=left)
            except Empty:
                return False
            if (
                msg["msg_type"] == "status"
                and msg["content"].get("execution_state") == "idle"
                and msg["parent_header"].get("msg_id") == msg_id
            ):
                return True
        return False


class RunKernelSpecs(KernelSpecManager):
    """Kernel specs found as jupyter_client finds them, without importing IPython first.

    jupyter_client's search path ends with IPython's own ``kernels`` folder, and finding where
    that is imports IPython (0.1-0.2 s of a one-off run, before its kernel can start). The Jupyter
    data path comes first in that search, so it is searched alone first; a name not found there
    gets jupyter_client's full search (IPython's folder, then ipykernel's built-in ``python3``).
    """

    @default("kernel_dirs")
    def _jupyter_kernel_dirs(self) -> list[str]:
        from jupyter_core.paths import jupyter_path

        return jupyter_path("kernels")

    def _find_spec_directory(self, kernel_name: str) -> str | None:
        from jupyter_client.kernelspec import _is_kernel_dir

        for folder in (d for d in self.kernel_dirs if os.path.isdir(d)):
            for name in os.listdir(folder):
                path = os.path.join(folder, name)
                if name.lower() == kernel_name and _is_kernel_dir(path):
                    return path
        return KernelSpecManager(data_dir=self.data_dir)._find_spec_directory(kernel_name)


class RunKernelManager(AsyncKernelManager):
    """A kernel manager that tells the kernel its run directory and ends all it started.

    One subclass per run (:func:`kernel_manager_for`) carries the run's token and memory limit:
    papermill creates the manager itself, from a class.
    """

    client_class = DottedObjectName(f"{__name__}.RunKernelClient")
    client_factory = Type(RunKernelClient, klass=AsyncKernelClient)

    @default("kernel_spec_manager")
    def _run_kernel_specs(self) -> KernelSpecManager:
        return RunKernelSpecs(data_dir=self.data_dir)

    run_token: str = ""
    memory_limit: int | None = None
    fork: bool | None = None
    """Fork the kernel from a pre-imported template (:mod:`.forkserver`); None: the default."""

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        env = kernel_environment(kw.pop("env", None) or os.environ)
        env.pop("OLDPWD", None)
        if kw.get("cwd"):
            # absolute: the kernel resolves a relative path against its own cwd, the run directory
            env[RUN_DIR_ENV] = env["PWD"] = str(Path(kw["cwd"]).resolve())
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        if self.run_token:
            env[TOKEN_ENV] = self.run_token
        kw["env"] = env
        # The kernel's own stderr carries only start-up chatter (a notebook's output travels over
        # its iopub channel); keep it off the sweep's log, which cron mails.
        kw.setdefault("stderr", subprocess.DEVNULL)
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        if any("ipykernel" in part for part in kernel_cmd):  # an IPython kernel
            # no IPython history: a run's cells do not belong in the user's history database,
            # and its saving thread took ~2% of a sweep kernel's CPU (sqlite writes, locks)
            kernel_cmd = [
                *kernel_cmd,
                f"--IPKernelApp.exec_lines={KERNEL_STARTUP}",
                "--HistoryManager.enabled=False",
            ]
        if not (forkserver.fork_enabled(self.fork) and self._launch_forked(kernel_cmd, kw)):
            await super()._async_launch_kernel(limited_command(kernel_cmd, self.memory_limit), **kw)
        process = getattr(self.provisioner, "process", None)
        if process is not None:
            _LIVE_KERNELS.setdefault(self.run_token, set()).add(process)

    def _launch_forked(self, kernel_cmd: list[str], kw: dict[str, Any]) -> bool:
        """Fork the kernel from this process's template; False where it cannot fork."""
        provisioner = self.provisioner
        if provisioner is None or not hasattr(provisioner, "connection_info"):
            return False
        if self.memory_limit and not sys.platform.startswith("linux"):
            raise OSError("a kernel memory limit needs Linux (RLIMIT_AS)")
        env = kw.get("env") or kernel_environment(os.environ)
        try:
            process = forkserver.launch(
                kernel_cmd,
                env=env,
                cwd=kw.get("cwd"),
                memory_limit=self.memory_limit,
                quiet_stderr=kw.get("stderr") == subprocess.DEVNULL,
            )
        except OSError as exc:  # no template (it could not start or fork): an ordinary kernel
            self.log.warning("forked kernel unavailable (%s); starting an ordinary kernel", exc)
            return False
        if process is None:
            return False
        # what LocalProvisioner.launch_kernel records for a process it started
        provisioner.process = process
        provisioner.pid = provisioner.pgid = process.pid  # the kernel leads its own session
        provisioner.cwd = kw.get("cwd") or Path.cwd()
        self._reconcile_connection_info(provisioner.connection_info)
        return True

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        process = getattr(self.provisioner, "process", None)
        # read the tree before the kernel dies: its orphans are re-parented away from it
        tree = descendants([process.pid]) if process is not None else set()
        try:
            await super()._async_shutdown_kernel(now=now, restart=restart)
        finally:
            kill_run_processes(self.run_token or None, tree)

    shutdown_kernel = _async_shutdown_kernel  # the public name is bound to the base function

    async def _async_wait(self, pollinterval: float = _EXIT_POLL) -> None:
        while await self._async_is_alive():
            await asyncio.sleep(pollinterval)


def kernel_manager_for(
    token: str, memory_limit: int | None = None, fork: bool | None = None
) -> type[RunKernelManager]:
    """A :class:`RunKernelManager` class for one run (``fork``: see :mod:`.forkserver`)."""
    return type(
        "RunKernelManager",
        (RunKernelManager,),
        {"run_token": token, "memory_limit": memory_limit, "fork": fork, "__module__": __name__},
    )


def kill_leftover_kernels(token: str, *, exclusive: bool = False) -> None:
    """Kill what the run ``token`` left behind: its kernel, and every process it started.

    ``exclusive``: this process runs nothing else (a sweep's pool worker), so all its
    descendants are the run's.
    """
    processes = [p for p in _LIVE_KERNELS.pop(token, ()) if p.poll() is None]
    tree = descendants([p.pid for p in processes])  # before the kernels die
    for process in processes:
        with contextlib.suppress(Exception):
            if process.poll() is None:
                process.kill()
                process.wait(timeout=5)
    kill_run_processes(token, tree, exclusive=exclusive, keep=forkserver.template_pids())


__all__ = [
    "KERNEL_ENV_ALLOW",
    "RUN_DIR_ENV",
    "SECRET_ENV",
    "SECRET_VALUE",
    "RunKernelClient",
    "RunKernelManager",
    "kernel_environment",
    "kernel_manager_for",
    "kill_leftover_kernels",
    "limited_command",
]
