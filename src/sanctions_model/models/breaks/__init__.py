"""Structural-break tests on one monthly series, with one results type.

* :func:`chow_test`: F test of a break at a known month.
* :func:`qlr_test`: Andrews (1993) sup-F / Quandt likelihood ratio test for a break at an unknown
  month, with the Andrews critical values (15% trimming) and a p-value from simulating the
  limiting distribution, or from Hansen's (2000) fixed-regressor bootstrap.
* :func:`cusum_test`: statsmodels' OLS-residual CUSUM test (Ploberger and Kraemer 1992),
  :func:`statsmodels.stats.diagnostic.breaks_cusumolsresid`.

All regress the series (``log y`` by default) on a constant, a linear trend and month dummies, and
by default let only the level shift at the break (``break_in="level"``); ``"level+trend"`` also lets
the trend change and ``"all"`` every coefficient. A level-only model of a series whose trend
changed leaves the new trend in the residuals, where it looks like a random walk: the bootstrap
then (rightly) finds little evidence, and the result says so in a caveat. With AR(1) errors of 0.6
the sieve bootstrap holds its size for ``"level"`` (Chow 4%, QLR 7%, CUSUM 8% at 5%, 150 series,
innovations sd 0.08) but less well for ``"level+trend"`` (Chow 11%, QLR 19%, 80 series): the extra
trend break soaks up the errors' slow swings near the sample's ends. An independent referee
simulator found the limits of the default: with noisier series (sd 0.15) and AR(1) 0.6 errors the
rejection rates at 5% were 9-11% (100 series); with AR 0.9, a random-walk component or stochastic
seasonality, 12-20% for QLR and CUSUM; and with all of real trade's features at once (heavy tails,
a COVID dip, outliers) the power against a -0.8 level break fell to 28% (QLR) and 20% (CUSUM),
76% for Chow at the known month. Treat QLR and CUSUM p-values between 0.01 and 0.1 as
inconclusive; the Chow test at a known month is the most reliable of the three.

Inference (``inference=``)
--------------------------
Monthly trade deviates from trend and season in long, autocorrelated swings; the classical null
distributions assume independent errors and then find "breaks" everywhere (QLR rejected a true
"no break" in 37 of 50 series with AR(1) errors of 0.6). Every test therefore takes

* ``"sieve-bootstrap"`` (default): the statistic's null distribution from a *wild* AR-sieve
  bootstrap of the errors (:mod:`sanctions_model.models.breaks.bootstrap`): the AR filter keeps the
  autocorrelation, and the fitted innovations stay in their months with random signs, so a change
  in the errors' variance is part of the null. The Chow and QLR statistics are Newey-West Wald
  statistics (robust to the variance change as well as to the autocorrelation, so nearly pivotal)
  and the CUSUM adds up residuals scaled by their local spread (a 25-month window of the residuals
  with a level break at the CUSUM peak). On a pure variance change (s.d. 0.04 -> 0.12 at
  2022-03, AR(1) 0.6, no change in mean) the earlier F/iid-sieve versions rejected in 13-21% of
  series (QLR, CUSUM); now Chow 4, QLR 9, CUSUM 10 of 100 at 5%, while a -0.8 level break with
  the same errors is found in 40/40 (Chow, QLR) and 35/40 (CUSUM, 40/40 unscaled);
* ``"hac"``: Newey-West (HAC) Wald statistics with their asymptotic distributions (Chow: chi2,
  QLR: Andrews' sup-Wald, CUSUM: scaled by the long-run variance, Kolmogorov distribution);
  better than ``"iid"``, still oversized in samples as short as 68 months;
* ``"iid"``: the textbook tests, valid only for serially uncorrelated errors.

Each result names its inference and carries caveats (a break estimated near the trimming edge, a
QLR break month that is not the tested one).

Modules
-------
``chow``, ``qlr``, ``cusum`` (one test each), ``design`` (the regression they share),
``bootstrap`` (the wild AR sieve), ``results`` (:class:`BreakTestResult`) and ``report`` (the
four tests notebook 02 runs, :func:`~sanctions_model.models.breaks.report.run_break_tests`). The
old paths ``sanctions_model.models.sieve`` and ``sanctions_model.models.break_report`` still
import.
"""

from __future__ import annotations

from .bootstrap import ArSieve, fit_ar_sieve
from .chow import chow_test
from .cusum import LOCAL_WINDOW, cusum_test
from .design import BreakIn, Inference
from .qlr import ANDREWS_CRITICAL_VALUES, qlr_test
from .qlr import _simulate_supf_null as _simulate_supf_null  # used by the tests
from .results import BreakTestResult

__all__ = [
    "ANDREWS_CRITICAL_VALUES",
    "LOCAL_WINDOW",
    "ArSieve",
    "BreakIn",
    "BreakTestResult",
    "Inference",
    "chow_test",
    "cusum_test",
    "fit_ar_sieve",
    "qlr_test",
]
