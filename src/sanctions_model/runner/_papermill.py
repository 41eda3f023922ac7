"""papermill, imported without what the runner never uses: 0.5-1.5 s of every one-off run.

- ``import papermill`` tries ``pyarrow.fs`` for its HDFS handler; importing pyarrow costs
  0.3-0.9 s. The runner never reads or writes ``hdfs://`` paths, so pyarrow is hidden while
  papermill is imported (papermill then names pyarrow as missing if an HDFS path is ever given)
  and visible again right after.
- ``papermill.iorw`` imports ``requests`` (0.05-0.1 s) for its ``http://`` handler only. While
  papermill is imported, ``requests`` is a stand-in that imports the real module on its first
  attribute access (an HTTP path still works); the real ``requests`` is what any other import gets.
- papermill scans every installed distribution for plugin engines and I/O handlers (entry points
  ``papermill.engine`` and ``papermill.io``), 0.1-0.3 s. The runner executes with its own engine
  (:func:`~sanctions_model.runner.limits.capped_engine`), hands papermill a notebook in memory and
  writes to a local path (papermill's built-in handler), so the scan is skipped.
- nbformat imports ``jsonschema`` for its error types (it validates with fastjsonschema), and
  jsonschema imports the optional libraries of its format checkers (host names, URIs, date-times,
  colours, JSON pointers, URI templates, durations: 0.04-0.05 s of CPU). The runner never checks
  a format, so they are hidden while jsonschema is imported (its checkers for those formats are
  not registered in this process, as for ``rfc3987_syntax``, see the package's ``__init__``); any
  later import of the libraries themselves works.

Import this module before papermill; a process that has imported papermill already is left as it
is."""

from __future__ import annotations

import sys

from sanctions_model.runner._stand_in import deferred_imports

#: jsonschema's optional format-checker libraries (``jsonschema/_format.py``).
FORMAT_LIBRARIES = (
    "fqdn",
    "idna",
    "rfc3986_validator",
    "rfc3339_validator",
    "webcolors",
    "jsonpointer",
    "uri_template",
    "isoduration",
)

if "jsonschema" not in sys.modules:
    hidden = [name for name in FORMAT_LIBRARIES if name not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden))  # type: ignore[arg-type]
    try:
        import jsonschema  # noqa: F401
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]

if "papermill" not in sys.modules:
    import entrypoints

    hide_pyarrow = "pyarrow" not in sys.modules
    if hide_pyarrow:
        sys.modules["pyarrow"] = None  # type: ignore[assignment]
    scan = entrypoints.get_group_all
    entrypoints.get_group_all = lambda group, path=None: (  # type: ignore[assignment]
        [] if group in ("papermill.engine", "papermill.io") else scan(group, path)
    )
    try:
        with deferred_imports("requests"):
            import papermill  # noqa: F401
    finally:
        entrypoints.get_group_all = scan
        if hide_pyarrow and "pyarrow" in sys.modules and sys.modules["pyarrow"] is None:
            del sys.modules["pyarrow"]
