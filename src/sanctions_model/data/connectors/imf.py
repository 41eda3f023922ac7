"""IMF International Trade in Goods (IMTS) through the IMF's SDMX 3.0 API.

Client and endpoint
-------------------
The IMF moved its data to an SDMX 3.0 REST service (``https://api.imf.org/external/sdmx/3.0``)
in 2025; the old ``dataservices.imf.org`` JSON API is retired. A data query is::

    GET /data/dataflow/IMF.STA/IMTS/+/{COUNTRY}.{INDICATOR}.{COUNTERPART_COUNTRY}.{FREQUENCY}
        ?c[TIME_PERIOD]=ge:2019+le:2024
    Accept: application/vnd.sdmx.data+csv;version=2.0.0

(``+`` as the version means the latest; several codes in one dimension are joined with ``,``,
``*`` is every code.) ``sdmx1`` and ``imfp`` wrap the same service; one GET of SDMX-CSV needs
neither, and the dimension order is that of the series codes in the IMF's own download
(``RUS.MG_CIF_USD.TUV.A``), which :mod:`sanctions_model.data.imf` reads. That module's flow
codes (``XG_FOB_USD`` exports FOB, ``MG_CIF_USD`` imports CIF), scale labels and counterpart
rules (IMF aggregates dropped except World ``G001``) are reused here. :func:`parse` also reads the
SDMX-JSON 2.0 rendering of the same data (``Accept: application/vnd.sdmx.data+json``).

``SCALE`` is a power of ten (``6`` = millions) or its label; values are US dollars times
``unit_scale``. ``TIME_PERIOD`` is ``2022`` (annual) or ``2022-M01`` (monthly).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pycountry

from sanctions_model.data import imf as imf_files
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

NAME = "imf"
BASE = "https://api.imf.org/external/sdmx/3.0/data/dataflow/IMF.STA/IMTS/+"
ACCEPT_CSV = "application/vnd.sdmx.data+csv;version=2.0.0"
EXPECT = ("csv", "application/vnd.sdmx.data+json", "application/json", "text/plain")
INDICATORS = {"export": "XG_FOB_USD", "import": "MG_CIF_USD"}
DIMENSIONS = ("COUNTRY", "INDICATOR", "COUNTERPART_COUNTRY", "FREQUENCY")


def _iso3(code: str, option: str) -> str:
    if code in ("*", "G001"):
        return code
    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    if country is None and len(code) == 3 and pycountry.countries.get(alpha_3=code):
        return code
    if country is None:
        raise ParameterError(f"{option}={code!r}: expected an ISO alpha-2 country code, G001 or *")
    return country.alpha_3


def query(
    *,
    reporter: Any = None,
    partner: Any = None,
    flow: Any = None,
    start: str | None = None,
    end: str | None = None,
    **other: Any,
) -> dict[str, Any]:
    """Reporters (default ``RU``), partners (default every counterpart ``*``), flows (default
    both), start/end as ``YYYY`` (annual) or ``YYYY-MM`` (monthly)."""
    reject_unused(NAME, other, [])
    flows = as_list(flow, upper=False) or ["export", "import"]
    if any(f.lower() not in INDICATORS for f in flows):
        raise ParameterError(f"flow={flows}: expected export and/or import")
    start = month_or_year(start, "start") or "2013"
    end = month_or_year(end, "end")
    if end is not None and ("-" in start) != ("-" in end):
        raise ParameterError(f"start {start} and end {end}: give both as YYYY-MM or both as YYYY")
    return {
        "dataset": "IMF.STA:IMTS",
        "freq": "M" if "-" in start else "A",
        "reporter": sorted(as_list(reporter) or ["RU"]),
        "partner": sorted(as_list(partner) or ["*"]),
        "flow": sorted(f.lower() for f in flows),
        "start": start,
        "end": end,
    }


def url(q: dict[str, Any]) -> tuple[str, dict[str, str]]:
    key = ".".join(
        [
            ",".join(_iso3(r, "reporter") for r in q["reporter"]),
            ",".join(INDICATORS[f] for f in q["flow"]),
            ",".join(_iso3(p, "partner") for p in q["partner"]),
            q["freq"],
        ]
    )
    start, end = q["start"].replace("-", "-M"), (q["end"] or "").replace("-", "-M")
    period = f"ge:{start}" + (f"+le:{end}" if end else "")
    return f"{BASE}/{key}", {"c[TIME_PERIOD]": period}


def download(q: dict[str, Any], client: HttpClient) -> list[Response]:
    address, params = url(q)
    return [client.get(address, params=params, headers={"Accept": ACCEPT_CSV}, expect=EXPECT)]


def parse(responses: list[Response], q: dict[str, Any] | None = None, *, source: str):
    """Parse SDMX-CSV (1.0 or 2.0) or SDMX-JSON 2.0 IMTS data into the canonical trade table."""
    frames = []
    for resp in responses:
        if resp.content.lstrip().startswith(b"{"):
            frames.append(_from_sdmx_json(resp.content, resp.url))
        else:
            with as_files([("IMTS.sdmx.csv", resp.content)]) as (path,):
                frames.append(_from_sdmx_csv(path))
    return _to_trade(pd.concat(frames, ignore_index=True), source, responses[0].url)


def _from_sdmx_csv(path) -> pd.DataFrame:
    raw = read_csv_strict(path, [*DIMENSIONS, "TIME_PERIOD", "OBS_VALUE"])
    raw = raw[raw["OBS_VALUE"].str.strip() != ""].reset_index(drop=True)
    if raw.empty:
        raise DataFormatError(path, "no observations in the response")
    out = raw[[*DIMENSIONS, "TIME_PERIOD", ROW]].copy()
    out["value"] = to_number(raw, "OBS_VALUE", path, maximum=1e16)
    out["SCALE"] = raw["SCALE"] if "SCALE" in raw else "0"
    return out


def _from_sdmx_json(content: bytes, where: str) -> pd.DataFrame:
    try:
        doc = json.loads(content)["data"]
        structure, dataset = doc["structures"][0], doc["dataSets"][0]
        series_dims = structure["dimensions"]["series"]
        obs_dims = structure["dimensions"]["observation"]
        attributes = structure.get("attributes", {})
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise DataFormatError(where, f"not an SDMX-JSON 2.0 data message ({exc})") from None

    def _value(entry: dict[str, Any]) -> str:
        return str(entry.get("id", entry.get("value")))

    series_attr = [a["id"] for a in attributes.get("series", [])]
    obs_attr = [a["id"] for a in attributes.get("observation", [])]
    records = []
    for key, series in dataset.get("series", {}).items():
        idx = [int(i) for i in key.split(":")]
        rec = {d["id"]: _value(d["values"][i]) for d, i in zip(series_dims, idx, strict=True)}
        scale = "0"
        for pos, a in enumerate(series.get("attributes") or []):
            if a is not None and series_attr[pos] == "SCALE":
                scale = _value(attributes["series"][pos]["values"][a])
        for okey, obs in series.get("observations", {}).items():
            if not obs or obs[0] in (None, ""):
                continue
            time = _value(obs_dims[0]["values"][int(okey)])
            obs_scale = scale
            for pos, a in enumerate(obs[1:]):
                if a is not None and pos < len(obs_attr) and obs_attr[pos] == "SCALE":
                    obs_scale = _value(attributes["observation"][pos]["values"][a])
            records.append({**rec, "TIME_PERIOD": time, "value": float(obs[0]), "SCALE": obs_scale})
    frame = pd.DataFrame(records)
    missing = [d for d in DIMENSIONS if d not in frame]
    if frame.empty or missing:
        raise DataFormatError(where, f"no IMTS observations (missing dimensions {missing})")
    frame[ROW] = np.arange(len(frame))
    return frame


def _scale(value: str) -> int | None:
    value = str(value).strip()
    if value.isdigit():
        return 10 ** int(value)
    return imf_files.SCALES.get(value)


def _to_trade(long: pd.DataFrame, source: str, where: str) -> pd.DataFrame:
    flows = long["INDICATOR"].map(imf_files.FLOWS)
    long = long[flows.notna()].assign(flow=flows[flows.notna()])
    scales = long["SCALE"].map(_scale)
    if scales.isna().any():
        bad = long.loc[scales.isna(), "SCALE"].iloc[0]
        raise DataFormatError(where, f"unknown SCALE {bad!r}", column="SCALE")
    reporter = long["COUNTRY"].map(to_code)
    if reporter.isna().any():
        bad = long.loc[reporter.isna(), "COUNTRY"].iloc[0]
        raise DataFormatError(where, f"unknown country {bad!r}", column="COUNTRY")
    partner = long["COUNTERPART_COUNTRY"].map(imf_files.imf_code)
    keep = partner.notna()
    try:
        period_map = {t: parse_period(t) for t in long["TIME_PERIOD"].unique()}
    except ValueError as exc:
        raise DataFormatError(where, str(exc), column="TIME_PERIOD") from None
    table = pd.DataFrame(
        {
            "reporter": reporter[keep].astype(str),
            "partner": partner[keep].astype(str),
            "flow": long.loc[keep, "flow"].astype(str),
            "product": "TOTAL",
            "period": pd.PeriodIndex(long.loc[keep, "TIME_PERIOD"].map(period_map).tolist()),
            "value": long.loc[keep, "value"].astype(float),
            "currency": "USD",
            "unit_scale": scales[keep].astype(int),
            "source": source,
        }
    ).reset_index(drop=True)
    if table.empty:
        raise DataFormatError(where, "no observations for countries or World (G001)")
    return finish_trade(table, where)


def command(q: dict[str, Any]) -> str:
    return fetch_command(NAME, q, ("reporter", "partner", "flow"))


CONNECTOR = Connector(
    name=NAME,
    kind="trade",
    publisher="IMF, International Trade in Goods (IMTS)",
    endpoint=BASE,
    query=query,
    download=download,
    parse=parse,
    command=command,
)
