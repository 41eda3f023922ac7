"""The runner's subcommands: ``inspect``, ``run`` and ``sweep``.

``register(subparsers)`` adds them to the ``sanctions-model`` command; :func:`main` is a
stand-alone entry point (``python -m sanctions_model.runner.cli ...``). Exit statuses: 0 all runs
succeeded; 1 a run failed (after all others ran); 2 bad parameters or sweep file; 3 another sweep
holds the output directory's lock; 128+N stopped by signal N (130 SIGINT, 143 SIGTERM).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sanctions_model.errors import ParameterError, SanctionsModelError


def _positive(text: str) -> float:
    from sanctions_model.runner.execute import check_timeout

    try:
        return check_timeout(text, "--timeout", text=True)
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_inspect(args: argparse.Namespace) -> int:
    from sanctions_model.runner.parameters import inspect_parameters

    params = inspect_parameters(args.notebook)
    if args.json:
        print(
            json.dumps(
                [
                    {"name": p.name, "type": p.type, "default": p.default_source, "help": p.help}
                    for p in params
                ],
                indent=2,
            )
        )
        return 0
    if not params:
        print(f"{args.notebook}: no cell tagged 'parameters'")
        return 0
    rows = [("name", "type", "default", "help")] + [
        (p.name, p.type, p.default_source, p.help) for p in params
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)) + "  " + row[3])
    return 0


def _read_params_file(path: str) -> dict[str, Any]:
    import yaml

    from sanctions_model.runner import yamlsafe

    try:
        data = yamlsafe.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"parameters file {path!r} does not exist") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ParameterError(f"parameters file {path!r} is not valid YAML: {exc}") from None
    except OSError as exc:
        raise ParameterError(
            f"parameters file {path!r} cannot be read: {exc.strerror or exc}"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParameterError(f"parameters file {path!r} must be a mapping of names to values")
    return data


def cmd_run(args: argparse.Namespace) -> int:
    from sanctions_model.runner.execute import KERNEL_NAME, RunSpec, check_run_dir, execute_run
    from sanctions_model.runner.parameters import (
        inspect_parameters,
        resolve_parameters,
        validate_parameters,
    )
    from sanctions_model.runner.sweep import (
        cache_key,
        check_writable,
        data_digest,
        notebook_label,
        run_name,
    )

    notebook = Path(args.notebook)
    declared = inspect_parameters(notebook)
    overrides: dict[str, Any] = {}
    for path in args.params_file or []:
        overrides.update(_read_params_file(path))
    for name, value in args.parameter or []:
        overrides[name] = value
    params = validate_parameters(declared, overrides, where=str(notebook))
    name = run_name(notebook.stem, params, list(params))
    output = Path(args.output_dir) if args.output_dir else Path("outputs") / "runs" / name
    spec = RunSpec(
        name=name,
        notebook=str(notebook.resolve()),
        notebook_label=notebook_label(str(args.notebook), notebook),
        run_dir=str(output),
        parameters=params,
        resolved=resolve_parameters(declared, params),
        key=cache_key(
            notebook.read_bytes(), params, data_digest(), args.kernel_name or KERNEL_NAME
        ),
        timeout=args.timeout,
        kernel_name=args.kernel_name or KERNEL_NAME,
        show_code=args.show_code,
        help={p.name: p.help for p in declared},
    )
    check_run_dir(output, protect=(notebook,))  # before anything is created or a kernel starts
    check_writable(output.parent)
    record = execute_run(spec)
    error = record.error or {}
    detail = (
        f": cell {error.get('cell_index')}: {error.get('ename')}: {error.get('evalue')}"
        if record.status != "ok"
        else ""
    )
    print(f"{record.status} {output} ({record.duration:.1f} s){detail}", file=sys.stderr)
    if record.status == "interrupted":
        return 130
    return 0 if record.status == "ok" else 1


def cmd_sweep(args: argparse.Namespace) -> int:
    from sanctions_model.runner.sweep import run_sweep

    result = run_sweep(
        args.sweep,
        output_root=args.output_root,
        workers=args.workers,
        executor=args.executor,
        scheduler=args.scheduler,
        force=args.force,
        rerun_failed=args.rerun_failed,
        timeout=args.timeout,
        dry_run=args.dry_run,
        quiet=args.quiet,
        yes=args.yes,
        lock_timeout=args.lock_timeout,
    )
    return result.exit_code


def _guard(func):
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except SanctionsModelError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return exc.exit_code
        except OSError as exc:  # a full disk or an I/O error: one line, not a traceback
            where = f" ({exc.filename})" if exc.filename else ""
            print(f"error: cannot write the outputs{where}: {exc.strerror or exc}", file=sys.stderr)
            return 1

    return run


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``inspect``, ``run`` and ``sweep`` to ``subparsers``; each sets ``func(args) -> int``."""
    from sanctions_model.runner.lock import DEFAULT_LOCK_TIMEOUT

    p = subparsers.add_parser(
        "inspect", help="list a notebook's parameters with types, defaults and help"
    )
    p.add_argument("notebook")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_guard(cmd_inspect))

    p = subparsers.add_parser("run", help="run one notebook and write its HTML report")
    p.add_argument("notebook")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="set a parameter (repeatable)",
    )
    p.add_argument(
        "-f",
        "--params-file",
        action="append",
        metavar="PARAMS.yaml",
        help="YAML mapping of parameters",
    )
    p.add_argument(
        "--output-dir", metavar="DIR", help="run directory (default outputs/runs/<run name>)"
    )
    p.add_argument("--show-code", action="store_true", help="keep code cells in the HTML report")
    p.add_argument("--timeout", type=_positive, metavar="SECONDS", help="per-cell timeout")
    p.add_argument("--kernel-name", default=None, help="Jupyter kernel (default sanctions-model)")
    p.set_defaults(func=_guard(cmd_run))

    p = subparsers.add_parser("sweep", help="run a parameter sweep file")
    p.add_argument("sweep", metavar="SWEEP.yaml")
    p.add_argument(
        "--workers", type=int, help="parallel runs (default: the sweep file's, else CPU count)"
    )
    p.add_argument("--executor", choices=("local", "dask"), default="local")
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="dask scheduler address (default: a LocalCluster)"
    )
    p.add_argument("--force", action="store_true", help="rerun runs that are cached")
    p.add_argument(
        "--rerun-failed",
        action="store_true",
        help="keep the latest sweep's successful runs, rerun the rest",
    )
    p.add_argument(
        "--timeout", type=_positive, metavar="SECONDS", help="per-cell timeout (overrides the file)"
    )
    p.add_argument("--dry-run", action="store_true", help="list the runs; start no kernel")
    p.add_argument("--quiet", action="store_true", help="no progress output (for cron)")
    p.add_argument("--yes", action="store_true", help="confirm a sweep of more than 200 runs")
    p.add_argument("--output-root", default="outputs", metavar="DIR", help="default: outputs")
    p.add_argument(
        "--lock-timeout",
        type=float,
        default=DEFAULT_LOCK_TIMEOUT,
        metavar="SECONDS",
        help=f"wait this long for another sweep on the same output (default {DEFAULT_LOCK_TIMEOUT:g}; exit 3 after)",
    )
    p.set_defaults(func=_guard(cmd_sweep))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sanctions-model", description="Run the notebook suite.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    register(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
