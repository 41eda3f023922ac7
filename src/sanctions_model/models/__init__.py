"""Estimators of what sanctions did to trade.

Counterfactual structural time series, intervention regressions, structural-break tests, panel
event studies, difference-in-differences and gravity PPML. Every estimator
returns a read-only results object with ``summary()`` and ``to_frame()``, and where it makes sense
``conf_int(alpha)`` and ``plot()``; results display as text in a terminal and as HTML in Jupyter.

Seeded simulators of calibrated trade series and panels with planted effects live in
:mod:`sanctions_model.simulate`. Each estimator family is a subpackage (``counterfactual/``,
``intervention/``, ``breaks/``, ``panel/``, ``gravity/``, ``synthetic/``); shared inference
helpers sit beside them (see ``docs/layout.md``).
"""

from __future__ import annotations

from . import _aliases  # noqa: F401  (first: installs the finder of the old import paths)
from ._results import Summary
from .breaks import ANDREWS_CRITICAL_VALUES, BreakTestResult, chow_test, cusum_test, qlr_test
from .controls import control_moved, load_controls, load_flow
from .counterfactual import (
    CounterfactualConfig,
    CounterfactualResults,
    ModelChoiceResults,
    PlaceboResults,
    compare_models,
    estimate_counterfactual,
    placebo_backtest,
)
from .gravity import (
    GravityRandomization,
    GravityResults,
    fit_gravity_ppml,
    gravity_randomization,
)
from .inference import (
    RandomizationResults,
    WildBootstrapResults,
    placebo_in_space,
    wild_cluster_bootstrap,
)
from .intervention import (
    EventSelection,
    InterventionResults,
    events_from_timeline,
    fit_intervention,
    measure_direction,
    select_events,
)
from .multiple import adjust_pvalues
from .panel import DidResults, EventStudyResults, estimate_did, estimate_event_study
from .seasonal import SeasonalAdjustment, seasonally_adjust
from .synthetic import (
    SyntheticControlFamily,
    SyntheticControlResults,
    SyntheticDidResults,
    fit_synthetic_control,
    fit_synthetic_controls,
    fit_synthetic_did,
    specification_checks,
)

#: The simulators' names, still offered here (their home is :mod:`sanctions_model.simulate`).
#: Looked up on first use: ``simulate`` imports this package's helpers, so importing it from
#: here at load time would tie the two in a circle.
_SIMULATE = (
    "SERIES_CALIBRATIONS",
    "FlowDesign",
    "SeriesCalibration",
    "SimulatedAnnualPanel",
    "SimulatedDestinationPanel",
    "SimulatedPanel",
    "SimulatedSeries",
    "effect_path",
    "simulate_annual_panel",
    "simulate_destination_panel",
    "simulate_monthly_flows",
    "simulate_trade_panel",
    "simulate_trade_series",
)


def __getattr__(name: str) -> object:
    if name in _SIMULATE:
        from sanctions_model import simulate

        return getattr(simulate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
