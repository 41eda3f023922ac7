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
