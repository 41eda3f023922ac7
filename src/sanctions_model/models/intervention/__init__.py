"""Intervention regression: regression with ARMA errors and step, pulse or ramp event regressors.

The classic Box-Tiao intervention model for one monthly series ``z_t`` (``log y_t`` by default)::

    z_t = c + b * t/12 + sum_m s_m * month_m + sum_k w_k * x_k(t) + u_t,    u_t ~ ARMA(p, q)

where ``x_k`` is a step (1 from the event month on), a pulse (1 in the event month only) or a ramp
(rising linearly to 1 over ``ramp_months`` months) for each event ``k``, e.g. the dates of
sanction packages from the events timeline. With ``log=True`` a step coefficient ``w`` is
translated into the relative effect ``exp(w) - 1``.

Speed
-----
A seasonal SARIMAX(p,d,q)(P,D,Q,12) with a trend takes seconds to fit on 68 months because the
seasonal polynomial multiplies the state dimension and the likelihood is flat. Here seasonality is
deterministic (eleven month dummies in the regression) and the errors are a low-order,
non-seasonal, stationary ARMA. Even so, ``SARIMAX`` with the regression coefficients in the
parameter vector searches over 15 to 20 parameters numerically and took 0.2 to 2 s per order on
68 months here. So the likelihood is profiled instead: given the ARMA parameters, the regression
coefficients and the scale have closed forms (GLS with the exact ARMA autocovariance matrix,
``statsmodels.tsa.arima_process.arma_acovf``, inverted by scipy's Levinson Toeplitz solver), and
the optimiser only searches over the ``p + q <= 4`` ARMA parameters. This is the same exact Gaussian likelihood
as SARIMAX with stationary ARMA errors (a test checks the two agree). Measured CPU time on 68
months: 0.03 s for ARMA(1, 0), 0.1 s for ARMA(1, 1), about 0.4 s for the default search over
``p <= 2, q <= 1`` (six orders; four since the default ``min_ar=1``) and 1 s over
``p <= 2, q <= 2``; wall time is 1.5 to 3 times that on a loaded machine
(``benchmarks/bench_models.py``). Regression standard errors are the GLS ones (with a degrees
of freedom correction), ARMA standard errors come from the numerical Hessian of the profile
likelihood.

Modules
-------
``events`` (the events and their regressors), ``arma`` (the profiled ARMA likelihood),
``results`` (:class:`InterventionResults`), ``model`` (:func:`fit_intervention`), ``types``, ``selection`` (which measures a
regression can tell apart: :func:`select_events`).
"""

from __future__ import annotations

from .events import Event, events_from_timeline
from .events import _design as _design  # used by the tests
from .events import _parse_events as _parse_events  # used by the tests
from .model import fit_intervention
from .results import InterventionResults
from .selection import EventSelection, measure_direction, select_events
from .types import Criterion, EventKind

__all__ = [
    "Criterion",
    "Event",
    "EventKind",
    "EventSelection",
    "InterventionResults",
    "events_from_timeline",
    "fit_intervention",
    "measure_direction",
    "select_events",
]
