"""The faster wild-bootstrap and panel paths give the same bits as the plain forms they replace.

Each reference below is the code as it was before the speed-up (kept here as a test helper), run
on seeded synthetic data (labelled synthetic; no real data). Equality is exact (``==`` /
``array_equal``), not approximate: the new paths do the same floating-point operations in the same
order, only without temporaries, repeated draws, repeated curves or a second fit of the same
regression (Romano-Wolf), and with the p-value's count compiled (``models/_wcr_kernel.py``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sanctions_model.models import _wcr_kernel
from sanctions_model.models import inference as inf


# ---------------------------------------------------------------------------- references (old code)
class _OldWcrCurve:
    """``inference._WcrCurve`` before the speed-up, verbatim."""

    def __init__(self, sxy: np.ndarray, sxx: np.ndarray, v: np.ndarray) -> None:
        g = sxy.size
        self.total = float(sxx.sum())
        self.b = float(sxy.sum()) / self.total
        e = sxy - self.b * sxx
        self.small = g / (g - 1)
        self.se = math.sqrt(self.small * float(e @ e)) / self.total
        self.ve, self.vs = v @ e, v @ sxx
        self.aa = np.empty(v.shape[0])
        self.ab = np.empty(v.shape[0])
        self.bb = np.empty(v.shape[0])
        for lo in range(0, v.shape[0], 8192):
            sl = slice(lo, lo + 8192)
            a = v[sl] * e - (self.ve[sl] / self.total)[:, None] * sxx
            bm = v[sl] * sxx - (self.vs[sl] / self.total)[:, None] * sxx
            self.aa[sl] = np.einsum("ij,ij->i", a, a)
            self.ab[sl] = np.einsum("ij,ij->i", a, bm)
            self.bb[sl] = np.einsum("ij,ij->i", bm, bm)

    def pvalue(self, beta0: float) -> float:
        d = self.b - beta0
        t = d / self.se
        ss = np.maximum(self.aa + 2 * d * self.ab + d * d * self.bb, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            t_star = (self.ve + d * self.vs) / np.sqrt(self.small * ss)
        return float(np.mean(np.abs(t_star) >= abs(t) * (1 - 1e-9)))


def _old_draws(weights: str, reps: int, g: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if weights == "webb":
        return inf._WEBB[rng.integers(0, 6, size=(reps, g))]
    return rng.choice(np.array([-1.0, 1.0]), size=(reps, g))


def _synthetic(seed: int, n: int = 600, g: int = 27, effect: float = 0.3):
    """Synthetic partialled-out data: clustered errors, a regressor varying across clusters."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, g, n)
    x = rng.normal(size=g)[codes] + 0.3 * rng.normal(size=n)
    y = effect * x + rng.normal(size=g)[codes] + rng.normal(size=n)
    return y - y.mean(), x - x.mean(), codes


# ---------------------------------------------------------------------------- tests
@pytest.mark.parametrize("weights", ["webb", "rademacher"])
@pytest.mark.parametrize("reps", [999, 2500])  # 2500: a last block shorter than the others
def test_wcr_curve_same_bits_as_plain_form(weights, reps):
    y, x, codes = _synthetic(1)
    g = 27
    sxy = np.bincount(codes, weights=x * y, minlength=g)
    sxx = np.bincount(codes, weights=x * x, minlength=g)
    v = _old_draws(weights, reps, g, 7)
    new, old = inf._WcrCurve(sxy, sxx, v), _OldWcrCurve(sxy, sxx, v)
    for name in ("aa", "ab", "bb", "ve", "vs"):
        assert np.array_equal(getattr(new, name), getattr(old, name)), name
    assert (new.b, new.se, new.small) == (old.b, old.se, old.small)
    # null values from the estimate out to far tails, the estimate itself (d = 0: 0/0 draws)
    grid = [new.b, 0.0, *(new.b + new.se * k for k in np.linspace(-40, 40, 161))]
    got = [new.pvalue(b0) for b0 in grid]
    assert got == [old.pvalue(b0) for b0 in grid]
    assert all(type(p) is float for p in got)
    assert min(got) < 0.05 and max(got) == 1.0  # the grid crosses the test's range


def test_wcr_curve_zero_and_nan_sums_as_plain_form():
    """A cluster without variation (sxx = 0) and degenerate draws: same p-values."""
    y, x, codes = _synthetic(2, g=8)
    x[codes == 3] = 0.0
    sxy = np.bincount(codes, weights=x * y, minlength=8)
    sxx = np.bincount(codes, weights=x * x, minlength=8)
    v = np.vstack([np.ones((1, 8)), _old_draws("webb", 300, 8, 3)])
    new, old = inf._WcrCurve(sxy, sxx, v), _OldWcrCurve(sxy, sxx, v)
    for b0 in (new.b, new.b - 1e-300, new.b + 3 * new.se, -1e6, 1e6):
        assert new.pvalue(b0) == old.pvalue(b0)


def test_shared_draws_are_a_fresh_generators_draws_and_read_only():
    for weights in ("webb", "rademacher"):
        first = inf._draws(weights, 1234, 27, 5)
        again = inf._draws(weights, 1234, 27, 5)
        assert again is first  # shared, not drawn again
        assert np.array_equal(first, _old_draws(weights, 1234, 27, 5))
        with pytest.raises(ValueError):
            first[0, 0] = 0.0
        assert not np.array_equal(inf._draws(weights, 1234, 27, 6), first)


def test_bootstrap_results_same_as_plain_form():
    """p-value, interval ends, their Monte Carlo errors: as with the old curve, built twice."""
    y, x, codes = _synthetic(3)
    res = inf.wild_cluster_bootstrap(y, x, codes, reps=1999, seed=4)
    assert res._curve is res._built  # the p-value's curve, not a second one
    sxy = np.bincount(codes, weights=x * y, minlength=27)
    sxx = np.bincount(codes, weights=x * x, minlength=27)
    old = _OldWcrCurve(sxy, sxx, _old_draws("webb", 1999, 27, 4))
    assert res.pvalue == old.pvalue(0.0)
    assert (res.estimate, res.se) == (old.b, old.se)
    # the interval by the same bisection on the old curve
    ref = inf.WildBootstrapResults(
        estimate=old.b, se=old.se, pvalue=old.pvalue(0.0), n_clusters=27, reps=1999,
        weights="webb", alpha=0.05, cluster="c", _y=y, _x=x, _codes=codes, _v=res._v,
    )  # fmt: skip
    ref.__dict__["_curve"] = old
    for alpha in (0.05, 0.1):
        assert res.conf_int(alpha) == ref.conf_int(alpha)
        assert res.conf_int_mc_error(alpha) == ref.conf_int_mc_error(alpha)
    lo, hi = res.conf_int()
    assert lo < res.estimate < hi


# ---------------------------------------------------------------------------- Romano-Wolf
def _old_romano_wolf(frames, event: str, reps: int, seed: int):
    """``exposure._romano_wolf`` before the speed-up: a second fit of each regression."""
    import warnings

    import pandas as pd
    import pyfixest as pf

    models = []
    for sub in frames.values():
        d = sub.assign(
            y=np.log(sub["value"]), x=sub["exposure"] * (sub["period"] >= pd.Period(event, "M")),
            cl=pd.factorize(sub["reporter"])[0], t=pd.factorize(sub["period"])[0],
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            models.append(pf.feols("y ~ x | cl + t", data=d, vcov={"CRV1": "cl"}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rw = pf.rwolf(models, param="x", reps=reps, seed=seed + 1)
    return models, np.asarray(rw.loc["RW Pr(>|t|)"], dtype=float)


def test_romano_wolf_on_the_did_fits_same_as_refitting(monkeypatch):
    """Synthetic monthly panel (27 member states, Russia and five partners, seeded), some rows
    missing: the Romano-Wolf p-values, and every bootstrapped t behind them, are the same bits
    whether rwolf runs on the DiD's own fits or on a second fit of each regression."""
    import warnings

    from sanctions_model.models.panel import exposure as ex
    from sanctions_model.runner.wildboot import install
    from sanctions_model.simulate.monthly import simulate_trade_panel

    install()  # wildboottest's numba function compiled once, not per call (same arithmetic)

    sim = simulate_trade_panel(seed=3, intensity=True, n_periods=40, start="2020-07")
    panel = sim.data[["reporter", "partner", "flow", "period", "value"]]
    panel = panel.drop(index=panel.sample(frac=0.05, random_state=1).index)  # unbalanced
    partners = ["AM", "GE", "KZ", "KG", "UZ"]
    captured, orig = {}, ex._romano_wolf

    def keep(fits, reps, seed):
        captured.update(fits)
        return orig(fits, reps, seed)

    monkeypatch.setattr(ex, "_romano_wolf", keep)
    res = ex.fit_exposure_design(
        panel, partners=partners, event="2022-03", exposure_base="2021", draws=999, rw_reps=199,
        seed=2,
    )  # fmt: skip
    expo = panel[panel["value"] > 0].merge(res.exposure.reset_index(), on="reporter")
    frames = {p: expo[expo["partner"] == p].assign(treated=1) for p in partners}
    models, old_p = _old_romano_wolf(frames, "2022-03", 199, 2)
    assert np.array_equal(res.romano_wolf.to_numpy(), old_p)
    assert list(res.romano_wolf.index) == partners
    for p, old in zip(partners, models, strict=True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_old = old.wildboottest(param="x", reps=199, return_bootstrapped_t_stats=True, seed=3)
            t_new = captured[p].wildboottest(
                param="__did", reps=199, return_bootstrapped_t_stats=True, seed=3
            )
        assert np.array_equal(t_old[1], t_new[1]), p
        assert float(t_old[0]["t value"]) == float(t_new[0]["t value"]), p
    assert (old_p > 0).all() and (old_p <= 1).all()


def test_did_and_fit_has_the_defaults_of_estimate_did():
    import inspect

    from sanctions_model.models.panel import model

    a = inspect.signature(model.estimate_did).parameters
    b = inspect.signature(model._did_and_fit).parameters
    assert list(a) == list(b)
    assert [(p.default, p.kind) for p in a.values()] == [(p.default, p.kind) for p in b.values()]


def test_compiled_count_same_as_numpy_count_on_edge_cases():
    """The compiled pass and the numpy pass count the same draws: negative, zero and NaN sums
    of squares, zero numerators (0/0), infinite ratios, ties at the threshold."""
    kernel = _wcr_kernel.exceed_kernel()
    if kernel is None:
        pytest.skip("numba not installed: the numpy pass is the only one")
    rng = np.random.default_rng(11)
    n = 4001
    aa, ab, bb = rng.normal(size=n) ** 2, rng.normal(size=n), rng.normal(size=n) ** 2
    ve, vs = rng.normal(size=n), rng.normal(size=n)
    aa[:5] = [-1.0, 0.0, np.nan, 0.0, 1e-300]
    ab[:5] = 0.0
    bb[:5] = [0.0, 0.0, 0.0, -0.0, 0.0]
    ve[:5] = [1.0, 0.0, 1.0, 2.0, 0.0]
    vs[:5] = 0.0
    curve = object.__new__(inf._WcrCurve)
    curve.aa, curve.ab, curve.bb, curve.ve, curve.vs, curve.small = aa, ab, bb, ve, vs, 27 / 26
    for d in (0.0, -0.0, 1e-12, -0.7, 3.0, 1e8):
        for thr in (0.0, 0.5, 1.3, np.inf):
            want = curve._exceed(d, thr)
            got = kernel(aa, ab, bb, ve, vs, 2 * d, d * d, d, curve.small, thr)
            assert got == want, (d, thr)
    # a threshold equal to one draw's |t*| exactly: counted by both (>=)
    d = 0.4
    with np.errstate(divide="ignore", invalid="ignore"):
        ss = np.maximum(aa + ab * (2 * d) + bb * (d * d), 0) * curve.small
        t_star = np.abs((ve + vs * d) / np.sqrt(ss))
    thr = float(t_star[100])
    assert kernel(aa, ab, bb, ve, vs, 2 * d, d * d, d, curve.small, thr) == curve._exceed(d, thr)


def test_numpy_pass_when_numba_is_missing(monkeypatch):
    y, x, codes = _synthetic(5)
    with_kernel = inf.wild_cluster_bootstrap(y, x, codes, reps=999, seed=1)
    monkeypatch.setattr(_wcr_kernel, "_KERNEL", [None])
    without = inf.wild_cluster_bootstrap(y, x, codes, reps=999, seed=1)
    assert without.pvalue == with_kernel.pvalue
    assert without.conf_int() == with_kernel.conf_int()
