"""The counterfactual of a monthly trade series: a structural time-series model fitted on the
pre-period and projected over the sanction period, with the model chosen by a backtest.

Modules: :mod:`.model` (:func:`estimate_counterfactual`, the fit), :mod:`.results`
(:class:`CounterfactualResults`), :mod:`._structural` (the state-space engine), :mod:`.backtest`
(model choice), :mod:`.placebo` (placebo backtest), :mod:`.anticipation` (months left out of the
fit before the intervention, reported apart), :mod:`.scope` (what the estimate includes, a
control with its loading fixed at one), :mod:`.frame` (the pointwise frame), :mod:`.plot` and
:mod:`.report` (what a reader sees). ``sanctions_model.models.counterfactual`` was one module before issue 22: its
names are here.
"""

from __future__ import annotations

from .backtest import ModelChoiceResults, compare_models
from .model import (
    MAX_MISSING_SHARE,
    MC_GROUPS,
    MIN_PRE,
    MIN_PRE_SEASONAL,
    control_moved,
    estimate_counterfactual,
)
from .placebo import PlaceboResults, placebo_backtest
from .results import CounterfactualConfig, CounterfactualResults

__all__ = [
    "MAX_MISSING_SHARE",
    "MC_GROUPS",
    "MIN_PRE",
    "MIN_PRE_SEASONAL",
    "CounterfactualConfig",
    "CounterfactualResults",
    "ModelChoiceResults",
    "PlaceboResults",
    "compare_models",
    "control_moved",
    "estimate_counterfactual",
    "placebo_backtest",
]
