"""Structural-break tests: power at the planted break, size under no break, Andrews' table."""

from __future__ import annotations

import numpy as np
import pytest

from sanctions_model.errors import ParameterError
from sanctions_model.models import (
    ANDREWS_CRITICAL_VALUES,
    SeriesCalibration,
    chow_test,
    cusum_test,
    qlr_test,
    simulate_trade_series,
)
from sanctions_model.models.breaks import _simulate_supf_null

WHITE = SeriesCalibration(level=20.0, slope=0.0, seasonal=(0.0,) * 12, ar=0.0, sigma=0.1)


@pytest.fixture(scope="module")
def broken():
    return simulate_trade_series(effect=-0.7, seed=3).y


def test_chow_detects_known_break(broken):
    res = chow_test(broken, "2022-03")
    assert res.reject(0.01)
    assert res.df == (1, 68 - 13 - 1)
    assert res.statistic > res.critical_values[0.01]


def test_chow_size_under_no_break():
    """With white-noise errors the F test is exact: rejection rate near 5%."""
    rejections = [
        chow_test(simulate_trade_series(seed=s, calibration=WHITE).y, "2022-03").reject(0.05)
        for s in range(200)
    ]
    assert 0.01 <= np.mean(rejections) <= 0.10


def test_qlr_finds_date_and_uses_andrews_values(broken):
    res = qlr_test(broken, n_reps=299)
    assert res.break_date == broken.index[38]  # 2022-03
    assert res.p_value < 0.01
    assert res.critical_values == dict(
        zip((0.10, 0.05, 0.01), ANDREWS_CRITICAL_VALUES[1], strict=True)
    )
    assert res.path is not None and len(res.path) > 40


def test_qlr_no_break_and_bootstrap():
    y = simulate_trade_series(seed=4, calibration=WHITE).y
    assert qlr_test(y, n_reps=299).p_value > 0.05
    boot = qlr_test(y, method="bootstrap", n_reps=99, seed=1)
    assert boot.p_value > 0.05
    assert "bootstrap" in boot.method


@pytest.mark.parametrize("q", [1, 3])
def test_simulated_limit_matches_andrews_table(q):
    draws = _simulate_supf_null(q, 0.15, 3000, seed=q)
    sim = np.quantile(draws, [0.90, 0.95, 0.99])
    # Monte Carlo and grid error of the simulated limit are a few percent
    np.testing.assert_allclose(sim[:2], ANDREWS_CRITICAL_VALUES[q][:2], rtol=0.08)


def test_cusum_detects_break_and_display(broken):
    import matplotlib.pyplot as plt

    res = cusum_test(broken)
    assert res.reject(0.05)
    assert "CUSUM" in str(res) and "<table" in res._repr_html_()
    fig = res.plot()
    plt.close(fig)
    with pytest.raises(ParameterError):
        chow_test(broken, "2022-03").plot()
    with pytest.raises(ParameterError):
        chow_test(broken, "2019-01")
