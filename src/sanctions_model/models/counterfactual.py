"""Counterfactual structural time series: what would the series have been without the sanction?

The CausalImpact idea (Brodersen et al. 2015) with statsmodels' frequentist
:class:`~statsmodels.tsa.statespace.structural.UnobservedComponents` in place of the Bayesian
structural time series:

1. fit a structural model (local level or trend, fixed monthly seasonal, optional control
   series as regressors) on the pre-intervention months, by maximum likelihood;
2. draw parameter vectors from the asymptotic normal distribution of the estimates (in the
   unconstrained space, where variances are positive by construction; covariance from the
   numerical Hessian of the log-likelihood), and for each draw run the Kalman filter on the
   pre-period and simulate post-period paths from the filtered state distribution with fresh
   state and observation noise;
3. compare the observed post-period with the simulated counterfactual paths: pointwise,
   average and cumulative effects, with intervals from the quantiles of the simulated effects,
   so that they include parameter, state and observation uncertainty.

With ``log=True`` the model is fitted to ``log(y)`` and effects are reported both in levels (EUR)
and as relative effects (``-0.33`` means 33% below the counterfactual).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from statsmodels.tools.numdiff import approx_hess3
from statsmodels.tsa.statespace.structural import UnobservedComponents

from sanctions_model.errors import ParameterError

from ._results import ResultsDisplayMixin, Summary, as_period_index, to_period
from ._results import validate_alpha as _validate_alpha

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "CounterfactualConfig",
    "CounterfactualResults",
    "PlaceboResults",
    "estimate_counterfactual",
]

TrendKind = Literal["local level", "local linear trend", "smooth trend", "random walk with drift"]
EffectScale = Literal["relative", "absolute"]


@dataclass(frozen=True)
class CounterfactualConfig:
    """Validated options of one :func:`estimate_counterfactual` call."""

    interventions: tuple[pd.Period, ...]
    labels: tuple[str, ...]
    log: bool
    seasonal: int | None
    pre_start: pd.Period | None
    alpha: float
    trend: TrendKind
    n_sims: int
    n_param_draws: int
    param_uncertainty: bool
    seed: int | None
    units: str


def _parse_interventions(
    intervention: Any,
) -> tuple[tuple[pd.Period, ...], tuple[str, ...]]:
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


def _monthly_series(y: pd.Series | pd.DataFrame, name: str) -> pd.Series | pd.DataFrame:
    if not isinstance(y, pd.Series | pd.DataFrame):
        raise ParameterError(f"{name} must be a pandas Series or DataFrame with a date index")
    out = y.copy()
    out.index = as_period_index(out.index)
    if out.index.has_duplicates:
        raise ParameterError(f"{name} has duplicate months in its index")
    out = out.sort_index()
    full = pd.period_range(out.index[0], out.index[-1], freq="M")
    return out.reindex(full)


def _unconstrained_cov(model: UnobservedComponents, params: np.ndarray, scale: float) -> np.ndarray:
    """Covariance of the MLE in the unconstrained parameter space (inverse observed information).

    Standard deviations are in the unconstrained space of statsmodels, where a variance is the
    square of a free parameter. Flat directions (typically a variance at its zero boundary)
    would get an infinite spread; the information is floored at ``1 / scale**2`` so that no
    parameter is more uncertain than ``scale``, the standard deviation of the first differences
    of the pre-period series on the model scale.
    """
    phi = np.asarray(model.untransform_params(params), dtype=float)

    def loglike(p: np.ndarray) -> float:
        return float(model.loglike(p, transformed=False))

    hess = approx_hess3(phi, loglike)
    info = -(hess + hess.T) / 2
    vals, vecs = np.linalg.eigh(info)
    vals = np.maximum(vals, 1.0 / scale**2)
    return (vecs / vals) @ vecs.T


def _sqrt_psd(cov: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    return vecs * np.sqrt(np.clip(vals, 0.0, None))


@dataclass(frozen=True, eq=False)
class _Fit:
    model: UnobservedComponents
    params: np.ndarray
    param_names: tuple[str, ...]
    bse: np.ndarray
    llf: float
    aic: float
    converged: bool
    pre_mean: np.ndarray  # one-step-ahead predictions on the model scale
    pre_var: np.ndarray
    diff_sd: float  # sd of first differences of the pre-period series (model scale)


def _fit_model(
    z_pre: pd.Series,
    x_pre: np.ndarray | None,
    config: CounterfactualConfig,
    exog_names: Sequence[str] = (),
) -> _Fit:
    model = UnobservedComponents(
        np.asarray(z_pre, dtype=float),
        level=config.trend,
        seasonal=config.seasonal,
        stochastic_seasonal=False,
        exog=x_pre,
        mle_regression=x_pre is not None,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(disp=False, maxiter=200)
    converged = bool(res.mle_retvals.get("converged", True))
    burn = int(res.loglikelihood_burn)
    pred = res.get_prediction()
    mean = np.asarray(pred.predicted_mean, dtype=float).copy()
    var = np.asarray(pred.var_pred_mean, dtype=float).reshape(-1).copy()
    mean[:burn] = np.nan
    var[:burn] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bse = np.asarray(res.bse, dtype=float)
    return _Fit(
        model=model,
        params=np.asarray(res.params, dtype=float),
        param_names=tuple(
            f"beta.{exog_names[int(n[6:]) - 1]}"
            if n.startswith("beta.x") and n[6:].isdigit() and len(exog_names) >= int(n[6:])
            else n
            for n in model.param_names
        ),
        bse=bse,
        llf=float(res.llf),
        aic=float(res.aic),
        converged=converged,
        pre_mean=mean,
        pre_var=var,
        diff_sd=float(np.nanstd(np.diff(np.asarray(z_pre, dtype=float)))) or 1.0,
    )


def _simulate_paths(
    fit: _Fit,
    x_post: np.ndarray | None,
    horizon: int,
    config: CounterfactualConfig,
    rng: np.random.Generator,
) -> np.ndarray:
    """Simulated post-period paths on the model scale, shape (n_sims, horizon)."""
    model = fit.model
    n_draws = max(1, config.n_param_draws) if config.param_uncertainty else 1
    reps = int(np.ceil(config.n_sims / n_draws))
    if config.param_uncertainty:
        phi_hat = np.asarray(model.untransform_params(fit.params), dtype=float)
        root = _sqrt_psd(_unconstrained_cov(model, fit.params, fit.diff_sd))
        phis = phi_hat + rng.standard_normal((n_draws, phi_hat.size)) @ root.T
        thetas = [np.asarray(model.transform_params(p), dtype=float) for p in phis]
    else:
        thetas = [fit.params]
    beta_idx = [i for i, n in enumerate(fit.param_names) if n.startswith("beta.")]
    paths = np.empty((len(thetas) * reps, horizon))
    for d, theta in enumerate(thetas):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fr = model.filter(theta, return_ssm=True, cov_type="none")
        a = np.asarray(fr.predicted_state[:, -1])
        p_cov = np.asarray(fr.predicted_state_cov[:, :, -1])
        tmat = np.asarray(fr.transition[:, :, 0])
        zmat = np.asarray(fr.design[:, :, 0])
        rmat = np.asarray(fr.selection[:, :, 0])
        qroot = _sqrt_psd(np.asarray(fr.state_cov[:, :, 0]))
        hsd = float(np.sqrt(max(float(fr.obs_cov[0, 0, 0]), 0.0)))
        k = a.size
        state = a[:, None] + _sqrt_psd(p_cov) @ rng.standard_normal((k, reps))
        if beta_idx and x_post is not None:
            intercept = x_post @ theta[beta_idx]
        else:
            intercept = np.zeros(horizon)
        out = np.empty((reps, horizon))
        for h in range(horizon):
            out[:, h] = (zmat @ state)[0] + intercept[h] + hsd * rng.standard_normal(reps)
            eta = qroot @ rng.standard_normal((qroot.shape[1], reps))
            state = tmat @ state + rmat @ eta
        paths[d * reps : (d + 1) * reps] = out
    return paths[: config.n_sims]


@dataclass(frozen=True, eq=False, repr=False)
class CounterfactualResults(ResultsDisplayMixin):
    """Results of :func:`estimate_counterfactual` (read-only).

    Effects are ``observed - counterfactual``. Relative effects are ratios minus one:
    the *average* relative effect is the mean over post-intervention months of
    ``y_t / yhat_t - 1``; the *cumulative* relative effect is
    ``sum(y_t) / sum(yhat_t) - 1`` over the post period (the shortfall of total trade). Point
    estimates are medians of the simulated effects and intervals their quantiles.
    """

    config: CounterfactualConfig
    observed: pd.Series
    controls: pd.DataFrame | None
    _fit: _Fit
    _sims: np.ndarray  # counterfactual paths in levels, (n_sims, n_post)
    _pre_index: pd.PeriodIndex
    _post_index: pd.PeriodIndex

    # ------------------------------------------------------------------ basic facts
    @property
    def pre_period(self) -> tuple[pd.Period, pd.Period]:
        """First and last month used to fit the model."""
        return self._pre_index[0], self._pre_index[-1]

    @property
    def post_period(self) -> tuple[pd.Period, pd.Period]:
        """First and last month of the evaluation period."""
        return self._post_index[0], self._post_index[-1]

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
        """Whether the optimiser reported convergence."""
        return self._fit.converged

    @property
    def counterfactual_draws(self) -> np.ndarray:
        """Simulated counterfactual paths in levels, shape (n_sims, n_post). A copy."""
        return self._sims.copy()

    # ------------------------------------------------------------------ draws of effects
    def _y_post(self) -> np.ndarray:
        return self.observed.reindex(self._post_index).to_numpy(dtype=float)

    def _stat_draws(self, which: str, scale: EffectScale, mask: np.ndarray | None = None):
        y = self._y_post()
        sims = self._sims
        if mask is not None:
            y = y[mask]
            sims = sims[:, mask]
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

    def _default_scale(self, scale: EffectScale | None) -> EffectScale:
        if scale is None:
            return "relative" if self.config.log else "absolute"
        if scale not in ("relative", "absolute"):
            raise ParameterError(f"scale must be 'relative' or 'absolute', got {scale!r}")
        return scale

    @property
    def average_effect(self) -> float:
        """Average effect over the post period (relative if ``log=True``, else in units)."""
        return float(np.median(self._stat_draws("average", self._default_scale(None))))

    @property
    def cumulative_effect(self) -> float:
        """Cumulative effect over the post period (relative if ``log=True``, else in units)."""
        return float(np.median(self._stat_draws("cumulative", self._default_scale(None))))

    def conf_int(
        self, alpha: float | None = None, *, scale: EffectScale | None = None
    ) -> pd.DataFrame:
        """Intervals for the average and cumulative effect.

        Parameters
        ----------
        alpha : float, optional
            1 - coverage; defaults to the ``alpha`` of the fit.
        scale : {"relative", "absolute"}, optional
            Relative effects (``-0.33`` = 33% below counterfactual) or effects in the units of
            ``y``. Defaults to relative when ``log=True``.

        Returns
        -------
        pandas.DataFrame
            Indexed ``["average", "cumulative"]`` with columns ``["lower", "upper"]``.
        """
        alpha = self.config.alpha if alpha is None else _validate_alpha(alpha)
        scale = self._default_scale(scale)
        rows = {}
        for which in ("average", "cumulative"):
            draws = self._stat_draws(which, scale)
            rows[which] = np.nanquantile(draws, [alpha / 2, 1 - alpha / 2])
        return pd.DataFrame.from_dict(rows, orient="index", columns=["lower", "upper"])

    def summary_frame(self, alpha: float | None = None) -> pd.DataFrame:
        """Average and cumulative effects with intervals, absolute and relative.

        Returns
        -------
        pandas.DataFrame
            Index ``["average", "cumulative"]``; columns ``absolute``, ``absolute_lower``,
            ``absolute_upper``, ``relative``, ``relative_lower``, ``relative_upper``.
        """
        alpha = self.config.alpha if alpha is None else _validate_alpha(alpha)
        out = {}
        for which in ("average", "cumulative"):
            row = {}
            for scale in ("absolute", "relative"):
                d = self._stat_draws(which, scale)
                lo, med, hi = np.nanquantile(d, [alpha / 2, 0.5, 1 - alpha / 2])
                row[scale] = med
                row[f"{scale}_lower"] = lo
                row[f"{scale}_upper"] = hi
            out[which] = row
        return pd.DataFrame.from_dict(out, orient="index")

    @property
    def p_value(self) -> float:
        """One-sided tail probability of the cumulative effect under the counterfactual.

        The share of simulated counterfactual totals at least as extreme, in the direction of the
        observed effect, as the observed total (CausalImpact's posterior tail-area probability),
        ``(1 + count) / (1 + n_sims)``.
        """
        y = self._y_post()
        ok = np.isfinite(y)
        total = y[ok].sum()
        sims = self._sims[:, ok].sum(axis=1)
        n_ge = int(np.sum(sims >= total))
        n_le = int(np.sum(sims <= total))
        return (1 + min(n_ge, n_le)) / (1 + sims.size)

    @property
    def segment_effects(self) -> pd.DataFrame:
        """Average and cumulative relative and absolute effects between successive interventions."""
        alpha = self.config.alpha
        rows = []
        bounds = list(self.config.interventions) + [self._post_index[-1] + 1]
        for label, start, stop in zip(self.config.labels, bounds[:-1], bounds[1:], strict=True):
            mask = (self._post_index >= start) & (self._post_index < stop)
            row: dict[str, Any] = {
                "intervention": label,
                "start": start,
                "end": stop - 1,
                "n_months": int(mask.sum()),
            }
            for scale in ("relative", "absolute"):
                d = self._stat_draws("average", scale, mask)
                lo, med, hi = np.nanquantile(d, [alpha / 2, 0.5, 1 - alpha / 2])
                row[f"average_{scale}"] = med
                row[f"average_{scale}_lower"] = lo
                row[f"average_{scale}_upper"] = hi
            d = self._stat_draws("cumulative", "absolute", mask)
            lo, med, hi = np.nanquantile(d, [alpha / 2, 0.5, 1 - alpha / 2])
            row["cumulative_absolute"] = med
            row["cumulative_absolute_lower"] = lo
            row["cumulative_absolute_upper"] = hi
            rows.append(row)
        return pd.DataFrame(rows).set_index("intervention")

    # ------------------------------------------------------------------ pointwise frame
    def effects_frame(self, alpha: float | None = None) -> pd.DataFrame:
        """Pointwise frame over the whole sample (see :attr:`effects`) at level ``alpha``."""
        alpha = self.config.alpha if alpha is None else _validate_alpha(alpha)
        q = [alpha / 2, 0.5, 1 - alpha / 2]
        index = self._pre_index.append(self._post_index)
        obs = self.observed.reindex(index).to_numpy(dtype=float)
        n_pre = len(self._pre_index)
        # pre-period: one-step-ahead in-sample predictions (normal approximation)
        from scipy.stats import norm

        zcrit = norm.ppf(1 - alpha / 2)
        m, sd = self._fit.pre_mean, np.sqrt(self._fit.pre_var)
        lo_z, hi_z = m - zcrit * sd, m + zcrit * sd
        if self.config.log:
            pre_pred, pre_lo, pre_hi = np.exp(m), np.exp(lo_z), np.exp(hi_z)
        else:
            s = self._level_scale
            pre_pred, pre_lo, pre_hi = m * s, lo_z * s, hi_z * s
        post_lo, post_pred, post_hi = np.nanquantile(self._sims, q, axis=0)
        y_post = obs[n_pre:]
        diff = y_post[None, :] - self._sims
        pw_lo, pw, pw_hi = np.nanquantile(diff, q, axis=0)
        cum_draws = np.nancumsum(diff, axis=1)
        cum_lo, cum, cum_hi = np.nanquantile(cum_draws, q, axis=0)
        rel = y_post[None, :] / self._sims - 1
        rel_lo, rel_med, rel_hi = np.nanquantile(rel, q, axis=0)
        nan_pre = np.full(n_pre, np.nan)
        frame = pd.DataFrame(
            {
                "observed": obs,
                "predicted": np.r_[pre_pred, post_pred],
                "lower": np.r_[pre_lo, post_lo],
                "upper": np.r_[pre_hi, post_hi],
                "pointwise": obs - np.r_[pre_pred, post_pred],
                "pointwise_lower": np.r_[obs[:n_pre] - pre_hi, pw_lo],
                "pointwise_upper": np.r_[obs[:n_pre] - pre_lo, pw_hi],
                "relative": np.r_[nan_pre, rel_med],
                "relative_lower": np.r_[nan_pre, rel_lo],
                "relative_upper": np.r_[nan_pre, rel_hi],
                "cumulative": np.r_[nan_pre, cum],
                "cumulative_lower": np.r_[nan_pre, cum_lo],
                "cumulative_upper": np.r_[nan_pre, cum_hi],
                "post": np.r_[np.zeros(n_pre, bool), np.ones(len(self._post_index), bool)],
            },
            index=index,
        )
        frame.loc[~frame["post"], "pointwise"] = obs[:n_pre] - pre_pred
        frame.loc[frame["post"], "pointwise"] = pw
        frame.index.name = "period"
        return frame

    @property
    def _level_scale(self) -> float:
        pre = self.observed.reindex(self._pre_index).to_numpy(dtype=float)
        s = float(np.nanmedian(np.abs(pre)))
        return s if s > 0 else 1.0

    @property
    def effects(self) -> pd.DataFrame:
        """Pointwise frame: observed, predicted, lower, upper, pointwise, relative, cumulative.

        Indexed by month over the pre and post periods. In the pre-period ``predicted`` is the
        one-step-ahead in-sample prediction; ``relative`` and ``cumulative`` are only defined in
        the post period. ``*_lower``/``*_upper`` columns give the interval at the fit's alpha.
        """
        return self.effects_frame()

    def to_frame(self) -> pd.DataFrame:
        """The numbers behind :meth:`plot` (same as :attr:`effects`)."""
        return self.effects_frame()

    # ------------------------------------------------------------------ text
    def summary(self) -> Summary:
        """Model facts and the average/cumulative effect table."""
        cfg = self.config
        frame = self.summary_frame()
        facts = {
            "Model": f"UnobservedComponents({cfg.trend}"
            + (f", seasonal={cfg.seasonal}" if cfg.seasonal else "")
            + (f", {self.controls.shape[1]} control(s)" if self.controls is not None else "")
            + ")",
            "Scale": "log" if cfg.log else "level",
            "Pre-period": f"{self.pre_period[0]} to {self.pre_period[1]}",
            "Post-period": f"{self.post_period[0]} to {self.post_period[1]}",
            "Interventions": ", ".join(
                f"{label} ({d})" if label != str(d) else str(d)
                for label, d in zip(cfg.labels, cfg.interventions, strict=True)
            ),
            "Simulated paths": f"{self._sims.shape[0]}"
            + (f" ({cfg.n_param_draws} parameter draws)" if cfg.param_uncertainty else ""),
            "Log-likelihood": self._fit.llf,
            "Tail probability p": self.p_value,
        }
        params = pd.DataFrame({"estimate": self.params, "std err": self.bse})
        tables = [
            (f"Effects ({cfg.units}; {int((1 - cfg.alpha) * 100)}% intervals)", frame),
            ("Structural model parameters", params),
        ]
        if len(cfg.interventions) > 1:
            seg = self.segment_effects[
                ["start", "end", "average_relative", "average_relative_lower",
                 "average_relative_upper"]
            ]  # fmt: skip
            tables.append(("Effects between successive interventions", seg))
        notes = []
        if not self.converged:
            notes.append("the optimiser did not report convergence; treat results with care")
        return Summary(
            title="Counterfactual structural time series", facts=facts, tables=tables, notes=notes
        )

    def report(self) -> str:
        """A short plain-language report of the estimated effect."""
        cfg = self.config
        pct = int(round((1 - cfg.alpha) * 100))
        fr = self.summary_frame()
        y = self._y_post()
        pred_mean = float(np.nanmedian(np.nanmean(self._sims, axis=1)))
        lo_pred, hi_pred = np.nanquantile(
            np.nanmean(self._sims, axis=1), [cfg.alpha / 2, 1 - cfg.alpha / 2]
        )
        rel = fr.loc["average"]
        cum = fr.loc["cumulative"]
        start, end = self.post_period
        direction = "below" if rel["relative"] < 0 else "above"
        sig = (
            "The interval excludes zero, so the effect is unlikely to be chance."
            if rel["relative_lower"] > 0 or rel["relative_upper"] < 0
            else "The interval includes zero, so the data cannot rule out no effect."
        )
        return (
            f"From {start} to {end} the series averaged {np.nanmean(y):,.0f} {cfg.units} per "
            f"month. Without the intervention the model expects {pred_mean:,.0f} {cfg.units} "
            f"({pct}% interval {lo_pred:,.0f} to {hi_pred:,.0f}). The series was on average "
            f"{abs(rel['relative']):.0%} {direction} the counterfactual ({pct}% interval "
            f"{rel['relative_lower']:+.0%} to {rel['relative_upper']:+.0%}). Summed over the "
            f"period the difference is {cum['absolute']:,.0f} {cfg.units} ({pct}% interval "
            f"{cum['absolute_lower']:,.0f} to {cum['absolute_upper']:,.0f}), "
            f"{cum['relative']:+.0%} of the counterfactual total. {sig} Tail probability "
            f"p = {self.p_value:.3f}."
        )

    # ------------------------------------------------------------------ plot
    def plot(self, *, alpha: float | None = None, title: str | None = None) -> Figure:
        """The three standard panels: observed vs counterfactual, pointwise and cumulative effect.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        frame = self.effects_frame(alpha)
        alpha = self.config.alpha if alpha is None else alpha
        pct = int(round((1 - alpha) * 100))
        x = frame.index.to_timestamp()
        fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True, constrained_layout=True)
        ax = axes[0]
        ax.plot(x, frame["observed"], color="black", lw=1.2, label="Observed")
        ax.plot(x, frame["predicted"], color="tab:blue", ls="--", lw=1.2, label="Counterfactual")
        ax.fill_between(x, frame["lower"], frame["upper"], color="tab:blue", alpha=0.2,
                        label=f"{pct}% interval")  # fmt: skip
        ax.set_ylabel(self.config.units)
        ax.legend(loc="best", fontsize=8)
        ax.set_title("Observed and counterfactual")
        ax = axes[1]
        ax.plot(x, frame["pointwise"], color="tab:blue", lw=1.2)
        ax.fill_between(x, frame["pointwise_lower"], frame["pointwise_upper"], color="tab:blue",
                        alpha=0.2)  # fmt: skip
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_ylabel(self.config.units)
        ax.set_title("Pointwise effect (observed - counterfactual)")
        ax = axes[2]
        ax.plot(x, frame["cumulative"], color="tab:blue", lw=1.2)
        ax.fill_between(x, frame["cumulative_lower"], frame["cumulative_upper"],
                        color="tab:blue", alpha=0.2)  # fmt: skip
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_ylabel(self.config.units)
        ax.set_title("Cumulative effect")
        for a in axes:
            for d in self.config.interventions:
                a.axvline(d.to_timestamp(), color="tab:red", ls=":", lw=1)
            a.grid(alpha=0.3)
        for label, d in zip(self.config.labels, self.config.interventions, strict=True):
            axes[0].annotate(label, (d.to_timestamp(), 1.0), xycoords=("data", "axes fraction"),
                             fontsize=7, color="tab:red", rotation=90, va="top", ha="right")  # fmt: skip
        fig.suptitle(title or "Counterfactual estimate of the intervention effect")
        return fig

    # ------------------------------------------------------------------ placebo
    def placebo_test(
        self,
        dates: Sequence[Any] | None = None,
        *,
        n_placebos: int = 3,
        min_pre: int = 24,
        horizon: int | None = None,
        n_sims: int | None = None,
    ) -> PlaceboResults:
        """Backtest on the pre-period: pretend the intervention happened at earlier dates.

        Only months before the first real intervention are used, so a well-specified model
        should find no effect (intervals covering zero, large tail probabilities).

        Parameters
        ----------
        dates : sequence of date-like, optional
            Placebo intervention months. By default ``n_placebos`` evenly spaced months that
            leave ``min_pre`` months before each and ``horizon`` after it.
        n_placebos : int
            Number of default placebo dates.
        min_pre : int
            Minimum number of fitting months before a placebo date.
        horizon : int, optional
            Months evaluated after each placebo date (default: all remaining pre-period months,
            at most 12).
        n_sims : int, optional
            Simulated paths per placebo fit (default: that of the original fit).

        Returns
        -------
        PlaceboResults
        """
        pre = self.observed.reindex(self._pre_index)
        n_pre = len(pre)
        h = horizon if horizon is not None else min(12, n_pre - min_pre)
        if h < 1 or n_pre - h < min_pre:
            raise ParameterError(
                f"pre-period of {n_pre} months is too short for placebo tests with "
                f"min_pre={min_pre} and horizon={h}"
            )
        if dates is None:
            last = n_pre - h
            locs = np.unique(np.linspace(min_pre, last, n_placebos).round().astype(int))
            placebo_dates = [self._pre_index[i] for i in locs]
        else:
            placebo_dates = [to_period(d) for d in dates]
        rows = []
        for i, d in enumerate(placebo_dates):
            end = min(d + (h - 1), self._pre_index[-1])
            y = self.observed.loc[self._pre_index[0] : end]
            ctrl = None if self.controls is None else self.controls.loc[y.index[0] : end]
            seed = None if self.config.seed is None else self.config.seed + 1000 + i
            res = estimate_counterfactual(
                y,
                d,
                controls=ctrl,
                log=self.config.log,
                seasonal=self.config.seasonal,
                alpha=self.config.alpha,
                trend=self.config.trend,
                n_sims=n_sims or self.config.n_sims,
                n_param_draws=self.config.n_param_draws,
                param_uncertainty=self.config.param_uncertainty,
                seed=seed,
                units=self.config.units,
            )
            ci = res.conf_int()
            rows.append(
                {
                    "placebo_date": d,
                    "n_months": int(len(res._post_index)),
                    "average_effect": res.average_effect,
                    "lower": ci.loc["average", "lower"],
                    "upper": ci.loc["average", "upper"],
                    "p_value": res.p_value,
                }
            )
        frame = pd.DataFrame(rows).set_index("placebo_date")
        frame["covers_zero"] = (frame["lower"] <= 0) & (frame["upper"] >= 0)
        return PlaceboResults(frame=frame, alpha=self.config.alpha, scale=self._default_scale(None))


@dataclass(frozen=True, eq=False, repr=False)
class PlaceboResults(ResultsDisplayMixin):
    """Placebo backtest of a counterfactual model (see :meth:`CounterfactualResults.placebo_test`)."""

    frame: pd.DataFrame
    alpha: float
    scale: EffectScale

    def to_frame(self) -> pd.DataFrame:
        """One row per placebo date: average effect, interval, tail probability, covers_zero."""
        return self.frame.copy()

    @property
    def false_positive_rate(self) -> float:
        """Share of placebo dates whose interval excludes zero."""
        return float(1 - self.frame["covers_zero"].mean())

    def summary(self) -> Summary:
        """Placebo table and the false positive rate."""
        return Summary(
            title="Placebo backtest on the pre-intervention period",
            facts={
                "Placebo dates": len(self.frame),
                "Effect scale": self.scale,
                "Interval level": f"{1 - self.alpha:.0%}",
                "False positive rate": self.false_positive_rate,
            },
            tables=[("", self.frame)],
        )


def estimate_counterfactual(
    y: pd.Series,
    intervention: Any,
    *,
    controls: pd.Series | pd.DataFrame | None = None,
    log: bool = True,
    seasonal: int | None = 12,
    pre_start: Any = None,
    alpha: float = 0.05,
    trend: TrendKind = "local level",
    n_sims: int = 1000,
    n_param_draws: int = 100,
    param_uncertainty: bool = True,
    seed: int | None = 0,
    units: str = "EUR",
) -> CounterfactualResults:
    """Estimate what ``y`` would have been without the intervention(s).

    Parameters
    ----------
    y : pandas.Series
        Monthly series indexed by dates or monthly periods (missing months become NaN).
    intervention : date-like, sequence of date-like, or mapping of label to date-like
        First month(s) of the intervention(s). The model is fitted on months before the first
        one; with several (e.g. successive sanction packages) effects are also reported for each
        stretch between them (:attr:`CounterfactualResults.segment_effects`).
    controls : Series or DataFrame, optional
        Control series, observed over the whole sample and unaffected by the intervention (e.g.
        exports to a non-sanctioned partner); regressors of the structural model, logged when
        ``log=True``.
    log : bool
        Model ``log(y)`` (and log controls); effects are then reported relative by default.
    seasonal : int or None
        Period of the fixed seasonal component (12 for monthly data, None for none).
    pre_start : date-like, optional
        First month used for fitting (default: first month of ``y``).
    alpha : float
        Default 1 - coverage of intervals.
    trend : {"local level", "local linear trend", "smooth trend", "random walk with drift"}
        Trend component of the structural model.
    n_sims : int
        Number of simulated counterfactual paths.
    n_param_draws : int
        Number of parameter vectors drawn from the asymptotic distribution of the MLE; the paths
        are split evenly across them.
    param_uncertainty : bool
        If False, simulate only from the state and observation noise at the MLE (narrower
        intervals; for comparison).
    seed : int, optional
        Seed of the simulations; the same seed gives the same result.
    units : str
        Units of ``y`` for labels and reports.

    Returns
    -------
    CounterfactualResults

    Notes
    -----
    A fit on 38 pre-period months with 1000 paths from 100 parameter draws takes about half a
    second (see ``benchmarks/bench_models.py``).
    """
    alpha = _validate_alpha(alpha)
    if trend not in ("local level", "local linear trend", "smooth trend", "random walk with drift"):
        raise ParameterError(f"unknown trend {trend!r}")
    if n_sims < 10:
        raise ParameterError("n_sims must be at least 10")
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ParameterError("y must be a Series (or a one-column DataFrame)")
        y = y.iloc[:, 0]
    y = _monthly_series(y, "y").astype(float)
    dates, labels = _parse_interventions(intervention)
    ps = to_period(pre_start) if pre_start is not None else None
    config = CounterfactualConfig(
        interventions=dates,
        labels=labels,
        log=bool(log),
        seasonal=int(seasonal) if seasonal else None,
        pre_start=ps,
        alpha=alpha,
        trend=trend,
        n_sims=int(n_sims),
        n_param_draws=int(n_param_draws),
        param_uncertainty=bool(param_uncertainty),
        seed=seed,
        units=units,
    )
    if ps is not None:
        y = y.loc[ps:]
    t0 = dates[0]
    pre = y.loc[: t0 - 1]
    post = y.loc[t0:]
    if len(post) == 0:
        raise ParameterError(f"no observations on or after the intervention {t0}")
    min_pre = 2 * config.seasonal if config.seasonal else 8
    if pre.notna().sum() < min_pre:
        raise ParameterError(
            f"need at least {min_pre} pre-intervention months, got {int(pre.notna().sum())}"
        )
    if config.log and (y.dropna() <= 0).any():
        raise ParameterError("log=True needs strictly positive values of y")

    x_all: pd.DataFrame | None = None
    if controls is not None:
        ctrl = _monthly_series(
            controls.to_frame() if isinstance(controls, pd.Series) else controls, "controls"
        ).astype(float)
        ctrl = ctrl.reindex(y.index)
        if ctrl.isna().any().any():
            raise ParameterError("controls must be observed in every month of y")
        if config.log:
            if (ctrl <= 0).any().any():
                raise ParameterError("log=True needs strictly positive controls")
            x_all = np.log(ctrl)
        else:
            x_all = ctrl / ctrl.loc[pre.index].abs().median()
        controls = ctrl

    if config.log:
        z_pre = np.log(pre)
        scale = 1.0
    else:
        scale = float(np.nanmedian(np.abs(pre))) or 1.0
        z_pre = pre / scale
    x_pre = None if x_all is None else x_all.loc[pre.index].to_numpy()
    x_post = None if x_all is None else x_all.loc[post.index].to_numpy()

    names = [] if x_all is None else [str(c) for c in x_all.columns]
    fit = _fit_model(z_pre, x_pre, config, names)
    rng = np.random.default_rng(seed)
    paths = _simulate_paths(fit, x_post, len(post), config, rng)
    sims = np.exp(paths) if config.log else paths * scale
    if not fit.converged:
        warnings.warn(
            "UnobservedComponents did not converge; intervals may be unreliable",
            RuntimeWarning,
            stacklevel=2,
        )
    return CounterfactualResults(
        config=config,
        observed=y.rename("observed"),
        controls=None if controls is None else pd.DataFrame(controls),
        _fit=fit,
        _sims=sims,
        _pre_index=pre.index,
        _post_index=post.index,
    )


def with_options(config: CounterfactualConfig, **changes: Any) -> CounterfactualConfig:
    """Return a copy of ``config`` with some options changed (frozen configs are not mutated)."""
    return replace(config, **changes)
