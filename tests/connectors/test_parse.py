"""Each publisher's response format through the real download, parse and cache path."""

from __future__ import annotations

import pandas as pd
import pytest

from sanctions_model.data import connectors

from .conftest import Reply, Transport


def _fetch(client_for, source, reply, **query):
    transport = Transport(reply)
    frame = connectors.fetch(source, client=client_for(transport), **query)
    return frame, transport


def _value(frame, **key):
    mask = pd.Series(True, index=frame.index)
    for col, val in key.items():
        mask &= frame[col].astype(str) == str(val)
    assert mask.sum() == 1, key
    return float(frame.loc[mask, "value"].iloc[0])


def test_eurostat_sdmx_csv(client_for):
    frame, transport = _fetch(
        client_for,
        "eurostat",
        Reply.file("eurostat_ds045409.sdmx.csv", content_type="application/vnd.sdmx.data+csv"),
        reporter="DE,GR,EU27_2020",
        partner=["RU", "EU27_2020_EXTRA"],
        start="2022-01",
        end="2022-02",
    )
    url = transport.requests[0].url
    assert "/sdmx/2.1/data/DS-045409/M.DE+EU27_2020+GR.EU27_2020_EXTRA+RU.TOTAL.2+1." in url
    assert "startPeriod=2022-01" in url and "endPeriod=2022-02" in url
    assert len(frame) == 5  # the confidential (empty) GR observation is dropped
    assert _value(frame, reporter="DE", flow="export", period="2022-01") == 2345678901
    assert _value(frame, reporter="DE", flow="import", period="2022-01") == 3000000000.5
    assert _value(frame, reporter="GR", period="2022-02") == 41_000_000
    assert _value(frame, partner="EXT_EU27_2020") == 200_000_000_000
    assert set(frame["currency"]) == {"EUR"} and set(frame["unit_scale"]) == {1}
    assert str(frame["period"].dtype) == "period[M]"
    assert frame["source"].iloc[0].startswith("eurostat-")


def test_eurostat_jsonstat(client_for):
    frame, _ = _fetch(
        client_for,
        "eurostat",
        Reply.file("eurostat_ds045409.jsonstat.json", content_type="application/json"),
        reporter="DE,FR",
        flow="export",
        start="2022-01",
        end="2022-02",
    )
    assert len(frame) == 3  # cell 3 (FR 2022-02) has no value
    assert _value(frame, reporter="FR", period="2022-01") == 1_500_000_000
    assert _value(frame, reporter="DE", period="2022-02") == 2_100_000_000


@pytest.mark.parametrize(
    ("fixture", "ctype"),
    [
        ("imf_imts.sdmx.csv", "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8"),
        ("imf_imts.sdmx.json", "application/vnd.sdmx.data+json; version=2.0.0"),
    ],
)
def test_imf_sdmx_csv_and_json_agree(client_for, fixture, ctype):
    frame, transport = _fetch(
        client_for, "imf", Reply.file(fixture, content_type=ctype), start="2021", end="2022"
    )
    request = transport.requests[0]
    assert (
        "/IMF.STA/IMTS/+/RUS.XG_FOB_USD,MG_CIF_USD.*.A?c[TIME_PERIOD]=ge:2021+le:2022"
        in requests_unquote(request.url)
    )
    assert request.headers["Accept"].startswith("application/vnd.sdmx.data+csv")
    assert set(frame["partner"]) == {"CN", "G001"}  # G110 (an IMF region) is left out
    assert _value(frame, partner="CN", flow="export", period="2022") == 114145.5
    assert _value(frame, partner="CN", flow="import", period="2022") == 75600.2
    assert _value(frame, partner="G001", period="2022") == 592000
    assert set(frame["unit_scale"]) == {1_000_000} and set(frame["currency"]) == {"USD"}
    assert len(frame) == 4


def requests_unquote(url: str) -> str:
    from urllib.parse import unquote

    return unquote(url)


def test_comtrade_preview_without_key(client_for):
    frame, transport = _fetch(
        client_for,
        "comtrade",
        Reply.file("comtrade_preview.json", content_type="application/json"),
        reporter="TR",
        start="2022-01",
        end="2022-02",
    )
    request = transport.requests[0]
    assert request.url.startswith("https://comtradeapi.un.org/public/v1/preview/C/M/HS?")
    assert "reporterCode=792" in request.url and "partnerCode=643" in request.url
    assert "period=202201%2C202202" in request.url
    assert "Ocp-Apim-Subscription-Key" not in request.headers
    assert len(frame) == 3  # the motCode 1000 (sea only) breakdown is not a total
    assert _value(frame, flow="export", period="2022-01") == 412345678.0
    assert _value(frame, flow="import", period="2022-01") == 2_900_000_000.0
    assert set(frame["reporter"]) == {"TR"} and set(frame["partner"]) == {"RU"}


def test_comtrade_long_ranges_are_split_into_calls_of_twelve_periods(client_for):
    _, transport = _fetch(
        client_for,
        "comtrade",
        Reply.file("comtrade_preview.json", content_type="application/json"),
        reporter="TR",
        start="2021-01",
        end="2022-02",
    )
    assert len(transport.requests) == 2


def test_fred_csv_through_the_embedded_reader(client_for):
    frame, transport = _fetch(
        client_for,
        "fred",
        Reply.file("fredgraph_POILBREUSDM.csv"),
        series="POILBREUSDM",
        start="2022-01",
        end="2022-04",
    )
    url = transport.requests[0].url
    assert url.startswith("https://fred.stlouisfed.org/graph/fredgraph.csv?id=POILBREUSDM")
    assert "cosd=2022-01-01" in url and "coed=2022-04-30" in url
    assert list(frame["value"]) == [85.53, 97.13, 104.58]  # "." (missing) dropped
    assert str(frame["period"].dtype) == "period[M]"
    assert frame["unit"].iloc[0].startswith("USD per barrel")


def test_uk_sanctions_list(client_for):
    frame, _ = _fetch(client_for, "uk_sanctions_list", Reply.file("UK-Sanctions-List.csv"))
    assert len(frame) == 4
    row = frame.set_index("subject_id").loc["RUS0001"]
    assert row["name"] == "Roman Arkadyevich ABRAMOVICH"
    assert row["aliases"] == ("Roman ABRAMOVITCH",)
    assert row["designated_on"] == pd.Timestamp("2022-03-10")
    assert frame.set_index("subject_id").loc["RUS1800", "subject_type"] == "ship"
    sber = frame.set_index("subject_id").loc["RUS0250"]
    assert sber["aliases"] == ("PUBLIC JOINT STOCK COMPANY SBERBANK OF RUSSIA",)
    assert set(frame["jurisdiction"]) == {"GB"}
    russia = connectors.fetch(
        "uk_sanctions_list",
        regime="RUS",
        client=client_for(Transport(Reply.file("UK-Sanctions-List.csv"))),
    )
    assert set(russia["regime"]) == {"RUS"} and len(russia) == 3


def test_eu_fsf_semicolon_csv(client_for):
    frame, _ = _fetch(client_for, "eu_fsf", Reply.file("eu_fsf_full.csv"))
    assert len(frame) == 3 and set(frame["jurisdiction"]) == {"EU"}
    by_id = frame.set_index("subject_id")
    putin = by_id.loc["EU-7412"]
    assert putin["name"] == "Vladimir Vladimirovich PUTIN"
    assert putin["aliases"] == ("Владимир Владимирович ПУТИН",)
    assert putin["regime"] == "RUS" and putin["subject_type"] == "individual"
    assert putin["designated_on"] == pd.Timestamp("2022-02-28")
    sber = by_id.loc["EU-7520"]
    assert sber["subject_type"] == "entity"
    assert sber["designated_on"] == pd.Timestamp("2022-06-03")  # from the regulation's date
    assert by_id.loc["EU-13", "aliases"] == ("Abu Ali",)
