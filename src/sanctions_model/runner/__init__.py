"""The runner: parameter contract, one notebook run, sweeps, executors, the HTML index.

Modules, one job each: :mod:`.parameters` (read and validate a notebook's parameters),
:mod:`.domain` (rules about the data: country codes, periods), :mod:`.bounds` (counts, shares and
minimums between parameters), :mod:`.pairs` (``.ipynb``/``.py`` notebook pairs), :mod:`.execute`
(one run with papermill), :mod:`.html` (offline HTML reports), :mod:`.report_worker` (the one-off
run's report, written by a forked process), :mod:`.records` (``run.json``),
:mod:`.sweepfile` (sweep files), :mod:`.planning` (run names, cache keys, cached runs, order),
:mod:`.cache` (the cache key), :mod:`.sweep` (running a sweep), :mod:`.executors` (process pool,
dask), :mod:`.outcome` (publishing a sweep: index, ``sweep.json``, ``latest``), :mod:`.publish`
(run folders), :mod:`.index` (the sweep's index), :mod:`.lock` (one sweep per output directory),
:mod:`.lab` (the JupyterLab pid file), :mod:`.progress`, :mod:`.cli`.
"""

import sys

# nbformat imports jsonschema, which imports the optional `rfc3987_syntax` to check IRI formats;
# that package compiles lark grammars at import and costs ~0.8 s per process (every CLI call and
# every sweep worker). No notebook schema uses those formats; jsonschema skips them when the
# import fails (python-jsonschema/jsonschema#1428). Measured: warm sweep 1.96 -> 0.92 s.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

# Imported on first use, so that `sanctions-model inspect` (parameters only) does not pay for
# papermill, nbconvert and the HTML templates.
_LAZY = {
    "RunSpec": "execute",
    "execute_run": "execute",
    "Parameter": "parameters",
    "inspect_parameters": "parameters",
    "validate_parameters": "parameters",
    "RunRecord": "records",
    "run_sweep": "sweep",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"sanctions_model.runner.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'sanctions_model.runner' has no attribute {name!r}")


__all__ = [
    "Parameter",
    "RunRecord",
    "RunSpec",
    "execute_run",
    "inspect_parameters",
    "run_sweep",
    "validate_parameters",
]
