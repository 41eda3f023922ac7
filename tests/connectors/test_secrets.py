"""API keys reach the publisher and nothing else: not provenance, Parquet, messages or logs."""

from __future__ import annotations

import pytest

from sanctions_model.data import connectors

from .conftest import FAKE_KEY, Reply, Transport


def _everything_written(cache_dir) -> bytes:
    return b"".join(p.read_bytes() for p in cache_dir.rglob("*") if p.is_file())


def test_comtrade_key_goes_in_the_header_only(client_for, monkeypatch, isolated_cache, debug_logs):
    monkeypatch.setenv("COMTRADE_API_KEY", FAKE_KEY)
    transport = Transport(Reply.file("comtrade_preview.json", content_type="application/json"))
    connectors.fetch(
        "comtrade", client=client_for(transport), reporter="TR", start="2022-01", end="2022-02"
    )
    request = transport.requests[0]
    assert request.headers["Ocp-Apim-Subscription-Key"] == FAKE_KEY
    assert request.url.startswith("https://comtradeapi.un.org/data/v1/get/C/M/HS?")
    assert FAKE_KEY not in request.url
    assert FAKE_KEY.encode() not in _everything_written(isolated_cache)
    assert FAKE_KEY not in debug_logs.text


def test_fred_key_in_the_url_is_redacted_everywhere(
    client_for, monkeypatch, isolated_cache, debug_logs
):
    monkeypatch.setenv("FRED_API_KEY", FAKE_KEY)
    transport = Transport(Reply.file("fred_api_DEXUSEU.json", content_type="application/json"))
    frame = connectors.fetch(
        "fred", client=client_for(transport), series="DEXUSEU", start="2022-01", end="2022-01"
    )
    assert f"api_key={FAKE_KEY}" in transport.requests[0].url  # FRED takes it nowhere else
    assert list(frame["value"]) == [1.1363, 1.1291] and str(frame["period"].dtype) == "period[D]"
    written = _everything_written(isolated_cache)
    assert FAKE_KEY.encode() not in written and b"api_key=***" in written
    assert FAKE_KEY not in debug_logs.text and "api_key=***" in debug_logs.text


@pytest.mark.parametrize(
    "reply",
    [
        Reply(f"Invalid api_key {FAKE_KEY}".encode(), status=400, content_type="text/plain"),
        Reply(b"", status=503),
        Reply(error=ConnectionError("refused")),
    ],
    ids=["4xx-echoing-the-key", "5xx", "connection-error"],
)
def test_key_never_appears_in_exception_text_or_logs(client_for, monkeypatch, reply, debug_logs):
    import requests

    monkeypatch.setenv("FRED_API_KEY", FAKE_KEY)
    if reply.error is not None:
        reply.error = requests.ConnectionError(f"cannot reach ...?api_key={FAKE_KEY}")
    with pytest.raises(connectors.FetchError) as exc:
        connectors.fetch(
            "fred", client=client_for(Transport(reply), max_attempts=2), series="DEXUSEU"
        )
    assert FAKE_KEY not in str(exc.value) and "***" in str(exc.value)
    assert (
        exc.value.__cause__ is None
        and exc.value.__context__ is None
        or FAKE_KEY not in str(exc.value.__context__)
    )
    assert FAKE_KEY not in debug_logs.text
