"""Control series for the monthly counterfactual: load them from any dataset, check they did not move.

A control is named by a short spec string, so a notebook parameter can hold a list of them:

* ``"fred:POILBREUSDM"``: an indicator of an indicators dataset (``dataset:indicator``);
* ``"eurostat_comext:EU27_2020:KZ:export"``: a trade flow (``dataset:reporter:partner:flow``,
  optionally ``:product``); ``EU27_2020`` is summed over the member states when the dataset has
  no EU aggregate (as in ``eurostat_xlsx``).

A control is only useful if the intervention did not move it: :func:`control_moved` estimates each
control's own counterfactual at the intervention and flags those whose interval excludes zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from sanctions_model.errors import ParameterError

from ._results import to_period

__all__ = ["control_moved", "load_controls", "load_flow", "parse_control"]

EU_AGGREGATES = ("EU27_2020", "EU27", "EU")


def load_flow(
    source: str,
    reporter: str,
    partner: str,
    flow: str,
    product: str | None = None,
    *,
    start: Any = None,
    end: Any = None,
) -> pd.Series:
    """One monthly trade flow as a Series (EUR, monthly PeriodIndex, named ``reporter-partner``).

    ``reporter="EU27_2020"`` sums the 27 member states when ``source`` has no EU aggregate. Months
    with no row are missing (NaN), not zero.
    """
    from sanctions_model import data
    from sanctions_model.data.countries import members

    available = data.load_trade(source)
    products = sorted(available["product"].unique())
    if product is None:
        product = "TOTAL" if "TOTAL" in products else None
    reporters = set(available["reporter"].unique())
    summed = reporter in EU_AGGREGATES and reporter not in reporters
    who = list(members("EU27_2020")) if summed else reporter
    table = data.load_trade(
        source, reporter=who, partner=partner, flow=flow, product=product, start=start, end=end
    )
    if table.empty:
        raise ParameterError(
            f"no rows in {source!r} for reporter={reporter}, partner={partner}, flow={flow}, "
            f"product={product} between {start} and {end}"
        )
    s = table.groupby("period")["value"].sum(min_count=1).sort_index()
    full = pd.period_range(s.index.min(), s.index.max(), freq="M")
    label = f"{reporter}-{partner} {flow}" + (
        f" {product}" if product not in (None, "TOTAL") else ""
    )
    return s.reindex(full).rename(label)


def parse_control(spec: str) -> tuple[str, list[str]]:
    """``"fred:POILBREUSDM"`` -> ``("fred", ["POILBREUSDM"])``; errors name the spec."""
    if not isinstance(spec, str) or ":" not in spec:
        raise ParameterError(
            f"control {spec!r}: write 'dataset:indicator' (e.g. 'fred:POILBREUSDM') or "
            "'dataset:reporter:partner:flow[:product]' (e.g. 'eurostat_comext:EU27_2020:KZ:export')"
        )
    source, *rest = spec.split(":")
    return source, rest


def load_controls(
    specs: Iterable[str], *, start: Any = None, end: Any = None
) -> pd.DataFrame | None:
    """Load control series by spec into one frame (columns named by spec); None for no specs."""
    from sanctions_model import data
    from sanctions_model.data.registry import kind_of

    cols = {}
    for spec in specs:
        source, parts = parse_control(spec)
        kind = kind_of(source)
        if kind == "indicators":
            if len(parts) != 1:
                raise ParameterError(f"control {spec!r}: an indicator is 'dataset:indicator'")
            t = data.load_indicators(source, indicator=parts[0])
            s = t.set_index("period")["value"].sort_index()
        elif kind == "trade":
            if len(parts) not in (3, 4):
                raise ParameterError(
                    f"control {spec!r}: a trade flow is 'dataset:reporter:partner:flow[:product]'"
                )
            s = load_flow(source, *parts)
        else:
            raise ParameterError(f"control {spec!r}: dataset {source!r} holds {kind}, not a series")
        if start is not None:
            s = s.loc[to_period(start) :]
        if end is not None:
            s = s.loc[: to_period(end)]
        cols[spec] = s
    if not cols:
        return None
    return pd.DataFrame(cols)


def control_moved(
    controls: pd.DataFrame,
    intervention: Any,
    *,
    pre_start: Any = None,
    alpha: float = 0.05,
    log: bool = True,
    n_sims: int = 400,
) -> pd.DataFrame:
    """Each control's own average effect at ``intervention`` and whether it moved.

    The control gets the same treatment as the flow: a counterfactual fitted on its pre-period
    (local level with the seasonal chosen by backtest), compared with what it did afterwards. A
    control whose interval excludes zero moved with the treatment, so using it as a regressor
    attributes part of the effect to it.

    Returns
    -------
    DataFrame
        Index: control names; columns effect, lower, upper, p_value, moved.
    """
    from .counterfactual import estimate_counterfactual
    from .draws import summarize_draws

    t0 = to_period(intervention)
    rows = {}
    for col in controls.columns:
        s = controls[col]
        if pre_start is not None:
            s = s.loc[to_period(pre_start) :]
        res = estimate_counterfactual(
            s, t0, log=log and bool((s.dropna() > 0).all()), trend="local level",
            alpha=alpha, n_sims=n_sims, n_param_draws=20, seed=7, check_controls=False,
        )  # fmt: skip
        d = summarize_draws(res.effect_draws(), alpha=alpha)
        rows[str(col)] = {
            "effect": d.estimate,
            "lower": d.lower,
            "upper": d.upper,
            "p_value": d.p_value,
            "moved": bool(d.lower > 0 or d.upper < 0),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["moved"] = out["moved"].astype(bool)
    return out.astype({"effect": float, "lower": float, "upper": float, "p_value": float})
