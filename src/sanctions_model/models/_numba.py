"""How the package compiles its numba kernels (one place for the options and the fallbacks).

Every kernel is ``njit(cache=True, error_model="numpy", nogil=True)``: compiled on first call and
cached on disk (``NUMBA_CACHE_DIR``; the runner points it under the project's cache folder), with
numpy's error model (a division by zero gives inf or nan, as the numpy forms do), no
``parallel`` (kernels run two at a time on two cores, and a sweep's kernel template must start
no thread pool) and no ``fastmath`` (the IEEE operations of the reference forms, in their order).
Where no cache folder is writable the kernel is compiled in each process; without numba
:func:`compile_kernel` gives None and the callers keep their numpy forms.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["OPTIONS", "compile_kernel"]

OPTIONS = {"error_model": "numpy", "nogil": True}
_LOCK = threading.Lock()  # the break tests' bootstrap runs in threads


def compile_kernel(func: Callable) -> Callable | None:
    """``func`` as a numba dispatcher (compiled on first call, cached on disk), or None without
    numba."""
    try:
        from numba import njit
    except ImportError:  # numba comes with pyfixest; without it, the numpy forms
        return None
    with _LOCK:
        try:
            return njit(cache=True, **OPTIONS)(func)
        except RuntimeError:  # no writable cache folder: compiled in each process
            return njit(**OPTIONS)(func)
