"""The coordination-gap index on the ally scorecard, with rank intervals from the draws.

Components (one value per ally; higher = larger gap)
----------------------------------------------------
``direct_ratio``
    Russia's imports from the ally in ``year`` over ``base_year`` (observed; no draws).
``substitution``
    Excess of the hubs' imports over trend per unit of shortfall (:mod:`.substitution`). Each
    draw ``j`` uses ``E_j / S_j`` (``+-inf`` with the sign of ``E_j`` when ``S_j <= 0``), so
    the ranks carry the uncertainty of the counterfactuals. Defined only where the shortfall is
    clearly positive.
``adoption_lag_days``
    Median lag behind the first mover over kinds of measure; a kind not adopted counts at its
    censoring bound (the days from the first mover to the end of the window), which places the
    ally behind every adopter of that kind without inventing a date: the component is then a
    lower bound (``lag_censored``). Allies with no event at all in the timeline have no value.
``list_gap``
    ``1 - listed_by_other`` (US and UK only): optional, never part of a cross-ally composite.

Scores and composite
--------------------
Within a comparison group, each component is turned into rank scores ``(rank - 1) / (n - 1)``
in [0, 1] (average ranks for ties) and the composite is their unweighted mean; rank 1 is the
largest gap. Draw ``j`` repeats this with the substitution draws ``j``; the rank interval is the
``alpha/2`` and ``1 - alpha/2`` quantiles of an ally's ranks over the draws.

Comparison groups
-----------------
``full``: the allies with *every* requested component, ranked on all of them. ``common``: all
allies, ranked on the components every one of them has. An ally missing a component is not
ranked in ``full`` (the reason is in ``not_ranked``), so an ally with one component is never
ranked against allies with two on one composite.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sanctions_model._results import validate_alpha
from sanctions_model.coordination._display import SummaryDisplayMixin
from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

__all__ = ["GapRanks", "gap_ranks", "INDEX_ALLIES", "INDEX_COMPONENTS"]

INDEX_ALLIES: tuple[str, ...] = ("EU27_2020", "US", "GB", "JP", "KR", "CA", "CH", "NO", "AU")
INDEX_COMPONENTS: tuple[str, ...] = ("direct_ratio", "substitution", "adoption_lag_days")
#: Readers' labels of the components.
LABELS: dict[str, str] = {
    "direct_ratio": "direct ratio",
    "substitution": "substitution",
    "adoption_lag_days": "adoption lag, days",
    "list_gap": "share not on the other list",
}


def _rank_scores(x: np.ndarray) -> np.ndarray:
    """Rank scores along the last axis: (average rank - 1) / (n - 1), higher value = higher score.

    Ties share the mean of their positions, ``(first + last) / 2``: equal values (NaNs among
    themselves, as :func:`numpy.unique` groups them) are one run in the sorted order.
    """
    n = x.shape[-1]
    if n == 1:
        return np.full(x.shape, 0.5)
    flat = x.reshape(-1, n)
    idx = np.argsort(flat, axis=-1, kind="stable")
    s = np.take_along_axis(flat, idx, axis=-1)
    same = s[:, 1:] == s[:, :-1]
    if np.issubdtype(s.dtype, np.floating):
        same |= np.isnan(s[:, 1:]) & np.isnan(s[:, :-1])
    pos = np.arange(n)
    edge = np.ones((len(s), 1), dtype=bool)
    first = np.maximum.accumulate(np.where(np.hstack([edge, ~same]), pos, 0), axis=-1)
    last = np.minimum.accumulate(np.where(np.hstack([~same, edge]), pos, n)[:, ::-1], axis=-1)
    avg = (first + last[:, ::-1]) / 2
    out = np.empty(flat.shape)
    np.put_along_axis(out, idx, avg, axis=-1)
    return out.reshape(x.shape) / (n - 1)


def _composite_ranks(values: np.ndarray) -> np.ndarray:
    """values (n_draws, n_allies, n_components) -> ranks (n_draws, n_allies), 1 = largest gap."""
    scores = np.stack([_rank_scores(values[:, :, c]) for c in range(values.shape[2])], axis=2)
    comp = scores.mean(axis=2)
    return _rank_scores(-comp) * (comp.shape[1] - 1) + 1


@dataclass(frozen=True, repr=False, eq=False)
class GapRanks(SummaryDisplayMixin):
    """Result of :func:`gap_ranks` (read-only).

    Attributes
    ----------
    table : DataFrame
        One row per ally: the raw components, ``lag_censored``, ``gap_full`` (composite on all
        components), ``rank_full`` with ``rank_full_lower``/``rank_full_upper``, ``p_first``
        (share of draws ranked 1, ties shared), ``rank_full_tied``, ``gap_common``, ``rank_common`` with its interval,
        ``compared_on`` and ``not_ranked`` (why an ally is missing from the full ranking).
    components, common : tuple of str
        Components of the full and of the common ranking.
    alpha : float
    inference : str
    caveats : tuple of str
    """

    table: pd.DataFrame
    components: tuple[str, ...]
    common: tuple[str, ...]
    alpha: float
    inference: str
    caveats: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def formatted(self) -> pd.DataFrame:
        """Ranks with their intervals as text, the components through ``reporting.format``."""
        from sanctions_model.reporting import format as fmt

        t = self.table

        from sanctions_model.coordination.scorecard import _days, _label

        def rk(r: pd.Series, key: str) -> str:
            if pd.isna(r[f"rank_{key}"]):
                return fmt.MISSING
            tied = " (tied)" if bool(r.get(f"rank_{key}_tied", False)) else ""
            return f"{r[f'rank_{key}']}{tied} [{r[f'rank_{key}_lower']}-{r[f'rank_{key}_upper']}]"

        from sanctions_model.coordination.digits import share_text as share

        out = pd.DataFrame(index=pd.Index([_label(a) for a in t.index], name="ally"))
        for c in self.components:
            if c == "adoption_lag_days":
                cens = t["lag_censored"].fillna(False).astype(bool)
                out[LABELS[c]] = [_days(v, k) for v, k in zip(t[c], cens, strict=True)]
            else:
                out[LABELS.get(c, c)] = [fmt.ratio(v) for v in t[c]]
        level = f"[{fmt.level(self.alpha)} interval]"
        out[f"gap rank (all components) {level}"] = [rk(r, "full") for _, r in t.iterrows()]
        out["share of draws ranked first"] = [share(v) for v in t["p_first"]]
        common = ", ".join(LABELS.get(c, c) for c in self.common)
        out[f"gap rank ({common}) {level}"] = [rk(r, "common") for _, r in t.iterrows()]
        out["missing components"] = [
            "" if not m else ", ".join(LABELS.get(c, c) for c in m.removeprefix("no ").split(", "))
            for m in t["not_ranked"]
        ]
        return out

    def sentence(self) -> str:
        """How to read the ranks, with the top-ranked ally's rank interval."""
        rt = self.table.dropna(subset=["rank_full"])
        if rt.empty:
            return "No ally has every component: no composite ranking."
        top = rt.index[0]
        label = "EU27" if top == "EU27_2020" else top
        return (
            "The ranks order point estimates that are mostly not distinguishable from zero (see "
            "the scorecard's adjusted p-values) and a substitution measure with a known downward "
            f"bias (Armenia's missing year). Read them as '{label} ranks between "
            f"{rt.loc[top, 'rank_full_lower']} and {rt.loc[top, 'rank_full_upper']} in "
            f"{fmt.level(self.alpha)} of draws', not as a league table. 'Share of draws ranked "
            "first': the share of draws in which the ally's gap ranks first (a tie for first "
            "shared), to the nearest 5%."
        )

    def summary(self) -> str:
        t = self.table.sort_values(["rank_full", "rank_common"], na_position="last")
        lines = [
            f"Coordination-gap ranks (1 = largest gap; {fmt.level(self.alpha)} rank intervals) on "
            f"{', '.join(self.components)}; common ranking on {', '.join(self.common) or '-'}",
            "",
        ]
        for a, r in t.iterrows():
            full = (
                f"rank {int(r['rank_full'])} [{int(r['rank_full_lower'])}-{int(r['rank_full_upper'])}]"
                if pd.notna(r["rank_full"])
                else f"not ranked ({r['not_ranked']})"
            )
            common = (
                f"common rank {int(r['rank_common'])} "
                f"[{int(r['rank_common_lower'])}-{int(r['rank_common_upper'])}]"
                if pd.notna(r["rank_common"])
                else ""
            )
            lines.append(f"{a:<10} {full}; {common}")
        lines += ["", f"Inference: {self.inference}"]
        lines += [f"Caveat: {c}" for c in self.caveats]
        return "\n".join(lines)


def _values(card: Any, allies: list[str], comps: Sequence[str], n_draws: int) -> np.ndarray:
    t = card.table
    out = np.full((n_draws, len(allies), len(comps)), np.nan)
    for c, comp in enumerate(comps):
        if comp == "substitution":
            for i, a in enumerate(allies):
                est = card.substitution.estimates.get(a) if card.substitution else None
                if est is None or not est.identified:
                    continue
                e, s = est.excess_draws[:n_draws], est.shortfall_draws[:n_draws]
                with np.errstate(divide="ignore", invalid="ignore"):
                    r = np.where(s > 0, e / s, np.sign(e) * np.inf)
                out[: len(r), i, c] = r
        elif comp == "list_gap":
            out[:, :, c] = (1 - t["listed_by_other"].reindex(allies)).to_numpy()[None, :]
        else:
            if comp not in t.columns:
                raise ParameterError(f"component {comp!r} is not a scorecard column")
            out[:, :, c] = t[comp].reindex(allies).to_numpy(dtype=float)[None, :]
    return out


def _point(card: Any, allies: list[str], comps: Sequence[str]) -> np.ndarray:
    t = card.table
    vals = np.full((1, len(allies), len(comps)), np.nan)
    for c, comp in enumerate(comps):
        col = "listed_by_other" if comp == "list_gap" else comp
        v = t[col].reindex(allies).to_numpy(dtype=float)
        vals[0, :, c] = 1 - v if comp == "list_gap" else v
    return vals


def _rank_block(
    vals: np.ndarray, point: np.ndarray, rows: np.ndarray, alpha: float
) -> dict[str, np.ndarray]:
    n = vals.shape[1]
    keys = ("gap", "rank", "lower", "upper", "p_first", "tied")
    res = {k: np.full(n, np.nan) for k in keys}
    if rows.sum() < 2:
        return res
    v = vals[:, rows, :]
    ok = ~np.isnan(v).any(axis=(1, 2))
    draws = _composite_ranks(v[ok])
    p = point[:, rows, :]
    scores = np.stack([_rank_scores(p[:, :, c]) for c in range(p.shape[2])], axis=2)
    gap = scores.mean(axis=2)[0]
    res["gap"][rows] = gap
    # competition ranks ("1, 2, 2, 4"): 1 + allies with a strictly larger composite gap
    close = np.isclose(gap[:, None], gap[None, :], rtol=0, atol=1e-12)
    res["rank"][rows] = 1 + ((gap[None, :] > gap[:, None]) & ~close).sum(axis=1)
    res["tied"][rows] = close.sum(axis=1) > 1
    res["lower"][rows] = np.floor(np.quantile(draws, alpha / 2, axis=0))
    res["upper"][rows] = np.ceil(np.quantile(draws, 1 - alpha / 2, axis=0))
    # share of draws ranked first; a tie for first is shared among the tied (sums to 1)
    first = np.isclose(draws, draws.min(axis=1, keepdims=True))
    res["p_first"][rows] = (first / first.sum(axis=1, keepdims=True)).mean(axis=0)
    return res


def gap_ranks(
    scorecard: Any,
    *,
    allies: Sequence[str] = INDEX_ALLIES,
    components: Sequence[str] = INDEX_COMPONENTS,
    alpha: float = 0.05,
    n_draws: int | None = None,
) -> GapRanks:
    """Rank the allies' coordination gaps on the scorecard, with rank intervals.

    Parameters
    ----------
    scorecard : AllyScorecard
        From :func:`~.scorecard.ally_scorecard`.
    allies : sequence of str
        Rows ranked; default the EU27 aggregate and the other allies (member states are on the
        scorecard, not ranked against their own union).
    components : sequence of str
        Any of ``direct_ratio``, ``substitution``, ``adoption_lag_days``, ``list_gap``.
    alpha : float
    n_draws : int, optional
        Draws used (default: all of the substitution draws).
    """
    alpha = validate_alpha(alpha)
    allies = [a for a in allies if a in scorecard.table.index]
    if len(allies) < 2:
        raise ParameterError("need at least two allies on the scorecard to rank")
    comps = list(dict.fromkeys(components))
    if not comps:
        raise ParameterError("give at least one component")
    sub = scorecard.substitution
    nd = min(len(e.excess_draws) for e in sub.estimates.values()) if sub else 1
    nd = min(nd, n_draws) if n_draws else nd
    # the point values use the substitution point estimate
    vals = _values(scorecard, allies, comps, nd)
    point = _point(scorecard, allies, comps)
    have = ~np.isnan(point[0])  # (allies, comps)
    full_rows = have.all(axis=1)
    common = [c for j, c in enumerate(comps) if have[:, j].all()]
    t = scorecard.table.reindex(allies)
    out = pd.DataFrame(index=pd.Index(allies, name="ally"))
    for c in comps:
        out[c] = point[0, :, comps.index(c)]
    out["lag_censored"] = (
        t["adoption_lag_censored"].astype("boolean") if "adoption_lag_censored" in t else pd.NA
    )
    full = _rank_block(vals, point, full_rows, alpha)
    out["gap_full"] = full["gap"]
    out["rank_full"] = pd.array(full["rank"], dtype="Float64").round().astype("Int64")
    out["rank_full_lower"] = pd.array(full["lower"], dtype="Float64").astype("Int64")
    out["rank_full_upper"] = pd.array(full["upper"], dtype="Float64").astype("Int64")
    out["rank_full_tied"] = np.asarray(full["tied"]) == 1
    out["p_first"] = full["p_first"]
    if common:
        ci = [comps.index(c) for c in common]
        cm = _rank_block(vals[:, :, ci], point[:, :, ci], np.ones(len(allies), bool), alpha)
    else:
        cm = {k: np.full(len(allies), np.nan) for k in ("gap", "rank", "lower", "upper", "tied")}
    out["gap_common"] = cm["gap"]
    out["rank_common"] = pd.array(cm["rank"], dtype="Float64").round().astype("Int64")
    out["rank_common_lower"] = pd.array(cm["lower"], dtype="Float64").astype("Int64")
    out["rank_common_upper"] = pd.array(cm["upper"], dtype="Float64").astype("Int64")
    out["rank_common_tied"] = np.asarray(cm["tied"]) == 1
    out["compared_on"] = [", ".join(comps) if f else ", ".join(common) for f in full_rows]
    out["not_ranked"] = [
        "" if f else "no " + ", ".join(c for j, c in enumerate(comps) if not have[i, j])
        for i, f in enumerate(full_rows)
    ]
    caveats = []
    if (~full_rows).any():
        caveats.append(
            f"{int((~full_rows).sum())} allies lack a component and are ranked only on "
            f"{', '.join(LABELS.get(c, c) for c in common) or 'nothing'}"
        )
    if "adoption_lag_days" in comps:
        if out["lag_censored"].fillna(False).any():
            caveats.append(
                "a censored adoption lag (a kind not adopted, shown as '>='), is a lower bound: "
                "that ally's gap rank is a lower bound too"
            )
        else:
            caveats.append("no adoption lag is censored: every ally with a lag adopted every kind")
        caveats.append(
            "adoption lags are medians over kinds of measure in whole days; every EU member "
            "state carries the EU's lag, and lags a few days apart separate allies on noise"
        )
    if "substitution" in comps:
        caveats.append("substitution draws are independent across allies (simulated separately)")
        caveats.append(
            "the ranks order substitution point estimates that are mostly not distinguishable "
            "from zero and that are biased (hub coverage, see the scorecard): read a rank "
            f"interval as 'ranks between a and b in {fmt.level(alpha)} of draws', not as a league "
            "table"
        )
    caveats.append(
        "only the substitution estimates carry draws; the direct ratios (IMF estimates) and "
        "adoption lags are treated as fixed, so the rank intervals are too narrow"
    )
    ties = out[out["rank_full_tied"]].groupby("rank_full").groups
    if ties:
        caveats.append(
            "ties on the composite (shown as '(tied)'): "
            + "; ".join(
                f"{' and '.join('EU27' if a == 'EU27_2020' else a for a in g)} at rank {r}"
                for r, g in ties.items()
            )
        )
    caveats.append(
        "'share of draws ranked first' is the share of draws in which the ally's gap ranks "
        "first (a tie for first shared), shown to the nearest 5% (its Monte Carlo error); the "
        "unrounded shares sum to 100%"
    )
    inference = (
        f"ranks recomputed on {nd} draws of the substitution estimates; "
        f"{fmt.level(alpha)} rank intervals are the draw quantiles"
    )
    return GapRanks(
        table=out.sort_values(["rank_full", "rank_common"], na_position="last"),
        components=tuple(comps),
        common=tuple(common),
        alpha=alpha,
        inference=inference,
        caveats=tuple(caveats),
    )
