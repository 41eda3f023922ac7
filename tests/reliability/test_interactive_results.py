"""Interactive runs leave no stray files (issue 22).

Outside the runner, ``reporting.record_results`` used to write ``results.json`` into the working
folder and merge into whatever was there: after notebooks 02 and 05 were run from the project
root one file held both notebooks' keys; in JupyterLab it landed in ``notebooks/``, which git does
not ignore. Now: a per-notebook file under ``outputs/interactive/`` (JupyterLab names the notebook
in ``JPY_SESSION_NAME``), replaced by a new session, or, with no name (plain papermill), only shown.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from sanctions_model.reporting import results

REPO = Path(__file__).resolve().parents[2]


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_jupyterlab_results_go_to_one_file_per_notebook(tmp_path, monkeypatch):
    monkeypatch.delenv(results.RUN_DIR_ENV, raising=False)
    monkeypatch.setenv(results.INTERACTIVE_ENV, str(tmp_path / "interactive"))
    monkeypatch.setattr(results, "_started", set())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(results.SESSION_ENV, "notebooks/02_sanction_effect.ipynb")
    results.record_results({"effect": -0.5})
    results.record_results({"p_value": 0.01})  # the same session: merged
    monkeypatch.setenv(results.SESSION_ENV, "notebooks/05_synthetic_control.ipynb")
    results.record_results({"weights": 3})
    assert _files(tmp_path) == [
        "interactive/02_sanction_effect/results.json",
        "interactive/05_synthetic_control/results.json",
    ]
    first = tmp_path / "interactive" / "02_sanction_effect" / "results.json"
    assert json.loads(first.read_text()) == {"effect": -0.5, "p_value": 0.01}
    # a new kernel session (a rerun after an edit) replaces the notebook's file: no stale keys
    monkeypatch.setattr(results, "_started", set())
    monkeypatch.setenv(results.SESSION_ENV, "notebooks/02_sanction_effect.ipynb")
    results.record_results({"effect": -0.4})
    assert json.loads(first.read_text()) == {"effect": -0.4}


def test_the_default_interactive_folder_is_ignored_by_git(monkeypatch):
    monkeypatch.delenv(results.RUN_DIR_ENV, raising=False)
    monkeypatch.delenv(results.INTERACTIVE_ENV, raising=False)
    monkeypatch.setenv(results.SESSION_ENV, "notebooks/x.ipynb")
    target = results.results_path()
    assert target == REPO / "outputs" / "interactive" / "x" / "results.json"
    check = subprocess.run(
        ["git", "check-ignore", "-q", str(target)], cwd=REPO, capture_output=True, check=False
    )
    assert check.returncode == 0, f"{target} is not ignored by git"


@pytest.mark.slow
def test_plain_papermill_writes_no_results_file_anywhere(tmp_path, kernel):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": "sm", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from sanctions_model import reporting\nreporting.record_results({'effect': -0.5})"
        )
    ]
    nbformat.write(nb, str(folder / "02_x.ipynb"))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (results.RUN_DIR_ENV, results.SESSION_ENV, "JPY_PARENT_PID")
    }
    env[results.INTERACTIVE_ENV] = str(tmp_path / "interactive")
    proc = subprocess.run(
        [sys.executable, "-m", "papermill", "02_x.ipynb", str(tmp_path / "executed.ipynb"),
         "-k", kernel, "--cwd", str(folder)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert _files(tmp_path) == ["executed.ipynb", "notebooks/02_x.ipynb"]
    executed = nbformat.read(str(tmp_path / "executed.ipynb"), as_version=4)
    shown = "".join(o.get("text", "") for o in executed.cells[0].outputs)
    assert "results not written" in shown and '"effect": -0.5' in shown
