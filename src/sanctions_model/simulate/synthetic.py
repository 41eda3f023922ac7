"""Seeded annual panels with a planted effect, for checking :mod:`sanctions_model.models.synthetic`.

``log y_it = a_i + g_i t + lambda_i' F_t + e_it`` for a treated unit ``"T"`` and donors ``"D01"``,
``"D02"``, ...: unit levels ``a_i`` spread like EU export markets (sd 1.5 around EUR 5 bn),
trends ``g_i`` (mean 3% a year, sd 2%), loadings ``lambda_i`` on common random-walk factors
``F_t`` (first factor loadings around 1, the others around 0), and AR(1) noise. The treated unit
is drawn from the same distribution as the donors, so under no effect it is exchangeable with
them and the placebo rank test has its nominal size; the effect (log points) is added to its
post-period years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError

from ._common import ar1

__all__ = ["SimulatedAnnualPanel", "simulate_annual_panel"]


@dataclass(frozen=True, eq=False)
class SimulatedAnnualPanel:
    values: pd.DataFrame
    """Years x units, exports in EUR (positive)."""
    treated: str
    donors: tuple[str, ...]
    intervention: int
    effect: float
    """Planted effect on the treated's post-period years, in log points."""


def simulate_annual_panel(
    *,
    n_donors: int = 20,
    n_pre: int = 12,
    n_post: int = 2,
    effect: float = 0.0,
    n_factors: int = 2,
    factor_sd: float = 0.06,
    noise_sd: float = 0.04,
    noise_ar: float = 0.3,
    start: int = 2010,
    seed: int | None = None,
) -> SimulatedAnnualPanel:
    """Draw one annual panel; ``seed`` makes it reproducible."""
    if n_donors < 2 or n_pre < 3 or n_post < 1 or n_factors < 1:
        raise ParameterError("need n_donors >= 2, n_pre >= 3, n_post >= 1 and n_factors >= 1")
    if not 0 <= noise_ar < 1:
        raise ParameterError(f"noise_ar must be in [0, 1), got {noise_ar}")
    rng = np.random.default_rng(seed)
    n_units, n_years = n_donors + 1, n_pre + n_post
    t = np.arange(n_years)
    factors = np.cumsum(rng.normal(0, factor_sd, (n_years, n_factors)), axis=0)
    loadings = rng.normal(0, 0.5, (n_factors, n_units))
    loadings[0] += 1.0
    level = np.log(5e9) + rng.normal(0, 1.5, n_units)
    trend = rng.normal(0.03, 0.02, n_units)
    noise = ar1(rng.normal(0, noise_sd, (n_years, n_units)), noise_ar)
    logs = level + np.outer(t, trend) + factors @ loadings + noise
    logs[n_pre:, 0] += effect
    donors = tuple(f"D{i:02d}" for i in range(1, n_units))
    values = pd.DataFrame(
        np.exp(logs),
        index=pd.Index(start + t, name="year"),
        columns=pd.Index(["T", *donors], name="partner"),
    )
    return SimulatedAnnualPanel(
        values=values, treated="T", donors=donors, intervention=start + n_pre, effect=effect
    )
