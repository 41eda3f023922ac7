"""Tests of :func:`sanctions_model.models.gravity.fit_gravity_ppml`.

Reference: Yotov, Piermartini, Monteiro and Larch (2016), *An Advanced Guide to Trade Policy
Analysis*, RTA effects with exporter-year, importer-year and pair fixed effects, intra-national
trade included, 1986-2006 every four years ("endogeneity" column): RTA 0.557 (s.e. 0.102,
clustered by pair). The coefficient 0.5571853 is in the authors' Stata log of the same data file
(``Chapter2/Applications/2_RTAsEffects/Results/RTAsEffects.log`` in pachadotdev/tradepolicy).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from sanctions_model.errors import ParameterError
from sanctions_model.models.gravity import GravityResults, fit_gravity_ppml

ROOT = Path(__file__).resolve().parents[2]
YOTOV = ROOT / "data" / "raw" / "reference" / "Chapter2Application2.dta"


def simulate_gravity(n: int = 8, years=(2000, 2004, 2008, 2012), effect=0.4, seed=0):
    """Small exporter x importer x year panel with a planted treatment effect and zeros."""
    rng = np.random.default_rng(seed)
    c = [f"C{i}" for i in range(n)]
    rows = [(e, i, y) for e in c for i in c if e != i for y in years]
    d = pd.DataFrame(rows, columns=["exporter", "importer", "year"])
    ex = dict(zip(c, rng.normal(0, 1, n), strict=True))
    im = dict(zip(c, rng.normal(0, 1, n), strict=True))
    pair = {(e, i): rng.normal(0, 1) for e in c for i in c}
    d["treat"] = ((d.exporter.isin(c[:3])) & (d.importer == c[-1]) & (d.year >= years[2])) * 1.0
    d["ally"] = ((d.exporter.isin(c[3:5])) & (d.importer == c[-1]) & (d.year >= years[1])) * 1.0
    eta = (
        d.exporter.map(ex)
        + d.importer.map(im)
        + [pair[(e, i)] for e, i in zip(d.exporter, d.importer, strict=True)]
        + 0.05 * (d.year - years[0]) / 4
        + effect * d.treat
        - 0.2 * d.ally
        + 3.0
    )
    d["trade"] = rng.poisson(np.exp(eta)).astype(float)
    return d


@pytest.fixture(scope="module")
def small():
    return simulate_gravity()


def _glm(d: pd.DataFrame, cov_type: str, **kw):
    X = pd.get_dummies(
        d[["treat", "ally"]].assign(
            ey=d.exporter + d.year.astype(str),
            iy=d.importer + d.year.astype(str),
            pr=d.exporter + d.importer,
        ),
        columns=["ey", "iy", "pr"],
        drop_first=True,
        dtype=float,
    )
    X = sm.add_constant(X)
    # the three sets of dummies are collinear; statsmodels' pinv bread then gives wrong
    # sandwich standard errors, so keep a full-rank subset of columns (pivot-free QR)
    r = np.linalg.qr(X.to_numpy(), mode="r")
    X = X.loc[:, np.abs(np.diag(r)) > 1e-8]
    assert "treat" in X.columns and "ally" in X.columns
    return sm.GLM(d.trade, X, family=sm.families.Poisson()).fit(cov_type=cov_type, **kw)


def test_matches_statsmodels_glm_poisson_robust(small):
    res = fit_gravity_ppml(
        small, outcome="trade", treatments=["treat", "ally"],
        fixed_effects=("exporter^year", "importer^year", "pair"),
    )  # fmt: skip
    glm = _glm(small, "HC0")
    for name in ("treat", "ally"):
        assert res.params[name] == pytest.approx(glm.params[name], rel=1e-4)
        # same sandwich (HC0, no small-sample factor): equal up to solver tolerance
        assert res.std_errors[name] == pytest.approx(glm.bse[name], rel=1e-3)


def test_matches_statsmodels_glm_poisson_clustered(small):
    res = fit_gravity_ppml(
        small, outcome="trade", treatments=["treat", "ally"],
        fixed_effects="exporter^year + importer^year + pair", cluster="pair",
    )  # fmt: skip
    groups = pd.factorize(small.exporter + small.importer)[0]
    glm = _glm(small, "cluster", cov_kwds={"groups": groups, "use_correction": False})
    g = res.n_clusters
    assert g == len(np.unique(groups))
    for name in ("treat", "ally"):
        assert res.params[name] == pytest.approx(glm.params[name], rel=1e-4)
        # ours = raw cluster sandwich * sqrt(G / (G - 1)) (the Stata ppml convention)
        assert res.std_errors[name] == pytest.approx(glm.bse[name] * np.sqrt(g / (g - 1)), rel=1e-3)


def test_recovers_planted_effect():
    d = simulate_gravity(n=10, effect=-0.7, seed=3)
    res = fit_gravity_ppml(
        d, outcome="trade", treatments=["treat", "ally"],
        fixed_effects=("exporter^year", "importer^year", "pair"), cluster="pair",
    )  # fmt: skip
    ci = res.conf_int()
    assert ci.loc["treat", "lower"] < -0.7 < ci.loc["treat", "upper"]
    assert ci.loc["ally", "lower"] < -0.2 < ci.loc["ally", "upper"]
    pct = res.percent_effect()
    assert pct.loc["treat", "percent"] == pytest.approx(100 * np.expm1(res.params["treat"]))
    assert pct.loc["treat", "lower"] < pct.loc["treat", "percent"] < pct.loc["treat", "upper"]


def test_results_object(small):
    res = fit_gravity_ppml(small, outcome="trade", treatments="treat",
                           fixed_effects=("exporter^year", "importer^year", "pair"))  # fmt: skip
    assert isinstance(res, GravityResults)
    assert res.nobs + res.n_dropped == len(small)
    frame = res.to_frame()
    assert list(frame.index) == ["treat"]
    assert {"estimate", "se", "pvalue", "lower", "upper", "percent"} <= set(frame.columns)
    inner, outer = res.conf_int(0.10), res.conf_int(0.05)
    assert (outer["lower"] < inner["lower"]).all() and (inner["upper"] < outer["upper"]).all()
    assert 0 <= res.pvalues["treat"] <= 1
    assert "Gravity PPML" in str(res) and "<table" in res._repr_html_()
    with pytest.raises(AttributeError):
        res.nobs = 3  # type: ignore[misc]


def test_bad_input(small):
    with pytest.raises(ParameterError):
        fit_gravity_ppml(small, outcome="nope", treatments="treat", fixed_effects="exporter")
    with pytest.raises(ParameterError):
        fit_gravity_ppml(small, outcome="trade", treatments="treat", fixed_effects="nope^year")
    with pytest.raises(ParameterError):
        fit_gravity_ppml(small.assign(trade=-small.trade), outcome="trade", treatments="treat",
                         fixed_effects="exporter")  # fmt: skip
    with pytest.raises(ParameterError):
        fit_gravity_ppml(small, outcome="trade", treatments="treat", fixed_effects="pair",
                         alpha=1.5)  # fmt: skip


@pytest.mark.slow
@pytest.mark.skipif(not YOTOV.exists(), reason="reference data not available")
def test_yotov_rta_endogeneity_replication():
    d = pd.read_stata(YOTOV)
    d = d[d["year"].isin([1986, 1990, 1994, 1998, 2002, 2006])].copy()
    d["year"] = d["year"].astype(int)
    # the book keeps intra-national trade in this specification; pair_id is symmetric
    res = fit_gravity_ppml(
        d, outcome="trade", treatments="RTA",
        fixed_effects=("exporter^year", "importer^year", "pair_id"), cluster="pair_id",
    )  # fmt: skip
    assert round(res.params["RTA"], 3) == 0.557
    assert round(res.std_errors["RTA"], 2) == 0.10  # published 0.102
    assert res.std_errors["RTA"] == pytest.approx(0.102, abs=0.001)
    assert res.nobs == 28482  # 84 observations of never-trading pairs dropped, as in Stata


def test_lincom_equals_difference_and_reparametrised_fit():
    # two windows of one treatment: w_early (second period only) and w_late (third on);
    # "late relative to early" is b_late - b_early, which the cumulative parametrisation
    # (any = early or late, late) estimates directly as the coefficient of late
    d = simulate_gravity(n=8, effect=-0.5, seed=4)
    years = sorted(d["year"].unique())
    tr = d.exporter.isin(["C0", "C1", "C2"]) & (d.importer == "C7")
    d["late"] = (tr & (d.year >= years[2])).astype(float)
    d["early"] = (tr & (d.year == years[1])).astype(float)
    d["any"] = d["late"] + d["early"]
    fe = ("exporter^year", "importer^year", "pair")
    for cluster in (None, "pair"):
        res = fit_gravity_ppml(
            d, outcome="trade", treatments=["early", "late"], fixed_effects=fe, cluster=cluster,
            contrasts={"late_vs_early": {"late": 1, "early": -1}},
            compared_with={"early": "years[0]", "late": "years[0]", "late_vs_early": "early"},
        )  # fmt: skip
        direct = fit_gravity_ppml(d, outcome="trade", treatments=["any", "late"],
                                  fixed_effects=fe, cluster=cluster)  # fmt: skip
        lc = res.lincom({"late": 1, "early": -1})
        assert lc["estimate"] == pytest.approx(res.params["late"] - res.params["early"], abs=1e-12)
        assert lc["estimate"] == pytest.approx(direct.params["late"], abs=1e-6)
        assert lc["se"] == pytest.approx(direct.std_errors["late"], rel=1e-4)
        ci = direct.conf_int()
        assert lc["lower"] == pytest.approx(ci.loc["late", "lower"], abs=1e-4)
        frame = res.to_frame()
        assert list(frame.index) == ["early", "late", "late_vs_early"]
        assert frame.loc["late_vs_early", "compared_with"] == "early"
        assert frame.loc["late_vs_early", "upper"] == pytest.approx(lc["upper"])
    with pytest.raises(ParameterError, match="unknown"):
        res.lincom({"nope": 1})


def test_one_cluster_treatment_gets_a_caveat():
    d = simulate_gravity(n=8, seed=5)
    d["one"] = ((d.importer == "C7") & (d.exporter == "C0") & (d.year >= 2008)).astype(float)
    res = fit_gravity_ppml(d, outcome="trade", treatments=["one"],
                           fixed_effects=("exporter^year", "importer^year", "pair"),
                           cluster="pair")  # fmt: skip
    assert "one pair cluster" in res.caveats[0] and res.caveats[0] in str(res)
    assert "clustered by pair" in res.inference
    # no analytic s.e., z, p or interval for it: "n/a" with the reason
    row = res.to_frame().loc["one"]
    assert (
        np.isfinite(row["estimate"]) and row[["se", "z", "pvalue", "lower", "upper"]].isna().all()
    )
    assert row["analytic_inference"].startswith("n/a: one treated cluster")


def test_few_treated_clusters_withheld_and_contrast_clusters():
    d = simulate_gravity(n=8, effect=-0.5, seed=4)
    years = sorted(d["year"].unique())
    tr = d.exporter.isin(["C0", "C1", "C2"]) & (d.importer == "C7")
    d["late"] = (tr & (d.year >= years[2])).astype(float)
    d["early"] = (tr & (d.year == years[1])).astype(float)
    kw = dict(outcome="trade", treatments=["early", "late"], cluster="pair",
              fixed_effects=("exporter^year", "importer^year", "pair"),
              contrasts={"late_vs_early": {"late": 1, "early": -1}})  # fmt: skip
    shown = fit_gravity_ppml(d, **kw).to_frame()  # 3 treated pair clusters: shown by default
    assert shown["pvalue"].notna().all() and "analytic_inference" not in shown
    res = fit_gravity_ppml(d, **kw, min_treated_clusters=10)
    frame = res.to_frame()
    assert frame["pvalue"].isna().all() and frame["estimate"].notna().all()
    assert (
        frame["analytic_inference"] == "n/a: 3 treated clusters, see the randomization table"
    ).all()
    assert dict(res.contrast_clusters) == {"late_vs_early": 3}  # the union, not the sum
    assert any("MacKinnon and Webb" in c for c in res.caveats)
