"""Where the time of one run goes: kernel start, imports, HTML export, table reads."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from suite.common import (
    BIN,
    DEFAULT_SWEEP,
    KERNEL,
    ROOT,
    Row,
    log,
    run_cmd,
    write_tables,
)
from suite.sweep import cell_breakdown, planned_runs

# -- per-run profile: where the time of one run goes ---------------------------------------------

_KERNEL_START = """
import json, sys, time
from jupyter_client.manager import start_new_kernel
t0 = time.perf_counter()
km, kc = start_new_kernel(kernel_name=sys.argv[1], startup_timeout=120)
t1 = time.perf_counter()
kc.execute_interactive("pass", timeout=60)
t2 = time.perf_counter()
kc.stop_channels(); km.shutdown_kernel(now=True)
t3 = time.perf_counter()
print("BENCH-JSON", json.dumps({"start": t1 - t0, "first_execute": t2 - t1, "shutdown": t3 - t2}))
"""

_IMPORTS = """
import json, time
t0 = time.perf_counter()
import matplotlib_inline.backend_inline  # what the kernel's %matplotlib inline loads
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display
from sanctions_model import data, models, reporting
t1 = time.perf_counter()
trade = data.load_trade("eurostat_comext", reporter="EU27_2020", partner="RU", flow="export",
                        start="2019-01")
t2 = time.perf_counter()
trade = data.load_trade("eurostat_comext", reporter="DE", partner="RU", flow="export",
                        start="2019-01")
t3 = time.perf_counter()
events = data.load_events()
t4 = time.perf_counter()
print("BENCH-JSON", json.dumps({"imports": t1 - t0, "load_trade_first": t2 - t1,
                  "load_trade_again": t3 - t2, "load_events": t4 - t3}))
"""

_HTML = """
import json, sys, time
t0 = time.perf_counter()
import nbformat
from sanctions_model.runner.html import render_html
t1 = time.perf_counter()
nb = nbformat.read(sys.argv[1], as_version=4)
render_html(nb)
t2 = time.perf_counter()
render_html(nb)
t3 = time.perf_counter()
print("BENCH-JSON", json.dumps({"import_nbconvert": t1 - t0, "render_first": t2 - t1, "render_again": t3 - t2}))
"""


# A candidate fix, measured: the parsed, validated tables pickled once, then read by each run.
_PICKLE_READ = """
import json, pickle, sys, time
t0 = time.perf_counter()
import pandas as pd
from sanctions_model import data
t1 = time.perf_counter()
with open(sys.argv[1], "rb") as fh:
    tables = pickle.load(fh)  # noqa: S301 - our own file, written a moment ago
t2 = time.perf_counter()
t = tables["eurostat_comext"]
t = t[(t["reporter"] == "EU27_2020") & (t["partner"] == "RU") & (t["flow"] == "export")]
t3 = time.perf_counter()
names = list(data.registry.DATASETS)
t4 = time.perf_counter()
for n in names:
    data.registry.load(n)
t5 = time.perf_counter()
print("BENCH-JSON", json.dumps({"pickle_all": t2 - t1, "filter": t3 - t2, "all_parsed": t5 - t4}))
"""


def _json_of(args: Sequence[str], cwd: Path | None = None) -> dict[str, float]:
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd or ROOT, capture_output=True, text=True, check=False
    )
    line = next((x for x in proc.stdout.splitlines()[::-1] if x.startswith("BENCH-JSON ")), None)
    if line is None:
        raise subprocess.CalledProcessError(proc.returncode, proc.args, proc.stdout, proc.stderr)
    if proc.returncode:
        # pyarrow (pandas 3's strings) can abort a process at exit after its work is done
        # ("terminate called without an active exception", apache/arrow#34314): the figures it
        # printed stand; the abort is logged
        log(f"profile: a stage process exited {proc.returncode} after printing its figures")
    return json.loads(line.removeprefix("BENCH-JSON "))


def bench_profile(args: argparse.Namespace, work: Path) -> list[Row]:
    """Stages of one run, each in a fresh process as a run meets them."""
    repeats = 1 if args.quick else 2
    stages: dict[str, list[float]] = {}

    def add(key: str, value: float) -> None:
        stages.setdefault(key, []).append(value)

    # An executed effect notebook to export: from a one-run sweep (also gives papermill timings).
    executed = work / "profile-nb" / "notebook.ipynb"
    if not executed.exists():
        runs = planned_runs(DEFAULT_SWEEP)
        one = next(r for r in runs if r.parameters.get("partner") == "RU")
        log("profile: one effect run via `sanctions-model run` (a notebook to export)")
        cmd = [str(BIN / "sanctions-model"), "run", one.notebook]
        for k, v in one.parameters.items():
            cmd += ["-p", k, str(v)]
        cmd += ["--output-dir", str(executed.parent)]
        run_cmd(cmd)
    tables = write_tables(work / "tables.pickle")
    for rep in range(repeats):
        log(f"profile {rep + 1}/{repeats}: interpreter, CLI import, kernel, imports, data, HTML")
        add("python -c pass (interpreter start)", run_cmd([sys.executable, "-c", "pass"]))
        add(
            "`sanctions-model --help` (CLI start)",
            run_cmd([str(BIN / "sanctions-model"), "--help"]),
        )
        k = _json_of([sys.executable, "-c", _KERNEL_START, KERNEL])
        add("kernel start to ready (jupyter_client)", k["start"])
        add("kernel first execute", k["first_execute"])
        add("kernel shutdown (now=True)", k["shutdown"])
        d = _json_of([sys.executable, "-c", _IMPORTS])
        add("notebook imports (matplotlib, pandas, sanctions_model)", d["imports"])
        add("data.load_trade, first call in a process", d["load_trade_first"])
        add("data.load_trade, second call (memoised)", d["load_trade_again"])
        add("data.load_events", d["load_events"])
        p = _json_of([sys.executable, "-c", _PICKLE_READ, str(tables)])
        add(
            "all datasets parsed from the publishers' files (what data.catalog() pays)",
            p["all_parsed"],
        )
        add("candidate fix: all datasets from one pickle of the parsed tables", p["pickle_all"])
        h = _json_of([sys.executable, "-c", _HTML, str(executed)])
        add("import nbconvert + runner.html", h["import_nbconvert"])
        add("render_html, first (exporter + templates)", h["render_first"])
        add("render_html, again (same process)", h["render_again"])
        tmp = work / f"nbconvert-{rep}"
        tmp.mkdir()
        shutil.copy(executed, tmp / "out.ipynb")
        add(
            "`jupyter nbconvert --to html` (new process)",
            run_cmd([str(BIN / "jupyter"), "nbconvert", "--to", "html", "out.ipynb"], cwd=tmp),
        )
    rows = [Row("profile", name, "s", vals) for name, vals in stages.items()]
    cells = cell_breakdown([executed])
    if cells:
        for name, sec in cells.items():
            rows.append(Row("profile", f"cell {name}", "s", [sec], note="papermill, one run"))
    return rows
