"""Property tests: any bytes given to a reader give a valid table or a ``DataFormatError``.

Inputs are drawn three ways: raw bytes, arbitrary text, and near-valid CSV (the publisher's header
and good cell values mixed with arbitrary strings, sometimes with a column dropped or a BOM). A
reader that lets another exception escape (``KeyError``, ``IndexError``, pandas' ``OutOfBounds...``)
fails the test. Valid tables are checked against their pandera schema again.
"""

from __future__ import annotations

import csv
import io
import itertools
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanctions_model.data import (
    comext,
    events,
    fred,
    imf,
    ofac,
    partner_national,
    schemas,
    uk_sanctions,
)
from sanctions_model.errors import DataFormatError

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# -- input strategies ----------------------------------------------------------------------------

NOISE = st.text(max_size=12) | st.sampled_from(
    [
        "",
        " ",
        ":",
        ".",
        "-1",
        "1e400",
        "nan",
        "inf",
        "0x10",
        "1,000",
        "0000",
        "9999",
        "\x00",
        "\ufeff",
    ]
)


def _cells(good: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(good) | NOISE


def near_csv(columns: dict[str, list[str]], *, max_rows: int = 4) -> st.SearchStrategy[bytes]:
    """The header (sometimes missing a column) and rows of good-or-noise cells, CSV-quoted."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        names = list(columns)
        if draw(st.booleans()) and len(names) > 1:
            names.remove(draw(st.sampled_from(names)))
        rows = draw(
            st.lists(st.tuples(*[_cells(columns[n]) for n in names]), min_size=0, max_size=max_rows)
        )
        buf = io.StringIO()
        writer = csv.writer(buf, quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])))
        writer.writerow(names)
        writer.writerows(rows)
        text = buf.getvalue()
        if draw(st.booleans()):
            text = text[: draw(st.integers(0, len(text)))]  # truncated download
        prefix = draw(st.sampled_from([b"", b"\xef\xbb\xbf"]))
        return prefix + text.encode(draw(st.sampled_from(["utf-8", "utf-8", "latin-1"])), "replace")

    return build()


def anything(columns: dict[str, list[str]]) -> st.SearchStrategy[bytes]:
    return (
        near_csv(columns)
        | near_csv(columns)
        | st.binary(max_size=200)
        | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))
    )


COMEXT = {
    "REPORTER": ["Germany (incl. German Democratic Republic 'DD' from 1991)", "France", "Italy"],
    "PARTNER": ["Kyrgyzstan", "Russia", "Armenia"],
    "PRODUCT": ["Total", "TOTAL-Total", "27-Mineral fuels"],
    "FLOW": ["EXPORT", "IMPORT", "2-EXPORT", "EXPORTATION"],
    "STAT_PROCEDURE": ["Total", "1-Total", "TOTAL"],
    "PERIOD": ["Aug. 2024", "201901-Jan. 2019", "201952-Jan.-Dec. 2019", "Jan.-Dec. 2016",
               "Aug. 1850", "Dec. 2999", "Jan. 0000"],
    "VALUE_IN_EUR": ["1000", "0", "2.5", "-5", "9e18"],
}  # fmt: skip
IMF = {
    "COUNTRY.ID": ["RUS", "DEU", "ZZZ"],
    "INDICATOR.ID": ["XG_FOB_USD", "MG_CIF_USD", "OTHER"],
    "COUNTERPART_COUNTRY.ID": ["DEU", "G001", "G998", "TX1", "CHN"],
    "FREQUENCY.ID": ["A", "M"],
    "SCALE": ["Millions", "Units", "Dozens"],
    "2020": ["1.5", "", "abc"],
    "2021": ["2", "", "1e8"],
}
IMF_ODD_YEARS = {
    **{k: v for k, v in IMF.items() if k not in ("2020", "2021")},
    "1850": ["1"],
    "0000": ["1"],
}
FRED = {"observation_date": ["2020-01-01", "2020-02-01", "0001-01-01", "9999-12-31", "2020-02-30"],
        "POILBREUSDM": ["1.5", ".", "", "-3", "1e12"]}  # fmt: skip
SUBJECTS = {
    "unique_id": ["RUS0001", "RUS0002", "R1"],
    "subject_type": ["Individual", "entity", "ship", "person"],
    "date_designated": ["01/02/2022", "", "31/02/2022", "01/01/0001", "31/12/9999"],
}
NAMES = {
    "unique_id": ["RUS0001", "RUS0002"],
    "name_type": ["primary", "alias", "primary_variation"],
    "full_name": ["Ivan Petrov", "", "Иван"],
}
EVENTS = {
    "jurisdiction": ["EU", "US", "GB", "ZZ"],
    "date": ["2022-02-23", "2014-03-17", "1850-01-01", "2999-01-01", "0001-01-01"],
    "date_type": ["adopted", "in_force", "decided"],
    "measure": ["package 1", ""],
    "kind": ["trade", "financial", "tariffs"],
    "legal_act": ["Reg 833/2014", ""],
    "source": ["OJ L 229", ""],
    "notes": ["", "note, with comma"],
}

# the hubs' statistics and the OFAC files (issue 13)
UZBEKISTAN = {
    "Code": ["643", "0", "008", "999", "736"],
    "Klassifikator_en": ["Russia", ""],
    "2022": ["1.5", "", "-1"],
    "2023": ["24869366.3", "38659064.8", "0", "x"],
}
ARMENIA = {
    "country": ["Russian Federation", "", "Unknown country", "Atlantis"],
    "export": ["3000000.0", "-", "", "-2"],
    "import_consigment": ["1.0", "-"],
    "import_origin": ["1.0", "-"],
    "timeperiod": ["1", "12", "Year", "13", "1.5"],
    "year": ["2022", "2023", "1850", "2022.5"],
}
FIRST_SEEN = {
    "ent_num": ["36", "306", "x"],
    "first_seen": ["2021-08-18", "2022-03-11", "11/03/2022", "0001-01-01"],
    "censored_start": ["true", "false", "maybe"],
    "program": ["CUBA", "SDGT] [RUSSIA-EO14024", ""],
    "sdn_type": ["", "individual", "vessel", "robot"],
    "sdn_name": ["AEROCARIBBEAN AIRLINES", ""],
}
SDN_LINES = [
    '36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ',
    '306,"BANCO",individual,"CUBA] [SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"a.k.a. \'B\'."',
    "7,TRUNCATED",
]


_SCRATCH = tempfile.TemporaryDirectory(prefix="prop-")  # removed at exit: examples write many files
_COUNTER = itertools.count()


def _write(data: bytes, name: str = "f.csv") -> Path:
    d = Path(_SCRATCH.name) / str(next(_COUNTER))
    d.mkdir()
    p = d / name
    p.write_bytes(data)
    return p


def _valid_or_documented(call, schema) -> None:
    try:
        table = call()
    except DataFormatError as exc:
        assert str(exc)  # a message naming the file
        return
    assert isinstance(table, pd.DataFrame) and len(table) > 0
    schemas.validate(table, schema, "re-check")
    if "period" in table:
        years = [p.year for p in table["period"]]
        assert all(1900 <= y <= 2100 for y in years), years
    for col in ("date", "designated_on"):
        if col in table:
            years = table[col].dropna().dt.year
            assert ((years >= 1900) & (years <= 2100)).all()


# -- the properties ------------------------------------------------------------------------------


@SETTINGS
@given(anything(COMEXT))
def test_comext_relational_view_any_input(data):
    path = _write(data)
    _valid_or_documented(lambda: comext.read_relational_views([path], source="p"), schemas.TRADE)


@SETTINGS
@given(anything(COMEXT), anything(COMEXT))
def test_comext_two_files_any_input(a, b):
    pa, pb = _write(a, "a.csv"), _write(b, "b.csv")
    _valid_or_documented(lambda: comext.read_relational_views([pa, pb], source="p"), schemas.TRADE)


@SETTINGS
@given(anything(COMEXT))
def test_comext_single_view_any_input(data):
    path = _write(data)
    try:
        table = comext.read_relational_view(path, source="p")
    except DataFormatError:
        return
    assert len(table) > 0 and set(table["flow"]) <= {"export", "import"}


@SETTINGS
@given(
    st.text(max_size=40)
    | st.from_regex(r"\A(\d{6}-)?[A-Za-zéû]{3,5}\.? \d{4}\Z")
    | st.from_regex(r"\A(\d{4}52-)?Jan\.-D[ée]c\. \d{4}\Z")
)
def test_parse_period_any_text(label):
    try:
        period = comext.parse_period(label)
    except ValueError:  # documented; DataFormatError is a ValueError too
        return
    assert isinstance(period, pd.Period) and 1900 <= period.year <= 2100


@SETTINGS
@given(anything(IMF) | anything(IMF_ODD_YEARS))
def test_imf_any_input(data):
    path = _write(data)
    _valid_or_documented(lambda: imf.read_imts_csv(path, source="p"), schemas.TRADE)


@SETTINGS
@given(anything(FRED))
def test_fred_any_input(data):
    path = _write(data)
    _valid_or_documented(lambda: fred.read_fred_csv(path, source="p"), schemas.INDICATORS)


@SETTINGS
@given(anything(SUBJECTS), anything(NAMES))
def test_uk_sanctions_any_input(subjects, names):
    s, n = _write(subjects, "subjects.csv"), _write(names, "names.csv")
    _valid_or_documented(
        lambda: uk_sanctions.read_uk_sanctions_list(s, n, source="p"), schemas.DESIGNATIONS
    )


@SETTINGS
@given(anything(EVENTS))
def test_events_any_input(data):
    path = _write(data)
    _valid_or_documented(lambda: events.read_events_csv(path), schemas.EVENTS)


@SETTINGS
@given(anything(UZBEKISTAN), anything(UZBEKISTAN))
def test_uzbekistan_any_input(exports, imports):
    paths = [_write(exports, "x.csv"), _write(imports, "m.csv")]
    _valid_or_documented(
        lambda: partner_national.read_uzbekistan(paths, source="p").table, schemas.TRADE
    )


@SETTINGS
@given(anything(ARMENIA))
def test_armenia_any_input(data):
    path = _write(data)
    _valid_or_documented(
        lambda: partner_national.read_armenia(path, source="p").table, schemas.TRADE
    )
    _valid_or_documented(
        lambda: partner_national.read_armenia_monthly([path], source="p").table, schemas.TRADE
    )


@SETTINGS
@given(
    anything(FIRST_SEEN),
    st.lists(st.sampled_from(SDN_LINES) | st.text(max_size=30), max_size=4).map(
        lambda lines: ("\r\n".join(lines) + "\r\n\x1a").encode("utf-8", "surrogatepass")
    )
    | st.binary(max_size=100),
)
def test_ofac_any_input(first_seen, sdn):
    seen, lst = _write(first_seen, "first_seen.csv"), _write(sdn, "sdn.csv")
    _valid_or_documented(lambda: ofac.read_first_seen(seen, source="p"), schemas.DESIGNATIONS)
    _valid_or_documented(lambda: ofac.read_sdn(lst, seen, source="p"), schemas.DESIGNATIONS)


@pytest.fixture(autouse=True)
def _no_stray_warnings_as_errors():
    yield
