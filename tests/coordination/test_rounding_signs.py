"""Referee items 5 and 9: interval ends keep their sign; adjusted p-values round up, one path."""

from __future__ import annotations

import numpy as np

from sanctions_model.coordination.digits import (
    end_rounded,
    p_adjusted_rounded,
    p_adjusted_text,
    p_text,
    ratio_text,
)


def test_end_excluding_zero_is_not_recorded_as_zero():
    # an end that the grid (>= 20 Monte Carlo errors) rounds to zero keeps its sign: printed as
    # "> 0" / "< 0", recorded at one significant figure
    assert ratio_text(0.0035, 0.000425) == "> 0"  # step 0.01
    assert end_rounded(0.0035, 0.000425, "lower", 0.0196) == 0.004
    # the CHP tier-1 case at its own error: step 0.005, nearest point
    assert ratio_text(0.0035, 0.00022) == "0.005"
    assert end_rounded(0.0035, 0.00022, "lower", 0.0196) == 0.005
    # the Belgium case: a coarse grid (large Monte Carlo error) would print 0
    lo = end_rounded(0.013, 0.2, "lower", 0.113)
    assert lo > 0 and lo == 0.01
    assert ratio_text(0.013, 0.2) == "> 0"
    # negative ends keep their sign too, and ordinary ends stay on their grid
    assert end_rounded(-0.0031, 0.2, "upper", -0.5) == -0.003
    assert ratio_text(-0.0031, 0.2) == "< 0"
    assert end_rounded(0.43, 0.01, "upper", 0.1) == 0.4  # step 0.2
    assert end_rounded(0.0, 0.2, "lower") == 0.0


def test_adjusted_p_rounds_up_on_one_path():
    n = 10_000
    # the BH multiplier multiplies the Monte Carlo error too: CH raw 0.08, adjusted 0.34 +- 0.023
    # supports no grid finer than 0.5, so a bound that holds at six errors, never toward
    # significance
    assert p_adjusted_text(0.34, 0.08, n) == "p > 0.2"
    assert p_adjusted_rounded(0.34, 0.08, n) == 0.2
    assert p_adjusted_text(0.87, 0.6, n) == "p > 0.5"
    assert p_adjusted_text(0.97, 0.9, n) == "p > 0.5"
    # a small raw p-value: an upper bound (IE: raw 0.002, adjusted 0.05 +- 0.016)
    assert p_adjusted_text(0.05, 0.002, n) == "p < 0.2"
    # on a grid: rounded up (0.12 on a 0.1 grid is 0.2), where unadjusted rounding is nearest
    assert p_adjusted_text(0.12, 0.12, n) == "p = 0.2"
    assert p_text(0.12, n) == "p = 0.1"
    rng = np.random.default_rng(5)
    for pa in rng.uniform(0.01, 0.99, 200):
        p = pa / 3
        v = p_adjusted_rounded(pa, p, n)
        text = p_adjusted_text(pa, p, n)
        if text.startswith("p ="):
            assert v >= pa - 1e-12
        elif text.startswith("p <"):
            assert v > pa


def test_chp_tier1_record_keeps_the_lower_end_the_report_prints():
    """Real data (notebook 04's CHP tier-1 substitution, 10,000 draws): results.json recorded the
    lower end as 0.0 while the report printed 0.004 and p = 0.03."""
    from sanctions_model.coordination.chp import chp_substitution
    from sanctions_model.coordination.record import estimate_record

    e = chp_substitution(tiers=("1",), n_draws=10_000)
    r = estimate_record(e)
    assert e.conf_int()[0] > 0 and e.p_value < 0.05
    assert r["lower"] > 0
    assert r["lower"] == 0.005 and "95% interval 0.005 to 0.035;" in e.sentence()
    assert r["p_text"] == "p < 0.05"
