"""Placebo-in-space inference for gravity dummies (:mod:`sanctions_model.models.gravity_design`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.errors import ParameterError
from sanctions_model.models.gravity.design import ONE_EXPORTER_CAVEAT, gravity_randomization
from sanctions_model.reporting import format as fmt
from sanctions_model.simulate.destinations import _DONOR_CODES


def _annual(effect_late: float, seed: int, n: int = 30) -> pd.DataFrame:
    """One exporter x (RU + n donors) x 2010-2023, AR(1) destination shocks, planted dummies."""
    rng = np.random.default_rng(seed)
    dests = ["RU", *_DONOR_CODES[:n]]
    years = np.arange(2010, 2024)
    u = np.zeros((len(dests), len(years)))
    for t in range(1, len(years)):
        u[:, t] = 0.6 * u[:, t - 1] + rng.normal(0, 0.1, len(dests))
    level = rng.normal(20, 1.5, len(dests))
    eff = np.zeros_like(u)
    eff[0, years >= 2014] = -0.3
    eff[0, years >= 2022] = -0.3 + effect_late
    mu = np.exp(level[:, None] + 0.02 * (years - 2010) + u + eff)
    r, t = np.meshgrid(np.arange(len(dests)), np.arange(len(years)), indexing="ij")
    return pd.DataFrame({"reporter": "EU27_2020", "partner": np.array(dests)[r.ravel()],
                         "year": years[t.ravel()], "value": mu.ravel()})  # fmt: skip


WINDOWS = {"ru_2014": (2014, 2021), "ru_2022": (2022, None)}
CONTRAST = {"ru_2022_vs_2014_21": {"ru_2022": 1, "ru_2014": -1}}


def test_planted_contrast_ranks_first_and_interval_covers():
    res = gravity_randomization(_annual(-1.0, 0), outcome="value", treated="RU",
                                windows=WINDOWS, contrasts=CONTRAST)  # fmt: skip
    r = res.results["ru_2022_vs_2014_21"]
    b = res.results["ru_2022"].estimate - res.results["ru_2014"].estimate
    assert r.estimate == pytest.approx(b, abs=1e-9)
    assert r.estimate == pytest.approx(-1.0, abs=0.25)
    assert r.rank == 1 and r.pvalue == pytest.approx(1 / 31)
    lo, hi = r.conf_int()
    assert lo < -1.0 < hi and hi < 0
    assert ONE_EXPORTER_CAVEAT in res.caveats
    frame = res.to_frame()
    assert {"pvalue", "rank", "lower", "upper", "compared_with"} <= set(frame.columns)


def test_no_effect_not_rejected_and_bad_input():
    res = gravity_randomization(_annual(0.0, 1), outcome="value", treated="RU",
                                windows=WINDOWS, contrasts=CONTRAST)  # fmt: skip
    assert res.results["ru_2022_vs_2014_21"].pvalue > 0.05
    with pytest.raises(ParameterError, match="unknown dummies"):
        gravity_randomization(_annual(0.0, 1), outcome="value", treated="RU", windows=WINDOWS,
                              contrasts={"x": {"nope": 1}})  # fmt: skip
    with pytest.raises(ParameterError, match="not found"):
        gravity_randomization(_annual(0.0, 1), outcome="value", treated="XX", windows=WINDOWS)


def test_group_of_destinations_ranked_among_random_donor_groups():
    d = _annual(0.0, 2, n=20)
    group = ["RU", *_DONOR_CODES[:2]]  # three destinations with one common 2022+ dummy
    up = d["partner"].isin(group) & (d["year"] >= 2022)
    d.loc[up, "value"] *= np.exp(1.0)
    res = gravity_randomization(d, outcome="value", treated=group, donors=list(_DONOR_CODES[2:20]),
                                windows={"g_2022": (2022, None)}, reps=40, seed=3)  # fmt: skip
    r = res.results["g_2022"]
    assert r.estimate == pytest.approx(1.0, abs=0.3)
    assert r.n_placebos == 40 and all(len(i.split("+")) == 3 for i in r.placebo.index)
    assert r.rank == 1 and "groups of 3 destinations" in r.inference
    assert res.treated == "+".join(group)
    # 40 of C(18, 3) = 816 groups drawn at random: figures printed to their Monte Carlo error
    assert res.sampled and res.pvalue_text("g_2022") == "p < 0.024"  # rank 1: the floor, 1/41
    lo, hi = r.conf_int()
    assert res.interval_text("g_2022").endswith("%") and " to " in res.interval_text("g_2022")
    text = res.sentence("g_2022", "The group", reference="its 2010-21 level", inference="40 groups")
    assert "95% interval " + res.interval_text("g_2022") in text and "p < 0.024" in text


def test_exhaustive_placebos_keep_their_exact_figures():
    """One treated destination, every donor a placebo: no Monte Carlo error, exact digits."""
    d = _annual(-0.5, 4)
    res = gravity_randomization(d, outcome="value", treated="RU", windows=WINDOWS)
    assert not res.sampled
    name = next(iter(res.results))
    r = res.results[name]
    assert res.pvalue_text(name) == fmt.pvalue(r.pvalue, n_draws=r.n_placebos, exact=True,
                                               units="placebos")  # fmt: skip
    lo, hi = r.conf_int()
    assert res.interval_text(name) == fmt.pct_interval(np.expm1(lo), np.expm1(hi))
    assert r.conf_int_mc_error(sampled=False) == 0.0
