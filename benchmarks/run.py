"""Benchmarks of the notebook runner and the estimators, each against its baseline in the same run.

Run from the repository root with the project's interpreter::

    .venv/bin/python benchmarks/run.py              # full run (about 10-15 min on 2 cores)
    .venv/bin/python benchmarks/run.py --quick      # fewer repeats, a 4-run sweep (< 4 min)
    .venv/bin/python benchmarks/run.py --cases overhead,fits --repeats 7

Writes ``benchmarks/results/<UTC timestamp>.json``, ``benchmarks/results/latest.json`` and
``benchmarks/results/latest.md`` (the table for the README), and prints the table. Timings are
wall-clock (``time.perf_counter``) of whole processes where a user would wait for one (a sweep, a
``papermill`` call), and of function calls in this process for the estimators. See
``benchmarks/README.md`` for what each case measures.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import importlib.metadata
import importlib.util
import inspect
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
TRIVIAL_NB = BENCH / "notebooks" / "trivial.ipynb"
TRIVIAL_PY = BENCH / "notebooks" / "trivial.py"
DEFAULT_SWEEP = ROOT / "sweeps" / "default.yaml"
BIN = Path(sys.executable).parent
KERNEL = "sanctions-model"
GIB = 1024**3

CASES = ("cold", "warm", "memory", "overhead", "fits", "engines", "profile", "fixes")
CANDIDATES = BENCH / "candidates"
PACKAGES = (
    "sanctions-model",
    "papermill",
    "nbclient",
    "nbconvert",
    "nbformat",
    "jupyter_client",
    "ipykernel",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "matplotlib",
    "pyfixest",
    "psutil",
)


# -- results -------------------------------------------------------------------------------------


@dataclass
class Row:
    """One measured case: its timings, its baseline's timings (same run), and a target."""

    case: str
    name: str
    unit: str
    values: list[float]
    baseline_name: str | None = None
    baseline_values: list[float] | None = None
    target: str | None = None
    met: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "case": self.case,
            "name": self.name,
            "unit": self.unit,
            "repeats": len(self.values),
            "values": [round(v, 4) for v in self.values],
            "median": _median(self.values),
            "min": min(self.values) if self.values else None,
            "max": max(self.values) if self.values else None,
            "baseline": self.baseline_name,
            "baseline_values": [round(v, 4) for v in self.baseline_values or []] or None,
            "baseline_median": _median(self.baseline_values or []),
            "ratio": self.ratio,
            "target": self.target,
            "met": self.met,
            "note": self.note,
        }
        out.update(self.extra)
        return out

    @property
    def median(self) -> float | None:
        return _median(self.values)

    @property
    def ratio(self) -> float | None:
        """Median of this case divided by the baseline's median (< 1: faster than the baseline)."""
        base = _median(self.baseline_values or [])
        if base in (None, 0) or self.median is None:
            return None
        return round(self.median / base, 4)


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 4) if values else None


def log(msg: str) -> None:
    stamp = _dt.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {msg}", file=sys.stderr, flush=True)


# -- machine -------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    import psutil

    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    commit = None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    return {
        "cpu": cpu,
        "cores_logical": psutil.cpu_count(logical=True),
        "cores_physical": psutil.cpu_count(logical=False),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gib": round(psutil.virtual_memory().total / GIB, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "git_commit": commit,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


# -- processes -----------------------------------------------------------------------------------


def candidate_env(tables: Path | None = None, *, rfc: bool = True) -> dict[str, str]:
    """The environment that switches on the candidate fixes of ``benchmarks/candidates/``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(CANDIDATES), env.get("PYTHONPATH", "")) if p
    )
    if rfc:
        env["SM_BENCH_BLOCK_RFC3987"] = "1"
    if tables is not None:
        env["SM_BENCH_TABLES"] = str(tables)
    return env


def ordinary_env() -> dict[str, str]:
    """The environment of the baseline runs: ordinary kernels, not forked from a template."""
    return {**os.environ, "SANCTIONS_MODEL_FORK_KERNELS": "0"}


def write_tables(path: Path) -> Path:
    """Pickle every dataset as the real loader returns it (the data-cache candidate's file)."""
    code = (
        "import pickle, sys\n"
        "from sanctions_model.data.registry import DATASETS, load\n"
        "with open(sys.argv[1], 'wb') as fh:\n"
        "    pickle.dump({n: load(n) for n in DATASETS}, fh, protocol=pickle.HIGHEST_PROTOCOL)\n"
    )
    if not path.exists():
        run_cmd([sys.executable, "-c", code, str(path)])
    return path


class CommandFailed(RuntimeError):
    """A timed command exited with a status the case does not accept."""


FAILURES: list[str] = []
"""Commands that failed but whose case went on (a notebook's fault, not the harness's)."""


def run_cmd(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    ok: Sequence[int] = (0,),
) -> float:
    """Run a command to completion and return its wall time; raise with its output if it fails.

    An exit status in ``ok`` other than 0 is accepted and noted in :data:`FAILURES`.
    """
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd or ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    elapsed = time.perf_counter() - t0
    _check(args, proc.returncode, proc.stdout, ok)
    return elapsed


def _check(args: Sequence[str], code: int, out: str, ok: Sequence[int]) -> None:
    if code == 0:
        return
    text = f"{' '.join(map(str, args))} exited {code}:\n{out[-3000:]}"
    if code not in ok:
        raise CommandFailed(text)
    FAILURES.append(text)
    log(f"  (accepted) {text.splitlines()[0]}")


def _pss(pid: int) -> int:
    """A process's proportional set size in bytes (Linux ``smaps_rollup``; 0 elsewhere): pages a
    forked kernel shares with its template count once in the sum over the tree, not twice."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TreeSampler:
    """Sum of the RSS of a process and all its descendants, sampled every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.peak_processes = 0
        self.peak_pss = 0  # proportional set size: a page shared by k processes counts 1/k
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        import psutil

        while not self._stop.is_set():
            total, pss, count = 0, 0, 0
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                procs = []
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
                    pss += _pss(p.pid)
                    count += 1
            if total > self.peak:
                self.peak, self.peak_processes = total, count
            self.peak_pss = max(self.peak_pss, pss)
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_sampled(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    ok: Sequence[int] = (0,),
) -> tuple[float, TreeSampler]:
    """Like :func:`run_cmd`, sampling the process tree's memory while it runs."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(a) for a in args],
        cwd=cwd or ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with TreeSampler(proc.pid) as sampler:
        out, _ = proc.communicate()
    elapsed = time.perf_counter() - t0
    _check(args, proc.returncode, out, ok)
    return elapsed, sampler


# -- case 1, 2, 5: the default sweep -------------------------------------------------------------


@dataclass(frozen=True)
class PlannedRun:
    notebook: str
    parameters: dict[str, Any]


def planned_runs(sweep_file: Path) -> list[PlannedRun]:
    """The sweep's runs as the runner plans them (its own parser, no kernel started)."""
    from sanctions_model.runner.sweep import load_sweep, plan

    with tempfile.TemporaryDirectory() as tmp:
        specs = plan(load_sweep(sweep_file), Path(tmp) / "PLANNED")
    return [PlannedRun(s.notebook, dict(s.parameters)) for s in specs]


def subset_sweep(runs: Sequence[PlannedRun], path: Path) -> Path:
    """A sweep file of exactly ``runs`` (explicit ``runs:`` lists, one entry per notebook)."""
    import yaml

    by_nb: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        by_nb.setdefault(r.notebook, []).append(r.parameters)
    doc = {
        "name": "bench",
        "timeout": 600,
        "notebooks": [{"path": nb, "runs": params} for nb, params in by_nb.items()],
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def sweep_cmd(sweep_file: Path, output_root: Path, workers: int) -> list[str]:
    return [
        str(BIN / "sanctions-model"),
        "sweep",
        str(sweep_file),
        "--output-root",
        str(output_root),
        "--workers",
        str(workers),
        "--quiet",
    ]


def naive_loop(
    runs: Sequence[PlannedRun], out_root: Path, env: dict[str, str] | None = None
) -> float:
    """What a user's shell loop does: papermill, then ``jupyter nbconvert --to html``, per run."""
    t0 = time.perf_counter()
    for i, r in enumerate(runs):
        run_dir = out_root / f"run{i:03d}"
        run_dir.mkdir(parents=True)
        args = [str(BIN / "papermill"), "-k", KERNEL, r.notebook, "out.ipynb"]
        for k, v in r.parameters.items():
            args += ["-p", k, str(v)]
        # The kernel's cwd is the run directory: results.json lands there. A failing notebook
        # still costs its time (papermill saves it, nbconvert exports it), as in a shell loop.
        run_cmd(args, cwd=run_dir, env=env, ok=(0, 1))
        run_cmd(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "out.ipynb"],
            cwd=run_dir,
            env=env,
            ok=(0, 1),
        )
    return time.perf_counter() - t0


def cell_breakdown(executed: Sequence[Path]) -> dict[str, float]:
    """Median seconds per code cell across executed notebooks (papermill's per-cell durations)."""
    import nbformat

    per_cell: dict[str, list[float]] = {}
    for path in executed:
        nb = nbformat.read(str(path), as_version=4)
        stem = path.parent.name.split("-")[0]
        for i, cell in enumerate(nb.cells):
            d = cell.get("metadata", {}).get("papermill", {}).get("duration")
            if cell.cell_type == "code" and d is not None:
                first = str(cell.source).strip().splitlines()[0][:50] if cell.source else ""
                per_cell.setdefault(f"{stem}[{i}] {first}", []).append(float(d))
    return {k: round(statistics.median(v), 3) for k, v in per_cell.items()}


def bench_sweep(args: argparse.Namespace, cases: set[str], work: Path) -> list[Row]:
    runs = planned_runs(DEFAULT_SWEEP)
    label = f"default sweep ({len(runs)} runs)"
    sweep_file = DEFAULT_SWEEP
    if args.quick:
        # The overview run and the EU27_2020->RU effect run: both notebooks, one per worker.
        runs = runs[:2]
        sweep_file = subset_sweep(runs, work / "quick_sweep.yaml")
        label = f"default sweep, first {len(runs)} runs (--quick)"
    repeats = args.sweep_repeats or (1 if args.quick else 2)
    workers = args.workers
    rows: list[Row] = []
    cold, naive, fixed, naive_fixed, peaks, peak_procs = [], [], [], [], [], []
    ordinary, ordinary_peaks = [], []
    last_root: Path | None = None
    ordinary_root: Path | None = None
    fixed_root: Path | None = None
    want_cold = bool(cases & {"cold", "warm", "memory", "fixes"})
    tables = write_tables(work / "tables.pickle") if "fixes" in cases else None
    for rep in range(repeats if want_cold else 0):
        order = ("sweep", "ordinary", "fixed", "naive", "naive_fixed")
        for which in order if rep % 2 == 0 else order[::-1]:
            if which == "ordinary":  # the same sweep with ordinary kernels: the fork's baseline
                if not cases & {"cold", "memory"}:
                    continue
                log(f"cold sweep with ordinary kernels {rep + 1}/{repeats}")
                ordinary_root = work / f"sweep-ordinary-{rep}"
                elapsed, sampler = run_sampled(
                    sweep_cmd(sweep_file, ordinary_root, workers),
                    env=ordinary_env(),
                    ok=(0, 1),
                )
                ordinary.append(elapsed)
                ordinary_peaks.append((sampler.peak_pss or sampler.peak) / GIB)
                log(f"  {elapsed:.1f} s, peak RSS of the tree {sampler.peak / GIB:.2f} GiB")
                continue
            if which == "naive" and "cold" not in cases:
                continue
            if which == "naive_fixed":
                if not ("fixes" in cases and "cold" in cases):
                    continue
                # The data cache lives in the package, so the naive loop's kernels get it too;
                # the rfc3987 stub would live in sanctions_model.runner, which papermill's and
                # nbconvert's own processes never import.
                log(f"naive loop with the parsed-table cache {rep + 1}/{repeats}")
                elapsed = naive_loop(
                    runs, work / f"naive-fixed-{rep}", env=candidate_env(tables, rfc=False)
                )
                naive_fixed.append(elapsed)
                log(f"  {elapsed:.1f} s")
                continue
            if which == "fixed":
                if "fixes" not in cases:
                    continue
                fixed_root = work / f"sweep-fixed-{rep}"
                log(f"cold sweep with the candidate fixes {rep + 1}/{repeats}")
                elapsed, _ = run_sampled(
                    sweep_cmd(sweep_file, fixed_root, workers), env=candidate_env(tables), ok=(0, 1)
                )
                fixed.append(elapsed)
                log(f"  {elapsed:.1f} s")
            elif which == "sweep":
                root = work / f"sweep-cold-{rep}"
                log(f"cold sweep {rep + 1}/{repeats}: {len(runs)} runs, {workers} workers")
                elapsed, sampler = run_sampled(sweep_cmd(sweep_file, root, workers), ok=(0, 1))
                cold.append(elapsed)
                peaks.append((sampler.peak_pss or sampler.peak) / GIB)
                peak_procs.append(sampler.peak_processes)
                last_root = root
                log(f"  {elapsed:.1f} s, peak RSS of the tree {sampler.peak / GIB:.2f} GiB")
            else:
                log(f"naive loop {rep + 1}/{repeats}: papermill + nbconvert x {len(runs)}")
                elapsed = naive_loop(runs, work / f"naive-{rep}")
                naive.append(elapsed)
                log(f"  {elapsed:.1f} s")
    if "cold" in cases:
        row = Row(
            "1 cold sweep",
            f"{label}, `sanctions-model sweep --workers {workers}`",
            "s",
            cold,
            "naive loop: papermill then nbconvert, sequential",
            naive,
            target="ratio <= 0.2 (>= 5x faster, issue 23)",
        )
        row.met = row.ratio is not None and row.ratio <= 1 / 5
        row.extra["speedup"] = round(1 / row.ratio, 2) if row.ratio else None
        row.extra["per_run_s"] = round(statistics.median(cold) / len(runs), 3)
        row.extra["naive_per_run_s"] = round(statistics.median(naive) / len(runs), 3)
        if last_root is not None:
            row.extra["statuses"] = _statuses(last_root)
            row.extra["cells_median_s"] = cell_breakdown(
                sorted(last_root.glob("*/2*/*/notebook.ipynb"))
            )
            row.extra["run_durations_s"] = _run_durations(last_root)
        rows.append(row)
        if ordinary:
            fork = Row(
                "1 cold sweep",
                f"{label}, kernels forked from a pre-imported template (the default)",
                "s",
                cold,
                "the same sweep with ordinary kernels (SANCTIONS_MODEL_FORK_KERNELS=0)",
                ordinary,
            )
            fork.extra["saved_per_run_s"] = round(
                (statistics.median(ordinary) - statistics.median(cold)) / len(runs), 3
            )
            # A cold sweep's wall time is mostly when its longest run (notebook 03) starts and how
            # long it takes; the sums of the runs' own durations compare the kernels' work.
            if last_root is not None and ordinary_root is not None:
                durations = {
                    "forked": _run_durations(last_root),
                    "ordinary": _run_durations(ordinary_root),
                }
                fork.extra["run_durations_s"] = durations
                fork.extra["run_seconds_sum"] = {
                    k: round(sum(v.values()), 1) for k, v in durations.items()
                }
            fork.note = (
                "one repeat runs the forked sweep first (cold caches); --sweep-repeats 2 "
                "alternates the order"
                if len(cold) < 2
                else ""
            )
            rows.append(fork)
    if "fixes" in cases and fixed:
        row = Row(
            "1 cold sweep",
            f"{label}, candidate fixes: parsed-table cache + no rfc3987_syntax import",
            "s",
            fixed,
            "cold sweep as it is (this run)",
            cold,
            note="benchmarks/candidates/sitecustomize.py imitates the fixes; src/ unchanged",
        )
        if naive:
            row.extra["ratio_to_naive"] = round(
                statistics.median(fixed) / statistics.median(naive), 4
            )
            row.extra["speedup_vs_naive"] = round(1 / row.extra["ratio_to_naive"], 2)
        rows.append(row)
        if naive_fixed:
            fair = Row(
                "1 cold sweep",
                f"{label}, candidate fixes (as above)",
                "s",
                fixed,
                "naive loop with the parsed-table cache too",
                naive_fixed,
                target="ratio <= 0.2 (>= 5x faster, issue 23)",
                note="the fair version of case 1 once the data cache is in the package",
            )
            fair.met = fair.ratio is not None and fair.ratio <= 1 / 5
            fair.extra["speedup"] = round(1 / fair.ratio, 2) if fair.ratio else None
            rows.append(fair)
    if "warm" in cases and last_root is not None:
        warm, warm_fixed = [], []
        for rep in range(max(3, args.repeats)):
            log(f"warm sweep {rep + 1}: everything cached")
            warm.append(run_cmd(sweep_cmd(sweep_file, last_root, workers), ok=(0, 1)))
            if "fixes" in cases:
                warm_fixed.append(
                    run_cmd(
                        sweep_cmd(sweep_file, last_root, workers), env=candidate_env(), ok=(0, 1)
                    )
                )
        row = Row(
            "2 warm sweep",
            f"{label}, everything cached",
            "s",
            warm,
            "cold sweep (case 1)",
            cold,
            target="<= 1 s",
        )
        row.met = row.median is not None and row.median <= 1
        rows.append(row)
        if warm_fixed:
            fx = Row(
                "2 warm sweep",
                f"{label}, everything cached, candidate fix: no rfc3987_syntax import",
                "s",
                warm_fixed,
                "warm sweep as it is (this run)",
                warm,
            )
            fx.extra["ratio_to_cold"] = round(
                statistics.median(warm_fixed) / statistics.median(cold), 4
            )
            rows.append(fx)
    if "memory" in cases and peaks:
        row = Row(
            "5 peak memory",
            f"{label}, {workers} workers: sum of the proportional set size (PSS) of the process "
            "tree, every 50 ms",
            "GiB",
            peaks,
            "the same sweep with ordinary kernels",
            ordinary_peaks or None,
            target="< 2 GiB",
            note="sampled during the cold sweeps; PSS counts a page shared by k processes (a "
            "forked kernel and its template, shared libraries) as 1/k in each, so the sum is the "
            "tree's footprint (RSS sums, logged, count shared pages once per process)",
        )
        row.met = row.median is not None and row.median < 2
        row.extra["processes_at_peak"] = peak_procs
        rows.append(row)
    return rows


def _statuses(sweep_root: Path) -> dict[str, int]:
    for path in sweep_root.glob("*/latest/sweep.json"):
        with contextlib.suppress(OSError, ValueError):
            return json.loads(path.read_text())["statuses"]
    return {}


def _run_durations(sweep_root: Path) -> dict[str, float]:
    out = {}
    for rec in sorted(sweep_root.glob("*/2*/*/run.json")):
        with contextlib.suppress(OSError, ValueError):
            out[rec.parent.name] = json.loads(rec.read_text())["duration"]
    return out


# -- case 3: per-run overhead --------------------------------------------------------------------


def bench_overhead(args: argparse.Namespace, cases: set[str], work: Path) -> list[Row]:
    repeats = args.repeats
    run, script, naive, fixed, ordinary = [], [], [], [], []
    for rep in range(repeats):
        log(f"overhead {rep + 1}/{repeats}: trivial notebook via `sanctions-model run` vs script")
        script.append(run_cmd([sys.executable, str(TRIVIAL_PY)]))
        run.append(
            run_cmd(
                [
                    str(BIN / "sanctions-model"),
                    "run",
                    str(TRIVIAL_NB),
                    "--output-dir",
                    str(work / f"trivial-{rep}"),
                ]
            )
        )
        ordinary.append(
            run_cmd(
                [
                    str(BIN / "sanctions-model"),
                    "run",
                    str(TRIVIAL_NB),
                    "--output-dir",
                    str(work / f"trivial-ordinary-{rep}"),
                ],
                env=ordinary_env(),
            )
        )
        if "fixes" in cases:
            fixed.append(
                run_cmd(
                    [
                        str(BIN / "sanctions-model"),
                        "run",
                        str(TRIVIAL_NB),
                        "--output-dir",
                        str(work / f"trivial-fixed-{rep}"),
                    ],
                    env=candidate_env(),
                )
            )
        if rep < (1 if args.quick else 2):
            d = work / f"trivial-naive-{rep}"
            d.mkdir()
            t = run_cmd([str(BIN / "papermill"), "-k", KERNEL, str(TRIVIAL_NB), "out.ipynb"], cwd=d)
            t += run_cmd([str(BIN / "jupyter"), "nbconvert", "--to", "html", "out.ipynb"], cwd=d)
            naive.append(t)
    row = Row(
        "3 per-run overhead",
        "trivial notebook, `sanctions-model run` (kernel, injection, execution, HTML)",
        "s",
        run,
        "the same code, `python trivial.py`",
        script,
        target="median - baseline median <= 1 s",
    )
    overhead = statistics.median(run) - statistics.median(script)
    row.met = overhead <= 1
    row.extra["overhead_s"] = round(overhead, 3)
    rows = [row]
    base = Row(
        "3 per-run overhead",
        "trivial notebook, `sanctions-model run` with an ordinary kernel (no fork server)",
        "s",
        ordinary,
        "the same code, `python trivial.py`",
        script,
        note="baseline of the forked kernel (SANCTIONS_MODEL_FORK_KERNELS=0)",
    )
    base.extra["overhead_s"] = round(statistics.median(ordinary) - statistics.median(script), 3)
    rows.append(base)
    if fixed:
        fx = Row(
            "3 per-run overhead",
            "trivial notebook, `sanctions-model run`, candidate fix: no rfc3987_syntax import",
            "s",
            fixed,
            "`sanctions-model run` as it is (this run)",
            run,
        )
        fx.extra["overhead_s"] = round(statistics.median(fixed) - statistics.median(script), 3)
        rows.append(fx)
    rows += _overhead_in_sweep(args, work, script)
    if naive:
        ref = Row(
            "3 per-run overhead",
            "trivial notebook, naive papermill then `jupyter nbconvert --to html`",
            "s",
            naive,
            "the same code, `python trivial.py`",
            script,
            note="reference: what the runner replaces",
        )
        ref.extra["overhead_s"] = round(statistics.median(naive) - statistics.median(script), 3)
        rows.append(ref)
    return rows


def _overhead_in_sweep(args: argparse.Namespace, work: Path, script: list[float]) -> list[Row]:
    """The marginal cost of one more trivial run inside a sweep (1 worker): the runner's part.

    ``(T(N runs) - T(1 run)) / (N - 1)`` cancels the CLI's start, planning and the index.
    """
    import yaml

    n_runs = 4 if args.quick else 8
    files = {}
    for k in (1, n_runs):
        doc = {
            "name": f"trivial{k}",
            "notebooks": [{"path": str(TRIVIAL_NB), "runs": [{"n": i} for i in range(k)]}],
        }
        files[k] = work / f"trivial{k}.yaml"
        files[k].write_text(yaml.safe_dump(doc), encoding="utf-8")
    marginal, totals, ordinary = [], [], []
    for rep in range(1 if args.quick else 2):
        log(f"overhead in a sweep {rep + 1}: 1 and {n_runs} trivial runs, 1 worker")
        one = run_cmd(sweep_cmd(files[1], work / f"trivial-sweep1-{rep}", 1))
        many = run_cmd(sweep_cmd(files[n_runs], work / f"trivial-sweep{n_runs}-{rep}", 1))
        marginal.append((many - one) / (n_runs - 1))
        totals.append(many)
        env = ordinary_env()
        one = run_cmd(sweep_cmd(files[1], work / f"trivial-sweep1-ordinary-{rep}", 1), env=env)
        many = run_cmd(
            sweep_cmd(files[n_runs], work / f"trivial-sweep{n_runs}-ordinary-{rep}", 1), env=env
        )
        ordinary.append((many - one) / (n_runs - 1))
    row = Row(
        "3 per-run overhead",
        f"trivial notebook inside a sweep (1 worker): (T({n_runs} runs) - T(1 run)) / {n_runs - 1}",
        "s",
        marginal,
        "the same code, `python trivial.py`",
        script,
        target="median - baseline median < 1.5 s",
    )
    over = statistics.median(marginal) - statistics.median(script)
    row.met = over < 1.5
    row.extra["overhead_s"] = round(over, 3)
    row.extra[f"sweep_of_{n_runs}_s"] = [round(t, 3) for t in totals]
    base = Row(
        "3 per-run overhead",
        "the same with ordinary kernels (SANCTIONS_MODEL_FORK_KERNELS=0), per run",
        "s",
        ordinary,
        "forked kernels (the row above)",
        marginal,
        note="what a forked kernel saves per run: baseline median - median",
    )
    return [row, base]


# -- case 4: estimator fits ----------------------------------------------------------------------


def timed(
    fn: Callable[[], Any], repeats: int, warmup: int = 1, budget: float | None = None
) -> list[float]:
    """Seconds of ``repeats`` calls after ``warmup`` calls; stop early once ``budget`` is spent."""
    for _ in range(warmup):
        fn()
    out: list[float] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
        if budget is not None and sum(out) > budget:
            break
    return out


def _external_model_rows(args: argparse.Namespace) -> list[Row] | None:
    """Rows from ``benchmarks/bench_models.py`` (another engineer's file) if it is there."""
    path = BENCH / "bench_models.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("bench_models", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_models"] = module
    spec.loader.exec_module(module)
    fn = next(
        (
            getattr(module, n)
            # Not main(): a command-line entry parses sys.argv and prints instead of returning.
            for n in ("run", "run_benchmarks", "bench", "benchmark", "rows")
            if callable(getattr(module, n, None))
        ),
        None,
    )
    if fn is None:
        log("benchmarks/bench_models.py has no run()/bench()/rows() returning rows: built-in fits")
        return None
    params = inspect.signature(fn).parameters
    kwargs: dict[str, Any] = {}
    if "quick" in params:
        kwargs["quick"] = args.quick
    if "repeats" in params:
        kwargs["repeats"] = args.repeats
    result = fn(**kwargs)
    rows = []
    for r in result or []:
        r = dict(r) if not isinstance(r, dict) else r
        values = r.get("values") or r.get("times") or r.get("seconds")
        if values is None and r.get("median") is not None:
            values = [r["median"]]
        if not values:
            continue
        row = Row(
            "4 estimator fits",
            str(r.get("name") or r.get("case") or "fit"),
            str(r.get("unit", "s")),
            [float(v) for v in values],
            r.get("baseline") or r.get("baseline_name"),
            [float(v) for v in r.get("baseline_values") or []] or None,
            target=r.get("target"),
            met=r.get("met"),
            note="from benchmarks/bench_models.py",
        )
        rows.append(row)
    return rows


def bench_engines(args: argparse.Namespace) -> list[Row]:
    """The rewritten numerical engines against their old forms, same run
    (``benchmarks/bench_engines.py``): the batched counterfactual paths and the WCR interval."""
    spec = importlib.util.spec_from_file_location("bench_engines", BENCH / "bench_engines.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_engines"] = module
    spec.loader.exec_module(module)
    rows = []
    for r in module.run(args.repeats or (3 if args.quick else 5)):
        speedup = r["old_seconds"] / r["new_seconds"]
        rows.append(
            Row(
                "5 numerical engines",
                str(r["case"]),
                "s",
                [float(v) for v in r["new_values"]],
                "old form (per-draw filter / draws x clusters at every null)",
                [float(v) for v in r["old_values"]],
                target=">= 3x the old form",
                met=speedup >= 3,
                extra={"speedup": round(speedup, 2)},
            )
        )
    return rows


def bench_fits(args: argparse.Namespace) -> list[Row]:
    external = _external_model_rows(args)
    if external is not None:
        log(f"fits: {len(external)} rows from benchmarks/bench_models.py")
        return external
    from sanctions_model import data, models

    repeats = args.repeats
    rows: list[Row] = []
    trade = data.load_trade(reporter="EU27_2020", partner="RU", flow="export")
    y = trade.set_index("period")["value"].sort_index()
    # The settings of notebooks/02_sanction_effect.ipynb (n_sims=500).
    kw = {"log": True, "trend": "local level", "n_sims": 500}
    log(f"fits: counterfactual on the real series ({len(y)} months)")
    real = timed(lambda: models.estimate_counterfactual(y, "2022-03", **kw), repeats)
    base_name = f"counterfactual, real EU27_2020->RU, {len(y)} months"
    row = Row("4 estimator fits", base_name, "s", real, target="< 0.3 s")
    row.met = statistics.median(real) < 0.3
    rows.append(row)
    cf = models.estimate_counterfactual(y, "2022-03", **kw)
    if hasattr(cf, "placebo_test"):
        log("fits: placebo backtest of that fit (what the notebook runs next)")
        rows.append(
            Row(
                "4 estimator fits",
                f"counterfactual placebo test, real series, {len(y)} months",
                "s",
                timed(cf.placebo_test, max(1, repeats // 2), warmup=0),
                base_name,
                real,
            )
        )
    lengths = (36, 68, 120, 240) if args.quick else (36, 68, 120, 240, 360, 600)
    for n in lengths:
        sim = models.simulate_trade_series(n, start="2000-01", seed=1)
        # The intervention three quarters of the way in: a pre-period long enough to fit.
        when = sim.y.index[int(n * 0.75)]
        log(f"fits: counterfactual on a simulated series of {n} months")
        rows.append(
            Row(
                "4 estimator fits",
                f"counterfactual, simulated, {n} months",
                "s",
                timed(lambda s=sim, w=when: models.estimate_counterfactual(s.y, w, **kw), repeats),
                base_name,
                real,
            )
        )
    fit_intervention = getattr(models, "fit_intervention", None)
    if fit_intervention is None:
        with contextlib.suppress(ImportError):
            from sanctions_model.models.intervention import fit_intervention
    if fit_intervention is not None and args.quick:
        log("fits: intervention skipped in --quick (an ARMA order search, 10-15 s a fit)")
    elif fit_intervention is not None:
        # Slow (an ARMA order search, 10-25 s a fit here; one 600-month fit ran > 4 min and was
        # stopped): two fits per size, no warm-up round, at most ~40 s per size.
        for n in (68, 240):
            sim = models.simulate_trade_series(n, start="2000-01", seed=1)
            when = sim.y.index[int(n * 0.75)]
            log(f"fits: intervention (regression with ARMA errors), {n} months")
            rows.append(
                Row(
                    "4 estimator fits",
                    f"intervention (ARMA order by BIC), simulated, {n} months",
                    "s",
                    timed(
                        lambda s=sim, w=when: fit_intervention(s.y, w),
                        2,
                        warmup=0,
                        budget=40,
                    ),
                    base_name,
                    real,
                )
            )
    rows += _break_fits(args, models, repeats)
    rows += _panel_fits(args, models)
    return rows


def _break_fits(args: argparse.Namespace, models: Any, repeats: int) -> list[Row]:
    """Break tests on a 68-month series: the sieve-bootstrap default against the classical test
    (what robustness to serial correlation costs), both measured here in the same run."""
    rows: list[Row] = []
    if not hasattr(models, "qlr_test"):
        return rows
    sim = models.simulate_trade_series(68, seed=1)
    for name, fn in (("QLR", models.qlr_test), ("Chow", models.chow_test)):
        extra = {} if name == "QLR" else {"break_date": "2022-03"}
        base = f"{name}, classical (iid), 68 months"
        log(f"fits: {name} test, classical and sieve bootstrap")
        base_s = timed(lambda f=fn, e=extra: f(sim.y, inference="iid", **e), repeats)
        rows.append(Row("4 estimator fits", base, "s", base_s))
        rows.append(
            Row(
                "4 estimator fits",
                f"{name}, AR-sieve bootstrap (499 replications, default), 68 months",
                "s",
                timed(lambda f=fn, e=extra: f(sim.y, **e), max(1, repeats // 2)),
                base,
                base_s,
            )
        )
    return rows


def _panel_fits(args: argparse.Namespace, models: Any) -> list[Row]:
    """Panel event study and gravity PPML: embedded panel size to 10x, gravity at ~30,000 rows."""
    rows: list[Row] = []
    try:
        from sanctions_model.models.panel import estimate_event_study
    except ImportError:
        estimate_event_study = None
        log("fits: no sanctions_model.models.panel.estimate_event_study: event study skipped")
    try:
        from sanctions_model.models.gravity import fit_gravity_ppml
    except ImportError:
        fit_gravity_ppml = None
        log("fits: no sanctions_model.models.gravity.fit_gravity_ppml: gravity skipped")
    reps = max(1, args.repeats // 2)
    # 27 member states x 6 partners x 68 months is the embedded panel; 270 reporters is 10x.
    sizes = [(27, "embedded size"), (74, "~30,000 rows")]
    if not args.quick:
        sizes.append((270, "10x embedded"))
    panels = {n: _gravity_panel(models, n, 68) for n, _ in sizes}
    if estimate_event_study is not None:
        base: list[float] | None = None
        base_name = None
        for n, label in sizes:
            frame = panels[n]
            name = (
                f"event study (pair + reporter^period FE), {len(frame):,} rows, {n}x6x68 ({label})"
            )
            log(f"fits: {name}")
            vals = timed(
                lambda f=frame: estimate_event_study(
                    f, treated="RU", event="2022-03", controls="all", inference="cluster"
                ),
                reps,
            )
            rows.append(Row("4 estimator fits", name, "s", vals, base_name, base))
            if base is None:
                base, base_name = vals, name
    if fit_gravity_ppml is None and importlib.util.find_spec("pyfixest") is None:
        return rows
    import pyfixest as pf

    fe = ("reporter^period", "partner^period", "pair")
    for n, label in sizes:
        frame = panels[n]
        ref_name = f"pyfixest.fepois directly, same data and FE ({len(frame):,} rows)"
        log(f"fits: gravity PPML, {len(frame):,} rows, 3 FE ({label})")
        ref = timed(
            lambda f=frame: pf.fepois(
                "value ~ treat_post | reporter_month + partner_month + pair", data=f, vcov="hetero"
            ),
            reps,
        )
        if fit_gravity_ppml is None:
            rows.append(Row("4 estimator fits", ref_name, "s", ref))
            continue
        vals = timed(
            lambda f=frame: fit_gravity_ppml(
                f,
                outcome="value",
                treatments="treat_post",
                fixed_effects=fe,
                exporter="reporter",
                importer="partner",
            ),
            reps,
        )
        row = Row(
            "4 estimator fits",
            f"gravity PPML `fit_gravity_ppml`, {len(frame):,} rows, 3 FE, {n}x6x68 ({label})",
            "s",
            vals,
            ref_name,
            ref,
        )
        if n == 74:
            row.target = "< 5 s"
            row.met = statistics.median(vals) < 5
        rows.append(row)
    return rows


def _gravity_panel(models: Any, n_reporters: int, n_periods: int) -> Any:
    """A simulated reporter x partner x month panel with the columns the panel fits use."""
    sim = models.simulate_trade_panel(
        reporters=[f"R{i:03d}" for i in range(n_reporters)], n_periods=n_periods, seed=1
    )
    frame = sim.data.copy()
    # Exposure-weighted: a plain treated x post dummy is absorbed by partner-month effects.
    frame["treat_post"] = (frame["exposure"] * frame["treated"] * frame["post"]).astype(float)
    frame["pair"] = frame["reporter"] + "-" + frame["partner"]
    month = frame["period"].astype(str)
    frame["partner_month"] = frame["partner"] + "-" + month
    frame["reporter_month"] = frame["reporter"] + "-" + month
    return frame


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
        [str(a) for a in args], cwd=cwd or ROOT, capture_output=True, text=True, check=True
    )
    line = next(x for x in proc.stdout.splitlines()[::-1] if x.startswith("BENCH-JSON "))
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


# -- output --------------------------------------------------------------------------------------


def fmt(value: float | None, unit: str = "s") -> str:
    if value is None:
        return ""
    if unit == "GiB":
        return f"{value:.2f}"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def markdown(rows: Sequence[Row], machine: dict[str, Any], meta: dict[str, Any]) -> str:
    lines = [
        f"Measured {meta['finished']} ({'quick' if meta['quick'] else 'full'} run, "
        f"{meta['elapsed_s']:.0f} s) on {machine['cpu']}, {machine['cores_usable']} cores usable, "
        f"{machine['memory_gib']} GiB, {machine['os']}, Python {machine['python']}; load average "
        f"{machine['load_average_start'][0]} at start, {meta['load_average_end'][0]} at end.",
        "",
        "| case | measured | median | min-max | n | baseline | baseline median | ratio | target |",
        "|---|---|---:|---:|---:|---|---:|---:|---|",
    ]
    for r in rows:
        if r.case == "profile":
            continue
        status = "" if r.met is None else (" **met**" if r.met else " **missed**")
        extra = ""
        if "overhead_s" in r.extra:
            extra = f" (overhead {r.extra['overhead_s']:.2f} s)"
        if "speedup" in r.extra and r.extra["speedup"]:
            extra = f" ({r.extra['speedup']:.2f}x faster)"
        if r.extra.get("speedup_vs_naive"):
            extra = f" ({r.extra['speedup_vs_naive']:.2f}x faster than the naive loop)"
        if r.extra.get("ratio_to_cold") is not None:
            extra = f" ({r.extra['ratio_to_cold']:.3f} of the cold sweep)"
        lines.append(
            f"| {r.case} | {r.name} | {fmt(r.median, r.unit)} {r.unit} | "
            f"{fmt(min(r.values), r.unit)}-{fmt(max(r.values), r.unit)} | {len(r.values)} | "
            f"{r.baseline_name or ''} | {fmt(_median(r.baseline_values or []), r.unit)} | "
            f"{'' if r.ratio is None else f'{r.ratio:.3f}'}{extra} | "
            f"{(r.target or '') + status} |"
        )
    prof = [r for r in rows if r.case == "profile"]
    if prof:
        lines += ["", "Where the time of one run goes (fresh process per stage):", ""]
        lines += ["| stage | median | min-max | n |", "|---|---:|---:|---:|"]
        for r in prof:
            lines.append(
                f"| {r.name} | {fmt(r.median)} s | {fmt(min(r.values))}-{fmt(max(r.values))} | "
                f"{len(r.values)} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes")
    parser.add_argument(
        "--cases",
        default=",".join(CASES),
        help=f"comma-separated subset of {','.join(CASES)} (default: all)",
    )
    parser.add_argument("--repeats", type=int, help="repeats of the light cases (5; quick 3)")
    parser.add_argument(
        "--sweep-repeats", type=int, help="repeats of the cold sweep and naive loop (2; quick 1)"
    )
    parser.add_argument("--workers", type=int, default=2, help="sweep workers (default 2)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    parser.add_argument("--keep", action="store_true", help="keep the temporary output trees")
    args = parser.parse_args(argv)
    args.repeats = args.repeats or (3 if args.quick else 5)
    cases = {c.strip() for c in args.cases.split(",") if c.strip()}
    unknown = cases - set(CASES)
    if unknown:
        parser.error(f"unknown cases {sorted(unknown)}; known: {', '.join(CASES)}")

    started = _dt.datetime.now(_dt.UTC)
    t0 = time.perf_counter()
    machine = machine_info()
    work = Path(tempfile.mkdtemp(prefix="sanctions-bench-"))
    rows: list[Row] = []
    errors: dict[str, str] = {}
    try:
        for group, wanted, fn in (
            ("overhead", {"overhead"}, lambda: bench_overhead(args, cases, work)),
            ("fits", {"fits"}, lambda: bench_fits(args)),
            ("engines", {"engines"}, lambda: bench_engines(args)),
            ("sweep", {"cold", "warm", "memory", "fixes"}, lambda: bench_sweep(args, cases, work)),
            ("profile", {"profile"}, lambda: bench_profile(args, work)),
        ):
            if cases & wanted:
                try:
                    rows += fn()
                except Exception as exc:  # one broken case must not lose the others
                    errors[group] = f"{type(exc).__name__}: {exc}"[:4000]
                    log(f"{group} FAILED: {errors[group]}")
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    finished = _dt.datetime.now(_dt.UTC)
    meta = {
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.strftime("%Y-%m-%d %H:%M UTC"),
        "elapsed_s": round(time.perf_counter() - t0, 1),
        "quick": args.quick,
        "cases": sorted(cases),
        "repeats": args.repeats,
        "sweep_repeats": args.sweep_repeats or (1 if args.quick else 2),
        "workers": args.workers,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
    }
    doc = {
        "meta": meta,
        "machine": machine,
        "results": [r.summary() for r in rows],
        "errors": errors,
        "accepted_failures": FAILURES,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(doc, indent=2, default=str)
    (args.out / f"{stamp}.json").write_text(text + "\n", encoding="utf-8")
    (args.out / "latest.json").write_text(text + "\n", encoding="utf-8")
    table = markdown(rows, machine, meta)
    if FAILURES:
        table += f"\n{len(FAILURES)} timed command(s) exited non-zero (see accepted_failures).\n"
    if errors:
        table += "\nErrors: " + "; ".join(f"{k}: {v.splitlines()[0]}" for k, v in errors.items())
        table += "\n"
    (args.out / "latest.md").write_text(table, encoding="utf-8")
    print(table)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["Row", "main", "machine_info", "planned_runs"]
