"""The faster forms of notebook 02's simulation and summaries give the same numbers as the
straightforward forms they replaced (kept here as references), on seeded synthetic draws."""

from __future__ import annotations

import numpy as np
import pytest

from sanctions_model.errors import ParameterError
from sanctions_model.models import draws as draws_mod
from sanctions_model.models import mc_error


# ---------------------------------------------------------------- references: the old forms
def _summary_reference(draws: np.ndarray, alpha: float, null: float = 0.0) -> tuple:
    """summarize_draws as it was: two partial sorts (the tails, then np.median), np.mean shares."""
    d = np.asarray(draws, dtype=float).ravel()
    d = d[np.isfinite(d)]
    if d.size < 20:
        raise ParameterError("too few")
    n = d.size
    k = draws_mod.tail_rank(n, alpha)
    part = np.partition(d, (k - 1, n - k))
    below, above = np.mean(d <= null), np.mean(d >= null)
    p = min(1.0, max(2 * min(below, above), 1.0 / (n + 1)))
    return float(np.median(d)), float(part[k - 1]), float(part[n - k]), float(p), n


def _mc_se_reference(draws: np.ndarray, groups: np.ndarray, stat) -> float:
    """mc_se as it was: np.unique of the labels and one boolean mask per label."""
    labels = np.unique(groups)
    if labels.size < 2:
        return float("nan")

    def one(g):
        try:
            return stat(draws[groups == g])
        except ParameterError:
            return float("nan")

    vals = np.array([one(g) for g in labels], dtype=float)
    vals = vals[np.isfinite(vals)]
    if vals.size < 2:
        return float("nan")
    return float(np.std(vals, ddof=1) / np.sqrt(vals.size))


def _seeded_draws(rng: np.random.Generator, n: int, case: int) -> np.ndarray:
    x = rng.standard_normal(n) * rng.choice([1e-3, 1.0, 1e6]) + rng.choice([0.0, 0.1, -2.0])
    if case % 3 == 0:
        x = np.round(x, 1)  # ties, and draws exactly at the null
    if case % 5 == 0:
        x[rng.integers(0, n, 5)] = np.nan
    if case % 7 == 0:
        x[rng.integers(0, n, 3)] = np.inf
    return x


def _same(a: float, b: float) -> bool:
    return (a == b and np.signbit(a) == np.signbit(b)) or (np.isnan(a) and np.isnan(b))


# ---------------------------------------------------------------- draws.summarize_draws
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1, 0.2])
def test_summarize_draws_one_partial_sort_gives_the_same_figures(alpha):
    """The median and both tails from one np.partition, the shares as exact counts: every
    figure equal to the old form's, bit for bit, over odd and even sizes, ties and non-finite
    draws."""
    rng = np.random.default_rng(20261206)
    for case in range(300):
        x = _seeded_draws(rng, int(rng.integers(20, 3000)), case)
        s = draws_mod.summarize_draws(x, alpha=alpha)
        want = _summary_reference(x, alpha)
        got = (s.estimate, s.lower, s.upper, s.p_value, s.n_draws)
        assert all(_same(a, b) for a, b in zip(got, want, strict=True)), case
        assert draws_mod.percentile_interval(x, alpha) == want[1:3]


def test_summarize_draws_still_refuses_too_few_finite_draws():
    with pytest.raises(ParameterError, match="at least 20 finite draws"):
        draws_mod.summarize_draws(np.r_[np.arange(19.0), np.nan, np.inf])


# ---------------------------------------------------------------- mc_error
def test_mc_se_from_one_stable_sort_matches_the_masks():
    """Blocks cut from one stable sort hold the draws of ``draws[groups == g]`` in their order:
    the same errors for order-sensitive statistics too (a first draw, a mean)."""
    rng = np.random.default_rng(7)
    for _ in range(50):
        n = int(rng.integers(30, 2000))
        x = rng.standard_normal(n)
        groups = rng.integers(0, int(rng.integers(1, 12)), n) * 3 - 5  # any integer labels
        for stat in (lambda v: float(v[0]), lambda v: float(v.mean()), np.median):
            assert _same(mc_error.mc_se(x, groups, stat), _mc_se_reference(x, groups, stat))


@pytest.mark.parametrize("lowest", [None, -1.0])
def test_rounded_summary_matches_four_separate_mc_se_calls(lowest):
    """rounded_summary summarises each block once for its four Monte Carlo errors; they equal
    the four mc_se calls (one summary per block and figure) it made before, and so do the
    rounded figures, including blocks too small to summarise and non-finite draws."""
    from sanctions_model.models.counterfactual._structural import path_groups

    rng = np.random.default_rng(11)
    for case in range(40):
        n_draws = int(rng.choice([30, 50, 400]))  # 30 x 1: blocks too small
        n = n_draws * int(rng.choice([1, 10]))
        groups = path_groups(n, n_draws, 10)
        x = np.exp(rng.normal(0.3 * (case % 3 - 1), 0.5, n)) - 1.0
        if case % 4 == 0:
            x[rng.integers(0, n, 4)] = np.nan
        got = mc_error.rounded_summary(x, groups, alpha=0.05, lowest=lowest)
        ok = np.isfinite(x)
        for name in ("estimate", "lower", "upper", "p_value"):
            want = _mc_se_reference(
                x[ok],
                groups[ok],
                lambda v, name=name: float(getattr(draws_mod.summarize_draws(v, alpha=0.05), name)),
            )
            assert _same(got.se[name], want), (case, name)
        assert list(got.se) == ["estimate", "lower", "upper", "p_value"]


# ---------------------------------------------------------------- _batched.simulate_forward
def _forward_reference(a, p, mats, intercept, reps, rng):
    """simulate_forward as it was: np.einsum and np.matmul over the stacked matrices each month."""
    from sanctions_model.models.counterfactual import _batched

    n_draws, m = a.shape
    horizon = intercept.shape[1]
    zrow, tmat = mats["design"][:, 0, :], mats["transition"]
    c = mats["state_intercept"]
    c = c[..., 0] if c.ndim == 3 else c
    qroot = mats["selection"] @ _batched.sqrt_psd_stack(mats["state_cov"])
    hsd = np.sqrt(np.maximum(mats["obs_cov"][:, 0, 0], 0.0))
    state = a[:, :, None] + _batched.sqrt_psd_stack(p) @ rng.standard_normal((n_draws, m, reps))
    obs_noise = rng.standard_normal((horizon, n_draws, reps))
    state_noise = rng.standard_normal((horizon, n_draws, qroot.shape[2], reps))
    out = np.empty((n_draws, reps, horizon))
    for t in range(horizon):
        out[:, :, t] = (np.einsum("di,dir->dr", zrow, state) + intercept[:, t, None]
                        + hsd[:, None] * obs_noise[t])  # fmt: skip
        state = tmat @ state + c[:, :, None] + qroot @ state_noise[t]
    return out


def _system_draws(trend, seasonal, n_draws=300, seed=3):
    from sanctions_model.models.counterfactual import _batched
    from sanctions_model.models.counterfactual._structural import fit_structural

    rng = np.random.default_rng(seed)
    n = 40
    z = 5 + 0.01 * np.arange(n) + 0.1 * np.sin(np.arange(n) * np.pi / 6)
    z = z + np.cumsum(0.03 * rng.standard_normal(n))  # synthetic, seeded
    fit = fit_structural(z, trend=trend, seasonal=seasonal)
    thetas = fit.params * np.exp(0.3 * rng.standard_normal((n_draws, fit.params.size)))
    for i, name in enumerate(fit.param_names):
        if name.startswith("ar."):
            thetas[:, i] = rng.uniform(-0.9, 0.9, n_draws)
    system = _batched.affine_system(fit.model, fit.params, np.random.default_rng(0))
    mats = system.at(thetas)
    a, p = _batched.batched_filter(z, mats, *_batched.initial_state(fit.model, mats))
    return mats, a, p, rng


@pytest.mark.parametrize("seasonal", [None, 12])
@pytest.mark.parametrize(
    "trend", ["local level", "local linear trend", "random walk with drift", "level, drift + AR(1)"]
)
def test_simulate_forward_on_the_nonzero_entries_equals_the_matrix_products(trend, seasonal):
    """Paths from the sparse row sums equal those from np.matmul / np.einsum bit for bit, for
    every trend the counterfactual fits, with 10 paths per draw (the notebook's), 2, and 1 (the
    products' own path), and with a state intercept; the inputs are left as they were. This is
    the numpy form (``compiled=False``), kept as the reference and fallback; the compiled loop
    of ._simkernel is held to it in test_counterfactual_simkernel.py (to 1e-9 relative; it gives
    the same numbers to rounding here too, checked below)."""
    from sanctions_model.models.counterfactual import _batched, _sparse

    mats, a, p, rng = _system_draws(trend, seasonal)
    plan = _sparse.ForwardPlan.of(
        mats["design"][:, 0, :],
        mats["transition"],
        mats["selection"] @ _batched.sqrt_psd_stack(mats["state_cov"]),
    )
    assert plan is not None  # these models take the sparse path
    intercept = np.outer(rng.normal(size=a.shape[0]), np.linspace(0.0, 0.3, 15))
    shifted = {**mats, "state_intercept": rng.normal(0.0, 0.01, mats["state_intercept"].shape)}
    a_in, p_in = a.copy(), p.copy()
    for reps, m in ((10, mats), (2, mats), (1, mats), (10, shifted)):
        want = _forward_reference(a, p, m, intercept, reps, np.random.default_rng(reps))
        have = _batched.simulate_forward(a, p, m, intercept, reps, np.random.default_rng(reps),
                                         compiled=False)  # fmt: skip
        assert have.tobytes() == want.tobytes(), reps  # bit for bit, signed zeros included
        fast = _batched.simulate_forward(a, p, m, intercept, reps, np.random.default_rng(reps))
        scale = np.max(np.abs(want))  # compiled where numba is: the same numbers to rounding
        np.testing.assert_allclose(fast, want, rtol=0, atol=1e-12 * scale)
    assert a.tobytes() == a_in.tobytes() and p.tobytes() == p_in.tobytes()
    assert a.shape[0] > _batched.CHECK_DRAWS  # the checked head and the rest


def test_forward_plan_leaves_the_state_it_starts_from():
    """The sparse loop swaps two state buffers: it must copy the caller's state first (with one
    state, the state-major view of it is already contiguous)."""
    from sanctions_model.models.counterfactual import _batched, _sparse

    mats, a, p, rng = _system_draws("local level", None, n_draws=20)
    zrow, tmat = mats["design"][:, 0, :], mats["transition"]
    qroot = mats["selection"] @ _batched.sqrt_psd_stack(mats["state_cov"])
    state = rng.standard_normal((20, 1, 5))
    before = state.copy()
    out = np.empty((6, 20, 5))
    zero = np.zeros((20, 1))
    _sparse.ForwardPlan.of(zrow, tmat, qroot).run(
        state, zero, np.zeros((20, 6)), np.ones(20), rng.standard_normal((6, 20, 5)),
        rng.standard_normal((6, 20, 1, 5)), out,
    )  # fmt: skip
    assert state.tobytes() == before.tobytes()


def test_sparse_steps_decline_matrices_outside_the_pattern():
    """A design entry other than 0/+-1, a second inexact product in a transition row, or two
    noise terms in one draw's row: no sparse plan (simulate_forward keeps the products)."""
    from sanctions_model.models.counterfactual import _batched, _sparse

    mats, *_ = _system_draws("level, drift + AR(1)", 12, n_draws=20)
    z, t = mats["design"][:, 0, :], mats["transition"]
    q = mats["selection"] @ _batched.sqrt_psd_stack(mats["state_cov"])
    assert _sparse.ForwardPlan.of(z, t, q) is not None
    assert _sparse.ForwardPlan.of(z * 0.5, t, q) is None
    t2 = t.copy()
    t2[:, 0, 1] = 0.3  # the level row already starts with an exact 1: a second, inexact term
    assert _sparse.ForwardPlan.of(z, t2, q) is None
    assert _sparse.ForwardPlan.of(z, t, q + 0.1) is None


# ---------------------------------------------------------------- frame._path_quantiles
def _quantiles_reference(a: np.ndarray, q: list[float]) -> np.ndarray:
    return np.nanquantile(a, q, axis=0)


@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.01, 0.3])
def test_effect_quantiles_from_the_paths_order_statistics_equal_np_quantile(alpha, monkeypatch):
    """The pointwise and relative effects' quantiles, read from the paths' order statistics
    taken from the other end, equal np.quantile of the effects bit for bit; months with a
    missing or non-positive observation, a missing or non-positive path, go the old way."""
    import warnings

    from sanctions_model.models.counterfactual import frame
    from sanctions_model.models.counterfactual.frame import _path_quantiles, _quantiles

    widths = []

    def counted(a, q):
        widths.append(a.shape[1])
        return _quantiles(a, q)

    rng = np.random.default_rng(5)
    q = [alpha / 2, 0.5, 1 - alpha / 2]
    for n in (40_000, 401, 20, 2):
        sims = np.exp(rng.normal(3.0, 0.4, (n, 9)))
        sims[:, 1] = np.round(sims[:, 1])  # ties
        y = np.exp(rng.normal(3.0, 0.4, 9))
        y[2] = np.nan  # a missing month
        y[3] = -1.0  # a non-positive observation
        sims[0, 4] = np.nan  # a missing path
        sims[1, 5] = -sims[1, 5]  # a non-positive path
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN months
            widths.clear()
            monkeypatch.setattr(frame, "_quantiles", counted)
            got = _path_quantiles(sims, y, q)
            monkeypatch.undo()
            assert max(widths) < 9  # the partial sort served the months it can (no fallback)
            want = (
                _quantiles(sims, q),
                _quantiles(y[None, :] - sims, q),
                _quantiles(y[None, :] / sims - 1, q),
            )
            plain = [_quantiles_reference(a, q) for a in (sims, y - sims, y / sims - 1)]
        for g, w, r in zip(got, want, plain, strict=True):
            assert g.tobytes() == w.tobytes(), n
            np.testing.assert_array_equal(g, r)


# ---------------------------------------------------------------- _structural._transform_rows
@pytest.mark.parametrize("with_exog", [False, True])
@pytest.mark.parametrize(
    "trend", ["local level", "local linear trend", "random walk with drift", "level, drift + AR(1)"]
)
def test_parameter_draws_transformed_at_once_equal_transform_params_row_by_row(trend, with_exog):
    """The constrained parameter draws of simulate_paths, all rows at once, equal
    model.transform_params row by row bit for bit (and only the checked rows go through it)."""
    from sanctions_model.models.counterfactual._structural import _transform_rows, fit_structural

    rng = np.random.default_rng(8)
    n = 40
    z = 5 + 0.01 * np.arange(n) + np.cumsum(0.03 * rng.standard_normal(n))  # synthetic, seeded
    x = rng.standard_normal((n, 1)) if with_exog else None
    fit = fit_structural(z, trend=trend, seasonal=12, exog=x)
    model = fit.model
    phi = np.asarray(model.untransform_params(fit.params))
    phis = phi + rng.standard_normal((3000, phi.size)) * rng.choice([1e-3, 1.0, 30.0], (3000, 1))
    want = np.array([np.asarray(model.transform_params(p), dtype=float) for p in phis])
    calls = []
    method = model.transform_params
    model.transform_params = lambda p: calls.append(1) or method(p)  # counts, same values
    try:
        got = _transform_rows(model, phis)
    finally:
        del model.transform_params
    assert got.tobytes() == want.tobytes()
    assert len(calls) == 8  # the checked rows only: the rest at once
