"""Notebook pairs: ``NAME.ipynb`` and its jupytext ``NAME.py`` (py:percent) in the same folder.

Two rules keep an edit from being lost or silently ignored:

- **Running** (:func:`check_pair`, called whenever the runner reads a notebook): an ``.ipynb``
  whose paired ``.py`` has different cells and a later modification time is refused, naming both
  files and the command that syncs them. A ``.py`` notebook can also be run directly. Whether the
  two files have the same cells is remembered under the sha256 of both files' bytes (and the
  jupytext version) in the verdict cache (:mod:`.verdicts`), where :func:`sync_pair` also records
  every pair it leaves in step: jupytext (about 1 s to import) is imported only for a pair whose
  bytes were never compared.
- **Syncing** (:func:`sync_pair`, ``sanctions-model notebooks sync``, ``make sync-notebooks`` and
  the pre-commit hook): when the two files differ, the one that changed since the last commit
  (``git show HEAD:``) is copied over the other. Modification times decide nothing, so clock skew
  cannot make the older file win. When both changed, when neither did (a pair committed out of
  step), when the folder is not in git, or when a file's time lies in the future, the sync refuses,
  naming both files; ``--prefer py`` or ``--prefer ipynb`` then says which one to keep.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sanctions_model.errors import ParameterError, SanctionsModelError

if TYPE_CHECKING:
    import nbformat

PY_FORMAT = "py:percent"
SYNC_COMMAND = "make sync-notebooks (or: sanctions-model notebooks sync NOTEBOOK)"
FUTURE_SLACK = 2.0
"""Seconds a modification time may lie ahead of the clock before it counts as 'in the future'."""


class PairConflict(SanctionsModelError):
    """The two files of a notebook pair cannot be brought in step without losing an edit."""

    exit_code = 1


def paired_py(path: Path) -> Path | None:
    """The jupytext ``.py`` next to ``path`` (an ``.ipynb``), or None."""
    candidate = path.with_suffix(".py")
    if path.suffix != ".ipynb" or not candidate.is_file():
        return None
    try:
        head = candidate.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return None
    return candidate if "# %%" in head or "jupytext" in head else None


def read_py(path: str | os.PathLike[str]) -> nbformat.NotebookNode:
    """A jupytext notebook (``.py``, py:percent or light) as a notebook; ParameterError if not."""
    import jupytext
    import nbformat

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError(f"notebook {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"notebook {str(path)!r} cannot be read: {exc}") from None
    if "# %%" not in text and "jupytext:" not in text:
        raise ParameterError(
            f"notebook {str(path)!r} is not a readable notebook: a .py file without jupytext "
            "cell markers ('# %%'); "
            "a notebook written as a script is a py:percent file (see notebooks/*.py)"
        )
    try:
        nb = jupytext.reads(text, fmt=PY_FORMAT if "# %%" in text else "py")
    except Exception as exc:  # jupytext raises several types for a malformed file
        raise ParameterError(
            f"notebook {str(path)!r} is not a readable jupytext file: {exc}"
        ) from None
    return nbformat.from_dict(nb)


def cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, bool]]:
    """What a reader sees of each cell: type, source (stripped), parameters tag."""
    return [
        (
            c.cell_type,
            (c.source if isinstance(c.source, str) else "".join(c.source)).strip(),
            "parameters" in c.get("metadata", {}).get("tags", []),
        )
        for c in nb.cells
        if c.cell_type in ("code", "markdown")
    ]


def _read_ipynb(path: Path) -> nbformat.NotebookNode:
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _pair_args(ipynb: Path, py: Path) -> list[str]:
    """What a verdict on a pair is remembered under: both files' bytes and jupytext's version."""
    import hashlib

    from sanctions_model.runner.cache import dependency_versions

    return [
        hashlib.sha256(ipynb.read_bytes()).hexdigest(),
        hashlib.sha256(py.read_bytes()).hexdigest(),
        dependency_versions().get("jupytext", "absent"),
    ]


def same_cells(ipynb: Path, py: Path) -> bool:
    """Do ``ipynb`` and its jupytext ``py`` have the same cells? Remembered by content (module
    docstring). Raises OSError, ParameterError or ValueError for an unreadable file."""
    from sanctions_model.runner.verdicts import VerdictCache

    verdicts = VerdictCache()
    same = verdicts.lookup(
        "pair", _pair_args(ipynb, py), lambda: cells(read_py(py)) == cells(_read_ipynb(ipynb))
    )
    verdicts.save()
    return bool(same)


def _remember(ipynb: Path, py: Path, same: bool | None = None) -> None:
    """Record the pair's verdict after a sync (``same`` when known), so runs skip jupytext."""
    import contextlib

    from sanctions_model.runner.verdicts import VerdictCache

    with contextlib.suppress(OSError, ParameterError, ValueError):
        if same is None:
            same_cells(ipynb, py)
            return
        verdicts = VerdictCache()
        verdicts.lookup("pair", _pair_args(ipynb, py), lambda: same)
        verdicts.save()


def check_pair(path: str | os.PathLike[str]) -> None:
    """Refuse to run an ``.ipynb`` whose paired ``.py`` was edited later and differs from it."""
    path = Path(path)
    py = paired_py(path)
    if py is None:
        return
    try:
        if py.stat().st_mtime <= path.stat().st_mtime:
            return
        same = same_cells(path, py)
    except (OSError, ParameterError, ValueError):
        return  # an unreadable pair is reported when the notebook itself is read
    if not same:
        raise ParameterError(
            f"{py} was edited after {path} and the two differ: running {path.name} would use "
            f"the old code. Bring them in step with {SYNC_COMMAND}, or run {py.name} directly"
        )


# -- syncing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncOutcome:
    ipynb: Path
    py: Path
    action: str
    """``in step``, ``wrote NAME.py`` or ``wrote NAME.ipynb``."""


def _head_version(path: Path) -> str | None:
    """The file's text at HEAD, or None (not in git, not committed)."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(path.parent), "show", f"HEAD:./{path.name}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


def _changed_since_commit(path: Path, now: nbformat.NotebookNode) -> bool | None:
    text = _head_version(path)
    if text is None:
        return None
    import jupytext
    import nbformat

    try:
        base = (
            nbformat.reads(text, as_version=4)
            if path.suffix == ".ipynb"
            else jupytext.reads(text, fmt=PY_FORMAT)
        )
    except Exception:
        return None
    return cells(base) != cells(now)


def _write_py(ipynb: Path, py: Path) -> None:
    _jupytext(["--to", PY_FORMAT, "--output", str(py), str(ipynb)])


def _write_ipynb(py: Path, ipynb: Path) -> None:
    args = ["--to", "ipynb", "--output", str(ipynb)]
    _jupytext([*args, "--update", str(py)] if ipynb.exists() else [*args, str(py)])


def _jupytext(args: list[str]) -> None:
    from jupytext.cli import jupytext as jupytext_cli  # in process: no interpreter start-up

    try:
        status = jupytext_cli(["--quiet", *args])
    except (Exception, SystemExit) as exc:
        raise PairConflict(f"jupytext {' '.join(args)} failed: {exc}") from None
    if status:
        raise PairConflict(f"jupytext {' '.join(args)} failed (exit {status})")


def sync_pair(
    ipynb: str | os.PathLike[str], *, prefer: Literal["py", "ipynb"] | None = None
) -> SyncOutcome:
    """Bring ``NAME.ipynb`` and ``NAME.py`` in step without dropping an edit (module docstring)."""
    ipynb = Path(ipynb)
    py = ipynb.with_suffix(".py")
    if not ipynb.exists() and not py.exists():
        raise PairConflict(f"neither {ipynb} nor {py} exists")
    if not py.exists():
        _write_py(ipynb, py)
        _remember(ipynb, py)
        return SyncOutcome(ipynb, py, f"wrote {py.name}")
    if not ipynb.exists():
        _write_ipynb(py, ipynb)
        _remember(ipynb, py)
        return SyncOutcome(ipynb, py, f"wrote {ipynb.name}")
    nb_py, nb_ipynb = read_py(py), _read_ipynb(ipynb)
    if cells(nb_py) == cells(nb_ipynb):
        _remember(ipynb, py, True)
        return SyncOutcome(ipynb, py, "in step")
    winner = prefer or _decide(ipynb, py, nb_ipynb, nb_py)
    if winner == "py":
        _write_ipynb(py, ipynb)
        _remember(ipynb, py)
        return SyncOutcome(ipynb, py, f"wrote {ipynb.name}")
    _write_py(ipynb, py)
    _remember(ipynb, py)
    return SyncOutcome(ipynb, py, f"wrote {py.name}")


def _decide(
    ipynb: Path, py: Path, nb_ipynb: nbformat.NotebookNode, nb_py: nbformat.NotebookNode
) -> str:
    both = f"{ipynb} and {py}"
    keep = (
        f"Keep one explicitly with `sanctions-model notebooks sync --prefer py {ipynb}` "
        f"(or --prefer ipynb) after copying the other edit over by hand"
    )
    now = time.time()
    future = [p for p in (ipynb, py) if p.stat().st_mtime > now + FUTURE_SLACK]
    if future:
        names = " and ".join(str(p) for p in future)
        raise PairConflict(
            f"{both} differ and {names} has a modification time in the future (clock skew?), "
            f"so which is newer cannot be told; nothing was written. {keep}"
        )
    changed_ipynb = _changed_since_commit(ipynb, nb_ipynb)
    changed_py = _changed_since_commit(py, nb_py)
    if changed_ipynb is None or changed_py is None:
        raise PairConflict(
            f"{both} differ and there is no committed version of both to tell which one was "
            f"edited; nothing was written. {keep}"
        )
    if changed_ipynb and changed_py:
        raise PairConflict(
            f"{both} were both edited since the last commit and differ; syncing would drop one "
            f"edit, so nothing was written. {keep}"
        )
    if not changed_ipynb and not changed_py:
        raise PairConflict(
            f"{both} differ but neither changed since the last commit (committed out of step); "
            f"nothing was written. {keep}"
        )
    return "py" if changed_py else "ipynb"


def pairs_of(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The ``.ipynb`` of each pair named by ``paths`` (an ``.ipynb``, its ``.py`` or a folder)."""
    out: dict[Path, None] = {}
    for item in paths:
        item = Path(item)
        if item.is_dir():
            names = {p.with_suffix(".ipynb") for p in item.glob("*.ipynb")}
            names |= {p.with_suffix(".ipynb") for p in item.glob("*.py") if _is_jupytext(p)}
            out.update(dict.fromkeys(sorted(names)))
        elif item.suffix in (".ipynb", ".py"):
            out[item.with_suffix(".ipynb")] = None
        else:
            raise PairConflict(f"{item}: not a notebook (.ipynb or jupytext .py) or a folder")
    return list(out)


def _is_jupytext(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return False
    return "# %%" in head and "jupytext" in head
