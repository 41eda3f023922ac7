"""Design-based inference for one (or few) treated units and few clusters.

Sanctions on Russia give one treated destination. Standard errors clustered by pair or by
destination then rest on a single treated cluster and are far too small (issue 11: 37 of 40
no-effect panels "significant"). Two procedures that hold their size instead:

* **Randomization (placebo-in-space) inference** (:class:`RandomizationResults`): the estimator
  is re-run with each donor destination (:func:`sanctions_model.data.donors.donor_pool`) as the
  fake treated unit; the treated unit's rank among them gives the p-value
  ``(1 + #{placebos with |stat| >= |treated stat|}) / (1 + n_placebos)``. The default statistic
  is *studentized*: each coefficient divided by the standard deviation of its unit's own
  pre-period residuals, so that small, noisy destinations and large, stable ones are comparable
  (Ferman and Pinto 2017; the RMSPE ratio of Abadie, Diamond and Hainmueller 2010 in spirit).
  The interval inverts the same test under a constant additive effect, so interval and p-value
  never disagree: the ``1 - alpha`` interval includes zero exactly when ``p >= alpha``.
* **Wild cluster bootstrap** (:func:`wild_cluster_bootstrap`) when treatment varies across a
  few clusters (27 member states): WCR (null imposed), Rademacher weights, or Webb's six-point
  weights with fewer than 30 clusters, bootstrap-t with CRV1 errors (MacKinnon and Webb 2017,
  Roodman et al. 2019). Fixed effects are partialled out first (as pyfixest's
  ``Feols.wildboottest`` and the ``wildboottest`` package do; the p-value is checked against
  them in ``tests/models/test_inference.py``); the interval inverts the same bootstrap test with
  the same draws.

:func:`cluster_caveats` writes the caveats a result carries when clusters are few or only one
cluster is treated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

from ._results import ResultsDisplayMixin, Summary, validate_alpha
from ._wcr_kernel import exceed_kernel

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "FEW_CLUSTERS",
    "RandomizationResults",
    "WildBootstrapResults",
    "cluster_caveats",
    "fe_residualize",
    "placebo_in_space",
    "randomization_critical_value",
    "wild_cluster_bootstrap",
]

Statistic = Literal["studentized", "coefficient"]

FEW_CLUSTERS = 30
"""Below this many clusters, cluster-robust t tests over-reject: bootstrap and say so."""


# ---------------------------------------------------------------------------- helpers
def fe_residualize(values: np.ndarray, fe_codes: np.ndarray | None) -> np.ndarray:
    """Columns of ``values`` minus their projection on the fixed effects (pyfixest's demean)."""
    x = np.asarray(values, dtype=float)
    one = x.ndim == 1
    x2 = x[:, None] if one else x
    if fe_codes is None or fe_codes.size == 0:
        out = x2 - x2.mean(axis=0)
    else:
        from pyfixest.estimation import demean

        codes = np.asarray(fe_codes)
        codes = codes[:, None] if codes.ndim == 1 else codes
        out, ok = demean(
            np.ascontiguousarray(x2), codes.astype(np.uint64), np.ones(len(x2)), tol=1e-10
        )
        if not ok:
            raise ParameterError("demeaning by the fixed effects did not converge")
    return out[:, 0] if one else out


def cluster_caveats(
    n_clusters: int | None, n_treated_clusters: int | None, cluster: str | None
) -> tuple[str, ...]:
    """Short sentences on what few clusters or one treated cluster do to the inference."""
    out: list[str] = []
    if n_treated_clusters is not None and n_treated_clusters <= 1:
        out.append(
            f"Only one {cluster or 'cluster'} is treated: cluster-robust standard errors are "
            "not informative; randomization inference is the only honest default."
        )
    elif n_clusters is not None and n_clusters < FEW_CLUSTERS:
        out.append(
            f"Only {n_clusters} clusters ({cluster}): cluster-robust t tests over-reject with "
            f"fewer than about {FEW_CLUSTERS}; p-values and intervals use the wild cluster "
            "bootstrap instead."
        )
    return tuple(out)


def randomization_critical_value(abs_stats: np.ndarray, alpha: float) -> float:
    """Largest ``t`` whose randomization p-value ``(1 + #{|s_j| >= t}) / (1 + n)`` is ``>= alpha``.

    The ``1 - alpha`` interval ``estimate -/+ scale * t`` then includes zero exactly when the
    p-value of the treated unit is at least ``alpha``. Raises when ``n`` placebos cannot reach
    ``alpha`` (``1 / (n + 1) >= alpha``).
    """
    s = np.sort(np.abs(np.asarray(abs_stats, dtype=float)))[::-1]
    n = s.size
    k = math.ceil(alpha * (n + 1) - 1e-12) - 1
    if k < 1:
        raise ParameterError(
            f"{n} placebo units are too few for randomization inference at alpha={alpha}: the "
            f"smallest attainable p-value is 1/{n + 1} = {1 / (n + 1):.3f}; at least "
            f"{math.ceil(1 / alpha)} placebo units are needed"
        )
    return float(s[k - 1])


# ---------------------------------------------------------------------------- randomization
@dataclass(frozen=True, eq=False)
class RandomizationResults(ResultsDisplayMixin):
    """Placebo-in-space inference for one coefficient (read-only).

    Attributes
    ----------
    estimate : float
        Coefficient of the treated unit(s).
    scale : float
        Its studentization scale (the treated unit's pre-period residual s.d.; 1 for the raw
        coefficient statistic).
    placebo : pandas.DataFrame
        One row per placebo (indexed by the fake treated unit): ``estimate``, ``scale``,
        ``statistic``.
    treated : tuple of str
    statistic : {"studentized", "coefficient"}
    alpha : float
    unit : str
        What the units are ("destinations").
    """

    estimate: float
    scale: float
    placebo: pd.DataFrame
    treated: tuple[str, ...]
    statistic: Statistic
    alpha: float
    unit: str = "destinations"
    caveats: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        randomization_critical_value(self.placebo["statistic"].to_numpy(), self.alpha)

    @property
    def n_placebos(self) -> int:
        return len(self.placebo)

    @property
    def treated_statistic(self) -> float:
        return self.estimate / self.scale

    @property
    def pvalue(self) -> float:
        """``(1 + #{|placebo stat| >= |treated stat|}) / (1 + n_placebos)``."""
        s = np.abs(self.placebo["statistic"].to_numpy())
        t = abs(self.treated_statistic)
        return float((1 + np.sum(s >= t - 1e-12 * max(t, 1.0))) / (1 + s.size))

    @property
    def rank(self) -> int:
        """1 + the number of placebos with a strictly larger ``|statistic|`` (1 = most extreme)."""
        s = np.abs(self.placebo["statistic"].to_numpy())
        t = abs(self.treated_statistic)
        return int(1 + np.sum(s > t + 1e-12 * max(t, 1.0)))

    @property
    def inference(self) -> str:
        what = "studentized coefficient" if self.statistic == "studentized" else "coefficient"
        return (
            f"randomization inference over {self.n_placebos} placebo {self.unit} "
            f"({what}; p = share of placebos at least as extreme)"
        )

    def conf_int(self, alpha: float | None = None) -> tuple[float, float]:
        """Interval from inverting the randomization test under a constant additive effect."""
        alpha = self.alpha if alpha is None else validate_alpha(alpha)
        c = randomization_critical_value(self.placebo["statistic"].to_numpy(), alpha)
        return self.estimate - c * self.scale, self.estimate + c * self.scale

    def conf_int_mc_error(self, alpha: float | None = None, *, sampled: bool = True) -> float:
        """Monte Carlo standard error of either interval end (the same for both).

        The ends are ``estimate -/+ scale * c``, ``c`` the ``1 - alpha`` quantile of the
        placebos' absolute statistics; with placebos drawn at random (``sampled``, e.g. random
        groups of donors) ``c`` carries the quantile's Monte Carlo error
        (:func:`~sanctions_model.models.mc_digits.quantile_mc_error`). Every placebo
        enumerated: 0.
        """
        from sanctions_model.models.mc_digits import quantile_mc_error

        alpha = self.alpha if alpha is None else validate_alpha(alpha)
        if not sampled:
            return 0.0
        stats_ = np.abs(self.placebo["statistic"].to_numpy())
        return float(self.scale * quantile_mc_error(stats_, 1 - alpha))

    def to_frame(self) -> pd.DataFrame:
        """The placebo distribution with the treated unit(s) first (column ``treated``)."""
        head = pd.DataFrame(
            {
                "estimate": [self.estimate],
                "scale": [self.scale],
                "statistic": [self.treated_statistic],
                "treated": [True],
            },
            index=["+".join(self.treated)],
        )
        rest = self.placebo.assign(treated=False)
        return pd.concat([head, rest])

    def summary(self) -> Summary:
        lo, hi = self.conf_int()
        return Summary(
            title="Randomization (placebo-in-space) inference",
            facts={
                "Treated": ", ".join(self.treated),
                "Estimate": self.estimate,
                "Statistic": self.statistic,
                "Placebo units": self.n_placebos,
                "Rank (1 = most extreme)": f"{self.rank} of {self.n_placebos + 1}",
                "p-value": self.pvalue,
                f"{fmt.level(self.alpha)} interval": f"{lo:.4f} to {hi:.4f}",
                "Inference": self.inference,
            },
            notes=list(self.caveats),
        )

    def plot(self, ax=None, *, title: str | None = None) -> Figure:
        """Histogram of the placebo statistics with the treated unit's statistic marked."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(8, 4))
        else:
            fig = ax.figure
        s = self.placebo["statistic"].to_numpy()
        ax.hist(s, bins=min(40, max(10, s.size // 4)), color="0.6", label="placebo units")
        ax.axvline(self.treated_statistic, color="tab:red", linewidth=2,
                   label=f"{'+'.join(self.treated)} (rank {self.rank} of {s.size + 1})")  # fmt: skip
        what = "studentized effect" if self.statistic == "studentized" else "effect"
        ax.set_xlabel(f"{what} (placebo {self.unit})")
        ax.set_ylabel("count")
        ax.set_title(title or f"Placebo distribution, p = {self.pvalue:.3f}")
        ax.legend(loc="best", fontsize="small")
        return fig


def placebo_in_space(
    estimate: Callable[[tuple[str, ...], tuple[str, ...]], tuple[float, float]],
    treated: str | Sequence[str],
    donors: Sequence[str],
    *,
    statistic: Statistic = "studentized",
    alpha: float = 0.05,
    unit: str = "destinations",
    max_failures: float = 0.1,
    placebo_sets: Sequence[tuple[str, ...]] | None = None,
) -> RandomizationResults:
    """Re-run ``estimate`` with each donor as the fake treated unit and rank the treated one.

    Parameters
    ----------
    estimate : callable
        ``estimate(treated_units, sample_units) -> (coefficient, scale)``: fit the model on the
        units ``sample_units`` with ``treated_units`` treated. ``scale`` is the treated unit's
        pre-period residual s.d. (used when ``statistic="studentized"``). The real fit uses
        ``treated + donors``; placebo fits use the donors only (the treated unit left out).
    treated : str or sequence of str
        The treated unit(s); with several, each placebo is one donor (use the panel estimators
        for random placebo sets of several units).
    donors : sequence of str
        Units that may serve as placebos (see :func:`sanctions_model.data.donors.donor_pool`).
    max_failures : float
        Share of placebo fits allowed to fail (e.g. a donor with too few years) before raising;
        failures are dropped and counted in the caveats.
    placebo_sets : sequence of tuples of str, optional
        Placebo groups of donors, each treated as one fake group (``estimate(set, donors)``),
        for a treated group of several units: e.g. random 5-donor sets for five partners.
        Default: each donor alone.
    """
    alpha = validate_alpha(alpha)
    if statistic not in ("studentized", "coefficient"):
        raise ParameterError(f"statistic must be 'studentized' or 'coefficient', got {statistic!r}")
    treated_t = (treated,) if isinstance(treated, str) else tuple(treated)
    donors_t = tuple(d for d in donors if d not in treated_t)
    b, s = estimate(treated_t, treated_t + donors_t)
    sets = [(d,) for d in donors_t] if placebo_sets is None else [tuple(x) for x in placebo_sets]
    rows, failed = {}, []
    for units in sets:
        label = "+".join(units)
        try:
            bj, sj = estimate(units, donors_t)
        except (ParameterError, ValueError, np.linalg.LinAlgError):
            failed.append(label)
            continue
        if not (np.isfinite(bj) and np.isfinite(sj) and sj > 0):
            failed.append(label)
            continue
        rows[label] = (bj, sj)
    if len(failed) > max_failures * max(len(sets), 1):
        raise ParameterError(
            f"{len(failed)} of {len(sets)} placebo fits failed (e.g. {failed[:5]}); "
            "the placebo distribution would not represent the donor pool"
        )
    placebo = pd.DataFrame.from_dict(rows, orient="index", columns=["estimate", "scale"])
    if statistic == "coefficient":
        placebo["scale"] = 1.0
        s = 1.0
    placebo["statistic"] = placebo["estimate"] / placebo["scale"]
    caveats = ()
    if failed:
        caveats = (
            f"{len(failed)} placebo fits failed and were left out ({', '.join(failed[:8])}).",
        )
    return RandomizationResults(
        estimate=float(b), scale=float(s), placebo=placebo, treated=treated_t,
        statistic=statistic, alpha=alpha, unit=unit, caveats=caveats,
    )  # fmt: skip


# ---------------------------------------------------------------------------- wild bootstrap
_WEBB = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])


@dataclass(frozen=True, eq=False)
class WildBootstrapResults:
    """Wild cluster bootstrap (WCR) test of one coefficient on partialled-out data.

    ``y`` and ``x`` are the outcome and the regressor after removing the fixed effects and the
    other regressors (Frisch-Waugh-Lovell), ``clusters`` integer cluster codes.
    """

    estimate: float
    se: float
    pvalue: float
    n_clusters: int
    reps: int
    weights: str
    alpha: float
    cluster: str
    _y: np.ndarray = field(repr=False)
    _x: np.ndarray = field(repr=False)
    _codes: np.ndarray = field(repr=False)
    _v: np.ndarray = field(repr=False)
    _built: _WcrCurve | None = field(default=None, repr=False)  # the curve the p-value came from

    @property
    def inference(self) -> str:
        return (
            f"wild cluster bootstrap (WCR, {self.weights} weights, {self.reps:,} draws) over "
            f"{self.n_clusters} {self.cluster} clusters; interval by test inversion"
        )

    @cached_property
    def _curve(self) -> _WcrCurve:
        if self._built is not None:  # the same sums and draws: not built twice
            return self._built
        sxy = np.bincount(self._codes, weights=self._x * self._y, minlength=self.n_clusters)
        sxx = np.bincount(self._codes, weights=self._x * self._x, minlength=self.n_clusters)
        return _WcrCurve(sxy, sxx, self._v)

    def pvalue_at(self, beta0: float) -> float:
        """Bootstrap p-value of ``H0: coefficient = beta0`` (same draws for every ``beta0``)."""
        return self._curve.pvalue(beta0)

    def conf_int(self, alpha: float | None = None) -> tuple[float, float]:
        """``{beta0 : p(beta0) >= alpha}`` by bisection on each side of the estimate."""
        alpha = self.alpha if alpha is None else validate_alpha(alpha)
        if alpha not in self._intervals:
            self._intervals[alpha] = self._invert(alpha)
        return self._intervals[alpha]

    @cached_property
    def _intervals(self) -> dict[float, tuple[float, float]]:
        return {}

    def _invert(self, alpha: float) -> tuple[float, float]:
        if 1.0 / (self.reps + 1) >= alpha:
            raise ParameterError(f"{self.reps} bootstrap draws cannot reach alpha={alpha}")
        b, se = self.estimate, self.se
        p_at = self._curve.pvalue

        bounds = []
        for sign in (-1.0, 1.0):
            inside, step = b, max(se, 1e-8)
            outside = b + sign * step
            for _ in range(60):
                if p_at(outside) < alpha:
                    break
                inside, outside = outside, b + sign * (abs(outside - b) * 2)
            else:
                bounds.append(sign * np.inf)
                continue
            for _ in range(40):
                mid = 0.5 * (inside + outside)
                if p_at(mid) >= alpha:
                    inside = mid
                else:
                    outside = mid
            bounds.append(inside)
        return float(bounds[0]), float(bounds[1])

    def conf_int_mc_error(self, alpha: float | None = None) -> tuple[float, float]:
        """Monte Carlo standard errors of the two interval ends (``inf`` for an open end).

        An end is where ``p(beta0)`` crosses ``alpha``; ``p`` from ``B`` draws has a binomial
        error ``sqrt(alpha (1 - alpha) / B)`` there, which moves the crossing by that error
        divided by the slope of ``p`` (a secant over a tenth of the end's distance from the
        estimate, on the same draws). Where the p-curve is flat the end is poorly pinned down.
        """
        alpha = self.alpha if alpha is None else validate_alpha(alpha)
        lo, hi = self.conf_int(alpha)
        se_p = math.sqrt(alpha * (1 - alpha) / self.reps)
        out = []
        for end in (lo, hi):
            h = 0.1 * abs(end - self.estimate)
            if not np.isfinite(end) or h <= 0:
                out.append(np.inf)
                continue
            slope = abs(self.pvalue_at(end - h) - self.pvalue_at(end + h)) / (2 * h)
            out.append(se_p / slope if slope > 0 else np.inf)
        return float(out[0]), float(out[1])


class _WcrCurve:
    """The WCR p-value as a function of the null ``beta0``, for fixed draws ``v`` (draws x clusters).

    The test needs only the cluster sums ``sxy = sum x*y`` and ``sxx = sum x*x``. With the
    unrestricted cluster scores ``e = sxy - b * sxx`` and ``d = b - beta0``, each draw's
    bootstrap scores are ``A + d * B`` (``A`` from ``e``, ``B`` from ``sxx``, both centred on the
    draw's own coefficient), so its sum of squares is a quadratic in ``d`` whose three
    coefficients are computed once here: a p-value is then a few operations per draw instead of
    a draws x clusters product (test inversion evaluates about 200). The centred form keeps the
    precision of the direct computation at any distance from the estimate (the draw of all
    ones has ``B = 0`` exactly, and its ``t*`` equals ``t``).

    The coefficients are built in cache-sized blocks of preallocated buffers, and a p-value counts
    the draws in one compiled pass (:mod:`._wcr_kernel`): the same operations in the same order as
    the plain numpy expressions, so the same bits (``tests/models/test_panelrw_speed.py``).
    """

    _CHUNK = 1024  # draws per block of the quadratic's coefficients

    def __init__(self, sxy: np.ndarray, sxx: np.ndarray, v: np.ndarray) -> None:
        g = sxy.size
        self.total = float(sxx.sum())
        self.b = float(sxy.sum()) / self.total
        e = sxy - self.b * sxx  # x'e by cluster
        self.small = g / (g - 1)
        self.se = math.sqrt(self.small * float(e @ e)) / self.total
        self.ve, self.vs = v @ e, v @ sxx
        n = v.shape[0]
        self.aa, self.ab, self.bb = np.empty(n), np.empty(n), np.empty(n)
        rows = min(self._CHUNK, n)
        a_buf, b_buf, t_buf = np.empty((rows, g)), np.empty((rows, g)), np.empty((rows, g))
        for lo in range(0, n, rows):
            sl = slice(lo, lo + rows)
            m = min(rows, n - lo)
            a, bm, t = a_buf[:m], b_buf[:m], t_buf[:m]
            # a = v * e - (ve / total) * sxx;  bm = v * sxx - (vs / total) * sxx
            np.multiply(v[sl], e, out=a)
            np.subtract(a, np.multiply.outer(self.ve[sl] / self.total, sxx, out=t), out=a)
            np.multiply(v[sl], sxx, out=bm)
            np.subtract(bm, np.multiply.outer(self.vs[sl] / self.total, sxx, out=t), out=bm)
            self.aa[sl] = np.einsum("ij,ij->i", a, a)
            self.ab[sl] = np.einsum("ij,ij->i", a, bm)
            self.bb[sl] = np.einsum("ij,ij->i", bm, bm)

    def pvalue(self, beta0: float) -> float:
        d = self.b - beta0
        t = d / self.se
        # ties (the draw of all ones gives t* = t exactly) count at a relative tolerance, so
        # rounding in the sums cannot decide them at any scale of the data
        thr = abs(t) * (1 - 1e-9)
        count = exceed_kernel()
        if count is None:
            hits = self._exceed(d, thr)
        else:
            args = (self.aa, self.ab, self.bb, self.ve, self.vs)
            hits = int(count(*args, 2 * d, d * d, d, self.small, thr))
        return hits / self.aa.size  # as np.mean of the hits: an exact count / n

    def _exceed(self, d: float, thr: float) -> int:
        """How many draws have ``|t*| >= thr``, in numpy (buffers allocated once per curve)."""
        if not hasattr(self, "_num"):
            n = self.aa.size
            self._num, self._den, self._hit = np.empty(n), np.empty(n), np.empty(n, dtype=bool)
        num, den, hit = self._num, self._den, self._hit
        # ss = max(aa + 2 d ab + d^2 bb, 0);  t* = (ve + d vs) / sqrt(small ss)
        np.add(self.aa, np.multiply(self.ab, 2 * d, out=den), out=den)
        np.add(den, np.multiply(self.bb, d * d, out=num), out=den)
        np.maximum(den, 0.0, out=den)
        np.sqrt(np.multiply(den, self.small, out=den), out=den)
        np.add(self.ve, np.multiply(self.vs, d, out=num), out=num)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(num, den, out=num)
        np.greater_equal(np.abs(num, out=num), thr, out=hit)
        return int(np.count_nonzero(hit))


def wild_cluster_bootstrap(
    y: np.ndarray,
    x: np.ndarray,
    clusters: np.ndarray,
    *,
    reps: int = 9999,
    weights: Literal["auto", "rademacher", "webb"] = "auto",
    seed: int = 0,
    alpha: float = 0.05,
    cluster: str = "cluster",
) -> WildBootstrapResults:
    """WCR wild cluster bootstrap-t of the coefficient of ``x`` (partialled-out data).

    Parameters
    ----------
    y, x : numpy.ndarray
        Outcome and regressor with the fixed effects and other regressors partialled out
        (:func:`fe_residualize`).
    clusters : array-like
        Cluster label of each row.
    weights : {"auto", "rademacher", "webb"}
        ``"auto"``: Webb's six-point weights with fewer than :data:`FEW_CLUSTERS` clusters
        (Rademacher weights have only ``2**G`` distinct draws), else Rademacher.
    """
    alpha = validate_alpha(alpha)
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    codes, uniq = pd.factorize(pd.Series(np.asarray(clusters)), sort=True)
    g = len(uniq)
    # a cluster whose regressor is all zero after the fixed effects carries no information:
    # it does not count toward the minimum or the choice of weights
    sxy = np.bincount(codes, weights=x * y, minlength=g)
    sxx = np.bincount(codes, weights=x * x, minlength=g)
    informative = int((sxx > 0).sum())
    if informative < 6:
        raise ParameterError(
            f"{informative} clusters with variation in the regressor are too few even for a wild "
            "cluster bootstrap (need at least 6)"
        )
    if float(x @ x) <= 0:
        raise ParameterError("the regressor has no variation left after the fixed effects")
    if weights == "auto":
        weights = "webb" if informative < FEW_CLUSTERS else "rademacher"
    if weights not in ("webb", "rademacher"):
        raise ParameterError(f"weights must be 'auto', 'rademacher' or 'webb', got {weights!r}")
    v = _draws(weights, int(reps), g, seed)
    curve = _WcrCurve(sxy, sxx, v)
    p, b, se = curve.pvalue(0.0), curve.b, curve.se
    return WildBootstrapResults(
        estimate=b, se=se, pvalue=p, n_clusters=g, reps=int(reps), weights=weights,
        alpha=alpha, cluster=cluster, _y=y, _x=x, _codes=codes, _v=v, _built=curve,
    )  # fmt: skip


_DRAWS: dict[tuple, np.ndarray] = {}


def _draws(weights: str, reps: int, g: int, seed: int) -> np.ndarray:
    """The bootstrap weights (draws x clusters) of ``seed``: drawn once, then shared read-only.

    Every test of a design draws the same weights (same seed, draws and clusters): notebook 03
    draws 99,999 x 27 for each of its seven exposure DiDs. The generator calls are those of a
    fresh ``default_rng(seed)``, so the weights are the same values as drawing them again.
    """
    key = (weights, reps, g, seed)
    v = _DRAWS.get(key)
    if v is None:
        rng = np.random.default_rng(seed)
        if weights == "webb":
            v = _WEBB[rng.integers(0, 6, size=(reps, g))]
        else:
            v = rng.choice(np.array([-1.0, 1.0]), size=(reps, g))
        v.flags.writeable = False
        if len(_DRAWS) >= 4:  # a few designs' worth (99,999 x 27 is 22 MB)
            _DRAWS.pop(next(iter(_DRAWS)))
        _DRAWS[key] = v
    return v
