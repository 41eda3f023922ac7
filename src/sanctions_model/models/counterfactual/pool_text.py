"""What a pooled counterfactual says about its pool: the models, their shares of the paths, why.

The estimator (:func:`~sanctions_model.models.estimate_counterfactual`) draws its simulated paths
from the backtest's choice, from candidates whose backtest CRPS is within ``average_within`` of
the best, and (``pool_nesting``) from the level with drift and AR(1) deviations, which is added
whatever its score: a drift the 12-month backtest cannot see still widens the interval. The paths
are split equally between the models. These functions word that for the inference line, the
report and the tables, so that a pooled result is never labelled as one model.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sanctions_model.reporting import format as fmt

#: a fitted :class:`~.results.CounterfactualResults` (not imported: results imports this module)
CounterfactualResults = Any

__all__ = ["model_used", "path_shares", "pool_text"]

NESTING_PREFIX = "level, drift + AR(1)"


def path_shares(res: CounterfactualResults) -> dict[str, float]:
    """Share of the paths from each model, as the estimator splits them (equal blocks of
    ``n_sims``, rounded to whole paths), the backtest's choice first."""
    models = list(res.config.models_averaged) or [res.model_chosen]
    n = int(res.counterfactual_draws.shape[0])
    counts = np.diff(np.linspace(0, n, len(models) + 1).round().astype(int))
    return {m: float(k) / n for m, k in zip(models, counts, strict=True)}


def model_used(res: CounterfactualResults) -> str:
    """The chosen model's name, or ``pooled: A (50%), B (50%)``."""
    shares = path_shares(res)
    if len(shares) == 1:
        return res.model_chosen
    return "pooled: " + ", ".join(f"{m} ({fmt.pct(w, signed=False)})" for m, w in shares.items())


def crps_gap(res: CounterfactualResults, model: str) -> float | None:
    """How much worse ``model`` scored in the backtest than the best (0.078 = 7.8% worse)."""
    if res.model_choice is None:
        return None
    table = res.model_choice.to_frame()
    if model not in table.index or "crps" not in table:
        return None
    best, own = float(table["crps"].min()), float(table.loc[model, "crps"])
    return own / best - 1 if best > 0 and np.isfinite(own) else None


def _role(res: CounterfactualResults, model: str, first: bool) -> str:
    if first:
        return "the backtest's choice" if res.model_choice is not None else "fixed"
    gap = crps_gap(res, model)
    within = res.config.average_within
    if res.config.pool_nesting and model.startswith(NESTING_PREFIX):
        horizon = res.model_choice.horizon if res.model_choice is not None else 12
        worse = (
            f"; its backtest CRPS is {fmt.pct(gap, signed=False)} above the best"
            if gap is not None and gap > 0
            else ""
        )
        return (
            "the level with drift and AR(1) deviations is always added, so a drift the "
            f"{horizon}-month backtest cannot see still widens the interval{worse}"
        )
    if within is not None and gap is not None and gap <= within + 1e-12:
        return f"backtest CRPS {fmt.pct(gap, signed=False)} above the best, within {within:.0%}"
    return "pooled"


def pool_text(res: CounterfactualResults) -> str:
    """The model, or ``2 models pooled: A (50% of the paths; why) and B (50% ...; why)``."""
    shares = path_shares(res)
    if len(shares) == 1:
        return res.model_chosen
    parts = [
        f"{m} ({fmt.pct(w, signed=False)} of the paths; {_role(res, m, i == 0)})"
        for i, (m, w) in enumerate(shares.items())
    ]
    return f"{len(parts)} models pooled: " + ", ".join(parts[:-1]) + " and " + parts[-1]
