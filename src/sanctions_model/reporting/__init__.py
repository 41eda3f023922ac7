"""Plots and tables shared by the notebooks, and the record of a run's headline numbers."""

from sanctions_model.reporting.plots import plot_indexed, plot_series
from sanctions_model.reporting.results import record_results, results_path
from sanctions_model.reporting.tables import annual_table, coverage_table, quality_flags

__all__ = [
    "annual_table",
    "coverage_table",
    "plot_indexed",
    "plot_series",
    "quality_flags",
    "record_results",
    "results_path",
]
