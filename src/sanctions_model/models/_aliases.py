"""Old import paths of modules moved in issue 22, kept working for users' code and notebooks.

``import sanctions_model.models.panel_results`` gives the module
``sanctions_model.models.panel.results`` itself (the same object, so ``isinstance`` checks,
pickles and monkeypatches see one module). One mechanism serves every old path: a finder on
:data:`sys.meta_path`, installed when :mod:`sanctions_model.models` is imported, that knows the
names in :data:`ALIASES` and nothing else. New code imports the new paths; ``docs/layout.md``
says where each family lives.

The four estimator modules that became packages (``models.counterfactual``, ``models.panel``,
``models.gravity``, ``models.synthetic``) need no alias: the package of that name re-exports the
old module's public names.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

__all__ = ["ALIASES", "install"]

_M = "sanctions_model.models"
_S = "sanctions_model.simulate"

#: old dotted module path -> new one
ALIASES: dict[str, str] = {
    # counterfactual family
    f"{_M}.counterfactual_results": f"{_M}.counterfactual.results",
    f"{_M}.counterfactual_plot": f"{_M}.counterfactual.plot",
    f"{_M}.counterfactual_report": f"{_M}.counterfactual.report",
    f"{_M}.backtest": f"{_M}.counterfactual.backtest",
    f"{_M}.placebo": f"{_M}.counterfactual.placebo",
    f"{_M}._structural": f"{_M}.counterfactual._structural",
    # panel family
    f"{_M}.panel_results": f"{_M}.panel.results",
    f"{_M}.panel_design": f"{_M}.panel.design",
    f"{_M}.panel_report": f"{_M}.panel.report",
    f"{_M}.panel_exposure": f"{_M}.panel.exposure",
    # gravity family
    f"{_M}.gravity_design": f"{_M}.gravity.design",
    # synthetic control family
    f"{_M}.synthetic_results": f"{_M}.synthetic.results",
    f"{_M}.synthetic_checks": f"{_M}.synthetic.checks",
    f"{_M}.synthetic_did": f"{_M}.synthetic.did",
    f"{_M}.synthetic_report": f"{_M}.synthetic.report",
    f"{_M}.synthetic_caveats": f"{_M}.synthetic.caveats",
    # intervention and breaks
    f"{_M}.event_selection": f"{_M}.intervention.selection",
    f"{_M}.sieve": f"{_M}.breaks.bootstrap",
    # validation data generators
    f"{_M}.simulate": f"{_S}.monthly",
    f"{_M}.simulate_destinations": f"{_S}.destinations",
    f"{_M}.synthetic_simulate": f"{_S}.synthetic",
    "sanctions_model.coordination.simulate": f"{_S}.coordination",
}


class _AliasLoader(importlib.abc.Loader):
    """Loads an old path as the module of its new path (imported, not copied)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target)
        self._spec = module.__spec__  # the import system overwrites __spec__: restored below
        return module

    def exec_module(self, module: ModuleType) -> None:
        module.__spec__ = self._spec  # already executed under its new name


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        new = ALIASES.get(fullname)
        if new is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(new))


def install() -> None:
    """Put the finder on :data:`sys.meta_path` (once; importing this module does it)."""
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.append(_AliasFinder())


install()
