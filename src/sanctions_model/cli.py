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
    for col in ("files", "rows", "reporters", "partners"):  # NaN for cached rows made them floats
        if col in frame:
            frame[col] = frame[col].astype("Int64")
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    else:
        with pd.option_context("display.max_colwidth", 60, "display.width", 200):
            shown = frame.drop(columns=["description"]).astype(object)
            print(shown.where(shown.notna(), "").to_string(index=False))
        for line in folder_lines():
            print(line)
    return 0


def folders() -> dict[str, tuple[str, str]]:
    """``{"data": (path, how it was chosen), "cache": (...)}``: where datasets are read from."""
    import os

    from sanctions_model.data import manifest
    from sanctions_model.data.connectors import cache

    data_env = os.environ.get("SANCTIONS_MODEL_DATA_DIR")
    cache_env = os.environ.get("SANCTIONS_MODEL_CACHE_DIR")
    return {
        "data": (
            str(manifest.data_dir()),
            "from SANCTIONS_MODEL_DATA_DIR"
            if data_env
            else "data/ of the checkout the package is installed from",
        ),
        "cache": (
            str(cache.cache_dir()),
            "from SANCTIONS_MODEL_CACHE_DIR" if cache_env else "cache/ inside the data folder",
        ),
    }


def folder_lines() -> list[str]:
    return [
        f"{label} folder: {path} ({how})"
        for label, (path, how) in (
            ("embedded data", folders()["data"]),
            ("fetched and added datasets", folders()["cache"]),
        )
    ]


def _data_check(args: argparse.Namespace) -> int:
    from sanctions_model.data import DATASETS, load

    for name in DATASETS:
        frame = load(name)
        print(f"ok  {name:<24} {len(frame):>7} rows")
    unclaimed = unclaimed_files()
    if unclaimed:  # a note, not a failure: a folder may hold a script or a README
        print(
            f"note: {len(unclaimed)} shipped file(s) are read by no dataset (a new folder under "
            "data/raw/ needs an entry in data/registry.py; your own tidy trade table needs "
            "`sanctions-model data add trade FILE --name NAME`):"
        )
        for path in unclaimed:
            print(f"    {path}")
    return 0


def unclaimed_files() -> list[str]:
    """Shipped files (under data/raw and data/events) that no embedded dataset reads."""
    from sanctions_model.data import DATASETS, manifest

    root = manifest.data_dir()
    claimed = {p.resolve() for d in DATASETS.values() for p in d.paths(root)}
    out = []
    for sub in manifest.SHIPPED_DIRS:
        for p in sorted((root / sub).rglob("*")):
            if p.is_file() and not p.name.startswith(".") and p.resolve() not in claimed:
                out.append(p.relative_to(root).as_posix())
    return out


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


_LIGHT = {"inspect", "notebooks", "sweep", "run"}
"""Commands whose argument parser needs neither the data layer nor the connectors: building it skips
importing them (pandas, pyarrow, ...), so ``sanctions-model inspect`` answers in well under a
second; ``sweep`` and ``run`` import the data layer only when a check of their parameters needs
it and its verdict is not remembered (``runner/verdicts.py``)."""


def build_parser(*, light: bool = False) -> argparse.ArgumentParser:
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
        if light:
            raise ImportError
        from sanctions_model.data.connectors.cli import register as register_connectors
    except ImportError:
        register_connectors = None
    if register_connectors is not None:
        register_connectors(sub, data_subparsers=dsub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["run"]:
        _exit_now(_main(sys.argv[1:]))
    return _main(sys.argv[1:] if argv is None else list(argv))


def _exit_now(code: int) -> None:
    """The ``sanctions-model run`` command line ends here: its run is published and its kernel
    shut down, so the interpreter's tear-down of papermill, nbconvert and their imports (0.2-0.3
    s) is skipped. The kernel template sees its lifeline close and exits on its own."""
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _main(argv: list[str]) -> int:
    if argv[:1] == ["run"] and "-h" not in argv and "--help" not in argv:
        from sanctions_model.runner.cli import prestart_for  # the kernel imports meanwhile

        prestart_for(argv)
    parser = build_parser(light=bool(argv) and argv[0] in _LIGHT)
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
