"""The scorecard's inputs, one per source: direct trade (IMF IMTS), the hubs' imports
(``partner_national``), the US-UK list overlap, adoption lags from the events timeline, and the EU27
substitution measured from the EU's own export statistics.

:mod:`.scorecard` combines them into one row per ally; each function here also stands alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sanctions_model.data.countries import EU27
from sanctions_model.errors import ParameterError

EU = "EU27_2020"
ALLIES: tuple[str, ...] = (EU, *EU27, "US", "GB", "JP", "KR", "CA", "CH", "NO", "AU")
HUBS: tuple[str, ...] = ("UZ", "KZ", "KG", "AM")
#: Russia's imports from an ally in the base year below this (USD) leave its ratio unreported.
MIN_DIRECT: float = 100e6
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


#: Why OFAC dates run late (the caveat recorded beside the listing lags).
OFAC_DATE_CAVEAT = (
    "OFAC dates are the first day a scraped copy of the list held the entry, later than the true "
    "designation date by up to the interval between scrapes: US listings look later than they "
    "were, so 'UK first' and the median lag overstate the UK's lead and same-day listings are "
    "undercounted"
)


def us_uk_lags(overlap: Any) -> list[dict[str, Any]]:
    """Listing lags of the matched US and UK subjects, oriented as US minus UK (positive: the US
    listed later), one dict per pair of lists (reliable dates only, see ``lag_summary``).

    Counts (``uk_first``, ``us_first``, ``same_day``, of ``n_pairs``), their shares, and the
    mean, median, 10th and 90th percentile of the lag in days.
    """
    out = []
    for _, r in overlap.lag_summary().iterrows():
        left, right = r["jurisdiction_left"], r["jurisdiction_right"]
        flip = left == "US"  # lag_days = right - left: orient as US minus UK
        sign = -1.0 if flip else 1.0
        p10, p90 = (r["p90"], r["p10"]) if flip else (r["p10"], r["p90"])
        uk_first, us_first = (
            (r["right_first"], r["left_first"]) if flip else (r["left_first"], r["right_first"])
        )
        n = int(r["n"])

        def count(share: float, n: int = n) -> int:
            return 0 if pd.isna(share) else int(round(share * n))  # shares are means of 0/1

        out.append(
            {
                "lists": f"{left} and {right}",
                "n_pairs": n,
                "excluded_unreliable": int(r["excluded_unreliable"]),
                "uk_first": count(uk_first),
                "us_first": count(us_first),
                "same_day": count(r["same_day"]),
                "uk_first_share": float(uk_first),
                "us_first_share": float(us_first),
                "same_day_share": float(r["same_day"]),
                "mean_lag_days": sign * float(r["mean"]),
                "median_lag_days": sign * float(r["median"]),
                "p10_lag_days": sign * float(p10),
                "p90_lag_days": sign * float(p90),
            }
        )
    return out


def overlap_tables(overlap: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The US-UK list comparison for readers: coverage per list and listing lags (US minus UK).

    Shares are percentages; the lag table is oriented so that positive lags mean the US listed
    later than the UK.
    """

    def pct(v: float) -> str:
        return "–" if pd.isna(v) else f"{100 * v:.2g}%" if 100 * v < 10 else f"{100 * v:.0f}%"

    cov = overlap.coverage()
    cov_out = pd.DataFrame(
        {
            "subjects": cov["subjects"].map("{:,}".format),
            "on both lists": cov["shared"].map("{:,}".format),
            "listed only here": cov["listed_only_here"].map("{:,}".format),
            "share of all subjects on either list": cov["coverage"].map(pct),
        },
        index=pd.Index(cov.index, name="list"),
    )
    rows = []
    for lag in us_uk_lags(overlap):
        rows.append(
            {
                "pairs": f"{lag['n_pairs']:,}",
                "pairs left out (unreliable date)": f"{lag['excluded_unreliable']:,}",
                "mean lag, days (US minus UK)": f"{lag['mean_lag_days']:,.0f}",
                "median": f"{lag['median_lag_days']:,.0f}",
                "10th pct": f"{lag['p10_lag_days']:,.0f}",
                "90th pct": f"{lag['p90_lag_days']:,.0f}",
                "same day": pct(lag["same_day_share"]),
                "UK first": pct(lag["uk_first_share"]),
                "US first": pct(lag["us_first_share"]),
                "lists": lag["lists"],
            }
        )
    return cov_out, pd.DataFrame(rows).set_index("lists")


def eu27_substitution(
    trade: pd.DataFrame | None = None,
    *,
    hubs: Sequence[str] = ("AM", "GE", "KZ", "KG", "UZ"),
    pre: tuple[str, str] = ("2015", "2021"),
    post: tuple[str, str] = ("2022", "2023"),
    alpha: float = 0.05,
    n_draws: int = 2000,
    seed: int = 0,
    drop: Mapping[str, Sequence[str]] | None = None,
    real: bool = True,
    deflator: Any = None,
    base: int = 2021,
    exclude: Sequence[str] | None = None,
) -> Any:
    """The EU27 aggregate substitution from the EU's side (Eurostat annual exports, EUR).

    In EUR at ``base``-year prices by default (deflated by the EUR price index, see
    :func:`~.real_terms.price_config`); ``real=False`` keeps current prices. ``exclude``: pre-war
    years left out of the trend fits (default 2020).

    ``drop`` maps a hub to years whose exports to it are left out of the excess (e.g.
    ``{"AM": ["2023"]}`` matches the scorecard's coverage of Armenia).

    The same estimator as the scorecard's (trends with drift, joint draws, ratio of means), on
    ``load_trade("eurostat_comext_annual")``: EU27 exports to Russia against exports to the hubs.
    Returns the :class:`~.substitution.Substitution` of ``EU27_2020``.
    """
    from sanctions_model.coordination.real_terms import price_config
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
    for hub, years in (drop or {}).items():
        if hub in wide.columns:
            idx = [p for p in wide.index if str(p) in {str(y) for y in years}]
            wide.loc[idx, hub] = np.nan
    wide.columns = pd.MultiIndex.from_tuples([(EU, c) for c in wide.columns])
    wide = wide.loc[pd.Period(pre[0], "Y") : pd.Period(post[1], "Y")]
    prices = price_config(real, deflator, base=base)
    res = estimate_substitution(
        prices.apply(wide, "EUR"), direct="RU", hubs=hubs, pre=pre, post=post, alpha=alpha,
        n_draws=n_draws, currency="EUR", units=prices.units("EUR"), exclude=exclude, seed=seed,
    )  # fmt: skip
    return res.estimates[EU]
