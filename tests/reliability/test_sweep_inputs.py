"""Sweep files and ``-f`` parameter files: each bad one stops before any kernel, with its message.

``tests/runner/test_sweep.py`` covers the basic sweep-file cases (unknown notebook or parameter,
wrong type, empty grid, malformed YAML, a ``!!python/object/apply`` tag, unknown key, uneven zip,
``--dry-run`` and ``--yes``). These add the parameter files of ``run -f``, more YAML tags, files
that are not text or not files, a YAML alias bomb, hostile names, and bad ``timeout``/``workers``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sanctions_model.runner.cli import main

from .conftest import NOTEBOOKS, write_sweep

OK = NOTEBOOKS / "ok.ipynb"
TAGS = [
    "!!python/object/apply:os.system ['touch pwned']",
    "!!python/object/new:subprocess.Popen [['touch', 'pwned']]",
    "!!python/name:os.system",
    "n: !!python/object/apply:builtins.eval ['1+1']",
    "n: !!binary aGVsbG8=",
]
#: A YAML alias bomb inside the declared parameters: 10**5 leaves if anything expanded it.
BOMB = "parameters:\n  label: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"  {name}: &{b} [" + ", ".join([f"*{a}"] * 10) + "]\n"
    for name, a, b in (
        ("n", "a", "b"),
        ("scale", "b", "c"),
        ("flow", "c", "d"),
        ("figure", "d", "e"),
    )
)
#: Seven keys of ten values: 10**7 runs, refused before the grid is built.
HUGE = "product:\n" + "".join(f"  k{i}: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n" for i in range(7))


def _sweep(tmp_path: Path, text: str, *extra: str) -> tuple[int, Path]:
    sweep = write_sweep(tmp_path / "bad.yaml", text)
    root = tmp_path / "out"
    return main(["sweep", str(sweep), "--output-root", str(root), *extra]), root


SWEEPS = [
    # (id, sweep text, message fragment); all exit 2, nothing written
    ("tag_popen", f"notebooks: [{OK}]\nparameters: {TAGS[1][0:0]}{{label: {TAGS[1]}}}", "not valid YAML"),
    ("tag_name", f"notebooks: [{OK}]\nparameters: {{label: {TAGS[2]}}}", "not valid YAML"),
    ("tag_eval_in_grid", f"notebooks: [{OK}]\nproduct: {{n: [!!python/object/apply:builtins.eval ['1+1']]}}", "not valid YAML"),
    ("binary_for_str", f"notebooks: [{OK}]\nparameters: {{label: !!binary aGVsbG8=}}", "parameter 'label'"),
    ("bool_for_int", f"notebooks: [{OK}]\nparameters: {{n: true}}", "parameter 'n'"),
    ("float_for_int", f"notebooks: [{OK}]\nparameters: {{n: 2.5}}", "parameter 'n': value 2.5"),
    ("literal_outside", f"notebooks: [{OK}]\nproduct: {{flow: [exports, sideways]}}", "'sideways'"),
    ("list_for_scalar", f"notebooks: [{OK}]\nparameters: {{scale: [1, 2]}}", "parameter 'scale'"),
    ("alias_bomb", f"notebooks: [{OK}]\n" + BOMB, "anchors (&a) are not allowed"),
    ("huge_grid", f"notebooks: [{OK}]\n" + HUGE, "the grid has 10000000 runs, more than the 100000"),
    ("list_document", f"- {OK}\n", "a sweep file is a YAML mapping"),
    ("scalar_document", "just text", "a sweep file is a YAML mapping"),
    ("empty_document", "", "a sweep file is a YAML mapping"),
    ("no_notebooks", "name: x\n", "'notebooks' must name at least one notebook"),
    ("notebook_nul", 'notebooks: ["ok\\0.ipynb"]', "notebook path must be a non-empty string"),
    ("notebook_not_a_notebook", f"notebooks: [{Path(__file__)}]", "is not a readable notebook"),
    ("notebook_is_dir", f"notebooks: [{NOTEBOOKS}]", "unknown notebook"),
    ("name_only_dots", f"name: '../..'\nnotebooks: [{OK}]", "has no usable characters"),
    ("timeout_negative", f"notebooks: [{OK}]\ntimeout: -1", "timeout must be a finite positive"),
    ("timeout_bool", f"notebooks: [{OK}]\ntimeout: yes", "timeout must be a finite positive"),
    ("workers_zero", f"notebooks: [{OK}]\nworkers: 0", "workers must be a positive integer"),
    ("runs_and_product", f"notebooks: [{OK}]\nruns: [{{n: 1}}]\nproduct: {{n: [2]}}", "either 'runs' or 'product'"),
    ("runs_not_mappings", f"notebooks: [{OK}]\nruns: [1, 2]", "must be a mapping of parameter names"),
    ("int_keys", f"notebooks: [{OK}]\nparameters: {{1: 2}}", "must be a mapping of parameter names"),
    ("duplicate_runs", f"notebooks: [{OK}]\nruns: [{{n: 1}}, {{n: 1}}]", "appears twice"),
    ("nested_unknown", f"notebooks:\n  - path: {OK}\n    paramters: {{n: 1}}", "unknown keys ['paramters']"),
]  # fmt: skip


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("text", "message"), [c[1:] for c in SWEEPS], ids=[c[0] for c in SWEEPS])
def test_bad_sweep_file(tmp_path, capsys, text, message):
    code, root = _sweep(tmp_path, text)
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err, err
    assert err.startswith("error: ") and "Traceback" not in err
    assert not root.exists() and not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"notebooks: [x]\nname: \xe9t\xe9\n", "not valid YAML"),  # Latin-1 bytes
        (b"\x00\x01\x02\xff", "not valid YAML"),
    ],
    ids=["latin1", "binary"],
)
def test_sweep_file_not_utf8(tmp_path, capsys, content, message):
    sweep = tmp_path / "bad.yaml"
    sweep.write_bytes(content)
    assert main(["sweep", str(sweep), "--output-root", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().err


def test_sweep_file_missing_or_a_directory(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "nope.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["sweep", str(tmp_path), "--output-root", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "is a directory, not a sweep file" in err and "Traceback" not in err


def test_dry_run_big_grid_lists_every_run_without_kernels(tmp_path, capsys, monkeypatch):
    import sanctions_model.runner.execute as execute

    monkeypatch.setattr(execute, "execute_run", lambda spec: pytest.fail("kernel started"))
    text = f"name: big\nnotebooks: [{OK}]\nproduct: {{n: {list(range(25))}, scale: {list(range(9))}}}\n"
    code, root = _sweep(tmp_path, text, "--dry-run")
    out = capsys.readouterr().out.splitlines()
    assert code == 0 and out[-1] == "225 runs (dry run: nothing executed)"
    names = [line.split("\t")[0] for line in out[:-1]]
    assert len(names) == len(set(names)) == 225 and not root.exists()
    code, root = _sweep(tmp_path, text)
    assert code == 2 and "this sweep has 225 runs (more than 200); pass --yes" in (
        capsys.readouterr().err
    )
    assert not root.exists()


# -- parameter files of `run -f` -----------------------------------------------------------------

PARAM_FILES = [
    ("malformed", "n: [1,\n", "is not valid YAML"),
    ("python_tag", "n: !!python/object/apply:os.system ['touch pwned']\n", "is not valid YAML"),
    ("python_name", "!!python/name:os.system\n", "is not valid YAML"),
    ("list", "- 1\n- 2\n", "must be a mapping of names to values"),
    ("scalar", "3\n", "must be a mapping of names to values"),
    ("unknown_parameter", "nn: 1\n", "unknown parameter 'nn'"),
    ("wrong_type", "n: lots\n", "parameter 'n': value 'lots'"),
    ("literal_outside", "flow: sideways\n", "'sideways'"),
]


@pytest.mark.parametrize(
    ("text", "message"), [c[1:] for c in PARAM_FILES], ids=[c[0] for c in PARAM_FILES]
)
def test_bad_parameter_file(tmp_path, capsys, text, message):
    params = tmp_path / "p.yaml"
    params.write_text(text, encoding="utf-8")
    out = tmp_path / "run"
    code = main(["run", str(OK), "-f", str(params), "--output-dir", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and message in err, err
    assert not out.exists() and not (tmp_path / "pwned").exists()


def test_parameter_file_missing_and_notebook_missing(tmp_path, capsys):
    assert main(["run", str(OK), "-f", str(tmp_path / "nope.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["run", str(tmp_path / "nope.ipynb")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_parameter_file_not_utf8(tmp_path, capsys):
    params = tmp_path / "p.yaml"
    params.write_bytes(b"label: \xe9t\xe9\n")
    assert main(["run", str(OK), "-f", str(params), "--output-dir", str(tmp_path / "r")]) == 2
    assert "is not valid YAML" in capsys.readouterr().err
