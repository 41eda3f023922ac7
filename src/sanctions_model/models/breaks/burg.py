"""Burg's AR estimator for many series at once, float for float the same as statsmodels'.

The AR sieve's bias correction (:func:`~sanctions_model.models.breaks.bootstrap.fit_ar_sieve`)
fits an AR(p) by Burg's method to each of 200 simulated error paths at every step of a root search,
and its order selection fits orders 1 to 12 to one series. statsmodels' ``burg`` (pure Python over
one series; ``pacf_burg`` then ``levinson_durbin_pacf``) spent most of the break tests' time in
that loop. This module runs the same recursion on every path together: the arithmetic of each
path is unchanged, operation for operation, so the estimates are equal to statsmodels' bit for bit
(``tests/models/test_breaks_speed.py`` checks orders 1-8, with and without demeaning):

* each path is a row of a C-ordered array, so its mean and its sums are numpy's pairwise sums over
  that row, as for the 1-d array statsmodels receives;
* inner products go through :func:`numpy.matmul` on stacks of row vectors, which numpy hands to
  the same BLAS ``ddot`` as ``ndarray.dot`` on the 1-d slices statsmodels uses;
* the elementwise updates are the same ufunc calls on the same operands.

``burg(demean=True)`` subtracts the mean twice (``burg`` demeans, then ``pacf_burg`` demeans the
result again); that is kept, as the second mean is not exactly zero.
"""

from __future__ import annotations

import numpy as np

__all__ = ["burg", "burg_sigma2", "pacf_burg"]


def _rows(x: np.ndarray) -> np.ndarray:
    """Series (columns of ``x``) as the C-ordered rows of a 2-d array."""
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ValueError(f"burg: x must be 1-d or 2-d (months x series), got {a.ndim} dimensions")
    return np.ascontiguousarray(a.T)


def _rowdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Inner product of each row of ``a`` with the same row of ``b`` (BLAS ``ddot`` per row)."""
    return np.matmul(a[:, None, :], b[:, :, None])[:, 0, 0]


def _demean(rows: np.ndarray) -> np.ndarray:
    return rows - rows.mean(axis=1, keepdims=True)


def _pacf_rows(x: np.ndarray, p: int, demean: bool) -> tuple[np.ndarray, np.ndarray]:
    """statsmodels' ``pacf_burg`` on each row of ``x``: pacf and sigma2, ``(m, p + 1)`` each."""
    if demean:
        x = _demean(x)
    m, nobs = x.shape
    if p > nobs - 1:
        raise ValueError(f"burg: order {p} needs at least {p + 1} months, got {nobs}")
    d = np.zeros((m, p + 1))
    pacf = np.zeros((m, p + 1))
    d[:, 0] = 2 * _rowdot(x, x)
    u = x[:, ::-1].copy()
    v = x[:, ::-1].copy()
    d[:, 1] = _rowdot(u[:, :-1], u[:, :-1]) + _rowdot(v[:, 1:], v[:, 1:])
    pacf[:, 1] = 2 / d[:, 1] * _rowdot(v[:, 1:], u[:, :-1])
    last_u = np.empty_like(u)
    last_v = np.empty_like(v)
    for i in range(1, p):
        last_u[:] = u
        last_v[:] = v
        k = pacf[:, i : i + 1]
        u[:, 1:] = last_u[:, :-1] - k * last_v[:, 1:]
        v[:, 1:] = last_v[:, 1:] - k * last_u[:, :-1]
        d[:, i + 1] = (1 - pacf[:, i] ** 2) * d[:, i] - v[:, i] ** 2 - u[:, -1] ** 2
        pacf[:, i + 1] = 2 / d[:, i + 1] * _rowdot(v[:, i + 1 :], u[:, i:-1])
    sigma2 = (1 - pacf**2) * d / (2.0 * (nobs - np.arange(0, p + 1)))
    pacf[:, 0] = 1
    return pacf, sigma2


def _levinson_rows(pacf: np.ndarray) -> np.ndarray:
    """statsmodels' ``levinson_durbin_pacf(...).arcoefs`` on each row of ``pacf`` (lag 0 first)."""
    ar = pacf[:, 1:].copy()
    n = ar.shape[1]
    for i in range(1, n):
        prev = ar[:, :i].copy()
        ar[:, :i] = prev - ar[:, i : i + 1] * prev[:, ::-1]
    return ar


def pacf_burg(x: np.ndarray, nlags: int, demean: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Burg's partial autocorrelations of each column of ``x``.

    Equal to ``statsmodels.tsa.stattools.pacf_burg(x[:, i], nlags, demean)`` column by column.

    Parameters
    ----------
    x : array, ``n`` or ``n x m``
        Series in columns (months in rows).
    nlags : int
        Largest lag (at least 1, below ``n - 1``).
    demean : bool
        Subtract each series' mean first.

    Returns
    -------
    pacf, sigma2 : arrays ``(nlags + 1) x m`` (``nlags + 1`` for 1-d ``x``)
        Partial autocorrelations at lags 0 (one), 1, ..., ``nlags``, and the residual variance of
        the AR model with 0, 1, ..., ``nlags`` lags.
    """
    nlags = max(int(nlags), 1)
    pacf, sigma2 = _pacf_rows(_rows(x), nlags, demean)
    if np.ndim(x) == 1:
        return pacf[0], sigma2[0]
    return pacf.T, sigma2.T


def burg(x: np.ndarray, order: int = 1, demean: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Burg's AR(``order``) estimates of each column of ``x``.

    Equal to ``statsmodels.regression.linear_model.burg(x[:, i], order, demean)`` column by
    column, bit for bit (see the module's notes).

    Parameters
    ----------
    x : array, ``n`` or ``n x m``
        Series in columns (months in rows), e.g. simulated paths.
    order : int
        AR order, at least 1.
    demean : bool
        Subtract each series' mean first.

    Returns
    -------
    ar : array ``order x m`` (``order`` for 1-d ``x``)
        AR coefficients, lag 1 first.
    sigma2 : array ``m`` (a float for 1-d ``x``)
        Residual variance.
    """
    order = int(order)
    if order < 1:
        raise ValueError(f"burg: order must be at least 1, got {order}")
    rows = _rows(x)
    if demean:
        rows = _demean(rows)
    pacf, sigma2 = _pacf_rows(rows, order, demean)
    ar = _levinson_rows(pacf)
    if np.ndim(x) == 1:
        return ar[0], sigma2[0, -1]
    return ar.T, sigma2[:, -1]


def burg_sigma2(x: np.ndarray, max_order: int, demean: bool = True) -> np.ndarray:
    """Residual variances of ``burg(x, p, demean)`` for ``p = 1, ..., max_order`` (1-d ``x``),
    from one recursion: Burg's recursion for order ``p`` is the first ``p`` steps of the one for
    a higher order, so these equal the ``sigma2`` of separate fits bit for bit."""
    if max_order < 1:
        return np.empty(0)
    rows = _rows(x)
    if demean:
        rows = _demean(rows)
    _, sigma2 = _pacf_rows(rows, int(max_order), demean)
    return sigma2[0, 1:]
