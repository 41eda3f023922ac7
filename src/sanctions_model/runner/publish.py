"""Output folders the runner owns, and publishing a finished run into one atomically.

A run is built in a hidden staging folder beside its run folder and swapped into place in one
rename. Since that swap deletes whatever stood there before, the runner publishes only into a
folder it owns:

- a folder that does not exist yet (or an empty one), or
- a previous run's folder, recognised by its readable ``run.json``;

and refuses, before any kernel starts (:func:`check_run_dir`, exit status 2), a folder with other
content (``--output-dir notebooks``), a symbolic link, the working directory or any folder that
contains it, the notebook or the project (``--output-dir .``, ``--output-dir ..``), a run folder
of a published sweep (its index would keep the old values), and paths the file system cannot hold
(a component longer than ``NAME_MAX`` or a path near ``PATH_MAX``).
:func:`publish_dir` checks the target again at the moment of the swap and never follows links.

Staging folders are named ``.<run>.<pid>.<random>.<kind>`` (kind ``staging``, ``cache`` or
``old``), so one left behind by a process that was killed (``kill -9``) is recognised by its dead
pid and removed by the next run in the same folder (:func:`clean_stale_staging`).

:func:`check_writable` refuses a sweep's output directory that cannot be written, before any
kernel starts.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from sanctions_model.errors import SanctionsModelError
from sanctions_model.runner.outcome import timestamp_dirs
from sanctions_model.runner.processes import pid_alive
from sanctions_model.runner.records import RECORD_NAME, read_record

#: Room kept below PATH_MAX for what goes inside a run folder (staging suffixes, file names).
INNER_ROOM = 96
_STAGING = re.compile(r"^\..+\.(?P<pid>\d+)\.[A-Za-z0-9_]{6,}\.(?:staging|cache|old)$")
_LEGACY = re.compile(r"^\..+\.(?:[A-Za-z0-9_]{8}\.staging|cache|old-[0-9a-f]{8})$")
LEGACY_MAX_AGE = 24 * 3600.0
"""Staging folders without a pid (made by older versions) are removed after a day."""


class OutputRefused(SanctionsModelError):
    """An output folder the runner does not own or cannot use (exit status 2)."""

    exit_code = 2


class OutputWriteError(SanctionsModelError):
    """Outputs could not be written (disk full, I/O error); exit status 1."""

    exit_code = 1


def _exists(path: Path) -> bool:
    try:
        os.lstat(path)
    except OSError:  # missing, or a name too long to look up
        return False
    return True


def _limit(path: Path, name: str, default: int) -> int:
    existing = path
    while not _exists(existing) and existing != existing.parent:
        existing = existing.parent
    try:
        return int(os.pathconf(existing, name))
    except (OSError, ValueError):
        return default


def check_path_length(path: str | os.PathLike[str]) -> None:
    """Refuse a path whose components or total length the file system cannot hold."""
    path = Path(os.path.abspath(path))
    name_max = _limit(path, "PC_NAME_MAX", 255)
    path_max = _limit(path, "PC_PATH_MAX", 4096)
    for part in path.parts[1:]:
        if len(os.fsencode(part)) > name_max:
            raise OutputRefused(
                f"output folder name {part[:40]!r}... is {len(os.fsencode(part))} bytes long; "
                f"this file system allows {name_max} per name; choose a shorter --output-dir"
            )
    if len(os.fsencode(str(path))) + INNER_ROOM > path_max:
        raise OutputRefused(
            f"output path is {len(os.fsencode(str(path)))} bytes long; this file system allows "
            f"{path_max} (less {INNER_ROOM} for the files inside); choose a shorter --output-dir"
        )


def _project_root(start: Path) -> Path | None:
    for parent in (start, *start.parents):
        if (parent / "pyproject.toml").is_file() or (parent / ".git").exists():
            return parent
    return None


def is_run_dir(path: Path) -> bool:
    """True for a real (not linked) folder holding a readable run record."""
    return (
        path.is_dir()
        and not path.is_symlink()
        and not (path / RECORD_NAME).is_symlink()
        and read_record(path) is not None
    )


def check_run_dir(run_dir: str | os.PathLike[str], *, protect: Iterable[str | Path] = ()) -> None:
    """Raise :class:`OutputRefused` unless ``run_dir`` is a folder the runner may publish into.

    ``protect`` names paths (the notebook) that must not be inside ``run_dir``; the working
    directory and the project around each protected path are always protected.
    """
    check_path_length(run_dir)
    path = Path(os.path.abspath(run_dir))
    shown = str(run_dir)
    if path.is_symlink():
        raise OutputRefused(
            f"output folder {shown} is a symbolic link; the runner publishes only into folders "
            "it owns (a new folder or an earlier run's); give the link's target instead"
        )
    protected: dict[Path, str] = {Path.cwd().resolve(): "the working directory"}
    for item in protect:
        item = Path(item).resolve()
        protected[item] = str(item.name)
        root = _project_root(item.parent)
        if root is not None:
            protected.setdefault(root, "the project")
    real = path.resolve()
    for guarded, what in protected.items():
        if real == guarded or real in guarded.parents:
            raise OutputRefused(
                f"output folder {shown} contains {what}; publishing there would replace it. "
                "Choose a new folder (e.g. outputs/runs/NAME)"
            )
    sweep_record = real.parent / "sweep.json"
    if sweep_record.is_file():
        raise OutputRefused(
            f"output folder {shown} is a run of the published sweep {real.parent.name} "
            f"({sweep_record}); replacing it would leave that sweep's index and sweep.json with "
            "the old values. Choose a new folder (e.g. outputs/runs/NAME), or rerun the sweep"
        )
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise OutputRefused(f"output folder {shown} exists and is not a folder")
        if not is_run_dir(path) and any(path.iterdir()):
            raise OutputRefused(
                f"output folder {shown} exists and is not a run folder (no run.json); the runner "
                "replaces only folders it made. Choose a new folder or an earlier run's"
            )


def staging_dir(parent: Path, name: str, kind: str = "staging") -> Path:
    """A new private hidden folder in ``parent`` for building ``name``, tagged with this pid."""
    return Path(
        tempfile.mkdtemp(prefix=f".{name[:60]}.{os.getpid()}.", suffix=f".{kind}", dir=parent)
    )


def remove_tree(path: Path) -> None:
    """Remove ``path``: a link (or file) is unlinked, never followed; a folder removed in full."""
    with contextlib.suppress(FileNotFoundError):
        if path.is_symlink() or not path.is_dir():
            path.unlink()
        else:
            shutil.rmtree(path, ignore_errors=True)


def clean_stale_staging(directory: str | os.PathLike[str]) -> list[str]:
    """Remove staging folders in ``directory`` whose process is gone; return their names."""
    directory = Path(directory)
    removed: list[str] = []
    try:
        entries = list(directory.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _STAGING.match(entry.name)
        if match is not None:
            stale = int(match["pid"]) != os.getpid() and not pid_alive(int(match["pid"]))
        elif _LEGACY.match(entry.name):
            try:
                stale = now - entry.lstat().st_mtime > LEGACY_MAX_AGE
            except OSError:
                stale = False
        else:
            continue
        if stale:
            remove_tree(entry)
            removed.append(entry.name)
    return removed


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
    """Put the finished ``staging`` folder at ``target``, replacing an earlier run atomically.

    Raises :class:`OutputRefused` if ``target`` is a link or a folder the runner does not own
    (checked again here, in case it changed while the notebook ran).
    """
    if target.is_symlink():
        raise OutputRefused(f"output folder {target.name} is a symbolic link; not replaced")
    if target.exists() and not is_run_dir(target):
        if not target.is_dir() or any(target.iterdir()):
            raise OutputRefused(
                f"output folder {target.name} is not a run folder (no run.json); not replaced"
            )
    try:
        os.rename(staging, target)  # fails if target is a non-empty folder
        return
    except OSError:
        if not target.exists():
            raise
    if _exchange(staging, target):
        remove_tree(staging)  # now holds the previous run
        return
    old = staging_dir(target.parent, target.name, "old")
    os.rename(target, old / "run")
    os.rename(staging, target)
    remove_tree(old)


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
