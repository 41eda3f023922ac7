"""Annual event study: a reference period not exposed to anticipation (issue 19.4).

The review: with front-loading (+0.25 log points in 2021, the year before the event) and no
effect, the 2021-reference event study rejected 13 of 60 per-year coefficients and its pre-trend
test flagged 20 of 30. Here, on seeded annual panels (EU27 exports to RU and 40 donor
destinations, 2014-2023, destination-wide AR(1) shocks, drifts, seasonality and common shocks
summed to years; :func:`simulate_annual_destination_panel`), the default reference of notebook 03
is the 2018-19 average and the pre-trend test is the largest lead between the reference and the
event (2020, 2021), ranked among the placebo destinations.

Measured (seeds 0-59 with front-loading, 0-99 without; two post years per panel):

=================================  ==========================  ===========================
shocks (sd monthly)                2021 reference              2018-19 reference
=================================  ==========================  ===========================
front-loading, 0.08 / 0.1 noise    26/120 post years reject    3/120; pre-trend 11/60
front-loading, 0.04 / 0.05 noise   50/120                      1/120; pre-trend 27/60
no effect, 0.08 / 0.1              13/200                      13/200; pre-trend 3/100
no effect, 0.04 / 0.05             13/200                      14/200; pre-trend 7/100
=================================  ==========================  ===========================

The pre-trend test's power against a one-year spike is limited by the annual noise: the 2021
lead alone is 0.25 against placebo leads of similar size (the review's 20/30 came with the 2021
reference, where the spike shifts every lead at once, and is no protection: the post years are
biased by the spike there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.errors import ParameterError
from sanctions_model.models.panel import estimate_did, estimate_event_study
from sanctions_model.simulate.destinations import simulate_annual_destination_panel

REF_1819 = (-48, -36)  # 2018 and 2019 with event="2022" (relative months)
QUIET = {"shock_sd": 0.04, "noise_sd": 0.05}


def _fit(panel, reference):
    return estimate_event_study(
        panel.data, treated="RU", event="2022", leads=96, lags=12, reference=reference,
        fixed_effects="pair+period",
    )  # fmt: skip


def _run(seeds, reference, **sim):
    post_reject, pre_reject = [], []
    for s in seeds:
        es = _fit(simulate_annual_destination_panel(seed=s, **sim), reference)
        c = es.to_frame().set_index("relative_time")
        post_reject.extend(c.loc[[0, 12], "pvalue"] < 0.05)
        pre_reject.append(es.pretrend_test()[1] < 0.05)
    return np.mean(post_reject), np.mean(pre_reject)


@pytest.mark.slow
def test_front_loading_biases_the_2021_reference_but_not_the_2018_19_one():
    front = {"anticipation": {2021: 0.25}}
    post_2021, _ = _run(range(60), -12, **front)
    post_1819, pre_1819 = _run(range(60), REF_1819, **front)
    assert post_2021 >= 0.15  # the failure: 26/120
    assert post_1819 <= 0.10  # 3/120
    # power of the pre-trend test against the spike (11/60 with these shocks)
    assert pre_1819 >= 0.1
    _, pre_quiet = _run(range(60), REF_1819, **front, **QUIET)
    assert pre_quiet >= 0.3  # 27/60 with quieter destination shocks


@pytest.mark.slow
def test_2018_19_reference_holds_size_without_anticipation():
    post, pre = _run(range(100), REF_1819)
    assert post <= 0.10 and pre <= 0.10  # 13/200, 3/100


def test_two_reference_years_are_both_normalised_and_the_spike_shows_in_the_lead():
    fits = [
        _fit(
            simulate_annual_destination_panel(seed=s, anticipation={2021: 0.25}, **QUIET), REF_1819
        )
        for s in range(10)
    ]
    es = fits[0]
    c = es.to_frame().set_index("relative_time")
    assert c.loc[[-48, -36], "reference"].all() and (c.loc[[-48, -36], "estimate"] == 0).all()
    assert es.config.reference == (-48, -36)
    # over ten panels the 2021 lead carries the spike; the post years do not
    mean = pd.concat([f.params for f in fits], axis=1).mean(axis=1)
    assert mean[-12] == pytest.approx(0.25, abs=0.08)
    assert abs(mean[0]) < 0.15 and abs(mean[12]) < 0.15  # Monte Carlo sd about 0.06
    panel = simulate_annual_destination_panel(seed=0, anticipation={2021: 0.25}, **QUIET)
    stat, p, how = es.pretrend_test()
    assert "between the reference and the event (-24, -12)" in how and "randomization" in how
    assert 0 < p <= 1 and stat == pytest.approx(
        max(abs(c.loc[[-24, -12], "estimate"])) / es.treated_scale
    )
    # with the 2021 reference every other coefficient moves down by the spike instead
    old = _fit(panel, -12).to_frame().set_index("relative_time")
    assert old.loc[0, "estimate"] - c.loc[0, "estimate"] == pytest.approx(
        -c.loc[-12, "estimate"], abs=1e-8
    )


@pytest.mark.parametrize("reference", [0, (-48, 3), (), (-200,)])
def test_bad_reference_is_named(reference):
    panel = simulate_annual_destination_panel(seed=0, n_destinations=5)
    with pytest.raises(ParameterError, match="reference"):
        _fit(panel, reference)


def test_common_deflator_is_absorbed_by_year_effects():
    """Deflated and nominal DiD/event study agree: a deflator common to every flow of a year is
    a year effect (log outcome, period fixed effects)."""
    panel = simulate_annual_destination_panel(seed=5, n_destinations=20)
    years = panel.data["period"].dt.year
    deflator = pd.Series(np.exp(0.04 * np.arange(10) + 0.1 * (np.arange(10) == 8)),
                         index=range(2014, 2024))  # fmt: skip
    real = panel.data.assign(value=panel.data["value"] / years.map(deflator).to_numpy())
    kw = {"treated": "RU", "event": "2022", "fixed_effects": "pair+period", "reps": 999}
    a, b = estimate_did(panel.data, **kw), estimate_did(real, **kw)
    assert b.estimate == pytest.approx(a.estimate, abs=1e-9)
    assert b.pvalue == a.pvalue
    assert np.allclose(b.conf_int(), a.conf_int(), atol=1e-9)
    ea, eb = _fit(panel, REF_1819), _fit(type(panel)(**{**vars(panel), "data": real}), REF_1819)
    assert np.allclose(ea.params, eb.params, atol=1e-9)
    assert ea.pretrend_test()[1] == eb.pretrend_test()[1]


def test_common_deflator_moves_ppml_only_through_its_weights():
    """PPML with year effects is not invariant to a common deflator, unlike OLS in logs: its
    score weights each year's residuals by the level, so deflating reweights the years. The
    coefficient moves a little (here 0.013 log points with 5% a year of prices), not by the
    deflator itself."""
    from sanctions_model.models.gravity import fit_gravity_ppml

    panel = simulate_annual_destination_panel(seed=6, n_destinations=15, effect=-0.5)
    d = panel.data.assign(year=panel.data["period"].dt.year)
    d["ru_2022"] = ((d["partner"] == "RU") & (d["year"] >= 2022)).astype(float)
    deflator = d["year"].map(
        dict(zip(range(2014, 2024), np.exp(0.05 * np.arange(10)), strict=True))
    )
    kw = {"outcome": "value", "treatments": ["ru_2022"], "fixed_effects": ("partner", "year"),
          "exporter": "reporter", "importer": "partner"}  # fmt: skip
    a = fit_gravity_ppml(d, **kw)
    b = fit_gravity_ppml(d.assign(value=d["value"] / deflator.to_numpy()), **kw)
    moved = abs(b.params["ru_2022"] - a.params["ru_2022"])
    assert 1e-4 < moved < 0.05
