"""The notebooks' shared helpers: results.json, tables and figures."""

from __future__ import annotations

import json
import re

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


def test_annual_table_labels_a_partial_year():
    t = _trade([1e6] * 20)  # Jan 2021 to Aug 2022
    annual = reporting.annual_table(t)
    assert list(annual.columns) == ["2021", "2022, Jan-Aug"]
    assert annual.loc["KG", "2022, Jan-Aug"] == 8.0
    gap = t[t["period"] != pd.Period("2021-06", "M")]  # a missing month is not a partial year
    assert list(reporting.annual_table(gap).columns) == ["2021", "2022, Jan-Aug"]


def test_summary_numbers_have_no_exponent_or_false_precision():
    from sanctions_model._results import Summary, format_number

    assert format_number(3_348_053_996.0) == "3.35 bn"
    assert format_number(-4.47e9) == "-4.47 bn"
    assert format_number(0.123456) == "0.123"
    assert format_number(1.3e-11, column="p_value") == "< 0.001"
    assert format_number(float("nan")) == "\u2013" and format_number(None) == "\u2013"
    assert format_number(np.int64(3026)) == "3,026"
    frame = pd.DataFrame({"effect": [-4.47e9, 1e-9], "p_value": [0.0301, 0.5]}, index=["a", "b"])
    text = Summary("T", facts={"obs": 408, "chow p-value": 1e-12}, tables=[("", frame)]).as_text()
    assert not re.search(r"\de[+-]?\d", text), text
    assert "-4.47 bn" in text and "0.03" in text and "< 0.001" in text


def test_reader_frame_formats_by_column():
    frame = pd.DataFrame(
        {
            "value": [3.3e9, np.nan],
            "p_value": [0.0001, 0.2],
            "ratio": [0.4312, 10.39],
            "when": [pd.Period("2022-03", "M"), pd.NaT],
            "relative": [-0.543, 1.8],
            "absolute_lower": [-4.47e9, 1e6],
            "coverage_95": [0.915, 1.0],
        }
    )
    out = reporting.reader_frame(frame)
    assert out.to_dict("list") == {
        "value": ["3.30 bn", "\u2013"],
        "p-value": ["< 0.001", "0.20"],
        "ratio": ["0.43", "10"],
        "when": ["Mar 2022", "\u2013"],
        "change (%)": ["-54%", "+180%"],  # relative effects in percent, not -0.543
        "change, lower end (EUR)": ["-4.47 bn", "1.00 m"],
        "coverage of the 95% interval": ["0.915", "1"],
    }
    assert not any("_" in str(c) for c in out.columns)  # no snake_case where a reader looks
    indexed = pd.Series([1.5e6], index=pd.PeriodIndex(["2024-08"], freq="M", name="month"))
    assert reporting.reader_frame(indexed).index.tolist() == ["Aug 2024"]
    assert reporting.reader_frame(indexed).index.name == "month"
    html = reporting.styled(frame).to_html()
    assert "3.30 bn" in html and "\u2013" in html and "nan" not in html.lower().replace("nan;", "")
    assert "change, lower end (EUR)" in html and "absolute_lower" not in html


def test_setup_report_turns_warnings_into_run_notes(tmp_path, monkeypatch):
    import warnings

    import matplotlib.pyplot as plt

    from sanctions_model.reporting import display

    monkeypatch.setenv("SANCTIONS_MODEL_RUN_DIR", str(tmp_path))
    monkeypatch.setattr(display, "NOTES", [])
    saved = warnings.showwarning, warnings.filters[:]
    try:
        reporting.setup_report()
        warnings.warn("UnobservedComponents did not converge", RuntimeWarning, stacklevel=1)
        warnings.warn("UnobservedComponents did not converge", RuntimeWarning, stacklevel=1)
        np.log(np.zeros(1))  # numpy's own RuntimeWarning
    finally:
        warnings.showwarning = saved[0]
        warnings.filters[:] = saved[1]
        pd.reset_option("display.float_format")
    notes = json.loads((tmp_path / "results.json").read_text())["run_notes"]
    assert notes == [
        "RuntimeWarning: UnobservedComponents did not converge",
        "RuntimeWarning: divide by zero encountered in log",
    ]
    assert all("/" not in n for n in notes)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1e10, 3e10])
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert ax.yaxis.get_offset_text().get_text() == "" and "20 bn" in labels
    plt.close(fig)


@pytest.mark.slow
def test_setup_report_shows_numbers_and_charts_for_readers_in_ipython():
    """In an IPython shell (a subprocess: the shell is a process-wide singleton)."""
    import subprocess
    import sys

    code = """
import numpy as np, pandas as pd, matplotlib.pyplot as plt
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
from sanctions_model.reporting import setup_report
setup_report()
fmt = shell.display_formatter.format
print(fmt({'RU': np.float64(0.42819333559868694), 'n': np.int64(3026), 'v': 3.3e9})[0]['text/plain'])
fig, ax = plt.subplots(); ax.set_title('Exports to Russia')
print(fmt(fig)[0]['text/plain'])
frame = pd.DataFrame({'p_value': [1e-9]}, index=pd.Index(['RU'], name='partner'))
print('&lt; 0.001' in fmt(frame)[0]['text/html'] and 'partner' in fmt(frame)[0]['text/html'])
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == [
        "{'RU': 0.428, 'n': 3,026, 'v': 3.30 bn}",
        "Chart: Exports to Russia",
        "True",
    ]


def test_axes_read_years_and_log_ticks_as_plain_numbers():
    """After setup_report(): a year axis reads 2010 (not 2,010), a log axis 100 and 1,000 (not
    10^2), and a long forest-plot title is wrapped, not cut."""
    import matplotlib.pyplot as plt

    from sanctions_model.reporting.plots import forest_plot

    reporting.setup_report()
    fig, (a, b) = plt.subplots(1, 2)
    a.plot([2010, 2015, 2022], [1.0, 2.0, 3.0])
    b.plot([1, 2, 3], [50, 500, 5000])
    b.set_yscale("log")
    fig.canvas.draw()
    years = [t.get_text() for t in a.get_xticklabels() if t.get_text()]
    logs = [t.get_text() for t in b.get_yticklabels() if t.get_text()]
    plt.close(fig)
    assert "2010" in years and not any("," in y for y in years), years
    assert {"100", "1,000"} <= set(logs) and not any("^" in t or "$" in t for t in logs), logs
    title = "Trade diversion: difference-in-differences and gravity, with a long title " * 2
    fig = forest_plot(["a"], [-0.5], [-0.6], [-0.4], title=title)
    fig.canvas.draw()
    shown = fig.axes[0].get_title(loc="left")
    plt.close(fig)
    assert "\n" in shown and shown.replace("\n", " ").split() == title.split()


def test_only_columns_that_say_relative_become_percent():
    """Gravity's "percent" columns are already x100 and "effect" may be log points or EUR: they
    keep their numbers; "relative" columns (intervention tables) read in percent."""
    frame = pd.DataFrame({"percent": [-36.5], "effect": [-0.8], "relative_upper": [-0.25]})
    out = reporting.reader_frame(frame).iloc[0].to_dict()
    assert out == {"change (%)": "-36.5", "effect": "-0.800", "change, upper end (%)": "-25%"}
