"""Tables and sentences of notebook 05 (synthetic control), from the result objects.

Each function takes the fitted results (:class:`~.synthetic_results.SyntheticControlResults`,
:class:`~.synthetic_did.SyntheticDidResults`, the frames of :mod:`.synthetic_checks`) and returns
a frame for display or a markdown string, so a label or a sentence is written once and tested
here (``tests/models/test_synthetic_report.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.labels import place

__all__ = [
    "augmented_table",
    "augmented_text",
    "nominal_record",
    "donor_pool_text",
    "ordinal",
    "partners_text",
    "placebo_table",
    "pools_table",
    "ratio_test_text",
    "readable",
    "rmspe_text",
    "sdid_text",
    "specification_text",
]


def rmspe_text(value: float, table: bool = True) -> str:
    """Pre-RMSPE for readers: 2 significant figures, or exact interpolation said in words."""
    if value >= 1e-3:
        return fmt.number(value, 2)
    return "< 0.001 (exact interpolation)" if table else "< 0.001, an exact interpolation"


def ordinal(n: int) -> str:
    """4 -> '4th'."""
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def readable(frame: pd.DataFrame, percent=(), rmspe=(), rename=None) -> pd.DataFrame:
    """A copy for readers: relative effects as percent (-57%, +594%), RMSPEs in words."""
    out = frame.copy()
    for col in out.columns:
        if col in percent or str(col).startswith("effect"):
            out[col] = [fmt.pct(v) for v in out[col]]
        elif col in rmspe or col == "pre_rmspe":
            out[col] = [rmspe_text(v) for v in out[col]]
    if "top_donor" in out:
        out["top_donor"] = [
            f"{t.split()[0]} {fmt.pct(float(t.split()[1]), signed=False)}" for t in out["top_donor"]
        ]
    return out.rename(columns=rename or {})


def donor_pool_text(res, min_donor_exports_bn: float) -> str:
    """Markdown: every non-donor named by reason, except the small and the aggregate codes."""
    excluded = res.excluded
    small = excluded["reason"].str.startswith("pre-period exports below")
    codes = excluded["reason"].str.startswith("not a country")
    named = excluded[~(small | codes)]
    lines = [
        f"Every destination that is not a donor is counted by reason above. Named below: all of "
        f"them except the {int(small.sum())} below the size threshold (EUR "
        f"{min_donor_exports_bn:g} bn in every year {res.pre_years[0]}-{res.pre_years[-1]}) and "
        f"the {int(codes.sum())} aggregate or non-geographic partner codes."
    ]
    for reason, group in named.groupby("reason", sort=False):
        lines.append(f"- {reason}: " + ", ".join(f"{n} ({c})" for c, n in group["name"].items()))
    return "\n".join(lines)


def placebo_table(res) -> pd.DataFrame:
    """The kept placebos with the largest post/pre RMSPE ratios (down to just below the treated)."""
    top = res.placebos[res.placebos["kept"]].sort_values("ratio", ascending=False)
    top = top.head(max(res.rank + 2, 5))
    out = readable(top, rmspe=("pre_rmspe", "post_rmspe"))
    return out.assign(ratio=[fmt.number(v, 3) for v in top["ratio"]])


def ratio_test_text(res, partner: str, k: float, alpha: float) -> str:
    """Markdown: the ratio test's rank and p-value, and why near-perfect fits outrank."""
    level = f"{100 * alpha:g}%"
    partner = place(partner)
    top = res.placebos[res.placebos["kept"]].sort_values("ratio", ascending=False)
    dropped = list(res.placebos.index[~res.placebos["kept"]])
    above = top["pre_rmspe"].iloc[: res.rank - 1]
    above_fits = ", ".join(
        f"{place(c)} {fmt.number(v, 2) if v >= 1e-3 else '≈ 0'}" for c, v in above.items()
    )
    p_text = fmt.pvalue(res.p_value, n_draws=res.n_placebos, exact=True, units="placebos")
    return (
        f"The ratio test over both years ranks {partner}'s post/pre RMSPE ratio "
        f"{ordinal(res.rank)} of {res.n_placebos + 1} ({p_text})"
        + ("" if res.p_value <= alpha else f", which does not reach {level}")
        + (
            f": {', '.join(map(place, above.index))} have larger ratios because their pre-period fits are "
            f"near perfect (pre-RMSPE {above_fits}; against {rmspe_text(res.pre_rmspe)} for "
            f"{partner}), so a tiny denominator outranks a large gap."
            if len(above)
            else "."
        )
        + (
            f" Left out of the rank for a pre-RMSPE above {k:g} x {rmspe_text(res.pre_rmspe)}: "
            f"{', '.join(map(place, dropped))}."
            if dropped
            else ""
        )
    )


def pools_table(pools: pd.DataFrame) -> pd.DataFrame:
    """:func:`~.synthetic_checks.pool_comparison` for readers."""
    share = [fmt.pct(v, signed=False) for v in pools["weight on fuel-driven donors"]]
    return readable(pools.assign(**{"weight on fuel-driven donors": share}))


def augmented_table(res) -> pd.DataFrame:
    """The ridge-augmented fit (pysyncon AugSynth) for readers."""
    aug = res.augmented
    table = aug.assign(negative_weight=-aug["negative_weight"])
    rename = {"gap": "gap (log points)", "negative_weight": "negative weights (sum)",
              "ridge_lambda": "ridge penalty"}  # fmt: skip
    return readable(table, rename=rename).assign(
        **{
            "ridge penalty": ["≈ 0" if v < 1e-3 else fmt.number(v, 2) for v in aug["ridge_lambda"]],
            "negative weights (sum)": [fmt.number(-v, 3) for v in aug["negative_weight"]],
            "gap (log points)": [fmt.number(v, 3) for v in aug["gap"]],
        }
    )


def augmented_text(res) -> str:
    """Markdown: the augmented fit's penalty and negative weights, read as a check."""
    aug = res.augmented.iloc[0]
    return (
        "The augmented fit's cross-validation chose a ridge penalty "
        + ("≈ 0" if aug["ridge_lambda"] < 1e-3 else f"of {fmt.number(aug['ridge_lambda'], 2)}")
        + f"; its negative weights sum to {fmt.number(-aug['negative_weight'], 3)}, so it "
        f"matches the pre-period almost exactly (pre-RMSPE {rmspe_text(aug['pre_rmspe'], False)}) "
        "by extrapolating beyond the donors. Read its effects as a check on the point estimates, "
        "not as a better fit; no interval is reported for it."
    )


def specification_text(checks: pd.DataFrame, alpha: float) -> tuple[str, dict, list[float]]:
    """Markdown on :func:`~.synthetic_checks.specification_checks`, the range of point
    estimates per year (``{"effect_2022": [lo, hi]}``) and the range of informative p-values."""
    level = f"{100 * alpha:g}%"
    lo, hi = checks.filter(like="effect_").min(), checks.filter(like="effect_").max()
    degenerate = checks[checks["note"] != ""]
    spec = [
        "Across the " + str(len(checks)) + " specifications the point estimates range from "
        + " and from ".join(f"{fmt.pct(lo[c])} to {fmt.pct(hi[c])} ({c[7:]})" for c in lo.index)
        + ". This is a range of point estimates, not a confidence interval."
    ]  # fmt: skip
    if len(degenerate):
        rest = checks.drop(index=degenerate.index).filter(like="effect_")
        lo2, hi2 = rest.min(), rest.max()
        spec[0] += (
            " Without the degenerate row flagged below: "
            + "; ".join(f"{fmt.pct(lo2[c])} to {fmt.pct(hi2[c])} ({c[7:]})" for c in lo2.index)
            + "."
        )
    for label, row in degenerate.iterrows():
        spec.append(
            f"The '{label}' fit interpolates its {row['donors']}-donor pool through the pre-period "
            f"exactly (pre-RMSPE {rmspe_text(row['pre_rmspe'], False)}), so its placebo filter "
            f"keeps only {row['placebos']} placebos that interpolate too, and its p-value is not "
            "informative."
        )
    informative = checks.drop(index=degenerate.index)["p_value"]
    spec.append(
        f"The RMSPE-ratio p-value lies between {fmt.number(informative.min(), 2)} and "
        f"{fmt.number(informative.max(), 2)} in every "
        f"{'other ' if len(degenerate) else ''}specification"
        + (f": never below {level}." if informative.min() >= alpha else ".")
    )
    ranges = {c: [lo[c], hi[c]] for c in lo.index}
    return "\n\n".join(spec), ranges, [float(informative.min()), float(informative.max())]


NOMINAL_CHECK = "current prices (no deflator)"


def nominal_record(checks: pd.DataFrame) -> dict:
    """The nominal fit of :func:`~.synthetic_checks.specification_checks` as results.json keys
    (``{}`` when the checks hold no nominal row, e.g. a nominal run): its own donor pool, effects
    and placebo test, so a page that sets real beside nominal says what differs."""
    if NOMINAL_CHECK not in checks.index:
        return {}
    row = checks.loc[NOMINAL_CHECK]
    out = {f"sc_effect_{c[7:]}": float(row[c]) for c in checks.columns if c.startswith("effect_")}
    return out | {
        "label": NOMINAL_CHECK,
        "donors": int(row["donors"]),
        "sc_rank": int(row["rank"]),
        "sc_n_placebos": int(row["placebos"]),
        "sc_p_placebo": float(row["p_value"]),
        "top_donor": str(row["top_donor"]),
    }


def sdid_text(sdid, res, partner: str) -> str:
    """Markdown: the synthetic DiD's placebo floor against the synthetic control's."""
    n = len(sdid.weights)
    return (
        f"Synthetic DiD placebos: all {n} donors, so p is {partner}'s rank among {n + 1}; "
        f"p = {fmt.number(1 / (n + 1), 2)} is its floor here (1/{n + 1}), while the synthetic "
        f"control's per-year floor is 1/{res.n_placebos + 1} ({res.n_placebos} kept placebos)."
    )


def partners_text(table: pd.DataFrame, partner: str, last_year: int, *, alpha: float = 0.05) -> str:
    """Markdown on the re-routing partners of :class:`~.synthetic_results.SyntheticControlFamily`
    (empty when the family holds only the partner). Direction words follow the signs of the
    point estimates, and a partner is called distinguishable only when its Holm-adjusted p-value
    is below ``alpha``."""
    partners = table.drop(index=partner)
    if not len(partners):
        return ""
    col = partners[f"effect_{last_year}"]
    from sanctions_model.reporting.labels import place

    effects = ", ".join(f"{place(c)} {fmt.pct(v)}" for c, v in col.items())
    moved = "rose" if (col > 0).all() else "fell" if (col < 0).all() else "moved"
    p_lo, p_hi = partners["p_value"].min(), partners["p_value"].max()
    detected = partners[partners["p_adjusted"] < alpha]
    head = (
        f"EU exports to the partners {moved} in the point estimates ({effects} in {last_year}); "
        "EBRD research found a rise for Armenia, Kazakhstan and the Kyrgyz Republic (Chupilkin, "
        "Javorcik and Plekhanov 2023)."
    )
    ps = (
        f"p = {fmt.number(p_lo, 2)}-{fmt.number(p_hi, 2)} unadjusted; Holm-adjusted over the "
        f"{len(partners)}, {fmt.number(partners['p_adjusted'].min(), 2)} or more"
    )
    if detected.empty:
        return (
            f"{head} No partner's change is distinguishable from donor-destination noise here "
            f"({ps}). Read this as 'not detected at destination level', not as evidence against "
            "re-routing: the EBRD puts re-routed flows at a small share of the fall in direct "
            "exports, visible product by product."
        )
    names = ", ".join(
        f"{c} ({fmt.pct(row[f'effect_{last_year}'])}, adjusted p = "
        f"{fmt.number(row['p_adjusted'], 2)})"
        for c, row in detected.iterrows()
    )
    return (
        f"{head} Distinguishable from donor-destination noise after the Holm adjustment: {names}; "
        f"the others are not ({ps})."
    )


def comparison_text(
    res, plain: pd.DataFrame, raw: float, *, real: bool, base_month: str | None = None,
    cf=None, cf_last_month=None, n_sims: int | None = None,
) -> str:  # fmt: skip
    """Markdown: the synthetic-control effect beside the plain change, Eurostat's published
    figure (``base_month``: :func:`~.published.base_month_sentence`, for Russia) and a monthly
    counterfactual ``cf`` fitted in notebook 05 by notebook 02's model choice (its window ends
    at ``cf_last_month``): named as this notebook's own fit with its path count, never quoted as
    notebook 02's published figure."""
    from sanctions_model.models.published import EUROSTAT_RU_EXPORTS

    last, intervention = res.post_years[-1], res.intervention
    eff = res.effects()
    if res.outcome != "index":
        syn_growth = np.expm1(res.synthetic[last] - res.synthetic[intervention - 1])
    else:
        syn_growth = res.synthetic[last] / res.synthetic[intervention - 1] - 1
    text = [
        f"Prices: {res.deflator}. The synthetic control puts EU27 exports to {res.treated} at "
        f"{fmt.pct(eff.loc[last, 'effect'])} in {last} relative to the donor destinations, while "
        f"the plain change from {intervention - 1} to {last} is {fmt.pct(raw)}"
        + (
            f" at {intervention - 1} prices ({fmt.pct(plain['change'].iloc[0])} in current prices)"
            if real
            else ""
        )
        + ". The two differ because the donors' exports moved too: the synthetic control changed "
        f"by {fmt.pct(syn_growth)} over the same years, so the synthetic-control effect is the "
        "change measured against where exports would have gone had they moved like the donors'.",
    ]
    if base_month is not None:
        text.append(
            f"Eurostat's published {fmt.pct(EUROSTAT_RU_EXPORTS.value)} compares the seasonally "
            "adjusted monthly level of September 2023 with February 2022, in current prices: one "
            "month against another, with no counterfactual and no deflator. It is not an estimate "
            "of the sanctions' effect. " + base_month
        )
    if cf is not None:
        ci = cf.conf_int().loc["average"]  # at the fit's own alpha (the notebook's)
        n_paths = cf.to_results().get("n_draws") or n_sims
        text.append(
            f"A monthly counterfactual fitted in this notebook (EU27 exports"
            f"{', 2021 prices' if real else ''}, intervention 2022-03, model chosen by backtest "
            f"as in notebook 02, {n_paths} simulated paths) gives "
            f"{fmt.pct(cf.average_effect)} on average from {fmt.month('2022-03')} to "
            f"{fmt.month(cf_last_month)} ({fmt.level(cf.config.alpha)} interval "
            f"{fmt.pct_interval(ci['lower'], ci['upper'])}; a longer window than the synthetic "
            f"control's {res.post_years[0]}-{res.post_years[-1]}). It is this notebook's own "
            "fit, not notebook 02's published figure (its own report gives that, from its own "
            "number of paths). It extrapolates the flow's own 2019-2022 path, so it carries no "
            "information from other destinations, and averages over months rather than years."
        )
    return "\n\n".join(text)
