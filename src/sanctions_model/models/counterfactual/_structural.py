"""The structural time-series engine behind the monthly counterfactual and its backtests.

One fit of statsmodels' :class:`~statsmodels.tsa.statespace.structural.UnobservedComponents` by
maximum likelihood (warnings from the optimiser and the filter are caught and returned as data,
never printed), multi-step predictive densities from a fitted model (for the rolling-origin
backtest), and simulated paths that include parameter, state and observation uncertainty (for the
counterfactual).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
from statsmodels.tools.numdiff import approx_hess3, approx_hess_cs
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.statespace.structural import UnobservedComponents

from ._likelihood import LeanUnobservedComponents

TrendKind = Literal[
    "local level", "local linear trend", "random walk with drift", "level, drift + AR(1)"
]
TRENDS: tuple[TrendKind, ...] = (
    "local level",
    "local linear trend",
    "random walk with drift",
    "level, drift + AR(1)",
)
# "level, drift + AR(1)": a random-walk level with a fixed drift, stationary AR(1) deviations and
# an irregular. It nests a deterministic trend with AR(1) deviations (level variance 0). Without
# it, a drift came only with a level that has no AR(1) deviations to absorb persistent noise, so
# on short pre-periods the backtest preferred a driftless local level and the counterfactual
# stayed flat while a trending series kept growing.
_UC_SPEC: dict[str, dict[str, object]] = {
    "level, drift + AR(1)": {"level": "local linear deterministic trend", "autoregressive": 1},
}


@dataclass(frozen=True, eq=False)
class StructuralFit:
    """A fitted structural model (internal; the public results wrap it).

    The standard errors and the in-sample one-step predictions are computed on first use: a
    candidate of the model choice needs neither unless it becomes the headline (the scores behind
    ``bse`` cost k complex-step filter runs, the predictions one more).
    """

    model: UnobservedComponents
    results: object  # statsmodels UnobservedComponentsResults (fitted with cov_type="none")
    params: np.ndarray
    param_names: tuple[str, ...]
    llf: float
    converged: bool
    fit_messages: tuple[str, ...]  # warnings raised by the optimiser and the filter, as text
    diff_sd: float  # sd of first differences of the fitted series (model scale)
    burn: int

    @cached_property
    def _after_fit(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
        """Standard errors, one-step predictions and their variances, and the warnings raised."""
        res = self.results
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cov = np.asarray(res.cov_params_opg, dtype=float)  # type: ignore[attr-defined]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # as statsmodels' own bse
                bse = np.sqrt(np.diag(cov))
            pred = res.get_prediction()  # type: ignore[attr-defined]
            mean = np.asarray(pred.predicted_mean, dtype=float).copy()
            var = np.asarray(pred.var_pred_mean, dtype=float).reshape(-1).copy()
        mean[: self.burn] = np.nan
        var[: self.burn] = np.nan
        return bse, mean, var, _warning_text(caught)

    @property
    def bse(self) -> np.ndarray:
        """Standard errors from the outer product of the scores (statsmodels' default, "opg")."""
        return self._after_fit[0]

    @property
    def pre_mean(self) -> np.ndarray:
        """One-step-ahead predictions on the model scale (NaN in the burn-in)."""
        return self._after_fit[1]

    @property
    def pre_var(self) -> np.ndarray:
        return self._after_fit[2]

    @property
    def messages(self) -> tuple[str, ...]:
        """Warnings raised while fitting, then any raised computing ``bse`` and ``pre_mean``."""
        extra = [m for m in self._after_fit[3] if m not in self.fit_messages]
        return (*self.fit_messages, *extra)

    @property
    def identified(self) -> bool:
        """False when the filter's final state variance is still near its diffuse start.

        That happens when too few months are observed for the states (12 for a level and a
        monthly seasonal): the forecasts would then carry the arbitrary diffuse variance.
        """
        fr = self.results.filter_results  # type: ignore[attr-defined]
        pmax = float(np.nanmax(np.diag(np.asarray(fr.predicted_state_cov)[:, :, -1])))
        return bool(np.isfinite(pmax) and pmax < 100 * max(self.diff_sd, 1e-3) ** 2 + 1.0)


def _warning_text(caught: Sequence[warnings.WarningMessage]) -> tuple[str, ...]:
    out: list[str] = []
    for w in caught:
        kind = "convergence" if issubclass(w.category, ConvergenceWarning) else "numerical"
        text = f"{kind}: {str(w.message).splitlines()[0][:120]}"
        if text not in out:
            out.append(text)
    return tuple(out)


def structural_model(
    z: np.ndarray, *, trend: TrendKind, seasonal: int | None, exog: np.ndarray | None = None
) -> UnobservedComponents:
    """The statsmodels model of one candidate (trend, seasonal, regressors).

    statsmodels' ``UnobservedComponents`` with a leaner log-likelihood call (the same values;
    :mod:`._likelihood`).
    """
    spec = _UC_SPEC.get(trend, {"level": trend})
    return LeanUnobservedComponents(
        np.asarray(z, dtype=float),
        **spec,  # type: ignore[arg-type]
        seasonal=seasonal,
        stochastic_seasonal=False,
        exog=exog,
        mle_regression=exog is not None,
    )


def _fit(model: UnobservedComponents, maxiter: int) -> tuple[object, bool, tuple[str, ...]]:
    """BFGS from statsmodels' default start, settled by Nelder-Mead when BFGS stops early.

    The results are filtered, not smoothed (statsmodels smooths after fitting by default; nothing
    here reads smoothed states): the model's flag is set for the fit and restored after it.
    """
    smoothing = model.ssm.memory_no_smoothing
    model.ssm.memory_no_smoothing = True
    try:
        return _optimise(model, maxiter)
    finally:
        model.ssm.memory_no_smoothing = smoothing


def _optimise(model: UnobservedComponents, maxiter: int) -> tuple[object, bool, tuple[str, ...]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = model.fit(disp=False, method="bfgs", maxiter=maxiter, cov_type="none")
        confirmed = False
        if not res.mle_retvals.get("converged", True) and maxiter > 20:
            # Quasi-Newton line searches often stop at the optimum when a variance sits at its
            # zero boundary ("abnormal termination", "precision loss"). A derivative-free
            # Nelder-Mead from there settles it: if it finds no higher likelihood, the point
            # is a maximum.
            caught.clear()
            nm = model.fit(
                res.params, disp=False, method="nm", maxiter=20 * maxiter, cov_type="none"
            )
            if nm.llf > res.llf + 1e-6 * max(1.0, abs(res.llf)):
                res = nm
                confirmed = bool(nm.mle_retvals.get("converged", True))
            else:
                confirmed = True
            if confirmed:
                caught.clear()
    messages = _warning_text(caught)
    converged = (confirmed or bool(res.mle_retvals.get("converged", True))) and not any(
        m.startswith("convergence") for m in messages
    )
    return res, converged, messages


def fit_structural(
    z: np.ndarray,
    *,
    trend: TrendKind,
    seasonal: int | None,
    exog: np.ndarray | None = None,
    exog_names: Sequence[str] = (),
    maxiter: int = 200,
) -> StructuralFit:
    """Fit ``z`` (model scale, NaN for missing months) by maximum likelihood.

    Warnings (statsmodels' ConvergenceWarning, RuntimeWarning from the filter or the Hessian) are
    recorded in ``messages``; ``converged`` is False when the optimiser says so or a convergence
    warning was raised.
    """
    model = structural_model(z, trend=trend, seasonal=seasonal, exog=exog)
    names = []
    for n in model.param_names:
        k = n[6:]
        if n.startswith("beta.x") and k.isdigit() and len(exog_names) >= int(k):
            names.append(f"beta.{exog_names[int(k) - 1]}")
        else:
            names.append(n)
    res, converged, messages = _fit(model, maxiter)
    zz = np.asarray(z, dtype=float)
    diff = np.diff(zz[np.isfinite(zz)])
    return StructuralFit(
        model=model,
        results=res,
        params=np.asarray(res.params, dtype=float),  # type: ignore[attr-defined]
        param_names=tuple(names),
        llf=float(res.llf),  # type: ignore[attr-defined]
        converged=converged,
        fit_messages=messages,
        diff_sd=float(np.std(diff)) if diff.size > 1 and np.std(diff) > 0 else 1.0,
        burn=int(res.loglikelihood_burn),  # type: ignore[attr-defined]
    )


def dynamic_forecasts(
    fit: StructuralFit, origins: Sequence[int], horizon: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Mean and variance of the forecasts of months ``o .. o + horizon - 1`` for each origin ``o``.

    Made at ``o`` from the data before it (the filter's predicted state for month ``o``, carried
    forward by the transition), with the parameters of ``fit``: the backtest is out of sample
    for the states, not for the few variances fitted on the whole window.
    """
    fr = fit.results.filter_results
    a_all = np.asarray(fr.predicted_state)
    p_all = np.asarray(fr.predicted_state_cov)
    tmat = np.asarray(fr.transition[:, :, 0])
    zrow = np.asarray(fr.design[0, :, 0])
    rqr = np.asarray(fr.selection[:, :, 0]) @ np.asarray(fr.state_cov[:, :, 0])
    rqr = rqr @ np.asarray(fr.selection[:, :, 0]).T
    h_var = float(fr.obs_cov[0, 0, 0])
    d = np.asarray(fr.obs_intercept)[0]
    n = fit.model.nobs
    out = []
    for o in origins:
        steps = min(horizon, n - o)
        a, p = a_all[:, o].copy(), p_all[:, :, o].copy()
        mean, var = np.empty(steps), np.empty(steps)
        for h in range(steps):
            mean[h] = zrow @ a + (d[o + h] if d.size > 1 else d[0])
            var[h] = zrow @ p @ zrow + h_var
            a = tmat @ a
            p = tmat @ p @ tmat.T + rqr
        out.append((mean, var))
    return out


def _unconstrained_cov(model: UnobservedComponents, params: np.ndarray, scale: float) -> np.ndarray:
    """Covariance of the MLE in the unconstrained parameter space (inverse observed information).

    A variance is the square of a free parameter there. Flat directions (typically a variance at
    its zero boundary) would get an infinite spread; the information is floored at
    ``1 / scale**2`` so that no parameter is more uncertain than ``scale``, the standard deviation
    of the first differences of the fitted series.

    The Hessian is taken by complex steps (statsmodels' ``approx_hess_cs``, as its own state-space
    models do): one of the two derivatives is exact to rounding. Second differences of the real
    log-likelihood (``approx_hess3``, used before 2026-12-06) lose most of their digits to the
    filter's rounding on these nearly flat likelihoods: on the real EU27 -> UZ series, two optima
    the optimiser reached with one and with two BLAS threads (parameters 1e-4 apart, log-likelihood
    equal to 1e-8) gave information eigenvalues of (9.6, 95, 911, 2124) and (-26, -1.4, 665, 2113),
    and printed interval ends of +200% and +150%; the complex-step Hessian gives (8.8, 16.3, 732,
    2039) at both. Where a complex step is not finite, the real second differences are used.
    """
    phi = np.asarray(model.untransform_params(params), dtype=float)

    def loglike_cs(p: np.ndarray) -> complex:
        return model.loglike(p, transformed=False, complex_step=True)

    with np.errstate(all="ignore"):
        hess = np.real(approx_hess_cs(phi, loglike_cs))
    if not np.all(np.isfinite(hess)):

        def loglike(p: np.ndarray) -> float:
            return float(model.loglike(p, transformed=False))

        hess = approx_hess3(phi, loglike)
    info = -(hess + hess.T) / 2
    vals, vecs = np.linalg.eigh(info)
    vals = np.maximum(np.nan_to_num(vals, nan=0.0), 1.0 / scale**2)
    return (vecs / vals) @ vecs.T


def sqrt_psd(cov: np.ndarray) -> np.ndarray:
    """The symmetric square root ``V sqrt(L) V'`` of a symmetric positive semi-definite matrix
    (negative eigenvalues to 0).

    Unlike ``V sqrt(L)``, it does not depend on the signs LAPACK gives the eigenvectors, nor on
    the basis it picks within a repeated eigenvalue: those follow rounding (the thread count, the
    machine), and with them which parameter draw a normal vector maps to. With ``V sqrt(L)`` two
    BLAS thread counts gave different draws for a third of notebook 02's paths (same
    distribution, other Monte Carlo noise) and moved printed interval ends; the symmetric root is
    a continuous function of the matrix, so a rounding-level change of the matrix moves each draw
    by a rounding-level amount.
    """
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    return (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T


def _group_sizes(n: int, n_groups: int) -> np.ndarray:
    return np.diff(np.linspace(0, n, min(n, n_groups) + 1).round().astype(int))


def _normal_qmc(n: int, dim: int, rng: np.random.Generator, n_groups: int) -> np.ndarray:
    """``n`` standard normal vectors from ``n_groups`` independently scrambled Sobol sequences.

    Randomised quasi-Monte Carlo: each block covers the parameter space evenly (far less
    Monte Carlo noise in the figures than independent draws), and the independent scramblings
    make the spread between blocks an honest Monte Carlo error (see :mod:`.mc_error`).
    """
    from scipy.stats import norm, qmc

    blocks = [qmc.Sobol(dim, scramble=True, seed=rng).random(m) for m in _group_sizes(n, n_groups)]
    return norm.ppf(np.clip(np.vstack(blocks), 1e-12, 1 - 1e-12))


def path_groups(n_sims: int, n_param_draws: int, n_groups: int) -> np.ndarray:
    """The Sobol block (0 .. n_groups - 1) of each path of :func:`simulate_paths`."""
    n_draws = max(1, n_param_draws)
    reps = int(np.ceil(n_sims / n_draws))
    block_of_draw = np.repeat(np.arange(min(n_draws, n_groups)), _group_sizes(n_draws, n_groups))
    if n_draws == 1:  # no parameter draws: paths split into blocks in order
        return np.repeat(np.arange(min(n_sims, n_groups)), _group_sizes(n_sims, n_groups))
    return block_of_draw[np.arange(n_sims) // reps]


def simulate_paths(
    fit: StructuralFit,
    x_post: np.ndarray | None,
    horizon: int,
    *,
    n_sims: int,
    n_param_draws: int,
    param_uncertainty: bool,
    rng: np.random.Generator,
    n_groups: int = 10,
) -> np.ndarray:
    """Simulated post-period paths on the model scale, shape ``(n_sims, horizon)``.

    Parameter vectors are drawn from the asymptotic normal distribution of the MLE (in the
    unconstrained space); for each, the Kalman filter is run on the fitting window and paths are
    simulated forward from the filtered state distribution with fresh state and observation noise.
    """
    model = fit.model
    n_draws = max(1, n_param_draws) if param_uncertainty else 1
    reps = int(np.ceil(n_sims / n_draws))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if param_uncertainty:
            phi_hat = np.asarray(model.untransform_params(fit.params), dtype=float)
            root = sqrt_psd(_unconstrained_cov(model, fit.params, fit.diff_sd))
            phis = phi_hat + _normal_qmc(n_draws, phi_hat.size, rng, n_groups) @ root.T
            thetas = _transform_rows(model, phis)
        else:
            thetas = [fit.params]
    beta_idx = [i for i, n in enumerate(fit.param_names) if n.startswith("beta.")]
    batched = _simulate_batched(fit, np.asarray(thetas), x_post, horizon, reps, beta_idx, rng)
    if batched is not None:
        return batched[:n_sims]
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
        qroot = sqrt_psd(np.asarray(fr.state_cov[:, :, 0]))
        hsd = float(np.sqrt(max(float(fr.obs_cov[0, 0, 0]), 0.0)))
        state = a[:, None] + sqrt_psd(p_cov) @ rng.standard_normal((a.size, reps))
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
    return paths[:n_sims]


def _transform_rows(model: UnobservedComponents, phis: np.ndarray) -> np.ndarray:
    """``model.transform_params`` of each row of ``phis``, all rows at once where it can.

    For statsmodels' own ``UnobservedComponents.transform_params`` without a cycle and with at
    most an AR(1): variances are squares, the AR coefficient ``-u / (1 + u**2)**0.5``, betas
    unchanged, the same elementwise operations on a column as on one value (2,000 calls of
    about 5 microseconds each before). The first rows are checked against the method itself
    bit for bit; any other model, or a difference, goes row by row.
    """

    def one_by_one(rows: np.ndarray) -> np.ndarray:
        return np.array([np.asarray(model.transform_params(p), dtype=float) for p in rows])

    u = np.asarray(phis, dtype=float)
    ar = int(model.ar_order) if getattr(model, "autoregressive", False) else 0
    k = int(model.k_obs_cov + model.k_state_cov)
    if (
        type(model).transform_params is not UnobservedComponents.transform_params
        or getattr(model, "cycle", True)
        or ar > 1
        or u.ndim != 2
        or u.shape[1] != k + ar + int(model.k_exog or 0)
        or not u.shape[0]
    ):
        return one_by_one(u)
    out = np.zeros(u.shape)
    out[:, :k] = u[:, :k] ** 2
    if ar:
        r = u[:, k : k + 1]
        out[:, k : k + 1] = -(r / ((1 + r**2) ** 0.5))  # constrain_stationary_univariate
    out[:, k + ar :] = u[:, k + ar :]
    head = min(8, u.shape[0])
    if out[:head].tobytes() != one_by_one(u[:head]).tobytes():
        return one_by_one(u)
    return out


def _simulate_batched(
    fit: StructuralFit,
    thetas: np.ndarray,
    x_post: np.ndarray | None,
    horizon: int,
    reps: int,
    beta_idx: list[int],
    rng: np.random.Generator,
) -> np.ndarray | None:
    """:func:`simulate_paths` for all parameter draws at once (None: the model is not supported).

    The structure check draws from its own generator, so ``rng`` is consumed only by the paths.
    """
    from . import _batched

    model = fit.model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        system = _batched.affine_system(model, fit.params, np.random.default_rng(0))
        if system is None:
            return None
        mats = system.at(thetas)
        start = _batched.initial_state(model, mats)
        if start is None:
            return None
        a, p = _batched.batched_filter(np.asarray(model.endog)[:, 0], mats, *start)
    if beta_idx and x_post is not None:
        intercept = thetas[:, beta_idx] @ np.asarray(x_post, dtype=float).T
    else:
        intercept = np.zeros((thetas.shape[0], horizon))
    out = _batched.simulate_forward(a, p, mats, intercept, reps, rng)
    return out.reshape(-1, horizon)
