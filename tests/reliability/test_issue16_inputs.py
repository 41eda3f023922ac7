"""Issue 16, bad inputs (points 2, 7, 8, 9, 13a): each gives exit status 2 with one line.

Through the command line (``main([...])``, as a user runs it): YAML alias bombs, deep nesting and
huge integers in ``-f`` parameter files, in a sweep's ``parameters:`` and ``runs:`` (also with
``--dry-run``); non-finite, fractional and ill-typed timeouts; ``show_code: "false"``; empty grids.
No kernel starts for any of them (each would otherwise run ``sleeps.ipynb`` for 30 s), nothing
is written, and ``latest`` stays where it was.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sanctions_model.runner import yamlsafe
from sanctions_model.runner.cli import main

from .conftest import NOTEBOOKS, write_sweep

BOMB = "\n".join(
    [f"a: &a [{', '.join(['lol'] * 9)}]"]
    + [
        f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    ]
)  # 9**9 = 387 million strings once expanded, in under 400 bytes
DEEP = "[" * 5000 + "]" * 5000
HUGE = "7" * 5000


def _one_line_error(capsys, rc: int) -> str:
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err, err
    assert len(err) < 600, err  # bounded: never the repr of an expanded value
    return err


def _no_output(root: Path) -> None:
    assert not root.exists() or not any(root.rglob("run.json")), list(root.rglob("*"))


# -- point 2 and 9: bounded YAML -------------------------------------------------------------------


def test_alias_bomb_is_small_but_refused_fast():
    assert len(BOMB.encode()) < 440
    t0 = time.process_time()
    with pytest.raises(yamlsafe.UnsafeYAMLError, match="anchors"):
        yamlsafe.safe_load(BOMB)
    assert time.process_time() - t0 < 0.5


PARAM_FILES = {
    "alias bomb": ("text", BOMB.replace("i: &i", "text: &i"), "anchors"),
    "alias only": ("text", "x: &x abc\ntext: *x\n", "anchors"),
    "merge key": ("text", "base: &b {text: a}\n<<: *b\n", "anchors"),
    "5,000-level list": ("items", f"items: {DEEP}\n", "nested more than"),
    "5,000-digit int": ("n", f"n: {HUGE}\n", "5000 digits"),
    "200-digit hex int": ("n", "n: 0x" + "f" * 200 + "\n", "200 digits"),
    "2 MB document": ("text", "text: " + "x" * 2_000_000 + "\n", "characters"),
}


@pytest.mark.parametrize("case", sorted(PARAM_FILES))
def test_params_file_limits(case, tmp_path, capsys):
    _, text, expect = PARAM_FILES[case]
    params = tmp_path / "p.yaml"
    params.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    t0 = time.process_time()
    nb = NOTEBOOKS / ("hostile.ipynb" if "items" in text[:10] else "ok.ipynb")
    rc = main(["run", str(nb), "-f", str(params), "--output-dir", str(out)])
    err = _one_line_error(capsys, rc)
    assert expect in err and "p.yaml" in err
    assert time.process_time() - t0 < 5
    assert not out.exists()


SWEEP_BODIES = {
    "bomb in parameters": "parameters:\n  text: &a [x, x]\n  items: *a\n",
    "bomb in runs": "runs:\n  - &r {text: a}\n  - *r\n",
    "full bomb in runs": "runs:\n" + "".join("  " + line + "\n" for line in BOMB.splitlines()),
    "deep list in parameters": f"parameters: {{items: {DEEP}}}\n",
    "deep list in runs": f"runs: [{{items: {DEEP}}}]\n",
    "5,000-digit int in runs": f"runs: [{{text: {HUGE}}}]\n",
    "5,000-digit int as workers": f"workers: {HUGE}\nruns: [{{text: a}}]\n",
}


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
@pytest.mark.parametrize("case", sorted(SWEEP_BODIES))
def test_sweep_file_limits(case, dry_run, tmp_path, capsys):
    sweep = write_sweep(
        tmp_path / "s.yaml",
        f"name: s\nnotebooks: [{NOTEBOOKS}/hostile.ipynb]\n{SWEEP_BODIES[case]}",
    )
    root = tmp_path / "out"
    t0 = time.process_time()
    rc = main(
        ["sweep", str(sweep), "--output-root", str(root), *(["--dry-run"] if dry_run else [])]
    )
    err = _one_line_error(capsys, rc)
    assert "s.yaml" in err
    assert time.process_time() - t0 < 5
    assert not root.exists()


def test_command_line_values_are_bounded_too(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["run", str(NOTEBOOKS / "ok.ipynb"), "-p", "n", HUGE, "--output-dir", str(out)])
    assert "parameter 'n'" in _one_line_error(capsys, rc)
    rc = main(
        ["run", str(NOTEBOOKS / "hostile.ipynb"), "-p", "items", DEEP, "--output-dir", str(out)]
    )
    assert "parameter 'items'" in _one_line_error(capsys, rc)
    assert not out.exists()


def test_short_repr_never_builds_the_whole_repr():
    big = list(range(2_000_000))
    t0 = time.process_time()
    text = yamlsafe.short_repr(big)
    assert time.process_time() - t0 < 0.05 and len(text) <= 80


# -- point 7: timeouts and booleans --------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1", "abc", "1e999"])
def test_cli_timeout_must_be_finite_positive(value, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main(
            ["run", str(NOTEBOOKS / "sleeps.ipynb"), f"--timeout={value}", "--output-dir", str(out)]
        )
    assert exit_.value.code == 2
    assert "finite positive number" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    "value", [".nan", ".inf", "-.inf", "0", "-3", "'600'", "true", "[1]", "1e999"]
)
def test_sweep_timeout_must_be_finite_positive(value, tmp_path, capsys):
    sweep = write_sweep(
        tmp_path / "s.yaml", f"name: s\nnotebooks: [{NOTEBOOKS}/sleeps.ipynb]\ntimeout: {value}\n"
    )
    rc = main(["sweep", str(sweep), "--output-root", str(tmp_path / "out"), "--dry-run"])
    assert "timeout must be a finite positive number" in _one_line_error(capsys, rc)


@pytest.mark.parametrize("value", ['"false"', "'no'", "0", "1", "null", "[]"])
def test_show_code_must_be_a_real_boolean(value, tmp_path, capsys):
    sweep = write_sweep(
        tmp_path / "s.yaml", f"name: s\nnotebooks: [{NOTEBOOKS}/ok.ipynb]\nshow_code: {value}\n"
    )
    root = tmp_path / "out"
    rc = main(["sweep", str(sweep), "--output-root", str(root)])
    assert "show_code must be true or false" in _one_line_error(capsys, rc)
    assert not root.exists()


@pytest.mark.slow
def test_fractional_timeouts_reach_the_kernel(tmp_path, kernel):
    """--timeout 2.5 used to fail every run with a TraitError (nbclient counts whole seconds)."""
    out = tmp_path / "r"
    fast = ["-p", "seconds", "0.1"]
    rc = main(["run", str(NOTEBOOKS / "sleeps.ipynb"), *fast, "--timeout", "2.5", "--output-dir", str(out)])  # fmt: skip
    from sanctions_model.runner.records import read_record

    assert rc == 0 and read_record(out).status == "ok"
    sweep = write_sweep(
        tmp_path / "s.yaml",
        f"name: s\nnotebooks: [{NOTEBOOKS}/sleeps.ipynb]\ntimeout: 0.5\nruns: [{{seconds: 4}}]\n",
    )
    t0 = time.perf_counter()
    rc = main(["sweep", str(sweep), "--output-root", str(tmp_path / "o"), "--quiet"])
    [record] = [read_record(p) for p in (tmp_path / "o" / "s" / "latest").iterdir() if p.is_dir()]
    assert rc == 1 and record.status == "timeout", record.error  # 0.5 s rounds up to 1 s
    assert "TraitError" not in str(record.error)
    assert time.perf_counter() - t0 < 90


# -- point 8: empty grids ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "grid", ["zip: {}", "product: {}", "product:", "zip:", "product: {n: []}", "runs: []"]
)
def test_empty_grid_is_refused_and_latest_stays(grid, tmp_path, capsys):
    root = tmp_path / "out"
    earlier = root / "s" / "20200101T000000Z"
    earlier.mkdir(parents=True)
    os.symlink(earlier.name, root / "s" / "latest")
    sweep = write_sweep(
        tmp_path / "s.yaml", f"name: s\nnotebooks: [{NOTEBOOKS}/ok.ipynb]\n{grid}\n"
    )
    for extra in ([], ["--dry-run"]):
        rc = main(["sweep", str(sweep), "--output-root", str(root), *extra])
        err = _one_line_error(capsys, rc)
        assert "empty" in err, err
    assert os.readlink(root / "s" / "latest") == earlier.name
    assert sorted(p.name for p in (root / "s").iterdir()) == [earlier.name, "latest"]
