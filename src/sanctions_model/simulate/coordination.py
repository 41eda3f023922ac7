"""Seeded simulator of export panels with planted re-routing of known size.

Used to validate :func:`~sanctions_model.coordination.rerouting.estimate_rerouting`: a share
``ratio`` of the exports that each reporter loses to the target is shipped to the re-routing
partners instead, so the true substitution ratio is known exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError

from ._common import ar1, month_effects

__all__ = [
    "SimulatedRerouting",
    "simulate_chp_panel",
    "simulate_rerouting_panel",
    "simulate_substitution_panel",
]

# a mild export seasonality (log points by calendar month): low in January and August
_SEASONAL = np.array([-0.12, -0.02, 0.08, 0.02, 0.0, 0.04, 0.0, -0.10, 0.03, 0.05, 0.04, -0.02])


@dataclass(frozen=True, eq=False)
class SimulatedRerouting:
    """A simulated panel and its truth.

    Attributes
    ----------
    data : pandas.DataFrame
        Tidy trade frame (``reporter, partner, flow, product, period, value, currency,
        unit_scale, source``).
    counterfactual : pandas.DataFrame
        The same panel without the sanction and without re-routing (column ``value``).
    truth : pandas.DataFrame
        Per reporter: ``shortfall`` (EUR lost to the target over the post period), ``excess``
        (EUR added to the partners) and ``ratio`` (``excess / shortfall``, equal to the planted
        ratio).
    ratio : dict
        Planted substitution ratio per reporter.
    event_date : pandas.Period
    """

    data: pd.DataFrame
    counterfactual: pd.DataFrame
    truth: pd.DataFrame
    ratio: Mapping[str, float]
    event_date: pd.Period


def simulate_rerouting_panel(
    *,
    reporters: Sequence[str] = ("DE", "FR", "IT"),
    target: str = "RU",
    partners: Sequence[str] = ("AM", "GE", "KZ", "KG", "UZ"),
    ratio: float | Mapping[str, float] = 0.3,
    drop: float = 0.6,
    start: str = "2019-01",
    n_periods: int = 68,
    event_date: str = "2022-03",
    noise: float = 0.04,
    partner_scale: float = 0.08,
    seed: int | np.random.Generator | None = 0,
) -> SimulatedRerouting:
    """Simulate monthly exports to a sanctioned target and to re-routing partners.

    Without sanction, ``log y_rpt = a_rp + seasonal_month + u_rpt`` with ``u`` an AR(1)
    (coefficient 0.5, innovation sd ``noise``). From ``event_date`` exports to the target fall
    to ``(1 - drop)`` of their counterfactual, and ``ratio_r`` times the lost value is added to
    the partners' exports, split by fixed random weights. Partner levels are ``partner_scale``
    times the target level (with reporter-partner variation).

    Parameters
    ----------
    reporters, target, partners : codes
    ratio : float or mapping reporter -> float
        Planted substitution ratio (excess to partners / shortfall to the target).
    drop : float
        Share of exports to the target lost from ``event_date`` (0 < drop <= 1).
    start, n_periods, event_date : the monthly span and the first sanctioned month.
    noise : float
        Innovation sd of the log AR(1) noise.
    partner_scale : float
        Mean partner level relative to the target level.
    seed : int or Generator, optional
        The same seed gives the same panel.

    Returns
    -------
    SimulatedRerouting
    """
    if not 0 < drop <= 1:
        raise ParameterError(f"drop must be in (0, 1], got {drop}")
    rng = np.random.default_rng(seed)
    reporters = list(reporters)
    partners = list(partners)
    ratios = (
        {r: float(ratio) for r in reporters}
        if not isinstance(ratio, Mapping)
        else {r: float(ratio.get(r, 0.0)) for r in reporters}
    )
    index = pd.period_range(start=start, periods=n_periods, freq="M")
    ev = pd.Period(event_date, "M")
    post = np.asarray(index >= ev)
    seas = month_effects(index, _SEASONAL)
    rows_obs, rows_cf, truth = [], [], []
    sd = np.r_[noise / np.sqrt(1 - 0.25), np.full(n_periods - 1, noise)]

    def _ar1() -> np.ndarray:  # the first draw with the stationary sd of an AR(1) at 0.5
        return ar1(rng.normal(0, sd), 0.5, stationary=False)

    for r in reporters:
        level = rng.uniform(np.log(2e8), np.log(2e9))
        cf_t = np.exp(level + seas + _ar1())
        lost = np.where(post, drop * cf_t, 0.0)
        y_t = cf_t - lost
        w = rng.dirichlet(np.ones(len(partners)) * 2.0)
        rows_obs.append((r, target, y_t))
        rows_cf.append((r, target, cf_t))
        excess_total = 0.0
        for j, p in enumerate(partners):
            lp = level + np.log(partner_scale) + rng.normal(0, 0.5)
            cf_p = np.exp(lp + seas + _ar1())
            add = ratios[r] * w[j] * lost
            excess_total += add.sum()
            rows_obs.append((r, p, cf_p + add))
            rows_cf.append((r, p, cf_p))
        truth.append(
            {
                "reporter": r,
                "shortfall": lost.sum(),
                "excess": excess_total,
                "ratio": excess_total / lost.sum(),
            }
        )

    def _frame(rows: list) -> pd.DataFrame:
        parts = [
            pd.DataFrame(
                {
                    "reporter": r,
                    "partner": p,
                    "flow": "export",
                    "product": "TOTAL",
                    "period": index,
                    "value": v,
                    "currency": "EUR",
                    "unit_scale": 1,
                    "source": "simulated",
                }
            )
            for r, p, v in rows
        ]
        return pd.concat(parts, ignore_index=True)

    return SimulatedRerouting(
        data=_frame(rows_obs),
        counterfactual=_frame(rows_cf),
        truth=pd.DataFrame(truth).set_index("reporter"),
        ratio=ratios,
        event_date=ev,
    )


def simulate_substitution_panel(
    *,
    allies: Sequence[str] = ("A1", "A2", "A3"),
    hubs: Sequence[str] = ("UZ", "KZ", "KG", "AM"),
    ratio: float | Mapping[str, float] = 0.3,
    drop: float = 0.6,
    start: str = "2014",
    pre_end: str = "2021",
    end: str = "2023",
    noise: float = 0.06,
    rho: float = 0.5,
    hub_scale: float = 0.15,
    ar: float = 0.0,
    dip: float = 0.0,
    dip_year: str = "2020",
    prices: Mapping[str, float] | None = None,
    starts: Mapping[str, str] | None = None,
    seed: int | np.random.Generator | None = 0,
) -> tuple[pd.DataFrame, pd.Series]:
    """Annual trade of allies with Russia and the hubs, with planted re-routing of known size.

    Synthetic (seeded) data. Without sanctions, in real terms,
    ``log y_st = a_s + b_s t + d_s 1[t = dip_year] + e_st`` (drifts ``b_s`` drawn in
    [-0.03, 0.10]; dips ``d_s`` drawn in ``[1.5 dip, 0.5 dip]``, a one-off fall such as 2020's;
    ``e`` an AR(1) with coefficient ``ar`` and marginal sd ``noise``, its innovations correlated
    ``rho`` between all series of one ally: a common shock). After ``pre_end`` trade with Russia
    falls to ``1 - drop`` of its counterfactual, and ``ratio`` times the lost value is added to
    the hubs (split by random weights). The returned values are in current prices: real values
    times ``prices[year]`` (the price level, 1 where not given), the same for every series, so
    the planted ratio holds in real and in current prices alike.

    Parameters
    ----------
    hub_scale : float
        Mean level of one hub's series relative to the ally's trade with Russia (0.15 by default;
        about 0.03 is the size of the EU's trade with each of the four hubs against its trade
        with Russia in 2021).
    ar, dip, dip_year : the AR(1) coefficient and the one-off fall (log points, negative).
    prices : mapping year -> price level, optional
        E.g. ``{"2022": 1.08, "2023": 1.08 * 1.12}``: USD prices up 8% in 2022 and 12% in 2023.
    starts : mapping hub -> first year, optional
        Hubs whose series start later (missing before), as Kazakhstan's (2018) in the embedded
        data.

    Returns
    -------
    panel : DataFrame
        Levels in current prices, annual PeriodIndex, columns ``(ally, destination)`` (the
        layout of :func:`~sanctions_model.coordination.substitution.estimate_substitution`).
    truth : Series
        Planted ratio per ally.
    """
    if not 0 < drop <= 1:
        raise ParameterError(f"drop must be in (0, 1], got {drop}")
    if not -1 < ar < 1:
        raise ParameterError(f"ar must be in (-1, 1), got {ar}")
    rng = np.random.default_rng(seed)
    allies, hubs = list(allies), list(hubs)
    ratios = {
        a: float(ratio.get(a, 0.0)) if isinstance(ratio, Mapping) else float(ratio) for a in allies
    }
    index = pd.period_range(start, end, freq="Y")
    n = len(index)
    post = np.asarray(index > pd.Period(pre_end, "Y"))
    t = np.arange(n, dtype=float)
    is_dip = np.asarray(index == pd.Period(dip_year, "Y"))
    price = np.array([float((prices or {}).get(str(p), 1.0)) for p in index])
    if (price <= 0).any():
        raise ParameterError("prices must be positive")
    dests = ["RU", *hubs]
    corr = np.full((len(dests), len(dests)), rho)
    np.fill_diagonal(corr, 1.0)
    chol = np.linalg.cholesky(corr)
    cols, data = [], []
    for a in allies:
        level = rng.uniform(np.log(1e9), np.log(1e10))
        innov = rng.standard_normal((n, len(dests))) @ chol.T * noise
        # stationary AR(1) with marginal sd ``noise``: the first draw as is, then scaled shocks
        e = ar1(np.r_[innov[:1], np.sqrt(1 - ar**2) * innov[1:]], ar, stationary=False)
        b = rng.uniform(-0.03, 0.10, size=len(dests))
        base = np.array(
            [level + (0.0 if d == "RU" else np.log(hub_scale) + rng.normal(0, 0.5)) for d in dests]
        )
        # drawn only when asked for, so that the same seed gives the old panels without a dip
        d_s = dip * rng.uniform(0.5, 1.5, size=len(dests)) if dip else np.zeros(len(dests))
        cf = np.exp(base[None, :] + t[:, None] * b[None, :] + is_dip[:, None] * d_s + e)
        lost = np.where(post, drop * cf[:, 0], 0.0)
        w = rng.dirichlet(np.ones(len(hubs)) * 2.0)
        obs = cf.copy()
        obs[:, 0] -= lost
        obs[:, 1:] += ratios[a] * lost[:, None] * w[None, :]
        obs = obs * price[:, None]
        for j, d in enumerate(dests):
            if starts and d in starts:
                obs[np.asarray(index < pd.Period(starts[d], "Y")), j] = np.nan
            cols.append((a, d))
            data.append(obs[:, j])
    panel = pd.DataFrame(
        np.column_stack(data), index=index, columns=pd.MultiIndex.from_tuples(cols)
    )
    return panel, pd.Series(ratios, name="ratio")


def simulate_chp_panel(
    *,
    effect: float = 0.5,
    n_treated: int = 4,
    n_control: int = 40,
    reporters: Sequence[str] = ("DE", "FR", "IT", "PL", "NL", "CZ"),
    partners: Sequence[str] = ("RU", "AM", "GE", "KZ", "KG", "UZ"),
    noise: float = 0.3,
    seed: int | np.random.Generator | None = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly CN8 exports 2020-2022 with a planted log effect on treated goods to the hubs.

    ``log X_rgdt = a_rgd + c_rdt + effect * treated_g * hub_d * post_t + e`` with good-specific
    post shocks common to all destinations (``sd 0.2``) and iid noise ``noise``. Returns the trade
    frame (``load_trade`` layout, product = CN8 code) and the codes frame (``hs6``, ``tier``: the
    treated goods are tier ``"1"``).
    """
    rng = np.random.default_rng(seed)
    months = pd.period_range("2020-01", "2022-12", freq="M")
    post = np.asarray(months >= pd.Period("2022-03", "M"))
    goods = [f"{854231 + i:06d}" for i in range(n_treated)] + [
        f"{847100 + i:06d}" for i in range(n_control)
    ]
    treated = np.array([i < n_treated for i in range(len(goods))])
    g_shock = rng.normal(0, 0.2, len(goods))
    nr, nd, ng, nt = len(reporters), len(partners), len(goods), len(months)
    hub = np.array([d != "RU" for d in partners])
    c = rng.normal(0, 0.1, (nr, nd, 1, nt)).cumsum(axis=3) * 0.3
    a = rng.normal(12, 1, (nr, nd, ng, 1))
    shift = post[None, None, None, :] * (
        g_shock[None, None, :, None]
        + effect * treated[None, None, :, None] * hub[None, :, None, None]
    )
    y = a + c + shift + rng.normal(0, noise, (nr, nd, ng, nt))
    r_i, d_i, g_i, t_i = np.meshgrid(
        np.arange(nr), np.arange(nd), np.arange(ng), np.arange(nt), indexing="ij"
    )
    trade = pd.DataFrame(
        {
            "reporter": np.asarray(reporters)[r_i.ravel()],
            "partner": np.asarray(partners)[d_i.ravel()],
            "flow": "export",
            "product": np.asarray([g + "10" for g in goods])[g_i.ravel()],
            "period": months[t_i.ravel()],
            "value": np.exp(y.ravel()),
        }
    )
    codes = pd.DataFrame({"hs6": goods[:n_treated], "tier": "1"})
    return trade, codes
