"""The command a kernel is started with, found as jupyter_client finds it, and the kernel templates
a sweep starts for its kernels (:func:`share_templates`). Below both the command line
(:mod:`.cli`) and the sweep (:mod:`.sweep`), which use it."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["kernel_command", "kernel_json_argv", "share_templates"]


def kernel_json_argv(kernel_name: str) -> list[str] | None:
    """The kernel's command from its ``kernel.json``, found where jupyter_client looks (the
    Jupyter data path), without importing jupyter_client (0.2-0.5 s); None if not found there."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("kernels"):
        spec = Path(folder) / kernel_name.lower() / "kernel.json"
        try:
            argv = json.loads(spec.read_text(encoding="utf-8")).get("argv")
        except (OSError, ValueError, AttributeError):
            continue
        return [str(a) for a in argv] if isinstance(argv, list) else None
    return None


def kernel_command(kernel_name: str) -> list[str] | None:
    """The kernel's command as jupyter_client would start it; None if there is no such kernel."""
    argv = kernel_json_argv(kernel_name)
    if argv is None:
        try:
            from jupyter_client.kernelspec import KernelSpecManager

            argv = list(KernelSpecManager().get_kernel_spec(kernel_name).argv)
        except Exception:  # no such kernel: the run reports it
            return None
    if argv and argv[0] in ("python", "python3", f"python{sys.version_info[0]}"):
        argv[0] = sys.executable  # as jupyter_client does
    return argv


def share_templates(kernel_names: Sequence[str]) -> list[Any]:
    """A sweep's kernel templates, one per kernel its runs use, started now and shared with the
    pool's workers (:func:`sanctions_model.runner.forkserver.share`); stop them with
    ``forkserver.unshare``. Empty where kernels do not fork."""
    from sanctions_model.runner import forkserver

    if not forkserver.fork_enabled():
        return []
    from sanctions_model.runner.kernel_env import kernel_environment

    started = []
    for name in dict.fromkeys(kernel_names):
        argv = kernel_command(name)
        server = forkserver.share(argv, kernel_environment(os.environ)) if argv else None
        if server is not None:
            started.append(server)
    return started
