"""The verdicts of the data checks, remembered across sweeps, so a warm sweep imports no pandas.

Planning a sweep checks each run's parameters against the data (a reporter the trade dataset
holds, a period inside its coverage: :mod:`~sanctions_model.runner.domain`), and reusing an
earlier run checks that the datasets it read are unchanged (:class:`~.cache.DataCheck`). Both load
``sanctions_model.data``, which imports pandas and pandera (about 1 s). Their answers depend only
on the data files, the package's code and the values checked, so they are kept in
``verdicts.json`` beside the table cache (``$SANCTIONS_MODEL_TABLE_CACHE`` or
``~/.cache/sanctions-model``), under a key of:

- the **data fingerprint**: the bytes of ``data/manifest.json`` and the path, size and
  modification time of every file under ``data/`` (shipped files, fetched datasets and their
  records under ``data/cache`` or ``$SANCTIONS_MODEL_CACHE_DIR``), read with ``stat`` only;
- the package digest (:func:`~.code_digest.package_digest`: any change to the checks' code);
- the check and its arguments (the domain, the parameter's name and value; or the bytes of a
  run's ``datasets.json``).

Any file added, removed or rewritten under ``data/`` changes the fingerprint, and every verdict is
computed again (and verified against the manifest, as before). Not seen: a file outside ``data/``
registered by path (``sanctions-model data add ... FILE``), so a run that read such a dataset
(origin other than ``embedded`` and ``fetched``) is always checked afresh. A file rewritten with
the same size and modification time is not seen until the next ``sanctions-model data`` command
rewrites the manifest. ``SANCTIONS_MODEL_TABLE_CACHE=off`` turns the verdict cache off too.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sanctions_model._io import atomic_write_text, beside_table_cache

VERDICTS_NAME = "verdicts.json"
_MAX_ENTRIES = 20000
_REUSABLE_ORIGINS = {"embedded", "fetched"}


def verdicts_path() -> Path | None:
    """``verdicts.json`` beside the table cache; None when that cache is off."""
    return beside_table_cache(VERDICTS_NAME)


def data_dir() -> Path:
    """``data/`` as :func:`sanctions_model.data.manifest.data_dir` finds it (without importing
    ``sanctions_model.data``, which imports pandas)."""
    env = os.environ.get("SANCTIONS_MODEL_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "data"


def manifest_digest() -> str:
    """:func:`sanctions_model.data.manifest_digest` (sha256 of ``data/manifest.json``), without
    importing pandas; raises OSError as it does."""
    return hashlib.sha256((data_dir() / "manifest.json").read_bytes()).hexdigest()


def _stat_tree(root: Path, digest: Any) -> None:
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            digest.update(f"missing {folder}\n".encode())
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=True):
                    stack.append(Path(entry.path))
                    continue
                st = entry.stat(follow_symlinks=True)
            except OSError:
                continue
            digest.update(f"{entry.path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())


def data_fingerprint() -> str:
    """sha256 over the manifest's bytes and the stat of every file under ``data/`` and the
    fetched-data cache (a few milliseconds: no file is read but the manifest)."""
    root = data_dir()
    digest = hashlib.sha256()
    try:
        digest.update((root / "manifest.json").read_bytes())
    except OSError:
        digest.update(b"no manifest")
    _stat_tree(root, digest)
    cache = os.environ.get("SANCTIONS_MODEL_CACHE_DIR")
    if cache and not Path(cache).resolve().is_relative_to(root.resolve()):
        _stat_tree(Path(cache), digest)
    return digest.hexdigest()


class VerdictCache:
    """Verdicts of checks, keyed by the data fingerprint, the package and the arguments.

    ``lookup(kind, args, compute)``: the remembered verdict, else ``compute()`` (remembered when
    it returns). :meth:`save` writes new verdicts (atomically; a failure to write is ignored).
    """

    def __init__(self, path: Path | None = None, *, enabled: bool = True) -> None:
        self.path = verdicts_path() if path is None else path
        self.enabled = enabled and self.path is not None
        self._entries: dict[str, Any] | None = None
        self._new = False

    @functools.cached_property
    def _base(self) -> str:
        from sanctions_model.runner.code_digest import package_digest

        return f"{data_fingerprint()}:{package_digest()}"

    def _load(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = {}
            if self.enabled and self.path is not None:
                with contextlib.suppress(OSError, ValueError):
                    loaded = json.loads(self.path.read_text(encoding="utf-8"))
                    if isinstance(loaded, dict):
                        self._entries = loaded
        return self._entries

    def key(self, kind: str, args: Any) -> str:
        from sanctions_model.runner.code_digest import canonical_json

        text = f"{self._base}:{kind}:{canonical_json(args)}"
        return hashlib.sha256(text.encode()).hexdigest()

    def lookup(self, kind: str, args: Any, compute: Callable[[], Any]) -> Any:
        if not self.enabled:
            return compute()
        try:
            key = self.key(kind, args)
        except (TypeError, ValueError):  # arguments that have no canonical JSON: not cached
            return compute()
        entries = self._load()
        if key in entries:
            return entries[key]
        verdict = compute()
        entries[key] = verdict
        self._new = True
        return verdict

    def save(self) -> None:
        if not (self.enabled and self._new and self.path is not None):
            return
        entries = self._load()
        if len(entries) > _MAX_ENTRIES:  # old keys of data or code long gone
            entries = dict(list(entries.items())[-_MAX_ENTRIES // 2 :])
        with contextlib.suppress(OSError):  # a cache: failing to write it loses nothing
            atomic_write_text(self.path, json.dumps(entries))
        self._new = False


def reads_reusable(reads_bytes: bytes) -> bool:
    """True when a run's ``datasets.json`` names only datasets under ``data/`` (embedded or
    fetched), whose changes the data fingerprint sees."""
    try:
        reads = json.loads(reads_bytes)
    except ValueError:
        return False
    return isinstance(reads, Mapping) and all(
        isinstance(e, Mapping) and e.get("origin") in _REUSABLE_ORIGINS for e in reads.values()
    )


__all__ = [
    "VERDICTS_NAME",
    "VerdictCache",
    "data_dir",
    "data_fingerprint",
    "manifest_digest",
    "reads_reusable",
]
