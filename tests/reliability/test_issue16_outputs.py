"""Issue 16, output folders (points 1, 3, 9, 12): publish only into folders the runner owns.

- ``run --output-dir`` refuses, before a kernel starts (the notebook would sleep 30 s), a folder
  with other content, ``.``, ``..``, the notebook's folder, the project, a symbolic link, and
  paths too long for the file system; a previous run's folder is replaced.
- Symbolic links: ``.lock`` and ``.lock.info`` links are never followed.
- A full disk (a real tmpfs of 100 KiB, mounted in a private mount namespace) makes the run
  ``failed`` with a ``WriteError``, never ``ok``, and never a cache source; an index that cannot
  be written gives one line and exit status 1, and the earlier index stays.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from sanctions_model.runner.cli import main
from sanctions_model.runner.records import read_record

from .conftest import NOTEBOOKS, write_sweep

CLI = [sys.executable, "-m", "sanctions_model.runner.cli"]
SLEEPS = str(NOTEBOOKS / "sleeps.ipynb")  # 30 s unless told otherwise: a started kernel shows


def _tree(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p)
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder (pyproject.toml, notebooks/, data/) as the working directory."""
    root = tmp_path / "project"
    shutil.copytree(NOTEBOOKS, root / "notebooks", ignore=shutil.ignore_patterns("*.py"))
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (root / "data").mkdir()
    (root / "data" / "keep.csv").write_text("a,b\n1,2\n")
    monkeypatch.chdir(root)
    return root


def _refused(capsys, argv: list[str]) -> str:
    t0 = time.perf_counter()
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    assert time.perf_counter() - t0 < 25  # the 30 s notebook never started
    return err


@pytest.mark.parametrize(
    "target, why",
    [
        ("notebooks", "contains sleeps.ipynb"),
        (".", "contains the working directory"),
        ("..", "contains the working directory"),
        ("../..", "contains the working directory"),
        ("data", "not a run folder"),
        ("pyproject.toml", "not a folder"),
    ],
)
def test_run_refuses_folders_it_does_not_own(target, why, project, capsys):
    before = _tree(project)
    err = _refused(capsys, ["run", "notebooks/sleeps.ipynb", "--output-dir", target])
    assert why in err, err
    assert _tree(project) == before  # nothing deleted, nothing created (no staging folder)


def test_run_refuses_the_project_from_outside(project, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path / "project" / "data")
    err = _refused(
        capsys, ["run", str(project / "notebooks" / "sleeps.ipynb"), "--output-dir", str(project)]
    )
    assert "contains" in err


@pytest.mark.parametrize(
    "target", ["a" * 300, "/".join(["b" * 200] * 25), "ok/" + "c" * 256 + "/x"]
)
def test_overlong_output_dir_is_refused_before_the_run(target, project, capsys):
    err = _refused(capsys, ["run", "notebooks/sleeps.ipynb", "--output-dir", target])
    assert "choose a shorter --output-dir" in err
    assert not Path("ok").exists()


def test_symlinked_output_folder_is_refused_and_nothing_left(project, tmp_path, capsys):
    real = tmp_path / "elsewhere"
    real.mkdir()
    (real / "important.txt").write_text("keep me")
    os.symlink(real, project / "link")
    before, before_real = _tree(project), _tree(real)
    err = _refused(capsys, ["run", "notebooks/sleeps.ipynb", "--output-dir", "link"])
    assert "symbolic link" in err
    assert _tree(project) == before and _tree(real) == before_real
    assert (project / "link").is_symlink()
    assert not [p for p in project.iterdir() if p.name.startswith(".")]  # no hidden staging


@pytest.mark.slow
def test_previous_run_folder_is_replaced(project, kernel, capsys):
    assert main(["run", "notebooks/ok.ipynb", "-p", "n", "2", "--output-dir", "out/r"]) == 0
    assert read_record(project / "out" / "r").results["n"] == 2
    assert main(["run", "notebooks/ok.ipynb", "-p", "n", "5", "--output-dir", "out/r"]) == 0
    assert read_record(project / "out" / "r").results["n"] == 5
    assert [p.name for p in (project / "out").iterdir()] == ["r"]  # no staging left


def test_lock_that_is_a_symlink_is_refused(tmp_path, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    root = tmp_path / "out" / "s"
    root.mkdir(parents=True)
    os.symlink(victim, root / ".lock")
    sweep = write_sweep(tmp_path / "s.yaml", f"name: s\nnotebooks: [{SLEEPS}]\n")
    err = _refused(capsys, ["sweep", str(sweep), "--output-root", str(tmp_path / "out")])
    assert ".lock is a symbolic link" in err
    assert victim.read_text() == "precious"
    assert sorted(p.name for p in root.iterdir()) == [".lock"]


@pytest.mark.slow
def test_lock_info_symlink_is_replaced_not_followed(tmp_path, kernel):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    root = tmp_path / "out" / "s"
    root.mkdir(parents=True)
    os.symlink(victim, root / ".lock.info")
    sweep = write_sweep(
        tmp_path / "s.yaml", f"name: s\nnotebooks: [{NOTEBOOKS}/ok.ipynb]\nruns: [{{n: 1}}]\n"
    )
    assert main(["sweep", str(sweep), "--output-root", str(tmp_path / "out"), "--quiet"]) == 0
    assert victim.read_text() == "precious"
    assert not (root / ".lock.info").exists() and not (root / ".lock.info").is_symlink()


# -- point 3: full disk --------------------------------------------------------------------------


def _tmpfs(
    directory: Path, script: str, cwd: Path, size: str = "100k"
) -> subprocess.CompletedProcess:
    """Run the shell ``script`` with a tmpfs of ``size`` mounted on ``directory`` (private)."""
    wrapped = f'mount -t tmpfs -o size={size} tmpfs "$0" && cd "$PWD" && {script}'
    return subprocess.run(
        ["unshare", "--mount", "sh", "-c", wrapped, str(directory)],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _can_tmpfs() -> bool:
    if not shutil.which("unshare"):
        return False
    with tempfile.TemporaryDirectory() as d:
        return _tmpfs(Path(d), "true", Path(d)).returncode == 0


needs_tmpfs = pytest.mark.skipif(not _can_tmpfs(), reason="needs unshare and mount (CAP_SYS_ADMIN)")


@needs_tmpfs
@pytest.mark.slow
def test_full_disk_run_is_failed_and_never_cached(tmp_path, kernel):
    """report.html (~260 KB) cannot fit on a 100 KiB disk: the run is failed, not ok.

    Then, on the same file system grown to 4 MiB, the sweep runs the notebook again instead of
    reusing the broken run from the cache.
    """
    disk = tmp_path / "disk"
    disk.mkdir()
    sweep = write_sweep(
        tmp_path / "s.yaml", f"name: s\nnotebooks: [{NOTEBOOKS}/ok.ipynb]\nruns: [{{n: 2}}]\n"
    )
    cli = " ".join(CLI)
    script = (
        f"{cli} run {NOTEBOOKS}/ok.ipynb --output-dir {disk}/run; echo run=$?; "
        f"{cli} sweep {sweep} --output-root {disk}/o --quiet; echo sweep1=$?; "
        f'cp -a {disk} {tmp_path}/small; mount -o remount,size=4m "$0"; '
        f"{cli} sweep {sweep} --output-root {disk}/o --quiet; echo sweep2=$?; "
        f"cp -a {disk} {tmp_path}/big"
    )
    proc = _tmpfs(disk, script, tmp_path)
    assert "run=1" in proc.stdout and "sweep1=1" in proc.stdout, proc.stdout + proc.stderr
    assert "sweep2=0" in proc.stdout, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    small = tmp_path / "small"
    run = read_record(small / "run")
    assert run.status == "failed" and run.error["ename"] == "WriteError", run
    assert "No space left on device" in run.error["evalue"]
    assert not (small / "run" / "report.html").exists()
    stamps = sorted(p for p in (small / "o" / "s").iterdir() if p.name[0].isdigit())
    [first] = [read_record(p) for p in stamps[0].iterdir() if p.is_dir()]
    assert first.status == "failed" and first.error["ename"] == "WriteError"
    big = tmp_path / "big" / "o" / "s"
    stamps = sorted(p for p in big.iterdir() if p.name[0].isdigit())
    assert len(stamps) == 2
    [second] = [read_record(p) for p in stamps[1].iterdir() if p.is_dir()]
    assert second.status == "ok" and second.cached_from is None  # executed, not cached
    assert (stamps[1] / second.name / "report.html").stat().st_size > 100_000


@pytest.mark.slow
def test_index_write_error_is_one_line_and_keeps_the_old_index(
    tmp_path, kernel, capsys, monkeypatch
):
    """An injected ENOSPC while writing index.html: exit 1, one line, earlier index untouched."""
    import errno

    from sanctions_model.runner import index

    sweep = write_sweep(
        tmp_path / "s.yaml", f"name: s\nnotebooks: [{NOTEBOOKS}/ok.ipynb]\nruns: [{{n: 1}}]\n"
    )
    root = tmp_path / "out"
    assert main(["sweep", str(sweep), "--output-root", str(root), "--quiet"]) == 0
    capsys.readouterr()
    before = {p.name: p.read_bytes() for p in (root / "s").glob("index.*")}
    latest = os.readlink(root / "s" / "latest")
    real = index.write_shared_text

    def full_disk(target, text):
        if Path(target).name == "index.html":
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        real(target, text)

    monkeypatch.setattr(index, "write_shared_text", full_disk)
    rc = main(["sweep", str(sweep), "--output-root", str(root), "--quiet"])  # all cached
    err = capsys.readouterr().err.strip()
    assert rc == 1 and err.startswith("error: could not write the sweep's index"), err
    assert "No space left on device" in err and "\n" not in err
    assert {p.name: p.read_bytes() for p in (root / "s").glob("index.*")} == before
    assert os.readlink(root / "s" / "latest") == latest  # never moved to a sweep without index
