"""Matching designation lists written in the UK and EU publishers' formats."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from sanctions_model.coordination.designation_timeline import designation_timeline
from sanctions_model.coordination.designations import compare_lists, match_subjects
from sanctions_model.errors import ParameterError

EXPECTED = {
    ("13000", "RUS0001"),  # romanisation + Cyrillic
    ("13001", "RUS0100"),  # surname first, Aleksei/Alexey
    ("13002", "RUS0200"),  # Yevgeniy/Evgeny
    ("13003", "RUS0300"),  # legal form
    ("13006", "RUS0700"),  # through the UK alias
    ("13007", "RUS0800"),  # IMO number
}


def _pairs(m: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(m["left_id"], m["right_id"], strict=True))


def test_match_uk_eu(eu_list, uk_list):
    m = match_subjects(eu_list, uk_list, threshold=90)
    assert _pairs(m) == EXPECTED
    assert ("13004", "RUS0400") not in _pairs(m)  # Popov is not Petrov
    assert ("13005", "RUS0500") not in _pairs(m)  # Gazprom Neft Shelf is not Gazprom Neft
    assert m["score"].between(90, 100).all()
    ship = m[m["right_id"] == "RUS0800"].iloc[0]
    assert ship["method"] == "identifier" and ship["score"] == 100
    wagner = m[m["right_id"] == "RUS0700"].iloc[0]
    assert wagner["right_name"] == "Wagner Group"
    # scores sorted, each subject used once
    assert m["left_id"].is_unique and m["right_id"].is_unique


def test_threshold_is_the_users(eu_list, uk_list):
    strict = match_subjects(eu_list, uk_list, threshold=100)
    loose = match_subjects(eu_list, uk_list, threshold=50, block_keys=3)
    assert _pairs(strict) <= _pairs(match_subjects(eu_list, uk_list)) <= _pairs(loose)
    # at 50 the near misses come in, with their (low) scores visible
    near = loose[loose["left_id"] == "13004"]
    assert len(near) == 1 and near["score"].iloc[0] < 90


def test_dates_of_birth(eu_list):
    a = pd.DataFrame(
        {
            "subject_id": ["a1", "a2"],
            "name": ["Ivan Ivanovich Ivanov", "Petr Petrovich Sidorov"],
            "subject_type": "individual",
            "dob": [("1970-01-02",), ("1965",)],
        }
    )
    b = pd.DataFrame(
        {
            "subject_id": ["b1", "b2"],
            "name": ["Ivanov Ivan Ivanovich", "Pyotr Petrovich Sidorov"],
            "subject_type": "individual",
            "dob": [("02/01/1980",), ("1965-07-30",)],
        }
    )
    m = match_subjects(a, b)
    assert _pairs(m) == {("a2", "b2")}  # same name, different dates: two people
    assert bool(m["dob_match"].iloc[0]) is True
    flagged = match_subjects(a, b, dob_conflict="flag")
    assert _pairs(flagged) == {("a1", "b1"), ("a2", "b2")}
    assert not flagged.set_index("left_id").loc["a1", "dob_match"]
    ignore = match_subjects(a, b, use_dob=False)
    assert ignore["dob_match"].isna().all()


def test_one_to_one_and_types():
    a = pd.DataFrame({"subject_id": ["x"], "name": ["Rosneft Trading"], "subject_type": "entity"})
    b = pd.DataFrame(
        {
            "subject_id": ["y1", "y2", "y3"],
            "name": ["Rosneft Trading SA", "ROSNEFT TRADING", "Rosneft Trading"],
            "subject_type": ["entity", "entity", "ship"],
        }
    )
    assert len(match_subjects(a, b)) == 1
    many = match_subjects(a, b, one_to_one=False)
    assert set(many["right_id"]) == {"y1", "y2"}  # the ship is never compared with an entity
    both = match_subjects(a, b, one_to_one=False, same_type=False)
    assert set(both["right_id"]) == {"y1", "y2", "y3"}


def test_empty_and_errors(eu_list):
    none = match_subjects(eu_list.iloc[:1], pd.DataFrame({"subject_id": ["z"], "name": ["Zzz"]}))
    assert none.empty and list(none.columns)[:3] == ["left_id", "right_id", "score"]
    with pytest.raises(ParameterError, match="threshold"):
        match_subjects(eu_list, eu_list, threshold=120)
    with pytest.raises(ParameterError, match="more than once"):
        match_subjects(pd.concat([eu_list, eu_list]), eu_list)
    with pytest.raises(ParameterError, match="missing column"):
        match_subjects(eu_list.drop(columns="name"), eu_list)


def test_compare_lists(eu_list, uk_list):
    ov = compare_lists({"GB": uk_list, "EU": eu_list})
    assert ov.jurisdictions == ["EU", "GB"]
    jac = ov.overlap_matrix()
    assert jac.loc["EU", "GB"] == pytest.approx(6 / 12)
    assert jac.loc["GB", "GB"] == 1.0
    assert ov.overlap_matrix("count").loc["GB", "EU"] == 6
    assert ov.overlap_matrix("share").loc["GB", "EU"] == pytest.approx(6 / 9)
    once = ov.listed_once()
    assert set(once["subject_id"]) == {"RUS0400", "RUS0500", "RUS0600", "13004", "13005", "13008"}
    cov = ov.coverage()
    assert cov.loc["GB", "listed_only_here"] == 3 and cov.loc["GB", "coverage"] == 9 / 12

    lags = ov.listing_lags().set_index("right_id")["lag_days"]
    assert "RUS0001" not in lags.index  # the 2020-12-31 transition date is not a listing date
    assert lags["RUS0100"] == -4  # UK listed Miller 4 days before the EU
    assert lags["RUS0200"] == (pd.Timestamp("2022-03-15") - pd.Timestamp("2020-10-15")).days
    assert lags["RUS0700"] == (pd.Timestamp("2022-04-20") - pd.Timestamp("2021-12-13")).days
    full = ov.listing_lags(include_unreliable=True)
    assert full["date_unreliable"].sum() == 1
    summ = ov.lag_summary().iloc[0]
    assert summ["n"] == 5 and summ["excluded_unreliable"] == 1
    assert summ["median"] == 111
    assert summ["left_first"] == pytest.approx(3 / 5)

    frame = ov.to_frame()
    assert {"coverage", "jaccard_GB", "jaccard_EU"} <= set(frame.columns)
    assert "coverage" in repr(ov) and "<table" in ov._repr_html_()
    fig = ov.plot()
    assert len(fig.axes) >= 2


def test_three_lists_cluster_transitively(eu_list, uk_list):
    us = pd.DataFrame(
        {
            "subject_id": ["u1", "u2"],
            "name": ["Prigozhin, Yevgeniy", "Roman Abramovich"],
            "subject_type": "individual",
            "designated_on": pd.to_datetime(["2018-09-20", "2024-01-01"]),
        }
    )
    stacked = pd.concat([uk_list, eu_list, us.assign(jurisdiction="US")], ignore_index=True)
    ov = compare_lists(stacked)
    assert ov.jurisdictions == ["EU", "GB", "US"]
    s = ov.subjects.set_index(["jurisdiction", "subject_id"])["cluster"]
    assert s[("US", "u1")] == s[("GB", "RUS0200")] == s[("EU", "13002")]
    assert ov.overlap_matrix("count").loc["US", "EU"] == 2
    assert ov.overlap_matrix("count").loc["US", "GB"] == 1
    with pytest.raises(ParameterError, match="at least two"):
        compare_lists({"GB": uk_list})


def test_designation_timeline(uk_list):
    events = pd.DataFrame(
        {
            "jurisdiction": ["GB", "GB", "EU"],
            "date": pd.to_datetime(["2022-02-24", "2022-03-15", "2022-02-25"]),
            "kind": ["designations", "trade", "designations"],
            "measure": ["a", "b", "c"],
        }
    )
    tl = designation_timeline(uk_list, events)
    assert tl.transition.to_dict() == {"individual": 1}
    assert int(tl.counts.to_numpy().sum()) == 8
    assert tl.counts.loc[pd.Period("2022-04", "M"), "entity"] == 2
    assert tl.counts.index.is_monotonic_increasing
    assert len(tl.events) == 1  # GB designations events only
    with_tr = designation_timeline(uk_list, include_transition=True)
    assert int(with_tr.counts.to_numpy().sum()) == 9
    long = tl.to_frame()
    assert {"period", "subject_type", "designations"} <= set(long.columns)
    assert "transition" in repr(tl)
    assert tl.plot().get_title()
    with pytest.raises(ParameterError, match="regime"):
        designation_timeline(uk_list, regime="XYZ")


def _synthetic_list(n: int, seed: int, prefix: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = ["Alexey", "Dmitry", "Sergey", "Ivan", "Yevgeny", "Oleg", "Igor", "Mikhail", "Yuri"]
    patr = ["Ivanovich", "Petrovich", "Sergeyevich", "Borisovich", "Viktorovich", "Olegovich"]
    sur = [
        "".join(rng.choice(list("bcdfgklmnprstvz"), 1))
        + "".join(rng.choice(list("aeiou"), 1))
        + "".join(rng.choice(list("bcdfgklmnprstvz"), 1))
        + "".join(rng.choice(list("aeiou"), 1))
        + rng.choice(["ov", "ev", "in", "sky", "enko"])
        for _ in range(n)
    ]
    names = [f"{rng.choice(first)} {rng.choice(patr)} {s.capitalize()}" for s in sur]
    return pd.DataFrame(
        {
            "subject_id": [f"{prefix}{i}" for i in range(n)],
            "name": names,
            "aliases": [(nm.split()[-1] + " " + nm.split()[0],) for nm in names],
            "subject_type": "individual",
        }
    )


@pytest.mark.slow
def test_scales_to_thousands():
    left = _synthetic_list(3000, 1, "L")
    right = pd.concat([left.iloc[:1500], _synthetic_list(500, 2, "R")], ignore_index=True)
    right["subject_id"] = [f"R{i}" for i in range(len(right))]
    t0 = time.perf_counter()
    m = match_subjects(left, right)
    elapsed = time.perf_counter() - t0
    assert elapsed < 20
    hits = m[m["left_id"].str[1:].astype(int) == m["right_id"].str[1:].astype(int)]
    assert len(hits) >= 1400  # the 1,500 copies are found (random duplicates aside)
