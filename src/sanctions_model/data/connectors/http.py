"""HTTP transport for the connectors: one ``requests`` session, bounded retries, strict checks.

Why plain ``requests``: every publisher here documents a REST endpoint that answers a GET with a
CSV or JSON body, so a client library per publisher would add four dependencies (``sdmx1``,
``eurostat``, ``comtradeapicall``, ``fredapi``) for what is one GET each, and those libraries do
their own HTTP, which the tests could then only replace by patching them. With one session the
transport is an ordinary ``requests`` adapter: tests mount an adapter that answers from fixture
files, and everything above it (status handling, retries, size and content checks, parsing,
caching) runs for real.

Behaviour
---------
* Timeouts on connect and read (:data:`DEFAULT_TIMEOUT`).
* Retries with exponential backoff for HTTP 429 and 5xx, connection errors, timeouts and bodies
  cut short; ``Retry-After`` (seconds or an HTTP date) is honoured up to ``max_delay``. The number
  of attempts is bounded (``max_attempts``).
* Any other 4xx is reported at once with the publisher's own message.
* The body is checked: ``Content-Length`` must match what arrived (a truncated response is
  rejected), the size is bounded (``max_bytes``), the content type must be one the caller expects,
  and an HTML page (a portal's error or login page served with status 200) is rejected.
* API keys come only from environment variables (:data:`SECRET_ENV_VARS`) and are redacted by
  :func:`redact` from every message, log line and recorded URL.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests
from requests.adapters import BaseAdapter

from sanctions_model import __version__
from sanctions_model.errors import SanctionsModelError

log = logging.getLogger("sanctions_model.data.connectors")

#: Environment variables that hold API keys. Their values are never written anywhere.
SECRET_ENV_VARS: tuple[str, ...] = ("COMTRADE_API_KEY", "FRED_API_KEY")
#: (connect, read) timeouts in seconds.
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 120.0)
REDACTED = "***"
USER_AGENT = f"sanctions-model/{__version__} (+requests/{requests.__version__})"
CLIENT = f"sanctions-model {__version__} (requests {requests.__version__})"

_SECRET_PARAMS = re.compile(
    r"(?i)((?:api_key|apikey|subscription-key|ocp-apim-subscription-key)[\"']?\s*[=:]\s*[\"']?)"
    r"([^&\s\"',;]+)"
)


class FetchError(SanctionsModelError):
    """A download failed: the publisher refused it, it timed out, or the body was unusable."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(redact(message))


class OfflineError(FetchError):
    """The publisher could not be reached (no network, DNS failure, connection refused)."""


def api_key(name: str) -> str | None:
    """An API key from the environment variable ``name`` (the only place keys are read from)."""
    if name not in SECRET_ENV_VARS:
        raise ValueError(f"{name} is not a registered secret; add it to SECRET_ENV_VARS")
    value = os.environ.get(name, "").strip()
    return value or None


def redact(text: str) -> str:
    """Replace every API key (the values of :data:`SECRET_ENV_VARS`, and ``api_key=...``-style
    parameters and headers) in ``text`` with ``***``."""
    for name in SECRET_ENV_VARS:
        value = os.environ.get(name, "").strip()
        if len(value) >= 4:
            text = text.replace(value, REDACTED)
    return _SECRET_PARAMS.sub(lambda m: m.group(1) + REDACTED, text)


class _RedactingFilter(logging.Filter):
    """Last line of defence: a log record never carries a key, whoever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


log.addFilter(_RedactingFilter())


@dataclass(frozen=True)
class Response:
    """A checked response body with the (redacted) URL it came from."""

    url: str
    content: bytes
    content_type: str
    status: int
    retrieved_at: str


def make_session(transport: BaseAdapter | None = None) -> requests.Session:
    """A session with our User-Agent; ``transport`` (an adapter) is mounted for http and https."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.trust_env = True
    if transport is not None:
        session.mount("https://", transport)
        session.mount("http://", transport)
    return session


_default_transport: BaseAdapter | None = None


@contextlib.contextmanager
def use_transport(transport: BaseAdapter) -> Iterator[None]:
    """Route every connector's requests through ``transport`` inside the block.

    For tests and for offline replays: the rest of the stack is unchanged.
    """
    global _default_transport
    previous, _default_transport = _default_transport, transport
    try:
        yield
    finally:
        _default_transport = previous


@dataclass
class HttpClient:
    """GET with timeouts, bounded retries and response checks (see the module docstring)."""

    session: requests.Session = field(default_factory=lambda: make_session(_default_transport))
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    max_attempts: int = 4
    backoff: float = 2.0
    max_delay: float = 60.0
    max_bytes: int = 512 * 2**20
    sleep: Callable[[float], None] = time.sleep

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        expect: Sequence[str] = (),
    ) -> Response:
        """Download ``url``; ``expect`` lists acceptable content types (substring match).

        Raises
        ------
        OfflineError
            The host could not be reached after every attempt.
        FetchError
            A 4xx (at once), 429/5xx after every attempt, a truncated or oversized body, or a
            content type not in ``expect``. Messages carry the publisher's text, keys redacted.
        """
        last: str = ""
        shown = redact(url)
        offline = False
        for attempt in range(1, self.max_attempts + 1):
            try:
                resp = self.session.get(
                    url, params=params, headers=headers, timeout=self.timeout, stream=True
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                offline = isinstance(exc, requests.ConnectionError)
                last = f"{type(exc).__name__}: {exc}"
                if offline and _NO_SUCH_HOST.search(str(exc)):
                    break  # no name resolution: this machine is offline; waiting will not help
                self._wait(attempt, None, f"GET {shown} failed ({redact(last)})")
                continue
            shown = redact(resp.url)
            try:
                if resp.status_code == 429 or resp.status_code >= 500:
                    last = f"HTTP {resp.status_code}: {publisher_message(resp)}"
                    offline = False
                    self._wait(attempt, resp.headers.get("Retry-After"), f"GET {shown}: {last}")
                    continue
                if resp.status_code >= 400:
                    raise FetchError(
                        f"GET {shown}: HTTP {resp.status_code} {resp.reason or ''}".rstrip()
                        + f": {publisher_message(resp)}",
                        status=resp.status_code,
                    )
                try:
                    body = self._read(resp, shown)
                except _Truncated as exc:
                    last, offline = str(exc), False
                    self._wait(attempt, None, f"GET {shown}: {exc}")
                    continue
                ctype = resp.headers.get("Content-Type", "")
                _check_content(body, ctype, expect, shown)
                log.info("GET %s: %d bytes (%s)", shown, len(body), ctype or "no content type")
                return Response(
                    url=shown,
                    content=body,
                    content_type=ctype,
                    status=resp.status_code,
                    retrieved_at=datetime.now(UTC).isoformat(timespec="seconds"),
                )
            finally:
                resp.close()
        cls = OfflineError if offline else FetchError
        raise cls(f"GET {shown}: gave up after {self.max_attempts} attempts; last error: {last}")

    def _wait(self, attempt: int, retry_after: str | None, what: str) -> None:
        if attempt >= self.max_attempts:
            log.warning("%s; no attempts left", what)
            return
        delay = _retry_after_seconds(retry_after)
        if delay is None:
            delay = self.backoff * 2 ** (attempt - 1)
        delay = max(0.0, min(delay, self.max_delay))
        log.warning("%s; retry %d/%d in %.1f s", what, attempt, self.max_attempts - 1, delay)
        self.sleep(delay)

    def _read(self, resp: requests.Response, shown: str) -> bytes:
        declared = resp.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(
                f"GET {shown}: response of {int(declared):,} bytes exceeds the limit of "
                f"{self.max_bytes:,}; narrow the query"
            )
        chunks, size = [], 0
        try:
            for chunk in resp.iter_content(1 << 16):
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(
                        f"GET {shown}: response exceeds the limit of {self.max_bytes:,} bytes; "
                        "narrow the query"
                    )
                chunks.append(chunk)
        except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError) as exc:
            raise _Truncated(f"response cut off after {size:,} bytes ({exc})") from None
        body = b"".join(chunks)
        encoded = resp.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
        if declared is not None and declared.isdigit() and not encoded and int(declared) != size:
            raise _Truncated(
                f"response cut off: Content-Length says {int(declared):,} bytes, got {size:,}"
            )
        return body


class _Truncated(Exception):
    pass


_NO_SUCH_HOST = re.compile(
    r"NameResolutionError|Name or service not known|Temporary failure in name resolution|"
    r"nodename nor servname|getaddrinfo failed"
)


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


_TAGS = re.compile(r"<[^>]+>")


def publisher_message(resp: requests.Response, limit: int = 400) -> str:
    """The publisher's explanation from an error body (JSON ``message``/``error``, SDMX text,
    or an HTML page's title), shortened and with keys redacted."""
    try:
        text = resp.content.decode(resp.encoding or "utf-8", errors="replace")
    except (requests.RequestException, OSError):
        text = ""
    text = text.strip()
    message = ""
    if text.startswith(("{", "[")):
        with contextlib.suppress(ValueError):
            message = _json_message(json.loads(text))
    if not message and text.lstrip().startswith("<"):
        title = re.search(r"(?is)<title>(.*?)</title>", text)
        sdmx = re.search(r"(?is)<(?:\w+:)?Text[^>]*>(.*?)</(?:\w+:)?Text>", text)
        message = (sdmx or title).group(1) if (sdmx or title) else _TAGS.sub(" ", text)
    message = re.sub(r"\s+", " ", message or text).strip() or "(empty body)"
    if len(message) > limit:
        message = message[: limit - 1] + "…"
    return redact(message)


def _json_message(payload: object) -> str:
    if isinstance(payload, dict):
        for key in ("message", "error_message", "error", "errors", "detail", "title"):
            value = payload.get(key)
            if value:
                return value if isinstance(value, str) else _json_message(value)
    if isinstance(payload, list) and payload:
        return "; ".join(_json_message(p) or str(p) for p in payload[:3])
    return str(payload) if payload else ""


def _check_content(body: bytes, ctype: str, expect: Sequence[str], shown: str) -> None:
    if not body.strip():
        raise FetchError(f"GET {shown}: empty response body")
    head = body[:1024].lstrip().lower()
    is_html = "html" in ctype.lower() or head.startswith((b"<!doctype html", b"<html"))
    if is_html:
        title = re.search(rb"(?is)<title>(.*?)</title>", body[:4096])
        what = f" ({title.group(1).decode('utf-8', 'replace').strip()})" if title else ""
        raise FetchError(
            f"GET {shown}: the publisher returned an HTML page{what}, not data; "
            "the service may be down for maintenance or the query may be wrong"
        )
    if expect and not any(e.lower() in ctype.lower() for e in expect):
        raise FetchError(
            f"GET {shown}: content type {ctype or '(none)'!r}; expected one of {list(expect)}"
        )
