"""Issue 16, stopping a sweep (points 6 and 13c).

- SIGINT or SIGTERM: no run starts after the signal, the sweep exits promptly with 128+N, no
  process it started is left, and ``sweep.json``, ``index.csv`` and every ``run.json`` agree.
- ``kill -9`` of the sweep: its pool workers die with it (parent-death signal and a watch on the
  sweep's pid) and publish nothing without the lock; the staging folders they leave are removed by
  the next sweep, and the history never links the killed sweep's missing index.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sanctions_model.runner.records import read_record

from .conftest import NOTEBOOKS, write_sweep

CLI = [sys.executable, "-m", "sanctions_model.runner.cli"]


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children[ppid].append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _running(root: Path) -> list[Path]:
    return list(root.glob("s/*/.*.staging/notebook.ipynb"))


def _start(tmp_path: Path, seconds: list[float]) -> tuple[subprocess.Popen, Path]:
    sweep = write_sweep(
        tmp_path / "s.yaml",
        f"name: s\nnotebooks: [{NOTEBOOKS}/sleeps.ipynb]\nproduct: {{seconds: {seconds}}}\n",
    )
    root = tmp_path / "out"
    # output to a file, not a pipe: a pipe stays open while any process that inherited it lives
    log = open(tmp_path / "sweep.log", "w+", encoding="utf-8")  # noqa: SIM115 - closed by the OS
    proc = subprocess.Popen(
        [*CLI, "sweep", str(sweep), "--output-root", str(root), "--workers", "2", "--quiet"],
        cwd=tmp_path, stdout=log, stderr=log, text=True,
    )  # fmt: skip
    assert _wait_for(lambda: len(_running(root)) >= 2, 120), proc.poll()
    time.sleep(0.3)  # both kernels are executing
    return proc, root


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_stop_starts_nothing_more_and_records_agree(tmp_path, kernel, signum):
    proc, root = _start(tmp_path, [4.0, 4.1, 4.2, 4.3, 4.4, 4.5])
    tree = _descendants(proc.pid)
    signalled = dt.datetime.now(dt.UTC)
    t0 = time.monotonic()
    proc.send_signal(signum)
    proc.wait(timeout=60)
    took = time.monotonic() - t0
    err = (tmp_path / "sweep.log").read_text(encoding="utf-8")
    assert proc.returncode == 128 + signum, err
    assert took < 15, took  # was 48 s: queued runs kept starting
    assert "Traceback" not in err, err
    assert _wait_for(lambda: not _alive(tree), 10), _alive(tree)
    stamp = (root / "s" / "latest").resolve()
    records = {d.name: read_record(d) for d in stamp.iterdir() if d.is_dir()}
    assert len(records) == 6 and all(records.values())
    for record in records.values():  # nothing started after the signal (1 s: timestamps' rounding)
        if record.started:
            started = dt.datetime.fromisoformat(record.started)
            assert started <= signalled + dt.timedelta(seconds=1), (record.name, record.started)
    statuses = collections.Counter(r.status for r in records.values())
    assert statuses["interrupted"] >= 4 and statuses["ok"] == 0, statuses
    with open(stamp / "index.csv", newline="", encoding="utf-8") as fh:
        csv_statuses = collections.Counter(row["status"] for row in csv.DictReader(fh))
    summary = json.loads((stamp / "sweep.json").read_text())
    assert csv_statuses == statuses
    assert collections.Counter(summary["statuses"]) == statuses
    assert not list(stamp.glob(".*.staging"))


@pytest.mark.slow
def test_kill_9_leaves_no_worker_publishing_and_next_sweep_cleans_up(tmp_path, kernel):
    proc, root = _start(tmp_path, [5.0, 5.1, 5.2, 5.3])
    tree = _descendants(proc.pid)
    assert len(tree) >= 3  # fork server and two workers, and their kernels
    proc.kill()
    proc.wait(timeout=30)
    # workers die with the sweep (not after minutes), and their kernels follow
    assert _wait_for(lambda: not _alive(tree), 10), _alive(tree)
    [killed] = [p for p in (root / "s").iterdir() if p.name[:1].isdigit()]
    time.sleep(6)  # longer than a run: a surviving worker would have published by now
    assert not list(killed.glob("*/run.json")), list(killed.iterdir())
    left = list(killed.glob(".*.staging"))
    assert left  # what the killed workers were building
    # the next sweep on the same folder removes them, and links only indexes that exist
    sweep = write_sweep(
        tmp_path / "ok.yaml", f"name: s\nnotebooks: [{NOTEBOOKS}/ok.ipynb]\nruns: [{{n: 1}}]\n"
    )
    done = subprocess.run(
        [*CLI, "sweep", str(sweep), "--output-root", str(root), "--quiet"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not list(killed.glob(".*.staging"))
    assert not (killed / "index.html").exists()
    for page in (root / "s").glob("*.html"):
        assert f"{killed.name}/index.html" not in page.read_text(encoding="utf-8"), page.name
    assert (root / "s" / "latest").resolve().name != killed.name
