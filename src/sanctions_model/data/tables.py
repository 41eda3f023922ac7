"""A disk cache of parsed embedded tables, so that each notebook kernel does not re-parse ~500 CSVs.

Parsing the shipped files takes seconds (the Comext folders alone are about 480 CSV files); a
sweep starts a fresh kernel per run, and each used to parse them again. The first load writes the
validated table as Parquet; later loads, in any process, read it back in milliseconds.

The key is the dataset name, the sha256 of every source file (from ``data/manifest.json``), a hash
of the readers' source code (the modules of this package), the package version and the pandas
version, so an edited data file or an edited reader never meets a stale table. The source files are still checked against the manifest on every load (cheap: hashes are
memoised per file), so a corrupted file is reported even when its table is cached.

Every cached table has its sha256 beside it (``<table>.parquet.sha256``, written after the table).
A table is used only when its bytes match that checksum: Parquet does not checksum its pages by
default, so a flipped bit in a cached file could otherwise change a value silently (one changed
Russia's 2016 imports from Guinea to 1.78e308). A table with a missing or wrong checksum, or that
cannot be read back, is ignored, parsed again from the source files and rewritten. Writes are
atomic.

Location: ``$SANCTIONS_MODEL_TABLE_CACHE``, else ``$XDG_CACHE_HOME/sanctions-model/tables``, else
``~/.cache/sanctions-model/tables``. Set ``SANCTIONS_MODEL_TABLE_CACHE=off`` to disable it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
from pathlib import Path

import pandas as pd

from sanctions_model import __version__
from sanctions_model._io import CACHE_OFF, atomic_path, atomic_write_text

_TUPLE_COLUMNS = ("aliases",)


def cache_dir() -> Path | None:
    env = os.environ.get("SANCTIONS_MODEL_TABLE_CACHE")
    if env:
        return None if env.lower() in CACHE_OFF else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sanctions-model" / "tables"


@functools.cache
def _readers_hash() -> str:
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()


def table_key(name: str, file_hashes: list[str]) -> str:
    payload = json.dumps([name, file_hashes, _readers_hash(), __version__, pd.__version__])
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Give text columns one string dtype, so a parsed table and its cached copy are identical."""
    for col in frame.columns:
        if frame[col].dtype == object and frame[col].map(lambda v: isinstance(v, str)).all():
            frame[col] = frame[col].astype("str")
    return frame


def checksum_path(path: Path) -> Path:
    """Where the sha256 of a cached table is kept."""
    return path.with_name(path.name + ".sha256")


def read(name: str, key: str) -> pd.DataFrame | None:
    """The cached table for ``(name, key)``, or None when absent, unreadable or not matching its
    checksum (the caller then parses the sources again and rewrites the cache)."""
    root = cache_dir()
    if root is None:
        return None
    path = root / f"{name}-{key}.parquet"
    try:
        data = path.read_bytes()
        expected = checksum_path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if hashlib.sha256(data).hexdigest() != expected:
        return None
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception:  # a damaged cache file is not an error: parse the sources again
        return None
    for col in _TUPLE_COLUMNS:
        if col in frame:
            frame[col] = frame[col].map(lambda v: tuple(v) if v is not None else ())
    return normalize(frame)


def write(name: str, key: str, frame: pd.DataFrame) -> None:
    """Store ``frame`` (best effort: a read-only or full cache never fails a load)."""
    root = cache_dir()
    if root is None:
        return
    try:
        out = frame.copy()
        for col in _TUPLE_COLUMNS:
            if col in out:
                out[col] = out[col].map(list)
        path = root / f"{name}-{key}.parquet"
        with atomic_path(path) as tmp:
            out.to_parquet(tmp, index=False)
            digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
        # after the table: a crash in between leaves a missing or stale checksum, never a
        # checksum that vouches for bytes it was not computed from
        atomic_write_text(checksum_path(path), digest + "\n", encoding="ascii")
    except OSError:
        return
