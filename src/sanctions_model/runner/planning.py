"""Planning a sweep and linking cached runs: each run's name, parameters and cache key, checked
before any kernel starts; which earlier run may stand in for it (see :mod:`.cache`); the order in
which the rest run (longest expected first).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import itertools
import os
import shutil
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sanctions_model.runner.cache import DataCheck, cache_key, canonical_json
from sanctions_model.runner.domain import DomainRules
from sanctions_model.runner.execute import RunSpec
from sanctions_model.runner.outcome import timestamp_dirs
from sanctions_model.runner.parameters import (
    Parameter,
    inspect_parameters,
    read_notebook,
    resolve_parameters,
    validate_parameters,
)
from sanctions_model.runner.publish import remove_tree, staging_dir
from sanctions_model.runner.records import SUCCESS, RunRecord, is_complete, read_record
from sanctions_model.runner.sweepfile import SweepConfig, SweepError, sanitize

HISTORY_SCAN = 5


# -- names and keys ------------------------------------------------------------------------------


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
    """sha256 of the data manifest (as ``sanctions_model.data.manifest_digest``, without pandas)."""
    from sanctions_model.runner.verdicts import manifest_digest

    try:
        return manifest_digest()
    except OSError as exc:  # the cache key needs it: no silent fallback
        raise SweepError(
            f"cannot read the data manifest ({exc.filename}: {exc.strerror}); "
            "check SANCTIONS_MODEL_DATA_DIR and the file's permissions"
        ) from None


# -- planning --------------------------------------------------------------------------------------


def plan(
    config: SweepConfig,
    sweep_dir: Path,
    *,
    timeout: float | None = None,
    rules: DomainRules | None = None,
) -> list[RunSpec]:
    """Validate every run's parameters (no kernel started) and name the runs under ``sweep_dir``."""
    data_digest()  # not part of the key (each run's datasets are), but a clear error up front
    verdicts = None
    if rules is None:  # the project's checks: their verdicts are remembered (see verdicts.py)
        from sanctions_model.runner.domain import cached_rules
        from sanctions_model.runner.verdicts import VerdictCache

        verdicts = VerdictCache()
        rules = cached_rules(verdicts)
    specs: list[RunSpec] = []
    seen: dict[str, str] = {}
    for grid in config.notebooks:
        notebook = read_notebook(grid.path, light=True)
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
    if verdicts is not None:
        verdicts.save()
    return specs


# -- history and cache -----------------------------------------------------------------------------


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


def previous_successes(root: Path, current: Path | None) -> dict[str, list[Path]]:
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


def dry_run_lines(
    specs: Sequence[RunSpec], root: Path, *, force: bool = False, rerun_failed: bool = False
) -> tuple[list[str], str]:
    """One line per run (tab-separated: name, notebook, parameters, ``cached`` or ``to-run``,
    output folder), then ``N runs (dry run: nothing executed)``; and the counts line (stderr)."""
    by_key = {} if force else previous_successes(root, None)
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


# -- order ---------------------------------------------------------------------------------------


def expected_durations(root: Path, current: Path | None = None) -> dict[str, float]:
    """Seconds each run took when it last executed (``ok``, ``failed`` or ``timeout``) in the recent
    sweeps under ``root``, by run name; cached runs carry no duration of their own."""
    seen: dict[str, float] = {}
    history = [d for d in timestamp_dirs(root) if d != current][:HISTORY_SCAN]
    for stamp in history:  # newest first: the newest duration of a run wins
        for run in stamp.iterdir():
            if run.name.startswith(".") or not run.is_dir() or run.name in seen:
                continue
            record = read_record(run)
            if record is not None and record.status in ("ok", "failed", "timeout"):
                seen[run.name] = float(record.duration)
    return seen


def longest_first(
    specs: Sequence[RunSpec], root: Path, *, current: Path | None = None
) -> list[RunSpec]:
    """``specs`` with the longest expected first, so the long runs do not finish alone at the end.

    Expected: the run's own last duration; else the median of its notebook's runs; a run with
    neither is put first (it may be long). Ties keep the sweep file's order.
    """
    durations = expected_durations(root, current)
    if not durations:
        return list(specs)
    by_notebook: dict[str, list[float]] = {}
    for spec in specs:
        if spec.name in durations:
            by_notebook.setdefault(spec.notebook, []).append(durations[spec.name])

    def expected(spec: RunSpec) -> float:
        if spec.name in durations:
            return durations[spec.name]
        known = by_notebook.get(spec.notebook)
        return statistics.median(known) if known else float("inf")

    return sorted(specs, key=expected, reverse=True)  # sorted() is stable: ties keep order
