"""Planning reads notebooks without nbformat (runner/nbread.py) and pairs without jupytext
(runner/pairs.py: verdicts by content): the same parameters and cache keys as nbformat's read,
nbformat's errors for anything else, and the pair refusal unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from sanctions_model.errors import ParameterError
from sanctions_model.runner import nbread, pairs
from sanctions_model.runner.cache import cache_key
from sanctions_model.runner.parameters import inspect_parameters, read_notebook

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(
    [*ROOT.glob("notebooks/*.ipynb"), *(ROOT / "tests" / "runner" / "notebooks").glob("*.ipynb")]
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_light_read_gives_nbformats_parameters_and_cache_key(path):
    light = nbread.read_cells(path)
    full = nbformat.read(str(path), as_version=4)
    assert light is not None and not isinstance(light, nbformat.NotebookNode)
    assert [(c.cell_type, c.source) for c in light.cells] == [
        (c.cell_type, c.source) for c in full.cells
    ]
    assert inspect_parameters(light) == inspect_parameters(full)
    assert inspect_parameters(light)  # every notebook here declares parameters
    params = {"x": 1}
    assert cache_key(light, params, kernel_name="k") == cache_key(full, params, kernel_name="k")


def test_anything_but_a_plain_v4_notebook_is_left_to_nbformat(tmp_path):
    v3 = tmp_path / "old.ipynb"
    v3.write_text(
        json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}})
    )
    no_type = tmp_path / "odd.ipynb"
    no_type.write_text(json.dumps({"nbformat": 4, "cells": [{"source": "x"}], "metadata": {}}))
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    for path in (v3, no_type, broken):
        assert nbread.read_cells(path) is None
    # read_notebook(light=True) then reads with nbformat: its conversion, its error text
    assert read_notebook(v3, light=True).nbformat == 4
    with pytest.raises(ParameterError, match="broken.ipynb' is not a readable notebook"):
        read_notebook(broken, light=True)
    with pytest.raises(ParameterError, match="does not exist"):
        read_notebook(tmp_path / "missing.ipynb", light=True)


def _pair(tmp_path: Path) -> tuple[Path, Path]:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x: int = 1  # a number")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("print(x)")]
    ipynb = tmp_path / "pair.ipynb"
    nbformat.write(nb, str(ipynb))
    pairs._write_py(ipynb, ipynb.with_suffix(".py"))
    return ipynb, ipynb.with_suffix(".py")


_CHECK = """
import sys
from sanctions_model.runner.pairs import check_pair
check_pair(sys.argv[1])
print("jupytext" in sys.modules, "nbformat" in sys.modules)
"""


def _check_in_fresh_process(ipynb: Path, cache: Path) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "SANCTIONS_MODEL_TABLE_CACHE": str(cache),
    }
    done = subprocess.run(
        [sys.executable, "-c", _CHECK, str(ipynb)], capture_output=True, text=True, env=env
    )
    return done.returncode, done.stdout.strip(), done.stderr


def test_a_pair_compared_once_is_not_read_with_jupytext_again(tmp_path):
    ipynb, py = _pair(tmp_path)
    cache = tmp_path / "cache"
    later = ipynb.stat().st_mtime + 10
    os.utime(py, (later, later))  # the .py looks newer: its cells must be compared
    assert _check_in_fresh_process(ipynb, cache)[:2] == (0, "True True")  # compared, remembered
    assert _check_in_fresh_process(ipynb, cache)[:2] == (0, "False False")  # by content
    # an edit of the .py changes its bytes: compared again, and refused
    py.write_text(py.read_text().replace("print(x)", "print(x + 1)"))
    os.utime(py, (later + 10, later + 10))
    code, _, err = _check_in_fresh_process(ipynb, cache)
    assert code == 1 and "was edited after" in err and "pair.py" in err
    with pytest.raises(ParameterError, match="was edited after"):  # the same, in process
        pairs.check_pair(ipynb)


def test_sync_records_the_pair_it_leaves_in_step(tmp_path, monkeypatch):
    ipynb, py = _pair(tmp_path)
    cache = tmp_path / "cache"
    monkeypatch.setenv("SANCTIONS_MODEL_TABLE_CACHE", str(cache))
    assert pairs.sync_pair(ipynb).action == "in step"
    later = ipynb.stat().st_mtime + 10
    os.utime(py, (later, later))
    assert _check_in_fresh_process(ipynb, cache)[:2] == (0, "False False")
