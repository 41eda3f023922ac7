"""Synthetic control: simulated panels with planted effects, placebo size, and the real EU27 panel.

Reference numbers on the real data (EU27 exports to RU, demeaned log outcome) were computed with
``fit_synthetic_control(load_trade(source="eurostat_comext_annual"), "RU")``. Default pool (47
donors with at least EUR 1 bn of EU exports in every year 2010-2021, without the fuel-driven
destinations): Brazil carries all the weight, -54% in 2022, -68% in 2023, pre-RMSPE 0.103, ratio
rank 9 of 48 (p = 0.19). With the fuel-driven donors (``donor_rule="size"``, 58 donors, the
previous default): -57% in 2022, -69% in 2023, pre-RMSPE 0.043, RMSPE-ratio rank 4 of 58
(p = 0.069), 87% of the weight on GI, BH, IQ, NG, LY. The per-year test divides each
gap by its unit's pre-RMSPE (placebos' floored at 1/k of the treated's): RU's 2022 gap ranks first
(p = 1/58, interval -72% to -36%); its 2023 gap ranks third (p = 3/58 = 0.052, interval -91% to
+1.5%), behind Panama's (raw gap +1.11) and Morocco's (pre-RMSPE 0.008: its gap scaled up by
the cap of k = 5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.errors import ParameterError
from sanctions_model.models.synthetic import (
    fit_synthetic_control,
    fit_synthetic_controls,
    simplex_weights,
)
from sanctions_model.reporting.text import claim, effect_sentence
from sanctions_model.simulate.synthetic import simulate_annual_panel

data = pytest.importorskip("sanctions_model.data")


@pytest.fixture(scope="module")
def annual() -> pd.DataFrame:
    return data.load_trade(source="eurostat_comext_annual")


@pytest.fixture(scope="module")
def russia(annual):
    """The previous default (fuel-driven donors kept, current prices): the reference numbers."""
    return fit_synthetic_control(annual, "RU", donor_rule="size", real=False)


@pytest.fixture(scope="module")
def russia_no_fuel(annual):
    return fit_synthetic_control(annual, "RU")


def _fit(panel, **kw):
    return fit_synthetic_control(
        panel.values,
        panel.treated,
        donors=panel.donors,
        intervention=panel.intervention,
        leave_one_out=False,
        **kw,
    )


# ------------------------------------------------------------------------------ the estimator
def test_simplex_weights_agree_with_pysyncon_synth():
    from pysyncon import Synth

    panel = simulate_annual_panel(n_donors=15, seed=3)
    z = np.log(panel.values)
    z = z - z.iloc[:12].mean()
    x0, x1 = z.iloc[:12, 1:], z.iloc[:12, 0]
    ours = simplex_weights(x1.to_numpy(), x0.to_numpy())
    synth = Synth()
    # pysyncon scales each pre-year by its cross-unit sd; V = sd**2 undoes that scaling
    v = pd.concat([x0, x1], axis=1).std(axis=1).to_numpy() ** 2
    synth.fit(X0=x0, X1=x1, Z0=z.iloc[:, 1:], Z1=z.iloc[:, 0], custom_V=v / v.sum())
    assert ours.min() >= 0 and ours.sum() == pytest.approx(1, abs=1e-9)
    assert np.abs(ours - synth.W).max() < 5e-3
    loss = lambda w: np.sum((x1.to_numpy() - x0.to_numpy() @ w) ** 2)  # noqa: E731
    assert loss(ours) <= loss(synth.W) + 1e-8


def test_exact_match_when_treated_is_a_donor_mixture():
    panel = simulate_annual_panel(n_donors=8, seed=5)
    values = panel.values.copy()
    values["T"] = np.exp(0.3 * np.log(values["D02"]) + 0.7 * np.log(values["D05"]))
    res = fit_synthetic_control(
        values, "T", donors=panel.donors, outcome="log", intervention=2022, leave_one_out=False
    )
    assert res.weights[["D02", "D05"]].to_numpy() == pytest.approx([0.3, 0.7], abs=1e-4)
    assert res.pre_rmspe < 1e-5
    assert res.effects()["effect"].abs().max() < 1e-4


def test_same_seed_same_result_and_nested_intervals():
    a = _fit(simulate_annual_panel(seed=11, effect=-0.4))
    b = _fit(simulate_annual_panel(seed=11, effect=-0.4))
    pd.testing.assert_frame_equal(a.effects(), b.effects())
    wide, narrow = a.conf_int(0.05), a.conf_int(0.2)
    assert (wide["lower"] <= narrow["lower"]).all() and (narrow["upper"] <= wide["upper"]).all()


@pytest.mark.slow
def test_planted_effect_recovered_on_simulated_panels():
    """100 panels, 20 donors, effect -0.5 log points: mean gap within 0.03, 90% within 0.15."""
    gaps = np.array(
        [_fit(simulate_annual_panel(seed=1000 + s, effect=-0.5)).gaps.iloc[-2:] for s in range(100)]
    )
    assert np.abs(gaps.mean(axis=0) + 0.5).max() < 0.03
    assert np.mean(np.abs(gaps + 0.5) < 0.15) >= 0.9


@pytest.mark.slow
def test_placebo_test_holds_its_size_under_no_effect():
    """200 panels without effect: the RMSPE-ratio p-value and the per-year p-values reject at 5%
    in at most 10%, and the per-year intervals (where reported) cover zero in at least 90%."""
    ratio_p, year_p, cover = [], [], []
    for s in range(200):
        res = _fit(simulate_annual_panel(seed=s))
        eff = res.effects()
        ratio_p.append(res.p_value)
        year_p.append(eff["p_value"].to_numpy())
        shown = eff.dropna(subset=["lower"])
        cover += list((shown["lower"] <= 0) & (shown["upper"] >= 0))
    assert np.mean(np.array(ratio_p) < 0.05) <= 0.10
    assert (np.mean(np.array(year_p) < 0.05, axis=0) <= 0.10).all()
    assert len(cover) > 100 and np.mean(cover) >= 0.90


def test_interval_and_p_value_never_disagree(russia):
    for alpha in (0.05, 0.1, 0.2, 0.5):
        eff = russia.effects(alpha)
        for _, row in eff.iterrows():
            excludes_zero = row["upper"] < 0 or row["lower"] > 0
            assert excludes_zero == (row["p_value"] < alpha)
            assert claim(row["lower"], row["upper"], row["p_value"], alpha) != "inconclusive"


def test_interval_scales_with_the_treated_pre_period_fit():
    """The per-year test divides every gap by its unit's pre-RMSPE: a treated flow with extra
    noise gets a proportionally wider interval, and a trend outside the donors' gets a caveat."""
    panel = simulate_annual_panel(n_donors=40, seed=7)
    values = panel.values.copy()
    years = values.index.to_numpy()
    noise = np.random.default_rng(0).normal(0, 0.15, len(years))
    noisy = values.assign(**{panel.treated: values[panel.treated] * np.exp(noise)})
    base, wide = _fit(panel), _fit(type(panel)(**{**vars(panel), "values": noisy}))
    assert wide.pre_rmspe > 2 * base.pre_rmspe
    kept = wide.placebos.loc[wide.kept_placebos, "pre_rmspe"]
    scaled = (
        wide.placebo_gaps.loc[2022, kept.index].abs()
        / np.maximum(kept, wide.pre_rmspe / wide.k)
        * wide.pre_rmspe
    )
    bound = np.sort(scaled)[::-1][int(np.ceil(0.05 * (len(kept) + 1) - 1 - 1e-9)) - 1]
    eff = wide.effects()
    assert np.log1p(eff.loc[2022, "upper"]) - eff.loc[2022, "gap"] == pytest.approx(bound)
    width = lambda r: np.log1p(r.effects()["upper"]) - np.log1p(r.effects()["lower"])  # noqa: E731
    assert (width(wide) > width(base)).all()
    trending = values.assign(
        **{panel.treated: values[panel.treated] * np.exp(0.2 * (years - 2010))}
    )
    res = _fit(type(panel)(**{**vars(panel), "values": trending}))
    assert any("pre-period trend" in c and "outside the donors' range" in c for c in res.caveats)
    assert not any("pre-period trend" in c for c in base.caveats)


def test_too_few_placebos_gives_no_interval_and_a_caveat():
    res = _fit(simulate_annual_panel(n_donors=6, seed=2, effect=-1.0))
    assert res.effects()[["lower", "upper"]].isna().all().all()
    assert any("smallest attainable p-value" in c for c in res.caveats)
    assert res.p_value >= 1 / 7


# ------------------------------------------------------------------------------ real data
def test_eu27_exports_to_russia_far_below_synthetic_control(russia):
    eff = russia.effects()
    # computed on the embedded panel: -57% (2022), -69% (2023); Eurostat reports -61% for
    # Feb 2022 to Sep 2023 (seasonally adjusted, a before/after comparison, not a counterfactual)
    assert eff.loc[2022, "effect"] == pytest.approx(-0.572, abs=0.01)
    assert eff.loc[2023, "effect"] == pytest.approx(-0.694, abs=0.01)
    # per-year intervals of the standardised placebo test (gap / pre-RMSPE)
    assert eff.loc[2022, ["lower", "upper"]].tolist() == pytest.approx([-0.715, -0.358], abs=0.01)
    assert eff.loc[2023, ["lower", "upper"]].tolist() == pytest.approx([-0.908, 0.015], abs=0.01)
    assert russia.pre_rmspe == pytest.approx(0.0428, abs=0.002)
    assert russia.n_placebos >= 50
    # 2022: the scaled gap is larger than every placebo's, p at its floor; 2023: third
    assert eff.loc[2022, "p_value"] == pytest.approx(1 / (russia.n_placebos + 1))
    assert eff.loc[2023, "p_value"] == pytest.approx(3 / (russia.n_placebos + 1))
    # the RMSPE ratio ranks 4th: near-perfectly fitted placebos (BA, CA) have larger ratios
    assert russia.rank <= 5
    assert russia.p_value == pytest.approx(russia.rank / (russia.n_placebos + 1))
    assert russia.weights.min() >= 0 and russia.weights.sum() == pytest.approx(1)
    # dropping any donor of positive weight keeps the effect between -55% and -75% in 2023
    loo = russia.leave_one_out
    assert set(loo.index) == set(russia.weights.index[russia.weights > 1e-3])
    assert loo["effect_2023"].between(-0.75, -0.55).all()


def test_donor_pool_excludes_hubs_sanctioned_and_intra_eu(russia):
    donors = set(russia.weights.index)
    assert not donors & {"RU", "BY", "UA", "AM", "GE", "KZ", "KG", "UZ", "TR", "CN", "AE", "DE"}
    reasons = russia.excluded["reason"]
    assert "hub" in reasons["KZ"] and "EU member" in reasons["DE"] and "sanctioned" in reasons["BY"]
    assert len(donors) + len(reasons) == 250  # every partner of the panel is accounted for


def test_default_donors_are_the_shared_annual_pool(annual, russia):
    """One definition of annual donors (data.donors.annual_donor_pool) for nb03 and nb05."""
    from sanctions_model.data.donors import annual_donor_pool
    from sanctions_model.models.synthetic import annual_panel

    values = annual_panel(annual)
    pool, reasons = annual_donor_pool(values, np.asarray(values.index < 2022), treated=["RU"])
    assert list(russia.weights.index) == pool and len(pool) == 58
    assert set(russia.excluded.index) == set(reasons)
    again = fit_synthetic_control(annual, "RU", donors=pool, leave_one_out=False, real=False)
    assert np.allclose(again.effects()["effect"], russia.effects()["effect"])
    assert again.rank == russia.rank == 4


def test_default_pool_leaves_out_fuel_driven_donors(annual, russia, russia_no_fuel):
    """The default stops fuel-driven donors from carrying the fit (87% of the weight before)."""
    from sanctions_model.data.donors import FUEL_DRIVEN

    fuel = [c for c in russia.weights.index if c in FUEL_DRIVEN and russia.weights[c] > 1e-3]
    assert russia.weights[fuel].sum() == pytest.approx(0.87, abs=0.01)
    assert not set(russia_no_fuel.weights.index) & set(FUEL_DRIVEN)
    # 50 donors at 2021 prices (47 in current prices: the EUR 1 bn threshold in real terms)
    assert len(russia_no_fuel.weights) == 50
    assert "HICP" in russia_no_fuel.deflator and "2021 = 100" in russia_no_fuel.deflator
    assert russia_no_fuel.excluded.loc["GI", "reason"].startswith("fuel-driven")
    assert "OPEC" in russia_no_fuel.excluded.loc["BH", "reason"]
    assert "no fuel-driven" in russia_no_fuel.record()["sc_donor_pool"]
    # the 2022 climb of the synthetic Russia: +0.35 log points with them (current prices),
    # +0.23 without (current prices), +0.15 without at 2021 prices (HICP 2022/2021: +8.4%)
    climb = {r: r.synthetic[2022] - r.synthetic[2021] for r in (russia, russia_no_fuel)}
    assert climb[russia] == pytest.approx(0.349, abs=0.005)
    assert climb[russia_no_fuel] == pytest.approx(0.235 - np.log(1.0838), abs=0.005)
    eff = russia_no_fuel.effects()
    assert eff["effect"].tolist() == pytest.approx([-0.535, -0.680], abs=0.005)
    assert russia_no_fuel.rank == 9 and russia_no_fuel.n_placebos == 50
    # Russia's pre-war path fell with the 2014 oil crash like the oil exporters' imports: no
    # convex combination of the other donors follows its trend, and the caveats say so
    assert any("pre-period trend" in c for c in russia_no_fuel.caveats)
    assert any("Poor pre-period fit" in c for c in russia_no_fuel.caveats)


def test_co_primary_tests_are_holm_adjusted_and_the_verdict_follows(russia, russia_no_fuel):
    tests = russia.primary_tests()
    assert list(tests.index) == ["gap 2022", "gap 2023", "RMSPE ratio 2022-2023"]
    # review 19.6i: per-year p 1/58 against a ratio p of 0.069; Holm over the three
    assert tests["p_value"].tolist() == pytest.approx([1 / 58, 3 / 58, 4 / 58])
    assert tests["p_adjusted"].tolist() == pytest.approx([3 / 58, 6 / 58, 6 / 58])
    text = russia.verdict()
    assert "below its synthetic control in every post year" in text
    assert "None reaches 5% after adjustment; none could" in text and "3/58" in text
    assert "clear" not in text
    assert (
        "adjusted 0.12" in russia_no_fuel.verdict() or "adjusted 0.11" in russia_no_fuel.verdict()
    )


def test_donor_eligibility_uses_pre_period_data_only():
    """Issue 19.6f: a donor is not chosen or dropped for what it did after the intervention."""
    from sanctions_model.data.donors import annual_donor_pool

    years = pd.Index(range(2015, 2024), name="year")
    values = pd.DataFrame({"US": 5e9, "JP": 3e9, "BR": 2e9, "CH": 4e9}, index=years)
    values.loc[2023, "JP"] = 0.0  # collapsed after the intervention
    values.loc[2022, "BR"] = 1e8  # fell below the size threshold after it
    values.loc[2016, "CH"] = np.nan  # missing before it
    pre = np.asarray(values.index < 2022)
    pool, reasons = annual_donor_pool(values, pre)
    assert pool == ["US", "JP", "BR"]
    assert reasons == {"CH": "missing or zero exports in some pre-period year"}
    # the synthetic control needs post values: it drops JP itself and says why
    trade = values.assign(RU=np.linspace(6e9, 2e9, len(years)))
    res = fit_synthetic_control(trade, "RU", leave_one_out=False)
    assert list(res.weights.index) == ["US", "BR"]
    assert "post-period" in res.excluded.loc["JP", "reason"]


def test_common_deflator_leaves_log_gaps_unchanged(annual):
    """A deflator common to every destination shifts treated and synthetic alike (weights sum
    to one), so real and nominal log gaps agree; only the plain change and levels differ."""
    deflator = pd.Series(np.exp(0.03 * np.arange(14)), index=range(2010, 2024))
    real = annual.assign(value=annual["value"] / annual["period"].dt.year.map(deflator).to_numpy())
    nominal = fit_synthetic_control(annual, "RU", leave_one_out=False, real=False)
    a = nominal.effects()
    # same donors (the EUR 1 bn threshold, applied to deflated values, could move the pool)
    b = fit_synthetic_control(real, "RU", donors=nominal.weights.index, leave_one_out=False,
                              real=False).effects()  # fmt: skip
    c = fit_synthetic_control(annual, "RU", donors=nominal.weights.index, leave_one_out=False)
    cols = ["gap", "effect", "lower", "upper", "p_value"]
    assert np.allclose(a[cols], c.effects()[cols], atol=1e-8)  # the shipped HICP, same donors
    assert "current prices" in nominal.deflator
    assert np.allclose(a[["gap", "effect", "lower", "upper", "p_value"]],
                       b[["gap", "effect", "lower", "upper", "p_value"]], atol=1e-8)  # fmt: skip


def test_sentence_follows_the_per_year_interval(russia):
    row = russia.effects().loc[2022]
    text = effect_sentence(
        "EU27 exports to RU, 2022",
        np.log1p(row["effect"]),
        np.log1p(row["lower"]),
        np.log1p(row["upper"]),
        p_value=row["p_value"],
        scale="log",
        n_draws=russia.n_placebos,
        exact_floor=True,
        draw_units="placebos",
    )
    assert "57% below" in text and "excludes zero" in text
    # an exhaustive placebo test at rank 1: the exact p-value, not "p < 0.017"
    assert "p = 0.017, the smallest value 57 placebos allow" in text
    sentences = russia.sentences()
    assert "p = 0.017, the smallest value 57 placebos allow" in sentences[2022]
    assert "RU's gap is the largest of 58" in sentences[2022] and "p <" not in sentences[2022]
    assert "p = 0.052" in sentences[2023] and "includes zero" in sentences[2023]


def test_russia_primary_and_partners_a_separate_holm_family(annual):
    fam = fit_synthetic_controls(annual, leave_one_out=False, primary=["RU"])
    table = fam.to_frame()
    assert table.loc["RU", "p_adjusted"] == table.loc["RU", "p_value"]  # tested on its own
    assert "primary" in fam.adjusted.loc["RU", "method"]
    partners = table.drop(index="RU")
    # Holm over the five partners only: min p 0.125 x 5
    assert partners["p_adjusted"].min() == pytest.approx(5 * partners["p_value"].min())
    assert "AM, GE, KZ, KG, UZ" in fam.family and "RU tested on its own" in fam.family


def test_family_of_six_with_adjusted_p_values(annual):
    fam = fit_synthetic_controls(annual, leave_one_out=False)
    table = fam.to_frame()
    assert list(table.index) == ["RU", "AM", "GE", "KZ", "KG", "UZ"]
    assert (table["p_adjusted"] >= table["p_value"] - 1e-12).all()
    assert table.loc["RU", "effect_2023"] < -0.6
    assert (table.drop(index="RU")["effect_2023"] > 0.2).all()  # re-routing partners rose
    assert "one per treated destination" in fam.adjusted["family"].iloc[0]
    # one donor pool: the RU result is the single fit's
    assert table.loc["RU", "rank"] == fit_synthetic_control(annual, "RU", leave_one_out=False).rank


def test_results_record_and_summary(russia):
    rec = russia.record()
    for key in ("sc_effect_2022", "sc_effect_2023", "sc_p_placebo", "sc_rank", "sc_n_placebos",
                "sc_pre_rmspe", "inference", "caveats"):  # fmt: skip
        assert key in rec
    assert "placebo-in-space" in rec["inference"] and len(rec["caveats"]) >= 3
    text = str(russia)
    assert "Leave one donor out" in text and "Gibraltar" in text and "12 annual" in text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"treated": "XX"}, "'XX' is not in the panel"),
        ({"outcome": "levels"}, "outcome must be one of"),
        ({"k": 0.5}, "k (the placebo pre-fit filter)"),
        ({"intervention": 2030}, "need at least 3 and 1"),
        ({"donors": ["US", "RU"]}, "also a treated destination"),
    ],
)
def test_bad_input_is_named(annual, kwargs, message):
    kw = {"treated": "RU"} | kwargs
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fit_synthetic_control(annual, **kw)


def test_treated_with_missing_year_is_refused(annual):
    gappy = annual[~((annual["partner"] == "RU") & (annual["period"].dt.year == 2015))]
    with pytest.raises(ParameterError, match=r"'RU' has missing or zero exports in \[2015\]"):
        fit_synthetic_control(gappy, "RU")


# ------------------------------------------------------------------------------ synthetic DiD
def test_sdid_with_huge_penalty_is_time_weighted_did():
    from sanctions_model.models.synthetic.did import _simplex_ridge, sdid_effect

    panel = simulate_annual_panel(n_donors=10, seed=8, effect=-0.3)
    y = np.log(panel.values.to_numpy())
    pre = np.arange(14) < 12
    post = ~pre
    controls = np.arange(1, 11)
    w = _simplex_ridge(y[pre, 0], y[pre][:, controls], 1e12)
    assert w == pytest.approx(np.full(10, 0.1), abs=1e-6)
    tau, omega, lam = sdid_effect(y, 0, controls, pre, post)
    diff = y[post].mean(axis=0) - lam @ y[pre]
    assert tau == pytest.approx(diff[0] - diff[controls] @ omega, abs=1e-12)
    assert omega.sum() == pytest.approx(1) and lam.sum() == pytest.approx(1)


@pytest.mark.slow
def test_sdid_recovers_planted_effect_and_holds_size():
    from sanctions_model.models.synthetic.did import fit_synthetic_did

    def fit(seed, effect):
        p = simulate_annual_panel(seed=seed, effect=effect)
        return fit_synthetic_did(
            p.values, p.treated, donors=p.donors, intervention=p.intervention
        ).effects_table.loc["average"]

    planted = np.array([fit(500 + s, -0.5)["tau"] for s in range(60)])
    assert abs(planted.mean() + 0.5) < 0.03
    null_p = np.array([fit(s, 0.0)["p_value"] for s in range(100)])
    assert np.mean(null_p < 0.05) <= 0.10


def test_sdid_on_eu27_exports_to_russia(annual):
    from sanctions_model.models.synthetic.did import fit_synthetic_did

    res = fit_synthetic_did(annual, "RU", donor_rule="size", real=False)
    table = res.to_frame()
    # computed on the embedded panel: -57% (2022), -68% (2023), -62% on average
    assert table.loc[2022, "effect"] == pytest.approx(-0.570, abs=0.01)
    assert table.loc[2023, "effect"] == pytest.approx(-0.675, abs=0.01)
    assert table.loc["average", "upper"] < -0.4
    assert res.weights.sum() == pytest.approx(1) and (res.weights > 1e-3).sum() >= 10
    # default (no fuel-driven donors, 2021 prices: 50 donors): -53% (2022), -70% (2023), rank 1
    table = fit_synthetic_did(annual, "RU").to_frame()
    assert table["effect"].tolist() == pytest.approx([-0.526, -0.697, -0.620], abs=0.005)
    assert table["p_value"].tolist() == pytest.approx([1 / 51] * 3)


def test_specification_checks_keep_the_russia_effect(annual):
    from sanctions_model.models.synthetic.checks import DEFAULT_CHECKS, specification_checks

    table = specification_checks(annual, "RU")
    assert list(table.index) == list(DEFAULT_CHECKS)
    # computed: 2022 between -50% (log levels) and -58% (donors >= EUR 0.5 bn); 2023 between
    # -65% and -72%
    assert table["effect_2022"].between(-0.59, -0.49).all()
    assert table["effect_2023"].between(-0.73, -0.64).all()
    assert table.loc["as specified", "rank"] == 9
    assert (table["note"] == "").all()
    # the previous default (fuel-driven donors kept) is the robustness row
    fuel = table.loc["donors with fuel-driven destinations (previous pool)"]
    assert fuel["top_donor"].startswith("GI") and fuel["donors"] == 61 and fuel["rank"] == 6
    assert fuel["effect_2022"] == pytest.approx(-0.572, abs=0.005)
    assert table.loc["donors without RS, MD, IN, TM", "donors"] == 47
    nominal = table.loc["current prices (no deflator)"]
    assert nominal["donors"] == 47 and nominal["effect_2022"] == pytest.approx(-0.535, abs=0.005)
    # the RMSPE-ratio p-value never reaches 5% in any specification
    assert table["p_value"].between(0.06, 0.66).all()
