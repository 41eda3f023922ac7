"""Live data connectors: fetch from the publishers, cache with provenance, work offline after.

Public API
----------
fetch(source, *, refresh=False, **query)
    The table for ``query`` from ``source``: from the cache if this exact query was fetched
    before, otherwise downloaded, parsed by the reader for the publisher's format, validated and
    cached. ``refresh=True`` downloads again; if that fails the cached copy is kept.
eurostat(...), imf(...), comtrade(...), fred(...), uk_sanctions_list(...), eu_fsf(...)
    The same, one function per source with its options spelled out.
load_cached(name), list_cached()
    A cached table by name (sha256-checked), and the index of the cache.
add_user_file(kind, path), load_user_file(kind)
    Register a GSDB or OpenSanctions file by reference (``sanctions-model data add``).

Sources: ``eurostat`` (Comext DS-045409, EUR), ``imf`` (IMTS, USD), ``comtrade`` (UN Comtrade,
USD; ``COMTRADE_API_KEY``), ``fred`` (``FRED_API_KEY`` optional), ``uk_sanctions_list``,
``eu_fsf``. Each module's docstring says which endpoint and format it speaks, and why.

Offline: ``SANCTIONS_MODEL_OFFLINE=1`` forbids network access; a query that is not cached then
raises :class:`OfflineError` naming the ``sanctions-model fetch`` command to run when online.
The embedded datasets (:mod:`sanctions_model.data`) never need the network.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import pandas as pd

from sanctions_model.data.connectors import cache, comtrade, eurostat, fred, imf, sanctions_lists
from sanctions_model.data.connectors import user_files as _user_files
from sanctions_model.data.connectors._base import Connector
from sanctions_model.data.connectors.cache import (
    CacheCorruptedError,
    CacheError,
    cache_dir,
    dataset_name,
    list_cached,
    load_cached,
)
from sanctions_model.data.connectors.http import (
    CLIENT,
    FetchError,
    HttpClient,
    OfflineError,
    redact,
    use_transport,
)
from sanctions_model.errors import ParameterError, SanctionsModelError

__all__ = [
    "CONNECTORS",
    "CacheCorruptedError",
    "CacheError",
    "FetchError",
    "HttpClient",
    "OfflineError",
    "add_user_file",
    "cache_dir",
    "comtrade",
    "eu_fsf",
    "eurostat",
    "fetch",
    "fred",
    "imf",
    "list_cached",
    "load_cached",
    "load_user_file",
    "uk_sanctions_list",
    "use_transport",
]

log = logging.getLogger("sanctions_model.data.connectors")

CONNECTORS: dict[str, Connector] = {
    c.name: c
    for c in (
        eurostat.CONNECTOR,
        imf.CONNECTOR,
        comtrade.CONNECTOR,
        fred.CONNECTOR,
        sanctions_lists.UK,
        sanctions_lists.EU,
    )
}
OFFLINE_ENV = "SANCTIONS_MODEL_OFFLINE"


def _connector(source: str) -> Connector:
    try:
        return CONNECTORS[source]
    except KeyError:
        raise ParameterError(
            f"unknown source {source!r}; known: {', '.join(sorted(CONNECTORS))}"
        ) from None


def plan(source: str, **query: Any) -> tuple[str, dict[str, Any], str]:
    """(cache name, canonical query, CLI command) for a query, without any I/O."""
    conn = _connector(source)
    canonical = conn.query(**query)
    return dataset_name(conn.name, canonical), canonical, conn.command(canonical)


def fetch(
    source: str, *, refresh: bool = False, client: HttpClient | None = None, **query: Any
) -> pd.DataFrame:
    """Fetch ``source`` for ``query`` (see the per-source functions for the options).

    Returns
    -------
    DataFrame
        The canonical table (trade, indicators or designations); its ``source`` column is the
        cache name, which ``load_cached`` accepts.

    Raises
    ------
    OfflineError
        The publisher is unreachable (or ``SANCTIONS_MODEL_OFFLINE`` is set) and the query is
        not cached; the message gives the command to run when online.
    FetchError, DataFormatError
        The publisher refused the query or answered with something unusable; nothing is cached
        and a previously cached copy is kept.
    CacheCorruptedError
        The cached copy fails its sha256 check (re-fetch with ``refresh=True``).
    """
    conn = _connector(source)
    canonical = conn.query(**query)
    name = dataset_name(conn.name, canonical)
    command = conn.command(canonical)
    if not refresh:
        frame = load_cached(name)
        if frame is not None:
            log.info("%s: cache hit (%s)", name, cache_dir())
            return frame
    previous = cache.read_record(name)
    if os.environ.get(OFFLINE_ENV, "").strip() not in ("", "0"):
        raise OfflineError(_offline_message(conn, name, command, previous, OFFLINE_ENV + " is set"))
    client = client or HttpClient()
    try:
        responses = conn.download(canonical, client)
        frame = conn.parse(responses, canonical, source=name)
        record = cache.store(
            name,
            frame,
            kind=conn.kind,
            provenance={
                "source": conn.name,
                "publisher": conn.publisher,
                "query": canonical,
                "command": command,
                "url": [r.url for r in responses] if len(responses) > 1 else responses[0].url,
                "retrieved_at": responses[-1].retrieved_at,
                "client": CLIENT,
                "content_type": responses[0].content_type,
                "sha256_raw": [cache.sha256_bytes(r.content) for r in responses]
                if len(responses) > 1
                else cache.sha256_bytes(responses[0].content),
                "bytes_raw": sum(len(r.content) for r in responses),
            },
        )
    except OfflineError as exc:
        raise OfflineError(_offline_message(conn, name, command, previous, str(exc))) from None
    except SanctionsModelError as exc:
        if previous is not None:
            note = (
                f" (nothing was cached; the copy retrieved {previous.get('retrieved_at')} is kept"
                " and loads with refresh=False)"
            )
            exc.args = (redact(str(exc)) + note, *exc.args[1:])
            log.warning("%s: refresh failed; previous cached copy kept", name)
        raise
    log.info("%s: cached %d rows (%s)", name, record["rows"], record["parquet"])
    result = load_cached(name)
    assert result is not None
    return result


def _offline_message(
    conn: Connector, name: str, command: str, previous: dict[str, Any] | None, why: str
) -> str:
    if previous is not None:
        return (
            f"{why}. The cached copy of {name} retrieved {previous.get('retrieved_at')} is kept; "
            "load it with refresh=False."
        )
    return (
        f"{why}. {conn.name} data for this query is not cached ({name}). When online, run:\n"
        f"    {command}\n"
        "then it loads offline. The embedded datasets work without a network "
        "(sanctions-model data list)."
    )


def eurostat_comext(
    *,
    reporter: Any = None,
    partner: Any = None,
    flow: Any = None,
    product: Any = None,
    start: str | None = None,
    end: str | None = None,
    refresh: bool = False,
) -> pd.DataFrame:
    """Eurostat Comext DS-045409 in EUR (see :mod:`.eurostat`)."""
    return fetch(
        "eurostat",
        refresh=refresh,
        reporter=reporter,
        partner=partner,
        flow=flow,
        product=product,
        start=start,
        end=end,
    )


def imf_imts(
    *,
    reporter: Any = None,
    partner: Any = None,
    flow: Any = None,
    start: str | None = None,
    end: str | None = None,
    refresh: bool = False,
) -> pd.DataFrame:
    """IMF IMTS in USD (see :mod:`.imf`)."""
    return fetch(
        "imf", refresh=refresh, reporter=reporter, partner=partner, flow=flow, start=start, end=end
    )


def un_comtrade(
    *,
    reporter: Any,
    start: str,
    end: str,
    partner: Any = None,
    flow: Any = None,
    product: Any = None,
    refresh: bool = False,
) -> pd.DataFrame:
    """UN Comtrade in USD (see :mod:`.comtrade`); ``COMTRADE_API_KEY`` lifts the preview cap."""
    return fetch(
        "comtrade",
        refresh=refresh,
        reporter=reporter,
        partner=partner,
        flow=flow,
        product=product,
        start=start,
        end=end,
    )


def fred_series(
    series: Any, *, start: str | None = None, end: str | None = None, refresh: bool = False
) -> pd.DataFrame:
    """FRED series as the indicators table (see :mod:`.fred`)."""
    return fetch("fred", refresh=refresh, series=series, start=start, end=end)


def uk_sanctions_list(*, regime: Any = None, refresh: bool = False) -> pd.DataFrame:
    """The current UK Sanctions List as the designations table."""
    return fetch("uk_sanctions_list", refresh=refresh, regime=regime)


def eu_fsf(*, regime: Any = None, refresh: bool = False) -> pd.DataFrame:
    """The EU consolidated financial sanctions list as the designations table."""
    return fetch("eu_fsf", refresh=refresh, regime=regime)


def add_user_file(kind: str, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Register a GSDB or OpenSanctions file by reference (see :mod:`.user_files`)."""
    return _user_files.add(kind, path)  # type: ignore[arg-type]


def load_user_file(kind: str) -> pd.DataFrame:
    return _user_files.load(kind)  # type: ignore[arg-type]
