"""When a running notebook is written to disk: at its start, at its end, and in between at most
every :data:`SAVE_EVERY` seconds.

papermill writes the whole executed notebook after every cell starts and after it completes
(``NotebookExecutionManager.save``): 50 writes for notebook 02, each serialising, validating and
writing a notebook that grows with every figure, ~0.35 CPU-s of every run. Nothing reads those
intermediate copies while the run goes on (the runner keeps the notebook in memory and reads the
file only once the execution is over, see :mod:`.execute`); they only show progress to someone
opening the run's staging folder. :class:`ThrottledSaves` keeps papermill's writes at the start
and the end of the execution (its ``notebook_complete``, which runs on success, on a cell error,
a timeout, a dead kernel or an interrupt, so the file the runner reads afterwards is the same as
before) and papermill's own autosave during a long cell, and lets a write at a cell boundary
through only when the last write is :data:`SAVE_EVERY` seconds old: a long notebook still shows
its progress on disk.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["SAVE_EVERY", "throttle_saves"]

#: Seconds between two writes at cell boundaries (papermill's autosave inside a cell: 30 s).
SAVE_EVERY = 10.0


@functools.cache
def _throttled_class(base: type) -> type:
    class ThrottledSaves(base):  # type: ignore[misc, valid-type]
        """papermill's execution manager, writing at cell boundaries at most every
        :data:`SAVE_EVERY` seconds."""

        _at_boundary = False

        def cell_start(self, cell: Any, cell_index: Any = None, **kwargs: Any) -> Any:
            return self._boundary(super().cell_start, cell, cell_index, **kwargs)

        def cell_complete(self, cell: Any, cell_index: Any = None, **kwargs: Any) -> Any:
            return self._boundary(super().cell_complete, cell, cell_index, **kwargs)

        def _boundary(self, method: Any, *args: Any, **kwargs: Any) -> Any:
            self._at_boundary = True
            try:
                return method(*args, **kwargs)
            finally:
                self._at_boundary = False

        def save(self, **kwargs: Any) -> Any:
            if self._at_boundary:
                if kwargs.get("nb"):  # as papermill's catch_nb_assignment
                    self.nb = kwargs["nb"]
                age = (self.now() - self.last_save_time).total_seconds()
                if age < SAVE_EVERY:
                    return None
            return super().save(**kwargs)

    ThrottledSaves.__name__ = ThrottledSaves.__qualname__ = f"Throttled{base.__name__}"
    return ThrottledSaves


def throttle_saves(nb_man: Any) -> Any:
    """Make papermill's execution manager ``nb_man`` write as the module docstring says (in
    place: the engine was handed this object); returns it."""
    nb_man.__class__ = _throttled_class(type(nb_man))
    return nb_man
