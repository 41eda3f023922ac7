"""Seeded generators of monthly trade series and reporter x partner x month panels.

The generators plant an effect of known size and date, so every estimator in
:mod:`sanctions_model.models` can be checked against the truth (recovery, placebo and coverage
tests). They are deterministic given ``seed``.

Calibration
-----------
The constants below were estimated once, by hand, on the embedded Eurostat Comext monthly
exports (``data/raw/eurostat_comext_monthly``, 2019-01 to 2022-01, i.e. before the invasion) and
are hard-coded so that the simulator does not depend on the data files:

* **Series** (EU27_2020 exports to RU and to KG): OLS of log value on a constant, a linear
  monthly trend and eleven month dummies. ``level`` is the de-seasonalised log level in the first
  month (intercept plus the January effect), ``slope`` the trend per month, ``seasonal`` the month
  effects centred to sum to zero, ``ar`` the first-order autocorrelation of the residuals and
  ``sigma`` the innovation standard deviation implied by the residual standard deviation and
  ``ar`` (``sd * sqrt(1 - ar**2)``). The 2020 Covid dip is left in the residuals, so ``sigma`` is
  on the generous side.
* **Panel** (27 member states x 6 partners): the pre-period mean log export of each pair was
  decomposed into reporter and partner effects by OLS: reporter effects have a standard
  deviation of about 2.0, the pair residual about 0.9; the partner means are those of
  :data:`PANEL_PARTNER_LEVELS`. After removing pair means and partner-month means, the
  remaining monthly noise has a standard deviation of 0.44 for RU and 0.6 to 1.1 for the
  smaller partners (0.74 pooled). Post-2022 (2023-01 onwards) mean log changes were -0.98 for
  RU and +2.3 for KG: the default planted effects are of that order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError
from sanctions_model.models._results import to_period

from ._common import ar1, long_panel, month_effects

__all__ = [
    "SeriesCalibration",
    "SERIES_CALIBRATIONS",
    "PANEL_PARTNER_LEVELS",
    "EU_MEMBER_STATES",
    "SimulatedSeries",
    "SimulatedPanel",
    "simulate_trade_series",
    "simulate_trade_panel",
    "effect_path",
    "price_path",
    "FlowDesign",
    "simulate_monthly_flows",
]

EffectKind = Literal["step", "pulse", "ramp"]


@dataclass(frozen=True)
class SeriesCalibration:
    """Parameters of a simulated monthly log trade series (see the module docstring).

    Attributes
    ----------
    level : float
        De-seasonalised log level (log EUR) in the first month.
    slope : float
        Linear trend per month (log points).
    seasonal : tuple of 12 floats
        Month effects, January first, summing to zero.
    ar : float
        AR(1) coefficient of the noise.
    sigma : float
        Innovation standard deviation of the AR(1) noise.
    """

    level: float
    slope: float
    seasonal: tuple[float, ...]
    ar: float
    sigma: float


#: Calibrations estimated on EU27_2020 exports, 2019-01..2022-01 (see module docstring).
SERIES_CALIBRATIONS: dict[str, SeriesCalibration] = {
    "eu27_ru": SeriesCalibration(
        level=22.654,
        slope=0.0015,
        seasonal=(
            -0.130,
            -0.037,
            0.058,
            -0.069,
            -0.052,
            -0.016,
            0.061,
            -0.046,
            0.045,
            0.130,
            0.107,
            -0.051,
        ),
        ar=0.60,
        sigma=0.089,
    ),
    "eu27_kg": SeriesCalibration(
        level=17.078,
        slope=-0.0085,
        seasonal=(
            -0.171,
            0.005,
            0.035,
            -0.099,
            -0.241,
            -0.099,
            0.045,
            -0.070,
            0.119,
            0.130,
            0.244,
            0.102,
        ),
        ar=0.53,
        sigma=0.164,
    ),
}

#: Mean pre-war log monthly exports (log EUR) of a member state to each partner.
PANEL_PARTNER_LEVELS: dict[str, float] = {
    "RU": 18.25,
    "AM": 13.26,
    "GE": 14.46,
    "KZ": 15.25,
    "KG": 12.14,
    "UZ": 14.32,
}

#: Idiosyncratic monthly noise (sd of log value) by partner, after pair and partner-month means.
PANEL_PARTNER_NOISE: dict[str, float] = {
    "RU": 0.44,
    "AM": 0.76,
    "GE": 0.59,
    "KZ": 0.63,
    "KG": 1.07,
    "UZ": 0.81,
}

EU_MEMBER_STATES: tuple[str, ...] = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)  # fmt: skip


def effect_path(
    index: pd.PeriodIndex,
    date: object,
    size: float,
    *,
    kind: EffectKind = "step",
    ramp_months: int = 6,
) -> np.ndarray:
    """Log effect in each period of ``index`` of an intervention at ``date``.

    ``step``: ``size`` from ``date`` on; ``pulse``: ``size`` at ``date`` only; ``ramp``: rises
    linearly to ``size`` over ``ramp_months`` months starting at ``date``, then stays there.
    """
    date = to_period(date)
    k = np.asarray([(p - date).n for p in index], dtype=float)
    if kind == "step":
        return np.where(k >= 0, size, 0.0)
    if kind == "pulse":
        return np.where(k == 0, size, 0.0)
    if kind == "ramp":
        return size * np.clip((k + 1) / ramp_months, 0.0, 1.0)
    raise ParameterError(f"kind must be 'step', 'pulse' or 'ramp', got {kind!r}")


@dataclass(frozen=True, eq=False)
class SimulatedSeries:
    """A simulated monthly series with a planted effect.

    Attributes
    ----------
    y : pandas.Series
        Observed values (EUR), indexed by a monthly PeriodIndex.
    counterfactual : pandas.Series
        The same series without the planted effect (same noise).
    log_effect : pandas.Series
        Planted effect on log(y) in each month.
    effect_date : pandas.Period
        Month the effect starts.
    relative_effect : float
        True average relative effect over the post period, ``mean(y / counterfactual - 1)``.
    cumulative_relative_effect : float
        ``sum(y) / sum(counterfactual) - 1`` over the post period.
    prices : pandas.Series or None
        Export price index (1 before prices start to rise); ``y / prices`` is the series in
        real terms. The planted effects are real (a price rise moves ``y`` and
        ``counterfactual`` alike).
    """

    y: pd.Series
    counterfactual: pd.Series
    log_effect: pd.Series
    effect_date: pd.Period
    relative_effect: float
    cumulative_relative_effect: float
    prices: pd.Series | None = None


def price_path(index: pd.PeriodIndex, growth: float, start: object = "2021-09") -> pd.Series:
    """A price index over ``index``: 1 before ``start``, rising by ``growth`` a month from it
    (``growth=0.01``: +1% a month, the 2022-23 surge of the review's simulations)."""
    if not -1 < growth < 1:
        raise ParameterError(f"price growth must lie in (-1, 1) a month, got {growth}")
    first = to_period(start)
    months = np.asarray([max(0, (p - first).n + 1) for p in index], dtype=float)
    return pd.Series(np.exp(np.log1p(growth) * months), index=index, name="price_index")


def simulate_trade_series(
    n_periods: int = 68,
    *,
    start: str = "2019-01",
    effect: float = 0.0,
    effect_date: object = "2022-03",
    kind: EffectKind = "step",
    ramp_months: int = 6,
    calibration: str | SeriesCalibration = "eu27_ru",
    noise_scale: float = 1.0,
    sigma_after: float | None = None,
    sigma_date: object = "2022-03",
    price_growth: float = 0.0,
    price_from: object = "2021-09",
    seed: int | np.random.Generator | None = None,
) -> SimulatedSeries:
    """Simulate one monthly export series with trend, seasonality, AR(1) noise and an effect.

    ``log y_t = level + slope * t + seasonal[month] + u_t + effect_t`` with
    ``u_t = ar * u_{t-1} + sigma * e_t``, ``e_t`` standard normal (``u`` starts from its
    stationary distribution).

    Parameters
    ----------
    n_periods : int
        Number of months (68 = 2019-01..2024-08, the span of the embedded Comext data).
    start : str
        First month.
    effect : float
        Planted effect on the log scale (e.g. ``np.log(0.5)`` halves the series).
    effect_date : date-like
        First month of the effect.
    kind : {"step", "pulse", "ramp"}
        Shape of the effect, see :func:`effect_path`.
    ramp_months : int
        Length of the build-up for ``kind="ramp"``.
    calibration : str or SeriesCalibration
        ``"eu27_ru"`` or ``"eu27_kg"`` (see :data:`SERIES_CALIBRATIONS`) or custom constants.
    noise_scale : float
        Multiplies ``sigma``.
    sigma_after : float, optional
        Innovation sd from ``sigma_date`` on (a pure change in variance, no change in mean);
        default: ``sigma`` throughout.
    sigma_date : date-like
        First month of ``sigma_after``.
    price_growth : float
        Monthly growth of export prices from ``price_from`` (0.01 = +1% a month). ``y`` and
        ``counterfactual`` are then in current prices (``real`` effect times the price index)
        and ``prices`` holds the index (1 before ``price_from``); the planted effect stays real.
    price_from : date-like
        First month of price growth.
    seed : int or numpy.random.Generator, optional
        Seed; the same seed gives the same series.

    Returns
    -------
    SimulatedSeries
    """
    if isinstance(calibration, str):
        try:
            cal = SERIES_CALIBRATIONS[calibration]
        except KeyError:
            raise ParameterError(
                f"unknown calibration {calibration!r}; choose from {sorted(SERIES_CALIBRATIONS)}"
            ) from None
    else:
        cal = calibration
    if n_periods < 2:
        raise ParameterError("n_periods must be at least 2")
    rng = np.random.default_rng(seed)
    index = pd.period_range(start=start, periods=n_periods, freq="M")
    t = np.arange(n_periods)
    seasonal = month_effects(index, cal.seasonal)
    sigma = np.full(n_periods, cal.sigma * noise_scale)
    if sigma_after is not None:
        if sigma_after <= 0:
            raise ParameterError(f"sigma_after must be positive, got {sigma_after}")
        sigma[index >= to_period(sigma_date)] = sigma_after
    u = ar1(rng.standard_normal(n_periods) * sigma, cal.ar)
    log_price = np.log(price_path(index, price_growth, price_from).to_numpy())
    base = cal.level + cal.slope * t + seasonal + u + log_price
    eff = effect_path(index, effect_date, effect, kind=kind, ramp_months=ramp_months)
    cf = pd.Series(np.exp(base), index=index, name="value")
    y = pd.Series(np.exp(base + eff), index=index, name="value")
    date = to_period(effect_date)
    post = index >= date
    if post.any():
        rel = float(np.mean(y[post] / cf[post] - 1))
        cum_rel = float(y[post].sum() / cf[post].sum() - 1)
    else:
        rel = cum_rel = float("nan")
    return SimulatedSeries(
        y=y,
        counterfactual=cf,
        log_effect=pd.Series(eff, index=index, name="log_effect"),
        effect_date=date,
        relative_effect=rel,
        cumulative_relative_effect=cum_rel,
        prices=pd.Series(np.exp(log_price), index=index, name="price_index"),
    )


@dataclass(frozen=True, eq=False)
class SimulatedPanel:
    """A simulated reporter x partner x month export panel with planted effects.

    Attributes
    ----------
    data : pandas.DataFrame
        Tidy frame in the ``load_trade`` layout (reporter, partner, flow, product, period, value,
        currency, unit_scale, source) plus ``treated`` (1 for the sanctioned partner),
        ``post`` (1 from the event date), ``exposure`` (reporter's exposure, scaled to mean one
        across reporters) and ``log_effect`` (the planted effect on log value).
    effect : float
        Planted average log effect on exports to the treated partner.
    rerouting : dict
        Planted log effects on exports to the re-routing partners.
    event_date : pandas.Period
    """

    data: pd.DataFrame
    effect: float
    rerouting: Mapping[str, float]
    event_date: pd.Period


def simulate_trade_panel(
    *,
    reporters: Sequence[str] = EU_MEMBER_STATES,
    partners: Sequence[str] = ("RU", "AM", "GE", "KZ", "KG", "UZ"),
    treated_partner: str = "RU",
    start: str = "2019-01",
    n_periods: int = 68,
    event_date: object = "2022-03",
    effect: float = -0.9,
    kind: EffectKind = "step",
    ramp_months: int = 6,
    intensity: bool = False,
    rerouting: Mapping[str, float] | None = None,
    noise_scale: float = 1.0,
    reporter_month_sd: float = 0.05,
    partner_shock_scale: float = 1.0,
    seed: int | np.random.Generator | None = None,
) -> SimulatedPanel:
    """Simulate monthly exports of ``reporters`` to ``partners`` with a planted sanction effect.

    ``log y_rpt = a_r + g_p + c_rp + s_pt + m_rt + e_rpt + effect_rpt`` where ``a_r`` (sd 2.0)
    and ``c_rp`` (sd 0.9) are reporter and pair effects, ``g_p`` the partner level
    (:data:`PANEL_PARTNER_LEVELS`), ``s_pt`` a partner-month path (trend, seasonality and AR(1)
    noise of the EU27-to-RU calibration), ``m_rt`` a reporter-month shock (sd
    ``reporter_month_sd``) and ``e_rpt`` idiosyncratic noise (:data:`PANEL_PARTNER_NOISE`,
    times ``noise_scale``).

    Parameters
    ----------
    effect : float
        Log effect on exports to ``treated_partner`` from ``event_date``. With
        ``intensity=True`` the effect of reporter ``r`` is ``effect * exposure_r`` where
        exposure has mean one across reporters, so a regression on ``exposure x treated x post``
        recovers ``effect``.
    rerouting : mapping, optional
        Partner -> log effect on exports to that partner from ``event_date`` (planted
        re-routing, e.g. ``{"KG": 1.5}``).
    partner_shock_scale : float
        Multiplies the AR(1) noise of the partner-month paths ``s_pt``. With a single treated
        partner these shocks are common to all its pairs and are not absorbed by pair and
        reporter x month effects: they move single event-study coefficients (not the pooled
        difference-in-differences much). Set 0 to isolate the estimator's mechanics.
    kind, ramp_months : see :func:`effect_path`.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    SimulatedPanel
    """
    rng = np.random.default_rng(seed)
    reporters = list(reporters)
    partners = list(partners)
    if treated_partner not in partners:
        raise ParameterError(f"treated_partner {treated_partner!r} is not among partners")
    rerouting = dict(rerouting or {})
    unknown = set(rerouting) - set(partners)
    if unknown:
        raise ParameterError(f"rerouting partners not in partners: {sorted(unknown)}")
    index = pd.period_range(start=start, periods=n_periods, freq="M")
    nr, npar, nt = len(reporters), len(partners), n_periods
    cal = SERIES_CALIBRATIONS["eu27_ru"]

    a_r = rng.normal(0.0, 2.0, nr)
    a_r -= a_r.mean()
    g_p = np.array([PANEL_PARTNER_LEVELS.get(p, 14.0) for p in partners])
    c_rp = rng.normal(0.0, 0.9, (nr, npar))
    seas = month_effects(index, cal.seasonal)
    s_pt = np.empty((npar, nt))
    sd = np.r_[cal.sigma / np.sqrt(1 - cal.ar**2), np.full(nt - 1, cal.sigma)]
    for j in range(npar):
        u = ar1(rng.normal(0.0, sd), cal.ar, stationary=False)  # sd: the first draw's is stationary
        s_pt[j] = cal.slope * np.arange(nt) + seas + partner_shock_scale * u
    m_rt = rng.normal(0.0, reporter_month_sd, (nr, nt))
    noise_sd = np.array([PANEL_PARTNER_NOISE.get(p, 0.7) for p in partners]) * noise_scale
    e = rng.standard_normal((nr, npar, nt)) * noise_sd[None, :, None]
    exposure = rng.gamma(2.0, 1.0, nr)
    exposure /= exposure.mean()

    path = effect_path(index, event_date, 1.0, kind=kind, ramp_months=ramp_months)
    eff = np.zeros((nr, npar, nt))
    jt = partners.index(treated_partner)
    scale_r = exposure if intensity else np.ones(nr)
    eff[:, jt, :] = effect * scale_r[:, None] * path[None, :]
    for p, size in rerouting.items():
        eff[:, partners.index(p), :] += size * path[None, :]

    logy = (
        a_r[:, None, None]
        + g_p[None, :, None]
        + c_rp[:, :, None]
        + s_pt[None, :, :]
        + m_rt[:, None, :]
        + e
        + eff
    )
    date = to_period(event_date)
    data, r_idx, _ = long_panel(reporters, partners, index, logy)
    data.insert(3, "product", "TOTAL")
    data = data.assign(currency="EUR", unit_scale=1, source="simulated")
    data["treated"] = (data["partner"] == treated_partner).astype(int)
    data["post"] = (data["period"] >= date).astype(int)
    data["exposure"] = exposure[r_idx]
    data["log_effect"] = eff.ravel()
    return SimulatedPanel(data=data, effect=effect, rerouting=rerouting, event_date=date)


# -- drifting monthly flows for the coverage of the monthly counterfactual ------------------------


@dataclass(frozen=True)
class FlowDesign:
    """Parameters of :func:`simulate_monthly_flows` (log scale, per month).

    The defaults carry the features of the real monthly flows that matter for a counterfactual:
    a mild drift, a random-walk level, a fixed seasonal pattern (that of EU27 exports to Russia,
    :data:`SERIES_CALIBRATIONS`), AR(1) noise, and a step at month 39 of 68 (2022-03 when the
    series start in 2019-01).
    """

    n_periods: int = 68
    effect_month: int = 38
    """0-based index of the first month with the effect (38 = the 39th month)."""
    drift: float = 0.004
    level_sd: float = 0.02
    """Standard deviation of the random-walk innovations of the level."""
    seasonal_scale: float = 1.0
    """Multiplies the calibrated seasonal pattern (amplitude about 0.13)."""
    ar: float = 0.5
    noise_sd: float = 0.06
    """Innovation standard deviation of the AR(1) noise."""
    level: float = 22.0


def simulate_monthly_flows(
    n_series: int,
    *,
    effect: float = -0.4,
    design: FlowDesign | None = None,
    start: str = "2019-01",
    price_growth: float = 0.0,
    price_from: object = "2021-09",
    seed: int | np.random.Generator | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate ``n_series`` monthly flows with and without a planted step effect.

    ``log y_t = level + drift * t + L_t + seasonal[month] + u_t + effect * 1[t >= effect_month]``
    with ``L_t`` a random walk (innovations ``level_sd``) and ``u_t`` AR(1) noise (coefficient
    ``ar``, innovations ``noise_sd``, started from its stationary distribution). Vectorised over
    series; the same seed gives the same panel.

    Returns
    -------
    (observed, counterfactual) : two DataFrames
        Months (a monthly PeriodIndex) by series, in EUR: the flows with the effect and the same
        flows without it (same noise), so ``observed / counterfactual - 1`` is the true relative
        effect in every month. With ``price_growth`` both are in current prices: the real flows
        times :func:`price_path` (``price_growth`` a month from ``price_from``), so the planted
        effect is real and ``observed / price_path(...)`` is the flow in real terms.
    """
    d = design or FlowDesign()
    if n_series < 1:
        raise ParameterError("n_series must be at least 1")
    if not 2 <= d.effect_month < d.n_periods:
        raise ParameterError(
            f"effect_month must lie in [2, n_periods), got {d.effect_month} of {d.n_periods}"
        )
    if not -1 < d.ar < 1:
        raise ParameterError(f"ar must lie in (-1, 1), got {d.ar}")
    rng = np.random.default_rng(seed)
    index = pd.period_range(start=start, periods=d.n_periods, freq="M")
    t = np.arange(d.n_periods)[:, None]
    walk = np.cumsum(rng.normal(0.0, d.level_sd, (d.n_periods, n_series)), axis=0)
    u = ar1(rng.normal(0.0, d.noise_sd, (d.n_periods, n_series)), d.ar)
    seas = d.seasonal_scale * month_effects(index, SERIES_CALIBRATIONS["eu27_ru"].seasonal)
    base = d.level + d.drift * t + walk + seas[:, None] + u
    step = np.where(t >= d.effect_month, effect, 0.0)
    columns = [f"s{i}" for i in range(n_series)]
    base = base + np.log(price_path(index, price_growth, price_from).to_numpy())[:, None]
    counterfactual = pd.DataFrame(np.exp(base), index=index, columns=columns)
    observed = pd.DataFrame(np.exp(base + step), index=index, columns=columns)
    return observed, counterfactual
