"""Seeded exporter(s) x destination x month panels with destination-wide shocks (size tests).

The failure of issue 11: a treatment that varies by destination, errors clustered by pair, and
shocks that hit every flow to one destination at once. :func:`simulate_destination_panel` draws
such panels, with many untreated destinations (codes from the documented donor pool, so the
default donor selection of :func:`sanctions_model.models.panel.estimate_did` applies) and few
treated ones, so that the size of an inference procedure can be measured over hundreds of
panels.

``log y_rjt = a_r + g_j + d_j * t + seas_j(t) + c_t + m_rt + u_jt + e_rjt + effect * D_jt``

* ``a_r``, ``g_j``: reporter and destination levels; ``d_j``: destination drift (sd ``drift_sd``
  per month); ``seas_j``: a common seasonal profile (EU27-to-RU calibration) scaled by a
  destination amplitude;
* ``c_t``: a common shock to all destinations (AR(1)); ``m_rt``: reporter-month shocks;
* ``u_jt``: the destination-wide AR(1) shock (``rho``, innovation sd drawn per destination
  around ``shock_sd``), common to every reporter's exports to ``j``: the term that pair
  clustering misses;
* ``e_rjt``: idiosyncratic noise; ``D_jt``: 1 for treated destinations from ``event_date``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sanctions_model.data.donors import exclusion_reason
from sanctions_model.errors import ParameterError
from sanctions_model.models._results import to_period

from ._common import ar1, long_panel, month_effects
from .monthly import SERIES_CALIBRATIONS

__all__ = [
    "SimulatedDestinationPanel",
    "simulate_annual_destination_panel",
    "simulate_destination_panel",
]

# two-letter codes of the donor pool (none excluded in sanctions_model.data.donors)
_DONOR_CODES = tuple(
    a + b
    for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if exclusion_reason(a + b) is None  # every simulated control is a valid donor
)


@dataclass(frozen=True, eq=False)
class SimulatedDestinationPanel:
    """A simulated panel (``load_trade`` layout plus ``treated``, ``post``, ``log_effect``)."""

    data: pd.DataFrame
    effect: float
    treated: tuple[str, ...]
    event_date: pd.Period


def simulate_destination_panel(
    *,
    n_destinations: int = 40,
    reporters: Sequence[str] = ("EU27_2020",),
    treated: Sequence[str] = ("RU",),
    start: str = "2017-01",
    n_periods: int = 68,
    event_date: object = "2022-03",
    effect: float = 0.0,
    rho: float = 0.8,
    shock_sd: float = 0.08,
    common_sd: float = 0.05,
    reporter_month_sd: float = 0.03,
    noise_sd: float = 0.1,
    drift_sd: float = 0.002,
    seed: int | np.random.Generator | None = None,
) -> SimulatedDestinationPanel:
    """Simulate exports of ``reporters`` to ``n_destinations`` untreated and ``treated`` ones.

    Parameters
    ----------
    n_destinations : int
        Untreated destinations (donor codes ``AA``, ``AB``, ... not excluded by the donor pool).
    treated : sequence of str
        Treated destination codes (few: one to a handful).
    effect : float
        Planted log effect on exports to the treated destinations from ``event_date``.
    rho, shock_sd : float
        AR(1) coefficient and typical innovation sd of the destination-wide shocks (each
        destination's sd is ``shock_sd`` times a lognormal factor with sd 0.3).
    seed : int or numpy.random.Generator, optional
    """
    rng = np.random.default_rng(seed)
    treated = tuple(treated)
    if not treated:
        raise ParameterError("treated must name at least one destination")
    if not 1 <= n_destinations <= len(_DONOR_CODES) - len(treated):
        raise ParameterError(f"n_destinations must be in 1..{len(_DONOR_CODES) - len(treated)}")
    if not -1 < rho < 1:
        raise ParameterError(f"rho must be in (-1, 1), got {rho}")
    controls = [c for c in _DONOR_CODES if c not in treated][:n_destinations]
    dests = list(treated) + controls
    reporters = list(reporters)
    nr, nd, nt = len(reporters), len(dests), int(n_periods)
    index = pd.period_range(start=start, periods=nt, freq="M")
    seas = month_effects(index, SERIES_CALIBRATIONS["eu27_ru"].seasonal)

    def shocks(sd: np.ndarray, size: tuple[int, int]) -> np.ndarray:  # rows: series, columns: time
        return ar1(rng.standard_normal(size) * sd[:, None], rho, axis=1)

    g = rng.normal(15.0, 1.5, nd)
    drift = rng.normal(0.0, drift_sd, nd)
    amp = rng.uniform(0.5, 1.5, nd)
    u = shocks(shock_sd * rng.lognormal(0.0, 0.3, nd), (nd, nt))
    c = shocks(np.array([common_sd]), (1, nt))[0]
    path = (index >= to_period(event_date)).astype(float)
    eff = np.zeros((nd, nt))
    eff[: len(treated)] = effect * path[None, :]
    dest_part = g[:, None] + drift[:, None] * np.arange(nt) + amp[:, None] * seas + c + u + eff
    a = rng.normal(0.0, 1.0, nr)
    m = rng.normal(0.0, reporter_month_sd, (nr, nt))
    e = rng.normal(0.0, noise_sd, (nr, nd, nt))
    logy = a[:, None, None] + m[:, None, :] + dest_part[None, :, :] + e
    data, _, t_idx = long_panel(reporters, dests, index, logy)
    data["treated"] = data["partner"].isin(treated).astype(int)
    data["post"] = path[t_idx].astype(int)
    data["log_effect"] = np.broadcast_to(eff[None], (nr, nd, nt)).ravel()
    return SimulatedDestinationPanel(
        data=data, effect=float(effect), treated=treated, event_date=to_period(event_date)
    )


def simulate_annual_destination_panel(
    *,
    first_year: int = 2014,
    last_year: int = 2023,
    event_year: int = 2022,
    effect: float = 0.0,
    anticipation: dict[int, float] | None = None,
    seed: int | np.random.Generator | None = None,
    **monthly: object,
) -> SimulatedDestinationPanel:
    """Annual sums of :func:`simulate_destination_panel`, with optional anticipation.

    ``effect`` (log points) hits the treated destinations from January of ``event_year``;
    ``anticipation`` maps a pre-event year to a log shift of the treated flows in that year only
    (front-loading before announced sanctions: ``{2021: 0.25}``). ``monthly`` options go to
    :func:`simulate_destination_panel` (``n_destinations``, ``rho``, ``shock_sd``, ...).
    """
    anticipation = dict(anticipation or {})
    if first_year >= event_year or last_year < event_year:
        raise ParameterError(f"need first_year < event_year <= last_year, got "
                             f"{first_year}, {event_year}, {last_year}")  # fmt: skip
    bad = [y for y in anticipation if not first_year <= int(y) < event_year]
    if bad:
        raise ParameterError(f"anticipation years {bad} must be pre-event years")
    sim = simulate_destination_panel(
        start=f"{first_year}-01",
        n_periods=12 * (last_year - first_year + 1),
        event_date=f"{event_year}-01",
        effect=effect,
        seed=seed,
        **monthly,  # type: ignore[arg-type]
    )
    d = sim.data.assign(year=sim.data["period"].dt.year)
    out = d.groupby(["reporter", "partner", "flow", "year"], as_index=False)["value"].sum()
    treated = out["partner"].isin(sim.treated)
    shift = out["year"].map(lambda y: anticipation.get(int(y), 0.0)).to_numpy(dtype=float)
    out["value"] *= np.exp(np.where(treated, shift, 0.0))
    out["period"] = pd.PeriodIndex(out["year"].astype(int).astype(str), freq="Y")
    out["treated"] = treated.astype(int)
    out["post"] = (out["year"] >= event_year).astype(int)
    out["log_effect"] = np.where(treated & (out["year"] >= event_year), effect, 0.0)
    out = out.drop(columns="year")
    return SimulatedDestinationPanel(
        data=out, effect=float(effect), treated=sim.treated,
        event_date=pd.Period(f"{event_year}-01", freq="M"),
    )  # fmt: skip
