"""What notebook 02 shows of a monthly counterfactual: the report block and the price-basis table.

Written here (and tested) so the notebook's cells only call them: the headline, the pre-period
note, the caveats and the controls' own moves as one Markdown block
(:func:`report_markdown`); the estimate in real terms beside the same procedure in current
prices (:func:`price_basis_table`, :func:`price_basis_results`); the chart's data for
``results.json`` (:func:`series_results`), which the findings page writes as CSV.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from sanctions_model.reporting import format as fmt

from ..mc_error import rounded_summary
from .results import CounterfactualResults

__all__ = [
    "price_basis_results",
    "price_basis_table",
    "report_markdown",
    "series_results",
    "window_notes",
]


def report_markdown(
    cf: CounterfactualResults,
    subject: str,
    *,
    deflator: str | None = None,
    partner: str | None = None,
) -> str:
    """The report block: levels and headline, the pre-period note, caveats, the controls' moves.

    ``deflator`` (a label such as "euro-area consumer prices (HICP, Eurostat), 2021 = 100")
    is named when the flow is in real terms; ``partner`` (a country code) names the
    destination's own shocks in the sentence on what the estimate includes.
    """
    start, end = cf.post_period
    lines = [
        cf.report(f"{subject}, average effect {start} to {end}", caveats=False, partner=partner),
        "",
    ]
    if deflator:
        lines += [f"Values are in {cf.config.units}, deflated with {deflator}.", ""]
    lines += [n for note in window_notes(cf, subject, deflator=deflator) for n in (note, "")]
    lines += [cf.pre_period_note(), "", "**Caveats**", ""]
    lines += [f"- {c}" for c in cf.all_caveats] or ["- none flagged"]
    if cf.control_checks is not None:
        lines += ["", "Each control's own change at the intervention (a control that moved is "
                  "not a clean control):", ""]  # fmt: skip
        show = fmt.pct if cf.config.log else fmt.number
        lines += [
            f"- {name}: {show(row.effect)} (interval {show(row.lower)} to {show(row.upper)})"
            + (" - moved" if row.moved else "")
            for name, row in cf.control_checks.iterrows()
        ]
    return "\n".join(lines)


def window_notes(
    cf: CounterfactualResults, subject: str, *, deflator: str | None = None, months: int = 6
) -> list[str]:
    """What the figure cannot show, said beside it: for an import flow, the EU energy measures
    that fall after the series' last month (within ``months``); for a flow deflated with consumer
    prices, that the change is in value at base-year consumer prices, not in volume."""
    notes = []
    end = cf.observed.last_valid_index()
    if "imports from" in subject and end is not None:
        after = _energy_measures_after(pd.Period(end, "M"), months)
        if after:
            notes.append(
                f"The series ends in {end}: "
                + ", ".join(f"{m} ({d})" for m, d in after)
                + " came after it and are outside this window, so the estimate says nothing "
                "about them."
            )
    if deflator and "consumer prices" in deflator:
        energy = "HS 27" in subject
        notes.append(
            f"Deflated with consumer prices, not the flow's own prices: the change is in value at "
            f"{_base(deflator)}consumer prices, not in volume"
            + (
                "; energy prices moved far from consumer prices in 2022, so the change in "
                "quantities imported can differ from it in size and even in sign."
                if energy
                else "."
            )
        )
    return notes


def _base(deflator: str) -> str:
    m = re.search(r"(\d{4}) = 100", deflator)
    return f"{m.group(1)} " if m else ""


def _energy_measures_after(end: pd.Period, months: int) -> list[tuple[str, str]]:
    """EU energy measures in the ``months`` after ``end``: (measure, yyyy-mm-dd)."""
    try:
        from sanctions_model import data

        events = data.load_events()
    except Exception:  # noqa: BLE001 - a missing events file must not stop the report
        return []
    dates = pd.to_datetime(events["date"])
    start, stop = (end + 1).to_timestamp(), (end + months + 1).to_timestamp()
    pick = events[(events["jurisdiction"] == "EU") & (events["kind"] == "energy")
                  & (dates >= start) & (dates < stop)]  # fmt: skip
    return [(str(r.measure), str(pd.Timestamp(r.date).date())) for r in pick.itertuples()]


def _row(cf: CounterfactualResults) -> dict[str, Any]:
    s = cf.headline()
    level = f"{fmt.level(cf.config.alpha)}"
    p = f"< {s.p_value:g}" if s.p_bound else fmt.p_cell(s.p_value)
    return {
        "average effect": cf._show(s.estimate),
        f"{level} interval": f"{cf._show(s.lower)} to {cf._show(s.upper)}",
        "p-value": p,
        "model": cf.model_used,
    }


def price_basis_table(
    real: CounterfactualResults, nominal: CounterfactualResults | None, *, deflator: str | None
) -> pd.DataFrame:
    """The headline in real terms (first row) and, as a robustness row, in current prices."""
    rows = {f"real terms ({real.config.units}; {deflator})" if deflator else
            f"{real.config.units}": _row(real)}  # fmt: skip
    if nominal is not None:
        rows[f"current prices ({nominal.config.units}, nominal)"] = _row(nominal)
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "price basis"
    return frame


def price_basis_results(nominal: CounterfactualResults | None) -> dict[str, Any] | None:
    """The nominal robustness row for ``results.json``: the headline fields of
    :meth:`~CounterfactualResults.to_results` (effect, lower, upper, p_value, its flags, units, the
    model, the sentence) for the same procedure in current prices."""
    if nominal is None:
        return None
    full = nominal.to_results()
    return {k: full[k] for k in NOMINAL_KEYS}


#: The fields of the nominal row (a subset of the headline's ``to_results``).
NOMINAL_KEYS = (
    "effect",
    "lower",
    "upper",
    "p_value",
    "p_is_upper_bound",
    "p_at_alpha",
    "units",
    "model_chosen",
    "model_used",
    "sentence",
)


def series_results(cf: CounterfactualResults) -> dict[str, Any]:
    """The actual-vs-counterfactual chart's data for ``results.json``: ``counterfactual_series``.

    Equal-length lists over every month of the pre- and post-period: ``period`` (``"2022-03"``),
    ``observed`` (as loaded), and ``median``, ``lower``, ``upper``: the chart's counterfactual
    line and band (the one-step prediction in the pre-period, a median in a log model; the
    median and percentile band of the simulated paths from the intervention on). Scalars say the
    ``unit`` (the run's, e.g. "EUR at 2021 prices"), the interval ``level`` and the month the
    post-period ``starts``. A missing month is ``None``.

    Each simulated figure is rounded as the headline is
    (:func:`~sanctions_model.models.mc_error.rounded_summary`: a step of at least 8 Monte Carlo
    standard errors and a twentieth of the month's interval width, bounds outwards), so a rerun
    with another seed changes a figure only when it sits near a rounding boundary: measured on
    three simulated series with 40,000 paths, two seeds moved no median and 23 of 180 band ends
    (post-period months), each by one step (5% of the value or less for the upper end). The
    pre-period figures and the observed values come from no simulation and keep their digits.
    ``rounding`` says so in the file.
    """
    frame = cf.effects_frame()
    n_pre = len(cf.pre_index)
    band = {k: frame[c].to_numpy(dtype=float).copy()
            for k, c in (("median", "predicted"), ("lower", "lower"), ("upper", "upper"))}  # fmt: skip
    sims = cf._projected_sims()  # the anticipation months (if any) and the post-period
    for j in range(sims.shape[1]):
        draws = sims[:, j]
        if np.isfinite(draws).sum() < 20:
            continue
        r = rounded_summary(draws, cf._groups, alpha=cf.config.alpha)
        band["median"][n_pre + j], band["lower"][n_pre + j], band["upper"][n_pre + j] = (
            r.estimate, r.lower, r.upper,
        )  # fmt: skip
    out: dict[str, Any] = {"period": [str(p) for p in frame.index]}
    for key, values in (("observed", frame["observed"].to_numpy(dtype=float)), *band.items()):
        out[key] = [float(v) if math.isfinite(v) else None for v in values]
    out["unit"] = cf.config.units
    out["level"] = 1 - cf.config.alpha
    out["starts"] = str(cf.post_period[0])
    out["projected_from"] = str(frame.index[n_pre])
    out["rounding"] = (
        "median, lower and upper after the intervention rounded to their Monte Carlo error; "
        "a rerun with another seed may move a band end by one step"
    )
    return out
