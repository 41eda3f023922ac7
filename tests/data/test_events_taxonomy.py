"""An audit of the events timeline: every jurisdiction x kind, its first date and the row behind it.

The table is built here from the raw CSV with the csv module and compared with
:func:`sanctions_model.data.events.taxonomy`; the designation rows are recounted from the lists.
"""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest

from sanctions_model.data import load_designations, load_events
from sanctions_model.data.events import taxonomy

INVASION = "2022-02-21"  # recognition of the DNR/LNR: the start of the 2022 response
IMPORT = re.compile(r"\bimport", re.I)
EXPORT = re.compile(r"\bexport", re.I)


@pytest.fixture(scope="module")
def raw_rows(repo_root):
    with open(repo_root / "data/events/sanctions_events.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def table(raw_rows) -> pd.DataFrame:
    """jurisdiction x kind -> first date on or after the invasion, and the row (file line) it is."""
    first: dict[tuple[str, str], tuple[str, int, dict]] = {}
    for line, row in enumerate(raw_rows, start=2):
        if row["date"] < INVASION:
            continue
        key = (row["jurisdiction"], row["kind"])
        if key not in first or row["date"] < first[key][0]:
            first[key] = (row["date"], line, row)
    return pd.DataFrame(
        [
            {
                "jurisdiction": j,
                "kind": k,
                "first_date": d,
                "line": line,
                "measure": r["measure"],
                "legal_act": r["legal_act"],
                "source": r["source"],
            }
            for (j, k), (d, line, r) in sorted(first.items())
        ]
    ).set_index(["jurisdiction", "kind"])


def test_table_agrees_with_the_package(table):
    mine = taxonomy(load_events(), since=INVASION)
    assert list(mine.index) == list(table.index)
    assert (mine["first_date"].dt.strftime("%Y-%m-%d") == table["first_date"]).all()
    assert (mine["measure"] == table["measure"]).all()
    # every pair comes from a row that cites its legal act and its source
    assert table["legal_act"].str.strip().ne("").all() and table["source"].str.strip().ne("").all()


@pytest.mark.parametrize("ally", ["EU", "GB", "US"])
def test_eu_uk_us_designate_in_february_or_march_2022(table, ally):
    first = table.loc[(ally, "designations")]
    assert first["first_date"][:7] in ("2022-02", "2022-03"), first.to_dict()


def test_the_eu_transport_lag_starts_with_the_airspace_closure(table, raw_rows):
    eu_transport = table.loc[("EU", "transport")]
    assert eu_transport["first_date"] == "2022-02-28"
    assert "airspace" in eu_transport["measure"]
    # every row about airspace is transport; an act that also closed airspace has a transport row
    for row in raw_rows:
        if re.search(r"airspace", row["measure"], re.I):
            assert row["kind"] == "transport", row
        if re.search(r"airspace", row["notes"], re.I):
            acts = {r["legal_act"] for r in raw_rows if r["kind"] == "transport"}
            assert row["legal_act"] in acts, row


def test_no_import_measure_is_coded_onto_exports(raw_rows):
    for row in raw_rows:
        text = f"{row['measure']} {row['notes']}"
        imports, exports = bool(IMPORT.search(text)), bool(EXPORT.search(text))
        if imports and not exports:
            assert row["direction"] in ("import", "both"), row
        if exports and not imports:
            assert row["direction"] != "import", row
        if row["kind"] == "trade":
            assert row["direction"] != "none", row  # a trade measure restricts some flow
        if row["kind"] in ("designations", "transport") and not (imports or exports):
            assert row["direction"] == "none", row
    energy = [r for r in raw_rows if r["kind"] == "energy" and r["date"] >= INVASION]
    assert {r["direction"] for r in energy} <= {"import", "both", "none"}  # embargoes and price cap
    assert "unknown" not in {r["direction"] for r in raw_rows}


def test_designation_rows_match_the_lists(raw_rows):
    uk = load_designations(regime="RUS")
    us = load_designations("ofac_sdn_history", regime="RUSSIA-EO14024")
    checked = 0
    for row in raw_rows:
        m = re.search(r": (\d+) (RUS-regime subjects|RUSSIA-EO14024 entries)", row["source"])
        if not m:
            continue
        n, day = int(m[1]), pd.Timestamp(row["date"])
        frame = uk if row["jurisdiction"] == "GB" else us
        assert row["jurisdiction"] in ("GB", "US")
        assert int((frame["designated_on"] == day).sum()) == n, row
        assert str(n) in row["measure"]
        checked += 1
    assert checked >= 15
    # March 2022 on the UK list: 827 Russia-regime designations
    march = uk[uk.designated_on.dt.to_period("M") == pd.Period("2022-03", "M")]
    assert len(march) == 827
    uk_rows = [r for r in raw_rows if r["jurisdiction"] == "GB" and r["date"][:7] == "2022-03"]
    assert (
        sum(
            int(re.search(r"\((\d+) subjects", r["measure"])[1])
            for r in uk_rows
            if "subjects" in r["measure"]
        )
        >= 750
    )


def test_eu_designation_rows_cite_the_framework_act(raw_rows):
    eu = [
        r
        for r in raw_rows
        if r["jurisdiction"] == "EU" and r["kind"] == "designations" and r["date"] >= INVASION
    ]
    assert [r["date"] for r in eu] == ["2022-02-23", "2022-02-25", "2022-02-28"]
    assert all("No 269/2014" in r["legal_act"] for r in eu)
    assert all(r["source"].startswith("Cleary Gottlieb") for r in eu)
