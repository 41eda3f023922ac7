"""Estimators of what sanctions did to trade.

Counterfactual structural time series, intervention regressions, structural-break tests, panel
event studies and difference-in-differences, gravity PPML and macro dynamics. Every estimator
returns a read-only results object with ``summary()``, ``to_frame()`` and (where it makes sense)
``conf_int()`` and ``plot()``.
"""

from __future__ import annotations

from .counterfactual import (
    CounterfactualResults,
    PlaceboResults,
    estimate_counterfactual,
)
from .simulate import (
    SimulatedPanel,
    SimulatedSeries,
    simulate_trade_panel,
    simulate_trade_series,
)

__all__ = [
    "CounterfactualResults",
    "PlaceboResults",
    "SimulatedPanel",
    "SimulatedSeries",
    "estimate_counterfactual",
    "simulate_trade_panel",
    "simulate_trade_series",
]
