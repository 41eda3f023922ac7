"""Cache reuse only by the full key (issue 21, items 3 and 4; issue 19, item 5).

The key covers the notebook's code, the parameters, the package, every installed distribution,
the pinned lock file and the ``SANCTIONS_MODEL_*`` variables a kernel receives. Nothing is reused
by run name: ``sweep --rerun-failed`` after an edit of the notebook runs it again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from sanctions_model.runner import cache
from sanctions_model.runner.cli import main
from sanctions_model.runner.records import read_record

from .conftest import NOTEBOOKS, write_sweep


def _value_notebook(path: Path, code: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "sanctions-model",
        "display_name": "sm",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell("scale: int = 1  # multiplier")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(code),
        nbformat.v4.new_code_cell(
            "import json\njson.dump({'value': value * scale}, open('results.json', 'w'))"
        ),
    ]
    nbformat.write(nb, str(path))


def _latest(root: Path, name: str = "s") -> dict[str, tuple[str, object]]:
    stamp = (root / name / "latest").resolve()
    out = {}
    for run in stamp.iterdir():
        record = read_record(run)
        if record is not None:
            out[run.name.split("-")[0]] = (record.status, (record.results or {}).get("value"))
    return out


@pytest.mark.slow
def test_rerun_failed_reruns_an_edited_notebook_instead_of_serving_its_old_result(
    tmp_path, kernel, monkeypatch
):
    monkeypatch.delenv("SANCTIONS_MODEL_SCENARIO", raising=False)
    _value_notebook(tmp_path / "value.ipynb", "value = 3")
    shutil.copy(NOTEBOOKS / "raises.ipynb", tmp_path / "raises.ipynb")
    sweep = write_sweep(tmp_path / "s.yaml", "name: s\nnotebooks: [value.ipynb, raises.ipynb]\n")
    root = tmp_path / "out"
    args = ["sweep", str(sweep), "--output-root", str(root), "--quiet"]
    assert main(args) == 1
    assert _latest(root)["value"] == ("ok", 3)

    # the code changed: 3 -> 300; the earlier success of the same run name must not come back
    _value_notebook(tmp_path / "value.ipynb", "value = 300")
    assert main([*args, "--rerun-failed"]) == 1
    assert _latest(root)["value"] == ("ok", 300)
    # unchanged since: now it is cached
    assert main([*args, "--rerun-failed"]) == 1
    assert _latest(root)["value"] == ("cached", 300)


def _cli(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sanctions_model.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_a_sanctions_model_variable_passed_to_kernels_is_in_the_key(tmp_path, kernel):
    code = "import os\nvalue = int(os.environ.get('SANCTIONS_MODEL_SCENARIO', '1'))"
    _value_notebook(tmp_path / "value.ipynb", code)
    write_sweep(tmp_path / "s.yaml", "name: s\nnotebooks: [value.ipynb]\n")
    root = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "SANCTIONS_MODEL_SCENARIO"}

    def sweep(**extra: str) -> dict:
        proc = _cli(
            tmp_path, {**env, **extra}, "sweep", "s.yaml", "--output-root", "out", "--quiet"
        )
        assert proc.returncode == 0, proc.stderr
        return _latest(root)

    assert sweep(SANCTIONS_MODEL_SCENARIO="7")["value"] == ("ok", 7)
    # served "cached" with 7 before the fix; variables kernels never see stay out of the key
    # (test_key_follows_every_library_the_lock_file_and_the_kernel_environment)
    assert sweep(SANCTIONS_MODEL_SCENARIO="8")["value"] == ("ok", 8)


def test_key_follows_every_library_the_lock_file_and_the_kernel_environment(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    base = cache.cache_key(nb, {}, kernel_name="k", environ={})
    for name in ("pysyncon", "wildboottest", "rapidfuzz", "pyfixest", "statsmodels"):
        assert name in cache.dependency_versions()
        assert cache.dependency_versions()[name] != "absent"
    assert cache.dependency_versions()["python"]

    # an upgraded library (here: wildboottest reported one version higher) changes the key
    versions = dict(cache.dependency_versions())
    versions["wildboottest"] = versions["wildboottest"] + ".1"
    monkeypatch.setattr(cache, "dependency_versions", lambda: versions)
    assert cache.cache_key(nb, {}, kernel_name="k", environ={}) != base
    monkeypatch.undo()

    # another lock file changes the key; comments and order do not
    lock = tmp_path / "requirements.lock"
    lock.write_text("# pins\nnumpy==2.0.0\npandas==2.2.0\n")
    first = cache.lock_digest(str(lock))
    lock.write_text("pandas==2.2.0\n# reordered\nnumpy==2.0.0\n")
    assert cache.lock_digest(str(lock)) == first
    lock.write_text("numpy==2.0.1\npandas==2.2.0\n")
    assert cache.lock_digest(str(lock)) != first
    assert cache.lock_digest(str(tmp_path / "missing.lock")) == "absent"
    monkeypatch.setattr(cache, "lock_digest", lambda: first)
    assert cache.cache_key(nb, {}, kernel_name="k", environ={}) != base
    monkeypatch.undo()

    # every SANCTIONS_MODEL_* variable a kernel gets, and names let through explicitly
    env = {"SANCTIONS_MODEL_DATA_DIR": "/d"}
    keyed = cache.cache_key(nb, {}, kernel_name="k", environ=env)
    assert keyed != base
    assert cache.cache_key(nb, {}, kernel_name="k", environ={**env, "HOME": "/h"}) == keyed
    assert cache.cache_key(nb, {}, kernel_name="k", environ={**env, "MY_OPTION": "1"}) == keyed
    through = {**env, "MY_OPTION": "1", "SANCTIONS_MODEL_KERNEL_ENV": "MY_OPTION"}
    other = {**env, "MY_OPTION": "2", "SANCTIONS_MODEL_KERNEL_ENV": "MY_OPTION"}
    assert cache.cache_key(nb, {}, kernel_name="k", environ=through) != cache.cache_key(
        nb, {}, kernel_name="k", environ=other
    )
    # the run's own folder and credential-looking variables are not
    assert (
        cache.cache_key(nb, {}, kernel_name="k", environ={**env, "SANCTIONS_MODEL_RUN_DIR": "/r"})
        == keyed
    )
    assert (
        cache.cache_key(nb, {}, kernel_name="k", environ={**env, "SANCTIONS_MODEL_TOKEN": "t"})
        == keyed
    )


@pytest.mark.slow
def test_a_new_lock_file_reruns_every_cached_run_from_the_command_line(
    tmp_path, kernel, monkeypatch, capsys, repo_root
):
    """The checkout's requirements.lock (here a copy the package is pointed at) is in the key."""
    lock = tmp_path / "requirements.lock"
    lock.write_text((repo_root / "requirements.lock").read_text())
    monkeypatch.setattr(cache, "lock_path", lambda: lock)
    _value_notebook(tmp_path / "value.ipynb", "value = 3")
    sweep = write_sweep(tmp_path / "s.yaml", "name: s\nnotebooks: [value.ipynb]\n")
    args = ["sweep", str(sweep), "--output-root", str(tmp_path / "out")]
    assert main([*args, "--quiet"]) == 0

    def state() -> str:
        capsys.readouterr()
        assert main([*args, "--dry-run"]) == 0
        (row,) = [line.split("\t") for line in capsys.readouterr().out.splitlines() if "\t" in line]
        return row[3]

    assert state() == "cached"
    lock.write_text(lock.read_text().replace("wildboottest==", "wildboottest==0.0.0+"))
    assert state() == "to-run"


def test_longest_expected_runs_start_first(tmp_path):
    """Issue 23: the run history orders the runs to execute (a run's own last duration, else its
    notebook's median, unknown first), so the long notebooks do not finish alone at the end."""
    from sanctions_model.runner.execute import RunSpec
    from sanctions_model.runner.planning import longest_first
    from sanctions_model.runner.records import RunRecord

    root = tmp_path / "s"
    old, new = root / "20260101T000000Z", root / "20260102T000000Z"
    history = {
        old: {"a1": ("ok", 50.0), "b1": ("ok", 5.0)},
        new: {"a1": ("ok", 40.0), "b1": ("failed", 7.0), "c1": ("cached", 99.0), "a2": ("ok", 1.0)},
    }
    for stamp, runs in history.items():
        for name, (status, seconds) in runs.items():
            (stamp / name).mkdir(parents=True)
            RunRecord(name, "nb.ipynb", status, duration=seconds).write(stamp / name)

    def spec(name: str, notebook: str) -> RunSpec:
        return RunSpec(name=name, notebook=notebook, run_dir=str(tmp_path / "x" / name))

    specs = [
        spec("b1", "b.ipynb"),  # 7 s (the newest duration, even of a failed run)
        spec("c1", "c.ipynb"),  # only cached before: unknown
        spec("a2", "a.ipynb"),  # 1 s
        spec("a3", "a.ipynb"),  # unknown run of notebook a: median of a's known runs in this sweep
        spec("a1", "a.ipynb"),  # 40 s
    ]
    order = [s.name for s in longest_first(specs, root)]
    assert order == ["c1", "a1", "a3", "b1", "a2"]
    assert [s.name for s in longest_first(specs, tmp_path / "none")] == [s.name for s in specs]


def test_dependency_versions_agree_with_the_installed_metadata():
    """The fast read of dist-info folder names gives what importlib.metadata reports."""
    from importlib import metadata

    expected = {cache._normalise(d.metadata["Name"]): d.version for d in metadata.distributions()}
    expected.pop("sanctions-model", None)
    found = dict(cache.dependency_versions())
    assert found.pop("python")
    assert found == {**dict.fromkeys(cache.KEY_DEPENDENCIES, "absent"), **expected}
