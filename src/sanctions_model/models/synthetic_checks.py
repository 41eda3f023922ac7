"""Specification checks for the synthetic control: the same question under other defensible choices.

A synthetic-control estimate rests on choices a reader may contest: the outcome scale, the size
threshold of the donor pool, the first pre-period year, the placebo filter ``k``.
:func:`specification_checks` refits under each alternative and tabulates the per-year effects and
the placebo rank, so the reader sees how much the headline depends on them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sanctions_model.data import countries

from .synthetic import fit_synthetic_control

__all__ = ["DEFAULT_CHECKS", "specification_checks"]

DEFAULT_CHECKS: dict[str, dict[str, object]] = {
    "as specified": {},
    "outcome: log levels": {"outcome": "log"},
    "outcome: index (no logs)": {"outcome": "index"},
    "donors >= EUR 0.5 bn": {"min_donor_exports": 5e8},
    "donors >= EUR 2 bn": {"min_donor_exports": 2e9},
    "pre-period from 2015": {"pre_start": 2015},
    "k = 2": {"k": 2.0},
    "k = 20": {"k": 20.0},
    "donors with fuel-driven destinations (previous pool)": {"donor_rule": "size"},
    "current prices (no deflator)": {"real": False},
    "donors without RS, MD, IN, TM": {"exclude": ("RS", "MD", "IN", "TM")},
}
"""Label -> options changed from the defaults of :func:`fit_synthetic_control`.

"donors with fuel-driven destinations" puts back Gibraltar (bunker fuel) and the oil exporters
(:data:`~sanctions_model.data.donors.FUEL_DRIVEN`), whose EU imports rose with the 2022 energy
prices and which carried 87% of the weight when they were in the default pool; "donors without
RS, MD, IN, TM" drops destinations that did not align with the EU
sanctions and are plausible secondary routes or beneficiaries (Serbia, Moldova, India,
Turkmenistan); "current prices" skips the deflator (same log gaps with the same donors; only the
size threshold, then in current EUR, moves the pool)."""

DEGENERATE_RMSPE = 1e-3
"""A pre-RMSPE below this (log points) means the weights interpolate the pre-period."""


def specification_checks(
    trade: pd.DataFrame,
    treated: str = countries.TARGET,
    checks: Mapping[str, Mapping[str, object]] | None = None,
    **base: object,
) -> pd.DataFrame:
    """One row per specification: effects per post year, pre-RMSPE, rank, placebos, p-value.

    The rows give a range of point estimates, not a confidence interval; ``note`` flags
    degenerate fits (exact interpolation of the pre-period), whose p-value is not informative.

    ``base`` options apply to every row (for example the notebook's own parameters); each entry
    of ``checks`` (default :data:`DEFAULT_CHECKS`) overrides some of them.
    """
    rows = {}
    for label, change in (checks or DEFAULT_CHECKS).items():
        options = {**base, **change, "leave_one_out": False, "augmented": False}
        res = fit_synthetic_control(trade, treated, **options)  # type: ignore[arg-type]
        eff = res.effects()
        row: dict[str, object] = {f"effect_{y}": eff.loc[y, "effect"] for y in res.post_years}
        row |= {
            "donors": len(res.weights),
            "pre_rmspe": res.pre_rmspe,
            "rank": res.rank,
            "placebos": res.n_placebos,
            "p_value": res.p_value,
            "top_donor": f"{res.weights.idxmax()} {res.weights.max():.2f}",
            "note": (
                "interpolates the pre-period (pre-RMSPE < 0.001): its placebo filter keeps only "
                "placebos that also interpolate, p not informative"
                if res.pre_rmspe < DEGENERATE_RMSPE
                else ""
            ),
        }
        rows[label] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "specification"
    return out
