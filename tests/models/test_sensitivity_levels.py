"""The sensitivity tables of notebook 02 name the level their intervals were computed at.

A run at ``alpha=0.1`` printed its deflator and anticipation tables under "95% interval" while the
intervals in them were the run's 90% intervals (the same figures as the 90% headline). The level
now comes from the rows' own results. Synthetic: the estimators here return fixed mappings, and
the anticipation frame is built by hand, so no model is fitted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.models.counterfactual.anticipation_window import (
    anticipation_caveat,
    anticipation_table,
)
from sanctions_model.models.deflator_sensitivity import deflator_sensitivity, sensitivity_table


def _flow() -> pd.Series:
    idx = pd.period_range("2019-01", "2024-08", freq="M")
    y = pd.Series(np.linspace(100.0, 120.0, len(idx)), index=idx)  # synthetic
    y.attrs = {"currency": "EUR", "unit": "EUR", "real": False}
    return y


def _fixed(alpha_of):
    def estimator(series: pd.Series) -> dict:
        alpha = alpha_of(series)
        return {"estimate": -0.5, "lower": -0.7, "upper": -0.2, "p_value": 0.01, "alpha": alpha}

    return estimator


@pytest.mark.parametrize(("alpha", "header"), [(0.1, "90% interval"), (0.05, "95% interval"),
                                                (0.025, "97.5% interval")])  # fmt: skip
def test_the_deflator_table_names_the_rows_level(alpha, header):
    frame = deflator_sensitivity(_flow(), _fixed(lambda s: alpha))
    assert frame.attrs["alpha"] == alpha
    table = sensitivity_table(frame)
    assert header in table.columns
    assert table[header].iloc[0] == "-70% to -20%"
    assert not any("95%" in c for c in table.columns if header != "95% interval")


def test_rows_at_different_levels_name_none():
    frame = deflator_sensitivity(_flow(), _fixed(lambda s: 0.1 if s.attrs.get("real") else 0.05))
    assert frame.attrs["alpha"] is None
    assert "interval" in sensitivity_table(frame).columns


def _windows(alpha: float) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"label": ["none (fit up to 2022-02)", "2 months (fit up to 2021-12)"],
         "months": [0, 2], "default": [False, True], "estimate": [-0.2, -0.6],
         "lower": [-0.3, -0.8], "upper": [-0.1, -0.25], "p_value": [0.01, 0.06],
         "p_bound": [False, False], "note": ["", "the headline"], "gap": [0.4, 0.0]}
    )  # fmt: skip
    frame.attrs = {"scale": "relative", "alpha": alpha}
    return frame


def test_the_anticipation_table_and_caveat_name_the_runs_level():
    frame = _windows(0.1)
    assert "90% interval" in anticipation_table(frame).columns
    text = anticipation_caveat(frame)
    assert text is not None and "(90% interval -30% to -10%; p = 0.01)" in text
    assert "95%" not in text
