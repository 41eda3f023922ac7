"""Structural-break tests on one monthly series, with one results type.

* :func:`chow_test`: F test of a break at a known month.
* :func:`qlr_test`: Andrews (1993) sup-F / Quandt likelihood ratio test for a break at an unknown
  month, with the Andrews critical values (15% trimming) and a p-value from simulating the
  limiting distribution, or from Hansen's (2000) fixed-regressor bootstrap.
* :func:`cusum_test`: statsmodels' OLS-residual CUSUM test (Ploberger and Kraemer 1992),
  :func:`statsmodels.stats.diagnostic.breaks_cusumolsresid`.

All regress the series (``log y`` by default) on a constant, a linear trend and month dummies, and
by default let only the level shift at the break (``break_in="level"``); ``"level+trend"`` also lets
the trend change and ``"all"`` every coefficient.

Inference (``inference=``)
--------------------------
Monthly trade deviates from trend and season in long, autocorrelated swings, and its volatility
changes (calm before 2022, volatile after). The classical null distributions assume independent,
homoskedastic errors and then find "breaks" everywhere (QLR rejected a true "no break" in 37 of
50 series with AR(1) errors of 0.6). Every test therefore takes

* ``"sieve-bootstrap"`` (default, issue 19): a fixed-regressor wild bootstrap in the spirit of
  Hansen (2000) whose errors keep their autocorrelation
  (:mod:`sanctions_model.models.breaks.bootstrap`):

  - **statistic**: Chow and QLR are Wald statistics with a Newey-West covariance *split at the
    candidate month* (one long-run covariance from the months before it, one from the months
    after it, no cross-products across it), so the errors may have another variance after the
    break date being tested. The CUSUM adds residuals scaled by their local spread (a 25-month
    window) and divides the sum by their long-run s.d. (prewhitened by their AR(1));
  - **null distribution**: an AR sieve (order by AIC, Burg estimates) whose innovations stay in
    their months with random signs, so every bootstrap path has the data's variance path; the
    design is fixed and the paths are regressed on the null model;
  - **persistence**: the sieve is fitted to the residuals *without* a break, and its persistence
    (sum of AR coefficients) is bias-corrected by simulating it through the same regression,
    allowed up to a unit root (no stationarity clamp): a random-walk component is then part of
    the null. A true level break would look like persistence there and cost power, so the Chow,
    level-and-trend QLR and CUSUM tests first run the level sup-Wald test against that sieve;
    if it finds a level break at 5%, the sieve is refitted to the residuals with the level break
    where that statistic peaks (its bias correction repeating the search on simulated paths);
  - **innovations from the model with the break** (as Hansen 2000 resamples the residuals under
    the alternative): the innovations resampled are those of the residuals with the break each
    test looks for, so the month of a large break is not put back into every path (where a
    persistent sieve would rebuild the break under the null);
  - the sieve's own simulations use a fixed stream: it is a function of the data, and only the
    bootstrap draws move with ``seed`` (reports print p-values to the digits the replications
    support, :func:`sanctions_model.models.mc_digits.mc_pvalue`).

  Measured on a fresh simulator (``tests/models/test_breaks_variance.py``: 60-96 months, drift,
  month-of-year seasonality, AR(1) errors 0.6-0.8, 199 replications; rejections at 5%): see
  ``docs/methods.md`` for the figures. Before this change the level-and-trend QLR rejected a pure
  variance change (x3 at 2022-03) in 18% of series and the QLR and CUSUM a random-walk component
  in 16-18%.
* ``"hac"``: Newey-West (HAC) Wald statistics with their asymptotic distributions (Chow: chi2,
  QLR: Andrews' sup-Wald, CUSUM: scaled by the long-run variance, Kolmogorov distribution);
  better than ``"iid"``, still oversized in samples as short as 68 months;
* ``"iid"``: the textbook tests, valid only for serially uncorrelated errors.

One-month dummies (``impulses=``)
----------------------------------
By default (``"auto"``) the COVID months 2020-04 and 2020-05 (when in the sample) and each isolated
outlier month (a spike away from both neighbours, :mod:`.impulses`) enter every test's regression
and every bootstrap path as one-month dummies: a one-off month is not a break in the mean, but
without the dummies QLR and CUSUM rejected a true "no break" in 19-24% of series with a +-0.6
outlier and the level-and-trend QLR in 12-14% with the COVID dip (1-5% with them; see
``docs/methods.md``). ``"covid"``, ``"none"`` or a list of months change that; the result's
``impulses`` records the months and the report names them in one line.

Each result names its statistic, covariance (``covariance``) and bootstrap (``bootstrap``), in one
sentence in ``inference``, and carries caveats (a break estimated near the trimming edge, errors
close to a random walk).

Modules
-------
``chow``, ``qlr``, ``cusum`` (one test each), ``design`` (the regression they share),
``hac`` (its Newey-West statistics at every candidate month as a few matrix products),
``bootstrap`` (the wild AR sieve), ``burg`` (Burg's estimator over many paths at once, equal to
statsmodels' bit for bit), ``impulses`` (the one-month dummies), ``results``
(:class:`BreakTestResult`) and ``report`` (the four tests notebook 02 runs,
:func:`~sanctions_model.models.breaks.report.run_break_tests`). The old paths
``sanctions_model.models.sieve`` and ``sanctions_model.models.break_report`` still import.
"""

from __future__ import annotations

from .bootstrap import ArSieve, fit_ar_sieve
from .chow import chow_test
from .cusum import LOCAL_WINDOW, cusum_test
from .design import BreakIn, Inference
from .impulses import ImpulseMonths, Impulses, detect_outliers
from .qlr import ANDREWS_CRITICAL_VALUES, qlr_test
from .qlr import _simulate_supf_null as _simulate_supf_null  # used by the tests
from .results import BreakTestResult

__all__ = [
    "ANDREWS_CRITICAL_VALUES",
    "LOCAL_WINDOW",
    "ArSieve",
    "BreakIn",
    "BreakTestResult",
    "ImpulseMonths",
    "Impulses",
    "Inference",
    "chow_test",
    "cusum_test",
    "detect_outliers",
    "fit_ar_sieve",
    "qlr_test",
]
