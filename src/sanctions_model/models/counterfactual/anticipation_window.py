"""How the headline depends on the months left out before the intervention (``anticipation``).

Leaving ``k`` months out of the fit protects the headline from a fall that starts up to ``k``
months early, and from nothing that starts earlier: in a referee's simulations a -0.3 fall that
ramped in from 2021-09 left the two-month headline 40-46% too small, and the two left-out months'
own gap flagged it in 2% of series. Refitting with a longer window (six months: bias back to
+0.03) and with none is the check a reader can see: :func:`anticipation_sensitivity` gives the
headline under each window, :func:`anticipation_caveat` says in words when the windows disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

#: a fitted :class:`~.results.CounterfactualResults` (not imported: results imports this module)
CounterfactualResults = Any

__all__ = [
    "WINDOWS",
    "anticipation_caveat",
    "anticipation_sensitivity",
    "anticipation_table",
]

WINDOWS = (0, 6)
"""Months left out besides the headline's own: none (the fit runs up to the intervention) and six."""


def _label(k: int, fit_end: Any) -> str:
    months = "none" if k == 0 else f"{k} month{'s' if k > 1 else ''}"
    return f"{months} (fit up to {fit_end})"


def anticipation_sensitivity(
    res: CounterfactualResults,
    y: pd.Series,
    intervention: Any,
    *,
    windows: Sequence[int] = WINDOWS,
    **options: Any,
) -> pd.DataFrame:
    """The headline of ``res`` beside the same procedure with other anticipation windows.

    ``y`` and ``options`` are what ``res`` was fitted with (notebook 02's ``options``; its
    ``anticipation`` is replaced by each window). Rows are sorted by months left out; a window
    that leaves too short a pre-period is kept with its reason in ``note``. Columns as
    :func:`~sanctions_model.models.deflator_sensitivity.deflator_sensitivity`'s, so its table and
    record functions read it: ``label``, ``months``, ``estimate``, ``lower``, ``upper``,
    ``p_value``, ``p_bound``, ``default``, ``gap`` (to the headline), ``note``.
    """
    from .model import estimate_counterfactual

    own = int(res.config.anticipation)
    ks = sorted({own, *(int(k) for k in windows)})
    if any(k < 0 for k in ks):
        raise ParameterError(f"windows: months left out must be >= 0, got {list(windows)}")
    opts = {k: v for k, v in options.items() if k != "anticipation"}
    units = y.attrs.get("unit") or opts.pop("units", None) or "EUR"
    opts.pop("units", None)
    rows = []
    first = (
        pd.Period(intervention, "M") if not isinstance(intervention, pd.Period) else intervention
    )
    for k in ks:
        fit_end = first - k - 1
        row: dict[str, Any] = {"label": _label(k, fit_end), "months": k, "default": k == own}
        fit = res
        if k != own:
            try:
                fit = estimate_counterfactual(y, intervention, units=units, anticipation=k, **opts)
            except ParameterError as err:
                rows.append(row | dict.fromkeys(("estimate", "lower", "upper", "p_value"), np.nan)
                            | {"p_bound": False, "note": f"not fitted: {err}"})  # fmt: skip
                continue
        s = fit.headline("average")
        row |= {"estimate": s.estimate, "lower": s.lower, "upper": s.upper,
                "p_value": s.p_value, "p_bound": s.p_bound,
                "note": "the headline" if k == own else ""}  # fmt: skip
        rows.append(row)
    frame = pd.DataFrame(rows)
    base = frame.loc[frame["default"], "estimate"].iloc[0]
    frame["gap"] = (frame["estimate"] - base).round(6)  # of rounded figures: no float dust
    frame.attrs["scale"] = "relative" if res.config.log else "level"
    frame.attrs["alpha"] = res.config.alpha
    return frame


def _significant(row: pd.Series) -> bool:
    return bool(row["lower"] > 0 or row["upper"] < 0)


def anticipation_caveat(frame: pd.DataFrame) -> str | None:
    """A sentence when another window's estimate lies outside the headline's interval or on the
    other side of the significance line; None when every window tells the headline's story (a
    fixed gap in percentage points would fire on every wide interval of a flow that doubled)."""
    head = frame.loc[frame["default"]].iloc[0]
    if not np.isfinite(head["estimate"]):
        return None
    show = fmt.pct if frame.attrs.get("scale", "relative") == "relative" else fmt.number
    apart = []
    for _, row in frame.loc[~frame["default"]].iterrows():
        if not np.isfinite(row["estimate"]):
            continue
        outside = not head["lower"] <= row["estimate"] <= head["upper"]
        if outside or _significant(row) != _significant(head):
            p = fmt.pvalue(row["p_value"], upper_bound=bool(row["p_bound"]))
            apart.append(
                f"with {row['label']} it is {show(row['estimate'])} ({fmt.interval_label(frame.attrs.get('alpha'))} "
                f"{show(row['lower'])} to {show(row['upper'])}; {p})"
            )
    if not apart:
        return None
    months = int(head["months"])
    return (
        f"the headline depends on how many months before the intervention are left out of the "
        f"fit: {show(head['estimate'])} with {months} (the default), while "
        + "; ".join(apart)
        + ". If trade moved before the months left out, the default window understates the "
        "change; if nothing moved early, a longer window only widens the interval"
    )


def anticipation_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows for readers, as the deflator sensitivity prints its rows."""
    from ..deflator_sensitivity import sensitivity_table

    out = sensitivity_table(frame)
    out.index.name = "months left out before the intervention"
    return out
