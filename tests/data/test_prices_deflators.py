"""The figures the deflators' caveats quote are those of the shipped indices (issue 19).

A caveat that cites a price rise must say what the shipped file says: each figure is recomputed
from the index here, and the sentence must contain it as printed (one decimal, signed).
"""

from __future__ import annotations

import pandas as pd
import pytest

from sanctions_model.data import prices


def _change(name: str, a: tuple[str, str], b: tuple[str, str]) -> str:
    """Percent change of the mean over months ``b`` on the mean over months ``a``, as printed."""
    s = prices.price_index(name)
    pct = (s[b[0] : b[1]].mean() / s[a[0] : a[1]].mean() - 1) * 100
    return f"{pct:+.1f}%"


YEAR_2021, YEAR_2022, YEAR_2023 = (
    ("2021-01", "2021-12"),
    ("2022-01", "2022-12"),
    ("2023-01", "2023-12"),
)
JAN_NOV_22, JAN_NOV_23 = ("2022-01", "2022-11"), ("2023-01", "2023-11")


@pytest.mark.parametrize(
    ("name", "quoted", "a", "b"),
    [
        ("hicp_ea", "+8.4% in 2022", YEAR_2021, YEAR_2022),
        ("hicp_ea", "+5.4% in 2023", YEAR_2022, YEAR_2023),
        ("cpi_u", "US export prices rose 13.0% in 2022", None, None),
        ("cpi_u", "(CPI-U 8.0%)", YEAR_2021, YEAR_2022),
        ("cpi_u", "5.6% lower in January-November 2023", None, None),
        ("cpi_u", "(CPI-U +4.2%)", JAN_NOV_22, JAN_NOV_23),
    ],
)
def test_caveat_figures_are_the_shipped_indices(name, quoted, a, b):
    text = " ".join(prices.deflator_caveats(name))
    assert quoted in text
    if a is not None:
        assert _change(name, a, b).lstrip("+") in quoted


def test_us_export_price_figures_in_the_cpi_caveat():
    assert _change("us_export_prices", YEAR_2021, YEAR_2022) == "+13.0%"
    assert _change("us_export_prices", JAN_NOV_22, JAN_NOV_23) == "-5.6%"


def test_the_export_price_index_rose_more_than_cpi_in_2022_and_fell_after():
    """Why a USD deflator matters: the 2022 gap between export and consumer prices closes in 2023."""
    iq, cpi = prices.price_index("us_export_prices"), prices.price_index("cpi_u")
    gap = (iq / cpi).loc[pd.Period("2021-12", "M") :]
    assert gap["2022-06"] > 1.04 > gap["2023-11"]
