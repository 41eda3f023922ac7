"""The counterfactual's Kalman filter and path simulation as compiled loops over blocks of draws.

:func:`~._structural.simulate_paths` filters every parameter draw over the fitting window and
simulates paths forward from its filtered state (:mod:`._batched`). The numpy forms there move all
draws together, one month at a time, through stacks of small matrices (a BLAS call per draw and
product, and full passes over the stack between them); the loops here take a block of draws
through all months with its work arrays in the core's cache, the draws (and their paths) in the
innermost loop, and use only the non-zero entries of the design, the transition and
``R Q^(1/2)`` (their pattern over all draws: a seasonal row has eleven of fourteen columns,
every other row one or two).

The same model arithmetic, the same random numbers (drawn in numpy by the caller: same calls,
sizes and order, passed in). Each sum runs over its non-zero terms in ascending order from zero,
as BLAS and NumPy sum these small products, so the filtered covariances and the paths came out
bit for bit equal to the numpy forms' in the tests but where einsum reorders a sum (the state
mean's ``T a``, the design's sum with one path per draw): there they agree to rounding (paths
within 1e-14 relative; the tests hold them to 1e-9).

Compiled by numba on first use and cached on disk (``cache=True``; no writable cache folder:
compiled in each process); :func:`._batched.warm` compiles (or loads) every signature a run uses,
for the kernel template to call before kernels are forked. Without numba, :func:`kernels` is
None and :mod:`._batched` keeps its numpy forms.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._numba import compile_kernel

__all__ = ["Kernels", "kernels", "pattern"]


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


#: draws the filter moves together: each operation runs over a block's draws in the innermost
#: loop. LLVM vectorises those loops from 64 iterations on (8 and 32: scalar code, 2.3x slower);
#: 128 and more spill the block's (m, m) work arrays from L2 (2,000 draws x 68 months, m = 14:
#: 8 draws 104 ms, 16 88 ms, 32 97 ms, 64 41 ms, 128 49 ms, 256 48 ms; numpy 208 ms)
FILTER_BLOCK = 64
#: draws the path simulation moves together, their paths side by side (8 x reps lanes; 8, 16 and
#: 64 draws took the same time)
BLOCK = 8


def _filter_loop(y, z, z_idx, tmat, t_ptr, t_idx, c, rqr, h, d, a0, p0, a_out, p_out):
    """:func:`._batched._filter_block` for blocks of :data:`FILTER_BLOCK` draws: the predicted state
    mean ``a_out[i]`` and covariance ``p_out[i]`` after the last month. ``z`` (D, m) is the
    design row, ``z_idx`` its non-zero columns; ``tmat`` (D, m, m) with its row pattern
    ``t_ptr``/``t_idx``; ``c`` (D, m) the state intercept; ``rqr`` (D, m, m) ``R Q R'``; ``h``
    (D,) the observation variance; ``d`` (D, T) the observation intercept; NaN in ``y``:
    prediction only. Each sum runs over the non-zero columns in ascending order from zero, as
    BLAS and einsum sum these small products; ``T P T'`` is made symmetric as the numpy form
    makes it (the mean of the two triangles)."""
    n_draws, m = a0.shape
    n_months = y.shape[0]
    nz = z_idx.shape[0]
    nt = t_idx.shape[0]
    B = FILTER_BLOCK
    a = np.empty((m, B))
    an = np.empty((m, B))
    p = np.empty((m, m, B))
    u = np.empty((m, m, B))
    rq = np.empty((m, m, B))
    tv = np.empty((nt, B))
    zv = np.empty((nz, B))
    cv = np.empty((m, B))
    hv = np.empty(B)
    dv = np.empty((n_months, B))
    pz = np.empty((m, B))
    f = np.empty(B)
    v = np.empty(B)
    kv = np.empty(B)
    for i0 in range(0, n_draws, B):
        nb = min(B, n_draws - i0)
        for b in range(B):  # a short last block repeats its last draw
            i = i0 + min(b, nb - 1)
            hv[b] = h[i]
            for t in range(n_months):
                dv[t, b] = d[i, t]
            for jj in range(nz):
                zv[jj, b] = z[i, z_idx[jj]]
            for r in range(m):
                a[r, b] = a0[i, r]
                cv[r, b] = c[i, r]
                for kk in range(t_ptr[r], t_ptr[r + 1]):
                    tv[kk, b] = tmat[i, r, t_idx[kk]]
                for s in range(m):
                    p[r, s, b] = p0[i, r, s]
                    rq[r, s, b] = rqr[i, r, s]
        for t in range(n_months):
            yt = y[t]
            if math.isfinite(yt):
                for r in range(m):  # pz = P z
                    for b in range(B):
                        pz[r, b] = 0.0
                    for jj in range(nz):
                        j = z_idx[jj]
                        for b in range(B):
                            pz[r, b] += p[r, j, b] * zv[jj, b]
                for b in range(B):
                    f[b] = 0.0
                    v[b] = 0.0
                for jj in range(nz):
                    j = z_idx[jj]
                    for b in range(B):
                        f[b] += zv[jj, b] * pz[j, b]
                        v[b] += zv[jj, b] * a[j, b]
                for b in range(B):
                    f[b] = f[b] + hv[b]
                    v[b] = yt - v[b] - dv[t, b]
                for r in range(m):  # a + k v, P - k pz' with k = pz / f
                    for b in range(B):
                        kv[b] = pz[r, b] / f[b]
                        a[r, b] = a[r, b] + kv[b] * v[b]
                    for s in range(m):
                        for b in range(B):
                            p[r, s, b] = p[r, s, b] - kv[b] * pz[s, b]
            for r in range(m):  # a <- T a + c; u = T P
                for b in range(B):
                    an[r, b] = 0.0
                for s in range(m):
                    for b in range(B):
                        u[r, s, b] = 0.0
                for kk in range(t_ptr[r], t_ptr[r + 1]):
                    k = t_idx[kk]
                    for b in range(B):
                        an[r, b] += tv[kk, b] * a[k, b]
                    for s in range(m):
                        for b in range(B):
                            u[r, s, b] += tv[kk, b] * p[k, s, b]
            for r in range(m):
                for b in range(B):
                    a[r, b] = an[r, b] + cv[r, b]
            for r in range(m):  # work = u T' + R Q R' (into p: u holds T P)
                for s in range(m):
                    for b in range(B):
                        an[0, b] = 0.0
                    for kk in range(t_ptr[s], t_ptr[s + 1]):
                        k = t_idx[kk]
                        for b in range(B):
                            an[0, b] += u[r, k, b] * tv[kk, b]
                    for b in range(B):
                        p[r, s, b] = an[0, b] + rq[r, s, b]
            for r in range(m):  # symmetric: the two triangles' mean, as the numpy form
                for s in range(r, m):
                    for b in range(B):
                        w = 0.5 * (p[r, s, b] + p[s, r, b])
                        p[r, s, b] = w
                        p[s, r, b] = w
        for b in range(nb):
            for r in range(m):
                a_out[i0 + b, r] = a[r, b]
                for s in range(m):
                    p_out[i0 + b, r, s] = p[r, s, b]


def _forward_loop(
    state, z, z_idx, tmat, t_ptr, t_idx, c, shift, qroot, q_ptr, q_idx, intercept, hsd,
    obs_noise, state_noise, out,
):  # fmt: skip
    """:func:`._batched.simulate_forward` for blocks of :data:`BLOCK` draws, their paths
    together: paths into ``out`` (D, reps, H).

    From the start ``state`` (D, m, reps; ``a + P^(1/2) z0``, formed by the caller), each month the
    observation ``z s + intercept + sqrt(h) e`` and the state ``T s (+ c) + R Q^(1/2) eta``
    (``shift``: whether ``c`` is added at all, as the numpy form adds it only when non-zero),
    from ``obs_noise`` (H, D, reps) and ``state_noise`` (H, D, q, reps)."""
    n_draws, m, reps = state.shape
    horizon = out.shape[2]
    nz = z_idx.shape[0]
    nt = t_idx.shape[0]
    nq = q_idx.shape[0]
    n = BLOCK * reps  # lanes: path k of the block's draw b at b * reps + k
    s = np.empty((m, n))
    sn = np.empty((m, n))
    tv = np.empty((nt, n))
    zv = np.empty((nz, n))
    qv = np.empty((nq, n))
    cv = np.empty((m, n))
    lvl = np.empty((horizon, n))
    sd = np.empty(n)
    eta = np.empty(n)
    obs = np.empty(n)
    for i0 in range(0, n_draws, BLOCK):
        nb = min(BLOCK, n_draws - i0)
        for b in range(BLOCK):  # a short last block repeats its last draw (not written out)
            i = i0 + min(b, nb - 1)
            for r in range(m):
                for k in range(reps):
                    s[r, b * reps + k] = state[i, r, k]
            for k in range(reps):
                x = b * reps + k
                sd[x] = hsd[i]
                for t in range(horizon):
                    lvl[t, x] = intercept[i, t]
                for jj in range(nz):
                    zv[jj, x] = z[i, z_idx[jj]]
                for r in range(m):
                    cv[r, x] = c[i, r]
                    for kk in range(t_ptr[r], t_ptr[r + 1]):
                        tv[kk, x] = tmat[i, r, t_idx[kk]]
                    for jj in range(q_ptr[r], q_ptr[r + 1]):
                        qv[jj, x] = qroot[i, r, q_idx[jj]]
        for t in range(horizon):
            for x in range(n):
                obs[x] = 0.0
            for jj in range(nz):
                j = z_idx[jj]
                for x in range(n):
                    obs[x] += zv[jj, x] * s[j, x]
            for b in range(nb):
                for k in range(reps):
                    x = b * reps + k
                    e = obs_noise[t, i0 + b, k]
                    out[i0 + b, k, t] = obs[x] + lvl[t, x] + sd[x] * e
            for r in range(m):
                for x in range(n):
                    sn[r, x] = 0.0
                for kk in range(t_ptr[r], t_ptr[r + 1]):
                    k = t_idx[kk]
                    for x in range(n):
                        sn[r, x] += tv[kk, x] * s[k, x]
                if shift:
                    for x in range(n):
                        sn[r, x] += cv[r, x]
                if q_ptr[r + 1] > q_ptr[r]:
                    for x in range(n):
                        eta[x] = 0.0
                    for jj in range(q_ptr[r], q_ptr[r + 1]):
                        j = q_idx[jj]
                        for b in range(nb):
                            for k in range(reps):
                                x = b * reps + k
                                eta[x] += qv[jj, x] * state_noise[t, i0 + b, j, k]
                    for x in range(n):
                        sn[r, x] += eta[x]
            for r in range(m):
                for x in range(n):
                    s[r, x] = sn[r, x]


class Kernels(NamedTuple):
    filter: object
    forward: object


_KERNELS: list = []


def kernels() -> Kernels | None:
    """The compiled loops (numba, on first use, cached on disk: :mod:`.._numba`), or None
    without numba."""
    if not _KERNELS:
        loops = (compile_kernel(_filter_loop), compile_kernel(_forward_loop))
        _KERNELS.append(None if None in loops else Kernels(*loops))
    return _KERNELS[0]
