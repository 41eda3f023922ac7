"""Sentences beside published figures follow the data, like with like (issue 19.6d; referee 3)."""

from __future__ import annotations

import pandas as pd
import pytest

from sanctions_model.errors import ParameterError
from sanctions_model.models.published import (
    EUROSTAT_RU_EXPORTS,
    base_month_facts,
    base_month_sentence,
    change_table,
)


def _monthly(feb_2022: float, feb_2021: float = 7.43e9) -> pd.Series:
    index = pd.period_range("2019-01", "2023-12", freq="M")
    s = pd.Series(7.43e9, index=index)
    s[pd.Period("2022-02", "M")] = feb_2022
    s[pd.Period("2021-02", "M")] = feb_2021
    return s


@pytest.mark.parametrize(
    ("feb", "words", "not_words"),
    [
        (7.27e9, ["EUR 7.27 bn", "2.2% below Feb 2021", "slightly below"], ["a high", "a low"]),
        (
            8.5e9,
            ["EUR 8.50 bn", "14% above Feb 2021", "a high base month", "explains about"],
            ["slightly", "does not explain"],
        ),  # fmt: skip
        (
            6.0e9,
            ["19% below", "a low base month", "does not explain"],
            ["a high", "explains about"],
        ),
    ],
)
def test_base_month_words_follow_the_data(feb, words, not_words):
    text = base_month_sentence(_monthly(feb))
    for w in words:
        assert w in text
    for w in not_words:
        assert w not in text


def test_a_weak_same_month_a_year_earlier_is_named_not_compared_with_the_annual_average():
    """February 2021 11% below the year's average: the sentence says so, and compares February
    2022 with February 2021 (+9.8%), not an unadjusted month with the annual average."""
    text = base_month_sentence(_monthly(7.27e9, feb_2021=6.62e9))
    assert "9.8% above Feb 2021 (EUR 6.62 bn)" in text
    assert "Feb 2021 was 10% below the 2021 monthly average of EUR 7.36 bn" in text


def test_embedded_data_february_2022_like_with_like():
    """The shipped Comext data: Feb 2022 EUR 7.27 bn, +9.8% on Feb 2021 (EUR 6.62 bn, 11% below
    the 2021 monthly average of EUR 7.43 bn); seasonally adjusted slightly above the 2021 level,
    so the base month explains a part (not all) of the gap between the annual -57% and -61%."""
    from sanctions_model import data

    m = data.load_trade("eurostat_comext", reporter="EU27_2020", partner="RU", flow="export")
    s = m.set_index("period")["value"].sort_index()
    f = base_month_facts(s)
    assert f["base"] == pytest.approx(7.27e9, rel=1e-3)
    assert f["prior"] == pytest.approx(6.62e9, rel=1e-3)
    assert f["yoy"] == pytest.approx(0.098, abs=5e-4)
    assert f["average"] == pytest.approx(7.43e9, rel=1e-3)
    assert f["prior_vs_average"] == pytest.approx(-0.109, abs=1e-3)
    assert f["annual"] == pytest.approx(-0.572, abs=1e-3)
    assert 1.0 < f["sa_ratio"] < 1.05  # adjusted: above the 2021 level, within 5%
    text = base_month_sentence(s)
    assert "EUR 7.27 bn in Feb 2022, 9.8% above Feb 2021 (EUR 6.62 bn)" in text
    assert "Feb 2021 was 11% below the 2021 monthly average of EUR 7.43 bn" in text
    assert "slightly above that level" in text and "not an unusually" not in text
    assert "the base month explains about" in text and "published -61%" in text
    implied = (1 + f["annual"]) / f["sa_ratio"] - 1
    assert f["annual"] > implied > EUROSTAT_RU_EXPORTS.value  # a part of the gap, not all of it


def test_too_short_a_series_is_not_adjusted():
    s = _monthly(7.27e9).loc[:"2022-06"]
    f = base_month_facts(s)
    assert f["sa_ratio"] != f["sa_ratio"]  # NaN
    assert "too few months around the base month" in base_month_sentence(s)


def test_missing_months_are_named():
    s = _monthly(7e9).drop(pd.Period("2022-02", "M"))
    with pytest.raises(ParameterError, match="no value for 2022-02"):
        base_month_sentence(s)
    with pytest.raises(ParameterError, match="no value for 2021-02"):
        base_month_sentence(_monthly(7e9).drop(pd.Period("2021-02", "M")), average_year=2020)
    with pytest.raises(ParameterError, match="11 of 12 months in 2021"):
        base_month_facts(_monthly(7e9).drop(pd.Period("2021-05", "M")))


def test_change_table_nominal_real_and_published():
    nominal = pd.Series({2021: 100.0, 2023: 40.0})
    real = pd.Series({2021: 100.0, 2023: 35.0})
    t = change_table(nominal, real, deflator="HICP")
    assert t["change"].tolist() == pytest.approx([-0.60, -0.65, EUROSTAT_RU_EXPORTS.value])
    assert "nominal" in t["prices"].iloc[0] and "HICP" in t["prices"].iloc[1]
    assert "seasonally adjusted" in t["compares"].iloc[2]
    with pytest.raises(ParameterError, match="years 2021 and 2023"):
        change_table(pd.Series({2021: 1.0}), None)
