"""Re-routing (leakage): do an ally's lost exports to Russia reappear in exports to its neighbours?

Per sanctioning reporter ``r`` and evaluation window ``W`` (default: from the first sanctioned
month to the last month of data):

- **shortfall** ``S_r = sum_{t in W} (Yhat_{r,RU,t} - Y_{r,RU,t})``: exports to the target lost
  against the counterfactual ``Yhat`` (positive = fewer exports than expected);
- **excess** ``E_r = sum_{p in P} sum_{t in W} (Y_{r,p,t} - Yhat_{r,p,t})``: exports to the
  re-routing partners ``P`` above their counterfactuals;
- **substitution ratio** ``R_r = E_r / S_r``: euros of extra exports to the partners per euro
  of exports lost to Russia. 0 = no re-routing; 1 = every lost euro reappears next door (an
  upper bound on leakage: part of the excess may be genuine demand growth in the partners).

Amounts are in the table's currency units (``value * unit_scale``) and, by default, at
``base``-year prices: each monthly value is deflated by its currency's price index before the
counterfactuals are fitted, because current prices through the 2022-23 price surge lift the
partners' excess and shrink the shortfall (``real=False`` keeps them, as a robustness row).

Counterfactuals come from :func:`sanctions_model.models.estimate_counterfactual` (a structural
time-series model fitted on the pre-period of each series, log scale, monthly seasonal),
which returns simulated counterfactual paths that include parameter, state and observation
uncertainty.

Interval for the ratio (simulation)
-----------------------------------
Each series ``s`` gives ``K`` simulated counterfactual paths ``Yhat^(k)_s``. For draw ``k``,
``S^(k) = sum_t (Yhat^(k)_RU,t - Y_RU,t)``, ``E^(k) = sum_p sum_t (Y_p,t - Yhat^(k)_p,t)`` and
``R^(k) = E^(k) / S^(k)``. The point estimate is the ratio of expected values
``mean(E^(k)) / mean(S^(k))`` and its interval the Fieller-type set of :mod:`.substitution`
(``theta`` is inside when zero lies in the central interval of the draws of ``E - theta S``), so
the estimate lies inside its interval (a median/median estimate with percentile interval of the
ratio draws could lie outside it). Draws of different series
are paired by index; the series are fitted separately with independent seeds, so this treats
their forecast errors as independent (a common shock to all of a reporter's exports would widen
the true interval). When ``S^(k) <= 0`` for some draws (no clear shortfall) the ratio is not
meaningful and the interval is wide; ``p_shortfall`` reports the share of draws with
``S^(k) > 0``.

The maths is in :func:`substitution_ratio`, which takes any :class:`CounterfactualDraws`, so it
can be tested and reused without the time-series models.

Months missing from the data (Comext omits zero cells) are treated as missing in the fitting
period and as zero in the evaluation window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from sanctions_model._results import validate_alpha as _validate_alpha
from sanctions_model.coordination._display import SummaryDisplayMixin, require_columns
from sanctions_model.coordination.substitution_results import _fieller
from sanctions_model.coordination.units import in_currency_units
from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "CounterfactualDraws",
    "SubstitutionEstimate",
    "ReroutingResults",
    "substitution_ratio",
    "estimate_rerouting",
]

DEFAULT_PARTNERS: tuple[str, ...] = ("AM", "GE", "KZ", "KG", "UZ")


# --------------------------------------------------------------------------------------------
# the maths on abstract draws


@dataclass(frozen=True, eq=False)
class CounterfactualDraws:
    """Observed values and simulated counterfactual paths of one series over an evaluation window.

    Parameters
    ----------
    index : pandas.PeriodIndex
        Months of the window, length ``n``.
    observed : array, shape (n,)
        Observed values (NaN is read as zero: a month without recorded trade).
    draws : array, shape (n_sims, n)
        Simulated counterfactual paths, in the same units.
    """

    index: pd.PeriodIndex
    observed: np.ndarray
    draws: np.ndarray

    def __post_init__(self) -> None:
        obs = np.nan_to_num(np.asarray(self.observed, dtype=float), nan=0.0)
        dr = np.asarray(self.draws, dtype=float)
        if dr.ndim != 2 or dr.shape[1] != obs.shape[0] or len(self.index) != obs.shape[0]:
            raise ParameterError(
                f"draws must have shape (n_sims, {obs.shape[0]}) matching the index; got {dr.shape}"
            )
        obs.setflags(write=False)
        dr = dr.copy()
        dr.setflags(write=False)
        object.__setattr__(self, "observed", obs)
        object.__setattr__(self, "draws", dr)
        object.__setattr__(self, "index", pd.PeriodIndex(self.index))

    @property
    def n_sims(self) -> int:
        return int(self.draws.shape[0])

    @classmethod
    def from_results(cls, results: Any) -> CounterfactualDraws:
        """From a :class:`sanctions_model.models.CounterfactualResults` (its post period)."""
        first, last = results.post_period
        index = pd.period_range(first, last, freq="M")
        obs = results.observed.reindex(index).to_numpy(dtype=float)
        return cls(index=index, observed=obs, draws=results.counterfactual_draws)

    def window(self, start: Any = None, end: Any = None) -> CounterfactualDraws:
        """The same draws restricted to months in ``[start, end]``."""
        mask = np.ones(len(self.index), dtype=bool)
        if start is not None:
            mask &= np.asarray(self.index >= pd.Period(start, "M"))
        if end is not None:
            mask &= np.asarray(self.index <= pd.Period(end, "M"))
        if not mask.any():
            raise ParameterError(
                f"window {start}..{end} does not overlap {self.index[0]}..{self.index[-1]}"
            )
        return CounterfactualDraws(self.index[mask], self.observed[mask], self.draws[:, mask])

    def gap_draws(self) -> np.ndarray:
        """Draws of ``sum_t (observed_t - counterfactual_t)``, shape (n_sims,)."""
        return self.observed.sum() - self.draws.sum(axis=1)


@dataclass(frozen=True, repr=False, eq=False)
class SubstitutionEstimate(SummaryDisplayMixin):
    """Shortfall, excess and substitution ratio of one reporter, with their draws.

    Attributes
    ----------
    shortfall_draws : array (n_sims,)
        ``S^(k)``: lost exports to the target (positive = below counterfactual).
    excess_draws : dict of partner -> array (n_sims,)
        Extra exports to each partner.
    index : PeriodIndex
        The evaluation window.
    alpha : float
    units : str
        Units of the amounts (``EUR at 2021 prices``).
    """

    shortfall_draws: np.ndarray
    excess_draws: Mapping[str, np.ndarray]
    index: pd.PeriodIndex
    alpha: float = 0.05
    units: str = "EUR"

    @property
    def total_excess_draws(self) -> np.ndarray:
        return np.sum(np.vstack(list(self.excess_draws.values())), axis=0)

    @property
    def ratio_draws(self) -> np.ndarray:
        s = self.shortfall_draws
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s != 0, self.total_excess_draws / s, np.nan)

    @property
    def shortfall(self) -> float:
        """Mean shortfall to the target over the window (EUR)."""
        return float(np.mean(self.shortfall_draws))

    @property
    def excess(self) -> float:
        """Mean total excess to the partners over the window (EUR)."""
        return float(np.mean(self.total_excess_draws))

    @property
    def ratio(self) -> float:
        """Point substitution ratio ``mean(E) / mean(S)`` (a ratio of expected values)."""
        return self.excess / self.shortfall if self.shortfall != 0 else float("nan")

    @property
    def p_shortfall(self) -> float:
        """Share of draws with a positive shortfall."""
        return float(np.mean(self.shortfall_draws > 0))

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Estimate and percentile interval of shortfall, excess (total and per partner), ratio."""
        a = self.alpha if alpha is None else _validate_alpha(alpha)
        q = [a / 2, 1 - a / 2]
        rows = {
            "shortfall": (self.shortfall, *np.quantile(self.shortfall_draws, q)),
            "excess": (self.excess, *np.quantile(self.total_excess_draws, q)),
            "ratio": (self.ratio, *_fieller(self.total_excess_draws, self.shortfall_draws, a)),
        }
        for p, d in self.excess_draws.items():
            rows[f"excess_{p}"] = (float(np.mean(d)), *np.quantile(d, q))
        return pd.DataFrame.from_dict(rows, orient="index", columns=["estimate", "lower", "upper"])

    def to_frame(self) -> pd.DataFrame:
        return self.conf_int()

    def summary(self) -> str:
        ci = self.conf_int()
        r = ci.loc["ratio"]
        return (
            f"Substitution ratio {r['estimate']:.2f} [{r['lower']:.2f}, {r['upper']:.2f}] over "
            f"{self.index[0]}..{self.index[-1]}: shortfall {self.shortfall / 1e6:,.0f}m, "
            f"excess {self.excess / 1e6:,.0f}m ({self.units}); "
            f"P(shortfall > 0) = {self.p_shortfall:.2f}"
        )


def substitution_ratio(
    target: CounterfactualDraws,
    partners: Mapping[str, CounterfactualDraws],
    *,
    window: tuple[Any, Any] | None = None,
    alpha: float = 0.05,
    units: str = "EUR",
) -> SubstitutionEstimate:
    """Substitution ratio ``excess to partners / shortfall to target`` from counterfactual draws.

    Parameters
    ----------
    target : CounterfactualDraws
        Exports to the sanctioned country.
    partners : mapping of partner code -> CounterfactualDraws
        Exports to each re-routing partner; same number of draws as ``target``.
    window : (start, end), optional
        Restrict every series to months in ``[start, end]`` (either may be None).
    alpha : float
        1 - coverage of the default intervals.
    units : str
        Units of the draws, for the summary (``EUR at 2021 prices``).

    Returns
    -------
    SubstitutionEstimate
        See the module docstring for the estimator and its interval.
    """
    alpha = _validate_alpha(alpha)
    if not partners:
        raise ParameterError("need at least one partner series")
    if window is not None:
        target = target.window(*window)
        partners = {p: d.window(*window) for p, d in partners.items()}
    n = target.n_sims
    for p, d in partners.items():
        if d.n_sims != n:
            raise ParameterError(f"partner {p} has {d.n_sims} draws, target has {n}")
        if not d.index.equals(target.index):
            raise ParameterError(f"partner {p} covers other months than the target")
    shortfall = -target.gap_draws()
    excess = {p: d.gap_draws() for p, d in partners.items()}
    return SubstitutionEstimate(
        shortfall_draws=shortfall, excess_draws=excess, index=target.index, alpha=alpha,
        units=units,
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# per reporter, on a trade panel


def _monthly(trade: pd.DataFrame, reporter: str, partner: str, index: pd.PeriodIndex) -> pd.Series:
    s = trade[(trade["reporter"] == reporter) & (trade["partner"] == partner)]
    s = s.groupby("period")["value"].sum()
    return s.reindex(index).astype(float)


def _export_panel(
    trade: pd.DataFrame | None, product: str = "TOTAL", source: str = "eurostat_comext"
) -> pd.DataFrame:
    if trade is None:
        from sanctions_model.data import load_trade

        trade = load_trade(source, flow="export", product=product)
    require_columns(trade, ["reporter", "partner", "period", "value"], "trade")
    t = trade
    if "flow" in t.columns:
        t = t[t["flow"] == "export"]
    if "product" in t.columns and product is not None:
        t = t[t["product"] == product]
    if t.empty:
        raise ParameterError(f"no export rows with product {product!r} in the trade frame")
    t = in_currency_units(t, "trade")  # value * unit_scale, one currency
    if not isinstance(t["period"].dtype, pd.PeriodDtype):
        t["period"] = pd.PeriodIndex(t["period"], freq="M")
    return t


def _default_reporters(trade: pd.DataFrame) -> list[str]:
    from sanctions_model.data.countries import EU27

    present = set(trade["reporter"])
    eu = [r for r in EU27 if r in present]
    return eu or sorted(present)


@dataclass(frozen=True, repr=False, eq=False)
class ReroutingResults(SummaryDisplayMixin):
    """Result of :func:`estimate_rerouting` (read-only).

    Attributes
    ----------
    estimates : dict of reporter -> SubstitutionEstimate
    series_effects : pandas.DataFrame
        Per reporter and partner (target included): ``observed``, ``counterfactual``,
        ``gap`` (observed - counterfactual, in ``units``) with ``gap_lower``/``gap_upper``, and
        ``relative`` (``observed / counterfactual - 1``), over the window.
    skipped : pandas.DataFrame
        Series left out (``reporter``, ``partner``, ``reason``).
    window : (Period, Period)
    target : str
    partners : tuple of str
    alpha : float
    fits : dict of (reporter, partner) -> CounterfactualResults
        The fitted counterfactual models (for their own plots and diagnostics).
    units : str
        The units of every amount (``EUR at 2021 prices`` by default).
    """

    estimates: Mapping[str, SubstitutionEstimate]
    series_effects: pd.DataFrame
    skipped: pd.DataFrame
    window: tuple[pd.Period, pd.Period]
    target: str
    partners: tuple[str, ...]
    alpha: float = 0.05
    fits: Mapping[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    units: str = "EUR"

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Substitution ratio intervals per reporter (columns ``lower``, ``upper``)."""
        rows = {
            r: e.conf_int(alpha).loc["ratio", ["lower", "upper"]] for r, e in self.estimates.items()
        }
        return pd.DataFrame(rows).T.rename_axis("reporter")

    def to_frame(self, alpha: float | None = None) -> pd.DataFrame:
        """One row per reporter: shortfall, excess, ratio with intervals, and ranks.

        ``rank_ratio`` ranks reporters by substitution ratio (1 = most re-routing per euro lost);
        ``rank_excess`` by the euro amount of excess exports to the partners.
        ``clear_shortfall`` is True when the shortfall interval lies above zero (at least
        ``1 - alpha/2`` of the draws positive); the ratio of a reporter without one (exports to
        the target that did not clearly fall) is not meaningful.
        """
        rows = []
        for r, e in self.estimates.items():
            ci = e.conf_int(alpha)
            row: dict[str, Any] = {"reporter": r}
            for k in ("shortfall", "excess", "ratio"):
                row[k] = ci.loc[k, "estimate"]
                row[f"{k}_lower"] = ci.loc[k, "lower"]
                row[f"{k}_upper"] = ci.loc[k, "upper"]
            row["p_shortfall"] = e.p_shortfall
            row["clear_shortfall"] = e.p_shortfall >= 1 - e.alpha / 2
            row["partners_used"] = ",".join(e.excess_draws)
            rows.append(row)
        out = pd.DataFrame(rows).set_index("reporter")
        if len(out):
            out["rank_ratio"] = out["ratio"].rank(ascending=False, method="min").astype("Int64")
            out["rank_excess"] = out["excess"].rank(ascending=False, method="min").astype("Int64")
        return out.sort_values("ratio", ascending=False)

    def ranking(
        self, by: Literal["ratio", "excess"] = "ratio", *, clear_only: bool = False
    ) -> pd.DataFrame:
        """Reporters sorted by ``by`` (descending), with the estimate and interval.

        ``clear_only=True`` keeps reporters with a clear shortfall (see :meth:`to_frame`).
        """
        if by not in ("ratio", "excess"):
            raise ParameterError(f"by must be 'ratio' or 'excess', got {by!r}")
        f = self.to_frame()
        if clear_only:
            f = f[f["clear_shortfall"]]
        cols = [by, f"{by}_lower", f"{by}_upper", f"rank_{by}", "clear_shortfall"]
        return f.sort_values(by, ascending=False)[cols]

    def summary(self) -> str:
        f = self.to_frame()
        lines = [
            f"Re-routing of exports to {self.target} via {', '.join(self.partners)}, "
            f"window {self.window[0]}..{self.window[1]}, {fmt.level(self.alpha)} intervals; "
            f"{len(f)} reporters ({len(self.skipped)} series skipped); amounts in {self.units}",
            "",
        ]
        for r, row in f.iterrows():
            lines.append(
                f"{r:<4} ratio {row['ratio']:6.2f} [{row['ratio_lower']:6.2f}, "
                f"{row['ratio_upper']:6.2f}]  shortfall {row['shortfall'] / 1e6:10,.0f}m  "
                f"excess {row['excess'] / 1e6:9,.0f}m"
            )
        return "\n".join(lines)

    def plot(
        self,
        ax: Axes | None = None,
        *,
        by: Literal["ratio", "excess"] = "ratio",
        clear_only: bool = True,
    ) -> Axes:
        """Reporters ranked by substitution ratio (or excess), with intervals.

        ``clear_only`` (default) leaves out reporters without a clear shortfall, whose ratio is
        not meaningful. The ratio axis is limited to the range of the point estimates plus a
        margin (at least -0.5 to 1.2); longer intervals run off the chart.
        """
        import matplotlib.pyplot as plt

        f = self.to_frame()
        if clear_only and by == "ratio":
            f = f[f["clear_shortfall"]]
        f = f.sort_values(by)
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.28 * len(f) + 1.5))
        scale = 1.0 if by == "ratio" else 1e6
        est = f[by] / scale
        err = np.vstack([est - f[f"{by}_lower"] / scale, f[f"{by}_upper"] / scale - est])
        y = np.arange(len(f))
        ax.errorbar(
            est, y, xerr=np.clip(err, 0, None), fmt="o", color="C0", ecolor="0.6", capsize=2
        )
        ax.set_yticks(y, f.index)
        ax.axvline(0, color="0.4", lw=0.8)
        if by == "ratio":
            ax.axvline(1, color="0.7", lw=0.8, ls=":")
            if len(est):
                ax.set_xlim(min(-0.5, est.min() - 0.2), max(1.2, est.max() + 0.2))
            ax.set_xlabel(
                f"substitution ratio: excess exports to partners per unit lost to {self.target} "
                f"({self.units})"
            )
        else:
            ax.set_xlabel(f"excess exports to partners, millions ({self.units})")
        ax.set_title(
            f"Re-routing via {', '.join(self.partners)} ({self.window[0]}..{self.window[1]}, "
            f"{fmt.level(self.alpha)} intervals)"
        )
        return ax


def estimate_rerouting(
    trade: pd.DataFrame | None = None,
    *,
    reporters: Sequence[str] | None = None,
    target: str = "RU",
    partners: Sequence[str] = DEFAULT_PARTNERS,
    intervention: Any = "2022-03",
    window: tuple[Any, Any] | None = None,
    alpha: float = 0.05,
    n_sims: int = 1000,
    n_param_draws: int = 100,
    seasonal: int | None = 12,
    min_pre_obs: int = 24,
    seed: int = 0,
    counterfactual_options: Mapping[str, Any] | None = None,
    real: bool = True,
    deflator: Any = None,
    base: int = 2021,
) -> ReroutingResults:
    """Shortfall to the target, excess to the partners and substitution ratio, per reporter.

    Parameters
    ----------
    trade : pandas.DataFrame, optional
        Tidy trade frame (``load_trade`` layout). Default:
        ``load_trade("eurostat_comext", flow="export", product="TOTAL")``.
    reporters : sequence of str, optional
        Default: the EU member states present in ``trade``.
    target : str, default "RU"
    partners : sequence of str, default ("AM", "GE", "KZ", "KG", "UZ")
    intervention : month, default "2022-03"
        First sanctioned month; counterfactuals are fitted on the months before it.
    window : (start, end), optional
        Evaluation window inside the post period (default: intervention to last month).
    alpha : float, default 0.05
    n_sims, n_param_draws, seasonal : passed to :func:`sanctions_model.models.estimate_counterfactual`.
    min_pre_obs : int, default 24
        Series with fewer observed pre-period months are skipped (listed in ``skipped``).
    seed : int
        Master seed; each series gets its own seed drawn from it.
    counterfactual_options : mapping, optional
        Further options of ``estimate_counterfactual`` (e.g. ``{"trend": "local linear trend"}``).
    real, deflator, base : real terms
        By default every monthly value is deflated by the price index of its currency (EUR:
        euro-area HICP) to ``base``-year prices before the counterfactuals are fitted: in current
        prices the 2022-23 price surge lifts the partners' excess and shrinks the shortfall, which
        biases the ratio up. ``real=False`` keeps current prices (the robustness row); see
        :func:`~.real_terms.price_config` for ``deflator``.

    Returns
    -------
    ReroutingResults

    Notes
    -----
    About 0.5 s per series with the defaults: the 27 member states x 6 series take about a
    minute and a half. Lower ``n_param_draws`` / ``n_sims`` for a quick look.
    """
    from sanctions_model.coordination.real_terms import price_config
    from sanctions_model.models import estimate_counterfactual

    alpha = _validate_alpha(alpha)
    prices = price_config(real, deflator, base=base)
    t = _export_panel(trade)
    currency = t.attrs.get("currency") or "EUR"
    t = prices.apply_rows(t, currency)
    reps = list(reporters) if reporters is not None else _default_reporters(t)
    partners = tuple(partners)
    if target in partners:
        raise ParameterError(f"target {target!r} is also listed among the partners")
    start = pd.Period(intervention, "M")
    full = pd.period_range(t["period"].min(), t["period"].max(), freq="M")
    if start <= full[0] or start > full[-1]:
        raise ParameterError(f"intervention {start} outside the data span {full[0]}..{full[-1]}")
    w0 = pd.Period(window[0], "M") if window and window[0] is not None else start
    w1 = pd.Period(window[1], "M") if window and window[1] is not None else full[-1]
    if w0 < start or w1 > full[-1] or w1 < w0:
        raise ParameterError(f"window {w0}..{w1} must lie within {start}..{full[-1]}")

    rng = np.random.default_rng(seed)
    opts = dict(counterfactual_options or {})
    estimates: dict[str, SubstitutionEstimate] = {}
    fits: dict[tuple[str, str], Any] = {}
    effects, skipped = [], []
    pre_mask = np.asarray(full < start)
    for r in reps:
        draws: dict[str, CounterfactualDraws] = {}
        for p in (target, *partners):
            y = _monthly(t, r, p, full)
            n_pre = int(y[pre_mask].notna().sum())
            s_seed = int(rng.integers(2**31 - 1))
            if n_pre < min_pre_obs:
                skipped.append((r, p, f"{n_pre} observed pre-period months < {min_pre_obs}"))
                continue
            try:
                res = estimate_counterfactual(
                    y,
                    start,
                    log=True,
                    seasonal=seasonal,
                    alpha=alpha,
                    n_sims=n_sims,
                    n_param_draws=n_param_draws,
                    seed=s_seed,
                    **opts,
                )
            except Exception as exc:  # noqa: BLE001 - one failed series must not stop the ranking
                skipped.append((r, p, f"counterfactual failed: {exc}"))
                continue
            fits[(r, p)] = res
            d = CounterfactualDraws.from_results(res).window(w0, w1)
            draws[p] = d
            gap = d.gap_draws()
            cf = d.draws.sum(axis=1)
            lo, hi = np.quantile(gap, [alpha / 2, 1 - alpha / 2])
            effects.append(
                {
                    "reporter": r,
                    "partner": p,
                    "role": "target" if p == target else "partner",
                    "observed": d.observed.sum(),
                    "counterfactual": float(np.median(cf)),
                    "gap": float(np.median(gap)),
                    "gap_lower": lo,
                    "gap_upper": hi,
                    "relative": d.observed.sum() / float(np.median(cf)) - 1,
                }
            )
        if target not in draws:
            skipped.append((r, "*", f"no counterfactual for exports to {target}"))
            continue
        pd_ = {p: draws[p] for p in partners if p in draws}
        if not pd_:
            skipped.append((r, "*", "no partner series"))
            continue
        estimates[r] = substitution_ratio(
            draws[target], pd_, alpha=alpha, units=prices.units(currency)
        )
    if not estimates:
        raise ParameterError("no reporter could be estimated; see the skipped series")
    return ReroutingResults(
        estimates=estimates,
        series_effects=pd.DataFrame(effects),
        skipped=pd.DataFrame(skipped, columns=["reporter", "partner", "reason"]),
        window=(w0, w1),
        target=target,
        partners=partners,
        alpha=alpha,
        fits=fits,
        units=prices.units(currency),
    )
