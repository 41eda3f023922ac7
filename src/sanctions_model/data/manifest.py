"""The data manifest: every shipped file with its size and sha256, checked on load.

``data/manifest.json`` lists each file under ``data/raw/`` and ``data/events/``. Readers call
:func:`verify` before parsing, so a corrupted or edited file is an error naming the file and both
hashes, never silently used. ``sanctions-model data manifest --write`` regenerates the manifest
after a deliberate change of the shipped data.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

from sanctions_model._io import atomic_write_text
from sanctions_model.errors import ChecksumError, SanctionsModelError

MANIFEST_NAME = "manifest.json"
SHIPPED_DIRS = ("raw", "events")


def data_dir() -> Path:
    """The project's ``data/`` folder (``SANCTIONS_MODEL_DATA_DIR`` overrides it)."""
    env = os.environ.get("SANCTIONS_MODEL_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "data"


def sha256_file(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _load(root: Path) -> dict[str, dict[str, object]]:
    path = root / MANIFEST_NAME
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["files"]
    except FileNotFoundError:
        raise SanctionsModelError(f"{path}: data manifest missing") from None
    except (json.JSONDecodeError, KeyError) as exc:
        raise SanctionsModelError(f"{path}: not a valid data manifest ({exc})") from None
    return {e["path"]: e for e in entries}


@functools.cache
def _manifest(root: str) -> dict[str, dict[str, object]]:
    return _load(Path(root))


@functools.cache
def _verified(path: str, mtime_ns: int, size: int, expected: str) -> str:
    actual = sha256_file(path)
    if actual != expected:
        raise ChecksumError(path, expected, actual)
    return actual


def verify(path: str | os.PathLike[str], root: Path | None = None) -> str:
    """Check ``path`` against the manifest and return its sha256; :class:`ChecksumError` if not.

    Results are memoised on (path, mtime, size), so a file is hashed once per process unless it
    changes on disk.
    """
    root = root or data_dir()
    path = Path(path).resolve()
    rel = path.relative_to(root.resolve()).as_posix()
    entry = _manifest(str(root)).get(rel)
    if entry is None:
        raise SanctionsModelError(f"{path}: not listed in {root / MANIFEST_NAME}")
    stat = path.stat()
    return _verified(str(path), stat.st_mtime_ns, stat.st_size, str(entry["sha256"]))


def build(root: Path | None = None) -> list[dict[str, object]]:
    """Describe every shipped file under ``root`` (path, bytes, sha256), sorted by path."""
    root = root or data_dir()
    files = []
    for sub in SHIPPED_DIRS:
        for p in sorted((root / sub).rglob("*")):
            if p.is_file() and not p.name.startswith("."):
                files.append(
                    {
                        "path": p.relative_to(root).as_posix(),
                        "bytes": p.stat().st_size,
                        "sha256": sha256_file(p),
                    }
                )
    return files


def write(root: Path | None = None) -> Path:
    """Regenerate ``data/manifest.json``."""
    root = root or data_dir()
    target = root / MANIFEST_NAME
    atomic_write_text(target, json.dumps({"files": build(root)}, indent=1) + "\n")
    _manifest.cache_clear()
    return target


def digest(root: Path | None = None) -> str:
    """One sha256 over the manifest: changes whenever any shipped file changes."""
    root = root or data_dir()
    return sha256_file(root / MANIFEST_NAME)
