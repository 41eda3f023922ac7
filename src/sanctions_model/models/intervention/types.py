"""Option types of the intervention regression."""

from __future__ import annotations

from typing import Literal

EventKind = Literal["step", "pulse", "ramp"]
Criterion = Literal["aic", "bic"]
