# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python (sanctions-model)
#     language: python
#     name: sanctions-model
# ---

# %% [markdown]
# # Coordination gaps among allies
#
# Where does the coalition leak? This notebook measures, ally by ally:
#
# 1. **Direct cuts**: Russia's imports from each ally in the chosen year against the base year
#    (IMF IMTS; Russia has published no trade data since 2022, so these are the IMF's estimates
#    from the partners' records).
# 2. **The hubs' imports** from each ally, as Uzbekistan, Kazakhstan, Kyrgyzstan and Armenia record
#    them in their own statistics.
# 3. **Substitution**: the hubs' imports above their pre-war trends per dollar of Russia's imports
#    below theirs. It counts only the excess recorded in the imports of these four hubs. It
#    overstates re-routing through them, because the excess also holds the hubs' own demand growth
#    above trend. It says nothing about re-routing through other countries (Türkiye, the UAE,
#    China, Georgia), nor about goods declared for a hub that the hub never records as imports. It
#    is not a ceiling on total leakage.
# 4. **List overlap** between the US (OFAC, program RUSSIA-EO14024) and the UK (regime RUS), names
#    matched across spellings, and listing lags.
# 5. **Adoption timing** from the audited events timeline.
#
# Then the coordination-gap ranks with their intervals, and the product level: Common High Priority
# ("battlefield") goods, where re-routing is expected if anywhere.
#
# Values are **in real terms by default** (`real = True`): each currency's values are deflated by
# its own price index before the trends are fitted, and EUR amounts are put in USD at the base
# year's average rate. The deflators are named below; the nominal figures are kept as robustness
# rows. Trends are fitted on the pre-war years **without 2020** (the COVID trough bent them).

# %%
from sanctions_model.reporting import setup_report; setup_report()  # tables, charts and warnings for readers
from typing import Literal  # the parameters cell below uses it in its type annotations

# %% tags=["parameters"]
base_year: int = 2021  # reference year of the direct ratio and last year of the trend fits
year: int = 2023  # year compared with base_year (substitution over base_year + 1 .. year) [domain: after base_year]
pre_start: int = 2016  # first year of the pre-war trend fits (IMF IMTS starts in 2016) [domain: at least 2 years before base_year]
n_draws: int = 10000  # joint counterfactual draws per ally (intervals and p-values shown at the digits they support) [domain: >= 100]
alpha: float = 0.05  # 1 - coverage of the intervals [domain: > 0, < 0.5]
threshold: float = 90.0  # name-matching threshold (0-100) of the US-UK list comparison [domain: >= 0, <= 100]
timing_start: str = "2022-02-21"  # only measures adopted from this date count for timing [domain: date]
chp_tiers: list[str] = ["1"]  # Common High Priority tiers treated first (1 = integrated circuits)
n_perm: int = 49999  # randomization draws of the CHP difference in differences (enough for seed-stable digits) [domain: >= 99]
real: bool = True  # values at base_year prices, each currency deflated by its own price index; False: current prices
deflator: list[str] | None = None  # price indices by name, each for its own currency (e.g. us_export_prices); None: the defaults

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from sanctions_model import coordination
from sanctions_model import reporting
from sanctions_model.coordination.chp import months_label
from sanctions_model.reporting import format as fmt

EU = "EU27_2020"


prices = coordination.price_config(real, deflator, base=base_year)

# %% [markdown]
# ## The ally scorecard
#
# Direct ratio = Russia's imports from the ally in `year` over `base_year` (IMF estimates, CIF).
# Hubs = the hubs' imports from the ally in `year`; Armenia publishes no 2023 annual figures in this
# source (its monthly series ends in January 2023), so it is left out of the 2023 hub totals and its
# excess is counted for 2022 only (see the caveats). Substitution with its interval (95% unless
# `alpha` says otherwise; the table names the level)
# (Fieller-type, from joint draws of trend-with-drift counterfactuals fitted without 2020; a point
# estimate that is a ratio of exact expected values, in real USD unless `real = False`). Interval
# ends and p-values are printed at the digits their draws support (one decimal, or p-values on a
# coarser grid, where the Monte Carlo error needs it). Two p-values for "no excess" (two-sided, from the trend draws): the
# unadjusted one, and one adjusted by Benjamini-Hochberg over the member states and the non-EU
# allies as one family. The EU27 aggregate is a sum of the member states, so it is kept out of
# that family and tested once on its own ("single test"). Allies whose shortfall is not clearly
# positive have no ratio ("not identified"); allies whose 2021 trade with Russia was below USD 100 m
# are "too small to estimate".

# %%
card = coordination.ally_scorecard(
    base_year, year, pre_start=pre_start, alpha=alpha, n_draws=n_draws, threshold=threshold,
    timing_start=timing_start, real=real, deflator=deflator,
)
display(Markdown(f"Substitution values in **{prices.describe('USD')}**."))
display(card.formatted())

# %%
display(Markdown("Note: " + card.direct_sentence()))

# %%
fig = card.plot()
plt.show()
outside = card.table[(card.table["substitution"] < -1) | (card.table["substitution"] > 1.5)]
outside = outside[~outside["too_small"].astype(bool)]
display(Markdown(
    "Allies with a substitution ratio (not 'not identified' or 'too small to estimate'). Arrows: "
    "the interval runs beyond the axis or is unbounded"
    + ("; point estimates off the axis: " + ", ".join(f"{a} {fmt.ratio(v)}" for a, v in outside["substitution"].items())
       if len(outside) else "")
    + ". Dashed line: the EBRD's 'under 10%' (less than 10% of the sanctions' impact went through "
    "Armenia, Kazakhstan and the Kyrgyz Republic, CEPR DP20097), a loose comparator (see below)."
))

# %%
display(Markdown("\n\n".join(
    f"- {card.sentences()[a]}" for a in (EU, "US", "GB", "JP", "CH", "SE", "PT", "RO")
    if a in card.sentences()
)))
display(Markdown("**Inference.** " + card.inference + "\n\n" + "\n".join(f"- {c}" for c in card.caveats)))

# %% [markdown]
# ### How much the EU27 ratio depends on prices, 2020, Armenia's missing year and the correlation
#
# The main estimate is in real terms with 2020 left out of the trend fits. Below: in current prices;
# with 2020 in the fits; both (the method before this review); 2022 alone (Armenia's 2023 excess is
# missing while Russia's 2023 shortfall is counted, which biases the ratio down); and the residual
# correlation between an ally's trade with Russia and with the hubs set to 0 and 0.3.

# %%
robust = coordination.eu27_robustness(card)
display(robust.table())

# %% [markdown]
# ### The EU27 aggregate next to the EBRD benchmark
#
# Chupilkin, Javorcik and Plekhanov (EBRD working paper 2023, "The Eurasian roundabout"; CEPR
# DP20097, 2025) find that re-routing of **sanctioned goods** through **Armenia, Kazakhstan and the
# Kyrgyz Republic** offsets about 5% (2023) or "less than 10 percent" (2025) of the fall in the
# sanctioning countries' direct exports to Russia, with much higher substitution for some
# individual products. Below, the EU27 ratio for **all goods** from two sides: the hubs' and
# Russia's records (the scorecard: Uzbekistan, Kazakhstan, Kyrgyzstan, Armenia), and the EU's own
# export statistics (Eurostat, annual, EUR deflated by euro-area HICP by default, trends fitted on 2015-2021
# without 2020, Georgia included), the latter
# also recomputed on the scorecard's coverage.

# %%
sides = coordination.eu27_sides(card)
display(sides.table())
display(Markdown(sides.units_note()))

# %%
display(Markdown(sides.sentence() + "\n\n" + "\n".join(f"- {c}" for c in sides.caveats)))

# %% [markdown]
# ## US and UK designation lists
#
# Subjects on OFAC's list under RUSSIA-EO14024 and on the UK list under the Russia regime, matched
# by name across transliterations (the threshold is stated below; dates of birth reject matches
# where both lists carry them). Listing lags leave out censored dates: OFAC entries already in the
# first scraped copy (2021-08-18) and UK carry-overs dated 2020-12-31. Every OFAC date is the first
# day a scraped copy held the entry: later than the true designation date by up to the interval
# between scrapes, for every entry.

# %%
ov = card.overlap
cov_table, lag_table = coordination.overlap_tables(ov)
display(Markdown(f"Names matched at threshold **{ov.config.threshold:g}** of 100; {len(ov.matches):,} subjects on both lists."))
display(cov_table)
display(Markdown(
    "Note: 'share of all subjects on either list' is the list's subjects over the union of both "
    "lists (each subject is its own cluster). It is not the scorecard's 'on the other list', "
    "which is the share of the list's own subjects that the other list also holds."
))
display(lag_table)
lag_row = lag_table.iloc[0]
display(Markdown(
    "OFAC dates are the first day a scraped copy held the entry: later than the true designation "
    "date by up to the interval between scrapes. US listings therefore look later than they were; "
    f"the median lag of {lag_row['median']} days and the {lag_row['UK first']} 'UK first' overstate "
    f"the UK's lead, and same-day listings ({lag_row['same day']}) are undercounted."
))

# %% [markdown]
# ## Coordination-gap ranks with rank intervals
#
# Components (higher = larger gap): the direct ratio, the substitution ratio and the adoption lag.
# Ranks are recomputed on every draw of the substitution estimates; the interval is the range (95%
# unless `alpha` says otherwise)
# of an ally's rank. An ally without all three components is not ranked on the composite; it is
# ranked only on the components every ally has. A kind of measure not adopted counts at its
# censoring bound (shown as ">="): a lower bound, not a last place.

# %%
ranks = coordination.gap_ranks(card, alpha=alpha)
display(ranks.formatted())
display(Markdown(ranks.sentence()))
display(Markdown("**Inference.** " + ranks.inference + "\n\n" + "\n".join(f"- {c}" for c in ranks.caveats)))

# %% [markdown]
# ## Common High Priority goods: the product level
#
# Member states' monthly exports of the Common High Priority goods (tier 1: integrated circuits
# first, then all tiers in the data) against the other goods under export bans in the same
# chapters, to the five hubs (Armenia, Georgia, Kazakhstan, Kyrgyzstan, Uzbekistan; unlike the
# scorecard, Georgia is included) and to Russia, March-November 2022 against January 2020-February
# 2022 (a pre-period that includes the 2020 COVID trough). Treatment varies by good and there are
# few treated goods, so the p-values and intervals come from randomization over goods (`n_perm`
# random reassignments; p-values and interval ends are shown at the digits their Monte Carlo error
# supports, so another seed prints the same figures unless one sits on a rounding boundary). Then
# the hubs' share of the Russian shortfall for the same goods.

# %%
chp = {}
for label, tiers in (("tier " + ", ".join(chp_tiers), chp_tiers), ("all tiers", None)):
    chp[label] = coordination.chp_did(tiers=tiers, alpha=alpha, n_perm=n_perm)
    display(Markdown(f"**{label}**"))
    display(chp[label].formatted())
display(Markdown("Note: " + next(iter(chp.values())).NOTE))
display(Markdown("\n".join(f"- {s}" for r in chp.values() for s in r.sentences().values())))
first = next(iter(chp.values()))
display(Markdown("**Inference.** " + first.inference + "\n\n"
                 + "\n".join(f"- {c}" for c in dict.fromkeys(c for r in chp.values() for c in r.caveats))))

# %%
chp_sub = {
    label: coordination.chp_substitution(tiers=tiers, alpha=alpha, n_draws=n_draws, real=real,
                                         deflator=deflator, base=base_year)
    for label, tiers in (("tier " + ", ".join(chp_tiers), chp_tiers), ("all tiers", None))
}
display(coordination.Robustness(ally="CHP goods", estimates=chp_sub, alpha=alpha,
                                units=prices.units("EUR")).table())
display(Markdown("\n".join(f"- {e.sentence()}" for e in chp_sub.values())))
display(Markdown(
    "**Inference.** " + next(iter(chp_sub.values())).inference + "\n\n"
    + "\n".join(f"- {c}" for c in dict.fromkeys(c for e in chp_sub.values() for c in e.caveats))
))

# %%
n_goods = int(chp["all tiers"].estimates["treated_goods"].max())
note = (f"{n_goods} of the 50 CHP codes have usable data; EU member states only; "
        f"{months_label(*first.post)} only")
display(Markdown(sides.chp_sentence(*chp_sub.values(), chp["all tiers"].shown().loc["hubs"], note)))

# %%
record = coordination.coordination_record(card, ranks, robust, sides, chp, chp_sub)
reporting.record_results(record)
