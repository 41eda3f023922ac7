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
    imports below theirs, over ``base_year + 1 .. year`` (:mod:`.substitution`): re-routing
    recorded in the hubs' imports, overstated by the hubs' own demand growth (not a ceiling on
    total leakage). ``p_adjusted``: Benjamini-Hochberg over the member states and the non-EU
    allies (one family); the EU27 aggregate (a sum of the member states) is a separate,
    unadjusted test (``p_adjusted`` = ``p_value``, ``p_family`` says which).
    ``too_small``: Russia's imports from the ally in ``base_year`` below ``min_direct`` (USD):
    the ratio is shown as "too small to estimate". In USD at ``base_year`` prices by default
    (``real``, ``deflator``: :mod:`.real_terms`), with trends fitted without 2020;
    ``substitution_nominal`` (with its interval) is the same in current USD.
    ``substitution_lower_mc_se``/``_upper_mc_se``: Monte Carlo errors of the interval's ends,
    which set the digits they are printed with (:mod:`.digits`).
``direct_ratio_real``
    ``direct_ratio`` divided by the change of the USD price index from ``base_year`` to ``year``.
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
from sanctions_model.coordination._display import (
    HUB_NAMES,
    SummaryDisplayMixin,
    _days,
    _hub_list,
    _label,
    _label_text,
    _ratio2,
    _scorecard_notes,
    _usd_m,
)
from sanctions_model.coordination.scorecard_inputs import (
    ALLIES,
    EU,
    HUBS,
    JURISDICTION,
    MIN_DIRECT,
    _overlap_columns,
    adoption_lags,
    direct_trade,
    eu27_substitution,
    hub_trade,
    list_overlap_us_uk,
    overlap_tables,
)
from sanctions_model.data.countries import EU27
from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

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
    "overlap_tables",
]


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
    panel: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    prices: Any = None
    substitution_nominal: Any = None

    @property
    def n_draws(self) -> int:
        """Draws behind the substitution estimates (their Monte Carlo precision)."""
        if self.substitution is None or not self.substitution.estimates:
            return 0
        return len(next(iter(self.substitution.estimates.values())).excess_draws)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def formatted(self, allies: Sequence[str] | None = None) -> pd.DataFrame:
        """The scorecard for readers: numbers through :mod:`sanctions_model.reporting.format`;
        interval ends and p-values at the digits the draws support (:mod:`.digits`)."""
        from sanctions_model.coordination.digits import p_adjusted_text, p_text, ratio_text
        from sanctions_model.reporting import format as fmt

        t = self.table if allies is None else self.table.reindex(list(allies))
        out = pd.DataFrame(index=pd.Index([_label(a) for a in t.index], name="ally"))
        out[f"direct ratio {self.year}/{self.base_year}"] = [
            fmt.ratio(v) for v in t["direct_ratio"]
        ]
        out[f"Russia's imports {self.year}"] = [_usd_m(v) for v in t["direct_year"]]
        out[f"hubs' imports {self.year}"] = [_usd_m(v) for v in t["hub_total"]]
        out[f"hubs {self.year}/{self.base_year}"] = [fmt.ratio(v) for v in t["hub_ratio"]]
        if "substitution" in t:
            small = t["too_small"] if "too_small" in t else pd.Series(False, index=t.index)
            se_lo = t.get("substitution_lower_mc_se", pd.Series(0.0, index=t.index))
            se_hi = t.get("substitution_upper_mc_se", pd.Series(0.0, index=t.index))
            out[f"substitution (hubs' records) [{fmt.level(self.alpha)} interval]"] = [
                "too small to estimate"
                if sm
                else f"{_ratio2(r)} [{ratio_text(lo, a)}, {ratio_text(hi, b)}]"
                if pd.notna(r)
                else "not identified"
                for r, lo, hi, a, b, sm in zip(
                    t["substitution"], t["substitution_lower"], t["substitution_upper"],
                    se_lo.fillna(0.0), se_hi.fillna(0.0), small, strict=True,
                )
            ]  # fmt: skip
            n = self.n_draws
            out["p (unadjusted)"] = [
                p_text(p, n) if pd.notna(r) and not sm else fmt.MISSING
                for p, r, sm in zip(t["p_value"], t["substitution"], small, strict=True)
            ]
            # the adjusted p-value's Monte Carlo error: the raw one times the BH multiplier
            out["p (BH-adjusted)"] = [
                p_adjusted_text(pa, p, n)
                if pd.notna(pa) and f == "allies" else
                "single test" if pd.notna(pa) else fmt.MISSING
                for pa, p, f in zip(t["p_adjusted"], t["p_value"], t["p_family"], strict=True)
            ]  # fmt: skip
        if "listed_by_other" in t:
            out["on the other list"] = [fmt.pct(v, signed=False) for v in t["listed_by_other"]]
            out["median listing lag of the other list, days"] = [
                _days(v) for v in t["median_listing_lag_days"]
            ]
        if "adoption_lag_days" in t:
            out["adoption lag, days"] = [
                _days(v, bool(c) if pd.notna(c) else False)
                for v, c in zip(t["adoption_lag_days"], t["adoption_lag_censored"], strict=True)
            ]
        return out

    def plot(
        self,
        allies: Sequence[str] | None = None,
        *,
        benchmark: float = 0.10,
        xlim: tuple[float, float] = (-1.0, 1.5),
        ax: Any = None,
    ) -> Any:
        """Forest plot of the substitution ratios with their intervals and the EBRD benchmark.

        Allies without a ratio (not identified, too small) are left out; interval ends beyond
        ``xlim`` (or unbounded) are drawn to the edge with an arrow.
        """
        import matplotlib.pyplot as plt

        t = self.table
        small = t["too_small"] if "too_small" in t else pd.Series(False, index=t.index)
        rows = t[t["substitution"].notna() & ~small.astype(bool)]
        if allies is not None:
            rows = rows.reindex([a for a in allies if a in rows.index])
        rows = rows.iloc[::-1]
        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, 0.28 * len(rows) + 1.6))
        y = np.arange(len(rows))
        lo = rows["substitution_lower"].clip(*xlim).to_numpy(dtype=float)
        hi = rows["substitution_upper"].clip(*xlim).to_numpy(dtype=float)
        est = rows["substitution"].to_numpy(dtype=float)
        colors = ["#b2182b" if a == EU else "#2166ac" for a in rows.index]
        ax.hlines(y, lo, hi, color=colors, lw=1.6)
        ax.plot(est, y, "o", color="black", ms=4, zorder=3)
        for yi, (l0, h0) in enumerate(
            zip(rows["substitution_lower"], rows["substitution_upper"], strict=True)
        ):
            if not l0 > xlim[0]:
                ax.plot(xlim[0], yi, marker="<", color=colors[yi], ms=6)
            if not h0 < xlim[1]:
                ax.plot(xlim[1], yi, marker=">", color=colors[yi], ms=6)
        ax.axvline(0, color="grey", lw=0.8)
        ax.axvline(benchmark, color="#d95f02", ls="--", lw=1.2)
        ax.text(
            benchmark, len(rows) - 0.3, f" EBRD: under {benchmark:.2f}", color="#d95f02",
            fontsize=8, va="bottom",
        )  # fmt: skip
        ax.set_yticks(y, [_label(a) for a in rows.index])
        ax.set_ylim(-0.7, len(rows) + 0.3)
        ax.set_xlim(xlim[0] - 0.05, xlim[1] + 0.05)
        units = self.prices.units("USD") if self.prices is not None else "USD"
        ax.set_xlabel(f"ratio (hubs' excess imports per unit of Russia's shortfall; {units})")
        ax.set_title(
            f"Hubs' excess per dollar of lost direct trade, {self.base_year + 1}-{self.year}, "
            f"{fmt.level(self.alpha)} intervals",
            fontsize=10,
        )
        ax.figure.tight_layout()
        return ax.figure

    def direct_sentence(self, ally: str = EU) -> str:
        """The fall of Russia's imports from ``ally`` in current and in real USD, next to
        Eurostat's -61% (nominal, another window and source)."""
        r = self.table.loc[ally]
        real = (
            f"; at {self.base_year} prices {1 - r['direct_ratio_real']:.0%} "
            f"({self.prices.describe('USD')})"
            if "direct_ratio_real" in r and pd.notna(r["direct_ratio_real"])
            else ""
        )
        return (
            f"Russia's imports from {_label(ally)} in {self.year} were "
            f"{1 - r['direct_ratio']:.0%} below {self.base_year} in current USD (IMF estimates, "
            f"CIF, annual){real}. Eurostat reports a 61% fall in EU exports to Russia from "
            "February 2022 to September 2023 (monthly, seasonally adjusted, FOB, in current EUR: "
            "nominal). The windows and sources differ, so equal figures would be a coincidence "
            "of magnitude, not a replication."
        )

    def sentences(self) -> dict[str, str]:
        """One result sentence per ally with a substitution estimate, both p-values named."""
        from sanctions_model.coordination.digits import p_adjusted_text

        if self.substitution is None:
            return {}
        out = {}
        t = self.table
        # the table's columns read once (a .loc per ally and column cost more than the text)
        rows = set(t.index)
        small = t["too_small"].to_dict() if "too_small" in t.columns else {}
        fams, padjs, ps = (t[c].to_dict() for c in ("p_family", "p_adjusted", "p_value"))
        n = int((t["p_family"] == "allies").sum())
        for a, e in self.substitution.estimates.items():
            if a in rows and bool(small.get(a, False)):
                continue
            fam = fams[a] if a in rows else None
            padj = padjs[a] if a in rows else np.nan
            if fam == "allies" and pd.notna(padj):
                # one rounding path with the table and results.json: up, on the draws' grid
                adj = p_adjusted_text(padj, float(ps[a]), self.n_draws)
                adj = adj[4:] if adj.startswith("p = ") else adj
                extra = (
                    f"{adj} after Benjamini-Hochberg adjustment across the "
                    f"{n} member states and non-EU allies"
                )
                text = e.sentence(extra)
                if padj < self.alpha:
                    text = text.replace(
                        "The interval excludes zero.",
                        "The interval excludes zero, also after the adjustment.",
                    )
                else:
                    text = text.replace(
                        "The interval excludes zero.",
                        "The unadjusted interval excludes zero, but after the adjustment the "
                        f"excess is not distinguishable from zero at the {100 * self.alpha:g}% level.",
                    )
            else:
                text = e.sentence(
                    "a single test: the aggregate is a sum of the member states and is kept out "
                    "of their adjustment family"
                    if fam == "aggregate"
                    else None
                )
            out[a] = _label_text(text, a)
        return out

    def summary(self) -> str:
        from sanctions_model.reporting import format as fmt

        lines = [
            f"Ally scorecard, {self.year} against {self.base_year} "
            f"({len(self.table)} allies; {fmt.level(self.alpha)} intervals)",
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
    min_direct: float = MIN_DIRECT,
    real: bool = True,
    deflator: Any = None,
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
    min_direct : float
        Russia's imports from an ally in ``base_year`` (USD) below which its substitution ratio
        is reported as too small to estimate (default USD 100 m).
    real, deflator
        Substitution in USD at ``base_year`` prices (default; the nominal ratios are kept as
        ``substitution_nominal``) and the price index (see :func:`~.real_terms.price_config`).
    """
    from sanctions_model.coordination.real_terms import price_config
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
    prices = price_config(real, deflator, base=base_year)
    if prices.real:
        one = pd.DataFrame({"v": 1.0}, index=pd.PeriodIndex([by, yy]))
        level = 1 / prices.apply(one, "USD")["v"]  # price level of each year, base = 1
        table["direct_ratio_real"] = table["direct_ratio"] / (level[yy] / level[by])
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
            caveats.append(
                f"{HUB_NAMES.get(x, x)} publishes no {year} figures in this source: left out of "
                f"the hubs' imports of {year} and of {base_year} (the hub ratio compares the "
                "same hubs)"
            )
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
    sub = sub_nominal = None
    if panel:
        pf = pd.DataFrame(panel).sort_index()
        pf.columns = pd.MultiIndex.from_tuples(pf.columns)
        pf = pf.loc[pd.Period(str(pre_start), "Y") : yy]
        options = {
            "direct": "RU", "hubs": hubs, "pre": (str(pre_start), str(base_year)),
            "post": (str(base_year + 1), str(year)), "alpha": alpha, "n_draws": n_draws,
            "seed": seed,
        }  # fmt: skip
        sub = estimate_substitution(prices.apply(pf, "USD"), units=prices.units("USD"), **options)
        sub_nominal = (
            estimate_substitution(pf, units="current USD", **options) if prices.real else sub
        )
        nf = sub_nominal.to_frame()
        for c in ("ratio", "ratio_lower", "ratio_upper"):
            table[c.replace("ratio", "substitution_nominal")] = nf[c].reindex(allies)
        sf = sub.to_frame()
        mc = {a: e.conf_int_mc_se() for a, e in sub.estimates.items()}
        table["substitution_lower_mc_se"] = [mc[a][0] if a in mc else np.nan for a in allies]
        table["substitution_upper_mc_se"] = [mc[a][1] if a in mc else np.nan for a in allies]
        table["substitution"] = sf["ratio"].reindex(allies)
        table["substitution_lower"] = sf["ratio_lower"].reindex(allies)
        table["substitution_upper"] = sf["ratio_upper"].reindex(allies)
        table["p_value"] = sf["p_value"].reindex(allies)
        table["p_shortfall"] = sf["p_shortfall"].reindex(allies)
        table["too_small"] = (table["direct_base"] < min_direct) & table["substitution"].notna()
        # the EU27 aggregate is the sum of the member states: testing it in their family would
        # count the same trade twice, so it is a separate, unadjusted test
        family = [a for a in allies if a != EU]
        ok = sf["p_value"].where(sf["ratio"].notna()).reindex(family)
        ok = ok[~table["too_small"].reindex(family).fillna(False).astype(bool)]
        adj = adjust_pvalues(
            ok, family="excess imports of the hubs over trend, member states and non-EU allies"
        )
        table["p_adjusted"] = adj["p_adjusted"].reindex(allies)
        table["p_family"] = np.where(table["p_adjusted"].notna(), "allies", None)
        if EU in table.index and pd.notna(table.loc[EU, "substitution"]):
            table.loc[EU, "p_adjusted"] = table.loc[EU, "p_value"]
            table.loc[EU, "p_family"] = "aggregate"
        small = table.index[table["too_small"]].tolist()
        if small:
            caveats.append(
                f"{', '.join(small)}: Russia's imports from them in {base_year} were below "
                f"USD {min_direct / 1e6:,.0f} m; their ratios (a tiny shortfall in the "
                "denominator) are shown as too small to estimate and left out of the adjustment"
            )
        caveats.append(
            "p-values are two-sided, for 'no excess', from the trend draws; Benjamini-Hochberg "
            "adjusts them over the member states and the non-EU allies as one family; the EU27 "
            "aggregate, a sum of the member states, is a separate, unadjusted test"
        )
        caveats += _scorecard_notes(list(sub.caveats), hubs, base_year, year)
        caveats.append(
            "substitution counts only the excess recorded in the imports of "
            f"{_hub_list(hubs)}. It overstates re-routing through these hubs, because the "
            "excess also holds the hubs' own demand growth above trend. It says nothing about "
            "re-routing through other countries (Türkiye, the UAE, China, Georgia), nor about "
            "goods declared for a hub that the hub never records as imports. It is not a "
            "ceiling on total leakage"
        )
        caveats.append(
            f"values in {prices.describe('USD')}"
            + ("; the nominal ratios are kept as a robustness column" if prices.real else "")
        )
        caveats += list(prices.caveats("USD"))
        caveats.append(
            f"counterfactuals extrapolate trends fitted on at most {base_year - pre_start} "
            f"annual observations ({pre_start}-{base_year} without the 2020 COVID trough, which "
            "bent the trends: left out, the same fit as a 2020 dummy). Series that start later "
            "leave three or four observations: Kazakhstan's (from 2018) is projected at its "
            "pre-war average level (too few years for a drift), so the intervals are wide and "
            "depend heavily on the trend assumption. The residual "
            "correlation between an ally's trade with Russia and with the hubs is one common "
            "value per ally (the mean pairwise correlation of the pre-war residuals, fully "
            "shrunk), not a pair-specific estimate; intervals widen or narrow with it"
        )
        caveats.append(
            "direct trade is the IMF's estimate of Russia's imports, built from the allies' "
            "export records (converted to CIF); hub trade is recorded by the hubs. Two sources, "
            "both at CIF"
        )
        not_id = [
            a for a in allies
            if a in sf.index and pd.isna(sf.loc[a, "ratio"]) and a not in EU27
        ]  # fmt: skip
        if not_id:
            shown = ", ".join(f"{a} {table.loc[a, 'direct_ratio']:.2f}" for a in not_id)
            caveats.append(
                f"{', '.join(not_id)}: Russia's imports from them fell (direct ratios {shown}), "
                "but against their pre-war trends the shortfall is not clearly positive "
                f"(P(shortfall > 0) below {1 - alpha / 2:.3g}), so no substitution ratio is "
                "reported"
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
            "OFAC dates are the first day a scraped copy held the entry: later than the true "
            "designation date by up to the interval between scrapes. US listings therefore look "
            "later than they were: the US lag behind the UK and the share listed by the UK "
            "first overstate the UK's lead, and same-day listings are undercounted"
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
        absent = [
            a for a in allies
            if a not in EU27 and a != EU and not bool(table.loc[a].get("adopted_any", False))
        ]  # fmt: skip
        if absent:
            caveats.append(
                f"{', '.join(absent)}: missing from the events timeline, so no adoption lag; "
                "this is missing data, not an absence of measures"
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
        panel=pf if panel else pd.DataFrame(),
        prices=prices,
        substitution_nominal=sub_nominal,
    )
