"""Price indices and the EUR/USD rate: trade values at base-year prices, and in one currency.

Trade is published in current prices. Through the 2022-23 price surge a flow can hold its value in
EUR while its volume falls, so every value-based estimate is made in real terms by default: the
values are divided by a price index of their currency, rebased so that the base year averages 100.

Shipped series (``data/raw/prices/``, byte-exact copies of FRED downloads; see ``data/SOURCES.md``;
their files and readers are in :mod:`.price_series`, below the registry):

``hicp_ea``
    Euro-area HICP, all items, not seasonally adjusted (Eurostat, FRED series
    CP0000EZ19M086NEST), monthly 1999-01 to 2025-03. The default deflator of EUR values.
``cpi_u``
    US CPI-U, all items, seasonally adjusted (BLS, FRED series CPIAUCSL), monthly 1947-01 to
    2025-06. The default deflator of USD values.
``us_export_prices``
    US export price index, all commodities (BLS, FRED series IQ), monthly to 2023-11: closer to
    traded goods than consumer prices, but it ends before the post-periods of 2024.
``eur_usd`` (:func:`exchange_rate`)
    US dollars per euro, monthly average (FRED series EXUSEU, from the Federal Reserve's H.10),
    1999-01 to 2026-04.

Public API
----------
DEFAULT_DEFLATOR
    ``{"EUR": "hicp_ea", "USD": "cpi_u"}``.
price_index(name, freq="M", base=2021)
    The index as a Series on a PeriodIndex; the base year averages 100; annual = mean of 12 months.
deflate(values, currency, *, deflator=None, base=2021)
    Values at base-year prices (Series or DataFrame on a monthly or annual PeriodIndex, or on
    integer years). Periods the index does not cover raise :class:`ParameterError` naming them.
convert_currency(values, from_currency, to_currency)
    EUR <-> USD at the monthly average rate (annual values: the mean of the 12 monthly rates).
deflator_label(name)
    Plain words for reports: ``"euro-area consumer prices (HICP, Eurostat), 2021 = 100"``.
deflator_caveats(name)
    What a reader must know about the deflator (a tuple of short sentences).
trade_in_real_terms(frame, *, base=2021, currency=None)
    A trade table (``load_trade``) in units of one currency (``value * unit_scale``), each row
    deflated by its currency's default deflator; with ``currency``, first converted into it at
    the period's average rate (so EUR and USD flows can be compared or summed).
"""

from __future__ import annotations

from typing import Literal, TypeVar

import numpy as np
import pandas as pd

from sanctions_model.data.price_series import (
    CURRENCIES,
    DEFAULT_DEFLATOR,
    EXCHANGE_RATE,
    PRICE_INDICES,
    PriceSeries,
    read_price_files,
)
from sanctions_model.data.registry import load
from sanctions_model.errors import ParameterError

__all__ = [
    "CURRENCIES",
    "DEFAULT_DEFLATOR",
    "EXCHANGE_RATE",
    "PRICE_INDICES",
    "PriceSeries",
    "convert_currency",
    "deflate",
    "deflator_caveats",
    "deflator_label",
    "exchange_rate",
    "price_index",
    "read_price_files",
    "trade_in_real_terms",
]

Values = TypeVar("Values", pd.Series, pd.DataFrame)


def _check_name(name: str) -> PriceSeries:
    if not isinstance(name, str) or name not in PRICE_INDICES:
        raise ParameterError(
            f"deflator={name!r}: unknown price index; available: {sorted(PRICE_INDICES)}"
        )
    return PRICE_INDICES[name]


def _check_currency(currency: str, what: str = "currency") -> str:
    if not isinstance(currency, str) or currency.upper() not in CURRENCIES:
        raise ParameterError(f"{what}={currency!r}: expected one of {list(CURRENCIES)}")
    return currency.upper()


def _monthly(spec: PriceSeries, dataset: str) -> pd.Series:
    """The series as published, on a gap-free monthly PeriodIndex (missing months NaN)."""
    table = load(dataset)
    table = table[table["indicator"] == spec.series_id]
    s = pd.Series(
        table["value"].to_numpy(dtype=float), index=pd.PeriodIndex(table["period"], freq="M")
    ).sort_index()
    full = pd.period_range(s.index.min(), s.index.max(), freq="M")
    return s.reindex(full)


def _annual_mean(monthly: pd.Series) -> pd.Series:
    """Mean of each calendar year with all 12 months present (other years are left out)."""
    clean = monthly.dropna()
    years = clean.groupby(clean.index.year)
    counts = years.size()
    means = years.mean()[counts == 12]
    return pd.Series(
        means.to_numpy(), index=pd.PeriodIndex([str(y) for y in means.index], freq="Y")
    )


def _check_freq(freq: str) -> Literal["M", "A"]:
    if freq not in ("M", "A", "Y"):
        raise ParameterError(f"freq={freq!r}: expected 'M' (monthly) or 'A' (annual)")
    return "M" if freq == "M" else "A"


def _check_base(base: int) -> int:
    if isinstance(base, bool) or not isinstance(base, (int, np.integer)):
        raise ParameterError(f"base={base!r}: expected a year, e.g. 2021")
    return int(base)


def price_index(name: str, freq: Literal["M", "A"] = "M", base: int = 2021) -> pd.Series:
    """A shipped price index rebased so that the months of ``base`` average 100.

    Parameters
    ----------
    name : str
        ``"hicp_ea"``, ``"cpi_u"`` or ``"us_export_prices"`` (see :data:`PRICE_INDICES`).
    freq : {"M", "A"}
        Monthly (PeriodIndex[M]) or annual (PeriodIndex[Y], the mean of the 12 months; years
        with a missing month are left out).
    base : int
        The base year; it must have all 12 months.

    Raises
    ------
    ParameterError
        Unknown name or frequency, or a base year the index does not cover in full.
    """
    spec = _check_name(name)
    freq = _check_freq(freq)
    base = _check_base(base)
    monthly = _monthly(spec, "price_indices")
    in_base = monthly[monthly.index.year == base].dropna()
    if len(in_base) != 12:
        first, last = monthly.dropna().index.min(), monthly.dropna().index.max()
        raise ParameterError(
            f"base={base}: the price index {name!r} has {len(in_base)} of the 12 months of "
            f"{base} (it covers {first} to {last})"
        )
    rebased = monthly / in_base.mean() * 100.0
    out = rebased if freq == "M" else _annual_mean(rebased)
    out = out.rename(name)
    out.attrs = {"deflator": name, "base": base, "label": deflator_label(name, base=base)}
    return out


def exchange_rate(freq: Literal["M", "A"] = "M") -> pd.Series:
    """US dollars per euro: monthly averages, or the mean of a year's 12 monthly averages."""
    freq = _check_freq(freq)
    monthly = _monthly(EXCHANGE_RATE, "eur_usd")
    out = monthly if freq == "M" else _annual_mean(monthly)
    out = out.rename("usd_per_eur")
    out.attrs = {"label": EXCHANGE_RATE.words}
    return out


def _align(values: Values, factors_m: pd.Series, what: str) -> pd.Series:
    """The factor for each row of ``values`` (monthly or annual index, or integer years).

    Raises ParameterError naming the periods the factors do not cover.
    """
    if not isinstance(values, (pd.Series, pd.DataFrame)):
        raise ParameterError(f"{what}: expected a pandas Series or DataFrame, got {type(values)}")
    index = values.index
    if isinstance(index, pd.PeriodIndex):
        code = index.freqstr.split("-")[0]
        if code == "M":
            factors, keys = factors_m, index
        elif code in ("Y", "A"):
            factors = _annual_mean(factors_m)
            keys = pd.PeriodIndex(index.year.astype(str), freq="Y")
        else:
            raise ParameterError(
                f"{what}: the index has frequency {index.freqstr!r}; expected monthly or annual"
            )
    elif pd.api.types.is_integer_dtype(index.dtype):
        years = np.asarray(index, dtype=int)
        if len(years) and (years.min() < 1900 or years.max() > 2100):
            raise ParameterError(
                f"{what}: an integer index must hold years; found {years.min()}..{years.max()}"
            )
        factors = _annual_mean(factors_m)
        keys = pd.PeriodIndex([str(y) for y in years], freq="Y")
    else:
        raise ParameterError(
            f"{what}: the index must be a monthly or annual PeriodIndex or integer years, "
            f"not {type(index).__name__}"
        )
    aligned = factors.reindex(keys)
    gap = aligned.isna().to_numpy()
    if gap.any():
        missing = [str(p) for p in pd.Index(keys[gap]).unique()]
        covered = factors.dropna()
        shown = ", ".join(missing[:6]) + (
            f" and {len(missing) - 6} more" if len(missing) > 6 else ""
        )
        raise ParameterError(
            f"{what}: no value for {len(missing)} period(s): {shown}; it covers "
            f"{covered.index.min()} to {covered.index.max()}"
        )
    return pd.Series(aligned.to_numpy(dtype=float), index=index)


def deflate(
    values: Values, currency: str, *, deflator: str | None = None, base: int = 2021
) -> Values:
    """``values`` (in ``currency``, current prices) at ``base``-year prices.

    Each value is divided by the index of its period over 100 (an annual value by the mean of its
    year's 12 months), so a value of the base year keeps its average level and a value of a later,
    dearer year shrinks. ``deflator`` defaults to :data:`DEFAULT_DEFLATOR` of the currency; an
    index of another currency is refused. The result carries ``attrs`` ``real``, ``deflator``,
    ``base`` beside those of ``values``.

    Raises
    ------
    ParameterError
        Unknown currency or deflator, a deflator of another currency, an index that is not
        monthly, annual or integer years, or periods the deflator does not cover (named).
    """
    currency = _check_currency(currency)
    name = DEFAULT_DEFLATOR[currency] if deflator is None else deflator
    spec = _check_name(name)
    if spec.currency != currency:
        raise ParameterError(
            f"deflator={name!r} is a price index of {spec.currency} values; the values are in "
            f"{currency} (use {DEFAULT_DEFLATOR[currency]!r}, or convert_currency first)"
        )
    index = price_index(name, "M", base=base)
    factors = _align(values, index / 100.0, f"deflating with {name!r}")
    out = values.div(factors, axis=0) if isinstance(values, pd.DataFrame) else values / factors
    out.attrs = {**values.attrs, "real": True, "deflator": name, "base": _check_base(base)}
    return out


def convert_currency(values: Values, from_currency: str, to_currency: str) -> Values:
    """Values in ``from_currency`` expressed in ``to_currency`` at the period's average rate.

    Monthly values use the month's average USD/EUR rate; annual values (annual PeriodIndex or
    integer years) the mean of the year's 12 monthly rates. The result's ``attrs["currency"]`` is
    ``to_currency``.
    """
    src = _check_currency(from_currency, "from_currency")
    dst = _check_currency(to_currency, "to_currency")
    if src == dst:
        out = values.copy()
    else:
        rate = _align(values, exchange_rate("M"), "converting EUR and USD")  # USD per EUR
        factor = rate if src == "EUR" else 1.0 / rate
        out = values.mul(factor, axis=0) if isinstance(values, pd.DataFrame) else values * factor
    out.attrs = {**values.attrs, "currency": dst}
    return out


def deflator_label(name: str, *, base: int = 2021) -> str:
    """Plain words for a deflator: ``"euro-area consumer prices (HICP, Eurostat), 2021 = 100"``."""
    return f"{_check_name(name).words}, {_check_base(base)} = 100"


def deflator_caveats(name: str) -> tuple[str, ...]:
    """What a reader must know about a deflator, as short sentences."""
    return _check_name(name).caveats


def trade_in_real_terms(
    frame: pd.DataFrame, *, base: int = 2021, currency: str | None = None
) -> pd.DataFrame:
    """A trade table with ``value`` in ``base``-year prices, in units of one currency per row.

    Each row's ``value * unit_scale`` (currency units) is divided by the default deflator of its
    currency (:data:`DEFAULT_DEFLATOR`); ``unit_scale`` becomes 1. With ``currency``, every row is
    first converted into that currency at its period's average rate, then deflated by that
    currency's deflator: the rows are then in one unit and can be compared or summed. The
    result's ``attrs`` say ``real``, ``base``, ``deflator`` (currency -> index) and ``unit``.

    Raises
    ------
    ParameterError
        Periods a deflator or the exchange rate does not cover (named), an unknown currency.
    """
    needed = {"period", "value", "currency", "unit_scale"}
    if not isinstance(frame, pd.DataFrame) or not needed <= set(frame.columns):
        raise ParameterError(
            f"trade_in_real_terms: expected a trade table with columns {sorted(needed)}"
        )
    target = _check_currency(currency, "currency") if currency is not None else None
    out = frame.copy()
    values = frame["value"].to_numpy(dtype=float) * frame["unit_scale"].to_numpy(dtype=float)
    result = np.full(len(frame), np.nan)
    used: dict[str, str] = {}
    periods = pd.PeriodIndex(frame["period"])
    for cur in sorted(frame["currency"].unique()):
        src = _check_currency(str(cur))
        mask = (frame["currency"] == cur).to_numpy()
        part = pd.Series(values[mask], index=periods[mask])
        dst = target or src
        if dst != src:
            part = convert_currency(part, src, dst)
        result[mask] = deflate(part, dst, base=base).to_numpy()
        used[dst] = DEFAULT_DEFLATOR[dst]
    out["value"] = result
    out["unit_scale"] = 1
    if target is not None:
        out["currency"] = target
    units = sorted(set(out["currency"]))
    out.attrs = {
        **frame.attrs,
        "real": True,
        "base": _check_base(base),
        "deflator": used,
        "unit": " / ".join(f"{u} at {base} prices" for u in units),
    }
    return out
