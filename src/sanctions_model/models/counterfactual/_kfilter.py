"""A compiled conventional Kalman filter for the counterfactual's maximum-likelihood fits.

A fit of one structural model evaluates statsmodels' Cython Kalman filter about 230 times (the
log-likelihood at each BFGS step, and one complex-step filter run per parameter for each score),
~150 us each, mostly the dense BLAS products of a general-purpose filter. :func:`loglike_steps`
runs the same conventional filter (statsmodels' ``_conventional.pyx``, predicted timing) for one
observed series with time-invariant system matrices, compiled by numba: the transition's
products use its few non-zero entries (shifts and ones), and the k perturbed parameter vectors of
one complex-step score go through ONE compiled call.

What it reproduces of statsmodels (``KalmanFilter.loglike`` with ``MEMORY_CONSERVE ^
MEMORY_NO_LIKELIHOOD``): the state initialisation of these models (approximate diffuse blocks
with their constant and variance; stationary 1x1 blocks, the AR(1) state, by the bilinear
transformation statsmodels' Lyapunov solver applies), missing observations (NaN: no update, a
zero log-likelihood), the univariate inversion (``1 / F``; statsmodels switches to its univariate
filter when ``F < 1e-12``: status 1 here, and the caller goes to statsmodels), the forced symmetry
of the predicted covariance, the per-period log-likelihoods ``-0.5 (log 2 pi + log F) - 0.5 v^2 /
F`` (complex log and squares without conjugation for complex steps), and statsmodels' steady
state: once ``sum((P_t - P_{t+1})^2) < tolerance`` on a time-invariant model with no missing
value at t or t-1, F, log F and the predicted covariance stay frozen (only the state mean is
updated; a short local level settles within a few dozen months) until a missing month, where
statsmodels filters in full again from the covariance it kept.

Each period's value is a sum in another order than the BLAS calls of statsmodels: results agree
to rounding, which the approximate diffuse start (variance 1e6) amplifies in both filters
(``tests/models/test_counterfactual_kfilter.py``: log-likelihoods and complex-step scores within
1e-6 relative; measured 1e-10 or less for most models, at most 3e-7 on a real series where
statsmodels itself is 3.3e-7 from an 80-bit evaluation). :func:`_filter_loop` is the
plain-Python form (the reference without numba, and the 80-bit check on long doubles); :func:`kernel` compiles it on first use (numba's disk cache) and :func:`warm`
compiles or loads every signature a fit uses.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

import numpy as np
from statsmodels.tsa.statespace.initialization import Initialization
from statsmodels.tsa.statespace.kalman_filter import (
    FILTER_CONVENTIONAL,
    INVERT_UNIVARIATE,
    TIMING_INIT_PREDICTED,
)

from .._numba import compile_kernel

__all__ = ["OK", "System", "kernel", "loglike_steps", "warm"]

OK, SINGULAR = 0, 1
_LOG_2PI = math.log(2 * math.pi)


def _filter_loop(y, Z, d, H, T, c, R, Q, diffuse, stationary, symmetrize, tolerance, out):
    """Per-period log-likelihoods of ``len(H)`` filter runs into ``out`` (steps x periods).

    Run s has obs intercepts ``d[s]`` (length n or 1), obs variance ``H[s]``, transition ``T[s]``
    and state covariance ``Q[s]``; the series ``y`` (NaN: missing), design row ``Z``, state
    intercept ``c`` and selection ``R`` are shared. ``diffuse[i]``: the approximate diffuse
    variance of state i (0 if none); ``stationary``: the states initialised as stationary 1x1
    blocks. ``tolerance`` < 0 skips the steady-state check (a time-varying model). Returns 0,
    or 1 when a run stopped at a singular forecast variance (3: ``symmetrize`` off).

    The state covariance is symmetric (statsmodels forces it after each prediction; without
    ``symmetrize`` the run stops with status 3), so ``P Z'`` is a sum of P's rows; the filtered
    covariance ``Pf = P - (P Z' / F)(P Z')'`` is formed first (as statsmodels: the cancellation
    of the diffuse start's 1e6 happens before the transition's sums), then ``T Pf T'`` from the
    transition's non-zero entries, rows first (contiguous), its upper triangle mirrored.
    """
    n = y.shape[0]
    m = Z.shape[0]
    r = R.shape[1]
    nd = d.shape[1]
    dtype = out.dtype
    a = np.zeros(m, dtype)
    af = np.zeros(m, dtype)
    P = np.zeros((m, m), dtype)
    Pn = np.zeros((m, m), dtype)
    G = np.zeros((m, m), dtype)
    Pf = np.zeros((m, m), dtype)
    RQ = np.zeros((m, r), dtype)
    RQR = np.zeros((m, m), dtype)
    pz = np.zeros(m, dtype)
    w = np.zeros(m, dtype)
    ptr = np.zeros(m + 1, np.int64)
    cols = np.zeros(m * m, np.int64)
    vals = np.zeros(m * m, dtype)
    zi = np.zeros(m, np.int64)  # the design's non-zero entries
    nz = 0
    for j in range(m):
        if Z[j] != 0:
            zi[nz] = j
            nz += 1
    if not symmetrize:
        return 3
    for s in range(H.shape[0]):
        Ts = T[s]
        Qs = Q[s]
        h = H[s]
        zero = 0.0 * h
        nnz = 0  # the transition's non-zero entries, row by row
        for i in range(m):
            ptr[i] = nnz
            for j in range(m):
                if Ts[i, j] != 0:
                    cols[nnz] = j
                    vals[nnz] = Ts[i, j]
                    nnz += 1
        ptr[m] = nnz
        for i in range(m):  # R Q R'
            for k in range(r):
                acc = zero
                for j in range(r):
                    acc += R[i, j] * Qs[j, k]
                RQ[i, k] = acc
        for i in range(m):
            for j in range(m):
                acc = zero
                for k in range(r):
                    acc += RQ[i, k] * R[j, k]
                RQR[i, j] = acc
        for i in range(m):  # the initial state: mean 0 (checked by the caller)
            a[i] = 0.0
            for j in range(m):
                P[i, j] = 0.0
            P[i, i] = diffuse[i]
        for j in stationary:  # A' X A - X = -Q for 1x1 A, as statsmodels' bilinear solver
            phi = Ts[j, j]
            b = (phi - 1.0) / (phi + 1.0)
            q = -2.0 * ((RQR[j, j] / (phi + 1.0)) / (phi + 1.0))
            P[j, j] = q / (b + b)
        missing_before = False
        converged = False
        settled = 0
        Fc = h
        det = zero
        for t in range(n):
            yt = y[t]
            missing = math.isnan(yt)
            if converged and missing:  # statsmodels leaves its steady state at a missing month
                converged = False
                if settled:  # it starts from the covariance it kept (P_t of the check)
                    for i in range(m):
                        for k in range(m):
                            P[i, k] = Pn[i, k]
            if converged:  # statsmodels' steady state: F, log F, P and P Z' frozen
                settled += 1
                if settled == 2:
                    for k in range(m):
                        pz[k] = w[k]
                f = d[s, t if nd > 1 else 0]
                for q in range(nz):
                    f += Z[zi[q]] * a[zi[q]]
                v = yt - f
                v_scaled = (1.0 / Fc) * v
                for i in range(m):
                    a[i] = a[i] + pz[i] * v_scaled
                out[s, t] = -0.5 * (_LOG_2PI + det) - 0.5 * (v * v_scaled)
                missing_before = False
                for i in range(m):
                    acc = c[i]
                    for p in range(ptr[i], ptr[i + 1]):
                        acc += vals[p] * a[cols[p]]
                    af[i] = acc
                for i in range(m):
                    a[i] = af[i]
                continue
            if missing:
                out[s, t] = 0.0
            else:
                f = d[s, t if nd > 1 else 0]
                for q in range(nz):
                    f += Z[zi[q]] * a[zi[q]]
                for k in range(m):  # P Z' (P symmetric)
                    pz[k] = zero
                for q in range(nz):
                    zj = Z[zi[q]]
                    for k in range(m):
                        pz[k] += P[zi[q], k] * zj
                F = h
                for q in range(nz):
                    F += Z[zi[q]] * pz[zi[q]]
                if F.real < 1e-12 or not F.real == F.real:  # statsmodels' univariate filter
                    return SINGULAR
                v = yt - f
                scalar = 1.0 / F
                v_scaled = scalar * v
                for k in range(m):  # w = P (Z' / F)
                    w[k] = zero
                for q in range(nz):
                    zj = Z[zi[q]] * scalar
                    for k in range(m):
                        w[k] += P[zi[q], k] * zj
                for i in range(m):  # the filtered state and covariance
                    a[i] = a[i] + pz[i] * v_scaled
                    wi = w[i]
                    for k in range(m):
                        Pf[i, k] = P[i, k] - wi * pz[k]
                Fc = F
                det = np.log(F)
                out[s, t] = -0.5 * (_LOG_2PI + det) - 0.5 * (v * v_scaled)
            src = P if missing else Pf
            for i in range(m):  # a = T a + c; G = T Pf
                acc = c[i]
                for p in range(ptr[i], ptr[i + 1]):
                    acc += vals[p] * a[cols[p]]
                af[i] = acc
                for k in range(m):
                    G[i, k] = zero
                for p in range(ptr[i], ptr[i + 1]):
                    vp = vals[p]
                    cp = cols[p]
                    for k in range(m):
                        G[i, k] += vp * src[cp, k]
            for i in range(m):
                a[i] = af[i]
            # P_next = T Pf T' + R Q R': the upper triangle, mirrored (statsmodels computes both
            # halves and averages them)
            ss = zero
            for i in range(m):
                for k in range(i, m):
                    acc = zero
                    for p in range(ptr[k], ptr[k + 1]):
                        acc += G[i, cols[p]] * vals[p]
                    acc += RQR[i, k]
                    diff = P[i, k] - acc
                    if k == i:
                        ss += diff * diff
                    else:
                        ss += 2.0 * (diff * diff)
                    Pn[i, k] = acc
            for i in range(m):
                for k in range(i + 1, m):
                    Pn[k, i] = Pn[i, k]
            P, Pn = Pn, P
            if tolerance >= 0 and t >= 1 and not missing and not missing_before:
                if abs(ss) < tolerance:
                    # statsmodels keeps this F and log F, and as predicted covariance the one
                    # this period started from (its ``predicted_state_cov[..., t]``): the gain
                    # uses P_{t+1} Z' at t + 1, then P_t Z'
                    converged = True
                    settled = 0
                    for k in range(m):
                        pz[k] = zero
                        w[k] = zero
                    for q in range(nz):
                        zj = Z[zi[q]]
                        for k in range(m):
                            pz[k] += P[zi[q], k] * zj
                            w[k] += Pn[zi[q], k] * zj
            missing_before = missing
    return OK


_KERNEL: list = []


def kernel() -> Callable[..., int] | None:
    """:func:`_filter_loop` compiled by numba on first use and cached on disk (see
    :mod:`.._numba`); None without numba (the caller then keeps statsmodels' filter)."""
    if not _KERNEL:
        _KERNEL.append(compile_kernel(_filter_loop))
    return _KERNEL[0]


def loglike_steps(
    y: np.ndarray,
    Z: np.ndarray,
    d: np.ndarray,
    H: np.ndarray,
    T: np.ndarray,
    c: np.ndarray,
    R: np.ndarray,
    Q: np.ndarray,
    diffuse: np.ndarray,
    stationary: np.ndarray,
    symmetrize: bool,
    tolerance: float,
) -> tuple[np.ndarray, int]:
    """The per-period log-likelihoods (steps x periods, the dtype of ``H``) and the status (see
    :func:`_filter_loop`); None as the array when numba is missing."""
    run = kernel()
    if run is None:
        return None, -1
    out = np.empty((H.shape[0], y.shape[0]), H.dtype)
    status = run(y, Z, d, H, T, c, R, Q, diffuse, stationary, symmetrize, tolerance, out)
    return out, status


class System:
    """The parts of a statsmodels representation the filter reads that a fit does not change
    (series, design, state intercept, selection, initialisation, options), or None from
    :meth:`of` for anything :func:`_filter_loop` does not do as statsmodels does."""

    def __init__(self, y, Z, c, R, diffuse, stationary, symmetrize, tolerance, burn) -> None:
        self.y, self.Z, self.c, self.R = y, Z, c, R
        self.diffuse, self.stationary = diffuse, stationary
        self.symmetrize, self.tolerance, self.burn = symmetrize, tolerance, burn

    @classmethod
    def of(cls, ssm, inversion_method: int) -> System | None:
        """For the representation ``ssm`` as it is now, filtered with ``inversion_method``.

        Built once per representation and kept on it while the options, the shapes, the values
        of design, selection and state intercept, and the series and initialisation objects
        stay the same (a new ``initialize_*`` or ``bind`` replaces those objects)."""
        if kernel() is None or ssm.endog is None:
            return None
        key = (
            bool(inversion_method & INVERT_UNIVARIATE), ssm.filter_method, ssm.filter_timing,
            ssm.stability_method, ssm.tolerance, ssm.loglikelihood_burn, ssm.k_endog,
            ssm._obs_intercept.shape, ssm._obs_cov.shape, ssm._transition.shape,
            ssm._state_cov.shape, ssm._design.tobytes(), ssm._selection.tobytes(),
            ssm._state_intercept.tobytes(),
        )  # fmt: skip
        objects = (ssm.endog, ssm.initialization)
        kept = ssm.__dict__.get("_kfilter_system")
        if kept is not None and kept[0] == key and all(map(operator.is_, kept[1], objects)):
            return kept[2]
        system = cls._build(ssm, inversion_method)
        ssm._kfilter_system = (key, objects, system)
        return system

    @classmethod
    def _build(cls, ssm, inversion_method: int) -> System | None:
        if ssm.k_endog != 1:
            return None
        if (
            ssm.filter_method != FILTER_CONVENTIONAL
            or not inversion_method & INVERT_UNIVARIATE
            or ssm.filter_timing != TIMING_INIT_PREDICTED
            or ssm.stability_method not in (0, 1)
        ):
            return None
        endog, design, selection = ssm.endog, ssm._design, ssm._selection
        c = ssm._state_intercept
        m, r = ssm.k_states, ssm.k_posdef
        if (
            endog.dtype != np.float64
            or design.dtype != np.float64
            or selection.dtype != np.float64
            or c.dtype != np.float64
            or design.shape != (1, m, 1)
            or selection.shape != (m, r, 1)
            or c.shape != (m, 1)
            or ssm._obs_cov.shape != (1, 1, 1)
            or ssm._transition.shape != (m, m, 1)
            or ssm._state_cov.shape != (r, r, 1)
            or ssm._obs_intercept.shape not in ((1, 1), (1, endog.shape[1]))
            or np.any(c)  # a stationary block's mean would not be 0
        ):
            return None
        init = _initialisation(ssm.initialization, m)
        if init is None:
            return None
        time_invariant = ssm._obs_intercept.shape[1] == 1
        return cls(
            endog[0],
            np.ascontiguousarray(design[0, :, 0]),
            np.ascontiguousarray(c[:, 0]),
            np.ascontiguousarray(selection[:, :, 0]),
            init[0],
            init[1],
            bool(ssm.stability_method & 1),
            float(ssm.tolerance) if time_invariant else -1.0,
            int(ssm.loglikelihood_burn),
        )

    def run(self, d, H, T, Q) -> np.ndarray | None:
        """The log-likelihoods (sums over the periods after the burn) of the stacked runs; None
        when a run stopped where statsmodels takes another path."""
        out, status = loglike_steps(
            self.y, self.Z, d, H, T, self.c, self.R, Q, self.diffuse, self.stationary,
            self.symmetrize, self.tolerance,
        )  # fmt: skip
        if out is None or status != OK:
            return None
        return np.add.reduce(out[:, self.burn :], axis=1)

    def loglike(self, ssm, dtype) -> complex | float | None:
        """``ssm.loglike()`` from the representation's current matrices, in ``dtype`` (None for
        a complex matrix in a real run: statsmodels would then filter in complex numbers)."""
        matrices = (ssm._obs_cov, ssm._transition, ssm._state_cov, ssm._obs_intercept)
        if any(x.dtype not in (np.float64, dtype) for x in matrices):
            return None
        H = np.asarray(ssm._obs_cov[0, 0], dtype)
        T = np.asarray(ssm._transition[:, :, 0], dtype, order="C")[None]
        Q = np.asarray(ssm._state_cov[:, :, 0], dtype, order="C")[None]
        d = np.asarray(ssm._obs_intercept, dtype, order="C")
        found = self.run(d, H, T, Q)
        return None if found is None else found[0]


def _initialisation(init, m: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Approximate diffuse variances per state and the stationary 1x1 blocks of a statsmodels
    ``Initialization`` (as ``Statespace.initialize`` walks it), or None for anything else
    (known, exact diffuse, a larger stationary block, a non-zero constant)."""
    if not isinstance(init, Initialization) or not init.initialized or init.k_states != m:
        return None
    diffuse = np.zeros(m)
    stationary: list[int] = []
    todo = [(init, 0)]
    while todo:
        block, offset = todo.pop()
        kind = block.initialization_type
        if kind is None:
            todo.extend((sub, offset + index[0]) for index, sub in block.blocks.items())
        elif kind == "approximate_diffuse" and not np.any(block.constant):
            diffuse[offset : offset + block.k_states] = block.approximate_diffuse_variance
        elif kind == "stationary" and block.k_states == 1:
            stationary.append(offset)
        else:
            return None
    return diffuse, np.array(sorted(stationary), np.int64)


def warm() -> None:
    """Compile (or load from numba's cache) the real and complex signatures a fit uses."""
    m, n = 2, 4
    y = np.array([1.0, np.nan, 0.5, 0.7])
    Z = np.array([1.0, 0.0])
    c = np.zeros(m)
    R = np.eye(m)
    diffuse = np.array([1e6, 0.0])
    stationary = np.array([1], np.int64)
    for dtype in (np.float64, np.complex128):
        T = np.array([[[1.0, 0.0], [0.0, 0.5]]], dtype)
        Q = np.array([[[1.0, 0.0], [0.0, 1.0]]], dtype)
        H = np.ones(1, dtype)
        for d in (np.zeros((1, 1), dtype), np.zeros((1, n), dtype)):
            loglike_steps(y, Z, d, H, T, c, R, Q, diffuse, stationary, True, 1e-19)
