"""Sweeps end to end on the tiny fixture notebooks: statuses, cache, reruns, index, HTML safety."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanctions_model.errors import ParameterError
from sanctions_model.runner.cli import main
from sanctions_model.runner.lock import SweepLocked, sweep_lock
from sanctions_model.runner.records import read_record
from sanctions_model.runner.sweep import load_sweep, run_name, sanitize

from .conftest import NOTEBOOKS, write_sweep

HOSTILE = "<script>alert(1)</script> '); import os; os.system('touch pwned') #\n\\"

ALL = f"""
name: fixtures
notebooks:
  - path: {NOTEBOOKS}/ok.ipynb
    product: {{n: [1, 2], label: ["<script>alert(1)</script>"]}}
  - path: {NOTEBOOKS}/raises.ipynb
  - path: {NOTEBOOKS}/sleeps.ipynb
    runs: [{{seconds: 60}}]
  - path: {NOTEBOOKS}/dies.ipynb
  - path: {NOTEBOOKS}/hostile.ipynb
    runs: [{{text: {json.dumps(HOSTILE)}, items: ["../../etc", "/abs"]}}]
timeout: 3
"""


@pytest.fixture(scope="module")
def swept(tmp_path_factory, kernel):
    """One sweep over every fixture notebook, then a warm rerun (shared by the tests below)."""
    tmp = tmp_path_factory.mktemp("sweep")
    sweep = write_sweep(tmp / "fixtures.yaml", ALL)
    root = tmp / "outputs"
    t0 = time.perf_counter()
    code = main(["sweep", str(sweep), "--output-root", str(root), "--workers", "2", "--quiet"])
    cold = time.perf_counter() - t0
    first = (root / "fixtures" / "latest").resolve()
    return {"tmp": tmp, "sweep": sweep, "root": root, "code": code, "first": first, "cold": cold}


def _records(stamp: Path) -> dict[str, object]:
    return {r.notebook.split("/")[-1]: r for d in stamp.iterdir() if (r := read_record(d))}


def _by_status(stamp: Path) -> dict[str, str]:
    return {d.name: read_record(d).status for d in stamp.iterdir() if read_record(d)}


@pytest.mark.slow
def test_statuses_are_the_runners(swept):
    assert swept["code"] == 1  # a run failed, after all the others ran
    recs = {}
    for d in swept["first"].iterdir():
        r = read_record(d)
        if r:
            recs.setdefault(Path(r.notebook).stem, []).append(r)
    assert [r.status for r in recs["ok"]] == ["ok", "ok"]
    assert recs["ok"][0].results["run_dir_env"] is True  # SANCTIONS_MODEL_RUN_DIR == kernel cwd
    raised = recs["raises"][0]
    assert raised.status == "failed" and raised.error["ename"] == "ValueError"
    assert raised.error["cell_index"] == 3 and "bad value 1" in raised.error["evalue"]
    assert (
        recs["sleeps"][0].status == "timeout" and recs["sleeps"][0].error["cell_index"] == 2
    )  # executed notebook: injected cell is 1
    died = recs["dies"][0]
    assert died.status == "kernel_died" and died.attempts == 3  # bounded retries (2)
    hostile = recs["hostile"][0]
    assert hostile.status == "ok"
    assert hostile.results == {
        "text": HOSTILE,
        "items": ["../../etc", "/abs"],
        "marker_exists": False,
    }
    assert not list(swept["tmp"].rglob("pwned"))


@pytest.mark.slow
def test_index_lists_failures_first_escaped(swept):
    root = swept["root"] / "fixtures"
    for page, prefix in (
        (root / "index.html", swept["first"].name + "/"),
        (swept["first"] / "index.html", ""),
    ):
        text = page.read_text()
        assert "<script>alert(1)</script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        statuses = re.findall(r'<tr class="status-([a-z_]+)"', text)
        assert len(statuses) == 6
        assert statuses.index("ok") > max(
            statuses.index(s) for s in ("failed", "timeout", "kernel_died")
        )
        for href in re.findall(r'href="([^"]+)"', text):
            assert (page.parent / href).exists(), href
        assert "ValueError: bad value 1" in text
        assert prefix in text
    rows = list(csv.DictReader((swept["first"] / "index.csv").open()))
    assert {r["status"] for r in rows} == {"ok", "failed", "timeout", "kernel_died"}
    assert os.readlink(root / "latest") == swept["first"].name


@pytest.mark.slow
def test_reports_are_offline_small_and_without_local_paths(swept):
    reports = list(swept["first"].glob("*/report.html"))
    assert len(reports) == 6
    for report in reports:
        text = report.read_text()
        assert len(text.encode()) < 1_000_000
        remote = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text, re.IGNORECASE)
        assert not remote, report
        assert "<script>alert(1)</script>" not in text
        for local in (str(swept["tmp"]), sys.prefix, str(Path.home()) + "/", str(NOTEBOOKS)):
            assert local not in text, (report, local)
        assert "Contents" in text and 'class="sm-params"' in text
    ok = next(r for r in reports if r.parent.name.startswith("ok-"))
    assert "data:image/png;base64," in ok.read_text()
    assert "print(label" not in ok.read_text()  # code hidden by default


@pytest.mark.slow
def test_warm_sweep_skips_cached_and_reruns_only_failures(swept):
    # (no timing here: a warm sweep that reruns three failing runs is not reliably faster than
    # the cold one on a loaded machine; the cached runs' records prove they were not executed)
    root = swept["root"]
    code = main(
        ["sweep", str(swept["sweep"]), "--output-root", str(root), "--quiet", "--timeout", "1"]
    )
    second = (root / "fixtures" / "latest").resolve()
    assert second != swept["first"] and code == 1
    statuses = _by_status(second)
    assert sorted(statuses.values()) == [
        "cached",
        "cached",
        "cached",
        "failed",
        "kernel_died",
        "timeout",
    ]
    cached = [read_record(second / n) for n, s in statuses.items() if s == "cached"]
    assert all(r.cached_from.startswith(swept["first"].name) for r in cached)
    assert all((second / r.name / "report.html").exists() for r in cached)


@pytest.mark.slow
def test_rerun_failed_and_force(tmp_path, kernel):
    sweep = write_sweep(
        tmp_path / "s.yaml",
        f"name: s\nnotebooks: [{NOTEBOOKS}/ok.ipynb, {NOTEBOOKS}/raises.ipynb]\n",
    )
    root = tmp_path / "out"
    assert main(["sweep", str(sweep), "--output-root", str(root), "--quiet"]) == 1
    # --rerun-failed: the successful run is reused, the failed one executed again
    assert main(["sweep", str(sweep), "--output-root", str(root), "--quiet", "--rerun-failed"]) == 1
    assert sorted(_by_status((root / "s" / "latest").resolve()).values()) == ["cached", "failed"]
    # --force: everything executed again
    assert main(["sweep", str(sweep), "--output-root", str(root), "--quiet", "--force"]) == 1
    assert sorted(_by_status((root / "s" / "latest").resolve()).values()) == ["failed", "ok"]
    assert len(list((root / "s").glob("2*"))) == 3  # history kept


def test_dry_run_starts_no_kernel_and_large_grid_needs_yes(tmp_path, capsys):
    sweep = write_sweep(
        tmp_path / "big.yaml",
        f"name: big\nnotebooks: [{NOTEBOOKS}/ok.ipynb]\nproduct: {{n: {list(range(30))}, scale: {list(range(10))}}}\n",
    )
    root = tmp_path / "out"
    assert main(["sweep", str(sweep), "--output-root", str(root), "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "300 runs (dry run" in captured.out and "0 cached, 300 to run;" in captured.err
    assert not root.exists()
    assert main(["sweep", str(sweep), "--output-root", str(root)]) == 2
    assert "pass --yes" in capsys.readouterr().err and not (root / "big").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("notebooks: [missing.ipynb]", "unknown notebook 'missing.ipynb'"),
        (f"notebooks: [{NOTEBOOKS}/ok.ipynb]\nproduct: {{nn: [1]}}", "unknown parameter 'nn'"),
        (f"notebooks: [{NOTEBOOKS}/ok.ipynb]\nproduct: {{n: [one]}}", "parameter 'n': value 'one'"),
        (f"notebooks: [{NOTEBOOKS}/ok.ipynb]\nproduct: {{n: []}}", "empty grid"),
        ("notebooks: [a\n  b: ]", "not valid YAML"),
        ("!!python/object/apply:os.system ['echo hi']", "not valid YAML"),
        (f"notebooks: [{NOTEBOOKS}/ok.ipynb]\nrunz: []", "unknown keys ['runz']"),
        (f"notebooks: [{NOTEBOOKS}/ok.ipynb]\nzip: {{n: [1, 2], scale: [1]}}", "equal length"),
    ],
)
def test_bad_sweep_files_exit_2_with_message(tmp_path, capsys, text, message):
    sweep = write_sweep(tmp_path / "bad.yaml", text)
    assert main(["sweep", str(sweep), "--output-root", str(tmp_path / "o"), "--dry-run"]) == 2
    assert message in capsys.readouterr().err


@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), st.text() | st.lists(st.text(max_size=4))))
def test_run_names_are_safe(params):
    name = run_name("../../etc/nb", params, list(params))
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]*", name), name
    assert ".." not in name and "/" not in name and "\x00" not in name
    assert (Path("/out") / name).parent == Path("/out")


def test_run_names_readable_and_unique():
    a = run_name("effect", {"reporter": "DE", "flow": "exports"}, ["reporter"])
    b = run_name("effect", {"reporter": "DE", "flow": "imports"}, ["reporter"])
    assert a.startswith("effect-DE-") and b.startswith("effect-DE-") and a != b
    assert sanitize("../x/\x00y") == "x_y"


def test_zip_and_product_combine(tmp_path):
    sweep = write_sweep(
        tmp_path / "s.yaml",
        f"notebooks: [{NOTEBOOKS}/ok.ipynb]\nparameters: {{flow: imports}}\n"
        "product: {n: [1, 2]}\nzip: {scale: [1.0, 2.0], label: [a, b]}\n",
    )
    runs = load_sweep(sweep).notebooks[0].runs
    assert len(runs) == 4 and all(r["flow"] == "imports" for r in runs)
    assert {(r["scale"], r["label"]) for r in runs} == {(1.0, "a"), (2.0, "b")}


def test_lock_second_sweep_exits_3(tmp_path, capsys):
    sweep = write_sweep(tmp_path / "s.yaml", f"name: s\nnotebooks: [{NOTEBOOKS}/ok.ipynb]\n")
    root = tmp_path / "out"
    with sweep_lock(root / "s", timeout=1):
        t0 = time.perf_counter()
        code = main(["sweep", str(sweep), "--output-root", str(root), "--lock-timeout", "0.5"])
        assert time.perf_counter() - t0 >= 0.5
    assert code == 3
    err = capsys.readouterr().err
    assert "another sweep is writing" in err and f"pid {os.getpid()}" in err
    with pytest.raises(SweepLocked), sweep_lock(root / "s", timeout=1):
        with sweep_lock(root / "s", timeout=0):
            pass


def test_parameter_error_is_a_parameter_error():
    assert issubclass(SweepLocked, Exception) and ParameterError.exit_code == 2


@pytest.mark.slow
def test_sigterm_records_interrupted_then_rerun_failed_completes_exactly_the_missing(
    tmp_path, kernel
):
    sweep = write_sweep(
        tmp_path / "s.yaml",
        f"name: s\nnotebooks:\n  - {NOTEBOOKS}/ok.ipynb\n  - path: {NOTEBOOKS}/sleeps.ipynb\n"
        "    runs: [{seconds: 60}]\n",
    )
    root = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "sanctions_model.runner.cli",
        "sweep",
        str(sweep),
        "--output-root",
        str(root),
        "--workers",
        "2",
        "--quiet",
    ]
    proc = subprocess.Popen(cmd, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(root.glob("s/2*/ok-*/run.json")):
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    stamp = (root / "s" / "latest").resolve()
    statuses = _by_status(stamp)
    assert sorted(statuses.values()) == ["interrupted", "ok"]
    index = (stamp / "index.html").read_text()
    assert index.count('class="status-interrupted"') == 1 and index.count('class="status-ok"') == 1
    assert not list(stamp.glob(".*staging"))
    # finish exactly the missing run (now with a short timeout so it ends quickly)
    assert (
        main(
            [
                "sweep",
                str(sweep),
                "--output-root",
                str(root),
                "--quiet",
                "--rerun-failed",
                "--timeout",
                "1",
            ]
        )
        == 1
    )
    assert sorted(_by_status((root / "s" / "latest").resolve()).values()) == ["cached", "timeout"]


def test_relative_output_root_gives_the_kernel_its_run_directory(tmp_path, kernel, monkeypatch):
    """`make report` passes a relative root ("outputs"); results.json must land in the run folder."""
    sweep = write_sweep(
        tmp_path / "rel.yaml", f"name: rel\nnotebooks:\n  - path: {NOTEBOOKS}/ok.ipynb\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(sweep), "--output-root", "outputs", "--workers", "1", "--quiet"]) == 0
    (run,) = [
        d for d in (tmp_path / "outputs" / "rel" / "latest").resolve().iterdir() if d.is_dir()
    ]
    results = json.loads((run / "results.json").read_text())
    assert results["run_dir_env"] is True
    assert "total" in (tmp_path / "outputs" / "rel" / "index.csv").read_text().splitlines()[0]
