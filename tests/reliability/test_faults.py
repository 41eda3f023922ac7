"""Faults not covered by ``tests/runner``: read-only outputs, corrupted data, concurrent sweeps, load.

``tests/runner`` already covers: a kernel that dies, a cell that never returns, SIGTERM to a sweep
then ``--rerun-failed``, a killed run leaving the previous report intact, and the lock held in the
same process. Read-only tests run the sweep as user ``nobody`` (``setpriv``), since root ignores
file modes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest

from sanctions_model.runner.cli import main
from sanctions_model.runner.records import read_record

from .conftest import NOTEBOOKS, ordinary_kernels, write_sweep

CLI = [sys.executable, "-m", "sanctions_model.runner.cli"]


def _tree(root: Path) -> dict[str, str]:
    """Every file (and symlink target) under ``root`` with its sha256."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p)
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _index_matches_records(stamp: Path) -> list[str]:
    """index.csv has one row per run directory, with the status of its run.json."""
    with open(stamp / "index.csv", newline="", encoding="utf-8") as fh:
        rows = {r["name"]: r["status"] for r in csv.DictReader(fh)}
    records = {r.name: r.status for d in stamp.iterdir() if d.is_dir() and (r := read_record(d))}
    assert rows == records, (rows, records)
    return sorted(rows.values())


def _read_only(
    directory: Path, cmd: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run ``cmd`` with ``directory`` bind-mounted read-only (a real EROFS, even for root)."""
    # cd again after mounting: a cwd taken before the mount still points past it
    script = (
        'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && cd "$PWD" && exec "$@"'
    )
    return subprocess.run(
        ["unshare", "--mount", "sh", "-c", script, str(directory), *cmd],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def _can_mount() -> bool:
    if not shutil.which("unshare"):
        return False
    with tempfile.TemporaryDirectory() as d:
        probe = _read_only(Path(d), ["true"], Path(d))
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(not _can_mount(), reason="needs unshare and mount (CAP_SYS_ADMIN)")


@pytest.fixture
def work(tmp_path):
    """A copy of ok.ipynb and a two-run sweep file."""
    shutil.copy(NOTEBOOKS / "ok.ipynb", tmp_path / "ok.ipynb")
    write_sweep(tmp_path / "s.yaml", "name: s\nnotebooks: [ok.ipynb]\nproduct: {n: [1, 2]}\n")
    return tmp_path


@needs_mount
@pytest.mark.slow
def test_read_only_output_keeps_previous_outputs_and_leaves_nothing(work, kernel):
    sweep = [*CLI, "sweep", "s.yaml", "--output-root", "out", "--quiet"]
    env = ordinary_kernels()  # what is tested is the output directory's handling
    first = subprocess.run(sweep, cwd=work, env=env, capture_output=True, text=True, timeout=180)
    assert first.returncode == 0, first.stderr
    out = work / "out"
    before = _tree(out)
    assert sum(k.endswith("report.html") for k in before) == 2
    again = _read_only(out, [*sweep, "--force", "--lock-timeout", "2"], work, env)
    assert again.returncode == 2, (again.returncode, again.stderr)
    assert again.stderr.startswith("error: ") and "Traceback" not in again.stderr
    assert "is not writable" in again.stderr and "read-only file system" in again.stderr
    assert _tree(out) == before  # previous good outputs intact, no partial files


@needs_mount
@pytest.mark.slow
def test_read_only_output_root_for_a_new_sweep_and_a_run(work):
    proc = _read_only(work, [*CLI, "sweep", "s.yaml", "--output-root", "out", "--quiet"], work)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "output directory out/s is not writable" in proc.stderr
    proc = _read_only(work, [*CLI, "run", "ok.ipynb", "--output-dir", "out/r"], work)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "output directory out is not writable" in proc.stderr
    assert not (work / "out").exists()


def test_unreadable_data_manifest_is_a_clear_error(work, monkeypatch, capsys):
    import sanctions_model.data as data
    from sanctions_model.runner import verdicts

    def denied():
        raise PermissionError(13, "Permission denied", "data/manifest.json")

    # the runner reads the manifest without pandas (runner/verdicts.py); the data package's
    # own reader is patched too, so neither path can read it
    monkeypatch.setattr(verdicts, "manifest_digest", denied)
    monkeypatch.setattr(data, "manifest_digest", denied)
    assert main(["sweep", str(work / "s.yaml"), "--output-root", str(work / "out")]) == 2
    err = capsys.readouterr().err
    assert "cannot read the data manifest (data/manifest.json: Permission denied)" in err
    assert not (work / "out").exists()


# -- corrupted data file -------------------------------------------------------------------------


@pytest.mark.slow
def test_corrupted_data_file_fails_the_run_with_checksum_error(
    tmp_path, kernel, repo_root, monkeypatch
):
    data = tmp_path / "data"
    shutil.copytree(repo_root / "data", data, ignore=shutil.ignore_patterns("cache"))
    fred = data / "raw" / "fred" / "POILBREUSDM.csv"
    fred.write_bytes(fred.read_bytes().replace(b"32.045", b"99.045"))
    monkeypatch.setenv("SANCTIONS_MODEL_DATA_DIR", str(data))
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "sanctions-model",
        "display_name": "s",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell('source: str = "fred"  # dataset')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            "import json\nfrom sanctions_model.data import load_indicators\n"
            "table = load_indicators(source)\n"
            "json.dump({'rows': len(table)}, open('results.json', 'w'))"
        ),
    ]
    nbformat.write(nb, str(tmp_path / "load.ipynb"))
    out = tmp_path / "run"
    assert main(["run", str(tmp_path / "load.ipynb"), "--output-dir", str(out)]) == 1
    record = read_record(out)
    assert record.status == "failed" and record.error["ename"] == "ChecksumError"
    assert (
        "POILBREUSDM.csv" in record.error["evalue"]
        and "checksum mismatch" in record.error["evalue"]
    )
    assert record.results is None and not (out / "results.json").exists()
    # the good copy loads
    fred.write_bytes((repo_root / "data" / "raw" / "fred" / "POILBREUSDM.csv").read_bytes())
    assert main(["run", str(tmp_path / "load.ipynb"), "--output-dir", str(out)]) == 0
    assert json.loads((out / "results.json").read_text())["rows"] == 121


# -- two sweeps on one output directory ----------------------------------------------------------


@pytest.mark.slow
def test_two_sweeps_at_once_one_exits_3_one_waits_and_index_stays_consistent(tmp_path, kernel):
    sweep = write_sweep(
        tmp_path / "s.yaml",
        f"name: s\nnotebooks:\n  - {NOTEBOOKS}/ok.ipynb\n  - path: {NOTEBOOKS}/sleeps.ipynb\n"
        "    runs: [{seconds: 4}]\n",
    )
    args = [
        "sweep",
        str(sweep),
        "--output-root",
        str(tmp_path / "out"),
        "--quiet",
        "--workers",
        "2",
    ]
    env = ordinary_kernels()  # what is tested is the lock
    first = subprocess.Popen(
        [*CLI, *args], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    info = tmp_path / "out" / "s" / ".lock.info"
    deadline = time.monotonic() + 60
    while not info.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert info.exists()
    now = subprocess.run(
        [*CLI, *args, "--lock-timeout", "0"], env=env, capture_output=True, text=True
    )
    assert now.returncode == 3
    assert "another sweep is writing" in now.stderr and f"pid {first.pid}" in now.stderr
    waiter = subprocess.run(
        [*CLI, *args, "--lock-timeout", "120", "--force"], env=env, capture_output=True, text=True
    )
    assert first.wait(timeout=120) == 0, first.stderr.read()
    assert waiter.returncode == 0, waiter.stderr
    stamps = sorted((tmp_path / "out" / "s").glob("2*"))
    assert len(stamps) == 2  # the refused sweep made no directory
    for stamp in stamps:
        assert _index_matches_records(stamp) == ["ok", "ok"]
    assert (tmp_path / "out" / "s" / "latest").resolve() == stamps[-1]
    assert not list((tmp_path / "out").rglob(".*staging")) and not info.exists()


# -- load ----------------------------------------------------------------------------------------

#: 60 tiny runs, 30 per worker: enough to show that a long sweep neither grows the runner's
#: memory run after run nor leaves kernels behind (200 took 125 s of the test suite for the same
#: proof). ``SANCTIONS_MODEL_LOAD_RUNS=200`` runs the old size.
LOAD_RUNS = int(os.environ.get("SANCTIONS_MODEL_LOAD_RUNS", "60"))
#: Most a pool worker may grow from the first half of the sweep to the second: a leak of 1 MiB a
#: run (a kept notebook, report or kernel client) adds 30 MiB over a worker's second half.
LOAD_GROWTH = 24 * 2**20


def _tree_rss(pid: int) -> tuple[int, dict[int, int]]:
    """Resident memory (bytes) of ``pid`` and its descendants, from /proc: the total, and each
    process's own except the notebook kernels'."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    kernels: set[int] = set()
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(d.name))
            rss[int(d.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            if b"ipykernel" in (d / "cmdline").read_bytes():
                kernels.add(int(d.name))
        except (OSError, IndexError, ValueError):
            continue
    total, own, todo = 0, {}, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        if p not in kernels and p in rss:
            own[p] = rss[p]
        todo.extend(children.get(p, []))
    return total, own


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_load_sweep_of_tiny_runs_two_workers(tmp_path, kernel):
    shutil.copy(NOTEBOOKS / "ok.ipynb", tmp_path / "ok.ipynb")
    sweep = write_sweep(
        tmp_path / "load.yaml",
        f"name: load\nnotebooks: [ok.ipynb]\nparameters: {{figure: false}}\n"
        f"product: {{n: {list(range(LOAD_RUNS))}}}\n",
    )
    cmd = [*CLI, "sweep", str(sweep), "--output-root", "out", "--workers", "2", "--quiet", "--yes"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    samples: list[tuple[float, int, dict[int, int]]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.25):
            samples.append((time.perf_counter() - t0, *_tree_rss(proc.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        code = proc.wait(timeout=880)
    finally:
        stop.set()
        sampler.join()
    elapsed = time.perf_counter() - t0
    stamp = (tmp_path / "out" / "load" / "latest").resolve()
    statuses = _index_matches_records(stamp)
    peak = max(s[1] for s in samples)
    # each pool worker (a process of the runner that lives through both halves of the sweep,
    # other than the sweep itself, which builds the index at the end): its peak in each half
    halves: dict[int, list[int]] = {}
    for at, _, own in samples:
        for pid, rss in own.items():
            if pid != proc.pid:
                half = halves.setdefault(pid, [0, 0])
                half[at >= elapsed / 2] = max(half[at >= elapsed / 2], rss)
    workers = {pid: h for pid, h in halves.items() if min(h) > 32 * 2**20}
    print(
        f"\nload: {LOAD_RUNS} runs, {elapsed:.1f} s, peak RSS {peak / 2**20:.0f} MiB; workers "
        + ", ".join(f"{a / 2**20:.0f} -> {b / 2**20:.0f} MiB" for a, b in workers.values())
    )
    assert code == 0, proc.stderr.read()
    assert statuses == ["ok"] * LOAD_RUNS
    with open(stamp / "index.csv", newline="", encoding="utf-8") as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == LOAD_RUNS
    assert 0 < peak < 2 * 2**30
    assert len(workers) >= 2, halves  # the pool's two workers (and its fork server)
    assert all(b - a < LOAD_GROWTH for a, b in workers.values()), workers
    assert not list(stamp.glob(".*")) and not _leftover_kernels(tmp_path)


def _leftover_kernels(tmp_path: Path) -> list[int]:
    """ipykernel processes still running in a directory under ``tmp_path``."""
    left = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmdline = (d / "cmdline").read_bytes()
                cwd = os.readlink(d / "cwd")
            except OSError:
                continue
            # an ordinary kernel (ipykernel_launcher) or one forked from the kernel template
            # (its command line is the template's; its cwd is the run's, the template's is /)
            kernel = b"ipykernel" in cmdline or b"kernel_template" in cmdline
            if kernel and cwd.startswith(str(tmp_path)):
                left.append(int(d.name))
    return left


# -- kernels left behind -------------------------------------------------------------------------


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["dask", "local"])
def test_interrupt_leaves_no_kernel_behind(tmp_path, kernel, executor):
    """SIGINT to a sweep whose worker is running a kernel: no kernel survives the sweep.

    The dask case is the known gap: closing the cluster kills the worker process without
    running ``execute_run``'s clean-up; the kernel's parent poller (``JPY_PARENT_PID``) then
    stops it within a second.
    """
    sweep = write_sweep(
        tmp_path / "s.yaml",
        f"name: s\nnotebooks:\n  - path: {NOTEBOOKS}/sleeps.ipynb\n    runs: [{{seconds: 120}}]\n",
    )
    cmd = [*CLI, "sweep", str(sweep), "--output-root", "out", "--workers", "1", "--quiet"]
    proc = subprocess.Popen(
        [*cmd, "--executor", executor], cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        assert _wait_for(lambda: _leftover_kernels(tmp_path), 90), "no kernel started"
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=90) == 130, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _wait_for(lambda: not _leftover_kernels(tmp_path), 10), _leftover_kernels(tmp_path)
    stamp = (tmp_path / "out" / "s" / "latest").resolve()
    assert _index_matches_records(stamp) == ["interrupted"]


@pytest.mark.slow
def test_killed_worker_process_takes_its_kernel_down(tmp_path, kernel):
    """SIGKILL to the process running a notebook (an OOM kill, a dask worker killed by its nanny)."""
    script = (
        "import sys\nfrom sanctions_model.runner.execute import RunSpec, execute_run\n"
        f"execute_run(RunSpec(name='r', notebook={str(NOTEBOOKS / 'sleeps.ipynb')!r}, "
        f"run_dir={str(tmp_path / 'run')!r}, parameters={{'seconds': 120}}))\n"
    )
    worker = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path)
    try:
        assert _wait_for(lambda: _leftover_kernels(tmp_path), 90), "no kernel started"
        worker.kill()
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert _wait_for(lambda: not _leftover_kernels(tmp_path), 10), _leftover_kernels(tmp_path)
    assert not (tmp_path / "run").exists()  # a killed run publishes nothing half-done
