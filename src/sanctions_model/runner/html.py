"""HTML reports from executed notebooks, in-process with nbconvert, readable offline.

A report hides code unless asked, shows the run's parameters as a table in place of papermill's
injected cell, embeds figures (PNG as base64, as nbconvert does), carries a table of contents,
and requests nothing from the network when opened: the template (``templates/report.html.j2``)
leaves out require.js, MathJax, mermaid and widget scripts, and :func:`strip_remote_resources`
removes any remote ``src``/``href`` that notebook outputs bring. Absolute paths of the machine
are replaced with short placeholders.

A reader sees no stderr, warning block or traceback: :func:`clean_outputs` takes them out of the
notebook and lists them, without machine paths, as caveats in a "Notes on this run" section at
the end (with the notes the notebook recorded itself under ``run_notes`` in results.json, see
:func:`sanctions_model.reporting.setup_report`). A cell whose value is a Python string shows the
text, not its repr with quotes and ``\\n``.
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


def template_cache_dir() -> Path | None:
    """Where compiled report templates are kept: ``jinja`` beside the table cache
    (``$SANCTIONS_MODEL_TABLE_CACHE/jinja``), else ``$XDG_CACHE_HOME/sanctions-model/jinja``
    (``~/.cache`` without XDG_CACHE_HOME); None when the table cache is ``off``."""
    from sanctions_model._io import beside_table_cache

    return beside_table_cache("jinja")


def _bytecode_cache() -> Any:
    """Jinja's on-disk cache of compiled templates (0.05 s of each process's first report); keyed
    by each template's name and source, written to a temporary file and renamed."""
    from jinja2 import FileSystemBytecodeCache

    folder = template_cache_dir()
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder))


@lru_cache(maxsize=1)
def _exporter_class() -> type:
    from sanctions_model.runner._nbconvert import html_exporter_class

    class ReportExporter(html_exporter_class()):
        """nbconvert's HTML exporter (without CSS selectors, see :mod:`._nbconvert`) with its
        compiled templates cached on disk."""

        def _create_environment(self) -> Any:
            environment = super()._create_environment()
            environment.bytecode_cache = _bytecode_cache()
            return environment

    return ReportExporter


@lru_cache(maxsize=4)
def _exporter(show_code: bool) -> Any:
    exporter = _exporter_class()(
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


_WARNING_LINE = re.compile(r"^(?:.*?:\d+: )?(\w*(?:Warning|Error)\b.*)$")
_MAX_NOTES = 20


def _note_from_stderr(text: str) -> list[str]:
    """Short sentences from a stderr stream: ``RuntimeWarning: ...`` without the source path."""
    notes = []
    for line in text.splitlines():
        if not line.strip() or line.startswith((" ", "\t")):
            continue  # the source line Python prints under a warning
        match = _WARNING_LINE.match(line.strip())
        notes.append(match.group(1) if match else _TAGS.sub("", line.strip()))
    return notes


def _plain_string(output: Mapping[str, Any]) -> str | None:
    """The text of an output that is only the repr of a Python ``str``, else None."""
    import ast

    data = output.get("data", {})
    kind = output.get("output_type")
    if kind not in ("execute_result", "display_data") or set(data) != {"text/plain"}:
        return None
    text = str(data["text/plain"]).strip()
    if len(text) < 2 or text[0] not in "'\"" or text[-1] != text[0]:
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def _text_html(text: str) -> str:
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "".join(
        f"<p class='sm-text'>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs
    )


CHART_PREFIX = "Chart: "  # sanctions_model.reporting.display.FIGURE_PREFIX


def _titled_image(output: dict[str, Any]) -> None:
    """A PNG chart whose plain text names its title (``Chart: ...``) gets it as alt text."""
    data = output.get("data") or {}
    plain = str(data.get("text/plain", ""))
    png = data.get("image/png")
    if not png or "text/html" in data or not plain.startswith(CHART_PREFIX):
        return
    title = plain[len(CHART_PREFIX) :].strip()
    b64 = "".join(str(png).split())
    data["text/html"] = (
        f'<img class="sm-chart" src="data:image/png;base64,{b64}" alt="{html.escape(title)}">'
    )


def _safe_markdown_output(output: dict[str, Any]) -> None:
    """A ``Markdown(...)`` output carries values from data: render it inert (no raw HTML, no
    ``javascript:`` link), see :mod:`sanctions_model.reporting.markdown`."""
    data = output.get("data") or {}
    if "text/markdown" in data:
        from sanctions_model.reporting.markdown import safe_markdown

        text = data["text/markdown"]
        data["text/markdown"] = safe_markdown("".join(text) if isinstance(text, list) else text)


_UNSAFE_LINK = re.compile(
    r"""\b(href|src|xlink:href|action|formaction)\s*=\s*(["']?)\s*"""
    r"""(?:javascript|vbscript|data:text/html)[^"'\s>]*\2""",
    re.IGNORECASE,
)


def strip_script_links(text: str) -> str:
    """``href="javascript:..."`` and the like become ``href="#"`` (a second line of defence)."""
    return _UNSAFE_LINK.sub(lambda m: f'{m.group(1)}="#"', text)


def clean_outputs(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[str]]:
    """The notebook without stderr streams, warnings and tracebacks, and the notes they give.

    String reprs become text. Returns a copy; ``nb`` is not changed.
    """
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    notes: list[str] = []
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream" and output.get("name") == "stderr":
                notes += _note_from_stderr(str(output.get("text", "")))
                continue
            if kind == "error":
                notes.append(
                    f"Cell {index} stopped with {output.get('ename', 'an error')}: "
                    f"{str(output.get('evalue', '')).splitlines()[0] if output.get('evalue') else ''}"
                )
                continue
            _titled_image(output)
            _safe_markdown_output(output)
            text = _plain_string(output)
            if text is not None:
                output = nbformat.v4.new_output(
                    "display_data", data={"text/html": _text_html(text), "text/plain": text}
                )
            kept.append(output)
        cell["outputs"] = kept
    return nb, notes


def notes_section(notes: list[str]) -> str:
    """``<section>`` "Notes on this run" listing each distinct note once (empty if none)."""
    distinct = list(dict.fromkeys(n.strip() for n in notes if n and n.strip()))
    if not distinct:
        return ""
    shown = distinct[:_MAX_NOTES]
    more = len(distinct) - len(shown)
    items = "".join(f"<li>{html.escape(n)}</li>" for n in shown)
    if more:
        items += f"<li>and {more} more (see notebook.ipynb beside this report)</li>"
    return (
        '<section class="sm-notes"><h2 id="Notes-on-this-run">Notes on this run</h2>'
        "<p>Warnings and messages the run produced; they are caveats on the figures above, "
        f"not errors.</p><ul>{items}</ul></section>"
    )


def strip_remote_resources(text: str) -> str:
    """Remove tags and attributes that would fetch something from the network on open."""
    text = _REMOTE_TAG.sub("", text)
    text = _REMOTE_ATTR.sub(lambda m: f'data-removed-{m.group(1).lower()}=""', text)
    return _REMOTE_CSS.sub("", text)


_ANSI_END = re.compile(r"\x1b\[[0-9;]*m$")


def _path_pattern(path: str) -> re.Pattern[str]:
    # A path ends where a name cannot go on: /x/project must not match in /x/project_out or
    # /x/project.txt (but does before "/", a quote, a space, ":" or a sentence's final ".").
    return re.compile(re.escape(path) + r"(?![\w-]|\.[\w-])")


def scrub_paths(text: str, paths: Mapping[str, str], *, html_text: bool = False) -> str:
    """Replace absolute paths of this machine (longest first) with placeholders.

    Only whole paths are replaced: the match must not run on into a longer name, nor start in
    the middle of one (an ANSI colour code just before it is fine). With ``html_text=True`` the
    text is HTML and the placeholder goes in escaped (``&lt;project&gt;``), so a browser shows it
    instead of taking ``<project>`` for an element.
    """
    for path, placeholder in sorted(paths.items(), key=lambda kv: -len(kv[0])):
        if len(path) <= 1:
            continue
        shown = html.escape(placeholder) if html_text else placeholder
        forms = [(path, shown)]
        if html.escape(path) != path:  # a path with & or quotes, as HTML shows it
            forms.append((html.escape(path), html.escape(placeholder)))
        for form, replacement in forms:
            if form not in text:
                continue

            def swap(match: re.Match[str], replacement: str = replacement) -> str:
                before = match.string[max(0, match.start() - 1) : match.start()]
                if before and (before.isalnum() or before in "_.-~"):
                    if not _ANSI_END.search(
                        match.string[max(0, match.start() - 16) : match.start()]
                    ):
                        return match.group(0)
                return replacement

            text = _path_pattern(form).sub(swap, text)
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
    nb, notes = clean_outputs(nb)
    recorded = (
        record.results.get("run_notes") if record and isinstance(record.results, dict) else None
    )
    if isinstance(recorded, list):
        notes = [str(n) for n in recorded if isinstance(n, str)] + notes
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
    body = body.replace("</main>", notes_section(notes) + footer + "</main>", 1)
    body = strip_script_links(strip_remote_resources(body))
    return scrub_paths(body, scrub or {}, html_text=True)


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
