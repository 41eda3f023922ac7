"""The findings page's figures as data: CSV files a reader downloads beside the charts.

``figures/<section>-<i>.csv`` holds what one chart draws (:func:`figure_csv`), ``figures.csv`` every
headline figure of the sweep, and ``figures/eu27_russia_counterfactual.csv`` the EU27->Russia
counterfactual chart's monthly series (:func:`_series_csv`, from ``counterfactual_series`` in the
run's ``results.json``). :mod:`sanctions_model.runner.findings` gathers them for a sweep.
"""

from __future__ import annotations

import io

from sanctions_model.reporting.findings import Section
from sanctions_model.runner.cells import csv_cell

__all__ = ["COUNTERFACTUAL_CSV", "FIGURES_DIR", "figure_csv"]

FIGURES_DIR = "figures"


def figure_csv(section: Section) -> str:
    """A section's figures as CSV (what its chart draws): label, period, estimate, interval (with
    its ``level``, 0.95 for a run at ``alpha`` 0.05), p."""
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf)
    unit = {"relative": "relative change", "log": "log points", "ratio": "ratio"}.get(
        section.estimates[0].scale if section.estimates else "", "number"
    )
    writer.writerow(
        [
            "figure",
            "group",
            "period",
            "estimate",
            "lower",
            "upper",
            "level",
            "p_value",
            "p_adjusted",
        ]
        + ["unit", "run"]
    )
    for e in section.estimates:
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    e.label,
                    e.group,
                    e.period,
                    e.value,
                    "" if e.lower is None else e.lower,
                    "" if e.upper is None else e.upper,
                    "" if not e.has_interval else round(1 - e.alpha, 6),
                    "" if e.p_value is None else e.p_value,
                    "" if e.p_adjusted is None else e.p_adjusted,
                    {"relative": "relative change", "log": "log points"}.get(e.scale, e.scale)
                    or unit,
                    e.run,
                )
            ]
        )
    return buf.getvalue()


COUNTERFACTUAL_CSV = f"{FIGURES_DIR}/eu27_russia_counterfactual.csv"


def _series_csv(results: object) -> str:
    """The chart's data as CSV when the run records it (``counterfactual_series``: equal-length
    lists under ``period`` and e.g. ``observed``, ``mean``, ``lower``, ``upper``); else empty."""
    import csv

    series = results.get("counterfactual_series") if isinstance(results, dict) else None
    if not isinstance(series, dict) or not isinstance(series.get("period"), list):
        return ""
    columns = [k for k, v in series.items() if isinstance(v, list)]
    n = len(series["period"])
    if not n or any(len(series[k]) != n for k in columns):
        return ""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    for i in range(n):
        writer.writerow([csv_cell("" if series[k][i] is None else series[k][i]) for k in columns])
    return buf.getvalue()
