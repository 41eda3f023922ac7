"""What a finished sweep leaves behind, for people who were not watching it.

Under ``<root>/<sweep name>/``:

``<timestamp>/sweep.json``
    The summary (:func:`summary`): counts by status, every run that did not succeed with its
    first error line, where the index is. ``--notify CMD`` gets the same JSON on stdin.
``latest``
    Symlink to the newest sweep, whatever happened in it.
``latest-ok``
    Symlink to the newest sweep in which every run succeeded (``ok`` or ``cached``).
``index.html``
    The results of ``latest-ok``. When the newest sweep failed, a banner at the top names it and
    links its own index, so a failed night never replaces the last good results on the page.

``--keep N`` deletes all but the N newest timestamp folders, never the targets of ``latest`` or
``latest-ok`` (cached runs are hard links or copies, so no kept run depends on a deleted folder).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sanctions_model.runner.progress import first_error_line, timestamp
from sanctions_model.runner.records import SUCCESS, RunRecord

LATEST = "latest"
LATEST_OK = "latest-ok"
NOTIFY_ON = ("failure", "success", "always")
NOTIFY_TIMEOUT = 300
_STAMP = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")


def timestamp_dirs(root: Path) -> list[Path]:
    """Earlier sweep outputs under ``root``, newest first."""
    if not root.is_dir():
        return []
    return sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and _STAMP.match(p.name)),
        reverse=True,
    )


def summary(
    name: str,
    source: str,
    stamp_dir: Path,
    records: Sequence[RunRecord],
    *,
    total: int,
    interrupted: int | None,
    root: Path,
) -> dict[str, Any]:
    """The sweep's summary: what ``sweep.json`` holds and ``--notify`` receives."""
    failed = [r for r in records if r.status not in SUCCESS]
    return {
        "name": name,
        "source": source,
        "timestamp": stamp_dir.name,
        "runs": total,
        "ok": not failed and interrupted is None,
        "statuses": {
            s: sum(r.status == s for r in records) for s in sorted({r.status for r in records})
        },
        "interrupted": interrupted,
        "failed": [
            {
                "name": r.name,
                "notebook": r.notebook,
                "status": r.status,
                "error": first_error_line(r),
                "report": f"{stamp_dir.name}/{r.name}/report.html",
            }
            for r in sorted(failed, key=lambda r: r.name)
        ],
        "output": str(stamp_dir),
        "index": str(root / "index.html"),
        **provenance(),
    }


def provenance() -> dict[str, str]:
    """What the runs were computed with: package version and source hash, data manifest hash."""
    from sanctions_model import __version__
    from sanctions_model.runner.cache import package_digest

    out = {"package_version": __version__, "package_digest": package_digest()}
    try:
        from sanctions_model.runner.verdicts import manifest_digest  # no pandas import

        out["data_digest"] = manifest_digest()
    except (
        Exception
    ):  # provenance is shown when available; the sweep's outcome does not depend on it
        pass
    return out


def summary_lines(info: dict[str, Any]) -> list[str]:
    """The closing lines on stderr: counts, then one line per run that did not succeed."""
    counts = ", ".join(f"{n} {s}" for s, n in info["statuses"].items()) or "nothing ran"
    head = f"{timestamp()} sweep {info['name']} {info['timestamp']}: {info['runs']} runs ({counts})"
    if info["interrupted"] is not None:
        head += f"; stopped by signal {info['interrupted']}"
    lines = [f"{head}; index: {info['index']}"]
    for run in info["failed"]:
        error = f": {run['error']}" if run["error"] else ""
        lines.append(
            f"{timestamp()}   {run['status'].upper()} {run['name']} ({run['notebook']}){error}"
        )
    return lines


def _link(root: Path, name: str, target: Path) -> None:
    tmp = root / f".{name}.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target.name, tmp)
    os.replace(tmp, root / name)


def target_of(root: Path, name: str) -> Path | None:
    link = root / name
    if not link.is_symlink():
        return None
    target = (root / os.readlink(link)).resolve()
    return target if target.is_dir() else None


def update_links(root: Path, stamp_dir: Path, ok: bool) -> None:
    """Point ``latest`` at ``stamp_dir``, and ``latest-ok`` too when every run succeeded."""
    _link(root, LATEST, stamp_dir)
    if ok:
        _link(root, LATEST_OK, stamp_dir)


def root_index(root: Path, stamp_dir: Path, ok: bool) -> tuple[Path, str]:
    """(sweep folder whose results the root ``index.html`` shows, the HTML note above them)."""
    history = [h for h in timestamp_dirs(root) if (h / "index.html").is_file()][:20]
    links = " ".join(
        f'<a href="{html.escape(h.name)}/index.html">{html.escape(h.name)}</a>' for h in history
    )
    good = stamp_dir if ok else target_of(root, LATEST_OK)
    if good is None:
        shown = stamp_dir
        banner = (
            f'<p class="sm-banner sm-failed">No sweep has succeeded completely yet: the newest, '
            f"{html.escape(stamp_dir.name)}, is shown with its failures.</p>"
        )
    elif good == stamp_dir:
        shown, banner = stamp_dir, ""
    else:
        shown = good
        banner = (
            f'<p class="sm-banner sm-failed">The newest sweep, <a href="{html.escape(stamp_dir.name)}'
            f'/index.html">{html.escape(stamp_dir.name)}</a>, did not succeed; shown here are the '
            f"results of {html.escape(good.name)}, the last sweep in which every run succeeded.</p>"
        )
    note = f"{banner}<p>Results of sweep {html.escape(shown.name)}. History: {links}</p>"
    return shown, note


def prune(root: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest sweep folders, never ``latest``/``latest-ok``'s targets."""
    protected = {t for t in (target_of(root, LATEST), target_of(root, LATEST_OK)) if t}
    removed = []
    for old in timestamp_dirs(root)[keep:]:
        if old.resolve() in protected:
            continue
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old)
    return removed


def should_notify(notify_on: str, ok: bool) -> bool:
    return notify_on == "always" or (notify_on == "failure") != ok


def notify(command: str, info: dict[str, Any], stream: Any) -> int:
    """Run ``command`` (a shell command line) with the summary JSON on stdin; its exit status.

    A notification that fails is reported on ``stream`` and never changes the sweep's status.
    """
    try:
        proc = subprocess.run(  # noqa: S602 - the user's own command line, as cron would run it
            command,
            shell=True,
            input=json.dumps(info, indent=2) + "\n",
            text=True,
            timeout=NOTIFY_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        print(
            f"{timestamp()} notify: {command!r} did not finish in {NOTIFY_TIMEOUT} s", file=stream
        )
        return -1
    except OSError as exc:
        print(f"{timestamp()} notify: {command!r} could not start: {exc}", file=stream)
        return -1
    if proc.returncode != 0:
        print(f"{timestamp()} notify: {command!r} exited {proc.returncode}", file=stream)
    return proc.returncode


# -- publishing a sweep --------------------------------------------------------------------------


def publish_sweep(
    root: Path,
    stamp_dir: Path,
    *,
    title: str,
    name: str,
    source: str,
    total: int,
    records: Sequence[RunRecord],
    interrupted: int | None,
) -> tuple[list[RunRecord], dict[str, Any]]:
    """Write the sweep's ``index.*`` and ``sweep.json``, then move ``latest`` (and ``latest-ok``
    when every run succeeded) and rewrite the root index; all from the ``run.json`` files on disk,
    so they agree. Called only after the sweep's executor ran (see :func:`.sweep.run_sweep`).

    Returns the records as read back from disk and the summary.
    """
    from sanctions_model.runner.index import write_index  # matplotlib: only when a sweep ends
    from sanctions_model.runner.records import write_shared_text

    on_disk = {r.name: r for r in write_index(stamp_dir, title=f"{title} ({stamp_dir.name})")}
    records = [on_disk.get(r.name, r) for r in records]
    info = summary(
        name, source, stamp_dir, records, total=total, interrupted=interrupted, root=root
    )
    # the published record holds no machine paths (they stay in the notification and on stderr)
    published = {**info, "output": stamp_dir.name, "index": "../index.html"}
    write_shared_text(stamp_dir / "sweep.json", json.dumps(published, indent=2))
    update_links(root, stamp_dir, info["ok"])
    shown, note = root_index(root, stamp_dir, info["ok"])
    write_index(shown, title=title, target_dir=root, link_prefix=f"{shown.name}/", note=note)
    return records, info
