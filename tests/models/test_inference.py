"""Tests of :mod:`sanctions_model.models.inference`: randomization inference, wild bootstrap."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

from sanctions_model.errors import ParameterError
from sanctions_model.models.inference import (
    RandomizationResults,
    cluster_caveats,
    fe_residualize,
    placebo_in_space,
    randomization_critical_value,
    wild_cluster_bootstrap,
)
from sanctions_model.models.panel import estimate_did
from sanctions_model.simulate.destinations import simulate_destination_panel


def _ri(estimate, placebo_stats, alpha=0.05):
    pl = pd.DataFrame({"estimate": placebo_stats, "scale": 1.0, "statistic": placebo_stats})
    pl.index = [f"P{i}" for i in range(len(pl))]
    return RandomizationResults(
        estimate=estimate, scale=1.0, placebo=pl, treated=("T",), statistic="coefficient",
        alpha=alpha,
    )  # fmt: skip


def test_pvalue_rank_and_interval_agree():
    rng = np.random.default_rng(0)
    s = rng.normal(size=99)
    for est in (-4.0, -2.1, -1.0, 0.3, 1.97, 2.5):
        r = _ri(est, s)
        n_ge = np.sum(np.abs(s) >= abs(est))
        assert r.pvalue == pytest.approx((1 + n_ge) / 100)
        assert r.rank == 1 + np.sum(np.abs(s) > abs(est))
        lo, hi = r.conf_int()
        # the interval excludes zero exactly when p < alpha
        assert (lo > 0 or hi < 0) == (r.pvalue < 0.05)
    # the 95% interval is the 4th largest |placebo| around the estimate (p >= 5/100 inside)
    c = randomization_critical_value(s, 0.05)
    assert c == pytest.approx(np.sort(np.abs(s))[::-1][3])
    r = _ri(0.0, s)
    assert r.conf_int(0.10)[1] < r.conf_int(0.05)[1]


def test_too_few_placebos_is_an_error():
    with pytest.raises(ParameterError, match="too few"):
        _ri(-3.0, np.arange(1.0, 19.0))  # 18 placebos: p >= 1/19 > 0.05
    _ri(-3.0, np.arange(1.0, 21.0))  # 20 placebos: p can reach 1/21


def test_placebo_in_space_generic_and_failures():
    rng = np.random.default_rng(1)
    units = [f"U{i}" for i in range(30)]
    effects = dict(zip(units, rng.normal(0, 1, 30), strict=True)) | {"T": -5.0}

    def est(treated, sample):
        if treated[0] == "U3":
            raise ParameterError("no data")
        return effects[treated[0]], 1.0

    r = placebo_in_space(est, "T", units, statistic="coefficient")
    assert r.rank == 1 and r.n_placebos == 29 and r.pvalue == pytest.approx(1 / 30)
    assert "U3" in r.caveats[0]
    assert "randomization inference over 29 placebo destinations" in r.inference
    assert "Randomization" in str(r) and len(r.to_frame()) == 30


def test_placebo_in_space_with_placebo_groups():
    # a treated group of three, ranked among given groups of three donors
    units = [f"U{i}" for i in range(12)]
    sets = list(itertools.combinations(units, 3))[:24]

    def est(treated, sample):
        return (-3.0 if treated[0] == "T1" else 0.1 * len(treated[0])), 1.0

    r = placebo_in_space(est, ["T1", "T2", "T3"], units, statistic="coefficient",
                         placebo_sets=sets, unit="groups")  # fmt: skip
    assert r.n_placebos == 24 and list(r.placebo.index)[0] == "U0+U1+U2"
    assert r.rank == 1 and r.pvalue == pytest.approx(1 / 25)


def test_cluster_caveats():
    assert "only honest default" in cluster_caveats(200, 1, "partner")[0]
    assert "wild cluster bootstrap" in cluster_caveats(12, 3, "reporter")[0]
    assert cluster_caveats(60, 20, "reporter") == ()


def _cluster_data(seed, g=12, n_per=20, effect=0.0):
    rng = np.random.default_rng(seed)
    cl = np.repeat(np.arange(g), n_per)
    x = rng.normal(size=g)[cl] + 0.5 * rng.normal(size=cl.size)  # cluster-level regressor
    y = effect * x + rng.normal(size=g)[cl] + rng.normal(size=cl.size)
    return y - y.mean(), x - x.mean(), cl


@pytest.mark.slow
def test_wild_bootstrap_matches_pyfixest_wildboottest():
    import pyfixest as pf

    y, x, cl = _cluster_data(3, effect=0.3)
    d = pd.DataFrame({"y": y, "x": x, "cl": cl})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols("y ~ x - 1", data=d, vcov={"CRV1": "cl"})
        ref = fit.wildboottest(reps=9999, param="x", cluster="cl", weights_type="webb", seed=5)
    ours = wild_cluster_bootstrap(y, x, cl, reps=9999, weights="webb", seed=5)
    assert ours.estimate == pytest.approx(float(fit.coef()["x"]), rel=1e-10)
    assert ours.pvalue == pytest.approx(float(ref["Pr(>|t|)"]), abs=0.015)
    lo, hi = ours.conf_int()
    assert lo < ours.estimate < hi
    assert ours.pvalue_at(lo) == pytest.approx(0.05, abs=0.01)
    assert "WCR, webb weights" in ours.inference


def test_wild_bootstrap_size_with_few_clusters():
    rej = [wild_cluster_bootstrap(*_cluster_data(s), reps=399, seed=s).pvalue < 0.05
           for s in range(150)]  # fmt: skip
    assert np.mean(rej) <= 0.10
    with pytest.raises(ParameterError, match="too few"):
        wild_cluster_bootstrap(*_cluster_data(0, g=5))


def test_fe_residualize_two_way_balanced():
    rng = np.random.default_rng(0)
    a, b = np.repeat(np.arange(5), 4), np.tile(np.arange(4), 5)
    v = rng.normal(size=20)
    r = fe_residualize(v, np.column_stack([a, b]))
    m = v.reshape(5, 4)
    want = m - m.mean(1, keepdims=True) - m.mean(0, keepdims=True) + m.mean()
    assert np.allclose(r, want.ravel(), atol=1e-8)


@pytest.mark.slow
def test_randomization_pvalue_uniform_under_no_effect_and_rank_one_with_effect():
    p, ranks = [], []
    for s in range(60):
        sp = simulate_destination_panel(seed=1000 + s, n_destinations=30)
        p.append(estimate_did(sp.data, treated="RU", event="2022-03").pvalue)
    p = np.array(p)
    assert np.mean(p < 0.05) <= 0.12
    assert np.mean(p < 0.5) == pytest.approx(0.5, abs=0.2)  # roughly uniform
    for s in range(10):
        sp = simulate_destination_panel(seed=2000 + s, n_destinations=30, effect=-1.0)
        res = estimate_did(sp.data, treated="RU", event="2022-03")
        ranks.append(res.rank)
    assert all(r == 1 for r in ranks)


def _wcr_pvalue_direct(sxy, sxx, v, beta0):
    """The WCR p-value computed the long way: every draw's scores, cluster by cluster."""
    g, total = sxy.size, sxx.sum()
    b = sxy.sum() / total
    score = sxy - b * sxx
    se = np.sqrt(g / (g - 1) * score @ score) / total
    a = sxy - beta0 * sxx
    num = (v @ a) / total
    scores = v * a[None, :] - num[:, None] * sxx[None, :]
    se_star = np.sqrt(g / (g - 1) * (scores**2).sum(axis=1)) / total
    return np.mean(np.abs(num / se_star) >= abs((b - beta0) / se) * (1 - 1e-9))


@pytest.mark.parametrize("weights", ["rademacher", "webb"])
def test_wild_bootstrap_pvalue_curve_matches_the_direct_computation(weights):
    """The p-value curve precomputes draw sums; it must equal the draw-by-draw scores exactly."""
    rng = np.random.default_rng(5)
    mismatches = 0
    for trial in range(12):
        g = int(rng.integers(8, 40))
        cl = rng.integers(0, g, g * 20)
        scale = rng.lognormal(0, 1, g)[cl]
        x = rng.standard_normal(cl.size) * scale * 10 ** rng.uniform(-3, 3)
        y = 0.2 * x * (trial % 2) + rng.standard_normal(cl.size) * scale * 10 ** rng.uniform(-3, 3)
        res = wild_cluster_bootstrap(y, x, cl, reps=999, weights=weights, seed=trial)
        sxy = np.bincount(res._codes, weights=res._x * res._y, minlength=g)
        sxx = np.bincount(res._codes, weights=res._x * res._x, minlength=g)
        for beta0 in res.estimate + res.se * np.linspace(-6, 6, 25):
            mismatches += res.pvalue_at(beta0) != _wcr_pvalue_direct(sxy, sxx, res._v, beta0)
        lo, hi = res.conf_int()
        for end, sign in ((lo, -1), (hi, 1)):  # each end is where the p-value crosses alpha
            just_out = end + sign * 1e-6 * (res.se + abs(end - res.estimate))
            assert res.pvalue_at(end) >= res.alpha > _wcr_pvalue_direct(sxy, sxx, res._v, just_out)
        assert res.conf_int() is res.conf_int()  # inverted once per alpha
    assert mismatches == 0


def test_wild_bootstrap_ties_do_not_depend_on_the_scale_of_the_data():
    """Rademacher weights over 6 informative clusters (a seventh has no variation in x): the
    draws of one sign on all six give |t*| = |t| exactly, so far from the estimate p settles at
    their share, 2/64, at every scale of the data, and the interval scales with the data
    (before: float ties against an absolute tolerance decided them differently by scale)."""
    rng = np.random.default_rng(2)
    cl = np.repeat(np.arange(7), 30)
    x = rng.standard_normal(cl.size)
    x[cl == 6] = 0.0  # no information in the seventh cluster
    y = 0.5 * x + rng.standard_normal(cl.size)
    ends = []
    for scale in (1e-8, 1.0, 1e8):
        res = wild_cluster_bootstrap(y * scale, x, cl, reps=4999, weights="rademacher", seed=1)
        far = [res.pvalue_at(res.estimate + k * res.se) for k in (-1e6, -1e3, 1e3, 1e6)]
        assert max(far) == min(far) and abs(far[0] - 2 / 64) < 3 * np.sqrt(2 / 64 / 4999)
        ends.append(np.array(res.conf_int()) / scale)
    np.testing.assert_allclose(ends[0], ends[1], rtol=1e-9)
    np.testing.assert_allclose(ends[2], ends[1], rtol=1e-9)
    with pytest.raises(ParameterError, match="5 clusters with variation"):
        wild_cluster_bootstrap(y, np.where(cl == 5, 0.0, x), cl, reps=99)
