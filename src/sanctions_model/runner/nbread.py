"""Reading a notebook's cells without importing nbformat, for planning a run.

Planning (a sweep's runs, or a one-off ``run``) needs only what a reader sees of each cell: its
type, its source and its tags (the parameters cell, the cache key). ``nbformat`` imports
``jsonschema`` and its format checkers (0.3-1 s on a busy machine) and validates the notebook
against its schema (a few ms per notebook, only logged when it fails). :func:`read_cells` reads an
nbformat-4 ``.ipynb`` with :mod:`json` into :class:`Node` objects, which answer the same
``nb.cells``, ``cell.cell_type``, ``cell.source``, ``cell.get("metadata", {})`` that an
``nbformat.NotebookNode`` does, with list sources joined as nbformat joins them. Anything else (a
notebook of another major version, a cell without a type or a source, a file that is not JSON)
returns None, and the caller reads it with nbformat, so errors and conversions are nbformat's.

Running a notebook (papermill) still reads it with nbformat.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class Node(dict):
    """A dict whose keys also read as attributes, as ``nbformat.NotebookNode``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _node(value: Any) -> Any:
    if isinstance(value, dict):
        return Node((k, _node(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_node(v) for v in value]
    return value


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    return None


def read_cells(path: str | Path) -> Node | None:
    """The notebook at ``path`` as :class:`Node` objects, or None when nbformat should read it.

    Raises OSError when the file cannot be read (as nbformat would).
    """
    raw = Path(path).read_bytes()
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("nbformat") != 4:
        return None
    cells = data.get("cells")
    if not isinstance(cells, list):
        return None
    for cell in cells:
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            return None
        source = _text(cell.get("source"))
        metadata = cell.get("metadata", {})
        if source is None or not isinstance(metadata, dict):
            return None
        tags = metadata.get("tags", [])
        if not isinstance(tags, list):
            return None
        cell["source"] = source
    return _node(data)


__all__ = ["Node", "read_cells"]
