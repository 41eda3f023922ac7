"""The runner: parameter contract, one notebook run, sweeps, executors, the HTML index.

Modules, one job each: :mod:`.parameters` (read and validate a notebook's parameters),
:mod:`.domain` (rules about the data: country codes, periods), :mod:`.execute` (one run with
papermill), :mod:`.html` (offline HTML reports), :mod:`.records` (``run.json``), :mod:`.sweep`
(sweep files, cache, history), :mod:`.executors` (process pool, dask), :mod:`.index` (the sweep's
index), :mod:`.lock` (one sweep per output directory), :mod:`.progress`, :mod:`.cli`.
"""

from sanctions_model.runner.execute import RunSpec, execute_run
from sanctions_model.runner.parameters import Parameter, inspect_parameters, validate_parameters
from sanctions_model.runner.records import RunRecord
from sanctions_model.runner.sweep import run_sweep

__all__ = [
    "Parameter",
    "RunRecord",
    "RunSpec",
    "execute_run",
    "inspect_parameters",
    "run_sweep",
    "validate_parameters",
]
