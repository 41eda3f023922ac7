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
import datetime as _dt
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from suite.common import (
    CASES,
    DEFAULT_CASES,
    FAILURES,
    RESULTS,
    Row,
    _median,
    log,
    machine_info,
)
from suite.fits import bench_engines, bench_fits
from suite.overhead import bench_overhead
from suite.profile import bench_profile
from suite.sweep import bench_sweep, planned_runs

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
    from sanctions_model._io import atomic_write_text  # results replace the last ones whole

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes")
    parser.add_argument(
        "--cases",
        default=",".join(DEFAULT_CASES),
        help=(
            f"comma-separated subset of {','.join(CASES)} (default: all but 'fixes', whose "
            "candidates were measured at no gain)"
        ),  # fmt: skip
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
    atomic_write_text(args.out / f"{stamp}.json", text + "\n")
    atomic_write_text(args.out / "latest.json", text + "\n")
    table = markdown(rows, machine, meta)
    if FAILURES:
        table += f"\n{len(FAILURES)} timed command(s) exited non-zero (see accepted_failures).\n"
    if errors:
        table += "\nErrors: " + "; ".join(f"{k}: {v.splitlines()[0]}" for k, v in errors.items())
        table += "\n"
    atomic_write_text(args.out / "latest.md", table)
    print(table)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["Row", "main", "machine_info", "planned_runs"]
