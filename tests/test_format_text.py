"""Reader-facing formatting, the draws summary and the result-sentence rule."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest

from sanctions_model.models.draws import summarize_draws
from sanctions_model.models.multiple import adjust_pvalues
from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.text import claim, effect_sentence


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3_348_053_996, "EUR 3.35 bn"),
        (-4.47e9, "EUR -4.47 bn"),
        (1.5e6, "EUR 1.50 m"),
        (12_345, "EUR 12,300"),
        (None, fmt.MISSING),
        (float("nan"), fmt.MISSING),
    ],
)
def test_money(value, expected):
    assert fmt.money(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-0.5612, "-56%"), (7.657, "+770%"), (362.96, "+36,000%"), (-0.034, "-3.4%"), (0.0, "0%")],
)
def test_pct(value, expected):
    assert fmt.pct(value) == expected


def test_pvalue_floor_and_rounding():
    assert fmt.pvalue(0.0301) == "p = 0.03"
    assert fmt.pvalue(0.054) == "p = 0.054"  # never rounded onto the 0.05 threshold
    assert fmt.pvalue(0.004) == "p = 0.004"
    assert fmt.pvalue(0.0002) == "p < 0.001"
    assert fmt.pvalue(1 / 201, n_draws=200) == "p < 0.005"
    # an exhaustive placebo test's floor is exact, not an upper bound
    assert fmt.pvalue(1 / 58, n_draws=57, exact=True, units="placebos") == (
        "p = 0.017, the smallest value 57 placebos allow"
    )
    assert fmt.period_label(2024, 8) == "2024, Jan-Aug"


def test_no_scientific_notation_over_a_range():
    for exponent in range(-3, 14):
        for mantissa in (1.0, 2.5, 9.99):
            v = mantissa * 10.0**exponent
            for text in (fmt.money(v), fmt.number(v), fmt.pct(v / 1e6)):
                assert not re.search(r"\de[+-]?\d", text), text


def test_draws_interval_and_p_agree():
    rng = np.random.default_rng(0)
    for n in (200, 999, 1000):
        for alpha in (0.05, 0.1):
            for shift in np.linspace(-4, 4, 81):
                s = summarize_draws(rng.normal(shift, 1, n), alpha=alpha)
                excludes = s.lower > 0 or s.upper < 0
                # the same draws: the interval excludes zero exactly when p < alpha
                assert excludes == (s.p_value < alpha), (n, alpha, shift, s)


def test_adjust_pvalues_bh_matches_hand_computation():
    out = adjust_pvalues({"a": 0.01, "b": 0.04, "c": 0.03, "d": None}, family="partners")
    # BH: sorted 0.01, 0.03, 0.04 (m=3): 0.03, 0.04*3/3=0.04 -> min with next: 0.04, 0.045->0.04
    assert out.loc["a", "p_adjusted"] == pytest.approx(0.03)
    assert out.loc["c", "p_adjusted"] == pytest.approx(0.04)
    assert out.loc["b", "p_adjusted"] == pytest.approx(0.04)
    assert math.isnan(out.loc["d", "p_adjusted"])
    assert (out["family_size"] == 3).all()


GRID = list(
    itertools.product(
        [-0.9, -0.3, 0.0, 0.2, 3.0],  # estimate
        [(-1.2, -0.5), (-0.6, 0.1), (0.05, 4.0), (-2.0, 2.0)],  # interval
        [None, 0.001, 0.04, 0.2, 0.9],  # p
        ["log", "relative", "ratio"],
    )
)


@pytest.mark.parametrize(("est", "interval", "p", "scale"), GRID)
def test_sentence_never_contradicts_its_numbers(est, interval, p, scale):
    lo, hi = interval
    text = effect_sentence("X", est, lo, hi, p_value=p, scale=scale)
    what = claim(lo, hi, p)
    excludes = hi < 0 or lo > 0
    significant = p is not None and p < 0.05
    if "excludes zero" in text:
        assert excludes and (p is None or significant)
    if "includes zero" in text:
        assert not excludes and not significant
    if what not in ("below", "above") and scale != "ratio":
        assert "point estimate" in text  # a direction word only as a point estimate
    if excludes and p is not None and not significant:
        assert "disagree" in text and what == "inconclusive"
    if not excludes and significant:
        assert "disagree" in text
    assert "chance" not in text  # no claim beyond the numbers
    # the interval shown is the interval given
    if scale == "ratio":
        assert fmt.ratio(lo) in text and fmt.ratio(hi) in text


def test_sentence_with_a_p_value_only():
    assert "rejects no effect" in effect_sentence("X", -0.3, None, None, p_value=0.01)
    text = effect_sentence("X", -0.3, None, None, p_value=0.3)
    assert "point estimate" in text and "does not distinguish" in text
    assert "disagree" not in text
