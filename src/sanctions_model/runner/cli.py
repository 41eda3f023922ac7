"""The runner's subcommands: ``inspect``, ``run``, ``sweep`` and ``notebooks sync``.

``register(subparsers)`` adds them to the ``sanctions-model`` command; :func:`main` is a
stand-alone entry point (``python -m sanctions_model.runner.cli ...``). Exit statuses: 0 all runs
succeeded; 1 a run failed (after all others ran); 2 bad parameters or sweep file; 3 another sweep
holds the output directory's lock; 128+N stopped by signal N (130 SIGINT, 143 SIGTERM).
"""

from __future__ import annotations

import argparse
import json
import os
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


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def cmd_inspect(args: argparse.Namespace) -> int:
    """Parameters of one or several notebooks (reads the notebooks only: no data, no kernel)."""
    from sanctions_model.runner.parameters import inspect_parameters

    found = {path: inspect_parameters(path) for path in args.notebook}
    if args.json:
        tables = {
            path: [
                {
                    "name": p.name,
                    "type": p.type,
                    "default": p.default_source,
                    "domain": str(p.domain) if p.domain else None,
                    "help": p.help,
                }
                for p in params
            ]
            for path, params in found.items()
        }
        one = len(args.notebook) == 1
        print(json.dumps(tables[args.notebook[0]] if one else tables, indent=2))
        return 0
    for n, (path, params) in enumerate(found.items()):
        if len(found) > 1:
            print(("\n" if n else "") + f"== {path}")
        if not params:
            print(f"{path}: no cell tagged 'parameters'")
            continue
        rows = [("name", "type", "default", "domain", "help")] + [
            (p.name, p.type, p.default_source, str(p.domain or ""), p.help) for p in params
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for row in rows:
            cells = "  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True))
            print(cells + "  " + row[4])
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


def _prestart_kernel(kernel_name: str) -> None:
    """Start the kernel template now (see forkserver.py): it imports while this process imports
    papermill and nbconvert and checks the parameters. Nothing happens where kernels do not fork.
    Only a head start: the run itself looks the kernel up with jupyter_client, and a template
    started for another command is not used."""
    from sanctions_model.runner import forkserver
    from sanctions_model.runner.kernelspec import kernel_command

    if not forkserver.fork_enabled():
        return
    argv = kernel_command(kernel_name)
    if argv is None:
        return
    from sanctions_model.runner.kernel_env import kernel_environment

    forkserver.prestart(argv, kernel_environment(os.environ), profile="kernel")


def prestart_for(argv: Sequence[str]) -> None:
    """``sanctions-model run ...``: start the kernel template before anything else is imported
    (the command line is parsed properly later; a template nobody uses exits with this process)."""
    import contextlib

    name = "sanctions-model"
    for i, arg in enumerate(argv):
        if arg == "--kernel-name" and i + 1 < len(argv):
            name = argv[i + 1]
        elif arg.startswith("--kernel-name="):
            name = arg.split("=", 1)[1]
    with contextlib.suppress(Exception):
        _prestart_kernel(name)


def cmd_run(args: argparse.Namespace) -> int:
    _prestart_kernel(args.kernel_name or "sanctions-model")
    from sanctions_model.runner.cache import cache_key
    from sanctions_model.runner.execute import KERNEL_NAME, RunSpec, check_run_dir, execute_run
    from sanctions_model.runner.parameters import (
        inspect_parameters,
        read_notebook,
        resolve_parameters,
        validate_parameters,
    )
    from sanctions_model.runner.sweep import check_writable, notebook_label, run_name

    notebook = Path(args.notebook)
    nb = read_notebook(notebook, light=True)
    declared = inspect_parameters(nb)
    overrides: dict[str, Any] = {}
    for path in args.params_file or []:
        overrides.update(_read_params_file(path))
    for name, value in args.parameter or []:
        overrides[name] = value
    from sanctions_model.runner.domain import cached_rules
    from sanctions_model.runner.verdicts import VerdictCache

    verdicts = VerdictCache()
    params = validate_parameters(
        declared, overrides, where=str(notebook), rules=cached_rules(verdicts)
    )
    verdicts.save()
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
            nb, params, kernel_name=args.kernel_name or KERNEL_NAME, show_code=args.show_code
        ),
        timeout=args.timeout,
        kernel_name=args.kernel_name or KERNEL_NAME,
        show_code=args.show_code,
        help={p.name: p.help for p in declared},
    )
    check_run_dir(output, protect=(notebook,))  # before anything is created or a kernel starts
    check_writable(output.parent)
    from sanctions_model.runner import execute, report_worker

    execute._import_papermill()
    import nbformat

    # the schema every notebook read and write is checked against: compiled once, before the
    # report worker is forked, so the worker has it too
    nbformat.validate(nbformat.v4.new_notebook())
    # the report is written by a process forked now, that imports nbconvert while the kernel
    # starts and the notebook runs (report_worker.py)
    worker = report_worker.start(args.show_code)
    if worker is not None:
        execute.REPORT_WRITER.append(worker.write_report)
    try:
        record = execute_run(spec)
    finally:
        if worker is not None:
            execute.REPORT_WRITER.remove(worker.write_report)
            worker.close()
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
        notify=args.notify,
        notify_on=args.notify_on,
        keep=args.keep,
    )
    return result.exit_code


def cmd_notebooks_sync(args: argparse.Namespace) -> int:
    """Bring .ipynb/.py pairs in step; refuse (exit 1, naming both files) where an edit would be
    lost. The other pairs are still synced."""
    from sanctions_model.runner.pairs import PairConflict, pairs_of, sync_pair

    refused = 0
    for ipynb in pairs_of(args.paths or ["notebooks"]):
        try:
            outcome = sync_pair(ipynb, prefer=args.prefer)
        except PairConflict as exc:
            print(f"error: {exc}", file=sys.stderr)
            refused += 1
            continue
        if outcome.action != "in step" or not args.quiet:
            print(f"{ipynb.with_suffix('')}.{{ipynb,py}}: {outcome.action}")
    return 1 if refused else 0


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
        "inspect", help="list notebooks' parameters with types, defaults, domains and help"
    )
    p.add_argument("notebook", nargs="+")
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
        help="keep earlier successful runs whose full cache key (code, parameters, libraries, "
        "lock file, SANCTIONS_MODEL_* environment) and data still match, rerun the rest; "
        "the same rule as a plain sweep, never reuse by run name",
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
    p.add_argument(
        "--notify",
        metavar="CMD",
        help="shell command run with the sweep's summary JSON on stdin (default: on failure), "
        "e.g. 'mail -s \"sweep failed\" team@example.org'",
    )
    p.add_argument(
        "--notify-on",
        choices=("failure", "success", "always"),
        default="failure",
        help="when --notify runs (default failure)",
    )
    p.add_argument(
        "--keep",
        type=_at_least_one,
        metavar="N",
        help="keep the N newest sweep folders (never those latest and latest-ok point to)",
    )
    p.set_defaults(func=_guard(cmd_sweep))

    from sanctions_model.runner.share import cmd_share

    p = subparsers.add_parser(
        "share", help="write one zip of a sweep's site to send (size printed)"
    )
    p.add_argument("sweep", nargs="?", default="outputs/default", metavar="SWEEP")
    p.add_argument("--output", metavar="FILE.zip", help="default: next to the sweep folder")
    p.set_defaults(func=_guard(cmd_share))

    p = subparsers.add_parser("notebooks", help="notebook pairs (.ipynb and jupytext .py)")
    nsub = p.add_subparsers(dest="notebooks_command", required=True)
    p = nsub.add_parser(
        "sync",
        help="bring each NAME.ipynb and NAME.py in step: the file edited since the last commit "
        "wins; refused (exit 1) when both changed or a time is in the future",
    )
    p.add_argument(
        "paths", nargs="*", help="notebooks, their .py pairs or folders (default notebooks)"
    )
    p.add_argument(
        "--prefer", choices=("py", "ipynb"), help="on a conflict keep this file of the pair"
    )
    p.add_argument("--quiet", action="store_true", help="print only pairs that were written")
    p.set_defaults(func=_guard(cmd_notebooks_sync))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sanctions-model", description="Run the notebook suite.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    register(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
