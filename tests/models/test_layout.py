"""The package layout of issue 22: old import paths still work and give the moved module itself.

Estimator families are subpackages of :mod:`sanctions_model.models` and the validation data
generators live in :mod:`sanctions_model.simulate`; ``models/_aliases.py`` keeps each old path
(see ``docs/layout.md``).
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from sanctions_model.models._aliases import ALIASES

#: The public names of the four modules that became packages of the same name, as they were
#: before issue 22 (their ``__all__`` and the public names users imported from them).
OLD_FAMILY_NAMES = {
    "sanctions_model.models.counterfactual": (
        "CounterfactualConfig CounterfactualResults estimate_counterfactual control_moved "
        "MIN_PRE MIN_PRE_SEASONAL MAX_MISSING_SHARE MC_GROUPS"
    ),
    "sanctions_model.models.panel": (
        "EventStudyConfig EventStudyResults DidResults estimate_event_study estimate_did"
    ),
    "sanctions_model.models.gravity": "GravityConfig GravityResults fit_gravity_ppml",
    "sanctions_model.models.synthetic": (
        "DEFAULT_TREATED FUEL_DRIVEN SyntheticControlFamily SyntheticControlResults annual_panel "
        "fit_synthetic_control fit_synthetic_controls simplex_weights"
    ),
}


@pytest.mark.parametrize("old", sorted(ALIASES))
def test_old_path_is_the_new_module(old: str) -> None:
    module = importlib.import_module(old)
    new = importlib.import_module(ALIASES[old])
    assert module is new
    assert module.__name__ == ALIASES[old] and module.__spec__.name == ALIASES[old]
    assert sys.modules[old] is new


@pytest.mark.parametrize("package", sorted(OLD_FAMILY_NAMES))
def test_family_package_offers_the_old_module_names(package: str) -> None:
    module = importlib.import_module(package)
    model = importlib.import_module(f"{package}.model")
    for name in OLD_FAMILY_NAMES[package].split():
        assert getattr(module, name) is getattr(model, name), f"{package}.{name}"


def test_old_paths_import_in_a_fresh_interpreter() -> None:
    """Without ``sanctions_model.models`` imported first (a notebook's first cell), and by
    ``from old.path import name``, the form users write."""
    code = (
        "from sanctions_model.coordination.simulate import simulate_rerouting_panel as f\n"
        "from sanctions_model.models.simulate import simulate_trade_series as g\n"
        "from sanctions_model.models.panel_results import DidResults as D\n"
        "import sanctions_model.simulate as s, sanctions_model.models.panel.results as r\n"
        "assert f is s.simulate_rerouting_panel and g is s.simulate_trade_series\n"
        "assert D is r.DidResults\n"
        "import sanctions_model.models as m\n"
        "assert m.simulate_trade_series is g  # the old names of the models package\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr


def test_an_unknown_old_path_still_fails() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("sanctions_model.models.no_such_module")
    with pytest.raises(AttributeError, match="no_such_name"):
        importlib.import_module("sanctions_model.models").no_such_name  # noqa: B018


def test_the_simulators_are_seeded_and_share_their_ar1() -> None:
    """The merged AR(1) of :mod:`sanctions_model.simulate._common`: the stationary start has the
    AR(1)'s marginal variance, and a seed gives the same panel twice."""
    import numpy as np

    from sanctions_model.simulate import simulate_annual_panel
    from sanctions_model.simulate._common import ar1

    rng = np.random.default_rng(0)
    u = ar1(rng.standard_normal((200, 4000)), 0.6)
    assert abs(u[0].var() - 1 / (1 - 0.36)) < 0.08  # 1.5625; MC sd of the variance ~0.035
    assert abs(u[-1].var() - 1 / (1 - 0.36)) < 0.08
    lag = np.corrcoef(u[-2], u[-1])[0, 1]
    assert abs(lag - 0.6) < 0.04
    a = simulate_annual_panel(seed=3).values
    b = simulate_annual_panel(seed=3).values
    assert a.equals(b) and not a.equals(simulate_annual_panel(seed=4).values)
