"""Plots and tables shared by the notebooks, and the record of a run's headline numbers.

The names below are imported on first use, so that a module needing only the text helpers
(:mod:`.format`, :mod:`.labels`, :mod:`.findings`: the findings page of a warm sweep) does not
import matplotlib and pandas.
"""

_LAZY = {
    "reader_frame": "display",
    "setup_report": "display",
    "styled": "display",
    "forest_plot": "plots",
    "plot_indexed": "plots",
    "plot_series": "plots",
    "record_results": "results",
    "results_path": "results",
    "annual_table": "tables",
    "coverage_table": "tables",
    "quality_flags": "tables",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"sanctions_model.reporting.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'sanctions_model.reporting' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


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
