"""Forked against ordinary kernels on one notebook: per-cell seconds, CPU, threads, GC, page faults.

A diagnostic copy of ``notebooks/02_sanction_effect.ipynb`` gets a first cell that starts counting
(CPU time, garbage collections, thread count every 0.25 s) and a last cell that writes what it saw
to ``diag.json`` in the run folder: the OpenBLAS (and any OpenMP) thread counts read from each
loaded library, numba's thread settings, the environment's thread variables. Sweeps of that copy
run alternately with forked and ordinary kernels (ABBA: forked, ordinary, ordinary, forked), one
at a time, and the script prints one row per run and the medians::

    .venv/bin/python benchmarks/fork_vs_ordinary.py                 # 1 run per sweep, 1 worker
    .venv/bin/python benchmarks/fork_vs_ordinary.py --workers 2     # 2 runs at once (RU, KZ)

Writes nothing in the repository (a temporary folder, printed; ``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "02_sanction_effect.ipynb"

FIRST = """import gc as _gc, os as _os, resource as _res, threading as _th, time as _time
_diag_r0 = _res.getrusage(_res.RUSAGE_SELF); _diag_t0 = _time.perf_counter()
_diag_gc = {"time": 0.0, "n": [0, 0, 0], "start": 0.0}
def _diag_cb(phase, info, _g=_diag_gc):
    if phase == "start":
        _g["start"] = _time.perf_counter()
    else:
        _g["time"] += _time.perf_counter() - _g["start"]; _g["n"][info["generation"]] += 1
_gc.callbacks.append(_diag_cb)
_diag_threads = []
def _diag_sample(_stop=_th.Event()):
    while not _stop.wait(0.25):
        _diag_threads.append(len(_os.listdir("/proc/self/task")))
_th.Thread(target=_diag_sample, daemon=True).start()"""

LAST = """import ctypes, json, sys
_r = _res.getrusage(_res.RUSAGE_SELF)
_libs = {}
for _line in open("/proc/self/maps"):
    _p = _line.split()[-1]
    if _p.startswith("/") and any(k in _p.lower() for k in ("openblas", "gomp", "libomp", "mkl")):
        _libs[_p] = None
for _p in list(_libs):
    try:
        _lib = ctypes.CDLL(_p, mode=_os.RTLD_NOLOAD)
    except OSError:
        continue
    for _n in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
               "openblas_get_num_threads64_", "openblas_get_num_threads", "omp_get_max_threads"):
        if getattr(_lib, _n, None) is not None:
            _libs[_p] = getattr(_lib, _n)(); break
_numba = {}
if "numba" in sys.modules:
    import numba
    _numba = {"NUMBA_NUM_THREADS": numba.config.NUMBA_NUM_THREADS, "threads": numba.get_num_threads()}
with open(_os.path.join(_os.environ["SANCTIONS_MODEL_RUN_DIR"], "diag.json"), "w") as _fh:
    json.dump({
        "forked": "kernel_template" in open(f"/proc/{_os.getppid()}/cmdline").read(),
        "user_s": _r.ru_utime - _diag_r0.ru_utime, "sys_s": _r.ru_stime - _diag_r0.ru_stime,
        "minflt": _r.ru_minflt - _diag_r0.ru_minflt, "gc_s": _diag_gc["time"],
        "gc_collections": _diag_gc["n"], "gc_frozen": _gc.get_freeze_count(),
        "threads_max": max(_diag_threads or [0]),
        "libs": {_os.path.basename(k): v for k, v in _libs.items()}, "numba": _numba,
        "env": {k: _os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")},
    }, _fh)"""


def diag_notebook(folder: Path) -> Path:
    import nbformat

    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(FIRST))
    nb.cells.append(nbformat.v4.new_code_cell(LAST))
    path = folder / "02_diag.ipynb"
    nbformat.write(nb, str(path))
    return path


def sweep_file(folder: Path, notebook: Path, workers: int) -> Path:
    import yaml

    partners = ["RU", "KZ", "KG", "AM"][:workers]
    doc = {
        "name": "diag",
        "notebooks": [
            {
                "path": str(notebook),
                "runs": [{"reporter": "EU27_2020", "partner": p} for p in partners],
            }
        ],
    }
    path = folder / "diag.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def run_sweep(sweep: Path, root: Path, workers: int, forked: bool) -> tuple[float, list[dict]]:
    env = {**os.environ, "SANCTIONS_MODEL_FORK_KERNELS": "1" if forked else "0"}
    cmd = [str(Path(sys.executable).parent / "sanctions-model"), "sweep", str(sweep)]
    cmd += ["--output-root", str(root), "--workers", str(workers), "--quiet", "--force"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"sweep failed ({proc.returncode}): {proc.stderr[-2000:]}")
    runs = []
    import nbformat

    for diag in sorted(root.glob("diag/2*/*/diag.json")):
        record = json.loads((diag.parent / "run.json").read_text())
        nb = nbformat.read(str(diag.parent / "notebook.ipynb"), as_version=4)
        cells = [
            round(c.metadata.get("papermill", {}).get("duration") or 0.0, 2)
            for c in nb.cells
            if c.cell_type == "code"
        ]
        runs.append({"run_s": record["duration"], "cells_s": cells, **json.loads(diag.read_text())})
    return wall, runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1, help="runs at once (1-4; default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="sm-fork-vs-ordinary-"))
    sweep = sweep_file(folder, diag_notebook(folder), args.workers)
    rows = []
    for i, forked in enumerate((True, False, False, True)):
        wall, runs = run_sweep(sweep, folder / f"sweep-{i}", args.workers, forked)
        kind = "forked" if forked else "ordinary"
        for run in runs:
            rows.append({"kind": kind, "sweep_s": wall, **run})
            print(
                f"{kind:8} sweep {wall:6.1f} s  run {run['run_s']:5.1f} s  CPU {run['user_s']:5.1f}"
                f"+{run['sys_s']:.1f} s  GC {run['gc_s']:.2f} s {run['gc_collections']}  "
                f"frozen {run['gc_frozen']}  minflt {run['minflt']}  threads {run['threads_max']}  "
                f"BLAS/OpenMP {run['libs']}  numba {run['numba'] or '-'}",
                flush=True,
            )
            print(f"{'':8} cells {run['cells_s']}", flush=True)
    for kind in ("forked", "ordinary"):
        mine = [r for r in rows if r["kind"] == kind]
        print(
            f"median {kind:8}: run {statistics.median(r['run_s'] for r in mine):.1f} s, kernel CPU "
            f"{statistics.median(r['user_s'] + r['sys_s'] for r in mine):.1f} s, GC "
            f"{statistics.median(r['gc_s'] for r in mine):.2f} s (n={len(mine)})"
        )
    if args.keep:
        print(f"kept {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
