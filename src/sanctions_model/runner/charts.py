"""The findings page's charts as inline SVG, drawn once and kept under a hash of what they show.

A chart is a pure function of its data (labels, estimates, intervals, scale, title, reference line)
and of the code that draws it (:mod:`sanctions_model.reporting.plots`, this module,
:mod:`sanctions_model.reporting.format` for the tick labels, and the matplotlib version). The
SVG is stored as ``<key>.svg`` in a cache folder (``.charts`` beside a sweep's timestamp folders),
where ``key`` is the SHA-256 of both. A sweep whose figures did not change (a warm sweep, or the
root copy of the findings page) therefore reads its charts back and never imports matplotlib.

A cached file is written to a temporary name and renamed, checked on reading (an ``<svg`` element
closed at the end), and redrawn if unreadable; the folder keeps the :data:`KEEP` most recently
used charts. Without a cache folder every chart is drawn.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import json
import os
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from sanctions_model._io import atomic_write_text

__all__ = ["CHART_DIR", "KEEP", "ChartSpec", "chart_svg", "code_version", "draw_svg"]

CHART_DIR = ".charts"
"""The cache folder's name (hidden, so that the sweep's listings and the share bundle skip it)."""

KEEP = 256
"""Charts kept in a cache folder (the default sweep draws 8 per findings page, ~25 KB each)."""

_XLABEL = {
    "relative": "change against the counterfactual (log scale)",
    "log": "effect (log points, labelled in percent)",
    "ratio": "ratio",
}


@dataclass(frozen=True)
class ChartSpec:
    """Everything a forest chart shows: one row per figure, and how the axis reads."""

    labels: tuple[str, ...]
    values: tuple[float | None, ...]
    lowers: tuple[float | None, ...]
    uppers: tuple[float | None, ...]
    scale: str
    title: str
    reference: float | None
    salt: str
    """Seeds the SVG's element ids, so that two charts on one page never share an id."""

    @property
    def xlabel(self) -> str:
        return _XLABEL.get(self.scale, "")

    def key(self) -> str:
        """SHA-256 of the data and of :func:`code_version` (NaN and infinities included)."""
        data = json.dumps(asdict(self), sort_keys=True, allow_nan=True, default=str)
        return hashlib.sha256(f"{code_version()}\n{data}".encode()).hexdigest()


_CODE = ("reporting/plots.py", "reporting/format.py", "runner/charts.py")


@functools.cache
def code_version() -> str:
    """Hash of the drawing code and the matplotlib version: a change to either redraws."""
    from importlib import metadata

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for name in _CODE:
        digest.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    try:
        digest.update(metadata.version("matplotlib").encode())
    except metadata.PackageNotFoundError:  # drawing would fail anyway; the key stays defined
        digest.update(b"no matplotlib")
    return digest.hexdigest()


def chart_svg(spec: ChartSpec, cache_dir: str | Path | None = None) -> str:
    """The chart of ``spec`` as inline SVG: from ``cache_dir`` if drawn before, else drawn (and
    stored there)."""
    if cache_dir is None:
        return draw_svg(spec)
    folder = Path(cache_dir)
    key = spec.key()
    path = folder / f"{key}.svg"
    svg = _read(path)
    if svg is not None:
        return svg
    svg = draw_svg(spec)
    try:
        _write(folder, path, svg)
    except OSError:  # a read-only or full disk: the page is still right, only slower next time
        pass
    return svg


def _read(path: Path) -> str | None:
    try:
        svg = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not (svg.startswith("<svg") and svg.rstrip().endswith("</svg>")):
        return None  # not one this module wrote: draw again (and overwrite it)
    try:
        os.utime(path)  # most recently used: kept by the pruning below
    except OSError:
        pass
    return svg


def _write(folder: Path, path: Path, svg: str) -> None:
    atomic_write_text(path, svg)  # the package's temp-then-rename writer (makes the folder)
    _prune(folder)


def _prune(folder: Path, keep: int = KEEP) -> None:
    """Delete all but the ``keep`` most recently used charts."""
    try:
        charts = [(p.stat().st_mtime_ns, p) for p in folder.glob("*.svg")]
    except OSError:
        return
    for _, path in sorted(charts, reverse=True)[keep:]:
        path.unlink(missing_ok=True)


# -- drawing (matplotlib imported here only) -----------------------------------------------------


def draw_svg(spec: ChartSpec) -> str:
    """Draw ``spec`` with :func:`sanctions_model.reporting.plots.forest_plot` as inline SVG with
    a ``<title>``: no size attributes, no metadata, no ``<use>`` references."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from sanctions_model.reporting.plots import forest_plot

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": spec.salt}):
        fig = forest_plot(
            list(spec.labels),
            list(spec.values),
            list(spec.lowers),
            list(spec.uppers),
            scale=spec.scale,
            title=spec.title,
            reference=spec.reference,
            xlabel=spec.xlabel,
        )
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
        plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = _inline_uses(svg)
    svg = re.sub(r'\s(width|height)="[^"]*"', "", svg, count=2)
    title = html.escape(spec.title)
    return svg.replace(">", f' role="img" aria-label="{title}"><title>{title}</title>', 1)


_MARKER_DEF = re.compile(r'<path id="(m[0-9a-f]+)" d="([^"]*)"(?: style="([^"]*)")?\s*/>', re.S)
_MARKER_USE = re.compile(
    r'<use xlink:href="#(m[0-9a-f]+)" x="([^"]*)" y="([^"]*)"(?: style="([^"]*)")?\s*/>'
)


def _inline_uses(svg: str) -> str:
    """Draw matplotlib's reused markers in place: no ``href="#id"`` that a link check would follow."""
    defs = {m.group(1): (m.group(2), m.group(3) or "") for m in _MARKER_DEF.finditer(svg)}

    def use(m: re.Match[str]) -> str:
        d, style = defs.get(m.group(1), ("", ""))
        return f'<path d="{d}" transform="translate({m.group(2)} {m.group(3)})" style="{m.group(4) or style}"/>'

    svg = _MARKER_USE.sub(use, svg)
    return re.sub(r"<defs>\s*(?:<path id=\"m[0-9a-f]+\"[^>]*/>\s*)+</defs>", "", svg)


def spec_of(rows: Sequence[object], *, title: str, reference: float | None, salt: str) -> ChartSpec:
    """A :class:`ChartSpec` from estimates (anything with ``label``, ``value``, ``lower``,
    ``upper`` and ``scale``; all of one scale)."""
    return ChartSpec(
        labels=tuple(str(e.label) for e in rows),  # type: ignore[attr-defined]
        values=tuple(e.value for e in rows),  # type: ignore[attr-defined]
        lowers=tuple(e.lower for e in rows),  # type: ignore[attr-defined]
        uppers=tuple(e.upper for e in rows),  # type: ignore[attr-defined]
        scale=str(rows[0].scale) if rows else "number",  # type: ignore[attr-defined]
        title=title,
        reference=reference,
        salt=salt,
    )
