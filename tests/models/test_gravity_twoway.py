"""The exact two-way PPML of :mod:`sanctions_model.models.gravity.twoway` against pyfixest.

:func:`~sanctions_model.models.gravity.gravity_randomization` fits every placebo design in one
vectorised pass (issue 23); pyfixest's ``fepois`` stays the reference. Every coefficient and
residual scale must agree with it to 1e-6 relative (pyfixest stops at a relative deviance change
of 1e-8 and demeans to 1e-6, so it is the less precise of the two), and the randomization
results (placebo table, p-values, intervals, printed text) must be the ones of the pyfixest
route, which the tests force by switching the fast path off.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
import statsmodels.api as sm

from sanctions_model.errors import ParameterError
from sanctions_model.models.gravity import design
from sanctions_model.models.gravity.twoway import fit_twoway_ppml, placebo_fits

WINDOWS = {"d_2014": (2014, 2021), "d_2022": (2022, None)}
DONORS = [f"D{i:02d}" for i in range(1, 24)]  # not country codes: the default pool would be empty
REL = 1e-6


def _panel(seed: int, n: int = 24, zeros: bool = True) -> pd.DataFrame:
    """Synthetic (seeded) destination x year panel: sizes spanning three orders of magnitude,
    drift, AR(1) destination shocks, a common shock, a variance change after 2022, Poisson-like
    noise that leaves a few zero flows in small destinations."""
    rng = np.random.default_rng(seed)
    dests = [f"D{i:02d}" for i in range(n)]
    years = np.arange(2010, 2024)
    u = np.zeros((n, len(years)))
    for t in range(1, len(years)):
        sd = 0.1 if years[t] < 2022 else 0.25
        u[:, t] = 0.6 * u[:, t - 1] + rng.normal(0, sd, n)
    common = rng.normal(0, 0.05, len(years))
    level = rng.uniform(1.5, 8, n)
    mu = np.exp(level[:, None] + 0.03 * (years - 2010) + common + u)
    y = rng.poisson(mu).astype(float) if zeros else mu * rng.gamma(50, 1 / 50, mu.shape)
    r, t = np.meshgrid(np.arange(n), np.arange(len(years)), indexing="ij")
    return pd.DataFrame({"reporter": "EU27", "partner": np.array(dests)[r.ravel()],
                         "year": years[t.ravel()], "value": y.ravel()})  # fmt: skip


def _pyfixest(d: pd.DataFrame, units, windows=WINDOWS) -> tuple[np.ndarray, float]:
    """The reference: pyfixest's fepois and the scale, as design.py's pyfixest route does."""
    d = d.reset_index(drop=True).copy()
    is_u = d["partner"].isin(units).to_numpy()
    ref = is_u.copy()
    for name, (lo, hi) in windows.items():
        inside = ((d["year"] >= lo) & (d["year"] <= (hi or np.inf))).to_numpy()
        d[name] = (is_u & inside).astype(float)
        ref &= ~inside
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = pf.fepois(f"value ~ {' + '.join(windows)} | partner + year", data=d, vcov="hetero")
    mu = np.asarray(m.predict(type="response"), dtype=float)
    used = d.index.get_indexer(m._data.index)
    y = d["value"].to_numpy()[used]
    keep = ref[used] & (y > 0) & (mu > 0)
    resid = np.log(y[keep]) - np.log(mu[keep])
    return m.coef()[list(windows)].to_numpy(), float(np.std(resid, ddof=1))


def _designs(d: pd.DataFrame, sets) -> tuple[np.ndarray, np.ndarray, np.ndarray, list, np.ndarray]:
    g = d.pivot(index="partner", columns="year", values="value")
    years = g.columns.to_numpy()
    y = g.to_numpy()
    units = list(g.index)
    x = np.zeros((len(sets), len(WINDOWS), *y.shape))
    for b, s in enumerate(sets):
        rows = [units.index(u) for u in s]
        for j, (lo, hi) in enumerate(WINDOWS.values()):
            cols = np.flatnonzero((years >= lo) & (years <= (hi or np.inf)))
            x[b, j][np.ix_(rows, cols)] = 1.0
    return np.nan_to_num(y), np.isfinite(y), x, units, years


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coefficients_match_pyfixest_and_a_dense_glm(seed):
    d = _panel(seed)
    d.loc[(d["partner"] == "D20") & d["year"].isin([2012, 2022]), "value"] = 0.0  # zeros kept
    d = d.drop(index=[5, 40, 77])  # unbalanced: three destination-years missing
    sets = [("D00",), ("D03",), ("D01", "D02", "D07"), ("D10", "D11")]
    y, mask, x, _, _ = _designs(d, sets)
    fits = fit_twoway_ppml(y, mask, x)
    assert fits.ok.all() and (fits.iterations < 30).all()
    for b, s in enumerate(sets):
        ref, _ = _pyfixest(d, s)
        np.testing.assert_allclose(fits.coef[b], ref, rtol=REL)
    # warm-started from the fit without dummies: fewer iterations, the same optimum
    null = fit_twoway_ppml(y, mask, np.zeros((1, 0, *y.shape)))
    warm = fit_twoway_ppml(y, mask, x, start=null.mu[0])
    assert warm.ok.all() and (warm.iterations < fits.iterations).all()
    np.testing.assert_allclose(warm.coef, fits.coef, rtol=1e-10)
    np.testing.assert_allclose(warm.mu[mask[None].repeat(len(sets), 0)],
                               fits.mu[mask[None].repeat(len(sets), 0)], rtol=1e-10)  # fmt: skip
    # a second route: dense dummies, statsmodels' IRLS run to 1e-13
    s = sets[2]
    dd = d.assign(**{n: 0.0 for n in WINDOWS})
    for n, (lo, hi) in WINDOWS.items():
        dd[n] = (dd["partner"].isin(s) & dd["year"].between(lo, hi or 9999)).astype(float)
    X = pd.get_dummies(dd[["partner", "year"]].astype(str), drop_first=True).astype(float)
    X = sm.add_constant(pd.concat([dd[list(WINDOWS)], X], axis=1))
    glm = sm.GLM(dd["value"], X, family=sm.families.Poisson()).fit(tol=1e-13, maxiter=200)
    np.testing.assert_allclose(fits.coef[2], glm.params[list(WINDOWS)], rtol=1e-8)


def test_irregular_designs_come_back_not_ok():
    d = _panel(3, zeros=False)
    y, mask, x, units, years = _designs(d, [("D00",), ("D01",), ("D02",)])
    x[1, 0] = 0.0  # an all-zero dummy: collinear with everything
    x[2, 1] = 0.0
    x[2, 1, :, years >= 2022] = 1.0  # every destination after 2022: the year effects' span
    y[units.index("D00"), years >= 2022] = 0.0  # D00 stops trading: separated dummy
    fits = fit_twoway_ppml(y, mask, x)
    assert not fits.ok.any()
    assert np.isnan(fits.coef).all()
    with pytest.raises(ValueError, match="non-negative"):
        fit_twoway_ppml(-y, mask, x)
    with pytest.raises(ValueError, match="shapes"):
        fit_twoway_ppml(y, mask, x[:, :, 1:])


def test_placebo_fits_match_pyfixest_with_separated_and_singleton_destinations():
    d = _panel(4)
    d.loc[d["partner"] == "D05", "value"] = 0.0  # never trades: pyfixest drops it (separation)
    single = pd.DataFrame({"reporter": "EU27", "partner": ["D99"], "year": [2015], "value": [9.0]})
    pool = (*DONORS, "D99")
    sets = [("D02",), ("D01",), ("D07", "D08"), ("D05",)]
    for frame, expect in ((d, 4), (pd.concat([d, single], ignore_index=True), 0)):
        base = frame.assign(__y=frame["value"], __yr=frame["year"])
        out = placebo_fits(base, [(s, pool) for s in sets], unit="partner", year="year",
                           windows=WINDOWS)  # fmt: skip
        assert len(out) == expect  # D99 a singleton: all left to pyfixest
        if expect:  # D05's dummies are all zero once D05 is dropped: no estimate
            assert out.pop((("D05",), pool)) is None
        for (s, _), f in out.items():
            coef, scale = _pyfixest(frame[frame["partner"].isin(pool)], s)
            np.testing.assert_allclose(list(f["coef"].values()), coef, rtol=REL)
            assert f["scale"] == pytest.approx(scale, rel=REL)


def _both_routes(monkeypatch, data, **kw):
    fast = design.gravity_randomization(data, **kw)
    with monkeypatch.context() as m:
        m.setattr(design, "placebo_fits", lambda *a, **k: {})
        slow = design.gravity_randomization(data, **kw)
    return fast, slow


def _assert_same(fast, slow):
    assert fast.results.keys() == slow.results.keys() and fast.caveats == slow.caveats
    for name, r in fast.results.items():
        s = slow.results[name]
        assert list(r.placebo.index) == list(s.placebo.index)
        np.testing.assert_allclose(r.placebo[["estimate", "scale"]],
                                   s.placebo[["estimate", "scale"]], rtol=REL)  # fmt: skip
        assert r.estimate == pytest.approx(s.estimate, rel=REL)
        assert r.scale == pytest.approx(s.scale, rel=REL)
        assert (r.rank, r.pvalue) == (s.rank, s.pvalue)
        np.testing.assert_allclose(r.conf_int(), s.conf_int(), rtol=REL)
        assert fast.pvalue_text(name) == slow.pvalue_text(name)
        assert fast.interval_text(name) == slow.interval_text(name)
    pd.testing.assert_frame_equal(fast.to_frame(), slow.to_frame(), rtol=REL)


def test_randomization_same_as_the_pyfixest_route(monkeypatch):
    d = _panel(5)
    d.loc[(d["partner"] == "D00") & (d["year"] >= 2022), "value"] *= 0.4  # planted fall
    d.loc[(d["partner"] == "D09") & (d["year"] < 2014), "value"] = np.nan  # no reference year left
    kw = dict(outcome="value", treated="D00", windows=WINDOWS,
              donors=DONORS,
              contrasts={"c": {"d_2022": 1, "d_2014": -1}})  # fmt: skip
    fast, slow = _both_routes(monkeypatch, d, **kw)
    _assert_same(fast, slow)
    assert "D09" in fast.caveats[0]  # its placebo fails (too few reference years) on both routes
    assert fast.results["d_2022"].estimate == pytest.approx(np.log(0.4), abs=0.3)
    group, _ = _both_routes(monkeypatch, d, outcome="value", treated=["D00", "D01"],
                            donors=[f"D{i:02d}" for i in range(2, 24)],
                            windows={"g": (2022, None)}, reps=60, seed=1)  # fmt: skip
    _assert_same(group, _)
    assert group.sampled and group.results["g"].n_placebos == 60


def test_collinear_dummies_a_clear_error_or_a_failed_placebo():
    """Exactly collinear dummies have no estimate: the treated fit raises, a placebo fails.

    (pyfixest 0.60's Rust demeaner aborts the whole process on such a design, so these cases
    never reach it.)"""
    d = _panel(6)
    with pytest.raises(ParameterError, match="D00.*collinear"):
        design.gravity_randomization(d, outcome="value", treated="D00", donors=DONORS,
                                     windows={"a": (2014, 2021), "b": (2014, 2021)})  # fmt: skip
    no_2022 = d[~((d["partner"] == "D00") & (d["year"] >= 2022))]
    with pytest.raises(ParameterError, match="collinear"):
        design.gravity_randomization(no_2022, outcome="value", treated="D00", donors=DONORS,
                                     windows=WINDOWS)  # fmt: skip
    d.loc[d["partner"] == "D05", "value"] = 0.0  # separated, so its placebo dummies are zero
    res = design.gravity_randomization(d, outcome="value", treated="D00", donors=DONORS,
                                       windows=WINDOWS)  # fmt: skip
    assert res.results["d_2022"].n_placebos == 22
    assert res.caveats[0].startswith("1 placebo fits failed") and "(D05)" in res.caveats[0]


@pytest.mark.slow
def test_notebook_03_calls_same_as_the_pyfixest_route(monkeypatch):
    """Notebook 03's two calls on the embedded annual EU27 exports (2021 prices), its donors and
    dummies: Russia among every donor, the five partners among random groups of five donors (40
    groups here, 1,999 in the notebook; each group is one more design of the same kind)."""
    from sanctions_model.models.gravity import regimes
    from sanctions_model.models.panel import annual as annual_panel

    exports = annual_panel.annual_exports(real=True)
    donors = list(annual_panel.donor_pool(exports, 2022).donors)
    dummies = regimes.regime_dummies(exports.data, ["AM", "GE", "KZ", "KG", "UZ"], 2022)
    windows = {"russia_2014": (2014, 2021), "russia_2022": (2022, None)}
    ru, ru_slow = _both_routes(monkeypatch, dummies.data, outcome="value", treated="RU",
                               donors=donors, windows=windows, contrasts=dummies.contrast,
                               compared_with=dummies.labels)  # fmt: skip
    _assert_same(ru, ru_slow)
    assert ru.results["russia_2022_vs_2014_21"].n_placebos == len(donors) >= 50
    assert ru.results["russia_2022_vs_2014_21"].estimate < 0  # exports to Russia fell in 2022+
    group, group_slow = _both_routes(monkeypatch, dummies.data, outcome="value",
                                     treated=["AM", "GE", "KZ", "KG", "UZ"], donors=donors,
                                     windows={"partners_2022": (2022, None)}, reps=40, seed=0)  # fmt: skip
    _assert_same(group, group_slow)
    assert group.results["partners_2022"].estimate > 0
