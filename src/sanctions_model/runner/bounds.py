"""Bounds and minimums in parameter domains: what a count, a share or a period needs, checked
with the other parameter checks before any kernel starts.

A domain tag (see :mod:`sanctions_model.runner.domain`) may carry clauses after a comma, or consist
of bounds only::

    n_placebos: int = 6  # pseudo-intervention dates [domain: >= 1]
    alpha: float = 0.05  # 1 - coverage [domain: > 0, < 0.5]
    intervention: str = "2022-03"  # first month [domain: period, at least 21 months after pre_start]
    intervention: int = 2022  # first year [domain: >= 1990, at least 3 years after pre_start]

Clauses (:func:`parse_clause`):

``>= N``, ``> N``, ``<= N``, ``< N``
    the value (each item of a list) compared with the number N.
``at least N months after NAME`` / ``at least N years after NAME`` / ``after NAME``
    the value is a period (``YYYY-MM``, ``YYYY-MM-DD``) or a year (an integer) at least N months or
    years after parameter NAME's value (``after``: at least one); ``before`` mirrors it. A
    minimum such as the pre-period a placebo backtest needs is declared this way, so a too short
    pre-period, or a ``pre_start`` after the intervention, is refused naming both parameters
    instead of failing in a kernel after the estimate was computed.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
_BOUND = re.compile(r"^(>=|<=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)$")
_RELATION = re.compile(
    r"^(?:at least\s+(\d+)\s+(months?|years?)\s+)?(after|before)\s+([A-Za-z_][A-Za-z0-9_]*)$"
)
_PERIOD = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2})?$")


@dataclass(frozen=True)
class Bound:
    op: str
    number: float

    def __str__(self) -> str:
        return f"{self.op} {self.number:g}"

    def check(self, value: Any) -> bool:
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if item is None:
                continue
            if isinstance(item, bool) or not isinstance(item, int | float):
                return False
            if not math.isfinite(float(item)) or not _OPS[self.op](float(item), self.number):
                return False
        return True


@dataclass(frozen=True)
class Relation:
    """``value`` at least ``gap`` ``unit`` after (or before) parameter ``other``."""

    gap: int
    unit: str
    """``months`` or ``years``."""
    direction: str
    """``after`` or ``before``."""
    other: str

    def __str__(self) -> str:
        unit = self.unit.rstrip("s") if self.gap == 1 else self.unit
        return f"at least {self.gap} {unit} {self.direction} {self.other}"


Clause = Bound | Relation


def parse_clause(text: str) -> Clause:
    """A :class:`Bound` or :class:`Relation` from its text; ValueError naming the forms if neither."""
    text = " ".join(text.split())
    match = _BOUND.match(text)
    if match:
        return Bound(match.group(1), float(match.group(2)))
    match = _RELATION.match(text)
    if match:
        gap = int(match.group(1) or 1)
        unit = (match.group(2) or "months").rstrip("s") + "s"
        return Relation(gap, unit, match.group(3), match.group(4))
    raise ValueError(
        f"clause {text!r} is not one of: '>= N', '> N', '<= N', '< N', "
        "'at least N months|years after|before NAME', 'after NAME', 'before NAME'"
    )


def check_bounds(clauses: Sequence[Clause], value: Any) -> str | None:
    """None if ``value`` meets every :class:`Bound` in ``clauses``, else what is allowed."""
    bounds = [c for c in clauses if isinstance(c, Bound)]
    if bounds and not all(b.check(value) for b in bounds):
        return "a number " + " and ".join(str(b) for b in bounds)
    return None


def _position(value: Any, unit: str) -> int | None:
    """Months since year 0 (``unit`` months) or the year (``unit`` years); None if not a date."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value * 12 if unit == "months" else value
    if isinstance(value, str):
        match = _PERIOD.match(value.strip())
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            return year * 12 + month - 1 if unit == "months" else year
    return None


def check_relations(
    declared: Mapping[str, Sequence[Clause]], values: Mapping[str, Any]
) -> str | None:
    """The first :class:`Relation` that the resolved ``values`` break, as a message naming both
    parameters and their values; None when all hold (or a value is None: nothing to compare)."""
    for name, clauses in declared.items():
        for clause in clauses:
            if not isinstance(clause, Relation):
                continue
            if clause.other not in values:
                return (
                    f"parameter {name!r}: its domain refers to {clause.other!r}, which the "
                    "notebook does not declare"
                )
            mine, theirs = values.get(name), values.get(clause.other)
            if mine is None or theirs is None:
                continue
            a, b = _position(mine, clause.unit), _position(theirs, clause.unit)
            if a is None or b is None:
                continue  # the period rule reports a malformed value
            gap = a - b if clause.direction == "after" else b - a
            if gap >= clause.gap:
                continue
            unit = clause.unit.rstrip("s") if abs(gap) == 1 else clause.unit
            if gap < 0:  # the other parameter is on the wrong side: say so, naming it first
                return (
                    f"parameter {clause.other!r}: {theirs!r} is {clause.direction} {name} "
                    f"{mine!r}; {name} must be {clause}"
                )
            if gap == 0:
                return (
                    f"parameter {name!r}: {mine!r} is the same as {clause.other} {theirs!r}; "
                    f"allowed: {clause}"
                )
            return (
                f"parameter {name!r}: {mine!r} is only {gap} {unit} {clause.direction} "
                f"{clause.other} {theirs!r}; allowed: {clause}"
            )
    return None
