"""Eurostat Comext DS-045409 (EU trade since 1988 by HS2-4-6 and CN8) through Eurostat's API.

Client and endpoint
-------------------
Comext datasets (``DS-...``) are not in Eurostat's main SDMX service but in the Comext
dissemination API, which speaks SDMX 2.1 REST::

    https://ec.europa.eu/eurostat/api/comext/dissemination/sdmx/2.1/data/DS-045409/
        {freq}.{reporter}.{partner}.{product}.{flow}.{indicators}?startPeriod=..&endPeriod=..
        &format=SDMX-CSV

Dimensions in that order; several codes are joined with ``+``; ``flow`` is ``1`` (import) or
``2`` (export); the indicator is ``VALUE_IN_EUROS``. The ``eurostat`` package reaches the same
service but returns a wide frame of labels after its own HTTP call, and ``sdmx1`` would add a
dependency for one GET of a CSV; a plain GET of SDMX-CSV keeps the raw response hashable and the
transport replaceable in tests. The statistics API of the same service
(``.../comext/dissemination/statistics/1.0/data/DS-045409?reporter=..``) answers in JSON-stat 2.0;
:func:`parse` reads that too (the body says which it is).

Codes: reporters and partners are ISO alpha-2 as Comext writes them (Greece ``GR``, the United
Kingdom ``GB``), resolved with :func:`sanctions_model.data.countries.to_code`; Comext's
``EU27_2020_EXTRA`` and ``EU27_2020_INTRA`` become the catalogue's ``EXT_EU27_2020`` and
``INT_EU27_2020``. Values are euros (``unit_scale`` 1). Empty observations (not available,
confidential) are dropped.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from sanctions_model.data._text import ROW, read_csv_strict, to_number
from sanctions_model.data.connectors._base import (
    Connector,
    as_files,
    as_list,
    fetch_command,
    finish_trade,
    month_or_year,
    parse_period,
    reject_unused,
)
from sanctions_model.data.connectors.http import HttpClient, Response
from sanctions_model.data.countries import to_code
from sanctions_model.errors import DataFormatError, ParameterError

NAME = "eurostat"
DATASET = "DS-045409"
BASE = "https://ec.europa.eu/eurostat/api/comext/dissemination/sdmx/2.1/data"
INDICATOR = "VALUE_IN_EUROS"
FLOW_CODES = {"import": "1", "export": "2"}
_FLOWS = {v: k for k, v in FLOW_CODES.items()}
_PARTNER_ALIASES = {"EU27_2020_EXTRA": "EXT_EU27_2020", "EU27_2020_INTRA": "INT_EU27_2020"}
DIMENSIONS = ("freq", "reporter", "partner", "product", "flow", "indicators")
EXPECT = ("text/csv", "application/vnd.sdmx.data+csv", "application/json", "text/plain")


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
    """Canonical query: reporters (default ``EU27_2020``), partners (default ``RU``), flows
    (default both), products (default ``TOTAL``), start/end as ``YYYY-MM`` (monthly) or
    ``YYYY`` (annual)."""
    reject_unused(NAME, other, [])
    flows = as_list(flow, upper=False) or ["export", "import"]
    bad = [f for f in flows if f.lower() not in FLOW_CODES]
    if bad:
        raise ParameterError(f"flow={bad}: expected export and/or import")
    start = month_or_year(start, "start") or "2013-01"
    end = month_or_year(end, "end")
    if end is not None and ("-" in start) != ("-" in end):
        raise ParameterError(f"start {start} and end {end}: give both as YYYY-MM or both as YYYY")
    return {
        "dataset": DATASET,
        "freq": "M" if "-" in start else "A",
        "reporter": sorted(as_list(reporter) or ["EU27_2020"]),
        "partner": sorted(as_list(partner) or ["RU"]),
        "flow": sorted(f.lower() for f in flows),
        "product": sorted(as_list(product) or ["TOTAL"]),
        "start": start,
        "end": end,
    }


def url(q: dict[str, Any]) -> tuple[str, dict[str, str]]:
    key = ".".join(
        [
            q["freq"],
            "+".join(q["reporter"]),
            "+".join(q["partner"]),
            "+".join(q["product"]),
            "+".join(FLOW_CODES[f] for f in q["flow"]),
            INDICATOR,
        ]
    )
    params = {"startPeriod": q["start"], "format": "SDMX-CSV", "compressed": "false"}
    if q["end"]:
        params["endPeriod"] = q["end"]
    return f"{BASE}/{DATASET}/{key}", params


def download(q: dict[str, Any], client: HttpClient) -> list[Response]:
    address, params = url(q)
    return [client.get(address, params=params, expect=EXPECT)]


def parse(responses: list[Response], q: dict[str, Any] | None = None, *, source: str):
    """Parse an SDMX-CSV or JSON-stat response into the canonical trade table."""
    frames = []
    for resp in responses:
        body = resp.content.lstrip()
        if body.startswith(b"{"):
            frames.append(_from_jsonstat(resp.content, resp.url))
        else:
            with as_files([("DS-045409.sdmx.csv", resp.content)]) as (path,):
                frames.append(_from_sdmx_csv(path))
    long = pd.concat(frames, ignore_index=True)
    return _to_trade(long, source, responses[0].url)


def _from_sdmx_csv(path) -> pd.DataFrame:
    raw = read_csv_strict(path, [*DIMENSIONS[1:], "TIME_PERIOD", "OBS_VALUE"])
    raw = raw[raw["indicators"].str.strip() == INDICATOR]
    raw = raw[raw["OBS_VALUE"].str.strip() != ""].reset_index(drop=True)
    if raw.empty:
        raise DataFormatError(path, f"no {INDICATOR} observations in the response")
    raw["value"] = to_number(raw, "OBS_VALUE", path)
    return raw.rename(columns={"TIME_PERIOD": "time"})[
        ["reporter", "partner", "product", "flow", "time", "value", ROW]
    ]


def _from_jsonstat(content: bytes, where: str) -> pd.DataFrame:
    try:
        data = json.loads(content)
        ids, sizes, dims = data["id"], data["size"], data["dimension"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataFormatError(where, f"not a JSON-stat 2.0 dataset ({exc})") from None
    codes = []
    for dim, size in zip(ids, sizes, strict=True):
        index = dims[dim]["category"]["index"]
        ordered = sorted(index, key=index.get) if isinstance(index, dict) else list(index)
        if len(ordered) != size:
            raise DataFormatError(where, f"dimension {dim!r}: {len(ordered)} codes, size {size}")
        codes.append(ordered)
    values = data.get("value", {})
    items = values.items() if isinstance(values, dict) else enumerate(values)
    records = []
    for flat, value in items:
        if value is None:
            continue
        pos = np.unravel_index(int(flat), sizes)
        rec = {dim: codes[d][i] for d, (dim, i) in enumerate(zip(ids, pos, strict=True))}
        rec["value"] = float(value)
        records.append(rec)
    frame = pd.DataFrame(records)
    if frame.empty:
        raise DataFormatError(where, "JSON-stat dataset has no values")
    if "indicators" in frame:
        frame = frame[frame["indicators"] == INDICATOR]
    frame[ROW] = np.arange(len(frame))  # JSON has no rows; the cell index stands in
    return frame[["reporter", "partner", "product", "flow", "time", "value", ROW]]


def _code(label: str, where: str, column: str) -> str:
    label = label.strip()
    code = _PARTNER_ALIASES.get(label) or to_code(label)
    if code is None:
        raise DataFormatError(where, f"unknown country or aggregate code {label!r}", column=column)
    return code


def _to_trade(long: pd.DataFrame, source: str, where: str) -> pd.DataFrame:
    flows = long["flow"].astype(str).str.strip().map(_FLOWS)
    if flows.isna().any():
        bad = long.loc[flows.isna(), "flow"].iloc[0]
        raise DataFormatError(where, f"unknown flow code {bad!r}; expected 1 or 2", column="flow")
    try:
        period_map = {t: parse_period(t) for t in long["time"].astype(str).unique()}
    except ValueError as exc:
        raise DataFormatError(where, str(exc), column="TIME_PERIOD") from None
    if len({p.freqstr for p in period_map.values()}) > 1:
        raise DataFormatError(where, "mixes monthly and annual periods", column="TIME_PERIOD")
    reporters = {r: _code(r, where, "reporter") for r in long["reporter"].unique()}
    partners = {p: _code(p, where, "partner") for p in long["partner"].unique()}
    table = pd.DataFrame(
        {
            "reporter": long["reporter"].map(reporters).astype(str),
            "partner": long["partner"].map(partners).astype(str),
            "flow": flows.astype(str),
            "product": long["product"].astype(str).str.strip(),
            "period": pd.PeriodIndex(long["time"].astype(str).map(period_map).tolist()),
            "value": long["value"].astype(float),
            "currency": "EUR",
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
    publisher="Eurostat, Comext DS-045409",
    endpoint=BASE,
    query=query,
    download=download,
    parse=parse,
    command=command,
)

__all__ = ["CONNECTOR", "parse", "query", "url"]
