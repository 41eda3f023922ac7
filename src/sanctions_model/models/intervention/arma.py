"""The profiled exact likelihood of a regression with stationary ARMA errors (see the package
docstring: GLS for the regression given the ARMA parameters, the optimiser over those only)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_toeplitz
from scipy.optimize import minimize
from statsmodels.tools.numdiff import approx_hess3
from statsmodels.tsa.arima_process import NONSTATIONARY_ERROR, arma_acovf
from statsmodels.tsa.statespace.tools import constrain_stationary_univariate

from .._ts_kernels import BAD_ACOVF, OK, SINGULAR, gls_kernel, resid_innovations_kernel

__all__ = []


@dataclass(frozen=True, eq=False)
class _ArmaFit:
    order: tuple[int, int]
    beta: np.ndarray
    beta_cov: np.ndarray
    arma: np.ndarray  # (phi_1..phi_p, theta_1..theta_q)
    arma_bse: np.ndarray
    sigma2: float
    llf: float
    aic: float
    bic: float
    fitted: np.ndarray
    converged: bool


def _constrain(u: np.ndarray, p: int, q: int) -> tuple[np.ndarray, np.ndarray]:
    phi = constrain_stationary_univariate(u[:p]) if p else np.empty(0)
    theta = -constrain_stationary_univariate(u[p : p + q]) if q else np.empty(0)
    return np.asarray(phi, dtype=float), np.asarray(theta, dtype=float)


def _innovations(acov: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-step prediction errors of the columns of ``w`` and their variances (Durbin-Levinson).

    For a stationary process with autocovariances ``acov`` this is ``C^{-1} w`` and ``D`` in the
    factorisation ``Gamma = C D C'`` (``C`` unit lower triangular), without forming ``Gamma``:
    plain O(n^2) vector operations instead of a dense Cholesky factorisation, whose multithreaded
    BLAS call took 0.1 s for n = 136 on a loaded two-core machine.
    """
    n = acov.size
    e = np.empty_like(w)
    v = np.empty(n)
    v[0] = acov[0]
    e[0] = w[0]
    wrev = w[::-1]  # w[t-1::-1] == wrev[n-t:]
    grev = acov[::-1]  # acov[t-1:0:-1] == grev[n-t:n-1]
    phi = np.zeros(n)
    for t in range(1, n):
        a = (acov[t] - phi[: t - 1] @ grev[n - t : n - 1]) / v[t - 1]
        phi[: t - 1] -= a * phi[t - 2 :: -1] if t > 1 else 0.0
        phi[t - 1] = a
        v[t] = v[t - 1] * (1.0 - a * a)
        e[t] = w[t] - phi[:t] @ wrev[n - t :]
    return e, v


def _resid_innovations(r: np.ndarray, phi: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Innovations of the residual ``r`` under ARMA(phi, theta): compiled, or the reference."""
    kernel = resid_innovations_kernel()
    if kernel is None:
        g = arma_acovf(np.r_[1.0, -phi], np.r_[1.0, theta], nobs=r.size)
        return _innovations(g, r[:, None])[0][:, 0]
    return kernel(
        np.ascontiguousarray(phi, dtype=float), np.ascontiguousarray(theta, dtype=float), r
    )


def _logdet_toeplitz(acov: np.ndarray) -> float:
    """log det of the Toeplitz matrix of ``acov`` by the Durbin-Levinson recursion.

    Stops once the partial autocorrelations vanish (|a| < 1e-9; immediately after lag p for a
    pure AR): the prediction-error variance is then constant.
    """
    n = acov.size
    v = acov[0]
    total = np.log(v)
    phi = np.zeros(n)
    for t in range(1, n):
        a = (acov[t] - phi[: t - 1] @ acov[t - 1 : 0 : -1]) / v
        if t > 1:
            phi[: t - 1] -= a * phi[t - 2 :: -1]
        phi[t - 1] = a
        v *= 1.0 - a * a
        if v <= 0:
            raise np.linalg.LinAlgError("autocovariances not positive definite")
        total += np.log(v)
        if abs(a) < 1e-9 and t > 2:
            return float(total + (n - 1 - t) * np.log(v))
    return float(total)


def _gls_reference(z: np.ndarray, x: np.ndarray, phi: np.ndarray, theta: np.ndarray):
    """Exact Gaussian GLS of ``z`` on ``x`` with ARMA(phi, theta) errors, scale profiled out.

    ``Gamma^{-1} [z, x]`` comes from scipy's Levinson solver for Toeplitz systems and the log
    determinant from the Durbin-Levinson recursion: no dense factorisation (a multithreaded BLAS
    Cholesky of a 136 x 136 matrix took 0.1 s on a loaded two-core machine).

    Returns the profile log-likelihood, the GLS coefficients, the weighted sum of squared
    residuals and ``x' Gamma^{-1} x``. The reference of the compiled path of :func:`_gls`.
    """
    n = z.size
    g = arma_acovf(np.r_[1.0, -phi], np.r_[1.0, theta], nobs=n)
    if not np.all(np.isfinite(g)) or g[0] <= 0:
        raise np.linalg.LinAlgError("invalid ARMA autocovariances")
    gi = solve_toeplitz(g, np.column_stack([z, x]))
    xtgx = x.T @ gi[:, 1:]
    beta = np.linalg.lstsq(xtgx, x.T @ gi[:, 0], rcond=None)[0]
    ssr = float((z - x @ beta) @ (gi[:, 0] - gi[:, 1:] @ beta))
    if ssr <= 0:
        raise np.linalg.LinAlgError("non-positive weighted sum of squares")
    s2 = ssr / n
    llf = -0.5 * n * (np.log(2 * np.pi * s2) + 1) - 0.5 * _logdet_toeplitz(g)
    return llf, beta, ssr, xtgx


def _gls(z: np.ndarray, x: np.ndarray, phi: np.ndarray, theta: np.ndarray):
    """:func:`_gls_reference` in one compiled call (:func:`~sanctions_model.models._ts_kernels.
    gls_kernel`: the ARMA autocovariances, the Durbin-Levinson innovations of ``[z, x]`` and their
    variances ``D``, ``x' Gamma^{-1} x = e_x' D^{-1} e_x`` and the same least-squares solve), equal
    up to the order of the roundings (log-likelihoods within 6e-12 relative on the notebook-02
    series); the same exceptions as the reference (``ValueError`` for a non-stationary AR part,
    ``LinAlgError`` otherwise). Without numba, the reference.

    BFGS on finite-difference gradients follows the roundings of the likelihood: where it is flat
    the estimates move more than the roundings (EU27 exports to KG, an ARMA(2,1) whose MA root
    sits on the unit circle: the step by 1e-2 relative, as much as a one-ulp rescaling of the
    series moves it on the reference path); 4e-8 to 8e-6 on the other notebook-02 series."""
    kernel = gls_kernel()
    if kernel is None:
        return _gls_reference(z, x, phi, theta)
    phi = np.ascontiguousarray(phi, dtype=float)
    theta = np.ascontiguousarray(theta, dtype=float)
    _check_stationary(phi)
    rcond = np.finfo(float).eps * max(x.shape)  # numpy's lstsq default (rcond=None)
    status, llf, beta, ssr, xtgx = kernel(
        phi,
        theta,
        np.ascontiguousarray(z, dtype=float),
        np.ascontiguousarray(x, dtype=float),
        rcond,
    )
    if status == OK:
        return llf, beta, ssr, xtgx
    if status == SINGULAR:
        raise ValueError(_NONSTATIONARY)
    if status == BAD_ACOVF:
        raise np.linalg.LinAlgError("invalid ARMA autocovariances")
    raise np.linalg.LinAlgError("non-positive weighted sum of squares or autocovariances")


_NONSTATIONARY = NONSTATIONARY_ERROR


def _check_stationary(phi: np.ndarray) -> None:
    """statsmodels' check in ``arma_acovf`` (a root of the AR polynomial on or outside the unit
    circle: ValueError), by its own ``np.roots`` only near the boundary: AR(1) and AR(2) inside
    the stationarity triangle by more than 1e-6 pass without it."""
    p = phi.size
    if p == 0:
        return
    margin = 1e-6
    if p == 1 and abs(phi[0]) < 1 - margin:
        return
    if p == 2 and (
        abs(phi[1]) < 1 - margin and phi[0] + phi[1] < 1 - margin and phi[1] - phi[0] < 1 - margin
    ):
        return
    if np.max(np.abs(np.roots(np.r_[1.0, -phi]))) >= 1:
        raise ValueError(_NONSTATIONARY)


def _fit_one(z: np.ndarray, x: np.ndarray, order: tuple[int, int]) -> _ArmaFit:
    """Maximum likelihood of a regression with stationary ARMA(p, q) errors.

    The regression coefficients and the scale are profiled out (GLS given the ARMA
    parameters), so the optimiser only searches over the ``p + q`` ARMA parameters, in the
    unconstrained space of statsmodels' stationarity/invertibility transform.
    """
    p, q = order
    n, k = x.shape
    converged = True
    if p + q:

        def nllf(u: np.ndarray) -> float:
            phi, theta = _constrain(u, p, q)
            try:
                return -_gls(z, x, phi, theta)[0]
            except np.linalg.LinAlgError:
                return 1e10

        opt = minimize(nllf, np.zeros(p + q), method="BFGS", options={"gtol": 1e-5})
        converged = bool(opt.success) or opt.status == 2  # 2: precision loss at optimum
        phi, theta = _constrain(opt.x, p, q)
    else:
        phi, theta = np.empty(0), np.empty(0)
    llf, beta, ssr, xtgx = _gls(z, x, phi, theta)
    s2_dof = ssr / max(n - k - p - q, 1)
    beta_cov = s2_dof * np.linalg.pinv(xtgx)
    arma = np.r_[phi, theta]
    arma_bse = np.full(p + q, np.nan)
    if p + q:

        def llf_c(par: np.ndarray) -> float:
            try:
                return _gls(z, x, par[:p], par[p:])[0]
            except np.linalg.LinAlgError:
                return -1e10

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hess = approx_hess3(arma, llf_c)
            try:
                cov = np.linalg.inv(-hess)
                arma_bse = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
            except np.linalg.LinAlgError:
                pass
    # one-step-ahead predictions: observed minus the innovations of the regression residual
    fitted = z - _resid_innovations(z - x @ beta, phi, theta)
    n_par = k + p + q + 1
    return _ArmaFit(
        order=(p, q),
        beta=beta,
        beta_cov=beta_cov,
        arma=arma,
        arma_bse=arma_bse,
        sigma2=ssr / n,
        llf=llf,
        aic=-2 * llf + 2 * n_par,
        bic=-2 * llf + np.log(n) * n_par,
        fitted=fitted,
        converged=converged,
    )
