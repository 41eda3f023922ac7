"""The designation matching reads columns as lists (``tolist``) instead of iterating Series row
by row (an Arrow string column yields its items one Python call at a time): the same objects, so
the same matches and clusters. All lists here are synthetic (seeded), none is real.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sanctions_model.coordination import designations


def _lists(seed: int) -> dict[str, pd.DataFrame]:
    """Two synthetic lists sharing about half their subjects under other spellings; dates of
    birth (some conflicting), identifiers, unknown subject types, integer ids on one side."""
    rng = np.random.default_rng(seed)
    first = ["Alexey", "Aleksei", "Дмитрий", "Sergey", "Yevgeny", "Evgenii", "Игорь", "Oleg"]
    patr = ["Ivanovich", "Петрович", "Sergeyevich", "Borisovich", "Viktorovich"]
    us, uk = [], []
    for i in range(240):
        sur = "".join(rng.choice(list("bcdfgklmnprstvz"), 3)).capitalize() + rng.choice(
            ["ov", "in"]
        )
        person = i % 4 != 3
        name = (f"{rng.choice(first)} {rng.choice(patr)} {sur}" if person
                else f"OOO {sur} {rng.choice(['Trade', 'Neft'])}")  # fmt: skip
        stype = ("individual" if i % 7 else np.nan) if person else "entity"
        dob = f"19{60 + i % 30}-0{1 + i % 9}-1{i % 10}" if person and i % 3 else None
        ident = [f"PP{1000 + i}"] if i % 5 == 0 else []
        day = pd.Timestamp("2022-02-24") + pd.Timedelta(days=int(rng.integers(0, 500)))
        us.append((1000 + i, name, stype, dob, ident, day))
        if i % 2 == 0:  # on the other list too: respelt, sometimes another date of birth
            other = name.upper() if i % 4 else name.replace("Alexey", "Aleksei")
            dob2 = dob if i % 8 else "1955-01-01"
            uk.append((f"GB{i}", other, stype, dob2, ident,
                       day + pd.Timedelta(days=int(rng.integers(-60, 60)))))  # fmt: skip
        elif i % 9 == 0:
            uk.append((f"GB{i}", f"Ivan {sur}ski", "individual", None, [], day))
    cols = ["subject_id", "name", "subject_type", "dob", "identifiers", "designated_on"]
    return {"US": pd.DataFrame(us, columns=cols), "GB": pd.DataFrame(uk, columns=cols)}


def _frames(ov: designations.ListOverlap) -> dict[str, pd.DataFrame]:
    return {"subjects": ov.subjects, "matches": ov.matches, "coverage": ov.coverage(),
            "lags": ov.listing_lags(), "overlap": ov.overlap_matrix("share")}  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1])
def test_lists_read_as_lists_match_row_by_row_iteration(seed, monkeypatch):
    lists = _lists(seed)
    fast = _frames(designations.compare_lists(lists))
    assert len(fast["matches"]) > 20 and fast["subjects"]["cluster"].nunique() < len(
        fast["subjects"]
    )
    # the plain form: every ``tolist`` replaced by iterating the column row by row
    monkeypatch.setattr(pd.Series, "tolist", lambda self: list(iter(self)))
    monkeypatch.setattr(pd.Index, "tolist", lambda self: list(iter(self)))
    plain = _frames(designations.compare_lists(lists))
    for key in fast:
        pd.testing.assert_frame_equal(fast[key], plain[key], check_exact=True)


def test_coverage_matches_the_series_lookup_form():
    ov = designations.compare_lists(_lists(2))
    n_j = ov.subjects.groupby("cluster")["jurisdiction"].nunique()
    total = ov.subjects["cluster"].nunique()
    for j, g in ov.subjects.groupby("jurisdiction"):
        cl = set(g["cluster"])
        only = sum(1 for c in cl if n_j[c] == 1)  # a Series lookup per cluster, as it was
        row = ov.coverage().loc[j]
        assert (row["clusters"], row["listed_only_here"]) == (len(cl), only)
        assert row["coverage"] == len(cl) / total


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["a", None, "Дмитрий", ""], dtype="str"),
        pd.Series(["a", None, np.nan, "b"], dtype=object),
        pd.Series([1, 2, 3], dtype="int64"),
        pd.Series([1.5, np.nan], dtype="float64"),
        pd.Series(pd.to_datetime(["2022-02-24", None])),
        pd.Series([["x"], (), None], dtype=object),
    ],
)
def test_tolist_gives_the_objects_iteration_gives(values):
    got, want = values.tolist(), list(iter(values))
    assert [type(x) for x in got] == [type(x) for x in want]
    for a, b in zip(got, want, strict=True):
        same_nan = isinstance(a, float) and math.isnan(a) and math.isnan(b)
        assert a is b or a == b or same_nan or (a is pd.NaT and b is pd.NaT)
