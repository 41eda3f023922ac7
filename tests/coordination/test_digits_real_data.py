"""Printed figures do not move with the seed (issue 19, item 5): the EU27 headline, the gap ranks.

On the embedded data, four scorecards with seeds 0-3 (10,000 draws each, notebook 04's
default) must print the same EU27 ratio, interval and p-value, and the same gap-rank table.
"""

from __future__ import annotations

import pytest

from sanctions_model.coordination.gap_ranks import gap_ranks
from sanctions_model.coordination.scorecard import EU, ally_scorecard

pytestmark = pytest.mark.slow  # four scorecards with 10,000 draws: ~20-30 s


def _printed(seed: int) -> tuple:
    card = ally_scorecard(2021, 2023, lists=False, n_draws=10_000, seed=seed)
    eu = card.substitution.estimates[EU]
    row = card.formatted().loc["EU27"]
    ranks = gap_ranks(card).formatted()
    return eu.sentence(), row.to_dict(), ranks.to_dict(), eu.ratio


def test_eu27_headline_and_gap_ranks_print_the_same_for_four_seeds():
    a, *others = (_printed(seed) for seed in range(4))
    for b in others:
        _same(a, b)


def _same(a: tuple, b: tuple) -> None:
    assert a[3] == b[3]  # the point estimate is exact
    assert a[0] == b[0]  # "0.027 (95% interval -0.04 to 0.15; two-sided p = 0.4 ...)"
    assert a[1] == b[1]
    assert a[2] == b[2]
    assert "0.027" in a[0] and "interval includes zero" in a[0]
    assert "95% interval -0.04 to 0.15; two-sided p = 0.4 from 10,000 trend draws" in a[0]
