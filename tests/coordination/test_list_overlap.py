"""US (OFAC RUSSIA-EO14024) against UK (RUS) designations: hand-checked pairs and the overlap."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sanctions_model.coordination.names import name_similarity, normalize_name
from sanctions_model.coordination.scorecard import list_overlap_us_uk, overlap_tables

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


def _dated_lists() -> dict[str, pd.DataFrame]:
    """Five subjects on both lists (synthetic): UK first twice, US first once, same day once, one
    UK carry-over of 2020-12-31 (not a listing date); one subject on the US list only."""
    names = ["Ivan Petrov", "Oleg Sidorov", "Anna Volkova", "Pavel Orlov", "Gazprom Neft"]
    uk = ["2022-02-24", "2022-03-10", "2022-05-01", "2022-04-06", "2020-12-31"]
    us = ["2022-03-24", "2022-03-15", "2022-04-21", "2022-04-06", "2022-06-01"]
    kind = ["individual"] * 4 + ["entity"]
    gb = pd.DataFrame(
        {"subject_id": [f"RUS{i}" for i in range(5)], "name": names, "subject_type": kind,
         "designated_on": pd.to_datetime(uk)}
    )  # fmt: skip
    usl = pd.DataFrame(
        {"subject_id": [f"u{i}" for i in range(6)], "name": [*names, "Boris Lebedev"],
         "subject_type": [*kind, "individual"], "designated_on": pd.to_datetime([*us, "2023-01-01"])}
    )  # fmt: skip
    return {"US": usl, "GB": gb}


def test_who_listed_first_is_recorded_for_the_findings_page():
    from sanctions_model.coordination.designations import compare_lists
    from sanctions_model.coordination.record import _overlap
    from sanctions_model.reporting.answers_allies import _q4
    from sanctions_model.runner.records import RunRecord

    ov = compare_lists(_dated_lists())
    rec = _overlap(ov)
    assert rec["matched"] == 5
    assert rec["share_of_uk_on_us"] == 1.0 and rec["share_of_us_on_uk"] == pytest.approx(5 / 6)
    # US minus UK: +28, +5, -10, 0 days; the 2020-12-31 carry-over is left out
    assert (rec["uk_first"], rec["us_first"], rec["same_day"]) == (2, 1, 1)
    assert rec["n_pairs_dated"] == 4 and rec["pairs_left_out_unreliable_date"] == 1
    assert rec["median_lag_days"] == 2.5 and rec["mean_lag_days"] == 5.8
    assert "first day a scraped copy" in rec["date_caveat"]
    # the lag table shows the same numbers
    _, table = overlap_tables(ov)
    row = table.iloc[0]
    assert (row["UK first"], row["US first"], row["same day"], row["median"]) == (
        "50%", "25%", "25%", "2"
    )  # fmt: skip
    # answer (4) of the findings page reads them
    run = RunRecord(
        name="04", notebook="notebooks/04_coordination_gaps.ipynb", status="ok", parameters={},
        resolved={}, results={"us_uk_overlap": rec}, files=["report.html", "results.json"],
    )  # fmt: skip
    text = " ".join(_q4([run], "").sentences)
    assert "5 subjects are on both" in text
    assert "the UK listed 2 first, the US 1 first and 1 on the same day" in text
    assert "lag of the US date behind the UK date: median +2.5 days, mean +5.8 days" in text
    assert "more often (" not in text and "no verdict on who designated first" in text
