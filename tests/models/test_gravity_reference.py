"""Gravity PPML against the authors' own Stata output, to more digits than the book's table.

Source: Yotov, Piermartini, Monteiro and Larch (2016), application files,
``Chapter2/Applications/2_RTAsEffects/Results/RTAsEffects.log`` (in the repository
pachadotdev/tradepolicy, ``00-application-files``): Stata ``ppml trade PAIR_FE* EXPORTER_TIME_FE*
IMPORTER_TIME_FE* RTA`` on ``Chapter2Application2.dta``, years 1986, 1990, ..., 2006, intra-national
pairs pooled into one pair effect: 28,482 observations (84 of never-trading pairs excluded),
RTA 0.5571853 with semirobust (heteroskedasticity-robust) standard error 0.055771, deviance
2,630,487. The book's table reports 0.557 (0.102) with standard errors clustered by pair
(checked in ``test_gravity.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sanctions_model.models import fit_gravity_ppml

YOTOV = (
    Path(__file__).resolve().parents[2] / "data" / "raw" / "reference" / "Chapter2Application2.dta"
)


@pytest.mark.slow
@pytest.mark.skipif(not YOTOV.exists(), reason="reference data not available")
def test_matches_authors_stata_log():
    d = pd.read_stata(YOTOV)
    d = d[d["year"].isin([1986, 1990, 1994, 1998, 2002, 2006])].copy()
    d["year"] = d["year"].astype(int)
    # as in the authors' do-file: one pair effect for all intra-national flows
    d["pair_stata"] = np.where(d["exporter"] == d["importer"], -1, d["pair_id"].astype(int))
    res = fit_gravity_ppml(
        d,
        outcome="trade",
        treatments="RTA",
        fixed_effects=("exporter^year", "importer^year", "pair_stata"),
    )
    assert res.nobs == 28482
    assert res.params["RTA"] == pytest.approx(0.5571853, rel=1e-6)
    assert res.std_errors["RTA"] == pytest.approx(0.055771, rel=1e-4)
