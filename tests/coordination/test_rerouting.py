"""Re-routing: the ratio maths on known draws, planted re-routing on simulated panels, real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.coordination.exposure import exposure_event_study, pre_war_exposure
from sanctions_model.coordination.rerouting import (
    CounterfactualDraws,
    estimate_rerouting,
    substitution_ratio,
)
from sanctions_model.errors import ParameterError
from sanctions_model.simulate.coordination import simulate_rerouting_panel

IDX = pd.period_range("2022-03", periods=10, freq="M")


def _draws(observed, centre, sd, n=2000, seed=0):
    rng = np.random.default_rng(seed)
    paths = centre[None, :] + rng.normal(0, sd, (n, len(centre)))
    return CounterfactualDraws(IDX, observed, paths)


def test_ratio_on_known_draws():
    cf_ru = np.full(10, 100.0)
    ru = _draws(cf_ru * 0.4, cf_ru, 2.0, seed=1)  # shortfall 600
    kg = _draws(np.full(10, 30.0), np.full(10, 12.0), 1.0, seed=2)  # excess 180
    am = _draws(np.full(10, 5.0), np.full(10, 5.0), 0.5, seed=3)  # none
    est = substitution_ratio(ru, {"KG": kg, "AM": am})
    assert est.shortfall == pytest.approx(600, rel=0.01)
    assert est.excess == pytest.approx(180, rel=0.02)
    assert est.ratio == pytest.approx(0.3, abs=0.01)
    ci = est.conf_int()
    assert ci.loc["ratio", "lower"] < 0.3 < ci.loc["ratio", "upper"]
    assert ci.loc["excess_AM", "lower"] < 0 < ci.loc["excess_AM", "upper"]
    assert est.p_shortfall == 1.0
    # a 90% interval lies inside the 95% one
    ci90 = est.conf_int(0.10)
    assert ci.loc["ratio", "lower"] <= ci90.loc["ratio", "lower"]
    assert ci90.loc["ratio", "upper"] <= ci.loc["ratio", "upper"]
    # window: the first 5 months only
    half = substitution_ratio(ru, {"KG": kg, "AM": am}, window=(None, "2022-07"))
    assert half.shortfall == pytest.approx(300, rel=0.02)
    assert half.ratio == pytest.approx(0.3, abs=0.02)
    assert "Substitution ratio" in repr(est)


def test_ratio_errors():
    ru = _draws(np.ones(10), np.ones(10), 0.1)
    with pytest.raises(ParameterError, match="at least one partner"):
        substitution_ratio(ru, {})
    other = CounterfactualDraws(IDX, np.ones(10), np.ones((5, 10)))
    with pytest.raises(ParameterError, match="draws"):
        substitution_ratio(ru, {"KG": other})
    with pytest.raises(ParameterError, match="shape"):
        CounterfactualDraws(IDX, np.ones(10), np.ones((5, 9)))
    with pytest.raises(ParameterError, match="overlap"):
        ru.window("2030-01", None)
    with pytest.raises(ParameterError, match="alpha"):
        substitution_ratio(ru, {"KG": ru}, alpha=1.5)


def test_draws_are_read_only():
    d = _draws(np.ones(10), np.ones(10), 0.1)
    with pytest.raises(ValueError):
        d.draws[0, 0] = 5.0


@pytest.fixture(scope="module")
def planted():
    sim = simulate_rerouting_panel(
        reporters=("DE", "FR", "IT"), ratio={"DE": 0.3, "FR": 0.0, "IT": 0.6}, seed=3
    )
    # the simulated panel has no prices: constant-price values, not deflated
    res = estimate_rerouting(sim.data, n_sims=400, n_param_draws=40, seed=5, real=False)
    return sim, res


@pytest.mark.slow
def test_planted_rerouting_recovered(planted):
    sim, res = planted
    f = res.to_frame()
    for r, true in sim.ratio.items():
        assert f.loc[r, "ratio_lower"] <= true <= f.loc[r, "ratio_upper"], (r, f.loc[r])
    # zero planted re-routing: the interval covers zero
    assert f.loc["FR", "ratio_lower"] <= 0 <= f.loc["FR", "ratio_upper"]
    assert f.loc["FR", "excess_lower"] <= 0 <= f.loc["FR", "excess_upper"]
    # the ranking follows the planted ratios
    assert list(res.ranking().index) == ["IT", "DE", "FR"]
    assert f["clear_shortfall"].all()
    assert len(res.ranking(clear_only=True)) == 3
    assert f["p_shortfall"].min() > 0.99
    # shortfall close to the truth
    for r in sim.ratio:
        assert f.loc[r, "shortfall"] == pytest.approx(sim.truth.loc[r, "shortfall"], rel=0.15)
    assert len(res.fits) == 18 and res.skipped.empty


@pytest.mark.slow
def test_rerouting_results_display(planted):
    _, res = planted
    assert res.window == (pd.Period("2022-03", "M"), pd.Period("2024-08", "M"))
    assert set(res.series_effects["role"]) == {"target", "partner"}
    assert list(res.conf_int().columns) == ["lower", "upper"]
    assert "ratio" in repr(res) and "<table" in res._repr_html_()
    assert res.plot().get_title()
    assert res.plot(by="excess").get_xlabel().startswith("excess")
    with pytest.raises(ParameterError):
        res.ranking(by="nope")


@pytest.mark.slow
def test_same_seed_same_result():
    sim = simulate_rerouting_panel(reporters=("DE",), seed=1)
    kw = dict(n_sims=200, n_param_draws=20, seed=9, partners=("KG", "KZ"), real=False)
    a = estimate_rerouting(sim.data, **kw).to_frame()
    b = estimate_rerouting(sim.data, **kw).to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_estimate_rerouting_input_errors():
    sim = simulate_rerouting_panel(reporters=("DE",), n_periods=40, seed=1)
    with pytest.raises(ParameterError, match="outside"):
        estimate_rerouting(sim.data, intervention="2030-01")
    with pytest.raises(ParameterError, match="window"):
        estimate_rerouting(sim.data, window=("2021-01", None))
    with pytest.raises(ParameterError, match="also listed"):
        estimate_rerouting(sim.data, partners=("RU", "KG"))


def test_short_series_skipped():
    sim = simulate_rerouting_panel(reporters=("DE",), partners=("KG", "AM"), seed=2)
    data = sim.data[~((sim.data["partner"] == "AM") & (sim.data["period"] < "2021-06"))]
    res = estimate_rerouting(data, n_sims=100, n_param_draws=10, partners=("KG", "AM"))
    assert list(res.skipped["partner"]) == ["AM"]
    assert res.to_frame().loc["DE", "partners_used"] == "KG"


def _exposure_panel(beta: float, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    reps = [f"R{i:02d}" for i in range(25)]
    parts = ["AM", "GE", "KZ", "KG", "UZ"]
    months = pd.period_range("2019-01", "2024-08", freq="M")
    expo = pd.Series(rng.uniform(0.05, 0.9, len(reps)), index=reps)
    rows = []
    for r in reps:
        for p in parts:
            a = rng.normal(16, 1)
            g = np.cumsum(rng.normal(0, 0.02, len(months)))
            post = np.asarray(months >= pd.Period("2022-03", "M"))
            logv = a + g + beta * expo[r] * post + rng.normal(0, 0.15, len(months))
            rows.append(
                pd.DataFrame(
                    {
                        "reporter": r,
                        "partner": p,
                        "period": months,
                        "value": np.exp(logv),
                        "flow": "export",
                        "product": "TOTAL",
                    }
                )
            )
    return pd.concat(rows, ignore_index=True), expo


@pytest.mark.parametrize("beta", [0.0, 0.8])
def test_exposure_event_study_recovers_beta(beta):
    data, expo = _exposure_panel(beta, seed=int(beta * 10))
    es = exposure_event_study(data, exposure=expo, reporters=list(expo.index))
    p = es.pooled
    assert p["lower"] <= beta <= p["upper"]
    c = es.coefficients.set_index("rel")
    assert c.loc[-1, "estimate"] == 0
    pre = c.loc[c.index < -1]
    assert (pre["lower"] <= 0).mean() >= 0.8 and (pre["upper"] >= 0).mean() >= 0.8
    if beta:
        assert c.loc[c.index >= 1, "estimate"].mean() == pytest.approx(beta, abs=0.2)
    assert c.loc[0, "period"] == "2022Q1"
    assert es.plot().get_title() and "exposure x post" in repr(es)
    monthly = exposure_event_study(data, exposure=expo, reporters=list(expo.index), freq="M")
    assert len(monthly.coefficients) == 68


def test_pre_war_exposure():
    sim = simulate_rerouting_panel(reporters=("DE", "FR"), partners=("KG",), seed=0)
    e = pre_war_exposure(sim.data, partners=("KG",))
    d = sim.data[(sim.data["period"] >= "2021-01") & (sim.data["period"] <= "2021-12")]
    de = d[d["reporter"] == "DE"].groupby("partner")["value"].sum()
    assert e["DE"] == pytest.approx(de["RU"] / de.sum())
    den = pd.Series({"DE": de.sum() * 4, "FR": 1e12})
    assert pre_war_exposure(sim.data, partners=("KG",), denominator=den)["DE"] == pytest.approx(
        e["DE"] / 4
    )


def _in_prices(data: pd.DataFrame) -> pd.DataFrame:
    """The simulated constant-price panel in current prices: times euro-area HICP (2021 = 100)."""
    from sanctions_model.data.prices import price_index

    level = price_index("hicp_ea", "M", base=2021).reindex(data["period"]).to_numpy() / 100
    return data.assign(value=data["value"] * level)


@pytest.mark.slow
def test_ratio_in_real_terms_by_default():
    """Prices rising through 2022-23 (HICP): the default deflates them away exactly; current
    prices lift the excess and shrink the shortfall (the ratio is biased up)."""
    sim = simulate_rerouting_panel(reporters=("DE",), ratio=0.3, seed=4)
    kw = dict(n_sims=200, n_param_draws=20, seed=9)
    truth = estimate_rerouting(sim.data, real=False, **kw)
    nominal_data = _in_prices(sim.data)
    real = estimate_rerouting(nominal_data, **kw)
    nominal = estimate_rerouting(nominal_data, real=False, **kw)
    assert real.units == "EUR at 2021 prices" and nominal.units == "current EUR"
    assert "EUR at 2021 prices" in real.summary()
    assert "(EUR at 2021 prices)" in real.estimates["DE"].summary()
    t, r, n = (x.to_frame().loc["DE"] for x in (truth, real, nominal))
    for k in ("ratio", "ratio_lower", "ratio_upper", "shortfall", "excess"):
        assert r[k] == pytest.approx(t[k], rel=1e-6), k
    assert n["ratio"] > t["ratio"] + 0.05 and n["shortfall"] < t["shortfall"]
    assert r["ratio_lower"] <= 0.3 <= r["ratio_upper"]


def _in_millions(data: pd.DataFrame, switch: str | None = None) -> pd.DataFrame:
    """A user-style table: values in millions (unit_scale 1000000), or in thousands from
    ``switch`` on (the same money)."""
    out = data.assign(value=data["value"] / 1e6, unit_scale=1_000_000)
    if switch is not None:
        late = out["period"] >= pd.Period(switch, "M")
        out.loc[late, "value"] = out.loc[late, "value"] * 1000
        out.loc[late, "unit_scale"] = 1000
    return out


def test_unit_scale_is_honoured():
    sim = simulate_rerouting_panel(reporters=("DE", "FR"), partners=("KG", "AM"), seed=2)
    base = pre_war_exposure(sim.data, partners=("KG", "AM"))
    for user in (_in_millions(sim.data), _in_millions(sim.data, switch="2022-03")):
        pd.testing.assert_series_equal(pre_war_exposure(user, partners=("KG", "AM")), base)
    kw = dict(n_sims=100, n_param_draws=10, seed=3, partners=("KG", "AM"), reporters=["DE"])
    a = estimate_rerouting(sim.data, **kw).to_frame()
    b = estimate_rerouting(_in_millions(sim.data, switch="2021-06"), **kw).to_frame()
    pd.testing.assert_frame_equal(a, b, rtol=1e-9)
    assert a.loc["DE", "shortfall"] > 1e8  # euros, not millions


def test_mixed_currencies_and_bad_scales_are_refused():
    sim = simulate_rerouting_panel(reporters=("DE",), partners=("KG",), n_periods=40, seed=1)
    mixed = sim.data.copy()
    mixed.loc[5, "currency"] = "USD"
    with pytest.raises(ParameterError, match="more than one currency.*row 5 is in USD"):
        pre_war_exposure(mixed, partners=("KG",))
    bad = sim.data.copy()
    bad["unit_scale"] = bad["unit_scale"].astype(float)
    bad.loc[7, "unit_scale"] = 0
    with pytest.raises(ParameterError, match="row 7, column unit_scale"):
        estimate_rerouting(bad, partners=("KG",))


def test_unit_scale_is_honoured_by_the_exposure_study():
    data, expo = _exposure_panel(0.8, seed=8)
    data = data.assign(currency="EUR", unit_scale=1)
    kw = dict(exposure=expo, reporters=list(expo.index))
    a = exposure_event_study(data, **kw).pooled
    b = exposure_event_study(_in_millions(data, switch="2022-03"), **kw).pooled
    pd.testing.assert_series_equal(a, b, rtol=1e-6)


def test_unit_scale_is_honoured_by_the_restricted_goods_share():
    from sanctions_model.coordination.goods import restricted_goods_did

    sim = simulate_rerouting_panel(reporters=("DE", "FR", "IT"), seed=6)
    rng = np.random.default_rng(0)
    share = 0.2 * np.exp(rng.normal(0, 0.05, len(sim.data)))
    restricted = sim.data.assign(value=sim.data["value"] * share, product="REG833_ANNEX")
    a = restricted_goods_did(restricted, sim.data)
    b = restricted_goods_did(_in_millions(restricted), _in_millions(sim.data, switch="2022-03"))
    pd.testing.assert_frame_equal(a.by_reporter, b.by_reporter, rtol=1e-9)
    assert a.pooled["estimate"] == pytest.approx(b.pooled["estimate"], abs=1e-9)
    with pytest.raises(ParameterError, match="one currency"):
        restricted_goods_did(restricted.assign(currency="USD"), sim.data)
