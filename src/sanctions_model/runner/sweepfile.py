"""Sweep files: read a YAML sweep file into a checked :class:`SweepConfig` (structure only).

The format is described in :mod:`sanctions_model.runner.sweep`; parameters are checked against
each notebook's contract by :func:`sanctions_model.runner.planning.plan`.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sanctions_model.errors import ParameterError
from sanctions_model.runner import yamlsafe
from sanctions_model.runner.execute import KERNEL_NAME, check_timeout

MAX_RUNS = 100_000
"""A grid larger than this is refused even with ``--yes`` (it is counted before it is built)."""
_SAFE = re.compile(r"[^A-Za-z0-9._+-]+")
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


def sanitize(text: str, *, limit: int = 60) -> str:
    """A file-name-safe fragment: letters, digits, ``._+-``; no leading dot, no ``..``."""
    text = _SAFE.sub("_", text.replace("\x00", ""))
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"_{2,}", "_", text)
    return text[:limit].strip("._-+")


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
