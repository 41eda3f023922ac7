"""A monthly counterfactual in words: the headline sentence, the note on the pre-period, the short
report and the parameter table's title, written from a fitted
:class:`~.results.CounterfactualResults` (whose methods of the same names call these).

Every figure in them is rounded to what its draws support (:meth:`~.results.
CounterfactualResults.headline`), and every effect sentence is written by
:func:`.sentence.summary_sentence`, the call the anticipation months' sentence shares.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.text import claim

from ..mc_error import RoundedSummary, rounded_summary
from . import anticipation as _anticipation
from . import scope as _scope
from .sentence import summary_sentence
from .subject import in_words

#: a fitted :class:`~.results.CounterfactualResults` (not imported: results imports this module)
CounterfactualResults = Any

__all__ = ["params_title", "pre_period_note", "report", "sentence"]

_TREND_WORDS = {
    "local level": "wandering level",
    "local linear trend": "level and wandering trend",
    "random walk with drift": "level and fixed drift",
    "level, drift + AR(1)": "level, fixed drift and persistent deviations",
}


def sentence(res: CounterfactualResults, subject: str | None = None) -> str:
    """The headline sentence: the average effect over the post-period."""
    start, end = res.post_period
    subject = in_words(subject) or f"Average effect, {start} to {end}"
    return summary_sentence(res, subject, res.headline("average"))


def pre_period_note(res: CounterfactualResults) -> str:
    """What the length of the pre-period allows, in plain words (from this fit's numbers)."""
    n = len(res.pre_index)
    start, end = res.pre_period
    seasonal = res.config.seasonal_chosen
    parts = [f"The model is fitted on {n} months ({start} to {end})."]
    if seasonal:
        parts.append(
            f"The seasonal pattern rests on {n // seasonal} or {n // seasonal + 1} "
            "observations of each calendar month."
        )
    if res.model_choice is not None:
        parts.append(
            f"The model was chosen on {res.model_choice.n_origins} forecast origins of up to "
            f"{res.model_choice.horizon} months."
        )
    s = res.headline()
    horizon = len(res.post_index)
    if n < 36:
        # an interval on the relative scale is rarely symmetric (-67% to +76% around -34%):
        # it is described by its two ends, never as "plus or minus" a half-width
        parts.append(
            f"That is under three years, with a {horizon}-month post-period: the level (and "
            "any trend) of a short history is carried forward, so the interval is wide; here "
            f"it runs from {res._show(s.lower)} to {res._show(s.upper)}{_short_pre_claim(res, s)}"
        )
    elif horizon > n:
        parts.append(
            f"The post-period ({horizon} months) is longer than the pre-period: the later "
            "months rest on carrying a short history far forward."
        )
    return " ".join(parts)


def _short_pre_claim(res: CounterfactualResults, s: RoundedSummary) -> str:
    """The end of the short pre-period's sentence, following the headline's own claim: an
    interval wide because of the short history can still lie on one side of zero."""
    what = claim(s.lower, s.upper, s.p_value, res.config.alpha, p_upper_bound=s.p_bound)
    if what in ("below", "above"):
        return (
            f": even so it lies {what} zero, but the size of the effect is known only to within "
            "that range with this pre-period."
        )
    return ", and an effect inside a range that wide cannot be told from zero with this pre-period."


def report(
    res: CounterfactualResults,
    subject: str | None = None,
    *,
    caveats: bool = True,
    partner: str | None = None,
) -> str:
    """Levels, the headline sentence, the anticipation months, what the model is and what the
    estimate includes, and (``caveats=True``) the caveats, in one paragraph."""
    cfg = res.config
    level = f"{fmt.level(cfg.alpha)}"
    y = res._y_post()
    totals = rounded_summary(np.nanmean(res._sims, axis=1), res._groups, alpha=cfg.alpha)
    lo, mid, hi = totals.lower, totals.estimate, totals.upper
    start, end = res.post_period
    money = (lambda v: fmt.money(v, res.currency)) if res.currency else fmt.number
    parts = [
        f"From {start} to {end} the series averaged {money(np.nanmean(y))} a month "
        f"({res.price_basis}); the counterfactual expects {money(mid)} ({level} interval "
        f"{money(lo)} to {money(hi)}).",
        sentence(res, subject),
    ]
    lead = _anticipation.anticipation_sentence(res)
    if lead:
        parts.append(lead)
    if res.controls is None:
        parts.append(
            "No control series was given, so the counterfactual is an extrapolation of the "
            f"flow's own pre-period ({res.model_used}): it assumes that the flow's "
            f"{_components(res)} would have carried on after {res.pre_period[1]} as "
            "before."
        )
        parts.append(_scope.scope_sentence(res, partner))
    elif cfg.control_loading == "one":
        parts += [_scope.loading_one_sentence(res), _scope.scope_sentence(res, partner)]
    else:
        parts.append(
            "The counterfactual uses the control series "
            f"{', '.join(map(str, res.controls.columns))} as regressors, fitted on the "
            "pre-period; it is only as good as the assumption that they were not moved by the "
            "intervention."
        )
    if res.all_caveats and caveats:
        parts.append("Caveats: " + "; ".join(res.all_caveats) + ".")
    return " ".join(parts)


def _components(res: CounterfactualResults) -> str:
    """The chosen model's parts in words, with the other pooled models' trends."""
    trend = _TREND_WORDS[res.config.trend_chosen]
    others = []
    for m in list(res.path_shares)[1:]:
        w = _TREND_WORDS.get(m.split(" + seasonal")[0])
        if w and w != trend and w not in others:
            others.append(w)
    if others:
        trend += " (or, in the pooled models' paths, " + " or ".join(others) + ")"
    return trend + (" and seasonal pattern" if res.config.seasonal_chosen else "")


def params_title(res: CounterfactualResults) -> str:
    """The title of the summary's parameter table (a pooled fit shows only its choice's)."""
    if not res.pooled:
        return "Structural model parameters"
    return (
        f"Structural model parameters of the backtest's choice ({res.model_chosen}) only; "
        "the other pooled models' parameters are not shown"
    )
