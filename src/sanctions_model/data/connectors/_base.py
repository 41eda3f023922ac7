"""What every connector provides, and small helpers they share."""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sanctions_model.data.connectors.http import HttpClient, Response
from sanctions_model.errors import ParameterError


@dataclass(frozen=True)
class Connector:
    """One publisher endpoint.

    ``query(**options)`` validates the user's options into a canonical, JSON-serialisable dict
    (the cache key); ``download(query, client)`` returns the raw responses; ``parse(responses,
    query, source=...)`` turns them into a canonical table; ``command(query)`` is the
    ``sanctions-model fetch`` command that reproduces the query.
    """

    name: str
    kind: str  # trade | indicators | designations
    publisher: str
    endpoint: str
    query: Callable[..., dict[str, Any]]
    download: Callable[[dict[str, Any], HttpClient], list[Response]]
    parse: Callable[..., pd.DataFrame]
    command: Callable[[dict[str, Any]], str]


def as_list(value: str | Iterable[str] | None, *, upper: bool = True) -> list[str] | None:
    """``"DE,FR"`` or ``["DE", "FR"]`` -> ``["DE", "FR"]``; ``None`` stays ``None``."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else [v for x in value for v in x.split(",")]
    items = [i.strip() for i in items if i.strip()]
    items = [i.upper() for i in items] if upper else items
    return list(dict.fromkeys(items)) or None


def reject_unused(source: str, options: dict[str, Any], allowed: Sequence[str]) -> None:
    extra = sorted(k for k, v in options.items() if v is not None and k not in allowed)
    if extra:
        raise ParameterError(
            f"fetch {source}: option(s) {extra} do not apply; it takes {sorted(allowed)}"
        )


def month_or_year(value: str | None, option: str) -> str | None:
    """Validate ``YYYY-MM`` or ``YYYY``."""
    if value is None:
        return None
    value = str(value).strip()
    if not re.fullmatch(r"\d{4}(-(0[1-9]|1[0-2]))?", value):
        raise ParameterError(f"{option}={value!r}: expected YYYY-MM or YYYY")
    return value


def periods(start: str, end: str) -> list[str]:
    """Every period from ``start`` to ``end`` inclusive (both YYYY-MM or both YYYY)."""
    freq = "M" if "-" in start else "Y"
    lo, hi = pd.Period(start, freq=freq), pd.Period(end, freq=freq)
    if hi < lo:
        raise ParameterError(f"end {end} is before start {start}")
    return [str(p) for p in pd.period_range(lo, hi, freq=freq)]


def flag(name: str, values: list[str] | None) -> str:
    return f" --{name} {','.join(values)}" if values else ""


def fetch_command(source: str, q: dict[str, Any], lists: Sequence[str]) -> str:
    """The ``sanctions-model fetch`` command that repeats query ``q`` (for error messages)."""
    parts = [f"sanctions-model fetch {source}"]
    parts += [flag(key, [v for v in q.get(key) or [] if v != "*"]) for key in lists]
    parts += [f" --{key} {q[key]}" for key in ("start", "end") if q.get(key)]
    return "".join(parts)


@contextlib.contextmanager
def as_files(named: Sequence[tuple[str, bytes]]) -> Iterator[list[Path]]:
    """Write response bodies to a temporary folder so the file readers can parse them."""
    with tempfile.TemporaryDirectory(prefix="sanctions-model-fetch-") as tmp:
        paths = []
        for name, content in named:
            path = Path(tmp) / name
            path.write_bytes(content)
            paths.append(path)
        yield paths


TRADE_KEY = ["reporter", "partner", "flow", "product", "period"]


def finish_trade(frame: pd.DataFrame, where: object) -> pd.DataFrame:
    """Sort, reject contradicting duplicates, and validate a trade table."""
    from sanctions_model.data import schemas
    from sanctions_model.errors import DataFormatError

    dup = frame.duplicated(TRADE_KEY, keep=False)
    if dup.any():
        first = frame[dup].sort_values(TRADE_KEY).iloc[0]
        same = frame[dup].groupby(TRADE_KEY, observed=True)["value"].nunique().max() == 1
        if not same:
            raise DataFormatError(
                where,
                f"two different values for {first['reporter']}->{first['partner']} "
                f"{first['flow']} {first['product']} {first['period']}",
            )
        frame = frame.drop_duplicates(TRADE_KEY)
    frame = frame.sort_values(TRADE_KEY, ignore_index=True)
    return schemas.validate(frame, schemas.TRADE, where)


def parse_period(label: str) -> pd.Period:
    """SDMX and publisher period labels: ``2022``, ``2022-01``, ``2022-M01``, ``202201``."""
    text = label.strip()
    m = re.fullmatch(r"(\d{4})(?:-?M?(\d{2}))?", text)
    if not m:
        raise ValueError(f"unparseable period {label!r}")
    if m.group(2):
        return pd.Period(year=int(m.group(1)), month=int(m.group(2)), freq="M")
    return pd.Period(m.group(1), freq="Y")
