"""Stand-ins for modules a library imports but the runner rarely uses (see ``_papermill``,
``_nbconvert``): the real module is imported when one of its attributes is first read."""

from __future__ import annotations

import contextlib
import importlib
import sys
import types
from collections.abc import Iterator


class OnFirstUse(types.ModuleType):
    """A module's stand-in: the real module is imported when an attribute is first read."""

    def __getattr__(self, attr: str) -> object:
        if sys.modules.get(self.__name__) is self:  # read while the stand-in is still installed
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attr)


@contextlib.contextmanager
def deferred_imports(*names: str) -> Iterator[None]:
    """While the block runs, ``import NAME`` gives a stand-in (for each ``NAME`` not yet imported);
    after it, an import gives the real module. A stand-in a module kept imports the real one on
    first use."""
    installed = [name for name in names if name not in sys.modules]
    for name in installed:
        sys.modules[name] = OnFirstUse(name)
    try:
        yield
    finally:
        for name in installed:
            if isinstance(sys.modules.get(name), OnFirstUse):
                del sys.modules[name]


__all__ = ["OnFirstUse", "deferred_imports"]
