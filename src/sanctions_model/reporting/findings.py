"""A sweep's findings read from its runs' ``results.json``: the figures the findings page and the
README show.

:func:`build_sections` turns run records (anything with ``name``, ``notebook``, ``status``,
``resolved``, ``parameters``, ``results`` and ``files``, e.g. a runner ``RunRecord``)
into :class:`Section` objects of :class:`Estimate` figures; :mod:`sanctions_model.runner.findings`
draws them as the findings page and :mod:`sanctions_model.reporting.readme` writes them into the
README.

Keys it understands
-------------------
Notebooks are changing what they record, so every key is optional and read defensively; a value
of the wrong type is ignored, never an error.

Effects of sanctions (notebook 02 style, one run per flow)
    ``effect``, ``lower``, ``upper`` (relative changes, -0.56 = 56% below the counterfactual;
    the older ``average_effect``/``average_lower``/``average_upper`` are read too), ``p_value``,
    ``inference`` (str), ``caveats`` (list of str), ``reporter``, ``partner``, ``flow``.
Synthetic control
    keys starting ``sc_``: ``sc_effect_<year>`` (relative) with optional ``_lower``/``_upper``,
    ``sc_p_placebo``, ``sc_rank``, ``sc_n_placebos``, ``sc_pre_rmspe``.
Trade diversion (notebook 03)
    keys starting ``did_`` or ``gravity_`` (log points) with ``_lower``/``_upper`` or ``_se``
    siblings, ``_p``/``_p_ri`` p-values; also nested ``gravity`` and ``gravity_se`` mappings.
Allies (notebook 04)
    ``scorecard`` (a table per ally: ``{ally: {column: value}}``, ``{column: {ally: value}}`` or
    a list of records), ``substitution`` (per ally a number or ``{estimate, lower, upper}``;
    ``substitution_ratio`` is read too), ``index`` (the coordination-gap index per ally, with
    ``lower``/``upper`` and rank intervals where recorded).
Anything else
    every numeric top-level key with ``<key>_lower`` and ``<key>_upper`` siblings is shown with
    its interval; the ``headline`` mapping of a run that fed no section is shown as a table.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sanctions_model.reporting import format as fmt
from sanctions_model.reporting import labels as lab
from sanctions_model.reporting.rows import (
    _GROUP_ORDER,
    _distinguish,
    _post_period,
    _table_frame,
)

__all__ = ["Estimate", "Section", "build_sections"]

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
    p_text: str = ""
    """The p-value as the run wrote it (``p < 0.005``, ``p > 0.95``): shown instead of ``p_value``."""

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


def _inference_of(results: Mapping[str, Any], keys: Sequence[str]) -> list[str]:
    """How a figure's interval was computed: ``<key>_inference``, ``inference[key]`` or ``inference``."""
    found: list[str] = []
    shared = results.get("inference")
    for key in keys:
        found += _strings(results.get(f"{key}_inference"))
        if isinstance(shared, dict):
            found += _strings(shared.get(key))
    if isinstance(shared, str | list):
        found += _strings(shared)
    return list(dict.fromkeys(found))


def _caveats_of(results: Mapping[str, Any], keys: Sequence[str]) -> list[str]:
    found: list[str] = []
    shared = results.get("caveats")
    for key in keys:
        found += _strings(results.get(f"{key}_caveats"))
        if isinstance(shared, dict):
            found += _strings(shared.get(key))
    if isinstance(shared, str | list):
        found += _strings(shared)
    return list(dict.fromkeys(found))


# -- sections -----------------------------------------------------------------------------------


def _link(record: Any, link_prefix: str) -> str:
    if REPORT_NAME not in record.files:
        return ""
    return quote(f"{link_prefix}{record.name}/{REPORT_NAME}")


def _effect_label(record: Any, results: Mapping[str, Any]) -> str:
    params = {**(record.resolved or {}), **record.parameters}
    reporter = results.get("reporter", params.get("reporter"))
    partner = results.get("partner", params.get("partner"))
    flow = results.get("flow", params.get("flow", "export"))
    product = results.get("product", params.get("product"))
    if reporter and partner:
        verb = "imports from" if str(flow).startswith("import") else "exports to"
        specific = isinstance(product, str | int) and str(product).upper() not in ("", "TOTAL")
        goods = f", HS {product}" if specific else ""
        return f"{_place(reporter)} {verb} {_place(partner)}{goods}"
    return record.name


def build_sections(records: Sequence[Any], *, link_prefix: str = "") -> list[Section]:
    """The page's sections, in reading order; a section with nothing to show is left out."""
    effects = Section(
        "effects",
        "Effect of the sanctions on trade, by flow",
        "Average monthly trade after the sanctions relative to a counterfactual fitted on the "
        "pre-war months; intervals as recorded by each run.",
    )
    synthetic = Section(
        "synthetic",
        "Synthetic control",
        "Trade relative to a weighted group of comparable destinations.",
    )
    diversion = Section(
        "diversion",
        "Trade diversion: difference-in-differences and gravity",
        "Effects in log points on a percent axis (-0.69 log points = -50%).",
        scale="log",
    )
    allies = Section(
        "allies",
        "Allies: substitution through third countries",
        "Per ally, how much of the fall in direct exports to Russia reappears as exports to the "
        "suspected re-routing hubs (0 = none, 1 = all).",
        scale="ratio",
    )
    direct = Section(
        "direct",
        "Direct exports to Russia, later year over base year: member states and allies",
        "Russia's imports from each member state and ally in the later year over the base year "
        "(IMF estimates from the partners' records; 1 = unchanged, below 1 = a cut).",
        scale="ratio",
        reference=1.0,
    )
    index = Section(
        "index",
        "Coordination-gap ranks (1 = largest gap)",
        "Per ally, the coordination-gap rank with its 95% rank interval from the draws. Rank 1 is "
        "the largest gap (the ally whose trade with Russia fell least and re-routed most); a "
        "higher number is a smaller gap.",
        scale="number",
        reference=float("nan"),
    )
    other = Section(
        "other",
        "Other headline effects",
        "Changes in percent against each figure's own comparison, as recorded by the runs.",
        scale="relative",
    )
    other_ratios = Section(
        "other_ratios",
        "Other headline ratios",
        "Substitution ratios and robustness rows (0 = none of the fall re-appears, 1 = all).",
        scale="ratio",
    )
    other_numbers = Section("other_numbers", "Other headline figures", "", scale="number")

    def other_for(key: str) -> tuple[Section, str]:
        unit = lab.unit_of(key)
        if unit == "%":
            return other, "relative"
        if unit == "ratio" or "ratio" in key or key.startswith(("eu_side", "hubs_side")):
            return other_ratios, "ratio"
        if unit == "log points":
            return diversion, "log"
        return other_numbers, "number"

    scorecards: list[Section] = []
    generics: list[Section] = []
    for record in sorted(records, key=lambda r: r.name):
        results = record.results if isinstance(record.results, dict) else None
        if not results or record.status not in SUCCESS:
            continue
        href = _link(record, link_prefix)
        used: set[str] = set()

        def add(section: Section, est: Estimate, keys: Sequence[str], *, _r=results, _u=used):
            section.estimates.append(est)
            _u.update(keys)
            for text in map(lab.for_readers, _inference_of(_r, keys)):
                if text not in section.inference:
                    section.inference.append(text)
            for text in _caveats_of(_r, keys):
                section.caveats.append((lab.for_readers(text), est.run_label or est.label))

        effect = _first(results, ("effect", "average_effect"))
        if effect is not None:
            lo = _first(results, ("lower", "average_lower"))
            hi = _first(results, ("upper", "average_upper"))
            log = (record.resolved or {}).get("log", True)
            add(
                effects,
                Estimate(
                    _effect_label(record, results),
                    effect,
                    lo if hi is not None else None,
                    hi if lo is not None else None,
                    _num(results.get("p_value")),
                    "relative" if log is not False else "money",
                    record.name,
                    href,
                    group=lab.group_of({**(record.resolved or {}), **record.parameters}, results),
                    period=_post_period(results),
                    p_upper_bound=results.get("p_is_upper_bound") is True,
                ),
                ("effect", "average_effect", "lower", "average_lower", "upper", "average_upper"),
            )
        for key, value in results.items():
            v = _num(value)
            if v is None or key in used or key.endswith(_META_SUFFIXES):
                continue
            lo, hi = _interval(results, key)
            if key.startswith("sc_"):
                if not key.startswith("sc_effect"):
                    continue  # sc_ratio, sc_rank, ...: in the note of the effect rows
                suffix = key[len("sc_effect") :]
                lo, hi = (
                    lo if lo is not None else _num(results.get(f"sc_lower{suffix}")),
                    (hi if hi is not None else _num(results.get(f"sc_upper{suffix}"))),
                )
                p = _first(results, (f"sc_p{suffix}", "sc_p_placebo"))
                label = f"EU27 exports to {_place(results.get('partner', 'RU'))}" + (
                    f", {suffix.strip('_')}" if suffix.strip("_") else ""
                )
                # the per-year p comes from the gap test, not the RMSPE-ratio rank: the rank goes
                # in the section's inference text; the Holm-adjusted p of this year's gap beside it
                family = results.get("sc_primary_p_adjusted")
                family = family if isinstance(family, dict) else {}
                adjusted = _num(family.get(f"gap {suffix.strip('_')}"))
                note = (
                    f"adjusted for the {len(family)} primary tests (Holm): "
                    f"{fmt.pvalue(adjusted)}; interval and p beside it unadjusted"
                    if adjusted is not None
                    else ""
                )
                ratio_note = _sc_note(results)
                if _num(results.get(f"sc_p{suffix}")) is None:
                    note = "; ".join(x for x in (ratio_note, note) if x)  # p from the rank test
                elif ratio_note:
                    text = (
                        f"Overall test of the post-period fit: {ratio_note}"
                        + (
                            f" ({fmt.pvalue(_num(results.get('sc_p_placebo')))})"
                            if _num(results.get("sc_p_placebo")) is not None
                            else ""
                        )
                        + "."
                    )
                    if text not in synthetic.inference:
                        synthetic.inference.append(text)
                add(
                    synthetic,
                    Estimate(
                        label,
                        v,
                        lo,
                        hi,
                        p,
                        "relative",
                        record.name,
                        href,
                        note,
                        p_adjusted=adjusted,
                        p_adjustment="Holm",
                    ),
                    [key],
                )
            elif key.startswith(("did_", "gravity_")):
                se = _num(results.get(f"{key}_se"))
                note = f"s.e. {fmt.number(se, 2)}" if se is not None and lo is None else ""
                recorded = results.get(f"{key}_label")  # a label the run wrote from its own data
                label = recorded if isinstance(recorded, str) and recorded else _pretty_key(key)
                spread = _num(results.get("exposure_spread"))
                if key.startswith("did_exposure") and spread is not None:
                    # per unit of exposure (0 to 1) extrapolates far outside the data: show the
                    # effect between the most and the least exposed member state instead
                    v, lo, hi = (None if x is None else x * spread for x in (v, lo, hi))
                elif key.startswith("did_exposure"):
                    label = f"{key.replace('_', ' ')} (per unit of exposure, 0 to 1)"
                add(
                    diversion,
                    Estimate(
                        label,
                        v,
                        lo,
                        hi,
                        _p_of(results, key),
                        "log",
                        record.name,
                        href,
                        note,
                    ),
                    [key],
                )
            elif lo is not None:
                section, scale = other_for(key)
                add(
                    section,
                    Estimate(
                        _pretty_key(key),
                        v,
                        lo,
                        hi,
                        _p_of(results, key),
                        scale,
                        record.name,
                        href,
                        period=str(results.get(key.removesuffix("_effect") + "_window", "")),
                    ),
                    [key],
                )
        gravity, gravity_se = results.get("gravity"), results.get("gravity_se")
        compared = results.get("gravity_compared_with")
        compared = compared if isinstance(compared, dict) else {}
        if isinstance(gravity, dict):
            for term, value in gravity.items():
                v = _num(value)
                if v is None:
                    continue
                se = _num(gravity_se.get(term)) if isinstance(gravity_se, dict) else None
                note = f"s.e. {fmt.number(se, 2)}" if se is not None else ""
                if term in compared:
                    note = (
                        "analytic point estimate only: with this few treated clusters its interval "
                        "is not valid; see the randomization rows"
                    )
                against = f" vs {compared[term]}" if term in compared else ""
                add(
                    diversion,
                    Estimate(
                        f"gravity (PPML): {_pretty_key(term)}{against}",
                        v,
                        None,
                        None,
                        None,
                        "log",
                        record.name,
                        href,
                        note,
                    ),
                    ["gravity"],
                )
        for key in ("substitution", "substitution_ratio"):
            for ally, v, lo, hi, p, adjusted in _per_ally(results.get(key)):
                note = (
                    f"adjusted for the family of allies (Benjamini-Hochberg): "
                    f"{fmt.pvalue(adjusted)}; interval and p beside it unadjusted"
                    if adjusted is not None
                    else ""
                )
                add(
                    allies,
                    Estimate(
                        _place(ally),
                        v,
                        lo,
                        hi,
                        p,
                        "ratio",
                        record.name,
                        href,
                        note,
                        group="Allies",
                        p_adjusted=adjusted,
                    ),
                    [key],
                )
            if key in used:
                break
        p = {**(record.resolved or {}), **record.parameters}
        years = f"{p['year']} over {p['base_year']}" if "year" in p and "base_year" in p else ""
        for ally, v, _lo, _hi, _p, _a in sorted(
            _per_ally(results.get("direct_ratio")),
            key=lambda r: (r[0] not in lab.MEMBER_STATES, str(r[0]).startswith("EU27"), r[1]),
        ):
            group = (
                "Member states"
                if ally in lab.MEMBER_STATES
                else "EU27"
                if str(ally).startswith("EU27")
                else "Allies"
            )
            add(
                direct,
                Estimate(
                    _place(ally),
                    v,
                    None,
                    None,
                    None,
                    "ratio",
                    record.name,
                    href,
                    group=group,
                    period=years,
                ),
                ["direct_ratio"],
            )
        for key in ("index", "index_ranks"):
            ranked = _per_ally(results.get(key))
            counts = [v for _ally, v, *_rest in ranked]
            for ally, v, lo, hi, p, _a in ranked:
                item = results[key].get(ally)
                recorded = item.get("tied") if isinstance(item, dict) else None
                # the run's own flag where recorded, else two allies sharing the rank
                tied = recorded is True or (recorded is None and counts.count(v) > 1)
                note = TIED if key == "index_ranks" and tied else ""
                add(
                    index,
                    Estimate(_place(ally), v, lo, hi, p, "number", record.name, href, note),
                    [key],
                )
        spread = _num(results.get("exposure_spread"))
        by_partner = results.get("did_exposure_by_partner")
        if isinstance(by_partner, dict) and spread is not None:
            for partner, v, lo, hi, p, adjusted in _per_ally(by_partner):
                v, lo, hi = (None if x is None else x * spread for x in (v, lo, hi))
                note = (
                    f"adjusted over the partners (Benjamini-Hochberg): {fmt.pvalue(adjusted)}; "
                    "interval and p beside it unadjusted"
                    if adjusted is not None
                    else ""
                )
                add(
                    diversion,
                    Estimate(
                        f"exports to {_place(partner)}, most against least exposed member state",
                        v,
                        lo,
                        hi,
                        p,
                        "log",
                        record.name,
                        href,
                        note,
                        group="Hubs",
                        p_adjusted=adjusted,
                    ),
                    ["did_exposure_by_partner"],
                )
        for (
            key,
            value,
        ) in results.items():  # {name: {x, x_lower, x_upper}} and {name: {estimate, ..}}
            if key in used or not isinstance(value, dict) or key in ("headline", "scorecard"):
                continue
            for sub, v in value.items():
                v = _num(v)
                lo, hi = _interval(value, str(sub))
                if v is not None and lo is not None:
                    label = _pretty_key(str(sub))
                    if label == lab.plain(str(sub)):
                        label = f"{_pretty_key(key)}: {label}"
                    section, scale = other_for(str(sub))
                    add(
                        section,
                        Estimate(
                            label,
                            v,
                            lo,
                            hi,
                            _p_of(value, str(sub)),
                            scale,
                            record.name,
                            href,
                            p_text=_recorded_p_text(value.get(f"{sub}_p_text")),
                        ),
                        [key],
                    )
            if key not in used and all(isinstance(v, dict) for v in value.values()):
                for name, v, lo, hi, p, _a in _per_ally(value):
                    if lo is not None:
                        label = f"{_pretty_key(key)}: {_pretty_key(name)}"
                        section, scale = other_for(key)
                        item = value.get(name)
                        text = _recorded_p_text(
                            item.get("p_text") if isinstance(item, dict) else None
                        )
                        add(
                            section,
                            Estimate(label, v, lo, hi, p, scale, record.name, href, p_text=text),
                            [key],
                        )
        frame = _table_frame(results.get("scorecard"))
        if frame is not None and len(frame):
            card = Section(
                "scorecard",
                "Ally scorecard",
                "Per ally, as recorded by the coordination notebook.",
                scale="table",
            )
            for ally, row in frame.iterrows():
                cells = {"Ally": _place(ally)}
                for col, value in row.items():
                    cells[lab.column_label(str(col))] = fmt.cell(value, str(col))
                card.table.append(cells)
            card.inference.append(f'<a href="{html.escape(href)}">report</a>' if href else "")
            scorecards.append(card)
            used.add("scorecard")
        if not used:
            heads = results.get("headline")
            heads = heads if isinstance(heads, dict) else {}
            pairs = [(str(k), _num(v)) for k, v in heads.items() if _num(v) is not None]
            if pairs:
                stem = re.sub(
                    r"^\d+_", "", record.notebook.rsplit("/", 1)[-1].removesuffix(".ipynb")
                )
                generic = Section(
                    "headline",
                    f"Headline figures: {stem.replace('_', ' ')}",
                    "As recorded by the run.",
                    scale="number",
                )
                if all("/" in k for k, _ in pairs):  # ratios of two years: 1 = unchanged
                    generic.reference = 1.0
                    generic.intro = "Ratios of one year's value to another's (1 = unchanged)."
                for key, v in pairs:
                    generic.estimates.append(
                        Estimate(lab.label(key), v, None, None, None, "number", record.name, href)
                    )
                generics.append(generic)
    effects.estimates.sort(key=lambda e: (_GROUP_ORDER.get(e.group, 99), e.label))
    sections = [
        effects,
        synthetic,
        diversion,
        allies,
        direct,
        *scorecards,
        index,
        other,
        other_ratios,
        other_numbers,
        *generics,
    ]
    sections = [s for s in sections if s.estimates or s.table]
    by_name = {r.name: r for r in records}
    for section in sections:
        section.estimates = _distinguish(section.estimates, by_name)
    return sections
