"""Fixtures shared by the counterfactual's tests."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sanctions_model import models
from sanctions_model.models.counterfactual import _kfilter
from sanctions_model.models.counterfactual._structural import fit_structural


@pytest.fixture(scope="module")
def uz_fit():
    """EU27 exports to Uzbekistan (Comext, real, 2019-01 to 2021-12): the level with drift and
    AR(1) + seasonal(12), a model notebook 02 fits there (its likelihood is nearly flat)."""
    y = models.load_flow(
        "eurostat_comext", "EU27_2020", "UZ", "export", None, start="2019-01", end="2021-12",
        real=True,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_structural(np.log(y.to_numpy(dtype=float)), trend="level, drift + AR(1)",
                              seasonal=12)  # fmt: skip


@pytest.fixture
def statsmodels_filter(monkeypatch):
    """The lean Python path around statsmodels' own Cython filter: the compiled filter switched
    off (``_kfilter.kernel`` gives None, as without numba). The tests that use it check that path
    bit for bit; ``test_counterfactual_kfilter.py`` checks the compiled filter against it and
    statsmodels to rounding (log-likelihoods and scores within 1e-6 relative)."""
    monkeypatch.setattr(_kfilter, "kernel", lambda: None)
