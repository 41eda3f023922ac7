"""Caveats a counterfactual draws from its own numbers: where its interval rests on little.

Three cases a reader of a chart would otherwise miss: AR(1) deviations that are nearly a random
walk in a pooled model (its simulated paths wander, and the interval is wide because of it), and
a relative interval whose upper end is above +1,000% (the counterfactual's low tail is a small
fraction of what was observed, so the upper end is set by that tail and its digits mean little), and an interval end that its Monte Carlo error cannot keep on one side
of zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sanctions_model.reporting import format as fmt

from ..mc_error import AT_ALPHA_SES, rounded_summary

#: a fitted :class:`~.results.CounterfactualResults` (not imported: results imports this module)
CounterfactualResults = Any

__all__ = ["AR_NEAR_UNIT", "UPPER_LIMIT", "fragile_caveats"]

AR_NEAR_UNIT = 0.95
"""An AR(1) coefficient at or above this is called nearly a random walk."""
UPPER_LIMIT = 10.0
"""A relative upper end above this (+1,000%) gets a caveat."""


def ar_persistence(res: CounterfactualResults) -> dict[str, float]:
    """The AR(1) coefficient of each pooled model that has one (model label -> coefficient)."""
    fits = {res.model_chosen: res._fit}
    if res.model_choice is not None:
        fits |= {m: res.model_choice._fits[m] for m in res.config.models_averaged
                 if m in res.model_choice._fits}  # fmt: skip
    out = {}
    for label, fit in fits.items():
        for name, value in zip(fit.param_names, fit.params, strict=True):
            if name.startswith("ar.L1") and np.isfinite(value):
                out[label] = float(value)
    return out


def fragile_caveats(res: CounterfactualResults) -> list[str]:
    """The caveats of this module's two cases, in words with the numbers behind them."""
    notes = []
    for label, phi in ar_persistence(res).items():
        if phi >= AR_NEAR_UNIT:
            notes.append(
                f"the deviations in {label} are nearly a random walk (AR persistence "
                f"{fmt.number(phi, 2)}): its simulated paths wander far from the pre-period "
                "level, so the interval is wide for that reason rather than because the effect "
                "is uncertain in itself"
            )
    edge = res.headline("average")
    if edge.at_alpha:
        notes.append(
            f"the p-value is within {AT_ALPHA_SES:g} Monte Carlo standard errors of "
            f"{fmt.number(edge.alpha, 2)} at {edge.n_draws:,} simulated paths: the simulations "
            "cannot put it on either side (another seed gives a value just above or just below), "
            f"so it is reported as {fmt.number(edge.alpha, 2)}"
            + (" with the interval ending at zero" if edge.at_edge else "")
            + "; read the effect as at the edge of significance, not significant at that level"
        )
    for end in () if edge.at_alpha else edge.at_edge:
        notes.append(
            f"the interval's {end} end sits within its Monte Carlo error of zero (error "
            f"{fmt.number(edge.se[end], 3)} at {edge.n_draws:,} simulated paths): it is printed to "
            "the digit that keeps its side, and another seed could print other digits or put it "
            "on the other side of zero, with the p-value on the other side of "
            f"{fmt.number(edge.alpha, 2)}; read the effect as at the edge of significance"
        )
    if res.config.log:
        s = edge
        if np.isfinite(s.upper) and s.upper > UPPER_LIMIT:
            y = np.nanmean(res._y_post())
            low = rounded_summary(
                np.nanmean(res._sims, axis=1), res._groups, alpha=res.config.alpha
            ).lower  # as the report prints the counterfactual's interval
            money = (lambda v: fmt.money(v, res.currency)) if res.currency else fmt.number
            notes.append(
                f"the interval's upper end ({fmt.pct(s.upper)}) is above +1,000%: it is set by "
                f"the counterfactual's low tail ({money(low)} a month against "
                f"{money(y)} observed), so its digits mean little; read the lower end and the "
                "effect in money"
            )
    return notes
