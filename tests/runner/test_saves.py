"""Issue 23: a running notebook is written at its start and end, not after every cell (saves.py).

papermill wrote the whole notebook after each cell started and completed (50 writes for notebook
02). Now: a run of many quick cells writes a handful of times and still ends with every output on
disk; cells spread over more than ``SAVE_EVERY`` seconds are still written as they go (progress
stays visible); a timed-out or failing run still names the cell from the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from sanctions_model.runner import saves
from sanctions_model.runner.execute import RunSpec, execute_run

from .conftest import code_notebook


def _count_writes(monkeypatch) -> list[str]:
    import papermill.engines

    writes: list[str] = []
    real = papermill.engines.write_ipynb

    def counting(nb, path, *args, **kwargs):
        writes.append(str(path))
        return real(nb, path, *args, **kwargs)

    monkeypatch.setattr(papermill.engines, "write_ipynb", counting)
    return writes


def _run(notebook: Path, run_dir: Path, **kw):
    spec = RunSpec(name=run_dir.name, notebook=str(notebook), run_dir=str(run_dir), retries=0, **kw)
    return execute_run(spec)


@pytest.mark.slow
def test_quick_cells_are_written_at_start_and_end_with_every_output(tmp_path, kernel, monkeypatch):
    writes = _count_writes(monkeypatch)
    cells = [f"print({i} * {i})" for i in range(20)]
    record = _run(code_notebook(tmp_path / "quick.ipynb", *cells), tmp_path / "quick")
    assert record.status == "ok", record.error
    assert len(writes) <= 3  # start and end (papermill wrote 2 x 20 + 2 before)
    nb = nbformat.read(str(tmp_path / "quick" / "notebook.ipynb"), as_version=4)
    texts = [o["text"] for c in nb.cells for o in c.get("outputs", [])]
    assert texts == [f"{i * i}\n" for i in range(20)]
    assert all(c.metadata.papermill["status"] == "completed" for c in nb.cells)


@pytest.mark.slow
def test_slow_cells_are_still_written_as_they_go(tmp_path, kernel, monkeypatch):
    monkeypatch.setattr(saves, "SAVE_EVERY", 0.2)
    writes = _count_writes(monkeypatch)
    cells = ["import time", *["time.sleep(0.3)"] * 4]
    record = _run(code_notebook(tmp_path / "slow.ipynb", *cells), tmp_path / "slow")
    assert record.status == "ok", record.error
    assert len(writes) >= 2 + 4  # start, end, and at least one per slow cell


@pytest.mark.slow
def test_a_failing_cell_is_named_from_the_written_notebook(tmp_path, kernel, monkeypatch):
    writes = _count_writes(monkeypatch)
    cells = ["x = 1", "y = 2", "raise ValueError('planted')", "z = 3"]
    record = _run(code_notebook(tmp_path / "bad.ipynb", *cells), tmp_path / "bad")
    assert record.status == "failed"
    assert record.error["ename"] == "ValueError" and record.error["cell_index"] == 2
    assert len(writes) <= 4
    nb = json.loads((tmp_path / "bad" / "notebook.ipynb").read_text())
    errors = [i for i, c in enumerate(nb["cells"]) for o in c.get("outputs", [])
              if o.get("output_type") == "error"]  # fmt: skip
    assert len(errors) == 1  # the final write holds the error


@pytest.mark.slow
def test_a_timed_out_cell_is_named_from_the_written_notebook(tmp_path, kernel):
    cells = ["x = 1", "import time\ntime.sleep(30)", "z = 3"]
    record = _run(code_notebook(tmp_path / "slow.ipynb", *cells), tmp_path / "t", timeout=2)
    assert record.status == "timeout"
    assert record.error["cell_index"] == 1
