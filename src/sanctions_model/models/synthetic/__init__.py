"""Synthetic control on annual export panels, with synthetic difference-in-differences as a check.

Modules: :mod:`.model` (:func:`fit_synthetic_control`, :func:`fit_synthetic_controls`),
:mod:`.results` (:class:`SyntheticControlResults`, :class:`SyntheticControlFamily`),
:mod:`.caveats` (design caveats), :mod:`.checks` (specification checks), :mod:`.did`
(:func:`fit_synthetic_did`), :mod:`.report` (tables and sentences).
``sanctions_model.models.synthetic`` was one module before issue 22: its names are here.
"""

from __future__ import annotations

from .checks import specification_checks
from .did import SyntheticDidResults, fit_synthetic_did
from .model import (
    DEFAULT_TREATED,
    FUEL_DRIVEN,
    annual_panel,
    fit_synthetic_control,
    fit_synthetic_controls,
    simplex_weights,
)
from .results import SyntheticControlFamily, SyntheticControlResults

__all__ = [
    "DEFAULT_TREATED",
    "FUEL_DRIVEN",
    "SyntheticControlFamily",
    "SyntheticControlResults",
    "SyntheticDidResults",
    "annual_panel",
    "fit_synthetic_control",
    "fit_synthetic_controls",
    "fit_synthetic_did",
    "simplex_weights",
    "specification_checks",
]
