"""A sweep's tail: the findings page's work started while the last runs still execute.

A sweep publishes its pages after every run has finished: the runner imports matplotlib and the
page builders (~0.8 s) and draws the findings page's charts (~1 s for the default sweep's eight),
while the machine's cores are otherwise idle. The last runs, though, run alone: once no run waits
for a worker, a core is free. :class:`TailWarmer` uses it: the executor calls :meth:`poke` each
time a run finishes and a worker has nothing left to start; a background thread then imports what
publishing needs and draws the charts of a findings page of the runs finished so far
(:func:`sanctions_model.runner.findings.draw_charts`) into the sweep's chart cache. Publishing
joins the thread first (:meth:`finish`), then builds the pages as always: a chart whose data the
last runs did not change is read back from the cache (:mod:`sanctions_model.runner.charts`, keyed
on the chart's data), any other is drawn then. The pages are the same bytes either way.

Nothing here can fail or slow a sweep: an error in the thread is swallowed (the final build draws
what it needs); when publishing starts, the thread stops after the chart it is drawing (one
chart, ~0.15 s) and is waited for at most :data:`JOIN_TIMEOUT` seconds (it only writes cache
files, atomically).
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

__all__ = ["JOIN_TIMEOUT", "TailWarmer"]

#: Seconds :meth:`TailWarmer.finish` waits for a busy thread before publishing without it.
JOIN_TIMEOUT = 30.0


class TailWarmer:
    """Imports the page builders and draws the charts of the runs finished so far, in a thread."""

    def __init__(self, stamp_dir: Path) -> None:
        self.stamp_dir = Path(stamp_dir)
        self._lock = threading.Lock()
        self._again = False
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.passes = 0  # chart passes completed (for tests and the benchmark's log)
        self.charts = 0  # sections with a chart in the last pass

    def poke(self) -> None:
        """A run finished and a worker is idle: (re)draw what the finished runs show."""
        with self._lock:
            if self._stopped:
                return
            if self._thread is not None and self._thread.is_alive():
                self._again = True  # one more pass after the current one, with the new run
                return
            self._again = False
            self._thread = threading.Thread(target=self._work, daemon=True, name="sweep-tail")
            self._thread.start()

    def finish(self, timeout: float = JOIN_TIMEOUT) -> None:
        """Stop asking for passes and wait for the thread (at most ``timeout`` seconds)."""
        with self._lock:
            self._stopped = True
            self._again = False
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _work(self) -> None:
        with contextlib.suppress(Exception):
            _import_publishers()
            while True:
                self._draw()
                with self._lock:
                    if not self._again or self._stopped:
                        return
                    self._again = False

    def _draw(self) -> None:
        from sanctions_model.runner.charts import CHART_DIR
        from sanctions_model.runner.findings import draw_charts
        from sanctions_model.runner.index import collect_records, ordered

        records = ordered(collect_records(self.stamp_dir))
        if records:
            chart_dir = self.stamp_dir.resolve().parent / CHART_DIR  # as write_index's default
            self.charts = draw_charts(records, chart_dir, stop=lambda: self._stopped)
            self.passes += 1


def _import_publishers() -> None:
    """What :func:`sanctions_model.runner.outcome.publish_sweep` imports and draws with."""
    import matplotlib

    matplotlib.use("Agg", force=False)  # as charts.draw_svg: the runner draws off-screen
    import matplotlib.pyplot  # noqa: F401

    import sanctions_model.reporting.plots  # noqa: F401
    import sanctions_model.runner.findings  # noqa: F401
    import sanctions_model.runner.index  # noqa: F401
    import sanctions_model.runner.methods  # noqa: F401
