"""Run one notebook: inject parameters, execute with papermill, export HTML, publish atomically.

The notebook's kernel starts in a private staging directory beside the final run directory; the
same absolute path is in the kernel's environment as ``SANCTIONS_MODEL_RUN_DIR``. A notebook writes
``results.json`` (and any figures) there, by a relative path or through the variable. When the run
ends, whatever its status, ``run.json`` and ``report.html`` are written into the staging directory
and it replaces the run directory in one rename, so a crashed or killed run never leaves half a
report where a good one stood. The process's working directory is never changed (papermill's
``cwd=`` would ``chdir``; the kernel's directory is set through nbclient's ``resources`` instead),
so runs are safe to execute from threads.
"""

from __future__ import annotations

import ast
import contextlib
import ctypes
import ctypes.util
import datetime as _dt
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager

from sanctions_model.errors import ParameterError
from sanctions_model.runner.records import (
    NOTEBOOK_NAME,
    REPORT_NAME,
    RESULTS_NAME,
    RunRecord,
)

KERNEL_NAME = "sanctions-model"
RUN_DIR_ENV = "SANCTIONS_MODEL_RUN_DIR"
DEFAULT_RETRIES = 2
_MAX_EVALUE = 2000


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs to run one notebook (plain data, so it pickles)."""

    name: str
    notebook: str
    """Absolute path of the notebook to execute."""
    run_dir: str
    """The final directory of this run; created or replaced atomically."""
    parameters: dict[str, Any] = field(default_factory=dict)
    resolved: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    notebook_label: str = ""
    """How the notebook is named in records and reports (a relative path)."""
    timeout: float | None = None
    """Per-cell execution timeout in seconds (None: no limit)."""
    kernel_name: str = KERNEL_NAME
    show_code: bool = False
    retries: int = DEFAULT_RETRIES
    start_timeout: float = 60.0
    help: dict[str, str] = field(default_factory=dict)
    """Help text per parameter, for the report's parameter table."""


# -- the kernel ----------------------------------------------------------------------------------

_LIVE_KERNELS: set[Any] = set()

#: Environment variables that look like credentials; a notebook's kernel never sees them. The
#: connectors read API keys in the parent process, so the notebooks (whose outputs are shared)
#: need none, and a cell printing ``os.environ`` cannot leak one into a report.
SECRET_ENV = re.compile(
    r"(API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE_KEY|AUTH)", re.IGNORECASE
)


def kernel_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` without the variables whose names look like secrets (see :data:`SECRET_ENV`)."""
    return {k: v for k, v in environ.items() if not SECRET_ENV.search(k)}


class RunKernelManager(AsyncKernelManager):
    """A kernel manager that tells the kernel its run directory and remembers its process."""

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        env = kernel_environment(kw.pop("env", None) or os.environ)
        env.pop("OLDPWD", None)
        if kw.get("cwd"):
            # absolute: the kernel resolves a relative path against its own cwd, the run directory
            env[RUN_DIR_ENV] = env["PWD"] = str(Path(kw["cwd"]).resolve())
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        kw["env"] = env
        # The kernel's own stderr carries only start-up chatter (a notebook's output travels over
        # its iopub channel); keep it off the sweep's log, which cron mails.
        kw.setdefault("stderr", subprocess.DEVNULL)
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        await super()._async_launch_kernel(kernel_cmd, **kw)
        process = getattr(self.provisioner, "process", None)
        if process is not None:
            _LIVE_KERNELS.add(process)


def _kill_leftover_kernels() -> None:
    """Kill kernels a run left behind (an interrupt can skip nbclient's clean-up)."""
    for process in list(_LIVE_KERNELS):
        with contextlib.suppress(Exception):
            if process.poll() is None:
                process.kill()
                process.wait(timeout=5)
        _LIVE_KERNELS.discard(process)


# -- parameters ----------------------------------------------------------------------------------


def inject_parameters(
    nb: nbformat.NotebookNode, parameters: Mapping[str, Any], kernel_name: str = KERNEL_NAME
) -> nbformat.NotebookNode:
    """Papermill's injected-parameters cell, checked to assign exactly ``parameters`` as literals.

    Papermill writes each value as an escaped literal; parsing the cell back with
    :func:`ast.literal_eval` proves no value can run as code (a quote, newline or backslash in a
    string stays inside the string).
    """
    from papermill import __version__ as pm_version
    from papermill.parameterize import parameterize_notebook

    nb = nbformat.v4.upgrade(nb)
    nb.metadata.setdefault(
        "papermill",
        {
            "default_parameters": {},
            "parameters": {},
            "environment_variables": {},
            "version": pm_version,
        },
    )
    for cell in nb.cells:  # papermill expects these on every cell
        cell.metadata.setdefault("tags", [])
        cell.metadata.setdefault("papermill", {})
    if not parameters:
        return nb
    nb = parameterize_notebook(nb, dict(parameters), kernel_name=kernel_name, language="python")
    cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assigned: dict[str, Any] = {}
    for stmt in ast.parse(cell.source).body:
        if not (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            raise ParameterError("parameters could not be injected as plain assignments")
        try:
            assigned[stmt.targets[0].id] = ast.literal_eval(stmt.value)
        except ValueError:
            raise ParameterError(
                f"parameter {stmt.targets[0].id!r} could not be injected as a literal"
            ) from None
    if assigned != dict(parameters):
        raise ParameterError("parameters did not survive injection unchanged; refusing to run")
    return nb


# -- running -------------------------------------------------------------------------------------


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _error(cell_index: int | None, ename: str, evalue: str, exec_count: int | None = None) -> dict:
    evalue = str(evalue)
    if len(evalue) > _MAX_EVALUE:
        evalue = evalue[: _MAX_EVALUE - 3] + "..."
    return {"cell_index": cell_index, "exec_count": exec_count, "ename": ename, "evalue": evalue}


def _last_started_cell(path: Path) -> int | None:
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:
        return None
    started = [
        i
        for i, c in enumerate(nb.cells)
        if c.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    return started[-1] if started else None


def _is_kernel_start_failure(exc: BaseException) -> bool:
    text = str(exc)
    return isinstance(exc, RuntimeError | TimeoutError) and (
        "Kernel didn't respond" in text or "Kernel died" in text or "kernel_info" in text
    )


def _execute_once(
    nb: nbformat.NotebookNode, staging: Path, spec: RunSpec
) -> tuple[str, dict | None]:
    """Execute ``nb`` in ``staging``; return (status, error). Infrastructure errors propagate."""
    import papermill as pm
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    output = staging / NOTEBOOK_NAME
    try:
        pm.execute_notebook(
            nb,
            str(output),
            kernel_name=spec.kernel_name,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=True,
            start_timeout=spec.start_timeout,
            execution_timeout=spec.timeout,
            resources={"metadata": {"path": str(staging)}},
            kernel_manager_class=RunKernelManager,
            shutdown_kernel="immediate",
        )
    except pm.PapermillExecutionError as exc:
        return "failed", _error(exc.cell_index, exc.ename, exc.evalue, exc.exec_count)
    except CellTimeoutError as exc:
        # Papermill marks the timed-out cell "completed" without an exception flag, so the
        # status comes from the exception, and the cell from the last one that started.
        first_line = str(exc).splitlines()[0] if str(exc) else "cell timed out"
        return "timeout", _error(_last_started_cell(output), "CellTimeoutError", first_line)
    except DeadKernelError as exc:
        raise _KernelDied(_error(_last_started_cell(output), "DeadKernelError", str(exc))) from None
    except NoSuchKernel as exc:
        return "failed", _error(
            None,
            "NoSuchKernel",
            f"no kernel named {spec.kernel_name!r} ({exc}); register it with "
            f"`python -m ipykernel install --sys-prefix --name {spec.kernel_name}`",
        )
    except Exception as exc:
        if _is_kernel_start_failure(exc):
            raise _KernelDied(_error(None, "KernelStartError", str(exc))) from None
        return "failed", _error(_last_started_cell(output), type(exc).__name__, str(exc))
    return "ok", None


class _KernelDied(Exception):
    def __init__(self, error: dict) -> None:
        super().__init__(error["evalue"])
        self.error = error


def _clear_dir(path: Path) -> None:
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _read_results(staging: Path) -> tuple[Any, str | None]:
    path = staging / RESULTS_NAME
    if not path.exists():
        return None, None
    try:
        return json.loads(path.read_text(encoding="utf-8")), None
    except (OSError, ValueError) as exc:
        return None, f"results.json is not valid JSON: {exc}"


def execute_run(spec: RunSpec) -> RunRecord:
    """Run ``spec`` to completion and publish its directory; never raises for a notebook's fault.

    Retries only infrastructure failures (the kernel died or did not start), at most
    ``spec.retries`` times. A ``KeyboardInterrupt`` (SIGINT, or SIGTERM in a sweep worker) is
    recorded as ``interrupted`` and the record returned.
    """
    from sanctions_model.runner.html import export_html
    from sanctions_model.runner.parameters import read_notebook

    run_dir = Path(spec.run_dir)
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    started, t0 = _now(), time.perf_counter()
    record = RunRecord(
        name=spec.name,
        notebook=spec.notebook_label or Path(spec.notebook).name,
        status="failed",
        parameters=dict(spec.parameters),
        resolved=dict(spec.resolved),
        key=spec.key,
        started=started,
    )
    staging = Path(
        tempfile.mkdtemp(prefix=f".{spec.name[:60]}.", suffix=".staging", dir=run_dir.parent)
    )
    try:
        try:
            nb = inject_parameters(read_notebook(spec.notebook), spec.parameters, spec.kernel_name)
            for attempt in range(1, spec.retries + 2):
                record.attempts = attempt
                if attempt > 1:
                    _clear_dir(staging)
                try:
                    record.status, record.error = _execute_once(nb, staging, spec)
                    break
                except _KernelDied as died:
                    record.status, record.error = "kernel_died", died.error
                finally:
                    _kill_leftover_kernels()
        except KeyboardInterrupt:
            _kill_leftover_kernels()
            record.status = "interrupted"
            record.error = _error(
                _last_started_cell(staging / NOTEBOOK_NAME), "Interrupted", "the run was stopped"
            )
        except ParameterError as exc:
            record.status, record.error = "failed", _error(None, "ParameterError", str(exc))
        record.results, results_problem = _read_results(staging)
        if results_problem and record.status == "ok":
            record.status, record.error = "failed", _error(None, "InvalidResults", results_problem)
        record.finished = _now()
        record.duration = round(time.perf_counter() - t0, 3)
        executed = staging / NOTEBOOK_NAME
        if executed.exists():
            try:
                _scrub_notebook(executed, spec)
                export_html(
                    nbformat.read(str(executed), as_version=4),
                    staging / REPORT_NAME,
                    record=record,
                    show_code=spec.show_code,
                    help=spec.help,
                    scrub_paths=_machine_paths(staging, run_dir, spec),
                )
            except Exception as exc:  # a report that cannot render must not lose the run
                record.error = record.error or _error(
                    None, "ReportError", f"HTML export failed: {exc}"
                )
        if record.error:  # error messages reach index.html and run.json: no machine paths
            from sanctions_model.runner.html import scrub_paths

            machine = _machine_paths(staging, run_dir, spec)
            record.error["evalue"] = scrub_paths(str(record.error["evalue"]), machine)
        record.files = sorted(p.name for p in staging.iterdir())
        record.files = sorted(set(record.files) | {"run.json"})
        record.write(staging)
        _make_readable(staging)
        publish_dir(staging, run_dir)
        return record
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _make_readable(directory: Path) -> None:
    """mkdtemp/mkstemp create private files; reports are meant to be shared (umask applies)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(directory, 0o777 & ~umask)
    for child in directory.rglob("*"):
        with contextlib.suppress(OSError):
            os.chmod(child, (0o777 if child.is_dir() else 0o666) & ~umask)


def _machine_paths(staging: Path, run_dir: Path, spec: RunSpec) -> dict[str, str]:
    """Absolute paths of this machine and what to show instead, longest first."""
    import sys
    import sysconfig

    paths = {
        str(staging): ".",
        str(run_dir.resolve()): ".",
        str(Path(spec.notebook).resolve().parent): "<notebooks>",
        sysconfig.get_paths()["purelib"]: "<site-packages>",
        sys.prefix: "<python>",
        sys.base_prefix: "<python>",
        os.getcwd(): "<project>",
        str(Path.home()): "~",
    }
    return dict(
        sorted(((k, v) for k, v in paths.items() if len(k) > 1), key=lambda kv: -len(kv[0]))
    )


def _scrub_notebook(path: Path, spec: RunSpec) -> None:
    nb = nbformat.read(str(path), as_version=4)
    meta = nb.metadata.get("papermill", {})
    meta["input_path"] = spec.notebook_label or Path(spec.notebook).name
    meta["output_path"] = NOTEBOOK_NAME
    nbformat.write(nb, str(path))


# -- publishing ----------------------------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def publish_dir(staging: Path, target: Path) -> None:
    """Put the finished ``staging`` directory at ``target``, replacing any previous one atomically."""
    try:
        os.rename(staging, target)  # fails if target is a non-empty directory
        return
    except OSError:
        if not target.exists():
            raise
    if _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the previous run
        return
    old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)
