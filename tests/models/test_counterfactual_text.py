"""The counterfactual's sentences (results_text.py, sentence.py): the headline and the
anticipation months' gap are worded by one call, with the result's scale, level, currency and
draws, and the report carries both as written.

Seeded flows from :func:`~sanctions_model.simulate.monthly.simulate_monthly_flows` (synthetic, the
layout of the embedded monthly data) with a planted -0.3 fall from 2022-03, a third of it from
2022-01 (anticipation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.models.counterfactual import estimate_counterfactual
from sanctions_model.models.counterfactual.anticipation import (
    anticipation_effect,
    anticipation_sentence,
)
from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.text import claim
from sanctions_model.simulate.monthly import FlowDesign, simulate_monthly_flows

T0 = pd.Period("2022-03", "M")
FAST = {"n_sims": 400, "n_param_draws": 40, "check_controls": False, "seed": 0}


def _flow() -> pd.Series:
    _, cf = simulate_monthly_flows(1, effect=0.0, design=FlowDesign(), start="2019-01", seed=5)
    y = cf["s0"]
    k = np.asarray([(p - T0).n for p in y.index])
    return y * np.exp(np.where(k >= 0, -0.3, np.where(k >= -2, -0.1, 0.0)))


@pytest.fixture(scope="module")
def flow() -> pd.Series:
    return _flow()


@pytest.mark.parametrize(
    ("log", "alpha", "units", "shown"),
    [
        (True, 0.05, "EUR", None),
        (False, 0.10, "USD at 2021 prices", "USD"),
        (False, 0.05, "EUR at 2021 prices", "EUR"),
    ],
)
def test_headline_and_anticipation_sentences_share_the_settings(flow, log, alpha, units, shown):
    """Both sentences in the result's scale, level and currency, with the p-value bound."""
    y = flow if log else flow * 1e6  # money in the millions, as the embedded data
    res = estimate_counterfactual(
        y, T0, log=log, alpha=alpha, units=units, anticipation=2, trend="local level", **FAST
    )
    head, lead = res.sentence(), anticipation_sentence(res)
    s, a = res.headline("average"), anticipation_effect(res)
    assert a is not None
    start, end = res.post_period
    assert head.startswith(f"Average effect, {start} to {end}: ")
    subject = (
        "In the 2 months left out of the fit before the intervention (2022-01 to 2022-02), the "
        "average gap to the counterfactual: "
    )
    assert subject in lead
    interval = f"{1 - alpha:.0%} interval"
    show = fmt.pct if log else (lambda v: fmt.money(v, shown))
    for text, summary in ((head, s), (lead, a)):
        # the interval as rounded to its draws, in the result's scale and currency
        assert f"{interval} {show(summary.lower)} to {show(summary.upper)};" in text
        word = "below" if summary.estimate < 0 else "above"
        assert f"{word} the counterfactual" in text  # the direction follows the sign
        assert ("p <" in text) == bool(summary.p_bound)
    assert s.estimate < 0 and "The interval excludes zero." in head  # the planted -26% fall
    report = res.report("EU27_2020 exports to RU")
    assert "EU27 exports to Russia: " in report  # the subject in words
    assert lead in report and head.split(": ", 1)[1] in report


@pytest.mark.parametrize(("effect", "side"), [(-0.7, "below"), (0.0, "includes zero")])
def test_the_short_pre_period_note_follows_the_headline_claim(effect, side):
    """Under three years of pre-period the note calls the interval wide; it says the effect
    cannot be told from zero only when the interval includes zero."""
    _, cf = simulate_monthly_flows(1, effect=0.0, design=FlowDesign(), start="2019-01", seed=5)
    y = cf["s0"].loc["2020-06":]
    k = np.asarray([(p - T0).n for p in y.index])
    y = y * np.exp(np.where(k >= 0, effect, 0.0))
    res = estimate_counterfactual(y, T0, trend="local level", **FAST)
    assert len(res.pre_index) == 21
    s = res.headline()
    assert claim(s.lower, s.upper, s.p_value, res.config.alpha, p_upper_bound=s.p_bound) == side
    note = res.pre_period_note()
    ends = f"here it runs from {fmt.pct(s.lower)} to {fmt.pct(s.upper)}"
    assert "That is under three years" in note and ends in note
    if side == "below":
        assert f"{ends}: even so it lies below zero" in note and "told from zero" not in note
    else:
        assert f"{ends}, and an effect inside a range that wide cannot be told from zero" in note
