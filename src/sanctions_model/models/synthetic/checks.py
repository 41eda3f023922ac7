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

from .model import SyntheticControlResults, fit_synthetic_control

__all__ = ["DEFAULT_CHECKS", "pool_comparison", "specification_checks"]

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


def pool_comparison(results: Mapping[str, SyntheticControlResults]) -> pd.DataFrame:
    """Fits of one treated flow on different donor pools, side by side (one row per label).

    Columns: donors, the weight on fuel-driven donors, the largest weights, pre-RMSPE, the
    synthetic control's change into the first post year (log points: how much of the boom it
    carries), the relative effect per post year and the RMSPE-ratio p-value with its rank.
    """
    from sanctions_model.data.donors import FUEL_DRIVEN

    rows = {}
    for label, res in results.items():
        eff = res.effects()
        y0 = res.intervention
        w = res.weights_table()["weight"]
        row: dict[str, object] = {
            "donors": len(res.weights),
            "weight on fuel-driven donors": float(
                w[[c for c in w.index if c in FUEL_DRIVEN]].sum()
            ),
            "largest weights": ", ".join(f"{c} {v:.2f}" for c, v in w.head(4).items()),
            "pre_rmspe": res.pre_rmspe,
            f"synthetic {y0 - 1}->{y0} (log points)": float(
                res.synthetic[y0] - res.synthetic[y0 - 1]
            ),
        }
        row |= {f"effect_{y}": float(eff.loc[y, "effect"]) for y in res.post_years}
        row |= {"p_value": res.p_value, "rank": f"{res.rank} of {res.n_placebos + 1}"}
        row["prices"] = res.deflator
        rows[label] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "donor pool"
    return out
