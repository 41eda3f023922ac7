"""The OFAC SDN list and its first-seen dates, checked against the raw files read with csv."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from sanctions_model.data import UK_TRANSITION_DATE, load_designations, ofac
from sanctions_model.errors import DataFormatError, ParameterError

#: RUSSIA-EO14024 entries first seen per month of 2022 (SOURCES.md of the shared data folder)
PUBLISHED_2022 = {1: 4, 2: 128, 3: 533, 4: 182, 5: 124, 6: 203, 7: 6, 8: 51, 9: 364, 10: 23, 11: 54, 12: 100}  # fmt: skip


@pytest.fixture(scope="module")
def raw_sdn(repo_root):
    text = (repo_root / "data/raw/ofac_sdn/sdn.csv").read_bytes()
    assert text.endswith(b"\r\n\x1a")  # OFAC's file as published: CRLF and a final 0x1A
    rows = list(csv.reader(text.decode("ascii").rstrip("\x1a").splitlines()))
    return {r[0]: r for r in rows if r}


@pytest.fixture(scope="module")
def raw_first_seen(repo_root):
    with open(repo_root / "data/raw/ofac_sdn/first_seen.csv", newline="") as fh:
        return {r["ent_num"]: r for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def sdn():
    return load_designations("ofac_sdn")


@pytest.fixture(scope="module")
def history():
    return load_designations("ofac_sdn_history")


def test_current_list_matches_the_raw_file(sdn, raw_sdn, raw_first_seen):
    assert len(sdn) == len(raw_sdn) == 14_965
    assert set(sdn.jurisdiction) == {"US"}
    by_id = sdn.set_index("subject_id")
    for ent in ("36", "306", "15892", "10392"):
        row = by_id.loc[f"US-{ent}"]
        assert row["name"] == raw_sdn[ent][1]
        assert row["designated_on"] == pd.Timestamp(raw_first_seen[ent]["first_seen"])
        assert row["date_censored"] == (raw_first_seen[ent]["censored_start"] == "true")
    # censored: the entries of today's list that were already in the first scraped version
    expected = sum(raw_first_seen[e]["censored_start"] == "true" for e in raw_sdn)
    assert int(sdn["date_censored"].sum()) == expected
    censored = sdn[sdn.date_censored]
    assert set(censored["designated_on"]) == {pd.Timestamp("2021-08-18")}
    assert (sdn.loc[~sdn.date_censored, "designated_on"] > pd.Timestamp("2021-08-18")).all()


def test_programs_and_regime_filter(sdn, raw_sdn):
    tagged = [e for e, r in raw_sdn.items() if "RUSSIA-EO14024" in r[3]]
    assert len(tagged) == 4_440  # SOURCES.md: 4,440 entries carry RUSSIA-EO14024
    russia = load_designations("ofac_sdn", regime="RUSSIA-EO14024")
    pending = load_designations("ofac_sdn", regime="BPI-RUSSIA-EO14024")
    # one of the 4,440 is tagged BPI-RUSSIA-EO14024 (blocked pending investigation)
    assert (len(russia), len(pending)) == (4_439, 1)
    both = load_designations("ofac_sdn", regime=["RUSSIA-EO14024", "BPI-RUSSIA-EO14024"])
    assert sorted(both.subject_id) == sorted(f"US-{e}" for e in tagged)
    # several programs stay in one row; the filter finds the entry under each of them
    multi = sdn.set_index("subject_id").loc["US-10392", "regime"]
    assert multi == "SDGT;NPWMD;IFSR;IRAN-CON-ARMS-EO;RUSSIA-EO14024"
    assert "US-10392" in set(load_designations("ofac_sdn", regime="NPWMD").subject_id)
    assert ofac.has_program(sdn, "RUSSIA-EO14024").sum() == 4_439
    assert "CUBA" in ofac.programs(sdn)
    with pytest.raises(ParameterError, match=r"regime=\['RUSSIA'\] not in dataset 'ofac_sdn'"):
        load_designations("ofac_sdn", regime="RUSSIA")


def test_subject_types_and_aliases(sdn, raw_sdn):
    types = pd.Series({f"US-{e}": r[2].strip() for e, r in raw_sdn.items()})
    got = sdn.set_index("subject_id")["subject_type"]
    mapping = {
        "-0-": "entity",
        "individual": "individual",
        "vessel": "ship",
        "aircraft": "aircraft",
    }
    assert (types.map(mapping) == got.reindex(types.index)).all()
    by_id = sdn.set_index("subject_id")
    assert by_id.loc["US-306", "aliases"] == ("BNC",)  # "a.k.a. 'BNC'."
    with_alias = sum("a.k.a. '" in r[11] for r in raw_sdn.values())
    assert (sdn.aliases.map(len) > 0).sum() >= with_alias


def test_history_first_seen_counts(history, raw_first_seen):
    assert len(history) == len(raw_first_seen) == 15_892
    assert int(history.date_censored.sum()) == 9_083
    monthly = ofac.first_seen_by_month(history, "RUSSIA-EO14024")
    got = {p.month: int(n) for p, n in monthly.items() if p.year == 2022}
    assert got == PUBLISHED_2022
    # the same counts from the raw file with the csv module
    raw = [
        r["first_seen"][:7]
        for r in raw_first_seen.values()
        if "RUSSIA-EO14024" in r["program"].split("] [")
    ]
    assert {m: raw.count(f"2022-{m:02d}") for m in range(1, 13)} == PUBLISHED_2022
    # delisted entries stay in the history, not in today's list
    assert len(history) - 14_965 == sum(
        r["present_at_end"] == "false" for r in raw_first_seen.values()
    )


def test_uk_transition_entries_are_censored():
    uk = load_designations(regime="RUS")
    assert int(uk.date_censored.sum()) == 226
    assert (uk.loc[uk.date_censored, "designated_on"] == UK_TRANSITION_DATE).all()
    assert not uk.loc[~uk.date_censored, "designated_on"].eq(UK_TRANSITION_DATE).any()


# --- bad input -------------------------------------------------------------------------------------

SDN_ROWS = (
    '36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    '306,"BANCO NACIONAL DE CUBA",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"a.k.a. \'BNC\'."\r\n'
)
SEEN_HEADER = (
    "ent_num,first_seen,last_seen,present_at_end,program,censored_start,program_at_first_seen,"
    "sdn_type,sdn_name\n"
)
SEEN_ROWS = (
    "36,2021-08-18,2024-05-03,true,CUBA,true,CUBA,,AEROCARIBBEAN AIRLINES\n"
    "306,2022-03-11,2024-05-03,true,CUBA,false,CUBA,,BANCO NACIONAL DE CUBA\n"
)


def read(tmp_path, sdn_text: str, seen_text: str = SEEN_HEADER + SEEN_ROWS):
    (tmp_path / "sdn.csv").write_bytes(sdn_text.encode("ascii") + b"\x1a")
    (tmp_path / "first_seen.csv").write_text(seen_text)
    return ofac.read_sdn(tmp_path / "sdn.csv", tmp_path / "first_seen.csv", source="t")


def test_small_list(tmp_path):
    t = read(tmp_path, SDN_ROWS)
    assert list(t.subject_id) == ["US-36", "US-306"]
    assert list(t.date_censored) == [True, False]
    assert t.aliases.iloc[1] == ("BNC",)


@pytest.mark.parametrize(
    "sdn_text,seen_text,pattern",
    [
        (SDN_ROWS + "7,TRUNCATED\r\n", None, r"sdn.csv, row 3: expected 12 fields .*found 2"),
        (
            SDN_ROWS.replace("-0- ,", "robot,", 1),
            None,
            r"row 1, column 'SDN_Type': SDN_Type 'robot'",
        ),
        (SDN_ROWS.replace("306,", "3O6,"), None, r"row 2, column 'ent_num': ent_num '3O6'"),
        (SDN_ROWS.replace("306,", "36,"), None, r"row 2, column 'ent_num': ent_num '36' twice"),
        (
            SDN_ROWS + '999,"NEW ENTRY",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n',
            None,
            r"row 3, column 'ent_num': ent_num '999' has no row in first_seen.csv",
        ),
        (
            SDN_ROWS,
            SEEN_HEADER + SEEN_ROWS.replace("2022-03-11", "11/03/2022"),
            r"first_seen.csv, row 3, column 'first_seen': first_seen '11/03/2022'",
        ),
        (
            SDN_ROWS,
            SEEN_HEADER + SEEN_ROWS.replace("false", "maybe"),
            r"row 3, column 'censored_start': censored_start 'maybe'",
        ),
        (
            SDN_ROWS.replace('"CUBA"', '"CUBA] [SDGT"', 1),
            None,
            r"row 1, column 'Program': Program 'CUBA\] \[SDGT' differs from first_seen.csv",
        ),
    ],
    ids=["fields", "type", "ent_num", "duplicate", "undated", "date", "bool", "vintage"],
)
def test_bad_input(tmp_path, sdn_text, seen_text, pattern):
    with pytest.raises(DataFormatError, match=pattern):
        read(tmp_path, sdn_text, seen_text or SEEN_HEADER + SEEN_ROWS)
