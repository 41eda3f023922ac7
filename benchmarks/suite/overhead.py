"""Per-run overhead: a one-off run and a run inside a sweep against the script (case 3)."""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

from suite.common import (
    BIN,
    KERNEL,
    TRIVIAL_NB,
    TRIVIAL_PY,
    Row,
    candidate_env,
    log,
    ordinary_env,
    run_cmd,
)
from suite.sweep import sweep_cmd

# -- case 3: per-run overhead --------------------------------------------------------------------


def trivial_run(out: Path, env: dict[str, str] | None = None) -> float:
    """Seconds of ``sanctions-model run`` on the trivial notebook into ``out``."""
    return run_cmd(
        [str(BIN / "sanctions-model"), "run", str(TRIVIAL_NB), "--output-dir", str(out)], env=env
    )


def bench_overhead(args: argparse.Namespace, cases: set[str], work: Path) -> list[Row]:
    repeats = args.repeats
    run, script, naive, fixed, ordinary = [], [], [], [], []
    for rep in range(repeats):
        log(f"overhead {rep + 1}/{repeats}: trivial notebook via `sanctions-model run` vs script")
        script.append(run_cmd([sys.executable, str(TRIVIAL_PY)]))
        run.append(trivial_run(work / f"trivial-{rep}"))
        ordinary.append(trivial_run(work / f"trivial-ordinary-{rep}", ordinary_env()))
        if "fixes" in cases:
            fixed.append(trivial_run(work / f"trivial-fixed-{rep}", candidate_env()))
        if rep < (1 if args.quick else 2):
            d = work / f"trivial-naive-{rep}"
            d.mkdir()
            t = run_cmd([str(BIN / "papermill"), "-k", KERNEL, str(TRIVIAL_NB), "out.ipynb"], cwd=d)
            t += run_cmd([str(BIN / "jupyter"), "nbconvert", "--to", "html", "out.ipynb"], cwd=d)
            naive.append(t)
    script_name = "the same code, `python trivial.py`"
    row = _overhead_row(
        "trivial notebook, `sanctions-model run` (kernel, injection, execution, HTML)",
        run, script_name, script, target="median - baseline median <= 1 s",
    )  # fmt: skip
    row.met = row.extra["overhead_s"] <= 1
    rows = [row]
    rows.append(
        _overhead_row(
            "trivial notebook, `sanctions-model run` with an ordinary kernel (no fork server)",
            ordinary,
            script_name,
            script,
            note="baseline of the forked kernel (SANCTIONS_MODEL_FORK_KERNELS=0)",
        )  # fmt: skip
    )
    if fixed:
        fx = _overhead_row(
            "trivial notebook, `sanctions-model run`, candidate fix: no rfc3987_syntax import",
            fixed, "`sanctions-model run` as it is (this run)", run,
        )  # fmt: skip
        # the overhead is still against the script
        fx.extra["overhead_s"] = round(statistics.median(fixed) - statistics.median(script), 3)
        rows.append(fx)
    rows += _overhead_in_sweep(args, work, script)
    if naive:
        rows.append(
            _overhead_row(
                "trivial notebook, naive papermill then `jupyter nbconvert --to html`",
                naive,
                script_name,
                script,
                note="reference: what the runner replaces",
            )  # fmt: skip
        )
    return rows


def _overhead_row(
    name: str, values: list[float], baseline: str, base: list[float], **kw: Any
) -> Row:
    """A case-3 row, with its overhead (median minus the baseline's median) in ``extra``."""
    row = Row("3 per-run overhead", name, "s", values, baseline, base, **kw)
    row.extra["overhead_s"] = round(statistics.median(values) - statistics.median(base), 3)
    return row


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
