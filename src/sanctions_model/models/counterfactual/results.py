"""Results of the monthly counterfactual (:func:`~sanctions_model.models.estimate_counterfactual`).

A read-only object over the fit and the simulated counterfactual paths: effects and their
intervals and two-sided p-values (all from the same draws), the pointwise frame, the sentences and
the report (written in :mod:`.results_text`), the summary, the plot and the placebo backtest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

from .._results import ResultsDisplayMixin, Summary, as_period_index
from .._results import validate_alpha as _validate_alpha
from ..draws import DrawSummary, summarize_draws
from ..mc_error import RoundedSummary, rounded_summary
from . import anticipation as _anticipation
from . import pool_text as _pool
from . import results_text as _text
from . import scope as _scope
from ._structural import StructuralFit, TrendKind
from .backtest import ModelChoiceResults, model_label
from .placebo import PlaceboResults, placebo_backtest
from .subject import in_words

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["CounterfactualConfig", "CounterfactualResults"]

EffectScale = Literal["relative", "absolute"]
ControlLoading = Literal["estimated", "one"]
CONTROL_LOADINGS: tuple[str, ...] = ("estimated", "one")
SHORT_PRE = 24  # months: below this the pre-period gets a caveat
#: The options of the estimator that :meth:`CounterfactualResults.refit` repeats from the config.
_REFIT_SETTINGS = ("log", "trend", "seasonal", "alpha", "n_sims", "n_param_draws",
                   "param_uncertainty", "seed", "units", "average_within",
                   "pool_nesting", "anticipation", "control_loading")  # fmt: skip


@dataclass(frozen=True)
class CounterfactualConfig:
    """Validated options of one :func:`estimate_counterfactual` call."""

    interventions: tuple[pd.Period, ...]
    labels: tuple[str, ...]
    log: bool
    trend: str  # as requested ("auto" or a trend)
    seasonal: int | None | str  # as requested ("auto", 12 or None)
    trend_chosen: TrendKind
    seasonal_chosen: int | None
    pre_start: pd.Period | None
    alpha: float
    n_sims: int
    n_param_draws: int
    param_uncertainty: bool
    seed: int | None
    units: str
    models_averaged: tuple[str, ...] = ()
    """Models whose simulated paths are pooled (the chosen one first)."""
    average_within: float | None = None
    pool_nesting: bool = False
    """The nesting trend ("level, drift + AR(1)") pooled with the backtest's choice."""
    anticipation: int = 0
    """Months before the first intervention left out of the fit (projected, reported apart)."""
    control_loading: ControlLoading = "estimated"
    """``"estimated"``: controls are regressors; ``"one"``: the model is log(y) - log(control)."""


def _monthly(y: pd.Series | pd.DataFrame, name: str) -> pd.Series | pd.DataFrame:
    if not isinstance(y, pd.Series | pd.DataFrame):
        raise ParameterError(f"{name} must be a pandas Series or DataFrame with a date index")
    if len(y) == 0:
        raise ParameterError(f"{name} is empty")
    out = y.copy()
    out.index = as_period_index(out.index)
    if out.index.has_duplicates:
        dup = out.index[out.index.duplicated()][0]
        raise ParameterError(f"{name} has duplicate months in its index (first: {dup})")
    out = out.sort_index()
    return out.reindex(pd.period_range(out.index[0], out.index[-1], freq="M"))


@dataclass(frozen=True, eq=False, repr=False)
class CounterfactualResults(ResultsDisplayMixin):
    """Results of :func:`estimate_counterfactual` (read-only).

    Effects are ``observed - counterfactual``. The *average* relative effect is the mean over
    post-period months of ``y_t / yhat_t - 1``; the *cumulative* relative effect is
    ``sum(y_t) / sum(yhat_t) - 1`` (the shortfall of total trade). Point estimates are medians of
    the simulated effects, intervals their equal-tailed quantiles, p-values two-sided shares of
    the same draws.
    """

    config: CounterfactualConfig
    observed: pd.Series
    controls: pd.DataFrame | None
    _fit: StructuralFit
    _sims: np.ndarray  # counterfactual paths in levels, (n_sims, n_post)
    pre_index: pd.PeriodIndex
    post_index: pd.PeriodIndex
    model_choice: ModelChoiceResults | None
    """The backtest table when the model was chosen by backtest, else None."""
    caveats: tuple[str, ...]
    control_checks: pd.DataFrame | None = None
    """Each control's own effect at the intervention (its counterfactual), when checked."""
    _groups: np.ndarray | None = None
    """Monte Carlo batch of each simulated path (whole parameter draws to a batch)."""
    _estimator: Callable[..., CounterfactualResults] | None = None
    """The function that made this result (see :meth:`refit`)."""
    anticipation_index: pd.PeriodIndex | None = None
    """The months left out of the fit before the first intervention (``anticipation``)."""
    _sims_anticipation: np.ndarray | None = None
    """Counterfactual paths over :attr:`anticipation_index`, (n_sims, anticipation)."""

    # ------------------------------------------------------------------ basic facts
    @property
    def pre_period(self) -> tuple[pd.Period, pd.Period]:
        """First and last month used to fit the model."""
        return self.pre_index[0], self.pre_index[-1]

    @property
    def post_period(self) -> tuple[pd.Period, pd.Period]:
        """First and last month of the evaluation period."""
        return self.post_index[0], self.post_index[-1]

    @property
    def params(self) -> pd.Series:
        """Maximum likelihood estimates of the structural model (variances, regression betas)."""
        return pd.Series(self._fit.params, index=list(self._fit.param_names), name="params")

    @property
    def bse(self) -> pd.Series:
        """Standard errors of :attr:`params`."""
        return pd.Series(self._fit.bse, index=list(self._fit.param_names), name="bse")

    @property
    def converged(self) -> bool:
        """Whether the optimiser converged (no convergence warning, retvals say converged)."""
        return self._fit.converged

    @property
    def model_chosen(self) -> str:
        """The structural model used, e.g. ``local level + seasonal(12)``."""
        return model_label(self.config.trend_chosen, self.config.seasonal_chosen)

    @property
    def counterfactual_draws(self) -> np.ndarray:
        """Simulated counterfactual paths in levels, shape (n_sims, n_post). A copy."""
        return self._sims.copy()

    @property
    def effect_scale(self) -> EffectScale:
        """``relative`` with ``log=True``, else ``absolute``."""
        return "relative" if self.config.log else "absolute"

    @property
    def inference(self) -> str:
        """How the intervals and p-values were computed."""
        cfg = self.config
        draws = f" ({cfg.n_param_draws} parameter draws)" if cfg.param_uncertainty else ""
        how = (
            "model chosen by rolling-origin backtest (CRPS)"
            if self.model_choice is not None
            else "model fixed by the caller"
        )
        ctrl = (
            f"controls {', '.join(map(str, self.controls.columns))}"
            if self.controls is not None
            else "no controls: an extrapolation of the pre-period"
        )
        if self.controls is not None and cfg.control_loading == "one":
            ctrl = f"the flow relative to control {self.controls.columns[0]} (loading one)"
        if cfg.anticipation:
            ctrl += f"; {_anticipation.left_out_words(self)} left out of the fit"
        return (
            f"percentile interval and two-sided p-value from the same {self._sims.shape[0]} "
            f"simulated counterfactual paths{draws} of {self._pool_text()} ({how}; {ctrl})"
        )

    @property
    def path_shares(self) -> dict[str, float]:
        """Share of the simulated paths drawn from each pooled model (the backtest's choice
        first); ``{model_chosen: 1.0}`` when nothing is pooled."""
        return _pool.path_shares(self)

    @property
    def pooled(self) -> bool:
        """Whether the paths come from more than one model."""
        return len(self.path_shares) > 1

    @property
    def model_used(self) -> str:
        """What the counterfactual paths come from: the chosen model's name, or
        ``pooled: local level (50%), level, drift + AR(1) (50%)``."""
        return _pool.model_used(self)

    def _pool_text(self) -> str:
        return _pool.pool_text(self)

    @property
    def all_caveats(self) -> list[str]:
        """The estimator's caveats and those drawn from the result's own numbers (AR deviations
        nearly a random walk, an upper end above +1,000%: :mod:`.fragile`)."""
        from .fragile import fragile_caveats

        return list(self.caveats) + fragile_caveats(self)

    # ------------------------------------------------------------------ draws of effects
    def _y_post(self) -> np.ndarray:
        return self.observed.reindex(self.post_index).to_numpy(dtype=float)

    def _check_scale(self, scale: EffectScale | None) -> EffectScale:
        if scale is None:
            return self.effect_scale
        if scale not in ("relative", "absolute"):
            raise ParameterError(f"scale must be 'relative' or 'absolute', got {scale!r}")
        return scale

    def effect_draws(
        self,
        which: Literal["average", "cumulative"] = "average",
        scale: EffectScale | None = None,
        mask: np.ndarray | None = None,
    ) -> np.ndarray:
        """Draws of the average or cumulative effect over the post period (or months in ``mask``)."""
        scale = self._check_scale(scale)
        y, sims = self._y_post(), self._sims
        if mask is not None:
            y, sims = y[mask], sims[:, mask]
        ok = np.isfinite(y)
        y, sims = y[ok], sims[:, ok]
        if y.size == 0:
            return np.full(sims.shape[0], np.nan)
        if scale == "absolute":
            diff = y[None, :] - sims
            return diff.mean(axis=1) if which == "average" else diff.sum(axis=1)
        if which == "average":
            return (y[None, :] / sims - 1).mean(axis=1)
        return y.sum() / sims.sum(axis=1) - 1

    def effect_summary(
        self,
        which: Literal["average", "cumulative"] = "average",
        scale: EffectScale | None = None,
        alpha: float | None = None,
    ) -> DrawSummary:
        """Estimate, interval and two-sided p-value of an effect, all from the same draws."""
        alpha = self.config.alpha if alpha is None else _validate_alpha(alpha)
        return summarize_draws(self.effect_draws(which, scale), alpha=alpha)

    def headline(
        self, which: Literal["average", "cumulative"] = "average", scale: EffectScale | None = None
    ) -> RoundedSummary:
        """The effect at the precision its draws support: estimate, bounds and p-value rounded
        to their Monte Carlo errors (:func:`~sanctions_model.models.mc_error.rounded_summary`),
        so a rerun with another seed prints the same figures. Sentences, reports and
        ``results.json`` use it; :meth:`effect_summary` keeps the raw draws' figures."""
        scale = self._check_scale(scale)

        def make() -> RoundedSummary:
            draws = self.effect_draws(which, scale)
            lowest = -1.0 if scale == "relative" else None
            return rounded_summary(draws, self._groups, alpha=self.config.alpha, lowest=lowest)

        return self._once(("headline", which, scale), make)

    def _once(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """A figure derived from the draws, computed on first use and kept: the result is
        read-only, and notebook 02 asks for the same headline a dozen times (sentence, tables,
        report, results.json)."""
        memo = self.__dict__.setdefault("_memo", {})
        if key not in memo:
            memo[key] = make()
        return memo[key]

    @property
    def lead_index(self) -> pd.PeriodIndex:
        """The anticipation months (empty with ``anticipation=0``)."""
        if self.anticipation_index is None:
            return pd.PeriodIndex([], freq="M")
        return self.anticipation_index

    def anticipation_effect(self, alpha: float | None = None) -> RoundedSummary | None:
        """The average relative (or, with ``log=False``, absolute) gap over the months left out
        of the fit before the intervention, with its interval and p-value from the same draws,
        at the precision they support; None with ``anticipation=0``."""
        return _anticipation.anticipation_effect(self, alpha)

    def month_effect(self, month: Any) -> RoundedSummary:
        """The relative effect in one post-period month, at the precision its draws support."""
        loc = self.post_index.get_loc(pd.Period(month, "M"))
        y = self._y_post()[loc]
        return rounded_summary(
            y / self._sims[:, loc] - 1, self._groups, alpha=self.config.alpha, lowest=-1.0
        )

    def _show(self, value: float, scale: EffectScale | None = None) -> str:
        if self._check_scale(scale) == "relative":
            return fmt.pct(value)
        currency = self.currency
        return fmt.money(value, currency) if currency else fmt.number(value)

    @property
    def currency(self) -> str | None:
        """The currency of ``units`` (``"EUR"`` for ``"EUR at 2021 prices"``), else None."""
        head = self.config.units.split(" ")[0] if self.config.units else ""
        return head if head in ("EUR", "USD") else None

    @property
    def price_basis(self) -> str:
        """What the money figures are in: ``"at 2021 prices"`` or ``"current prices"``."""
        rest = self.config.units.split(" ", 1)[1] if " " in self.config.units else ""
        return rest or "current prices"

    @property
    def average_effect(self) -> float:
        """Average effect over the post period (relative if ``log=True``, else in units)."""
        return self.effect_summary("average").estimate

    @property
    def cumulative_effect(self) -> float:
        """Cumulative effect over the post period (relative if ``log=True``, else in units)."""
        return self.effect_summary("cumulative").estimate

    @property
    def p_value(self) -> float:
        """Two-sided p-value of "no average effect", from the draws of the interval."""
        return self.effect_summary("average").p_value

    def conf_int(
        self, alpha: float | None = None, *, scale: EffectScale | None = None
    ) -> pd.DataFrame:
        """Intervals for the average and cumulative effect (index average/cumulative, lower/upper)."""
        rows = {}
        for which in ("average", "cumulative"):
            s = self.effect_summary(which, scale, alpha)  # type: ignore[arg-type]
            rows[which] = [s.lower, s.upper]
        return pd.DataFrame.from_dict(rows, orient="index", columns=["lower", "upper"])

    def summary_frame(self, alpha: float | None = None) -> pd.DataFrame:
        """Average and cumulative effects, absolute and relative, with intervals and p-values."""
        return self._effects_table(lambda which, scale: self.effect_summary(which, scale, alpha))

    def table(self) -> pd.DataFrame:
        """:meth:`summary_frame` at the precision the draws support (see :meth:`headline`)."""
        return self._effects_table(self.headline)

    @staticmethod
    def _effects_table(summary: Callable[[Any, Any], DrawSummary | RoundedSummary]) -> pd.DataFrame:
        """Rows average and cumulative; estimate, bounds and p-value of ``summary(which, scale)``
        for the absolute and the relative scale."""
        out = {}
        for which in ("average", "cumulative"):
            row: dict[str, float] = {}
            for scale in ("absolute", "relative"):
                s = summary(which, scale)
                row[scale] = s.estimate
                row[f"{scale}_lower"] = s.lower
                row[f"{scale}_upper"] = s.upper
                row[f"{scale}_p"] = s.p_value
            out[which] = row
        return pd.DataFrame.from_dict(out, orient="index")

    @property
    def segment_effects(self) -> pd.DataFrame:
        """Average relative and absolute effects between successive interventions."""
        rows = []
        bounds = list(self.config.interventions) + [self.post_index[-1] + 1]
        for label, start, stop in zip(self.config.labels, bounds[:-1], bounds[1:], strict=True):
            mask = (self.post_index >= start) & (self.post_index < stop)
            row: dict[str, Any] = {
                "intervention": label,
                "start": start,
                "end": stop - 1,
                "n_months": int(mask.sum()),
            }
            for scale in ("relative", "absolute"):
                s = summarize_draws(
                    self.effect_draws("average", scale, mask), alpha=self.config.alpha
                )
                row[f"average_{scale}"] = s.estimate
                row[f"average_{scale}_lower"] = s.lower
                row[f"average_{scale}_upper"] = s.upper
                row[f"average_{scale}_p"] = s.p_value
            rows.append(row)
        return pd.DataFrame(rows).set_index("intervention")

    def with_observed(self, y: pd.Series) -> CounterfactualResults:
        """The same counterfactual compared with another observed post-period.

        The fit and the simulated paths depend only on the pre-period, so a flow that differs
        after the intervention (the same flow without a planted effect, or a revised release)
        is evaluated against the same draws. The pre-period of ``y`` must equal this one's.
        """
        y = _monthly(y, "y").astype(float)
        pre_old = self.observed.reindex(self.pre_index).to_numpy(dtype=float)
        pre_new = y.reindex(self.pre_index).to_numpy(dtype=float)
        if not np.allclose(pre_old, pre_new, equal_nan=True, rtol=1e-12):
            raise ParameterError(
                "with_observed: y differs from the fitted series in the pre-period"
            )
        keep = self.pre_index.append(self.lead_index).append(self.post_index)
        return replace(self, observed=y.reindex(keep))

    # ------------------------------------------------------------------ pointwise frame
    def effects_frame(self, alpha: float | None = None) -> pd.DataFrame:
        """Pointwise frame over the whole sample (see :attr:`effects`) at level ``alpha``."""
        from .frame import effects_frame

        a = self.config.alpha if alpha is None else _validate_alpha(alpha)
        return self._once(("effects_frame", a), lambda: effects_frame(self, a)).copy()

    def _projected_sims(self) -> np.ndarray:
        """Counterfactual paths over the anticipation months and the post-period, side by side."""
        lead = self._sims_anticipation
        if lead is None or lead.shape[1] == 0:
            return self._sims
        return np.hstack([lead, self._sims])

    @property
    def _level_scale(self) -> float:
        pre = self.observed.reindex(self.pre_index).to_numpy(dtype=float)
        s = float(np.nanmedian(np.abs(pre)))
        return s if s > 0 else 1.0

    @property
    def effects(self) -> pd.DataFrame:
        """Pointwise frame: observed, predicted, lower, upper, pointwise, relative, cumulative.

        Indexed by month over the pre and post periods. In the pre-period ``predicted`` is the
        one-step-ahead in-sample prediction; ``relative`` and ``cumulative`` are only defined in
        the post period.
        """
        return self.effects_frame()

    def to_frame(self) -> pd.DataFrame:
        """The numbers behind :meth:`plot` (same as :attr:`effects`)."""
        return self.effects_frame()

    # ------------------------------------------------------------------ text
    def sentence(self, subject: str | None = None) -> str:
        """The headline sentence (average effect), written by :func:`.sentence.summary_sentence`."""
        return _text.sentence(self, subject)

    def pre_period_note(self) -> str:
        """What the length of the pre-period allows, in plain words (from this fit's numbers)."""
        return _text.pre_period_note(self)

    def to_results(self, partner: str | None = None) -> dict[str, Any]:
        """The headline for ``results.json``: effect, lower, upper, p_value, inference, ...;
        ``estimate_includes`` names ``partner``'s own shocks (a country code) when given."""
        s = self.headline("average")
        cum = self.headline("cumulative")
        return {
            "effect": s.estimate,
            "lower": s.lower,
            "upper": s.upper,
            "p_value": s.p_value,
            "p_is_upper_bound": s.p_bound,
            "p_at_floor": s.raw.at_floor,
            "p_at_alpha": s.at_alpha,  # p within 3 Monte Carlo errors of alpha: reported as alpha
            "n_draws": s.n_draws,
            "mc_se": {k: v for k, v in s.se.items() if np.isfinite(v)},
            "units": self.config.units,
            "scale": self.effect_scale,
            "cumulative_effect": cum.estimate,
            "cumulative_lower": cum.lower,
            "cumulative_upper": cum.upper,
            "inference": self.inference,
            "model_chosen": self.model_chosen,
            "model_used": self.model_used,
            "models_averaged": list(self.config.models_averaged),
            "path_shares": self.path_shares,
            "controls": [] if self.controls is None else [str(c) for c in self.controls.columns],
            "pre_period": [str(p) for p in self.pre_period],
            "post_period": [str(p) for p in self.post_period],
            "caveats": self.all_caveats,
            "converged": self.converged,
            "sentence": self.sentence(),
            "anticipation": _anticipation.anticipation_record(self),
            "control_loading": self.config.control_loading,
            "estimate_includes": _scope.scope_sentence(self, partner),
        }

    def summary(self) -> Summary:
        """Model facts, the effects table, the parameters and the caveats."""
        cfg = self.config
        facts = {
            "Model": f"structural time series, {self.model_used}"
            + (f" + {self.controls.shape[1]} control(s)" if self.controls is not None else ""),
            "Model choice": "rolling-origin backtest (CRPS)"
            if self.model_choice is not None
            else "fixed",
            "Scale": "log" if cfg.log else "level",
            "Pre-period": f"{self.pre_period[0]} to {self.pre_period[1]}",
            "Post-period": f"{self.post_period[0]} to {self.post_period[1]}",
            **(
                {"Left out of the fit (anticipation)": _anticipation.left_out_words(self)}
                if cfg.anticipation
                else {}
            ),  # fmt: skip
            "Interventions": ", ".join(
                f"{label} ({d})" if label != str(d) else str(d)
                for label, d in zip(cfg.labels, cfg.interventions, strict=True)
            ),
            "Converged": self.converged,
            "Inference": self.inference,
        }
        tables = [
            (f"Effects ({cfg.units}; {fmt.level(cfg.alpha)} intervals; rounded to their Monte Carlo "
             "errors)", self.table()),
            (_text.params_title(self), pd.DataFrame({"estimate": self.params,
                                                          "std err": self.bse})),
        ]  # fmt: skip
        if len(cfg.interventions) > 1:
            cols = ["start", "end", "average_relative", "average_relative_lower",
                    "average_relative_upper"]  # fmt: skip
            tables.append(("Effects between successive interventions", self.segment_effects[cols]))
        if self.control_checks is not None:
            tables.append(("Controls' own change at the intervention", self.control_checks))
        return Summary(
            title="Counterfactual structural time series",
            facts=facts,
            tables=tables,
            notes=[f"caveat: {c}" for c in self.all_caveats],
        )

    def report(
        self, subject: str | None = None, *, caveats: bool = True, partner: str | None = None
    ) -> str:
        """A short plain-language report: levels, the headline sentence, the anticipation months,
        what the model is and what the estimate includes, caveats.

        ``caveats=False`` leaves the caveats out (for a page that lists them separately);
        ``partner`` (a country code) names the destination's own shocks in the scope sentence.
        """
        return _text.report(self, subject, caveats=caveats, partner=partner)

    # ------------------------------------------------------------------ plot, placebo
    def plot(self, *, alpha: float | None = None, title: str | None = None) -> Figure:
        """Observed vs counterfactual, pointwise and cumulative effect (three panels)."""
        from .plot import counterfactual_panels

        return counterfactual_panels(
            self.effects_frame(alpha),
            alpha=self.config.alpha if alpha is None else alpha,
            units=self.config.units,
            interventions=dict(zip(self.config.labels, self.config.interventions, strict=True)),
            title=in_words(title) or "Counterfactual estimate of the intervention effect",
        )

    def placebo_test(self, dates: Sequence[Any] | None = None, **kwargs: Any) -> PlaceboResults:
        """Placebo backtest at pseudo-dates in the pre-period (see :func:`placebo_backtest`)."""
        return placebo_backtest(self, dates, **kwargs)

    def refit(self, y: pd.Series, intervention: Any, **options: Any) -> CounterfactualResults:
        """This result's procedure on other data: the function and settings that made it, with
        ``options`` overriding them (the placebo backtest reruns it at pseudo-dates)."""
        if self._estimator is None:
            raise ParameterError("refit: this result does not name the function that made it")
        settings = {name: getattr(self.config, name) for name in _REFIT_SETTINGS}
        return self._estimator(y, intervention, **{**settings, **options})
