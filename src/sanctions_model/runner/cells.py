"""Text that is safe to show and to open in a spreadsheet: every value the index, the run table and
the figures' CSV files print goes through these (control and bidi characters made visible, formula
starts quoted).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["csv_cell", "visible_controls"]

#: Characters shown as escapes (``\x00``, ``\u202e``) in the index: C0/C1 controls, and the
#: invisible and bidirectional marks that can reorder what a reader sees (a U+202E in a value
#: makes "exe.txt" read as "txt.exe").
_HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff]"
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def visible_controls(text: str) -> str:
    """``text`` with control, invisible and bidi characters written as visible escapes."""
    return _HIDDEN.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text
    )


def csv_cell(value: Any) -> str:
    """A spreadsheet-safe CSV cell: a text that a spreadsheet would run as a formula (starting
    with ``= + - @``, a tab or a carriage return) gets a leading ``'``; plain numbers such as
    ``-1.5`` stay numbers. Control and bidi characters become visible escapes."""
    text = visible_controls(str(value))
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text
