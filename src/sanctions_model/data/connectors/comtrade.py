"""UN Comtrade (API v1) bilateral goods trade, in US dollars.

Client and endpoint
-------------------
The official client ``comtradeapicall`` is a thin wrapper that builds one GET per call; we send
the same requests with the shared session instead (no extra dependency, a replaceable transport,
and the key kept out of URLs). Its semantics are followed:

* with ``COMTRADE_API_KEY`` set (a subscription key from comtradedeveloper.un.org), the data
  endpoint ``https://comtradeapi.un.org/data/v1/get/C/{M|A}/HS`` (up to 100,000 records); the key
  travels in the ``Ocp-Apim-Subscription-Key`` header, never in the URL, and is redacted from
  every message and record;
* without it, the free preview endpoint ``https://comtradeapi.un.org/public/v1/preview/C/{M|A}/HS``
  (at most 500 records per call: a response that hits the cap is refused rather than cached
  incomplete).

Query parameters are ``comtradeapicall``'s: ``reporterCode`` and ``partnerCode`` (UN M49
numbers, comma separated), ``flowCode`` (``X`` export, ``M`` import), ``period`` (``2022`` or
``202201``, at most 12 per call, so longer ranges are split), ``cmdCode`` (``TOTAL`` or HS codes),
with ``partner2Code=0``, ``customsCode=C00``, ``motCode=0`` for the all-partners, all-procedures,
all-modes totals (``breakdownMode=classic``).

The response is JSON: ``{"count": n, "data": [...], "error": ""}``; each record carries
``reporterISO``/``partnerISO`` (ISO alpha-3; ``W00`` is the World, stored as ``G001``),
``flowCode``, ``period``, ``cmdCode`` and ``primaryValue`` (US dollars).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pycountry

from sanctions_model.data._text import ROW
from sanctions_model.data.connectors._base import (
    Connector,
    as_list,
    fetch_command,
    finish_trade,
    month_or_year,
    parse_period,
    periods,
    reject_unused,
)
from sanctions_model.data.connectors.http import FetchError, HttpClient, Response, api_key
from sanctions_model.data.countries import to_code
from sanctions_model.errors import DataFormatError, ParameterError

NAME = "comtrade"
KEY_ENV = "COMTRADE_API_KEY"
DATA_URL = "https://comtradeapi.un.org/data/v1/get/C/{freq}/HS"
PREVIEW_URL = "https://comtradeapi.un.org/public/v1/preview/C/{freq}/HS"
PREVIEW_LIMIT = 500
PERIODS_PER_CALL = 12
FLOW_CODES = {"export": "X", "import": "M"}
_FLOWS = {v: k for k, v in FLOW_CODES.items()}
#: Where Comtrade's reporter numbers differ from ISO 3166 numeric codes.
M49_OVERRIDES = {"US": "842", "FR": "251", "CH": "757", "IN": "699", "NO": "579"}
WORLD = ("W00", "G001", "0")


def m49(code: str, option: str) -> str:
    """ISO alpha-2 (or ``G001`` for the World) -> Comtrade's reporter/partner number."""
    if code in ("G001", "W00", "WORLD"):
        return "0"
    if code in M49_OVERRIDES:
        return M49_OVERRIDES[code]
    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    if country is None:
        raise ParameterError(f"{option}={code!r}: expected an ISO alpha-2 country code or G001")
    return str(int(country.numeric))


def query(
    *,
    reporter: Any = None,
    partner: Any = None,
    flow: Any = None,
    product: Any = None,
    start: str | None = None,
    end: str | None = None,
    **other: Any,
) -> dict[str, Any]:
    """Reporters (required, ISO alpha-2), partners (default ``RU``), flows (default both),
    products (default ``TOTAL``), start and end (``YYYY-MM`` monthly or ``YYYY`` annual)."""
    reject_unused(NAME, other, [])
    reporters = as_list(reporter)
    if not reporters:
        raise ParameterError("fetch comtrade: give --reporter (ISO alpha-2, e.g. TR,AE,CN)")
    flows = as_list(flow, upper=False) or ["export", "import"]
    if any(f.lower() not in FLOW_CODES for f in flows):
        raise ParameterError(f"flow={flows}: expected export and/or import")
    start = month_or_year(start, "start")
    end = month_or_year(end, "end")
    if start is None or end is None:
        raise ParameterError("fetch comtrade: give --start and --end (YYYY-MM or YYYY)")
    span = periods(start, end)
    if "-" in start and len(span) > 120:
        raise ParameterError(f"{len(span)} months requested; fetch at most 120 at a time")
    for r in reporters:
        m49(r, "reporter")
    partners = as_list(partner) or ["RU"]
    for p in partners:
        m49(p, "partner")
    return {
        "freq": "M" if "-" in start else "A",
        "reporter": sorted(reporters),
        "partner": sorted(partners),
        "flow": sorted(f.lower() for f in flows),
        "product": sorted(as_list(product) or ["TOTAL"]),
        "start": start,
        "end": end,
    }


def requests_for(q: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """(url, params) per call: periods in blocks of 12, as the API allows."""
    key = api_key(KEY_ENV)
    base = (DATA_URL if key else PREVIEW_URL).format(freq=q["freq"])
    span = [p.replace("-", "") for p in periods(q["start"], q["end"])]
    calls = []
    for i in range(0, len(span), PERIODS_PER_CALL):
        params = {
            "reporterCode": ",".join(m49(r, "reporter") for r in q["reporter"]),
            "partnerCode": ",".join(m49(p, "partner") for p in q["partner"]),
            "flowCode": ",".join(FLOW_CODES[f] for f in q["flow"]),
            "period": ",".join(span[i : i + PERIODS_PER_CALL]),
            "cmdCode": ",".join(q["product"]),
            "partner2Code": "0",
            "customsCode": "C00",
            "motCode": "0",
            "breakdownMode": "classic",
            "includeDesc": "true",
        }
        if not key:
            params["maxRecords"] = str(PREVIEW_LIMIT)
        calls.append((base, params))
    return calls


def download(q: dict[str, Any], client: HttpClient) -> list[Response]:
    key = api_key(KEY_ENV)
    headers = {"Ocp-Apim-Subscription-Key": key} if key else None
    out = []
    for address, params in requests_for(q):
        resp = client.get(address, params=params, headers=headers, expect=("json",))
        _check_payload(resp, preview=key is None)
        out.append(resp)
    return out


def _load(resp: Response) -> dict[str, Any]:
    try:
        payload = json.loads(resp.content)
    except ValueError as exc:
        raise DataFormatError(resp.url, f"not JSON ({exc})") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise DataFormatError(resp.url, "expected a JSON object with a 'data' array")
    return payload


def _check_payload(resp: Response, *, preview: bool) -> None:
    payload = _load(resp)
    if payload.get("error"):
        raise FetchError(f"GET {resp.url}: Comtrade says: {payload['error']}")
    if preview and len(payload["data"]) >= PREVIEW_LIMIT:
        raise FetchError(
            f"GET {resp.url}: the preview endpoint returned its cap of {PREVIEW_LIMIT} records, so "
            f"the result may be incomplete; set {KEY_ENV} or narrow the query"
        )


def parse(responses: list[Response], q: dict[str, Any] | None = None, *, source: str):
    """Parse Comtrade API v1 JSON into the canonical trade table (values in US dollars)."""
    records = []
    for resp in responses:
        records += _load(resp)["data"]
    where = responses[0].url
    if not records:
        raise DataFormatError(where, "Comtrade returned no records for this query")
    raw = pd.DataFrame(records)
    needed = ["reporterISO", "partnerISO", "flowCode", "period", "cmdCode", "primaryValue"]
    missing = [c for c in needed if c not in raw]
    if missing:
        raise DataFormatError(where, f"records lack field(s) {missing}")
    raw[ROW] = np.arange(len(raw))
    for col, total in (("partner2Code", 0), ("motCode", 0), ("customsCode", "C00")):
        if col in raw:
            raw = raw[raw[col].isna() | (raw[col].astype(str) == str(total))]
    raw = raw[raw["flowCode"].isin(list(_FLOWS))]
    if raw["primaryValue"].isna().any() or (raw["primaryValue"].astype(float) < 0).any():
        raise DataFormatError(where, "missing or negative primaryValue", column="primaryValue")

    def code(label: object, column: str) -> str:
        text = str(label).strip()
        out = "G001" if text in WORLD else to_code(text)
        if out is None:
            raise DataFormatError(where, f"unknown ISO code {text!r}", column=column)
        return out

    try:
        period_map = {p: parse_period(str(p)) for p in raw["period"].unique()}
    except ValueError as exc:
        raise DataFormatError(where, str(exc), column="period") from None
    table = pd.DataFrame(
        {
            "reporter": raw["reporterISO"].map(lambda v: code(v, "reporterISO")).astype(str),
            "partner": raw["partnerISO"].map(lambda v: code(v, "partnerISO")).astype(str),
            "flow": raw["flowCode"].map(_FLOWS).astype(str),
            "product": raw["cmdCode"].astype(str),
            "period": pd.PeriodIndex(raw["period"].map(period_map).tolist()),
            "value": raw["primaryValue"].astype(float),
            "currency": "USD",
            "unit_scale": 1,
            "source": source,
        }
    )
    return finish_trade(table, where)


def command(q: dict[str, Any]) -> str:
    return fetch_command(NAME, q, ("reporter", "partner", "flow", "product"))


CONNECTOR = Connector(
    name=NAME,
    kind="trade",
    publisher="United Nations, UN Comtrade",
    endpoint="https://comtradeapi.un.org",
    query=query,
    download=download,
    parse=parse,
    command=command,
)
