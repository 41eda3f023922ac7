"""Reviewable notebooks (issue 15, item 5): py:percent pairs, no outputs, hooks that work offline,
and ``make lab`` on a chosen port with a PID file of the real server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
VENV_BIN = Path(os.environ.get("VIRTUAL_ENV") or Path(sys.executable).parent.parent) / "bin"


def _cells(nb) -> list[tuple[str, str, bool]]:
    return [
        (c.cell_type, c.source.strip(), "parameters" in c.metadata.get("tags", []))
        for c in nb.cells
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_has_a_py_percent_pair_that_agrees(path):
    pair = path.with_suffix(".py")
    assert pair.exists(), f"{pair.name} missing: run `make sync-notebooks`"
    text = pair.read_text(encoding="utf-8")
    assert "# %%" in text and '# %% tags=["parameters"]' in text
    from_py = jupytext.reads(text, fmt="py:percent")
    from_ipynb = nbformat.read(str(path), as_version=4)
    assert _cells(from_py) == _cells(from_ipynb), (
        f"{path.name} and {pair.name} differ: run `make sync-notebooks`"
    )
    assert from_py.metadata["kernelspec"]["name"] == "sanctions-model"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_have_no_outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name} cell {i}"
    assert nb.metadata["kernelspec"]["name"] == "sanctions-model"


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check, timeout=300
    )


@pytest.mark.slow
def test_make_hooks_strips_outputs_keeps_tags_and_syncs_pairs_offline(tmp_path):
    """A scratch repository with this project's hook config and Makefile; nothing downloaded."""
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    for name in (".pre-commit-config.yaml", "pyproject.toml", "Makefile"):
        shutil.copy(REPO / name, repo / name)
    (repo / ".venv").symlink_to(VENV_BIN.parent)
    nb = nbformat.read(str(NOTEBOOKS[0]), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text="an output\n")]
            cell.execution_count = 1
    target = repo / "notebooks" / NOTEBOOKS[0].name
    nbformat.write(nb, str(target))
    _git(repo, "init", "-q")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home")}
    hooks = subprocess.run(
        ["make", "-o", ".venv/.installed-stamp", "hooks"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert hooks.returncode == 0, hooks.stdout + hooks.stderr
    assert (repo / ".git" / "hooks" / "pre-commit").exists()
    _git(repo, "add", ".")
    first = _git(repo, "commit", "-q", "-m", "with outputs", check=False)
    assert first.returncode != 0  # the hooks changed files: the commit stops for a look
    stripped = nbformat.read(str(target), as_version=4)
    assert all(not c.outputs for c in stripped.cells if c.cell_type == "code")
    assert any("parameters" in c.metadata.get("tags", []) for c in stripped.cells)
    assert stripped.metadata["kernelspec"]["name"] == "sanctions-model"
    pair = target.with_suffix(".py")
    assert pair.exists() and '# %% tags=["parameters"]' in pair.read_text()
    _git(repo, "add", ".")
    second = _git(repo, "commit", "-q", "-m", "clean", check=False)
    assert second.returncode == 0, second.stdout + second.stderr

    # an edit made in the reviewed .py reaches the notebook with `make sync-notebooks`
    time.sleep(1.1)
    pair.write_text(pair.read_text() + '\n# %%\nprint("added in the .py")\n')
    sync = subprocess.run(
        ["make", "-o", ".venv/.installed-stamp", "sync-notebooks"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert sync.returncode == 0, sync.stderr
    synced = nbformat.read(str(target), as_version=4)
    assert synced.cells[-1].source == 'print("added in the .py")'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_lab_on_port_without_browser_and_make_lab_stop_kills_the_server(tmp_path, kernel):
    port, pid_file = _free_port(), tmp_path / "lab.pid"
    variables = [f"PORT={port}", f"LAB_PID={pid_file}", f"BIN={VENV_BIN}"]
    proc = subprocess.Popen(
        ["make", "-o", ".venv/.installed-stamp", "lab", *variables],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        status = None
        for _ in range(300):
            try:
                status = requests.get(f"http://127.0.0.1:{port}/lab", timeout=1).status_code
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        assert status is not None, "JupyterLab did not answer on the chosen port"
        pid = json.loads(pid_file.read_text())["pid"]
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        assert "jupyter" in cmdline and f"--port={port}" in cmdline and "--no-browser" in cmdline
        stop = subprocess.run(
            ["make", "lab-stop", *variables], cwd=REPO, capture_output=True, text=True, timeout=60
        )
        assert stop.returncode == 0 and f"pid {pid}" in stop.stdout
        assert proc.wait(timeout=60) is not None
        assert not Path(f"/proc/{pid}").exists() and not pid_file.exists()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
