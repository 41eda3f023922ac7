"""Broken copies of each publisher format: each gives a DataFormatError naming file, row, column.

The broken files are made in the test from a few good lines, so each case says exactly what was
changed and which error it must produce.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sanctions_model.data import clear_cache, comext, events, fred, imf, uk_sanctions
from sanctions_model.errors import ChecksumError, DataFormatError

COMEXT_HEADER = "REPORTER,PARTNER,PRODUCT,FLOW,STAT_PROCEDURE,PERIOD,VALUE_IN_EUR\n"
COMEXT_ROWS = (
    '"Germany (incl. German Democratic Republic \'DD\' from 1991)","Kyrgyzstan","Total","EXPORT","Total","Aug. 2024",1000\n'
    '"France (incl. Saint Barthélemy \'BL\' -> 2012)","Kyrgyzstan","Total","EXPORT","Total","201901-Jan. 2019",2500\n'
)


def comext_read(path):
    return comext.read_relational_views([path], source="test")


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(content, str):
        p.write_text(content, encoding="utf-8")
    else:
        p.write_bytes(content)
    return p


CASES = [
    # (id, file content, expected message regex)
    ("empty", "", r"file is empty"),
    ("header_only", COMEXT_HEADER, r"header but no data rows"),
    (
        "semicolons",
        COMEXT_HEADER.replace(",", ";") + COMEXT_ROWS.replace(",", ";"),
        r"row 1: expected ','-separated columns \(the file seems to use ';'\)",
    ),
    ("latin1", (COMEXT_HEADER + COMEXT_ROWS).encode("latin-1"), r"not utf-8 text \(byte 0xe9"),
    (
        "truncated_last_line",
        COMEXT_HEADER + COMEXT_ROWS + '"Austria","Kyrgyzstan","Total"\n',
        r"row 4: expected 7 fields, found 3",
    ),
    (
        "unterminated_quote",
        COMEXT_HEADER
        + COMEXT_ROWS
        + '"Austria,"Kyrgyzstan","Total","EXPORT","Total","Aug. 2024",5',
        r"malformed CSV|expected 7 fields",
    ),
    (
        "renamed_column",
        COMEXT_HEADER.replace("VALUE_IN_EUR", "VALUE") + COMEXT_ROWS,
        r"row 1: missing column\(s\) \['VALUE_IN_EUR'\]",
    ),
    (
        "text_in_number",
        COMEXT_HEADER + COMEXT_ROWS.replace(",2500", ',"n/a"'),
        r"row 3, column 'VALUE_IN_EUR': expected a number, found 'n/a'",
    ),
    (
        "negative",
        COMEXT_HEADER + COMEXT_ROWS.replace(",2500", ",-5"),
        r"row 3, column 'VALUE_IN_EUR': value -5.0 is below",
    ),
    (
        "absurd",
        COMEXT_HEADER + COMEXT_ROWS.replace(",2500", ",9e18"),
        r"row 3, column 'VALUE_IN_EUR': value .* is above",
    ),
    (
        "unknown_country",
        COMEXT_HEADER + COMEXT_ROWS.replace("Kyrgyzstan", "Atlantis", 1),
        r"row 2, column 'PARTNER': unknown country 'Atlantis'",
    ),
    (
        "bad_period",
        COMEXT_HEADER + COMEXT_ROWS.replace("Aug. 2024", "August 24"),
        r"row 2, column 'PERIOD': unparseable period 'August 24'",
    ),
    (
        "contradicting_period_code",
        COMEXT_HEADER + COMEXT_ROWS.replace("201901-Jan.", "201902-Jan."),
        r"row 3, column 'PERIOD': unparseable period .*contradicts",
    ),
    (
        "html_page",
        "<!DOCTYPE html><html><body>503 Service Unavailable</body></html>",
        r"looks like an HTML or XML page",
    ),
    (
        "disagreeing_duplicate",
        COMEXT_HEADER + COMEXT_ROWS + COMEXT_ROWS.replace(",1000", ",1001"),
        r"row 2 gives 1000 .*row 4 gives 1001; overlapping files must agree",
    ),
]


@pytest.mark.parametrize("content,pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_comext_bad_input(tmp_path, content, pattern):
    path = write(tmp_path, "bad.csv", content)
    with pytest.raises(DataFormatError, match=pattern) as info:
        comext_read(path)
    assert str(path) in str(info.value)


def test_comext_good_rows_and_bom(tmp_path):
    path = write(tmp_path, "ok.csv", b"\xef\xbb\xbf" + (COMEXT_HEADER + COMEXT_ROWS).encode())
    t = comext_read(path)
    assert list(t["reporter"]) == ["DE", "FR"]
    assert [str(p) for p in t["period"]] == ["2024-08", "2019-01"]
    assert t["value"].sum() == 3500


def test_overlapping_files_that_agree_are_deduplicated(tmp_path):
    a = write(tmp_path, "a.csv", COMEXT_HEADER + COMEXT_ROWS)
    b = write(tmp_path, "b.csv", COMEXT_HEADER + COMEXT_ROWS.splitlines(True)[0])
    t = comext.read_relational_views([a, b], source="test")
    assert len(t) == 2


def test_overlapping_files_that_disagree_name_both(tmp_path):
    a = write(tmp_path, "a.csv", COMEXT_HEADER + COMEXT_ROWS)
    b = write(
        tmp_path, "b.csv", COMEXT_HEADER + COMEXT_ROWS.splitlines(True)[0].replace("1000", "7")
    )
    with pytest.raises(DataFormatError) as info:
        comext.read_relational_views([a, b], source="test")
    assert "a.csv" in str(info.value) and "b.csv" in str(info.value)


IMF_HEADER = (
    '"COUNTRY.ID","INDICATOR.ID","COUNTERPART_COUNTRY.ID","FREQUENCY.ID","SCALE","2020","2021"\n'
)


@pytest.mark.parametrize(
    "body,pattern",
    [
        (
            '"RUS","XG_FOB_USD","DEU","A","Millions","1.5","abc"\n',
            r"row 2, column 'raw': expected a number, found 'abc'",
        ),
        ('"RUS","XG_FOB_USD","DEU","M","Millions","1.5","2"\n', r"row 2, column 'FREQUENCY.ID'"),
        (
            '"RUS","XG_FOB_USD","DEU","A","Dozens","1.5","2"\n',
            r"row 2, column 'SCALE': unknown scale 'Dozens'",
        ),
        (
            '"ZZZ","XG_FOB_USD","DEU","A","Millions","1.5","2"\n',
            r"row 2, column 'COUNTRY.ID': unknown country 'ZZZ'",
        ),
    ],
    ids=["text_value", "monthly", "scale", "unknown_reporter"],
)
def test_imf_bad_input(tmp_path, body, pattern):
    path = write(tmp_path, "imf.csv", IMF_HEADER + body)
    with pytest.raises(DataFormatError, match=pattern):
        imf.read_imts_csv(path, source="t")


def test_imf_empty_cells_are_missing(tmp_path):
    path = write(
        tmp_path, "imf.csv", IMF_HEADER + '"RUS","XG_FOB_USD","DEU","A","Millions","","2"\n'
    )
    t = imf.read_imts_csv(path, source="t")
    assert len(t) == 1 and t["value"].iloc[0] == 2.0 and t["partner"].iloc[0] == "DE"


@pytest.mark.parametrize(
    "body,pattern",
    [
        (
            "observation_date,POILBREUSDM\n2020-01-01,abc\n",
            r"row 2, column 'POILBREUSDM': expected a number",
        ),
        (
            "observation_date,POILBREUSDM\n01/02/2020,3\n",
            r"row 2, column 'observation_date': unparseable date",
        ),
        ("date,POILBREUSDM\n2020-01-01,3\n", r"missing column\(s\) \['observation_date'\]"),
        (
            "observation_date,POILBREUSDM\n2020-01-01,3\n2020-01-01,3\n",
            r"period 2020-01 appears twice",
        ),
    ],
    ids=["text", "date_format", "renamed", "duplicate"],
)
def test_fred_bad_input(tmp_path, body, pattern):
    with pytest.raises(DataFormatError, match=pattern):
        fred.read_fred_csv(write(tmp_path, "f.csv", body), source="t")


def test_fred_dot_is_missing(tmp_path):
    t = fred.read_fred_csv(
        write(tmp_path, "f.csv", "observation_date,DEXUSEU\n2020-01-01,.\n2020-02-01,1.1\n"),
        source="t",
    )
    assert len(t) == 1


UK_SUBJECTS = (
    "unique_id,subject_type,un_reference_number,ofsi_group_id,date_designated,last_updated\n"
)
UK_NAMES = "name_id,unique_id,name_type,alias_strength,full_name,name_6,name_1,name_2,name_3,name_4,name_5\n00001,RUS0001,primary,,Ivan Petrov,Petrov,Ivan,,,,\n"


@pytest.mark.parametrize(
    "subjects,pattern",
    [
        (
            "RUS0001,individual,,1,31/02/2022,01/01/2023\n",
            r"row 2, column 'date_designated': unparseable date '31/02/2022'",
        ),
        ("RUS0001,person,,1,01/02/2022,01/01/2023\n", r"row 2, column 'subject_type'"),
        ("R1,individual,,1,01/02/2022,01/01/2023\n", r"row 2, column 'unique_id'"),
        (
            "RUS0001,individual,,1,01/02/2022,01/01/2023\nRUS0001,individual,,1,02/02/2022,01/01/2023\n",
            r"row 3, column 'unique_id': unique_id 'RUS0001' appears twice",
        ),
    ],
    ids=["date", "type", "id", "duplicate"],
)
def test_uk_list_bad_input(tmp_path, subjects, pattern):
    s = write(tmp_path, "subjects.csv", UK_SUBJECTS + subjects)
    n = write(tmp_path, "names.csv", UK_NAMES)
    with pytest.raises(DataFormatError, match=pattern):
        uk_sanctions.read_uk_sanctions_list(s, n, source="t")


EVENTS_HEADER = "jurisdiction,date,date_type,measure,kind,legal_act,source,notes\n"


@pytest.mark.parametrize(
    "row,pattern",
    [
        ("EU,2022-13-01,adopted,p1,trade,Reg 1,OJ,\n", r"row 2, column 'date'"),
        ("EU,2022-03-01,adopted,p1,tariffs,Reg 1,OJ,\n", r"row 2, column 'kind': kind 'tariffs'"),
        (
            "EU,2022-03-01,adopted,p1,trade,,OJ,\n",
            r"row 2, column 'legal_act': every measure must cite",
        ),
        ("EU,2022-03-01,decided,p1,trade,Reg 1,OJ,\n", r"row 2, column 'date_type'"),
    ],
    ids=["date", "kind", "legal_act", "date_type"],
)
def test_events_bad_input(tmp_path, row, pattern):
    with pytest.raises(DataFormatError, match=pattern):
        events.read_events_csv(write(tmp_path, "e.csv", EVENTS_HEADER + row))


def test_cn8_codes_restore_leading_zero_and_reject_junk(tmp_path):
    good = comext.read_cn8_codes(write(tmp_path, "c.csv", 'code,product\n"1012100","horses"\n'))
    assert good["code"].iloc[0] == "01012100"
    with pytest.raises(DataFormatError, match=r"row 2, column 'code': expected a 7- or 8-digit"):
        comext.read_cn8_codes(write(tmp_path, "d.csv", 'code,product\n"01.01","horses"\n'))


def test_xlsx_that_is_not_a_workbook(tmp_path):
    with pytest.raises(DataFormatError, match="not a readable XLSX workbook"):
        comext.read_spreadsheet(write(tmp_path, "x.xlsx", "a,b\n1,2\n"), source="t")


@pytest.fixture
def data_copy(tmp_path, monkeypatch, repo_root):
    """A private copy of data/ that a test may damage."""
    target = tmp_path / "data"
    shutil.copytree(repo_root / "data", target, ignore=shutil.ignore_patterns("cache"))
    monkeypatch.setenv("SANCTIONS_MODEL_DATA_DIR", str(target))
    clear_cache()
    yield target
    clear_cache()


def test_checksum_mismatch_names_file_and_both_hashes(data_copy):
    from sanctions_model.data import load_indicators

    path = data_copy / "raw" / "fred" / "POILBREUSDM.csv"
    path.write_bytes(path.read_bytes().replace(b"32.045", b"99.045"))
    with pytest.raises(ChecksumError) as info:
        load_indicators("fred")
    msg = str(info.value)
    assert "POILBREUSDM.csv" in msg and "manifest says sha256" in msg
    assert info.value.expected != info.value.actual and info.value.actual in msg


def test_failed_load_leaves_no_partial_table(data_copy):
    """A failed load raises and caches nothing; after the file is restored the load works."""
    from sanctions_model.data import load_indicators

    path = data_copy / "raw" / "fred" / "POILBREUSDM.csv"
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ChecksumError):
        load_indicators("fred")
    path.write_bytes(good)
    assert len(load_indicators("fred")) == 121
