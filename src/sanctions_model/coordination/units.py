"""Trade tables in currency units: ``value * unit_scale``, one currency per table.

A ``load_trade`` table holds ``value`` in ``currency`` times ``unit_scale`` (1 for units,
1,000,000 for millions), and a user's file may switch scale within a series. The coordination
measures sum and compare values across rows, so they first bring every row to currency units
here, and refuse a table that mixes currencies (a sum of EUR and USD is no amount at all).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError

__all__ = ["in_currency_units"]


def in_currency_units(frame: pd.DataFrame, what: str = "trade") -> pd.DataFrame:
    """``frame`` with ``value`` in currency units (``value * unit_scale``) and ``unit_scale`` 1.

    A frame without ``unit_scale`` is taken to be in units already. The result's
    ``attrs["currency"]`` is the table's one currency (None without a ``currency`` column).

    Raises
    ------
    ParameterError
        A ``unit_scale`` that is missing or not positive (row named), or more than one currency
        in the table (the first row of the second currency named).
    """
    out = frame.copy()
    if "unit_scale" in out.columns:
        scale = pd.to_numeric(out["unit_scale"], errors="coerce").to_numpy(dtype=float)
        bad = ~(np.isfinite(scale) & (scale > 0))
        if bad.any():
            row = out.index[np.flatnonzero(bad)[0]]
            raise ParameterError(
                f"{what}: row {row}, column unit_scale = {out.loc[row, 'unit_scale']!r}; expected "
                "a positive number (1 for units, 1000000 for millions)"
            )
        out["value"] = out["value"].to_numpy(dtype=float) * scale
        out["unit_scale"] = 1
    currency = None
    if "currency" in out.columns and len(out):
        seen = pd.unique(out["currency"].astype(str))
        if len(seen) > 1:
            row = out.index[(out["currency"].astype(str) == seen[1]).to_numpy()][0]
            raise ParameterError(
                f"{what}: more than one currency ({', '.join(map(str, seen))}); row {row} is in "
                f"{seen[1]} while row {out.index[0]} is in {seen[0]}. Pass one currency per "
                "table (convert with sanctions_model.data.prices.convert_currency)"
            )
        currency = str(seen[0])
    out.attrs = {**frame.attrs, "currency": currency}
    return out
