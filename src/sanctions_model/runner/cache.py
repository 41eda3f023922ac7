"""When an earlier run may stand in for a new one: the cache key and the data check.

A sweep reuses an earlier successful run only if both hold:

1. Its **cache key** matches: a sha256 over

   - the notebook's cells as a reader sees them (each cell's type and source, and whether it is
     the ``parameters`` cell) but not outputs, execution counts or other metadata, so clearing
     outputs or re-saving a notebook does not invalidate it;
   - the parameters, the kernel name and whether code is shown in the report;
   - :func:`package_digest`: every ``.py`` file of the ``sanctions_model`` package as imported,
     plus the report templates (a change anywhere in the package re-runs everything);
   - :func:`dependency_versions`: Python and the libraries that compute or render results.

2. **Every dataset it read still has the checksums it read** (:mod:`sanctions_model.data.reads`:
   the run's ``datasets.json``): embedded files by their manifest sha256, a fetched dataset by its
   Parquet's sha256 (a ``--refresh`` that brings new data changes it), a user file by the file's
   sha256 as it is now. So the data check re-runs exactly the runs that read changed data.
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat

KEY_DEPENDENCIES = (
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "pyfixest",
    "matplotlib",
    "pandera",
    "pyarrow",
    "papermill",
    "nbconvert",
    "nbclient",
    "nbformat",
    "ipykernel",
)
"""Libraries whose version can change a run's numbers or its report."""


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


@functools.cache
def package_digest(root: str | None = None) -> str:
    """sha256 over the package's ``.py`` files and templates (paths and bytes), as imported."""
    if root is None:
        import sanctions_model

        root = str(Path(sanctions_model.__file__).resolve().parent)
    base = Path(root)
    h = hashlib.sha256()
    files = sorted(
        p
        for p in base.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and (p.suffix == ".py" or "templates" in p.relative_to(base).parts)
    )
    for path in files:
        h.update(path.relative_to(base).as_posix().encode())
        h.update(b"\x00")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


@functools.cache
def dependency_versions() -> dict[str, str]:
    """``{"python": "3.12.3", "numpy": "2.4.6", ...}`` (``"absent"`` for a missing library)."""
    versions = {"python": platform.python_version()}
    for name in KEY_DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def notebook_digest(nb: nbformat.NotebookNode) -> str:
    """sha256 of the cells a reader sees: type, source, parameters tag (no outputs, no metadata)."""
    cells = [
        [
            cell.cell_type,
            cell.source if isinstance(cell.source, str) else "".join(cell.source),
            "parameters" in cell.get("metadata", {}).get("tags", []),
        ]
        for cell in nb.cells
        if cell.cell_type in ("code", "markdown")
    ]
    return hashlib.sha256(canonical_json(cells).encode()).hexdigest()


def cache_key(
    notebook: nbformat.NotebookNode,
    parameters: Mapping[str, Any],
    *,
    kernel_name: str,
    show_code: bool = False,
) -> str:
    """The key under which a successful run of ``notebook`` with ``parameters`` is reused."""
    parts = {
        "notebook": notebook_digest(notebook),
        "parameters": dict(parameters),
        "kernel": kernel_name,
        "show_code": bool(show_code),
        "package": package_digest(),
        "dependencies": dependency_versions(),
    }
    return hashlib.sha256(canonical_json(parts).encode()).hexdigest()


class DataCheck:
    """``ok(run_dir)``: every dataset the run read still has its checksums (memoised per name)."""

    def __init__(self) -> None:
        self._memo: dict[str, Any] = {}

    def ok(self, run_dir: str | Path) -> bool:
        from sanctions_model.data import reads

        read = reads.read_reads(run_dir)
        return read is not None and reads.still_current(read, self._memo)
