"""Parameter sweeps: read a sweep file, plan its runs, skip what is cached, run the rest, index.

A sweep file (YAML, read with ``yaml.safe_load`` only; this example is checked by
``tests/runner/test_workflow_sweeps.py``)::

    name: example                  # output directory outputs/<name>/
    notebooks:                     # one or several; paths relative to this file, else the cwd
      - notebooks/02_sanction_effect.ipynb
      - path: notebooks/01_data_overview.ipynb
        parameters: {base_year: 2021}   # this notebook only
        runs: [{reporter: EU27_2020}]   # its own grid (product, zip or runs) instead of the top one
    parameters: {source: eurostat_comext}   # common to every run
    product: {reporter: [DE, FR], trend: [local level, local linear trend]}  # cartesian product
    zip: {intervention: [2022-03, 2022-07], end: [2023-12, 2024-06]}  # walked together
    # or an explicit list instead of product/zip:
    # runs: [{reporter: DE, flow: import}, {reporter: FR}]
    timeout: 600                   # seconds per cell
    workers: 2
    show_code: false

Outputs: ``<root>/<name>/<timestamp>/<run>/`` per sweep invocation, ``latest`` (the newest sweep),
``latest-ok`` (the newest in which every run succeeded) and ``index.html`` (the results of
``latest-ok``, with a banner naming a newer failed sweep), see :mod:`.outcome`. A run is linked
from an earlier output instead of executed when its cache key matches and every dataset it read is
unchanged, see :mod:`.cache`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from sanctions_model.errors import ParameterError, SanctionsModelError
from sanctions_model.runner import outcome, yamlsafe
from sanctions_model.runner.cache import DataCheck, cache_key
from sanctions_model.runner.domain import DomainRules
from sanctions_model.runner.execute import KERNEL_NAME, RunSpec, check_timeout
from sanctions_model.runner.lock import DEFAULT_LOCK_TIMEOUT, sweep_lock
from sanctions_model.runner.outcome import timestamp_dirs
from sanctions_model.runner.parameters import (
    Parameter,
    inspect_parameters,
    read_notebook,
    resolve_parameters,
    validate_parameters,
)
from sanctions_model.runner.publish import (
    OutputWriteError,
    clean_stale_staging,
    remove_tree,
    staging_dir,
)
from sanctions_model.runner.records import (
    SUCCESS,
    RunRecord,
    is_complete,
    read_record,
    write_shared_text,
)

CONFIRM_ABOVE = 200
MAX_RUNS = 100_000
"""A grid larger than this is refused even with ``--yes`` (it is counted before it is built)."""
HISTORY_SCAN = 5
_SAFE = re.compile(r"[^A-Za-z0-9._+-]+")
_STAMP = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")
_GRID_KEYS = ("parameters", "product", "zip", "runs")
_TOP_KEYS = {
    "name",
    "notebooks",
    "notebook",
    "timeout",
    "workers",
    "show_code",
    "kernel_name",
    *_GRID_KEYS,
}


class SweepError(ParameterError):
    """A sweep file is malformed (exit status 2)."""


class ExecutorFailed(SanctionsModelError):
    """The executor (process pool, dask scheduler) could not start: nothing ran (exit status 1)."""

    exit_code = 1


def _executor_problem(executor: str, scheduler: str | None, exc: BaseException | None) -> str:
    if exc is None:
        return ""
    where = f" at {scheduler}" if executor == "dask" and scheduler else ""
    reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
    return f"the {executor} executor{where} failed: {type(exc).__name__}: {reason}"


class OutputNotWritable(SanctionsModelError):
    """The output directory cannot be written (exit status 2); checked before any kernel starts."""

    exit_code = 2


def check_writable(directory: str | os.PathLike[str]) -> None:
    """Raise :class:`OutputNotWritable` unless ``directory`` (or the nearest existing parent that
    would hold it) can be written: a read-only file system or permissions stop a sweep before it
    writes anything, so previous outputs stay as they were."""
    directory = Path(directory)
    existing = directory
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputNotWritable(f"output directory {directory}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputNotWritable(
            f"output directory {directory} is not writable ({existing}: permission denied or "
            "read-only file system); nothing was written and earlier outputs are untouched"
        )
    for sub in (
        (existing / "latest", *timestamp_dirs(existing)[:1]) if existing == directory else ()
    ):
        target = sub.resolve()
        if target.is_dir() and not os.access(target, os.W_OK | os.X_OK):
            raise OutputNotWritable(
                f"output directory {directory} is not writable ({sub.name} is read-only); "
                "nothing was written and earlier outputs are untouched"
            )


# -- names and keys ------------------------------------------------------------------------------


def sanitize(text: str, *, limit: int = 60) -> str:
    """A file-name-safe fragment: letters, digits, ``._+-``; no leading dot, no ``..``."""
    text = _SAFE.sub("_", text.replace("\x00", ""))
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"_{2,}", "_", text)
    return text[:limit].strip("._-+")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "+".join(_short(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def run_name(stem: str, parameters: Mapping[str, Any], varying: Sequence[str] = ()) -> str:
    """``<stem>-<values of the varying parameters>-<8 hex of all parameters>``, safe as a directory."""
    digest = hashlib.sha256(
        canonical_json({"notebook": stem, "parameters": parameters}).encode()
    ).hexdigest()[:8]
    readable = sanitize(
        "-".join(_short(parameters[k]) for k in varying if k in parameters), limit=60
    )
    parts = [sanitize(stem, limit=40) or "notebook", readable, digest]
    return "-".join(p for p in parts if p)


def data_digest() -> str:
    try:
        from sanctions_model.data import manifest_digest
    except ImportError:
        return ""
    try:
        return str(manifest_digest())
    except OSError as exc:  # the cache key needs it: no silent fallback
        raise SweepError(
            f"cannot read the data manifest ({exc.filename}: {exc.strerror}); "
            "check SANCTIONS_MODEL_DATA_DIR and the file's permissions"
        ) from None


# -- the sweep file ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotebookGrid:
    path: Path
    label: str
    runs: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class SweepConfig:
    name: str
    source: Path
    notebooks: tuple[NotebookGrid, ...]
    timeout: float | None = None
    workers: int | None = None
    show_code: bool = False
    kernel_name: str = KERNEL_NAME


def _grid(spec: Mapping[str, Any], base: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    params = dict(base)
    params.update(_mapping(spec.get("parameters", {}), f"{where}: parameters"))
    if "runs" in spec and ("product" in spec or "zip" in spec):
        raise SweepError(f"{where}: give either 'runs' or 'product'/'zip', not both")
    if "runs" in spec:
        runs = spec["runs"]
        if not isinstance(runs, list) or not runs:
            raise SweepError(f"{where}: 'runs' must be a non-empty list of parameter mappings")
        return [{**params, **_mapping(r, f"{where}: runs[{i}]")} for i, r in enumerate(runs)]
    rows: list[dict[str, Any]] = [{}]
    if "product" in spec:
        product = _mapping(spec["product"], f"{where}: product")
        for key, values in product.items():
            if not isinstance(values, list) or not values:
                raise SweepError(
                    f"{where}: product value for {key!r} must be a non-empty list (empty grid)"
                )
        keys = list(product)
        _check_size(math.prod(len(v) for v in product.values()), where)
        rows = [
            dict(zip(keys, combo, strict=True)) for combo in itertools.product(*product.values())
        ]
    if "zip" in spec:
        zipped = _mapping(spec["zip"], f"{where}: zip")
        lengths = {k: len(v) if isinstance(v, list) else -1 for k, v in zipped.items()}
        if any(n <= 0 for n in lengths.values()) or len(set(lengths.values())) > 1:
            raise SweepError(
                f"{where}: zip values must be non-empty lists of equal length, got {lengths}"
            )
        _check_size(len(rows) * next(iter(lengths.values()), 1), where)
        zrows = [
            dict(zip(zipped, combo, strict=True)) for combo in zip(*zipped.values(), strict=True)
        ]
        rows = [{**a, **b} for a in rows for b in zrows]
    if not rows or any(key in spec and not spec[key] for key in ("product", "zip")):
        raise SweepError(f"{where}: the grid is empty (an empty 'product' or 'zip'); no runs")
    return [{**params, **row} for row in rows]


def _check_size(n: int, where: str) -> None:
    if n > MAX_RUNS:
        raise SweepError(
            f"{where}: the grid has {n} runs, more than the {MAX_RUNS} a sweep may have; "
            "split it into several sweep files"
        )


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise SweepError(f"{where} must be a mapping of parameter names to values")
    return dict(value)


def _find_notebook(text: str, sweep_file: Path) -> tuple[Path, str]:
    if not isinstance(text, str) or not text or "\x00" in text:
        raise SweepError(f"{sweep_file}: notebook path must be a non-empty string, got {text!r}")
    candidates = [sweep_file.parent / text, Path.cwd() / text]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve(), notebook_label(text, candidate, sweep_file.parent)
    raise SweepError(
        f"{sweep_file}: unknown notebook {text!r} (looked in {sweep_file.parent} and {Path.cwd()})"
    )


def notebook_label(text: str, path: Path, *bases: Path) -> str:
    """How a notebook is named in records and reports: never an absolute path of this machine.

    A relative path is kept as written; an absolute one becomes relative to ``bases`` (the sweep
    file's directory) or the working directory, else just the file name.
    """
    if not Path(text).is_absolute():
        return text
    resolved = path.resolve()
    for base in (*bases, Path.cwd()):
        try:
            return resolved.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return resolved.name


def load_sweep(path: str | Path) -> SweepConfig:
    """Read and check a sweep file (structure only; parameters are checked by :func:`plan`)."""
    path = Path(path)
    try:
        data = yamlsafe.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SweepError(f"sweep file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise SweepError(f"{path} is a directory, not a sweep file") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SweepError(f"{path}: not valid YAML: {exc}") from None
    except OSError as exc:
        raise SweepError(f"{path}: cannot read the sweep file: {exc.strerror or exc}") from None
    if not isinstance(data, dict):
        raise SweepError(f"{path}: a sweep file is a YAML mapping with at least 'notebooks'")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise SweepError(f"{path}: unknown keys {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    name = sanitize(str(data.get("name") or path.stem))
    if not name:
        raise SweepError(f"{path}: sweep name {data.get('name')!r} has no usable characters")
    entries = data.get("notebooks", data.get("notebook"))
    if isinstance(entries, str | dict):
        entries = [entries]
    if not entries or not isinstance(entries, list):
        raise SweepError(f"{path}: 'notebooks' must name at least one notebook")
    top = {k: data[k] for k in ("product", "zip", "runs") if k in data}
    base = _mapping(data.get("parameters"), f"{path}: parameters")
    grids = []
    for i, entry in enumerate(entries):
        where = f"{path}: notebooks[{i}]"
        if isinstance(entry, str):
            nb_path, label = _find_notebook(entry, path)
            spec = top
        elif isinstance(entry, dict) and "path" in entry:
            extra = set(entry) - {"path", *_GRID_KEYS}
            if extra:
                raise SweepError(f"{where}: unknown keys {sorted(extra)}")
            nb_path, label = _find_notebook(entry["path"], path)
            own = {k: entry[k] for k in ("product", "zip", "runs") if k in entry}
            spec = {**(own or top), "parameters": entry.get("parameters", {})}
        else:
            raise SweepError(f"{where}: a notebook path or a mapping with 'path'")
        grids.append(NotebookGrid(nb_path, label, tuple(_grid(spec, base, where))))
    timeout = data.get("timeout")
    if timeout is not None:
        timeout = check_timeout(timeout, f"{path}: timeout")  # finite, positive, not a string
    show_code = data.get("show_code", False)
    if not isinstance(show_code, bool):  # bool("false") is True
        raise SweepError(f"{path}: show_code must be true or false (unquoted), got {show_code!r}")
    workers = data.get("workers")
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise SweepError(f"{path}: workers must be a positive integer, got {workers!r}")
    return SweepConfig(
        name=name,
        source=path,
        notebooks=tuple(grids),
        timeout=timeout,
        workers=workers,
        show_code=show_code,
        kernel_name=str(data.get("kernel_name", KERNEL_NAME)),
    )


# -- planning ------------------------------------------------------------------------------------


def plan(
    config: SweepConfig,
    sweep_dir: Path,
    *,
    timeout: float | None = None,
    rules: DomainRules | None = None,
) -> list[RunSpec]:
    """Validate every run's parameters (no kernel started) and name the runs under ``sweep_dir``."""
    data_digest()  # not part of the key (each run's datasets are), but a clear error up front
    specs: list[RunSpec] = []
    seen: dict[str, str] = {}
    for grid in config.notebooks:
        notebook = read_notebook(grid.path)
        declared: tuple[Parameter, ...] = inspect_parameters(notebook)
        runs = [validate_parameters(declared, r, rules=rules, where=grid.label) for r in grid.runs]
        varying = [
            k
            for k in dict.fromkeys(k for r in runs for k in r)
            if len({canonical_json(r.get(k)) for r in runs}) > 1
        ]
        help_text = {p.name: p.help for p in declared}
        for params in runs:
            name = run_name(grid.path.stem, params, varying)
            if name in seen:
                raise SweepError(
                    f"{config.source}: run {name} appears twice ({grid.label} with {params})"
                )
            seen[name] = grid.label
            run_dir = sweep_dir / name
            if (
                run_dir.resolve().parent != sweep_dir.resolve()
            ):  # belt and braces: sanitize() allows no escape
                raise SweepError(f"run name {name!r} would leave the output directory")
            specs.append(
                RunSpec(
                    name=name,
                    notebook=str(grid.path),
                    notebook_label=grid.label,
                    run_dir=str(run_dir),
                    parameters=params,
                    resolved=resolve_parameters(declared, params),
                    key=cache_key(
                        notebook,
                        params,
                        kernel_name=config.kernel_name,
                        show_code=config.show_code,
                    ),
                    timeout=timeout if timeout is not None else config.timeout,
                    kernel_name=config.kernel_name,
                    show_code=config.show_code,
                    help=help_text,
                )
            )
    return specs


# -- history and cache ---------------------------------------------------------------------------


def new_timestamp_dir(root: Path) -> Path:
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for i in itertools.count():
        candidate = root / (stamp if i == 0 else f"{stamp}-{i}")
        try:
            candidate.mkdir(parents=True)
            return candidate
        except FileExistsError:
            continue
    raise AssertionError("unreachable")


def _previous(root: Path, current: Path | None) -> dict[str, list[Path]]:
    """key -> successful run dirs in recent history, newest first."""
    by_key: dict[str, list[Path]] = {}
    history = [d for d in timestamp_dirs(root) if d != current][:HISTORY_SCAN]
    for stamp in history:
        for run in sorted(stamp.iterdir()):
            record = read_record(run) if run.is_dir() and not run.name.startswith(".") else None
            if record is None or record.status not in SUCCESS or not is_complete(run, record):
                continue
            by_key.setdefault(record.key, []).append(run)
    return by_key


def cached_source(spec: RunSpec, by_key: Mapping[str, list[Path]], check: DataCheck) -> Path | None:
    """The earlier run that may stand in for ``spec``: same full key (notebook code, parameters,
    package, libraries, lock file, kernel environment) and every dataset it read unchanged (see
    :mod:`sanctions_model.runner.cache`). Nothing is reused by run name alone: ``--rerun-failed``
    keeps a success only through this same test, so an edited notebook runs again."""
    for candidate in by_key.get(spec.key, ()):
        if check.ok(candidate):
            return candidate
    return None


def link_cached(spec: RunSpec, source: Path) -> RunRecord | None:
    """Reuse ``source``'s outputs for ``spec`` (hard links, else copies); None if unusable."""
    from sanctions_model.runner.execute import publish_dir

    record = read_record(source)
    if record is None:
        return None
    target = Path(spec.run_dir)
    try:
        staging = staging_dir(target.parent, target.name, "cache")
    except OSError:
        return None

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    try:
        shutil.copytree(
            source,
            staging,
            copy_function=link,
            ignore=shutil.ignore_patterns("run.json"),
            dirs_exist_ok=True,
        )
        cached = replace(
            record,
            status="cached",
            cached_from=record.cached_from or f"{source.parent.name}/{source.name}",
            name=spec.name,
            parameters=dict(spec.parameters),
            resolved=dict(spec.resolved),
            key=spec.key,
        )
        cached.write(staging)
        publish_dir(staging, target)
        return cached
    except OSError:
        return None
    finally:
        remove_tree(staging)


# -- running -------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    sweep_dir: Path | None
    records: list[RunRecord] = field(default_factory=list)
    interrupted: int | None = None
    """The signal that stopped the sweep, if any."""
    summary: dict[str, Any] = field(default_factory=dict)
    """What ``sweep.json`` holds (see :func:`sanctions_model.runner.outcome.summary`)."""

    @property
    def failed(self) -> list[RunRecord]:
        return [r for r in self.records if r.status not in SUCCESS]

    @property
    def exit_code(self) -> int:
        if self.interrupted is not None:
            return 128 + self.interrupted
        return 1 if self.failed else 0


def _update_latest(root: Path, stamp_dir: Path, title: str, ok: bool = True) -> None:
    """Move ``latest`` (and ``latest-ok`` if ``ok``); the root index shows ``latest-ok``'s results
    with a banner naming a newer failed sweep (see :mod:`sanctions_model.runner.outcome`)."""
    outcome.update_links(root, stamp_dir, ok)
    shown, note = outcome.root_index(root, stamp_dir, ok)
    from sanctions_model.runner.index import write_index  # matplotlib: only when a sweep ends

    write_index(shown, title=title, target_dir=root, link_prefix=f"{shown.name}/", note=note)


def _finish_outputs(
    root: Path, stamp_dir: Path, title: str, config: SweepConfig, specs: list, result: SweepResult
) -> None:
    """index.*, sweep.json and ``latest``, all from the run.json files on disk (so they agree)."""
    from sanctions_model.runner.index import write_index

    on_disk = {r.name: r for r in write_index(stamp_dir, title=f"{title} ({stamp_dir.name})")}
    result.records = [on_disk.get(r.name, r) for r in result.records]
    result.summary = outcome.summary(
        config.name,
        config.source.name,
        stamp_dir,
        result.records,
        total=len(specs),
        interrupted=result.interrupted,
        root=root,
    )
    # the published record holds no machine paths (they stay in the notification and on stderr)
    published = {**result.summary, "output": stamp_dir.name, "index": "../index.html"}
    write_shared_text(stamp_dir / "sweep.json", json.dumps(published, indent=2))
    _update_latest(root, stamp_dir, title, ok=result.summary["ok"])


def dry_run_lines(
    specs: Sequence[RunSpec], root: Path, *, force: bool = False, rerun_failed: bool = False
) -> tuple[list[str], str]:
    """One line per run (tab-separated: name, notebook, parameters, ``cached`` or ``to-run``,
    output folder), then ``N runs (dry run: nothing executed)``; and the counts line (stderr)."""
    by_key = {} if force else _previous(root, None)
    check = DataCheck()
    lines, counts = [], {"cached": 0, "to-run": 0}
    for s in specs:
        source = cached_source(s, by_key, check)
        state = "cached" if source is not None else "to-run"
        counts[state] += 1
        where = root / "<timestamp>" / s.name
        reuse = f" (from {source.parent.name}/{source.name})" if source is not None else ""
        lines.append(
            f"{s.name}\t{s.notebook_label}\t{canonical_json(s.parameters)}\t{state}\t{where}{reuse}"
        )
    lines.append(f"{len(specs)} runs (dry run: nothing executed)")
    note = f"{counts['cached']} cached, {counts['to-run']} to run; outputs in {root}/<timestamp>/"
    return lines, note


def run_sweep(
    path: str | Path,
    *,
    output_root: str | Path = "outputs",
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    force: bool = False,
    rerun_failed: bool = False,
    timeout: float | None = None,
    dry_run: bool = False,
    quiet: bool = False,
    yes: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    rules: DomainRules | None = None,
    dask_processes: bool = True,
    notify: str | None = None,
    notify_on: str = "failure",
    keep: int | None = None,
    out=None,
) -> SweepResult:
    """Run a sweep file; see the module docstring. Raises :class:`SanctionsModelError` on bad input."""
    from sanctions_model.runner.executors import Interrupted, run_dask, run_local
    from sanctions_model.runner.progress import Progress

    out = out or sys.stdout
    config = load_sweep(path)
    root = Path(output_root) / config.name
    planned = plan(config, root / "PLANNED", timeout=timeout, rules=rules)
    if notify_on not in outcome.NOTIFY_ON:
        raise ParameterError(f"--notify-on {notify_on!r}: allowed: {', '.join(outcome.NOTIFY_ON)}")
    if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
        raise ParameterError(f"--keep {keep!r}: allowed: a whole number of sweeps, at least 1")
    if dry_run:
        lines, note = dry_run_lines(planned, root, force=force, rerun_failed=rerun_failed)
        for line in lines:
            print(line, file=out)
        print(note, file=sys.stderr)
        return SweepResult(None, [])
    if len(planned) > CONFIRM_ABOVE and not yes:
        raise SweepError(
            f"{path}: this sweep has {len(planned)} runs (more than {CONFIRM_ABOVE}); "
            "pass --yes to run it, or --dry-run to list the runs"
        )
    if executor not in ("local", "dask"):
        raise ParameterError(f"executor {executor!r} is not allowed; allowed: 'local', 'dask'")
    check_writable(root)
    with sweep_lock(root, lock_timeout):
        for folder in (root, *timestamp_dirs(root)):  # left by a sweep killed with -9
            clean_stale_staging(folder)
        stamp_dir = new_timestamp_dir(root)
        specs = [replace(s, run_dir=str(stamp_dir / s.name)) for s in planned]
        by_key = {} if force else _previous(root, stamp_dir)
        progress = Progress(len(specs), quiet=quiet)
        result = SweepResult(stamp_dir)

        def on_result(record: RunRecord) -> None:
            result.records.append(record)
            progress.update(record)

        to_run = []
        check = DataCheck()
        for spec in specs:
            source = cached_source(spec, by_key, check)
            record = link_cached(spec, source) if source is not None else None
            if record is None:
                to_run.append(spec)
            else:
                on_result(record)
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

        def handler(signum: int, frame: object) -> None:
            for sig in previous:  # a second signal must not interrupt the clean-up
                signal.signal(sig, signal.SIG_IGN)
            raise Interrupted(signum)

        executor_error: Exception | None = None
        try:
            for sig in previous:
                signal.signal(sig, handler)
            if to_run:
                if executor == "dask":
                    run_dask(
                        to_run,
                        workers=workers or config.workers,
                        scheduler=scheduler,
                        processes=dask_processes,
                        on_result=on_result,
                    )
                else:
                    run_local(to_run, workers=workers or config.workers, on_result=on_result)
        except Interrupted as stop:
            result.interrupted = stop.signum
            from sanctions_model.runner.executors import interrupted_record

            done = {r.name for r in result.records}
            for spec in to_run:
                if spec.name not in done:
                    on_result(interrupted_record(spec))
        except Exception as exc:  # the executor could not start, or broke down part-way
            executor_error = exc
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)
            progress.close()
        why = _executor_problem(executor, scheduler, executor_error)
        if executor_error is not None and all(r.status == "cached" for r in result.records):
            # nothing was executed: publish nothing, move no link, keep the site as it was
            remove_tree(stamp_dir)
            raise ExecutorFailed(
                f"{why}; no run was executed, so nothing was published: latest, latest-ok and "
                f"the index in {root} are as they were"
            )
        if executor_error is not None:  # some runs finished first: the rest failed, said why
            from sanctions_model.runner.executors import interrupted_record

            done = {r.name for r in result.records}
            for spec in to_run:
                if spec.name not in done:
                    on_result(interrupted_record(spec, "ExecutorFailed", why))
        title = f"Sweep {config.name}"
        try:
            _finish_outputs(root, stamp_dir, title, config, specs, result)
        except OSError as exc:
            raise OutputWriteError(
                f"could not write the sweep's index in {stamp_dir}: {exc.strerror or exc}; "
                "each run's folder and run.json are as they were written"
            ) from None
        if executor_error is not None:
            print(
                f"error: {why}; the runs it did not finish are recorded as failed", file=sys.stderr
            )
        if keep is not None:
            outcome.prune(root, keep)
    for line in outcome.summary_lines(result.summary):
        print(line, file=sys.stderr, flush=True)
    if notify and outcome.should_notify(notify_on, result.summary["ok"]):
        outcome.notify(notify, result.summary, sys.stderr)
    return result


__all__ = [
    "SanctionsModelError",
    "SweepConfig",
    "SweepError",
    "SweepResult",
    "cache_key",
    "load_sweep",
    "plan",
    "run_name",
    "run_sweep",
    "sanitize",
]
