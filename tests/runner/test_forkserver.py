"""Issue 23: kernels forked from a pre-imported template (runner/forkserver.py).

A forked kernel must give the same results as an ordinary one, start clean (nothing of an earlier
run), and keep the ordinary kernel's timeout, kill and memory-limit semantics; with
``SANCTIONS_MODEL_FORK_KERNELS=0`` (or where it cannot fork) the runner starts ordinary kernels.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sanctions_model.runner import forkserver
from sanctions_model.runner.execute import RunSpec, execute_run

from .conftest import code_notebook, pid_alive

ROOT = Path(__file__).resolve().parents[2]

#: What a cell can tell about the kernel it runs in, written to results.json.
PROBE = """
import json, os, random, resource, sys
import numpy as np
import sanctions_model
probe = {
    "pid": os.getpid(),
    "ppid": os.getppid(),
    "pandas_before_first_import": PANDAS_BEFORE,
    "leaked": getattr(sanctions_model, "_forkserver_test_global", None),
    "random": random.random(),
    "np_random": float(np.random.random()),
    "rlimit_as": resource.getrlimit(resource.RLIMIT_AS)[0],
    "cwd": os.getcwd(),
    "run_dir": os.environ.get("SANCTIONS_MODEL_RUN_DIR"),
    "token": bool(os.environ.get("SANCTIONS_MODEL_RUN_TOKEN")),
    "secret": os.environ.get("FORKSERVER_TEST_SECRET_TOKEN"),
    "mpl_backend": __import__("matplotlib").get_backend(),
}
sanctions_model._forkserver_test_global = "set by an earlier run"
with open("results.json", "w") as f:
    json.dump(probe, f)
"""


def _probe_notebook(tmp_path: Path) -> Path:
    first = "import sys\nPANDAS_BEFORE = 'pandas' in sys.modules"
    return code_notebook(tmp_path / "probe.ipynb", first, PROBE)


def _run(notebook: Path, run_dir: Path, **kw):
    spec = RunSpec(name=run_dir.name, notebook=str(notebook), run_dir=str(run_dir), retries=0, **kw)
    return execute_run(spec)


pytestmark = pytest.mark.skipif(
    not forkserver.fork_enabled(True), reason="forked kernels need Linux"
)


@pytest.fixture(autouse=True)
def _own_templates():
    """Each test starts its own templates: an existing template serves whatever profile it was
    started with, and an earlier test in this pytest worker (a one-off ``run``) may have started
    the kernel-only one, without pandas."""
    forkserver.close_all()
    yield
    forkserver.close_all()


@pytest.mark.slow
def test_forked_kernels_start_clean_and_keep_the_run_settings(tmp_path, kernel, monkeypatch):
    monkeypatch.setenv("FORKSERVER_TEST_SECRET_TOKEN", "ghp_abcdefghijklmnop1234")
    notebook = _probe_notebook(tmp_path)
    first = _run(notebook, tmp_path / "one", fork_kernel=True, memory_limit=3 * 2**30)
    for server in list(forkserver._SERVERS.values()):  # the first kernel may fork mid-preload
        server.status(wait_for_preload=True)
    second = _run(notebook, tmp_path / "two", fork_kernel=True)
    assert first.status == second.status == "ok", (first.error, second.error)
    one, two = first.results, second.results
    templates = forkserver.template_pids()
    # forked: the parent is this process's template, which had imported pandas already
    assert one["ppid"] in templates and two["ppid"] in templates
    assert two["pandas_before_first_import"]
    # nothing of run 1 in run 2: its module global, its random state
    assert one["leaked"] is None and two["leaked"] is None
    assert one["random"] != two["random"] and one["np_random"] != two["np_random"]
    # the run's own settings: memory limit, working directory, token, filtered environment
    assert one["rlimit_as"] == 3 * 2**30 and two["rlimit_as"] == -1  # RLIM_INFINITY
    assert Path(one["cwd"]) == Path(one["run_dir"]) and one["token"]
    assert one["secret"] is None  # credentials stay out of forked kernels too
    assert one["mpl_backend"].lower() == "agg"  # this test's MPLBACKEND, not the template's own
    assert not pid_alive(one["pid"]) and not pid_alive(two["pid"])  # ended with their runs


@pytest.mark.slow
def test_a_relative_run_directory_reaches_the_forked_kernel(tmp_path, kernel, monkeypatch):
    """The template runs from "/": a run directory given relative to the caller (a sweep with a
    relative ``--output-root``, as ``make report`` runs it) must still be the kernel's cwd."""
    monkeypatch.chdir(tmp_path)
    notebook = _probe_notebook(tmp_path)
    record = _run(notebook, Path("relative") / "run", fork_kernel=True)
    assert record.status == "ok", record.error
    cwd = Path(record.results["cwd"])  # the run's staging folder, renamed to run/ at the end
    assert cwd.is_absolute() and cwd.parent == (tmp_path / "relative").resolve()
    assert (tmp_path / "relative" / "run" / "results.json").exists()


@pytest.mark.slow
def test_fallback_to_ordinary_kernels(tmp_path, kernel, monkeypatch):
    monkeypatch.setenv(forkserver.FORK_ENV, "0")
    notebook = _probe_notebook(tmp_path)
    record = _run(notebook, tmp_path / "plain")
    assert record.status == "ok", record.error
    assert not record.results["pandas_before_first_import"]  # a fresh interpreter
    assert record.results["ppid"] == os.getpid()
    assert not forkserver.fork_enabled() and forkserver.fork_enabled(True)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert not forkserver.fork_enabled(True)  # no fork server off Linux, whatever is asked


def test_only_python_ipykernel_commands_fork():
    py = ["/venv/bin/python", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "c.json"]
    assert forkserver.split_command(py) == (py[:2], ["-f", "c.json"])
    assert forkserver.split_command(["R", "--slave", "-e", "IRkernel::main()"]) is None
    assert forkserver.split_command(["python", "-m", "other_kernel", "-f", "c.json"]) is None
    assert forkserver.split_command(["python", "script.py", "-m", "ipykernel_launcher"]) is None


@pytest.mark.slow
def test_a_timeout_kills_the_forked_kernel_and_its_children(tmp_path, kernel):
    start = (
        "import json, os, subprocess, sys\n"
        "child = subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
        "json.dump({'kernel': os.getpid(), 'child': child.pid}, open('results.json', 'w'))"
    )
    notebook = code_notebook(tmp_path / "sleeps.ipynb", start, "import time\ntime.sleep(120)")
    t0 = time.monotonic()
    record = _run(notebook, tmp_path / "timeout", fork_kernel=True, timeout=3)
    assert record.status == "timeout" and record.error["cell_index"] == 1
    assert time.monotonic() - t0 < 60
    pids = record.results
    assert not pid_alive(pids["kernel"]) and not pid_alive(pids["child"])


@pytest.mark.slow
def test_memory_limit_holds_in_a_forked_kernel(tmp_path, kernel):
    cell = "import numpy as np\nx = np.ones(3 * 2**30 // 8)"  # 3 GB under a 2 GB limit
    notebook = code_notebook(tmp_path / "big.ipynb", cell)
    record = _run(notebook, tmp_path / "big", fork_kernel=True, memory_limit=2 * 2**30)
    assert record.status == "failed"
    assert "memory limit of 2 GB" in record.error["evalue"]


CLIENT = """
import json, os, sys, time
from sanctions_model.runner import forkserver
from jupyter_client.connect import write_connection_file
conn, _ = write_connection_file()
env = {k: v for k, v in os.environ.items() if k.startswith(("PATH", "PYTHON", "HOME"))}
kernel = forkserver.launch(
    [sys.executable, "-m", "ipykernel_launcher", "-f", conn], env=env, cwd=os.getcwd()
)
print(json.dumps({"kernel": kernel.pid, "templates": sorted(forkserver.template_pids())}))
sys.stdout.flush()
time.sleep(300)
"""


@pytest.mark.slow
def test_a_runner_that_dies_takes_its_forked_kernel_and_template_with_it(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", CLIENT],
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    try:
        info = json.loads(proc.stdout.readline())
        assert pid_alive(info["kernel"]) and all(pid_alive(p) for p in info["templates"])
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (
            pid_alive(info["kernel"]) or any(pid_alive(p) for p in info["templates"])
        ):
            time.sleep(0.1)
        assert not pid_alive(info["kernel"])
        assert not any(pid_alive(p) for p in info["templates"])
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.slow
def test_the_template_imports_without_threads(tmp_path):
    server = forkserver.ForkServer([sys.executable], dict(os.environ))
    try:
        status = server.status(wait_for_preload=True)
        assert status["preloaded"] and status["threads"] == 1, status
        assert "pandas" in status["modules"] and "pyfixest" in status["modules"]
        assert status["frozen"] > 100_000  # the stack's objects, out of the kernels' collections
        # the compiled kernels are ready before the first fork, and compiling started no thread
        from sanctions_model.runner.warmup import MODULES

        assert set(status["warmed"]) == set(MODULES), status  # every listed module has warm()
    finally:
        server.close()
    assert not pid_alive(server.process.pid)


@pytest.mark.slow
def test_forked_and_ordinary_kernels_give_the_same_results_json(default_site, tmp_path, kernel):
    """Two runs of the test run's default sweep (forked kernels, the default), again with
    ordinary kernels: the same results.json."""
    latest = default_site / "latest"
    # notebook 02's shortest run of the sweep (EU27 imports from Russia, the spreadsheet, Brent as
    # control: estimator, controls and deflators all go through the kernel)
    picks = [
        next(latest.glob("01_data_overview-*")),
        next(latest.glob("02_sanction_effect-None-*")),
    ]
    for run in picks:
        record = json.loads((run / "run.json").read_text())
        spec = RunSpec(
            name=run.name,
            notebook=str(ROOT / record["notebook"]),
            run_dir=str(tmp_path / run.name),
            parameters=record["parameters"],
            timeout=600,
            fork_kernel=False,
        )
        ordinary = execute_run(spec)
        assert ordinary.status == "ok", ordinary.error
        forked = json.loads((run / "results.json").read_text())
        assert ordinary.results == forked, run.name


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


@pytest.mark.slow
def test_a_closed_connection_ends_its_kernel_and_the_template_stays_idle(tmp_path):
    from jupyter_client.connect import write_connection_file

    conn_file, _ = write_connection_file(str(tmp_path / "kernel.json"))
    env = {k: v for k, v in os.environ.items() if k.startswith(("PATH", "PYTHON", "HOME"))}
    server = forkserver.ForkServer([sys.executable], env, profile="kernel")
    try:
        kernel = server.launch(
            ["-f", conn_file], env=env, cwd=str(tmp_path), memory_limit=None, quiet_stderr=True
        )
        assert pid_alive(kernel.pid)
        kernel._conn.close()  # the runner's side goes away, the runner itself does not
        deadline = time.monotonic() + 20
        while pid_alive(kernel.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not pid_alive(kernel.pid)
        before = _cpu_ticks(server.process.pid)
        time.sleep(1.0)
        assert _cpu_ticks(server.process.pid) - before < 20  # < 0.2 s of CPU: not spinning
        assert server.status()["preloaded"]  # and still serving
    finally:
        server.close()
