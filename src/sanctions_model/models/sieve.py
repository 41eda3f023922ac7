"""Old import path of the AR-sieve bootstrap, now :mod:`sanctions_model.models.breaks.bootstrap`
(kept for users' code)."""

from .breaks.bootstrap import ArSieve, fit_ar_sieve

__all__ = ["ArSieve", "fit_ar_sieve"]
