"""The sweep cache never serves stale results, and re-runs only what changed (issue 15, item 1).

Every sweep here is the command a user types, run as a subprocess against a private copy of the
package (so the test can edit "the package's code" without touching the checkout) with a private
cache of fetched and user datasets. Three runs read three kinds of data: an embedded dataset, a
fetched one and a user's own trade file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from sanctions_model.runner.cache import cache_key, notebook_digest
from sanctions_model.runner.records import read_record

SWEEP = """
name: reads
notebooks:
  - path: reads.ipynb
    runs:
      - {source: fred}
      - {source: fetched_x}
      - {source: mine}
workers: 2
"""

TRADE_CSV = (
    "reporter,partner,flow,product,period,value,currency,unit_scale\n"
    "FI,RU,export,TOTAL,2021-01,812.5,EUR,1000000\n"
    "FI,RU,export,TOTAL,2021-02,800,EUR,1000000\n"
)


def _reads_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "sanctions-model",
        "display_name": "sm",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell('source: str = "fred"  # dataset to read')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Reads one dataset"),
        params,
        nbformat.v4.new_code_cell(
            "import json\nfrom sanctions_model.data import registry\n"
            "frame = registry.load(source)\n"
            "total = float(frame['value'].sum())\nprint(len(frame), total)\n"
            "json.dump({'rows': len(frame), 'total': total}, open('results.json', 'w'))"
        ),
    ]
    nbformat.write(nb, str(path))


def _fetched(values: list[float]) -> pd.DataFrame:
    periods = pd.period_range("2022-01", periods=len(values), freq="M")
    return pd.DataFrame(
        {
            "reporter": "DE",
            "partner": "RU",
            "flow": "export",
            "product": "TOTAL",
            "period": periods,
            "value": values,
            "currency": "EUR",
            "unit_scale": 1,
            "source": "eurostat-test",
        }
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory, repo_root):
    tmp = tmp_path_factory.mktemp("cache")
    shutil.copytree(
        repo_root / "src" / "sanctions_model",
        tmp / "pkg" / "sanctions_model",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp / "pkg"),
        "SANCTIONS_MODEL_DATA_DIR": str(repo_root / "data"),
        "SANCTIONS_MODEL_CACHE_DIR": str(tmp / "cache"),
    }
    _reads_notebook(tmp / "reads.ipynb")
    (tmp / "sweep.yaml").write_text(SWEEP)
    (tmp / "mine.csv").write_text(TRADE_CSV)
    return {"tmp": tmp, "env": env}


def _cli(project, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sanctions_model.cli", *args],
        cwd=project["tmp"],
        env=project["env"],
        capture_output=True,
        text=True,
        timeout=600,
    )


def _store_fetched(project, values: list[float]) -> None:
    code = (
        "import sys, json, pandas as pd\n"
        "from sanctions_model.data.connectors import cache\n"
        "v = json.loads(sys.argv[1])\n"
        "f = pd.DataFrame({'reporter': 'DE', 'partner': 'RU', 'flow': 'export', 'product': 'TOTAL',"
        " 'period': pd.period_range('2022-01', periods=len(v), freq='M'), 'value': v,"
        " 'currency': 'EUR', 'unit_scale': 1, 'source': 'fetched_x'})\n"
        "cache.store('fetched_x', f, kind='trade', provenance={'source': 'eurostat', 'query': {},"
        " 'url': 'https://example.invalid', 'sha256_raw': 'x', 'command': 'sanctions-model fetch eurostat'})\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, json.dumps(values)],
        env=project["env"],
        check=True,
        timeout=120,
    )


def _sweep(project) -> dict[str, str]:
    proc = _cli(project, "sweep", "sweep.yaml", "--output-root", "out", "--quiet")
    assert proc.returncode == 0, proc.stderr
    stamp = (project["tmp"] / "out" / "reads" / "latest").resolve()
    out = {}
    for run in stamp.iterdir():
        record = read_record(run) if run.is_dir() else None
        if record:
            out[record.parameters["source"]] = record.status
            if record.status == "ok":
                out[record.parameters["source"] + ":results"] = record.results
    return out


def _statuses(result: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in result.items() if ":" not in k}


@pytest.mark.slow
def test_cache_reruns_exactly_the_runs_whose_inputs_changed(project, kernel):
    _store_fetched(project, [1.0, 2.0, 3.0])
    added = _cli(project, "data", "add", "trade", "mine.csv", "--name", "mine")
    assert added.returncode == 0, added.stderr

    first = _sweep(project)
    assert _statuses(first) == {"fred": "ok", "fetched_x": "ok", "mine": "ok"}
    assert first["fetched_x:results"] == {"rows": 3, "total": 6.0}
    assert first["mine:results"] == {"rows": 2, "total": 1612.5}
    # what each run read is recorded beside its results
    stamp = (project["tmp"] / "out" / "reads" / "latest").resolve()
    reads = {
        json.loads((d / "run.json").read_text())["parameters"]["source"]: json.loads(
            (d / "datasets.json").read_text()
        )
        for d in stamp.iterdir()
        if (d / "datasets.json").exists()
    }
    assert set(reads) == {"fred", "fetched_x", "mine"}
    assert list(reads["fred"]) == ["fred"] and reads["fred"]["fred"]["origin"] == "embedded"
    assert reads["mine"]["mine"]["origin"] == "reference"

    assert _statuses(_sweep(project)) == dict.fromkeys(("fred", "fetched_x", "mine"), "cached")

    # clearing outputs (and re-saving metadata) changes nothing the reader sees: still cached
    nb_path = project["tmp"] / "reads.ipynb"
    nb = nbformat.read(str(nb_path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text="stale output\n")]
            cell.execution_count = 7
    nb.metadata["widgets"] = {"state": {}}
    nbformat.write(nb, str(nb_path))
    assert _statuses(_sweep(project)) == dict.fromkeys(("fred", "fetched_x", "mine"), "cached")

    # a refreshed fetch with new numbers: exactly the run that read it
    _store_fetched(project, [1.0, 2.0, 3.0, 4.0])
    after_fetch = _sweep(project)
    assert _statuses(after_fetch) == {"fred": "cached", "fetched_x": "ok", "mine": "cached"}
    assert after_fetch["fetched_x:results"] == {"rows": 4, "total": 10.0}

    # the user's file changes and is added again: exactly the run that read it
    (project["tmp"] / "mine.csv").write_text(
        TRADE_CSV + "FI,RU,export,TOTAL,2021-03,100,EUR,1000000\n"
    )
    assert _cli(project, "data", "add", "trade", "mine.csv", "--name", "mine").returncode == 0
    after_user = _sweep(project)
    assert _statuses(after_user) == {"fred": "cached", "fetched_x": "cached", "mine": "ok"}
    assert after_user["mine:results"] == {"rows": 3, "total": 1712.5}

    # the user's file edited without `data add`: never served from the cache; the run fails and
    # the sweep's summary names it and says what to do
    (project["tmp"] / "mine.csv").write_text(TRADE_CSV.replace("800", "900"))
    proc = _cli(project, "sweep", "sweep.yaml", "--output-root", "out", "--quiet")
    assert proc.returncode == 1
    (line,) = [x for x in proc.stderr.splitlines() if "FAILED" in x]
    assert "reads-mine-" in line and "changed since it was added" in line
    assert "2 cached" in proc.stderr

    # a change to the package's code: every run (the dry run shows it; executing them would only
    # repeat the runs above)
    assert _dry_run_states(project) == {"fred": "cached", "fetched_x": "cached", "mine": "to-run"}
    pkg = project["tmp"] / "pkg" / "sanctions_model" / "reporting" / "format.py"
    pkg.write_text(pkg.read_text() + "\n# an edit\n")
    assert _dry_run_states(project) == dict.fromkeys(("fred", "fetched_x", "mine"), "to-run")


def _dry_run_states(project) -> dict[str, str]:
    proc = _cli(project, "sweep", "sweep.yaml", "--output-root", "out", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in proc.stdout.splitlines() if "\t" in line]
    return {json.loads(r[2])["source"]: r[3] for r in rows}


def test_key_ignores_outputs_and_metadata_but_not_code_or_prose():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A"), nbformat.v4.new_code_cell("x = 1")]
    base = cache_key(nb, {"n": 1}, kernel_name="k")
    executed = nbformat.from_dict(json.loads(json.dumps(nb)))
    executed.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    executed.cells[1].execution_count = 3
    executed.cells[1].metadata["scrolled"] = True
    executed.metadata["language_info"] = {"name": "python", "version": "3.99"}
    assert cache_key(executed, {"n": 1}, kernel_name="k") == base
    code = nbformat.from_dict(json.loads(json.dumps(nb)))
    code.cells[1].source = "x = 2"
    prose = nbformat.from_dict(json.loads(json.dumps(nb)))
    prose.cells[0].source = "# B"
    tagged = nbformat.from_dict(json.loads(json.dumps(nb)))
    tagged.cells[1].metadata["tags"] = ["parameters"]
    digests = {notebook_digest(n) for n in (nb, code, prose, tagged)}
    assert len(digests) == 4
    assert cache_key(nb, {"n": 2}, kernel_name="k") != base
    assert cache_key(nb, {"n": 1}, kernel_name="k", show_code=True) != base
    assert cache_key(nb, {"n": 1}, kernel_name="other") != base
