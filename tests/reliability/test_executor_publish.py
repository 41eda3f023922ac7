"""Publishing only after a sweep actually ran (issue 21, item 5).

``sweep --executor dask --scheduler tcp://127.0.0.1:1`` (nothing listens there) used to exit 1
with "cannot write the outputs", yet publish an empty sweep whose ``sweep.json`` said ``ok``, empty
the site's index and move ``latest`` and ``latest-ok`` to it. Now it publishes nothing, moves no
link, leaves the index byte for byte, exits 1 and says why.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sanctions_model.runner import sweep as sweep_module
from sanctions_model.runner.cli import main
from sanctions_model.runner.records import read_record

from .conftest import NOTEBOOKS, write_sweep


def _site(root: Path) -> dict[str, object]:
    return {
        "latest": os.readlink(root / "latest"),
        "latest-ok": os.readlink(root / "latest-ok"),
        "index.html": (root / "index.html").read_bytes(),
        "index.csv": (root / "index.csv").read_bytes() if (root / "index.csv").exists() else None,
        "stamps": sorted(p.name for p in root.iterdir() if p.name[:1].isdigit()),
    }


@pytest.mark.slow
def test_a_dask_scheduler_that_cannot_be_reached_publishes_nothing(tmp_path, kernel):
    first = write_sweep(
        tmp_path / "a.yaml", f"name: s\nnotebooks: [{NOTEBOOKS}/ok.ipynb]\nruns: [{{n: 1}}]\n"
    )
    out = tmp_path / "out"
    assert main(["sweep", str(first), "--output-root", str(out), "--quiet"]) == 0
    root = out / "s"
    before = _site(root)
    # one run cached from the first sweep, one to execute on a scheduler nobody runs
    second = write_sweep(
        tmp_path / "b.yaml", f"name: s\nnotebooks: [{NOTEBOOKS}/ok.ipynb]\nproduct: {{n: [1, 2]}}\n"
    )
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    proc = subprocess.run(
        [sys.executable, "-m", "sanctions_model.cli", "sweep", str(second), "--output-root",
         str(out), "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1", "--quiet"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "the dask executor at tcp://127.0.0.1:1 failed" in proc.stderr
    assert "nothing was published" in proc.stderr and "cannot write the outputs" not in proc.stderr
    assert _site(root) == before  # no link moved, the index as it was, no new sweep folder


def test_an_executor_that_breaks_after_some_runs_publishes_a_failed_sweep(
    tmp_path, monkeypatch, capsys
):
    """Runs that finished are kept and published; the others are failed runs saying why;
    ``latest-ok`` stays where it was."""
    from sanctions_model.runner import executors

    def half(specs, *, workers=None, on_result, **_):
        on_result(executors.interrupted_record(specs[0], "ValueError", "a cell raised"))
        raise OSError("the pool's workers could not be started")

    monkeypatch.setattr(executors, "run_local", half)
    spec = write_sweep(
        tmp_path / "s.yaml", f"name: s\nnotebooks: [{NOTEBOOKS}/ok.ipynb]\nproduct: {{n: [1, 2]}}\n"
    )
    assert main(["sweep", str(spec), "--output-root", str(tmp_path / "out"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "the local executor failed: OSError: the pool's workers could not be started" in err
    latest = (tmp_path / "out" / "s" / "latest").resolve()
    statuses = sorted(
        (read_record(d).error or {}).get("ename") for d in latest.iterdir() if read_record(d)
    )
    assert statuses == ["ExecutorFailed", "ValueError"]
    assert not (tmp_path / "out" / "s" / "latest-ok").exists()


def test_a_local_executor_that_cannot_start_publishes_nothing(tmp_path, monkeypatch, capsys):
    from sanctions_model.runner import executors

    def broken(specs, *, workers=None, on_result, **_):
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(executors, "run_local", broken)
    spec = write_sweep(tmp_path / "s.yaml", f"name: s\nnotebooks: [{NOTEBOOKS}/ok.ipynb]\n")
    assert main(["sweep", str(spec), "--output-root", str(tmp_path / "out"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "the local executor failed" in err and "Too many open files" in err
    root = tmp_path / "out" / "s"
    assert not (root / "latest").exists() and not (root / "latest-ok").exists()
    assert not (root / "index.html").exists()
    assert not [p for p in root.iterdir() if p.name[:1].isdigit()]
    assert sweep_module.ExecutorFailed.exit_code == 1
