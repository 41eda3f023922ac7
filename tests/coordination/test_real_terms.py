"""Real terms, one currency, digits: the deflator choice, the EU/hub split, rounding to MC error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.coordination.digits import (
    end_rounded,
    p_mc_se,
    p_text,
    ratio_text,
    share_text,
)
from sanctions_model.coordination.real_terms import price_config
from sanctions_model.coordination.sides import compare_sides
from sanctions_model.coordination.substitution_results import Substitution
from sanctions_model.data.prices import price_index
from sanctions_model.errors import ParameterError


def test_price_config_defaults_names_and_errors():
    p = price_config()
    assert p.real and p.name("USD") == "cpi_u" and p.name("EUR") == "hicp_ea"
    assert p.units("USD") == "USD at 2021 prices"
    assert "US consumer prices" in p.describe("USD") and "2021 = 100" in p.describe("USD")
    assert price_config(True, "us_export_prices").name("USD") == "us_export_prices"
    assert price_config(True, ["us_export_prices"]).name("EUR") == "hicp_ea"
    assert price_config(False).name("USD") is None
    assert price_config(False).units("EUR") == "current EUR"
    with pytest.raises(ParameterError, match="unknown price index"):
        price_config(True, "nope")
    with pytest.raises(ParameterError, match="deflates USD values, not EUR"):
        price_config(True, {"EUR": "cpi_u"})
    with pytest.raises(ParameterError, match="real must be"):
        price_config("yes")  # type: ignore[arg-type]


def test_apply_divides_by_the_annual_index_and_the_rate_is_the_base_years():
    p = price_config(base=2021)
    idx = pd.PeriodIndex(["2021", "2023"], freq="Y")
    frame = pd.DataFrame({("A", "RU"): [100.0, 100.0]}, index=idx)
    real = p.apply(frame, "USD")
    cpi = price_index("cpi_u", "A", base=2021)
    assert real.iloc[0, 0] == pytest.approx(100.0 / cpi[pd.Period("2021", "Y")] * 100)
    assert real.iloc[1, 0] == pytest.approx(100.0 / cpi[pd.Period("2023", "Y")] * 100)
    assert real.iloc[1, 0] < 90  # US consumer prices rose more than 10% from 2021 to 2023
    assert 1.1 < p.rate("EUR", "USD") < 1.25 and p.rate("USD", "USD") == 1.0
    assert p.rate("USD", "EUR") == pytest.approx(1 / p.rate("EUR", "USD"))
    assert price_config(False).apply(frame, "USD") is frame


def _sub(excess: float, shortfall: float, currency: str, seed: int = 0) -> Substitution:
    rng = np.random.default_rng(seed)
    s = rng.normal(shortfall, 0.05 * shortfall, 2000)
    e = rng.normal(excess, 0.2 * abs(excess) + 1, 2000)
    return Substitution(
        ally="EU27_2020", shortfall_draws=s, excess_draws=e, hub_excess_draws={"KZ": e},
        periods=(pd.Period("2022", "Y"), pd.Period("2023", "Y")), alpha=0.05,
        currency=currency, inference="test", shortfall_expected=shortfall,
        excess_expected={"KZ": excess},
    )  # fmt: skip


def test_the_gap_in_the_excess_splits_in_one_currency():
    p = price_config()
    rate = p.rate("EUR", "USD")
    hub = _sub(3.0, 120.0, "USD")
    eu, no_ge, like = _sub(17.0, 110.0, "EUR"), _sub(15.0, 110.0, "EUR"), _sub(14.0, 110.0, "EUR")
    cmp = compare_sides(hub, eu, no_ge, like, prices=p)
    assert cmp.excess("EU side") == pytest.approx(17.0 * rate)
    assert cmp.gap == pytest.approx(17.0 * rate - 3.0)
    assert cmp.coverage_share == pytest.approx((17.0 - 14.0) * rate / (17.0 * rate - 3.0))
    assert cmp.coverage_share + cmp.records_share == pytest.approx(1.0)
    # the old notebook subtracted USD from EUR: (17 - 14) / (17 - 3) = 21%, not the 19% above
    assert cmp.coverage_share != pytest.approx(3.0 / 14.0, abs=0.005)
    text = cmp.sentence()
    assert "coverage accounts for about 20% of the gap" in text
    assert "about 80%" in text and "USD at 2021 prices" in text
    assert set(cmp.table().columns) >= {"substitution", "95% interval"}


def test_no_split_when_the_eu_side_excess_is_not_larger():
    p = price_config()
    cmp = compare_sides(_sub(30.0, 120, "USD"), _sub(5.0, 100, "EUR"), _sub(5.0, 100, "EUR"),
                        _sub(4.0, 100, "EUR"), prices=p)  # fmt: skip
    assert np.isnan(cmp.coverage_share) and "no split is made" in cmp.sentence()


@pytest.mark.parametrize(
    "p, n, text",
    [
        # grid of >= 20 Monte Carlo errors: 0.2 at p = 0.4 from 10,000 draws (error 0.008)
        (0.4, 10_000, "p = 0.4"), (0.41, 10_000, "p = 0.4"), (0.39, 10_000, "p = 0.4"),
        (0.4, 1_000_000, "p = 0.40"), (0.034, 1_000_000, "p = 0.03"),
        # below the grid: the smallest bound that p + 6 errors stays under
        (0.0001, 10_000, "p < 0.01"), (0.002, 10_000, "p < 0.01"), (0.026, 10_000, "p < 0.05"),
        (0.04, 10_000, "p < 0.1"), (0.0001, 1_000_000, "p < 0.001"),
        # too few draws for a grid: bounds either side
        (0.04, 400, "p < 0.2"), (0.4, 400, "p > 0.1"), (0.999, 10_000, "p > 0.8"),
    ],
)  # fmt: skip
def test_p_text_rounds_to_twenty_mc_standard_errors(p, n, text):
    assert p_text(p, n) == text
    assert p_mc_se(0.4, 10_000) == pytest.approx(2 * np.sqrt(0.2 * 0.8 / 10_000))


def test_ratio_share_and_end_rounding():
    assert ratio_text(0.1404, 0.0004) == "0.14"
    assert ratio_text(0.1404, 0.002) == "0.15"  # a step of at least twenty standard errors
    assert ratio_text(0.1404, 0.004) == "0.1"
    assert ratio_text(1.72, 0.03) == "2"
    assert ratio_text(0.1404, 0.0) == "0.14"  # at most two significant figures
    assert ratio_text(0.0048, 0.0004) == "> 0"  # keeps its sign, as the claim does
    assert ratio_text(np.inf, 0.0) == "unbounded"
    assert share_text(0.874) == "85%" and share_text(0.001) == "<5%" and share_text(0.99) == ">95%"
    assert end_rounded(0.1404, 0.001, "upper") == 0.14
    assert end_rounded(0.0249, 0.001, "upper", estimate=0.0249) == 0.0249  # never past it
    assert end_rounded(-0.036, 0.0005, "lower", estimate=0.03) == -0.04
