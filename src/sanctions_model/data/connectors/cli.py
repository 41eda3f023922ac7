"""``sanctions-model fetch`` and ``sanctions-model data add|fetch|cached``: thin over the connectors.

Building the parser imports nothing heavy (the source names are listed here and checked against
``CONNECTORS`` by a test), so ``sanctions-model inspect`` and ``--help`` stay fast.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

SOURCES = ("comtrade", "eu_fsf", "eurostat", "fred", "imf", "uk_sanctions_list")
"""The connectors' names (``sorted(CONNECTORS)``), without importing them."""


def _fetch(args: argparse.Namespace) -> int:
    from sanctions_model.data import connectors

    options: dict[str, Any] = {
        k: getattr(args, k)
        for k in ("reporter", "partner", "flow", "product", "start", "end", "series", "regime")
        if getattr(args, k) is not None
    }
    if args.name:
        from sanctions_model.data.connectors.user_files import check_name

        check_name(args.name)  # before any download
    frame = connectors.fetch(args.source, refresh=args.refresh, **options)
    name = str(frame["source"].iloc[0]) if len(frame) else "?"
    cov = connectors.cache.coverage(frame)
    print(
        f"{name}: {len(frame)} rows, {cov['first']} to {cov['last']} "
        f"(cached in {connectors.cache_dir()})"
    )
    if args.name:
        connectors.cache.store_alias(args.name, name)
        print(f"named {args.name!r}: use source: {args.name} in notebooks and sweeps")
    return 0


def _add(args: argparse.Namespace) -> int:

    from sanctions_model.data.connectors import user_files

    record = user_files.add(args.kind, args.path, args.name)
    cov = record.get("coverage") or {}
    span = f", {cov['first']} to {cov['last']}" if cov.get("first") else ""
    print(
        f"registered {record['path']} as {record['dataset']!r}: {record['rows']} rows{span}, "
        f"sha256 {record['sha256'][:12]}… (not copied; kept by reference)"
    )
    if args.kind == "trade":
        print(f"use it as source: {record['dataset']} (e.g. -p source {record['dataset']})")
    return 0


def _cached(args: argparse.Namespace) -> int:
    import pandas as pd

    from sanctions_model.data import connectors

    frame = connectors.list_cached()
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif frame.empty:
        print(f"no cached datasets in {connectors.cache_dir()}")
    else:
        with pd.option_context("display.max_colwidth", 60, "display.width", 200):
            print(frame.to_string(index=False))
    return 0


def register(sub: Any, data_subparsers: Any) -> None:
    """Add ``fetch`` to the top-level subcommands and ``add``/``cached`` under ``data``."""
    for parent, command in ((sub, "fetch"), (data_subparsers, "fetch")):
        _add_fetch(parent, command)

    p = data_subparsers.add_parser(
        "add",
        help="register your own trade table, or a GSDB or OpenSanctions file (by reference)",
        description="Check a file and register it by reference (path and sha256; never copied). "
        "A trade table is a CSV or Parquet file with the columns reporter, partner, flow, "
        "product, period (YYYY-MM or YYYY), value, currency, unit_scale; once added, "
        "`source: NAME` selects it in notebooks and sweeps.",
    )
    p.add_argument("kind", choices=["trade", "gsdb", "opensanctions"])
    p.add_argument("path")
    p.add_argument(
        "--name", help="dataset name (required for trade; default: the kind for gsdb/opensanctions)"
    )
    p.set_defaults(func=_add)

    p = data_subparsers.add_parser("cached", help="datasets in the local cache with provenance")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.set_defaults(func=_cached)


def _add_fetch(sub: Any, command: str) -> None:
    p = sub.add_parser(
        command,
        help="download a dataset from its publisher into the local cache",
        description="Download from the publisher, validate, and cache with provenance; "
        "a later identical fetch reads the cache without the network.",
    )
    p.add_argument("source", choices=SOURCES)
    for name, helptext in [
        ("reporter", "reporter codes, ISO alpha-2 or aggregate (comma separated)"),
        ("partner", "partner codes (comma separated)"),
        ("flow", "export, import or both (comma separated)"),
        ("product", "TOTAL or HS/CN codes (comma separated)"),
        ("series", "FRED series IDs (comma separated)"),
        ("regime", "sanctions regimes to keep, e.g. RUS (sanctions lists)"),
    ]:
        p.add_argument(f"--{name}", help=helptext)
    p.add_argument("--start", metavar="YYYY-MM", help="first period (YYYY-MM, or YYYY for annual)")
    p.add_argument("--end", metavar="YYYY-MM", help="last period")
    p.add_argument("--refresh", action="store_true", help="download again even if cached")
    p.add_argument(
        "--name", help="also name the result NAME (then `source: NAME` in notebooks and sweeps)"
    )
    p.set_defaults(func=_fetch)
