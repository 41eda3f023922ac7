"""Coordination-gap ranks on a scorecard: rank intervals from the draws, groups, censoring."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sanctions_model.coordination.gap_ranks import _composite_ranks, _rank_scores, gap_ranks
from sanctions_model.coordination.substitution import Substitution
from sanctions_model.errors import ParameterError


def _sub(ally: str, ratio: float, spread: float, n: int = 2000, seed: int = 0) -> Substitution:
    rng = np.random.default_rng(seed)
    s = rng.normal(100.0, 5.0, n)
    e = s * rng.normal(ratio, spread, n)
    return Substitution(
        ally=ally, shortfall_draws=s, excess_draws=e, hub_excess_draws={"UZ": e},
        periods=(pd.Period("2022", "Y"), pd.Period("2023", "Y")), alpha=0.05, currency="USD",
        inference="test",
    )  # fmt: skip


def _card(spreads: dict[str, float]) -> SimpleNamespace:
    table = pd.DataFrame(
        {
            "direct_ratio": [0.1, 0.2, 0.3, 0.4, 0.5],
            "adoption_lag_days": [0.0, 10.0, 20.0, 30.0, np.nan],
            "adoption_lag_censored": [False, False, False, True, False],
            "listed_by_other": [np.nan] * 5,
        },
        index=pd.Index(["A", "B", "C", "D", "E"], name="ally"),
    )
    ratios = {"A": 0.1, "B": 0.2, "C": 0.3, "D": 0.4, "E": 0.5}
    subs = {a: _sub(a, ratios[a], spreads.get(a, 0.001), seed=i) for i, a in enumerate(ratios)}
    table["substitution"] = [subs[a].ratio for a in table.index]
    return SimpleNamespace(table=table, substitution=SimpleNamespace(estimates=subs))


def test_rank_scores_average_ties():
    x = np.array([[3.0, 1.0, 1.0, 2.0]])
    np.testing.assert_allclose(_rank_scores(x), [[1.0, 1 / 6, 1 / 6, 2 / 3]])
    vals = np.array([[[1.0, 1.0], [2.0, 2.0], [3.0, 0.0]]])  # three allies, two components
    np.testing.assert_allclose(_composite_ranks(vals), [[3.0, 1.0, 2.0]])
    tied = np.array([[[1.0, 3.0], [3.0, 1.0], [2.0, 2.0]]])  # equal composites share the rank
    np.testing.assert_allclose(_composite_ranks(tied), [[2.0, 2.0, 2.0]])


def test_precise_draws_give_point_ranks_and_groups():
    g = gap_ranks(_card({}), allies=list("ABCDE"))
    t = g.table
    # D has the largest values on all three components: rank 1, interval [1, 1]
    assert t.loc["D", "rank_full"] == 1 and t.loc["D", "rank_full_upper"] == 1
    assert t.loc["A", "rank_full"] == 4
    # E has no adoption lag: not ranked on the composite, ranked on the common components
    assert pd.isna(t.loc["E", "rank_full"]) and "adoption_lag_days" in t.loc["E", "not_ranked"]
    assert t.loc["E", "rank_common"] == 1  # largest direct ratio and substitution
    assert g.common == ("direct_ratio", "substitution")
    assert any("lower bound" in c for c in g.caveats)  # D's lag is censored
    assert "Inference:" in g.summary()


def test_uncertain_substitution_widens_rank_intervals():
    tight = gap_ranks(_card({}), allies=list("ABCD")).table
    loose = gap_ranks(_card({a: 0.5 for a in "ABCD"}), allies=list("ABCD")).table
    width = lambda t: (t["rank_full_upper"] - t["rank_full_lower"]).astype(float).sum()  # noqa: E731
    assert width(loose) > width(tight)
    assert (loose["rank_full_lower"] <= loose["rank_full"]).all()
    assert (loose["rank_full"] <= loose["rank_full_upper"]).all()


def test_bad_inputs():
    with pytest.raises(ParameterError, match="at least two allies"):
        gap_ranks(_card({}), allies=["A"])
    with pytest.raises(ParameterError, match="not a scorecard column"):
        gap_ranks(_card({}), allies=list("ABC"), components=["direct_ratio", "nope"])


def test_ties_share_first_place_and_shares_sum_to_one():
    # A and B have equal components: a tie for first in every draw, shared between them
    card = _card({})
    card.table["direct_ratio"] = [0.5, 0.5, 0.1, 0.2, 0.3]
    card.table["adoption_lag_days"] = [30.0, 30.0, 0.0, 10.0, np.nan]
    card.table["adoption_lag_censored"] = False
    for a in "AB":
        card.substitution.estimates[a] = _sub(a, 0.5, 0.0, seed=1)
    card.table["substitution"] = [card.substitution.estimates[a].ratio for a in card.table.index]
    g = gap_ranks(card, allies=list("ABCD"))
    t = g.table
    assert t["p_first"].sum() == pytest.approx(1.0)
    assert t.loc["A", "p_first"] == pytest.approx(0.5) and t.loc["B", "p_first"] == pytest.approx(
        0.5
    )
    # competition ranks: both first, marked as tied
    assert t.loc["A", "rank_full"] == 1 and t.loc["B", "rank_full"] == 1
    assert t.loc["A", "rank_full_tied"] and not t.loc["C", "rank_full_tied"]
    f = g.formatted()
    assert f.loc["A", "gap rank (all components) [95% interval]"].startswith("1 (tied)")
    assert any("no adoption lag is censored" in c for c in g.caveats)
    assert any("ties on the composite" in c for c in g.caveats)


def test_the_rank_table_and_caveat_name_the_runs_level():
    """At alpha=0.1 the rank intervals are 90% intervals: the headers and the caveat say so (they
    said 95% whatever the alpha); 0.025 prints 97.5%, not a rounded 98%."""
    g = gap_ranks(_card({a: 0.5 for a in "ABCD"}), allies=list("ABCD"), alpha=0.1)
    shown = g.formatted()
    assert "gap rank (all components) [90% interval]" in shown.columns
    assert not any("95%" in c for c in shown.columns)
    assert any("in 90% of draws" in c for c in g.caveats)
    assert (
        "97.5% rank intervals" in gap_ranks(_card({}), allies=list("ABCD"), alpha=0.025).summary()
    )


def test_substitution_draws_are_read_only_copies():
    """The p-value, interval and Monte Carlo errors are computed once from the draws, so the draws
    cannot be changed underneath them: the caller's array is copied and the copy is read-only."""
    s = np.random.default_rng(0).normal(100.0, 5.0, 500)
    sub = Substitution(
        ally="A", shortfall_draws=s, excess_draws=0.2 * s, hub_excess_draws={"UZ": 0.2 * s},
        periods=(pd.Period("2022", "Y"), pd.Period("2023", "Y")), alpha=0.05, currency="USD",
        inference="test",
    )  # fmt: skip
    p = sub.p_value
    with pytest.raises(ValueError, match="read-only"):
        sub.excess_draws[0] = -1e9
    with pytest.raises(ValueError, match="read-only"):
        sub.hub_excess_draws["UZ"][0] = -1e9
    s[:] = -s  # the caller's own array stays theirs
    assert sub.p_value == p and sub.shortfall_draws[0] > 0
