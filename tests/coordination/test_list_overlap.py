"""US (OFAC RUSSIA-EO14024) against UK (RUS) designations: hand-checked pairs and the overlap."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sanctions_model.coordination.names import name_similarity, normalize_name
from sanctions_model.coordination.scorecard import list_overlap_us_uk

PAIRS = Path(__file__).parent / "data" / "us_uk_hand_checked_pairs.csv"
THRESHOLD = 90.0  # the scorecard's default matching threshold


@pytest.fixture(scope="module")
def pairs() -> pd.DataFrame:
    return pd.read_csv(PAIRS, dtype={"same_subject": bool})


@pytest.fixture(scope="module")
def lists() -> tuple[pd.DataFrame, pd.DataFrame]:
    from sanctions_model.data import load_designations

    us = load_designations("ofac_sdn", regime="RUSSIA-EO14024")
    uk = load_designations("uk_sanctions_list", regime="RUS")
    return us, uk


def _names(frame: pd.DataFrame) -> set[str]:
    out = set(frame["name"])
    for aliases in frame["aliases"]:
        out.update(a for a in aliases if isinstance(a, str))
    return out


def test_thirty_hand_checked_pairs_from_the_two_lists(pairs, lists):
    assert len(pairs) == 30 and pairs["same_subject"].sum() == 15
    us, uk = lists
    assert set(pairs["us_name"]) <= _names(us)  # real names, as the lists spell them
    assert set(pairs["uk_name"]) <= _names(uk)
    scores = [
        name_similarity(normalize_name(a), normalize_name(b), subset_ok=t == "individual")
        for a, b, t in zip(pairs["uk_name"], pairs["us_name"], pairs["subject_type"], strict=True)
    ]
    decided = pd.Series(scores) >= THRESHOLD
    wrong = pairs.loc[decided != pairs["same_subject"], "uk_name"].tolist()
    # one known miss: a translated word ("Sankt" / "Saint") is beyond a spelling matcher
    assert wrong == ["Bank Sankt-Petersburg"]
    # no pair of different subjects is matched
    assert not (decided & ~pairs["same_subject"]).any()


@pytest.mark.slow
def test_us_uk_overlap_on_the_real_lists(lists):
    us, uk = lists
    ov = list_overlap_us_uk(us, uk, threshold=THRESHOLD)
    assert ov.config.threshold == THRESHOLD
    assert f"threshold {THRESHOLD:g}" in ov.summary()
    share = ov.overlap_matrix("share")
    # about a third of the UK list and a quarter of the US list are on the other
    assert 0.25 < share.loc["GB", "US"] < 0.45
    assert 0.18 < share.loc["US", "GB"] < 0.35
    # every matched pair scores at least the threshold, and is one-to-one
    m = ov.matches
    assert (m["score"] >= THRESHOLD).all()
    assert not m["left_id"].duplicated().any() and not m["right_id"].duplicated().any()
