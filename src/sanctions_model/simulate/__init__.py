"""Seeded data generators for validating the estimators: synthetic data with planted effects.

Every generator is deterministic given ``seed`` and its output is labelled synthetic in the
tests and docs that use it; none of it is real trade.

Modules
-------
:mod:`.monthly`
    Monthly series and reporter x partner x month panels calibrated on EU27 exports
    (:func:`simulate_trade_series`, :func:`simulate_trade_panel`, :func:`simulate_monthly_flows`).
:mod:`.destinations`
    Exporter x destination x month panels with destination-wide shocks, for the size of panel
    inference (:func:`simulate_destination_panel`, :func:`simulate_annual_destination_panel`).
:mod:`.synthetic`
    Annual factor-model panels for the synthetic control (:func:`simulate_annual_panel`).
:mod:`.coordination`
    Panels with planted re-routing of known size (:func:`simulate_rerouting_panel`,
    :func:`simulate_substitution_panel`, :func:`simulate_chp_panel`).
:mod:`._common`
    What they share: AR(1) noise (:func:`~._common.ar1`) and calendar-month effects.

Old paths (``sanctions_model.models.simulate``, ``models.simulate_destinations``,
``models.synthetic_simulate``, ``coordination.simulate``) still import these modules.
"""

from __future__ import annotations

from .coordination import (
    SimulatedRerouting,
    simulate_chp_panel,
    simulate_rerouting_panel,
    simulate_substitution_panel,
)
from .destinations import (
    SimulatedDestinationPanel,
    simulate_annual_destination_panel,
    simulate_destination_panel,
)
from .monthly import (
    SERIES_CALIBRATIONS,
    FlowDesign,
    SeriesCalibration,
    SimulatedPanel,
    SimulatedSeries,
    effect_path,
    price_path,
    simulate_monthly_flows,
    simulate_trade_panel,
    simulate_trade_series,
)
from .synthetic import SimulatedAnnualPanel, simulate_annual_panel

__all__ = [
    "SERIES_CALIBRATIONS",
    "FlowDesign",
    "SeriesCalibration",
    "SimulatedAnnualPanel",
    "SimulatedDestinationPanel",
    "SimulatedPanel",
    "SimulatedRerouting",
    "SimulatedSeries",
    "effect_path",
    "price_path",
    "simulate_annual_destination_panel",
    "simulate_annual_panel",
    "simulate_chp_panel",
    "simulate_destination_panel",
    "simulate_monthly_flows",
    "simulate_rerouting_panel",
    "simulate_substitution_panel",
    "simulate_trade_panel",
    "simulate_trade_series",
]
