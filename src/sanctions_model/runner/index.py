"""The sweep's ``index.html`` and ``index.csv``, rebuilt from the run records every time.

Failures come first, each with its error; then the rest by name. Every value that came from
parameters, data or error messages is escaped. Both files are written atomically, so the index a
reader sees always matches a complete set of records.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sanctions_model.runner.records import (
    REPORT_NAME,
    SUCCESS,
    RunRecord,
    read_record,
    write_shared_text,
)

MAX_HEADLINES = 8

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; width: 100%; font-size: 90%; }
th, td { border: 1px solid #ccc; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
tr.status-failed, tr.status-timeout, tr.status-kernel_died, tr.status-interrupted { background: #fee; }
td.error { font-family: monospace; white-space: pre-wrap; max-width: 40em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.summary span { margin-right: 1.5em; }
"""


def collect_records(sweep_dir: str | Path) -> list[RunRecord]:
    """Every readable ``*/run.json`` directly under ``sweep_dir``."""
    records = []
    for child in sorted(Path(sweep_dir).iterdir()):
        if child.is_dir() and not child.name.startswith("."):
            record = read_record(child)
            if record is not None:
                records.append(record)
    return records


def ordered(records: Iterable[RunRecord]) -> list[RunRecord]:
    """Failures first, then successes; by name within each."""
    return sorted(records, key=lambda r: (r.status in SUCCESS, r.name))


def headlines(results: Any) -> dict[str, Any]:
    """A run's headline numbers: ``results["headline"]`` if a mapping, else top-level scalars."""
    if not isinstance(results, dict):
        return {}
    source = results.get("headline") if isinstance(results.get("headline"), dict) else results
    out = {}
    for key, value in source.items():
        if isinstance(value, bool | int | float | str) or value is None:
            out[str(key)] = value
        if len(out) >= MAX_HEADLINES:
            break
    return out


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in params.items())


def _error_text(record: RunRecord) -> str:
    if not record.error or record.status in SUCCESS:
        return ""
    e = record.error
    cell = f"cell {e['cell_index']}: " if e.get("cell_index") is not None else ""
    return f"{cell}{e.get('ename', '')}: {e.get('evalue', '')}"


def render_index_html(
    records: Sequence[RunRecord],
    *,
    title: str,
    link_prefix: str = "",
    run_dirs: dict[str, Path] | None = None,
    note: str = "",
) -> str:
    """The index page. ``link_prefix`` is prepended to each run's relative link (e.g. a timestamp)."""
    records = ordered(records)
    counts: dict[str, int] = {}
    for r in records:
        counts[r.status] = counts.get(r.status, 0) + 1
    head_keys: list[str] = []
    for r in records:
        for key in headlines(r.results):
            if key not in head_keys:
                head_keys.append(key)
    head_keys = head_keys[:MAX_HEADLINES]
    rows = []
    for r in records:
        target = REPORT_NAME if REPORT_NAME in r.files else ("run.json" if r.files else "")
        link = quote(f"{link_prefix}{r.name}/{target}")
        name_cell = (
            f'<a href="{html.escape(link)}">{html.escape(r.name)}</a>'
            if target
            else html.escape(r.name)
        )
        heads = headlines(r.results)
        cells = "".join(
            f'<td class="num">{html.escape(_fmt(heads[k]))}</td>' if k in heads else "<td></td>"
            for k in head_keys
        )
        rows.append(
            f'<tr class="status-{html.escape(r.status)}"><td>{html.escape(r.status)}</td><td>{name_cell}</td>'
            f"<td>{html.escape(r.notebook)}</td><td>{html.escape(_params_text(r.parameters))}</td>"
            f'<td class="num">{r.duration:.1f}</td>{cells}<td class="error">{html.escape(_error_text(r))}</td></tr>'
        )
    summary = "".join(f"<span>{html.escape(k)}: {v}</span>" for k, v in sorted(counts.items()))
    head_th = "".join(f"<th>{html.escape(k)}</th>" for k in head_keys)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{html.escape(title)}</h1>{note}<p class="summary"><span>runs: {len(records)}</span>{summary}</p>'
        '<table id="runs"><thead><tr><th>Status</th><th>Run</th><th>Notebook</th><th>Parameters</th>'
        f"<th>Seconds</th>{head_th}<th>Error</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "</body></html>\n"
    )


def render_index_csv(records: Sequence[RunRecord], *, link_prefix: str = "") -> str:
    records = ordered(records)
    param_keys: list[str] = []
    head_keys: list[str] = []
    for r in records:
        param_keys += [k for k in r.resolved or r.parameters if k not in param_keys]
        head_keys += [k for k in headlines(r.results) if k not in head_keys]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(
        ["name", "notebook", "status", "duration_s", "started", "finished", "error", "report"]
        + [f"param.{k}" for k in param_keys]
        + [f"result.{k}" for k in head_keys]
    )
    for r in records:
        values = r.resolved or r.parameters
        heads = headlines(r.results)
        report = f"{link_prefix}{r.name}/{REPORT_NAME}" if REPORT_NAME in r.files else ""
        writer.writerow(
            [
                r.name,
                r.notebook,
                r.status,
                f"{r.duration:.3f}",
                r.started,
                r.finished,
                _error_text(r),
                report,
            ]
            + [_fmt(values[k]) if k in values else "" for k in param_keys]
            + [_fmt(heads[k]) if k in heads else "" for k in head_keys]
        )
    return buf.getvalue()


def write_index(
    sweep_dir: str | Path,
    *,
    title: str,
    target_dir: str | Path | None = None,
    link_prefix: str = "",
    note: str = "",
) -> list[RunRecord]:
    """Rebuild ``index.html`` and ``index.csv`` from the records under ``sweep_dir``.

    Written into ``target_dir`` (default ``sweep_dir``) with links prefixed by ``link_prefix``.
    """
    records = collect_records(sweep_dir)
    target = Path(target_dir or sweep_dir)
    write_shared_text(target / "index.csv", render_index_csv(records, link_prefix=link_prefix))
    write_shared_text(
        target / "index.html",
        render_index_html(records, title=title, link_prefix=link_prefix, note=note),
    )
    return records
