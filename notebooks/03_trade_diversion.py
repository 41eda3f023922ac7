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
# each with inference chosen where the treatment varies, so that a p-value means what it says.
# Every design compares Russia with other destinations, so it measures the whole 2022 shock to
# this flow: the invasion and the sanctions that followed, including firms' own withdrawal,
# payment and insurance frictions, Russia's counter-measures and the rouble. It cannot isolate
# the sanctions alone.
#
# 1. **EU27 exports to Russia against comparable destinations** (annual Eurostat panel). The
#    controls are the donor pool shared with notebook 05
#    (`sanctions_model.data.donors.annual_donor_pool`): extra-EU countries that are neither
#    sanctioned, war-hit, suspected re-routing hubs nor fuel-driven (Gibraltar's bunker fuel,
#    OPEC and Gulf members, whose EU imports rose with the 2022 energy prices), with EU exports
#    of at least EUR 1 bn (2021 prices) in every year before the war. Intra-EU flows (single market) and non-country partner codes are
#    not controls. The re-routing partners are not controls either: EBRD research (Chupilkin,
#    Javorcik and Plekhanov 2023) documents rising EU exports to them after the sanctions, which
#    would add their rise to Russia's fall. With one treated destination, clustered standard
#    errors rest on a single cluster, so p-values come from **randomization inference**: the
#    same regression with each donor as a fake Russia, and Russia's rank among them.
# 2. **Member states' pre-war exposure** (monthly panel, 27 member states x Russia and five
#    partners): do member states whose exports to these six destinations leaned more on Russia
#    in 2021 cut more, and raise their exports to the partners more? The treatment varies across
#    member states, so errors are clustered by member state (27 clusters) with a **wild cluster
#    bootstrap** (WCR).
# 3. **Gravity PPML** on the annual panel: Russia after 2014 and after 2022, each labelled with
#    what it is compared against, the 2022 effect *relative to 2014-21* as a linear combination,
#    and placebo-in-space p-values for Russia (against the donor destinations) and for the five partners
#    as a group (against random groups of five donors).
#
# **Prices.** Annual values are deflated to 2021 prices by default (`real`; the deflator is named
# in the output). The DiD and event studies are in logs with year (or month) effects, which absorb
# a deflator common to all flows of a period: for the same donors they are the same in real and
# nominal terms (the donor size threshold, in 2021 prices, is what moves the pool). The gravity
# PPML is not exactly invariant: its score weights each year by its level, so deflating reweights
# the years slightly. The monthly exposure designs stay in current prices (month effects absorb a
# common deflator). The deflator matters most for the plain changes set against the published,
# nominal figures at the end.

# %%
from sanctions_model.reporting import setup_report; setup_report()  # tables, charts and warnings for readers

# %% tags=["parameters"]
event: str = "2022-03"  # first month of the sanctions regime [domain: period of eurostat_comext]
leads: int = 6  # months before the event in the event study [domain: >= 2]
lags: int = 18  # months after the event in the event study [domain: >= 1]
partners: list[str] = ["AM", "GE", "KZ", "KG", "UZ"]  # re-routing partners (ISO 3166 alpha-2) [domain: partner of eurostat_comext]
exposure_base: str = "2021"  # year whose export shares measure pre-war exposure to Russia
alpha: float = 0.05  # 1 - coverage of the intervals [domain: > 0, < 0.5]
annual_start: int = 2015  # first year of the annual DiD (after the 2014 sanctions) [domain: before event]
reference_years: list[int] = [2018, 2019]  # reference of the annual event study: their average (2021 is exposed to anticipation; it is the robustness row)
real: bool = True  # deflate values to 2021 prices (year effects absorb a common deflator; it moves the plain changes and the donor threshold)
deflator: str | None = None  # price index of sanctions_model.data.prices; None = the default for EUR (euro-area HICP)
reps: int = 999  # wild bootstrap draws (Romano-Wolf and event-study p-values) [domain: >= 99]
group_draws: int = 1999  # random groups of five donors for the partners' gravity dummy (about 1 s); its figures are rounded to their Monte Carlo error [domain: >= 99]
seed: int = 0  # random draws (wild bootstrap, random donor groups); printed figures do not depend on it [domain: >= 0]

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from sanctions_model import data, reporting
from sanctions_model.models.gravity import fit_gravity_ppml, gravity_randomization, regimes
from sanctions_model.models.panel import annual as annual_panel, estimate_did, estimate_event_study
from sanctions_model.models.panel.exposure import fit_exposure_design
from sanctions_model.models.panel.report import (
    did_record, did_sentence, did_table, estimates_beside_published, event_study_note, event_study_record,
    exposure_event_study, gravity_record, gravity_samples, event_study_table, gravity_ru_sentence, gravity_table,
    partners_paragraph, war_year_adjustment)
from sanctions_model.models.published import base_month_sentence, change_table
from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.labels import for_readers

pd.set_option("display.max_colwidth", None)  # no cut-off text in the tables
event_year = int(str(event)[:4])

# %% [markdown]
# ## 1. Russia against the donor destinations (annual, EU27 exports)
#
# Log EU27 exports by destination and year from `annual_start` (after the 2014 sanctions, so the
# pre-period is one regime), destination and year fixed effects. The coefficient is the change in
# exports to Russia from the pre-period to `event_year` onwards, net of the change in exports to
# the donor destinations. The donors are notebook 05's: one definition
# (`annual_donor_pool` without the fuel-driven destinations: positive exports of at least EUR 1 bn,
# 2021 prices, in every year before `event_year`; only pre-period years decide) for the DiD, the
# gravity placebos and the synthetic control.

# %%
exports = annual_panel.annual_exports(real=real, deflator=deflator)
annual, price_words = exports.data, exports.prices
print(f"Prices: {price_words}.")

# %%
pool = annual_panel.donor_pool(exports, event_year)
donors, not_donors, last_year = pool.donors, pool.not_donors, pool.last_year
print(pool.sentence())
display(pool.reasons())

# %%
window = annual[annual["year"] >= annual_start]
did_annual = estimate_did(window, treated="RU", event=str(event_year), fixed_effects="pair+period",
                          controls=donors, alpha=alpha)
did_annual.summary()

# %%
ri = did_annual.randomization
fig = ri.plot(title=f"Russia among {ri.n_placebos} placebo destinations (studentized DiD)")
plt.show()
sentence_did = did_sentence(did_annual, event_year=event_year, last_year=last_year, annual_start=annual_start,
                            n_donors=len(donors), alpha=alpha)
print(sentence_did)

# %% [markdown]
# The statistic is studentized: each destination's coefficient divided by the standard deviation
# of its own pre-period residuals, so that small, volatile destinations (whose log exports swing
# by more than Russia's in a normal year) do not swamp the comparison. The interval inverts the
# same randomization test, so it excludes zero exactly when the p-value is below `alpha`.
#
# **Robustness: a smaller pool.** Serbia (which has not aligned with EU sanctions), Moldova,
# India and Turkmenistan are plausible secondary routes or beneficiaries; the row below drops
# those of them that are in the pool.

# %%
donors_small, dropped, not_in_pool = pool.without(["RS", "MD", "IN", "TM"])
did_small = estimate_did(window, treated="RU", event=str(event_year), fixed_effects="pair+period",
                         controls=donors_small, alpha=alpha)
display(did_table({"DiD, main": (did_annual, len(donors)), f"DiD without {dropped}": (did_small, len(donors_small))}))
if not_in_pool:
    print(not_in_pool)

# %% [markdown]
# ### Event study (annual)
#
# One coefficient per year against the average of `reference_years` (2018-19 by default): a
# reference not exposed to anticipation. With 2021 as reference, front-loading before the first
# packages (exports pulled into 2021) would shift every other coefficient by the same amount; the
# 2021 reference is the robustness row. The years before the war are placebo checks: the
# pre-trend test takes the largest studentized lead between the reference and the war (2020,
# 2021), ranked among the placebo destinations, so that a one-year spike is not diluted among all
# the leads. Only the effects of the war years form a family for the multiple-testing adjustment.

# %%
es_kw = dict(treated="RU", event=str(event_year), leads=12 * (event_year - annual_start), lags=12,
             fixed_effects="pair+period", controls=donors, alpha=alpha)  # fmt: skip
es_annual = estimate_event_study(window, reference=[12 * (y - event_year) for y in reference_years], **es_kw)
es_2021 = estimate_event_study(window, reference=-12, **es_kw)
es_annual.plot_annual(title="EU27 exports to Russia relative to donor destinations (annual)")
plt.show()
adj_es = war_year_adjustment(es_annual, event_year)
display(event_study_table(es_annual, es_2021, adj_es))
print(event_study_note(es_annual, es_2021, adj_es, ri.n_placebos))

# %% [markdown]
# ## 2. Pre-war exposure across member states (monthly)
#
# Exposure is Russia's share of a member state's exports to Russia and the five partners in
# `exposure_base` (the embedded monthly data has no total exports per member state). The
# regressions compare member states with each other, within a month: their common shocks (and
# the level of the fall, which is in the month effects) cancel, so these designs ask whether
# **member states whose exports to these six destinations leaned more on Russia changed more**,
# not how large the fall was. Because exposure is one minus the partners' share, a positive
# partner coefficient can also reflect faster growth of small pre-war partner flows, not only
# re-routing. The coefficient is per unit of exposure (0 to 1); the tables scale it to the
# observed spread, from the least to the most exposed member state.

# %%
panel = data.load_trade("eurostat_comext", reporter=list(data.EU27), partner=["RU", *partners], flow="export")
expo = fit_exposure_design(panel, partners=partners, event=event, exposure_base=exposure_base, alpha=alpha,
                           rw_reps=reps, seed=seed)
exposure, spread = expo.exposure, expo.spread
print(f"{len(panel[panel['value'] > 0])} reporter-partner-months, {len(exposure)} member states; "
      f"exposure from {exposure.min():.2f} to {exposure.max():.2f} (spread {spread:.2f})")
display(expo.table())
sentence_exposure = expo.sentence()
print(sentence_exposure)
print(f"Inference: {expo.to_russia.inference}. p-values and interval ends are rounded to their Monte Carlo error.")
to_russia = panel[(panel["partner"] == "RU") & (panel["value"] > 0)].merge(exposure.reset_index(), on="reporter")

# %% [markdown]
# ### Exposure event study (monthly, exports to Russia)

# %%
es_draws = 10 * reps  # its p-values are printed: ten times the draws keeps them seed-stable (27 clusters, cheap)
es_exp_ru = estimate_event_study(to_russia, treated="RU", intensity="exposure", event=event, leads=leads,
                                 lags=lags, fixed_effects="pair+period", reps=es_draws, alpha=alpha, seed=seed)
fig = es_exp_ru.plot(title="Exports to Russia per unit of pre-war exposure (wild bootstrap intervals)")
fig.axes[0].set_ylabel("log points per unit of exposure")
fig.axes[0].set_xlabel(f"months since {fmt.month(pd.Period(event, 'M'))}")
plt.show()
es_m_show, es_m_note = exposure_event_study(es_exp_ru, event=event, leads=leads, draws=es_draws, alpha=alpha)
display(es_m_show)
print(es_m_note)
pre_p_m = es_exp_ru.pretrend_test()[1]

# %% [markdown]
# ### Exports to the partners, one test per partner
#
# The same exposure design on exports to each partner: did member states whose exports leaned
# more on Russia raise their exports to that partner more? Five partners are five tests: the
# adjusted p-values (Benjamini-Hochberg, and Romano-Wolf from pyfixest's wild bootstrap `rwolf`)
# say which survive looking at all five.

# %%
display(expo.partner_table())
print(expo.partner_sentence())

# %% [markdown]
# ## 3. Gravity: EU27 exports to every partner, 2010-2023
#
# PPML with partner and year fixed effects, zeros kept. Each Russia dummy is measured against
# Russia's own reference years: `russia_2014` (2014-21) and `russia_2022` (2022+) both against
# **2010-13**. The effect of the 2022 regime relative to the 2014-21 one is their difference,
# reported as a linear combination. The first table keeps all partners (with the re-routing
# partners' own 2022+ dummy) and shows analytic point estimates only: each Russia dummy varies
# within one partner, and the partners' dummy within five, so clustered standard errors mean
# nothing or over-reject badly. The other hubs and Belarus are in this sample without dummies,
# so their 2022 moves load onto the year effects. The second table is the design-based version:
# Russia against the donor destinations, each given the same fake dummies; the third ranks the
# five partners, as a group, among random groups of five donors.

# %%
dummies = regimes.regime_dummies(annual, partners, event_year)
grav = fit_gravity_ppml(dummies.data, outcome="value", treatments=list(dummies.treatments),
                        fixed_effects=("partner", "year"), cluster="partner", alpha=alpha,
                        compared_with=dummies.labels, contrasts=dummies.contrast, exporter="reporter",
                        importer="partner", min_treated_clusters=10)
print(f"All partners (analytic), {grav.nobs:,} observations: point estimates; inference withheld where "
      "too few partners carry the dummy.")
display(gravity_table(grav.to_frame(), analytic=True, inference=grav.inference))
for c in grav.caveats:
    print("Note:", for_readers(c))  # dummy names in words, no module paths

# %%
grav_ri = gravity_randomization(
    dummies.data, outcome="value", treated="RU", donors=donors,
    windows={"russia_2014": (2014, event_year - 1), "russia_2022": (event_year, None)},
    contrasts=dummies.contrast, compared_with=dummies.labels, alpha=alpha,
)
grav_partners = gravity_randomization(
    dummies.data, outcome="value", treated=partners, donors=donors, windows={"partners_2022": (event_year, None)},
    compared_with=dummies.labels, alpha=alpha, reps=group_draws, seed=seed,
)

# %%
print(f"Donor sample (randomization): Russia and the {len(donors)} donors; the partners and the same donors.")
display(regimes.with_partners_row(grav_ri, grav_partners, group_draws))  # rounded to their Monte Carlo error
grav_samples = gravity_samples(grav, grav_ri, grav_partners, first_year=dummies.first_year, event_year=event_year, last_year=dummies.last_year)
print(regimes.sample_comparison(grav, grav_ri, grav_partners, grav_samples))

# %%
g = grav_ri.results["russia_2022_vs_2014_21"]
sentence_grav = gravity_ru_sentence(g, event_year=event_year, last_year=last_year, alpha=alpha)
sentence_grav_partners = regimes.partners_sentence(grav_partners, dummies)
print(sentence_grav)
print(sentence_grav_partners)
for c in grav_ri.caveats:
    print("Caveat:", c)

# %% [markdown]
# ## Against the published figures
#
# Eurostat reports the seasonally adjusted value of EU exports to Russia in September 2023 61%
# below its February 2022 level: two single months, in current prices, with no counterfactual.
# The plain annual change is shown in current and in 2021 prices beside it, and whether February
# 2022 was a high base month is read from the embedded monthly data (not written in by hand).
# The DiD instead compares 2022-23 with the 2015-21 average, net of the change in exports to the
# donor destinations; the gravity contrast compares with 2014-21, net of the year effects.

# %%
plain = change_table(exports.to_partner("RU", nominal=True), exports.to_partner("RU") if real else None,
                     first=event_year - 1, last=last_year, deflator=price_words)
plain_record = annual_panel.plain_change_record(plain, real=real, prices=price_words)
display(estimates_beside_published(did_annual, g, plain, annual_start=annual_start, event_year=event_year,
                                   n_donors=len(donors), prices=price_words))
monthly_ru = data.load_trade("eurostat_comext", reporter="EU27_2020", partner="RU", flow="export")
print(base_month_sentence(monthly_ru.set_index("period")["value"].sort_index()))

# %% [markdown]
# ## The partners
#
# What the designs above say about re-routing, set against the EBRD's finding (Chupilkin,
# Javorcik and Plekhanov 2023) that EU exports to Armenia, Kazakhstan and the Kyrgyz Republic
# rose sharply after 2022, concentrated in sanctioned and similar goods, but offset only about
# 5-10% of the fall in direct exports: a share that destination-level designs have little power
# to see.

# %%
print(partners_paragraph(grav_partners, expo, span=dummies.span, base=dummies.base, alpha=alpha))

# %%
reporting.record_results({
    **did_record(did_annual, did_small, donors, not_donors, sentence_did),
    **event_study_record(es_annual, es_2021, adj_es),
    **expo.record(),
    "event_study_exposure_ru_pretrend_p": pre_p_m,
    **regimes.analytic_record(grav, grav_ri, dummies.labels),
    **gravity_record(grav_ri, grav_partners, sentence_grav, sentence_grav_partners, grav_samples),
    **plain_record,
    "headline": {
        "DiD RU vs donors, annual (log pts)": round(did_annual.estimate, 3),
        "DiD RU randomization p": round(ri.pvalue, 4),
        "Gravity RU 2022 vs 2014-21 (log pts)": round(g.estimate, 3),
        f"Raw 2023/2021 ({'2021 prices' if real else 'current prices'})": round(plain_record["raw_ratio_2023_2021"], 2),
    },
})
