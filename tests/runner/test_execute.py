"""One run: atomic publication, the dask executor."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from sanctions_model.runner.cli import main
from sanctions_model.runner.records import read_record
from sanctions_model.runner.sweep import run_sweep

from .conftest import NOTEBOOKS, write_sweep


@pytest.mark.slow
def test_killed_run_leaves_previous_report_intact(tmp_path, kernel):
    out = tmp_path / "run"
    assert main(["run", str(NOTEBOOKS / "ok.ipynb"), "-p", "n", "2", "--output-dir", str(out)]) == 0
    good = (out / "report.html").read_bytes()
    assert read_record(out).status == "ok"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sanctions_model.runner.cli",
            "run",
            str(NOTEBOOKS / "sleeps.ipynb"),
            "--output-dir",
            str(out),
        ],
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not list(tmp_path.glob(".*.staging/notebook.ipynb")):
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert (out / "report.html").read_bytes() == good
    assert read_record(out).status == "ok"
    assert sorted(p.name for p in out.iterdir()) == [
        "notebook.ipynb",
        "report.html",
        "results.json",
        "run.json",
    ]


@pytest.mark.slow
def test_run_cli_show_code_and_timeout(tmp_path, kernel):
    out = tmp_path / "r"
    assert main(["run", str(NOTEBOOKS / "ok.ipynb"), "--show-code", "--output-dir", str(out)]) == 0
    assert "print" in (out / "report.html").read_text()
    assert (
        main(["run", str(NOTEBOOKS / "sleeps.ipynb"), "--timeout", "1", "--output-dir", str(out)])
        == 1
    )
    assert read_record(out).status == "timeout"


@pytest.mark.slow
def test_dask_executor_on_a_local_cluster(tmp_path, kernel):
    sweep = write_sweep(
        tmp_path / "s.yaml",
        f"name: d\nnotebooks:\n  - path: {NOTEBOOKS}/ok.ipynb\n    product: {{n: [1, 2]}}\n  - {NOTEBOOKS}/raises.ipynb\n",
    )
    result = run_sweep(
        sweep,
        output_root=tmp_path / "out",
        executor="dask",
        workers=1,
        dask_processes=False,
        quiet=True,
    )
    assert sorted(r.status for r in result.records) == ["failed", "ok", "ok"]
    assert result.exit_code == 1
    assert (tmp_path / "out" / "d" / "index.html").exists()
