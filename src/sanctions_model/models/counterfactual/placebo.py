"""The placebo backtest: the counterfactual re-estimated at pseudo-dates in the pre-period.

Where the true effect is zero, the share of intervals that exclude zero is the procedure's
false-positive rate and the mean placebo effect its bias. :func:`placebo_backtest` reruns the
result's own procedure (:meth:`CounterfactualResults.refit`: the function and settings that made
it), so this module needs neither the estimator nor the results class: both import it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

from .._results import ResultsDisplayMixin, Summary, to_period

__all__ = ["PlaceboResults", "Refittable", "placebo_backtest"]


class Refittable(Protocol):
    """What the placebo backtest needs of a result: its data, settings and procedure."""

    config: Any
    observed: pd.Series
    controls: pd.DataFrame | None
    pre_index: pd.PeriodIndex

    @property
    def effect_scale(self) -> str: ...

    def refit(self, y: pd.Series, intervention: Any, **options: Any) -> Any: ...


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
            "Interval level": f"{fmt.level(self.alpha)}",
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
            f"{fmt.level(self.alpha)} intervals exclude zero (false-positive rate "
            f"{fmt.pct(self.false_positive_rate, signed=False)}); the mean placebo effect "
            f"(bias) is {shown}. At each pseudo-date the whole procedure was rerun on the months "
            "before it only (model choice, model averaging and parameters)."
        )


def placebo_backtest(
    result: Refittable,
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
    if on_short not in ("skip", "raise"):
        raise ParameterError(f"on_short must be 'skip' or 'raise', got {on_short!r}")
    cfg = result.config
    pre_index = result.pre_index
    n_pre = len(pre_index)
    # the same months left out before each pseudo-date as before the real intervention, so the
    # first pseudo-date keeps min_pre months to fit on
    lead = int(getattr(cfg, "anticipation", 0) or 0)
    procedure = (
        f"the headline procedure (trend {cfg.trend!r}, seasonal "
        f"{'auto' if cfg.seasonal == 'auto' else cfg.seasonal!r}"
        + (f", models within {cfg.average_within:.0%} of the best CRPS pooled" if
           cfg.average_within is not None and cfg.trend == "auto" else "")
        + (", the nesting level, drift + AR(1) pooled" if
           getattr(cfg, "pool_nesting", False) and cfg.trend == "auto" else "")
        + (f", the {lead} month{'s' if lead > 1 else ''} before each pseudo-date left out of "
           "the fit" if lead else "")
        + (", control loading fixed at one" if
           getattr(cfg, "control_loading", "estimated") == "one" else "")
        + ")"
    )  # fmt: skip
    how = (
        f"each row: percentile interval and two-sided p from {n_sims or cfg.n_sims} simulated "
        "counterfactual paths"
    )
    if dates is None:
        if n_pre - 1 < min_pre + lead + 2:
            why = (
                f"the pre-period has {n_pre} months ({pre_index[0]} to {pre_index[-1]}); a "
                f"placebo backtest needs at least {min_pre + lead + 3} (its first pseudo-date at "
                f"least {min_pre + lead} months in, with months after it to evaluate), while the "
                "estimate "
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
        locs = np.unique(np.linspace(min_pre + lead, n_pre - 1, n_placebos).round().astype(int))
        pseudo = [pre_index[i] for i in locs]
    else:
        pseudo = [to_period(d) for d in dates]
        bad = [str(d) for d in pseudo if not pre_index[0] + lead < d <= pre_index[-1]]
        if bad:
            raise ParameterError(
                f"placebo dates {bad} are not inside the pre-period"
                + (f" with {lead} anticipation month(s) before them" if lead else "")
            )
    rows = []
    caveats: list[str] = []
    for i, d in enumerate(pseudo):
        end = min(d + (horizon - 1), pre_index[-1])
        y = result.observed.loc[pre_index[0] : end]
        ctrl = None if result.controls is None else result.controls.loc[y.index[0] : end]
        res = result.refit(
            y,
            d,
            controls=ctrl,
            n_sims=n_sims or cfg.n_sims,
            n_param_draws=max(1, min(cfg.n_param_draws, (n_sims or cfg.n_sims) // 10)),
            seed=None if cfg.seed is None else cfg.seed + 1000 + i,
            check_controls=False,
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
