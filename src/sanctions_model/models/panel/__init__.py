"""Panel event studies and difference-in-differences on trade panels.

Modules: :mod:`.model` (:func:`estimate_event_study`, :func:`estimate_did`), :mod:`.results`
(:class:`EventStudyResults`, :class:`DidResults`), :mod:`.design` (controls, level of variation
and the inference it calls for), :mod:`.exposure` (the exposure-share design; not imported here,
it builds sentences with :mod:`sanctions_model.reporting`), :mod:`.report` (tables and
sentences). ``sanctions_model.models.panel`` was one module before issue 22: its names are here.
"""

from __future__ import annotations

from .model import estimate_did, estimate_event_study
from .results import DidResults, EventStudyConfig, EventStudyResults

__all__ = [
    "DidResults",
    "EventStudyConfig",
    "EventStudyResults",
    "estimate_did",
    "estimate_event_study",
]
