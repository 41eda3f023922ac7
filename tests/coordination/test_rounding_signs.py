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
    # the CHP tier-1 case: lower end 0.0043 with a small Monte Carlo error (grid 0.01)
    assert end_rounded(0.0035, 0.000425, "lower", 0.0196) == 0.004
    assert ratio_text(0.0035, 0.000425) == "0.004"
    # the Belgium case: a coarse grid (large Monte Carlo error) would print 0
    lo = end_rounded(0.013, 0.2, "lower", 0.113)
    assert lo > 0 and lo == 0.01
    assert ratio_text(0.013, 0.2) == "0.01"
    # negative ends keep their sign too, and ordinary ends stay on their grid
    assert end_rounded(-0.0031, 0.2, "upper", -0.5) == -0.003
    assert end_rounded(0.43, 0.1, "upper", 0.1) == 0.5
    assert end_rounded(0.0, 0.2, "lower") == 0.0


def test_adjusted_p_rounds_up_on_one_path():
    n = 10_000
    # CH: raw 0.08, BH-adjusted 0.34 -> the 0.05 grid rounds up to 0.35 (was 0.30 in the table)
    assert p_adjusted_text(0.34, 0.08, n) == "p = 0.35"
    assert p_adjusted_rounded(0.34, 0.08, n) == 0.35
    # US 0.87 -> 0.90 (was 0.85); GB 0.97 -> a bound above 0.95, never a smaller equality
    assert p_adjusted_text(0.87, 0.6, n) == "p = 0.90"
    assert p_adjusted_text(0.97, 0.9, n) == "p > 0.95"
    # on the grid: unchanged; unadjusted p-values keep nearest rounding
    assert p_adjusted_text(0.30, 0.06, n) == "p = 0.30"
    assert p_text(0.34, n, se=0.02) == "p = 0.30"
    rng = np.random.default_rng(5)
    for pa in rng.uniform(0.01, 0.99, 200):
        p = pa / 3
        v = p_adjusted_rounded(pa, p, n)
        if not p_adjusted_text(pa, p, n).startswith("p >"):
            assert v >= pa - 1e-12


def test_chp_tier1_record_keeps_the_lower_end_the_report_prints():
    """Real data (notebook 04's CHP tier-1 substitution, 10,000 draws): results.json recorded the
    lower end as 0.0 while the report printed 0.004 and p = 0.03."""
    from sanctions_model.coordination.chp import chp_substitution
    from sanctions_model.coordination.record import estimate_record

    e = chp_substitution(tiers=("1",), n_draws=10_000)
    r = estimate_record(e)
    assert e.conf_int()[0] > 0 and e.p_value < 0.05
    assert r["lower"] > 0
    assert r["lower"] == 0.004 and "95% interval 0.004 to 0.03;" in e.sentence()
    assert r["p_text"] == "p = 0.03"
