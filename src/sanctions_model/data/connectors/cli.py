"""``sanctions-model fetch`` and ``sanctions-model data add|cached``: thin over the connectors."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def _fetch(args: argparse.Namespace) -> int:
    from sanctions_model.data import connectors

    options: dict[str, Any] = {
        k: getattr(args, k)
        for k in ("reporter", "partner", "flow", "product", "start", "end", "series", "regime")
        if getattr(args, k) is not None
    }
    frame = connectors.fetch(args.source, refresh=args.refresh, **options)
    name = str(frame["source"].iloc[0]) if len(frame) else "?"
    cov = connectors.cache.coverage(frame)
    print(
        f"{name}: {len(frame)} rows, {cov['first']} to {cov['last']} "
        f"(cached in {connectors.cache_dir()})"
    )
    return 0


def _add(args: argparse.Namespace) -> int:
    from sanctions_model.data import connectors

    record = connectors.add_user_file(args.kind, args.path)
    print(
        f"registered {record['path']} as {record['dataset']!r}: {record['rows']} rows, "
        f"sha256 {record['sha256'][:12]}… (not copied; kept by reference)"
    )
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
    from sanctions_model.data.connectors import CONNECTORS

    p = sub.add_parser(
        "fetch",
        help="download a dataset from its publisher into the local cache",
        description="Download from the publisher, validate, and cache with provenance; "
        "a later identical fetch reads the cache without the network.",
    )
    p.add_argument("source", choices=sorted(CONNECTORS))
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
    p.set_defaults(func=_fetch)

    p = data_subparsers.add_parser(
        "add", help="register a GSDB or OpenSanctions file (by reference, not copied)"
    )
    p.add_argument("kind", choices=["gsdb", "opensanctions"])
    p.add_argument("path")
    p.set_defaults(func=_add)

    p = data_subparsers.add_parser("cached", help="datasets in the local cache with provenance")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.set_defaults(func=_cached)
