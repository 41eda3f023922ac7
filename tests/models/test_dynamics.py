"""VAR impulse responses and local projections on a simulated bivariate system."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.errors import ParameterError
from sanctions_model.models import fit_var, local_projections


@pytest.fixture(scope="module")
def system():
    rng = np.random.default_rng(0)
    n = 300
    e = rng.standard_normal((n, 2))
    x = np.zeros((n, 2))
    for t in range(1, n):
        x[t, 0] = 0.5 * x[t - 1, 0] + e[t, 0]
        x[t, 1] = 0.3 * x[t - 1, 1] + 0.8 * x[t, 0] + e[t, 1]
    idx = pd.period_range("1995-01", periods=n, freq="M")
    return pd.DataFrame(x, columns=["oil", "trade"], index=idx)


def test_var_recovers_impact_response(system):
    res = fit_var(system, horizons=6)
    r = res.response("trade", "oil")
    # true orthogonalised impact of a one-s.d. oil shock on trade is 0.8
    assert r.loc[0, "lower"] <= 0.8 <= r.loc[0, "upper"]
    assert res.response("oil", "trade").loc[0, "irf"] == 0.0
    assert res.lags >= 1


def test_local_projections_agree_with_var_on_impact(system):
    lp = local_projections(system, shock="oil", horizons=6)
    r = lp.response("trade", "oil")
    assert r.loc[0, "lower"] <= 0.8 <= r.loc[0, "upper"]
    # h=1 truth: 0.8*0.5 + 0.3*0.8 = 0.64 per unit oil shock
    assert r.loc[1, "lower"] <= 0.64 <= r.loc[1, "upper"]
    assert set(lp.to_frame()["impulse"]) == {"oil"}


def test_display_and_validation(system):
    import matplotlib.pyplot as plt

    res = fit_var(system, horizons=3, lags=1)
    assert "Impulse responses" in str(res)
    fig = res.plot()
    assert len(fig.axes) == 4
    plt.close(fig)
    with pytest.raises(ParameterError):
        local_projections(system, shock="fx")
    with pytest.raises(ParameterError):
        fit_var(system - 10, log=True)
