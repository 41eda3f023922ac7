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


# -- labels and answers ---------------------------------------------------------------------------

# keys the default sweep's results.json carry today (notebooks 01-05)
_REAL_KEYS = (
    "effect lower upper p_value chow_p_value qlr_p_value did_ru_annual did_ru_annual_lower "
    "did_ru_annual_p_ri did_ru_annual_without_rs_md_in_tm did_exposure did_exposure_ru "
    "did_exposure_by_partner gravity_ru_2022_vs_2014_21 gravity_partners_2022 sc_effect_2022 "
    "sc_effect_2023 sc_p_placebo sc_pre_rmspe monthly_counterfactual_effect hubs_side eu_side "
    "eu_side_scorecard_coverage ratio_2023_2021_AM raw_ratio_2023_2021 russia_2014 russia_2022 "
    "partners_2022 russia_2022_vs_2014_21 exposure_spread"
).split()


@pytest.mark.parametrize("key", _REAL_KEYS)
def test_every_key_a_reader_sees_is_in_words(key):
    from sanctions_model.reporting.labels import label, unit_of

    text = label(key)
    assert "_" not in text and text != key, text
    assert unit_of(key) in ("%", "log points", "ratio", "p-value", "share", ""), key


def test_unknown_names_are_still_words():
    from sanctions_model.reporting.labels import column_label, label, param_label, param_value

    assert label("did_ru_annual_without_rs_md_in_tm") == (
        "EU27 exports to Russia against donors without Serbia, Moldova and Turkmenistan"
    )
    assert "_" not in label("some_new_key_2023") and "2023" in label("some_new_key_2023")
    assert column_label("absolute_lower") == "change, lower end (EUR)"
    assert column_label("effect_2022") == "effect, 2022"
    assert param_label("pre_start") == "pre-period from"
    assert param_value("partner", "KG") == "Kyrgyzstan" and param_value("product", None) == (
        "all goods"
    )


def _hub_run(partner, effect, lower, upper, p):
    from types import SimpleNamespace

    return SimpleNamespace(
        name=f"02-{partner}",
        notebook="notebooks/02_sanction_effect.ipynb",
        status="ok",
        parameters={"partner": partner},
        resolved={"reporter": "EU27_2020", "partner": partner},
        results={
            "reporter": "EU27_2020",
            "partner": partner,
            "flow": "export",
            "effect": effect,
            "lower": lower,
            "upper": upper,
            "p_value": p,
            "post_period": ["2022-03", "2024-08"],
        },
        files=["report.html"],
    )


@pytest.mark.parametrize(
    ("effect", "lower", "upper", "p", "words"),
    [
        (1.8, 0.9, 3.2, 0.001, "rose beyond their pre-war trend"),
        (-0.4, -0.6, -0.2, 0.001, "fell below their pre-war trend"),
        (0.5, -0.2, 2.3, 0.21, "Not distinguishable from their trend"),
        (0.5, 0.1, 2.3, 0.21, "Not distinguishable from their trend"),  # interval and p disagree
    ],
)
def test_hub_answer_follows_interval_p_and_sign(effect, lower, upper, p, words):
    from sanctions_model.reporting.answers import build_answers

    hubs = next(
        a for a in build_answers([_hub_run("AM", effect, lower, upper, p)]) if a.key == "hubs"
    )
    text = " ".join(hubs.sentences)
    assert words in text and "Armenia" in text
    others = {"rose beyond", "fell below", "Not distinguishable"} - {words.split(" their")[0]}
    assert not any(o in text for o in others if o not in words), text
    # the missing offset names the notebook and the key it needs
    assert "no successful run of notebook 04 in this sweep records eu27_ratio.hubs_side" in text


def test_fall_answer_says_which_methods_are_distinguishable_from_zero():
    from types import SimpleNamespace

    from sanctions_model.reporting.answers import build_answers

    ru = _hub_run("RU", -0.54, -0.69, -0.28, 0.004)
    sc = SimpleNamespace(
        name="05",
        notebook="notebooks/05_synthetic_control.ipynb",
        status="ok",
        parameters={},
        resolved={},
        results={
            "sc_effect_2023": -0.69,
            "sc_lower_2023": -0.91,
            "sc_upper_2023": 0.015,
            "sc_p_2023": 0.052,
            "sc_n_placebos": 57,
        },
        files=["report.html"],
    )
    (fall,) = [a for a in build_answers([ru, sc]) if a.key == "fall"]
    head = fall.sentences[0]
    assert "54% to 69% below" in head
    assert "Distinguishable from zero: monthly counterfactual, average month" in head
    assert "Not distinguishable from zero: synthetic control" in head
    assert any("notebook 03 in this sweep records did_ru_annual" in s for s in fall.sentences)
    assert set(fall.runs) == {"02-RU", "05"}


def test_a_headline_at_the_5_percent_line_is_named_as_such_on_the_front_page():
    """A run that records p_at_alpha (p within its Monte Carlo error of 0.05, printed 0.05 with
    the interval ending at zero) is neither distinguishable nor simply 'a wider interval'."""
    from sanctions_model.reporting.answers import build_answers

    ru = _hub_run("RU", -0.6, -0.85, 0.0, 0.05)
    ru.results["p_at_alpha"] = True
    (fall,) = [a for a in build_answers([ru]) if a.key == "fall"]
    head = fall.sentences[0]
    assert "At the edge of significance (p at the test level within the simulations' error" in head
    assert "monthly counterfactual, average month" in head.split("At the edge")[1]
    assert "Distinguishable from zero: monthly" not in head
    assert "Not distinguishable from zero: monthly" not in head
    (limits,) = [a for a in build_answers([ru]) if a.key == "limits"]
    text = " ".join(limits.sentences)
    assert "at the edge of significance" in text and "monthly counterfactual" in text
    assert "cannot say whether the effect was there: monthly counterfactual" not in text
    ru.results["p_at_alpha"] = False  # the same figures without the flag: a plain "includes zero"
    (fall,) = [a for a in build_answers([ru]) if a.key == "fall"]
    assert "Not distinguishable from zero: monthly counterfactual" in fall.sentences[0]
    assert "edge of significance" not in fall.sentences[0]


def test_a_p_value_recorded_as_a_bound_reads_as_a_bound():
    from sanctions_model.reporting import format as fmt
    from sanctions_model.reporting.answers import p_bound_text
    from sanctions_model.reporting.text import effect_sentence

    assert fmt.pvalue(0.01, upper_bound=True) == "p < 0.01"
    assert fmt.pvalue(0.0004, upper_bound=True) == "p < 0.001"
    assert fmt.p_cell(0.01, upper_bound=True) == "< 0.01"
    assert fmt.pvalue(0.01) == "p = 0.01"
    sentence = effect_sentence("X", -0.58, -0.72, -0.35, p_value=0.01, p_upper_bound=True)
    assert "p < 0.01" in sentence and "p = 0.01" not in sentence

    class Run:
        results = {"p_value": 0.01, "p_is_upper_bound": True}

    class Exact:
        results = {"p_value": 0.01, "p_is_upper_bound": False}

    assert p_bound_text(Run()) == "p < 0.01"
    assert p_bound_text(Exact()) == ""
