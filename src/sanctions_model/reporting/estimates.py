"""The figures of a sweep's findings as data: :class:`Estimate` and :class:`Section`, and the
defensive readers of the values runs record in ``results.json`` (every key optional; a value of
the wrong type is ignored, never an error). :mod:`sanctions_model.reporting.findings` builds the
sections from them, :mod:`~sanctions_model.reporting.answers` the answers."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sanctions_model.reporting import format as fmt
from sanctions_model.reporting import labels as lab

__all__ = ["DEFAULT_ALPHA", "SUCCESS", "TIED", "Estimate", "Section", "run_alpha", "shared_level"]

REPORT_NAME = "report.html"
SUCCESS = ("ok", "cached")

_INTERVAL_SUFFIXES = ("_lower", "_upper", "_se", "_p", "_p_ri", "_p_value", "_rank", "_n")
_META_SUFFIXES = (*_INTERVAL_SUFFIXES, "_pre_rmspe", "_n_placebos", "_p_placebo", "_rank_of")
_VALUE_KEYS = (
    "estimate",
    "value",
    "ratio",
    "substitution",
    "effect",
    "index",
    "score",
    "mean",
    "rank",
)
TIED = "tied: another ally has the same rank"
_LOWER_KEYS = ("lower", "ci_lower", "low", "lo")
_UPPER_KEYS = ("upper", "ci_upper", "high", "hi")
_P_KEYS = ("p_value", "p_adjusted", "p", "p_ri")


@dataclass(frozen=True)
class Estimate:
    """One headline figure with its interval, as the page shows it."""

    label: str
    value: float
    lower: float | None = None
    upper: float | None = None
    p_value: float | None = None
    scale: str = "number"
    """``relative`` (percent change), ``log`` (log points), ``ratio``, ``money`` or ``number``."""
    run: str = ""
    href: str = ""
    note: str = ""
    run_label: str = ""
    """Who the run's caveats concern (default: the label)."""
    group: str = ""
    """Russia, Hubs, Member states, Imports, Allies (see :func:`labels.group_of`)."""
    period: str = ""
    """The post-period the figure covers (``Mar 2022 to Aug 2024``, ``2023``)."""
    p_adjusted: float | None = None
    """A multiplicity-adjusted p-value shown beside the unadjusted one (``p_value``)."""
    p_adjustment: str = "Benjamini-Hochberg"
    """How ``p_adjusted`` was adjusted (``Holm`` for the synthetic control's primary tests)."""
    p_upper_bound: bool = False
    """``p_value`` is only a bound the draws support (``p < 0.01``): results' ``p_is_upper_bound``."""
    at_alpha: bool = False
    """The run recorded ``p_at_alpha``: its simulated p-value is at alpha within its Monte Carlo
    error (the sentence says "at the edge of significance")."""
    p_text: str = ""
    """The p-value as the run wrote it (``p < 0.005``, ``p > 0.95``): shown instead of ``p_value``."""
    interval_text: str = ""
    """The interval as the run's report prints it (``-70% to +4,000%``, rounded to its Monte Carlo
    error): shown instead of formatting ``lower`` and ``upper`` again, so the page prints the
    report's digits."""
    p_adjusted_text: str = ""
    """The adjusted p-value as the run's report prints it (``p = 0.8``)."""
    alpha: float = 0.05
    """The run's test level: the interval covers ``1 - alpha``, p-values are judged at ``alpha``."""

    def __post_init__(self) -> None:
        if self.p_text.startswith("p <") and not self.p_upper_bound:
            object.__setattr__(self, "p_upper_bound", True)  # a recorded upper bound

    @property
    def has_interval(self) -> bool:
        return self.lower is not None and self.upper is not None


@dataclass
class Section:
    """A block of the page: a chart of its estimates and a table, or a table only."""

    key: str
    title: str
    intro: str
    estimates: list[Estimate] = field(default_factory=list)
    scale: str = "relative"
    table: list[dict[str, str]] = field(default_factory=list)
    caveats: list[tuple[str, str]] = field(default_factory=list)
    """``(caveat, which figure it concerns)``."""
    inference: list[str] = field(default_factory=list)
    reference: float | None = None
    """The no-effect value drawn as a dashed line (0 unless given)."""


# -- reading results defensively ----------------------------------------------------------------


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _first(mapping: Mapping[str, Any], keys: Sequence[str]) -> float | None:
    for key in keys:
        value = _num(mapping.get(key))
        if value is not None:
            return value
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if isinstance(v, str) and v.strip()]
    return []


def _place(code: Any) -> str:
    return lab.place(code)


def _pretty_key(key: str) -> str:
    return lab.for_readers(lab.label(key))


def _interval(mapping: Mapping[str, Any], key: str) -> tuple[float | None, float | None]:
    lower, upper = _num(mapping.get(f"{key}_lower")), _num(mapping.get(f"{key}_upper"))
    return (lower, upper) if lower is not None and upper is not None else (None, None)


def _p_of(mapping: Mapping[str, Any], key: str) -> float | None:
    return _first(mapping, (f"{key}_p_value", f"{key}_p_ri", f"{key}_p"))


def _per_ally(
    value: Any,
) -> list[tuple[str, float, float | None, float | None, float | None, float | None]]:
    """``[(ally, value, lower, upper, p, p_adjusted)]`` from ``{ally: number}`` or
    ``{ally: {estimate, lower, upper, p_value | p_unadjusted, p_adjusted | p_bh}}``: ``p`` goes
    with the (unadjusted) interval; a family-adjusted p-value is returned beside it."""
    rows = []
    if isinstance(value, dict):
        for ally, item in value.items():
            if isinstance(item, dict):
                v = _first(item, _VALUE_KEYS)
                lo, hi = _first(item, _LOWER_KEYS), _first(item, _UPPER_KEYS)
                # the interval is unadjusted: so is the p beside it (the adjusted one is a note)
                p = _first(item, ("p_value", "p_unadjusted", "pvalue", "p", "p_ri"))
                adjusted = _first(item, ("p_adjusted", "p_bh", "p_holm"))
            else:
                v, lo, hi, p, adjusted = _num(item), None, None, None, None
            if v is not None:
                both = lo is not None and hi is not None
                rows.append((str(ally), v, lo if both else None, hi if both else None, p, adjusted))
    return rows


def _recorded_p_text(value: Any) -> str:
    """A run's own p-value text when it is a bound (``p < 0.005``, ``p > 0.95``), else ``""``:
    an equality is formatted from the number like every other p-value."""
    text = value.strip() if isinstance(value, str) else ""
    return text if re.fullmatch(r"p [<>] ?\d*\.?\d+", text) else ""


def _printed(value: Any) -> str:
    """A figure's text as the run's report printed it (``<key>_interval_text``), else ``""``."""
    return value.strip() if isinstance(value, str) else ""


def _printed_p_text(value: Any) -> str:
    """A p-value as the run's report printed it, rounded to its Monte Carlo error (``p = 0.2``,
    ``p < 0.1``, ``p > 0.99``), else ``""``: one source of digits for report and findings page."""
    text = _printed(value)
    return text if re.fullmatch(r"p [<>=] ?\d*\.?\d+", text) else ""


def _sc_note(results: Mapping[str, Any]) -> str:
    n, rank, ratio = (_num(results.get(k)) for k in ("sc_n_placebos", "sc_rank", "sc_ratio"))
    parts = []
    if rank is not None and n is not None:
        parts.append(f"rank {int(rank)} of {int(n) + 1}")
    elif n is not None:
        parts.append(f"{int(n)} placebo destinations")
    if ratio is not None:
        parts.append(f"post/pre RMSPE ratio {fmt.number(ratio, 3)}")
    return "; ".join(parts)


def _keyed_strings(results: Mapping[str, Any], keys: Sequence[str], name: str) -> list[str]:
    """Strings a run recorded about some figures: ``<key>_<name>``, ``<name>[key]`` or ``<name>``
    (a string or list shared by every figure), in order, without repeats."""
    found: list[str] = []
    shared = results.get(name)
    for key in keys:
        found += _strings(results.get(f"{key}_{name}"))
        if isinstance(shared, dict):
            found += _strings(shared.get(key))
    if isinstance(shared, str | list):
        found += _strings(shared)
    return list(dict.fromkeys(found))


def _inference_of(results: Mapping[str, Any], keys: Sequence[str]) -> list[str]:
    """How a figure's interval was computed (``<key>_inference``, ``inference[key]``, ``inference``)."""
    return _keyed_strings(results, keys, "inference")


def _caveats_of(results: Mapping[str, Any], keys: Sequence[str]) -> list[str]:
    """What may make a figure unreliable (``<key>_caveats``, ``caveats[key]``, ``caveats``)."""
    return _keyed_strings(results, keys, "caveats")


# -- test levels --------------------------------------------------------------------------------

DEFAULT_ALPHA = 0.05
"""The test level of a run whose record has no ``alpha`` (notebook 01, records older than it)."""


def run_alpha(record: Any) -> float:
    """The run's ``alpha``: its parameters over the defaults the runner filled in (``resolved``);
    :data:`DEFAULT_ALPHA` when the record has none, or one outside (0, 1), which the parameter
    contract refuses."""
    value = _num({**(record.resolved or {}), **(record.parameters or {})}.get("alpha"))
    return value if value is not None and 0 < value < 1 else DEFAULT_ALPHA


def shared_level(estimates: Sequence[Estimate]) -> str | None:
    """The interval level (``95%``) all ``estimates`` with an interval share, ``None`` when their
    runs used different levels (a table then names the level in each cell)."""
    levels = {fmt.level(e.alpha) for e in estimates if e.has_interval}
    levels = levels or {fmt.level(e.alpha) for e in estimates} or {fmt.level(DEFAULT_ALPHA)}
    return levels.pop() if len(levels) == 1 else None
