"""Tables and sentences of notebook 03 (trade diversion), from the result objects.

The DiD robustness table, the annual event-study table, the gravity tables and the sentences on
Russia and the partners: written once here and tested in ``tests/models/test_panel.py``, so the
notebook only calls them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sanctions_model.models.multiple import adjust_pvalues
from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.text import claim, effect_sentence

__all__ = [
    "did_sentence",
    "did_table",
    "event_study_note",
    "event_study_table",
    "gravity_ru_sentence",
    "gravity_table",
    "lp",
    "partners_paragraph",
    "pct_cell",
    "war_year_adjustment",
]


def pct_cell(log_points: float) -> str:
    """A log-point effect as a percent change for a table cell ("-36%")."""
    return fmt.pct(np.expm1(log_points), digits=2) if np.isfinite(log_points) else fmt.MISSING


def lp(value: float) -> str:
    """Log points to 2-3 significant figures."""
    return fmt.number(value, 3) if np.isfinite(value) else fmt.MISSING


def _p_placebos(p: float, n: int) -> str:
    return fmt.pvalue(p, n_draws=n, exact=True, units="placebos")


def did_sentence(did, *, event_year: int, last_year: int, annual_start: int, n_donors: int,
                 alpha: float) -> str:  # fmt: skip
    """The annual DiD of Russia against the donors, in words, with its randomization test."""
    ri = did.randomization
    lo, hi = ri.conf_int()
    text = effect_sentence(
        f"EU27 exports to Russia in {event_year}-{str(last_year)[2:]}",
        did.estimate, lo, hi, p_value=ri.pvalue, scale="log",
        reference=(f"where they would have been had they moved, from their {annual_start}-"
                   f"{str(event_year - 1)[2:]} average, like exports to the {n_donors} donor "
                   "destinations"),
        alpha=alpha, n_draws=ri.n_placebos, exact_floor=True, draw_units="placebos",
        inference=(f"randomization inference: Russia's studentized estimate ranks {ri.rank} of "
                   f"{ri.n_placebos + 1} destinations"),
    )  # fmt: skip
    return text + (
        f" {event_year} includes January and February, before the first export restrictions "
        "(25 February 2022), which dilutes the estimate."
    )


def did_table(rows: dict[str, tuple[object, int]]) -> pd.DataFrame:
    """Label -> (DiD result with randomization inference, number of donors)."""
    out = {}
    column = fmt.interval_label(fmt.shared_alpha(d.config.alpha for d, _ in rows.values()))
    for label, (d, n_donors) in rows.items():
        lo, hi = d.conf_int().iloc[0]
        n = d.randomization.n_placebos
        cell = f"{pct_cell(lo)} to {pct_cell(hi)}"
        if column == "interval":  # rows at different levels: each cell names its own
            cell += f" ({fmt.level(d.config.alpha)})"
        out[label] = {
            "donor pool": f"{n_donors} donors", "estimate (log points)": lp(d.estimate),
            "effect": pct_cell(d.estimate), column: cell,
            "p (randomization)": _p_placebos(d.pvalue, n), "rank": f"{d.rank} of {n + 1}",
        }  # fmt: skip
    return pd.DataFrame.from_dict(out, orient="index")


def war_year_adjustment(es, event_year: int) -> pd.DataFrame:
    """Benjamini-Hochberg over the war years' coefficients of an annual event study."""
    tab = es.annual_frame().query("~reference")
    post = tab.index[tab.index >= event_year]
    family = (f"{post.min()}-{post.max()} effects on EU27 exports to Russia "
              f"({len(post)} years)")  # fmt: skip
    return adjust_pvalues(tab.loc[post, "pvalue"], family=family)


def event_study_table(es, es_2021, adj: pd.DataFrame) -> pd.DataFrame:
    """Per year: estimate, effect, interval, p, adjusted p (war years), 2021-reference row."""
    tab = es.annual_frame().query("~reference")
    return pd.DataFrame({
        "estimate (log points)": tab["estimate"].map(lp), "effect": tab["estimate"].map(pct_cell),
        fmt.interval_label(es.config.alpha): [f"{pct_cell(a)} to {pct_cell(b)}"
                                           for a, b in zip(tab["lower"], tab["upper"], strict=True)],
        "p (randomization)": tab["pvalue"].map(fmt.p_cell),
        "p adjusted (war years)": [fmt.p_cell(adj["p_adjusted"].get(y)) if y in adj.index
                                   else "lead" for y in tab.index],
        "robustness: reference 2021":
            es_2021.annual_frame()["estimate"].reindex(tab.index).map(lp),
    })  # fmt: skip


def event_study_note(es, es_2021, adj: pd.DataFrame, n_placebos: int) -> str:
    """Reference, adjustment family and both pre-trend tests."""
    _, p, how = es.pretrend_test()
    p_2021 = es_2021.pretrend_test()[1]
    return (
        f"Reference: {es.reference_label}. p adjusted: {adj['method'].iloc[0]} over the "
        f"{adj['family'].iloc[0]}. Pre-trend test: {_p_placebos(p, n_placebos)} ({how}); "
        f"with the 2021 reference {_p_placebos(p_2021, n_placebos)}."
    )


_TERMS = {
    "russia_2014": "Russia, 2014-21",
    "russia_2022": "Russia, 2022-23",
    "russia_2022_vs_2014_21": "Russia, 2022-23 against 2014-21",
    "partners_2022": "the five partners as a group, 2022-23",
}


def term_label(term: str) -> str:
    """A gravity dummy in words (``partners_2022`` -> ``the five partners as a group, 2022-23``)."""
    return _TERMS.get(str(term), str(term).replace("_", " "))


def gravity_samples(grav, grav_ri, grav_partners, *, first_year: int, event_year: int,
                    last_year: int) -> dict:  # fmt: skip
    """What each gravity table is estimated on, in words: destinations, years, partners named.

    ``all``: the analytic fit on every destination; ``russia``: Russia against the donors
    (placebo in space); ``partners``: the partners as one group against random donor groups.
    """
    from sanctions_model.reporting.labels import place

    years = f"{first_year}-{last_year}"
    names = _and([place(p) for p in grav_partners.treated.split("+")])
    n = grav_ri.n_donors
    return {
        "all": f"all {grav.n_clusters} destinations, {years}, analytic point estimates",
        "russia": f"Russia and the {n} donor destinations, {years}, randomization inference",
        "partners": (
            f"the partners ({names}) and the {n} donor destinations, {years}, "
            "randomization inference"
        ),  # fmt: skip
        "span": f"{event_year}-{str(last_year)[2:]}",
        "base": f"{first_year}-{str(event_year - 1)[2:]}",
        "russia_base": f"2014-{str(event_year - 1)[2:]}",
    }


def gravity_samples_sentence(all_frame, ri_frame, partners_frame, samples: dict) -> str:
    """The point estimates of the two samples side by side, each sample named."""
    pairs = [(t, ri_frame) for t in ("russia_2022", "russia_2022_vs_2014_21")] + [
        ("partners_2022", partners_frame)
    ]
    diffs = "; ".join(
        f"{term_label(t)}: {pct_cell(all_frame.loc[t, 'estimate'])} ({lp(all_frame.loc[t, 'estimate'])} "
        f"log points) on all destinations against {pct_cell(f.loc[t, 'estimate'])} "
        f"({lp(f.loc[t, 'estimate'])}) on the donor sample"
        for t, f in pairs
        if t in all_frame.index and t in f.index
    )
    return (
        f"The two samples give different point estimates: all destinations ({samples['all']}) "
        f"and the donor sample (Russia: {samples['russia']}; the partners: "
        f"{samples['partners']}). {diffs}."
    )


def gravity_table(frame: pd.DataFrame, *, analytic: bool, inference: str = "") -> pd.DataFrame:
    """A gravity frame (``GravityResults.to_frame`` or ``GravityRandomization.to_frame``),
    one row per dummy in words."""
    out = pd.DataFrame(index=pd.Index([term_label(t) for t in frame.index], name="dummy"))
    frame = frame.set_axis(out.index)
    out["estimate (log points)"] = frame["estimate"].map(lp)
    out["effect"] = frame["estimate"].map(pct_cell)
    out[fmt.interval_label(frame.attrs.get("alpha"))] = [
        f"{pct_cell(a)} to {pct_cell(b)}" if np.isfinite(a) else fmt.MISSING
        for a, b in zip(frame["lower"], frame["upper"], strict=True)
    ]
    out["p"] = frame["pvalue"].map(fmt.p_cell)
    if analytic and "analytic_inference" in frame:
        out["inference"] = frame["analytic_inference"].replace("", inference)
    else:
        out["rank"] = [f"{int(r)} of {int(n) + 1}"
                       for r, n in zip(frame["rank"], frame["n_placebos"], strict=True)]  # fmt: skip
    out["compared with"] = frame["compared_with"]
    return out


def gravity_ru_sentence(g, *, event_year: int, last_year: int, alpha: float) -> str:
    """Russia's 2022+ gravity contrast against 2014-21, ranked among the donor destinations."""
    lo, hi = g.conf_int()
    text = effect_sentence(
        f"Gravity PPML, EU27 exports to Russia in {event_year}-{str(last_year)[2:]} relative to "
        "the donor destinations",
        g.estimate, lo, hi, p_value=g.pvalue, scale="log",
        reference=f"their 2014-{str(event_year - 1)[2:]} level",
        alpha=alpha, n_draws=g.n_placebos, exact_floor=True, draw_units="placebos",
        inference=f"placebo-in-space randomization inference, rank {g.rank} of {g.n_placebos + 1}",
    )  # fmt: skip
    if np.expm1(hi) - np.expm1(lo) > 0.4 and hi < 0:
        text += " The direction is clear; the size is not pinned down."
    from sanctions_model.reporting.labels import place

    above = g.placebo[g.placebo["statistic"].abs() > abs(g.treated_statistic)].index.tolist()
    if above:
        n = len(above)
        names = ", ".join(place(c) for c in above)
        text += (f" {n} placebo destination{'s' if n > 1 else ''} ({names}) "
                 f"{'have' if n > 1 else 'has'} a larger studentized change than Russia.")  # fmt: skip
    return text


def partners_paragraph(grav_partners, expo, *, span: str, base: str, alpha: float) -> str:
    """The gravity group test and the exposure design on the partners, against the EBRD's."""
    gp = grav_partners.results["partners_2022"]
    lo, hi = gp.conf_int()
    what = claim(lo, hi, gp.pvalue, alpha)
    excl = expo.excluding_zero()
    return (
        f"Gravity, the five partners as a group against random groups of five donors: "
        f"{pct_cell(gp.estimate)} in {span} against {base} ({fmt.interval_label(gp.alpha)} "
        f"{grav_partners.interval_text('partners_2022')}; "
        f"{grav_partners.pvalue_text('partners_2022')}). "
        + ("The interval excludes zero, if only just: a rise at destination level consistent "
           "with the EBRD's, though it cannot say which goods rose or where they went next. "
           if what == "above" and lo < 0.05
           else "The interval excludes zero: a rise at destination level consistent with the "
           "EBRD's. " if what == "above"
           else "The interval includes zero: no rise distinguishable from donor-destination "
           "noise. ")
        + ("The exposure design (section 2) finds no member-state gradient: no partner's "
           f"interval excludes zero ({expo.smallest_p_text()}). " if not excl
           else f"The exposure design (section 2): intervals excluding zero for "
           f"{', '.join(excl)}. ")
        + "Where a test does not reject, read it as 'not detected at destination level', not as "
        "evidence against re-routing."
    )  # fmt: skip


def _side_of_zero(lower: float, upper: float) -> str:
    """Where an interval lies: ``below zero``, ``above zero`` or ``includes zero``."""
    if not (np.isfinite(lower) or np.isfinite(upper)):
        return fmt.MISSING
    return "below zero" if upper < 0 else "above zero" if lower > 0 else "includes zero"


def exposure_event_study(es, *, event: str, leads: int, draws: int, alpha: float):
    """The monthly exposure event study: (table for readers, note on adjustment and pre-trend).

    p-values are rounded to their Monte Carlo error over ``draws`` wild bootstrap draws; the
    post months form one Benjamini-Hochberg family. The interval ends are drawn in the figure:
    with the notebook's bootstrap draws their Monte Carlo error reaches whole log points (seed to
    seed), so the table prints only the side of zero each interval lies on, which is the same
    from seed to seed.
    """
    from sanctions_model.models.mc_digits import mc_pvalue

    es_m = es.to_frame().query("~reference").set_index("relative_time")
    lags = es_m.index[es_m.index >= 0]
    adj = adjust_pvalues(es_m.loc[lags, "pvalue"], family=(
        f"exposure event study, exports to Russia, {len(lags)} months from {event}"))  # fmt: skip
    table = pd.DataFrame(
        {
            "estimate (log points per unit)": es_m["estimate"].map(lp),
            fmt.interval_label(es.config.alpha): [
                _side_of_zero(a, b) for a, b in zip(es_m["lower"], es_m["upper"], strict=True)
            ],
            "p": [mc_pvalue(v, draws) for v in es_m["pvalue"]],
            "p adjusted (post months)": [mc_pvalue(adj["p_adjusted"].get(k), draws)
                                         if k in adj.index else "lead" for k in es_m.index],
        },
        index=pd.Index(es_m.index, name="months since the event"),
    )  # fmt: skip
    pre_p, pre_how = es.pretrend_test()[1:]
    n_raw = int((es_m.loc[lags, "pvalue"] < alpha).sum())
    n_adj = int((adj["p_adjusted"] < alpha).sum())
    note = (
        f"{fmt.interval_label(es.config.alpha)}: its side of zero (the ends are in the figure; with "
        f"{draws:,} wild bootstrap draws they move from seed to seed). "
        f"p adjusted: {adj['method'].iloc[0]} over the {len(lags)} post months. "
        f"{n_raw} months have unadjusted p < {alpha:g}; {n_adj} survive the adjustment "
        f"(smallest adjusted {mc_pvalue(adj['p_adjusted'].min(), draws)}). "
        f"Pre-trend test (leads -{leads} to -2 zero): {fmt.pvalue(pre_p)} ({pre_how}; with 27 "
        "clusters an analytic Wald test over-rejects, so a small value is a warning, a large one "
        "weak reassurance)."
    )
    return table, note


# ------------------------------------------------------------------ results.json of notebook 03
def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def smaller_pool_label(donors, kept) -> tuple[list[str], str]:
    """The donors of the main pool not in the smaller one, and the row's label naming them
    (computed from the run: a code listed as doubtful but never in the pool is not named)."""
    from sanctions_model.reporting.labels import place

    kept = set(kept)
    dropped = [str(d) for d in donors if d not in kept]
    if not dropped:
        return dropped, "EU27 exports to Russia against the same donors (none dropped)"
    return dropped, (
        f"EU27 exports to Russia against donors without {_and([place(d) for d in dropped])} "
        "(difference-in-differences, annual)"
    )


def did_record(did, did_small, donors, not_donors, sentence: str) -> dict[str, object]:
    """The annual DiD's results.json keys (``did_small``: the pool without those of RS, MD, IN,
    TM that were in it). The smaller pool's key keeps its historical name (other code reads it);
    ``..._label`` names the destinations the run actually dropped."""
    ri = did.randomization
    lo, hi = ri.conf_int()
    small_ri = did_small.randomization
    kept = small_ri.placebo.index if small_ri is not None else donors
    dropped, label = smaller_pool_label(donors, kept)
    return {
        "did_ru_annual": did.estimate,
        "did_ru_annual_lower": lo,
        "did_ru_annual_upper": hi,
        "did_ru_annual_p_ri": ri.pvalue,
        "did_ru_annual_rank": ri.rank,
        "did_ru_annual_n_placebos": ri.n_placebos,
        "did_ru_annual_inference": did.inference,
        "did_ru_annual_sentence": sentence,
        "did_ru_annual_placebo": {k: float(v) for k, v in ri.placebo["statistic"].items()},
        "did_ru_annual_donors": list(donors),
        "did_ru_annual_not_donors": dict(not_donors),
        "did_ru_annual_controls_excluded": list(did.caveats),
        "did_ru_annual_without_rs_md_in_tm": did_small.estimate,
        "did_ru_annual_without_rs_md_in_tm_p_ri": did_small.pvalue,
        "did_ru_annual_without_rs_md_in_tm_dropped": dropped,
        "did_ru_annual_without_rs_md_in_tm_label": label,
    }


def event_study_record(es, es_2021, adj: pd.DataFrame) -> dict[str, object]:
    """The annual event study's results.json keys (2018-19 reference; 2021 as robustness)."""
    _, p, how = es.pretrend_test()

    def by_year(e) -> dict[int, float]:
        return {
            int(y): float(b) for y, b in e.annual_frame().query("~reference")["estimate"].items()
        }

    return {
        "event_study_ru_annual": by_year(es),
        "event_study_ru_annual_p_bh": {int(y): float(q) for y, q in adj["p_adjusted"].items()},
        "event_study_ru_annual_family": adj["family"].iloc[0],
        "event_study_ru_annual_pretrend_p": p,
        "event_study_ru_annual_pretrend_test": how,
        "event_study_ru_annual_reference": es.reference_label,
        "event_study_ru_annual_reference_2021": by_year(es_2021),
        "event_study_ru_annual_pretrend_p_reference_2021": es_2021.pretrend_test()[1],
        "event_study_ru_annual_inference": es.inference,
    }


def gravity_record(grav_ri, grav_partners, sentence_ru: str, sentence_partners: str,
                   samples: dict | None = None) -> dict:  # fmt: skip
    """The design-based gravity keys: Russia's 2022 contrast and the partners' group dummy, the
    partners' interval and p as the report prints them (``*_text``), and with ``samples``
    (:func:`gravity_samples`) what each figure is estimated on (``gravity_sample``,
    ``gravity_ri_sample``, ``*_label``), so the findings page names the sample of each."""
    g = grav_ri.results["russia_2022_vs_2014_21"]
    gp = grav_partners.results["partners_2022"]
    lo, hi = g.conf_int()
    gp_lo, gp_hi = gp.conf_int()
    named = {}
    if samples:
        named = {
            "gravity_sample": samples["all"],
            "gravity_ri_sample": samples["russia"],
            "gravity_ru_2022_vs_2014_21_label": (
                f"gravity (PPML), {samples['russia']}: EU27 exports to Russia, "
                f"{samples['span']} against {samples['russia_base']}"
            ),
            "gravity_partners_2022_label": (
                f"gravity (PPML), {samples['partners']}: EU27 exports to the partners as a "
                f"group, {samples['span']} against {samples['base']}"
            ),
        }
    return named | {
        "gravity_ru_2022_vs_2014_21": g.estimate,
        "gravity_ru_2022_vs_2014_21_lower": lo,
        "gravity_ru_2022_vs_2014_21_upper": hi,
        "gravity_ru_2022_vs_2014_21_p_ri": g.pvalue,
        "gravity_ru_2022_vs_2014_21_rank": g.rank,
        "gravity_ru_2022_vs_2014_21_inference": g.inference,
        "gravity_ru_2022_vs_2014_21_sentence": sentence_ru,
        "gravity_ri": grav_ri.to_frame().drop(columns="compared_with").to_dict(orient="index"),
        "gravity_partners_2022": gp.estimate,
        "gravity_partners_2022_lower": gp_lo,
        "gravity_partners_2022_upper": gp_hi,
        "gravity_partners_2022_p_ri": gp.pvalue,
        "gravity_partners_2022_interval_text": grav_partners.interval_text("partners_2022"),
        "gravity_partners_2022_p_text": grav_partners.pvalue_text("partners_2022"),
        "gravity_partners_2022_inference": gp.inference,
        "gravity_partners_2022_sentence": sentence_partners,
    }


def estimates_beside_published(did, g, plain: pd.DataFrame, *, annual_start: int,
                               event_year: int, n_donors: int, prices: str) -> pd.DataFrame:  # fmt: skip
    """The DiD and the gravity contrast above the plain changes (``published.change_table``),
    each row saying what it compares and how prices enter; changes in percent."""
    estimates = pd.DataFrame({
        "change": [np.expm1(did.estimate), np.expm1(g.estimate)],
        "compares": [f"{annual_start}-{event_year - 1} average, net of the {n_donors} donor "
                     f"destinations (randomization over {did.randomization.n_placebos} placebos)",
                     f"2014-{event_year - 1}, net of year effects (randomization over "
                     f"{g.n_placebos} placebos)"],
        "prices": ["a common deflator is absorbed by the year effects (logs)",
                   f"{prices} (PPML weights years by level, so a deflator moves it slightly)"],
    }, index=["DiD, annual", "gravity 2022 vs 2014-21"])  # fmt: skip
    out = pd.concat([estimates, plain])
    return out.assign(change=[fmt.pct(v) for v in out["change"]])
