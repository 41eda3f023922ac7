"""What a monthly counterfactual's effect includes, said from the fit's own settings.

Without a control series the counterfactual extrapolates the flow's pre-period, so the effect is
every change after the fitting window that hit the flow: the sanction, and also the war itself,
the destination's currency and recession, world demand. Only a control series that shares those
shocks but not the sanction can separate them. With a control whose loading is estimated on the
pre-period, a shock that did not show in the pre-period is not carried (its loading is learned
where the shock is absent); with ``control_loading="one"`` the flow is modelled relative to the
control, so a shock both share cancels whatever the pre-period showed.

The embedded data hold no clean control for EU27 exports to Russia: the Comext monthly file has
Russia and the five re-routing hubs only (the hubs are where trade was diverted, so they moved
with the sanctions), and the other monthly series (FRED prices) are not flows to a comparable
destination. Notebook 02 therefore runs without a control by default and says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.labels import place

#: a fitted :class:`~.results.CounterfactualResults` (not imported: results imports this module)
CounterfactualResults = Any

__all__ = [
    "CONTROL_SHARES",
    "DESTINATION_SHOCKS",
    "contaminated_control_sentence",
    "loading_one_sentence",
    "scope_sentence",
]

#: Other changes that hit trade with a destination when its sanctions began (for the sentence).
DESTINATION_SHOCKS: dict[str, str] = {
    "RU": "the war itself, the rouble's swings and Russia's recession",
    "BY": "the war, Belarus's part in it and its own recession",
}


def _others(partner: str | None) -> str:
    if partner and partner in DESTINATION_SHOCKS:
        return DESTINATION_SHOCKS[partner]
    where = f"{place(partner)}'s" if partner else "the destination's"
    return f"{where} own demand, currency and prices, and world demand"


def scope_sentence(res: CounterfactualResults, partner: str | None = None) -> str:
    """One sentence on what the estimate includes, from the fit's controls, loading and dates.

    ``partner`` (a country code) names the destination's own shocks (for ``RU``: the war, the
    rouble, Russia's recession).
    """
    start = res.lead_index[0] if len(res.lead_index) else res.post_period[0]
    others = _others(partner)
    if res.controls is None:
        return (
            f"With no control series, the estimate is every change from {start} on that hit "
            f"this flow, not the sanctions alone: it includes {others}; only a control series "
            "that shares those shocks but not the sanctions can separate them."
        )
    names = ", ".join(map(str, res.controls.columns))
    if res.config.control_loading == "one":
        return (
            f"The estimate is the change from {start} on in the flow relative to {names}: shocks "
            f"that hit both alike ({others}, if {names} shares them) cancel out; changes that "
            f"hit only this flow, or {names} only, remain in it."
        )
    return (
        f"The control {names} enters with a loading fitted on the months up to "
        f"{res.pre_period[1]}: a shock from {start} on that both share is removed only in the "
        "proportion in which they co-moved before it; the rest of it "
        f"({others}, where they differ) remains in the estimate."
    )


def loading_one_sentence(res: CounterfactualResults) -> str:
    """The report's sentence on a control with its loading fixed at one."""
    assert res.controls is not None
    name = str(res.controls.columns[0])
    return (
        f"The counterfactual is the control series {name} times the flow's ratio to it, the "
        f"ratio modelled on the months up to {res.pre_period[1]} and projected forward (loading "
        "fixed at one): a shock that hit both after that cancels out; it is only as good as the "
        f"assumption that {name} shares the flow's other shocks and was not moved by the "
        "sanctions." + contaminated_control_sentence(res)
    )


#: Shares of the flow's own effect that a control may have taken (for the bound sentence).
CONTROL_SHARES = (0.3, 0.5)


def contaminated_control_sentence(res: CounterfactualResults) -> str:
    """With the loading fixed at one and log values: what the effect on the flow would be if the
    sanctions had moved the control by a share ``f`` of their effect on the flow (the estimate is
    then the net effect, so the flow's own is the log estimate over ``1 - f``); empty otherwise."""
    if res.config.control_loading != "one" or not res.config.log:
        return ""
    est = res.headline("average").estimate
    if not np.isfinite(est) or est <= -1:
        return ""
    name = str(res.controls.columns[0])
    parts = [
        f"{round(100 * f)}% gives {fmt.pct(float(np.expm1(np.log1p(est) / (1 - f))))}"
        for f in CONTROL_SHARES
    ]
    return (
        f" If the sanctions moved {name} too, by a share of their effect on this flow, the "
        f"estimate ({fmt.pct(est)}) is net of it and the flow's own effect is larger: a share of "
        + " and ".join(parts)
        + "."
    )
