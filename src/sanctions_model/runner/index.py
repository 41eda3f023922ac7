"""The sweep's pages, rebuilt from the run records every time.

``index.html`` is the findings page (:mod:`sanctions_model.runner.findings`): headline figures
and charts, a link to every report. ``runs.html`` is the run table: failures first, each with
its error; then the rest by name, headline numbers formatted for readers. ``index.csv`` holds the
same table for machines. Every value that came from parameters, data or error messages is
escaped. All files are written atomically, so what a reader sees always matches a complete set
of records.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sanctions_model.reporting import format as fmt
from sanctions_model.runner.cells import csv_cell, visible_controls  # noqa: F401 (re-exported)
from sanctions_model.runner.records import (
    REPORT_NAME,
    SUCCESS,
    RunRecord,
    read_record,
    write_shared_text,
)

MAX_HEADLINES = 8
RUNS_PAGE = "runs.html"

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; width: 100%; font-size: 90%; table-layout: auto; }
th, td { border: 1px solid #ccc; padding: .3em .5em; text-align: left; vertical-align: top; overflow-wrap: break-word; }
td.num { white-space: nowrap; }
ul.heads { margin: 0; padding-left: 1em; }
.banner { border: 2px solid #b36b00; background: #fff4e0; padding: .6em 1em; margin: 1em 0; }
@media print { table { font-size: 80%; } }
th { background: #f4f4f4; }
tr.status-failed, tr.status-timeout, tr.status-kernel_died, tr.status-interrupted { background: #fee; }
td.error { font-family: monospace; white-space: pre-wrap; max-width: 40em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.summary span { margin-right: 1.5em; }
"""


class _SafeWriter:
    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(c) for c in row])


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


def headlines(results: Any, limit: int | None = MAX_HEADLINES) -> dict[str, Any]:
    """A run's headline numbers: ``results["headline"]`` if a mapping, else top-level scalars
    (the first ``limit``; all with ``limit=None``)."""
    if not isinstance(results, dict):
        return {}
    source = results.get("headline") if isinstance(results.get("headline"), dict) else results
    out = {}
    for key, value in source.items():
        if isinstance(value, bool | int | float | str) or value is None:
            out[str(key)] = value
        if limit is not None and len(out) >= limit:
            break
    return out


_SIBLING = re.compile(r"_(lower|upper|p|p_value|p_ri|se|n_placebos|rank|inference|sentence)$")
_PRINTED = re.compile(r"_(interval_text|p_text)$")  # a figure's digits as its report printed them


def headline_columns(results: Any) -> dict[str, Any]:
    """Every headline figure of a run for ``index.csv``: ``result.<key>`` with, for a figure that
    has them, ``.lower``, ``.upper``, ``.p_value``, ``.unit`` and ``.period`` beside it."""
    if not isinstance(results, dict):
        return {}
    from sanctions_model.reporting.labels import unit_of

    out: dict[str, Any] = {}
    for key, value in results.items():
        if not (isinstance(value, bool | int | float | str) or value is None):
            continue
        key = str(key)
        if _SIBLING.search(key) and key.rsplit("_", 1)[0] in results:
            continue  # shown beside its figure
        if _PRINTED.search(key) and _PRINTED.sub("", key) in results:
            continue
        out[key] = value
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        prefix = "" if key in ("effect", "average_effect") else f"{key}_"
        lower = results.get(f"{prefix}lower" if prefix else "lower")
        upper = results.get(f"{prefix}upper" if prefix else "upper")
        p = next(
            (
                results.get(f"{prefix}{s}")
                for s in ("p_value", "p_ri", "p")
                if results.get(f"{prefix}{s}") is not None
            ),
            None,
        )
        if lower is None and upper is None and p is None:
            continue
        out[f"{key}.lower"] = lower
        out[f"{key}.upper"] = upper
        out[f"{key}.p_value"] = p
        out[f"{key}.unit"] = unit_of(key) or "number"
        period = results.get("post_period") if not prefix else results.get(f"{prefix}window")
        if isinstance(period, list | tuple) and len(period) == 2:
            period = f"{period[0]} to {period[1]}"
        out[f"{key}.period"] = period if isinstance(period, str) else ""
    return out


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in params.items())


def _params_readable(params: dict[str, Any]) -> str:
    """``exporter EU27, destination Armenia``: parameters in the registry's words."""
    from sanctions_model.reporting.labels import param_label, param_value

    return "; ".join(f"{param_label(k)} {param_value(k, v)}" for k, v in params.items())


def label(key: str) -> str:
    from sanctions_model.reporting.labels import label as plain_label

    return plain_label(key)


def headline_text(key: str, value: Any) -> str:
    """A headline value for readers, formatted by what its key says it is."""
    if isinstance(value, str) and (
        key in ("deflator", "donor_rule") or key.endswith(("_deflator", "_donor_rule"))
    ):
        from sanctions_model.reporting.labels import param_value

        # a registry name (hicp_ea, no_fuel) in words
        return param_value(key.rsplit("_", 1)[-1] if "deflator" in key else "donor_rule", value)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return value if isinstance(value, str) else _fmt(value)
    name = key.lower()
    if fmt.is_p_name(name):
        return fmt.p_cell(value)
    if "ratio" in name or "/" in name:
        return fmt.ratio(value)
    if name.startswith(("did", "ppml", "gravity")) or "log" in name or "did" in name:
        return fmt.number(value, 3)
    if name in ("effect", "lower", "upper") or "effect" in name:
        return fmt.pct(value)
    return fmt.compact(value)


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
    """The run table (``runs.html``); ``link_prefix`` is prepended to each run's link."""
    records = ordered(records)
    counts: dict[str, int] = {}
    for r in records:
        counts[r.status] = counts.get(r.status, 0) + 1
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
        cells = (
            '<td><ul class="heads">'
            + "".join(
                f"<li>{html.escape(label(k))}: {html.escape(headline_text(k, v))}</li>"
                for k, v in heads.items()
                if not (k == "deflator_label" and "deflator" in heads)  # the same, in words
            )
            + "</ul></td>"
        )
        rows.append(
            f'<tr class="status-{html.escape(r.status)}"><td>{html.escape(r.status)}</td><td>{name_cell}</td>'
            f"<td>{html.escape(r.notebook)}</td><td>{html.escape(_params_readable(r.parameters))}</td>"
            f'<td class="num">{r.duration:,.0f}</td>{cells}<td class="error">{html.escape(_error_text(r))}</td></tr>'
        )
    summary = "".join(f"<span>{html.escape(k)}: {v}</span>" for k, v in sorted(counts.items()))
    head_th = "<th>Headline</th>"
    return visible_controls(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{html.escape(title)}</h1><p><a href="index.html">Findings</a></p>'
        f"{f'<div class=banner>{note}</div>' if note else ''}"
        f'<p class="summary"><span>runs: {len(records)}</span>{summary}</p>'
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
        head_keys += [k for k in headline_columns(r.results) if k not in head_keys]
    buf = io.StringIO()
    writer = _SafeWriter(csv.writer(buf))
    writer.writerow(
        ["name", "notebook", "status", "duration_s", "started", "finished", "error", "report"]
        + [f"param.{k}" for k in param_keys]
        + [f"result.{k}" for k in head_keys]
    )
    for r in records:
        values = r.resolved or r.parameters
        heads = headline_columns(r.results)
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
            + [_fmt(heads[k]) if k in heads and heads[k] is not None else "" for k in head_keys]
        )
    return buf.getvalue()


def write_index(
    sweep_dir: str | Path,
    *,
    title: str,
    target_dir: str | Path | None = None,
    link_prefix: str = "",
    note: str = "",
    chart_dir: str | Path | None = None,
) -> list[RunRecord]:
    """Rebuild ``index.html`` (findings), ``runs.html`` and ``index.csv`` from ``sweep_dir``'s records.

    Written into ``target_dir`` (default ``sweep_dir``) with links prefixed by ``link_prefix``.
    ``note`` (trusted HTML, e.g. a banner naming a newer failed sweep) is shown prominently on
    both pages. Charts are kept in ``chart_dir`` (default: ``.charts`` beside ``sweep_dir``, i.e.
    in the sweep's root, shared by its timestamp folders; see :mod:`sanctions_model.runner.charts`).
    """
    from sanctions_model.runner.charts import CHART_DIR
    from sanctions_model.runner.findings import render_findings_html

    records = collect_records(sweep_dir)
    target = Path(target_dir or sweep_dir)
    write_shared_text(target / "index.csv", render_index_csv(records, link_prefix=link_prefix))
    write_shared_text(
        target / RUNS_PAGE,
        render_index_html(
            records,
            title=f"All runs of the {title[0].lower()}{title[1:]}" if title else "All runs",
            link_prefix=link_prefix,
            note=note,
        ),
    )
    version, digest = _provenance(Path(sweep_dir))
    from sanctions_model.runner.findings import figure_files
    from sanctions_model.runner.methods import METHODS_PAGE, render_methods_html

    charts = Path(chart_dir) if chart_dir else Path(sweep_dir).resolve().parent / CHART_DIR
    files = figure_files(ordered(records), link_prefix=link_prefix, cache_dir=charts)
    for name, text in files.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        write_shared_text(target / name, text)
    stale = [*(target / "figures").glob("*.csv"), target / "figures.csv"]
    for path in stale:  # an earlier sweep's figures: not this page's data
        if path.is_file() and path.relative_to(target).as_posix() not in files:
            path.unlink(missing_ok=True)
    write_shared_text(
        target / METHODS_PAGE, visible_controls(render_methods_html(records, cache_dir=charts))
    )
    page = render_findings_html(
        ordered(records),
        title=title,
        link_prefix=link_prefix,
        note=note,
        stamp=Path(sweep_dir).resolve().name,
        package_version=version,
        data_digest=digest,
        runs_page=RUNS_PAGE,
        run_dirs={r.name: Path(sweep_dir) / r.name for r in records},
        figures=True,
        chart_dir=charts,
    )
    write_shared_text(target / "index.html", visible_controls(page))
    return records


def _provenance(sweep_dir: Path) -> tuple[str, str]:
    """Package version and data-manifest digest: from ``sweep.json`` if it records them, else now."""
    try:
        info = json.loads((sweep_dir / "sweep.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = {}
    info = info if isinstance(info, dict) else {}
    version = info.get("package_version")
    digest = info.get("data_digest")
    if not isinstance(version, str):
        from sanctions_model import __version__ as version
    if not isinstance(digest, str):
        try:
            from sanctions_model.runner.verdicts import manifest_digest  # the data package's
            # digest, without importing it (pandas): the sweep's own index is written before
            # its sweep.json

            digest = str(manifest_digest())
        except Exception:  # provenance is shown when available; a page without it still renders
            digest = ""
    return version, digest
