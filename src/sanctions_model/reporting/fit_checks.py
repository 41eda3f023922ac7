"""Which of a synthetic-control run's own fit checks failed, in words for the front page.

The run writes its checks as caveats (:mod:`sanctions_model.models.synthetic.caveats`); two of
them say the counterfactual cannot follow the treated before the intervention, so its gap may be
a fitting error: a pre-period fit worse than (nearly) every placebo's, and a pre-period trend
outside the donors' range. A figure failing either is shown apart from the other methods' range,
with the reason, never as one end of it."""

from __future__ import annotations

from typing import Any

from sanctions_model.reporting.labels import place

__all__ = ["fit_failures"]

_POOR_FIT = "Poor pre-period fit: "
_TREND = "pre-period trend"
_OUTSIDE = "outside the donors' range"


def fit_failures(results: Any) -> list[str]:
    """The failed fit checks of a synthetic-control run (its ``caveats``), each shortened to its
    finding with the treated named (``Russia's pre-RMSPE (0.103) is above 100% of the
    placebos'``); ``[]`` when none failed or none are recorded."""
    caveats = results.get("caveats") if isinstance(results, dict) else None
    caveats = [caveats] if isinstance(caveats, str) else caveats
    if not isinstance(caveats, list):
        return []
    partner = results.get("partner")
    who = f"{place(partner)}'s" if isinstance(partner, str) and partner else "the treated's"
    found = []
    for text in caveats:
        if not isinstance(text, str):
            continue
        if text.startswith(_POOR_FIT):
            finding = text.removeprefix(_POOR_FIT).split(";")[0]
        elif _TREND in text and _OUTSIDE in text:
            finding = text.split(":")[0]
        else:
            continue
        found.append(finding.replace("The treated's", who).replace("the treated's", who))
    return found
