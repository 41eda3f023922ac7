"""Notebook pairs (issue 21, item 8; issue 22, "Notebook pairs").

``make sync-notebooks`` never drops an edit: the file edited since the last commit wins whatever
the modification times say; both edited, or a time in the future, is refused naming both files.
``sanctions-model run``/``sweep`` run a jupytext ``.py`` directly and refuse an ``.ipynb`` whose
``.py`` was edited later.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import pytest

from sanctions_model.runner.cli import main
from sanctions_model.runner.records import read_record

from .conftest import NOTEBOOKS, write_sweep

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
}


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(args),
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _sync(repo: Path) -> subprocess.CompletedProcess:
    return _run(repo, "make", "-s", "-o", ".venv/.installed-stamp", "sync-notebooks", f"BIN={BIN}")


def _last_source(path: Path) -> str:
    nb = (
        nbformat.read(str(path), as_version=4)
        if path.suffix == ".ipynb"
        else jupytext.read(str(path), fmt="py:percent")
    )
    return nb.cells[-1].source


def _append_cell(path: Path, code: str) -> None:
    if path.suffix == ".ipynb":
        nb = nbformat.read(str(path), as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(code))
        nbformat.write(nb, str(path))
    else:
        path.write_text(path.read_text() + f"\n# %%\n{code}\n")


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository with the project's Makefile and one committed notebook pair."""
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    shutil.copy(REPO / "Makefile", repo / "Makefile")
    shutil.copy(REPO / "pyproject.toml", repo / "pyproject.toml")
    shutil.copy(NOTEBOOKS / "ok.ipynb", repo / "notebooks" / "ok.ipynb")
    first = _sync(repo)
    assert first.returncode == 0, first.stderr
    assert (repo / "notebooks" / "ok.py").exists() and "wrote ok.py" in first.stdout
    _run(repo, "git", "init", "-q")
    _run(repo, "git", "add", ".")
    assert _run(repo, "git", "commit", "-q", "-m", "pair").returncode == 0
    return repo


def test_sync_keeps_the_edited_file_whatever_the_clock_says(repo):
    ipynb, py = repo / "notebooks" / "ok.ipynb", repo / "notebooks" / "ok.py"
    # an edit in the .ipynb while the .py looks newer (its time an hour ahead, then back to now)
    _append_cell(ipynb, "print('edited in Jupyter')")
    hour_ago = time.time() - 3600
    os.utime(ipynb, (hour_ago, hour_ago))
    sync = _sync(repo)
    assert sync.returncode == 0, sync.stderr
    assert _last_source(py) == "print('edited in Jupyter')"
    assert _last_source(ipynb) == "print('edited in Jupyter')"
    _run(repo, "git", "commit", "-qam", "jupyter edit")
    # an edit in the .py while the .ipynb looks newer
    _append_cell(py, "print('edited in the .py')")
    os.utime(py, (hour_ago, hour_ago))
    sync = _sync(repo)
    assert sync.returncode == 0, sync.stderr
    assert _last_source(ipynb) == "print('edited in the .py')"


def test_sync_refuses_when_both_files_changed_naming_both(repo):
    ipynb, py = repo / "notebooks" / "ok.ipynb", repo / "notebooks" / "ok.py"
    _append_cell(ipynb, "print('edit A')")
    _append_cell(py, "print('edit B')")
    before = (ipynb.read_bytes(), py.read_bytes())
    sync = _sync(repo)
    assert sync.returncode != 0
    assert str(Path("notebooks") / "ok.ipynb") in sync.stderr
    assert str(Path("notebooks") / "ok.py") in sync.stderr
    assert "both edited" in sync.stderr and "--prefer" in sync.stderr
    assert (ipynb.read_bytes(), py.read_bytes()) == before  # nothing written
    # the user decides: keep the .py
    keep = _run(repo, str(BIN / "sanctions-model"), "notebooks", "sync", "--prefer", "py", str(py))
    assert keep.returncode == 0, keep.stderr
    assert _last_source(ipynb) == "print('edit B')"


def test_sync_refuses_a_differing_pair_with_a_time_in_the_future(repo):
    ipynb, py = repo / "notebooks" / "ok.ipynb", repo / "notebooks" / "ok.py"
    _append_cell(ipynb, "print('edited')")
    ahead = time.time() + 3600  # clock skew: the .py's time an hour ahead
    os.utime(py, (ahead, ahead))
    before = (ipynb.read_bytes(), py.read_bytes())
    sync = _sync(repo)
    assert sync.returncode != 0
    assert "in the future" in sync.stderr and "ok.ipynb" in sync.stderr and "ok.py" in sync.stderr
    assert (ipynb.read_bytes(), py.read_bytes()) == before


def test_sync_outside_git_refuses_a_differing_pair(tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    shutil.copy(NOTEBOOKS / "ok.ipynb", folder / "ok.ipynb")
    assert main(["notebooks", "sync", str(folder)]) == 0
    _append_cell(folder / "ok.py", "print('edit')")
    assert main(["notebooks", "sync", str(folder)]) == 1
    assert main(["notebooks", "sync", "--prefer", "py", str(folder)]) == 0
    assert _last_source(folder / "ok.ipynb") == "print('edit')"


def _pair(tmp_path: Path) -> tuple[Path, Path]:
    ipynb = tmp_path / "ok.ipynb"
    shutil.copy(NOTEBOOKS / "ok.ipynb", ipynb)
    assert main(["notebooks", "sync", str(ipynb)]) == 0
    return ipynb, ipynb.with_suffix(".py")


@pytest.mark.slow
def test_run_accepts_a_py_notebook_directly(tmp_path, kernel, capsys):
    _, py = _pair(tmp_path)
    py.write_text(py.read_text().replace("n: int = 3", "n: int = 4"))
    out = tmp_path / "run"
    assert main(["run", str(py), "-p", "scale", "2", "--output-dir", str(out)]) == 0
    record = read_record(out)
    assert record.status == "ok" and record.results["n"] == 4 and record.results["total"] == 12
    assert record.notebook.endswith("ok.py")


def test_run_and_sweep_refuse_an_ipynb_whose_py_was_edited_later(tmp_path, capsys):
    ipynb, py = _pair(tmp_path)
    time.sleep(0.01)
    py.write_text(py.read_text().replace("n: int = 3", "n: int = 30"))
    later = ipynb.stat().st_mtime + 5
    os.utime(py, (later, later))
    out = tmp_path / "run"
    assert main(["run", str(ipynb), "--output-dir", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(py) in err and str(ipynb) in err and "make sync-notebooks" in err
    assert not out.exists()  # refused before any kernel started
    sweep = write_sweep(tmp_path / "s.yaml", "name: s\nnotebooks: [ok.ipynb]\n")
    assert main(["sweep", str(sweep), "--output-root", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "ok.py was edited after" in err and "make sync-notebooks" in err
    assert not (tmp_path / "o").exists()
    # the same edit in both (or an .ipynb edited after its .py) is not refused
    assert main(["notebooks", "sync", "--prefer", "py", str(py)]) == 0
    assert main(["sweep", str(sweep), "--output-root", str(tmp_path / "o"), "--dry-run"]) == 0


def test_sweep_accepts_a_py_notebook(tmp_path, capsys):
    _, py = _pair(tmp_path)
    sweep = write_sweep(tmp_path / "s.yaml", "name: s\nnotebooks: [ok.py]\nproduct: {n: [1, 2]}\n")
    assert main(["sweep", str(sweep), "--output-root", str(tmp_path / "o"), "--dry-run"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines() if "\t" in line]
    assert [(r[1], r[3]) for r in rows] == [("ok.py", "to-run")] * 2
