"""The findings page of a sweep: headline figures and charts from the runs' ``results.json``.

``outputs/<sweep>/index.html`` is the site's front door. It is built only from the run records
(``run.json`` with the parsed ``results.json``), so it can be rebuilt at any time, and it is a
static file: charts are inline SVG drawn by matplotlib, no script, no network request, and a print
stylesheet. The run table is one click away (``runs.html``, see :mod:`sanctions_model.runner.index`).
Which ``results.json`` keys feed which section is documented in
:mod:`sanctions_model.reporting.findings`.

A warm sweep costs little here: each chart is kept under a hash of its data in the sweep root's
``.charts`` folder (:mod:`sanctions_model.runner.charts`; no matplotlib when nothing changed), and
the page's body is built once and reused for the root copy, which differs only in its links.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.findings import Estimate, Section, build_sections, shared_level
from sanctions_model.runner.figure_data import (  # noqa: F401 (_series_csv re-exported)
    COUNTERFACTUAL_CSV,
    FIGURES_DIR,
    _series_csv,
    figure_csv,
)
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


def _chart_svg(section: Section, title: str, salt: str, cache_dir: Path | None = None) -> str:
    """The section's forest plot as inline SVG with a ``<title>``; empty when nothing to draw.
    Read from ``cache_dir`` when drawn before (see :mod:`sanctions_model.runner.charts`)."""
    rows = [e for e in section.estimates if e.scale in ("relative", "log", "ratio", "number")]
    if len(rows) < 1 or not any(e.has_interval for e in rows) and len(rows) < 2:
        return ""
    from sanctions_model.runner.charts import chart_svg, spec_of

    rows = [e for e in rows if e.scale == rows[0].scale]
    spec = spec_of(rows, title=title, reference=section.reference, salt=salt)
    return chart_svg(spec, cache_dir)


def chart_salts(sections: Sequence[Section]) -> list[str]:
    """Each section's chart salt (it seeds the SVG's element ids): the section's key and how many
    sections of that key come before it. Unique on a page, and the same whether or not other
    sections are there: a chart drawn while a sweep's last runs still ran (a page of the runs
    finished so far, :func:`draw_charts`) is the chart of the final page."""
    seen: dict[str, int] = {}
    salts = []
    for section in sections:
        n = seen.get(section.key, 0)
        seen[section.key] = n + 1
        salts.append(f"{section.key}-{n}")
    return salts


def draw_charts(
    records: Sequence[RunRecord], chart_dir: Path, stop: Callable[[], bool] | None = None
) -> int:
    """Draw into ``chart_dir`` the charts that a findings page of ``records`` shows (those not
    there already), until ``stop()`` says to; how many were drawn or found. What the page's
    build then reads back."""
    sections = build_sections(records, link_prefix="")
    count = 0
    for section, salt in zip(sections, chart_salts(sections), strict=True):
        if stop is not None and stop():
            break
        if section.estimates and _chart_svg(section, section.title, salt, chart_dir):
            count += 1
    return count


def _estimate_rows(section: Section, *, data_href: str = "") -> str:
    # the level in the header when every row shares it, else in each cell (runs' own alpha)
    level = shared_level(section.estimates)
    rows = []
    group = None
    grouped = len({e.group for e in section.estimates if e.group}) > 1
    for e in section.estimates:
        if grouped and e.group != group:
            group = e.group
            rows.append(
                f'<tr class="group"><th colspan="7" scope="rowgroup">{html.escape(group or "Other")}'
                "</th></tr>"
            )
        interval = (
            f"{_show(e.lower, e.scale)} to {_show(e.upper, e.scale)}"
            if e.has_interval
            else fmt.MISSING
        )
        if e.scale == "log" and e.has_interval:
            interval = f"{fmt.pct(math.expm1(e.lower))} to {fmt.pct(math.expm1(e.upper))}"
        if e.interval_text:  # the run's report printed it: the same digits here
            interval = e.interval_text
        if level is None and e.has_interval:
            interval = f"{fmt.level(e.alpha)}: {interval}"
        p = (
            e.p_text.removeprefix("p ").lstrip("= ")
            if e.p_text
            else fmt.p_cell(e.p_value, upper_bound=e.p_upper_bound)
            if e.p_value is not None
            else fmt.MISSING
        )
        link = f'<a href="{html.escape(e.href)}">report</a>' if e.href else ""
        rows.append(
            f'<tr><th scope="row">{html.escape(e.label)}</th>'
            f'<td class="period">{html.escape(e.period or fmt.MISSING)}</td>'
            f'<td class="num">{html.escape(_show(e.value, e.scale))}</td>'
            f'<td class="num">{html.escape(interval)}</td><td class="num">{html.escape(p)}</td>'
            f"<td>{html.escape(e.note)}</td><td>{link}</td></tr>"
        )
    data = f' <a href="{html.escape(data_href)}">data (CSV)</a>' if data_href else ""
    return (
        '<table class="estimates"><thead><tr><th>Figure</th><th>Period</th><th>Estimate</th>'
        f"<th>{f'{level} interval' if level else 'Interval'}</th><th>p-value (unadjusted)</th>"
        "<th>Note</th><th>Run</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>" + (f'<p class="data">{data}</p>' if data else "")
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
    """The run's own parameters (the sweep's overrides) in the registry's words."""
    if not isinstance(parameters, dict):
        return ""
    from sanctions_model.reporting.labels import param_label, param_value

    return "; ".join(f"{param_label(k)} {param_value(k, v)}" for k, v in parameters.items())


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
.note { margin: 1em 0; font-size: 92%; color: #444; overflow-wrap: break-word; }
.note .sm-banner, .note .banner { border: 2px solid #b36b00; background: #fff4e0; color: #1d1d1d; padding: .7em 1em; font-size: 112%; }
.note .sm-failed { border-color: #b00; background: #fee; }
.failed { border: 2px solid #c00; background: #fee; padding: .6em 1em; margin: 1em 0; }
figure.chart { margin: 1em 0; break-inside: avoid; }
figure.chart svg { width: 100%; height: auto; max-width: 900px; display: block; }
figure.chart figcaption { font-weight: 600; margin-bottom: .3em; }
table { border-collapse: collapse; font-size: 92%; margin: .6em 0; max-width: 100%; }
th, td { border-bottom: 1px solid #e2e2e2; padding: .3em .7em; text-align: left; vertical-align: top; overflow-wrap: break-word; }
td.num, td.period { white-space: nowrap; }
td a, p.runs a { white-space: nowrap; }
tr.group th { background: #f3f3f3; font-weight: 600; }
h3 { font-size: 1.1em; margin: 1.6em 0 .3em; }
ol.answers > li { margin: 0 0 1em; }
ol.answers strong.question { font-size: 1.05em; }
ol.answers ul { margin: .3em 0; padding-left: 1.2em; }
p.runs, p.data { font-size: 88%; color: #555; margin: .2em 0; }
figure.picture img { max-width: 100%; height: auto; }
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


PAGE_TITLE = "What the sanctions on Russia did to trade"
METHODS_PAGE = "methods.html"


def page_title(title: str) -> str:
    """The page's heading in plain words; the runner's ``Sweep <name>`` becomes the subtitle."""
    return PAGE_TITLE if not title or title.startswith("Sweep ") else title


def _answers_html(records: Sequence[RunRecord], link_prefix: str) -> str:
    from sanctions_model.reporting.answers import build_answers

    items = []
    for answer in build_answers(records, link_prefix=link_prefix):
        runs = ", ".join(
            f'<a href="{html.escape(href)}">{html.escape(name)}</a>' if href else html.escape(name)
            for name, href in answer.runs.items()
        )
        body = "".join(f"<li>{html.escape(s)}</li>" for s in answer.sentences)
        items.append(
            f'<li id="answer-{answer.key}"><strong class="question">'
            f"{html.escape(answer.question)}</strong><ul>{body}</ul>"
            + (f'<p class="runs">Draws on: {runs}</p>' if runs else "")
            + "</li>"
        )
    return (
        '<section id="answers"><h2>Answers</h2><p>Each answer from the runs of this sweep; a '
        "figure that is not distinguishable from zero says so. How each method computes its "
        f'interval: <a href="{METHODS_PAGE}">methods</a>.</p>'
        f'<ol class="answers">{"".join(items)}</ol></section>'
    )


def _prices_html(records: Sequence[RunRecord], link_prefix: str) -> str:
    """Each headline in real terms, in current prices and as published, and why they differ."""
    from sanctions_model.reporting.real_terms import TITLE, price_rows, price_table

    rows = price_rows(records, link_prefix=link_prefix)
    if not rows:
        return ""
    return (
        f'<section id="prices"><h2>{html.escape(TITLE)}</h2><p>Each headline in real terms (the '
        "default), in current prices (the run's nominal robustness figure) and as published; "
        "published figures are in current prices.</p>"
        f"{_wrapping_table(price_table(rows))}</section>"
    )


_FIGURE_CELL = re.compile(r"[-+\d.,% ()]+(?: to [-+\d.,% ()]+)?")


def _wrapping_table(rows: list[dict[str, str]]) -> str:
    """A table whose figure cells never break (``td.num``) and whose sentences wrap."""
    columns = list(rows[0]) if rows else []
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"num" if _FIGURE_CELL.fullmatch(row.get(c, "")) else "text"}">'
            f"{html.escape(row.get(c, fmt.MISSING))}</td>"
            for c in columns
        )
        + "</tr>"
        for row in rows
    )
    return f'<table class="estimates"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _counterfactual_figure(
    records: Sequence[RunRecord], run_dirs: Mapping[str, Path] | None, link_prefix: str
) -> str:
    """The EU27 -> Russia chart of observed and counterfactual exports, taken from the run's
    executed notebook (a PNG, embedded), with a link to its report; empty if there is none."""
    import base64

    if not run_dirs:
        return ""
    from sanctions_model.reporting.answers import _flow, _runs

    for record in _runs(records, "02"):
        reporter, partner, flow, product = _flow(record)
        if not (
            reporter.startswith("EU27") and (partner, flow, product) == ("RU", "export", "TOTAL")
        ):
            continue
        path = run_dirs.get(record.name)
        try:
            nb = json.loads((Path(path) / "notebook.ipynb").read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError):
            return ""
        for cell in nb.get("cells", []):
            for output in cell.get("outputs", []):
                data = output.get("data") or {}
                plain = "".join(data.get("text/plain", ""))
                png = data.get("image/png")
                if not png or "counterfactual" not in plain.lower():
                    continue
                png = "".join(png) if isinstance(png, list) else str(png)
                try:
                    base64.b64decode(png, validate=False)
                except ValueError:
                    return ""
                caption = "EU27 exports to Russia: observed and counterfactual, monthly"
                href = _link(record, link_prefix)
                more = f' (<a href="{html.escape(href)}">report</a>)' if href else ""
                if _series_csv(record.results):
                    more += f'; <a href="{COUNTERFACTUAL_CSV}">data (CSV)</a>'
                return (
                    '<section id="counterfactual"><h2>EU27 exports to Russia against their '
                    'counterfactual</h2><figure class="picture">'
                    f'<img src="data:image/png;base64,{"".join(png.split())}" '
                    f'alt="{html.escape(caption)}"><figcaption>{html.escape(caption)}{more}'
                    "</figcaption></figure></section>"
                )
    return ""


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
    run_dirs: Mapping[str, Path] | None = None,
    figures: bool = False,
    chart_dir: Path | None = None,
) -> str:
    """The findings page as one self-contained HTML string (``note`` is trusted HTML).

    With ``figures=True`` each chart links its data as ``figures/<section>.csv`` (written by
    :func:`sanctions_model.runner.index.write_index` from :func:`figure_csv`). Charts are read
    from ``chart_dir`` when drawn before (:mod:`sanctions_model.runner.charts`). The page's body
    (answers, charts, tables) is built once for a set of records and reused with another
    ``link_prefix``: the sweep's root copy of the page costs no second build."""
    body, has_figures = _body(records, link_prefix, run_dirs, figures, chart_dir)
    ok = [r for r in records if r.status in SUCCESS]
    bad = [r for r in records if r.status not in SUCCESS]
    last = sorted(
        str(r.results.get(k))
        for r in ok
        if isinstance(r.results, dict)
        for k in ("last", "data_last")
        if isinstance(r.results.get(k), str)
    )
    heading = page_title(title)
    meta = [title.replace("Sweep ", "sweep ", 1) if heading != title else ""]
    meta.append(f"run {sweep_date(stamp)}" if stamp else "")
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
        f"<title>{html.escape(heading)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{html.escape(heading)}</h1>",
        f'<p class="meta">{" ".join(f"<span>{html.escape(m)}</span>" for m in meta if m)}</p>',
        '<nav class="site">'
        f'<a href="{METHODS_PAGE}">Methods</a>'
        f'<a href="{html.escape(runs_page)}">All runs (table)</a>'
        '<a href="index.csv">index.csv</a>'
        + ('<a href="figures.csv">figures.csv</a>' if figures and has_figures else "")
        + "</nav>",
    ]
    if note:
        parts.append(f'<div class="note" role="status">{note}</div>')
    if bad:
        names = ", ".join(html.escape(r.name) for r in bad)
        parts.append(
            f'<div class="failed" role="alert"><strong>{len(bad)} run(s) did not succeed</strong>: '
            f"{names}. Their figures are missing below; see the run table.</div>"
        )
    parts.append(body)
    return "".join(parts)


#: Stands for the link prefix in a built body. Every link goes through ``urllib.parse.quote``, so
#: the body holds it as ``quote(_PREFIX)``: a NUL and a random token that no record can contain.
_PREFIX = "\x00" + secrets.token_hex(16)
_last_body: tuple[tuple[object, ...], str, bool] | None = None


def _body(
    records: Sequence[RunRecord],
    link_prefix: str,
    run_dirs: Mapping[str, Path] | None,
    figures: bool,
    chart_dir: Path | None,
) -> tuple[str, bool]:
    """The page below its header with links under ``link_prefix``, and whether it shows figures.

    The last body built is kept with what it was built from (the records, their notebooks'
    size and time, the options) and reused while they are unchanged."""
    global _last_body
    notebooks = tuple(
        (name, _stat(Path(path) / "notebook.ipynb")) for name, path in (run_dirs or {}).items()
    )
    key = (list(records), dict(run_dirs or {}), notebooks, figures, chart_dir)
    if _last_body is None or _last_body[0] != key:
        from sanctions_model.runner.page_cache import part_key, stored

        def build() -> dict[str, Any]:
            template, has_figures = _build_body(records, _PREFIX, run_dirs, figures, chart_dir)
            return {"template": template, "prefix": quote(_PREFIX), "figures": has_figures}

        extra = {"notebooks": notebooks, "figures": figures}
        part = stored(chart_dir, part_key("findings-body", records, extra), build)
        # a body stored by another process holds that process's prefix token: made this one's
        template = part["template"].replace(part["prefix"], quote(_PREFIX))
        _last_body = (key, template, bool(part["figures"]))
    _, template, has_figures = _last_body
    return template.replace(quote(_PREFIX), quote(link_prefix)), has_figures


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _build_body(
    records: Sequence[RunRecord],
    link_prefix: str,
    run_dirs: Mapping[str, Path] | None,
    figures: bool,
    chart_dir: Path | None,
) -> tuple[str, bool]:
    sections = build_sections(records, link_prefix=link_prefix)
    parts = [
        _answers_html(records, link_prefix),
        _prices_html(records, link_prefix),
        _counterfactual_figure(records, run_dirs, link_prefix),
        '<h2 id="detail">The detail</h2>',
    ]
    if not sections:
        parts.append("<p>No run of this sweep recorded headline figures.</p>")
    salts = chart_salts(sections)
    for i, section in enumerate(sections):
        parts.append(f'<section id="{section.key}-{i}"><h3>{html.escape(section.title)}</h3>')
        if section.intro:
            parts.append(f"<p>{html.escape(section.intro)}</p>")
        if section.estimates:
            svg = _chart_svg(section, section.title, salts[i], chart_dir)
            if svg:
                parts.append(
                    f'<figure class="chart">{svg}<figcaption>{html.escape(section.title)}'
                    "</figcaption></figure>"
                )
            data = f"{FIGURES_DIR}/{section.key}-{i}.csv" if figures else ""
            parts.append(_estimate_rows(section, data_href=data))
        if section.table:
            parts.append(_plain_table(section.table))
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
    return "".join(parts), any(x.estimates for x in sections)


def figure_files(
    records: Sequence[RunRecord], *, link_prefix: str = "", cache_dir: Path | None = None
) -> dict[str, str]:
    """``{"figures/<section>-<i>.csv": csv text}`` for every section with figures, and
    ``figures.csv``: every headline figure of the sweep, one row each (estimate, interval,
    p-value, unit, period, run). Kept in ``cache_dir`` for the next sweep of the same records
    (:mod:`~sanctions_model.runner.page_cache`)."""
    from sanctions_model.runner.page_cache import part_key, stored

    def build() -> dict[str, Any]:  # links under the token, as the page's body (see _body)
        return {"prefix": quote(_PREFIX), "files": _figure_files(records, _PREFIX)}

    part = stored(cache_dir, part_key("figure-files", records), build)
    token, prefix = part["prefix"], quote(link_prefix)
    return {name: text.replace(token, prefix) for name, text in part["files"].items()}


def _figure_files(records: Sequence[RunRecord], link_prefix: str) -> dict[str, str]:
    files = {}
    every: list[str] = []
    for i, section in enumerate(build_sections(records, link_prefix=link_prefix)):
        if section.estimates:
            text = figure_csv(section)
            files[f"{FIGURES_DIR}/{section.key}-{i}.csv"] = text
            lines = text.splitlines(keepends=True)
            every += (["section," + lines[0]] if not every else []) + [
                f"{section.key}," + line for line in lines[1:]
            ]
    if every:
        files["figures.csv"] = "".join(every)
    from sanctions_model.reporting.answers import _flow, _runs

    for record in _runs(records, "02"):
        reporter, *rest = _flow(record)
        if reporter.startswith("EU27") and tuple(rest) == ("RU", "export", "TOTAL"):
            text = _series_csv(record.results)
            if text:
                files[COUNTERFACTUAL_CSV] = text
            break
    return files
