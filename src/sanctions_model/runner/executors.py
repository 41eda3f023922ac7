"""Where runs execute: a local process pool (default) or a dask.distributed cluster.

Both hand each :class:`~sanctions_model.runner.execute.RunSpec` to
:func:`~sanctions_model.runner.execute.execute_run` in a worker and call ``on_result`` with each
record as it finishes. No scheduling of our own: ``concurrent.futures.ProcessPoolExecutor`` or dask
decides where a run goes.

- A worker process that dies (killed, out of memory) breaks the local pool; the runs it held are
  resubmitted to a fresh pool, and a run that is in flight when workers die twice is recorded as
  ``kernel_died`` (``WorkerDied``). Dask retries a task whose worker died and reports
  ``KilledWorker`` when it gives up, recorded the same way.
- On :class:`Interrupted` (raised by the sweep's SIGINT/SIGTERM handler) the pool's shared stop
  event is set and its workers get SIGTERM, which each turns into ``KeyboardInterrupt``: the run
  in progress records itself as ``interrupted`` and publishes its directory. A worker never
  starts another run once the event is set (or once it got a signal itself): a run queued in the
  pool is recorded as ``interrupted`` without starting. Workers still busy after
  :data:`INTERRUPT_GRACE` seconds are killed, so nothing is published after the sweep has
  written its index.
- Workers die with the sweep: each asks the kernel for SIGKILL when its parent dies
  (``prctl(PR_SET_PDEATHSIG)``, Linux) and watches the sweep's pid from a thread (the parent of
  a forkserver worker is the fork server, not the sweep); before publishing a run a worker
  checks that the sweep, which holds the output lock, is alive. After ``kill -9`` of the sweep
  no worker publishes anything; the staging folders it leaves are removed by the next run.

Kernels are forked from a pre-imported template in each local worker
(:mod:`~sanctions_model.runner.forkserver`); runs sent to a Dask scheduler (``--scheduler``, workers
on other machines) start ordinary kernels.

For a cluster under Slurm, PBS and the like, start a scheduler with ``dask-jobqueue`` (e.g.
``SLURMCluster(cores=1, memory="4GB").scale(jobs=20)``) and pass its address with ``--scheduler``;
workers need this package and the ``sanctions-model`` kernel installed.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from sanctions_model.runner.execute import RunSpec, execute_run
from sanctions_model.runner.forkserver import SHARED_ENV
from sanctions_model.runner.processes import pid_alive
from sanctions_model.runner.records import RunRecord

OnResult = Callable[[RunRecord], None]
MAX_POOL_BREAKS = 2
INTERRUPT_GRACE = 20.0
WATCH_INTERVAL = 0.2
"""How often a worker checks that the sweep is still alive (seconds)."""
_PR_SET_PDEATHSIG = 1


class Interrupted(KeyboardInterrupt):
    """The sweep received SIGINT or SIGTERM."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def default_workers() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


def interrupted_record(
    spec: RunSpec,
    ename: str = "Interrupted",
    evalue: str = "the sweep was stopped before this run finished",
) -> RunRecord:
    """A record for a run that did not finish (written into its run directory)."""
    from sanctions_model.runner.execute import _now

    record = RunRecord(
        name=spec.name,
        notebook=spec.notebook_label or Path(spec.notebook).name,
        status="interrupted" if ename == "Interrupted" else "kernel_died",
        parameters=dict(spec.parameters),
        resolved=dict(spec.resolved),
        key=spec.key,
        error={"cell_index": None, "exec_count": None, "ename": ename, "evalue": evalue},
        finished=_now(),
        files=["run.json"],
    )
    run_dir = Path(spec.run_dir)
    if not (run_dir / "run.json").exists() and not run_dir.is_symlink():
        # best effort: on a full disk the run is still reported (exit status, sweep.json)
        with contextlib.suppress(OSError):
            run_dir.mkdir(parents=True, exist_ok=True)
            record.write(run_dir)
    return record


# -- inside a pool worker ------------------------------------------------------------------------

_STOP: object | None = None  # the pool's multiprocessing Event
_SWEEP_PID: int | None = None
_STOPPING = False
_RUNNING = False


def _on_signal(signum: int, frame: object) -> None:
    global _STOPPING
    _STOPPING = True
    if _RUNNING:  # stop the notebook; an idle worker just takes no more runs
        raise KeyboardInterrupt(signal.Signals(signum).name)


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _check_sweep_alive() -> None:
    """Before publishing: a run of a sweep that is gone (``kill -9``) must not be published."""
    if _SWEEP_PID is not None and not pid_alive(_SWEEP_PID):
        _die()


def _watch(pid: int) -> None:
    while True:
        time.sleep(WATCH_INTERVAL)
        if not pid_alive(pid):
            _die()


def die_with_parent(sweep_pid: int) -> None:
    """SIGKILL this process when its parent dies (Linux), and when ``sweep_pid`` is gone."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    threading.Thread(target=_watch, args=(sweep_pid,), daemon=True, name="sweep-watch").start()
    if not pid_alive(sweep_pid):  # died before the watch started
        _die()


def _worker_init(
    stop: object | None = None, sweep_pid: int | None = None, shared: str | None = None
) -> None:
    global _STOP, _SWEEP_PID
    from sanctions_model.runner import execute

    # the sweep's shared kernel templates (forkserver.share), as the sweep has them now: the
    # multiprocessing fork server this worker comes from may have started before they existed
    if shared:
        os.environ[SHARED_ENV] = shared
    else:
        os.environ.pop(SHARED_ENV, None)

    _STOP, _SWEEP_PID = stop, sweep_pid
    execute.EXCLUSIVE_PROCESS = True  # one run at a time: its descendants are all the run's
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    if sweep_pid is not None:
        die_with_parent(sweep_pid)
        execute.PUBLISH_CHECKS.append(_check_sweep_alive)


def _run_in_worker(spec: RunSpec) -> RunRecord:
    """execute_run, unless the sweep is stopping: then the run is recorded as not started."""
    global _RUNNING
    if _STOPPING or (_STOP is not None and _STOP.is_set()):  # type: ignore[attr-defined]
        return interrupted_record(spec, evalue="the sweep was stopped before this run started")
    _RUNNING = True
    try:
        return execute_run(spec)
    finally:
        _RUNNING = False


def _context() -> multiprocessing.context.BaseContext:
    # forkserver: workers do not inherit the parent's threads (tqdm, dask), and share its
    # preloaded imports of papermill and nbconvert.
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(
            [
                "sanctions_model.runner.execute",
                "sanctions_model.runner.html",
                "nbconvert",
                "sanctions_model.runner._papermill",  # papermill, without pyarrow
            ]
        )
        return ctx
    return multiprocessing.get_context("spawn")


def run_local(
    specs: Sequence[RunSpec],
    *,
    workers: int | None = None,
    on_result: OnResult,
    on_idle: Callable[[], None] | None = None,
) -> list[RunRecord]:
    """Run ``specs`` in a process pool of ``workers`` (default: the CPU count).

    ``on_idle`` is called (in this thread) after each run that finishes while fewer runs remain
    than workers, i.e. when a worker has nothing left to start (see :mod:`.tail`)."""
    workers = max(1, min(workers or default_workers(), len(specs) or 1))
    pending = list(specs)
    breaks: dict[str, int] = {}
    records: list[RunRecord] = []
    reported: set[str] = set()
    total = len(specs)

    def finish(record: RunRecord) -> None:
        reported.add(record.name)
        records.append(record)
        on_result(record)
        if on_idle is not None and 0 < total - len(reported) < workers:
            on_idle()

    while pending:
        ctx = _context()
        stop = ctx.Event()
        pool = cf.ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=_worker_init,
            initargs=(stop, os.getpid(), os.environ.get(SHARED_ENV)),
        )
        futures = {pool.submit(_run_in_worker, spec): spec for spec in pending}
        pending = []
        try:
            for future in cf.as_completed(futures):
                spec = futures[future]
                try:
                    finish(future.result())
                except cf.process.BrokenProcessPool:
                    breaks[spec.name] = breaks.get(spec.name, 0) + 1
                    if breaks[spec.name] >= MAX_POOL_BREAKS:
                        finish(
                            interrupted_record(
                                spec, "WorkerDied", "the worker process running this notebook died"
                            )
                        )
                    else:
                        pending.append(spec)
                except Exception as exc:  # a bug in the runner, not the notebook: keep going
                    finish(interrupted_record(spec, type(exc).__name__, str(exc)))
        except KeyboardInterrupt:
            stop.set()
            _stop_pool(pool, {f: s for f, s in futures.items() if s.name not in reported}, finish)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return records


def _stop_pool(
    pool: cf.ProcessPoolExecutor, futures: dict[cf.Future, RunSpec], finish: OnResult
) -> None:
    """SIGTERM the workers, collect what they record, kill the slow, mark the rest interrupted."""
    for future in futures:
        future.cancel()
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(ProcessLookupError, OSError):
            os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + INTERRUPT_GRACE
    collected: dict[cf.Future, RunRecord | None] = {}
    for future in futures:
        record = None
        if not future.cancelled():
            try:
                record = future.result(timeout=max(0.1, deadline - time.monotonic()))
            except BaseException:  # noqa: BLE001 - any failure here means the run did not finish
                record = None
        collected[future] = record
    # A worker still busy now must not publish after the sweep has written its index.
    for process in processes:
        if process.is_alive():
            with contextlib.suppress(ProcessLookupError, OSError):
                os.kill(process.pid, signal.SIGKILL)
    for future, spec in futures.items():
        record = collected[future]
        finish(record if record is not None else interrupted_record(spec))


def run_dask(
    specs: Sequence[RunSpec],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    processes: bool = True,
    on_result: OnResult,
) -> list[RunRecord]:
    """Run ``specs`` on dask: a ``LocalCluster`` of ``workers`` or the scheduler at ``scheduler``."""
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=max(1, min(workers or default_workers(), len(specs) or 1)),
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
        )
        client = Client(cluster)
    records: list[RunRecord] = []
    futures = {}
    if scheduler:  # workers on other machines: ordinary kernels (see forkserver.py)
        specs = [replace(s, fork_kernel=False) if s.fork_kernel is None else s for s in specs]
    try:
        for spec in specs:
            future = client.submit(
                execute_run, spec, pure=False, key=f"sanctions-model-run-{spec.name}-{spec.key[:8]}"
            )
            futures[future] = spec
        try:
            for future in as_completed(futures):
                spec = futures.pop(future)
                try:
                    record = future.result()
                except Exception as exc:  # KilledWorker and friends
                    name = type(exc).__name__
                    record = interrupted_record(
                        spec, "WorkerDied" if name == "KilledWorker" else name, str(exc)
                    )
                records.append(record)
                on_result(record)
        except KeyboardInterrupt:
            for future, spec in futures.items():
                future.cancel()
                record = interrupted_record(spec)
                records.append(record)
                on_result(record)
            raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return records
