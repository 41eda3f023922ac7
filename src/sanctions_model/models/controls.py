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
from .counterfactual.model import control_moved  # its home: it fits a counterfactual per control

__all__ = ["control_moved", "load_controls", "load_flow", "parse_control"]

EU_AGGREGATES = ("EU27_2020", "EU27", "EU")
#: A month of a summed EU27 flow is kept when the member states without a row in it held, on
#: average over the months they did report, at most this share of the flow; otherwise the month
#: is missing. Eurostat's spreadsheets leave a cell empty (':') both for a member that did not
#: report and for one that stopped trading: in 2022 DK, IE, PT and SE stopped importing Russian
#: fuel (their rows vanish; together under 2 % of the flow before), while NL's 2022-11 row is
#: simply not yet published (about 13 % of EU imports from Russia). Every kept month with a
#: member counted as zero is named in the caveats with the largest share at stake.
EU_SUM_TOLERANCE = 0.05


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
    only over periods in which the member states without a row held at most
    :data:`EU_SUM_TOLERANCE` of the flow; other periods are missing (dropped at the ends) and
    said in the caveats, with the members counted as zero (a sum over whichever members reported
    would fall when one stops reporting).

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
    absent = [m for m in who if m not in reporters] if summed else []
    if absent:
        raise ParameterError(
            f"reporter={reporter}: {source!r} has no rows at all for {', '.join(absent)}, so "
            "the EU total cannot be summed from its member states; add them, or an EU27_2020 row"
        )
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
        s, note = _complete_member_months(table, amount, s, source, reporter)
        caveats.append(note)
    s = s.loc[s.first_valid_index() : s.last_valid_index()] if s.notna().any() else s
    if s.isna().all():
        raise ParameterError(
            f"{source!r} {reporter}-{partner} {flow}: no period in which the member states "
            f"holding the flow all have a row ({caveats[-1] if caveats else ''})"
        )
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


def _complete_member_months(
    table: pd.DataFrame,
    amount: pd.Series,
    total: pd.Series,
    source: str,
    reporter: str,
) -> tuple[pd.Series, str]:
    """The EU sum kept only in months its member states cover; the caveat that says so."""
    wide = amount.groupby([table["period"], table["reporter"]]).sum().unstack("reporter")
    wide = wide.reindex(index=total.index)
    share = wide.div(wide.sum(axis=1), axis=0).mean()  # over the months each member reported
    lost = wide.isna().mul(share.fillna(0.0), axis=1).sum(axis=1)
    partial = (lost > EU_SUM_TOLERANCE).to_numpy()
    out = total.copy()
    out[partial] = float("nan")
    note = f"{reporter} is summed from the 27 member states of {source!r}"
    if partial.any():
        gone = [str(p) for p in total.index[partial]]
        shown = ", ".join(gone[:4]) + (f" and {len(gone) - 4} more" if len(gone) > 4 else "")
        note += (
            f"; {len(gone)} period(s) in which member states holding more than "
            f"{EU_SUM_TOLERANCE:.0%} of the flow have no row are left out: {shown}"
        )
    kept = (lost > 0).to_numpy() & ~partial
    if kept.any():
        small = sorted(c for c in wide.columns if wide.loc[kept, c].isna().any())
        note += (
            f"; in {int(kept.sum())} period(s) {', '.join(small)} have no row and count as "
            f"zero (together at most {lost[kept].max():.1%} of the flow)"
        )
    return out, note


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
