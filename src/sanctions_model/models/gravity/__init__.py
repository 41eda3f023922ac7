"""Structural gravity by PPML with high-dimensional fixed effects.

Modules: :mod:`.model` (:func:`fit_gravity_ppml`, :class:`GravityResults`), :mod:`.design`
(randomization inference over placebo destinations), :mod:`.twoway` (the exact two-way PPML that
fits all of :mod:`.design`'s placebo designs in one pass; pyfixest stays the reference).
``sanctions_model.models.gravity`` was one module before issue 22: its names are here.
"""

from __future__ import annotations

from .design import GravityRandomization, gravity_randomization
from .model import GravityConfig, GravityResults, fit_gravity_ppml

__all__ = [
    "GravityConfig",
    "GravityRandomization",
    "GravityResults",
    "fit_gravity_ppml",
    "gravity_randomization",
]
