"""Caveats of a synthetic-control fit: short sentences carried on the result (data, not warnings).

Each caveat names what the design cannot rule out for this fit: few pre-period years, a poor or
exact pre-period fit, a treated flow outside the donors' range or trend, placebos left out,
too few placebos, one donor or fuel-driven donors carrying the weight.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sanctions_model.data import countries
from sanctions_model.data.donors import FUEL_DRIVEN
from sanctions_model.reporting import format as fmt

from .results import _EXACT, _POSITIVE, SyntheticControlResults, _name

if TYPE_CHECKING:
    from .model import _Design

__all__ = ["design_caveats"]


def design_caveats(res: SyntheticControlResults, design: _Design) -> tuple[str, ...]:
    out: list[str] = []
    n_pre = len(res.pre_years)
    if n_pre < 20:
        used = res.weights.index[res.weights > _POSITIVE]
        chosen = (
            f"all the weight on one donor ({_name(used[0])})"
            if len(used) == 1
            else f"weight on {len(used)} donors"
        )
        out.append(
            f"Only {n_pre} annual pre-period points: the weights, chosen among "
            f"{len(res.weights)} donors to fit them, put {chosen} and can match noise as well as "
            "the trend, so the pre-period fit overstates how good the counterfactual is."
        )
    if res.intervention == 2022:
        out.append(
            "The 2022 value includes January and February, before the invasion (24 February "
            "2022) and the first export restrictions (25 February 2022): the 2022 effect is "
            "diluted by about two months."
        )
    if res.pre_rmspe < _EXACT:
        out.append(
            f"The pre-period fit is exact (pre-RMSPE < {_EXACT:g}): with {len(res.weights)} donors "
            f"and {n_pre} pre-period years the weights interpolate, the RMSPE ratio is not "
            "informative, the k-filter keeps only placebos that are also fitted exactly and the "
            "per-year intervals use the placebos' unscaled gaps."
        )
    placebo_pre = res.placebos["pre_rmspe"]
    share_better = float((placebo_pre < res.pre_rmspe).mean())
    if share_better > 0.9:
        out.append(
            f"Poor pre-period fit: the treated's pre-RMSPE ({res.pre_rmspe:.3f}) is above "
            f"{100 * share_better:.0f}% of the placebos'; the gap may be a fitting error."
        )
    z = design.z
    pre_z = z[design.pre]
    donors_pre = pre_z[list(design.donors)]
    outside = pre_z.index[
        (pre_z[res.treated] > donors_pre.max(axis=1))
        | (pre_z[res.treated] < donors_pre.min(axis=1))
    ]
    if len(outside):
        out.append(
            f"The treated lies outside the donors' range in {', '.join(map(str, outside))}: no "
            "convex combination can match it there."
        )
    years = pre_z.index.to_numpy(dtype=float)
    slopes = np.polyfit(years - years.mean(), pre_z[[res.treated, *design.donors]].to_numpy(), 1)[0]
    trend, donor_trends = slopes[0], slopes[1:]
    if trend > donor_trends.max() or trend < donor_trends.min():
        out.append(
            f"The treated's pre-period trend ({trend:+.3f} a year) is outside the donors' range "
            f"({donor_trends.min():+.3f} to {donor_trends.max():+.3f}): no convex combination can "
            "follow it, the synthetic control drifts away after the intervention and the gap and "
            "its interval are biased by that drift."
        )
    dropped = list(res.placebos.index[~res.placebos["kept"]])
    if dropped:
        names = "; ".join(f"{_name(c)}, {c}" for c in dropped[:10])
        more = f" and {len(dropped) - 10} more" if len(dropped) > 10 else ""
        many = len(dropped) > 1
        out.append(
            f"{len(dropped)} placebo{'s' if many else ''} ({names}{more}) with pre-RMSPE above "
            f"{res.k:g} x the treated's {'were' if many else 'was'} left out of the rank."
        )
    if res.n_placebos + 1 < 1 / res.alpha:
        out.append(
            f"With {res.n_placebos} placebos the smallest attainable p-value is "
            f"1/{res.n_placebos + 1}, not below {res.alpha:g}; no interval is reported."
        )
    top = res.weights.idxmax()
    fuel = [c for c in res.weights.index[res.weights > _POSITIVE] if c in FUEL_DRIVEN]
    if res.weights[top] > 0.4:
        text = (
            f"One donor ({_name(top)}) carries {100 * res.weights[top]:.0f}% of the weight; "
            "see the leave-one-out check."
        )
        if top == "GI":
            text = (
                f"Gibraltar carries {100 * res.weights[top]:.0f}% of the weight. EU exports to it "
                "are mostly bunker fuel for ships, whose value moves with oil prices rather than "
                "with import demand"
            )
            y0 = res.intervention
            if y0 in design.z.index and y0 - 1 in design.z.index:
                a, b = design.z.loc[y0 - 1, "GI"], design.z.loc[y0, "GI"]
                growth = b / a - 1 if design.outcome == "index" else np.expm1(b - a)
                text += f" ({fmt.pct(growth)} in {y0})"
            text += "."
            year = res.post_years[-1]
            if "GI" in res.leave_one_out.index and f"effect_{year}" in res.leave_one_out:
                without = res.leave_one_out.loc["GI", f"effect_{year}"]
                effect = res.effects().loc[year, "effect"]
                text += (
                    f" Without Gibraltar the {year} effect is {fmt.pct(without)} instead of "
                    f"{fmt.pct(effect)}."
                )
        out.append(text)
    if len(fuel) >= 2:
        share = float(res.weights[fuel].sum())
        out.append(
            f"{len(fuel)} of the {int((res.weights > _POSITIVE).sum())} donors with weight "
            f"({', '.join(fuel)}; {100 * share:.0f}% of the weight) are fuel-driven: bunker fuel "
            "or oil exporters, whose imports from the EU rose with the 2022 energy prices. The "
            "counterfactual therefore includes the 2022 energy-price boom, which widens the gap "
            "(the default pool, donor_rule='no_fuel', leaves them out)."
        )
    if len(res.leave_one_out):
        year = res.post_years[-1]
        col = f"effect_{year}"
        effect = res.effects().loc[year, "effect"]
        loo = res.leave_one_out[col]
        if ((loo > 0) != (effect > 0)).any():
            out.append(f"Dropping one donor changes the sign of the {year} effect.")
    out.append(
        "Donors may have received exports diverted from the treated destination, or moved with "
        "the 2022 energy prices; either biases the synthetic control and with it the effect."
    )
    if res.treated == countries.TARGET:
        out.append(
            "The gap measures everything that hit this flow after 2021 and not the donors: the "
            "invasion and the sanctions together, with firms' own withdrawal, payment and "
            "insurance frictions, Russian counter-measures and the rouble. It is not the effect "
            "of the sanctions alone."
        )
    if res.treated == countries.TARGET and res.pre_years[0] <= 2014:
        out.append(
            "The pre-period includes the 2014 sanctions and the rouble crisis, which the synthetic "
            "control matches: the effect is that of the 2022 escalation on top of them."
        )
    return tuple(out)
