"""FRED series (Brent, exchange rates) from the Federal Reserve Bank of St. Louis.

Client and endpoint
-------------------
Without a key, FRED's graph download ``https://fred.stlouisfed.org/graph/fredgraph.csv?id=ID``
(``cosd``/``coed`` bound the dates) returns exactly the CSV the embedded copy is
(``observation_date,ID``, ``.`` for missing), so it goes through the same reader,
:func:`sanctions_model.data.fred.read_fred_csv`. With ``FRED_API_KEY`` set, the documented API
``https://api.stlouisfed.org/fred/series/observations?series_id=ID&file_type=json`` is used instead
(it is rate-limited per key rather than per address); its ``observations`` (``date``, ``value``)
are written out as that same CSV and read by the same reader. ``fredapi`` and
``pandas-datareader`` wrap these two URLs; neither is needed for one GET. The key goes in the
query string (FRED accepts it nowhere else), so every URL is redacted before it is logged or
recorded.

The frequency (monthly, quarterly, annual, daily) is read from the dates.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pandas as pd

from sanctions_model.data import fred as fred_files
from sanctions_model.data.connectors._base import (
    Connector,
    as_files,
    as_list,
    fetch_command,
    month_or_year,
    reject_unused,
)
from sanctions_model.data.connectors.http import HttpClient, Response, api_key
from sanctions_model.errors import DataFormatError, ParameterError

NAME = "fred"
KEY_ENV = "FRED_API_KEY"
CSV_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
API_URL = "https://api.stlouisfed.org/fred/series/observations"


def query(
    *, series: Any = None, start: str | None = None, end: str | None = None, **other: Any
) -> dict[str, Any]:
    """Series IDs (required, e.g. ``POILBREUSDM,DEXUSEU``), optional start/end."""
    reject_unused(NAME, other, [])
    ids = as_list(series)
    if not ids:
        raise ParameterError("fetch fred: give --series (e.g. POILBREUSDM)")
    bad = [s for s in ids if not re.fullmatch(r"[A-Z0-9_]{1,40}", s)]
    if bad:
        raise ParameterError(f"series={bad}: not FRED series IDs")
    return {
        "series": sorted(ids),
        "start": month_or_year(start, "start"),
        "end": month_or_year(end, "end"),
    }


def _date(value: str | None, *, last: bool) -> str | None:
    if value is None:
        return None
    period = pd.Period(value, freq="M" if "-" in value else "Y")
    return str((period.end_time if last else period.start_time).date())


def download(q: dict[str, Any], client: HttpClient) -> list[Response]:
    key = api_key(KEY_ENV)
    lo, hi = _date(q["start"], last=False), _date(q["end"], last=True)
    out = []
    for sid in q["series"]:
        if key:
            params = {"series_id": sid, "api_key": key, "file_type": "json"}
            params |= {"observation_start": lo} if lo else {}
            params |= {"observation_end": hi} if hi else {}
            out.append(client.get(API_URL, params=params, expect=("json",)))
        else:
            params = {"id": sid} | ({"cosd": lo} if lo else {}) | ({"coed": hi} if hi else {})
            out.append(client.get(CSV_URL, params=params, expect=("csv", "text/plain")))
    return out


def _as_csv(resp: Response, sid: str) -> bytes:
    """The API's JSON observations, written as FRED's CSV download."""
    if not resp.content.lstrip().startswith(b"{"):
        return resp.content
    try:
        obs = json.loads(resp.content)["observations"]
        lines = [f"observation_date,{sid}"] + [f"{o['date']},{o['value']}" for o in obs]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataFormatError(resp.url, f"not a FRED observations response ({exc})") from None
    return ("\n".join(lines) + "\n").encode()


def _freq(content: bytes) -> str:
    dates = pd.read_csv(io.BytesIO(content), usecols=[0]).iloc[:, 0]
    dates = pd.to_datetime(dates, format="%Y-%m-%d", errors="coerce").dropna()
    if dates.empty or (dates.dt.day != 1).any():
        return "D"
    if (dates.dt.month == 1).all() and len(dates) > 1:
        return "Y"
    if dates.dt.month.isin([1, 4, 7, 10]).all() and len(dates) > 2:
        return "Q"
    return "M"


def parse(responses: list[Response], q: dict[str, Any], *, source: str) -> pd.DataFrame:
    frames = []
    for sid, resp in zip(q["series"], responses, strict=True):
        content = _as_csv(resp, sid)
        with as_files([(f"{sid}.csv", content)]) as (path,):
            try:
                freq = _freq(content)
            except (ValueError, pd.errors.ParserError):
                freq = "M"  # the reader reports what is wrong with the file
            frame = fred_files.read_fred_csv(path, source=source, freq=freq)
        if frame["indicator"].iloc[0] != sid:
            raise DataFormatError(resp.url, f"asked for {sid}, got {frame['indicator'].iloc[0]}")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def command(q: dict[str, Any]) -> str:
    return fetch_command(NAME, q, ("series",))


CONNECTOR = Connector(
    name=NAME,
    kind="indicators",
    publisher="Federal Reserve Bank of St. Louis, FRED",
    endpoint=CSV_URL,
    query=query,
    download=download,
    parse=parse,
    command=command,
)
