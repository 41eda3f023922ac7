"""Bad-input cases not in ``tests/data/test_bad_input.py``: every reader, each with its exact error.

That file covers the Comext reader in depth and a few cases per other reader; this one adds, for
IMF, FRED, the UK list and the events file: UTF-8 with BOM (must work), Latin-1, header only, an
HTML error page, out-of-range years (the readers accept 1900-2100), duplicate keys that disagree,
a BOM-only file and a repeated column.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sanctions_model.data import comext, events, fred, imf, ofac, partner_national, uk_sanctions
from sanctions_model.errors import DataFormatError

BOM = b"\xef\xbb\xbf"
HTML = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\n"
)

COMEXT_H = "REPORTER,PARTNER,PRODUCT,FLOW,STAT_PROCEDURE,PERIOD,VALUE_IN_EUR\n"
COMEXT_R = '"France","Kyrgyzstan","Total","EXPORT","Total","Aug. 2024",1000\n'
IMF_H = (
    '"COUNTRY.ID","INDICATOR.ID","COUNTERPART_COUNTRY.ID","FREQUENCY.ID","SCALE","2020","2021"\n'
)
IMF_R = '"RUS","XG_FOB_USD","DEU","A","Millions","1.5","2"\n'
FRED_H = "observation_date,POILBREUSDM\n"
FRED_R = "2020-01-01,63.6\n2020-02-01,55.7\n"
UK_S_H = "unique_id,subject_type,un_reference_number,ofsi_group_id,date_designated,last_updated\n"
UK_S_R = "RUS0001,Individual,,1,01/03/2022,01/01/2023\n"
UK_N_H = "name_id,unique_id,name_type,alias_strength,full_name\n"
UK_N_R = "1,RUS0001,primary,,Ivan Petrov\n2,RUS0001,alias,,I. Petrov\n"
EV_H = "jurisdiction,date,date_type,measure,kind,legal_act,source,notes\n"
EV_R = 'EU,2022-02-23,adopted,"package 1, first",trade,Reg 2022/263,OJ L 42I,\n'
# the hubs' statistics and the OFAC first-seen dates (issue 13)
UZ_H = "Code,Klassifikator,Klassifikator_ru,Klassifikator_en,2022,2023\n"
UZ_R = "250,Fransiya,Франция,France,1.0,24869366.3\n"  # the 2023 sum matches published exports
UZ_IMPORTS = UZ_H + "156,Xitoy,Китай,China,1.0,38659064.8\n"
AM_H = "country,export,import_consigment,import_origin,timeperiod,year\n"
AM_R = "France,3000000.0,2.0,3.0,12,2022\n\nFrance,3000000.0,2.0,3.0,Year,2022\n"
OFAC_H = "ent_num,first_seen,last_seen,present_at_end,program,censored_start,sdn_type,sdn_name\n"
OFAC_R = "36,2021-08-18,2024-05-03,true,CUBA,true,,France AIRLINES\n"


def _write(tmp: Path, name: str, content: str | bytes) -> Path:
    p = tmp / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return p


def read_comext(tmp, text):
    return comext.read_relational_views([_write(tmp, "c.csv", text)], source="t")


def read_imf(tmp, text):
    return imf.read_imts_csv(_write(tmp, "i.csv", text), source="t")


def read_fred(tmp, text):
    return fred.read_fred_csv(_write(tmp, "f.csv", text), source="t")


def read_uk(tmp, text, names=UK_N_H + UK_N_R):
    s, n = _write(tmp, "subjects.csv", text), _write(tmp, "names.csv", names)
    return uk_sanctions.read_uk_sanctions_list(s, n, source="t")


def read_uk_names(tmp, text):
    return read_uk(tmp, UK_S_H + UK_S_R, names=text)


def read_events(tmp, text):
    return events.read_events_csv(_write(tmp, "e.csv", text))


def read_uz(tmp, text):
    paths = [_write(tmp, "x.csv", text), _write(tmp, "m.csv", UZ_IMPORTS)]
    return partner_national.read_uzbekistan(paths, source="t").table


def read_am(tmp, text):
    return partner_national.read_armenia(_write(tmp, "am.csv", text), source="t").table


def read_ofac_seen(tmp, text):
    return ofac.read_first_seen(_write(tmp, "first_seen.csv", text), source="t")


READERS = {
    "comext": (read_comext, COMEXT_H, COMEXT_R),
    "imf": (read_imf, IMF_H, IMF_R),
    "fred": (read_fred, FRED_H, FRED_R),
    "uk_subjects": (read_uk, UK_S_H, UK_S_R),
    "uk_names": (read_uk_names, UK_N_H, UK_N_R),
    "events": (read_events, EV_H, EV_R),
    "uzbekistan": (read_uz, UZ_H, UZ_R),
    "armenia": (read_am, AM_H, AM_R),
    "ofac_first_seen": (read_ofac_seen, OFAC_H, OFAC_R),
}


@pytest.mark.parametrize("reader", READERS)
def test_utf8_bom_is_read(tmp_path, reader):
    read, header, rows = READERS[reader]
    with_bom = read(tmp_path, BOM + (header + rows).encode())
    without = read(tmp_path, header + rows)
    assert with_bom.equals(without) and len(with_bom) > 0


GENERIC = [
    ("latin1", lambda h, r: (h + r).encode("utf-8").replace(b"Petrov", b"P\xe9trov")
     .replace(b"France", b"Fran\xe7e").replace(b"2020-01-01,63.6", b"2020-01-01,6\xb03")
     .replace(b"package 1", b"paquet \xe9t\xe9").replace(b'"RUS"', b'"R\xc9S"')
     .replace(b"Individual", b"Individu\xe9l"),
     r"not utf-8 text \(byte 0x[0-9a-f]{2} at offset \d+\)"),
    ("header_only", lambda h, r: h, r"has a header but no data rows"),
    ("header_only_with_bom", lambda h, r: BOM + h.encode(), r"has a header but no data rows"),
    ("bom_only", lambda h, r: BOM, r"file is empty"),
    ("blank_lines", lambda h, r: "\n\n  \n", r"file is empty"),
    ("html_page", lambda h, r: HTML, r"looks like an HTML or XML page, not a CSV"),
    ("xml_page", lambda h, r: b'<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>',
     r"looks like an HTML or XML page"),
    ("repeated_column", lambda h, r: h.rstrip("\n") + "," + h.split(",")[0] + "\n"
     + "".join(line + ",x\n" for line in r.splitlines()), r"row 1: column\(s\) \[.*\] appear twice"),
    ("truncated_last_line", lambda h, r: h + r + r.splitlines()[0].split(",")[0] + "\n",
     r"row \d+: expected \d+ fields, found 1 \(truncated or malformed line\)"),
    ("tab_separated", lambda h, r: (h + r).replace(",", "\t"),
     r"row 1: (malformed CSV: .*; )?expected ','-separated columns \(the file seems to use '\\t'\)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("reader", "make", "pattern"),
    [
        (reader, make, pattern)
        for case, make, pattern in GENERIC
        for reader in READERS
        # FRED needs one column: a tab-separated header is one legal column (see below)
        if not (reader == "fred" and case == "tab_separated")
    ],
    ids=[
        f"{case}-{r}"
        for case, *_ in GENERIC
        for r in READERS
        if (r, case) != ("fred", "tab_separated")
    ],
)
def test_every_reader_rejects(tmp_path, reader, make, pattern):
    read, header, rows = READERS[reader]
    with pytest.raises(DataFormatError, match=pattern):
        read(tmp_path, make(header, rows))


def test_fred_tab_separated_names_missing_column(tmp_path):
    with pytest.raises(DataFormatError, match=r"missing column\(s\) \['observation_date'\]"):
        read_fred(tmp_path, (FRED_H + FRED_R).replace(",", "\t"))


# -- out-of-range periods: a plausible range of 1900-2100 ----------------------------------------

RANGE = [
    ("comext_1850", read_comext, COMEXT_H + COMEXT_R.replace("2024", "1850"),
     r"row 2, column 'PERIOD': unparseable period 'Aug. 1850': year 1850 is outside the plausible years 1900-2100"),
    ("comext_2999_annual", read_comext, COMEXT_H + COMEXT_R.replace("Aug. 2024", "Jan.-Dec. 2999"),
     r"row 2, column 'PERIOD': .*year 2999 is outside"),
    ("imf_year_column_1850", read_imf, IMF_H.replace("2020", "1850") + IMF_R,
     r"row 1, column '1850': year column outside the plausible years 1900-2100"),
    ("imf_year_column_2999", read_imf, IMF_H.replace("2021", "2999") + IMF_R,
     r"row 1, column '2999': year column outside"),
    ("fred_1850", read_fred, FRED_H + "1850-01-01,3\n",
     r"row 2, column 'observation_date': '1850-01-01' is outside the plausible years 1900-2100"),
    ("fred_placeholder_9999", read_fred, FRED_H + FRED_R + "9999-12-31,3\n",
     r"row 4, column 'observation_date': (unparseable date|'9999-12-31' is outside)"),
    ("uk_2999", read_uk, UK_S_H + UK_S_R.replace("01/03/2022", "01/03/2999"),
     r"row 2, column 'date_designated': '01/03/2999' is outside the plausible years"),
    ("events_1850", read_events, EV_H + EV_R.replace("2022-02-23", "1850-02-23"),
     r"row 2, column 'date': '1850-02-23' is outside the plausible years"),
    ("events_0001", read_events, EV_H + EV_R.replace("2022-02-23", "0001-01-01"),
     r"row 2, column 'date': (unparseable date '0001-01-01'|'0001-01-01' is outside)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("read", "content", "pattern"), [c[1:] for c in RANGE], ids=[c[0] for c in RANGE]
)
def test_out_of_range_years(tmp_path, read, content, pattern):
    with pytest.raises(DataFormatError, match=pattern):
        read(tmp_path, content)


def test_range_bounds_are_inclusive(tmp_path):
    assert str(comext.parse_period("Jan. 1900")) == "1900-01"
    assert str(comext.parse_period("Dec. 2100")) == "2100-12"
    for label in ("Dec. 1899", "Jan. 2101", "Jan.-Dec. 0000", "Aug. ２０２４", "Aug 2024 x"):
        with pytest.raises(ValueError):
            comext.parse_period(label)


# -- duplicate keys ------------------------------------------------------------------------------


def test_imf_duplicate_series_that_disagree_name_both_rows(tmp_path):
    body = IMF_R + IMF_R.replace('"1.5"', '"1.7"')
    with pytest.raises(
        DataFormatError,
        match=r"row 3, column '2020': rows 2 and 3 disagree for RU->DE export 2020: 1.5 vs 1.7",
    ):
        read_imf(tmp_path, IMF_H + body)


def test_imf_duplicate_series_in_other_scale_that_disagree(tmp_path):
    body = IMF_R + IMF_R.replace("Millions", "Thousands").replace('"1.5"', '"1500"')
    # 1.5 million == 1500 thousand for 2020; 2021: 2 million vs 2 thousand disagree
    with pytest.raises(DataFormatError, match=r"column '2021': .*: 2 vs 2 Thousands"):
        read_imf(tmp_path, IMF_H + body)


def test_imf_duplicate_series_that_agree_are_kept_once(tmp_path):
    t = read_imf(tmp_path, IMF_H + IMF_R + IMF_R)
    assert len(t) == 2 and list(t["value"]) == [1.5, 2.0]


def test_fred_duplicate_dates_that_disagree_name_both_rows(tmp_path):
    with pytest.raises(
        DataFormatError,
        match=r"row 4, column 'observation_date': period 2020-01 appears twice "
        r"\(rows 2 and 4, different values\)",
    ):
        read_fred(tmp_path, FRED_H + FRED_R + "2020-01-15,70.1\n")


def test_comext_annual_and_monthly_mixed(tmp_path):
    with pytest.raises(DataFormatError, match=r"column 'PERIOD': mixes monthly and annual"):
        read_comext(tmp_path, COMEXT_H + COMEXT_R + COMEXT_R.replace("Aug. 2024", "Jan.-Dec. 2023"))


def test_events_unknown_jurisdiction(tmp_path):
    with pytest.raises(DataFormatError, match=r"does not fit the sanctions events table.*'ZZ'"):
        read_events(tmp_path, EV_H + EV_R.replace("EU,", "ZZ,", 1))


def test_imf_negative_and_absurd_values(tmp_path):
    with pytest.raises(DataFormatError, match=r"row 2, column 'raw': value -1.0 is below"):
        read_imf(tmp_path, IMF_H + IMF_R.replace('"1.5"', '"-1"'))
    with pytest.raises(DataFormatError, match=r"row 2, column 'raw': value .* is above .*1e\+07"):
        read_imf(tmp_path, IMF_H + IMF_R.replace('"1.5"', '"2e7"'))


def test_uk_names_without_primary(tmp_path):
    with pytest.raises(DataFormatError, match=r"names.csv, column 'name_type': no primary name"):
        read_uk(tmp_path, UK_S_H + UK_S_R, names=UK_N_H + "1,RUS0001,alias,,I. Petrov\n")


def test_fred_all_missing_and_imf_only_aggregates_are_errors(tmp_path):
    with pytest.raises(DataFormatError, match=r"has no observations: every value is missing"):
        read_fred(tmp_path, FRED_H + "2020-01-01,.\n2020-02-01,\n")
    with pytest.raises(DataFormatError, match=r"no values: no \['MG_CIF_USD', 'XG_FOB_USD'\]"):
        read_imf(tmp_path, IMF_H + IMF_R.replace('"DEU"', '"G998"'))
