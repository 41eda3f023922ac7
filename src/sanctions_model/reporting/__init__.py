"""Plots and tables shared by the notebooks, and the record of a run's headline numbers."""

from sanctions_model.reporting.display import reader_frame, setup_report, styled
from sanctions_model.reporting.plots import forest_plot, plot_indexed, plot_series
from sanctions_model.reporting.results import record_results, results_path
from sanctions_model.reporting.tables import annual_table, coverage_table, quality_flags

__all__ = [
    "annual_table",
    "coverage_table",
    "forest_plot",
    "plot_indexed",
    "plot_series",
    "quality_flags",
    "reader_frame",
    "record_results",
    "results_path",
    "setup_report",
    "styled",
]
