"""Forest plots with long row labels: wrapped, the figure sized from them, nothing cut off."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("matplotlib")

LONG = [
    "gravity (PPML), the partners (Armenia, Georgia, Kazakhstan, Kyrgyzstan and Uzbekistan) and"
    " the 50 donor destinations, 2010-2023, randomization inference: EU27 exports to the partners"
    " as a group, 2022-23 against 2010-21",
    "exports to Russia, most against least exposed member state",
    "EU27 substitution ratio, EU export records on the scorecard's coverage",
] * 6


@pytest.mark.parametrize("scale", ["log", "ratio"])
def test_every_label_inside_the_figure_and_no_layout_warning(scale):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from sanctions_model.reporting.plots import PLOT_INCHES, forest_plot

    n = len(LONG)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "constrained_layout not applied" is a UserWarning
        fig = forest_plot(
            LONG, [0.1] * n, [-0.2] * n, [0.3] * n, scale=scale, title="Other headline ratios"
        )
        fig.canvas.draw()
    renderer, box = fig.canvas.get_renderer(), fig.bbox
    ax = fig.axes[0]
    texts = [*ax.get_yticklabels(), ax.title, ax._left_title, ax.xaxis.label]
    for text in texts:
        if not text.get_text():
            continue
        e = text.get_window_extent(renderer)
        assert box.x0 <= e.x0 and e.x1 <= box.x1 and box.y0 <= e.y0 and e.y1 <= box.y1, (
            text.get_text()
        )
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert [s.replace("\n", " ") for s in shown] == LONG  # wrapped, nothing dropped
    assert max(len(line) for s in shown for line in s.split("\n")) <= 48
    # the data area keeps its width: not squeezed to a sliver by the labels
    assert ax.get_position().width * fig.get_size_inches()[0] >= PLOT_INCHES * 0.9
    plt.close(fig)


def test_chart_svg_of_long_labels_is_drawn_without_warnings():
    from sanctions_model.runner.charts import ChartSpec, draw_svg

    n = len(LONG)
    spec = ChartSpec(
        labels=tuple(LONG),
        values=(0.1,) * n,
        lowers=(-0.2,) * n,
        uppers=(0.3,) * n,
        scale="relative",
        title="Trade diversion: difference-in-differences and gravity",
        reference=None,
        salt="t",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        svg = draw_svg(spec)
    assert svg.startswith("<svg") and "member state" in svg
