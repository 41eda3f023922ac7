"""The months left out of the fit before the intervention (``anticipation``) and what they show.

Trade can move before a sanction takes effect: in January and February 2022 the Russian build-up
and the US warnings made buyers, banks and insurers pull back. Fitted as part of the pre-period,
those months pull the counterfactual's starting level towards the fall, and the effect from the
intervention on is understated (the referee's simulation: -0.13 estimated for a true -0.26 when a
-0.3 fall began two months early). :func:`~sanctions_model.models.counterfactual.
estimate_counterfactual` with ``anticipation=k`` fits on the months before ``intervention - k``
and projects from there; the headline stays from the intervention on, and this module reports
the gap over the ``k`` left-out months on its own, with its interval and p-value from the same
simulated paths.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._results import validate_alpha
from ..mc_error import RoundedSummary, rounded_summary
from .sentence import summary_sentence

#: a fitted :class:`~.results.CounterfactualResults` (not imported: results imports this module)
CounterfactualResults = Any

__all__ = ["anticipation_effect", "anticipation_record", "anticipation_sentence", "left_out_words"]


def left_out_words(res: CounterfactualResults) -> str:
    """``"2 months before 2022-03 (2022-01 to 2022-02)"``."""
    lead = res.lead_index
    if len(lead) == 0:
        return "no months"
    k = len(lead)
    span = str(lead[0]) if k == 1 else f"{lead[0]} to {lead[-1]}"
    return f"{k} month{'s' if k > 1 else ''} before {res.post_period[0]} ({span})"


def _draws(res: CounterfactualResults) -> np.ndarray | None:
    sims = res._sims_anticipation
    if sims is None or sims.shape[1] == 0:
        return None
    y = res.observed.reindex(res.lead_index).to_numpy(dtype=float)
    ok = np.isfinite(y)
    if not ok.any():
        return np.full(sims.shape[0], np.nan)
    y, sims = y[ok], sims[:, ok]
    if res.config.log:
        return (y[None, :] / sims - 1).mean(axis=1)
    return (y[None, :] - sims).mean(axis=1)


def anticipation_effect(
    res: CounterfactualResults, alpha: float | None = None
) -> RoundedSummary | None:
    """The average gap over the left-out months (relative with ``log=True``), rounded to what
    its draws support; None without anticipation months."""
    draws = _draws(res)
    if draws is None:
        return None
    a = res.config.alpha if alpha is None else validate_alpha(alpha)
    lowest = -1.0 if res.config.log else None
    return rounded_summary(draws, res._groups, alpha=a, lowest=lowest)


def anticipation_sentence(res: CounterfactualResults) -> str:
    """The left-out months in words: why they are out and their own gap (empty without them)."""
    s = anticipation_effect(res)
    if s is None:
        return ""
    lead = res.lead_index
    subject = (
        f"In the {len(lead)} month{'s' if len(lead) > 1 else ''} left out of the fit before the "
        f"intervention ({lead[0]}" + (f" to {lead[-1]}" if len(lead) > 1 else "") + "), the "
        "average gap to the counterfactual"
    )
    text = summary_sentence(res, subject, s)
    return (
        f"The model is fitted on the months up to {res.pre_period[1]} and projected from "
        f"{lead[0]}, so that trade moving ahead of the sanction does not lower the "
        f"counterfactual; the headline still runs from {res.post_period[0]}. {text}"
    )


def anticipation_record(res: CounterfactualResults) -> dict[str, Any]:
    """For ``results.json``: months left out and their gap (effect, lower, upper, p_value)."""
    s = anticipation_effect(res)
    out: dict[str, Any] = {
        "months": int(res.config.anticipation),
        "left_out": [str(p) for p in res.lead_index],
    }
    if s is not None:
        out.update(
            effect=s.estimate, lower=s.lower, upper=s.upper, p_value=s.p_value,
            p_is_upper_bound=s.p_bound, sentence=anticipation_sentence(res),
        )  # fmt: skip
    return out
