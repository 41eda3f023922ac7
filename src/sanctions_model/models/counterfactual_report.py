"""What notebook 02 shows of a monthly counterfactual: the report block and the price-basis table.

Written here (and tested) so the notebook's cells only call them: the headline, the pre-period
note, the caveats and the controls' own moves as one Markdown block
(:func:`report_markdown`); the estimate in real terms beside the same procedure in current
prices (:func:`price_basis_table`, :func:`price_basis_results`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sanctions_model.reporting import format as fmt

from .counterfactual_results import CounterfactualResults

__all__ = ["price_basis_results", "price_basis_table", "report_markdown"]


def report_markdown(cf: CounterfactualResults, subject: str, *, deflator: str | None = None) -> str:
    """The report block: levels and headline, the pre-period note, caveats, the controls' moves.

    ``deflator`` (a label such as "euro-area consumer prices (HICP, Eurostat), 2021 = 100")
    is named when the flow is in real terms.
    """
    start, end = cf.post_period
    lines = [cf.report(f"{subject}, average effect {start} to {end}", caveats=False), ""]
    if deflator:
        lines += [f"Values are in {cf.config.units}, deflated with {deflator}.", ""]
    lines += [cf.pre_period_note(), "", "**Caveats**", ""]
    lines += [f"- {c}" for c in cf.caveats] or ["- none flagged"]
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


def _row(cf: CounterfactualResults) -> dict[str, Any]:
    s = cf.headline()
    level = f"{1 - cf.config.alpha:.0%}"
    p = f"< {s.p_value:g}" if s.p_bound else fmt.p_cell(s.p_value)
    return {
        "average effect": cf._show(s.estimate),
        f"{level} interval": f"{cf._show(s.lower)} to {cf._show(s.upper)}",
        "p-value": p,
        "model": cf.model_chosen,
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
    """The nominal robustness row for ``results.json`` (effect, lower, upper, p_value, ...)."""
    if nominal is None:
        return None
    s = nominal.headline()
    return {
        "effect": s.estimate,
        "lower": s.lower,
        "upper": s.upper,
        "p_value": s.p_value,
        "p_is_upper_bound": s.p_bound,
        "units": nominal.config.units,
        "model_chosen": nominal.model_chosen,
        "sentence": nominal.sentence(),
    }
