"""papermill, imported without pyarrow: ``import papermill`` tries ``pyarrow.fs`` for its HDFS
handler, and importing pyarrow costs 0.3-0.9 s of every one-off run and sweep. The runner never
reads or writes ``hdfs://`` paths, so pyarrow is hidden while papermill is imported (papermill
then names pyarrow as missing if an HDFS path is ever given) and visible again right after.
Import this module before papermill; a process that has pyarrow already is left as it is."""

from __future__ import annotations

import sys

if "papermill" not in sys.modules and "pyarrow" not in sys.modules:
    sys.modules["pyarrow"] = None  # type: ignore[assignment]
    try:
        import papermill  # noqa: F401
    finally:
        if "pyarrow" in sys.modules and sys.modules["pyarrow"] is None:
            del sys.modules["pyarrow"]
