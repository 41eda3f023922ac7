"""What every benchmark case shares: paths, the result row, the machine facts, and running a
command while sampling its process tree's memory."""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib.metadata
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
TRIVIAL_NB = BENCH / "notebooks" / "trivial.ipynb"
TRIVIAL_PY = BENCH / "notebooks" / "trivial.py"
DEFAULT_SWEEP = ROOT / "sweeps" / "default.yaml"
BIN = Path(sys.executable).parent
KERNEL = "sanctions-model"
GIB = 1024**3

CASES = ("cold", "warm", "memory", "overhead", "fits", "engines", "profile", "fixes")
#: ``make bench``'s cases. ``fixes`` is asked for by name: its two candidates were measured at no
#: gain (cold sweep 0.998 of the sweep as it is, warm 0.994, 2026-12-06; the rfc3987 block is in
#: ``src/`` since), and its two extra cold sweeps and naive loops took ~9 of ``make bench``'s 22 min.
DEFAULT_CASES = tuple(c for c in CASES if c != "fixes")
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
    return run_sampled(args, cwd=cwd, env=env, ok=ok, sample=False)[0]


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
    sample: bool = True,
) -> tuple[float, TreeSampler | None]:
    """Like :func:`run_cmd`, sampling the process tree's memory while it runs (``sample``)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(a) for a in args],
        cwd=cwd or ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if not sample:
        out, sampler = proc.communicate()[0], None
    else:
        with TreeSampler(proc.pid) as sampler:
            out, _ = proc.communicate()
    elapsed = time.perf_counter() - t0
    _check(args, proc.returncode, out, ok)
    return elapsed, sampler
