"""``make lab-stop`` stops the process ``make lab`` started and nothing else (issue 21, item 7).

``sleep`` stands in for JupyterLab: ``runner.lab start`` writes the pid file and execs it, exactly
as ``make lab`` does with the server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _make_stop(pid_file: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "-s", "lab-stop", f"LAB_PID={pid_file}", f"BIN={BIN}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _started(pid_file: Path, *command: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sanctions_model.runner.lab", "start", str(pid_file), "--", *command]
    )
    for _ in range(100):
        if pid_file.exists() and Path(f"/proc/{proc.pid}/cmdline").read_bytes().startswith(
            command[0].encode()
        ):
            return proc
        time.sleep(0.05)
    raise AssertionError("the stand-in server did not start")


def test_lab_stop_stops_the_process_the_pid_file_names(tmp_path):
    pid_file = tmp_path / "lab.pid"
    proc = _started(pid_file, "sleep", "300")
    try:
        info = json.loads(pid_file.read_text())
        assert info["pid"] == proc.pid  # the pid file names the exec'd process itself
        assert info["command"] == ["sleep", "300"] and info["start_ticks"] > 0
        stop = _make_stop(pid_file)
        assert stop.returncode == 0, stop.stderr
        assert f"stopped JupyterLab (pid {proc.pid})" in stop.stdout
        assert proc.wait(timeout=30) == -signal.SIGTERM
        assert not pid_file.exists()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_lab_stop_never_kills_a_process_that_reuses_the_pid(tmp_path):
    """A pid file left by a crash whose pid now belongs to an unrelated process."""
    pid_file = tmp_path / "lab.pid"
    unrelated = subprocess.Popen(["sleep", "300"])
    try:
        from sanctions_model.runner.lab import record

        stale = record(unrelated.pid, ["sleep", "300"])
        cases = {
            "another start time": {**stale, "start_ticks": stale["start_ticks"] - 1},
            "another command": {**stale, "command": [".venv/bin/jupyter", "lab", "--port=8888"]},
            "another boot": {**stale, "boot_id": "0000"},
        }
        for why, info in cases.items():
            pid_file.write_text(json.dumps(info))
            stop = _make_stop(pid_file)
            assert stop.returncode == 0, (why, stop.stderr)
            assert "nothing was killed" in stop.stdout, why
            assert unrelated.poll() is None, f"{why}: the unrelated process was killed"
            assert not pid_file.exists(), why
        # the pid file of the old Makefile (a bare number) is not trusted either
        pid_file.write_text(f"{unrelated.pid}\n")
        stop = _make_stop(pid_file)
        assert "nothing was killed" in stop.stdout and unrelated.poll() is None
        # no pid file: a clear message, exit 0
        stop = _make_stop(pid_file)
        assert stop.returncode == 0 and "no pid file" in stop.stdout
    finally:
        unrelated.kill()
        unrelated.wait()


def test_lab_stop_after_the_server_exited_kills_nothing(tmp_path):
    pid_file = tmp_path / "lab.pid"
    proc = _started(pid_file, "sleep", "300")
    os.kill(proc.pid, signal.SIGKILL)  # a crash: the pid file stays behind
    proc.wait()
    stop = _make_stop(pid_file)
    assert stop.returncode == 0 and "nothing was killed" in stop.stdout
    assert not pid_file.exists()
