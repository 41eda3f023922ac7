"""Domain rules for notebook parameters: facts about the data that a type cannot express.

A rule is a callable ``rule(name, value) -> str | None`` returning ``None`` when ``value`` is
allowed, else a short description of what *is* allowed (the caller turns it into a
:class:`~sanctions_model.errors.ParameterError`). Rules are looked up by exact parameter name first,
then by name suffix. The facts (country codes, data coverage) are fetched lazily from
:mod:`sanctions_model.data`, so importing the runner never loads the data layer; when the data layer
is not importable the rules that need it are skipped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Rule = Callable[[str, Any], "str | None"]

_PERIOD = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def _items(value: Any) -> Iterable[Any]:
    if isinstance(value, list | tuple):
        return value
    return [value]


def country_code_rule(name: str, value: Any) -> str | None:
    """Every code in ``value`` (a code or a list of codes) is a known country code."""
    try:
        from sanctions_model.data.countries import is_valid_code
    except ImportError:  # data layer not installed: nothing to check against
        return None
    for code in _items(value):
        if code is None:
            continue
        if not isinstance(code, str) or not is_valid_code(code):
            return "a known country code (ISO 3166-1 alpha-2 such as 'DE', 'RU', 'CN', or an aggregate such as 'EU')"
    return None


def _month(text: Any) -> str:
    """``'2022-02'`` from a period-like value (``'2022-02'``, ``'2022-02-24'``, Period, Timestamp)."""
    return str(text)[:7]


@functools.lru_cache(maxsize=1)
def coverage() -> tuple[str, str] | None:
    """The data's first and last month as ``('YYYY-MM', 'YYYY-MM')``, or None if unknown."""
    try:
        from sanctions_model.data import coverage as data_coverage
    except ImportError:
        return None
    first, last = data_coverage()
    return _month(first), _month(last)


def make_period_rule(get_coverage: Callable[[], tuple[str, str] | None] = coverage) -> Rule:
    """A rule: ``YYYY-MM`` or ``YYYY-MM-DD``, a real date, inside the data's coverage."""

    def period_rule(name: str, value: Any) -> str | None:
        for item in _items(value):
            if item is None:
                continue
            match = _PERIOD.match(item) if isinstance(item, str) else None
            if match is None or not 1 <= int(match.group(2)) <= 12:
                return "a period written YYYY-MM or YYYY-MM-DD"
            if match.group(3) is not None:
                import datetime as _dt

                try:
                    _dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
                except ValueError:
                    return "a real calendar date written YYYY-MM-DD"
            span = get_coverage()
            if span is not None and not span[0] <= _month(item) <= span[1]:
                return f"a period within the data's coverage, {span[0]} to {span[1]}"
        return None

    return period_rule


@dataclass(frozen=True)
class DomainRules:
    """Rules keyed by exact parameter name, then by name suffix (longest suffix wins)."""

    by_name: Mapping[str, Rule] = field(default_factory=dict)
    by_suffix: Mapping[str, Rule] = field(default_factory=dict)

    def rule_for(self, name: str) -> Rule | None:
        if name in self.by_name:
            return self.by_name[name]
        for suffix in sorted(self.by_suffix, key=len, reverse=True):
            if name.endswith(suffix):
                return self.by_suffix[suffix]
        return None

    def check(self, name: str, value: Any) -> str | None:
        """``None`` if ``value`` is allowed for ``name``, else what is allowed."""
        rule = self.rule_for(name)
        return None if rule is None else rule(name, value)


def dataset_rule(name: str, value: Any) -> str | None:
    """``value`` names an embedded dataset or one fetched into the local cache."""
    try:
        from sanctions_model.data import DATASETS
        from sanctions_model.data.connectors import cache
    except ImportError:
        return None
    if not isinstance(value, str):
        return "a dataset name"
    if value in DATASETS or cache.read_record(value) is not None:
        return None
    return (
        f"an embedded dataset ({', '.join(sorted(DATASETS))}) or a fetched one "
        "(`sanctions-model data cached` lists them; `sanctions-model fetch` adds one)"
    )


def default_rules() -> DomainRules:
    """The project's rules: country codes and periods within the data's coverage."""
    period = make_period_rule()
    return DomainRules(
        by_name={
            "reporter": country_code_rule,
            "reporters": country_code_rule,
            "partner": country_code_rule,
            "partners": country_code_rule,
            "source": dataset_rule,
        },
        by_suffix={"start": period, "end": period, "date": period, "intervention": period},
    )


NO_RULES = DomainRules()
