"""Coordination measures in real terms and in one currency.

The substitution ratio divides the hubs' excess imports by the fall of an ally's direct trade with
Russia, both projected from pre-war trends. Through the 2022-23 price surge, values in current
prices rise with prices: the hubs' imports look above trend and the direct trade looks less far
below it, so a nominal ratio is biased up (simulated: median 0.34 for a true 0.05 with USD prices
+8% in 2022 and +12% in 2023). Every value is therefore deflated before the trends are fitted.

Deflate, then convert at the base year's rate
---------------------------------------------
The hubs' and Russia's records are in USD (IMF IMTS, the hubs' statistics); the EU's export
statistics (Comext) are in EUR. Each is deflated *in its own currency* by that currency's price
index (:data:`~sanctions_model.data.prices.DEFAULT_DEFLATOR`), and amounts are put in one
currency at the base year's average rate. Converting first at each year's rate would turn the
euro's 2022 fall against the dollar (about 11%) into a fall in volume, and the deflated series would
then mix EUR price changes with the exchange rate; a fixed base-year rate is a change of unit
only, so it leaves every ratio unchanged and makes the EUR and USD amounts comparable.

:class:`Prices` is the frozen choice (real or nominal, deflator per currency, base year) that the
scorecard, the EU-side estimate and notebook 04 pass down; it names the deflator in words for the
reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError

__all__ = ["Prices", "price_config"]


def _prices_module() -> Any:
    from sanctions_model.data import prices

    return prices


@dataclass(frozen=True)
class Prices:
    """Real or nominal values, the deflator of each currency, the base year (read-only).

    Build it with :func:`price_config`, which validates the names.
    """

    real: bool = True
    deflators: Mapping[str, str] = field(default_factory=dict)
    base: int = 2021

    def name(self, currency: str) -> str | None:
        """The price index that deflates ``currency`` values (None when nominal)."""
        if not self.real:
            return None
        cur = currency.upper()
        return self.deflators.get(cur) or _prices_module().DEFAULT_DEFLATOR[cur]

    def units(self, currency: str) -> str:
        """``USD at 2021 prices`` or ``current USD``."""
        return f"{currency} at {self.base} prices" if self.real else f"current {currency}"

    def describe(self, currency: str) -> str:
        """The units with the deflator in words, for the reports."""
        if not self.real:
            return f"{currency} in current prices (not deflated)"
        label = _prices_module().deflator_label(self.name(currency))
        return f"{currency} at {self.base} prices, deflated by {label}"

    def caveats(self, currency: str) -> tuple[str, ...]:
        """What a reader must know about the deflator of ``currency`` values."""
        if not self.real:
            return ()
        return tuple(_prices_module().deflator_caveats(self.name(currency)))

    def apply(self, frame: pd.DataFrame, currency: str) -> pd.DataFrame:
        """``frame`` (current prices, annual or monthly PeriodIndex) deflated, or as given."""
        if not self.real:
            return frame
        return _prices_module().deflate(
            frame, currency.upper(), deflator=self.name(currency), base=self.base
        )

    def apply_rows(self, table: pd.DataFrame, currency: str) -> pd.DataFrame:
        """A long table (``period``, ``value`` in ``currency`` units) deflated row by row, or as
        given when nominal."""
        if not self.real:
            return table
        periods = pd.period_range(table["period"].min(), table["period"].max(), freq="M")
        ones = pd.DataFrame({"v": np.ones(len(periods))}, index=periods)
        factor = self.apply(ones, currency)["v"].reindex(table["period"]).to_numpy()
        out = table.assign(value=table["value"].to_numpy(dtype=float) * factor)
        out.attrs = {**table.attrs, "units": self.units(currency)}
        return out

    def rate(self, from_currency: str, to_currency: str) -> float:
        """Units of ``to_currency`` per unit of ``from_currency``: the base year's average rate."""
        src, dst = from_currency.upper(), to_currency.upper()
        if src == dst:
            return 1.0
        one = pd.Series([1.0], index=pd.PeriodIndex([str(self.base)], freq="Y"))
        return float(_prices_module().convert_currency(one, src, dst).iloc[0])

    def nominal(self) -> Prices:
        """The same choice in current prices (the robustness row)."""
        return Prices(real=False, deflators=self.deflators, base=self.base)


def price_config(
    real: bool = True,
    deflator: str | Sequence[str] | Mapping[str, str | None] | None = None,
    *,
    base: int = 2021,
) -> Prices:
    """Validate the notebook's ``real`` and ``deflator`` parameters into a :class:`Prices`.

    Parameters
    ----------
    real : bool
        Deflate (default) or keep current prices.
    deflator : str, list of str, mapping or None
        Price indices by name (``"us_export_prices"``), each applied to the values of its own
        currency; or a mapping currency -> name (None: the default). Currencies not named get
        :data:`~sanctions_model.data.prices.DEFAULT_DEFLATOR`.
    base : int
        The base year of the prices and of the conversion between currencies.
    """
    if not isinstance(real, bool):
        raise ParameterError(f"real must be True or False, got {real!r}")
    prices = _prices_module()
    if deflator is None:
        chosen: dict[str, str] = {}
    elif isinstance(deflator, Mapping):
        chosen = {}
        for cur, name in deflator.items():
            if str(cur).upper() not in prices.DEFAULT_DEFLATOR:
                raise ParameterError(
                    f"deflator: unknown currency {cur!r}; expected {sorted(prices.DEFAULT_DEFLATOR)}"
                )
            if name is not None:
                chosen[str(cur).upper()] = name
    else:
        names = [deflator] if isinstance(deflator, str) else list(deflator)
        chosen = {}
        for name in names:
            if name not in prices.PRICE_INDICES:
                raise ParameterError(
                    f"deflator={name!r}: unknown price index; available: "
                    f"{sorted(prices.PRICE_INDICES)}"
                )
            cur = prices.PRICE_INDICES[name].currency
            if cur in chosen and chosen[cur] != name:
                raise ParameterError(
                    f"deflator: two price indices for {cur} values ({chosen[cur]!r}, {name!r})"
                )
            chosen[cur] = name
    for cur, name in chosen.items():
        if name not in prices.PRICE_INDICES:
            raise ParameterError(
                f"deflator={name!r}: unknown price index; available: {sorted(prices.PRICE_INDICES)}"
            )
        if prices.PRICE_INDICES[name].currency != cur:
            raise ParameterError(
                f"deflator={name!r} deflates {prices.PRICE_INDICES[name].currency} values, "
                f"not {cur}"
            )
    if isinstance(base, bool) or not isinstance(base, int):
        raise ParameterError(f"base must be a year, got {base!r}")
    return Prices(real=real, deflators=dict(chosen), base=base)
