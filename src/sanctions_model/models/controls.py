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
    real: bool = False,
    deflator: str | None = None,
    base: int = 2021,
) -> pd.Series:
    """One trade flow as a Series in units of its currency, named ``reporter-partner flow``.

    The index is the dataset's PeriodIndex (monthly or annual), gap-free: periods with no row are
    missing (NaN), not zero. Values are multiplied by the table's ``unit_scale``, so the series is
    in units of one currency whatever the publisher's unit (IMF millions, a user file's
    thousands). A series whose rows are in more than one currency is refused.

    ``reporter="EU27_2020"`` on a dataset without that aggregate sums the 27 member states, and
    only over periods in which all 27 have a row; other periods are missing and said in the
    caveats (a sum over whichever members reported would fall when one stops reporting).

    With ``real=True`` the values are deflated to ``base``-year prices by ``deflator`` (default:
    :data:`sanctions_model.data.prices.DEFAULT_DEFLATOR` of the currency); with ``real=False``
    (the default: a loader returns the data as published) ``deflator`` is not used.

    The Series carries ``attrs``: ``currency``, ``unit_scale`` (1), ``unit`` (``"EUR"`` or
    ``"EUR at 2021 prices"``), ``real``, ``deflator`` (None when nominal) and ``caveats`` (a
    tuple of sentences).
    """
    from sanctions_model import data
    from sanctions_model.data import prices
    from sanctions_model.data.countries import members

    available = data.load_trade(source)
    products = sorted(available["product"].unique())
    if product is None:
        product = "TOTAL" if "TOTAL" in products else None
    reporters = set(available["reporter"].unique())
    summed = reporter in EU_AGGREGATES and reporter not in reporters
    who = list(members("EU27_2020")) if summed else reporter
    table = data.filter_trade(  # the loaded table again: a source is read once per call
        available, source, reporter=who, partner=partner, flow=flow, product=product,
        start=start, end=end,
    )  # fmt: skip
    if table.empty:
        raise ParameterError(
            f"no rows in {source!r} for reporter={reporter}, partner={partner}, flow={flow}, "
            f"product={product} between {start} and {end}"
        )
    currency = _one_currency(table, source, reporter, partner, flow)
    amount = table["value"].astype(float) * table["unit_scale"].astype(float)
    s = amount.groupby(table["period"]).sum(min_count=1).sort_index()
    caveats: list[str] = []
    if summed:
        count = table.groupby("period")["reporter"].nunique().reindex(s.index)
        partial = count < len(members("EU27_2020"))
        if partial.any():
            gone = [str(p) for p in s.index[partial.to_numpy()]]
            shown = ", ".join(gone[:4]) + (f" and {len(gone) - 4} more" if len(gone) > 4 else "")
            caveats.append(
                f"{reporter} is summed from the member states of {source!r}; {len(gone)} "
                f"period(s) in which not all 27 have a row are left missing: {shown}"
            )
            s[partial.to_numpy()] = float("nan")
        else:
            caveats.append(f"{reporter} is the sum of the 27 member states of {source!r}")
    freq = s.index.freqstr
    full = pd.period_range(s.index.min(), s.index.max(), freq=freq)
    label = f"{reporter}-{partner} {flow}" + (
        f" {product}" if product not in (None, "TOTAL") else ""
    )
    s = s.reindex(full).rename(label)
    name = None
    unit = currency
    if real:
        name = deflator if deflator is not None else prices.DEFAULT_DEFLATOR.get(currency)
        s = prices.deflate(s, currency, deflator=name, base=base).rename(label)
        unit = f"{currency} at {base} prices"
        caveats.extend(prices.deflator_caveats(name))
    s.attrs = {
        "currency": currency,
        "unit_scale": 1,
        "unit": unit,
        "real": bool(real),
        "deflator": name,
        "caveats": tuple(caveats),
    }
    return s


def _one_currency(table: pd.DataFrame, source: str, reporter: str, partner: str, flow: str) -> str:
    """The single currency of a flow's rows; rows in two currencies are refused, naming periods."""
    currencies = sorted(table["currency"].unique())
    if len(currencies) == 1:
        return str(currencies[0])
    first = table.sort_values("period").groupby("currency")["period"].agg(["min", "max"])
    spans = "; ".join(f"{c} {r['min']} to {r['max']}" for c, r in first.iterrows())
    raise ParameterError(
        f"{source!r} {reporter}-{partner} {flow}: rows in {len(currencies)} currencies "
        f"({spans}); a series must be in one currency (convert it before adding the file)"
    )


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
