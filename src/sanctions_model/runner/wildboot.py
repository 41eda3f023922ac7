"""wildboottest's numba kernel compiled once per kernel, and cached on disk.

``wildboottest`` (behind pyfixest's ``Feols.wildboottest`` and ``rwolf``) defines its CRV1
denominator as a numba function *inside* ``WildboottestCL.get_denom``, so every call makes a new
function object and compiles it again: notebook 03's Romano-Wolf step over five models compiled it
five times (0.2-0.75 s each on a quiet machine, 2-3 s on a busy one). Here the same function, with
the same code, is defined once at module level with ``cache=True``: a kernel compiles it at most
once, and later kernels load it from numba's cache (``NUMBA_CACHE_DIR``, which the runner points
under this project's cache folder, see :func:`numba_cache_dir`).

The patch is applied when ``wildboottest.wildboottest`` is first imported (a one-shot import hook
the runner's kernels install at start-up, :func:`install`), so a kernel that never bootstraps
never imports numba. Only the CRV1 branch is replaced; the others run wildboottest's own code. The
arithmetic is unchanged, so the results are the same to the last bit (checked in
``tests/runner/test_kernel_speed.py``).
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
from pathlib import Path
from typing import Any

TARGET = "wildboottest.wildboottest"


def numba_cache_dir() -> Path:
    """``numba`` beside the table cache (``$SANCTIONS_MODEL_TABLE_CACHE/numba``), else
    ``$XDG_CACHE_HOME/sanctions-model/numba`` (``~/.cache`` without XDG_CACHE_HOME)."""
    from sanctions_model._io import beside_table_cache

    return beside_table_cache("numba", even_if_off=True)  # type: ignore[return-value]


def _denominator(parallel: bool) -> Any:
    """wildboottest's ``compute_denom``, compiled once (per ``parallel``) and cached on disk."""
    from sanctions_model.runner import _wildboot_nb as nb

    return nb.compute_denom_parallel if parallel else nb.compute_denom_serial


def patch(module: Any) -> None:
    """Replace ``WildboottestCL.get_denom``'s CRV1 branch in ``module`` (idempotent)."""
    import numpy as np

    cls = module.WildboottestCL
    original = cls.get_denom
    if getattr(original, "_sanctions_model", False):
        return

    def get_denom(self: Any) -> None:
        if self.crv_type != "crv1":
            return original(self)
        H = np.zeros((self.G, self.G))  # noqa: N806 - wildboottest's code, as it is there
        for ixg, _g in enumerate(self.bootclustid):
            for ixh, _h in enumerate(self.bootclustid):
                H[ixg, ixh] = (
                    self.R
                    @ self.tXXinv
                    @ self.tXgXg_list[ixg]
                    @ self.tXXinv
                    @ self.scores_mat[:, ixh]
                )
        compute = _denominator(bool(self.parallel))
        self.denom = compute(self.Cg, H, self.bootclustid, self.B, self.G, self.v, self.ssc)
        return None

    get_denom._sanctions_model = True  # type: ignore[attr-defined]
    get_denom.__doc__ = original.__doc__
    cls.get_denom = get_denom


class _PatchOnImport:
    """A one-shot import hook: when ``wildboottest.wildboottest`` loads, patch it."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != TARGET:
            return None
        with_hook_removed = [f for f in sys.meta_path if f is not self]
        sys.meta_path[:] = with_hook_removed
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader_exec = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            loader_exec(module)
            try:
                patch(module)
            except Exception:  # noqa: BLE001 - another wildboottest version: leave it as it is
                pass

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> None:
    """Patch wildboottest now if it is loaded, else when it is imported; point numba's cache."""
    os.environ.setdefault("NUMBA_CACHE_DIR", str(numba_cache_dir()))
    if TARGET in sys.modules:
        patch(sys.modules[TARGET])
    elif not any(isinstance(f, _PatchOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport())


__all__ = ["install", "numba_cache_dir", "patch"]
