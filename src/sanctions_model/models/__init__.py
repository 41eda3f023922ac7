"""Estimators of what sanctions did to trade.

Counterfactual structural time series, intervention regressions, structural-break tests, panel
event studies, difference-in-differences and gravity PPML. Every estimator
returns a read-only results object with ``summary()`` and ``to_frame()``, and where it makes sense
``conf_int(alpha)`` and ``plot()``; results display as text in a terminal and as HTML in Jupyter.

Seeded simulators of calibrated trade series and panels with planted effects live in
:mod:`sanctions_model.models.simulate`.
"""

from __future__ import annotations

from ._results import Summary
from .backtest import ModelChoiceResults, PlaceboResults, compare_models, placebo_backtest
from .breaks import ANDREWS_CRITICAL_VALUES, BreakTestResult, chow_test, cusum_test, qlr_test
from .controls import control_moved, load_controls, load_flow
from .counterfactual import (
    CounterfactualConfig,
    CounterfactualResults,
    estimate_counterfactual,
)
from .event_selection import EventSelection, measure_direction, select_events
from .gravity import GravityResults, fit_gravity_ppml
from .gravity_design import GravityRandomization, gravity_randomization
from .inference import (
    RandomizationResults,
    WildBootstrapResults,
    placebo_in_space,
    wild_cluster_bootstrap,
)
from .intervention import InterventionResults, events_from_timeline, fit_intervention
from .multiple import adjust_pvalues
from .panel import DidResults, EventStudyResults, estimate_did, estimate_event_study
from .seasonal import SeasonalAdjustment, seasonally_adjust
from .simulate import (
    SERIES_CALIBRATIONS,
    FlowDesign,
    SeriesCalibration,
    SimulatedPanel,
    SimulatedSeries,
    effect_path,
    simulate_monthly_flows,
    simulate_trade_panel,
    simulate_trade_series,
)
from .simulate_destinations import SimulatedDestinationPanel, simulate_destination_panel
from .synthetic import (
    SyntheticControlFamily,
    SyntheticControlResults,
    fit_synthetic_control,
    fit_synthetic_controls,
)
from .synthetic_checks import specification_checks
from .synthetic_did import SyntheticDidResults, fit_synthetic_did
from .synthetic_simulate import SimulatedAnnualPanel, simulate_annual_panel

__all__ = [
    "ANDREWS_CRITICAL_VALUES",
    "SERIES_CALIBRATIONS",
    "BreakTestResult",
    "CounterfactualConfig",
    "CounterfactualResults",
    "DidResults",
    "EventStudyResults",
    "GravityResults",
    "GravityRandomization",
    "InterventionResults",
    "PlaceboResults",
    "RandomizationResults",
    "SeriesCalibration",
    "SimulatedPanel",
    "SimulatedSeries",
    "SimulatedAnnualPanel",
    "SyntheticControlFamily",
    "SyntheticControlResults",
    "SyntheticDidResults",
    "FlowDesign",
    "ModelChoiceResults",
    "SeasonalAdjustment",
    "compare_models",
    "control_moved",
    "load_controls",
    "load_flow",
    "placebo_backtest",
    "seasonally_adjust",
    "simulate_monthly_flows",
    "SimulatedDestinationPanel",
    "WildBootstrapResults",
    "Summary",
    "chow_test",
    "cusum_test",
    "estimate_did",
    "effect_path",
    "estimate_counterfactual",
    "estimate_event_study",
    "events_from_timeline",
    "EventSelection",
    "adjust_pvalues",
    "measure_direction",
    "select_events",
    "fit_gravity_ppml",
    "fit_intervention",
    "fit_synthetic_control",
    "fit_synthetic_controls",
    "fit_synthetic_did",
    "simulate_annual_panel",
    "specification_checks",
    "qlr_test",
    "wild_cluster_bootstrap",
    "simulate_destination_panel",
    "placebo_in_space",
    "gravity_randomization",
    "simulate_trade_panel",
    "simulate_trade_series",
]
