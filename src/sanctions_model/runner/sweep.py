"""Parameter sweeps: read a sweep file, plan its runs, skip what is cached, run the rest, index.

A sweep file (YAML, read with ``yaml.safe_load`` only; this example is checked by
``tests/runner/test_workflow_sweeps.py``)::

    name: example                  # output directory outputs/<name>/
    notebooks:                     # one or several; paths relative to this file, else the cwd
      - notebooks/02_sanction_effect.ipynb
      - path: notebooks/01_data_overview.ipynb
        parameters: {base_year: 2021}   # this notebook only
        runs: [{reporter: EU27_2020}]   # its own grid (product, zip or runs) instead of the top one
    parameters: {source: eurostat_comext}   # common to every run
    product: {reporter: [DE, FR], trend: [local level, local linear trend]}  # cartesian product
    zip: {intervention: [2022-03, 2022-07], end: [2023-12, 2024-06]}  # walked together
    # or an explicit list instead of product/zip:
    # runs: [{reporter: DE, flow: import}, {reporter: FR}]
    timeout: 600                   # seconds per cell
    workers: 2
    show_code: false

Outputs: ``<root>/<name>/<timestamp>/<run>/`` per sweep invocation, ``latest`` (the newest sweep),
``latest-ok`` (the newest in which every run succeeded) and ``index.html`` (the results of
``latest-ok``, with a banner naming a newer failed sweep), see :mod:`.outcome`. A run is linked
from an earlier output instead of executed when its cache key matches and every dataset it read is
unchanged, see :mod:`.cache`.

Modules, by job: :mod:`.sweepfile` reads the sweep file; :mod:`.planning` names and checks the
runs, links cached ones and orders the rest (longest expected first, from the run history);
this module runs them on an executor; :mod:`.outcome` publishes the sweep (index, ``sweep.json``,
``latest``) only after its executor ran. The names below are re-exported here, so
``from sanctions_model.runner.sweep import load_sweep, plan, run_name`` keeps working.
"""

from __future__ import annotations

import signal
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sanctions_model.errors import ParameterError, SanctionsModelError
from sanctions_model.runner import outcome
from sanctions_model.runner.cache import DataCheck, cache_key, canonical_json
from sanctions_model.runner.domain import DomainRules
from sanctions_model.runner.lock import DEFAULT_LOCK_TIMEOUT, sweep_lock
from sanctions_model.runner.outcome import timestamp_dirs
from sanctions_model.runner.planning import (
    HISTORY_SCAN,
    cached_source,
    data_digest,
    dry_run_lines,
    link_cached,
    longest_first,
    new_timestamp_dir,
    plan,
    previous_successes,
    run_name,
)
from sanctions_model.runner.publish import (
    OutputNotWritable,
    OutputWriteError,
    check_writable,
    clean_stale_staging,
    remove_tree,
)
from sanctions_model.runner.records import SUCCESS, RunRecord
from sanctions_model.runner.sweepfile import (
    MAX_RUNS,
    NotebookGrid,
    SweepConfig,
    SweepError,
    load_sweep,
    notebook_label,
    sanitize,
)
from sanctions_model.runner.tail import TailWarmer

CONFIRM_ABOVE = 200


class ExecutorFailed(SanctionsModelError):
    """The executor (process pool, dask scheduler) could not start: nothing ran (exit status 1)."""

    exit_code = 1


def _executor_problem(executor: str, scheduler: str | None, exc: BaseException | None) -> str:
    if exc is None:
        return ""
    where = f" at {scheduler}" if executor == "dask" and scheduler else ""
    reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
    return f"the {executor} executor{where} failed: {type(exc).__name__}: {reason}"


@dataclass
class SweepResult:
    sweep_dir: Path | None
    records: list[RunRecord] = field(default_factory=list)
    interrupted: int | None = None
    """The signal that stopped the sweep, if any."""
    summary: dict[str, Any] = field(default_factory=dict)
    """What ``sweep.json`` holds (see :func:`sanctions_model.runner.outcome.summary`)."""

    @property
    def failed(self) -> list[RunRecord]:
        return [r for r in self.records if r.status not in SUCCESS]

    @property
    def exit_code(self) -> int:
        if self.interrupted is not None:
            return 128 + self.interrupted
        return 1 if self.failed else 0


# -- running -------------------------------------------------------------------------------------


def _share_templates(specs: list) -> list:
    """One kernel template for the whole pool (see :func:`.forkserver.share`), for the kernels of
    the runs that fork theirs (a run's ``fork_kernel`` False starts an ordinary kernel)."""
    from sanctions_model.runner.kernelspec import share_templates

    try:
        return share_templates([s.kernel_name for s in specs if s.fork_kernel is not False])
    except Exception:  # a head start only: the workers start their own templates as before
        return []


def run_sweep(
    path: str | Path,
    *,
    output_root: str | Path = "outputs",
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    force: bool = False,
    rerun_failed: bool = False,
    timeout: float | None = None,
    dry_run: bool = False,
    quiet: bool = False,
    yes: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    rules: DomainRules | None = None,
    dask_processes: bool = True,
    notify: str | None = None,
    notify_on: str = "failure",
    keep: int | None = None,
    out=None,
) -> SweepResult:
    """Run a sweep file; see the module docstring. Raises :class:`SanctionsModelError` on bad input."""
    from sanctions_model.runner.executors import Interrupted, run_dask, run_local
    from sanctions_model.runner.progress import Progress

    out = out or sys.stdout
    config = load_sweep(path)
    root = Path(output_root) / config.name
    planned = plan(config, root / "PLANNED", timeout=timeout, rules=rules)
    if notify_on not in outcome.NOTIFY_ON:
        raise ParameterError(f"--notify-on {notify_on!r}: allowed: {', '.join(outcome.NOTIFY_ON)}")
    if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
        raise ParameterError(f"--keep {keep!r}: allowed: a whole number of sweeps, at least 1")
    if dry_run:
        lines, note = dry_run_lines(planned, root, force=force, rerun_failed=rerun_failed)
        for line in lines:
            print(line, file=out)
        print(note, file=sys.stderr)
        return SweepResult(None, [])
    if len(planned) > CONFIRM_ABOVE and not yes:
        raise SweepError(
            f"{path}: this sweep has {len(planned)} runs (more than {CONFIRM_ABOVE}); "
            "pass --yes to run it, or --dry-run to list the runs"
        )
    if executor not in ("local", "dask"):
        raise ParameterError(f"executor {executor!r} is not allowed; allowed: 'local', 'dask'")
    check_writable(root)
    with sweep_lock(root, lock_timeout):
        for folder in (root, *timestamp_dirs(root)):  # left by a sweep killed with -9
            clean_stale_staging(folder)
        stamp_dir = new_timestamp_dir(root)
        specs = [replace(s, run_dir=str(stamp_dir / s.name)) for s in planned]
        by_key = {} if force else previous_successes(root, stamp_dir)
        progress = Progress(len(specs), quiet=quiet)
        result = SweepResult(stamp_dir)

        def on_result(record: RunRecord) -> None:
            result.records.append(record)
            progress.update(record)

        to_run = []
        check = DataCheck()
        for spec in specs:
            source = cached_source(spec, by_key, check)
            record = link_cached(spec, source) if source is not None else None
            if record is None:
                to_run.append(spec)
            else:
                on_result(record)
        to_run = longest_first(to_run, root, current=stamp_dir)
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

        def handler(signum: int, frame: object) -> None:
            for sig in previous:  # a second signal must not interrupt the clean-up
                signal.signal(sig, signal.SIG_IGN)
            raise Interrupted(signum)

        executor_error: Exception | None = None
        tail = TailWarmer(stamp_dir)  # the pages' work begun while the last runs execute
        try:
            for sig in previous:
                signal.signal(sig, handler)
            if to_run:
                if executor == "dask":
                    run_dask(
                        to_run,
                        workers=workers or config.workers,
                        scheduler=scheduler,
                        processes=dask_processes,
                        on_result=on_result,
                    )
                else:
                    templates = _share_templates(to_run)
                    try:
                        run_local(
                            to_run,
                            workers=workers or config.workers,
                            on_result=on_result,
                            on_idle=tail.poke,
                        )
                    finally:
                        from sanctions_model.runner import forkserver

                        for server in templates:
                            forkserver.unshare(server)
        except Interrupted as stop:
            result.interrupted = stop.signum
            from sanctions_model.runner.executors import interrupted_record

            done = {r.name for r in result.records}
            for spec in to_run:
                if spec.name not in done:
                    on_result(interrupted_record(spec))
        except Exception as exc:  # the executor could not start, or broke down part-way
            executor_error = exc
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)
            progress.close()
            tail.finish()
        why = _executor_problem(executor, scheduler, executor_error)
        if executor_error is not None and all(r.status == "cached" for r in result.records):
            # nothing was executed: publish nothing, move no link, keep the site as it was
            remove_tree(stamp_dir)
            raise ExecutorFailed(
                f"{why}; no run was executed, so nothing was published: latest, latest-ok and "
                f"the index in {root} are as they were"
            )
        if executor_error is not None:  # some runs finished first: the rest failed, said why
            from sanctions_model.runner.executors import interrupted_record

            done = {r.name for r in result.records}
            for spec in to_run:
                if spec.name not in done:
                    on_result(interrupted_record(spec, "ExecutorFailed", why))
        try:
            result.records, result.summary = outcome.publish_sweep(
                root,
                stamp_dir,
                title=f"Sweep {config.name}",
                name=config.name,
                source=config.source.name,
                total=len(specs),
                records=result.records,
                interrupted=result.interrupted,
            )
        except OSError as exc:
            raise OutputWriteError(
                f"could not write the sweep's index in {stamp_dir}: {exc.strerror or exc}; "
                "each run's folder and run.json are as they were written"
            ) from None
        if executor_error is not None:
            print(
                f"error: {why}; the runs it did not finish are recorded as failed", file=sys.stderr
            )
        if keep is not None:
            outcome.prune(root, keep)
    for line in outcome.summary_lines(result.summary):
        print(line, file=sys.stderr, flush=True)
    if notify and outcome.should_notify(notify_on, result.summary["ok"]):
        outcome.notify(notify, result.summary, sys.stderr)
    return result


__all__ = [
    "CONFIRM_ABOVE",
    "HISTORY_SCAN",
    "MAX_RUNS",
    "ExecutorFailed",
    "NotebookGrid",
    "OutputNotWritable",
    "SanctionsModelError",
    "SweepConfig",
    "SweepError",
    "SweepResult",
    "cache_key",
    "cached_source",
    "canonical_json",
    "check_writable",
    "data_digest",
    "dry_run_lines",
    "link_cached",
    "load_sweep",
    "new_timestamp_dir",
    "notebook_label",
    "plan",
    "run_name",
    "run_sweep",
    "sanitize",
]
