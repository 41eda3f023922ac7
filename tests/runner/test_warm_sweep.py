"""A warm sweep (every run cached) rebuilds its pages without importing matplotlib: its charts
are read back from the sweep root's chart cache. A warm default sweep imports neither pandas
(data checks remembered, place, deflator and donor-rule words read without the data package) nor
nbformat, jupytext or filelock (runner/nbread.py, runner/pairs.py, runner/lock.py). Real kernels,
run in subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from sanctions_model.runner.charts import CHART_DIR

from .conftest import write_sweep

_SWEEP = """
import json, sys
from sanctions_model.cli import main
code = main(sys.argv[1:])
heavy = ("matplotlib", "pandas", "nbformat", "jupytext", "filelock", "papermill")
print(json.dumps({"code": code, "matplotlib": "matplotlib" in sys.modules,
                  "heavy": [m for m in heavy if m in sys.modules]}))
"""
ROOT = Path(__file__).resolve().parents[2]


def _notebook(path: Path) -> Path:
    """Records a figure with its interval, so that the findings page draws a chart of it."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "sanctions-model", "display_name": "sanctions-model"}
    params = nbformat.v4.new_code_cell("gap: float = 0.3  # the figure recorded")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            "import json\njson.dump({'gap': gap, 'gap_lower': gap - 0.1, 'gap_upper': gap + 0.1},"
            " open('results.json', 'w'))"
        ),
    ]
    nbformat.write(nb, str(path))
    return path


def _sweep(sweep: Path, root: Path, cwd: Path | None = None) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "MPLBACKEND": "Agg"}
    args = ["sweep", str(sweep), "--output-root", str(root), "--workers", "1", "--quiet"]
    done = subprocess.run(
        [sys.executable, "-c", _SWEEP, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=cwd or sweep.parent,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.slow
def test_a_warm_sweep_imports_no_matplotlib(tmp_path, kernel):
    notebook = _notebook(tmp_path / "gap.ipynb")
    sweep = write_sweep(
        tmp_path / "warm.yaml",
        f"name: warm\nnotebooks:\n  - path: {notebook.name}\n    product:\n      gap: [0.3, 0.5]\n",
    )
    root = tmp_path / "outputs"
    cold = _sweep(sweep, root)
    assert cold["code"] == 0 and cold["matplotlib"] is True  # the first sweep draws its chart
    charts = sorted((root / "warm" / CHART_DIR).glob("*.svg"))
    assert len(charts) == 1
    page = (root / "warm" / "index.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 1 and charts[0].read_text(encoding="utf-8") in page
    warm = _sweep(sweep, root)
    # the first warm sweep checks the datasets each run read (pandas) and remembers the verdicts
    assert warm["code"] == 0 and warm["matplotlib"] is False
    assert set(warm["heavy"]) <= {"pandas"}
    latest = (root / "warm" / "latest").resolve()
    runs = [json.loads(p.read_text()) for p in latest.glob("*/run.json")]
    assert len(runs) == 2 and {r["status"] for r in runs} == {"cached"}
    again = (root / "warm" / "index.html").read_text(encoding="utf-8")
    assert again.count("<svg") == 1 and charts[0].read_text(encoding="utf-8") in again
    assert sorted((root / "warm" / CHART_DIR).glob("*.svg")) == charts


@pytest.mark.slow
@pytest.mark.xdist_group("default-sweep")
def test_a_warm_default_sweep_imports_none_of_the_heavy_libraries(default_site, tmp_path):
    """The test run's default sweep, copied (hard links), swept again twice: every run cached,
    and the second imports none of pandas, nbformat, jupytext, filelock, papermill or
    matplotlib."""
    shutil.copytree(default_site, tmp_path / "default", symlinks=True, copy_function=os.link)
    # the first warm sweep checks the data each run read (pandas), and remembers the verdicts
    assert _sweep(ROOT / "sweeps" / "default.yaml", tmp_path, cwd=ROOT)["code"] == 0
    warm = _sweep(ROOT / "sweeps" / "default.yaml", tmp_path, cwd=ROOT)
    assert warm == {"code": 0, "matplotlib": False, "heavy": []}
    latest = (tmp_path / "default" / "latest").resolve()
    runs = [json.loads(p.read_text()) for p in latest.glob("*/run.json")]
    assert len(runs) == 15 and {r["status"] for r in runs} == {"cached"}
