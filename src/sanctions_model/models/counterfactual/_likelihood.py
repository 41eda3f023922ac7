"""statsmodels' structural model with a leaner log-likelihood call (the same numbers, bit for bit).

A maximum-likelihood fit of the counterfactual's models evaluates the log-likelihood about 125
times (BFGS steps, and one complex-step filter run per parameter for each score). Each call of
statsmodels' ``MLEModel.loglike`` runs the Kalman filter in Cython (50-170 us for these models)
and around it about as much again of per-call Python: the arguments parsed, every system matrix
copied twice into the typed arrays the filter reads (``astype`` then a slice assignment), the
filter's settings re-checked and reset.

:class:`LeanUnobservedComponents` keeps statsmodels' parameter handling (``handle_params``,
``update``), its state initialisation and its Cython filter, and does the rest directly: the
matrices copied once into the arrays the existing filter is bound to, the filter's settings as
statsmodels sets them for ``loglike``, the sum over the same periods. Whenever the filter or its
arrays are not already set up as statsmodels would leave them (the first call, changed shapes,
other filter options, a concentrated scale, fixed parameters, any extra argument), the call goes
to statsmodels' own ``loglike``. The filter sees the same numbers in the same order, so the
log-likelihood, its complex-step scores and the optimiser's path are identical
(``tests/models/test_counterfactual_loglike_speed.py`` checks it value by value and fit by fit
on seeded synthetic series).

It relies on statsmodels' private state-space attributes (``_kalman_filters``, ``_statespaces``,
``_representations``) as in statsmodels 0.15; the test fails if a release changes them.
"""

from __future__ import annotations

import numpy as np
from statsmodels.tsa.statespace.kalman_filter import (
    FILTER_CONCENTRATED,
    INVERT_UNIVARIATE,
    MEMORY_CONSERVE,
    MEMORY_NO_LIKELIHOOD,
    SOLVE_LU,
)
from statsmodels.tsa.statespace.structural import UnobservedComponents

__all__ = ["LeanUnobservedComponents"]

_FLAGS = frozenset(("transformed", "includes_fixed", "complex_step"))
#: what ``KalmanFilter.loglike`` asks the filter to keep (only the per-period likelihood)
_CONSERVE = MEMORY_CONSERVE ^ MEMORY_NO_LIKELIHOOD
_FLOAT, _COMPLEX = np.dtype(np.float64), np.dtype(np.complex128)
_COMPLEX_INVERSION = INVERT_UNIVARIATE | SOLVE_LU  # as ``MLEModel.loglike`` for complex steps
_MATRICES = ("design", "obs_intercept", "obs_cov", "transition", "state_intercept", "selection",
             "state_cov")  # fmt: skip


class LeanUnobservedComponents(UnobservedComponents):
    """:class:`~statsmodels.tsa.statespace.structural.UnobservedComponents` with a leaner
    ``loglike`` (same value; see the module docstring). Everything else is statsmodels'."""

    #: per BLAS prefix, the Cython statespace and typed arrays found bound together
    _bound_checked: dict[str, tuple[object, list[np.ndarray]]] | None = None

    def __getstate__(self):
        """statsmodels' state without the stored check: a pickled or copied model gets new
        typed arrays and a statespace that may not read them, so the copy checks again."""
        state = dict(super().__getstate__())
        state.pop("_bound_checked", None)
        return state

    def loglike(self, params, *args, **kwargs):  # type: ignore[override]
        if args:  # the optimiser passes its flags as one dict; extra keys are ignored there too
            if len(args) != 1 or not isinstance(args[0], dict) or kwargs:
                return super().loglike(params, *args, **kwargs)
            flags = args[0]
        elif set(kwargs) <= _FLAGS:
            flags = kwargs
        else:
            return super().loglike(params, *args, **kwargs)
        if self._has_fixed_params:
            return super().loglike(params, *args, **kwargs)
        complex_step = bool(flags.get("complex_step", False))
        params = self.handle_params(
            params,
            transformed=flags.get("transformed", True),
            includes_fixed=flags.get("includes_fixed", False),
        )
        self.update(params, transformed=True, includes_fixed=True, complex_step=complex_step)
        extra = {"inversion_method": _COMPLEX_INVERSION} if complex_step else {}
        if self._bound_checked is None:
            self._bound_checked = {}
        value = _bound_filter_loglike(
            self.ssm, complex_step, extra.get("inversion_method"), self._bound_checked
        )
        if value is None:  # not set up yet (or differently): statsmodels' own route
            value = self.ssm.loglike(complex_step=complex_step, **extra)
        return value


def _bound_filter_loglike(
    ssm, complex_step: bool, inversion_method: int | None, checked: dict
) -> float | None:
    """``ssm.loglike(complex_step=..., inversion_method=...)`` on the already-built filter, or
    None when statsmodels would (re)build something first."""
    if ssm.endog is None or ssm.filter_method & FILTER_CONCENTRATED:
        return None
    sources = [getattr(ssm, "_" + name) for name in _MATRICES]
    prefix = _prefix(ssm.endog, sources) or ssm.prefix
    kfilter = ssm._kalman_filters.get(prefix)
    statespace = ssm._statespaces.get(prefix)
    arrays = ssm._representations.get(prefix)
    if kfilter is None or statespace is None or arrays is None:
        return None
    burn = ssm.loglikelihood_burn
    if kfilter.conserve_memory != _CONSERVE or kfilter.loglikelihood_burn != burn:
        return None
    targets = [arrays[name] for name in _MATRICES]
    for dst, src in zip(targets, sources, strict=True):
        if dst.shape != src.shape:
            return None  # statsmodels would replace the typed array (and maybe the statespace)
    seen = checked.get(prefix)
    if (
        seen is None
        or seen[0] is not statespace
        or any(a is not b for a, b in zip(seen[1], targets, strict=True))
    ):
        # the Cython statespace must read the typed arrays written below (statsmodels rebuilds
        # it when a time dimension changes); checked once per statespace object and set of
        # typed arrays (memoryviews are slow to inspect)
        if statespace.obs.shape[1] != ssm.endog.shape[1]:
            return None
        for name, dst in zip(_MATRICES, targets, strict=True):
            view = np.asarray(getattr(statespace, name))
            if view.shape != dst.shape or _address(view) != _address(dst):
                return None
        checked[prefix] = (statespace, targets)
    for dst, src in zip(targets, sources, strict=True):
        np.copyto(dst, src, casting="unsafe")  # = astype(dtype), then existing[:] = new
    kfilter.set_filter_method(ssm.filter_method, False)
    kfilter.inversion_method = (
        ssm.inversion_method if inversion_method is None else inversion_method
    )
    kfilter.stability_method = ssm.stability_method
    kfilter.filter_timing = ssm.filter_timing
    kfilter.tolerance = ssm.tolerance
    ssm._initialize_state(prefix=prefix, complex_step=complex_step)
    kfilter()
    return np.add.reduce(np.asarray(kfilter.loglikelihood)[burn:])  # what np.sum runs


def _address(a: np.ndarray) -> int:
    return int(a.__array_interface__["data"][0])


def _prefix(endog: np.ndarray, matrices: list[np.ndarray]) -> str | None:
    """``ssm.prefix`` (scipy's ``find_best_blas_type``) for float64 data and float64 or
    complex128 matrices, the only kinds a fit makes; None for anything else."""
    if endog.dtype != _FLOAT:
        return None
    prefix = "d"
    for m in matrices:
        if m.dtype == _COMPLEX:
            prefix = "z"
        elif m.dtype != _FLOAT:
            return None
    return prefix
