"""The notebooks' shared helpers: results.json, tables and figures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sanctions_model import reporting


def test_record_results_merges_and_converts(tmp_path, monkeypatch):
    monkeypatch.setenv("SANCTIONS_MODEL_RUN_DIR", str(tmp_path))
    assert (
        reporting.record_results(
            {"a": np.float64(1.5), "n": np.int64(3), "p": pd.Period("2022-03", "M")}
        )
        is None
    )
    reporting.record_results({"b": float("nan"), "nested": {"x": [np.bool_(True)]}})
    data = json.loads((tmp_path / "results.json").read_text())
    assert data == {"a": 1.5, "n": 3, "p": "2022-03", "b": None, "nested": {"x": [True]}}


def test_record_results_rejects_objects(tmp_path):
    with pytest.raises(TypeError, match="cannot hold"):
        reporting.record_results({"frame": pd.DataFrame()}, path=tmp_path / "r.json")
    assert not (tmp_path / "r.json").exists()


def _trade(values, partner="KG"):
    periods = pd.period_range("2021-01", periods=len(values), freq="M")
    return pd.DataFrame(
        {"reporter": "DE", "partner": partner, "flow": "export", "period": periods, "value": values}
    )


def test_quality_flags_find_zeros_and_jumps():
    t = _trade([10.0, 11.0, 0.0, 12.0, 130.0, 125.0])
    flags = reporting.quality_flags(t)
    assert set(flags["period"]) == {"2021-03", "2021-05"}  # the zero, and the 10.8x jump
    assert any("10.8x" in f for f in flags["flag"])


def test_coverage_and_annual_tables():
    t = _trade([1e6] * 24)
    t = t[t["period"] != pd.Period("2021-06", "M")]
    cov = reporting.coverage_table(t).iloc[0]
    assert (cov["first"], cov["last"], cov["observations"], cov["missing"]) == (
        "2021-01",
        "2022-12",
        23,
        1,
    )
    annual = reporting.annual_table(t)
    assert annual.loc["KG", "2021"] == 11.0 and annual.loc["KG", "2022"] == 12.0


def test_plots_are_labelled():
    t = pd.concat([_trade(np.arange(1, 25) * 1e6), _trade(np.arange(1, 25) * 2e6, partner="RU")])
    fig = reporting.plot_series(t, title="Exports")
    ax = fig.axes[0]
    assert ax.get_title() == "Exports" and ax.get_ylabel() == "EUR million"
    assert {line.get_label() for line in ax.get_lines()} >= {
        "Kyrgyzstan (KG)",
        "Russian Federation (RU)",
    }
    fig = reporting.plot_indexed(t, base="2021")
    assert "2021 = 100" in fig.axes[0].get_ylabel()
