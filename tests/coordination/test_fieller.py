"""The substitution ratio's interval and its p-value come from one rule (issue 19.6c)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.coordination.substitution_results import Substitution, _fieller
from sanctions_model.models.draws import percentile_interval, summarize_draws


def _est(e: np.ndarray, s: np.ndarray, alpha: float) -> Substitution:
    return Substitution(
        ally="A", shortfall_draws=s, excess_draws=e, hub_excess_draws={"UZ": e},
        periods=(pd.Period("2022", "Y"), pd.Period("2023", "Y")), alpha=alpha, currency="USD",
        inference="test",
    )  # fmt: skip


@pytest.mark.parametrize("alpha", [0.05, 0.10])
@pytest.mark.parametrize("n", [200, 1999, 2000])
def test_interval_excludes_zero_exactly_when_p_below_alpha(alpha, n):
    rng = np.random.default_rng(n)
    agree = 0
    # excess draws shifted across the boundary, so that p runs from tiny to one, including
    # draws that put p exactly at alpha (the case the interpolated quantiles got wrong)
    for shift in np.linspace(-3.5, 3.5, 57):
        s = rng.normal(100.0, 8.0, n)
        e = rng.normal(shift, 1.0, n) * 5.0 + 0.02 * (s - 100)
        est = _est(e, s, alpha)
        lo, hi = est.conf_int()
        p = est.p_value
        assert p == summarize_draws(e, alpha=alpha).p_value
        assert (lo > 0 or hi < 0) == (p < alpha), (shift, lo, hi, p)
        assert lo <= est.ratio <= hi
        agree += 1
    # p exactly at alpha: fewer than alpha/2 of the draws beyond zero would exclude zero
    k = int(round(alpha / 2 * n))
    e = np.concatenate([np.full(k, -1.0), np.linspace(1.0, 2.0, n - k)])
    s = np.full(n, 10.0)
    lo, hi = _fieller(e, s, alpha)
    p = summarize_draws(e, alpha=alpha).p_value
    assert (lo > 0) == (p < alpha)
    assert agree == 57


def test_interval_nests_and_recovers_a_known_ratio():
    rng = np.random.default_rng(0)
    s = rng.normal(100.0, 5.0, 4000)
    e = 0.3 * s + rng.normal(0, 3.0, 4000)
    lo95, hi95 = _fieller(e, s, 0.05)
    lo90, hi90 = _fieller(e, s, 0.10)
    assert lo95 <= lo90 < 0.3 < hi90 <= hi95
    assert hi95 - lo95 == pytest.approx(2 * 1.96 * 3.0 / 100, rel=0.15)


@pytest.mark.parametrize("n", [20, 21, 199, 2000, 2001, 10_000])
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.10, 0.3])
def test_percentile_interval_is_the_rule_of_summarize_draws(n, alpha):
    d = np.random.default_rng(n).standard_t(3, n)
    s = summarize_draws(d, alpha=alpha)
    assert percentile_interval(d, alpha) == (s.lower, s.upper)
    assert s.lower == np.quantile(d, alpha / 2, method="inverted_cdf")
