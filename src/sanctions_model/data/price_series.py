"""The shipped price series: where each file is, how to read it, and what it measures.

The registry reads the files of datasets ``price_indices`` and ``eur_usd`` with
:func:`read_price_files`; :mod:`.prices` (above the registry) loads them by name and deflates or
converts trade values. Keeping the specs here lets both use them without importing each other.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sanctions_model.data import fred
from sanctions_model.data.price_words import DEFLATOR_WORDS
from sanctions_model.errors import DataFormatError


@dataclass(frozen=True)
class PriceSeries:
    """One shipped monthly series: where its file is, how to read it and what it measures."""

    name: str
    file: str  # relative to data/
    series_id: str  # the FRED series id (the file's value column)
    currency: str  # the currency whose values it deflates (for a rate: the quote currency)
    words: str  # plain words, without the base
    date_column: str = "observation_date"
    missing: tuple[str, ...] = (".", "")
    caveats: tuple[str, ...] = ()


PRICE_INDICES: dict[str, PriceSeries] = {
    s.name: s
    for s in (
        PriceSeries(
            "hicp_ea",
            "raw/prices/CP0000EZ19M086NEST.csv",
            "CP0000EZ19M086NEST",
            "EUR",
            DEFLATOR_WORDS["hicp_ea"],
            caveats=(
                "EUR values are deflated with euro-area consumer prices (HICP: +8.4% in 2022, "
                "+5.4% in 2023), not export prices (no EU export price index could be shipped): "
                "where the prices of the goods traded rose faster than consumer prices, as for "
                "energy-intensive goods in 2022, the real fall understates the fall in volume "
                "(models.deflator_sensitivity shows the headline under a deflator that rises "
                "twice as much)",
            ),
        ),
        PriceSeries(
            "cpi_u",
            "raw/prices/CPIAUCSL.csv",
            "CPIAUCSL",
            "USD",
            DEFLATOR_WORDS["cpi_u"],
            date_column="date",
            caveats=(
                "USD values are deflated with US consumer prices (CPI-U, seasonally adjusted), "
                "not the prices of the goods traded: US export prices rose 13.0% in 2022 "
                "(CPI-U 8.0%) and were 5.6% lower in January-November 2023 than a year earlier "
                "(CPI-U +4.2%)",
            ),
        ),
        PriceSeries(
            "us_export_prices",
            "raw/prices/IQ.csv",
            "IQ",
            "USD",
            DEFLATOR_WORDS["us_export_prices"],
            date_column="Date",
            missing=("NA", ".", ""),
            caveats=(
                "the shipped US export price index ends in 2023-11 and is quarterly before 1989",
            ),
        ),
    )
}

EXCHANGE_RATE = PriceSeries(
    "eur_usd",
    "raw/prices/EXUSEU.csv",
    "EXUSEU",
    "USD",
    "US dollars per euro, monthly average (Federal Reserve H.10 via FRED)",
)

#: The deflator each currency's values get unless a caller names another.
DEFAULT_DEFLATOR: dict[str, str] = {"EUR": "hicp_ea", "USD": "cpi_u"}
CURRENCIES = tuple(DEFAULT_DEFLATOR)

_BY_FILE = {Path(s.file).name: s for s in (*PRICE_INDICES.values(), EXCHANGE_RATE)}


def read_price_files(paths: Sequence[str | os.PathLike[str]], *, source: str) -> pd.DataFrame:
    """Registry reader: the shipped series files -> one indicators table."""
    frames = []
    for path in paths:
        spec = _BY_FILE.get(Path(path).name)
        if spec is None:
            raise DataFormatError(
                path, f"not a known price series file; expected one of {sorted(_BY_FILE)}"
            )
        frames.append(
            fred.read_fred_csv(
                path, source=source, date_column=spec.date_column, missing=spec.missing
            )
        )
    return pd.concat(frames, ignore_index=True)
