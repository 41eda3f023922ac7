"""Candidate speed fixes, switched on by environment variables, for benchmarks only.

``benchmarks/run.py`` puts this directory on ``PYTHONPATH`` for the ``fixes`` case, so Python
imports this module at start-up in every process of a sweep: the CLI, its workers and the notebook
kernels. Nothing in ``src/`` is changed; each switch imitates a fix proposed in
``benchmarks/README.md`` so its gain is measured end to end before anyone writes it.

``SM_BENCH_BLOCK_RFC3987=1``
    ``import jsonschema`` (through ``nbformat``) imports ``rfc3987_syntax`` when it is installed,
    which builds a lark grammar at import time (about 1 s). The notebooks' schema uses no IRI
    formats, so blocking the import changes no validation result.
``SM_BENCH_TABLES=<file>``
    ``sanctions_model.data.registry._load_cached`` reads the parsed, validated tables from one
    pickle (written by ``run.py`` from the real loader) instead of parsing 480 publisher files in
    every kernel.
"""

import os
import sys

if os.environ.get("SM_BENCH_BLOCK_RFC3987"):
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

_TABLES = os.environ.get("SM_BENCH_TABLES")

if _TABLES:
    import importlib.abc
    import importlib.machinery

    _TARGET = "sanctions_model.data.registry"

    def _patch(module):  # noqa: ANN001, ANN202
        import functools
        import pickle

        @functools.cache
        def _all():  # noqa: ANN202
            with open(_TABLES, "rb") as fh:
                return pickle.load(fh)  # noqa: S301 - written by run.py a moment before

        @functools.cache
        def _load_cached(name, root):  # noqa: ANN001, ANN202
            tables = _all()
            if name in tables:
                return tables[name]
            return _original(name, root)

        _original = module._load_cached.__wrapped__
        module._load_cached = _load_cached

    class _Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path, target=None):  # noqa: ANN001, ANN201
            if fullname != _TARGET:
                return None
            sys.meta_path.remove(self)
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is None or spec.loader is None:
                return spec
            exec_module = spec.loader.exec_module

            def exec_and_patch(module):  # noqa: ANN001, ANN202
                exec_module(module)
                _patch(module)

            spec.loader.exec_module = exec_and_patch
            return spec

    sys.meta_path.insert(0, _Finder())
