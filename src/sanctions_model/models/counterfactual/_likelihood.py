"""statsmodels' structural model with a leaner log-likelihood, score and update: the compiled
filter of :mod:`._kfilter` (the same numbers to rounding), else statsmodels' Cython filter (the
same numbers, bit for bit).

With numba, ``loglike`` and the optimiser's ``score`` run :mod:`._kfilter`'s compiled filter
(a score's k complex steps in one call) wherever it does what statsmodels' filter does (one
series, time-invariant matrices, the approximate diffuse and stationary AR(1) start, the options
statsmodels sets); the model's matrices are updated exactly as below either way. Everything it
does not cover, and every run it stops (a singular forecast variance), goes to the route below,
which stays as the reference (``tests/models/test_counterfactual_kfilter.py``: log-likelihoods
and scores within 1e-6 relative, as close to an 80-bit filter as statsmodels'; the tests of this
route switch the compiled filter off).

A maximum-likelihood fit of the counterfactual's models evaluates the log-likelihood about 150
times (BFGS steps, and one complex-step filter run per parameter for each score). Each call of
statsmodels' ``MLEModel.loglike`` runs the Kalman filter in Cython (30-170 us for these models)
and around it about as much again of per-call Python: the arguments parsed, the parameters
transformed, every system matrix set through ``Representation.__setitem__`` and copied twice into
the typed arrays the filter reads (``astype`` then a slice assignment), the filter's settings
re-checked and reset.

:class:`LeanUnobservedComponents` keeps statsmodels' parameter handling (``handle_params``,
``transform_params``), its state initialisation and its Cython filter, and does the rest
directly:

- ``loglike``: the matrices copied once into the arrays the existing filter is bound to, the
  filter's settings as statsmodels sets them for ``loglike``, the sum over the same periods.
  Whenever the filter or its arrays are not already set up as statsmodels would leave them (the
  first call, changed shapes, other filter options, a concentrated scale, fixed parameters, any
  extra argument), the call goes to statsmodels' own ``loglike``.
- ``update``: the parameters written into the system matrices as statsmodels'
  ``UnobservedComponents.update`` writes them (a matrix of another dtype replaced by
  ``matrix.real.astype(dtype)``, the entries set, the array stored in Fortran order), without the
  shape checks of ``Representation.__setitem__`` (the shapes never change).
- ``score`` (the optimiser's: the Jacobian of the parameter transform by forward differences,
  then ``loglike(x + i*h_k*e_k).imag / h_k`` for each parameter k, as statsmodels'
  ``MLEModel.score`` -> ``_score_complex_step`` -> ``approx_fprime_cs``): the same steps and the
  same arithmetic, with the transform's Jacobian from two transform calls (it is diagonal for
  these models: each parameter is transformed on its own) and the k filter runs with only the
  parameters' entries of the system matrices written into the filter's arrays between runs
  (every other entry copied once per score, as each ``loglike`` would copy it); the model's
  matrices are then set to the last step, as statsmodels leaves them.

Models outside that layout (fixed parameters, a cycle, AR order above one, regressors in the
state) and any option other than the optimiser's get statsmodels' own methods. The filter sees
the same numbers in the same order, so the log-likelihood, its complex-step scores and the
optimiser's path are identical (``tests/models/test_counterfactual_loglike_speed.py`` and
``tests/models/test_counterfactual_score_speed.py`` check it value by value, matrix by matrix and
fit by fit on seeded synthetic series).

It relies on statsmodels' private state-space attributes (``_kalman_filters``, ``_statespaces``,
``_representations``) as in statsmodels 0.15; the test fails if a release changes them.
"""

from __future__ import annotations

import numpy as np
from statsmodels.tools.numdiff import _get_epsilon
from statsmodels.tsa.statespace.initialization import Initialization
from statsmodels.tsa.statespace.kalman_filter import (
    FILTER_CONCENTRATED,
    INVERT_UNIVARIATE,
    MEMORY_CONSERVE,
    MEMORY_NO_LIKELIHOOD,
    SOLVE_LU,
)
from statsmodels.tsa.statespace.structural import UnobservedComponents

from . import _kfilter

__all__ = ["LeanUnobservedComponents", "complex_step_score"]

_FLAGS = frozenset(("transformed", "includes_fixed", "complex_step"))
_SCORE_FLAGS = frozenset(
    ("transformed", "includes_fixed", "score_method", "approx_complex_step", "approx_centered")
)
#: what ``KalmanFilter.loglike`` asks the filter to keep (only the per-period likelihood)
_CONSERVE = MEMORY_CONSERVE ^ MEMORY_NO_LIKELIHOOD
_FLOAT, _COMPLEX = np.dtype(np.float64), np.dtype(np.complex128)
_COMPLEX_INVERSION = INVERT_UNIVARIATE | SOLVE_LU  # as ``MLEModel.loglike`` for complex steps
_MATRICES = ("design", "obs_intercept", "obs_cov", "transition", "state_intercept", "selection",
             "state_cov")  # fmt: skip


class LeanUnobservedComponents(UnobservedComponents):
    """:class:`~statsmodels.tsa.statespace.structural.UnobservedComponents` with a leaner
    ``loglike``, ``score`` and ``update`` (same values; see the module docstring). Everything
    else is statsmodels'."""

    #: per BLAS prefix, the Cython statespace and typed arrays found bound together
    _bound_checked: dict[str, tuple[object, list[np.ndarray]]] | None = None
    #: where each parameter goes in the system matrices (see :class:`_Layout`); False: none
    _layout: _Layout | bool | None = None

    def __getstate__(self):
        """statsmodels' state without the stored check and layout: a pickled or copied model gets
        new typed arrays and a statespace that may not read them, so the copy checks again."""
        state = dict(super().__getstate__())
        state.pop("_bound_checked", None)
        state.pop("_layout", None)
        return state

    def update(self, params, transformed=True, includes_fixed=False, complex_step=False):
        """statsmodels' ``update`` with the matrices set directly (the same arrays, values and
        dtypes as its ``ssm[name, index] = value``; see :meth:`_Layout.set_matrices`)."""
        layout = _Layout.of(self)
        if layout is None or self._has_fixed_params:
            return super().update(params, transformed, includes_fixed, complex_step)
        params = self.handle_params(params, transformed=transformed, includes_fixed=includes_fixed)
        if not layout.set_matrices(self, params):
            return super().update(params, True, True, complex_step)
        return None

    def score(self, params, *args, **kwargs):  # type: ignore[override]
        value = complex_step_score(self, params, args, kwargs)
        return super().score(params, *args, **kwargs) if value is None else value

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
        if _Layout.of(self) is not None:  # the compiled filter (statsmodels' where it stops)
            system = _kfilter.System.of(
                self.ssm, extra.get("inversion_method", self.ssm.inversion_method)
            )
            if system is not None:
                value = system.loglike(self.ssm, _COMPLEX if complex_step else _FLOAT)
                if value is not None:
                    return value
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
    bound = _bound_filter(ssm, prefix, sources, checked)
    if bound is None:
        return None
    kfilter, targets = bound
    for dst, src in zip(targets, sources, strict=True):
        np.copyto(dst, src, casting="unsafe")  # = astype(dtype), then existing[:] = new
    _set_filter_options(ssm, kfilter, inversion_method)
    ssm._initialize_state(prefix=prefix, complex_step=complex_step)
    kfilter()
    return np.add.reduce(np.asarray(kfilter.loglikelihood)[ssm.loglikelihood_burn :])


def _bound_filter(ssm, prefix: str, sources: list[np.ndarray], checked: dict):
    """The ``prefix`` Kalman filter and the typed arrays its statespace reads, as statsmodels
    built them for ``loglike``; None when statsmodels would (re)build something first."""
    kfilter = ssm._kalman_filters.get(prefix)
    statespace = ssm._statespaces.get(prefix)
    arrays = ssm._representations.get(prefix)
    if kfilter is None or statespace is None or arrays is None:
        return None
    if kfilter.conserve_memory != _CONSERVE or kfilter.loglikelihood_burn != ssm.loglikelihood_burn:
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
        # the Cython statespace must read the typed arrays written (statsmodels rebuilds it
        # when a time dimension changes); checked once per statespace object and set of typed
        # arrays (memoryviews are slow to inspect)
        if statespace.obs.shape[1] != ssm.endog.shape[1]:
            return None
        for name, dst in zip(_MATRICES, targets, strict=True):
            view = np.asarray(getattr(statespace, name))
            if view.shape != dst.shape or _address(view) != _address(dst):
                return None
        checked[prefix] = (statespace, targets)
    return kfilter, targets


def _set_filter_options(ssm, kfilter, inversion_method: int | None) -> None:
    """The filter's options as ``KalmanFilter._initialize_filter`` sets them on a built filter."""
    kfilter.set_filter_method(ssm.filter_method, False)
    kfilter.inversion_method = (
        ssm.inversion_method if inversion_method is None else inversion_method
    )
    kfilter.stability_method = ssm.stability_method
    kfilter.filter_timing = ssm.filter_timing
    kfilter.tolerance = ssm.tolerance


# --- the optimiser's score: k complex-step filter runs with only the parameters' entries written


def complex_step_score(model, params, args: tuple, kwargs: dict) -> np.ndarray | None:
    """``model.score(params, *args, **kwargs)`` as statsmodels computes it with complex steps
    (``MLEModel.score`` -> ``_score_complex_step`` -> ``approx_fprime_cs``), the same steps in
    the same order, or None where this does not apply (statsmodels' own ``score`` then)."""
    if args:  # the optimiser passes its flags as one dict (extra keys ignored, as statsmodels)
        if len(args) != 1 or not isinstance(args[0], dict) or kwargs:
            return None
        flags = args[0]
    elif set(kwargs) <= _SCORE_FLAGS:
        flags = kwargs
    else:
        return None
    approx_complex_step = flags.get("approx_complex_step")
    if (
        flags.get("score_method", "approx") != "approx"
        or not (approx_complex_step is None or approx_complex_step is True)
        or model._has_fixed_params
        or model.ssm._complex_endog
    ):
        return None
    plan = _Layout.of(model)
    x = np.array(params, ndmin=1)  # handle_params
    if plan is None or x.dtype != _FLOAT or x.shape != (plan.k_params,):
        return None
    if flags.get("transformed", True):
        jacobian = None
    else:
        found = _transform_jacobian(model, x)
        if found is None:
            return None
        jacobian, x = found
    # _score_complex_step and approx_fprime_cs, step by step
    n = len(x)
    epsilon = _get_epsilon(x, 2.0, None, n)
    increments = np.identity(n) * 1j * epsilon
    system = _kfilter.System.of(model.ssm, _COMPLEX_INVERSION)
    if system is not None:  # the k steps in one compiled call
        steps = x + increments  # row i: ``x + ih`` of step i
        values = system.run(*plan.stack(model, steps))
        if values is not None:
            model.update(steps[-1], transformed=True, includes_fixed=True, complex_step=True)
            score = values.imag / epsilon
            return score if jacobian is None else np.dot(jacobian, score)
    steps = None
    written = False  # the filter's arrays moved past the model's own matrices
    partials = []
    for i, ih in enumerate(increments):
        xi = x + ih
        if steps is None:
            steps = _ComplexSteps.bind(model, plan)
        if steps is None:  # the complex filter not built yet: statsmodels builds it here
            value = model.loglike(xi, transformed=True, includes_fixed=True, complex_step=True)
            written = False
        else:
            value = steps(xi)
            written = True
        partials.append(value.imag / epsilon[i])
    if written:  # the model's matrices as the last step's ``loglike`` leaves them
        model.update(xi, transformed=True, includes_fixed=True, complex_step=True)
    score = np.array(partials).T
    return score if jacobian is None else np.dot(jacobian, score)


def _transform_jacobian(model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """statsmodels' ``transform_jacobian(x)`` (``approx_fprime`` of ``transform_params``: row k
    ``(f(x + h_k e_k) - f(x)) / h_k``) and ``transform_params(x)``, from two transform calls.

    Each parameter of these models is transformed on its own (a square, the AR(1) map, the
    identity), so ``f(x + h_k e_k)`` differs from ``f(x)`` in entry k only, by the value entry k
    of ``f(x + h)`` has: the matrix is diagonal, its zeros exact. None where that reasoning does
    not hold bit for bit: a non-finite value (inf - inf is NaN off the diagonal) or a negative
    zero (``-0.0 + 0.0`` is ``+0.0``, which the AR map would turn into an off-diagonal -0.0).
    """
    if not np.isfinite(x).all() or np.any((x == 0) & np.signbit(x)):
        return None
    f0 = model.transform_params(x)
    if f0.dtype != _FLOAT or f0.shape != x.shape or not np.isfinite(f0).all():
        return None
    n = len(x)
    epsilon = _get_epsilon(x, 2, None, n)
    grad = np.zeros((n, n))
    grad[np.diag_indices(n)] = (model.transform_params(x + epsilon) - f0) / epsilon
    return (grad.T if n == 1 else grad.squeeze().T), f0


class _Layout:
    """Where ``UnobservedComponents.update`` writes each parameter, for the models fitted here
    (irregular, trend and AR variances, one AR coefficient, regression coefficients fitted by
    maximum likelihood); :meth:`of` gives None for any other model."""

    def __init__(self, model) -> None:
        self.irregular = bool(model.irregular)
        self.k_state_cov = int(model.k_state_cov)
        self.repeats = model._var_repetitions if model._repeat_any_var else None
        self.state_cov_index = (*model._idx_state_cov[1:], 0)
        self.ar_order = int(model.ar_order) if model.autoregressive else 0
        self.ar_index = (*model._idx_ar_transition[1:], 0) if self.ar_order else None
        self.k_exog = int(model.k_exog) if model.regression else 0
        self.k_params = self.irregular + self.k_state_cov + self.ar_order + self.k_exog

    @classmethod
    def of(cls, model) -> _Layout | None:
        plan = model.__dict__.get("_layout")
        if plan is None:
            supported = (
                not model.cycle
                and not model._unused_state
                and (not model.autoregressive or model.ar_order == 1)
                and (not model.regression or model.mle_regression)
            )
            plan = cls(model) if supported else False
            if plan and plan.k_params != model.k_params:
                plan = False
            model._layout = plan
        return plan or None

    def set_matrices(self, model, params: np.ndarray) -> bool:
        """``UnobservedComponents.update`` after ``handle_params``, without the checks of
        ``Representation.__setitem__`` and ``MatrixWrapper.__set__`` (the shapes do not change):
        a matrix of another dtype is replaced by ``matrix.real.astype(dtype)``, the entries set,
        the result stored as ``np.asarray(matrix, order="F")``. False, with nothing changed,
        for anything else (other dtypes or shapes, time-varying matrices)."""
        ssm = model.ssm
        dtype = params.dtype
        if dtype not in (_FLOAT, _COMPLEX) or params.shape != (self.k_params,):
            return False
        names = [n for n, used in self._entries if used]
        if any(getattr(ssm, "_" + n).shape[-1] != 1 for n in names if n != "obs_intercept"):
            return False
        offset = 0
        if self.irregular:
            _set_entries(ssm, "obs_cov", (0, 0, 0), params[offset], dtype)
            offset += 1
        if self.k_state_cov > 0:
            variances = params[offset : offset + self.k_state_cov]
            if self.repeats is not None:
                variances = np.repeat(variances, self.repeats)
            _set_entries(ssm, "state_cov", self.state_cov_index, variances, dtype)
            offset += self.k_state_cov
        if self.ar_order:
            ar = params[offset : offset + self.ar_order]
            _set_entries(ssm, "transition", self.ar_index, ar, dtype)
            offset += self.ar_order
        if self.k_exog:
            value = np.dot(model.exog, params[offset : offset + self.k_exog])[None, :]
            value = np.asarray(value, order="F")  # ssm["obs_intercept"] = value
            ssm._obs_intercept = value
            ssm.shapes["obs_intercept"] = value.shape
        return True

    @property
    def _entries(self) -> tuple[tuple[str, bool], ...]:
        return (
            ("obs_cov", self.irregular),
            ("state_cov", self.k_state_cov > 0),
            ("transition", bool(self.ar_order)),
            ("obs_intercept", bool(self.k_exog)),
        )

    def stack(self, model, steps: np.ndarray) -> tuple[np.ndarray, ...]:
        """The obs intercepts, obs variances, transitions and state covariances (stacked along a
        first axis) that ``model.update(steps[i])`` would write, for each complex row of
        ``steps`` (the entries the parameters do not set copied from the model's matrices)."""
        ssm = model.ssm
        k = steps.shape[0]
        H = np.full(k, ssm._obs_cov[0, 0, 0], _COMPLEX)
        T = np.repeat(np.asarray(ssm._transition[None, :, :, 0], _COMPLEX), k, axis=0)
        Q = np.repeat(np.asarray(ssm._state_cov[None, :, :, 0], _COMPLEX), k, axis=0)
        offset = 0
        if self.irregular:
            H[:] = steps[:, 0]
            offset += 1
        if self.k_state_cov > 0:
            variances = steps[:, offset : offset + self.k_state_cov]
            if self.repeats is not None:
                variances = np.repeat(variances, self.repeats, axis=1)
            Q[:, self.state_cov_index[0], self.state_cov_index[1]] = variances
            offset += self.k_state_cov
        if self.ar_order:
            T[:, self.ar_index[0], self.ar_index[1]] = steps[:, offset : offset + self.ar_order]
            offset += self.ar_order
        if self.k_exog:
            d = np.ascontiguousarray(np.dot(steps[:, offset : offset + self.k_exog], model.exog.T))
        else:
            d = np.repeat(np.asarray(ssm._obs_intercept, _COMPLEX), k, axis=0)
        return d, H, T, Q

    def write(self, model, arrays: dict[str, np.ndarray], params: np.ndarray) -> None:
        """``model.update(params)`` into the filter's arrays (the parameters' entries only)."""
        offset = 0
        if self.irregular:
            arrays["obs_cov"][0, 0, 0] = params[offset]
            offset += 1
        if self.k_state_cov > 0:
            variances = params[offset : offset + self.k_state_cov]
            if self.repeats is not None:
                variances = np.repeat(variances, self.repeats)
            arrays["state_cov"][self.state_cov_index] = variances
            offset += self.k_state_cov
        if self.ar_order:
            arrays["transition"][self.ar_index] = params[offset : offset + self.ar_order]
            offset += self.ar_order
        if self.k_exog:
            arrays["obs_intercept"][...] = np.dot(
                model.exog, params[offset : offset + self.k_exog]
            )[None, :]


def _set_entries(ssm, name: str, index: tuple, value, dtype: np.dtype) -> None:
    """``ssm[name, *index] = value`` for a time-invariant matrix (``Representation.__setitem__``
    then ``MatrixWrapper.__set__``, which only check the shape and store the array)."""
    matrix = getattr(ssm, "_" + name)
    if matrix.dtype != dtype:
        matrix = matrix.real.astype(dtype)
    matrix[index] = value
    setattr(ssm, "_" + name, np.asarray(matrix, order="F"))


class _ComplexSteps:
    """The complex-step log-likelihoods of one score, on statsmodels' built complex filter.

    :meth:`bind` copies every system matrix into the arrays the filter reads, as ``loglike``
    does each call; a step then writes only the entries its parameters set (each step writes all
    of them, so no entry of an earlier step survives), initialises the state and runs the filter,
    with the options ``loglike`` sets for a complex step.
    """

    def __init__(self, model, plan: _Layout, kfilter, arrays: dict[str, np.ndarray]) -> None:
        self.model, self.plan, self.kfilter, self.arrays = model, plan, kfilter, arrays
        self.statespace = model.ssm._statespaces["z"]
        self.burn = model.ssm.loglikelihood_burn

    @classmethod
    def bind(cls, model, plan: _Layout) -> _ComplexSteps | None:
        ssm = model.ssm
        if ssm.endog is None or ssm.filter_method & FILTER_CONCENTRATED:
            return None
        if ssm.endog.dtype != _FLOAT or not isinstance(ssm.initialization, Initialization):
            return None
        if not ssm.initialization.initialized:
            return None
        sources = [getattr(ssm, "_" + name) for name in _MATRICES]
        if any(m.dtype not in (_FLOAT, _COMPLEX) for m in sources):
            return None
        if model._bound_checked is None:
            model._bound_checked = {}
        bound = _bound_filter(ssm, "z", sources, model._bound_checked)
        if bound is None:
            return None
        kfilter, targets = bound
        for dst, src in zip(targets, sources, strict=True):
            np.copyto(dst, src, casting="unsafe")
        _set_filter_options(ssm, kfilter, _COMPLEX_INVERSION)
        return cls(model, plan, kfilter, dict(zip(_MATRICES, targets, strict=True)))

    def __call__(self, params: np.ndarray) -> complex:
        self.plan.write(self.model, self.arrays, params)
        self.statespace.initialize(self.model.ssm.initialization, complex_step=True)
        self.kfilter()
        return np.add.reduce(np.asarray(self.kfilter.loglikelihood)[self.burn :])


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
