"""The findings page of a sweep: headline figures and charts from the runs' ``results.json``.

``outputs/<sweep>/index.html`` is the site's front door. It is built only from the run records
(``run.json`` with the parsed ``results.json``), so it can be rebuilt at any time, and it is a
static file: charts are inline SVG drawn by matplotlib, no script, no network request, and a print
stylesheet. The run table is one click away (``runs.html``, see :mod:`sanctions_model.runner.index`).
Which ``results.json`` keys feed which section is documented in
:mod:`sanctions_model.reporting.findings`.
"""

from __future__ import annotations

import datetime as _dt
import html
import io
import json
import math
import re
from collections.abc import Sequence

from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.findings import Estimate, Section, build_sections
from sanctions_model.runner.records import SUCCESS, RunRecord

__all__ = ["Estimate", "Section", "build_sections", "render_findings_html", "sweep_date"]


def _link(record: RunRecord, link_prefix: str) -> str:
    from sanctions_model.reporting.findings import _link as link

    return link(record, link_prefix)


# -- rendering ----------------------------------------------------------------------------------


def _show(value: float | None, scale: str) -> str:
    if value is None:
        return fmt.MISSING
    if scale == "relative":
        return fmt.pct(value)
    if scale == "log":
        return fmt.log_points(value)
    if scale == "ratio":
        return fmt.ratio(value)
    if scale == "money":
        return fmt.money(value)
    return fmt.compact(value)


def _chart_svg(section: Section, title: str, salt: str) -> str:
    """The section's forest plot as inline SVG with a ``<title>``; empty when nothing to draw."""
    rows = [e for e in section.estimates if e.scale in ("relative", "log", "ratio", "number")]
    if len(rows) < 1 or not any(e.has_interval for e in rows) and len(rows) < 2:
        return ""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from sanctions_model.reporting.plots import forest_plot

    scale = rows[0].scale
    rows = [e for e in rows if e.scale == scale]
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig = forest_plot(
            [e.label for e in rows],
            [e.value for e in rows],
            [e.lower for e in rows],
            [e.upper for e in rows],
            scale=scale,
            title=title,
            reference=section.reference,
            xlabel={
                "relative": "change against the counterfactual (log scale)",
                "log": "effect (log points, labelled in percent)",
                "ratio": "ratio",
            }.get(scale, ""),
        )
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
        plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = _inline_uses(svg)
    svg = re.sub(r'\s(width|height)="[^"]*"', "", svg, count=2)
    return svg.replace(
        ">", f' role="img" aria-label="{html.escape(title)}"><title>{html.escape(title)}</title>', 1
    )


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


def _estimate_rows(section: Section) -> str:
    rows = []
    for e in section.estimates:
        interval = (
            f"{_show(e.lower, e.scale)} to {_show(e.upper, e.scale)}"
            if e.has_interval
            else fmt.MISSING
        )
        if e.scale == "log" and e.has_interval:
            interval = f"{fmt.pct(math.expm1(e.lower))} to {fmt.pct(math.expm1(e.upper))}"
        p = fmt.p_cell(e.p_value) if e.p_value is not None else fmt.MISSING
        link = f'<a href="{html.escape(e.href)}">report</a>' if e.href else ""
        rows.append(
            f'<tr><th scope="row">{html.escape(e.label)}</th>'
            f'<td class="num">{html.escape(_show(e.value, e.scale))}</td>'
            f'<td class="num">{html.escape(interval)}</td><td class="num">{html.escape(p)}</td>'
            f"<td>{html.escape(e.note)}</td><td>{link}</td></tr>"
        )
    return (
        '<table class="estimates"><thead><tr><th>Figure</th><th>Estimate</th><th>Interval</th>'
        f"<th>p-value</th><th>Note</th><th>Run</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _plain_table(rows: list[dict[str, str]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{html.escape(row.get(c, fmt.MISSING))}</td>' for c in columns)
        + "</tr>"
        for row in rows
    )
    return f'<table class="estimates"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _listing(title: str, items: list[str]) -> str:
    """A short list in full; a long one folded under its title (a ``<details>``, no script)."""
    body = '<ul class="caveats">' + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"
    if len(items) <= 3:
        return f"<p><em>{html.escape(title)}</em></p>{body}"
    return (
        f"<details><summary><em>{html.escape(title)}</em> ({len(items)})</summary>{body}</details>"
    )


def caveat_lines(section: Section) -> list[str]:
    """Each caveat once, naming the figures it concerns unless it concerns all of them."""
    who: dict[str, list[str]] = {}
    for text, label in section.caveats:
        names = who.setdefault(text, [])
        if label not in names:
            names.append(label)
    everyone = {e.run_label or e.label for e in section.estimates}
    return [
        text if set(names) >= everyone else f"{text} ({', '.join(names)})"
        for text, names in who.items()
    ]


def _params(parameters: object) -> str:
    """The run's own parameters (the sweep's overrides), as ``name=value`` pairs."""
    if not isinstance(parameters, dict):
        return ""
    return ", ".join(
        f"{k}={v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)}"
        for k, v in parameters.items()
    )


def _error_text(record: RunRecord) -> str:
    error = record.error if isinstance(record.error, dict) else None
    if not error or record.status in SUCCESS:
        return ""
    return f"{error.get('ename', '')}: {error.get('evalue', '')}".strip(": ")


def sweep_date(stamp: str) -> str:
    """``20261128T064404Z`` -> ``28 Nov 2026, 06:44 UTC``; other text unchanged."""
    match = re.match(r"(\d{8}T\d{6})Z", stamp)
    if not match:
        return stamp
    when = _dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%S")
    return when.strftime("%d %b %Y, %H:%M UTC").lstrip("0")


_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, "DejaVu Sans", sans-serif; margin: 0; color: #1d1d1d; background: #fff; }
main { max-width: 1040px; margin: 0 auto; padding: 1.5em 1.5em 3em; }
h1 { font-size: 1.7em; margin: .2em 0 .3em; }
h2 { font-size: 1.25em; margin: 2em 0 .4em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
p.meta { color: #555; font-size: 92%; margin: .2em 0 1em; }
p.meta span { margin-right: 1.2em; white-space: nowrap; }
nav.site a { margin-right: 1.2em; }
.note { margin: 1em 0; font-size: 92%; color: #444; overflow-wrap: anywhere; }
.note .sm-banner, .note .banner { border: 2px solid #b36b00; background: #fff4e0; color: #1d1d1d; padding: .7em 1em; font-size: 112%; }
.note .sm-failed { border-color: #b00; background: #fee; }
.failed { border: 2px solid #c00; background: #fee; padding: .6em 1em; margin: 1em 0; }
figure.chart { margin: 1em 0; break-inside: avoid; }
figure.chart svg { width: 100%; height: auto; max-width: 900px; display: block; }
figure.chart figcaption { font-weight: 600; margin-bottom: .3em; }
table { border-collapse: collapse; font-size: 92%; margin: .6em 0; max-width: 100%; }
th, td { border-bottom: 1px solid #e2e2e2; padding: .3em .7em; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
thead th { border-bottom: 2px solid #bbb; }
td.num { font-variant-numeric: tabular-nums; }
tr.status-failed, tr.status-timeout, tr.status-kernel_died, tr.status-interrupted { background: #fee; }
td.error { white-space: pre-wrap; }
ul.caveats { font-size: 92%; color: #333; }
details { margin: .6em 0; }
summary { cursor: pointer; }
footer { color: #666; font-size: 85%; margin-top: 3em; }
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav.site { display: none; }
  h2 { break-after: avoid; }
  table, figure.chart { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def render_findings_html(
    records: Sequence[RunRecord],
    *,
    title: str,
    link_prefix: str = "",
    note: str = "",
    stamp: str = "",
    package_version: str = "",
    data_digest: str = "",
    runs_page: str = "runs.html",
) -> str:
    """The findings page as one self-contained HTML string (``note`` is trusted HTML)."""
    sections = build_sections(records, link_prefix=link_prefix)
    ok = [r for r in records if r.status in SUCCESS]
    bad = [r for r in records if r.status not in SUCCESS]
    last = sorted(
        str(r.results.get(k))
        for r in ok
        if isinstance(r.results, dict)
        for k in ("last", "data_last")
        if isinstance(r.results.get(k), str)
    )
    meta = [f"Sweep of {sweep_date(stamp)}" if stamp else ""]
    meta.append(f"{len(ok)} of {len(records)} runs succeeded")
    if last:
        meta.append(f"trade data to {fmt.month(last[-1])}")
    if data_digest:
        meta.append(f"data manifest {data_digest[:12]}")
    if package_version:
        meta.append(f"sanctions-model {package_version}")
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{"".join(f"<span>{html.escape(m)}</span>" for m in meta if m)}</p>',
        f'<nav class="site"><a href="{html.escape(runs_page)}">All runs (table)</a>'
        '<a href="index.csv">index.csv</a></nav>',
    ]
    if note:
        parts.append(f'<div class="note" role="status">{note}</div>')
    if bad:
        names = ", ".join(html.escape(r.name) for r in bad)
        parts.append(
            f'<div class="failed" role="alert"><strong>{len(bad)} run(s) did not succeed</strong>: '
            f"{names}. Their figures are missing below; see the run table.</div>"
        )
    if not sections:
        parts.append("<p>No run of this sweep recorded headline figures.</p>")
    for i, section in enumerate(sections):
        parts.append(f'<section id="{section.key}-{i}"><h2>{html.escape(section.title)}</h2>')
        if section.intro:
            parts.append(f"<p>{html.escape(section.intro)}</p>")
        if section.estimates:
            svg = _chart_svg(section, section.title, salt=f"{section.key}-{i}")
            if svg:
                parts.append(
                    f'<figure class="chart">{svg}<figcaption>{html.escape(section.title)}'
                    "</figcaption></figure>"
                )
            parts.append(_estimate_rows(section))
        if section.table:
            parts.append(_plain_table(section.table))
        inference = [s for s in section.inference if s and not s.startswith("<a ")]
        if inference:
            parts.append(_listing("How the intervals were computed", inference))
        if section.caveats:
            parts.append(_listing("Caveats", caveat_lines(section)))
        parts.append("</section>")
    rows = []
    for r in records:  # in the caller's order: failures first
        href = _link(r, link_prefix)
        label = html.escape(r.name)
        name = f'<a href="{html.escape(href)}">{label}</a>' if href else label
        rows.append(
            f'<tr class="status-{html.escape(r.status)}"><td>{name}</td>'
            f"<td>{html.escape(r.notebook)}</td><td>{html.escape(_params(r.parameters))}</td>"
            f"<td>{html.escape(r.status)}</td>"
            f'<td class="error">{html.escape(_error_text(r))}</td></tr>'
        )
    parts.append(
        '<section id="reports"><h2>Every report</h2><table class="reports"><thead><tr>'
        "<th>Report</th><th>Notebook</th><th>Parameters</th><th>Status</th><th>Error</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )
    parts.append(
        "<footer>Built from each run's results.json; every figure links to the report that "
        "computed it. Static page: no script, nothing fetched when opened.</footer>"
    )
    parts.append("</main></body></html>\n")
    return "".join(parts)
