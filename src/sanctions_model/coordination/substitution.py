"""Substitution: how much of an ally's lost direct trade with Russia reappears in the hubs.

Series and counterfactuals
--------------------------
For each series ``s`` (an ally's exports to Russia, or to one hub, in one currency), observed in
periods ``t`` (years, or months), the counterfactual is a log-linear trend *with drift* fitted on
the pre-period ``P``::

    log Y_st = a_s + b_s * (t - tbar) + e_st,      e_t ~ N(0, Sigma) across series, iid over t.

The drift ``b_s`` carries each series' pre-war growth forward (a flat random walk does not, and
with the hubs' pre-war boom it turns normal growth into "excess").

Which pre-war years, in which prices (chosen by simulation)
-----------------------------------------------------------
Annual fits leave out 2020 by default (``exclude``; the same point estimates as a 2020 dummy),
and values are deflated before the fits (:mod:`.real_terms`). Candidates were compared on seeded
panels with the features of the embedded data (:func:`~.simulate.simulate_substitution_panel`:
pre-period 2016-2021, drift, AR(1) errors 0.5, common shocks, a 2020 dip of -0.15 log points,
USD prices +8% in 2022 and +12% in 2023, a hub starting in 2018), 150 simulations per row,
2,000 draws; hubs of realistic size (each about 3% of the ally's trade with Russia):

====================================  =====  =============  ========  =============
variant                               truth  median bias    coverage  p < 0.05
====================================  =====  =============  ========  =============
nominal, 2020 in the fit (old)        0.05   +0.080         126/150   95
nominal, 2020 in the fit (old)        0      +0.056         131/150   19
real, 2020 in the fit                 0.05   +0.020         149/150   47
nominal, 2020 left out                0.05   +0.053         69/150    145
real, pre-war average level           0.05   +0.054         113/148   139
**real, 2020 left out (default)**     0.05   **+0.003**     141/150   105
**real, 2020 left out (default)**     0      **+0.003**     145/150   5
====================================  =====  =============  ========  =============

With hubs five times larger (each 15%) the default's median bias is +0.016 / +0.015 (coverage
144/150, 145/150; mean bias +0.037, from the hub too short for a drift) against +0.30 / +0.28
for the old default. Levels relative to a pre-war average drop the drift and turn the hubs'
pre-war growth into excess (+0.05 to +0.21). A deflator that misses half of the price rise leaves
+0.026 (realistic hubs) to +0.11 (large hubs): the real ratio is only as good as its deflator.
A series with fewer than four usable pre-war years (Kazakhstan's, from 2018: three without 2020)
is projected at its pre-war average level (``short="level"``) rather than dropped.

Joint draws (correlated across series)
--------------------------------------
All series share the regressors, so OLS per series is the SUR estimator and
``Cov(vec B) = Sigma (x) (X'X)^-1``. ``Sigma`` is estimated from the pre-period residuals, its
correlation shrunk towards one common correlation ``rho`` (the mean pairwise residual
correlation) with weight ``w = min(1, S / (n - k))`` (``S`` series, ``n - k`` residual degrees of
freedom): with six pre-war years and dozens of series the sample correlation is singular, the
common one is not. Draw ``j`` of every series uses the same standard-normal vectors mixed
through the Cholesky factor of the correlation, so a shock common to Russia and the hubs moves
the shortfall and the excess together. Draws are normal (parameter and shock uncertainty),
with each series' standard deviation widened by ``t_{0.975, n-k} / z_{0.975}`` so that its 95%
predictive interval equals the Student-t forecast interval of a regression with ``n - k``
degrees of freedom. (Exact Student-t draws would give levels ``exp(.)`` without a finite mean,
and the point estimate below is a ratio of means.)

Substitution ratio (ratio of expected values)
---------------------------------------------
Over the evaluation periods ``W``, draw ``j`` gives the shortfall
``S_j = sum_W (Yhat_RU,j - Y_RU)`` and the excess ``E_j = sum_h sum_W (Y_h - Yhat_h,j)``. The point
estimate is ``theta = E[E] / E[S]``, from the exact expected counterfactual levels of the
draws' lognormal distribution (``JointTrendDraws.expected``), so it does not move with the seed. Its ``1 - alpha`` interval is the Fieller-type set of
``theta'`` for which zero lies inside the central ``1 - alpha`` interval of the draws of
``E - theta' S``, taken by the rule of :func:`~sanctions_model.models.draws.summarize_draws`
(order statistics from each tail, not interpolated quantiles); at ``theta' = theta`` those draws have mean zero, so the point estimate lies
inside its own interval (checked; a caveat otherwise). The p-value for "no re-routing" is the
two-sided share of the draws of ``E`` beyond zero (:func:`~sanctions_model.models.draws.
summarize_draws`), so the interval includes zero exactly when ``p >= alpha``. When the shortfall
itself is not clearly positive (``P(S > 0) < 1 - alpha / 2``) the ratio is not identified and is
not reported.

The ratio counts only re-routing *recorded in the hubs' imports*. It overstates re-routing
through these hubs (the excess also holds the hubs' own demand growth above trend, and goods
re-exported to third countries), and it says nothing about other routes or about goods declared
for a hub that the hub never records as imports: it is not a ceiling on total leakage.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from sanctions_model._results import validate_alpha
from sanctions_model.coordination.substitution_results import (
    Substitution,
    SubstitutionResults,
    _pooled_notes,
)
from sanctions_model.errors import ParameterError

__all__ = [
    "JointTrendDraws",
    "Substitution",
    "SubstitutionResults",
    "joint_trend_draws",
    "substitution_from_draws",
    "estimate_substitution",
]

#: Pre-war years left out of annual trend fits by default: the COVID trough.
DEFAULT_EXCLUDE: tuple[str, ...] = ("2020",)


@dataclass(frozen=True, eq=False)
class JointTrendDraws:
    """Observed values and jointly simulated counterfactuals of several series.

    Attributes
    ----------
    index : PeriodIndex
        Evaluation periods, length ``n``.
    columns : Index
        The series (length ``S``).
    observed : array (n, S)
        Observed levels (NaN where the series is not observed in that period).
    draws : array (n_draws, n, S)
        Counterfactual levels.
    expected : array (n, S)
        The exact expected counterfactual levels of the draws' distribution (lognormal), from
        which the point estimates are made, so they do not depend on the seed.
    rho : float
        The common residual correlation the draws use (after shrinkage).
    shrinkage : float
        Weight on the common correlation.
    df : int
        Smallest residual degrees of freedom among the trend fits.
    pre : (Period, Period)
    skipped : DataFrame
        Series left out (``series``, ``reason``).
    """

    index: pd.PeriodIndex
    columns: pd.Index
    observed: np.ndarray
    draws: np.ndarray
    expected: np.ndarray
    rho: float
    shrinkage: float
    df: int
    pre: tuple[pd.Period, pd.Period]
    skipped: pd.DataFrame = field(default_factory=pd.DataFrame)
    exclude: tuple[pd.Period, ...] = ()
    trend: str = "drift"
    level_only: tuple[Hashable, ...] = ()

    def column(self, key: Hashable) -> int:
        return int(self.columns.get_loc(key))


def _periods(frame: pd.DataFrame) -> pd.PeriodIndex:
    if not isinstance(frame.index, pd.PeriodIndex):
        raise ParameterError("panel must be indexed by a PeriodIndex (years or months)")
    return frame.index


def _shrunk_correlation(
    resid: np.ndarray, df: int, shrinkage: float | None, rho: float | None = None
) -> tuple:
    """Residual correlation (pairwise-complete periods) shrunk towards its mean off-diagonal.

    ``rho`` (optional) replaces the mean off-diagonal as the common correlation (sensitivity).
    """
    n_series = resid.shape[1]
    if n_series == 1:
        return np.ones((1, 1)), 0.0, 1.0
    r_hat = pd.DataFrame(resid).corr(min_periods=3).fillna(0.0).to_numpy(copy=True)
    np.fill_diagonal(r_hat, 1.0)
    off = r_hat[~np.eye(n_series, dtype=bool)]
    target_rho = float(np.mean(off)) if rho is None else float(rho)
    rho = float(np.clip(target_rho, -1.0 / (n_series - 1) + 1e-3, 0.95))
    w = min(1.0, n_series / max(df, 1)) if shrinkage is None else float(shrinkage)
    if not 0 <= w <= 1:
        raise ParameterError(f"shrinkage must be in [0, 1], got {shrinkage}")
    target = np.full((n_series, n_series), rho)
    np.fill_diagonal(target, 1.0)
    corr = (1 - w) * r_hat + w * target
    vals, vecs = np.linalg.eigh(corr)
    corr = (vecs * np.clip(vals, 1e-6, None)) @ vecs.T
    d = np.sqrt(np.diag(corr))
    return corr / np.outer(d, d), rho, w


def _trend_errors(lxs: np.ndarray, x_posts: np.ndarray, z_b: np.ndarray) -> np.ndarray:
    """``einsum("stk,dks->dts", x_posts, einsum("sij,djs->dis", lxs, z_b))``: the forecast
    errors from the coefficient errors, (n_draws, n_post, n_series).

    The same products, summed over the two trend parameters in einsum's order, with the draws
    on the last (long) axis: einsum's loops over the short series axis cost more than the sums.
    """
    k = lxs.shape[1]
    z = np.ascontiguousarray(z_b.transpose(1, 2, 0))  # (k, S, D)
    db = []  # coefficient errors, Cov = corr (x) (X_s'X_s)^-1; each (S, D)
    for i in range(k):
        acc = lxs[:, i, 0, None] * z[0]
        for j in range(1, k):
            acc = acc + lxs[:, i, j, None] * z[j]
        db.append(acc)
    fit = x_posts[:, :, 0, None] * db[0][:, None, :]  # (S, T, D)
    for j in range(1, k):
        fit = fit + x_posts[:, :, j, None] * db[j][:, None, :]
    return fit.transpose(2, 1, 0)


def joint_trend_draws(
    panel: pd.DataFrame,
    *,
    pre: tuple[Any, Any],
    post: tuple[Any, Any],
    n_draws: int = 2000,
    shrinkage: float | None = None,
    min_pre: int = 4,
    rho: float | None = None,
    exclude: Sequence[Any] = (),
    trend: Literal["drift", "level"] = "drift",
    short: Literal["skip", "level"] = "skip",
    min_level: int = 3,
    seed: int | np.random.Generator | None = 0,
) -> JointTrendDraws:
    """Fit a log-linear trend with drift to every column on ``pre``; draw them jointly over ``post``.

    Parameters
    ----------
    panel : DataFrame
        Levels (positive), PeriodIndex rows, one column per series.
    pre, post : (start, end)
        Fitting and evaluation periods (inclusive), in the panel's frequency.
    n_draws : int
    shrinkage : float, optional
        Weight of the common correlation; default ``min(1, S / (n - k))``.
    min_pre : int, default 4
        Each series is fitted on its longest run of positive values that ends at the last
        pre-period (so a series starting later than ``pre[0]`` is fitted on fewer periods);
        series with fewer than ``min_pre`` such values are skipped (see ``skipped``).
    rho : float, optional
        Common residual correlation to impose instead of the mean pairwise one (sensitivity).
    exclude : sequence of periods
        Pre-periods left out of the fits (e.g. ``["2020"]``: the COVID year), which is the same
        fit as a dummy for each of them; ``min_pre`` counts the periods kept.
    trend : {"drift", "level"}
        ``"drift"``: a log-linear trend (intercept and slope). ``"level"``: the pre-period
        average of the log levels, no drift (a sensitivity).
    short : {"skip", "level"}
        A series with fewer than ``min_pre`` usable pre-periods is skipped (``"skip"``) or, with
        at least ``min_level`` of them, projected at its pre-period average (``"level"``; listed
        in ``level_only``).
    seed : int or Generator

    Returns
    -------
    JointTrendDraws
    """
    if trend not in ("drift", "level"):
        raise ParameterError(f"trend must be 'drift' or 'level', got {trend!r}")
    if n_draws < 100:
        raise ParameterError(f"n_draws must be at least 100, got {n_draws}")
    idx = _periods(panel)
    freq = idx.freq
    p0, p1 = pd.Period(pre[0], freq=freq), pd.Period(pre[1], freq=freq)
    w0, w1 = pd.Period(post[0], freq=freq), pd.Period(post[1], freq=freq)
    if not p0 < p1 < w0 <= w1:
        raise ParameterError(f"need pre {p0}..{p1} before post {w0}..{w1}")
    pre_idx = pd.period_range(p0, p1, freq=freq)
    post_idx = pd.period_range(w0, w1, freq=freq)
    values = panel.reindex(pre_idx.append(post_idx)).astype(float)
    # positional from here: the rows are pre_idx then post_idx (pandas lookups cost more than
    # the fits)
    arr = values.to_numpy()
    pre_v, post_v = arr[: len(pre_idx)], arr[len(pre_idx) :]
    col_pos = {c: j for j, c in enumerate(values.columns)}
    dropped = {pd.Period(x, freq=freq) for x in exclude}
    left_out = np.array([p in dropped for p in pre_idx], dtype=bool)
    if left_out[-1]:
        raise ParameterError(f"the last pre-period {p1} cannot be excluded from the fits")
    # each series is fitted on its own run of positive values ending at the last pre period
    # (an excluded period does not break the run)
    fit_rows: dict[Any, np.ndarray] = {}
    skipped_rows = []
    for c in values.columns:
        v = pre_v[:, col_pos[c]]
        ok = (np.isfinite(v) & (v > 0)) | left_out
        first = len(ok) - int(np.argmin(ok[::-1])) if not ok.all() else 0
        rows = np.arange(first, len(ok))
        rows = rows[~left_out[rows]]
        need = min(min_pre, min_level) if short == "level" else min_pre
        if not ok[-1] or len(rows) < need:
            skipped_rows.append((c, f"fewer than {need} positive values ending {p1}"))
            continue
        fit_rows[c] = rows
    skipped = pd.DataFrame(skipped_rows, columns=["series", "reason"])
    keep = list(fit_rows)
    if not keep:
        raise ParameterError(f"no series with {min_pre} positive values ending {p1}")
    # per series: 2 parameters (level and drift) or 1 (level only: trend="level", or a series
    # too short for a drift when short="level"); arrays keep two slots, the drift's set to zero
    k = 2
    n_par = {c: 2 if trend == "drift" and len(fit_rows[c]) >= min_pre else 1 for c in keep}
    level_only = tuple(c for c in keep if n_par[c] == 1)
    n_series, n_post = len(keep), len(post_idx)
    dfs = np.array([len(fit_rows[c]) - n_par[c] for c in keep])
    post_t = np.array([(p - p0).n for p in post_idx], dtype=float)
    mean_post = np.empty((n_post, n_series))
    sigma = np.empty(n_series)
    lxs = np.empty((n_series, k, k))
    x_posts = np.empty((n_series, n_post, k))
    resid = np.full((len(pre_idx), n_series), np.nan)
    for j, c in enumerate(keep):
        rows = fit_rows[c]
        t = rows.astype(float)
        tbar = t.mean()
        kj = n_par[c]
        x = np.column_stack([np.ones(len(t)), t - tbar])[:, :kj]
        xtx_inv = np.linalg.inv(x.T @ x)
        y = np.log(pre_v[rows, col_pos[c]])
        b = xtx_inv @ x.T @ y
        e = y - x @ b
        sigma[j] = np.sqrt((e**2).sum() / dfs[j])
        resid[rows, j] = e
        lxs[j] = 0.0
        lxs[j, :kj, :kj] = np.linalg.cholesky(xtx_inv)
        x_posts[j] = np.column_stack([np.ones(n_post), (post_t - tbar) * (kj == 2)])
        mean_post[:, j] = x_posts[j, :, :kj] @ b
    corr, rho, w = _shrunk_correlation(resid, int(dfs.min()), shrinkage, rho)
    chol = np.linalg.cholesky(corr)

    rng = np.random.default_rng(seed)
    # normal draws widened so their 95% interval matches the Student-t forecast interval:
    # exp() of a t draw has no mean, and the point estimate is a ratio of means
    inflate = stats.t.ppf(0.975, dfs) / stats.norm.ppf(0.975)
    z_b = rng.standard_normal((n_draws, k, n_series)) @ chol.T  # correlated across series
    z_u = rng.standard_normal((n_draws, n_post, n_series)) @ chol.T
    scale = inflate * sigma
    log_draws = mean_post[None] + (_trend_errors(lxs, x_posts, z_b) + z_u) * scale
    # the exact mean of the draws' distribution (lognormal): point estimates that do not move
    # with the seed. Var log = scale^2 (x' (X'X)^-1 x + 1), with (X'X)^-1 = L L'.
    lev = np.einsum("stk,skm->stm", x_posts, lxs)
    var = scale[None, :] ** 2 * ((lev**2).sum(axis=2).T + 1.0)
    df = int(dfs.min())
    return JointTrendDraws(
        index=post_idx,
        columns=pd.Index(keep),
        observed=post_v[:, [col_pos[c] for c in keep]],
        draws=np.ascontiguousarray(np.exp(log_draws)),
        expected=np.exp(mean_post + 0.5 * var),
        rho=rho,
        shrinkage=w,
        df=df,
        pre=(p0, p1),
        skipped=skipped,
        exclude=tuple(pre_idx[left_out]),
        trend=trend,
        level_only=level_only,
    )


def _span(a: pd.Period, b: pd.Period) -> str:
    """``2016-2021`` for years, ``January 2020-February 2022`` for months."""
    if a.freqstr.startswith("M"):
        if a.year == b.year:
            return f"{a.strftime('%B')}-{b.strftime('%B')} {b.year}"
        return f"{a.strftime('%B %Y')}-{b.strftime('%B %Y')}"
    return f"{a}-{b}"


def _inference(draws: JointTrendDraws, units: str = "") -> str:
    """How the draws were made, in words (the estimate's ``inference``)."""
    fit = "log-linear trends with drift" if draws.trend == "drift" else "pre-war average levels"
    left = f", {', '.join(str(p) for p in draws.exclude)} left out" if draws.exclude else ""
    unit = f"; values in {units}" if units else ""
    return (
        f"{draws.draws.shape[0]:,} joint draws of {fit} fitted on {_span(*draws.pre)}{left} "
        f"(normal, widened to Student-t intervals, at least {draws.df} df; residual correlation "
        f"shrunk to a common {draws.rho:.2f}){unit}; point estimate the ratio of the exact "
        "expected values; Fieller-type interval for the ratio; interval ends and p-values "
        "printed on grids of at least twenty Monte Carlo errors (a p-value below its grid as a "
        "bound), so that another seed rarely changes them"
    )


def substitution_from_draws(
    draws: JointTrendDraws,
    *,
    ally: str,
    direct: Hashable,
    hubs: Mapping[str, Hashable],
    alpha: float = 0.05,
    currency: str = "USD",
    inference: str | None = None,
    caveats: Sequence[str] = (),
    units: str = "",
) -> Substitution:
    """One ally's substitution from joint draws: ``direct`` and ``hubs`` name columns of ``draws``.

    Periods where a hub's series is not observed are left out of that hub's excess (and listed as
    a caveat); the shortfall needs every evaluation period.
    """
    alpha = validate_alpha(alpha)
    if direct not in draws.columns:
        raise ParameterError(f"{ally}: direct series {direct!r} not among the simulated series")
    j = draws.column(direct)
    obs_d = draws.observed[:, j]
    if np.isnan(obs_d).any():
        miss = [str(p) for p, v in zip(draws.index, obs_d, strict=True) if np.isnan(v)]
        raise ParameterError(f"{ally}: direct series {direct!r} not observed in {miss}")
    shortfall = (draws.draws[:, :, j] - obs_d).sum(axis=1)
    shortfall_expected = float((draws.expected[:, j] - obs_d).sum())
    hub_excess: dict[str, np.ndarray] = {}
    hub_expected: dict[str, float] = {}
    notes = list(caveats)
    for h, key in hubs.items():
        if key not in draws.columns:
            notes.append(f"hub {h} left out: its series could not be fitted")
            continue
        c = draws.column(key)
        ok = ~np.isnan(draws.observed[:, c])
        if not ok.any():
            notes.append(f"hub {h} left out: not observed in {draws.index[0]}..{draws.index[-1]}")
            continue
        if not ok.all():
            notes.append(f"hub {h} counted only in {', '.join(str(p) for p in draws.index[ok])}")
        hub_excess[h] = (draws.observed[ok, c] - draws.draws[:, ok, c]).sum(axis=1)
        hub_expected[h] = float((draws.observed[ok, c] - draws.expected[ok, c]).sum())
    if not hub_excess:
        raise ParameterError(f"{ally}: no hub series to measure the excess")
    excess = np.sum(np.vstack(list(hub_excess.values())), axis=0)
    if inference is None:
        inference = _inference(draws, units)
    if draws.df < 5:
        notes.append(
            f"short pre-period: {draws.df} residual degrees of freedom in the shortest trend fit"
        )
    names = {direct: "direct trade", **{key: h for h, key in hubs.items()}}
    level = [names[c] for c in draws.level_only if c in names]
    if level and draws.trend == "drift":
        notes.append(
            f"{', '.join(level)}: too few pre-war periods for a drift; projected at the "
            "pre-war average level"
        )
    out = Substitution(
        ally=ally,
        shortfall_draws=shortfall,
        excess_draws=excess,
        hub_excess_draws=hub_excess,
        periods=(draws.index[0], draws.index[-1]),
        alpha=alpha,
        currency=currency,
        inference=inference,
        caveats=tuple(notes),
        shortfall_expected=shortfall_expected,
        excess_expected=hub_expected,
        units=units or currency,
    )
    extra = []
    if not out.identified:
        extra.append(
            f"the shortfall interval includes zero (P(S > 0) = {out.p_shortfall:.2f}): "
            "the ratio is not identified"
        )
    else:
        lo, hi = out.conf_int()
        if not lo <= out.ratio <= hi:
            extra.append("the point estimate lies outside its interval; read the interval")
        if not (np.isfinite(lo) and np.isfinite(hi)):
            extra.append("the interval is unbounded on one side")
    if extra:
        out = dataclasses.replace(out, caveats=(*out.caveats, *extra))
    return out


def estimate_substitution(
    panel: pd.DataFrame,
    *,
    direct: str = "RU",
    hubs: Sequence[str] = ("UZ", "KZ", "KG", "AM"),
    pre: tuple[Any, Any] = ("2016", "2021"),
    post: tuple[Any, Any] = ("2022", "2023"),
    alpha: float = 0.05,
    n_draws: int = 2000,
    shrinkage: float | None = None,
    joint: Literal["ally", "all"] = "ally",
    currency: str = "USD",
    rho: float | None = None,
    exclude: Sequence[Any] | None = None,
    trend: Literal["drift", "level"] = "drift",
    min_pre: int = 4,
    short: Literal["skip", "level"] = "level",
    units: str = "",
    seed: int | np.random.Generator | None = 0,
) -> SubstitutionResults:
    """Substitution ratio per ally from one joint simulation of all its series.

    Parameters
    ----------
    panel : DataFrame
        Levels with a PeriodIndex and two-level columns ``(ally, destination)``; ``destination``
        is ``direct`` or a hub.
    direct : str
        Destination whose shortfall is measured.
    hubs : sequence of str
    pre, post : (start, end)
    alpha, n_draws, shrinkage, seed : see :func:`joint_trend_draws`.
    joint : {"ally", "all"}
        ``"ally"`` (default): one joint simulation per ally (its trade with Russia and the hubs
        correlated, its own common correlation); allies independent of each other. ``"all"``:
        every series in one simulation with one common correlation (which averages within-ally
        and across-ally correlations and so understates the within-ally one).
    rho : float, optional
        Impose this common residual correlation (sensitivity); default the estimated one.
    exclude : sequence of periods, optional
        Pre-periods left out of the trend fits. Default: the COVID year 2020 for annual panels
        (chosen by simulation, see the module docstring), nothing for monthly ones.
    trend, min_pre, short : see :func:`joint_trend_draws` (defaults: drift; a series with fewer
        than 4 usable pre-war periods, such as Kazakhstan's from 2018, at its pre-war average).
    units : str
        The values' units in words (``"USD at 2021 prices"``), for the inference text.

    Returns
    -------
    SubstitutionResults
    """
    alpha = validate_alpha(alpha)
    if not isinstance(panel.columns, pd.MultiIndex) or panel.columns.nlevels != 2:
        raise ParameterError("panel columns must be a two-level (ally, destination) index")
    if joint not in ("ally", "all"):
        raise ParameterError(f"joint must be 'ally' or 'all', got {joint!r}")
    if exclude is None:
        exclude = DEFAULT_EXCLUDE if _periods(panel).freqstr.startswith(("Y", "A")) else ()
    rng = np.random.default_rng(seed)
    allies = list(dict.fromkeys(panel.columns.get_level_values(0)))
    options = {
        "pre": pre, "post": post, "n_draws": n_draws, "shrinkage": shrinkage, "rho": rho,
        "exclude": tuple(exclude), "trend": trend, "min_pre": min_pre,
        "short": short,
    }  # fmt: skip
    by_ally: dict[Any, JointTrendDraws] = {}
    if joint == "all":
        shared = joint_trend_draws(panel, seed=rng, **options)
        by_ally = dict.fromkeys(allies, shared)
    estimates: dict[str, Substitution] = {}
    notes = []
    for ally in allies:
        if joint == "ally":
            try:
                by_ally[ally] = joint_trend_draws(panel[[ally]], seed=rng, **options)
            except ParameterError as exc:
                notes.append(f"{ally} left out: {exc}")
                continue
        draws = by_ally[ally]
        if (ally, direct) not in draws.columns:
            notes.append(f"{ally} left out: no fitted series of its trade with {direct}")
            continue
        hk = {h: (ally, h) for h in hubs if (ally, h) in panel.columns}
        try:
            estimates[str(ally)] = substitution_from_draws(
                draws, ally=str(ally), direct=(ally, direct), hubs=hk, alpha=alpha,
                currency=currency, units=units,
            )  # fmt: skip
        except ParameterError as exc:
            notes.append(str(exc))
    if not estimates:
        raise ParameterError("no ally could be estimated: " + "; ".join(notes))
    inference = next(iter(estimates.values())).inference
    notes += _pooled_notes(estimates)
    if joint == "ally" and len(estimates) > 1:
        notes.append("allies simulated separately: their draws are independent of each other")
    return SubstitutionResults(
        estimates=estimates, draws=by_ally, alpha=alpha, inference=inference, caveats=tuple(notes)
    )
