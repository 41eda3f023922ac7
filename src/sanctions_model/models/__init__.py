"""Estimators of what sanctions did to trade.

Counterfactual structural time series, intervention regressions, structural-break tests, panel
event studies and difference-in-differences, gravity PPML and macro dynamics. Every estimator
returns a read-only results object with ``summary()`` and ``to_frame()``, and where it makes sense
``conf_int(alpha)`` and ``plot()``; results display as text in a terminal and as HTML in Jupyter.

Seeded simulators of calibrated trade series and panels with planted effects live in
:mod:`sanctions_model.models.simulate`.
"""

from __future__ import annotations

from ._results import Summary
from .breaks import ANDREWS_CRITICAL_VALUES, BreakTestResult, chow_test, cusum_test, qlr_test
from .counterfactual import (
    CounterfactualConfig,
    CounterfactualResults,
    PlaceboResults,
    estimate_counterfactual,
)
from .dynamics import ImpulseResponseResults, fit_var, local_projections
from .gravity import GravityResults, fit_gravity_ppml
from .intervention import InterventionResults, events_from_timeline, fit_intervention
from .panel import DidResults, EventStudyResults, estimate_did, estimate_event_study
from .simulate import (
    SERIES_CALIBRATIONS,
    SeriesCalibration,
    SimulatedPanel,
    SimulatedSeries,
    effect_path,
    simulate_trade_panel,
    simulate_trade_series,
)

__all__ = [
    "ANDREWS_CRITICAL_VALUES",
    "SERIES_CALIBRATIONS",
    "BreakTestResult",
    "CounterfactualConfig",
    "CounterfactualResults",
    "DidResults",
    "EventStudyResults",
    "GravityResults",
    "ImpulseResponseResults",
    "InterventionResults",
    "PlaceboResults",
    "SeriesCalibration",
    "SimulatedPanel",
    "SimulatedSeries",
    "Summary",
    "chow_test",
    "cusum_test",
    "estimate_did",
    "effect_path",
    "estimate_counterfactual",
    "estimate_event_study",
    "events_from_timeline",
    "fit_gravity_ppml",
    "fit_intervention",
    "fit_var",
    "local_projections",
    "qlr_test",
    "simulate_trade_panel",
    "simulate_trade_series",
]
