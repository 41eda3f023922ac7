"""The three standard panels of a counterfactual: observed vs counterfactual, monthly and cumulative effect."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from sanctions_model.reporting import format as fmt

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def counterfactual_panels(
    frame: pd.DataFrame,
    *,
    alpha: float,
    units: str,
    interventions: Mapping[str, pd.Period],
    title: str,
) -> Figure:
    """Plot :meth:`CounterfactualResults.effects_frame` as three panels sharing the time axis."""
    import matplotlib.pyplot as plt

    from sanctions_model.reporting.plots import money_axis

    level = fmt.level(alpha)
    x = frame.index.to_timestamp()
    fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True, constrained_layout=True)
    ax = axes[0]
    ax.plot(x, frame["observed"], color="black", lw=1.2, label="Observed")
    ax.plot(x, frame["predicted"], color="tab:blue", ls="--", lw=1.2, label="Counterfactual")
    ax.fill_between(x, frame["lower"], frame["upper"], color="tab:blue", alpha=0.2,
                    label=f"{level} interval")  # fmt: skip
    ax.set_ylabel(units)
    ax.legend(loc="best", fontsize=8)
    ax.set_title("Observed and counterfactual")
    ax = axes[1]
    ax.plot(x, frame["pointwise"], color="tab:blue", lw=1.2)
    ax.fill_between(x, frame["pointwise_lower"], frame["pointwise_upper"], color="tab:blue",
                    alpha=0.2)  # fmt: skip
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylabel(units)
    ax.set_title("Monthly effect (observed - counterfactual)")
    ax = axes[2]
    ax.plot(x, frame["cumulative"], color="tab:blue", lw=1.2)
    ax.fill_between(x, frame["cumulative_lower"], frame["cumulative_upper"], color="tab:blue",
                    alpha=0.2)  # fmt: skip
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylabel(units)
    ax.set_title("Cumulative effect")
    for a in axes:
        if units.split(" ")[0] in ("EUR", "USD"):
            money_axis(a, units.split(" ")[0])
        for d in interventions.values():
            a.axvline(d.to_timestamp(), color="tab:red", ls=":", lw=1)
        a.grid(alpha=0.3)
    for label, d in interventions.items():
        axes[0].annotate(label, (d.to_timestamp(), 1.0), xycoords=("data", "axes fraction"),
                         fontsize=7, color="tab:red", rotation=90, va="top", ha="right")  # fmt: skip
    fig.suptitle(title)
    return fig
