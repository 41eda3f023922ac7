"""The ``sanctions-model`` command: a thin layer over the package.

Subcommands
-----------
data list | data check | data manifest [--write]
    The catalog of datasets with coverage; verify every shipped file; regenerate the manifest.
inspect / run / sweep
    Notebook runs (see :mod:`sanctions_model.runner`).

Errors caused by input print one line (``error: ...``) and exit non-zero: 2 for bad parameters,
1 for bad data; tracebacks are kept for bugs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sanctions_model import __version__
from sanctions_model.errors import SanctionsModelError


def _data_list(args: argparse.Namespace) -> int:
    import pandas as pd

    from sanctions_model.data import catalog

    frame = catalog()
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    else:
        with pd.option_context("display.max_colwidth", 60, "display.width", 200):
            print(frame.drop(columns=["description"]).to_string(index=False))
    return 0


def _data_check(args: argparse.Namespace) -> int:
    from sanctions_model.data import DATASETS, load

    for name in DATASETS:
        frame = load(name)
        print(f"ok  {name:<24} {len(frame):>7} rows")
    return 0


def _readme(args: argparse.Namespace) -> int:
    from sanctions_model.reporting import readme

    if args.check:
        diffs = readme.readme_differences(args.readme, args.sweep)
        for line in diffs:
            print(line)
        return 1 if diffs else 0
    changed = readme.update_readme(args.readme, args.sweep)
    print(f"{args.readme}: findings {'rewritten' if changed else 'already current'}")
    return 0


def _data_manifest(args: argparse.Namespace) -> int:
    import json

    from sanctions_model.data import manifest

    if args.write:
        print(f"wrote {manifest.write()}")
    else:
        print(json.dumps(manifest.build(), indent=1))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sanctions-model",
        description="Measure what sanctions on Russia do to trade and where the coalition leaks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="embedded datasets: list, check, manifest")
    dsub = data.add_subparsers(dest="data_command", required=True)
    p = dsub.add_parser("list", help="datasets with their coverage")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.set_defaults(func=_data_list)
    p = dsub.add_parser("check", help="verify checksums and parse every dataset")
    p.set_defaults(func=_data_check)
    p = dsub.add_parser("manifest", help="print (or --write) data/manifest.json")
    p.add_argument("--write", action="store_true", help="rewrite data/manifest.json")
    p.set_defaults(func=_data_manifest)

    p = sub.add_parser("readme", help="rewrite README.md's findings block from a sweep")
    p.add_argument("--sweep", default="outputs/default/latest-ok", help="a sweep folder")
    p.add_argument("--readme", default="README.md")
    p.add_argument("--check", action="store_true", help="only report numbers that differ")
    p.set_defaults(func=_readme)

    try:
        from sanctions_model.runner.cli import register as register_runner
    except ImportError:  # the runner is optional at import time for the data-only commands
        register_runner = None
    if register_runner is not None:
        register_runner(sub)
    try:
        from sanctions_model.data.connectors.cli import register as register_connectors
    except ImportError:
        register_connectors = None
    if register_connectors is not None:
        register_connectors(sub, data_subparsers=dsub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SanctionsModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
