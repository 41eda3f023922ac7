"""Compiled kernels made ready in a kernel template, before it forks kernels.

The package's numba kernels compile on first use and are cached on disk (``NUMBA_CACHE_DIR``,
see :func:`sanctions_model.runner.wildboot.numba_cache_dir`); a fresh process still pays for
loading each from the cache (tens of milliseconds per signature) or for compiling it (seconds).
A sweep's template (:mod:`.kernel_template`, profile ``stack``) calls :func:`warm` after its
imports: each module listed here that defines ``warm()`` compiles, or loads, every signature a
notebook run uses, so that a forked kernel finds them ready in memory. Modules that are absent
(or fail) are skipped: a kernel then compiles on first use, as any process does. None of these
kernels is ``parallel``: numba starts no thread pool in the template.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Sequence

#: modules whose ``warm()`` the template calls, in this order
MODULES = (
    "sanctions_model.models._wcr_kernel",
    "sanctions_model.models._ts_kernels",
    "sanctions_model.models.counterfactual._kfilter",
    "sanctions_model.models.counterfactual._batched",
)


def warm(modules: Sequence[str] = MODULES) -> list[str]:
    """Call ``warm()`` of each module in ``modules`` that has one; the names of those that ran."""
    done = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        function = getattr(module, "warm", None)
        if not callable(function):
            continue
        with contextlib.suppress(Exception):  # a kernel that cannot compile compiles on use
            function()
            done.append(name)
    return done


__all__ = ["MODULES", "warm"]
