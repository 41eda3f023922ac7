"""Real terms, nominal and published figures: the default sweep's headlines side by side.

Every value-based estimate of the suite is deflated by default (issue 19); the published figures
it is compared with (Eurostat's -61%, Eurostat's annual totals, the IMF's ratios, the EBRD's
"under 10%") are in current prices. :func:`price_rows` reads the runs' ``results.json`` and
returns one :class:`PriceRow` per headline: the real figure and its interval, the nominal
robustness figure the run recorded, the published figure (from
:mod:`sanctions_model.reporting.published`, the one place where published figures are typed) and
one sentence on why they differ (deflator; months compared; counterfactual against raw change;
goods coverage). Direction words come from the signs; nothing here types a number.

Keys read
---------
- 02: ``effect``/``lower``/``upper``, ``post_period``, ``real``, ``deflator(_label)`` and
  ``nominal.effect``/``.lower``/``.upper`` (EU27 exports to Russia, to the hubs; member states'
  exports to Russia).
- 03: ``raw_ratio_2023_2021`` and ``raw_ratio_2023_2021_nominal``; ``did_ru_annual*`` and
  ``gravity_ru_2022_vs_2014_21*`` (log points; no nominal figure is recorded); else 05's
  ``raw_change``/``raw_change_nominal``, else 01's ``real_ratio_2023_2021_RU``/``ratio_2023_2021_RU``.
- 04: ``eu27_ratio`` (``hubs_side*``, ``eu_side*``, ``*_nominal``), the robustness row
  ``substitution_robustness_eu27["... current USD, 2020 left out"]`` (the nominal interval),
  ``direct_ratio`` (IMF, current USD) and ``direct_ratio_real``, ``prices``.
- 05: ``sc_effect_<year>``, ``sc_lower_<year>``, ``sc_upper_<year>``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.answers import (
    DEFAULT_ALPHA,
    Answer,
    _deflator_words,
    _flow,
    _num,
    _params,
    _period,
    _runs,
    _use,
    _years,
    run_alpha,
)
from sanctions_model.reporting.labels import HUBS, MEMBER_STATES, place
from sanctions_model.reporting.published import (
    EBRD_REROUTING,
    EUROSTAT_RU_EXPORTS,
    EUROSTAT_RU_EXPORTS_ANNUAL,
    IMF_DIRECT_RATIOS,
    PublishedFigure,
)

__all__ = ["PriceRow", "Value", "price_rows", "price_table", "price_markdown"]

TITLE = "Real terms, nominal and published figures"


def _shower(scale: str) -> Any:
    """How a figure of ``scale`` prints: a signed percent change, or an unsigned share."""
    if scale == "relative":
        return fmt.pct
    return lambda x: fmt.pct(x, signed=False)


@dataclass(frozen=True)
class Value:
    """A figure and its interval, at its row's level (``relative``: -0.54 = 54% below;
    ``share``: 0.05 = 5% of the fall, shown without a sign)."""

    value: float
    lower: float | None = None
    upper: float | None = None
    scale: str = "relative"

    def text(self, level: str = "") -> str:
        """``-60% (-85% to 0%)``; with ``level`` ``90%``: ``-60% (90% interval -85% to 0%)``."""
        show = _shower(self.scale)
        if self.lower is None or self.upper is None:
            return show(self.value)
        named = f"{level} interval " if level else ""
        return f"{show(self.value)} ({named}{show(self.lower)} to {show(self.upper)})"


@dataclass(frozen=True)
class PriceRow:
    """One headline in real terms, in nominal terms and as published, and why they differ."""

    headline: str
    period: str
    real: Value | None
    nominal: Value | None
    nominal_note: str
    """Why there is no nominal figure, or that it equals the real one by construction."""
    published: PublishedFigure | None
    published_value: Value | None
    why: str
    run: str
    href: str
    alpha: float = DEFAULT_ALPHA
    """The run's level: its real and nominal intervals cover ``1 - alpha``."""

    def cells(self, *, labelled: bool = False) -> dict[str, str]:
        """The row in plain words (the findings page's table and the README's); ``labelled``:
        each interval names its level (published figures have none)."""
        level = fmt.level(self.alpha) if labelled else ""
        nominal = self.nominal.text(level) if self.nominal is not None else ""
        if self.nominal_note:
            nominal = f"{nominal}, {self.nominal_note}" if nominal else self.nominal_note
        published = "none"
        if self.published is not None:
            who = self.published.source.split(",")[0]
            data = "Comext" if who == "Eurostat" else "IMTS" if who == "IMF" else ""
            if self.published_value is not None and self.published.value is None:
                # no one published it: computed by the suite from the publisher's data
                published = f"{self.published_value.text()} (computed from {who} {data} data)"
                published = published.replace("  ", " ")
            elif self.published_value is not None:
                bound = f"{self.published.qualifier} " if self.published.qualifier else ""
                published = f"{bound}{self.published_value.text()} ({who}, published)"
            else:
                published = f"not computable from this sweep ({who})"
        return {
            "Headline": f"{self.headline}, {self.period}" if self.period else self.headline,
            "Real terms (default)": self.real.text(level)
            if self.real is not None
            else "not recorded",
            "Nominal": nominal or "not recorded",
            "Published": published,
            "Why they differ": self.why,
        }


# -- sentences ----------------------------------------------------------------------------------


def _deflator_effect(real: Value | None, nominal: Value | None, deflator: str) -> str:
    """How deflating moved the figure, the direction from the signs of the difference."""
    if real is None or nominal is None:
        return ""
    show = _shower(real.scale)
    base = re.search(r", (\d{4}) = 100$", deflator)
    words = deflator[: base.start()] if base else deflator
    if show(real.value) == show(nominal.value):
        return f"Deflating by {words} leaves the printed figure unchanged."
    since = f"the price changes since {base.group(1)}" if base else "the price changes"
    lower = real.value < nominal.value
    return (
        f"Deflating by {words} takes {since} out of the values, which puts "
        f"the real figure {'below' if lower else 'above'} the nominal one."
    )


def _real_flag(results: dict[str, Any]) -> bool:
    """Whether the run's headline is deflated (``real`` recorded, else a deflator named)."""
    real = results.get("real")
    if isinstance(real, bool):
        return real
    prices = results.get("prices")
    if isinstance(prices, dict) and isinstance(prices.get("real"), bool):
        return bool(prices["real"])
    return bool(results.get("deflator"))


def _value(d: Any, key: str = "effect", lo: str = "lower", hi: str = "upper") -> Value | None:
    if not isinstance(d, dict) or _num(d.get(key)) is None:
        return None
    return Value(_num(d.get(key)), _num(d.get(lo)), _num(d.get(hi)))  # type: ignore[arg-type]


def _expm1(x: float | None) -> float | None:
    return None if x is None else math.expm1(x)


# -- rows ---------------------------------------------------------------------------------------


def _monthly_rows(records: Sequence[Any], link_prefix: str, sink: Answer) -> list[PriceRow]:
    """Notebook 02: EU27 exports to Russia and to the hubs, member states' exports to Russia."""
    rows: list[tuple[int, PriceRow]] = []
    for r in _runs(records, "02"):
        reporter, partner, flow, product = _flow(r)
        if flow != "export" or product != "TOTAL":
            continue
        eu = reporter.startswith("EU27")
        if eu and partner == "RU":
            order, name = 0, "EU27 exports to Russia, monthly counterfactual (average month)"
        elif eu and partner in HUBS:
            order, name = 2, f"EU27 exports to {place(partner)}, monthly counterfactual"
        elif reporter in MEMBER_STATES and partner == "RU":
            order, name = 3, f"{place(reporter)}'s exports to Russia, monthly counterfactual"
        else:
            continue
        if order == 0 and any(o == 0 for o, _ in rows):
            continue  # the first run of the headline flow, as in the answers
        res = r.results
        headline = _value(res)
        if headline is None:
            continue
        nominal = _value(res.get("nominal"))
        deflated = _real_flag(res)
        real = headline if deflated else None
        if not deflated:
            nominal = headline
        deflator = _deflator_words(res) if deflated else ""
        period = _period(res.get("post_period"))
        why = _deflator_effect(real, nominal, deflator)
        published = EUROSTAT_RU_EXPORTS if order == 0 else None
        if published is not None:
            why += (
                f" Eurostat's figure compares {published.compares.split(', ', 1)[-1]}, in "
                f"{published.prices}; this row averages every month of "
                f"{period or 'the post-period'} against the path the pre-war months predict."
            )
        else:
            why += " No published figure measures this flow against a counterfactual."
        rows.append(
            (
                order,
                PriceRow(
                    name,
                    period,
                    real,
                    nominal,
                    "" if nominal is not None else "not recorded by the run",
                    published,
                    Value(published.value) if published and published.value is not None else None,
                    why.strip(),
                    r.name,
                    _use(sink, r, link_prefix),
                ),
            )
        )
    return [row for _, row in sorted(rows, key=lambda x: x[0])]


def _raw_change(records: Sequence[Any]) -> tuple[Any, float | None, float | None] | None:
    """(run, real change, nominal change) 2023 against 2021 from 03, else 05, else 01."""
    for r in _runs(records, "03"):
        real, nom = (
            _num(r.results.get("raw_ratio_2023_2021")),
            _num(r.results.get("raw_ratio_2023_2021_nominal")),
        )
        if nom is not None or real is not None:
            if nom is None and not _real_flag(r.results):
                real, nom = None, real
            return r, None if real is None else real - 1, None if nom is None else nom - 1
    for r in _runs(records, "05"):
        real, nom = _num(r.results.get("raw_change")), _num(r.results.get("raw_change_nominal"))
        if (nom is not None or real is not None) and r.results.get("partner", "RU") == "RU":
            return r, real, nom
    for r in _runs(records, "01"):
        real = _num(r.results.get("real_ratio_2023_2021_RU"))
        nom = _num(r.results.get("ratio_2023_2021_RU"))
        if nom is not None:
            return r, None if real is None else real - 1, nom - 1
    return None


def _annual_rows(records: Sequence[Any], link_prefix: str, sink: Answer) -> list[PriceRow]:
    rows = []
    raw = _raw_change(records)
    if raw is not None:
        r, real, nom = raw
        rv = Value(real) if real is not None else None
        nv = Value(nom) if nom is not None else None
        deflator = _deflator_words(r.results) if r.results.get("deflator") else "the deflator"
        pub = EUROSTAT_RU_EXPORTS_ANNUAL
        why = _deflator_effect(rv, nv, deflator)
        why += (
            " Eurostat's annual totals are the embedded Comext data in current prices, so the "
            "published figure is the nominal one; both are raw changes with no counterfactual, "
            "and they differ from Eurostat's "
            f"{fmt.pct(EUROSTAT_RU_EXPORTS.value)} headline in the months compared."
            if nv is not None and EUROSTAT_RU_EXPORTS.value is not None
            else ""
        )
        rows.append(
            PriceRow(
                "EU27 exports to Russia, raw change of annual totals",
                "2023 against 2021",
                rv,
                nv,
                "" if nv is not None else "not recorded by the run",
                pub,
                nv,
                why.strip(),
                r.name,
                _use(sink, r, link_prefix),
            )
        )
    for r in _runs(records, "03")[:1]:
        res = r.results
        years = res.get("event_study_ru_annual_p_bh")
        period = _years(list(years)) if isinstance(years, dict) else ""
        deflated = _real_flag(res)
        did = _num(res.get("did_ru_annual"))
        if did is not None:
            v = Value(
                math.expm1(did),
                _expm1(_num(res.get("did_ru_annual_lower"))),
                _expm1(_num(res.get("did_ru_annual_upper"))),
            )
            rows.append(
                PriceRow(
                    "EU27 exports to Russia, difference-in-differences against donor destinations",
                    period,
                    v if deflated else None,
                    v,
                    "the same: the year effects absorb a deflator common to every destination"
                    if deflated
                    else "",
                    None,
                    None,
                    "The deflator is common to Russia and every donor destination, so it cancels "
                    "in the comparison; a counterfactual against other destinations has no "
                    "published counterpart.",
                    r.name,
                    _use(sink, r, link_prefix),
                )
            )
        key = "gravity_ru_2022_vs_2014_21"
        grav = _num(res.get(key))
        if grav is not None:
            v = Value(
                math.expm1(grav),
                _expm1(_num(res.get(f"{key}_lower"))),
                _expm1(_num(res.get(f"{key}_upper"))),
            )
            rows.append(
                PriceRow(
                    "EU27 exports to Russia, gravity (PPML) relative to 2014-21",
                    period,
                    v if deflated else None,
                    None if deflated else v,
                    "not recorded by the run" if deflated else "",
                    None,
                    None,
                    "The year effects absorb a common deflator except through the weight PPML "
                    "gives each year's level, so deflating moves it only slightly (see the "
                    "methods page); no published counterpart.",
                    r.name,
                    _use(sink, r, link_prefix),
                )
            )
    for r in _runs(records, "05")[:1]:
        res = r.results
        years = sorted(
            k.removeprefix("sc_effect_")
            for k in res
            if k.startswith("sc_effect_") and k[-4:].isdigit()
        )
        if not years or _num(res.get(f"sc_effect_{years[-1]}")) is None:
            continue
        y = years[-1]
        v = Value(
            _num(res.get(f"sc_effect_{y}")),  # type: ignore[arg-type]
            _num(res.get(f"sc_lower_{y}")),
            _num(res.get(f"sc_upper_{y}")),
        )
        deflated = _real_flag(res)
        nominal, note, why = _synthetic_nominal(res, y, deflated)
        rows.append(
            PriceRow(
                "EU27 exports to Russia, synthetic control",
                y,
                v if deflated else None,
                v if not deflated else nominal,
                note,
                None,
                None,
                why,
                r.name,
                _use(sink, r, link_prefix),
            )
        )
    return rows


def _synthetic_nominal(res: dict[str, Any], year: str, deflated: bool) -> tuple:
    """The synthetic control's nominal cell, its note and the 'why they differ' sentence, from the
    nominal fit the run recorded (``sc_nominal``: its own donor pool and figure)."""
    same = (
        "The deflator moves Russia and its synthetic control alike: with the same donors the "
        "real and nominal gaps are equal. "
    )
    if not deflated:
        return None, "", same + "No published counterpart."
    nominal = res.get("sc_nominal") if isinstance(res.get("sc_nominal"), dict) else {}
    effect = _num(nominal.get(f"sc_effect_{year}"))
    if effect is None:
        return None, "not recorded by the run", same + "No published counterpart."
    n_real, n_nominal = _num(res.get("donors")), _num(nominal.get("donors"))
    real = _num(res.get(f"sc_effect_{year}"))
    p = _num(nominal.get("sc_p_placebo"))
    pools = (
        f"{int(n_nominal)} donors against the real fit's {int(n_real)}"
        if n_real is not None and n_nominal is not None
        else "its own donor pool"
    )
    note = (
        f"on {pools}"
        + (f"; RMSPE-ratio p = {fmt.number(p, 2)}" if p is not None else "")
        + ("; no interval recorded for this fit")
    )
    if n_real is not None and n_nominal is not None and n_real == n_nominal:
        moved = "the same number of donors"
    else:
        moved = (
            "in current EUR the donor size threshold admits "
            f"{'fewer' if (n_nominal or 0) < (n_real or 0) else 'more'} donors"
        )
    if real is not None and fmt.pct(real) == fmt.pct(effect):
        shift = f"both print {fmt.pct(real)} for {year}"
    elif real is not None:
        shift = (
            f"{fmt.pct(effect)} nominal against {fmt.pct(real)} real for {year}, the nominal "
            f"figure {'below' if effect < real else 'above'} the real one"
        )
    else:
        shift = f"{fmt.pct(effect)} nominal for {year}"
    return (
        Value(effect),
        note,
        same + f"What differs is the pool: {moved} ({pools}); {shift}. No published counterpart.",
    )


def _against(v: Value | None, published: PublishedFigure) -> str:
    """Where the real interval lies against a published bound, in words."""
    if v is None or v.lower is None or v.upper is None or published.value is None:
        return ""
    b = _shower("share")(published.value)
    if v.upper < published.value:
        return f"The whole real interval lies below {b}."
    if v.lower > published.value:
        return f"The whole real interval lies above {b}."
    return f"The real interval includes {b}."


def _nominal_interval(res: dict[str, Any], estimate: float | None) -> Value | None:
    """The nominal hub-side ratio with its interval, from the robustness row of the same value."""
    if estimate is None:
        return None
    robust = res.get("substitution_robustness_eu27")
    if isinstance(robust, dict):
        for label, row in robust.items():
            if (
                "current USD" in str(label)
                and "2020 left out" in str(label)
                and isinstance(row, dict)
                and _num(row.get("estimate")) is not None
                and abs(float(row["estimate"]) - estimate) < 1e-9
            ):
                return Value(estimate, _num(row.get("lower")), _num(row.get("upper")), "share")
    return Value(estimate, scale="share")


def _coordination_rows(records: Sequence[Any], link_prefix: str, sink: Answer) -> list[PriceRow]:
    rows: list[PriceRow] = []
    for r in _runs(records, "04")[:1]:
        res = r.results
        p = _params(r)
        base, year = int(p.get("base_year", 2021)), int(p.get("year", 2023))
        prices = res.get("prices") if isinstance(res.get("prices"), dict) else {}
        deflated = _real_flag(res)
        words = {
            c: str(prices.get(c.lower()) or "").split("deflated by ", 1)[-1] or "the deflator"
            for c in ("USD", "EUR")
        }
        deflator = words["USD"]
        ratio = res.get("eu27_ratio")
        period = _years([str(y) for y in range(base + 1, year + 1)])
        ebrd = Value(EBRD_REROUTING.value, scale="share") if EBRD_REROUTING.value else None
        coverage = (
            "The EBRD's figure is the share of the sanctions' impact on EU and UK direct exports "
            "to Russia that went through Armenia, Kazakhstan and the Kyrgyz Republic in 2022-23 "
            "(CEPR DP20097, 2025); this ratio is the hubs' excess over their pre-war trends, all "
            "goods, four hubs on their own records (five with Georgia on the EU's), against the "
            "whole fall in direct EU27 exports, so the two measure different things."
        )
        if isinstance(ratio, dict):
            for side, name, currency in (
                ("hubs_side", "substitution ratio, hubs' import records", "USD"),
                ("eu_side", "substitution ratio, EU export records", "EUR"),
            ):
                est = _num(ratio.get(side))
                if est is None:
                    continue
                v = Value(
                    est, _num(ratio.get(f"{side}_lower")), _num(ratio.get(f"{side}_upper")), "share"
                )
                nom_est = _num(ratio.get(f"{side}_nominal"))
                nom = (
                    _nominal_interval(res, nom_est)
                    if side == "hubs_side"
                    else (Value(nom_est, scale="share") if nom_est is not None else None)
                )
                if not deflated:
                    v, nom = None, v  # type: ignore[assignment]
                rows.append(
                    PriceRow(
                        f"EU27 {name} (share of the fall in direct exports offset)",
                        period,
                        v,
                        nom,
                        "" if nom is not None else "not recorded by the run",
                        EBRD_REROUTING,
                        ebrd,
                        " ".join(
                            x
                            for x in (
                                _deflator_effect(v, nom, words[currency]),
                                coverage,
                                _against(v, EBRD_REROUTING),
                            )
                            if x
                        ),
                        r.name,
                        _use(sink, r, link_prefix),
                    )
                )
        direct = res.get("direct_ratio")
        real_direct = res.get("direct_ratio_real")
        eu_key = (
            next((k for k in direct if str(k).startswith("EU27")), None)
            if isinstance(direct, dict)
            else None
        )
        if eu_key is not None and _num(direct.get(eu_key)) is not None:
            nom = Value(float(direct[eu_key]) - 1)
            rv = (
                Value(float(real_direct[eu_key]) - 1)
                if isinstance(real_direct, dict) and _num(real_direct.get(eu_key)) is not None
                else None
            )
            why = _deflator_effect(rv, nom, deflator)
            if rv is not None and isinstance(real_direct, dict):
                shared = [k for k in direct if _num(real_direct.get(k)) and _num(direct.get(k))]
                same = sorted(shared, key=lambda k: direct[k]) == sorted(
                    shared, key=lambda k: real_direct[k]
                )
                why += (
                    " Every ally's ratio is deflated by the same index, so the ranking of allies "
                    "is the same in real and nominal terms."
                    if same
                    else " The deflators differ across allies, so their ranking changes."
                )
            why += " The IMF's figures are the nominal ones (current USD, partners' records)."
            rows.append(
                PriceRow(
                    "Russia's imports from the EU27, change (IMF)",
                    f"{year} against {base}",
                    rv,
                    nom,
                    "",
                    IMF_DIRECT_RATIOS,
                    nom,
                    why.strip(),
                    r.name,
                    _use(sink, r, link_prefix),
                )
            )
    return rows


def price_rows(records: Sequence[Any], *, link_prefix: str = "") -> list[PriceRow]:
    """One row per headline of the sweep, in the order of the answers; [] if none recorded."""
    sink = Answer("prices", TITLE)
    monthly = _monthly_rows(records, link_prefix, sink)
    head = [r for r in monthly if r.published is not None]
    rest = [r for r in monthly if r.published is None]
    rows = [
        *head,
        *_annual_rows(records, link_prefix, sink),
        *_coordination_rows(records, link_prefix, sink),
        *rest,
    ]
    alpha = {r.name: run_alpha(r) for r in records}
    return [replace(row, alpha=alpha.get(row.run, DEFAULT_ALPHA)) for row in rows]


def price_table(rows: Sequence[PriceRow]) -> list[dict[str, str]]:
    """The rows as plain-word cells, one dict per row. With every run at 95% (the default) no
    cell names its level; else every interval does, so no reader is left to assume 95%."""
    labelled = any(row.alpha != DEFAULT_ALPHA for row in rows)
    return [row.cells(labelled=labelled) for row in rows]


def price_markdown(rows: Sequence[PriceRow]) -> list[str]:
    """The README's table (escaped cells), with the line that says where the figures come from."""
    from sanctions_model.reporting.markdown import escape_markdown

    if not rows:
        return []
    table = price_table(rows)
    columns = list(table[0])
    lines = [
        f"**{TITLE}**",
        "",
        "Each headline in real terms (the default), in current prices, and as published; the "
        "published figures are in current prices.",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for cells in table:
        lines.append(
            "| " + " | ".join(escape_markdown(cells[c]).replace("|", "\\|") for c in columns) + " |"
        )
    lines.append("")
    return lines
