"""The README's benchmark table, generated from ``benchmarks/results/latest.json``.

``make bench`` runs ``benchmarks/run.py`` and then this script, which rewrites the block between
``<!-- bench:start -->`` and ``<!-- bench:end -->`` in README.md: the figures there are never
typed by hand. ``--check`` exits 1 when the README's block differs from what the JSON gives
(``tests/test_readme_bench.py`` runs the same comparison).

    .venv/bin/python benchmarks/readme_block.py            # rewrite the README block
    .venv/bin/python benchmarks/readme_block.py --check    # compare only
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def _num(value: float | None, unit: str = "s") -> str:
    if value is None:
        return ""
    if unit == "GiB":
        return f"{value:.2f} GiB"
    if unit != "s":
        return f"{value:.3g} {unit}"
    return f"{value:.2f} s" if value >= 0.1 else f"{value * 1000:.0f} ms"


def _result(row: Mapping[str, Any]) -> str:
    if row.get("speedup_vs_naive"):
        return f"**{row['speedup_vs_naive']:.2f}x faster**"
    if row.get("speedup"):
        return f"**{row['speedup']:.2f}x faster**"
    if row.get("overhead_s") is not None:
        return f"overhead {row['overhead_s']:.2f} s"
    if row.get("ratio_to_cold") is not None:
        return f"{100 * row['ratio_to_cold']:.1f}% of cold"
    if row.get("ratio") is not None:
        return f"ratio {row['ratio']:.2f}"
    return ""


def _target(row: Mapping[str, Any]) -> str:
    if not row.get("target"):
        return ""
    verdict = "" if row.get("met") is None else (", met" if row["met"] else ", **missed**")
    return f"{row['target']}{verdict}"


def render(latest: Mapping[str, Any]) -> str:
    """The README block: when and where it was measured, then one row per case with a target
    (and the peak memory), medians with n, the same-run baseline and the ratio."""
    meta, machine = latest["meta"], latest["machine"]
    rows: Sequence[Mapping[str, Any]] = latest["results"]
    load = machine.get("load_average_start", ["?"])[0], meta.get("load_average_end", ["?"])[0]
    lines = [
        f"Generated from `benchmarks/results/latest.json` by `benchmarks/readme_block.py`: "
        f"{'quick' if meta.get('quick') else 'full'} run finished {meta['finished']} "
        f"({meta['elapsed_s']:.0f} s) on {machine['cpu']}, {machine['cores_usable']} cores, "
        f"{machine['memory_gib']} GiB, Python {machine['python']}; load average {load[0]} at "
        f"start, {load[1]} at end (the machine is shared: compare the ratios, measured against "
        "a baseline in the same run, not the seconds). Every case: "
        "[`benchmarks/results/latest.md`](benchmarks/results/latest.md).",
        "",
        "| case | median (n) | baseline, same run | result | target |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        if r.get("case") == "profile" or not (r.get("target") or "memory" in r.get("case", "")):
            continue
        unit = r.get("unit", "s")
        base = ""
        if r.get("baseline"):
            base = f"{r['baseline']}: {_num(r.get('baseline_median'), unit)}"
        lines.append(
            f"| {r['name']} | {_num(r.get('median'), unit)} ({r.get('repeats', len(r['values']))})"
            f" | {base} | {_result(r)} | {_target(r)} |"
        )
    return "\n".join(lines)


def _flat(latest: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(latest)
    out["results"] = [{**r, **r.get("extra", {})} for r in latest["results"]]
    return out


def replace_block(readme: str, block: str) -> str:
    if START not in readme or END not in readme:
        raise SystemExit(f"README.md: markers {START} ... {END} not found")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{block}\n{END}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latest", type=Path, default=ROOT / "benchmarks/results/latest.json")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    block = render(_flat(json.loads(args.latest.read_text(encoding="utf-8"))))
    text = args.readme.read_text(encoding="utf-8")
    new = replace_block(text, block)
    if args.check:
        if new != text:
            print(f"{args.readme}: the benchmark block differs from {args.latest}", file=sys.stderr)
            return 1
        return 0
    tmp = args.readme.with_name(f".{args.readme.name}.tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, args.readme)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
