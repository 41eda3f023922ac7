"""HTML reports from executed notebooks, in-process with nbconvert, readable offline.

A report hides code unless asked, shows the run's parameters as a table in place of papermill's
injected cell, embeds figures (PNG as base64, as nbconvert does), carries a table of contents,
and requests nothing from the network when opened: the template (``templates/report.html.j2``)
leaves out require.js, MathJax, mermaid and widget scripts, and :func:`strip_remote_resources`
removes any remote ``src``/``href`` that notebook outputs bring. Absolute paths of the machine
are replaced with short placeholders.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

from sanctions_model.runner.records import write_shared_text

if TYPE_CHECKING:
    from sanctions_model.runner.records import RunRecord

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_FILE = "report.html.j2"

_REMOTE = r"""(?:https?:)?//"""
_REMOTE_TAG = re.compile(
    rf"""<(script|link|iframe|embed|object)\b[^>]*\b(?:src|href|data)\s*=\s*["']?{_REMOTE}[^>]*>(?:\s*</\1>)?""",
    re.IGNORECASE,
)
_REMOTE_ATTR = re.compile(
    rf"""\b(src|srcset|poster|background)\s*=\s*(["']){_REMOTE}[^"']*\2""", re.IGNORECASE
)
_REMOTE_CSS = re.compile(
    rf"""@import\s+url\(\s*["']?{_REMOTE}[^)]*\)\s*;?|url\(\s*["']?{_REMOTE}[^)]*\)""",
    re.IGNORECASE,
)
_HEADING = re.compile(r"<h([1-3])\s+id=\"([^\"]+)\"[^>]*>(.*?)</h\1>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


@lru_cache(maxsize=4)
def _exporter(show_code: bool) -> Any:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_template_basedirs=[str(TEMPLATES)],
        extra_template_paths=[str(TEMPLATES)],
        template_file=TEMPLATE_FILE,
    )
    exporter.exclude_input = not show_code
    exporter.exclude_input_prompt = not show_code
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    return exporter


def _format_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def parameter_table(
    resolved: Mapping[str, Any], overrides: Mapping[str, Any], help: Mapping[str, str] | None = None
) -> str:
    """An escaped HTML table of every parameter; overridden values in bold."""
    help = help or {}
    rows = []
    for name, value in resolved.items():
        cls = ' class="sm-overridden"' if name in overrides else ""
        rows.append(
            f"<tr{cls}><td>{html.escape(name)}</td>"
            f'<td class="sm-value">{html.escape(_format_value(value))}</td>'
            f"<td>{html.escape(help.get(name, ''))}</td></tr>"
        )
    body = "".join(rows) or '<tr><td colspan="3">(no parameters)</td></tr>'
    return (
        '<table class="sm-params"><thead><tr><th>Parameter</th><th>Value</th><th>Meaning</th>'
        f"</tr></thead><tbody>{body}</tbody></table>"
    )


def _with_parameter_table(nb: nbformat.NotebookNode, table: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source="")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/html": '<h2 id="Parameters">Parameters</h2>' + table}
        )
    ]
    cell.metadata["tags"] = ["sanctions-model-parameters"]
    cell.metadata["jupyter"] = {"source_hidden": True}
    cells = list(nb.cells)
    tags = [c.get("metadata", {}).get("tags", []) for c in cells]
    injected = next((i for i, t in enumerate(tags) if "injected-parameters" in t), None)
    declared = next((i for i, t in enumerate(tags) if "parameters" in t), None)
    if injected is not None:
        cells[injected] = cell
    elif declared is not None:
        cells.insert(declared + 1, cell)
    else:
        cells.insert(0, cell)
    nb = nbformat.NotebookNode(nb)
    nb.cells = cells
    return nb


def strip_remote_resources(text: str) -> str:
    """Remove tags and attributes that would fetch something from the network on open."""
    text = _REMOTE_TAG.sub("", text)
    text = _REMOTE_ATTR.sub(lambda m: f'data-removed-{m.group(1).lower()}=""', text)
    return _REMOTE_CSS.sub("", text)


def scrub_paths(text: str, paths: Mapping[str, str]) -> str:
    """Replace absolute paths of this machine (longest first) with placeholders."""
    for path, placeholder in sorted(paths.items(), key=lambda kv: -len(kv[0])):
        if len(path) > 1:
            text = text.replace(path, placeholder)
            escaped = html.escape(path)
            if escaped != path:
                text = text.replace(escaped, html.escape(placeholder))
    return text


def table_of_contents(text: str) -> str:
    """A ``<nav>`` listing the h1-h3 headings nbconvert gave ids to."""
    items = []
    for level, anchor, inner in _HEADING.findall(text):
        label = html.unescape(_TAGS.sub("", inner)).replace("¶", "").strip()
        if label:
            items.append(
                f'<li class="sm-toc-h{level}"><a href="#{html.escape(anchor)}">{html.escape(label)}</a></li>'
            )
    if not items:
        return ""
    return (
        '<nav class="sm-toc" aria-label="Contents"><strong>Contents</strong><ul>'
        + "".join(items)
        + "</ul></nav>"
    )


def _status_banner(record: RunRecord | None) -> str:
    if record is None or record.status == "ok":
        return ""
    error = record.error or {}
    where = f" in cell {error['cell_index']}" if error.get("cell_index") is not None else ""
    return (
        f'<div class="sm-status" role="alert"><strong>Run status: {html.escape(record.status)}</strong>'
        f"{html.escape(where)}: {html.escape(str(error.get('ename', '')))}: "
        f"{html.escape(str(error.get('evalue', '')))}</div>"
    )


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in str(cell.source).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def render_html(
    nb: nbformat.NotebookNode,
    *,
    record: RunRecord | None = None,
    show_code: bool = False,
    help: Mapping[str, str] | None = None,
    scrub: Mapping[str, str] | None = None,
    title: str | None = None,
) -> str:
    """The report's HTML as a string."""
    resolved = record.resolved if record else {}
    overrides = record.parameters if record else {}
    nb = _with_parameter_table(nb, parameter_table(resolved, overrides, help))
    name = title or _title(nb, record.name if record else "report")
    if record is not None and record.name and record.name not in name:
        name = f"{name} · {record.name}"
    body, _ = _exporter(show_code).from_notebook_node(nb, resources={"metadata": {"name": name}})
    toc = table_of_contents(body)
    footer = ""
    if record is not None:
        footer = (
            f'<footer class="sm-footer">Run {html.escape(record.name)} of {html.escape(record.notebook)}, '
            f"status {html.escape(record.status)}, {record.duration:.1f} s, finished "
            f"{html.escape(record.finished)}.</footer>"
        )
    body = body.replace("<main>", "<main>" + _status_banner(record) + toc, 1)
    body = body.replace("</main>", footer + "</main>", 1)
    body = strip_remote_resources(body)
    return scrub_paths(body, scrub or {})


def export_html(
    nb: nbformat.NotebookNode,
    target: str | Path,
    *,
    record: RunRecord | None = None,
    show_code: bool = False,
    help: Mapping[str, str] | None = None,
    scrub_paths: Mapping[str, str] | None = None,
) -> Path:
    """Write the report for ``nb`` to ``target`` atomically."""
    text = render_html(nb, record=record, show_code=show_code, help=help, scrub=scrub_paths)
    write_shared_text(target, text)
    return Path(target)
