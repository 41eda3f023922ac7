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
#    below theirs. It is an *upper bound* on re-routing: the excess also holds the hubs' own demand
#    growth.
# 4. **List overlap** between the US (OFAC, program RUSSIA-EO14024) and the UK (regime RUS), names
#    matched across spellings, and listing lags.
# 5. **Adoption timing** from the audited events timeline.
#
# Then the coordination-gap ranks with their intervals, and the product level: Common High Priority
# ("battlefield") goods, where re-routing is expected if anywhere.

# %%
from sanctions_model.reporting import setup_report; setup_report()  # tables, charts and warnings for readers
from typing import Literal  # the parameters cell below uses it in its type annotations

# %% tags=["parameters"]
base_year: int = 2021  # reference year of the direct ratio and last year of the trend fits
year: int = 2023  # year compared with base_year (substitution over base_year + 1 .. year)
pre_start: int = 2016  # first year of the pre-war trend fits (IMF IMTS starts in 2016)
n_draws: int = 2000  # joint counterfactual draws per ally
alpha: float = 0.05  # 1 - coverage of the intervals
threshold: float = 90.0  # name-matching threshold (0-100) of the US-UK list comparison
timing_start: str = "2022-02-21"  # only measures adopted from this date count for timing [domain: date]
chp_tiers: list[str] = ["1"]  # Common High Priority tiers treated first (1 = integrated circuits)
n_perm: int = 999  # randomization draws of the CHP difference in differences

# %%
import pandas as pd
from IPython.display import Markdown, display

from sanctions_model import coordination
from sanctions_model import reporting
from sanctions_model.reporting import format as fmt

# %% [markdown]
# ## The ally scorecard
#
# Direct ratio = Russia's imports from the ally in `year` over `base_year`. Hubs = the four hubs'
# imports from the ally in `year` (Armenia's published series ends in January 2023 and is left out
# of 2023 totals). Substitution with its 95% interval (Fieller-type, from joint draws of
# trend-with-drift counterfactuals; a point estimate that is a ratio of expected values);
# `p (BH)` adjusts the allies' p-values for "no excess" as one family (Benjamini-Hochberg).
# Allies whose shortfall is not clearly positive have no ratio ("not identified").

# %%
card = coordination.ally_scorecard(
    base_year, year, pre_start=pre_start, alpha=alpha, n_draws=n_draws, threshold=threshold,
    timing_start=timing_start,
)
display(card.formatted())

# %%
display(Markdown("\n\n".join(
    f"- {card.sentences()[a]}" for a in ("EU27_2020", "US", "GB", "JP", "CH") if a in card.sentences()
)))
display(Markdown("**Inference.** " + card.inference + "\n\n" + "\n".join(f"- {c}" for c in card.caveats)))

# %% [markdown]
# ### The EU27 aggregate next to the EBRD benchmark
#
# Chupilkin, Javorcik and Plekhanov (2023, "The Eurasian roundabout", EBRD) find that re-routing
# through the Caucasus and Central Asia offsets well under 10% of the fall in the EU's and other
# sanctioning countries' direct exports to Russia in aggregate, more for specific goods. Below, the
# same ratio for the EU27 from two sides: the hubs' and Russia's records (the scorecard), and the
# EU's own export statistics (Eurostat, annual, trends fitted on 2015-2021, Georgia included).

# %%
eu_side = coordination.eu27_substitution(
    post=(str(base_year + 1), str(year)), alpha=alpha, n_draws=n_draws
)
hub_side = card.substitution.estimates["EU27_2020"]
rows = {
    "hubs' and Russia's records (USD)": hub_side,
    "EU export statistics (EUR)": eu_side,
}
display(pd.DataFrame({
    "substitution (upper bound)": [fmt.ratio(e.ratio) for e in rows.values()],
    f"{1 - alpha:.0%} interval": [f"{fmt.ratio(e.conf_int()[0])} to {fmt.ratio(e.conf_int()[1])}" for e in rows.values()],
    "shortfall": [fmt.money(e.shortfall, e.currency) for e in rows.values()],
    "excess in the hubs": [fmt.money(e.excess, e.currency) for e in rows.values()],
    "EBRD benchmark": ["well under 0.10"] * 2,
}, index=list(rows)))

# %%
lo, hi = hub_side.conf_int()
elo, ehi = eu_side.conf_int()
inside = "within" if hi < 0.10 else ("consistent with" if lo < 0.10 else "above")
display(Markdown(
    f"On the hubs' own records the EU27 ratio is {fmt.ratio(hub_side.ratio)} "
    f"({fmt.ratio(lo)} to {fmt.ratio(hi)}): {inside} the EBRD's 'well under 10%'. "
    f"On the EU's export statistics it is {fmt.ratio(eu_side.ratio)} ({fmt.ratio(elo)} to "
    f"{fmt.ratio(ehi)}). Both are upper bounds on re-routing. They differ because the EU side "
    "counts Georgia and Armenia in both years, values exports as the EU declares them (goods "
    "declared for a hub may travel on), and fits longer trends (2015-2021); the hubs' side "
    "measures the shortfall in Russia's (IMF-estimated) imports."
))

# %% [markdown]
# ## US and UK designation lists
#
# Subjects on OFAC's list under RUSSIA-EO14024 and on the UK list under the Russia regime, matched
# by name across transliterations (the threshold is stated below; dates of birth reject matches
# where both lists carry them). Listing lags leave out censored dates: OFAC entries already in the
# first scraped copy (2021-08-18) and UK carry-overs dated 2020-12-31.

# %%
ov = card.overlap
display(Markdown(f"Names matched at threshold **{ov.config.threshold:g}** of 100; {len(ov.matches):,} subjects on both lists."))
display(ov.coverage())
display(ov.lag_summary())

# %% [markdown]
# ## Coordination-gap ranks with rank intervals
#
# Components (higher = larger gap): the direct ratio, the substitution ratio and the adoption lag.
# Ranks are recomputed on every draw of the substitution estimates; the interval is the 95% range
# of an ally's rank. An ally without all three components is not ranked on the composite; it is
# ranked only on the components every ally has. A kind of measure not adopted counts at its
# censoring bound (shown as ">="): a lower bound, not a last place.

# %%
ranks = coordination.gap_ranks(card, alpha=alpha)
display(ranks.formatted())
display(Markdown("**Inference.** " + ranks.inference + "\n\n" + "\n".join(f"- {c}" for c in ranks.caveats)))

# %% [markdown]
# ## Common High Priority goods: the product level
#
# Member states' monthly exports of the Common High Priority goods (tier 1: integrated circuits
# first, then all tiers in the data) against the other goods under export bans in the same
# chapters, to the hubs and to Russia, 2022 against 2020-01..2022-02. Treatment varies by good and
# there are few treated goods, so the p-values and intervals come from randomization over goods.
# Then the hubs' share of the Russian shortfall for the same goods.

# %%
chp = {}
for label, tiers in (("tier " + ", ".join(chp_tiers), chp_tiers), ("all tiers", None)):
    chp[label] = coordination.chp_did(tiers=tiers, alpha=alpha, n_perm=n_perm)
    display(Markdown(f"**{label}**"))
    display(chp[label].formatted())
display(Markdown("\n".join(f"- {s}" for r in chp.values() for s in r.sentences().values())))
display(Markdown("**Inference.** " + next(iter(chp.values())).inference + "\n\n"
                 + "\n".join(f"- {c}" for c in next(iter(chp.values())).caveats)))

# %%
chp_sub = {
    label: coordination.chp_substitution(tiers=tiers, alpha=alpha, n_draws=n_draws)
    for label, tiers in (("tier " + ", ".join(chp_tiers), chp_tiers), ("all tiers", None))
}
display(pd.DataFrame({
    "hubs' excess per EUR of shortfall to Russia": [fmt.ratio(e.ratio) for e in chp_sub.values()],
    f"{1 - alpha:.0%} interval": [f"{fmt.ratio(e.conf_int()[0])} to {fmt.ratio(e.conf_int()[1])}" for e in chp_sub.values()],
    "shortfall to Russia": [fmt.money(e.shortfall) for e in chp_sub.values()],
    "excess to the hubs": [fmt.money(e.excess) for e in chp_sub.values()],
}, index=list(chp_sub)))
display(Markdown("\n".join(f"- {e.sentence()}" for e in chp_sub.values())))

# %% [markdown]
# **Reading against the EBRD.** The EBRD's roundabout-trade finding is larger for specific
# goods than in aggregate. Here the share of the lost CHP exports to Russia that reappears in the
# hubs is read from the table above, next to the aggregate ratio of the scorecard; the DiD says
# whether CHP goods to the hubs grew faster than other banned goods to the same hubs. Differences
# from the EBRD come from the coverage (19 of 50 CHP codes, EU member states only, 2022 only) and
# the counterfactual (pre-war trends rather than the EBRD's comparison with other destinations).

# %%
t = card.table
sub = t.dropna(subset=["substitution"])
record = {
    "direct_ratio": {a: float(v) for a, v in t["direct_ratio"].dropna().items()},
    "substitution": {
        a: {"estimate": float(r["substitution"]), "lower": float(r["substitution_lower"]),
            "upper": float(r["substitution_upper"]), "p_adjusted": float(r["p_adjusted"])}
        for a, r in sub.iterrows()
    },
    "eu27_ratio": {"hubs_side": float(hub_side.ratio), "hubs_side_lower": float(lo),
                   "hubs_side_upper": float(hi), "eu_side": float(eu_side.ratio),
                   "eu_side_lower": float(elo), "eu_side_upper": float(ehi),
                   "ebrd_benchmark": "well under 0.10"},
    "us_uk_overlap": {"threshold": float(ov.config.threshold), "matched": int(len(ov.matches)),
                      "share_of_uk_on_us": float(ov.overlap_matrix("share").loc["GB", "US"]),
                      "share_of_us_on_uk": float(ov.overlap_matrix("share").loc["US", "GB"])},
    "index_ranks": {a: {"rank": None if r["rank_full"] is pd.NA else int(r["rank_full"]),
                        "lower": None if r["rank_full"] is pd.NA else int(r["rank_full_lower"]),
                        "upper": None if r["rank_full"] is pd.NA else int(r["rank_full_upper"]),
                        "common_rank": int(r["rank_common"])}
                    for a, r in ranks.table.iterrows()},
    "chp_did": {label: {g: {k: float(row[k]) for k in ("estimate", "lower", "upper", "p_value")}
                        for g, row in r.estimates.iterrows()} for label, r in chp.items()},
    "chp_substitution": {label: {"estimate": float(e.ratio), "lower": float(e.conf_int()[0]),
                                 "upper": float(e.conf_int()[1])} for label, e in chp_sub.items()},
    "inference": {"substitution": card.inference, "ranks": ranks.inference,
                  "chp": next(iter(chp.values())).inference},
    "caveats": {"scorecard": list(card.caveats), "ranks": list(ranks.caveats),
                "chp": list(next(iter(chp.values())).caveats)},
}
reporting.record_results(record)
