"""Newey-West Wald statistics at every candidate month as a few matrix products.

:meth:`~sanctions_model.models.breaks.design._Regression.hac_stats` is the inner loop of every
bootstrap in the break tests: for each candidate month ``i`` and each residual column ``r`` (9,999
bootstrap paths in notebook 02) it needs the coefficients ``a = Z_i' r`` on the orthonormalised
break regressors ``Z_i`` and the long-run covariance of the scores ``Z_i[t] u_t`` of the
unrestricted residuals ``u = r - Z_i a``,

    omega_kl = sum_j sum_t V^j_kl[t] u_t u_{t-j},

where ``V^j`` holds the Newey-West weight of lag ``j``, the products ``Z[t, k] Z[t-j, l]`` (both
orders, for the symmetrised autocovariance) and, with the split covariance, zero for the pairs
that straddle the candidate month. Computed month by month that is a loop of small ``einsum``
calls. Writing ``u = r - c`` with ``c = Z_i a``,

    u_t u_{t-j} = r_t r_{t-j} - (r_t c_{t-j} + c_t r_{t-j}) + c_t c_{t-j},

the first term is linear in the lagged products ``r_t r_{t-j}`` (shared by all candidate months),
the second is ``sum_m a_m`` times a linear map of ``r``, and the third ``sum_{m, m'} a_m a_m'``
times constants: all candidate months and columns come out of three matrix products with weights
computed once per regression. Only the summation order differs from the month-by-month loop:
on EU27 exports to Russia the statistics of 3,000 synthetic paths and of the series agree within
6e-13 relative (level and trend; 3e-14 for the level), ``tests/models/test_breaks_speed.py``
holds them within 1e-11, and no p-value, break month or printed figure of notebook 02 moved
(p-values count the draws above the statistic; a draw would have to sit within 1e-12 of it).
The matrix products run one candidate month at a time: see :attr:`NeweyWestStats.CHUNK` and the
comment in ``__init__`` on OpenBLAS threads.
"""

from __future__ import annotations

import numpy as np

__all__ = ["NeweyWestStats"]


class NeweyWestStats:
    """Newey-West Wald statistics / q for the break regressors ``zs`` of each candidate month.

    Parameters
    ----------
    zs : list of ``L`` arrays ``n x q``
        Orthonormal break regressors of each candidate month (orthogonal to the null design).
    locs : array ``L``
        The candidate months (index of the first month of the new regime).
    lags : int
        Newey-West lags (Bartlett weights ``1 - j / (lags + 1)``).
    split : bool
        Drop the lag products that straddle the candidate month (two Newey-West pieces).
    """

    def __init__(self, zs: list[np.ndarray], locs: np.ndarray, lags: int, split: bool) -> None:
        self._zs = zs
        zs = np.stack(zs)
        n_loc, n, q = zs.shape
        if split and lags > 0 and int(np.min(locs)) < lags:
            raise ValueError(f"split Newey-West: candidate month {int(np.min(locs))} < {lags} lags")
        self.q, self.n, self.lags = q, n, lags
        pk, pl = np.triu_indices(q)
        self._pairs = (pk, pl)
        n_pairs = pk.size
        t = np.arange(n)
        w_lag = np.zeros((n_loc, n_pairs, lags + 1, n))  # V^j[t] of each pair, by lag
        w_r = np.zeros((n_loc, n_pairs, q, n))  # r_t c_{t-j} + c_t r_{t-j} terms, per a_m
        w_aa = np.zeros((n_loc, n_pairs, q, q))  # c_t c_{t-j} terms, per a_m a_m'
        for j in range(lags + 1):
            zlag = np.zeros_like(zs)
            zlag[:, j:] = zs[:, : n - j]  # Z[t - j]
            if j == 0:
                v = zs[:, :, pk] * zs[:, :, pl]
            else:
                keep = np.broadcast_to(t >= j, (n_loc, n)).copy()
                if split:
                    keep &= ~((t >= locs[:, None]) & (t < locs[:, None] + j))
                wj = 1 - j / (lags + 1)
                v = wj * (zs[:, :, pk] * zlag[:, :, pl] + zs[:, :, pl] * zlag[:, :, pk])
                v *= keep[:, :, None]
            # v: L x n x pairs
            w_lag[:, :, j, :] = v.transpose(0, 2, 1)
            for m in range(q):
                # sum_t v[t] r_t Z[t-j, m]  +  sum_t v[t] Z[t, m] r_{t-j} (t - j -> s)
                w_r[:, :, m, :] += (v * zlag[:, :, m, None]).transpose(0, 2, 1)
                vz = (v * zs[:, :, m, None]).transpose(0, 2, 1)
                w_r[:, :, m, : n - j] += vz[:, :, j:]
                for m2 in range(q):
                    w_aa[:, :, m, m2] += np.einsum(
                        "ltp,lt->lp", v * zs[:, :, m, None], zlag[:, :, m2]
                    )
        # one small product per candidate month (a stack), not one large one: OpenBLAS runs a
        # product of more than 64^3 multiply-adds on all its threads, and on a busy two-core
        # machine the threads' waiting cost 16 ms of CPU per call against 0.2 ms of arithmetic
        self._w_lag = w_lag.reshape(n_loc, n_pairs, (lags + 1) * n)
        self._w_r = w_r.reshape(n_loc, n_pairs * q, n)
        self._w_aa = w_aa
        self._n_loc, self._n_pairs = n_loc, n_pairs

    #: Columns per pass: the lagged products of 256 columns (0.5 MB) stay in the L2 cache while
    #: every candidate month's weights run over them (q = 2, 9,999 columns: 0.090 s against
    #: 0.113 s in passes of 1,024).
    CHUNK = 256

    def __call__(self, r: np.ndarray) -> np.ndarray:
        """Statistic / q at every candidate month (rows) for each column of ``r`` (``n x B``)."""
        return self.with_explained(r)[0]

    def with_explained(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The statistics, and per column the largest sum of squares a break explains at any
        candidate month (``max_i a_i'a_i``; ``r'r`` minus it is the smallest ``u'u``)."""
        parts = [self._stats(r[:, k : k + self.CHUNK]) for k in range(0, r.shape[1], self.CHUNK)]
        if not parts:
            return np.empty((self._n_loc, 0)), np.empty(0)
        return np.concatenate([p[0] for p in parts], axis=1), np.concatenate([p[1] for p in parts])

    def _stats(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n_loc, n_pairs, q, n = self._n_loc, self._n_pairs, self.q, self.n
        b = r.shape[1]
        # month by month, as the loop did: a column's coefficients (the numerator, and a
        # cancellation when they are near zero) then do not depend on the other columns of r
        a = np.stack([z.T @ r for z in self._zs])
        prods = np.empty((self.lags + 1, n, b))
        prods[0] = r * r
        for j in range(1, self.lags + 1):
            prods[j, :j] = 0.0
            prods[j, j:] = r[j:] * r[:-j]
        omega = np.matmul(self._w_lag, prods.reshape((self.lags + 1) * n, b))
        cross = np.matmul(self._w_r, r).reshape(n_loc, n_pairs, q, b)
        for m in range(q):
            omega -= a[:, None, m, :] * cross[:, :, m, :]
            for m2 in range(q):
                omega += self._w_aa[:, :, m, m2, None] * (a[:, m, :] * a[:, m2, :])[:, None, :]
        pk, pl = self._pairs
        full = np.empty((q, q, n_loc, b))
        for p in range(n_pairs):
            full[pk[p], pl[p]] = omega[:, p]
            full[pl[p], pk[p]] = omega[:, p]
        stat = _quad_form(a.transpose(1, 0, 2).reshape(q, n_loc * b), full.reshape(q, q, -1))
        return stat.reshape(n_loc, b) / q, (a * a).sum(axis=1).max(axis=0)


def _quad_form(a: np.ndarray, omega: np.ndarray) -> np.ndarray:
    """``a[:, b] @ inv(omega[:, :, b]) @ a[:, b]`` for every column ``b`` (closed form for q <= 2)."""
    q = a.shape[0]
    tiny = 1e-300
    if q == 1:
        return a[0] ** 2 / np.maximum(omega[0, 0], tiny)
    if q == 2:
        det = omega[0, 0] * omega[1, 1] - omega[0, 1] * omega[1, 0]
        num = (
            a[0] ** 2 * omega[1, 1]
            - a[0] * a[1] * (omega[0, 1] + omega[1, 0])
            + a[1] ** 2 * omega[0, 0]
        )
        return num / np.maximum(det, tiny)
    return np.array([a[:, b] @ np.linalg.solve(omega[:, :, b], a[:, b]) for b in range(a.shape[1])])
