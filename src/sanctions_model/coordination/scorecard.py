"""The ally scorecard: direct cuts, the hubs' imports, substitution, list overlap and timing.

One row per ally (the EU27 aggregate, its member states, the US, the UK, Japan, Korea, Canada,
Switzerland, Norway, Australia), each column from the source that records it:

``direct_base``, ``direct_year``, ``direct_ratio``
    Russia's imports from the ally (IMF IMTS ``imf_imts``, USD; from 2022 the IMF's estimates
    from partner data) in ``base_year`` and ``year``, and ``direct_ratio = year / base_year``.
    The EU27 row is the sum of its 27 member states.
``hub_<H>``, ``hub_total``, ``hub_ratio``
    Each hub's imports from the ally in ``year`` as the hub records them (``partner_national``,
    USD), their total over the hubs observed in ``year`` and its ratio to ``base_year`` (same
    hubs).
``substitution``, ``substitution_lower``, ``substitution_upper``, ``p_value``, ``p_adjusted``
    Excess of the hubs' imports over their pre-war trends per unit of shortfall of Russia's
    imports below theirs, over ``base_year + 1 .. year`` (:mod:`.substitution`): an upper bound
    on re-routing. ``p_adjusted``: Benjamini-Hochberg over the allies.
``list_size``, ``listed_by_other``, ``median_listing_lag_days``
    US (OFAC SDN, program RUSSIA-EO14024) against UK (regime RUS): subjects on the list, the
    share the other list also holds (names matched with :func:`~.designations.compare_lists` at
    ``threshold``), and the median days by which the other list listed the shared subjects later
    (negative: earlier).
``adoption_lag_days``, ``kinds_not_adopted``
    Median lag behind the first mover over the kinds of measure in the events timeline since
    ``timing_start`` (:func:`~.timing.adoption_timing`); a kind an ally has not adopted counts at
    its censoring bound (the days from the first mover to ``timing_end``), so the median is then
    a lower bound (``adoption_lag_censored``). Member states carry the EU's values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sanctions_model._results import validate_alpha
from sanctions_model.coordination._display import SummaryDisplayMixin
from sanctions_model.data.countries import EU27
from sanctions_model.errors import ParameterError

__all__ = [
    "ALLIES",
    "HUBS",
    "AllyScorecard",
    "ally_scorecard",
    "direct_trade",
    "hub_trade",
    "list_overlap_us_uk",
    "adoption_lags",
    "eu27_substitution",
]

EU = "EU27_2020"
ALLIES: tuple[str, ...] = (EU, *EU27, "US", "GB", "JP", "KR", "CA", "CH", "NO", "AU")
HUBS: tuple[str, ...] = ("UZ", "KZ", "KG", "AM")
#: The jurisdiction whose lists and measures an ally follows (EU member states follow the EU).
JURISDICTION: dict[str, str] = {EU: "EU", **{m: "EU" for m in EU27}}


def _usd(frame: pd.DataFrame) -> pd.Series:
    return frame["value"].astype(float) * frame["unit_scale"].astype(float)


def _with_eu(wide: pd.DataFrame, level: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Add the EU27 sum of member states; return the member states missing anywhere."""
    notes = []
    if level is None:
        present = [m for m in EU27 if m in wide.columns]
        if present:
            wide = wide.assign(**{EU: wide[present].sum(axis=1, min_count=len(EU27))})
        notes = [m for m in EU27 if m not in present]
        return wide, notes
    out = {}
    for hub in dict.fromkeys(wide.columns.get_level_values(1)):
        cols = [(m, hub) for m in EU27 if (m, hub) in wide.columns]
        missing = [m for m in EU27 if (m, hub) not in wide.columns]
        if missing:
            notes.append(f"{hub} records no trade with {', '.join(missing)} (counted as zero)")
        if cols:
            out[(EU, hub)] = wide[cols].sum(axis=1, min_count=1)
    return pd.concat([wide, pd.DataFrame(out)], axis=1), notes


def direct_trade(
    trade: pd.DataFrame | None = None, *, allies: Sequence[str] = ALLIES
) -> pd.DataFrame:
    """Russia's imports from each ally (USD), years in rows, allies in columns.

    ``trade`` defaults to ``load_trade("imf_imts", reporter="RU", flow="import")``.
    """
    if trade is None:
        from sanctions_model.data import load_trade

        trade = load_trade("imf_imts", reporter="RU", flow="import")
    t = trade[(trade["reporter"] == "RU") & (trade["flow"] == "import")]
    wide = t.assign(usd=_usd(t)).pivot_table(
        index="period", columns="partner", values="usd", aggfunc="sum"
    )
    wide, _ = _with_eu(wide)
    cols = [a for a in allies if a in wide.columns]
    return wide[cols].sort_index()


def hub_trade(
    trade: pd.DataFrame | None = None,
    *,
    allies: Sequence[str] = ALLIES,
    hubs: Sequence[str] = HUBS,
) -> tuple[pd.DataFrame, list[str]]:
    """The hubs' imports from each ally (USD), years in rows, ``(ally, hub)`` columns.

    ``trade`` defaults to ``load_trade("partner_national", flow="import")``. Returns the frame
    and notes on member states a hub does not record (counted as zero in the EU27 sum).
    """
    if trade is None:
        from sanctions_model.data import load_trade

        trade = load_trade("partner_national", flow="import")
    t = trade[(trade["flow"] == "import") & trade["reporter"].isin(list(hubs))]
    if "product" in t.columns and t["product"].nunique() > 1:
        t = t[t["product"] == "TOTAL"]
    t = t[t["partner"].isin([*allies, *EU27])]
    if t.empty:
        raise ParameterError(f"no imports of hubs {list(hubs)} from the allies in the trade frame")
    t = t.assign(usd=_usd(t))
    if not isinstance(t["period"].dtype, pd.PeriodDtype) or t["period"].dt.freq != "Y":
        t = t.assign(period=pd.PeriodIndex(t["period"].astype(str).str[:4], freq="Y"))
    wide = t.pivot_table(
        index="period", columns=["partner", "reporter"], values="usd", aggfunc="sum"
    )
    wide, notes = _with_eu(wide, level=1)
    keep = [(a, h) for a in allies for h in hubs if (a, h) in wide.columns]
    return wide[keep].sort_index(), notes


def list_overlap_us_uk(
    us: pd.DataFrame | None = None,
    uk: pd.DataFrame | None = None,
    *,
    threshold: float = 90.0,
    us_program: str = "RUSSIA-EO14024",
    uk_regime: str = "RUS",
) -> Any:
    """Match OFAC's ``us_program`` entries against the UK ``uk_regime`` list (a ListOverlap)."""
    from sanctions_model.coordination.designations import compare_lists

    if us is None or uk is None:
        from sanctions_model.data import load_designations

        if us is None:
            us = load_designations("ofac_sdn")
        if uk is None:
            uk = load_designations("uk_sanctions_list", regime=uk_regime)
    if "regime" in us.columns:
        us = us[us["regime"].astype(str).str.contains(us_program, regex=False)]
    if "regime" in uk.columns:
        uk = uk[uk["regime"] == uk_regime]
    if us.empty or uk.empty:
        raise ParameterError(f"empty list: US {us_program} {len(us)}, UK {uk_regime} {len(uk)}")
    # censored dates (OFAC entries already in the first scraped copy, UK carry-overs of
    # 2020-12-31) are not listing dates: left out of the listing lags
    unreliable = {}
    for j, f in (("US", us), ("GB", uk)):
        if "date_censored" in f.columns:
            unreliable[j] = sorted(set(pd.to_datetime(f.loc[f["date_censored"], "designated_on"])))
    unreliable.setdefault("GB", [pd.Timestamp("2020-12-31")])
    return compare_lists({"US": us, "GB": uk}, threshold=threshold, unreliable_dates=unreliable)


def _overlap_columns(overlap: Any) -> pd.DataFrame:
    share = overlap.overlap_matrix("share")
    lags = overlap.listing_lags()
    rows = {}
    for j in overlap.jurisdictions:
        other = [o for o in overlap.jurisdictions if o != j]
        med = np.nan
        if len(lags):
            g = lags[lags["jurisdiction_left"].isin([j, *other])]
            # lag_days = date_right - date_left; orient as "other list later than j"
            lag = np.where(g["jurisdiction_left"] == j, g["lag_days"], -g["lag_days"])
            med = float(np.nanmedian(lag)) if len(lag) else np.nan
        rows[j] = {
            "list_size": int((overlap.subjects["jurisdiction"] == j).sum()),
            "listed_by_other": float(share.loc[j, other].mean()),
            "median_listing_lag_days": med,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def adoption_lags(
    events: pd.DataFrame | None = None,
    *,
    start: str = "2022-02-21",
    end: str = "2024-12-31",
    kinds: Sequence[str] | None = None,
    jurisdictions: Sequence[str] = ("EU", "US", "GB", "JP", "KR", "CA", "CH", "NO", "AU"),
) -> pd.DataFrame:
    """Per jurisdiction: median lag behind the first mover over kinds, censored kinds counted.

    A kind not adopted by ``end`` counts at ``end - first mover's date`` (a lower bound on the
    lag); ``adoption_lag_censored`` is True when that enters the median. Jurisdictions with no
    event at all since ``start`` are reported with ``adopted_any = False`` and no lag: the
    timeline cannot tell late from missing.
    """
    from sanctions_model.coordination.timing import adoption_timing

    if events is None:
        from sanctions_model.data import load_events

        events = load_events()
    ev = events if kinds is None else events[events["kind"].isin(list(kinds))]
    timing = adoption_timing(ev, by="kind", start=start, end=end, jurisdictions=list(jurisdictions))
    t = timing.table.copy()
    bound = (pd.Timestamp(end) - t["first_mover_date"]).dt.days.astype(float)
    t["lag"] = t["lag_days"].fillna(bound)
    rows = {}
    for j, g in t.groupby("jurisdiction"):
        any_adopted = bool(g["adopted"].any())
        med = float(np.median(g["lag"])) if any_adopted else np.nan
        censored = any_adopted and bool((~g["adopted"]).any())
        rows[j] = {
            "adoption_lag_days": med,
            "adoption_lag_censored": censored,
            "kinds_adopted": int(g["adopted"].sum()),
            "kinds_not_adopted": int((~g["adopted"]).sum()),
            "adopted_any": any_adopted,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _days(value: float) -> str:
    """Days as a whole number (a median of two lags can end in .5: shown as such)."""
    from sanctions_model.reporting import format as fmt

    if pd.isna(value):
        return fmt.MISSING
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


@dataclass(frozen=True, repr=False, eq=False)
class AllyScorecard(SummaryDisplayMixin):
    """Result of :func:`ally_scorecard` (read-only). ``table`` is the scorecard (one row per ally).

    Attributes
    ----------
    table : DataFrame
    substitution : SubstitutionResults or None
    overlap : ListOverlap or None
    base_year, year : int
    threshold : float
        Name-matching threshold of the list overlap (0-100).
    inference : str
    caveats : tuple of str
    """

    table: pd.DataFrame
    substitution: Any
    overlap: Any
    base_year: int
    year: int
    threshold: float
    alpha: float
    inference: str
    caveats: tuple[str, ...] = ()
    direct: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    hubs: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def formatted(self, allies: Sequence[str] | None = None) -> pd.DataFrame:
        """The scorecard for readers: numbers through :mod:`sanctions_model.reporting.format`."""
        from sanctions_model.reporting import format as fmt

        t = self.table if allies is None else self.table.reindex(list(allies))
        out = pd.DataFrame(index=t.index)
        out[f"direct {self.year}/{self.base_year}"] = [fmt.ratio(v) for v in t["direct_ratio"]]
        out[f"Russia's imports {self.year}"] = [fmt.money(v, "USD") for v in t["direct_year"]]
        out[f"hubs' imports {self.year}"] = [fmt.money(v, "USD") for v in t["hub_total"]]
        out[f"hubs {self.year}/{self.base_year}"] = [fmt.ratio(v) for v in t["hub_ratio"]]
        if "substitution" in t:
            out["substitution (upper bound)"] = [
                f"{fmt.ratio(r)} [{fmt.ratio(lo)}, {fmt.ratio(hi)}]"
                if pd.notna(r)
                else "not identified"
                for r, lo, hi in zip(
                    t["substitution"], t["substitution_lower"], t["substitution_upper"], strict=True
                )
            ]
            out["p (BH)"] = [fmt.pvalue(p) if pd.notna(p) else fmt.MISSING for p in t["p_adjusted"]]
        if "listed_by_other" in t:
            out["on the other list"] = [fmt.pct(v, signed=False) for v in t["listed_by_other"]]
            out["median listing lag of the other list, days"] = [
                _days(v) for v in t["median_listing_lag_days"]
            ]
        if "adoption_lag_days" in t:
            out["adoption lag, days"] = [
                (">= " if c else "") + _days(v) if pd.notna(v) else fmt.MISSING
                for v, c in zip(t["adoption_lag_days"], t["adoption_lag_censored"], strict=True)
            ]
        return out

    def sentences(self) -> dict[str, str]:
        """One result sentence per ally with a substitution estimate."""
        if self.substitution is None:
            return {}
        return {a: e.sentence() for a, e in self.substitution.estimates.items()}

    def summary(self) -> str:
        from sanctions_model.reporting import format as fmt

        lines = [
            f"Ally scorecard, {self.year} against {self.base_year} "
            f"({len(self.table)} allies; {1 - self.alpha:.0%} intervals)",
            "",
        ]
        for a, r in self.table.iterrows():
            parts = [f"direct {fmt.ratio(r.get('direct_ratio'))}"]
            if pd.notna(r.get("hub_total")):
                parts.append(f"hubs {fmt.money(r['hub_total'], 'USD')}")
            if pd.notna(r.get("substitution")):
                parts.append(
                    f"substitution {fmt.ratio(r['substitution'])} "
                    f"[{fmt.ratio(r['substitution_lower'])}, {fmt.ratio(r['substitution_upper'])}]"
                )
            lines.append(f"{a:<10} " + "; ".join(parts))
        lines += ["", f"Inference: {self.inference}"]
        lines += [f"Caveat: {c}" for c in self.caveats]
        return "\n".join(lines)


def ally_scorecard(
    base_year: int = 2021,
    year: int = 2023,
    *,
    allies: Sequence[str] = ALLIES,
    hubs: Sequence[str] = HUBS,
    pre_start: int = 2016,
    alpha: float = 0.05,
    n_draws: int = 2000,
    seed: int = 0,
    threshold: float = 90.0,
    lists: bool = True,
    timing: bool = True,
    timing_start: str = "2022-02-21",
    timing_end: str = "2024-12-31",
    timing_kinds: Sequence[str] | None = ("designations", "trade"),
    direct: pd.DataFrame | None = None,
    hub_imports: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    designations: Mapping[str, pd.DataFrame] | None = None,
) -> AllyScorecard:
    """Build the ally scorecard (see the module docstring for every column).

    Parameters
    ----------
    base_year, year : int
        Direct ratio ``year / base_year``; substitution over ``base_year + 1 .. year`` with trends
        fitted on ``pre_start .. base_year``.
    allies, hubs : sequences of codes
    alpha, n_draws, seed : intervals and draws of the substitution estimate.
    threshold : float
        Name-matching threshold (0-100) of the US-UK list comparison.
    lists, timing : bool
        Whether to compute the list overlap (about ten seconds) and the adoption lags.
    timing_start, timing_end, timing_kinds
        Window and kinds of measure of the adoption lags. Default kinds: designations and
        trade, the kinds the events timeline records for every ally (its energy, financial
        and transport measures are those of the EU, UK and US: lags on them would compare the
        timeline's coverage, not the allies). ``None``: every kind.
    direct, hub_imports, events : DataFrame, optional
        Trade tables (``load_trade`` layout) and the events table; default the embedded data.
    designations : mapping {"US": frame, "GB": frame}, optional
        Default: ``load_designations("ofac_sdn")`` and ``load_designations("uk_sanctions_list")``.
    """
    from sanctions_model.coordination.substitution import estimate_substitution
    from sanctions_model.models.multiple import adjust_pvalues

    alpha = validate_alpha(alpha)
    if not pre_start + 3 < base_year < year:
        raise ParameterError(
            f"need pre_start + 3 < base_year < year, got {pre_start}, {base_year}, {year}"
        )
    allies = list(dict.fromkeys(allies))
    hubs = list(hubs)
    caveats: list[str] = []
    d = direct_trade(direct, allies=allies)
    by, yy = pd.Period(str(base_year), "Y"), pd.Period(str(year), "Y")
    for p in (by, yy):
        if p not in d.index:
            raise ParameterError(
                f"year {p} not in Russia's trade data ({d.index[0]}..{d.index[-1]})"
            )
    table = pd.DataFrame(index=pd.Index(allies, name="ally"))
    table["direct_base"] = d.loc[by].reindex(allies)
    table["direct_year"] = d.loc[yy].reindex(allies)
    table["direct_ratio"] = table["direct_year"] / table["direct_base"]
    missing = [a for a in allies if a not in d.columns]
    if missing:
        caveats.append(f"no IMF series of Russia's imports from {', '.join(missing)}")
    caveats.append(
        f"Russia publishes no trade data from 2022: the IMF's {year} figures are estimates "
        "from the partners' records"
    )

    h, hub_notes = hub_trade(hub_imports, allies=allies, hubs=hubs)
    caveats += hub_notes
    observed_hubs = [
        x for x in hubs if yy in h.index and h.xs(x, axis=1, level=1).loc[yy].notna().any()
    ]
    for x in hubs:
        col = f"hub_{x}"
        if x not in observed_hubs:
            table[col] = np.nan
            caveats.append(f"hub {x} has no data for {year}: left out of the hub totals")
            continue
        table[col] = [h.loc[yy, (a, x)] if (a, x) in h.columns else np.nan for a in allies]
    cols = [f"hub_{x}" for x in observed_hubs]
    table["hub_total"] = table[cols].sum(axis=1, min_count=1)
    base_tot = pd.Series(
        [
            sum(h.loc[by, (a, x)] for x in observed_hubs if (a, x) in h.columns)
            if by in h.index
            else np.nan
            for a in allies
        ],
        index=table.index,
        dtype=float,
    )
    table["hub_ratio"] = table["hub_total"] / base_tot.replace(0, np.nan)

    # substitution: (ally, RU) from Russia's side, (ally, hub) from the hubs' side, USD
    panel = {}
    for a in allies:
        if a in d.columns:
            panel[(a, "RU")] = d[a]
            for x in hubs:
                if (a, x) in h.columns:
                    panel[(a, x)] = h[(a, x)]
    sub = None
    if panel:
        pf = pd.DataFrame(panel).sort_index()
        pf.columns = pd.MultiIndex.from_tuples(pf.columns)
        sub = estimate_substitution(
            pf,
            direct="RU",
            hubs=hubs,
            pre=(str(pre_start), str(base_year)),
            post=(str(base_year + 1), str(year)),
            alpha=alpha,
            n_draws=n_draws,
            seed=seed,
        )
        sf = sub.to_frame()
        table["substitution"] = sf["ratio"].reindex(allies)
        table["substitution_lower"] = sf["ratio_lower"].reindex(allies)
        table["substitution_upper"] = sf["ratio_upper"].reindex(allies)
        table["p_value"] = sf["p_value"].reindex(allies)
        table["p_shortfall"] = sf["p_shortfall"].reindex(allies)
        adj = adjust_pvalues(
            sf["p_value"].where(sf["ratio"].notna()),
            family="excess imports of the hubs over trend, one test per ally",
        )
        table["p_adjusted"] = adj["p_adjusted"].reindex(allies)
        caveats += list(sub.caveats)
        caveats.append(
            "substitution is an upper bound on re-routing: the excess also holds the hubs' own "
            "demand growth above trend"
        )
        caveats.append(
            "direct trade is recorded by Russia (IMF), hub trade by the hubs: two sources, "
            "both valued at import (CIF)"
        )

    overlap = None
    if lists:
        designations = designations or {}
        overlap = list_overlap_us_uk(
            designations.get("US"), designations.get("GB"), threshold=threshold
        )
        oc = _overlap_columns(overlap)
        for c in oc.columns:
            table[c] = [oc.loc[a, c] if a in oc.index else np.nan for a in allies]
        caveats.append(
            f"US and UK lists matched on names (threshold {threshold:g} of 100, "
            "romanisation-invariant; dates of birth used where both lists carry them)"
        )
        caveats.append(
            "OFAC dates are the first day a scraped copy held the entry (an upper bound for "
            "entries already in the first copy of 2021-08-18)"
        )
    if timing:
        lag = adoption_lags(events, start=timing_start, end=timing_end, kinds=timing_kinds)
        for c in lag.columns:
            table[c] = [
                lag.loc[JURISDICTION.get(a, a), c]
                if JURISDICTION.get(a, a) in lag.index
                else np.nan
                for a in allies
            ]
        kinds_text = ", ".join(timing_kinds) if timing_kinds else "all kinds"
        caveats.append(
            f"adoption lags on {kinds_text} since {timing_start}; a kind not adopted by "
            f"{timing_end} counts at its censoring bound (a lower bound); member states carry "
            "the EU's lags; allies absent from the events timeline have none"
        )
    inference = sub.inference if sub is not None else "no intervals (no substitution estimate)"
    return AllyScorecard(
        table=table,
        substitution=sub,
        overlap=overlap,
        base_year=base_year,
        year=year,
        threshold=threshold,
        alpha=alpha,
        inference=inference,
        caveats=tuple(dict.fromkeys(caveats)),
        direct=d,
        hubs=h,
    )


def eu27_substitution(
    trade: pd.DataFrame | None = None,
    *,
    hubs: Sequence[str] = ("AM", "GE", "KZ", "KG", "UZ"),
    pre: tuple[str, str] = ("2015", "2021"),
    post: tuple[str, str] = ("2022", "2023"),
    alpha: float = 0.05,
    n_draws: int = 2000,
    seed: int = 0,
) -> Any:
    """The EU27 aggregate substitution from the EU's side (Eurostat annual exports, EUR).

    The same estimator as the scorecard's (trends with drift, joint draws, ratio of means), on
    ``load_trade("eurostat_comext_annual")``: EU27 exports to Russia against exports to the hubs.
    Returns the :class:`~.substitution.Substitution` of ``EU27_2020``.
    """
    from sanctions_model.coordination.substitution import estimate_substitution

    if trade is None:
        from sanctions_model.data import load_trade

        trade = load_trade("eurostat_comext_annual", reporter=EU, flow="export")
    t = trade[(trade["reporter"] == EU) & trade["partner"].isin(["RU", *hubs])]
    if t.empty:
        raise ParameterError(f"no {EU} exports to RU or {list(hubs)} in the trade frame")
    wide = t.assign(v=_usd(t)).pivot_table(
        index="period", columns="partner", values="v", aggfunc="sum"
    )
    wide.columns = pd.MultiIndex.from_tuples([(EU, c) for c in wide.columns])
    res = estimate_substitution(
        wide, direct="RU", hubs=hubs, pre=pre, post=post, alpha=alpha, n_draws=n_draws,
        currency="EUR", seed=seed,
    )  # fmt: skip
    return res.estimates[EU]
