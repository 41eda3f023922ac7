"""Transport failures, the cache's guarantees, and offline behaviour."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import requests

from sanctions_model.data import connectors
from sanctions_model.data.connectors import cache
from sanctions_model.errors import DataFormatError

from .conftest import Reply, Transport

FRED = {"series": "POILBREUSDM"}


def _ok() -> Reply:
    return Reply.file("fredgraph_POILBREUSDM.csv")


def test_cache_hit_needs_no_network(client_for):
    first = connectors.fetch("fred", client=client_for(Transport(_ok())), **FRED)
    again = connectors.fetch(
        "fred", client=client_for(Transport(_ok(), fail_if_called=True)), **FRED
    )
    pd.testing.assert_frame_equal(first, again)


def test_refresh_downloads_again_and_replaces_the_copy(client_for, isolated_cache):
    connectors.fetch("fred", client=client_for(Transport(_ok())), **FRED)
    newer = Reply(b"observation_date,POILBREUSDM\n2022-01-01,90.0\n")
    transport = Transport(newer)
    frame = connectors.fetch("fred", refresh=True, client=client_for(transport), **FRED)
    assert len(transport.requests) == 1 and list(frame["value"]) == [90.0]
    assert len(list(isolated_cache.glob("*.parquet"))) == 1  # the old version is removed


@pytest.mark.parametrize(
    "bad",
    [
        Reply(b"", status=503),
        Reply(b"<html><title>Maintenance</title></html>", content_type="text/html"),
        Reply(b"observation_date,POILBREUSDM\n2022-01-01,abc\n"),
    ],
    ids=["http-503", "html-page", "bad-number"],
)
def test_failed_refresh_keeps_the_previous_copy(client_for, bad):
    old = connectors.fetch("fred", client=client_for(Transport(_ok())), **FRED)
    with pytest.raises((connectors.FetchError, DataFormatError), match="is kept"):
        connectors.fetch(
            "fred", refresh=True, client=client_for(Transport(bad), max_attempts=2), **FRED
        )
    pd.testing.assert_frame_equal(connectors.fetch("fred", **FRED), old)


def test_truncated_response_is_retried_then_rejected_and_not_cached(client_for, isolated_cache):
    cut = Reply.file("fredgraph_POILBREUSDM.csv", cut=20)
    with pytest.raises(connectors.FetchError, match="cut off"):
        connectors.fetch("fred", client=client_for(Transport(cut), max_attempts=3), **FRED)
    assert not list(isolated_cache.glob("*")) or not list(isolated_cache.glob("*.json"))


def test_truncated_then_complete_succeeds(client_for):
    transport = Transport(Reply.file("fredgraph_POILBREUSDM.csv", cut=20), _ok())
    frame = connectors.fetch("fred", client=client_for(transport), **FRED)
    assert len(transport.requests) == 2 and len(frame) == 3


def test_html_error_page_with_status_200_is_rejected(client_for):
    page = Reply(
        b"<!DOCTYPE html><html><head><title>Service unavailable</title></head></html>",
        content_type="text/html; charset=utf-8",
    )
    with pytest.raises(connectors.FetchError, match="HTML page .Service unavailable."):
        connectors.fetch("fred", client=client_for(Transport(page)), **FRED)


def test_unexpected_content_type_is_rejected(client_for):
    reply = Reply(b"\x89PNG\r\n", content_type="image/png")
    with pytest.raises(connectors.FetchError, match="content type 'image/png'"):
        connectors.fetch("fred", client=client_for(Transport(reply)), **FRED)


def test_429_honours_retry_after_then_succeeds(client_for, sleeps):
    transport = Transport(
        Reply(b'{"message": "Rate limit is exceeded."}', status=429, headers={"Retry-After": "7"}),
        _ok(),
    )
    frame = connectors.fetch("fred", client=client_for(transport), **FRED)
    assert len(frame) == 3 and sleeps == [7.0] and len(transport.requests) == 2


def test_500_is_retried_with_backoff_then_fails_cleanly(client_for, sleeps, isolated_cache):
    transport = Transport(Reply(b"Internal error", status=500, content_type="text/plain"))
    with pytest.raises(connectors.FetchError, match="gave up after 4 attempts.*HTTP 500"):
        connectors.fetch("fred", client=client_for(transport), **FRED)
    assert len(transport.requests) == 4 and sleeps == [2.0, 4.0, 8.0]
    assert not list(isolated_cache.glob("*.json"))


def test_404_is_reported_at_once_with_the_publishers_message(client_for, sleeps):
    body = b'{"error_code": 400, "error_message": "Bad Request.  The series does not exist."}'
    transport = Transport(Reply(body, status=404, content_type="application/json"))
    with pytest.raises(connectors.FetchError, match="HTTP 404.*The series does not exist") as exc:
        connectors.fetch("fred", client=client_for(transport), series="NOSUCHSERIES")
    assert exc.value.status == 404 and len(transport.requests) == 1 and sleeps == []


def test_sdmx_error_message_is_extracted(client_for):
    body = (
        b'<?xml version="1.0"?><message:Error><message:ErrorMessage code="100">'
        b"<common:Text>No results found.</common:Text></message:ErrorMessage></message:Error>"
    )
    transport = Transport(Reply(body, status=404, content_type="application/xml"))
    with pytest.raises(connectors.FetchError, match="No results found"):
        connectors.fetch("eurostat", client=client_for(transport), start="2022-01")


def test_offline_without_cache_says_what_to_fetch(client_for):
    down = Reply(error=requests.ConnectionError("Name or service not known"))
    transport = Transport(down)
    with pytest.raises(connectors.OfflineError) as exc:
        connectors.fetch(
            "comtrade",
            client=client_for(transport, max_attempts=3),
            reporter="TR,AE",
            start="2022-01",
            end="2022-12",
        )
    message = str(exc.value)
    assert len(transport.requests) == 1  # a failed name lookup means offline: no retries
    assert "sanctions-model fetch comtrade --reporter AE,TR --partner RU" in message
    assert "--start 2022-01 --end 2022-12" in message and "embedded datasets" in message


def test_offline_flag_never_touches_the_network_and_embedded_data_still_loads(
    client_for, monkeypatch
):
    monkeypatch.setenv("SANCTIONS_MODEL_OFFLINE", "1")
    with pytest.raises(connectors.OfflineError, match="sanctions-model fetch fred --series"):
        connectors.fetch("fred", client=client_for(Transport(fail_if_called=True)), **FRED)
    from sanctions_model.data import load_indicators

    assert len(load_indicators("fred")) > 100


def test_corrupted_cache_is_detected_and_never_used(client_for, isolated_cache):
    connectors.fetch("fred", client=client_for(Transport(_ok())), **FRED)
    (parquet,) = isolated_cache.glob("*.parquet")
    data = bytearray(parquet.read_bytes())
    data[len(data) // 2] ^= 0xFF
    parquet.write_bytes(bytes(data))
    with pytest.raises(connectors.CacheCorruptedError, match="corrupted.*--refresh"):
        connectors.fetch("fred", client=client_for(Transport(fail_if_called=True)), **FRED)
    frame = connectors.fetch("fred", refresh=True, client=client_for(Transport(_ok())), **FRED)
    assert len(frame) == 3


def test_provenance_record_and_list_cached(client_for, isolated_cache):
    frame = connectors.fetch(
        "fred", client=client_for(Transport(_ok())), start="2022-01", end="2022-04", **FRED
    )
    name = frame["source"].iloc[0]
    record = json.loads((isolated_cache / f"{name}.json").read_text())
    body = Reply.file("fredgraph_POILBREUSDM.csv").body
    assert record["sha256_raw"] == cache.sha256_bytes(body)
    assert record["sha256_parquet"] == cache.manifest.sha256_file(
        isolated_cache / record["parquet"]
    )
    assert record["url"].startswith("https://fred.stlouisfed.org/graph/fredgraph.csv?id=")
    assert record["retrieved_at"].endswith("+00:00") and record["rows"] == 3
    assert record["client"].startswith("sanctions-model ")
    assert record["coverage"] == {"first": "2022-01", "last": "2022-04"}
    assert record["query"] == {"series": ["POILBREUSDM"], "start": "2022-01", "end": "2022-04"}
    listed = connectors.list_cached()
    assert list(listed.columns) == cache.LIST_COLUMNS
    assert listed.iloc[0][["dataset", "kind", "source", "rows", "first", "last"]].tolist() == [
        name,
        "indicators",
        "fred",
        3,
        "2022-01",
        "2022-04",
    ]
    assert connectors.load_cached("never-fetched") is None
