"""The fast paths of notebook 04's estimators against their plain forms, on seeded synthetic data.

Each fast path (randomization inference over reassignments in blocks, Fieller ends by counting,
rank scores from sorted runs, cached name keys, positional substitution draws) must give the
numbers of the plain form it replaced: the plain forms are written out here as references.
All data are synthetic (seeded generators), none is real.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from sanctions_model.coordination import chp, designations, names
from sanctions_model.coordination.gap_ranks import _rank_scores
from sanctions_model.coordination.substitution import _trend_errors, joint_trend_draws
from sanctions_model.coordination.substitution_results import _BRACKET, _fieller
from sanctions_model.errors import ParameterError
from sanctions_model.models.draws import percentile_interval, tail_rank
from sanctions_model.simulate.coordination import simulate_chp_panel

# --------------------------------------------------------------------------------------------
# randomization inference (chp)


def _chp_matrix(effect: float, seed: int, missing: float = 0.7) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic CHP panel -> (cells x goods) matrix of log changes and the treated goods, with
    a share ``missing`` of the cells knocked out (the real CN8 matrix misses 83% of them)."""
    trade, codes = simulate_chp_panel(effect=effect, seed=seed, n_control=30)
    panel = chp.chp_panel(trade, codes)
    post = chp._resolve_post(panel, ("2022-03", None))
    d = chp._deltas(panel, list(chp.CHP_HUBS), ("2020-01", "2022-02"), post)
    x, goods, _ = chp._matrix(d)
    treated = np.isin(goods, list(panel.loc[panel["tier"] == "1", "hs6"]))
    x = np.where(np.random.default_rng(seed + 100).random(x.shape) < missing, np.nan, x)
    return x, treated


def _ri_plain(x: np.ndarray, treated: np.ndarray, n_perm: int, alpha: float, rng: Any) -> dict:
    """chp._ri as it was: (P, G) label matrices and broadcast exceedance over grid chunks."""
    n_g, k = x.shape[1], int(treated.sum())
    perms = np.zeros((n_perm, n_g), dtype=bool)
    pick = np.argpartition(rng.random((n_perm, n_g)), k - 1, axis=1)[:, :k]
    np.put_along_axis(perms, pick, True, axis=1)
    est = float(chp._stat(x, treated[None])[0])
    a = chp._stat(x, perms)
    tmat = np.where(np.isnan(x), np.nan, np.broadcast_to(treated.astype(float), x.shape))
    b = chp._stat(tmat, perms)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    n = len(a)

    def exceed(d0: np.ndarray) -> np.ndarray:
        d0 = np.asarray(d0, dtype=float)[:, None]
        return np.abs(a[None, :] - d0 * b[None, :]) >= np.abs(est - d0) - 1e-12

    grid = est + np.linspace(-3, 3, 1201)
    hits = np.concatenate([exceed(g).sum(axis=1) for g in np.array_split(grid, 12)])
    p_grid = (1 + hits) / (n + 1)
    lo, hi = chp._inside_ends(p_grid >= alpha, grid)

    def refine(inside: float, outside: float) -> float:
        for _ in range(20):
            mid = (inside + outside) / 2
            ok = (1 + exceed(np.array([mid])).sum()) / (n + 1) >= alpha
            inside, outside = (mid, outside) if ok else (inside, mid)
        return float(inside)

    step = grid[1] - grid[0]
    lo = refine(lo, lo - step) if np.isfinite(lo) else lo
    hi = refine(hi, hi + step) if np.isfinite(hi) else hi
    p = float((1 + exceed(np.array([0.0])).sum()) / (n + 1))
    return {"estimate": est, "lower": lo, "upper": hi, "p_value": p, "n_perm": n}


@pytest.mark.parametrize("effect, seed", [(0.0, 3), (0.5, 1)])
def test_block_statistics_match_the_label_matrix_form(effect, seed):
    x, treated = _chp_matrix(effect, seed)
    assert 0.6 < np.isnan(x).mean() < 0.8
    rng = np.random.default_rng(seed)
    n_perm, n_g, k = 2000, x.shape[1], int(treated.sum())
    pick = np.argpartition(rng.random((n_perm, n_g)), k - 1, axis=1)[:, :k]
    labels = np.zeros((n_perm, n_g), dtype=bool)
    np.put_along_axis(labels, pick, True, axis=1)
    tmat = np.where(np.isnan(x), np.nan, np.broadcast_to(treated.astype(float), x.shape))
    # blocks smaller than the draws, and a last block that is not full
    fast_x, fast_t = chp._stat_picks(np.stack([x, tmat]), pick, chunk=300)
    np.testing.assert_allclose(fast_x, chp._stat(x, labels), rtol=0, atol=1e-12)
    # 0/1 outcomes (the treatment indicator): integer sums, so exactly equal
    assert np.array_equal(fast_t, chp._stat(tmat, labels), equal_nan=True)
    # the block size and the other outcome change nothing
    assert np.array_equal(chp._stat_picks(x[None], pick)[0], fast_x)
    with pytest.raises(ValueError, match="same missing cells"):
        chp._stat_picks(np.stack([x, np.nan_to_num(x)]), pick)


def test_block_statistics_with_many_treated_goods():
    """All CHP tiers treat 17-18 goods: more picks per reassignment than tier 1's four."""
    x, _ = _chp_matrix(0.0, 5)
    rng = np.random.default_rng(5)
    n_perm, n_g, k = 700, x.shape[1], 12
    pick = np.argpartition(rng.random((n_perm, n_g)), k - 1, axis=1)[:, :k]
    labels = np.zeros((n_perm, n_g), dtype=bool)
    np.put_along_axis(labels, pick, True, axis=1)
    treated = labels[0]
    tmat = np.where(np.isnan(x), np.nan, np.broadcast_to(treated.astype(float), x.shape))
    fast_x, fast_t = chp._stat_picks(np.stack([x, tmat]), pick, chunk=256)
    np.testing.assert_allclose(fast_x, chp._stat(x, labels), rtol=0, atol=1e-12)
    assert np.array_equal(fast_t, chp._stat(tmat, labels), equal_nan=True)
    assert fast_t[0] == 1.0  # the first reassignment is the treated set itself


def test_exceedance_counts_match_the_broadcast_form():
    rng = np.random.default_rng(7)
    a, b = rng.normal(0, 0.3, 5000), rng.uniform(0, 1, 5000)
    b[:50] = 1.0
    a[:50] = 0.2  # draws tied with the estimate: the 1e-12 tolerance decides them
    est = 0.2
    d0 = est + np.linspace(-3, 3, 301)
    plain = (np.abs(a[None] - d0[:, None] * b[None]) >= np.abs(est - d0[:, None]) - 1e-12).sum(1)
    assert np.array_equal(chp._exceed_counts(a, b, est, d0), plain)
    assert chp._exceed_counts(a, b, est, np.array([0.0]))[0] == int(
        (np.abs(a) >= abs(est) - 1e-12).sum()
    )


@pytest.mark.parametrize("effect, seed", [(0.0, 3), (0.5, 1)])
def test_randomization_inference_matches_the_plain_form(effect, seed):
    x, treated = _chp_matrix(effect, seed)
    fast = chp._ri(x, treated, 999, 0.05, np.random.default_rng(seed))
    plain = _ri_plain(x, treated, 999, 0.05, np.random.default_rng(seed))
    assert {k: fast[k] for k in plain} == plain
    assert fast["lower"] <= fast["estimate"] <= fast["upper"]


# --------------------------------------------------------------------------------------------
# Fieller interval (substitution)


def _fieller_plain(e: np.ndarray, s: np.ndarray, alpha: float) -> tuple[float, float]:
    """_fieller as it was: a partial sort (percentile_interval) per bisection step."""
    ok = np.isfinite(e) & np.isfinite(s)
    e, s = e[ok], s[ok]

    def inside(theta: float, which: int) -> bool:
        v = percentile_interval(e - theta * s, alpha)[which]
        return v <= 0 if which == 0 else v >= 0

    def root(which: int) -> float:
        zero_in, lower_end = inside(0.0, which), which == 0
        if lower_end:
            lo, hi = (-_BRACKET, 0.0) if zero_in else (0.0, _BRACKET)
            if inside(lo, which):
                return -np.inf
            if not inside(hi, which):
                return np.inf
        else:
            lo, hi = (0.0, _BRACKET) if zero_in else (-_BRACKET, 0.0)
            if inside(hi, which):
                return np.inf
            if not inside(lo, which):
                return -np.inf
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            if inside(mid, which) == lower_end:
                hi = mid
            else:
                lo = mid
        return hi if lower_end else lo

    return root(0), root(1)


def test_fieller_by_counting_matches_the_partial_sort():
    rng = np.random.default_rng(11)
    cases = 0
    for n in (20, 25, 400, 4000):
        for alpha in (0.01, 0.05, 0.1):
            for mu_s, mu_e in ((3.0, 0.5), (1.0, -0.2), (0.3, 0.1), (0.05, 0.0)):
                s = rng.normal(mu_s, 1.0, n)
                e = rng.normal(mu_e * mu_s, 1.0, n) + 0.3 * s
                if cases % 3 == 0:  # ties: draws on a coarse grid
                    e, s = np.round(e, 1), np.round(s, 1)
                if cases % 5 == 0 and n > 22:
                    e[:2] = np.nan
                assert _fieller(e, s, alpha) == _fieller_plain(e, s, alpha), (n, alpha, mu_s)
                cases += 1
    # unbounded ends, both sides (a shortfall centred on zero)
    s, e = rng.normal(0.0, 1.0, 500), rng.normal(0.0, 1.0, 500)
    assert _fieller(e, s, 0.05) == _fieller_plain(e, s, 0.05)
    # too few draws: the same error as before
    with pytest.raises(ParameterError, match="at least 20 finite draws"):
        _fieller(np.ones(10), np.ones(10), 0.05)


@pytest.mark.parametrize("n, alpha", [(20, 0.05), (101, 0.1), (10000, 0.05), (999, 0.01)])
def test_tail_rank_counts_give_the_interval_ends_side(n, alpha):
    rng = np.random.default_rng(n)
    d = np.round(rng.normal(0, 1, n), 2)
    lo, hi = percentile_interval(d, alpha)
    k = tail_rank(n, alpha)
    for v in np.concatenate([np.linspace(-3, 3, 61), [lo, hi]]):
        assert (lo <= v) == (np.count_nonzero(d <= v) >= k)
        assert (hi >= v) == (np.count_nonzero(d >= v) >= k)


# --------------------------------------------------------------------------------------------
# rank scores (gap ranks)


def _rank_scores_plain(x: np.ndarray) -> np.ndarray:
    """_rank_scores as it was: np.unique per row."""
    n = x.shape[-1]
    if n == 1:
        return np.full(x.shape, 0.5)
    order = np.argsort(np.argsort(x, axis=-1, kind="stable"), axis=-1).astype(float)
    out = np.empty_like(order)
    flat_x, flat_o, flat = x.reshape(-1, n), order.reshape(-1, n), out.reshape(-1, n)
    for i in range(flat_x.shape[0]):
        _, inv = np.unique(flat_x[i], return_inverse=True)
        flat[i] = (np.bincount(inv, weights=flat_o[i]) / np.bincount(inv))[inv]
    return out / (n - 1)


@pytest.mark.parametrize("shape", [(400, 9), (30, 4, 7), (5, 2), (50, 1)])
def test_rank_scores_match_the_per_row_form(shape):
    rng = np.random.default_rng(len(shape) * 100 + shape[-1])
    x = rng.integers(0, 4, shape).astype(float)  # many ties
    for value, share in ((np.nan, 0.1), (np.inf, 0.1), (-np.inf, 0.1), (-0.0, 0.1)):
        x[rng.random(shape) < share] = value
    assert np.array_equal(_rank_scores(x), _rank_scores_plain(x), equal_nan=True)
    xi = rng.integers(0, 3, shape)  # integer components
    assert np.array_equal(_rank_scores(xi), _rank_scores_plain(xi))
    xc = rng.standard_normal(shape)  # no ties
    assert np.array_equal(_rank_scores(xc), _rank_scores_plain(xc))


# --------------------------------------------------------------------------------------------
# name keys (designations)


def _synthetic_names(n: int, seed: int) -> pd.DataFrame:
    """A synthetic designation list: repeated first names and patronymics, Cyrillic spellings,
    legal forms, aliases that are missing, empty or repeated, unknown subject types."""
    rng = np.random.default_rng(seed)
    first = ["Alexey", "Aleksei", "Дмитрий", "Sergey", "Yevgeny", "Evgenii", "Игорь", "Oleg"]
    patr = ["Ivanovich", "Петрович", "Sergeyevich", "Borisovich", "Viktorovich"]
    forms = ["OOO", "JSC", "LLC", 'PJSC "', "Public Joint Stock Company", ""]
    rows = []
    for i in range(n):
        sur = "".join(rng.choice(list("bcdfgklmnprstvz"), 2)) + rng.choice(["ov", "ёв", "in"])
        if i % 4 == 3:
            name = f"{rng.choice(forms)} {sur.capitalize()} {rng.choice(['Trade', 'Neft'])}"
            stype = "entity"
        else:
            name = f"{rng.choice(first)} {rng.choice(patr)} {sur.capitalize()}"
            stype = "individual" if i % 5 else np.nan
        alias = [None, (), (name,), (name.upper(), " "), f"{sur} {rng.choice(first)}"][i % 5]
        rows.append((f"S{seed}-{i}", name, alias, stype))
    return pd.DataFrame(rows, columns=["subject_id", "name", "aliases", "subject_type"])


def _transliterate_plain(text: str) -> str:
    out = []
    for ch in text:
        low = ch.lower()
        out.append(names._CYRILLIC.get(low, ch) if low in names._CYRILLIC else ch)
    return "".join(out)


def _tokens_plain(name: str, drop_legal_forms: bool) -> list[str]:
    """names.name_tokens as it was: uncached, every name through NFKD."""
    import unicodedata

    text = unicodedata.normalize("NFKD", _transliterate_plain(name))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.translate({ord(c): None for c in names._APOSTROPHES})
    text = text.replace("ß", "ss").replace("ø", "o").replace("æ", "ae").replace("ł", "l")
    raw = [t for t in names._SPLIT.split(text) if t]
    if drop_legal_forms:
        stripped = [t for t in names._SPLIT.split(names._PHRASE_RE.sub(" ", " ".join(raw))) if t]
        raw = stripped or raw
        kept = [t for t in raw if t not in names.LEGAL_FORMS]
        raw = kept or raw
    return sorted(names._skeleton.__wrapped__(t) for t in raw)


def _prepare_plain(frame: pd.DataFrame, cfg: Any) -> pd.DataFrame:
    """designations._prepare as it was: a column lookup per row, uncached name keys."""
    rows = []
    has_alias = "aliases" in frame.columns
    stype = frame["subject_type"] if "subject_type" in frame.columns else None
    for i, (sid, name) in enumerate(zip(frame["subject_id"], frame["name"], strict=True)):
        raw_names = [name]
        if has_alias:
            raw_names += list(designations._as_tuple(frame["aliases"].iat[i]))
        seen: set[str] = set()
        for raw in raw_names:
            if not isinstance(raw, str):
                continue
            key = " ".join(_tokens_plain(raw, cfg.drop_legal_forms))
            if key and key not in seen:
                seen.add(key)
                rows.append((sid, key, raw, stype.iat[i] if stype is not None else None))
    return pd.DataFrame(rows, columns=["subject_id", "key", "raw", "subject_type"])


def test_cached_name_keys_and_prepared_rows_match_the_plain_form():
    lst = _synthetic_names(300, 1)
    for drop in (True, False):
        cfg = designations.MatchConfig(drop_legal_forms=drop)
        plain = _prepare_plain(lst, cfg)
        for _ in range(2):  # a cold and a warm cache
            pd.testing.assert_frame_equal(designations._prepare(lst, cfg, "list"), plain)
    no_type = lst.drop(columns=["subject_type", "aliases"])
    cfg = designations.MatchConfig()
    pd.testing.assert_frame_equal(
        designations._prepare(no_type, cfg, "list"), _prepare_plain(no_type, cfg)
    )
    for text in ("Ivanov Ivan", "Müller GmbH", "Сбербанк", "Łukasz Ørsted", "ÅB\u0301 x", ""):
        assert names.transliterate_cyrillic(text) == _transliterate_plain(text)
        assert names.name_tokens(text) == _tokens_plain(text, True)
    # the cached tokens are not shared with callers
    toks = names.name_tokens("Dmitry Kiselyov")
    toks.append("x")
    assert names.name_tokens("Dmitry Kiselyov") == ["dmitri", "kiselev"]
    assert names.normalize_name(None) == "" and names.name_tokens(3.0) == []  # type: ignore[arg-type]
    assert names.romanization_skeleton("yevgeniy") == names._skeleton.__wrapped__("yevgeniy")


# --------------------------------------------------------------------------------------------
# substitution draws


@pytest.mark.parametrize("n_post", [1, 2, 22])
def test_trend_errors_are_the_einsums_they_replace(n_post):
    rng = np.random.default_rng(n_post)
    lxs, z_b = rng.standard_normal((6, 2, 2)), rng.standard_normal((300, 2, 6))
    lxs[:, 0, 1] = 0.0  # lower triangular, as Cholesky factors are
    lxs[2, 1] = 0.0  # a level-only series: its drift slot is zero
    x_posts = rng.standard_normal((6, n_post, 2))
    x_posts[2, :, 1] = 0.0
    db = np.einsum("sij,djs->dis", lxs, z_b)
    assert np.array_equal(_trend_errors(lxs, x_posts, z_b), np.einsum("stk,dks->dts", x_posts, db))


def test_positional_rows_keep_the_panel_values():
    rng = np.random.default_rng(2)
    idx = pd.period_range("2012", "2023", freq="Y")
    cols = pd.MultiIndex.from_tuples([("EU", "RU"), ("EU", "KZ"), ("EU", "AM"), ("US", "RU")])
    v = np.exp(rng.normal(0, 0.2, (len(idx), 4)).cumsum(0) + 3)
    v[:4, 2] = np.nan  # a series that starts late
    v[-1, 1] = np.nan  # a hub not observed in the last year
    panel = pd.DataFrame(v, index=idx, columns=cols).iloc[::-1]  # rows out of order
    d = joint_trend_draws(panel, pre=("2012", "2021"), post=("2022", "2023"), n_draws=200)
    want = panel.sort_index().loc["2022":"2023", list(d.columns)].to_numpy()
    assert np.array_equal(d.observed, want, equal_nan=True)
    again = joint_trend_draws(panel.sort_index(), pre=("2012", "2021"), post=("2022", "2023"),
                              n_draws=200)  # fmt: skip
    assert np.array_equal(d.draws, again.draws)


# --------------------------------------------------------------------------------------------
# scorecard sentences


def _sentences_plain(card: Any) -> dict[str, str]:
    """AllyScorecard.sentences as it was: a .loc per ally and column."""
    from sanctions_model.coordination.digits import p_adjusted_text
    from sanctions_model.coordination.scorecard import _label_text

    out, t = {}, card.table
    for a, e in card.substitution.estimates.items():
        if a in t.index and bool(t.loc[a].get("too_small", False)):
            continue
        fam = t.loc[a, "p_family"] if a in t.index else None
        padj = t.loc[a, "p_adjusted"] if a in t.index else np.nan
        if fam == "allies" and pd.notna(padj):
            n = int((t["p_family"] == "allies").sum())
            adj = p_adjusted_text(padj, float(t.loc[a, "p_value"]), card.n_draws)
            adj = adj[4:] if adj.startswith("p = ") else adj
            extra = (
                f"{adj} after Benjamini-Hochberg adjustment across the "
                f"{n} member states and non-EU allies"
            )
            text = e.sentence(extra)
            if padj < card.alpha:
                text = text.replace(
                    "The interval excludes zero.",
                    "The interval excludes zero, also after the adjustment.",
                )
            else:
                text = text.replace(
                    "The interval excludes zero.",
                    "The unadjusted interval excludes zero, but after the adjustment the "
                    f"excess is not distinguishable from zero at the {card.alpha:.0%} level.",
                )
        else:
            text = e.sentence(
                "a single test: the aggregate is a sum of the member states and is kept out "
                "of their adjustment family"
                if fam == "aggregate"
                else None
            )
        out[a] = _label_text(text, a)
    return out


def test_scorecard_sentences_match_the_plain_form():
    """On the packaged IMF files (a small number of draws): the sentences, and the cached
    Monte Carlo errors of the ends equal to a fresh computation."""
    import dataclasses

    from sanctions_model.coordination.scorecard import ally_scorecard

    card = ally_scorecard(2021, 2023, lists=False, timing=False, n_draws=200, seed=3)
    fast = card.sentences()
    assert fast == _sentences_plain(card) and len(fast) > 10
    for e in card.substitution.estimates.values():
        fresh = dataclasses.replace(e)  # no cached values
        assert np.array_equal(e.conf_int_mc_se(), fresh._interval_mc_se, equal_nan=True)
        assert e.p_value == fresh.p_value


# --------------------------------------------------------------------------------------------
# the CHP panel (string work per distinct CN code)


def _chp_panel_plain(trade: pd.DataFrame, codes: pd.DataFrame) -> pd.DataFrame:
    """chp.chp_panel as it was: the string work on every row."""
    from sanctions_model.coordination.units import in_currency_units

    t = in_currency_units(trade, "CN8 trade")
    t = t[t["value"].fillna(0) > 0]
    if "flow" in t.columns:
        t = t[t["flow"] == "export"]
    prod = t["product"].astype(str).str.replace(r"\D", "", regex=True)
    t = t.assign(hs6=prod.str[:6])
    out = t.groupby(["reporter", "partner", "hs6", "period"], as_index=False, observed=True)[
        "value"
    ].sum()
    tiers = codes.assign(hs6=codes["hs6"].astype(str).str.zfill(6)).set_index("hs6")["tier"]
    out["chp"] = out["hs6"].isin(tiers.index)
    out["tier"] = out["hs6"].map(tiers.astype(str))
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_chp_panel_matches_the_per_row_form(seed):
    trade, codes = simulate_chp_panel(effect=0.4, seed=seed, n_control=30)
    # dotted codes (as Eurostat writes some) and a missing value: the same cleaning either way
    trade = trade.assign(product=trade["product"].astype(str))
    trade.loc[trade.index[::7], "product"] = (
        trade["product"].iloc[::7].str.replace(r"^(\d{4})", r"\1.", regex=True)
    )
    trade.loc[trade.index[3], "value"] = np.nan
    got, want = chp.chp_panel(trade, codes), _chp_panel_plain(trade, codes)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got["chp"].any() and got["tier"].notna().any() and got["tier"].isna().any()


def test_chp_panel_names_the_first_bad_code():
    trade, codes = simulate_chp_panel(effect=0.0, seed=3, n_control=30)
    trade = trade.assign(product=trade["product"].astype(str))
    trade.loc[trade.index[[5, 9]], "product"] = ["12AB", "99"]
    with pytest.raises(ParameterError, match="product '12AB' is not a CN code"):
        chp.chp_panel(trade, codes)


def test_p_shortfall_computed_once_is_the_share_of_positive_draws():
    from sanctions_model.coordination.substitution_results import Substitution

    rng = np.random.default_rng(4)
    s, e = rng.normal(1.0, 1.0, 5000), rng.normal(0.3, 1.0, 5000)
    sub = Substitution(
        ally="XX", shortfall_draws=s, excess_draws=e, hub_excess_draws={"AM": e},
        periods=(pd.Period("2022", "Y"), pd.Period("2023", "Y")), alpha=0.05, currency="USD",
        inference="synthetic draws",
    )  # fmt: skip
    assert sub.p_shortfall == float(np.mean(s > 0)) == sub.p_shortfall
    assert sub.identified == (float(np.mean(s > 0)) >= 0.975)
    with pytest.raises(ValueError):  # the draws it was computed from cannot change
        sub.shortfall_draws[0] = -1.0
