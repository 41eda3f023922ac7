"""A counterfactual's effect in one sentence: the single call of
:func:`~sanctions_model.reporting.text.effect_sentence` behind every effect sentence a
:class:`~.results.CounterfactualResults` writes (the headline over the post-period, the gap in
the anticipation months), so that each passes its scale, level, draws and currency the same way.
"""

from __future__ import annotations

from typing import Any

from sanctions_model.reporting.text import effect_sentence

from ..mc_error import RoundedSummary

#: a fitted :class:`~.results.CounterfactualResults` (not imported: results imports this module)
CounterfactualResults = Any

__all__ = ["summary_sentence"]


def summary_sentence(res: CounterfactualResults, subject: str, s: RoundedSummary) -> str:
    """``subject`` and the effect in ``s`` (rounded to its Monte Carlo errors) in words: relative
    with ``log=True``, else in the result's currency or units, at the result's ``alpha``; a
    p-value at the simulation floor is written as a bound."""
    return effect_sentence(
        subject,
        s.estimate,
        s.lower,
        s.upper,
        p_value=s.p_value,
        scale="relative" if res.config.log else "level",
        alpha=res.config.alpha,
        n_draws=s.sentence_n_draws,
        currency=res.currency or res.config.units,
        at_alpha=s.at_alpha,
    )
