"""Seasonally adjusted series (statsmodels STL), so headlines compare with Eurostat's SA figures.

Eurostat publishes headline changes of seasonally and calendar adjusted series (e.g. "EU exports to
Russia fell by 61% between February 2022 and September 2023"). :func:`seasonally_adjust` removes
the seasonal component with a robust STL decomposition (Cleveland et al. 1990) of the log series,
and :meth:`SeasonalAdjustment.change` gives the change of the adjusted level between two months,
the quantity such a headline states. It is a description, not an estimate of a causal effect: no
counterfactual, no interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import STL

from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

from ._results import ResultsDisplayMixin, Summary, as_period_index, to_period

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["SeasonalAdjustment", "applies_to", "compare_with_published", "seasonally_adjust"]


@dataclass(frozen=True, eq=False, repr=False)
class SeasonalAdjustment(ResultsDisplayMixin):
    """An STL decomposition (read-only): observed, adjusted, trend, seasonal, resid by month."""

    frame: pd.DataFrame
    log: bool
    period: int
    robust: bool
    caveats: tuple[str, ...] = ()

    @property
    def adjusted(self) -> pd.Series:
        """The seasonally adjusted series, in the units of the observed one."""
        return self.frame["adjusted"].copy()

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def change(self, start: Any, end: Any) -> float:
        """Relative change of the adjusted level from ``start`` to ``end`` (``-0.61`` = -61%)."""
        a, b = to_period(start), to_period(end)
        for d in (a, b):
            if d not in self.frame.index:
                raise ParameterError(
                    f"{d} is outside the adjusted series ({self.frame.index[0]} to "
                    f"{self.frame.index[-1]})"
                )
        sa = self.frame["adjusted"]
        return float(sa[b] / sa[a] - 1)

    def summary(self) -> Summary:
        return Summary(
            title="Seasonal adjustment (STL)",
            facts={
                "Months": len(self.frame),
                "Span": f"{self.frame.index[0]} to {self.frame.index[-1]}",
                "Decomposition": f"STL of {'log ' if self.log else ''}values, period "
                f"{self.period}, {'robust' if self.robust else 'not robust'}",
                "Seasonal amplitude": fmt.pct(self._amplitude(), signed=False),
            },
            notes=list(self.caveats),
        )

    def _amplitude(self) -> float:
        s = self.frame["seasonal_factor"]
        return float(s.max() / s.min() - 1)

    def plot(self, *, title: str | None = None, units: str = "EUR") -> Figure:
        """Observed and seasonally adjusted series."""
        import matplotlib.pyplot as plt

        x = self.frame.index.to_timestamp()
        fig, ax = plt.subplots(figsize=(9, 3.5), constrained_layout=True)
        ax.plot(x, self.frame["observed"], color="grey", lw=0.9, label="Observed")
        ax.plot(x, self.frame["adjusted"], color="black", lw=1.4, label="Seasonally adjusted (STL)")
        ax.set_ylabel(units)
        if units.split(" ")[0] in ("EUR", "USD"):
            from sanctions_model.reporting.plots import money_axis

            money_axis(ax, units.split(" ")[0])
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_title(title or "Observed and seasonally adjusted")
        return fig


def seasonally_adjust(
    y: pd.Series, *, log: bool = True, period: int = 12, robust: bool = True
) -> SeasonalAdjustment:
    """Seasonally adjust a monthly series with STL.

    Parameters
    ----------
    y : Series
        Monthly values (date or period index); gaps are filled by linear interpolation of the log
        values for the decomposition (and listed in ``caveats``).
    log : bool
        Decompose ``log(y)`` (multiplicative seasonality, as in Eurostat's adjustment of trade).
    period : int
        Seasonal period.
    robust : bool
        Robust STL: outlying months (the 2020 lockdowns, the invasion) do not distort the
        seasonal pattern.
    """
    if not isinstance(y, pd.Series):
        raise ParameterError("y must be a pandas Series with a monthly index")
    s = y.copy()
    s.index = as_period_index(s.index)
    s = s.sort_index()
    s = s.reindex(pd.period_range(s.index[0], s.index[-1], freq="M")).astype(float)
    if s.notna().sum() < 2 * period + 1:
        raise ParameterError(
            f"seasonal adjustment needs at least {2 * period + 1} observed months, got "
            f"{int(s.notna().sum())}"
        )
    if log and (s.dropna() <= 0).any():
        raise ParameterError("log=True needs positive values for seasonal adjustment")
    caveats = []
    z = np.log(s) if log else s
    if z.isna().any():
        caveats.append(f"{int(z.isna().sum())} missing month(s) interpolated for the decomposition")
        z = z.interpolate(limit_direction="both")
    res = STL(z.to_numpy(), period=period, robust=robust).fit()
    seas = pd.Series(res.seasonal, index=s.index)
    adj_z = z - seas
    inv = np.exp if log else (lambda v: v)
    frame = pd.DataFrame(
        {
            "observed": s,
            "adjusted": inv(adj_z),
            "trend": inv(pd.Series(res.trend, index=s.index)),
            "seasonal": seas,
            "seasonal_factor": np.exp(seas) if log else seas,
            "resid": pd.Series(res.resid, index=s.index),
        }
    )
    frame.index.name = "period"
    return SeasonalAdjustment(
        frame=frame, log=log, period=period, robust=robust, caveats=tuple(caveats)
    )


#: Eurostat's published headline: EU exports to Russia, seasonally adjusted, Feb 2022 to Sep 2023.
EUROSTAT_SA_EXPORTS_RU = {
    "change": -0.61,
    "start": "2022-02",
    "end": "2023-09",
    "flow": ("EU27_2020", "RU", "export"),
    "what": "EU exports to Russia, seasonally adjusted, February 2022 to September 2023 "
    "(Eurostat, 'EU trade with Russia - latest developments')",
}


def applies_to(reporter: str, partner: str, flow: str, product: str | None) -> bool:
    """Whether Eurostat's published -61% is about this flow (EU27 total exports to Russia)."""
    return (reporter, partner, flow) == EUROSTAT_SA_EXPORTS_RU["flow"] and product in (
        None,
        "TOTAL",
    )


def _path_words(counterfactual: Any) -> tuple[str, str]:
    """What the counterfactual path carries forward, in the words of the model(s) it simulates:
    no "trend", "seasonal pattern" or "drift" unless a model used has one."""
    config = getattr(counterfactual, "config", None)
    models = list(getattr(config, "models_averaged", ()) or ())
    if not models and config is not None:
        models = [f"{config.trend_chosen}" + (" + seasonal" if config.seasonal_chosen else "")]
    trend = any("trend" in m for m in models)
    drift = any("drift" in m for m in models)
    seasonal = any("seasonal" in m for m in models)
    parts = ["level"] + (["trend"] if trend else []) + (["drift"] if drift else [])
    parts += ["seasonal pattern"] if seasonal else []
    carried = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]
    path = f"its own pre-period {carried} would have taken it"
    if not (trend or drift):
        return f"its own pre-period {carried} would have kept it", (
            "a change of level late in the pre-period moves the gap (the chosen model carries "
            "forward the level reached at the end of the pre-period"
            + (", with its seasonal pattern)" if seasonal else ")")
        )
    slope = " and ".join((["trend"] if trend else []) + (["drift"] if drift else []))
    return path, f"the pre-period {slope} widens or narrows the gap"


def compare_with_published(
    sa: SeasonalAdjustment,
    counterfactual: Any,
    *,
    published: float = EUROSTAT_SA_EXPORTS_RU["change"],  # type: ignore[assignment]
    start: str = EUROSTAT_SA_EXPORTS_RU["start"],  # type: ignore[assignment]
    end: str = EUROSTAT_SA_EXPORTS_RU["end"],  # type: ignore[assignment]
    applies: bool = True,
    nominal: Any = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Our seasonally adjusted change, the counterfactual effect and the published figure, side by side.

    Parameters
    ----------
    sa : SeasonalAdjustment
        The STL adjustment of the flow *in current prices* (the published figure is nominal).
    counterfactual : CounterfactualResults
        Its monthly counterfactual (in real terms by default); its pointwise relative effect in
        ``end`` and its average effect are shown, labelled with their price basis.
    published : float
        The published seasonally adjusted change from ``start`` to ``end``.
    applies : bool
        Whether the published figure is about this flow (else it is left out of the table).
    nominal : CounterfactualResults, optional
        The same counterfactual in current prices, shown beside the real one.

    Returns
    -------
    (table, sentences)
    """
    a, b = to_period(start), to_period(end)
    rows = []
    inside = a in sa.frame.index and b in sa.frame.index
    if inside:
        rows.append(
            ("STL seasonally adjusted level (this notebook)", f"{a} to {b}",
             sa.change(a, b), "adjusted level in the last month against the first: a "
             "before/after change")
        )  # fmt: skip
    fits = [counterfactual] + ([nominal] if nominal is not None else [])
    for cf in fits:
        basis = getattr(cf, "price_basis", "current prices")
        eff = cf.effects_frame()
        if b in eff.index and bool(eff.loc[b, "post"]):
            rows.append(
                (f"Monthly counterfactual, {basis} (this notebook)", f"{b}",
                 cf.month_effect(b).estimate,
                 f"observed {b} against the counterfactual path projected from the pre-period")
            )  # fmt: skip
        rows.append(
            (f"Monthly counterfactual, average, {basis} (this notebook)",
             f"{cf.post_period[0]} to {cf.post_period[1]}", cf.headline().estimate,
             "mean of observed / counterfactual - 1 over the months")
        )  # fmt: skip
    if applies:
        rows.append(("Eurostat (published)", f"{a} to {b}", published,
                     "seasonally and calendar adjusted level in current prices, before/after"))  # fmt: skip
    table = pd.DataFrame(rows, columns=["source", "period", "change", "compares"])
    text = []
    if inside and applies:
        ours = sa.change(a, b)
        text.append(
            f"Seasonally adjusted with STL, the flow in current prices changed by {fmt.pct(ours)} "
            f"from {a} to {b}; Eurostat publishes {fmt.pct(published)} for the same months, also "
            "in current prices (nominal). Both are before/after changes of one adjusted month "
            "against another, with no counterfactual. They differ because Eurostat adjusts with "
            "JDemetra+ (TRAMO-SEATS or X-13) including calendar (working-day) effects on its own, "
            "later-revised data, while STL here estimates one seasonal pattern from this series "
            "alone, robust to the 2020 and 2022 outliers; a single month's adjusted value also "
            "carries that month's irregular movement."
        )
    elif inside:
        text.append(
            f"Seasonally adjusted with STL, the flow in current prices changed by "
            f"{fmt.pct(sa.change(a, b))} from {a} to {b} (a before/after change, no "
            "counterfactual)."
        )
    else:
        text.append(
            f"The data do not cover both {a} and {b}, so the seasonally adjusted change over "
            "Eurostat's headline period cannot be computed here."
        )
    est = counterfactual.headline().estimate
    where = "below" if est < 0 else "above" if est > 0 else "at"
    basis = getattr(counterfactual, "price_basis", "current prices")
    path, moves = _path_words(counterfactual)
    text.append(
        "The counterfactual effect answers a different question: not how far the flow moved "
        f"from its level just before the invasion, but how far it sits {where} where {path} "
        f"({basis}), so {moves}."
    )
    if basis != "current prices":
        text.append(
            "In real terms the 2022-23 price rise is taken out of both the flow and its "
            "counterfactual: a nominal figure counts part of that rise as trade."
        )
    return table, text
