"""Counterfactual structural time series: what would the series have been without the sanction?

The CausalImpact idea (Brodersen et al. 2015) with statsmodels' frequentist
:class:`~statsmodels.tsa.statespace.structural.UnobservedComponents` in place of the Bayesian
structural time series:

1. choose the structural model by a rolling-origin backtest over the pre-period
   (:func:`~sanctions_model.models.backtest.compare_models`: local level, local linear trend,
   random walk with drift or a level with drift and AR(1) deviations, with or without a fixed
   monthly seasonal) unless ``trend``/``seasonal`` are given, optionally with control series as
   regressors;
2. fit it on the pre-intervention months by maximum likelihood and draw parameter vectors from
   the asymptotic distribution of the estimates (randomised quasi-Monte Carlo: ten independently
   scrambled Sobol blocks, so the spread between blocks is the Monte Carlo error); for each draw
   run the Kalman filter on the pre-period and simulate post-period paths with fresh state and
   observation noise;
3. compare the observed post-period with the simulated counterfactual paths. The headline (the
   average effect), its interval and its two-sided p-value all come from the same draws
   (:func:`~sanctions_model.models.draws.summarize_draws`), so the sentence written from them
   (:func:`~sanctions_model.reporting.text.effect_sentence`) cannot contradict them. Printed
   figures (:meth:`CounterfactualResults.headline`) are rounded to what the draws support
   (:mod:`~sanctions_model.models.mc_error`), so another seed or machine prints the same.

With ``log=True`` the model is fitted to ``log(y)`` and effects are relative (``-0.33`` = 33%
below the counterfactual). What could make the numbers unreliable (a short or gappy pre-period,
an event inside the fitting window, a fit that did not converge, a control that moved at the
event) is listed in ``caveats`` on the result, never printed as a warning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

from .._results import to_period
from .._results import validate_alpha as _validate_alpha
from ..draws import summarize_draws
from ._structural import TRENDS, TrendKind, fit_structural, path_groups, simulate_paths
from .backtest import ModelChoiceResults, compare_models, model_label
from .results import (
    CONTROL_LOADINGS,
    SHORT_PRE,
    ControlLoading,
    CounterfactualConfig,
    CounterfactualResults,
    _monthly,
)

__all__ = [
    "CounterfactualConfig",
    "CounterfactualResults",
    "estimate_counterfactual",
]

MIN_PRE_SEASONAL = 18
MIN_PRE = 8
MAX_MISSING_SHARE = 0.25
#: The trend that nests the others (a driftless local level: drift 0, no AR(1) deviations; a
#: deterministic trend: level variance 0); pooled with the backtest's choice (``pool_nesting``).
NESTING_TREND: TrendKind = "level, drift + AR(1)"
MC_GROUPS = 10  # batches of parameter draws for the Monte Carlo errors of printed figures


def _parse_interventions(intervention: Any) -> tuple[tuple[pd.Period, ...], tuple[str, ...]]:
    if isinstance(intervention, Mapping):
        items = [(str(k), to_period(v)) for k, v in intervention.items()]
    elif isinstance(intervention, str | pd.Timestamp | pd.Period) or not isinstance(
        intervention, Sequence | pd.Index | np.ndarray
    ):
        p = to_period(intervention)
        items = [(str(p), p)]
    else:
        items = [(str(to_period(v)), to_period(v)) for v in intervention]
    if not items:
        raise ParameterError("at least one intervention date is required")
    items.sort(key=lambda kv: kv[1])
    dates = tuple(p for _, p in items)
    if len(set(dates)) != len(dates):
        raise ParameterError("intervention dates must be distinct")
    return dates, tuple(label for label, _ in items)


def _events_between(
    events: Mapping[str, Any] | None, start: pd.Period, stop: pd.Period
) -> tuple[int, str]:
    """Known events dated after ``start`` and before ``stop``: how many, and listed by month."""
    by_month: dict[pd.Period, list[str]] = {}
    for label, date in (events or {}).items():
        d = to_period(date)
        if start < d < stop:
            by_month.setdefault(d, []).append(str(label))
    n = sum(len(v) for v in by_month.values())
    return n, "; ".join(f"{', '.join(v)} ({d})" for d, v in sorted(by_month.items()))


def _known_event_caveats(
    events: Mapping[str, Any] | None,
    pre_index: pd.PeriodIndex,
    first: pd.Period,
    t0: pd.Period | None = None,
) -> list[str]:
    out = []
    n, listed = _events_between(events, pre_index[0], first)
    if n:
        out.append(
            f"{n} measure{'s' if n > 1 else ''} inside the fitting window ({pre_index[0]} to "
            f"{pre_index[-1]}): {listed}; if they moved the flow, the counterfactual carries that "
            "move"
        )
    if t0 is not None and t0 > first:
        n, listed = _events_between(events, first - 1, t0)
        if n:
            out.append(
                f"{n} measure{'s' if n > 1 else ''} in the months left out before the "
                f"intervention ({first} to {t0 - 1}): {listed}; their effect is in those months' "
                "own gap, not in the headline"
            )
    return out


def _prepare_controls(
    controls: pd.Series | pd.DataFrame, y: pd.Series, log: bool, pre_index: pd.PeriodIndex
) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = controls.to_frame() if isinstance(controls, pd.Series) else controls
    ctrl = _monthly(frame, "controls").astype(float).reindex(y.index)
    for col in ctrl.columns:
        missing = ctrl.index[ctrl[col].isna()]
        if len(missing):
            raise ParameterError(
                f"control {col!r} is not observed in {len(missing)} month(s) of y "
                f"(first: {missing[0]}); controls must cover {y.index[0]} to {y.index[-1]}"
            )
        if log and (ctrl[col] <= 0).any():
            bad = ctrl.index[ctrl[col] <= 0][0]
            raise ParameterError(f"log=True needs positive controls; {col!r} is {ctrl[col][bad]} "
                                 f"in {bad}")  # fmt: skip
    x = np.log(ctrl) if log else ctrl / ctrl.loc[pre_index].abs().median()
    return ctrl, x


def estimate_counterfactual(
    y: pd.Series,
    intervention: Any,
    *,
    controls: pd.Series | pd.DataFrame | None = None,
    log: bool = True,
    trend: TrendKind | Literal["auto"] = "auto",
    seasonal: int | None | Literal["auto"] = "auto",
    pre_start: Any = None,
    alpha: float = 0.05,
    n_sims: int = 1000,
    n_param_draws: int = 50,
    param_uncertainty: bool = True,
    seed: int | None = 0,
    units: str = "EUR",
    known_events: Mapping[str, Any] | None = None,
    check_controls: bool = True,
    average_within: float | None = 0.05,
    pool_nesting: bool = True,
    anticipation: int = 0,
    control_loading: ControlLoading = "estimated",
) -> CounterfactualResults:
    """Estimate what ``y`` would have been without the intervention(s).

    Parameters
    ----------
    y : pandas.Series
        Monthly series indexed by dates or monthly periods (missing months become NaN).
    intervention : date-like, sequence of date-like, or mapping of label to date-like
        First month(s) of the intervention(s). The model is fitted on months before the first
        one; with several, effects are also reported for each stretch between them.
    controls : Series or DataFrame, optional
        Control series observed in every month of ``y`` (e.g. the Brent price, exports to a
        non-sanctioned partner): regressors of the structural model, logged when ``log=True``.
        Without controls the counterfactual is an extrapolation of the pre-period.
    log : bool
        Model ``log(y)``; effects are then relative.
    trend : str
        ``"auto"``, ``"local level"``, ``"local linear trend"``, ``"random walk with drift"`` or
        ``"level, drift + AR(1)"``. ``"auto"`` (default) chooses by the rolling-origin backtest of
        :func:`~sanctions_model.models.backtest.compare_models`; a name fixes the trend.
    seasonal : {"auto", 12, None}
        Fixed monthly seasonal component: chosen by the backtest, always, or never.
    pre_start : date-like, optional
        First month used for fitting (default: first month of ``y``).
    alpha : float
        1 - coverage of intervals; p-values below ``alpha`` go with intervals excluding zero.
    n_sims, n_param_draws : int
        Simulated counterfactual paths, split evenly across parameter vectors drawn from the
        asymptotic distribution of the MLE.
    param_uncertainty : bool
        If False, simulate only state and observation noise at the MLE (narrower; for comparison).
    seed : int, optional
        Seed of the simulations; the same seed gives the same result.
    units : str
        Units of ``y`` for labels and reports.
    known_events : mapping of label to date-like, optional
        Events (e.g. earlier sanctions packages); any inside the fitting window becomes a caveat.
    average_within : float or None
        With the model chosen by backtest, the simulated paths are shared equally among the
        chosen model and every other candidate whose backtest CRPS is within this fraction of the
        best (0.05 = 5%), so that the interval carries the uncertainty of the model choice when
        the backtest cannot tell the candidates apart. None: the chosen model only.
    pool_nesting : bool
        With the trend chosen by backtest, the candidate that nests the other trends
        (``"level, drift + AR(1)"``, with the chosen seasonal) always shares the simulated paths
        equally, if its fit converged. The backtest forecasts at most 12 months ahead from half
        the pre-period; whether a drift goes on over a longer post-period (29 months for
        2022-03 to 2024-08) is beyond what it can see, and a driftless local level chosen on 38
        months rejected a true null in 12% of simulated flows. False: the backtest's choice
        (and ``average_within``) only.
    check_controls : bool
        Estimate each control's own effect at the first intervention and add a caveat for a
        control whose interval excludes zero (it moved with the treatment).
    anticipation : int
        Months before the first intervention left out of the fit (0: none). Trade that moves
        before the sanction (warnings, buyers and banks pulling back) would otherwise be fitted
        as part of the pre-period, and the counterfactual would start from the lowered level.
        The model is fitted on the months before ``intervention - anticipation`` and projected
        from that month on; the headline effect still runs from the intervention on, and the
        left-out months' own gap (with its interval) is :meth:`CounterfactualResults.
        anticipation_effect`. The model choice and the placebo backtest use the same fitting
        window (the placebo leaves out the same number of months before each pseudo-date).
    control_loading : {"estimated", "one"}
        How a control enters. ``"estimated"``: a regressor whose coefficient is fitted on the
        pre-period (it carries a shock after the intervention only in proportion to how the two
        co-moved before it). ``"one"``: the model is fitted to ``log(y) - log(control)`` (the
        flow relative to one control, coefficient fixed at one), so any shock that hits both
        after the intervention cancels, whether or not the pre-period showed it; needs exactly
        one control and ``log=True``.

    Returns
    -------
    CounterfactualResults

    Raises
    ------
    ParameterError
        Too few pre-period months, too many missing months, non-positive values with ``log=True``,
        controls missing in some month, an unknown trend.
    """
    alpha = _validate_alpha(alpha)
    if isinstance(anticipation, bool) or not isinstance(anticipation, int | np.integer):
        raise ParameterError(f"anticipation must be a whole number of months, got {anticipation!r}")
    if anticipation < 0:
        raise ParameterError(f"anticipation must be 0 or more months, got {anticipation}")
    anticipation = int(anticipation)
    if control_loading not in CONTROL_LOADINGS:
        raise ParameterError(
            f"control_loading must be one of {list(CONTROL_LOADINGS)}, got {control_loading!r}"
        )
    if trend != "auto" and trend not in TRENDS:
        raise ParameterError(f"trend must be 'auto' or one of {list(TRENDS)}, got {trend!r}")
    if seasonal not in ("auto", None) and not (isinstance(seasonal, int) and seasonal > 1):
        raise ParameterError(
            f"seasonal must be 'auto', None or a period such as 12; got {seasonal!r}"
        )
    if n_sims < 100:
        raise ParameterError(f"n_sims must be at least 100, got {n_sims}")
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ParameterError("y must be a Series (or a one-column DataFrame)")
        y = y.iloc[:, 0]
    y = _monthly(y, "y").astype(float)
    dates, labels = _parse_interventions(intervention)
    ps = to_period(pre_start) if pre_start is not None else None
    if ps is not None:
        y = y.loc[ps:]
    t0 = dates[0]
    first = t0 - anticipation  # first month projected (the fit ends the month before)
    pre, lead, post = y.loc[: first - 1], y.loc[first : t0 - 1], y.loc[t0:]
    if anticipation and len(lead) < anticipation:
        raise ParameterError(
            f"anticipation={anticipation} reaches {first}, before the first month of y "
            f"({y.index[0]})"
        )
    if len(post) == 0:
        raise ParameterError(f"no observations on or after the intervention {t0}")
    if post.notna().sum() == 0:
        raise ParameterError(f"y has no observed month on or after the intervention {t0}")
    caveats: list[str] = []

    if log and (y.dropna() < 0).any():
        bad = y.index[y < 0][0]
        raise ParameterError(f"log=True needs non-negative values of y; y is {y[bad]} in {bad}")
    if log and (pre == 0).any():
        k = int((pre == 0).sum())
        caveats.append(f"{k} pre-period month(s) with zero trade treated as missing (log scale)")
        pre = pre.where(pre != 0)
    n_obs = int(pre.notna().sum())
    n_missing = len(pre) - n_obs
    if len(pre) and n_missing / len(pre) > MAX_MISSING_SHARE:
        raise ParameterError(
            f"y has {n_missing} of {len(pre)} pre-period months missing or zero "
            f"(more than {MAX_MISSING_SHARE:.0%}); too gappy for a counterfactual"
        )
    min_pre = MIN_PRE_SEASONAL if seasonal not in (None, "auto") else MIN_PRE
    if n_obs < min_pre:
        raise ParameterError(
            f"need at least {min_pre} observed pre-intervention months, got {n_obs} "
            f"({pre.index[0] if len(pre) else first} to {first - 1})"
            + (f"; anticipation={anticipation} leaves out {first} to {t0 - 1}" if anticipation
               else "")
        )  # fmt: skip
    if seasonal == "auto" and n_obs < MIN_PRE_SEASONAL:
        seasonal = None
        caveats.append(f"{n_obs} pre-period months are too few for a seasonal component")
    if n_missing:
        caveats.append(f"{n_missing} missing month(s) in the pre-period (the filter skips them)")
    if len(pre) < SHORT_PRE:
        caveats.append(
            f"the pre-period has {len(pre)} months (under {SHORT_PRE}): the trend and "
            "seasonal pattern rest on few observations"
        )
    if post.isna().any():
        caveats.append(f"{int(post.isna().sum())} missing month(s) in the post-period are skipped")
    caveats += _known_event_caveats(known_events, pre.index, first, t0)

    x_all = ctrl = None
    if controls is not None:
        ctrl, x_all = _prepare_controls(controls, y, log, pre.index)
    elif control_loading == "one":
        raise ParameterError('control_loading="one" needs a control series (controls=...)')
    proj = lead.index.append(post.index)  # the months the counterfactual is projected over
    if log:
        z_pre, scale = np.log(pre), 1.0
    else:
        scale = float(np.nanmedian(np.abs(pre))) or 1.0
        z_pre = pre / scale
    offset = np.zeros(len(proj))  # added to every simulated path (log scale)
    if control_loading == "one":
        assert ctrl is not None and x_all is not None
        if not log or ctrl.shape[1] != 1:
            raise ParameterError(
                'control_loading="one" models log(y) - log(control): it needs log=True and '
                f"exactly one control, got log={log} and {ctrl.shape[1]} control(s)"
            )
        z_pre = z_pre - x_all.iloc[:, 0].loc[pre.index]
        offset = x_all.iloc[:, 0].loc[proj].to_numpy()
        x_all = None  # the control is in the outcome, not a regressor
    x_pre = None if x_all is None else x_all.loc[pre.index].to_numpy()
    x_post = None if x_all is None else x_all.loc[proj].to_numpy()
    names = [] if x_all is None else [str(c) for c in x_all.columns]

    choice: ModelChoiceResults | None = None
    trends = list(TRENDS) if trend == "auto" else [trend]
    seasonals = [12, None] if seasonal == "auto" else [seasonal]
    chosen_trend, chosen_seasonal = trends[0], seasonals[0]
    if len(trends) * len(seasonals) > 1:
        if n_obs >= 20:
            choice = compare_models(
                z_pre.to_numpy(), exog=x_pre, exog_names=names,
                candidates=[(t, s) for t in trends for s in seasonals],
            )  # fmt: skip
            chosen_trend, chosen_seasonal = choice.chosen_trend, choice.chosen_seasonal
            caveats += [f"model choice: {c}" for c in choice.caveats]
        else:
            chosen_trend = "local level" if trend == "auto" else trend
            caveats.append(f"{n_obs} pre-period months are too few to choose a model by backtest")

    if choice is not None:
        fit = choice.chosen_fit()
    else:
        fit = fit_structural(
            z_pre.to_numpy(), trend=chosen_trend, seasonal=chosen_seasonal, exog=x_pre,
            exog_names=names,
        )  # fmt: skip
    if not fit.identified and choice is None and seasonal == "auto" and chosen_seasonal:
        # too few months for the backtest, and too few for a monthly seasonal: without it
        fallback = fit_structural(
            z_pre.to_numpy(), trend=chosen_trend, seasonal=None, exog=x_pre, exog_names=names
        )
        if fallback.identified:
            caveats.append(
                f"{n_obs} observed pre-period months do not identify a monthly seasonal: the "
                "model has none (seasonal=None), so seasonal swings stay in the residuals and "
                "widen the interval"
            )
            fit, chosen_seasonal = fallback, None
    if not fit.identified:
        raise ParameterError(
            f"{n_obs} observed pre-period months do not identify "
            f"{model_label(chosen_trend, chosen_seasonal)} (the filter's state variance stays "
            "diffuse); use a longer pre-period or seasonal=None"
        )
    if not fit.converged:
        caveats.append(
            "the maximum-likelihood fit did not converge ("
            + "; ".join(fit.messages or ("optimiser flag",))
            + "): treat the intervals with care"
        )
    elif fit.messages:
        caveats.append("numerical warnings while fitting: " + "; ".join(fit.messages))
    rng = np.random.default_rng(seed)
    mixed = [model_label(chosen_trend, chosen_seasonal)]
    if choice is not None and average_within is not None:
        table = choice.to_frame()
        best = float(table["crps"].iloc[0])
        near = table[(table["crps"] <= best * (1 + average_within)) & table["identified"]]
        mixed += [str(m) for m in near.index if m != mixed[0] and choice._fits[m].converged]
    if choice is not None and pool_nesting:
        nest = model_label(NESTING_TREND, chosen_seasonal)
        f_nest = choice._fits.get(nest)
        if f_nest is not None and nest not in mixed and f_nest.identified and f_nest.converged:
            mixed.append(nest)
    fits = [fit] + ([choice._fits[m] for m in mixed[1:]] if choice is not None else [])
    shares = np.diff(np.linspace(0, int(n_sims), len(fits) + 1).round().astype(int))
    per_fit = max(1, int(n_param_draws) // len(fits)) if param_uncertainty else 1
    # Monte Carlo batches: one independently scrambled Sobol block of parameter draws per batch
    groups = np.concatenate(
        [path_groups(int(k), per_fit if param_uncertainty else 1, MC_GROUPS) for k in shares]
    )
    paths = np.vstack([
        simulate_paths(
            f, x_post, len(proj), n_sims=int(k), n_param_draws=per_fit,
            param_uncertainty=bool(param_uncertainty), rng=rng, n_groups=MC_GROUPS,
        )
        for f, k in zip(fits, shares, strict=True)
    ])  # fmt: skip
    paths = paths + offset[None, :]
    sims = np.exp(paths) if log else paths * scale
    sims_lead, sims = sims[:, :anticipation], sims[:, anticipation:]
    config = CounterfactualConfig(
        interventions=dates,
        labels=labels,
        log=bool(log),
        trend=trend,
        seasonal=seasonal,
        trend_chosen=chosen_trend,
        seasonal_chosen=chosen_seasonal,
        pre_start=ps,
        alpha=alpha,
        n_sims=int(n_sims),
        n_param_draws=int(n_param_draws),
        param_uncertainty=bool(param_uncertainty),
        seed=seed,
        units=units,
        models_averaged=tuple(mixed),
        average_within=average_within,
        pool_nesting=bool(pool_nesting),
        anticipation=anticipation,
        control_loading=control_loading,
    )
    checks = None
    if ctrl is not None and check_controls:
        checks = control_moved(ctrl, first, pre_start=pre.index[0], alpha=alpha, log=log)
        for name, row in checks.iterrows():
            if row["moved"]:
                caveats.append(
                    f"control {name} itself moved at {first} (its own average effect "
                    f"{fmt.pct(row['effect']) if log else fmt.number(row['effect'])}, "
                    f"interval excludes zero): part of the treatment may be absorbed by it"
                )
    return CounterfactualResults(
        config=config,
        observed=y.rename("observed"),
        controls=ctrl,
        _fit=fit,
        _sims=sims,
        pre_index=pre.index,
        post_index=post.index,
        anticipation_index=lead.index,
        _sims_anticipation=sims_lead,
        model_choice=choice,
        caveats=tuple(caveats),
        control_checks=checks,
        _groups=groups,
        _estimator=estimate_counterfactual,
    )


def control_moved(
    controls: pd.DataFrame,
    intervention: Any,
    *,
    pre_start: Any = None,
    alpha: float = 0.05,
    log: bool = True,
    n_sims: int = 400,
) -> pd.DataFrame:
    """Each control's own average effect at ``intervention`` and whether it moved.

    The control gets the same treatment as the flow: a counterfactual fitted on its pre-period
    (local level with the seasonal chosen by backtest), compared with what it did afterwards. A
    control whose interval excludes zero moved with the treatment, so using it as a regressor
    attributes part of the effect to it.

    Returns
    -------
    DataFrame
        Index: control names; columns effect, lower, upper, p_value, moved.
    """
    t0 = to_period(intervention)
    rows = {}
    for col in controls.columns:
        s = controls[col]
        if pre_start is not None:
            s = s.loc[to_period(pre_start) :]
        res = estimate_counterfactual(
            s, t0, log=log and bool((s.dropna() > 0).all()), trend="local level",
            alpha=alpha, n_sims=n_sims, n_param_draws=20, seed=7, check_controls=False,
        )  # fmt: skip
        d = summarize_draws(res.effect_draws(), alpha=alpha)
        rows[str(col)] = {
            "effect": d.estimate,
            "lower": d.lower,
            "upper": d.upper,
            "p_value": d.p_value,
            "moved": bool(d.lower > 0 or d.upper < 0),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["moved"] = out["moved"].astype(bool)
    return out.astype({"effect": float, "lower": float, "upper": float, "p_value": float})
