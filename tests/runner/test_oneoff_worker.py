"""Issue 23, one-off ``run``: the report written by a forked worker (runner/report_worker.py).

The worker must write what the run would have written itself (notebook.ipynb and report.html,
byte for byte but for the random id of the parameters cell), give the record the same status and
error when the report fails, leave the run to write its own report when it is gone, and never
outlive its use. The kernel template must not hold the command's output open.

A worker is forked only from a single-threaded process, as the ``sanctions-model run`` command
is; the test process may have other threads by then, so the scenarios that fork run in a fresh
interpreter (this file run as a script: ``python test_oneoff_worker.py SCENARIO TMPDIR``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from sanctions_model.runner import execute, report_worker
from sanctions_model.runner.execute import RunSpec, write_report
from sanctions_model.runner.records import NOTEBOOK_NAME, REPORT_NAME, RunRecord

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"

_CELL_ID = re.compile(r"cell-id=[0-9a-f]{8}")


def _staging(root: Path, *names: str) -> list[Path]:
    """Staging folders as a finished run leaves them, each with the same executed notebook (with
    outputs, a warning on stderr and this machine's path in an output)."""
    nb = nbformat.read(str(NOTEBOOKS / "ok.ipynb"), as_version=4)
    cell = nbformat.v4.new_code_cell("print(here)")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=f"{root}/data.csv\n"),
        nbformat.v4.new_output("stream", name="stderr", text="RuntimeWarning: few clusters\n"),
        nbformat.v4.new_output("display_data", data={"text/html": "<img src='x.png'>"}),
    ]
    nb.cells.append(cell)
    folders = []
    for name in names:
        (root / name).mkdir()
        nbformat.write(nb, str(root / name / NOTEBOOK_NAME))
        folders.append(root / name)
    return folders


def _spec(root: Path) -> RunSpec:
    return RunSpec(
        name="ok-1",
        notebook=str(NOTEBOOKS / "ok.ipynb"),
        notebook_label="ok.ipynb",
        run_dir=str(root / "run"),
        parameters={"n": 2},
        resolved={"n": 2, "label": "x"},
        help={"n": "how many"},
    )


def _record() -> RunRecord:
    return RunRecord(
        name="ok-1",
        notebook="ok.ipynb",
        status="ok",
        parameters={"n": 2},
        resolved={"n": 2, "label": "x"},
        duration=1.5,
        finished="2026-01-01T00:00:00+00:00",
        results={"run_notes": ["a note the notebook recorded"]},
    )


def scenario_the_worker_writes_what_the_run_would_write(tmp_path: Path) -> None:
    machine = {str(tmp_path): "<project>"}
    here, there = _staging(tmp_path, "here", "there")
    ours = _record()
    write_report(here, _spec(tmp_path), ours, machine)
    worker = report_worker.start()
    assert worker is not None
    theirs = _record()
    try:
        assert worker.write_report(there, _spec(tmp_path), theirs, machine)
    finally:
        worker.close()
    assert (ours.status, ours.error) == (theirs.status, theirs.error) == ("ok", None)
    assert (here / NOTEBOOK_NAME).read_bytes() == (there / NOTEBOOK_NAME).read_bytes()
    page_here, page_there = ((d / REPORT_NAME).read_text() for d in (here, there))
    assert _CELL_ID.sub("", page_here) == _CELL_ID.sub("", page_there)
    assert "a note the notebook recorded" in page_there and "few clusters" in page_there
    assert str(tmp_path) not in page_there and "&lt;project&gt;/data.csv" in page_there
    assert not _alive(worker.pid)


def scenario_a_report_that_fails_in_the_worker_fails_the_run_as_it_would_here(
    tmp_path: Path,
) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()  # no executed notebook: an ok run without one is not ok
    there.mkdir()
    ours, theirs = _record(), _record()
    write_report(here, _spec(tmp_path), ours, {})
    worker = report_worker.start()
    assert worker is not None
    try:
        assert worker.write_report(there, _spec(tmp_path), theirs, {})
    finally:
        worker.close()
    assert ours.status == theirs.status == "failed"
    assert ours.error == theirs.error and theirs.error["ename"] == "WriteError"


def scenario_a_run_whose_worker_died_writes_its_report_itself(tmp_path: Path) -> None:
    (staging,) = _staging(tmp_path, "s")
    worker = report_worker.start()
    assert worker is not None
    os.kill(worker.pid, signal.SIGKILL)
    os.waitpid(worker.pid, 0)
    record = _record()
    assert not worker.write_report(staging, _spec(tmp_path), record, {})
    assert (record.status, record.error) == ("ok", None) and not (staging / REPORT_NAME).exists()
    assert not worker.write_report(staging, _spec(tmp_path), record, {})  # used once at most
    worker.close()


def test_execute_run_falls_back_when_the_writer_cannot(tmp_path, monkeypatch):
    calls = []

    def gone(staging, spec, record, machine):  # a worker that is not there any more
        calls.append(staging)
        return False

    written = []
    monkeypatch.setattr(execute, "REPORT_WRITER", [gone])
    monkeypatch.setattr(execute, "write_report", lambda *a: written.append(a[0]))
    monkeypatch.setattr(execute, "_execute_once", lambda nb, staging, spec, token: ("ok", None))
    record = execute.execute_run(_spec(tmp_path))
    assert calls and written == calls  # asked the writer, then wrote it here
    assert record.status == "ok"


def scenario_an_unused_worker_is_stopped_and_reaped(tmp_path: Path) -> None:
    worker = report_worker.start()
    assert worker is not None
    t0 = time.monotonic()
    worker.close()  # the command stopped before its run: no waiting for the warm-up
    assert time.monotonic() - t0 < 2
    assert not _alive(worker.pid)
    try:
        os.waitpid(worker.pid, os.WNOHANG)
    except ChildProcessError:
        pass  # reaped, not a zombie
    else:
        raise AssertionError("the worker was not reaped")
    # a run that stopped waiting for its report (Ctrl-C): the worker is stopped, not waited for
    worker = report_worker.start()
    assert worker is not None
    worker.used = True
    t0 = time.monotonic()
    worker.close()
    assert time.monotonic() - t0 < 2 and not _alive(worker.pid)


def test_no_worker_where_other_threads_run(monkeypatch):
    import threading

    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert not report_worker.can_fork() and report_worker.start() is None


def test_the_kernel_template_holds_no_copy_of_the_commands_output(tmp_path):
    """`$(sanctions-model run ...)` must not wait for the template to exit after the command."""
    code = (
        "import os, sys\n"
        "from sanctions_model.runner import forkserver\n"
        "server = forkserver.ForkServer([sys.executable], dict(os.environ), profile='kernel')\n"
        "fds = [os.path.realpath(f'/proc/{server.process.pid}/fd/{n}') for n in (1, 2)]\n"
        "print(fds)\n"
    )
    if not Path("/proc/self/fd").exists():
        pytest.skip("needs /proc")
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )  # returns when every copy of its stdout is closed
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str([os.devnull, os.devnull])
    assert time.monotonic() - t0 < 60


@pytest.mark.slow
def test_the_command_line_run_with_its_worker_gives_the_same_outcomes(tmp_path, kernel):
    """``sanctions-model run`` as a user runs it (one thread: its report worker is forked): the
    same exit statuses, messages and report contents as a run that writes its own report."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "MPLBACKEND": "Agg"}

    def run(notebook: str, out: Path) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "sanctions_model.cli", "run", str(NOTEBOOKS / notebook)]
        return subprocess.run(
            [*cmd, "-p", "n", "2", "--output-dir", str(out)]
            if notebook == "ok.ipynb"
            else [*cmd, "--output-dir", str(out)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    ok = run("ok.ipynb", tmp_path / "ok")
    assert ok.returncode == 0, ok.stderr
    assert ok.stderr.startswith(f"ok {tmp_path / 'ok'} (")
    page = (tmp_path / "ok" / REPORT_NAME).read_text()
    assert 'class="sm-params"' in page and "sm-overridden" in page and "<img" in page
    record = json.loads((tmp_path / "ok" / "run.json").read_text())
    assert record["status"] == "ok" and REPORT_NAME in record["files"]
    assert record["results"]["total"] == 1.5
    bad = run("raises.ipynb", tmp_path / "bad")
    assert bad.returncode == 1
    assert "cell 3: ValueError: bad value 1" in bad.stderr.splitlines()[-1]
    assert "Run status: failed" in (tmp_path / "bad" / REPORT_NAME).read_text()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not alive
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_the_worker_writes_what_the_run_would_write(tmp_path):
    _scenario("scenario_the_worker_writes_what_the_run_would_write", tmp_path)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_report_that_fails_in_the_worker_fails_the_run_as_it_would_here(tmp_path):
    _scenario("scenario_a_report_that_fails_in_the_worker_fails_the_run_as_it_would_here", tmp_path)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_run_whose_worker_died_writes_its_report_itself(tmp_path):
    _scenario("scenario_a_run_whose_worker_died_writes_its_report_itself", tmp_path)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_an_unused_worker_is_stopped_and_reaped(tmp_path):
    _scenario("scenario_an_unused_worker_is_stopped_and_reaped", tmp_path)


def _scenario(name: str, tmp_path: Path) -> None:
    """Run ``name`` in a fresh, single-threaded interpreter (as the command is)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, __file__, name, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.strip().endswith(f"{name}: passed")


if __name__ == "__main__":
    assert report_worker.can_fork(), "a fresh interpreter runs one thread"
    globals()[sys.argv[1]](Path(sys.argv[2]))
    print(f"{sys.argv[1]}: passed")
