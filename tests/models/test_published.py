"""Sentences beside published figures follow the data (issue 19.6d)."""

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


def _monthly(feb_2022: float) -> pd.Series:
    index = pd.period_range("2021-01", "2023-12", freq="M")
    s = pd.Series(7.43e9, index=index)
    s[pd.Period("2022-02", "M")] = feb_2022
    return s


@pytest.mark.parametrize(
    ("feb", "words", "not_words"),
    [
        (7.27e9, ["EUR 7.27 bn", "2.2% below", "EUR 7.43 bn", "not an unusually high"], ["a high"]),
        (8.5e9, ["EUR 8.50 bn", "14% above", "a high base month", "larger"], ["not an"]),
        (6.0e9, ["19% below", "a low base month", "smaller"], ["a high", "not an"]),
    ],
)
def test_base_month_words_follow_the_data(feb, words, not_words):
    text = base_month_sentence(_monthly(feb))
    for w in words:
        assert w in text
    for w in not_words:
        assert w not in text


def test_embedded_data_february_2022_is_below_the_2021_average():
    from sanctions_model import data

    m = data.load_trade("eurostat_comext", reporter="EU27_2020", partner="RU", flow="export")
    s = m.set_index("period")["value"].sort_index()
    f = base_month_facts(s)
    assert f["base"] == pytest.approx(7.27e9, rel=1e-3)
    assert f["average"] == pytest.approx(7.43e9, rel=1e-3)
    assert "below" in base_month_sentence(s) and "8 bn" not in base_month_sentence(s)


def test_missing_months_are_named():
    s = _monthly(7e9).drop(pd.Period("2022-02", "M"))
    with pytest.raises(ParameterError, match="no value for 2022-02"):
        base_month_sentence(s)
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
