"""Bounded YAML for parameter and sweep files: no anchors or aliases, no deep nesting, no huge ints.

``yaml.safe_load`` never runs code, but it happily expands a 440-byte file of nested aliases into
gigabytes (the "billion laughs"), recurses once per nesting level (a 5,000-level list ends in a
``RecursionError``) and converts a 5,000-digit integer only to fail in ``int()``. Parameter and
sweep files need none of that, so :func:`safe_load` refuses, with the line and column:

- anchors and aliases (``&name`` / ``*name``, hence also ``<<`` merge keys);
- nesting deeper than :data:`MAX_DEPTH` lists/mappings;
- integers longer than :data:`MAX_INT_DIGITS` digits;
- documents longer than :data:`MAX_CHARS` characters.

Every refusal is an :class:`UnsafeYAMLError`, a :class:`yaml.YAMLError`, so a caller that already
reports malformed YAML reports these the same way. :func:`short_repr` is a repr that stops early,
for error messages about values that may be large.
"""

from __future__ import annotations

import reprlib
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent, CollectionStartEvent, NodeEvent

MAX_DEPTH = 32
"""Lists and mappings nested deeper than this are refused (a sweep file needs three or four)."""
MAX_INT_DIGITS = 100
"""Longer integers are refused (a seed of 2**128 has 39 digits)."""
MAX_CHARS = 1_000_000
"""A parameter or sweep file longer than this (in characters) is refused before it is parsed."""


class UnsafeYAMLError(yaml.YAMLError):
    """A YAML document uses a construct that parameter and sweep files do not allow."""


class BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without anchors/aliases and with bounded depth and integer size."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def _where(self, event: Any) -> str:
        mark = getattr(event, "start_mark", None)
        return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "?"

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            raise UnsafeYAMLError(
                f"{self._where(event)}: aliases (*{event.anchor}) are not allowed; "
                "write the value out in full"
            )
        if isinstance(event, NodeEvent) and event.anchor is not None:
            raise UnsafeYAMLError(
                f"{self._where(event)}: anchors (&{event.anchor}) are not allowed; "
                "write the value out in full"
            )
        nested = isinstance(event, CollectionStartEvent)
        if nested:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise UnsafeYAMLError(
                    f"{self._where(event)}: lists or mappings nested more than {MAX_DEPTH} deep"
                )
        try:
            return Composer.compose_node(self, parent, index)
        finally:
            if nested:
                self._depth -= 1

    def construct_yaml_int(self, node: Any) -> int:
        text = str(node.value).replace("_", "").lstrip("+-")
        digits = len(text) - (2 if text[:2].lower() in ("0x", "0o", "0b") else 0)
        if digits > MAX_INT_DIGITS:
            raise UnsafeYAMLError(
                f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}: "
                f"an integer of {digits} digits (at most {MAX_INT_DIGITS} are allowed)"
            )
        return super().construct_yaml_int(node)


BoundedLoader.add_constructor("tag:yaml.org,2002:int", BoundedLoader.construct_yaml_int)


def safe_load(text: str) -> Any:
    """Parse ``text`` like :func:`yaml.safe_load`, within the bounds of this module.

    Raises
    ------
    UnsafeYAMLError
        For an anchor, alias, too deep nesting, a too long integer or a too long document.
    yaml.YAMLError
        For malformed YAML.
    """
    if len(text) > MAX_CHARS:
        raise UnsafeYAMLError(
            f"the file has {len(text):,} characters; at most {MAX_CHARS:,} are allowed"
        )
    loader = BoundedLoader(text)
    try:
        return loader.get_single_data()
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps well below the limit
        raise UnsafeYAMLError(f"lists or mappings nested more than {MAX_DEPTH} deep") from None
    finally:
        loader.dispose()


_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlong = 40
_REPR.maxlevel = 3
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = _REPR.maxset = 6


def short_repr(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to about ``limit`` characters without building the whole repr first."""
    try:
        text = _REPR.repr(value)
    except Exception:  # noqa: BLE001 - a repr that fails must not hide the real error
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
