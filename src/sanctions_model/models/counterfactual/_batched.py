"""The Kalman filter and path simulation for many parameter draws at once.

The counterfactual draws a few thousand parameter vectors from the MLE's asymptotic distribution
and, for each, filters the fitting window and simulates paths forward
(:func:`~._structural.simulate_paths`). Filtering each draw with statsmodels costs a model update
and a Cython filter call per draw, and simulating each draw apart a Python loop over the horizon:
about 4.5 s of every counterfactual at 4,000 draws. Here all draws move together, one time step
at a time, as stacked arrays.

It applies to the models the counterfactual fits (statsmodels' ``UnobservedComponents`` with a
trend, a fixed seasonal, an AR(1) deviation and regression coefficients): their system matrices
are affine in the transformed parameters (variances, the AR coefficient, the betas), which
:func:`affine_system` checks numerically before use, and their initial state is approximately
diffuse except for a one-dimensional stationary AR block. A model outside that (or a check that
fails) returns ``None`` and the caller keeps statsmodels' per-draw filter. The filter is the
conventional one statsmodels runs for these models (``filter_method`` 1, with the covariance made
symmetric after each step, ``stability_method`` 1); the tests compare its final state with
statsmodels' to 1e-7. The simulation forms its products from the matrices' non-zero entries
(:mod:`._sparse`: the same sums in the same order, bit for bit, checked on each call's first
draws against the products themselves).

Both loops run compiled where numba is available (:mod:`._simkernel`: a block of draws at a time
through all months, the same arithmetic to rounding, the same random numbers; filter 5x, path
loop 1.4x the numpy forms); the numpy forms here stay as the reference the tests compare with
and as the fallback (``compiled=False``, or no numba).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _simkernel, _sparse

_MATRICES = ("design", "obs_intercept", "obs_cov", "transition", "state_intercept", "selection",
             "state_cov")  # fmt: skip


@dataclass(frozen=True)
class AffineSystem:
    """System matrices as ``M(theta) = base + sum_i theta_i * slope_i`` (each matrix)."""

    base: dict[str, np.ndarray]
    slope: dict[str, np.ndarray]  # name -> array with a leading parameter axis

    def at(self, thetas: np.ndarray) -> dict[str, np.ndarray]:
        """The matrices of every draw, with a leading draw axis."""
        return {k: self.base[k][None] + np.tensordot(thetas, self.slope[k], axes=(1, 0))
                for k in self.base}  # fmt: skip


def _system(model, theta: np.ndarray) -> dict[str, np.ndarray]:
    model.update(theta, transformed=True, complex_step=False)
    ssm = model.ssm
    out = {}
    for k in _MATRICES:
        mat = np.array(ssm[k], dtype=float)
        if k != "obs_intercept" and mat.ndim == 3:  # time-invariant stored with a time axis
            if mat.shape[-1] != 1:
                raise ValueError(k)
            mat = mat[..., 0]
        out[k] = mat
    return out


def affine_system(
    model, theta_hat: np.ndarray, rng_check: np.random.Generator
) -> AffineSystem | None:
    """The model's matrices as an affine function of its parameters, or None if they are not."""
    theta_hat = np.asarray(theta_hat, dtype=float)
    try:
        base_hat = _system(model, theta_hat)
        slopes = {k: np.empty((theta_hat.size, *v.shape)) for k, v in base_hat.items()}
        for i in range(theta_hat.size):
            step = theta_hat.copy()
            step[i] += 1.0
            moved = _system(model, step)
            for k in base_hat:
                slopes[k][i] = moved[k] - base_hat[k]
        base = {k: base_hat[k] - np.tensordot(theta_hat, slopes[k], axes=(0, 0)) for k in base_hat}
        system = AffineSystem(base=base, slope=slopes)
        probe = theta_hat * np.exp(rng_check.uniform(-0.5, 0.5, theta_hat.size))
        probe = np.where(np.abs(probe) < 1e-6, rng_check.uniform(0.1, 0.5, probe.size), probe)
        for p in (probe, theta_hat):
            want = _system(model, p)
            got = system.at(p[None])
            for k in want:
                scale = 1.0 + np.abs(want[k]).max(initial=0.0)
                if not np.allclose(got[k][0], want[k], rtol=1e-10, atol=1e-10 * scale):
                    return None
        return system
    except (ValueError, np.linalg.LinAlgError):
        return None
    finally:
        model.update(theta_hat, transformed=True, complex_step=False)


def initial_state(model, mats: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """Initial state mean and covariance for every draw, as statsmodels initialises these models.

    Approximately diffuse blocks get ``initial_variance`` on the diagonal; a one-state
    stationary block its stationary variance ``(RQR')_ii / (1 - T_ii**2)``. Anything else: None.
    """
    init = model.ssm.initialization
    n_draws, m = mats["transition"].shape[0], mats["transition"].shape[1]
    variance = float(init.approximate_diffuse_variance or model.ssm.initial_variance)
    a0 = np.zeros((n_draws, m))
    p0 = np.zeros((n_draws, m, m))
    blocks = init.blocks if init.initialization_type is None else {tuple(range(m)): init}
    covered: list[int] = []
    rqr = mats["selection"] @ mats["state_cov"] @ np.swapaxes(mats["selection"], 1, 2)
    for idx, block in blocks.items():
        idx = [int(i) for i in idx]
        covered += idx
        kind = block.initialization_type
        if kind == "approximate_diffuse":
            p0[:, idx, idx] = variance
        elif kind == "stationary" and len(idx) == 1:
            i = idx[0]
            phi = mats["transition"][:, i, i]
            if np.any(np.abs(phi) >= 1) or np.any(np.delete(mats["transition"][:, i, :], i, 1)):
                return None
            p0[:, i, i] = rqr[:, i, i] / (1.0 - phi**2)
        else:
            return None
    if sorted(covered) != list(range(m)):
        return None
    return a0, p0


#: draws filtered together: the work arrays of one block (3 x 512 x 14 x 14 doubles) stay in the
#: core's cache, where all 4,000 draws at once (9 MB) do not
FILTER_BLOCK = 512


def batched_filter(
    y: np.ndarray,
    mats: dict[str, np.ndarray],
    a0: np.ndarray,
    p0: np.ndarray,
    *,
    compiled: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Predicted state mean and covariance after the last month, for every draw.

    ``y`` has one observation per month (NaN: missing, prediction only); matrices have a
    leading draw axis, ``obs_intercept`` one value per month or one for all. Draws are filtered
    in blocks of :data:`FILTER_BLOCK` with work arrays reused every month; each draw's
    arithmetic is the same, in the same order, whatever the block (the tests check it bit for
    bit against one block of all draws). ``compiled``: the loop of :mod:`._simkernel` where numba
    is available (the same to rounding), else this numpy form.
    """
    kern = _simkernel.kernels() if compiled else None
    if kern is not None:
        return _filter_compiled(kern, y, mats, a0, p0)
    n = a0.shape[0]
    a_out, p_out = np.empty_like(a0, dtype=float), np.empty_like(p0, dtype=float)
    for lo in range(0, n, FILTER_BLOCK):
        part = slice(lo, min(n, lo + FILTER_BLOCK))
        sub = {k: v[part] for k, v in mats.items()}
        a_out[part], p_out[part] = _filter_block(y, sub, a0[part], p0[part])
    return a_out, p_out


def _filter_block(
    y: np.ndarray, mats: dict[str, np.ndarray], a0: np.ndarray, p0: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    zrow = mats["design"][:, 0, :]  # (D, m)
    tmat = mats["transition"]
    tmat_t = np.ascontiguousarray(np.swapaxes(tmat, 1, 2))  # a strided operand halves matmul
    c = mats["state_intercept"]
    c = c[..., 0] if c.ndim == 3 else c
    rqr = mats["selection"] @ mats["state_cov"] @ np.swapaxes(mats["selection"], 1, 2)
    h = mats["obs_cov"][:, 0, 0]
    d = mats["obs_intercept"].reshape(h.size, -1)
    d = np.broadcast_to(d, (h.size, len(y))) if d.shape[1] == 1 else d
    a, p = np.array(a0, dtype=float), np.array(p0, dtype=float)
    # work arrays reused every month: a fresh (D, m, m) temporary per operation cost more (in
    # page faults and cache misses) than its arithmetic
    work, tp, pz = np.empty_like(p), np.empty_like(p), np.empty_like(a)
    for t, yt in enumerate(y):
        if np.isfinite(yt):
            np.einsum("dij,dj->di", p, zrow, out=pz)
            f = np.einsum("di,di->d", zrow, pz) + h
            v = yt - np.einsum("di,di->d", zrow, a) - d[:, t]
            k = pz / f[:, None]
            a = a + k * v[:, None]
            np.subtract(p, np.einsum("di,dj->dij", k, pz, out=work), out=p)  # p - k pz'
        a = np.einsum("dij,dj->di", tmat, a) + c
        np.matmul(np.matmul(tmat, p, out=tp), tmat_t, out=work)  # T p T'
        np.add(work, rqr, out=work)
        np.multiply(0.5, np.add(work, np.swapaxes(work, 1, 2), out=p), out=p)  # symmetric
    return a, p


def _c(x: np.ndarray) -> np.ndarray:
    """Contiguous, writable float64: the one array type the compiled loops are compiled for (a
    read-only array is another type to numba: another compilation)."""
    x = np.ascontiguousarray(x, dtype=float)
    return x if x.flags.writeable else x.copy()


def _common(mats: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """The design row, transition and state intercept (D, m), with their non-zero patterns."""
    zrow = _c(mats["design"][:, 0, :])
    tmat = _c(mats["transition"])
    c = mats["state_intercept"]
    c = _c(c[..., 0] if c.ndim == 3 else c)
    z_idx = _simkernel.pattern(zrow[:, None, :])[1]
    t_ptr, t_idx = _simkernel.pattern(tmat)
    return zrow, z_idx, tmat, t_ptr, t_idx, c


def _filter_compiled(
    kern: _simkernel.Kernels,
    y: np.ndarray,
    mats: dict[str, np.ndarray],
    a0: np.ndarray,
    p0: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    zrow, z_idx, tmat, t_ptr, t_idx, c = _common(mats)
    rqr = _c(mats["selection"] @ mats["state_cov"] @ np.swapaxes(mats["selection"], 1, 2))
    h = _c(mats["obs_cov"][:, 0, 0])
    d = mats["obs_intercept"].reshape(h.size, -1)
    d = _c(np.broadcast_to(d, (h.size, len(y))) if d.shape[1] == 1 else d)
    a_out, p_out = np.empty(a0.shape), np.empty(p0.shape)
    kern.filter(_c(y), zrow, z_idx, tmat, t_ptr, t_idx, c, rqr, h, d, _c(a0), _c(p0), a_out,
                p_out)  # fmt: skip
    return a_out, p_out


def sqrt_psd_stack(cov: np.ndarray) -> np.ndarray:
    """The symmetric square root ``V sqrt(L) V'`` of each symmetric positive semi-definite matrix
    (negative eigenvalues to 0): independent of the eigenvectors' signs and of the basis within a
    repeated eigenvalue, which follow rounding (see :func:`._structural.sqrt_psd`)."""
    vals, vecs = np.linalg.eigh(0.5 * (cov + np.swapaxes(cov, -1, -2)))
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))[..., None, :]
    return root @ np.swapaxes(vecs, -1, -2)


#: draws on which the sparse products of :func:`simulate_forward` (:mod:`._sparse`) are checked
#: against the matrix products, bit for bit, before they replace them for all draws
CHECK_DRAWS = 8


def _same_bits(x: np.ndarray, y: np.ndarray) -> bool:
    return x.shape == y.shape and x.dtype == y.dtype and x.tobytes() == y.tobytes()


def simulate_forward(
    a: np.ndarray,
    p: np.ndarray,
    mats: dict[str, np.ndarray],
    intercept: np.ndarray,
    reps: int,
    rng: np.random.Generator,
    *,
    compiled: bool = True,
) -> np.ndarray:
    """``reps`` paths per draw from the state distribution ``N(a, p)``; shape ``(D, reps, H)``.

    ``compiled``: the loop of :mod:`._simkernel` where numba is available (the same random
    numbers, the same arithmetic to rounding), else this numpy form."""
    kern = _simkernel.kernels() if compiled else None
    if kern is not None:
        return _forward_compiled(kern, a, p, mats, intercept, reps, rng)
    n_draws = a.shape[0]
    horizon = intercept.shape[1]
    zrow = mats["design"][:, 0, :]
    tmat = mats["transition"]
    c = mats["state_intercept"]
    c = c[..., 0] if c.ndim == 3 else c
    qroot, hsd, state, obs_noise, state_noise = _forward_draws(a, p, mats, horizon, reps, rng)
    out = np.empty((horizon, n_draws, reps))  # month by month contiguous; (D, reps, H) at the end
    # reps of 1: einsum sums the design's products over the contiguous axis, in another order
    plan = _sparse.ForwardPlan.of(zrow, tmat, qroot) if reps > 1 else None
    if plan is not None:  # the products from the non-zero entries, where they agree
        head = slice(0, min(n_draws, CHECK_DRAWS))
        check = _sparse.ForwardPlan.of(zrow[head], tmat[head], qroot[head])
        args = (state[head], c[head], intercept[head], hsd[head], obs_noise[:, head],
                state_noise[:, head], out[:, head])  # fmt: skip
        _forward_products(zrow[head], tmat[head], qroot[head], *args)
        want = out[:, head].copy()
        if check is not None:
            check.run(*args)
            if _same_bits(out[:, head], want):
                plan.run(state, c, intercept, hsd, obs_noise, state_noise, out)
                return np.ascontiguousarray(np.moveaxis(out, 0, 2))
    _forward_products(zrow, tmat, qroot, state, c, intercept, hsd, obs_noise, state_noise, out)
    return np.ascontiguousarray(np.moveaxis(out, 0, 2))


def _forward_draws(
    a: np.ndarray,
    p: np.ndarray,
    mats: dict[str, np.ndarray],
    horizon: int,
    reps: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, ...]:
    """What both forms of :func:`simulate_forward` start from, drawn once here so that they
    draw the same numbers (calls, sizes, order): ``R Q^(1/2)`` per draw, the observation s.d.,
    the start states from ``N(a, p)``, then the observation and state noise."""
    n_draws, m = a.shape
    qroot = mats["selection"] @ sqrt_psd_stack(mats["state_cov"])  # (D, m, q)
    hsd = np.sqrt(np.maximum(mats["obs_cov"][:, 0, 0], 0.0))
    state = a[:, :, None] + sqrt_psd_stack(p) @ rng.standard_normal((n_draws, m, reps))
    obs_noise = rng.standard_normal((horizon, n_draws, reps))
    state_noise = rng.standard_normal((horizon, n_draws, qroot.shape[2], reps))
    return qroot, hsd, state, obs_noise, state_noise


def _forward_compiled(
    kern: _simkernel.Kernels,
    a: np.ndarray,
    p: np.ndarray,
    mats: dict[str, np.ndarray],
    intercept: np.ndarray,
    reps: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """:func:`simulate_forward` by :mod:`._simkernel`: the same square roots and the same draws
    from ``rng`` (calls, sizes and order as the numpy form's)."""
    n_draws = a.shape[0]
    horizon = intercept.shape[1]
    zrow, z_idx, tmat, t_ptr, t_idx, c = _common(mats)
    qroot, hsd, state, obs_noise, state_noise = _forward_draws(a, p, mats, horizon, reps, rng)
    qroot, hsd, state = _c(qroot), _c(hsd), _c(state)
    q_ptr, q_idx = _simkernel.pattern(qroot)
    out = np.empty((n_draws, reps, horizon))
    kern.forward(state, zrow, z_idx, tmat, t_ptr, t_idx, c, bool(np.any(c)), qroot,
                 q_ptr, q_idx, _c(intercept), hsd, obs_noise, state_noise, out)  # fmt: skip
    return out


def _forward_products(
    zrow: np.ndarray,
    tmat: np.ndarray,
    qroot: np.ndarray,
    state: np.ndarray,
    c: np.ndarray,
    intercept: np.ndarray,
    hsd: np.ndarray,
    obs_noise: np.ndarray,
    state_noise: np.ndarray,
    out: np.ndarray,
) -> None:
    """The loop of :func:`simulate_forward` with matrix products, into ``out`` (H, D, reps)."""
    state = np.array(state)
    nxt, eta = np.empty_like(state), np.empty_like(state)
    shift = c[:, :, None] if np.any(c) else None  # adding a zero intercept changes no number
    for t in range(out.shape[0]):
        out[t] = (np.einsum("di,dir->dr", zrow, state) + intercept[:, t, None]
                  + hsd[:, None] * obs_noise[t])  # fmt: skip
        # state <- T state + c + R Q^(1/2) noise, into reused arrays (the same arithmetic)
        np.matmul(tmat, state, out=nxt)
        if shift is not None:
            np.add(nxt, shift, out=nxt)
        np.add(nxt, np.matmul(qroot, state_noise[t], out=eta), out=nxt)
        state, nxt = nxt, state


def warm() -> None:
    """The compiled loops of :mod:`._simkernel` as :func:`batched_filter` and
    :func:`simulate_forward` call them. Compile (or load from numba's disk cache) every signature a notebook run uses, on tiny
    inputs, so that kernels forked afterwards pay neither."""
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
    a, p = batched_filter(y, mats, np.zeros((n_draws, m)), tmat.copy())
    simulate_forward(a, p, mats, np.zeros((n_draws, horizon)), reps, rng)
