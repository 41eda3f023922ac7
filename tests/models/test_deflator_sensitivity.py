"""The deflator-sensitivity table and the counterfactual under a mismatched deflator (issue 19).

Planted data: a real flow with a known effect, values in current prices from a known price path.
Deflated by the true path, the estimate is the real flow's; a deflator that rises less than the
true prices by ``g`` log points in the post-period moves the estimate by exactly ``g`` (log of
one plus the relative effect), and the table's spread is ``g``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sanctions_model.models.simulate import price_path

from sanctions_model.data import prices
from sanctions_model.errors import ParameterError
from sanctions_model.models import FlowDesign, simulate_monthly_flows
from sanctions_model.models.deflator_sensitivity import (
    counterfactual_headline,
    deflator_mismatch_check,
    deflator_sensitivity,
    sensitivity_record,
    sensitivity_table,
    shipped_deflators,
)

T0 = pd.Period("2022-03", "M")
GAP = 0.15  # log points by which the "off" deflator falls short of the true prices after T0


def _log_change(y: pd.Series) -> float:
    """A deterministic headline: mean log value after T0 minus before."""
    ly = np.log(y)
    return float(ly.loc[T0:].mean() - ly.loc[: T0 - 1].mean())


def _planted(n: int = 1, seed: int = 3, design: FlowDesign | None = None):
    real, cf = simulate_monthly_flows(n, effect=-0.4, seed=seed, design=design)
    true_p = price_path(real.index, 0.01)  # +1% a month from 2021-09
    off = true_p * np.exp(-GAP * (real.index >= T0))
    nominal = real.mul(true_p, axis=0)
    return real, cf, nominal, true_p, off


def _eur(series: pd.Series) -> pd.Series:
    series = series.copy()
    series.attrs = {"currency": "EUR", "unit": "EUR", "real": False}
    return series


def test_spread_equals_the_planted_deflator_gap():
    real, _, nominal, true_p, off = _planted()
    y = _eur(nominal["s0"])
    table = deflator_sensitivity(
        y, _log_change, deflators=[], indices={"true": true_p, "off": off}
    ).set_index("deflator", drop=False)
    assert list(table["price_basis"]) == ["real", "real", "nominal"]
    # the true deflator gives back the real flow's headline (a rebased index is a constant factor)
    assert table.loc["true", "estimate"] == pytest.approx(_log_change(real["s0"]), abs=1e-12)
    assert table.loc["off", "estimate"] - table.loc["true", "estimate"] == pytest.approx(GAP)
    assert table.attrs["spread"] == pytest.approx(GAP)
    # current prices carry the whole price rise: the nominal row is off by its mean log change
    rise = _log_change(true_p)
    nominal_row = table[table["price_basis"] == "nominal"].iloc[0]
    assert nominal_row["estimate"] - table.loc["true", "estimate"] == pytest.approx(rise)
    assert rise > 0.2


@pytest.mark.slow
def test_counterfactual_under_the_true_deflator_recovers_the_planted_effect():
    """The counterfactual (the data's own trend model fixed) on two planted low-noise series:
    under the true deflator the estimate is the one on the real flow itself, within 0.1 of the
    real effect and its interval covers it; current prices
    overstate the effect (the price rise read as trade); a deflator short by GAP moves every
    figure by exactly GAP on the log(1 + effect) scale (same draws, same pre-period). The
    estimator's own bias is measured over 60 series per case in docs/data.md."""
    quiet = FlowDesign(level_sd=0.005, noise_sd=0.03)  # low noise: the estimate is close
    real, cf, nominal, true_p, off = _planted(2, seed=3, design=quiet)
    nominal_bias = []
    for col in real.columns:
        truth = float(np.mean(real[col].loc[T0:] / cf[col].loc[T0:] - 1))
        run = counterfactual_headline(T0, trend="random walk with drift", seasonal=12, seed=1)
        table = deflator_sensitivity(
            _eur(nominal[col]),
            lambda y, run=run: run(y).effect_summary(),
            deflators=[],
            indices={"true": true_p, "off": off},
        ).set_index("deflator", drop=False)
        t, o = table.loc["true"], table.loc["off"]
        assert t["lower"] <= truth <= t["upper"]
        assert abs(t["estimate"] - truth) < 0.1
        on_real = run(real[col]).effect_summary()  # the same flow without prices
        assert t["estimate"] == pytest.approx(on_real.estimate, abs=2e-3)
        for k in ("estimate", "lower", "upper"):
            assert np.log1p(o[k]) - np.log1p(t[k]) == pytest.approx(GAP, abs=1e-9)
        nominal_bias.append(table[table["price_basis"] == "nominal"]["estimate"].iloc[0] - truth)
    assert np.mean(nominal_bias) > 0.1


def test_a_hypothetical_deflator_twice_the_rise_of_the_default():
    _, _, nominal, _, _ = _planted()
    y = _eur(nominal["s0"])
    table = deflator_sensitivity(y, _log_change, stress=2).set_index("deflator")
    hicp = prices.price_index("hicp_ea").reindex(y.index)
    assert table.index.tolist()[:2] == ["hicp_ea", "hicp_ea_x2"]
    assert "hypothetical" in table.loc["hicp_ea_x2", "label"]
    # squaring the index deflates by its change once more
    assert table.loc["hicp_ea_x2", "gap"] == pytest.approx(-_log_change(hicp))
    assert table.attrs["spread"] == pytest.approx(_log_change(hicp))


def test_annual_values_take_annual_means_of_every_index():
    """An annual USD headline (the hubs' statistics): CPI-U, export prices (2023 refused: 11 of
    its 12 months), the hypothetical row, each the mean of its year's months."""
    years = pd.PeriodIndex(["2019", "2020", "2021", "2022", "2023"], freq="Y")
    y = pd.Series([100.0, 90.0, 110.0, 130.0, 150.0], index=years)
    y.attrs = {"currency": "USD"}
    last = lambda s: float(np.log(s.iloc[-1] / s.iloc[-3]))  # noqa: E731 (2023 on 2021)
    table = deflator_sensitivity(y, last, stress=2).set_index("deflator")
    cpi = prices.price_index("cpi_u", "A")
    assert table.loc["cpi_u", "estimate"] == pytest.approx(
        last(y) - np.log(cpi["2023"] / cpi["2021"])
    )
    assert np.isnan(table.loc["us_export_prices", "estimate"])
    assert "2023" in table.loc["us_export_prices", "note"]
    sq = (prices.price_index("cpi_u") / 100) ** 2  # the hypothetical index, month by month
    sq23, sq21 = sq["2023"].mean(), sq["2021"].mean()
    assert table.loc["cpi_u_x2", "gap"] == pytest.approx(
        -np.log(sq23 / sq21) + np.log(cpi["2023"] / cpi["2021"])
    )


def test_shipped_deflators_of_each_currency_default_first():
    assert shipped_deflators("EUR") == ("hicp_ea",)
    assert shipped_deflators("usd") == ("cpi_u", "us_export_prices")


def test_a_deflator_that_ends_early_gets_a_row_that_says_so():
    index = pd.period_range("2019-01", "2024-06", freq="M")
    y = pd.Series(np.linspace(100.0, 150.0, len(index)), index=index)
    y.attrs = {"currency": "USD", "unit": "USD"}
    table = deflator_sensitivity(y, _log_change).set_index("price_basis", append=True)
    rows = table.reset_index(level=0, drop=True)
    cpi = table[table["deflator"] == "cpi_u"].iloc[0]
    iq = table[table["deflator"] == "us_export_prices"].iloc[0]
    assert bool(cpi["default"]) and cpi["gap"] == 0.0 and cpi["note"] == ""
    assert np.isnan(iq["estimate"]) and "2023-11" in iq["note"] and "2023-12" in iq["note"]
    assert rows.index.tolist() == ["real", "real", "nominal"]
    # deflating by CPI-U lowers the change by CPI-U's own mean log change over the same months
    cpi_m = prices.price_index("cpi_u").reindex(index)
    assert cpi["estimate"] == pytest.approx(_log_change(y) - _log_change(cpi_m))


def test_the_shipped_eur_flow_under_hicp_and_in_current_prices():
    from sanctions_model.models import load_flow

    y = load_flow("eurostat_comext", "EU27_2020", "RU", "export", start="2019-01", end="2024-08")
    table = deflator_sensitivity(y, _log_change)
    assert table["deflator"].tolist() == ["hicp_ea", None]
    hicp = prices.price_index("hicp_ea").reindex(y.index)
    real_row, nominal_row = table.iloc[0], table.iloc[1]
    assert nominal_row["estimate"] - real_row["estimate"] == pytest.approx(_log_change(hicp))
    # a bare number says no level: the table does not name one
    assert table.attrs == {"currency": "EUR", "base": 2021, "spread": 0.0, "alpha": None}
    assert "interval" in sensitivity_table(table).columns


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"deflators": ["hicp_ea"], "currency": "USD"}, "price index of EUR values"),
        ({"deflators": ["ppi_mars"]}, "unknown price index"),
        ({"stress": -1}, "stress=-1"),
        ({"currency": "GBP"}, "currency='GBP'"),
        (
            {"indices": {"short": pd.Series([1.0], index=pd.PeriodIndex(["2021-01"], freq="M"))}},
            "12 months of the base year",
        ),  # fmt: skip
    ],
)
def test_bad_parameters_are_named(kwargs, match):
    y = _eur(_planted()[2]["s0"])
    with pytest.raises(ParameterError, match=match):
        deflator_sensitivity(y, _log_change, **kwargs)


def test_deflated_values_and_unreadable_estimates_are_refused():
    y = _eur(_planted()[2]["s0"])
    real = prices.deflate(y, "EUR")
    with pytest.raises(ParameterError, match="already deflated"):
        deflator_sensitivity(real, _log_change)
    with pytest.raises(ParameterError, match="estimator"):
        deflator_sensitivity(y, lambda s: "a string")
    short = price_path(y.index[:40], 0.01)
    with pytest.raises(ParameterError, match=r"indices\['short'\]: no value for 28 period"):
        deflator_sensitivity(y, _log_change, indices={"short": short})


@pytest.mark.slow
def test_counterfactual_with_the_prices_deflator_and_with_a_deflator_half_the_rise():
    """The same 6 series under no effect (120 per row in docs/data.md): deflated by their own
    price index the counterfactual covers the truth (0) and its bias is small; deflated by an
    index that rises half as fast (true prices = HICP squared, deflator HICP) every estimate moves
    up by the missed rise (measured on 120: bias +0.05 against +0.13)."""
    hicp = prices.price_index("hicp_ea") / 100.0
    exact = deflator_mismatch_check("hicp_ea", "hicp_ea", n_series=6, effect=0.0)
    half = deflator_mismatch_check(hicp**2, hicp, n_series=6, effect=0.0)
    print(exact, half)
    assert exact.gap == 0.0 and exact.hits >= 5
    assert half.gap == pytest.approx(0.124, abs=0.001)  # HICP's mean log rise 2022-03 to 2024-08
    assert half.bias - exact.bias > 0.05


def test_notebook_02_reuses_its_fits_and_refits_only_the_other_rows():
    """Notebook 02 passes its headline and nominal fits as ``known``: only the hypothetical row
    (the HICP's rise doubled) is fitted again; the table prints the rounded headlines, a p-value
    bound as a bound, and the gap to the default in percentage points."""
    import sanctions_model.models.counterfactual as cfm

    real, _, nominal, _, _ = _planted(seed=5)
    y = _eur(nominal["s0"])
    opts = dict(n_sims=4000, n_param_draws=400, seed=0)
    default = prices.deflate(y, "EUR", deflator="hicp_ea")
    fit = cfm.estimate_counterfactual(default, T0, units="EUR", **opts)
    fit_nominal = cfm.estimate_counterfactual(y, T0, units="EUR", **opts)
    calls = []
    original = cfm.estimate_counterfactual

    def counting(series, *args, **kwargs):
        calls.append(series.attrs.get("deflator"))
        return original(series, *args, **kwargs)

    cfm.estimate_counterfactual = counting
    try:
        est = counterfactual_headline(T0, known={"hicp_ea": fit, "nominal": fit_nominal}, **opts)
        frame = deflator_sensitivity(y, est, stress=2)
    finally:
        cfm.estimate_counterfactual = original
    assert calls == ["hicp_ea_x2"]  # the default and nominal rows came from the known fits
    shown = sensitivity_table(frame)
    head = fit.headline()
    first = shown.iloc[0]
    assert frame["estimate"].iloc[0] == head.estimate  # the headline as rounded, not refitted
    assert first["gap to the default"] == ""
    assert shown.index[1].startswith("hypothetical: euro-area consumer prices")
    gap_pp = 100 * (frame["estimate"].iloc[1] - frame["estimate"].iloc[0])
    assert shown["gap to the default"].iloc[1] == f"{gap_pp:+.0f} pp"
    assert frame["estimate"].iloc[1] < frame["estimate"].iloc[0]  # more deflation: a lower level
    if head.p_bound:
        assert shown["p"].iloc[0].startswith("p <")
    record = sensitivity_record(frame)
    assert len(record["rows"]) == 3
    assert record["spread"] == pytest.approx(abs(gap_pp) / 100, abs=1e-12)
