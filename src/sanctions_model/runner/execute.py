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
import datetime as _dt
import json
import math
import os
import shutil
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sanctions_model.errors import ParameterError
from sanctions_model.runner import limits
from sanctions_model.runner.kernel_env import (
    EXTRA_ENV_VAR,
    KERNEL_ENV_ALLOW,
    RUN_DIR_ENV,
    SECRET_ENV,
    SECRET_VALUE,
    kernel_environment,
)
from sanctions_model.runner.publish import (
    OutputRefused,
    OutputWriteError,
    check_run_dir,
    clean_stale_staging,
    publish_dir,
    remove_tree,
    staging_dir,
)
from sanctions_model.runner.records import (
    NOTEBOOK_NAME,
    RECORD_NAME,
    REPORT_NAME,
    RESULTS_NAME,
    RunRecord,
)

if TYPE_CHECKING:  # imported where a notebook is run: planning a sweep needs none of it
    import nbformat

KERNEL_NAME = "sanctions-model"
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
    memory_limit: int | None = field(
        default_factory=lambda: limits.env_size(limits.KERNEL_MEMORY_ENV, None)
    )
    """The kernel's address-space limit in bytes (None: none); see :mod:`.limits`."""
    max_cell_output: int | None = field(
        default_factory=lambda: limits.env_size(
            limits.MAX_CELL_OUTPUT_ENV, limits.DEFAULT_MAX_CELL_OUTPUT
        )
    )
    max_run_output: int | None = field(
        default_factory=lambda: limits.env_size(
            limits.MAX_RUN_OUTPUT_ENV, limits.DEFAULT_MAX_RUN_OUTPUT
        )
    )
    fork_kernel: bool | None = None
    """Fork the kernel from a pre-imported template (:mod:`.forkserver`): None follows
    ``SANCTIONS_MODEL_FORK_KERNELS`` (default on, Linux); False starts an ordinary kernel."""

    def __post_init__(self) -> None:
        if self.memory_limit is not None:
            limits.check_memory_limit(self.memory_limit, "memory_limit")
        for name in ("max_cell_output", "max_run_output"):
            if getattr(self, name) is not None:
                limits.parse_size(getattr(self, name), name)
        if self.timeout is not None:
            check_timeout(self.timeout, "timeout")
        if not isinstance(self.show_code, bool):
            raise ParameterError(f"show_code must be true or false, got {self.show_code!r}")
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or self.retries < 0:
            raise ParameterError(f"retries must be a whole number >= 0, got {self.retries!r}")


def check_timeout(value: Any, where: str = "timeout", *, text: bool = False) -> float:
    """``value`` as a finite positive number of seconds, else :class:`ParameterError`.

    One rule for the command line (``text=True``: a string such as ``"2.5"``) and sweep files
    (a YAML number): ints and floats are accepted; booleans, strings in a file, zero, negative
    numbers, ``nan`` and infinities are not. Fractions are kept; the kernel layer, which counts
    whole seconds, rounds them up (:func:`kernel_timeout`).
    """
    number: float | None = None
    if isinstance(value, str) and text:
        with contextlib.suppress(ValueError):
            number = float(value.strip())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        with contextlib.suppress(OverflowError):
            number = float(value)
    if number is None or not math.isfinite(number) or number <= 0:
        from sanctions_model.runner.yamlsafe import short_repr

        raise ParameterError(
            f"{where} must be a finite positive number of seconds, got {short_repr(value, 40)}"
        )
    return number


def kernel_timeout(seconds: float | None) -> int | None:
    """nbclient's per-cell timeout is an ``Int`` trait: round a fraction up (2.5 s -> 3 s)."""
    return None if seconds is None else max(1, math.ceil(seconds))


def _kernel() -> Any:
    """:mod:`.kernel`, imported when a kernel is needed (it imports jupyter_client)."""
    from sanctions_model.runner import kernel

    return kernel


def __getattr__(name: str) -> Any:
    if name in ("RunKernelManager", "kernel_manager_for"):  # re-exported, imported on demand
        return getattr(_kernel(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _import_papermill() -> None:
    """papermill imported without pyarrow (see :mod:`._papermill`)."""
    import sanctions_model.runner._papermill  # noqa: F401


# -- parameters ----------------------------------------------------------------------------------


def inject_parameters(
    nb: nbformat.NotebookNode, parameters: Mapping[str, Any], kernel_name: str = KERNEL_NAME
) -> nbformat.NotebookNode:
    """Papermill's injected-parameters cell, checked to assign exactly ``parameters`` as literals.

    Papermill writes each value as an escaped literal; parsing the cell back with
    :func:`ast.literal_eval` proves no value can run as code (a quote, newline or backslash in a
    string stays inside the string).
    """
    _import_papermill()
    import nbformat
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
    import nbformat

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
    nb: nbformat.NotebookNode, staging: Path, spec: RunSpec, token: str = ""
) -> tuple[str, dict | None]:
    """Execute ``nb`` in ``staging``; return (status, error). Infrastructure errors propagate.

    ``token`` names the run's processes (:mod:`.processes`); outputs are capped as they arrive.
    """
    _import_papermill()
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
            execution_timeout=kernel_timeout(spec.timeout),
            resources={"metadata": {"path": str(staging)}},
            kernel_manager_class=_kernel().kernel_manager_for(
                token, spec.memory_limit, spec.fork_kernel
            ),
            shutdown_kernel="immediate",
            engine_name=limits.capped_engine(),
            output_caps=limits.OutputCaps(spec.max_cell_output, spec.max_run_output),
        )
    except pm.PapermillExecutionError as exc:
        evalue = exc.evalue
        # under a limit, an allocation can fail while IPython formats the error (no evalue)
        if spec.memory_limit and ("MemoryError" in exc.ename + evalue or not evalue):
            evalue = limits.memory_error_text(evalue, spec.memory_limit)
        return "failed", _error(exc.cell_index, exc.ename, evalue, exc.exec_count)
    except CellTimeoutError as exc:
        # Papermill marks the timed-out cell "completed" without an exception flag, so the
        # status comes from the exception, and the cell from the last one that started.
        first_line = str(exc).splitlines()[0] if str(exc) else "cell timed out"
        return "timeout", _error(_last_started_cell(output), "CellTimeoutError", first_line)
    except DeadKernelError as exc:
        evalue = str(exc)
        if spec.memory_limit:  # a C library that cannot allocate may abort the kernel
            evalue = (
                f"{evalue} (the kernel's memory limit is {limits.format_size(spec.memory_limit)})"
            )
        raise _KernelDied(_error(_last_started_cell(output), "DeadKernelError", evalue)) from None
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


#: True in a process that runs one notebook at a time and nothing else (a sweep's pool worker):
#: after each run, all its descendants are killed, not only those the run's token names.
EXCLUSIVE_PROCESS = False

#: Writes a run's report elsewhere: the one-off ``run`` command hands it to its report worker,
#: which imported nbconvert while the kernel ran (:mod:`.report_worker`). Called as
#: ``writer(staging, spec, record, machine)``; False: not written, the run writes it itself.
REPORT_WRITER: list[Callable[[Path, RunSpec, RunRecord, dict[str, str]], bool]] = []

#: Called in a worker right before a run is published; raises (or exits) to stop it. A sweep's
#: pool worker installs a check that the sweep is still alive (see executors.py).
PUBLISH_CHECKS: list[Callable[[], None]] = []


def execute_run(spec: RunSpec) -> RunRecord:
    """Run ``spec`` to completion and publish its directory; never raises for a notebook's fault.

    Retries only infrastructure failures (the kernel died or did not start), at most
    ``spec.retries`` times. A ``KeyboardInterrupt`` (SIGINT, or SIGTERM in a sweep worker) is
    recorded as ``interrupted`` and the record returned. The run folder is checked before the
    kernel starts (:func:`~sanctions_model.runner.publish.check_run_dir`: raises
    :class:`OutputRefused`). A run whose outputs could not be written (disk full) is ``failed``
    with ``ename`` ``WriteError``, never ``ok``.
    """
    from sanctions_model.runner.parameters import read_notebook

    run_dir = Path(spec.run_dir)
    check_run_dir(run_dir, protect=(spec.notebook,))
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
    try:
        run_dir.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_staging(run_dir.parent)
        staging = staging_dir(run_dir.parent, spec.name)
    except OSError as exc:
        raise OutputWriteError(
            f"cannot create the run folder beside {run_dir}: {exc.strerror or exc}"
        ) from None
    token = uuid.uuid4().hex  # names the run's processes, see processes.py
    try:
        try:
            nb = inject_parameters(read_notebook(spec.notebook), spec.parameters, spec.kernel_name)
            for attempt in range(1, spec.retries + 2):
                record.attempts = attempt
                if attempt > 1:
                    _clear_dir(staging)
                try:
                    record.status, record.error = _execute_once(nb, staging, spec, token)
                    break
                except _KernelDied as died:
                    record.status, record.error = "kernel_died", died.error
                finally:
                    _kernel().kill_leftover_kernels(token, exclusive=EXCLUSIVE_PROCESS)
        except KeyboardInterrupt:
            _kernel().kill_leftover_kernels(token, exclusive=EXCLUSIVE_PROCESS)
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
        machine = _machine_paths(staging, run_dir, spec)
        if not any(writer(staging, spec, record, machine) for writer in REPORT_WRITER):
            write_report(staging, spec, record, machine)
        if record.error:  # error messages reach index.html and run.json: no machine paths
            from sanctions_model.runner.html import scrub_paths

            record.error["evalue"] = scrub_paths(str(record.error["evalue"]), machine)
        if not _write_record(staging, record):
            return record  # not even run.json fits: the earlier run folder stays as it was
        for check in PUBLISH_CHECKS:
            check()
        try:
            publish_dir(staging, run_dir)
        except OSError as exc:
            _mark_unwritable(record, exc, "publishing the run folder")
        return record
    finally:
        if staging.exists() or staging.is_symlink():
            remove_tree(staging)


def _mark_unwritable(record: RunRecord, exc: OSError, what: str) -> None:
    """A run whose outputs could not be written is failed, whatever its notebook did."""
    record.status = "failed"
    record.error = _error(
        None, "WriteError", f"could not write the run's outputs ({what}): {exc.strerror or exc}"
    )


def write_report(staging: Path, spec: RunSpec, record: RunRecord, machine: dict[str, str]) -> None:
    """notebook.ipynb (paths scrubbed) and report.html; a failure makes the run failed (only
    ``record.status`` and ``record.error`` change)."""
    import nbformat

    from sanctions_model.runner.html import export_html

    executed = staging / NOTEBOOK_NAME
    if not executed.exists():
        if record.status == "ok":  # papermill always writes it: a run without it is not ok
            _mark_unwritable(record, FileNotFoundError("notebook.ipynb is missing"), "notebook")
        return
    try:
        _scrub_notebook(executed, spec, machine)
        nb = nbformat.read(str(executed), as_version=4)
        # Widget state is never shown (the template has no widget scripts), and nbconvert fails
        # on a "widgets" entry without the state it expects: leave it out of the report.
        nb.metadata.pop("widgets", None)
        export_html(
            nb,
            staging / REPORT_NAME,
            record=record,
            show_code=spec.show_code,
            help=spec.help,
            scrub_paths=machine,
        )
    except OSError as exc:
        _mark_unwritable(record, exc, "report.html")
    except Exception as exc:  # a report that cannot render must not lose the run's record
        if record.status == "ok":
            record.status = "failed"
        record.error = record.error or _error(None, "ReportError", f"HTML export failed: {exc}")
    if record.status == "ok" and not (staging / REPORT_NAME).is_file():
        _mark_unwritable(record, FileNotFoundError("report.html is missing"), "report.html")


def _write_record(staging: Path, record: RunRecord) -> bool:
    """Write run.json; on a full disk, drop the partial outputs and write a failed record."""
    try:
        record.files = sorted({p.name for p in staging.iterdir()} | {RECORD_NAME})
        record.write(staging)
        _make_readable(staging)
        return True
    except OSError as exc:
        _mark_unwritable(record, exc, "run.json")
    _clear_dir(staging)  # free the space the partial outputs took; keep only the record
    record.results = None
    record.files = [RECORD_NAME]
    try:
        record.write(staging)
        _make_readable(staging)
        return True
    except OSError:
        return False


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
    # The package's own source and every PYTHONPATH entry, when no path above covers them (a
    # checkout imported through PYTHONPATH from outside the project): a notebook's traceback
    # shows the package's files.
    extra = {str(Path(__file__).resolve().parents[1]): "<sanctions_model>"}
    extra |= {
        str(Path(p).resolve()): "<pythonpath>"
        for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
        if p and Path(p).is_absolute()
    }
    for path, label in extra.items():
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in paths if len(k) > 1):
            paths[path] = label
    return dict(
        sorted(((k, v) for k, v in paths.items() if len(k) > 1), key=lambda kv: -len(kv[0]))
    )


def _scrub_notebook(path: Path, spec: RunSpec, machine: Mapping[str, str]) -> None:
    """The executed notebook without this machine's paths (outputs, tracebacks, metadata)."""
    import nbformat

    from sanctions_model.runner.html import scrub_paths

    nb = nbformat.read(str(path), as_version=4)
    meta = nb.metadata.get("papermill", {})
    meta["input_path"] = spec.notebook_label or Path(spec.notebook).name
    meta["output_path"] = NOTEBOOK_NAME

    def scrub(value: Any, html_text: bool = False) -> Any:
        if isinstance(value, str):
            return scrub_paths(value, machine, html_text=html_text)
        if isinstance(value, list):
            return [scrub(v, html_text) for v in value]
        return value

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for key in ("text", "traceback", "evalue", "ename"):
                if key in output:
                    output[key] = scrub(output[key])
            for mime, value in output.get("data", {}).items():
                if isinstance(value, str | list):
                    output["data"][mime] = scrub(value, html_text=mime == "text/html")
    nbformat.write(nb, str(path))


# -- publishing (see publish.py) ---------------------------------------------------------------

__all__ = [
    "EXTRA_ENV_VAR",
    "KERNEL_ENV_ALLOW",
    "RUN_DIR_ENV",
    "SECRET_ENV",
    "SECRET_VALUE",
    "OutputRefused",
    "OutputWriteError",
    "RunSpec",
    "check_run_dir",
    "check_timeout",
    "execute_run",
    "kernel_environment",
    "publish_dir",
]
