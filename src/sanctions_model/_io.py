"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` if the block succeeds.

    The temporary file lives in the same directory so the final :func:`os.replace` is atomic on
    POSIX. On any exception the temporary file is removed and ``target`` is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix + ".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():
            # mkstemp creates 0600; give the file the mode a plain open() would (0666 - umask)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (fsync before rename)."""
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def atomic_write_text(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``target`` atomically."""
    atomic_write_bytes(target, text.encode(encoding))


#: Values of ``SANCTIONS_MODEL_TABLE_CACHE`` that turn the on-disk caches off.
CACHE_OFF = frozenset({"off", "0", "none", "false"})


def beside_table_cache(name: str, *, even_if_off: bool = False) -> Path | None:
    """``name`` beside the parsed-table cache: ``$SANCTIONS_MODEL_TABLE_CACHE/name``, else
    ``$XDG_CACHE_HOME/sanctions-model/name`` (``~/.cache`` without XDG_CACHE_HOME). None when
    the table cache is off, unless ``even_if_off`` (a cache some library needs a folder for)."""
    tables = os.environ.get("SANCTIONS_MODEL_TABLE_CACHE", "")
    off = tables.lower() in CACHE_OFF
    if tables and not off:
        return Path(tables) / name
    if off and not even_if_off:
        return None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sanctions-model" / name
