"""The digest of the package's code, in a module of its own: the run cache
(:mod:`~sanctions_model.runner.cache`) and the data-check verdicts
(:mod:`~sanctions_model.runner.verdicts`) both key on it without importing each other."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

__all__ = ["canonical_json", "package_digest"]


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


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
