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
statsmodels' to 1e-7.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
    y: np.ndarray, mats: dict[str, np.ndarray], a0: np.ndarray, p0: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Predicted state mean and covariance after the last month, for every draw.

    ``y`` has one observation per month (NaN: missing, prediction only); matrices have a
    leading draw axis, ``obs_intercept`` one value per month or one for all. Draws are filtered
    in blocks of :data:`FILTER_BLOCK` with work arrays reused every month; each draw's
    arithmetic is the same, in the same order, whatever the block (the tests check it bit for
    bit against one block of all draws).
    """
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


def sqrt_psd_stack(cov: np.ndarray) -> np.ndarray:
    """A square root of each symmetric positive semi-definite matrix (negative eigenvalues to 0)."""
    vals, vecs = np.linalg.eigh(0.5 * (cov + np.swapaxes(cov, -1, -2)))
    return vecs * np.sqrt(np.clip(vals, 0.0, None))[..., None, :]


def simulate_forward(
    a: np.ndarray,
    p: np.ndarray,
    mats: dict[str, np.ndarray],
    intercept: np.ndarray,
    reps: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """``reps`` paths per draw from the state distribution ``N(a, p)``; shape ``(D, reps, H)``."""
    n_draws, m = a.shape
    horizon = intercept.shape[1]
    zrow = mats["design"][:, 0, :]
    tmat = mats["transition"]
    c = mats["state_intercept"]
    c = c[..., 0] if c.ndim == 3 else c
    qroot = mats["selection"] @ sqrt_psd_stack(mats["state_cov"])  # (D, m, q)
    hsd = np.sqrt(np.maximum(mats["obs_cov"][:, 0, 0], 0.0))
    state = a[:, :, None] + sqrt_psd_stack(p) @ rng.standard_normal((n_draws, m, reps))
    obs_noise = rng.standard_normal((horizon, n_draws, reps))
    state_noise = rng.standard_normal((horizon, n_draws, qroot.shape[2], reps))
    out = np.empty((horizon, n_draws, reps))  # month by month contiguous; (D, reps, H) at the end
    plan = _SparseSteps.of(zrow, tmat, qroot) if reps > 1 else None
    if plan is not None:
        plan.run(state, c, intercept, hsd, obs_noise, state_noise, out)
        return np.ascontiguousarray(np.moveaxis(out, 0, 2))
    nxt, eta = np.empty_like(state), np.empty_like(state)
    shift = c[:, :, None] if np.any(c) else None  # adding a zero intercept changes no number
    for t in range(horizon):
        out[t] = (np.einsum("di,dir->dr", zrow, state) + intercept[:, t, None]
                  + hsd[:, None] * obs_noise[t])  # fmt: skip
        # state <- T state + c + R Q^(1/2) noise, into reused arrays (the same arithmetic)
        np.matmul(tmat, state, out=nxt)
        if shift is not None:
            np.add(nxt, shift, out=nxt)
        np.add(nxt, np.matmul(qroot, state_noise[t], out=eta), out=nxt)
        state, nxt = nxt, state
    return np.ascontiguousarray(np.moveaxis(out, 0, 2))


@dataclass(frozen=True)
class _SparseSteps:
    """The products of :func:`simulate_forward` from the matrices' non-zero entries only.

    The design, transition and ``R Q^(1/2)`` of these models are mostly zeros: the design and the
    transition hold 0 and +-1 but for the AR coefficient, and ``R Q^(1/2)`` one non-zero entry
    per row. ``np.matmul`` (BLAS) and ``np.einsum`` over a stack of small matrices sum the
    products of each row one column after the other from a zero; products with 0 and +-1 are
    exact, so the same sums over the non-zero columns, in the same order, give the same numbers
    bit for bit (a zero's sign included: every first term gets ``+ 0.0``, as a sum from a zero
    does) in a fraction of the time. :meth:`of` returns None for matrices outside that pattern
    (the caller keeps the products), and ``reps`` of 1 keep them too (``einsum`` then sums the
    design's products in another order).
    """

    z_terms: tuple[tuple[int, float], ...]  # (state, +-1) of the design row, in column order
    t_ops: tuple[tuple[str, int, int, int, object], ...]  # see :meth:`_transition`
    q_rows: tuple[tuple[int, tuple[int, ...]], ...]  # (state, noise columns) of R Q^(1/2)
    qroot: np.ndarray

    @classmethod
    def of(cls, zrow: np.ndarray, tmat: np.ndarray, qroot: np.ndarray) -> _SparseSteps | None:
        m = tmat.shape[1]
        z_terms = []
        for k in range(m):
            col = zrow[:, k]
            if not np.any(col):
                continue
            if not (np.all(col == 1.0) or np.all(col == -1.0)):
                return None
            z_terms.append((k, float(col[0])))
        rows = []
        for i in range(m):
            ks = [k for k in range(m) if np.any(tmat[:, i, k])]
            terms: list[tuple[int, object]] = []
            for n, k in enumerate(ks):
                col = tmat[:, i, k]
                if np.all(col == 1.0) or np.all(col == -1.0):
                    terms.append((k, float(col[0])))
                elif n == 0:  # the first product may be inexact: rounded once, as by BLAS
                    terms.append((k, np.ascontiguousarray(col)[:, None]))
                else:
                    return None
            rows.append(terms)
        q_rows = []
        for i in range(m):
            nonzero = qroot[:, i, :] != 0
            if np.any(nonzero.sum(axis=1) > 1):
                return None  # two inexact products in one sum: their rounding is BLAS's
            js = tuple(int(j) for j in np.flatnonzero(nonzero.any(axis=0)))
            if js:
                q_rows.append((i, js))
        return cls(tuple(z_terms), cls._ops(rows), tuple(q_rows), qroot)

    @staticmethod
    def _ops(rows: list[list[tuple[int, object]]]) -> tuple[tuple[str, int, int, int, object], ...]:
        """Row operations of ``T state``: runs of rows copied from consecutive states
        (``"copy"``, rows ``i0:i1`` from ``k0``), and rows summed term by term (``"sum"``)."""
        ops: list[tuple[str, int, int, int, object]] = []
        for i, terms in enumerate(rows):
            single = len(terms) == 1 and isinstance(terms[0][1], float) and terms[0][1] == 1.0
            if single:
                k = terms[0][0]
                last = ops[-1] if ops else None
                if last and last[0] == "copy" and last[2] == i and last[3] + (i - last[1]) == k:
                    ops[-1] = ("copy", last[1], i + 1, last[3], None)
                else:
                    ops.append(("copy", i, i + 1, k, None))
            else:
                ops.append(("sum", i, i + 1, -1, tuple(terms)))
        return tuple(ops)

    def run(
        self,
        state: np.ndarray,
        c: np.ndarray,
        intercept: np.ndarray,
        hsd: np.ndarray,
        obs_noise: np.ndarray,
        state_noise: np.ndarray,
        out: np.ndarray,
    ) -> None:
        """The loop of :func:`simulate_forward` into ``out`` (H, D, reps), with the state held
        state-major (m, D, reps) so that each row operation runs over contiguous draws."""
        s = np.ascontiguousarray(np.moveaxis(state, 1, 0))
        nxt = np.empty_like(s)
        zs = np.empty(s.shape[1:])
        shift = np.ascontiguousarray(c.T)[:, :, None] if np.any(c) else None
        for t in range(out.shape[0]):
            self._design(s, zs)
            out[t] = zs + intercept[:, t, None] + hsd[:, None] * obs_noise[t]
            self._transition(s, nxt)
            if shift is not None:
                np.add(nxt, shift, out=nxt)
            noise = state_noise[t]
            for i, js in self.q_rows:
                eta = self.qroot[:, i, js[0], None] * noise[:, js[0]]
                for j in js[1:]:
                    eta += self.qroot[:, i, j, None] * noise[:, j]
                np.add(nxt[i], eta, out=nxt[i])
            s, nxt = nxt, s

    def _design(self, s: np.ndarray, zs: np.ndarray) -> None:
        if not self.z_terms:
            zs.fill(0.0)
            return
        (k, sign), *rest = self.z_terms
        _first(s[k], sign, zs)
        for k, sign in rest:
            (np.add if sign > 0 else np.subtract)(zs, s[k], out=zs)

    def _transition(self, s: np.ndarray, nxt: np.ndarray) -> None:
        for kind, i0, i1, k0, terms in self.t_ops:
            if kind == "copy":
                np.add(s[k0 : k0 + i1 - i0], 0.0, out=nxt[i0:i1])
                continue
            row = nxt[i0]
            if not terms:
                row.fill(0.0)
                continue
            (k, coef), *rest = terms
            _first(s[k], coef, row)
            for k, sign in rest:
                (np.add if sign > 0 else np.subtract)(row, s[k], out=row)


def _first(x: np.ndarray, coef: object, out: np.ndarray) -> None:
    """``0.0 + coef * x`` into ``out``: the first term of a sum that starts from zero."""
    if isinstance(coef, float) and coef == 1.0:
        np.add(x, 0.0, out=out)
    elif isinstance(coef, float) and coef == -1.0:
        np.subtract(0.0, x, out=out)
    else:
        np.multiply(coef, x, out=out)
        np.add(out, 0.0, out=out)
