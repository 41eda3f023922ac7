"""The benchmark cases behind ``benchmarks/run.py``: one module per case group, the shared
records and process helpers in :mod:`common`."""
