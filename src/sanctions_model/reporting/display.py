"""How a notebook shows things to a reader: one call, :func:`setup_report`, at the top.

After ``setup_report()``:

- every DataFrame or Series a cell displays is rendered with :func:`reader_frame` (numbers by
  :mod:`sanctions_model.reporting.format`: no scientific notation, no false precision, p-value
  columns as ``0.03``/``< 0.001``, months as ``Mar 2022``, a dash for NaN/NaT; a default
  0..n-1 index is hidden);
- new matplotlib axes label linear ticks as ``2.5 bn``/``0.05`` (no ``1e10`` offset);
- numbers shown as plain text (alone or inside a dict or list) read ``0.431``, ``3.35 bn``, not
  ``np.float64(0.43119...)``;
- a figure's plain-text form is ``Chart: <its title>``, which the HTML report gives its image
  as alt text;
- Python warnings are not printed to stderr: each becomes a short sentence in
  :data:`NOTES` and in the run's ``results.json`` under ``run_notes``, which the HTML report lists
  as caveats in its "Notes on this run" section.

:func:`styled` gives a pandas Styler with the same formats, for tables a notebook wants to style.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from sanctions_model.reporting import format as fmt

__all__ = ["NOTES", "figure_title", "reader_frame", "setup_report", "styled", "warning_note"]

NOTES: list[str] = []
"""The warnings of this session, as short sentences (oldest first, each once)."""

MAX_ROWS = 60


def warning_note(message: Warning | str, category: type[Warning] | None = None) -> str:
    """``RuntimeWarning: divide by zero encountered in log``: no file, no line, no source."""
    name = (category or type(message)).__name__ if not isinstance(message, str) else ""
    text = " ".join(str(message).split())
    return f"{name}: {text}" if name else text


def _column_name(column: Any) -> str:
    if isinstance(column, tuple):
        column = column[-1]
    return str(column)


def reader_frame(frame: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """``frame`` as strings for readers (see the module docstring); the index keeps its name."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(name=frame.name if frame.name is not None else "value")
    from sanctions_model.reporting.labels import column_label, is_relative_column

    out = pd.DataFrame(index=frame.index.copy())
    for position, column in enumerate(frame.columns):
        values = frame.iloc[:, position]
        name = _column_name(column)
        if is_relative_column(name) and all(
            isinstance(v, int | float) and not isinstance(v, bool) or v is None for v in values
        ):
            out[position] = [fmt.pct(v) for v in values]  # -0.543 reads -54%
        else:
            out[position] = [fmt.cell(v, name) for v in values]
    out.columns = _labelled_columns(frame.columns, column_label)
    if isinstance(out.index, pd.PeriodIndex | pd.DatetimeIndex):
        name = out.index.name
        out.index = pd.Index([fmt.cell(v) for v in out.index], name=name)
    return out


def _labelled_columns(columns: pd.Index, column_label: Callable[[Any], str]) -> pd.Index:
    """Column names for readers (the registry's plain words); a MultiIndex level by level."""
    if isinstance(columns, pd.MultiIndex):
        return pd.MultiIndex.from_tuples(
            [tuple(column_label(c) if isinstance(c, str) else c for c in t) for t in columns],
            names=columns.names,
        )
    return pd.Index(
        [column_label(c) if isinstance(c, str) else c for c in columns], name=columns.name
    )


def _frame_html(frame: pd.DataFrame | pd.Series) -> str:
    total = len(frame)
    shown = frame.head(MAX_ROWS) if total > MAX_ROWS else frame
    text = reader_frame(shown)
    hide_index = isinstance(text.index, pd.RangeIndex) and text.index.name is None
    table = text.to_html(index=not hide_index, border=0, classes="dataframe sm-frame")
    if total > MAX_ROWS:
        table += f"<p class='sm-text'>First {MAX_ROWS} of {total:,} rows.</p>"
    return table


def styled(frame: pd.DataFrame, formats: Mapping[str, Callable[[Any], str]] | None = None):
    """A pandas Styler with reader formats per column (``formats`` overrides by column)."""
    formats = dict(formats or {})
    styler = frame.style
    for column in frame.columns:
        name = _column_name(column)
        formatter = formats.get(name) or (lambda v, _n=name: fmt.cell(v, _n))
        styler = styler.format(formatter, subset=[column], na_rep=fmt.MISSING)
    if isinstance(frame.index, pd.RangeIndex) and frame.index.name is None:
        styler = styler.hide(axis="index")
    from sanctions_model.reporting.labels import column_label

    if not isinstance(frame.columns, pd.MultiIndex):  # plain words for the headers only
        styler = styler.relabel_index(
            [column_label(c) if isinstance(c, str) else str(c) for c in frame.columns],
            axis="columns",
        )
    return styler


def _record_note(note: str) -> None:
    if note in NOTES:
        return
    NOTES.append(note)
    import os

    from sanctions_model.reporting.results import RUN_DIR_ENV, record_results

    if os.environ.get(RUN_DIR_ENV):  # only in a runner's run: by hand, no stray results.json
        record_results({"run_notes": list(NOTES)})


def _showwarning(message, category, filename, lineno, file=None, line=None) -> None:
    _record_note(warning_note(message, category))


def _reader_axes() -> None:
    import matplotlib.scale
    from matplotlib.ticker import ScalarFormatter

    from sanctions_model.reporting.plots import tick_label

    class ReaderFormatter(ScalarFormatter):
        """Plain tick labels with a scale word; never an offset or exponent."""

        def __call__(self, x, pos=None):
            if float(x).is_integer() and is_year_axis(self.axis):
                return str(int(x))  # 2010, not 2,010
            return tick_label(x)

        def get_offset(self):
            return ""

    original = matplotlib.scale.LinearScale.set_default_locators_and_formatters
    if getattr(original, "_sanctions_model", False):
        return

    def set_defaults(self, axis):
        original(self, axis)
        axis.set_major_formatter(ReaderFormatter())

    set_defaults._sanctions_model = True  # type: ignore[attr-defined]
    matplotlib.scale.LinearScale.set_default_locators_and_formatters = set_defaults

    from matplotlib.ticker import FuncFormatter, NullFormatter

    log_original = matplotlib.scale.LogScale.set_default_locators_and_formatters

    def log_defaults(self, axis):  # 100 and 1,000, not 10^2 and 10^3
        log_original(self, axis)
        axis.set_major_formatter(FuncFormatter(lambda v, _: tick_label(v)))
        axis.set_minor_formatter(NullFormatter())

    matplotlib.scale.LogScale.set_default_locators_and_formatters = log_defaults


def is_year_axis(axis: Any) -> bool:
    """An x axis whose view spans calendar years (1800-2200, under 150 years): its integer ticks
    are years and read without a thousands separator."""
    if getattr(axis, "axis_name", "") != "x":
        return False
    try:
        lo, hi = sorted(float(v) for v in axis.get_view_interval())
    except (TypeError, ValueError):
        return False
    return 1800 <= lo and hi <= 2200 and hi - lo < 150


FIGURE_PREFIX = "Chart: "


def figure_title(fig: Any) -> str:
    """A figure's title: its suptitle, else its axes' titles joined (empty if it has none)."""
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        return " ".join(suptitle.get_text().split())
    titles = []
    for ax in fig.get_axes():
        for loc in ("center", "left", "right"):
            text = " ".join(ax.get_title(loc=loc).split())
            if text and text not in titles:
                titles.append(text)
    return "; ".join(titles)


def _figure_text(fig: Any, printer: Any, cycle: bool) -> None:
    printer.text(f"{FIGURE_PREFIX}{figure_title(fig)}")


def setup_report() -> None:
    """Set up a notebook for readers (tables, axes, warnings); call once in the first code cell."""
    warnings.showwarning = _showwarning
    warnings.simplefilter("default")  # each distinct warning once, not suppressed
    pd.set_option("display.float_format", lambda v: fmt.compact(v))
    pd.set_option("display.max_columns", 30)
    pd.set_option("styler.format.na_rep", fmt.MISSING)
    pd.set_option("styler.format.thousands", ",")
    _reader_axes()
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: the table and axis settings still apply
        return
    shell = get_ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["text/html"]
    formatter.for_type(pd.DataFrame, _frame_html)
    formatter.for_type(pd.Series, _frame_html)
    import numpy as np

    plain = shell.display_formatter.formatters["text/plain"]
    # concrete types: IPython takes a class's own __repr__ before a printer of its base class
    kinds = (float, np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8)
    for kind in kinds:  # alone or inside dicts and lists: no np.float64(...)
        plain.for_type(kind, _number_text)
    import matplotlib.pyplot as plt

    # Loading the inline backend resets every formatter of Figure: load it first, then register
    # (and again before each cell, should a cell switch backends).
    if hasattr(shell, "kernel") and "inline" not in str(plt.get_backend()):
        # a kernel started with MPLBACKEND=Agg (as under pytest) would drop every chart
        shell.enable_matplotlib("inline")
    elif hasattr(plt, "_get_backend_mod"):
        plt._get_backend_mod()
    _register_figure_text(shell)
    if _before_cell not in shell.events.callbacks.get("pre_run_cell", []):
        shell.events.register("pre_run_cell", _before_cell)


def _before_cell(*_: Any) -> None:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        _register_figure_text(shell)


def _number_text(value: Any, printer: Any, cycle: bool) -> None:
    printer.text(fmt.compact(value))


def _register_figure_text(shell: Any) -> None:
    """The report uses a figure's plain text as its chart's alt text (and checks it has a title)."""
    from matplotlib.figure import Figure

    shell.display_formatter.formatters["text/plain"].for_type(Figure, _figure_text)
