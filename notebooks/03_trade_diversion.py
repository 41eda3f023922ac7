# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (sanctions-model)
#     language: python
#     name: sanctions-model
# ---

# %% [markdown]
# # Trade diversion: panel difference-in-differences and gravity
#
# Did EU exports leave Russia, and did they turn up in the neighbouring partners? Three panel views,
# each with inference chosen where the treatment varies, so that a p-value means what it says:
#
# 1. **EU27 exports to Russia against untouched destinations** (annual Eurostat panel, EU27 exports
#    to ~250 partners). The controls are the *donor pool*: every destination that is neither
#    sanctioned, war-hit, nor a suspected re-routing hub (`sanctions_model.data.donors`). The
#    re-routing partners are **not** controls: the sanctions pushed their trade up, so comparing
#    Russia with them would add their rise to Russia's fall (the "contaminated controls" problem).
#    With one treated destination, clustered standard errors rest on a single cluster, so
#    p-values come from **randomization inference**: the same regression with each donor as a
#    fake Russia, and Russia's rank among them.
# 2. **Member states' pre-war exposure** (monthly panel, 27 member states x Russia and five
#    partners): do the member states that sold more to Russia before the war cut more, and raise
#    their exports to the partners more? The treatment varies across member states, so errors are
#    clustered by member state (27 clusters) with a **wild cluster bootstrap** (WCR).
# 3. **Gravity PPML** on the annual panel: Russia after 2014 and after 2022, each labelled with
#    what it is compared against, the 2022 effect *relative to 2014-21* as a linear combination,
#    and placebo-in-space p-values.

# %%
from sanctions_model.reporting import setup_report; setup_report()  # tables, charts and warnings for readers
from typing import Literal  # the parameters cell below uses it in its type annotations

# %% tags=["parameters"]
event: str = "2022-03"  # first month of the sanctions regime [domain: period of eurostat_comext]
leads: int = 6  # months before the event in the event study
lags: int = 18  # months after the event in the event study
partners: list[str] = ["AM", "GE", "KZ", "KG", "UZ"]  # re-routing partners (ISO 3166 alpha-2) [domain: partner of eurostat_comext]
exposure_base: str = "2021"  # year whose export shares measure pre-war exposure to Russia
alpha: float = 0.05  # 1 - coverage of the intervals
annual_start: int = 2015  # first year of the annual DiD (after the 2014 sanctions)
reps: int = 999  # wild bootstrap draws (Romano-Wolf and event-study p-values)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from sanctions_model import data, reporting
from sanctions_model.models.gravity import fit_gravity_ppml
from sanctions_model.models.gravity_design import gravity_randomization
from sanctions_model.models.multiple import adjust_pvalues
from sanctions_model.models.panel import estimate_did, estimate_event_study
from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.text import effect_sentence

event_year = int(str(event)[:4])

# %% [markdown]
# ## 1. Russia against the donor destinations (annual, EU27 exports)
#
# Log EU27 exports by destination and year from `annual_start` (after the 2014 sanctions, so the
# pre-period is one regime), destination and year fixed effects. The coefficient is the change in
# exports to Russia from the pre-period to `event_year` onwards, net of the change in exports to
# the donor destinations.

# %%
annual = data.load_trade("eurostat_comext_annual", reporter="EU27_2020", flow="export")
annual = annual[annual["partner"].str.fullmatch(r"[A-Z]{2}")].copy()
annual["year"] = annual["period"].dt.year
window = annual[annual["year"] >= annual_start]
did_annual = estimate_did(window, treated="RU", event=str(event_year), fixed_effects="pair+period", alpha=alpha)
did_annual.summary()

# %%
ri = did_annual.randomization
lo_a, hi_a = ri.conf_int()
fig = ri.plot(title=f"Russia among {ri.n_placebos} placebo destinations (studentized DiD)")
plt.show()
sentence_did = effect_sentence(
    f"EU27 exports to Russia, {event_year}-{annual['year'].max()} vs {annual_start}-{event_year - 1}",
    did_annual.estimate, lo_a, hi_a, p_value=ri.pvalue, scale="log",
    reference="the change in exports to the donor destinations", alpha=alpha,
    n_draws=ri.n_placebos, inference=f"rank {ri.rank} of {ri.n_placebos + 1}; {ri.inference}",
)
print(sentence_did)

# %% [markdown]
# The statistic is studentized: each destination's coefficient divided by the standard deviation
# of its own pre-period residuals, so that small, volatile destinations (whose log exports swing
# by more than Russia's in a normal year) do not swamp the comparison. The interval inverts the
# same randomization test, so it excludes zero exactly when the p-value is below `alpha`.

# %%
es_annual = estimate_event_study(
    window, treated="RU", event=str(event_year), leads=12 * (event_year - annual_start), lags=12,
    reference=-12, fixed_effects="pair+period", alpha=alpha,
)
fig = es_annual.plot(title="EU27 exports to Russia relative to donor destinations (annual)")
plt.show()
es_tab = es_annual.to_frame().query("~reference").copy()
es_tab["year"] = event_year + es_tab["relative_time"] // 12
adj_es = adjust_pvalues(
    es_tab.set_index("year")["pvalue"],
    family=f"annual event study of EU27 exports to Russia, one test per year ({len(es_tab)} years)",
)
display(es_tab.set_index("year")[["estimate", "lower", "upper", "pvalue", "rank"]].join(adj_es[["p_adjusted"]]))
print(adj_es["family"].iloc[0], "|", adj_es["method"].iloc[0])
pre_stat, pre_p, pre_how = es_annual.pretrend_test()
print(f"Pre-trend (all leads zero): {fmt.pvalue(pre_p)} ({pre_how})")

# %% [markdown]
# ## 2. Pre-war exposure across member states (monthly)
#
# Exposure is Russia's share of a member state's exports to Russia and the five partners in
# `exposure_base` (the embedded monthly data has no total exports per member state). The
# regressions compare member states with each other, within a month: their common shocks (and
# the level of the fall, which is in the month effects) cancel, so these designs measure whether
# **more exposed member states changed more**, not the size of the fall itself.

# %%
panel = data.load_trade("eurostat_comext", reporter=list(data.EU27), partner=["RU", *partners], flow="export")
panel = panel[panel["value"] > 0]
base = panel[panel["period"].dt.year == int(exposure_base)]
by_partner = base.pivot_table(index="reporter", columns="partner", values="value", aggfunc="sum").fillna(0)
exposure = (by_partner["RU"] / by_partner.sum(axis=1)).rename("exposure")
panel = panel.merge(exposure.reset_index(), on="reporter")
print(f"{len(panel)} reporter-partner-months, {panel['reporter'].nunique()} member states; "
      f"exposure from {exposure.min():.2f} to {exposure.max():.2f}")
to_russia = panel[panel["partner"] == "RU"]
did_exp_ru = estimate_did(to_russia, treated="RU", intensity="exposure", event=event,
                          fixed_effects="pair+period", reps=9999, alpha=alpha)
did_exp_ru.summary()

# %%
es_exp_ru = estimate_event_study(to_russia, treated="RU", intensity="exposure", event=event, leads=leads,
                                 lags=lags, fixed_effects="pair+period", reps=reps, alpha=alpha)
fig = es_exp_ru.plot(title="Exports to Russia per unit of pre-war exposure (wild bootstrap intervals)")
plt.show()
lagtab = es_exp_ru.to_frame().query("~reference & relative_time >= 0").set_index("relative_time")
adj_lags = adjust_pvalues(lagtab["pvalue"], family=f"exposure event study, exports to Russia, one test per month after {event} ({len(lagtab)} months)")
display(lagtab[["estimate", "lower", "upper", "pvalue"]].join(adj_lags[["p_adjusted"]]))

# %% [markdown]
# ### Exports to the partners, one test per partner
#
# The same exposure design on exports to each partner: did member states that depended more on
# Russia raise their exports to that partner more? Five partners are five tests: the adjusted
# p-values (Benjamini-Hochberg, and Romano-Wolf from pyfixest's wild bootstrap `rwolf`) say which
# survive looking at all five.

# %%
import warnings

import pyfixest as pf

to_partners = panel[panel["partner"].isin(partners)].copy()
to_partners["treated"] = 1
did_exp = estimate_did(to_partners, treated="treated", intensity="exposure", event=event,
                       fixed_effects="pair+partner^period", reps=9999, alpha=alpha)
rows, models = {}, []
for p in partners:
    sub = to_partners[to_partners["partner"] == p]
    res = estimate_did(sub, treated="treated", intensity="exposure", event=event,
                       fixed_effects="pair+period", reps=9999, alpha=alpha)
    lo, hi = res.conf_int().iloc[0]
    rows[p] = {"estimate": res.estimate, "lower": lo, "upper": hi, "pvalue": res.pvalue}
    d = sub.assign(y=np.log(sub["value"]), x=sub["exposure"] * (sub["period"] >= pd.Period(event, "M")),
                   cl=pd.factorize(sub["reporter"])[0], t=pd.factorize(sub["period"])[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        models.append(pf.feols("y ~ x | cl + t", data=d, vcov={"CRV1": "cl"}))
by_partner_tab = pd.DataFrame.from_dict(rows, orient="index")
family = f"exposure DiD, exports to each re-routing partner ({len(partners)} partners)"
by_partner_tab["p_bh"] = adjust_pvalues(by_partner_tab["pvalue"], family=family)["p_adjusted"]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    rw = pf.rwolf(models, param="x", reps=reps, seed=1)
by_partner_tab["p_romano_wolf"] = np.asarray(rw.loc["RW Pr(>|t|)"], dtype=float)
display(by_partner_tab)
print(f"Family: {family}. p-values: {did_exp.inference}; Romano-Wolf: pyfixest rwolf, {reps} wild bootstrap draws.")
did_exp.summary()

# %% [markdown]
# ## 3. Gravity: EU27 exports to every partner, 2010-2023
#
# PPML with partner and year fixed effects, zeros kept. Each Russia dummy is measured against
# Russia's own reference years: `russia_2014` (2014-21) and `russia_2022` (2022+) both against
# **2010-13**. The effect of the 2022 regime relative to the 2014-21 one is their difference,
# reported as a linear combination. The first table keeps all partners (with the re-routing
# partners' own 2022+ dummy) and shows analytic intervals; each dummy varies within one partner,
# so its clustered standard error means nothing (see the caveat). The second table is the
# design-based version: Russia against the donor destinations, each given the same fake dummies.

# %%
countries_only = annual.copy()
post14, post22 = countries_only["year"] >= 2014, countries_only["year"] >= event_year
is_ru = countries_only["partner"] == "RU"
countries_only["russia_2014"] = (is_ru & post14 & ~post22).astype(float)
countries_only["russia_2022"] = (is_ru & post22).astype(float)
countries_only["partners_2022"] = (countries_only["partner"].isin(partners) & post22).astype(float)
labels = {
    "russia_2014": "Russia in 2010-13",
    "russia_2022": "Russia in 2010-13",
    "partners_2022": "the same partners in 2010-21",
    "russia_2022_vs_2014_21": "Russia in 2014-21",
}
contrast = {"russia_2022_vs_2014_21": {"russia_2022": 1.0, "russia_2014": -1.0}}
grav = fit_gravity_ppml(countries_only, outcome="value", treatments=["russia_2014", "russia_2022", "partners_2022"],
                        fixed_effects=("partner", "year"), cluster="partner", alpha=alpha,
                        compared_with=labels, contrasts=contrast, exporter="reporter", importer="partner")
grav.summary()

# %%
grav_ri = gravity_randomization(
    countries_only, outcome="value", treated="RU",
    windows={"russia_2014": (2014, event_year - 1), "russia_2022": (event_year, None)},
    contrasts=contrast, compared_with=labels, alpha=alpha,
)
grav_tab = grav_ri.to_frame()
display(grav_tab)
g = grav_ri.results["russia_2022_vs_2014_21"]
g_lo, g_hi = g.conf_int()
sentence_grav = effect_sentence(
    f"EU27 exports to Russia, {event_year}+ relative to 2014-{event_year - 1} (gravity PPML)",
    g.estimate, g_lo, g_hi, p_value=g.pvalue, scale="log", reference="the 2014-21 regime",
    alpha=alpha, n_draws=g.n_placebos, inference=f"rank {g.rank} of {g.n_placebos + 1}; {g.inference}",
)
print(sentence_grav)
for c in grav_ri.caveats:
    print("Caveat:", c)

# %% [markdown]
# ## Against the published figures
#
# Eurostat reports EU exports to Russia **61% lower** from February 2022 to September 2023 than
# before (seasonally adjusted monthly values). The raw ratio of EU27 exports to Russia in 2023 to
# 2021 is computed below. The estimates here differ from both by construction: the DiD compares
# the 2022-23 average with the 2015-21 average (not 2021 alone) and nets out the change in exports
# to the donor destinations, which grew in nominal euros over the same years; the gravity contrast
# compares with the 2014-21 regime; Eurostat's figure is a monthly, seasonally adjusted
# comparison over a window that starts in February 2022 and includes neither 2022's first months
# nor the 2021 peak as its base.

# %%
ru = annual[annual["partner"] == "RU"].set_index("year")["value"]
raw_ratio = float(ru.loc[2023] / ru.loc[2021])
comparison = pd.DataFrame(
    {
        "estimate": [fmt.pct(np.expm1(did_annual.estimate)), fmt.pct(np.expm1(g.estimate)), fmt.pct(raw_ratio - 1), "-61%"],
        "compared with": [
            f"{annual_start}-{event_year - 1}, net of donor destinations",
            "2014-21 regime, net of year effects (donor sample)",
            "2021 (raw, nominal EUR)",
            "pre-war months, seasonally adjusted (Eurostat)",
        ],
        "inference": [did_annual.inference, g.inference, "none (a ratio of two totals)", "published"],
    },
    index=["DiD, annual", "gravity 2022 vs 2014-21", "raw 2023/2021", "Eurostat, Feb 2022-Sep 2023"],
)
display(comparison)
print(sentence_did)
print(f"Raw 2023/2021 ratio: {raw_ratio:.2f}.")

# %%
exp_lo, exp_hi = did_exp_ru.conf_int().iloc[0]
reporting.record_results({
    "did_ru_annual": did_annual.estimate,
    "did_ru_annual_lower": lo_a,
    "did_ru_annual_upper": hi_a,
    "did_ru_annual_p_ri": ri.pvalue,
    "did_ru_annual_rank": ri.rank,
    "did_ru_annual_n_placebos": ri.n_placebos,
    "did_ru_annual_inference": did_annual.inference,
    "did_ru_annual_sentence": sentence_did,
    "did_ru_annual_placebo": {k: float(v) for k, v in ri.placebo["statistic"].items()},
    "did_ru_annual_controls_excluded": list(did_annual.caveats),
    "event_study_ru_annual": {int(y): float(b) for y, b in zip(es_tab["year"], es_tab["estimate"])},
    "event_study_ru_annual_p_bh": {int(y): float(p) for y, p in adj_es["p_adjusted"].items()},
    "event_study_ru_annual_inference": es_annual.inference,
    "did_exposure_ru": did_exp_ru.estimate,
    "did_exposure_ru_lower": exp_lo,
    "did_exposure_ru_upper": exp_hi,
    "did_exposure_ru_p": did_exp_ru.pvalue,
    "did_exposure_ru_inference": did_exp_ru.inference,
    "did_exposure": did_exp.estimate,
    "did_exposure_p": did_exp.pvalue,
    "did_exposure_inference": did_exp.inference,
    "did_exposure_by_partner": by_partner_tab.to_dict(orient="index"),
    "did_exposure_by_partner_family": family,
    "gravity": {k: float(v) for k, v in grav.params.items()},
    "gravity_compared_with": labels,
    "gravity_inference": grav.inference,
    "gravity_caveats": list(grav.caveats) + list(grav_ri.caveats),
    "gravity_ru_2022_vs_2014_21": g.estimate,
    "gravity_ru_2022_vs_2014_21_lower": g_lo,
    "gravity_ru_2022_vs_2014_21_upper": g_hi,
    "gravity_ru_2022_vs_2014_21_p_ri": g.pvalue,
    "gravity_ru_2022_vs_2014_21_rank": g.rank,
    "gravity_ru_2022_vs_2014_21_inference": g.inference,
    "gravity_ru_2022_vs_2014_21_sentence": sentence_grav,
    "gravity_ri": grav_tab.drop(columns="compared_with").to_dict(orient="index"),
    "raw_ratio_2023_2021": raw_ratio,
    "eurostat_published_change": -0.61,
    "headline": {
        "DiD RU vs donors, annual (log pts)": round(did_annual.estimate, 3),
        "DiD RU randomization p": round(ri.pvalue, 4),
        "Gravity RU 2022 vs 2014-21 (log pts)": round(g.estimate, 3),
        "Raw 2023/2021": round(raw_ratio, 2),
    },
})
