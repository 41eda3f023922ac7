"""Compiled loops of the intervention ARMA fits and the break tests' sieve bootstrap.

* :func:`gls_kernel`: one exact Gaussian GLS step of
  :func:`sanctions_model.models.intervention.arma._gls` (ARMA autocovariances, Durbin-Levinson
  innovations of ``[z, x]``, log determinant, the GLS normal equations and residual sum of
  squares) in one compiled call instead of statsmodels' ``arma_acovf``, scipy's
  ``solve_toeplitz`` and a Python recursion (the ARMA fit calls it about 130 times per order).
  The same quantities as the numpy/scipy path up to the order of the roundings (log-likelihoods
  within 6e-12 relative on the notebook-02 series; ``tests/models/test_ts_kernels.py``); 0.43
  -> 0.07 CPU-s of ``fit_intervention`` per notebook-02 run.
* :func:`ar_filter_kernel`: the AR recursion of the sieve bootstrap's paths, the same IEEE
  operations in the same order as :func:`sanctions_model.models.breaks.bootstrap._ar_filter`
  (bit for bit: no fused multiply-add without numba's ``fastmath``): 2.3 against 5.4 ms for
  9,999 AR(2) paths of 168 months.

Each kernel is compiled by numba on first use and cached on disk (the runner points
``NUMBA_CACHE_DIR`` under the project's cache); without numba the callers keep their numpy path.
:func:`warm` compiles (or loads) every signature a notebook run uses, so that kernels forked
from a warmed process pay no compilation.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

import numpy as np

from ._numba import compile_kernel

__all__ = ["ar_filter_kernel", "gls_kernel", "resid_innovations_kernel", "warm"]

#: Status codes of :func:`_gls_loop` (the caller raises the reference path's exception).
OK, BAD_ACOVF, NOT_PD, BAD_SSR, SINGULAR = 0, 1, 2, 3, 4


def _arma_acovf_loop(phi, theta, n):
    """statsmodels' ``arma_acovf(r_[1, -phi], r_[1, theta], nobs=n)`` (Brockwell and Davis
    3.3.8-3.3.9: the first ``m = max(p, q) + 1`` autocovariances from a linear system, then the
    AR recursion), without its stationarity check (the caller's). Returns the autocovariances
    and False when the system is singular (statsmodels' ValueError)."""
    p, q = phi.size, theta.size
    m = max(p, q) + 1
    ar = np.zeros(m)
    ar[0] = 1.0
    for i in range(p):
        ar[i + 1] = -phi[i]
    ma = np.empty(q + 1)
    ma[0] = 1.0
    for i in range(q):
        ma[i + 1] = theta[i]
    # MA(infinity) weights psi_0..psi_{m-1}: statsmodels' arma2ma, an lfilter of an impulse
    psi = np.zeros(m)
    for j in range(m):
        s = ma[j] if j <= q else 0.0
        for i in range(1, min(j, p) + 1):
            s -= ar[i] * psi[j - i]
        psi[j] = s
    a = np.zeros((m, m))
    b = np.zeros(m)
    for k in range(m):
        for i in range(k + 1):
            a[k, i] = ar[k - i]
        for i in range(1, m - k):
            a[k, i] += ar[k + i]
        s = 0.0
        for i in range(k, q + 1):
            s += ma[i] * psi[i - k]
        b[k] = s
    out = np.empty(max(n, m))
    sol, ok = _small_solve(a, b)
    for i in range(m):
        out[i] = sol[i]
    for t in range(m, n):
        s = 0.0
        for i in range(1, p + 1):
            s -= ar[i] * out[t - i]
        out[t] = s
    return out[:n], ok


def _small_solve(a, b):
    """``solve(a, b)`` by Gaussian elimination with partial pivoting (LAPACK's ``getrf`` choice of
    pivots) for the ``m <= 3`` systems of :func:`_arma_acovf_loop`, and False when singular."""
    m = b.size
    a = a.copy()
    x = b.copy()
    for c in range(m):
        piv = c
        for r in range(c + 1, m):
            if abs(a[r, c]) > abs(a[piv, c]):
                piv = r
        if a[piv, c] == 0.0:
            x[:] = np.nan
            return x, False
        if piv != c:
            for j in range(m):
                a[c, j], a[piv, j] = a[piv, j], a[c, j]
            x[c], x[piv] = x[piv], x[c]
        for r in range(c + 1, m):
            f = a[r, c] / a[c, c]
            for j in range(c + 1, m):
                a[r, j] -= f * a[c, j]
            x[r] -= f * x[c]
    for c in range(m - 1, -1, -1):
        s = x[c]
        for j in range(c + 1, m):
            s -= a[c, j] * x[j]
        x[c] = s / a[c, c]
    return x, True


def _innovations_loop(g, w):
    """One-step prediction errors of the columns of ``w`` and their variances by the
    Durbin-Levinson recursion on the autocovariances ``g`` (``C^{-1} w`` and ``D`` in
    ``Toeplitz(g) = C D C'``), and the log determinant ``sum log D`` with the reference's early
    stop: once a partial autocorrelation is below 1e-9 (after lag 2) the variance counts as
    constant. ``ok`` is False when a variance up to that stop is not positive."""
    n, k = w.shape
    e = np.empty((n, k))
    v = np.empty(n)
    phi = np.zeros(n)
    acc = np.empty(k)
    v[0] = g[0]
    for c in range(k):
        e[0, c] = w[0, c]
    logdet = math.log(g[0])
    stopped = False
    ok = True
    for t in range(1, n):
        s = 0.0
        for j in range(t - 1):
            s += phi[j] * g[t - 1 - j]
        a = (g[t] - s) / v[t - 1]
        # phi[:t-1] -= a * phi[t-2::-1], simultaneously
        lo, hi = 0, t - 2
        while lo < hi:
            pl, ph = phi[lo], phi[hi]
            phi[lo] = pl - a * ph
            phi[hi] = ph - a * pl
            lo += 1
            hi -= 1
        if lo == hi:
            phi[lo] = phi[lo] - a * phi[lo]
        phi[t - 1] = a
        v[t] = v[t - 1] * (1.0 - a * a)
        if not stopped:
            if v[t] <= 0:
                ok = False
                stopped = True
            else:
                logdet += math.log(v[t])
                if abs(a) < 1e-9 and t > 2:
                    logdet += (n - 1 - t) * math.log(v[t])
                    stopped = True
        for c in range(k):
            acc[c] = 0.0
        for j in range(t):
            pj = phi[j]
            for c in range(k):
                acc[c] += pj * w[t - 1 - j, c]
        for c in range(k):
            e[t, c] = w[t, c] - acc[c]
    return e, v, logdet, ok


def _gls_loop(phi, theta, z, x, rcond):
    """:func:`~sanctions_model.models.intervention.arma._gls` in one pass: returns ``(status,
    llf, beta, ssr, xtgx)``; ``status`` is one of the module's codes (``OK`` or the failure the
    reference path would raise)."""
    n, k = x.shape
    beta = np.full(k, np.nan)
    xtgx = np.full((k, k), np.nan)
    g, solved = _arma_acovf_loop(phi, theta, n)
    if not solved:
        return SINGULAR, np.nan, beta, np.nan, xtgx
    if not np.all(np.isfinite(g)) or g[0] <= 0:
        return BAD_ACOVF, np.nan, beta, np.nan, xtgx
    w = np.empty((n, k + 1))
    for t in range(n):
        w[t, 0] = z[t]
        for c in range(k):
            w[t, c + 1] = x[t, c]
    e, v, logdet, ok = _innovations_loop(g, w)
    xtgz = np.zeros(k)
    xtgx = np.zeros((k, k))
    for t in range(n):
        iv = 1.0 / v[t]
        for c in range(k):
            ec = e[t, c + 1] * iv
            xtgz[c] += ec * e[t, 0]
            for d in range(k):
                xtgx[c, d] += ec * e[t, d + 1]
    beta = np.linalg.lstsq(xtgx, xtgz, rcond)[0]
    ssr = 0.0
    for t in range(n):
        r = e[t, 0]
        for c in range(k):
            r -= e[t, c + 1] * beta[c]
        ssr += r * r / v[t]
    if not ssr > 0:
        return BAD_SSR, np.nan, beta, ssr, xtgx
    if not ok:
        return NOT_PD, np.nan, beta, ssr, xtgx
    s2 = ssr / n
    llf = -0.5 * n * (math.log(2 * math.pi * s2) + 1) - 0.5 * logdet
    return OK, llf, beta, ssr, xtgx


def _resid_innovations_loop(phi, theta, r):
    """Innovations of the residual ``r`` (``fitted = z - innovations``) under ARMA(phi, theta)."""
    n = r.size
    g = _arma_acovf_loop(phi, theta, n)[0]
    w = np.empty((n, 1))
    for t in range(n):
        w[t, 0] = r[t]
    e = _innovations_loop(g, w)[0]
    return e[:, 0]


def _ar_filter_loop(eps, phi):
    """``out[t] = eps[t] + phi[0] out[t-1] + ... + phi[p-1] out[t-p]`` down each column of the
    2-d ``eps`` (zero before the first month), added left to right."""
    n, width = eps.shape
    p = phi.size
    out = np.empty((n, width))
    for t in range(n):
        row = out[t]
        for c in range(width):
            row[c] = eps[t, c]
        for j in range(1, min(p, t) + 1):  # lag by lag along the row (contiguous: vectorised)
            f = phi[j - 1]
            prev = out[t - j]
            for c in range(width):
                row[c] = row[c] + f * prev[c]
    return out


_KERNELS: dict[str, Callable | None] = {}
_HELPERS = (_arma_acovf_loop, _small_solve, _innovations_loop)
_LOCK = threading.Lock()


def _compile(name: str, func: Callable) -> Callable | None:
    """``func`` compiled by numba (cached on disk, :mod:`._numba`), or None without numba."""
    if name not in _KERNELS:
        with _LOCK:  # the break tests' bootstrap runs in threads
            if name not in _KERNELS:
                if not _KERNELS:  # the helpers stay plain Python functions, callable compiled
                    try:
                        from numba.extending import register_jitable
                    except ImportError:
                        pass
                    else:
                        for helper in _HELPERS:
                            register_jitable(helper)
                _KERNELS[name] = compile_kernel(func)
    return _KERNELS[name]


def gls_kernel() -> Callable | None:
    """:func:`_gls_loop` compiled (None without numba)."""
    return _compile("gls", _gls_loop)


def resid_innovations_kernel() -> Callable | None:
    """:func:`_resid_innovations_loop` compiled (None without numba)."""
    return _compile("resid_innovations", _resid_innovations_loop)


def ar_filter_kernel() -> Callable | None:
    """:func:`_ar_filter_loop` compiled (None without numba)."""
    return _compile("ar_filter", _ar_filter_loop)


def warm() -> None:
    """Compile (or load from numba's disk cache) every kernel signature a notebook run uses."""
    gls, innov, arf = gls_kernel(), resid_innovations_kernel(), ar_filter_kernel()
    if gls is None:
        return
    z = np.array([0.1, -0.2, 0.3, 0.05, -0.1, 0.2])
    x = np.ones((6, 1))
    for phi, theta in ((np.array([0.5]), np.empty(0)), (np.array([0.5]), np.array([0.2]))):
        gls(phi, theta, z, x, 1e-15)
        innov(phi, theta, z)
    arf(np.ones((4, 2)), np.array([0.5, 0.1]))
