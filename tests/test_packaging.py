"""Files that describe the project agree with each other and with the tree."""

from __future__ import annotations

import json
import re
import tomllib

import yaml

from sanctions_model.data import manifest


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject(repo_root):
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((repo_root / "environment.yml").read_text())
    conda = {}
    pip = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip += dep["pip"]
        else:
            conda[_name(dep)] = dep.replace(" ", "")
    conda.pop("python"), conda.pop("pip")
    # packages not on conda-forge sit in the pip section, with the same pins
    from_pip = {_name(d): d.replace(" ", "") for d in pip if d != "-e ."}
    assert not set(conda) & set(from_pip), "a dependency is listed for conda and for pip"
    wanted = {_name(d): d.replace(" ", "") for d in project["dependencies"]}
    assert conda | from_pip == wanted, (
        "environment.yml and pyproject.toml list different dependencies"
    )
    assert "-e ." in pip


def test_manifest_lists_every_shipped_file_with_its_hash(repo_root):
    recorded = json.loads((repo_root / "data" / "manifest.json").read_text())["files"]
    assert recorded == manifest.build(repo_root / "data")


def test_ci_runs_the_readme_test_command(repo_root):
    assert "make test" in (repo_root / ".ci" / "run").read_text()
    readme = (repo_root / "README.md").read_text()
    assert "make test" in readme and "make report" in readme


def test_shipped_data_is_byte_exact_copy_of_shared(repo_root):
    shared = repo_root.parent / "shared" / "data"
    if not shared.exists():  # a clone elsewhere: the manifest test still guards the bytes
        return
    for entry in json.loads((repo_root / "data" / "manifest.json").read_text())["files"]:
        rel = entry["path"].removeprefix("raw/")
        src = shared / rel
        if entry["path"].startswith("raw/") and src.exists():
            assert manifest.sha256_file(src) == entry["sha256"], rel


def test_make_lab_starts_jupyterlab_on_the_notebooks_with_the_project_kernel(repo_root):
    import os
    import subprocess

    out = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed-stamp", "lab"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "jupyter lab --notebook-dir=notebooks" in out
    assert "default_kernel_name=sanctions-model" in out
    assert ("--allow-root" in out) == (os.getuid() == 0)  # jupyter refuses root without it


def _lock(repo_root) -> dict[str, str]:
    pins = {}
    for n, line in enumerate((repo_root / "requirements.lock").read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        assert re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!_-]+", line), (
            f"requirements.lock line {n}: {line!r} is not NAME==VERSION"
        )
        name, version = line.split("==")
        pins[_name(name).replace(".", "-")] = version
    return pins


def test_every_dependency_of_pyproject_is_pinned_in_the_lock_file(repo_root):
    """The lock file (issue 19, item 5) pins every dependency, test extras included, at a version
    the pyproject range allows, and not the project itself (installed with --no-deps)."""
    from packaging.requirements import Requirement

    pins = _lock(repo_root)
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"]) + list(project["optional-dependencies"]["test"])
    problems = []
    for text in wanted:
        req = Requirement(text)
        name = _name(req.name).replace(".", "-")
        if name not in pins:
            problems.append(f"{req.name} is not pinned")
        elif not req.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{req.name}=={pins[name]} is outside {req.specifier}")
    assert not problems, problems
    assert "sanctions-model" not in pins


def test_make_installs_from_the_lock_file_and_rebuilds_when_it_changes(repo_root):
    import subprocess

    out = subprocess.run(
        ["make", "-n", "-B", "env", "PYTHON=true"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "pip install -q -r requirements.lock" in out
    assert "pip install -q --no-deps -e ." in out
    assert out.index("-r requirements.lock") < out.index("--no-deps -e .")
    makefile = (repo_root / "Makefile").read_text()
    assert re.search(r"^\$\(STAMP\): pyproject.toml \$\(LOCK\)$", makefile, re.M)
    assert re.search(r"^LOCK := requirements.lock$", makefile, re.M)
