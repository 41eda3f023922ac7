"""Issue 21, items 10 and 13: a run's processes end with it; its outputs and memory are bounded.

Through the command line where a user meets them: a notebook that starts programs in new
sessions (one with an empty environment, one by a double fork), a notebook that prints far more
than the caps, a notebook that allocates past the kernel's memory limit. Plus the helpers on
their own (sizes, process trees), which need no kernel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from sanctions_model.errors import ParameterError
from sanctions_model.runner import limits
from sanctions_model.runner.processes import TOKEN_ENV, descendants, kill_run_processes

SLEEP = [sys.executable, "-c", "import time; time.sleep(300)"]

SPAWN = (
    "import json, shlex, subprocess, sys\n"
    "sleep = [sys.executable, '-c', 'import time; time.sleep(300)']\n"
    "new_session = subprocess.Popen(sleep, start_new_session=True).pid\n"
    "no_env = subprocess.Popen(sleep, start_new_session=True, env={}).pid\n"
    "shell = 'setsid ' + shlex.join(sleep) + ' >/dev/null 2>&1 & echo $!'\n"
    "double_fork = int(subprocess.run(['sh', '-c', shell], capture_output=True, text=True).stdout)\n"
    "pids = {'new_session': new_session, 'no_env': no_env, 'double_fork': double_fork}\n"
    "json.dump({'pids': pids}, open('results.json', 'w'))\n"
)


def notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "sanctions-model",
        "display_name": "sanctions-model",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, str(path))
    return path


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300):
    return subprocess.run(
        [sys.executable, "-m", "sanctions_model.runner.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent is not running)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"


def all_gone(pids, wait: float = 5.0) -> dict[int, bool]:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    return {p: alive(p) for p in pids}


# -- processes ------------------------------------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl: Linux")
def test_kill_run_processes_finds_a_tree_and_a_token_carrier():
    """Unit level: a tree under a root, and a process in its own session found by its token."""
    token = uuid.uuid4().hex
    shell = f"{sys.executable} -c 'import time; time.sleep(300)' & wait"
    root = subprocess.Popen(["sh", "-c", shell])
    loose = subprocess.Popen(SLEEP, start_new_session=True, env={**os.environ, TOKEN_ENV: token})
    other = subprocess.Popen(SLEEP, start_new_session=True)  # no token, not in the tree
    try:
        deadline = time.monotonic() + 5
        while not descendants([root.pid]) and time.monotonic() < deadline:
            time.sleep(0.02)
        child = descendants([root.pid])
        assert len(child) == 1
        killed = kill_run_processes(token, [root.pid])
        assert killed == {root.pid, loose.pid} | child
        root.wait(5), loose.wait(5)
        assert not any(all_gone(child).values())
        assert other.poll() is None  # an unrelated process is left alone
    finally:
        for p in (root, loose, other):
            p.kill()
            p.wait(5)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl: Linux")
@pytest.mark.parametrize("command", ["run", "sweep"])
def test_processes_a_notebook_starts_in_new_sessions_end_with_the_run(tmp_path, kernel, command):
    nb = notebook(tmp_path / "spawn.ipynb", SPAWN)
    if command == "run":
        proc = cli("run", str(nb), "--output-dir", str(tmp_path / "out"))
        results = tmp_path / "out" / "results.json"
    else:
        sweep = tmp_path / "s.yaml"
        sweep.write_text(f"name: s\nnotebooks:\n  - {nb}\n", encoding="utf-8")
        proc = cli("sweep", str(sweep), "--output-root", str(tmp_path / "o"), "--quiet")
        results = next((tmp_path / "o" / "s").glob("*/spawn*/results.json"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pids = json.loads(results.read_text())["pids"]
    assert set(pids) == {"new_session", "no_env", "double_fork"}
    left = all_gone(pids.values())
    try:
        assert left == dict.fromkeys(pids.values(), False), pids
    finally:
        for pid in pids.values():  # never leave a sleeper behind, even when the test fails
            if alive(pid):
                os.kill(pid, 9)


# -- output caps ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_output_caps_truncate_with_a_note(tmp_path, kernel):
    """30 MB printed, caps of 200 KB a cell and 500 KB a run: small files and two notes."""
    nb = notebook(
        tmp_path / "loud.ipynb",
        "print('small')",
        "import sys\nfor _ in range(30):\n    sys.stdout.write('y' * 2**20)",
        "print('after the flood')",
        "for _ in range(3):\n    print('z' * 2**16)",
        "for _ in range(3):\n    print('w' * 2**17)",
        "print('dropped')",
    )
    out = tmp_path / "out"
    proc = cli(
        "run",
        str(nb),
        "--output-dir",
        str(out),
        env={limits.MAX_CELL_OUTPUT_ENV: "200K", limits.MAX_RUN_OUTPUT_ENV: "500K"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    executed = nbformat.read(str(out / "notebook.ipynb"), as_version=4)
    printed = [
        sum(len(o.get("text", "")) for o in c.outputs if o.get("name") == "stdout")
        for c in executed.cells
    ]
    # cell 1 keeps exactly its cap; cells 2 and 3 are whole; cell 4 fills the run's cap (its
    # first part kept); nothing of cell 5
    assert printed[0] == len("small\n")
    assert printed[1] == 200 * 2**10
    assert printed[2] == len("after the flood\n")
    assert printed[3] == 3 * (2**16 + 1)
    assert 0 < printed[4] < 3 * 2**17
    assert sum(printed) == 500 * 2**10
    assert printed[5] == 0
    assert (out / "notebook.ipynb").stat().st_size < 1.2 * 2**20
    assert (out / "report.html").stat().st_size < 2.5 * 2**20
    report = (out / "report.html").read_text(encoding="utf-8")
    notes = report[report.index('id="Notes-on-this-run"') :]
    assert "cell 1 produced more than 200 KB of output; the rest was dropped" in notes
    assert "the run&#x27;s outputs reached 500 KB in cell 4" in notes
    assert "cell 5" not in notes  # the run's cap is noted once, where it was reached


def test_sizes_parse_or_name_the_parameter():
    assert limits.parse_size("512K", "x") == 512 * 1024
    assert limits.parse_size("1.5G", "x") == 3 * 2**29
    assert limits.parse_size("20MB", "x") == 20 * 2**20
    assert limits.parse_size("2GiB", "x") == 2 * 2**30
    assert limits.parse_size(1000, "x") == 1000
    for bad in ("", "ten", "-1M", "1e3", "nan", True, 0, "5X", 2**60):
        with pytest.raises(ParameterError, match="^x must be a size"):
            limits.parse_size(bad, "x")
    with pytest.raises(ParameterError, match="at least 2 GB"):
        limits.check_memory_limit("1G", limits.KERNEL_MEMORY_ENV)
    assert limits.format_size(5 * 2**20) == "5 MB"
    assert limits.output_size({"text": "é"}) == 2
    assert limits.output_size({"data": {"image/png": "QUJD", "text/plain": "x"}}) == 5


def test_limits_from_the_environment(monkeypatch):
    from sanctions_model.runner.execute import RunSpec

    spec = RunSpec(name="a", notebook="n.ipynb", run_dir="r")
    assert (spec.memory_limit, spec.max_cell_output, spec.max_run_output) == (
        None,
        limits.DEFAULT_MAX_CELL_OUTPUT,
        limits.DEFAULT_MAX_RUN_OUTPUT,
    )
    monkeypatch.setenv(limits.KERNEL_MEMORY_ENV, "3G")
    monkeypatch.setenv(limits.MAX_CELL_OUTPUT_ENV, "0")
    spec = RunSpec(name="a", notebook="n.ipynb", run_dir="r")
    assert (spec.memory_limit, spec.max_cell_output) == (3 * 2**30, None)
    monkeypatch.setenv(limits.KERNEL_MEMORY_ENV, "lots")
    with pytest.raises(ParameterError, match=limits.KERNEL_MEMORY_ENV):
        RunSpec(name="a", notebook="n.ipynb", run_dir="r")


# -- memory limit ---------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS: Linux")
def test_kernel_memory_limit_gives_a_clear_error(tmp_path, kernel):
    nb = notebook(
        tmp_path / "big.ipynb",
        "import numpy\nsmall = numpy.ones(10**6)",
        "big = bytearray(3 * 2**30)",
        "print('never')",
    )
    out = tmp_path / "out"
    proc = cli("run", str(nb), "--output-dir", str(out), env={limits.KERNEL_MEMORY_ENV: "2G"})
    assert proc.returncode == 1
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "failed"
    assert record["error"]["cell_index"] == 1
    assert record["error"]["ename"] == "MemoryError"
    assert "memory limit of 2 GB" in record["error"]["evalue"]
    assert limits.KERNEL_MEMORY_ENV in proc.stdout + proc.stderr
    # without the limit the same allocation succeeds: the limit, not the machine, stopped it
    proc = cli("run", str(nb), "--output-dir", str(out), env={limits.KERNEL_MEMORY_ENV: "0"})
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_memory_limit_below_the_minimum_is_refused_before_a_kernel_starts(tmp_path):
    nb = notebook(tmp_path / "x.ipynb", "print(1)")
    proc = cli(
        "run", str(nb), "--output-dir", str(tmp_path / "o"), env={limits.KERNEL_MEMORY_ENV: "100M"}
    )
    assert proc.returncode != 0
    assert f"{limits.KERNEL_MEMORY_ENV} must be at least 2 GB" in proc.stderr
    assert not (tmp_path / "o").exists()
