"""Backtests of the monthly counterfactual on the pre-intervention months.

* :func:`compare_models`: rolling-origin forecasts over the pre-period for each candidate
  structural model (local level, local linear trend, random walk with drift, level with drift
  + AR(1); with and without a monthly seasonal), scored out of sample by the continuous ranked
  probability score (CRPS) and the log score of the Gaussian predictive densities; the best CRPS
  is chosen.
* :func:`placebo_backtest`: the counterfactual re-estimated at pseudo-intervention dates spread
  over the pre-period, where the true effect is zero: its false-positive rate (share of 95%
  intervals that exclude zero) and its bias (mean placebo effect).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

from ._results import ResultsDisplayMixin, Summary, to_period
from ._structural import TRENDS, StructuralFit, TrendKind, dynamic_forecasts, fit_structural

if TYPE_CHECKING:
    from .counterfactual import CounterfactualResults

__all__ = [
    "ModelChoiceResults",
    "PlaceboResults",
    "candidate_models",
    "compare_models",
    "crps_normal",
    "placebo_backtest",
]


def crps_normal(y: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """CRPS of a normal predictive distribution at outcome ``y`` (lower is better)."""
    z = (y - mean) / sd
    return sd * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))


def candidate_models(
    trend: TrendKind | str = "auto", seasonal: int | None | str = "auto"
) -> list[tuple[TrendKind, int | None]]:
    """The (trend, seasonal) pairs to compare: all three trends and seasonal 12 / none by default."""
    trends = list(TRENDS) if trend == "auto" else [trend]
    seasonals = [12, None] if seasonal == "auto" else [seasonal]
    for t in trends:
        if t not in TRENDS:
            raise ParameterError(f"trend must be 'auto' or one of {list(TRENDS)}, got {t!r}")
    return list(itertools.product(trends, seasonals))  # type: ignore[arg-type]


def model_label(trend: str, seasonal: int | None) -> str:
    """``local level + seasonal(12)``."""
    return f"{trend} + seasonal({seasonal})" if seasonal else trend


@dataclass(frozen=True, eq=False, repr=False)
class ModelChoiceResults(ResultsDisplayMixin):
    """Out-of-sample scores of the candidate models (read-only); see :func:`compare_models`."""

    table: pd.DataFrame
    chosen: str
    chosen_trend: TrendKind
    chosen_seasonal: int | None
    n_origins: int
    horizon: int
    caveats: tuple[str, ...] = ()
    _fits: Mapping[str, StructuralFit] = field(default_factory=dict)

    def chosen_fit(self) -> StructuralFit:
        """The fit of the chosen model on the whole window (reused by the counterfactual)."""
        return self._fits[self.chosen]

    def to_frame(self) -> pd.DataFrame:
        """One row per candidate: crps, log_score, coverage_95, n_forecasts, converged; best first."""
        return self.table.copy()

    def summary(self) -> Summary:
        return Summary(
            title="Model choice by rolling-origin backtest on the pre-period",
            facts={
                "Chosen": self.chosen,
                "Forecast origins": self.n_origins,
                "Horizon": f"1 to {self.horizon} months",
                "Score": "mean CRPS of log values (lower is better)",
            },
            tables=[("", self.table)],
            notes=list(self.caveats),
        )


def compare_models(
    z: pd.Series | np.ndarray,
    *,
    exog: np.ndarray | None = None,
    exog_names: Sequence[str] = (),
    candidates: Sequence[tuple[TrendKind, int | None]] | None = None,
    horizon: int = 12,
    first_origin: int | None = None,
) -> ModelChoiceResults:
    """Choose a structural model by rolling-origin forecasts over the fitting window.

    Parameters
    ----------
    z : Series or array
        The pre-period on the model scale (log values when the counterfactual is in logs); NaN
        for missing months.
    exog : array, optional
        Control series over the same months (regressors, known at forecast time).
    candidates : sequence of (trend, seasonal), optional
        Default :func:`candidate_models` (eight models).
    horizon : int
        Longest forecast horizon in months.
    first_origin : int, optional
        First forecast origin (0-based month); default half the window but at least 17 months
        (enough to initialise a seasonal model).

    Returns
    -------
    ModelChoiceResults
        Candidates ranked by mean CRPS over every (origin, horizon) pair; ties broken by log score.

    Notes
    -----
    Each candidate is fitted once on the whole window; the forecasts from each origin use only the
    data before it (the Kalman filter's multi-step predictions), with those parameters. Re-fitting
    at every origin would also put the variances out of sample, at ten times the cost.
    """
    y = np.asarray(z, dtype=float)
    n = y.size
    cands = list(candidates) if candidates is not None else candidate_models()
    first = first_origin if first_origin is not None else max(17, n // 2)
    if first >= n - 1:
        raise ParameterError(
            f"a backtest needs more months than its first origin ({first}); the window has {n}"
        )
    origins = range(first, n)
    rows = []
    fits = {}
    for trend, seasonal in cands:
        fit = fit_structural(y, trend=trend, seasonal=seasonal, exog=exog, exog_names=exog_names)
        fits[model_label(trend, seasonal)] = fit
        crps, logs, cover = [], [], []
        for o, (mean, var) in zip(origins, dynamic_forecasts(fit, origins, horizon), strict=True):
            obs = y[o : o + mean.size]
            ok = np.isfinite(obs) & np.isfinite(mean) & (var > 0)
            sd = np.sqrt(var[ok])
            crps.append(crps_normal(obs[ok], mean[ok], sd))
            logs.append(-stats.norm.logpdf(obs[ok], mean[ok], sd))
            cover.append(np.abs(obs[ok] - mean[ok]) <= 1.959964 * sd)
        c, lg, cv = (np.concatenate(x) for x in (crps, logs, cover))
        if not fit.identified:  # diffuse states left: no usable forecasts
            c = lg = cv = np.array([])
        rows.append(
            {
                "model": model_label(trend, seasonal),
                "trend": trend,
                "seasonal": seasonal or 0,
                "crps": float(c.mean()) if c.size else np.nan,
                "log_score": float(lg.mean()) if lg.size else np.nan,
                "coverage_95": float(cv.mean()) if cv.size else np.nan,
                "n_forecasts": int(c.size),
                "converged": fit.converged,
                "identified": fit.identified,
            }
        )
    table = pd.DataFrame(rows)
    table["_rank"] = table["crps"].fillna(np.inf)
    table = table.sort_values(["_rank", "log_score"]).drop(columns="_rank").set_index("model")
    best = table.iloc[0]
    caveats = []
    if len(origins) < 8:
        caveats.append(f"the backtest has only {len(origins)} forecast origins")
    if not bool(best["converged"]):
        caveats.append("the chosen model's fit did not converge")
    return ModelChoiceResults(
        table=table,
        chosen=str(best.name),
        chosen_trend=best["trend"],
        chosen_seasonal=int(best["seasonal"]) or None,
        n_origins=len(origins),
        horizon=horizon,
        caveats=tuple(caveats),
        _fits=fits,
    )


@dataclass(frozen=True, eq=False, repr=False)
class PlaceboResults(ResultsDisplayMixin):
    """Placebo backtest of a counterfactual (read-only); see :func:`placebo_backtest`.

    Every pseudo-date lies in the pre-period, so the true effect is zero: ``false_positive_rate``
    is the share of intervals that exclude zero (about ``alpha`` for a calibrated method) and
    ``bias`` the mean estimated effect. ``skipped`` is True (and ``frame`` empty) when the
    pre-period was too short for pseudo-dates; ``caveats`` then say why.
    """

    frame: pd.DataFrame
    alpha: float
    scale: str
    model: str
    inference: str
    caveats: tuple[str, ...] = ()

    @property
    def skipped(self) -> bool:
        """True when no pseudo-date could be evaluated."""
        return len(self.frame) == 0

    def to_frame(self) -> pd.DataFrame:
        """One row per pseudo-date: model, n_fit, n_months, effect, lower, upper, p_value, ..."""
        return self.frame.copy()

    @property
    def false_positive_rate(self) -> float:
        """Share of pseudo-dates whose interval excludes zero (NaN when skipped)."""
        return float(self.frame["excludes_zero"].mean()) if not self.skipped else float("nan")

    @property
    def bias(self) -> float:
        """Mean placebo effect (the truth is zero; NaN when skipped), to whole percentage points
        (0.01): the placebo fits use few simulated paths, and finer digits would be their noise."""
        return round(float(self.frame["effect"].mean()), 2) if not self.skipped else float("nan")

    @property
    def mean_abs_effect(self) -> float:
        """Mean absolute placebo effect."""
        return float(self.frame["effect"].abs().mean()) if not self.skipped else float("nan")

    def summary(self) -> Summary:
        shown = fmt.pct if self.scale == "relative" else fmt.number
        facts: dict[str, Any] = {
            "Procedure": self.model,
            "Pseudo-dates": len(self.frame),
            "Interval level": f"{1 - self.alpha:.0%}",
        }
        if not self.skipped:
            facts["False-positive rate"] = fmt.pct(self.false_positive_rate, signed=False)
            facts["Bias (mean placebo effect)"] = shown(self.bias)
        facts["Inference"] = self.inference
        return Summary(
            title="Placebo backtest on the pre-intervention period",
            facts=facts,
            tables=[("", self.frame)] if not self.skipped else [],
            notes=list(self.caveats),
        )

    def to_results(self) -> dict[str, Any]:
        """For ``results.json``: false_positive_rate, bias, n_dates, skipped, caveats."""
        return {
            "false_positive_rate": None if self.skipped else self.false_positive_rate,
            "bias": None if self.skipped else self.bias,
            "n_dates": len(self.frame),
            "skipped": self.skipped,
            "caveats": list(self.caveats),
        }

    def sentence(self) -> str:
        """One sentence for a report."""
        if self.skipped:
            return "Placebo backtest skipped: " + "; ".join(self.caveats) + "."
        n = len(self.frame)
        k = int(self.frame["excludes_zero"].sum())
        shown = fmt.pct(self.bias) if self.scale == "relative" else fmt.number(self.bias)
        return (
            f"At {n} pseudo-dates in the pre-period, where the true effect is zero, {k} of the "
            f"{1 - self.alpha:.0%} intervals exclude zero (false-positive rate "
            f"{fmt.pct(self.false_positive_rate, signed=False)}); the mean placebo effect "
            f"(bias) is {shown}. At each pseudo-date the whole procedure was rerun on the months "
            "before it only (model choice, model averaging and parameters)."
        )


def placebo_backtest(
    result: CounterfactualResults,
    dates: Sequence[Any] | None = None,
    *,
    n_placebos: int = 6,
    min_pre: int = 18,
    horizon: int = 12,
    n_sims: int | None = None,
    on_short: Literal["skip", "raise"] = "skip",
) -> PlaceboResults:
    """Rerun ``result``'s whole procedure at pseudo-dates spread over its pre-period.

    At each pseudo-date the counterfactual is estimated exactly as the headline was (the same
    requested trend and seasonal, so with ``"auto"`` the model is chosen again by the backtest;
    the same model averaging, controls, scale and simulation settings), on the months before the
    pseudo-date only, and evaluated on the months after it that are still before the real
    intervention.

    Parameters
    ----------
    result : CounterfactualResults
        The headline fit whose procedure is backtested.
    dates : sequence of date-like, optional
        Pseudo-intervention months; by default ``n_placebos`` months evenly spread from
        ``min_pre`` months after the start to the last month before the real intervention.
    min_pre : int
        Fewest fitting months before a pseudo-date.
    horizon : int
        Months evaluated after each pseudo-date (fewer when the pre-period ends first).
    n_sims : int, optional
        Simulated paths per fit (default: the result's).
    on_short : {"skip", "raise"}
        What to do when the pre-period is too short for ``min_pre`` (default pseudo-dates only):
        return a skipped result whose caveat says why (the headline estimate stands), or raise.

    Returns
    -------
    PlaceboResults
    """
    from .counterfactual import estimate_counterfactual

    if on_short not in ("skip", "raise"):
        raise ParameterError(f"on_short must be 'skip' or 'raise', got {on_short!r}")
    cfg = result.config
    pre_index = result.pre_index
    n_pre = len(pre_index)
    procedure = (
        f"the headline procedure (trend {cfg.trend!r}, seasonal "
        f"{'auto' if cfg.seasonal == 'auto' else cfg.seasonal!r}"
        + (f", models within {cfg.average_within:.0%} of the best CRPS pooled" if
           cfg.average_within is not None and cfg.trend == "auto" else "")
        + ")"
    )  # fmt: skip
    how = (
        f"each row: percentile interval and two-sided p from {n_sims or cfg.n_sims} simulated "
        "counterfactual paths"
    )
    if dates is None:
        if n_pre - 1 < min_pre + 2:
            why = (
                f"the pre-period has {n_pre} months ({pre_index[0]} to {pre_index[-1]}); a "
                f"placebo backtest needs at least {min_pre + 3} (its first pseudo-date at least "
                f"{min_pre} months in, with months after it to evaluate), while the estimate "
                "itself needs fewer: the estimate above stands, without this check"
            )
            if on_short == "raise":
                raise ParameterError(why)
            return PlaceboResults(
                frame=pd.DataFrame(),
                alpha=cfg.alpha,
                scale=result.effect_scale,
                model=procedure,
                inference=how,
                caveats=(why,),
            )
        locs = np.unique(np.linspace(min_pre, n_pre - 1, n_placebos).round().astype(int))
        pseudo = [pre_index[i] for i in locs]
    else:
        pseudo = [to_period(d) for d in dates]
        bad = [str(d) for d in pseudo if not pre_index[0] < d <= pre_index[-1]]
        if bad:
            raise ParameterError(f"placebo dates {bad} are not inside the pre-period")
    rows = []
    caveats: list[str] = []
    for i, d in enumerate(pseudo):
        end = min(d + (horizon - 1), pre_index[-1])
        y = result.observed.loc[pre_index[0] : end]
        ctrl = None if result.controls is None else result.controls.loc[y.index[0] : end]
        res = estimate_counterfactual(
            y,
            d,
            controls=ctrl,
            log=cfg.log,
            trend=cfg.trend,  # type: ignore[arg-type]
            seasonal=cfg.seasonal,  # type: ignore[arg-type]
            alpha=cfg.alpha,
            n_sims=n_sims or cfg.n_sims,
            n_param_draws=max(1, min(cfg.n_param_draws, (n_sims or cfg.n_sims) // 10)),
            param_uncertainty=cfg.param_uncertainty,
            seed=None if cfg.seed is None else cfg.seed + 1000 + i,
            units=cfg.units,
            check_controls=False,
            average_within=cfg.average_within,
        )
        s = res.headline()  # at the precision its draws support, like the headline
        rows.append(
            {
                "pseudo_date": str(d),
                "model": " | ".join(res.config.models_averaged) or res.model_chosen,
                "n_fit": len(res.pre_index),
                "n_months": len(res.post_index),
                "effect": s.estimate,
                "lower": s.lower,
                "upper": s.upper,
                "p_value": s.p_value,
                "excludes_zero": bool(s.raw.lower > 0 or s.raw.upper < 0),
                "converged": res.converged,
            }
        )
        if not res.converged and "some placebo fits did not converge" not in caveats:
            caveats.append("some placebo fits did not converge")
    frame = pd.DataFrame(rows).set_index("pseudo_date")
    if len(frame) < 6:
        caveats.append(f"only {len(frame)} pseudo-dates: the false-positive rate is coarse")
    return PlaceboResults(
        frame=frame,
        alpha=cfg.alpha,
        scale=result.effect_scale,
        model=procedure,
        inference=how,
        caveats=tuple(caveats),
    )
