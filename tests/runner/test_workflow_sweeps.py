"""Unattended sweeps and parameter domains through the command line (issue 15, items 2, 3, 6, 7).

The sweeps run as a user's cron would: ``python -m sanctions_model.cli sweep ... --quiet`` with
stderr a pipe (not a terminal), ``--notify`` writing the summary it receives to a file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sanctions_model.runner.sweep as sweep_module
from sanctions_model.cli import main

from .conftest import NOTEBOOKS, ordinary_kernels, write_sweep

STAMPED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z ")
REPO = Path(__file__).resolve().parents[2]
EFFECT = str(REPO / "notebooks" / "02_sanction_effect.ipynb")


@pytest.fixture(scope="module")
def frozen_package(tmp_path_factory) -> dict[str, str]:
    """A private copy of the package: the cache key hashes the package's source, and a teammate
    saving a file under src/ mid-test must not turn a cached run into a re-run."""
    tmp = tmp_path_factory.mktemp("pkg")
    shutil.copytree(
        REPO / "src" / "sanctions_model",
        tmp / "sanctions_model",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return {"PYTHONPATH": str(tmp), "SANCTIONS_MODEL_DATA_DIR": str(REPO / "data")}


def _cli(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sanctions_model.cli", *args],
        cwd=cwd,
        env=ordinary_kernels({**os.environ, **(env or {})}),  # what is tested is the CLI's
        capture_output=True,
        text=True,
        timeout=600,
    )


def _sweep_file(tmp: Path, with_failure: bool, n: int = 1) -> Path:
    text = f"name: nightly\nnotebooks:\n  - path: {NOTEBOOKS}/ok.ipynb\n    runs: [{{n: {n}}}]\n"
    if with_failure:
        text += f"  - path: {NOTEBOOKS}/raises.ipynb\n"
    return write_sweep(tmp / "nightly.yaml", text)


@pytest.mark.slow
def test_unattended_sweeps_latest_ok_banner_notify_keep_and_dry_run(
    tmp_path, kernel, frozen_package
):
    root = tmp_path / "out" / "nightly"
    notify = f"cat > {tmp_path}/notified.json"
    common = ["--output-root", "out", "--quiet", "--notify", notify, "--keep", "2"]

    # 1. everything succeeds: one timestamped summary line, no notification (default: on failure)
    sweep = _sweep_file(tmp_path, with_failure=False)
    good = _cli(tmp_path, "sweep", str(sweep), *common, env=frozen_package)
    assert good.returncode == 0, good.stderr
    lines = good.stderr.splitlines()
    assert len(lines) == 1 and STAMPED.match(lines[0]) and "1 runs (1 ok)" in lines[0]
    assert not (tmp_path / "notified.json").exists()
    assert os.readlink(root / "latest") == os.readlink(root / "latest-ok")
    good_stamp = os.readlink(root / "latest-ok")

    # 2. --dry-run: the cached run is marked cached, the new one to-run, with its output folder
    sweep = _sweep_file(tmp_path, with_failure=True)
    dry = _cli(
        tmp_path, "sweep", str(sweep), "--output-root", "out", "--dry-run", env=frozen_package
    )
    assert dry.returncode == 0, dry.stderr
    rows = [line.split("\t") for line in dry.stdout.splitlines() if "\t" in line]
    states = {r[0].split("-")[0]: (r[3], r[4]) for r in rows}
    assert states["ok"][0] == "cached" and f"(from {good_stamp}/ok-" in states["ok"][1]
    assert states["raises"][0] == "to-run"
    assert states["raises"][1].startswith(str(Path("out") / "nightly" / "<timestamp>" / "raises-"))
    assert dry.stdout.splitlines()[-1] == "2 runs (dry run: nothing executed)"
    assert f"1 cached, 1 to run; outputs in {Path('out') / 'nightly'}/<timestamp>/" in dry.stderr

    # 3. a failure under --quiet: names the run and its first error line; notify gets the JSON
    bad = _cli(tmp_path, "sweep", str(sweep), *common, env=frozen_package)
    assert bad.returncode == 1
    assert "\r" not in bad.stderr
    lines = bad.stderr.splitlines()
    assert all(STAMPED.match(line) for line in lines), bad.stderr
    assert "2 runs (1 cached, 1 failed)" in lines[0]
    (failure,) = [line for line in lines if "FAILED" in line]
    assert re.search(
        r"FAILED raises-\w+ \(.*raises\.ipynb\): cell 3: ValueError: bad value 1$", failure
    )
    notified = json.loads((tmp_path / "notified.json").read_text())
    assert notified["ok"] is False and notified["statuses"] == {"cached": 1, "failed": 1}
    assert notified["failed"][0]["error"] == "cell 3: ValueError: bad value 1"
    bad_stamp = notified["timestamp"]
    assert (
        os.readlink(root / "latest") == bad_stamp and os.readlink(root / "latest-ok") == good_stamp
    )

    # the front page keeps the last good results and names the newer failed sweep
    index = (root / "index.html").read_text()
    assert f'href="{bad_stamp}/index.html"' in index and "did not succeed" in index
    assert f"results of {good_stamp}" in index
    assert 'class="status-failed"' not in index and 'class="status-ok"' in index
    for href in re.findall(r'href="([^"#]+)"', index):
        if "://" not in href:
            assert (root / href).exists(), href

    # 4. --keep 2 with another sweep: the oldest folder goes unless latest/latest-ok point at it
    sweep = _sweep_file(tmp_path, with_failure=True, n=2)
    third = _cli(
        tmp_path, "sweep", str(sweep), *common, "--notify-on", "always", env=frozen_package
    )
    assert third.returncode == 1
    assert json.loads((tmp_path / "notified.json").read_text())["timestamp"] != bad_stamp
    stamps = sorted(p.name for p in root.iterdir() if re.match(r"\d{8}T", p.name))
    assert good_stamp in stamps  # protected: latest-ok
    assert bad_stamp in stamps and len(stamps) == 3  # kept: the 2 newest, plus latest-ok's
    fourth = _cli(tmp_path, "sweep", str(sweep), *common, env=frozen_package)
    stamps = sorted(p.name for p in root.iterdir() if re.match(r"\d{8}T", p.name))
    assert fourth.returncode == 1 and bad_stamp not in stamps and len(stamps) == 3


@pytest.mark.slow
def test_progress_off_a_terminal_is_timestamped_lines_without_carriage_returns(tmp_path, kernel):
    sweep = _sweep_file(tmp_path, with_failure=True)
    proc = _cli(tmp_path, "sweep", str(sweep), "--output-root", "out")
    assert proc.returncode == 1 and "\r" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert all(STAMPED.match(line) for line in lines), proc.stderr
    assert any("[         ok] ok-" in line for line in lines)
    assert any(
        "[     failed] raises-" in line and "ValueError: bad value 1" in line for line in lines
    )


def test_bad_keep_and_notify_on_exit_2(tmp_path, capsys):
    sweep = write_sweep(tmp_path / "s.yaml", f"name: s\nnotebooks: [{NOTEBOOKS}/ok.ipynb]\n")
    for args, message in (
        (["--keep", "0"], "must be at least 1"),
        (["--keep", "two"], "not a whole number"),
        (["--notify-on", "sometimes"], "invalid choice: 'sometimes'"),
    ):
        with pytest.raises(SystemExit) as stop:
            main(["sweep", str(sweep), *args, "--dry-run"])
        assert stop.value.code == 2 and message in capsys.readouterr().err


def test_sweep_docstring_example_is_a_valid_sweep(tmp_path, monkeypatch, capsys):
    block = sweep_module.__doc__.split("::\n\n", 1)[1].split("\n\nOutputs:")[0]
    text = "\n".join(line[4:] for line in block.splitlines())
    path = write_sweep(tmp_path / "example.yaml", text)
    monkeypatch.chdir(REPO)
    assert main(["sweep", str(path), "--dry-run", "--output-root", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "9 runs (dry run" in out and "local linear trend" in out


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (
            ["-p", "reporter", "FI", "-p", "partner", "RU", "-p", "flow", "import"],
            [
                "parameter 'flow': flow import not in dataset 'eurostat_comext'",
                "partner RU",
                "available: export",
            ],
        ),
        (
            ["-p", "source", "fred"],
            ["parameter 'source'", "'fred' holds indicators", "eurostat_comext"],
        ),
        (
            ["-p", "partner", "XX"],
            ["partner XX not in dataset 'eurostat_comext'", "RU"],
        ),
        (["-p", "intervention", "2030-01"], ["outside dataset 'eurostat_comext'", "2019-01 to"]),
        (["-p", "trend", "local trend"], ["parameter 'trend'", "'local linear trend'"]),
    ],
)
def test_run_refuses_what_the_data_does_not_hold_before_any_kernel(
    tmp_path, capsys, args, fragments
):
    out = tmp_path / "never"
    assert main(["run", EFFECT, *args, "--output-dir", str(out)]) == 2
    err = capsys.readouterr().err
    for fragment in fragments:
        assert fragment in err, err
    assert not out.exists()


def test_trend_is_accepted_in_runs_and_sweep_grids(tmp_path, capsys):
    sweep = write_sweep(
        tmp_path / "t.yaml",
        f"name: t\nnotebooks: [{EFFECT}]\n"
        "product: {trend: [local level, local linear trend], reporter: [DE, FI]}\n",
    )
    assert main(["sweep", str(sweep), "--dry-run", "--output-root", str(tmp_path / "o")]) == 0
    assert "4 runs (dry run" in capsys.readouterr().out
    # the same through a YAML parameters file of `run` (validated, then refused on the data)
    params = tmp_path / "p.yaml"
    params.write_text("trend: local linear trend\nreporter: FI\nflow: import\n")
    assert main(["run", EFFECT, "-f", str(params), "--output-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "trend" not in err and "available: export" in err


def test_inspect_several_notebooks_shows_domains_fast(capsys):
    notebooks = sorted(str(p) for p in (REPO / "notebooks").glob("0[1-4]*.ipynb"))
    assert main(["inspect", *notebooks]) == 0
    out = capsys.readouterr().out
    assert out.count("== ") == len(notebooks) and "dataset trade" in out and "period" in out
    assert main(["inspect", "--json", *notebooks]) == 0
    tables = json.loads(capsys.readouterr().out)
    effect = {p["name"]: p for p in tables[EFFECT]}
    assert effect["trend"]["domain"] is None and effect["intervention"]["domain"] == (
        "period, at least 21 months after pre_start"
    )
    assert "[domain" not in effect["intervention"]["help"]
    # a fresh process: answers without importing pandas or the data layer
    code = (
        "import sys; from sanctions_model.cli import main; main(['inspect', *sys.argv[1:]]);"
        "print('pandas' in sys.modules, 'sanctions_model.data' in sys.modules, file=sys.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *notebooks], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0 and proc.stderr.strip() == "False False", proc.stderr
