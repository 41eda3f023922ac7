"""The runner: parameter contract, one notebook run, sweeps, executors, the HTML index.

Modules, one job each: :mod:`.parameters` (read and validate a notebook's parameters),
:mod:`.domain` (rules about the data: country codes, periods), :mod:`.execute` (one run with
papermill), :mod:`.html` (offline HTML reports), :mod:`.records` (``run.json``), :mod:`.sweep`
(sweep files, cache, history), :mod:`.executors` (process pool, dask), :mod:`.index` (the sweep's
index), :mod:`.lock` (one sweep per output directory), :mod:`.progress`, :mod:`.cli`.
"""

import sys

# nbformat imports jsonschema, which imports the optional `rfc3987_syntax` to check IRI formats;
# that package compiles lark grammars at import and costs ~0.8 s per process (every CLI call and
# every sweep worker). No notebook schema uses those formats; jsonschema skips them when the
# import fails (python-jsonschema/jsonschema#1428). Measured: warm sweep 1.96 -> 0.92 s.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from sanctions_model.runner.execute import RunSpec, execute_run  # noqa: E402
from sanctions_model.runner.parameters import Parameter, inspect_parameters, validate_parameters  # noqa: E402
from sanctions_model.runner.records import RunRecord  # noqa: E402
from sanctions_model.runner.sweep import run_sweep  # noqa: E402

__all__ = [
    "Parameter",
    "RunRecord",
    "RunSpec",
    "execute_run",
    "inspect_parameters",
    "run_sweep",
    "validate_parameters",
]
