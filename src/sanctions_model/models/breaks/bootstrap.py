"""AR-sieve bootstrap of regression errors: null distributions that keep the autocorrelation.

Monthly trade series have strongly autocorrelated deviations from trend and season. Tests whose
null distribution assumes independent errors (the F distribution of the Chow test, Andrews'
critical values for the QLR sup-F, the Brownian bridge of the OLS-CUSUM) then reject far too
often: with AR(1) errors of coefficient 0.6 and 68 months, the classical QLR rejected a true "no
break" in 37 of 50 series.

The AR-sieve bootstrap (Kreiss 1992; Buhlmann 1997; applied to break tests e.g. by Hansen 2000)
approximates the error process by an autoregression, rebuilds error paths with the same
dependence and regresses them on the fixed design. In the *wild* version the innovation of month
``t`` stays in month ``t`` with a random sign, so a change in the errors' variance is part of the
null. A test statistic computed on those paths has the null distribution the data's own
autocorrelation and variance path imply.

Choices, each measured on seeded simulations (``tests/models/test_breaks_variance.py``):

* order by AIC (at least 1), up to 12 or a sixth of the months, Burg estimates: AR errors plus a
  random-walk component are an ARIMA(1,1,1) whose MA root nearly cancels the unit root, which
  only a long autoregression approximates (with orders up to 4 the bias-corrected persistence
  stayed at 0.5-0.8 and the QLR rejected 14% of such series at 5%);
* the break tests fit the sieve to the residuals *without* a break (the null model), and switch
  to the residuals with a level break only when the level sup-Wald test, bootstrapped from the
  null sieve, finds one (``_sieve_draws(fit="auto")``). Fitting to the residuals of each test's own
  searched break (the earlier default) lets the search absorb persistence exactly where the
  statistic is large: the level-and-trend QLR then rejected a pure variance change in 15-18%;
* the innovations resampled are those of the residuals *with* the break each test looks for
  (Chow: at the tested month; QLR: where its statistic peaks; CUSUM and the pre-test: a level
  break where the level sup-Wald statistic peaks), filtered by the sieve's coefficients, as in
  Hansen's (2000) fixed-regressor bootstrap. With the null residuals' innovations the month of a
  large break (EU27 exports to Russia, -0.9 in March 2022) went back into every path with a random
  sign, and a sieve near a unit root made it a shift of the level in half of them: the bootstrap
  rebuilt the break under the null (Chow p 0.16 on that series; 0.04 now). Fitting the
  coefficients too to those residuals cost size (9-22% under a variance change or a random walk);
* the persistence (sum of the AR coefficients) of residuals from a short regression with trend
  and month dummies is biased towards zero. The bias is removed by indirect inference: the shift
  of the persistence whose estimates, through the same regression (and break search), average the
  observed one, found by secant steps on common random numbers. The shift goes to the first
  coefficient (a scaling of a sum near zero would not move it) and may reach a unit root (no
  stationarity clamp), so a random-walk component is not read as a stationary swing.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .._ts_kernels import ar_filter_kernel
from .burg import burg, burg_sigma2

if TYPE_CHECKING:
    from .design import _Regression

__all__ = ["MAX_PERSISTENCE", "SIEVE_CRITERION", "ArSieve", "fit_ar_sieve"]

#: Largest AR order of the break tests' sieve, at most a sixth of the months (``None``: the
#: default of :func:`fit_ar_sieve`, ``min(6, n ** (1/3))``).
SIEVE_MAX_ORDER: int | None = 12
#: Order selection of the break tests' sieve.
SIEVE_CRITERION = "aic"
#: Largest persistence (sum of AR coefficients) the bias correction may reach: 1 is a unit root.
MAX_PERSISTENCE = 1.0
#: The stream of the sieve's bias-correction simulations (fixed: the sieve is a function of the
#: data, and only the bootstrap draws move with a test's ``seed``).
SIEVE_SEED = 20190

SieveFit = Literal["null", "auto"]

#: Level of the level-break pre-test of ``fit="auto"``.
PRETEST_ALPHA = 0.05


@dataclass(frozen=True)
class ArSieve:
    """A fitted AR(p) approximation of an error process, ready to simulate."""

    phi: np.ndarray
    """AR coefficients (after bias correction)."""
    innovations: np.ndarray
    """Centred innovations to resample."""
    order: int
    criterion: str = "BIC"
    """How the order was chosen."""

    def simulate(
        self, n: int, n_draws: int, rng: np.random.Generator, burn: int = 100
    ) -> np.ndarray:
        """``n_draws`` error paths of length ``n`` (array ``n x n_draws``)."""
        p = self.order
        total = n + burn
        eps = rng.choice(self.innovations, size=(total, n_draws), replace=True)
        if p == 0:
            return eps[burn:]
        return _ar_filter(eps, self.phi)[burn:]

    def simulate_wild(
        self, n: int, n_draws: int, rng: np.random.Generator, burn: int = 100
    ) -> np.ndarray:
        """Error paths whose innovation in month ``t`` is the fitted innovation of month ``t``
        times an independent random sign (a wild AR-sieve bootstrap).

        The innovations keep their place in time, so a change in the errors' variance (calm
        before the break, volatile after it) is reproduced in every path, while the signs make
        the paths independent of the observed ones. The first ``order`` months and the burn-in
        draw from the innovations of the first year.
        """
        p = self.order
        e = self.innovations
        if e.size != n - p:
            raise ValueError(f"wild sieve: {e.size} innovations for {n} months and order {p}")
        head = e[: max(1, min(12, e.size))]
        start = rng.choice(head, size=(burn + p, n_draws), replace=True)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(n - p, n_draws))
        eps = np.empty((burn + n, n_draws))  # np.vstack([start, e[:, None] * signs]), one copy
        eps[: burn + p] = start
        np.multiply(e[:, None], signs, out=eps[burn + p :])
        if p == 0:
            return eps[burn:]
        return _ar_filter(eps, self.phi)[burn:]

    @property
    def persistence(self) -> float:
        """Sum of the AR coefficients (1 = a random walk)."""
        return float(self.phi.sum()) if self.order else 0.0

    def describe(self) -> str:
        if self.order == 0:
            return (
                f"AR-sieve bootstrap (AR order 0 by {self.criterion}: errors resampled "
                "independently)"
            )
        coefs = ", ".join(f"{c:.2f}" for c in self.phi)
        return (
            f"AR-sieve bootstrap (AR({self.order}) by {self.criterion}, bias-corrected "
            f"coefficients {coefs})"
        )


def _ar_filter(eps: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """:func:`_ar_filter_reference` in one compiled pass over the months and paths
    (:func:`~sanctions_model.models._ts_kernels.ar_filter_kernel`: the same IEEE operations in the
    same order, bit for bit; ``tests/models/test_ts_kernels.py``); without numba, the reference."""
    kernel = ar_filter_kernel()
    if kernel is None or eps.ndim != 2:
        return _ar_filter_reference(eps, phi)
    return kernel(np.ascontiguousarray(eps, dtype=float), np.ascontiguousarray(phi, dtype=float))


def _ar_filter_reference(eps: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """``out[t] = eps[t] + phi[0] out[t-1] + ... + phi[p-1] out[t-p]`` down each column (zero
    before the first month), added left to right, as the per-lag loop it replaces did (the
    paths, and every figure drawn from them, are the same bit for bit; ``test_breaks_speed``):

    * an AR(1) of a few hundred paths (the bias correction's 200) goes through
      :func:`scipy.signal.lfilter`, whose recursion for one lag does the same two roundings
      (``phi * out[t-1]``, then the sum): 0.22 against 0.37 ms for 168 months. lfilter filters
      one column at a time, and for the bootstrap's 9,999 paths the loop is faster (2.7 ms
      against 18); with more lags lfilter would add the lags in another order;
    * with more lags and more than one path, a month's ``p`` products come from one call and are
      added by ``np.add.reduce`` over the first axis, which numpy does row after row (left to
      right, as the loop did; pairwise summation applies only along a contiguous reduced axis):
      four calls a month instead of ``2 p + 1``, half the time for ``p >= 8``;
    * otherwise the loop (without the copies and temporaries it made at every month).
    """
    p = phi.size
    width = eps[0].size
    if p == 1 and width <= 512:
        from scipy.signal import lfilter

        return lfilter([1.0], [1.0, -float(phi[0])], eps, axis=0)
    out = np.empty_like(eps)
    if p > 1 and eps.ndim == 2 and width > 1:
        terms = np.empty((p + 1, width))  # eps[t], phi[0] out[t-1], ..., phi[p-1] out[t-p]
        coef = phi[:, None]
        for t in range(eps.shape[0]):
            k = min(p, t)
            terms[0] = eps[t]
            if k:
                np.multiply(coef[:k], out[t - k : t][::-1], out=terms[1 : k + 1])
            np.add.reduce(terms[: k + 1], axis=0, out=out[t])
        return out
    tmp = np.empty(eps.shape[1:])
    for t in range(eps.shape[0]):
        row = out[t]
        row[...] = eps[t]
        for j in range(1, min(p, t) + 1):
            np.multiply(phi[j - 1], out[t - j], out=tmp)
            row += tmp
    return out


def _select_order(resid: np.ndarray, max_order: int, criterion: str = "aic") -> int:
    """AR order by AIC (default) or BIC, at least 1: an AR(1) fitted to white noise costs little,
    while order 0 chosen by chance on persistent errors makes the bootstrap ignore the
    persistence. AIC keeps the second root that a random-walk component adds to AR errors (their
    sum is an ARMA(1,1) in differences), which BIC tends to drop in 60-96 months."""
    n = resid.size
    penalty = 2.0 if criterion == "aic" else np.log(n)
    best, best_ic = 1, np.inf
    # Burg's fit of order p is the first p steps of the fit of order max_order
    for p, sigma2 in enumerate(burg_sigma2(resid, max_order, demean=True), start=1):
        ic = n * np.log(sigma2) + penalty * p
        if ic < best_ic - 1e-9:
            best, best_ic = p, ic
    return best


def fit_ar_sieve(
    resid: np.ndarray,
    *,
    design: np.ndarray | None = None,
    residualize: Callable[[np.ndarray], np.ndarray] | None = None,
    max_order: int | None = None,
    n_bias_sims: int = 200,
    bias_iterations: int = 3,
    seed: int = 0,
    wild: bool = False,
    criterion: str = "aic",
    max_persistence: float = 1.0,
) -> ArSieve:
    """Fit the AR sieve to regression residuals, with a simulated bias correction.

    Parameters
    ----------
    resid : array
        Residuals of the regression (with the break, if testing for one).
    design : array, optional
        The regression's design matrix. Residuals of a regression are less persistent than its
        errors (more so with a trend and month dummies in a short sample); the bias of the
        persistence (sum of AR coefficients) is measured by simulating the fitted AR through the
        same regression ``n_bias_sims`` times, and removed.
    residualize : callable, optional
        Instead of ``design``: a function mapping simulated error paths (``n x m``) to the
        residuals the procedure would compute from them (e.g. with a break at the month a
        search picks for each path), so the bias correction replicates the whole procedure.
    max_order : int, optional
        Largest AR order tried; default ``min(6, floor(n ** (1/3)))``.
    wild : bool
        Simulate the bias correction with the innovations kept in their months
        (:meth:`ArSieve.simulate_wild`), as the wild bootstrap will: with a change in variance
        the persistence is then estimated mostly from the volatile months, and its bias is
        that of the shorter effective sample.
    """
    r = np.asarray(resid, dtype=float)
    r = r - r.mean()
    n = r.size
    if max_order is None:
        max_order = int(min(6, np.floor(n ** (1 / 3))))
    order = _select_order(r, max_order, criterion)
    if order == 0:
        return ArSieve(np.empty(0), r.copy(), 0)
    phi0, _ = burg(r, order=order, demean=True)
    phi0 = np.asarray(phi0, dtype=float)
    phi = phi0
    observed = float(phi0.sum())
    if n_bias_sims > 0:
        q_design = None if design is None else np.linalg.qr(np.asarray(design, dtype=float))[0]

        def mean_estimate(delta: float) -> float:
            # common random numbers (the same seed at every trial) make this smooth in delta
            trial = _shift(phi0, delta)
            if not _stationary(trial):
                return float("nan")
            sieve = ArSieve(trial, _innovations(r, trial), order)
            rng = np.random.default_rng(seed)
            paths = (
                sieve.simulate_wild(n, n_bias_sims, rng)
                if wild
                else sieve.simulate(n, n_bias_sims, rng)
            )
            if residualize is not None:
                paths = residualize(paths)
            elif q_design is not None:
                paths = paths - q_design @ (q_design.T @ paths)
            # every path at once, each fitted exactly as statsmodels' burg fits it alone
            ar, _ = burg(paths, order=order, demean=True)
            return float(np.mean(ar.sum(axis=0)))

        delta = _solve_bias(mean_estimate, observed, max_persistence, bias_iterations)
        phi = _shift(phi0, delta)
    return ArSieve(phi, _innovations(r, phi), order, criterion.upper())


def _shift(phi0: np.ndarray, delta: float) -> np.ndarray:
    """``phi0`` with ``delta`` added to its first coefficient: the persistence (sum) moves by
    ``delta`` whatever the signs of the other coefficients (a scaling of a sum near zero would
    not), and a persistence of 1 is a unit root."""
    out = phi0.copy()
    out[0] += delta
    return out


def _solve_bias(
    mean_estimate: Callable[[float], float], observed: float, max_persistence: float, steps: int
) -> float:
    """The shift ``delta`` of the persistence whose estimates, through the test's own procedure,
    average the observed persistence (indirect inference): a fixed-point step, then secant steps,
    kept between -0.97 and ``max_persistence`` for the persistence."""
    lo, hi = -0.97 - observed, max_persistence - observed
    d0, m0 = 0.0, mean_estimate(0.0)
    d1 = float(np.clip(observed - m0, lo, hi))
    if abs(d1 - d0) < 1e-4:
        return d1
    m1 = mean_estimate(d1)
    if not np.isfinite(m1):
        return d0
    for _ in range(max(0, steps - 1)):
        slope = (m1 - m0) / (d1 - d0)
        # the estimate rises with the true persistence; a flat or falling secant (Monte Carlo
        # noise near a unit root) falls back to a fixed-point step
        step = (observed - m1) / slope if slope > 0.2 else observed - m1
        d2 = float(np.clip(d1 + step, lo, hi))
        if abs(d2 - d1) < 1e-3:
            return d2
        m2 = mean_estimate(d2)
        if not np.isfinite(m2):
            return d1
        d0, m0, d1, m1 = d1, m1, d2, m2
    return d1


def _innovations(r: np.ndarray, phi: np.ndarray) -> np.ndarray:
    order, n = phi.size, r.size
    e = r[order:].copy()
    for j in range(1, order + 1):
        e -= phi[j - 1] * r[order - j : n - j]
    return e - e.mean()


def _stationary(phi: np.ndarray) -> bool:
    """No explosive root (a unit root is allowed: the regression's constant absorbs the level)."""
    roots = np.roots(np.r_[1.0, -phi][::-1])
    return bool(np.all(np.abs(roots) > 1.0 - 1e-6))


def _sieve_draws(
    reg: _Regression,
    resid_null: np.ndarray,
    n_reps: int,
    seed: int,
    *,
    fit: SieveFit = "null",
    pretest_reps: int = 199,
    alternative: tuple[np.ndarray, str] | None = None,
) -> tuple[np.ndarray, str, float]:
    """Bootstrap residual paths (n x n_reps) of the null regression, a description of the
    bootstrap, and the sieve's persistence.

    ``fit="null"`` fits the sieve to the residuals without a break (``resid_null``), with its bias
    corrected through the null regression: a mean break then looks like persistence and costs
    power, never size. ``fit="auto"`` does the same unless the level sup-Wald test, bootstrapped
    from that sieve, finds a level break at 5%; the sieve is then fitted to the residuals with
    the level break where that statistic peaks (bias corrected by repeating the search on the
    simulated paths), so a level break does not pass for a random walk.

    ``alternative`` (residuals with the break the test looks for, and words for them): the
    innovations to resample are those of these residuals, filtered by the sieve's coefficients
    (as in Hansen's 2000 fixed-regressor bootstrap, whose residuals come from the model with the
    break). Resampling the null residuals' innovations would put the break's own jump back into
    every path with a random sign, where a persistent sieve turns it into a shift of the level:
    the bootstrap would reproduce the break under the null.

    The sieve's own simulations and the pre-test's draws use fixed streams (the sieve is a
    function of the data); only the bootstrap draws follow ``seed``.
    """
    sieve, where = _fitted_sieve(reg, resid_null, fit, pretest_reps)
    if alternative is not None:
        resid_alt, alt_words = alternative
        sieve = _with_innovations(sieve, resid_alt)
        where += f"; innovations from {alt_words}"
    rng = np.random.default_rng(seed + 1)
    errors = sieve.simulate_wild(reg.n, n_reps, rng)
    how = (
        f"wild {sieve.describe()} fitted to {where}; innovations kept in their months with random "
        f"signs, so a change in variance is part of the null; {n_reps} replications"
    )
    return reg.resid(errors), how, sieve.persistence


#: Sieves already fitted, by a digest of the data, the design and the settings: the Chow, QLR
#: and CUSUM tests of one series (notebook 02 runs five) fit the same sieve to the same null
#: residuals. Fitting is deterministic (fixed streams), so a stored sieve is the one a new fit
#: would give, bit for bit.
_SIEVE_CACHE: OrderedDict[bytes, tuple[ArSieve, str]] = OrderedDict()
_SIEVE_CACHE_SIZE = 32
_SIEVE_CACHE_LOCK = threading.Lock()  # a threaded executor may run break tests side by side


def _fitted_sieve(
    reg: _Regression, resid_null: np.ndarray, fit: SieveFit, pretest_reps: int
) -> tuple[ArSieve, str]:
    """The sieve of :func:`_sieve_draws` before its innovations are swapped, and words for what it
    was fitted to (computed once per series, design and settings)."""
    if fit not in ("null", "auto"):
        raise ValueError(f"fit must be 'null' or 'auto', got {fit!r}")
    from . import design

    settings = (
        fit, pretest_reps, SIEVE_MAX_ORDER, SIEVE_CRITERION, MAX_PERSISTENCE, SIEVE_SEED,
        PRETEST_ALPHA, design.HAC_SPLIT, design.PREWHITEN, design.PREWHITEN_MAX,
        design.HAC_BLOCK, design.UNSTABLE_SHARE, design.NeweyWestStats.CHUNK,
    )  # fmt: skip
    h = hashlib.blake2b(repr(settings).encode(), digest_size=20)
    for a in (reg.x, resid_null):
        a = np.ascontiguousarray(a, dtype=float)
        h.update(repr(a.shape).encode())
        h.update(a.tobytes())
    key = h.digest()
    with _SIEVE_CACHE_LOCK:
        hit = _SIEVE_CACHE.get(key)
        if hit is not None:
            _SIEVE_CACHE.move_to_end(key)
            return hit
    if fit == "null":
        sieve, where = _fit(resid_null, reg.resid), "the residuals without a break"
    else:
        sieve, where = _fitted_sieve(reg, resid_null, "null", pretest_reps)
        lev, stats = _level_search(reg)
        level_stats = stats(resid_null)[:, 0]
        i = int(np.argmax(level_stats))
        # the pre-test resamples the innovations of the residuals with its own level break
        pre = _with_innovations(sieve, lev.unrestricted_resid(resid_null, i))
        paths = reg.resid(
            pre.simulate_wild(reg.n, pretest_reps, np.random.default_rng(SIEVE_SEED + 2))
        )
        p_level = _boot_p(float(level_stats.max()), stats(paths).max(axis=0))
        if p_level < PRETEST_ALPHA:
            sieve = _fit(
                lev.unrestricted_resid(resid_null, i), lambda e: lev.resid_at_best(e, stats)
            )
            where = (
                "the residuals with a level break where the level sup-Wald statistic peaks (that "
                f"test, bootstrapped without a break, finds one at {PRETEST_ALPHA:.0%})"
            )
        else:
            where += (
                " (the level sup-Wald test, bootstrapped from it, finds no level break at "
                f"{PRETEST_ALPHA:.0%})"
            )
    for a in (sieve.phi, sieve.innovations):
        a.setflags(write=False)  # shared by later calls
    with _SIEVE_CACHE_LOCK:
        _SIEVE_CACHE[key] = (sieve, where)
        while len(_SIEVE_CACHE) > _SIEVE_CACHE_SIZE:
            _SIEVE_CACHE.popitem(last=False)
    return sieve, where


def _with_innovations(sieve: ArSieve, resid: np.ndarray) -> ArSieve:
    """``sieve`` with the innovations of ``resid`` (filtered by its coefficients) to resample."""
    r = resid - resid.mean()
    e = _innovations(r, sieve.phi) if sieve.order else r.copy()
    return ArSieve(sieve.phi, e, sieve.order, sieve.criterion)


def _fit(resid: np.ndarray, residualize: Any) -> ArSieve:
    n = resid.size
    max_order = None if SIEVE_MAX_ORDER is None else int(min(SIEVE_MAX_ORDER, n // 6))
    return fit_ar_sieve(
        resid,
        residualize=residualize,
        max_order=max_order,
        seed=SIEVE_SEED,
        wild=True,
        criterion=SIEVE_CRITERION,
        max_persistence=MAX_PERSISTENCE,
    )


def _level_search(reg: _Regression) -> tuple[_Regression, Callable[[np.ndarray], np.ndarray]]:
    """The level-break regression over the central 70% of the sample and its robust statistics
    (split Newey-West Wald) at every candidate month."""
    from .design import _nw_lags
    from .design import _Regression as Reg

    n = reg.n
    lo, hi = max(int(np.floor(0.15 * n)), 2), min(int(np.ceil(0.85 * n)), n - 2)
    lev = Reg(reg.x, [0], np.arange(lo, hi + 1))
    lags = _nw_lags(n)

    def stats(r: np.ndarray) -> np.ndarray:
        return lev.hac_stats(r, lags)

    return lev, stats


def _persistence_caveat(persistence: float, break_in: str) -> list[str]:
    if persistence < 0.85:
        return []
    hint = " (try break_in='level+trend')" if break_in == "level" else ""
    return [
        f"deviations from the fitted trend and season are nearly a random walk (AR persistence "
        f"{persistence:.2f}): the model may miss a change in trend{hint}, and the test has little "
        "power"
    ]


def _boot_p(stat: float, draws: np.ndarray) -> float:
    return float((1 + np.sum(draws >= stat - 1e-12)) / (1 + draws.size))
