"""Test transport for the connectors: a ``requests`` adapter that answers from fixture files.

Only the transport is replaced. The adapter builds real ``urllib3`` responses (so a body shorter
than its Content-Length fails as it would on the wire) and hands them to ``requests`` through
``HTTPAdapter.build_response``; status handling, retries, parsing and caching all run for real.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.response import HTTPResponse

from sanctions_model.data.connectors.http import HttpClient, make_session

FIXTURES = Path(__file__).parent / "fixtures"
FAKE_KEY = "sk-test-9f8e7d6c5b4a39281706"


@dataclass
class Reply:
    """One canned answer: status, body, headers; ``cut`` drops bytes after the headers."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/csv; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    cut: int = 0
    error: Exception | None = None

    @classmethod
    def file(cls, name: str, **kw) -> Reply:
        return cls((FIXTURES / name).read_bytes(), **kw)


class Transport(BaseAdapter):
    """Serves queued replies in order (the last one repeats); records every request."""

    def __init__(self, *replies: Reply, fail_if_called: bool = False) -> None:
        super().__init__()
        self.replies = list(replies)
        self.requests: list[requests.PreparedRequest] = []
        self.fail_if_called = fail_if_called
        self._builder = HTTPAdapter()

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.requests.append(request)
        if self.fail_if_called:
            raise AssertionError(f"network used: {request.method} {request.url}")
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if reply.error is not None:
            raise reply.error
        headers = {"Content-Type": reply.content_type, "Content-Length": str(len(reply.body))}
        headers.update(reply.headers)
        raw = HTTPResponse(
            body=io.BytesIO(reply.body[: len(reply.body) - reply.cut]),
            headers=headers,
            status=reply.status,
            reason={200: "OK", 404: "Not Found", 429: "Too Many Requests"}.get(reply.status, ""),
            preload_content=False,
            decode_content=True,
            enforce_content_length=True,
            request_method=request.method,
            request_url=request.url,
        )
        return self._builder.build_response(request, raw)

    def close(self) -> None:
        pass


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Every test gets an empty cache and no keys or offline flag from the environment."""
    monkeypatch.setenv("SANCTIONS_MODEL_CACHE_DIR", str(tmp_path / "cache"))
    for var in ("COMTRADE_API_KEY", "FRED_API_KEY", "SANCTIONS_MODEL_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "cache"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client_for(sleeps):
    """``client_for(transport)`` -> an HttpClient that records its backoff instead of sleeping."""

    def make(transport: Transport, **kw) -> HttpClient:
        return HttpClient(session=make_session(transport), sleep=sleeps.append, **kw)

    return make


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG, logger="sanctions_model")
    return caplog
