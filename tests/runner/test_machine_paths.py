"""A run's outputs name no path of this machine: the package's source and PYTHONPATH entries are
scrubbed too (a notebook's traceback shows the package's files wherever it is imported from)."""

from __future__ import annotations

from pathlib import Path

import sanctions_model
from sanctions_model.runner.execute import RunSpec, _machine_paths
from sanctions_model.runner.html import scrub_paths


def test_package_source_and_pythonpath_entries_are_scrubbed(tmp_path, monkeypatch):
    elsewhere = tmp_path / "checkout" / "src"
    elsewhere.mkdir(parents=True)
    monkeypatch.setenv("PYTHONPATH", f"{elsewhere}:relative/dir")
    nb = tmp_path / "notebooks" / "nb.ipynb"
    spec = RunSpec(name="r", notebook=str(nb), run_dir=str(tmp_path / "run"))
    machine = _machine_paths(tmp_path / "staging", tmp_path / "run", spec)
    package = str(Path(sanctions_model.__file__).resolve().parent)
    text = (
        f'File "{package}/models/inference.py", line 3\nFile "{elsewhere}/other_pkg/mod.py", line 9'
    )
    out = scrub_paths(text, machine)
    assert package not in out and str(elsewhere) not in out
    assert "<pythonpath>/other_pkg/mod.py" in out
    assert "relative/dir" not in machine
