"""Tests of the event study and difference-in-differences in :mod:`sanctions_model.models.panel`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from sanctions_model.errors import ParameterError
from sanctions_model.models.panel import (
    DidResults,
    EventStudyResults,
    estimate_did,
    estimate_event_study,
)
from sanctions_model.reporting import format as fmt
from sanctions_model.simulate.monthly import simulate_trade_panel

EVENT = "2022-03"


@pytest.fixture(scope="module")
def intensity_panel():
    return simulate_trade_panel(seed=0, intensity=True, effect=-0.9)


@pytest.fixture(scope="module")
def binary_panel():
    return simulate_trade_panel(seed=2, effect=-0.9)


@pytest.mark.slow  # wild bootstrap interval per coefficient
def test_intensity_event_study_recovers_slope_and_flat_leads(intensity_panel):
    # exposure varies across reporters: partner-month effects absorb every partner shock
    res = estimate_event_study(
        intensity_panel.data, treated="treated", event=EVENT, intensity="exposure",
        fixed_effects="pair+partner^period", leads=6, lags=12,
    )  # fmt: skip
    assert isinstance(res, EventStudyResults)
    c = res.coefficients.set_index("relative_time")
    post = c.loc[0:12]
    assert ((post["lower"] < -0.9) & (-0.9 < post["upper"])).mean() >= 0.8
    avg, se = res.average_effect()
    assert abs(avg + 0.9) < 2.5 * se
    leads = c.loc[[-6, -5, -4, -3, -2]]
    assert (leads["lower"] < 0).all() and (leads["upper"] > 0).all()
    assert c.loc[-1, "estimate"] == 0 and bool(c.loc[-1, "reference"])


def test_intensity_did_recovers_slope(intensity_panel):
    res = estimate_did(intensity_panel.data, treated="treated", event=EVENT,
                       intensity="exposure", fixed_effects="pair+partner^period")  # fmt: skip
    assert isinstance(res, DidResults)
    ci = res.conf_int()
    assert ci.loc["did", "lower"] < -0.9 < ci.loc["did", "upper"]


def test_binary_treated_partner_recovers_effect(binary_panel):
    # one treated partner: its partner-month shocks are common to all treated flows and are
    # not in pair-clustered errors, so check the size with a tolerance, not the interval
    # the five partners are re-routing hubs: not donors, so the mechanics need controls="all"
    kw = {"controls": "all", "inference": "cluster", "cluster": "pair"}
    res = estimate_did(binary_panel.data, treated="RU", event=EVENT,
                       fixed_effects="pair+reporter^period", **kw)  # fmt: skip
    assert res.estimate == pytest.approx(-0.9, abs=0.15)
    assert "Only one partner is treated" in " ".join(res.caveats)
    es = estimate_event_study(binary_panel.data, treated="RU", event=EVENT, **kw)
    avg, _ = es.average_effect()
    assert avg == pytest.approx(-0.9, abs=0.3)
    leads = es.coefficients.set_index("relative_time").loc[-6:-2, "estimate"]
    assert leads.abs().max() < 0.4


def test_no_effect_when_none_planted():
    sp = simulate_trade_panel(seed=5, intensity=True, effect=0.0)
    res = estimate_did(sp.data, event=EVENT, intensity="exposure",
                       fixed_effects="pair+partner^period")  # fmt: skip
    ci = res.conf_int(0.01)
    assert ci.loc["did", "lower"] < 0 < ci.loc["did", "upper"]


def test_partner_month_fe_with_binary_partner_treatment_is_refused(binary_panel):
    with pytest.raises(ParameterError, match="collinear"):
        estimate_did(binary_panel.data, treated="RU", fixed_effects="pair+partner^period",
                     controls="all", inference="cluster")  # fmt: skip


def test_rerouting_hubs_are_not_default_controls(binary_panel):
    # issue 11: Russia against the five hubs mixes Russia's fall with the hubs' rise
    with pytest.raises(ParameterError, match="no donor destinations.*re-routing hub"):
        estimate_did(binary_panel.data, treated="RU", event=EVENT)
    with pytest.raises(ParameterError, match="no donor destinations"):
        estimate_event_study(binary_panel.data, treated="RU", event=EVENT)


def test_auto_inference_follows_where_treatment_varies(intensity_panel):
    # exposure varies across 27 reporters: clustered by reporter, wild cluster bootstrap
    res = estimate_did(intensity_panel.data, treated="treated", event=EVENT,
                       intensity="exposure", fixed_effects="pair+partner^period", reps=999)  # fmt: skip
    assert res.config.inference == "wild" and res.config.cluster == "reporter"
    assert res.n_clusters == 27
    assert "WCR" in res.inference and "27 reporter clusters" in res.inference
    assert any("27 clusters" in c for c in res.caveats)
    lo, hi = res.conf_int().iloc[0]
    assert (lo > 0 or hi < 0) == (res.pvalue < 0.05)
    assert "p-value and interval" in str(res)


def test_randomization_did_matches_pyfixest_estimate_and_placebos():
    import pyfixest as pf

    from sanctions_model.simulate.destinations import simulate_destination_panel

    sp = simulate_destination_panel(seed=4, n_destinations=25, effect=-0.5,
                                    reporters=("AT", "DE"))  # fmt: skip
    res = estimate_did(sp.data, treated="RU", event=EVENT)
    assert res.config.inference == "randomization"
    ri = res.randomization
    assert ri.n_placebos == 25 and res.rank == ri.rank
    # one placebo by hand: donor AB treated, Russia left out, same fixed effects
    d = sp.data[sp.data["partner"] != "RU"].assign(
        y=lambda f: np.log(f["value"]), x=lambda f: ((f["partner"] == "AB") & (f["post"] == 1)) * 1.0,
        pair=lambda f: f["reporter"] + f["partner"], rp=lambda f: f["reporter"] + f["period"].astype(str),
    )  # fmt: skip
    fit = pf.feols("y ~ x | pair + rp", data=d)
    assert ri.placebo.loc["AB", "estimate"] == pytest.approx(float(fit.coef()["x"]), abs=1e-6)
    res_c = estimate_did(sp.data, treated="RU", event=EVENT, statistic="coefficient")
    assert res_c.estimate == pytest.approx(res.estimate)
    assert res_c.randomization.placebo["scale"].eq(1.0).all()
    with pytest.raises(ParameterError, match="too few"):
        small = simulate_destination_panel(seed=4, n_destinations=12)
        estimate_did(small.data, treated="RU", event=EVENT)


@pytest.fixture(scope="module")
def small_panel():
    sp = simulate_trade_panel(
        reporters=("AT", "BE", "DE", "FR", "IT", "PL"), partners=("RU", "KZ", "GE"),
        n_periods=16, start="2021-06", event_date="2022-03", intensity=True, seed=11,
    )  # fmt: skip
    d = sp.data.copy()
    d["log_value"] = np.log(d["value"])
    d["pair"] = d["reporter"] + "_" + d["partner"]
    d["pp"] = d["partner"] + "_" + d["period"].astype(str)
    d["rel"] = pd.PeriodIndex(d["period"]).asi8 - pd.Period(EVENT, "M").ordinal
    return d


# the dummy design is rank deficient (pair and partner-month dummies overlap); the event
# coefficients are estimable and statsmodels' pinv solution gives them exactly
@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.SingularMatrixWarning")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_matches_statsmodels_ols_with_dummies(small_panel):
    d = small_panel
    leads, lags = 3, 4
    res = estimate_event_study(
        d, outcome="log_value", treated="treated", event=EVENT, leads=leads, lags=lags,
        intensity="exposure", fixed_effects="pair+partner^period", cluster="pair",
    )  # fmt: skip
    rel = d["rel"].clip(-leads, lags)
    names = {}
    for k in range(-leads, lags + 1):
        if k == -1:
            continue
        name = f"d_m{-k}" if k < 0 else f"d_p{k}"
        d[name] = d["treated"] * d["exposure"] * (rel == k)
        names[k] = name
    ols = smf.ols("log_value ~ " + " + ".join(names.values()) + " + C(pair) + C(pp)", data=d)
    groups = pd.factorize(d["pair"])[0]
    fit = ols.fit(cov_type="cluster", cov_kwds={"groups": groups})
    for k, name in names.items():
        assert res.params[k] == pytest.approx(fit.params[name], abs=1e-6)
    # same cluster sandwich; statsmodels counts the nested pair dummies in K, pyfixest
    # (like fixest and reghdfe) does not, hence the (N - K) ratio; pyfixest's K differs by
    # about one parameter in this count, so the tolerance is 1e-3
    n, k_full = fit.nobs, fit.df_model + 1
    k_nonnested = k_full - (d["pair"].nunique() - 1)
    ratio = np.sqrt((n - k_full) / (n - k_nonnested))
    for k, name in names.items():
        assert res.std_errors[k] == pytest.approx(fit.bse[name] * ratio, rel=1e-3)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.SingularMatrixWarning")
def test_did_matches_statsmodels(small_panel):
    d = small_panel
    res = estimate_did(d, outcome="log_value", event=EVENT, intensity="exposure",
                       fixed_effects="pair+partner^period")  # fmt: skip
    d = d.assign(x=d["treated"] * d["exposure"] * (d["rel"] >= 0))
    fit = smf.ols("log_value ~ x + C(pair) + C(pp)", data=d).fit()
    assert res.estimate == pytest.approx(fit.params["x"], abs=1e-6)


def test_results_display_plot_and_options(intensity_panel):
    import matplotlib.pyplot as plt

    d = intensity_panel.data
    res = estimate_event_study(d, event=EVENT, intensity="exposure", leads=4, lags=6,
                               fixed_effects="pair+partner^period", bin_endpoints=False,
                               reference=-2)  # fmt: skip
    frame = res.to_frame()
    assert list(frame["relative_time"]) == list(range(-4, 7))
    assert {"estimate", "se", "lower", "upper"} <= set(frame.columns)
    ci90, ci95 = res.conf_int(0.10), res.conf_int(0.05)
    assert (ci95["lower"] < ci90["lower"]).all()
    assert res.nobs < len(d)  # treated rows outside the window trimmed
    assert "Event study" in str(res) and "<table" in res._repr_html_()
    fig = res.plot()
    assert fig.axes[0].get_title()
    plt.close(fig)
    did = estimate_did(d, event=EVENT, intensity="exposure", fixed_effects="pair+partner^period")
    assert "did" in did.to_frame().index and "Difference" in str(did)
    with pytest.raises(ParameterError):
        estimate_event_study(d, event=EVENT, reference=0)
    with pytest.raises(ParameterError):
        estimate_event_study(d, event=EVENT, outcome="nope")


def test_randomization_with_two_treated_destinations_and_duplicate_draws():
    from sanctions_model.simulate.destinations import simulate_destination_panel

    sp = simulate_destination_panel(seed=3, n_destinations=30, treated=("RU", "BY"), effect=-0.8)
    es = estimate_event_study(sp.data, treated=["RU", "BY"], event=EVENT, leads=3, lags=3, reps=99)
    post = es.coefficients.set_index("relative_time").loc[0:3]
    assert (post["rank"] == 1).all() and (post["upper"] < 0).all()
    assert es.placebo.shape[0] == 99 and "placebo sets of 2 destinations" in es.inference
    did = estimate_did(sp.data, treated=["RU", "BY"], event=EVENT, reps=199)
    assert did.estimate == pytest.approx(-0.8, abs=0.15) and did.rank == 1


def test_notebook_03_tables_and_sentences_from_the_package():
    """panel_report: percent cells, the gravity table's columns, labels written once."""
    from sanctions_model.models.panel.report import gravity_table, lp, pct_cell

    assert pct_cell(np.log(0.5)) == "-50%" and pct_cell(np.nan) == fmt.MISSING
    assert lp(-0.71234) == "-0.712"
    frame = pd.DataFrame(
        {"estimate": [np.log(0.4), 0.1], "lower": [np.log(0.3), np.nan],
         "upper": [np.log(0.6), np.nan], "pvalue": [0.0196, np.nan], "rank": [1, 3],
         "n_placebos": [50, 50], "compared_with": ["Russia in 2014-21", "the partners"]},
        index=["russia_2022_vs_2014_21", "partners_2022"],
    )  # fmt: skip
    assert "interval" in gravity_table(frame, analytic=False)  # no level recorded: none named
    frame.attrs["alpha"] = 0.1
    assert "90% interval" in gravity_table(frame, analytic=False)  # the frame's own level
    frame.attrs["alpha"] = 0.05
    ri = gravity_table(frame, analytic=False)
    ru, partners = "Russia, 2022-23 against 2014-21", "the five partners as a group, 2022-23"
    assert list(ri.index) == [ru, partners]  # rows in words, not dummy names
    assert ri.loc[ru, "95% interval"] == "-70% to -40%"
    assert ri.loc[ru, "rank"] == "1 of 51"
    assert ri.loc[partners, "95% interval"] == fmt.MISSING
    an = gravity_table(frame.assign(analytic_inference=["", "n/a"]), analytic=True,
                       inference="cluster-robust")  # fmt: skip
    assert an["inference"].tolist() == ["cluster-robust", "n/a"] and "rank" not in an


def test_smaller_pool_row_names_the_destinations_the_run_dropped():
    """Referee 8: the robustness row named Turkmenistan (never in the pool) and left out India;
    the label now comes from the donors the run actually dropped."""
    from sanctions_model.models.panel.report import did_record, smaller_pool_label
    from sanctions_model.simulate.destinations import simulate_destination_panel

    donors = ["AR", "BR", "IN", "MD", "RS", "US"]
    dropped, label = smaller_pool_label(donors, ["AR", "BR", "US"])
    assert dropped == ["IN", "MD", "RS"]
    assert label.startswith("EU27 exports to Russia against donors without India, Moldova and ")
    assert "Serbia" in label and "Turkmenistan" not in label
    assert smaller_pool_label(["AR"], ["AR"])[0] == []

    sp = simulate_destination_panel(seed=4, n_destinations=22, effect=-0.5)
    pool = sorted(set(sp.data["partner"]) - {"RU"})
    small = pool[2:]
    did = estimate_did(sp.data, treated="RU", event=EVENT, controls=pool)
    did_small = estimate_did(sp.data, treated="RU", event=EVENT, controls=small)
    rec = did_record(did, did_small, pool, {}, "sentence")
    assert rec["did_ru_annual_without_rs_md_in_tm"] == did_small.estimate  # key kept stable
    assert rec["did_ru_annual_without_rs_md_in_tm_dropped"] == pool[:2]
    assert f"without {pool[0]} and {pool[1]} (" in rec["did_ru_annual_without_rs_md_in_tm_label"]
