"""Anticipation months left out of the fit, and a control with its loading fixed at one.

Seeded flows from :func:`~sanctions_model.simulate.monthly.simulate_monthly_flows` with the layout
of the embedded monthly data (2019-01 to 2024-08, intervention 2022-03). The planted anticipation
is the referee's: a -0.3 fall that starts two months early (-0.1 in 2022-01, -0.2 in 2022-02) and
is complete at 2022-03. The common shock is a -0.2 step from 2022-06 that hits the flow and its
control alike, with no co-movement before it (the design under which an estimated loading is
learnt as about zero). Bounds allow for the binomial error of 40 series: a procedure whose size
is 5% rejects more than 4 of 40 in 4.8% of samples, one whose coverage is 95% covers fewer than
36 in 4.8%. docs/methods.md has the figures on 60 series per design.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sanctions_model.errors import ParameterError
from sanctions_model.models.counterfactual import estimate_counterfactual
from sanctions_model.models.counterfactual.scope import scope_sentence
from sanctions_model.simulate.monthly import FlowDesign, simulate_monthly_flows

N = 40
T0 = pd.Period("2022-03", "M")
EFFECT = -0.3
FAST = {"n_sims": 400, "n_param_draws": 40, "check_controls": False}


def _anticipated(cf: pd.Series, size: float = EFFECT) -> pd.Series:
    """``cf`` with the referee's anticipation: a third of the fall at t0-2, two thirds at t0-1."""
    k = np.asarray([(p - T0).n for p in cf.index])
    path = np.where(k >= 0, size, np.where(k == -1, 2 * size / 3, np.where(k == -2, size / 3, 0)))
    return cf * np.exp(path)


def _flows(n: int, seed: int) -> pd.DataFrame:
    _, cf = simulate_monthly_flows(n, effect=0.0, design=FlowDesign(), start="2019-01", seed=seed)
    assert str(cf.index[38]) == "2022-03"
    return cf


@pytest.fixture(scope="module")
def one_flow():
    y = _anticipated(_flows(1, seed=3)["s0"])
    return y, estimate_counterfactual(y, T0, anticipation=2, seed=0, **FAST)


def test_anticipation_months_are_left_out_of_the_fit_and_reported_apart(one_flow):
    y, res = one_flow
    assert res.pre_period == (pd.Period("2019-01", "M"), pd.Period("2021-12", "M"))
    assert list(map(str, res.lead_index)) == ["2022-01", "2022-02"]
    assert res.post_period[0] == T0  # the headline still starts at the intervention
    assert res.counterfactual_draws.shape == (400, len(y.loc[T0:]))
    frame = res.effects_frame()
    assert frame.loc["2022-01":"2022-02", "anticipation"].all()
    assert not frame.loc["2022-01":"2022-02", "post"].any()
    assert frame.loc["2022-01":"2022-02", "cumulative"].isna().all()  # cumulative from t0
    assert np.isfinite(frame.loc["2022-01":"2022-02", "relative"]).all()
    lead = res.anticipation_effect()
    assert lead is not None and lead.estimate < 0  # the planted -0.1/-0.2 fall
    rec = res.to_results(partner="RU")
    assert rec["anticipation"]["months"] == 2
    assert rec["anticipation"]["left_out"] == ["2022-01", "2022-02"]
    assert rec["anticipation"]["effect"] == lead.estimate
    assert "2022-01 to 2022-02" in res.report()
    # the same flow without anticipation months has no such record
    plain = estimate_counterfactual(y, T0, seed=0, **FAST)
    assert plain.anticipation_effect() is None and plain.pre_period[1] == T0 - 1
    assert plain.to_results()["anticipation"] == {"months": 0, "left_out": []}


def test_placebo_backtest_leaves_out_the_same_months(one_flow):
    _, res = one_flow
    placebo = res.placebo_test(n_placebos=2, n_sims=200)
    assert "2 months before each pseudo-date left out" in placebo.model
    first = pd.Period(placebo.frame.index[0], "M")
    # the first pseudo-date keeps the default 18 fitting months after leaving out two
    assert placebo.frame["n_fit"].iloc[0] == 18 and first == res.pre_period[0] + 20
    seen = []
    original = res._estimator

    def spy(y, intervention, **options):
        seen.append(options["anticipation"])
        return original(y, intervention, **options)

    dataclasses.replace(res, _estimator=spy).placebo_test(n_placebos=1, n_sims=200)
    assert seen == [2]


def test_bad_options_are_named():
    y = _flows(1, seed=4)["s0"]
    with pytest.raises(ParameterError, match="anticipation must be 0 or more"):
        estimate_counterfactual(y, T0, anticipation=-1)
    with pytest.raises(ParameterError, match="whole number of months"):
        estimate_counterfactual(y, T0, anticipation=1.5)
    with pytest.raises(ParameterError, match="control_loading must be one of"):
        estimate_counterfactual(y, T0, control_loading="fixed")
    with pytest.raises(ParameterError, match="needs a control series"):
        estimate_counterfactual(y, T0, control_loading="one")
    two = pd.DataFrame({"a": y * 0.5, "b": y * 0.2})
    with pytest.raises(ParameterError, match="exactly one control"):
        estimate_counterfactual(y, T0, controls=two, control_loading="one")
    with pytest.raises(ParameterError, match="needs log=True"):
        estimate_counterfactual(y, T0, controls=y * 0.5, control_loading="one", log=False)
    with pytest.raises(ParameterError, match="before the first month of y"):
        estimate_counterfactual(y.loc["2022-02":], T0, anticipation=2)


def test_scope_sentence_follows_the_settings(one_flow):
    y, res = one_flow
    text = scope_sentence(res, "RU")
    assert "from 2022-01 on" in text and "rouble" in text and "only a control series" in text
    assert "rouble" not in scope_sentence(res, "KZ") and "Kazakhstan" in scope_sentence(res, "KZ")
    assert "only a control series" in res.report(partner="RU")
    assert res.to_results(partner="RU")["estimate_includes"] == text
    ctrl = _flows(2, seed=5)["s1"].rename("other destinations")
    one = estimate_counterfactual(y, T0, controls=ctrl, control_loading="one", seed=0, **FAST)
    text = scope_sentence(one, "RU")
    assert "relative to other destinations" in text and "from 2022-03 on" in text
    assert "loading fixed at one" in one.report(partner="RU")
    # the in-sample predictions are of the flow, not of its ratio to the control
    pre = one.effects_frame().loc[: one.pre_period[1]].iloc[13:]
    assert np.median(np.abs(np.log(pre["predicted"] / pre["observed"]))) < 0.2
    assert one.to_results()["control_loading"] == "one"
    # a control the sanctions moved too: the estimate is net of it; the report gives the flow's
    # own effect for shares of 30% and 50% (log estimate over 1 - share)
    from sanctions_model.models.counterfactual.scope import contaminated_control_sentence
    from sanctions_model.reporting import format as fmt

    est = one.headline("average").estimate
    bound = contaminated_control_sentence(one)
    for share in (0.3, 0.5):
        own = fmt.pct(float(np.expm1(np.log1p(est) / (1 - share))))
        assert f"{round(100 * share)}% gives {own}" in bound
    assert bound.strip() in one.report(partner="RU")
    assert contaminated_control_sentence(res) == ""  # no control: nothing to bound


@pytest.mark.slow
def test_anticipation_default_recovers_the_effect_and_holds_size():
    """Left out: the effect under planted anticipation is recovered (bias, coverage) and a true
    null is rejected at about 5%; kept in, the same flows understate the effect."""
    flows = _flows(N, seed=23)
    truth = float(np.exp(EFFECT) - 1)
    null = cover = reject = 0
    est, est_in = [], []
    for i, col in enumerate(flows.columns):
        res = estimate_counterfactual(flows[col], T0, anticipation=2, seed=i, **FAST)
        null += res.effect_summary().p_value < 0.05
        s = res.with_observed(_anticipated(flows[col])).effect_summary()
        est.append(s.estimate)
        cover += s.lower <= truth <= s.upper
        reject += s.p_value < 0.05
        if i < 10:  # the old default on a few of the same flows, for the contrast
            old = estimate_counterfactual(_anticipated(flows[col]), T0, seed=i, **FAST)
            est_in.append(old.effect_summary().estimate)
    bias = float(np.mean(est) - truth)
    print(f"anticipation=2: rejections under no effect {null}/{N}, coverage {cover}/{N}, "
          f"bias {bias:+.3f}, power {reject}/{N}; anticipation=0 mean "
          f"{np.mean(est_in):+.3f} (10 flows) for a true {truth:+.3f}")  # fmt: skip
    assert null <= 4
    assert cover >= 36
    assert abs(bias) <= 0.05
    # kept in the fit, the two falling months pull the counterfactual down: the effect shrinks
    assert np.mean(est_in) - truth > 0.05


@pytest.mark.slow
def test_control_loading_one_holds_size_under_a_common_shock():
    """A -0.2 step from 2022-06 in the flow and its control alike, no effect of the sanction:
    modelled relative to the control (loading one), the shock cancels."""
    flows = _flows(2 * N, seed=29)
    shock = np.where(flows.index >= pd.Period("2022-06", "M"), -0.2, 0.0)
    null = cover = 0
    for i in range(N):
        y = flows.iloc[:, i] * np.exp(shock)
        ctrl = (flows.iloc[:, N + i] * np.exp(shock)).rename("control")
        res = estimate_counterfactual(y, T0, controls=ctrl, control_loading="one",
                                      anticipation=2, seed=i, **FAST)  # fmt: skip
        s = res.effect_summary()
        null += s.p_value < 0.05
        cover += s.lower <= 0.0 <= s.upper
    print(f"control_loading='one', common shock: rejections {null}/{N}, coverage {cover}/{N}")
    assert null <= 4
    assert cover >= 36


def test_measures_in_the_left_out_months_are_named_apart(one_flow):
    y, _ = one_flow
    events = {"EU package 1": "2022-02-23", "earlier measure": "2020-06-01"}
    res = estimate_counterfactual(y, T0, anticipation=2, known_events=events, seed=0, **FAST)
    inside = [c for c in res.caveats if "inside the fitting window" in c]
    left = [c for c in res.caveats if "left out before the intervention" in c]
    assert len(inside) == 1 and "earlier measure (2020-06)" in inside[0]
    assert "EU package 1" not in inside[0]
    assert len(left) == 1 and "(2022-01 to 2022-02): EU package 1 (2022-02)" in left[0]
