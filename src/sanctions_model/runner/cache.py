"""When an earlier run may stand in for a new one: the cache key and the data check.

A sweep reuses an earlier successful run only if both hold:

1. Its **cache key** matches: a sha256 over

   - the notebook's cells as a reader sees them (each cell's type and source, and whether it is
     the ``parameters`` cell) but not outputs, execution counts or other metadata, so clearing
     outputs or re-saving a notebook does not invalidate it;
   - the parameters, the kernel name and whether code is shown in the report;
   - :func:`package_digest`: every ``.py`` file of the ``sanctions_model`` package as imported,
     plus the report templates (a change anywhere in the package re-runs everything);
   - :func:`dependency_versions`: Python and the version of every installed distribution (so
     pysyncon, wildboottest, rapidfuzz and whatever a notebook imports next are all in it), and
     :func:`lock_digest`, the sha256 of the pinned ``requirements.lock`` the project installs from;
   - :func:`kernel_env_digest`: every ``SANCTIONS_MODEL_*`` variable a kernel receives (and those
     let through by ``SANCTIONS_MODEL_KERNEL_ENV``), except the run's own folder.

   There is no other route to reuse: ``sweep --rerun-failed`` keeps an earlier success only when
   its key matches too, never by run name alone.

2. **Every dataset it read still has the checksums it read** (:mod:`sanctions_model.data.reads`:
   the run's ``datasets.json``): embedded files by their manifest sha256, a fetched dataset by its
   Parquet's sha256 (a ``--refresh`` that brings new data changes it), a user file by the file's
   sha256 as it is now. So the data check re-runs exactly the runs that read changed data.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sanctions_model.runner.code_digest import canonical_json, package_digest

if TYPE_CHECKING:
    import nbformat

#: A run's record of the datasets it read (:mod:`sanctions_model.data.read_log`).
READS_NAME = "datasets.json"

LOCK_NAME = "requirements.lock"
RUN_DIR_ENV = "SANCTIONS_MODEL_RUN_DIR"  # the same name as execute.RUN_DIR_ENV
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
    "pysyncon",
    "wildboottest",
    "rapidfuzz",
)
"""Libraries known to compute or render results; every other installed distribution is in the key
too (:func:`dependency_versions`), these are named so a missing one shows as ``"absent"``."""


@functools.cache
def dependency_versions() -> dict[str, str]:
    """``{"python": "3.11.7", "numpy": "2.4.6", ...}``: every installed distribution but the
    project (``"absent"`` for a :data:`KEY_DEPENDENCIES` library that is not installed).

    Read from the ``NAME-VERSION.dist-info`` folder names on ``sys.path`` (the first one found for
    a name is the one imported), which takes a millisecond where reading every distribution's
    metadata takes a quarter of a second.
    """
    versions = {name: "absent" for name in KEY_DEPENDENCIES}
    found: set[str] = set()
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for folder in names:
            stem, dot, kind = folder.rpartition(".")
            if not dot or kind not in ("dist-info", "egg-info"):
                continue
            name, _, version = stem.partition("-")
            name = _normalise(name)
            if name in found or name == "sanctions-model" or not version:
                continue
            found.add(name)
            versions[name] = version.split("-")[0]
    return {"python": platform.python_version(), **dict(sorted(versions.items()))}


def _normalise(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def lock_path() -> Path:
    """``requirements.lock`` of the checkout the package is imported from (may not exist)."""
    import sanctions_model

    return Path(sanctions_model.__file__).resolve().parents[2] / LOCK_NAME


def lock_digest(path: str | None = None) -> str:
    """sha256 of the lock file's pins (comments and blank lines left out); ``"absent"`` without one
    (an installed wheel): the installed versions in :func:`dependency_versions` still count."""
    try:
        text = Path(path or lock_path()).read_text(encoding="utf-8")
    except OSError:
        return "absent"
    pins = sorted(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )
    return hashlib.sha256("\n".join(pins).encode()).hexdigest()


def kernel_variables(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The project's variables a kernel receives (``SANCTIONS_MODEL_*`` and the names listed in
    ``SANCTIONS_MODEL_KERNEL_ENV``), after the kernel's own filter, without the run folder."""
    from sanctions_model.runner.kernel_env import EXTRA_ENV_VAR, kernel_environment

    env = kernel_environment(os.environ if environ is None else environ)
    extra = {n.strip() for n in env.get(EXTRA_ENV_VAR, "").split(",") if n.strip()}
    return {
        k: v
        for k, v in sorted(env.items())
        if (k.startswith("SANCTIONS_MODEL_") or k in extra) and k != RUN_DIR_ENV
    }


def kernel_env_digest(environ: Mapping[str, str] | None = None) -> str:
    """sha256 of :func:`kernel_variables` (names and values)."""
    return hashlib.sha256(canonical_json(kernel_variables(environ)).encode()).hexdigest()


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
    environ: Mapping[str, str] | None = None,
) -> str:
    """The key under which a successful run of ``notebook`` with ``parameters`` is reused.

    ``environ`` is the environment the kernels will be started from (default ``os.environ``).
    """
    parts = {
        "notebook": notebook_digest(notebook),
        "parameters": dict(parameters),
        "kernel": kernel_name,
        "show_code": bool(show_code),
        "package": package_digest(),
        "dependencies": dependency_versions(),
        "lock": lock_digest(),
        "kernel_env": kernel_env_digest(environ),
    }
    return hashlib.sha256(canonical_json(parts).encode()).hexdigest()


class DataCheck:
    """``ok(run_dir)``: every dataset the run read still has its checksums (memoised per name).

    The verdict for a run's ``datasets.json`` is remembered across sweeps under the data
    fingerprint (:mod:`~sanctions_model.runner.verdicts`) when the run read only datasets under
    ``data/``: a warm sweep then neither hashes the data files nor imports pandas.
    """

    def __init__(self, verdicts: Any = None) -> None:
        self._memo: dict[str, Any] = {}
        self._verdicts = verdicts

    def _fresh(self, run_dir: str | Path) -> bool:
        from sanctions_model.data import reads

        read = reads.read_reads(run_dir)
        return read is not None and reads.still_current(read, self._memo)

    def ok(self, run_dir: str | Path) -> bool:
        from sanctions_model.runner.verdicts import VerdictCache, reads_reusable

        try:
            text = (Path(run_dir) / READS_NAME).read_bytes()
        except OSError:
            return self._fresh(run_dir)
        if not reads_reusable(text):
            return self._fresh(run_dir)
        if self._verdicts is None:
            self._verdicts = VerdictCache()
        digest = hashlib.sha256(text).hexdigest()
        verdict = self._verdicts.lookup("reads", digest, lambda: self._fresh(run_dir))
        self._verdicts.save()
        return bool(verdict)
