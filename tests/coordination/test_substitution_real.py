"""Substitution in real terms and with trends not bent by 2020 (issue 19, items 1 and 2).

Seeded synthetic panels (``simulate_substitution_panel``) with the features of the real data: drift,
AR(1) errors (0.5), shocks common to an ally's series (rho 0.5), a 2020 dip (-0.15 log points, per
series 0.5-1.5 times that), USD prices +8% in 2022 and +12% in 2023, a hub whose series starts in
2018 (Kazakhstan's), pre-period 2016-2021, hubs of realistic size (each about 3% of the ally's trade
with Russia). Measured with 150 simulations per case (see the module docstring of
``coordination.substitution`` for the full table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.coordination.substitution import estimate_substitution
from sanctions_model.simulate.coordination import simulate_substitution_panel

PRICES = {"2022": 1.08, "2023": 1.08 * 1.12}
PRE, POST = ("2016", "2021"), ("2022", "2023")


def _case(ratio: float, seed: int, *, real: bool = True, exclude=None, hub_scale: float = 0.03):
    panel, _ = simulate_substitution_panel(
        allies=("A",), ratio=ratio, start="2016", ar=0.5, dip=-0.15, prices=PRICES,
        hub_scale=hub_scale, starts={"KZ": "2018"}, seed=seed,
    )  # fmt: skip
    if real:  # the simulated price level is the deflator
        level = pd.Series([PRICES.get(str(p), 1.0) for p in panel.index], index=panel.index)
        panel = panel.div(level, axis=0)
    res = estimate_substitution(panel, pre=PRE, post=POST, n_draws=1000, exclude=exclude, seed=seed)
    return res.to_frame().loc["A"]


@pytest.mark.slow
@pytest.mark.parametrize("planted", [0.05, 0.0])
def test_real_terms_without_2020_bias_and_coverage_over_150_sets(planted):
    rows = pd.DataFrame([_case(planted, seed) for seed in range(150)])
    ok = rows.dropna(subset=["ratio"])
    assert len(ok) >= 145
    bias = ok["ratio"].median() - planted
    covered = ((ok["ratio_lower"] <= planted) & (planted <= ok["ratio_upper"])).mean()
    assert abs(bias) <= 0.02, bias  # measured +0.003 for both
    assert covered >= 0.90, covered  # measured 141/150 and 145/150 with 2,000 draws
    if planted == 0:
        assert (ok["p_value"] < 0.05).mean() <= 0.10  # measured 5/150


def test_nominal_and_2020_in_the_fit_bias_the_ratio_up():
    """The review's finding, kept as a check that the simulated features bite."""
    seeds = range(12)
    real = pd.DataFrame([_case(0.05, s) for s in seeds])["ratio"].median()
    nominal = pd.DataFrame([_case(0.05, s, real=False) for s in seeds])["ratio"].median()
    with_2020 = pd.DataFrame([_case(0.05, s, exclude=()) for s in seeds])["ratio"].median()
    assert abs(real - 0.05) < 0.02
    assert nominal - 0.05 > 0.03  # prices lift the hubs' imports and shrink the shortfall
    assert with_2020 - real > 0.005  # the 2020 trough flattens the trends


def test_prices_and_dip_in_the_simulator():
    a, _ = simulate_substitution_panel(allies=("A",), ratio=0.0, seed=1)
    b, _ = simulate_substitution_panel(allies=("A",), ratio=0.0, seed=1, prices=PRICES)
    np.testing.assert_allclose(b.loc["2023"] / a.loc["2023"], 1.08 * 1.12)
    np.testing.assert_allclose(b.loc["2021"], a.loc["2021"])
    c, _ = simulate_substitution_panel(allies=("A",), ratio=0.0, seed=1, starts={"KZ": "2018"})
    assert c[("A", "KZ")].loc[:"2017"].isna().all() and c[("A", "KZ")].loc["2018":].notna().all()
