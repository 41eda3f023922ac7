"""The counterfactual's Kalman filter and path simulation as compiled loops, one draw at a time.

:func:`~._structural.simulate_paths` filters every parameter draw over the fitting window and
simulates paths forward from its filtered state (:mod:`._batched`). The numpy forms there move all
draws together, one month at a time, as stacks of small matrices; the loops here take one draw at
a time through all months, in registers and the core's cache, and use only the non-zero entries
of the design, the transition and ``R Q^(1/2)`` (their pattern over all draws: a seasonal row has
eleven of fourteen columns, every other row one or two). They do the same model arithmetic as
the numpy forms with the same random numbers (drawn in numpy by the caller, same calls, same
sizes, same order, and passed in); the sums run in another order than BLAS's, so the results
agree to rounding, not bit for bit (the tests hold them to 1e-9 relative on the paths).

Compiled by numba on first use and cached on disk (``cache=True``; no writable cache folder:
compiled in each process); :func:`warm` compiles (or loads) every signature a notebook run uses,
for the kernel template to call before kernels are forked. Without numba, :func:`kernels` is
None and :mod:`._batched` keeps its numpy forms.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

__all__ = ["Kernels", "kernels", "pattern", "warm"]


def pattern(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The non-zero columns of each row of ``x`` (draws on axis 0, rows on the middle axis) over
    all draws, as CSR offsets and column indices (int64): a column zero in every draw contributes
    exact zeros to a row's sum, which leave it unchanged."""
    used = (np.asarray(x) != 0).any(axis=0)
    counts = used.sum(axis=1)
    ptr = np.zeros(used.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    idx = np.nonzero(used)[1].astype(np.int64)  # row-major: each row's columns in order
    return ptr, idx


def _filter_loop(y, z, z_idx, tmat, t_ptr, t_idx, c, rqr, h, d, a0, p0, a_out, p_out):
    """:func:`._batched._filter_block` one draw at a time: the predicted state mean ``a_out[i]``
    and covariance ``p_out[i]`` after the last month. ``z`` (D, m) is the design row, ``z_idx``
    its non-zero columns; ``tmat`` (D, m, m) with its row pattern ``t_ptr``/``t_idx``; ``c``
    (D, m) the state intercept; ``rqr`` (D, m, m) ``R Q R'``; ``h`` (D,) the observation
    variance; ``d`` (D, T) the observation intercept; NaN in ``y``: prediction only."""
    n_draws, m = a0.shape
    n_months = y.shape[0]
    nz = z_idx.shape[0]
    a = np.empty(m)
    an = np.empty(m)
    p = np.empty((m, m))
    tp = np.empty((m, m))
    work = np.empty((m, m))
    pz = np.empty(m)
    for i in range(n_draws):
        for r in range(m):
            a[r] = a0[i, r]
            for s in range(m):
                p[r, s] = p0[i, r, s]
        for t in range(n_months):
            yt = y[t]
            if math.isfinite(yt):
                for r in range(m):  # pz = P z
                    acc = 0.0
                    for jj in range(nz):
                        j = z_idx[jj]
                        acc += p[r, j] * z[i, j]
                    pz[r] = acc
                f = 0.0
                za = 0.0
                for jj in range(nz):
                    j = z_idx[jj]
                    f += z[i, j] * pz[j]
                    za += z[i, j] * a[j]
                f = f + h[i]
                v = yt - za - d[i, t]
                for r in range(m):  # a + k v, P - k pz' with k = pz / f
                    k = pz[r] / f
                    a[r] = a[r] + k * v
                    for s in range(m):
                        p[r, s] = p[r, s] - k * pz[s]
            for r in range(m):  # a <- T a + c; tp = T P
                acc = 0.0
                for kk in range(t_ptr[r], t_ptr[r + 1]):
                    acc += tmat[i, r, t_idx[kk]] * a[t_idx[kk]]
                an[r] = acc + c[i, r]
                for s in range(m):
                    tp[r, s] = 0.0
                for kk in range(t_ptr[r], t_ptr[r + 1]):
                    coef = tmat[i, r, t_idx[kk]]
                    for s in range(m):
                        tp[r, s] += coef * p[t_idx[kk], s]
            for r in range(m):
                a[r] = an[r]
            for s in range(m):  # work = (T P) T' + R Q R'
                for r in range(m):
                    acc = 0.0
                    for kk in range(t_ptr[s], t_ptr[s + 1]):
                        acc += tp[r, t_idx[kk]] * tmat[i, s, t_idx[kk]]
                    work[r, s] = acc + rqr[i, r, s]
            for r in range(m):  # symmetric, as the numpy form makes it
                for s in range(m):
                    p[r, s] = 0.5 * (work[r, s] + work[s, r])
        for r in range(m):
            a_out[i, r] = a[r]
            for s in range(m):
                p_out[i, r, s] = p[r, s]


def _forward_loop(
    a, proot, z0, z, z_idx, tmat, t_ptr, t_idx, c, shift, qroot, q_ptr, q_idx, intercept, hsd,
    obs_noise, state_noise, out,
):  # fmt: skip
    """:func:`._batched.simulate_forward` one draw at a time: paths into ``out`` (D, reps, H).

    The start ``a + P^(1/2) z0`` (``proot`` (D, m, m), ``z0`` (D, m, reps)); then each month the
    observation ``z s + intercept + sqrt(h) e`` and the state ``T s (+ c) + R Q^(1/2) eta``
    (``shift``: whether ``c`` is added at all, as the numpy form adds it only when non-zero),
    from ``obs_noise`` (H, D, reps) and ``state_noise`` (H, D, q, reps)."""
    n_draws, m, reps = z0.shape
    horizon = out.shape[2]
    nz = z_idx.shape[0]
    s = np.empty((m, reps))
    sn = np.empty((m, reps))
    for i in range(n_draws):
        for r in range(m):
            for k in range(reps):
                acc = 0.0
                for j in range(m):
                    acc += proot[i, r, j] * z0[i, j, k]
                s[r, k] = a[i, r] + acc
        for t in range(horizon):
            lvl = intercept[i, t]
            sd = hsd[i]
            for k in range(reps):
                acc = 0.0
                for jj in range(nz):
                    acc += z[i, z_idx[jj]] * s[z_idx[jj], k]
                out[i, k, t] = acc + lvl + sd * obs_noise[t, i, k]
            for r in range(m):
                for k in range(reps):
                    sn[r, k] = 0.0
                for kk in range(t_ptr[r], t_ptr[r + 1]):
                    coef = tmat[i, r, t_idx[kk]]
                    for k in range(reps):
                        sn[r, k] += coef * s[t_idx[kk], k]
                if shift:
                    for k in range(reps):
                        sn[r, k] += c[i, r]
                if q_ptr[r + 1] > q_ptr[r]:
                    for k in range(reps):
                        eta = 0.0
                        for jj in range(q_ptr[r], q_ptr[r + 1]):
                            eta += qroot[i, r, q_idx[jj]] * state_noise[t, i, q_idx[jj], k]
                        sn[r, k] += eta
            for r in range(m):
                for k in range(reps):
                    s[r, k] = sn[r, k]


class Kernels(NamedTuple):
    filter: object
    forward: object


_KERNELS: list = []


def kernels() -> Kernels | None:
    """The compiled loops (numba, on first use, cached on disk), or None without numba."""
    if not _KERNELS:
        try:
            from numba import njit
        except ImportError:  # the numpy forms of ._batched
            _KERNELS.append(None)
        else:
            opts = dict(error_model="numpy", nogil=True)
            try:
                compiled = Kernels(njit(cache=True, **opts)(_filter_loop),
                                   njit(cache=True, **opts)(_forward_loop))  # fmt: skip
            except RuntimeError:  # no writable cache folder: compiled in each process
                compiled = Kernels(njit(**opts)(_filter_loop), njit(**opts)(_forward_loop))
            _KERNELS.append(compiled)
    return _KERNELS[0]


def warm() -> None:
    """Compile (or load from numba's disk cache) every signature a notebook run uses, on tiny
    inputs, so that kernels forked afterwards pay neither."""
    from . import _batched

    rng = np.random.default_rng(0)
    m, n_draws, reps, horizon = 3, 2, 2, 3
    tmat = np.broadcast_to(np.eye(m), (n_draws, m, m)).copy()
    mats = {
        "design": np.ones((n_draws, 1, m)),
        "obs_intercept": np.zeros((n_draws, 1)),
        "obs_cov": np.ones((n_draws, 1, 1)),
        "transition": tmat,
        "state_intercept": np.zeros((n_draws, m)),
        "selection": tmat.copy(),
        "state_cov": tmat.copy(),
    }
    y = np.array([1.0, np.nan, 2.0])
    a, p = _batched.batched_filter(y, mats, np.zeros((n_draws, m)), tmat.copy())
    _batched.simulate_forward(a, p, mats, np.zeros((n_draws, horizon)), reps, rng)
