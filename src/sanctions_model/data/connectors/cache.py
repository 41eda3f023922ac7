"""The local cache of fetched datasets: Parquet plus a JSON provenance record each.

Layout under :func:`cache_dir` (``data/cache/``, git-ignored; ``SANCTIONS_MODEL_CACHE_DIR``
overrides it)::

    <name>.json                    provenance record: the commit point of an entry
    <name>.<sha256[:12]>.parquet   the validated table, named by its content hash

A write goes: validate the table against its schema, write the Parquet to a temporary file, read
it back and validate again (what is stored is what will be loaded), rename it to its
content-addressed name, then atomically replace the JSON record. Until that last rename the
previous entry is untouched, so a download or refresh that fails anywhere leaves the old copy in
place. The JSON records the sha256 of the Parquet; :func:`load_cached` checks it and refuses a
file that does not match (:class:`CacheCorruptedError`), naming the command that re-fetches it.

User-supplied files (``sanctions-model data add``) are entries of kind ``reference``: the JSON
records their path and sha256, the file itself is never copied. A name given to a fetch
(``sanctions-model fetch ... --name NAME``) is an alias record ``{"alias_of": <cache name>}``:
loading it loads the fetched entry, so a ``--refresh`` of either name updates both.

Inside a notebook run, :func:`load_cached` records the name and checksum it read in the run's
``datasets.json`` (through :mod:`sanctions_model.data.read_log`; see :mod:`sanctions_model.data.reads`):
:func:`checksums` gives the same for today's files, so the runner re-runs exactly the runs whose
datasets changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sanctions_model._io import atomic_write_text
from sanctions_model.data import manifest, read_log, schemas, tables
from sanctions_model.data.connectors.http import redact
from sanctions_model.errors import SanctionsModelError

PROVENANCE_KEY = b"sanctions_model.provenance"
SCHEMAS = {
    "trade": schemas.TRADE,
    "indicators": schemas.INDICATORS,
    "designations": schemas.DESIGNATIONS,
}
LIST_COLUMNS = ["dataset", "kind", "source", "query", "retrieved_at", "rows", "first", "last"]

#: Readers for reference entries (user files), by source; filled by ``user_files``.
REFERENCE_READERS: dict[str, Callable[[Path, str], pd.DataFrame]] = {}


class CacheError(SanctionsModelError):
    """The cache holds something unusable."""


class CacheCorruptedError(CacheError):
    """A cached file's sha256 differs from its provenance record: it is never used."""

    def __init__(self, path: object, expected: str, actual: str, hint: str) -> None:
        self.path, self.expected, self.actual = str(path), expected, actual
        super().__init__(
            f"{path}: cached file is corrupted (provenance records sha256 {expected}, file has "
            f"{actual}); it will not be used. Re-fetch it: {hint}"
        )


class UserFileChangedError(CacheCorruptedError):
    """A registered user file differs from the one that was added: never read silently."""

    def __init__(self, name: str, path: object, expected: str, actual: str, hint: str) -> None:
        self.path, self.expected, self.actual = str(path), expected, actual
        SanctionsModelError.__init__(
            self,
            f"dataset {name!r}: {path} changed since it was added (sha256 {expected[:12]}… then, "
            f"{actual[:12]}… now); if the change is intended, register it again: {hint}",
        )


def cache_dir() -> Path:
    """``data/cache/`` beside the shipped data, or ``SANCTIONS_MODEL_CACHE_DIR``."""
    env = os.environ.get("SANCTIONS_MODEL_CACHE_DIR")
    return Path(env) if env else manifest.data_dir() / "cache"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dataset_name(source: str, query: Mapping[str, Any]) -> str:
    """A stable cache name for (source, query): ``comtrade-3f9a0c12e4``."""
    canonical = json.dumps(dict(query), sort_keys=True, separators=(",", ":"), default=str)
    return f"{source}-{sha256_bytes(canonical.encode())[:10]}"


def _record_path(name: str) -> Path:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise CacheError(f"invalid cached dataset name {name!r}")
    return cache_dir() / f"{name}.json"


def read_record(name: str) -> dict[str, Any] | None:
    """The provenance record of a cached dataset, or ``None`` if there is none."""
    path = _record_path(name)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as exc:
        raise CacheError(f"{path}: unreadable provenance record ({exc}); delete it") from None


def coverage(frame: pd.DataFrame) -> dict[str, str | None]:
    for col in ("period", "date", "designated_on"):
        if col in frame and frame[col].notna().any():
            return {"first": str(frame[col].min())[:10], "last": str(frame[col].max())[:10]}
    return {"first": None, "last": None}


def store(
    name: str,
    frame: pd.DataFrame,
    *,
    kind: str,
    provenance: Mapping[str, Any],
) -> dict[str, Any]:
    """Validate ``frame`` and store it with its provenance; returns the record written.

    ``provenance`` must hold at least ``source``, ``query``, ``url`` and ``sha256_raw``. Secrets
    are redacted from it whatever the caller passed.
    """
    schema = SCHEMAS[kind]
    where = f"{provenance.get('source', name)} response"
    frame = schemas.validate(frame.reset_index(drop=True), schema, where)
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    record: dict[str, Any] = {
        "dataset": name,
        "kind": kind,
        **dict(provenance),
        "rows": len(frame),
        "coverage": coverage(frame),
    }
    record = json.loads(redact(json.dumps(record, default=str)))
    table = pa.Table.from_pandas(_to_storable(frame), preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[PROVENANCE_KEY] = json.dumps(record, sort_keys=True).encode()
    table = table.replace_schema_metadata(meta)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".parquet.tmp", dir=root)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        pq.write_table(table, tmp)
        stored = _from_storable(pd.read_parquet(tmp), kind)
        schemas.validate(stored, schema, f"{tmp} (written for {name})")
        digest = manifest.sha256_file(tmp)
        final = root / f"{name}.{digest[:12]}.parquet"
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    record["parquet"] = final.name
    record["sha256_parquet"] = digest
    previous = read_record(name)
    atomic_write_text(_record_path(name), json.dumps(record, indent=1, sort_keys=True) + "\n")
    if previous and previous.get("parquet") and previous["parquet"] != final.name:
        with contextlib.suppress(FileNotFoundError):
            (root / previous["parquet"]).unlink()
    return record


def store_reference(name: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """Record a user file by reference (path and sha256); the file is not copied."""
    cache_dir().mkdir(parents=True, exist_ok=True)
    out = json.loads(redact(json.dumps({"dataset": name, **dict(record)}, default=str)))
    atomic_write_text(_record_path(name), json.dumps(out, indent=1, sort_keys=True) + "\n")
    return out


def resolve_alias(name: str) -> tuple[str, dict[str, Any] | None]:
    """``(name, record)`` after following an alias written by ``fetch --name``."""
    record = read_record(name)
    for _ in range(8):  # an alias of an alias is allowed; a loop is not
        if record is None or not record.get("alias_of"):
            return name, record
        name = str(record["alias_of"])
        record = read_record(name)
    raise CacheError(f"{name}: alias records form a loop; delete {cache_dir() / (name + '.json')}")


def store_alias(alias: str, target: str) -> dict[str, Any]:
    """Name the cached dataset ``target`` also ``alias`` (``fetch ... --name``)."""
    record = read_record(target)
    if record is None:
        raise CacheError(f"cannot name {target!r} {alias!r}: {target!r} is not cached")
    existing = read_record(alias)
    if existing is not None and not existing.get("alias_of"):
        raise CacheError(
            f"the name {alias!r} is already a cached dataset ({existing.get('source')}); "
            "choose another --name"
        )
    out = {
        "dataset": alias,
        "alias_of": target,
        "kind": record.get("kind"),
        "source": record.get("source"),
        "query": record.get("query", {}),
        "retrieved_at": record.get("retrieved_at"),
        "rows": record.get("rows"),
        "coverage": record.get("coverage", {}),
        "command": record.get("command"),
    }
    cache_dir().mkdir(parents=True, exist_ok=True)
    atomic_write_text(_record_path(alias), json.dumps(out, indent=1, sort_keys=True) + "\n")
    return out


def checksums(name: str) -> dict[str, str] | None:
    """What :func:`load_cached` would record for ``name`` now (None: not cached).

    A fetched entry: the recorded sha256 of its content-addressed Parquet (a refresh changes it).
    A user file: the sha256 of the file as it is on disk now (an edit changes it).
    """
    _, record = resolve_alias(name)
    if record is None:
        return None
    if record.get("kind") == "reference":
        path = Path(record["path"])
        return {"file": manifest.sha256_file(path)} if path.is_file() else None
    return {"parquet": str(record.get("sha256_parquet"))}


def load_cached(name: str) -> pd.DataFrame | None:
    """The cached table ``name``, checked against its recorded sha256; ``None`` if not cached.

    Raises
    ------
    CacheCorruptedError
        The Parquet (or, for a reference, the user's file) no longer matches its record.
    """
    requested = name
    name, record = resolve_alias(name)
    if record is None:
        return None
    if record.get("kind") == "reference":
        hint = record.get("command", "sanctions-model data add KIND PATH")
        path = Path(record["path"])
        if not path.is_file():
            raise CacheError(f"{name}: registered file {path} no longer exists; {hint}")
        actual = manifest.sha256_file(path)
        if actual != record["sha256"]:
            raise UserFileChangedError(name, path, record["sha256"], actual, hint)
        frame = parsed_reference(name, str(record["source"]), path, actual)
        read_log.record_read(requested, "reference", {"file": actual})
        return frame
    hint = f"{record.get('command', 'sanctions-model fetch SOURCE ...')} --refresh"
    path = cache_dir() / str(record.get("parquet", ""))
    if not record.get("parquet") or not path.is_file():
        raise CacheError(f"{name}: cached Parquet {path.name} is missing; re-fetch it: {hint}")
    actual = manifest.sha256_file(path)
    if actual != record.get("sha256_parquet"):
        raise CacheCorruptedError(path, str(record.get("sha256_parquet")), actual, hint)
    frame = _from_storable(pd.read_parquet(path), record["kind"])
    frame = schemas.validate(frame, SCHEMAS[record["kind"]], path)
    read_log.record_read(requested, "fetched", {"parquet": actual})
    return frame


def parsed_reference(name: str, source: str, path: Path, digest: str) -> pd.DataFrame:
    """A user file's validated table, parsed once: kept in the checksummed table cache.

    The key holds the file's sha256 (already checked against the record) and a hash of the
    readers' code, so an edited file or reader is parsed again; a damaged cached table is
    ignored and rewritten (see :mod:`sanctions_model.data.tables`).
    """
    key = tables.table_key(f"user:{source}:{name}", [digest, _user_readers_hash()])
    label = f"user-{name}"
    frame = tables.read(label, key)
    if frame is None:
        frame = tables.normalize(REFERENCE_READERS[source](path, name))
        tables.write(label, key, frame)
    return frame


def _user_readers_hash() -> str:
    here = Path(__file__).parent
    h = hashlib.sha256()
    for module in ("user_files.py", "cache.py"):
        h.update((here / module).read_bytes())
    return h.hexdigest()


def list_cached() -> pd.DataFrame:
    """One row per cached dataset: dataset, kind, source, query, retrieved_at, rows, first, last."""
    rows = []
    root = cache_dir()
    for path in sorted(root.glob("*.json")) if root.is_dir() else []:
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        cov = rec.get("coverage") or {}
        rows.append(
            {
                "dataset": rec.get("dataset", path.stem),
                "kind": rec.get("table") or rec.get("kind"),
                "source": f"alias of {rec['alias_of']}"
                if rec.get("alias_of")
                else rec.get("source"),
                "query": json.dumps(rec.get("query", {}), sort_keys=True),
                "retrieved_at": rec.get("retrieved_at"),
                "rows": rec.get("rows"),
                "first": cov.get("first"),
                "last": cov.get("last"),
            }
        )
    return pd.DataFrame(rows, columns=LIST_COLUMNS)


def _to_storable(frame: pd.DataFrame) -> pd.DataFrame:
    if "aliases" in frame:
        frame = frame.assign(aliases=frame["aliases"].map(list))
    return frame


def _from_storable(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    if kind == "designations" and "aliases" in frame:
        frame = frame.assign(aliases=frame["aliases"].map(lambda v: tuple(str(x) for x in v)))
    return frame
