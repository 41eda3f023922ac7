"""A coordination-gap index per ally: re-routing, adoption lag and list coverage, side by side.

Components (raw, one value per ally ``a``; every one oriented so that *higher = larger gap*)
-------------------------------------------------------------------------------------------
``substitution_ratio``
    ``R_a = E_a / S_a`` from :func:`~.rerouting.estimate_rerouting`: euros of excess exports to
    the re-routing partners per euro of exports lost to Russia. Set to missing when the
    shortfall is not clearly positive (``p_shortfall < min_p_shortfall``, default 0.975: the
    95% interval of the shortfall above zero), where the ratio has no meaning.
``adoption_lag_days``
    Median (``timing_agg="median"``, default) or mean over kinds of measure of the ally's lag
    behind the first mover (:func:`~.timing.adoption_timing`); a kind the ally never adopted in
    the window counts as the largest lag observed for that kind (as if it were the last mover;
    ``not_adopted="last"``) or is left out (``"ignore"``). The median keeps one kind with a very
    long spread from deciding the component.
``list_gap``
    ``1 - coverage_a``: the share of all subjects designated by any compared jurisdiction that
    ``a`` does not list (:meth:`~.designations.ListOverlap.coverage`).

EU member states have no timing or list of their own: with ``member_of`` (default: each EU27
member state -> ``"EU"``) they inherit the EU's values.

Normalisation (across the allies that have the component) and composite
-----------------------------------------------------------------------
``method="rank"`` (default): ``z_{a,c} = (rank_c(a) - 1) / (n_c - 1)``, average ranks for ties,
in [0, 1] with 1 = the largest gap; robust to the heavy tails of ratio estimates.
``method="minmax"``: ``z_{a,c} = (x_{a,c} - min_c) / (max_c - min_c)``.
``method="zscore"``: ``z_{a,c} = (x_{a,c} - mean_c) / sd_c``.

``GAP_a = sum_c w_c z_{a,c} / sum_{c available for a} w_c`` (weights ``w_c`` default 1): a
weighted mean over the components the ally has; allies with fewer than ``min_components``
components get no composite. The components are always reported next to the composite: the
composite is a summary, not a measurement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from sanctions_model.coordination._display import SummaryDisplayMixin
from sanctions_model.errors import ParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CoordinationGapIndex", "gap_index", "coordination_gap_index", "COMPONENTS"]

#: The standard components and whether a higher raw value means a larger gap.
COMPONENTS: dict[str, bool] = {
    "substitution_ratio": True,
    "adoption_lag_days": True,
    "list_gap": True,
}

Method = Literal["rank", "minmax", "zscore"]


def _normalise(x: pd.Series, method: Method, higher_is_worse: bool) -> pd.Series:
    v = x if higher_is_worse else -x
    ok = v.dropna()
    out = pd.Series(np.nan, index=x.index, dtype=float)
    if ok.empty:
        return out
    if method == "rank":
        n = len(ok)
        out[ok.index] = (ok.rank(method="average") - 1) / (n - 1) if n > 1 else 0.5
    elif method == "minmax":
        span = ok.max() - ok.min()
        out[ok.index] = (ok - ok.min()) / span if span > 0 else 0.5
    elif method == "zscore":
        sd = ok.std(ddof=1) if len(ok) > 1 else 0.0
        out[ok.index] = (ok - ok.mean()) / sd if sd > 0 else 0.0
    else:
        raise ParameterError(f"method must be 'rank', 'minmax' or 'zscore', got {method!r}")
    return out


@dataclass(frozen=True, repr=False, eq=False)
class CoordinationGapIndex(SummaryDisplayMixin):
    """Result of :func:`gap_index` (read-only).

    Attributes
    ----------
    raw : pandas.DataFrame
        Raw components, allies in rows.
    scores : pandas.DataFrame
        Normalised components (same shape), higher = larger gap.
    composite : pandas.Series
        Weighted mean of the available scores.
    method : str
    weights : dict
    higher_is_worse : dict
    """

    raw: pd.DataFrame
    scores: pd.DataFrame
    composite: pd.Series
    method: str
    weights: Mapping[str, float]
    higher_is_worse: Mapping[str, bool]

    def to_frame(self) -> pd.DataFrame:
        """Raw components, their scores (``score_*``), ``n_components``, ``gap_index``, ``rank``."""
        out = self.raw.copy()
        for c in self.scores.columns:
            out[f"score_{c}"] = self.scores[c]
        out["n_components"] = self.scores.notna().sum(axis=1)
        out["gap_index"] = self.composite
        out["rank"] = self.composite.rank(ascending=False, method="min").astype("Int64")
        return out.sort_values("gap_index", ascending=False, na_position="last")

    def summary(self) -> str:
        f = self.to_frame()
        comps = list(self.raw.columns)
        lines = [
            f"Coordination-gap index ({self.method} scores, higher = larger gap) over "
            f"{len(f)} allies; components: {', '.join(comps)}",
            "",
        ]
        for a, row in f.iterrows():
            parts = ", ".join(
                f"{c} {row[c]:.3g} ({row['score_' + c]:.2f})" for c in comps if pd.notna(row[c])
            )
            gi = row["gap_index"]
            lines.append(f"{a:<4} index {gi:5.2f}  " + parts if pd.notna(gi) else f"{a:<4} -")
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Component scores per ally (dots) and the composite (bar), sorted by the composite."""
        import matplotlib.pyplot as plt

        f = self.to_frame().dropna(subset=["gap_index"]).iloc[::-1]
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 0.3 * len(f) + 1.5))
        y = np.arange(len(f))
        ax.barh(y, f["gap_index"], color="0.85", label="composite")
        for i, c in enumerate(self.scores.columns):
            ax.scatter(f[f"score_{c}"], y, s=22, color=f"C{i}", label=c, zorder=3)
        ax.set_yticks(y, f.index)
        ax.set_xlabel(f"score ({self.method}; higher = larger coordination gap)")
        ax.set_title("Coordination-gap index: components and composite")
        ax.legend(fontsize=8, frameon=False, loc="lower right")
        return ax


def gap_index(
    components: pd.DataFrame,
    *,
    higher_is_worse: Mapping[str, bool] | None = None,
    method: Method = "rank",
    weights: Mapping[str, float] | None = None,
    min_components: int = 1,
) -> CoordinationGapIndex:
    """Normalise raw components and combine them (see the module docstring for the formula).

    Parameters
    ----------
    components : pandas.DataFrame
        Allies in rows, raw components in columns (NaN where unknown).
    higher_is_worse : mapping, optional
        Orientation per column; default :data:`COMPONENTS` for the standard names, True otherwise.
    method : {"rank", "minmax", "zscore"}
    weights : mapping, optional
        Weight per component (default 1 each); must be non-negative.
    min_components : int
        Allies with fewer available components get a missing composite.
    """
    if components.empty:
        raise ParameterError("no components given")
    hiw = {c: (higher_is_worse or {}).get(c, COMPONENTS.get(c, True)) for c in components.columns}
    w = {c: float((weights or {}).get(c, 1.0)) for c in components.columns}
    if any(v < 0 for v in w.values()) or sum(w.values()) == 0:
        raise ParameterError(f"weights must be non-negative and not all zero, got {w}")
    raw = components.astype(float)
    scores = pd.DataFrame(
        {c: _normalise(raw[c], method, hiw[c]) for c in raw.columns}, index=raw.index
    )
    wv = pd.Series(w)
    avail = scores.notna()
    num = (scores.fillna(0.0) * wv).sum(axis=1)
    den = (avail * wv).sum(axis=1)
    comp = (num / den.replace(0, np.nan)).where(avail.sum(axis=1) >= min_components)
    return CoordinationGapIndex(
        raw=raw,
        scores=scores,
        composite=comp.rename("gap_index"),
        method=method,
        weights=w,
        higher_is_worse=hiw,
    )


def _timing_component(timing: Any, agg: str, not_adopted: str) -> pd.Series:
    if agg not in ("median", "mean"):
        raise ParameterError(f"timing_agg must be 'median' or 'mean', got {agg!r}")
    if not_adopted not in ("last", "ignore"):
        raise ParameterError(f"not_adopted must be 'last' or 'ignore', got {not_adopted!r}")
    t = timing if isinstance(timing, pd.DataFrame) else timing.table
    by = list(getattr(timing, "by", ("kind",)))
    t = t.copy()
    worst = t.groupby(by)["lag_days"].transform("max")
    t["lag"] = t["lag_days"].fillna(worst) if not_adopted == "last" else t["lag_days"]
    return t.groupby("jurisdiction")["lag"].agg(agg).rename("adoption_lag_days")


def coordination_gap_index(
    *,
    rerouting: Any = None,
    timing: Any = None,
    lists: Any = None,
    allies: list[str] | None = None,
    member_of: Mapping[str, str] | None = None,
    min_p_shortfall: float = 0.975,
    timing_agg: Literal["median", "mean"] = "median",
    not_adopted: Literal["last", "ignore"] = "last",
    method: Method = "rank",
    weights: Mapping[str, float] | None = None,
    min_components: int = 1,
) -> CoordinationGapIndex:
    """Build the index from the results of the other coordination measures.

    Parameters
    ----------
    rerouting : ReroutingResults or DataFrame, optional
        Its ``to_frame()`` (columns ``ratio`` and ``p_shortfall``, reporters in the index).
    timing : AdoptionTiming, optional
    lists : ListOverlap, optional
    allies : list of str, optional
        Rows of the index; default every ally found in the inputs (EU member states included
        when ``rerouting`` covers them).
    member_of : mapping ally -> jurisdiction, optional
        Where an ally has no timing or list value of its own, take its jurisdiction's. Default:
        EU27 member states -> ``"EU"``.
    min_p_shortfall : float
        Substitution ratios of allies whose shortfall is positive in fewer draws are dropped.
    timing_agg : {"median", "mean"}
        How lags are combined across kinds of measure.
    not_adopted : {"last", "ignore"}
        How a kind the ally never adopted counts (see the module docstring).
    method, weights, min_components : see :func:`gap_index`.

    Returns
    -------
    CoordinationGapIndex
    """
    if member_of is None:
        from sanctions_model.data.countries import EU27

        member_of = {m: "EU" for m in EU27}
    cols: dict[str, pd.Series] = {}
    if rerouting is not None:
        rf = rerouting if isinstance(rerouting, pd.DataFrame) else rerouting.to_frame()
        ratio = rf["ratio"].where(rf["p_shortfall"] >= min_p_shortfall)
        cols["substitution_ratio"] = ratio
    if timing is not None:
        cols["adoption_lag_days"] = _timing_component(timing, timing_agg, not_adopted)
    if lists is not None:
        cov = lists if isinstance(lists, pd.DataFrame) else lists.coverage()
        cols["list_gap"] = (1 - cov["coverage"]).rename("list_gap")
    if not cols:
        raise ParameterError("give at least one of rerouting, timing, lists")
    names = allies
    if names is None:
        seen: dict[str, None] = {}
        for s in cols.values():
            for a in s.index:
                seen.setdefault(str(a), None)
        names = list(seen)
    frame = pd.DataFrame(index=pd.Index(names, name="ally"))
    for c, s in cols.items():
        own = s.reindex(frame.index)
        inherited = pd.Series(
            [
                s.get(member_of.get(a)) if member_of.get(a) in s.index else np.nan
                for a in frame.index
            ],
            index=frame.index,
            dtype=float,
        )
        frame[c] = own.fillna(inherited) if c != "substitution_ratio" else own
    return gap_index(frame, method=method, weights=weights, min_components=min_components)
