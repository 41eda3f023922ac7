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
# # Synthetic control: EU exports to Russia and to the re-routing partners, against donor destinations
#
# What would EU27 exports to Russia have been in 2022 and 2023 had they moved like exports to
# comparable destinations? The gap measures the combined effect of the invasion and the sanctions
# that followed (including firms' own withdrawal and Russian counter-measures), not of the
# sanctions alone. Notebook 02
# extrapolates the Russian series itself; here the counterfactual comes from **other destinations**:
# a weighted average of EU exports to destinations that were neither sanctioned nor suspected
# re-routing hubs, with weights chosen so that it tracks exports to Russia over 2010-2021
# (the synthetic control of Abadie, Diamond and Hainmueller 2010). The data are the embedded annual
# Comext panel: EU27 exports to every partner, 2010-2023, at 2021 prices by default (`real`; the
# deflator is named below). A deflator common to every destination moves the treated flow and its
# synthetic control alike (the weights sum to one), so the log gaps are the same in real and
# nominal terms; what it changes is the donor size threshold (then in 2021 prices) and the plain
# changes a reader compares with published, nominal figures.
#
# **Outcome.** EU exports differ by four orders of magnitude across destinations, so the fitted
# outcome is *log exports indexed to each destination's own 2010-2021 mean* (`outcome = "log_index"`):
# donors match the path of the treated flow, not its size, and a gap of `g` log points reads as a
# relative effect `exp(g) - 1`.
#
# **Inference.** Each donor in turn is treated as if sanctioned and fitted from the others
# (placebos in space). Russia is the primary hypothesis and is tested on its own, by two tests
# declared here: per year, by the rank of its gap among the placebos' gaps, each divided by its
# unit's pre-period RMSPE (Firpo and Possebom 2018; the per-year intervals invert this test), and
# over both years together, by the rank of
# its post/pre RMSPE ratio (Abadie et al. 2010), leaving out placebos whose pre-period fit is more
# than `k` times worse than Russia's. These co-primary tests form one family for the verdict on
# Russia, adjusted by Holm; the five re-routing partners form a separate family, also Holm. No
# interval here comes from a normal approximation.

# %%
from sanctions_model.reporting import setup_report; setup_report()  # tables, charts and warnings for readers
from typing import Literal  # the parameters cell below uses it in its type annotations

# %% tags=["parameters"]
partner: str = "RU"  # treated destination [domain: partner of eurostat_comext_annual]
family: list[str] = ["RU", "AM", "GE", "KZ", "KG", "UZ"]  # treated destinations fitted against the same donors: the partner is tested on its own, the others' p-values adjusted as one family (Holm) [domain: country]
intervention: int = 2022  # first post-intervention year [domain: at least 3 years after pre_start]
pre_start: int = 2010  # first year of the pre-period
outcome: Literal["log_index", "log", "index"] = "log_index"  # fitted outcome: log exports indexed to the pre-period mean, log exports, or exports indexed to the pre-period mean
min_donor_exports_bn: float = 1.0  # EUR bn (2021 prices when real); donors need at least this much EU exports in every pre-period year [domain: >= 0]
donor_rule: Literal["no_fuel", "size"] = "no_fuel"  # default pool without fuel-driven donors (OPEC/GCC members in 2021, Gibraltar), or all donors above the size threshold
real: bool = True  # deflate the values to 2021 prices (the nominal fit is a robustness row)
deflator: str | None = None  # price index of sanctions_model.data.prices; None = the default for EUR (euro-area HICP)
k: float = 5.0  # placebos with pre-RMSPE above k times the treated's are left out of the rank [domain: >= 1]
alpha: float = 0.05  # 1 - coverage of the per-year intervals [domain: > 0, < 0.5]
augmented: bool = True  # also fit the ridge-augmented synthetic control (pysyncon AugSynth, about 20 s)
monthly_counterfactual: bool = True  # set the headline beside notebook 02's monthly counterfactual (EU27 exports, 2022-03 on)
n_sims: int = 500  # simulated paths of the monthly counterfactual [domain: >= 100]

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from sanctions_model import data, models, reporting
from sanctions_model.data import prices
from sanctions_model.models.published import EUROSTAT_RU_EXPORTS, base_month_sentence, change_table
from sanctions_model.models.synthetic import fit_synthetic_control, fit_synthetic_controls
from sanctions_model.models.synthetic_checks import pool_comparison, specification_checks
from sanctions_model.models.synthetic_did import fit_synthetic_did
from sanctions_model.models.synthetic_report import (
    augmented_table, augmented_text, comparison_text, donor_pool_text, nominal_record, partners_text, placebo_table,
    pools_table,
    ratio_test_text, readable, rmspe_text, sdid_text, specification_text,
)
from sanctions_model.reporting import format as fmt

pd.set_option("display.max_colwidth", None)  # reasons and comparisons are read whole

# %%
trade = data.load_trade(source="eurostat_comext_annual")
options = dict(intervention=intervention, pre_start=pre_start, outcome=outcome,
               min_donor_exports=min_donor_exports_bn * 1e9, donor_rule=donor_rule, real=real, deflator=deflator)
res = fit_synthetic_control(trade, partner, k=k, alpha=alpha, augmented=augmented, **options)
print(f"{partner}: {len(res.pre_years)} pre-period years ({res.pre_years[0]}-{res.pre_years[-1]}), "
      f"post {res.post_years}, {len(res.weights)} donors. Prices: {res.deflator}. Donor pool: {res.donor_pool}.")

# %% [markdown]
# ## Donor pool
#
# Donors come from `sanctions_model.data.donors.annual_donor_pool`, the one definition of annual
# donors that notebook 03's difference-in-differences and gravity designs use too: no sanctioned,
# war-hit or suspected-hub destinations, no EU member states (their rows are intra-EU flows, not
# export markets), no non-country or non-market partner codes, no destinations with a missing
# pre-period year, and none below the size threshold in some pre-period year (small flows are
# lumpy: one ship or aircraft moves them; and a pool far larger than the 12 pre-period points lets
# the fit interpolate noise). Only pre-period years decide. With `donor_rule = "no_fuel"` (the
# default) the fuel-driven destinations are left out too: Gibraltar (bunker fuel) and the members
# of OPEC or the Gulf Cooperation Council in 2021, a rule fixed before the war that uses no trade
# data. With them in the pool they carried most of the weight and their imports rose with the 2022
# energy prices (compared side by side below). Every destination that is not a donor is counted by
# reason below.

# %%
display(res.excluded.groupby("reason").size().rename("destinations").to_frame())
Markdown(donor_pool_text(res, min_donor_exports_bn))

# %% [markdown]
# ## Pre-period fit and donor weights
#
# The treated flow and its synthetic control on the fitted scale; the dotted line separates the
# pre-period (used to choose the weights) from the post-period.

# %%
fig = res.plot()
plt.show()
display(res.weights_table().assign(weight=lambda d: [fmt.pct(v, signed=False) for v in d["weight"]]))
print(f"Pre-period RMSPE {rmspe_text(res.pre_rmspe)} log points; post-period RMSPE {fmt.number(res.post_rmspe, 2)}.")
# %% [markdown]
# ## Placebos in space
#
# Left: the gap (treated minus synthetic) of every kept placebo in grey and of the treated flow in
# red. Right: the post/pre RMSPE ratios; the treated flow's rank among them gives the p-value
# (1 = largest ratio; the smallest attainable p-value is 1/(placebos + 1)).

# %%
fig = res.plot_placebos()
plt.show()
display(placebo_table(res))
display(Markdown(ratio_test_text(res, partner, k, alpha)))

# %% [markdown]
# ## Donor pools side by side
#
# The fit on the pool as specified and on the other pool. The `size` pool keeps the fuel-driven
# donors; its synthetic Russia climbs with the 2022 energy prices. Without them no convex
# combination follows Russia's own pre-war path as closely (its imports from the EU fell with the
# 2014-16 oil price, like the oil exporters'), so the fit is worse: read both rows.

# %%
other_rule = "size" if donor_rule == "no_fuel" else "no_fuel"
other = fit_synthetic_control(trade, partner, k=k, alpha=alpha, leave_one_out=False, **(options | {"donor_rule": other_rule}))
pools = pool_comparison({f"{donor_rule} (as specified)": res, f"{other_rule} (robustness)": other})
display(pools_table(pools))

# %% [markdown]
# ## Effect per year: Russia, tested on its own
#
# The relative effect is `exp(gap) - 1`. The interval inverts the placebo test of the year's gap:
# it holds the effects `c` for which the treated flow's `|gap - c|`, divided by its pre-period
# RMSPE, would not be among the `alpha` share of largest placebo gaps divided by theirs (Firpo and
# Possebom 2018; the scaling of the ratio test, with a placebo's pre-RMSPE counted as at least
# 1/`k` of the treated's). A flow fitted worse than the placebos therefore gets a wider interval;
# on raw gaps such intervals were too narrow. Its p-value comes from the same placebos, so interval
# and p-value agree. The per-year tests and the ratio test are co-primary: the verdict below
# rests on their Holm-adjusted p-values, so a single per-year p at its floor cannot carry it.
# The intervals are per year (unadjusted). Conformal intervals (Chernozhukov, Wuthrich and Zhu
# 2021) are not shown: with 12 annual pre-periods their smallest p-value is 1/13 (0.077), so no
# conformal interval at the default 95% exists (nor at any level above 92%).

# %%
eff = res.effects()
display(readable(eff, percent=("lower", "upper"), rename={
    "observed": "observed (log index)", "synthetic": "synthetic (log index)", "gap": "gap (log points)"}))
display(res.primary_tests()[["p_value", "p_adjusted", "method"]])
Markdown("\n\n".join([*res.sentences().values(), res.verdict()]))

# %% [markdown]
# ## Leave one donor out
#
# Each donor with positive weight is dropped in turn and the weights refitted. An effect that held
# only because of one donor would move here.

# %%
display(readable(res.leave_one_out, rmspe=("pre_rmspe",)).assign(
    weight=[fmt.pct(v, signed=False) for v in res.leave_one_out["weight"]]))
if res.augmented is not None:
    print("Augmented synthetic control (ridge outcome model, Ben-Michael, Feller and Rothstein 2021):")
    display(augmented_table(res))
    display(Markdown(augmented_text(res)))

# %% [markdown]
# ## Specification checks
#
# The same fit under other choices a reader could defend: log levels or plain indexed levels instead
# of indexed logs, a smaller or larger size threshold for donors, a pre-period starting after the
# 2014 sanctions, a stricter or looser placebo filter, a pool without the fuel-driven destinations
# (Gibraltar and the oil exporters, whose EU imports rose with the 2022 energy prices), and a pool
# without Serbia, Moldova, India and Turkmenistan (not aligned with the EU sanctions; plausible
# secondary routes or beneficiaries). "as specified" is this notebook's settings.

# %%
checks = specification_checks(trade, partner, k=k, alpha=alpha, **options)
display(readable(checks, rename={"p_value": "p_value (RMSPE ratio)"}))
spec_text, spec_range, spec_p_range = specification_text(checks, alpha)
Markdown(spec_text)

# %% [markdown]
# ## Synthetic difference-in-differences
#
# The same donors, a different estimator (Arkhangelsky et al. 2021): log exports, unit weights that
# make the donors run parallel to the treated flow before 2022 (a ridge penalty spreads them), time
# weights on the pre-period years that best predict the donors' post-period level, and the weighted
# difference in differences. Inference by placebos in space over all the donors, with no pre-fit
# filter: the p-value is Russia's rank among the donors plus itself (so its floor differs from the
# synthetic control's, which leaves out badly fitted placebos), and the interval inverts that test,
# as for the synthetic control; it is not the normal placebo-variance interval of Arkhangelsky et al.

# %%
sdid = fit_synthetic_did(trade, partner, alpha=alpha, **{k_: v for k_, v in options.items() if k_ != "outcome"})
sd = sdid.to_frame()
display(readable(sd, percent=("lower", "upper"), rename={"tau": "tau (log points)"}))
display(sdid.weights[sdid.weights > 1e-3].sort_values(ascending=False).map(lambda v: fmt.pct(v, signed=False)).to_frame().T)
print("Time weights:", ", ".join(f"{y}: {fmt.number(v, 2)}" for y, v in sdid.time_weights.items() if v > 1e-3))
display(Markdown(sdid_text(sdid, res, partner)))

# %% [markdown]
# ## Russia and the five re-routing partners
#
# The same donor pool and placebos for Russia and the five re-routing partners. Russia is the
# primary hypothesis and keeps its own p-value. The five partners form a separate family: five
# p-values answer one question ("did EU exports to these destinations move differently from the
# donor destinations after 2021?"), so they are adjusted together (Holm).

# %%
treated = list(dict.fromkeys([partner, *family]))
fam = fit_synthetic_controls(trade, treated, k=k, alpha=alpha, leave_one_out=False, primary=[partner], **options)
table = fam.to_frame()
display(readable(table, rename={"p_value": "p_value (RMSPE ratio)", "p_adjusted": "p_adjusted (Holm, partners)"}))
print(fam.family)
if len(table) > 1:
    display(Markdown(partners_text(table, partner, res.post_years[-1])))

# %% [markdown]
# ## Beside the monthly counterfactual and Eurostat's figure
#
# Three numbers answer three different questions; the table says what each compares.

# %%
own = trade[trade["partner"] == partner]
annual = pd.Series(own["value"].to_numpy(), index=own["period"].dt.year.to_numpy())
last = res.post_years[-1]
annual_real = prices.deflate(annual, "EUR", deflator=deflator) if real else None
plain = change_table(annual, annual_real, first=intervention - 1, last=last, deflator=res.deflator,
                     published=EUROSTAT_RU_EXPORTS if partner == "RU" else None)
raw = float(plain["change"].iloc[-2 if partner == "RU" else -1])  # real when deflated, else nominal

# %%
cf = None
if monthly_counterfactual:
    monthly = data.load_trade("eurostat_comext", reporter="EU27_2020", partner=partner, flow="export", start="2019-01")
    y_nominal = monthly.set_index("period")["value"].sort_index()
    y = prices.deflate(y_nominal, "EUR", deflator=deflator) if real else y_nominal
    cf = models.estimate_counterfactual(y, "2022-03", log=True, n_sims=n_sims, alpha=alpha)
    cf_window = f"2022-03 to {pd.Period(y.index.max(), freq='M')}"

# %%
estimates = pd.DataFrame(
    [("Synthetic control (this notebook)", str(yr), r["effect"], "against the weighted donor destinations")
     for yr, r in res.effects().iterrows()]
    + [("Synthetic DiD (this notebook)", f"{intervention}-{last}, average", sdid.to_frame().loc["average", "effect"],
        "against the donors, in differences from weighted pre-period years")]
    + ([(f"Monthly counterfactual (this notebook's fit, {n_sims} paths)", cf_window, cf.average_effect,
         "against the flow's own extrapolated 2019-2022 path")] if cf is not None else []),
    columns=["source", "period", "effect", "compares"],
)  # fmt: skip
display(readable(estimates))
display(readable(plain, percent=("change",)))

# %%
ru_month = None
if partner == "RU":
    ru_month = base_month_sentence(y_nominal if monthly_counterfactual else data.load_trade(
        "eurostat_comext", reporter="EU27_2020", partner=partner, flow="export").set_index("period")["value"])
Markdown(comparison_text(res, plain, raw, real=real, base_month=ru_month, cf=cf,
                         cf_last_month=y.index.max() if cf is not None else None, n_sims=n_sims))

# %% [markdown]
# ## Caveats
#
# What this design cannot rule out, as recorded with the results.

# %%
Markdown("\n".join(f"- {c}" for c in res.caveats))

# %%
record = res.record()
record |= {
    "partner": partner,
    "outcome": outcome,
    "donors": len(res.weights),
    "family": {code: {"p_value": row["p_value"], "p_adjusted": row["p_adjusted"],
                      **{c: row[c] for c in table.columns if c.startswith("effect_")}}
               for code, row in table.iterrows()},
    "family_adjustment": str(fam.adjusted.drop(index=partner)["method"].iloc[0]) if len(fam.adjusted) > 1 else "none",
    "family_primary": partner,
    "raw_change": raw,
    "raw_change_nominal": float(plain["change"].iloc[0]),
    "real": real,
    "deflator": res.deflator,
    "donor_rule": donor_rule,
    "sc_other_pool": {"donor_rule": other_rule, **{k_: v for k_, v in other.record().items()
                                                    if k_.startswith(("sc_effect", "sc_p_placebo", "sc_rank", "sc_pre_rmspe"))}},
}

# %%
record["specification_range"] = spec_range  # point estimates, not an interval
record["specification_p_range"] = spec_p_range
record["sc_nominal"] = nominal_record(checks)  # the nominal fit: its own donor pool and figure
record["sdid_effect"] = {str(y): v for y, v in sdid.to_frame()["effect"].items()}
record["sdid_p"] = {str(y): v for y, v in sdid.to_frame()["p_value"].items()}
if res.augmented is not None:
    record["asc_effect"] = {str(y): v for y, v in res.augmented["effect"].items()}
if cf is not None:
    record["monthly_counterfactual_effect"] = cf.average_effect
    ci = cf.conf_int().loc["average"]  # at the run's alpha, as the sentence prints it
    record["monthly_counterfactual_lower"] = float(ci["lower"])
    record["monthly_counterfactual_upper"] = float(ci["upper"])
    record["monthly_counterfactual_window"] = cf_window
    record["monthly_counterfactual_inference"] = cf.inference
if partner == "RU":
    record["eurostat_published"] = EUROSTAT_RU_EXPORTS.value
    record["eurostat_published_prices"] = EUROSTAT_RU_EXPORTS.prices
reporting.record_results(record)
