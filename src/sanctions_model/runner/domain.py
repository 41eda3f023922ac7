"""Parameter domains: what a value must be beyond its type, declared per parameter by the notebook.

A notebook declares a domain at the end of a parameter's help comment; nothing is guessed from
the parameter's name::

    source: str = "eurostat_comext"  # trade dataset [domain: dataset trade]
    reporter: str = "EU27_2020"  # reporting country [domain: reporter]
    flow: Literal["export", "import"] = "export"  # direction [domain: flow]
    intervention: str = "2022-03"  # first month of the regime [domain: period]
    partners: list[str] = ["AM", "GE"]  # partners [domain: partner of eurostat_comext]
    timing_start: str = "2022-02-21"  # measures from this date [domain: date]

Domains (:data:`DOMAINS`):

``country``
    a known country or aggregate code (each item of a list).
``date``
    a real calendar date, ``YYYY-MM-DD`` or ``YYYY-MM``.
``dataset`` / ``dataset KIND``
    the name of an embedded, fetched or registered dataset (of that kind: trade, indicators...).
``period``
    ``YYYY-MM`` or ``YYYY-MM-DD`` inside the coverage of the notebook's trade dataset.
``reporter``, ``partner``, ``flow``, ``product``
    values present in the notebook's trade dataset, checked together: the partner must exist for
    the chosen reporter, the flow for that reporter and partner, and so on.

Bounds and minimums follow the kind after a comma, or stand alone:
``[domain: >= 1]``, ``[domain: > 0, < 0.5]``,
``[domain: period, at least 21 months after pre_start]`` (see :mod:`sanctions_model.runner.bounds`).

"The notebook's trade dataset" is the value of its ``dataset trade`` parameter (``source``); a
notebook that has none names it with ``of NAME`` (``[domain: partner of eurostat_comext]``).

Each value is checked on its own by a :data:`Rule` (``rule(name, value) -> None | what is
allowed``); then :func:`check_data` loads the dataset (once per process, in the parent, never in a
kernel) and checks the combination, so ``-p reporter FI -p partner RU -p flow import`` stops with
exit 2 naming the flows that exist instead of failing in a kernel 18 s later.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sanctions_model.runner.bounds import Clause, parse_clause

Rule = Callable[[str, Any], "str | None"]
NUMBER = "number"
"""The kind of a domain made of bounds and minimums only (``[domain: >= 1]``)."""

DATA_COLUMNS = ("reporter", "partner", "flow", "product")
DOMAINS = ("country", "date", "dataset", "period", *DATA_COLUMNS)
DEFAULT_TRADE = "eurostat_comext"
_PERIOD = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_TAG = re.compile(r"\s*\[domain:\s*([^\]]*)\]\s*$")


@dataclass(frozen=True)
class Domain:
    """A parsed ``[domain: ...]`` tag: ``kind`` (one of :data:`DOMAINS`), its argument and the
    clauses after it (bounds and minimums, :mod:`sanctions_model.runner.bounds`)."""

    kind: str
    argument: str = ""
    """``dataset``: the dataset kind; period and data columns: the dataset named with ``of``."""
    clauses: tuple[Clause, ...] = ()

    def __str__(self) -> str:
        if self.kind == NUMBER:
            head = ""
        elif not self.argument:
            head = self.kind
        elif self.kind == "dataset":
            head = f"{self.kind} {self.argument}"
        else:
            head = f"{self.kind} of {self.argument}"
        return ", ".join(p for p in (head, *map(str, self.clauses)) if p)


def split_help(comment: str) -> tuple[str, Domain | None]:
    """``("trade dataset", Domain("dataset", "trade"))`` from ``"trade dataset [domain: dataset trade]"``.

    Raises ValueError for an unknown domain (the caller names the parameter).
    """
    match = _TAG.search(comment)
    if match is None:
        return comment, None
    parts = [p.strip() for p in match.group(1).split(",")]
    help_text = comment[: match.start()].rstrip()
    words = parts[0].split()
    if parts[0][:1] in ("<", ">") or parts[0].startswith(("at least ", "after ", "before ")):
        return help_text, Domain(NUMBER, "", tuple(parse_clause(p) for p in parts))
    if not words or words[0] not in DOMAINS:
        raise ValueError(f"unknown domain {match.group(1).strip()!r}; known: {', '.join(DOMAINS)}")
    clauses = tuple(parse_clause(p) for p in parts[1:])
    kind, rest = words[0], words[1:]
    if kind == "dataset" and len(rest) <= 1:
        return help_text, Domain(kind, rest[0] if rest else "", clauses)
    if kind in ("period", *DATA_COLUMNS) and (not rest or (len(rest) == 2 and rest[0] == "of")):
        return help_text, Domain(kind, rest[1] if rest else "", clauses)
    if kind in ("country", "date") and not rest:
        return help_text, Domain(kind, "", clauses)
    raise ValueError(
        f"domain {match.group(1).strip()!r} is not of the form described in runner.domain"
    )


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


def date_rule(name: str, value: Any) -> str | None:
    """``YYYY-MM`` or ``YYYY-MM-DD``, a real calendar date."""
    import datetime as _dt

    for item in _items(value):
        if item is None:
            continue
        match = _PERIOD.match(item) if isinstance(item, str) else None
        if match is None or not 1 <= int(match.group(2)) <= 12:
            return "a period written YYYY-MM or YYYY-MM-DD"
        if match.group(3) is not None:
            try:
                _dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                return "a real calendar date written YYYY-MM-DD"
    return None


def make_period_rule(get_coverage: Callable[[], tuple[str, str] | None] | None = None) -> Rule:
    """A rule: a real ``YYYY-MM[-DD]`` date and, if ``get_coverage`` is given, inside it."""

    def period_rule(name: str, value: Any) -> str | None:
        problem = date_rule(name, value)
        if problem is not None or get_coverage is None:
            return problem
        span = get_coverage()
        for item in _items(value):
            if item is not None and span is not None and not span[0] <= _month(item) <= span[1]:
                return f"a period within the data's coverage, {span[0]} to {span[1]}"
        return None

    return period_rule


def make_dataset_rule(kind: str = "") -> Rule:
    """A rule: ``value`` names an embedded, fetched or registered dataset (of ``kind``, if given)."""

    def rule(name: str, value: Any) -> str | None:
        try:
            from sanctions_model.data import DATASETS, kind_of
            from sanctions_model.data.connectors import cache
        except ImportError:
            return None
        if not isinstance(value, str):
            return "a dataset name"
        embedded = sorted(n for n, d in DATASETS.items() if not kind or d.kind == kind)
        known = value in DATASETS or cache.read_record(value) is not None
        if known and (not kind or kind_of(value) == kind):
            return None
        what = f"a {kind} dataset" if kind else "a dataset"
        held = f" ({value!r} holds {kind_of(value)})" if known else ""
        return (
            f"{what}{held}: embedded {', '.join(embedded)}, or one fetched or added by name "
            "(`sanctions-model data list` shows them; `sanctions-model fetch ... --name NAME` or "
            "`sanctions-model data add trade FILE --name NAME` adds one)"
        )

    return rule


dataset_rule = make_dataset_rule()
"""Any dataset (kept for callers of the earlier API)."""


@functools.lru_cache(maxsize=8)
def _combinations(dataset: str) -> Any:
    """Distinct reporter, partner, flow, product of a trade dataset with first and last period."""
    from sanctions_model.data import load_trade

    frame = load_trade(dataset)
    grouped = frame.groupby(list(DATA_COLUMNS), observed=True)["period"].agg(["min", "max"])
    out = grouped.reset_index()
    out["first"] = out["min"].astype(str)
    out["last"] = out["max"].astype(str)
    return out.drop(columns=["min", "max"])


def _names(values: Iterable[Any], limit: int = 40) -> str:
    shown = sorted(map(str, values))
    more = f" and {len(shown) - limit} more" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


def check_data(declared: Mapping[str, tuple[Domain, Any]]) -> str | None:
    """Check the data-dependent domains of one run together; None, or the first problem found.

    ``declared`` maps parameter name to (domain, value) for every parameter with a domain.
    """
    datasets = {v for d, v in declared.values() if d.kind == "dataset" and d.argument == "trade"}
    default = next(iter(datasets)) if len(datasets) == 1 else DEFAULT_TRADE
    groups: dict[str, dict[str, list[tuple[str, Any]]]] = {}
    for name, (domain, value) in declared.items():
        if domain.kind in (*DATA_COLUMNS, "period"):
            dataset = domain.argument or default
            groups.setdefault(dataset, {}).setdefault(domain.kind, []).append((name, value))
    for dataset, wanted in groups.items():
        if not isinstance(dataset, str):
            continue
        try:
            combos = _combinations(dataset)
        except Exception:  # the dataset rule reports an unknown or unreadable dataset
            continue
        chosen: list[str] = []
        for column in DATA_COLUMNS:
            for name, value in wanted.get(column, []):
                values = [v for v in _items(value) if v is not None]
                available = set(combos[column])
                missing = [v for v in values if v not in available]
                if missing:
                    where = f" for {', '.join(chosen)}" if chosen else ""
                    return (
                        f"parameter {name!r}: {column} {_names(missing)} not in dataset "
                        f"{dataset!r}{where}; available: {_names(available)}"
                    )
                if values:
                    combos = combos[combos[column].isin(values)]
                    chosen.append(f"{column} {_names(values)}")
        if combos.empty or "period" not in wanted:
            continue
        first, last = str(combos["first"].min()), str(combos["last"].max())
        for name, value in wanted["period"]:
            for item in _items(value):
                if item is None or not isinstance(item, str):
                    continue
                if not first <= item[: len(first)] <= last:
                    where = f" for {', '.join(chosen)}" if chosen else ""
                    return (
                        f"parameter {name!r}: period {item!r} is outside dataset {dataset!r}"
                        f"{where}, which covers {first} to {last}"
                    )
    return None


@dataclass(frozen=True)
class DomainRules:
    """Rules per domain kind, and whether to check the data-dependent domains together."""

    by_domain: Mapping[str, Rule] = field(default_factory=dict)
    data: Callable[[Mapping[str, tuple[Domain, Any]]], str | None] | None = None

    def check(self, domain: Domain | None, name: str, value: Any) -> str | None:
        """``None`` if ``value`` is allowed for a parameter of ``domain``, else what is allowed."""
        if domain is None:
            return None
        if domain.kind == "dataset":
            rule = make_dataset_rule(domain.argument) if "dataset" in self.by_domain else None
        else:
            rule = self.by_domain.get(domain.kind)
        return None if rule is None else rule(name, value)

    def check_together(self, declared: Mapping[str, tuple[Domain, Any]]) -> str | None:
        return None if self.data is None or not declared else self.data(declared)


def default_rules() -> DomainRules:
    """The project's rules: codes, dates and dataset names one by one, then against the data."""
    return DomainRules(
        by_domain={
            "country": country_code_rule,
            "date": date_rule,
            "period": date_rule,
            "dataset": dataset_rule,
        },
        data=check_data,
    )


NO_RULES = DomainRules()

#: Kinds checked without the data (a date, bounds): not worth remembering.
_UNCACHED = ("date", NUMBER)


@dataclass(frozen=True)
class CachedRules(DomainRules):
    """:class:`DomainRules` whose verdicts are remembered in a
    :class:`~sanctions_model.runner.verdicts.VerdictCache` (keyed by the data fingerprint)."""

    verdicts: Any = None

    def check(self, domain: Domain | None, name: str, value: Any) -> str | None:
        if domain is None or self.verdicts is None or domain.kind in _UNCACHED:
            return super().check(domain, name, value)
        args = [str(domain), domain.kind, domain.argument, name, value]
        return self.verdicts.lookup(
            "domain", args, lambda: DomainRules.check(self, domain, name, value)
        )

    def check_together(self, declared: Mapping[str, tuple[Domain, Any]]) -> str | None:
        if self.verdicts is None or not declared:
            return super().check_together(declared)
        args = sorted([n, str(d), d.kind, d.argument, v] for n, (d, v) in declared.items())
        return self.verdicts.lookup(
            "together", args, lambda: DomainRules.check_together(self, declared)
        )


def cached_rules(verdicts: Any) -> CachedRules:
    """:func:`default_rules` with their verdicts remembered in ``verdicts``."""
    rules = default_rules()
    return CachedRules(by_domain=rules.by_domain, data=rules.data, verdicts=verdicts)
