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
# # Sanction effect on one trade flow
#
# How far did one flow move away from what it would have been without sanctions? The counterfactual
# is a structural time-series model fitted on the months before the intervention and projected
# forward; the gap between the observed flow and the projection is the effect. Which model
# (local level, local linear trend or random walk with drift, with or without a monthly seasonal
# pattern) is chosen by how well each forecast the pre-period out of sample. Intervals include the
# uncertainty of the model's parameters, not only its noise; the interval and the p-value come from
# the same simulated paths, and the sentences below are written from them. What could make the
# numbers unreliable is listed as caveats, here and in `results.json`.
#
# Values are in real terms by default: deflated to 2021 prices (EUR by euro-area consumer prices,
# USD by US consumer prices, unless `deflator` names another index), because 2022-23 prices rose
# fast and a counterfactual in current prices reads part of that rise as trade. Controls that are
# money amounts (Brent in USD per barrel) are deflated too, each by its own currency's index. The
# same procedure in current prices is shown as a robustness row. Published figures (Eurostat's -61%)
# are nominal. Printed figures are rounded to what the simulations support (their Monte Carlo
# errors), so a rerun with another seed or on another machine prints the same numbers.

# %%
from sanctions_model.reporting import setup_report; setup_report()  # tables, charts and warnings for readers
from typing import Literal  # the parameters cell below uses it in its type annotations

# %% tags=["parameters"]
reporter: str = "EU27_2020"  # reporting country (ISO 3166 alpha-2) or EU27_2020 (summed over the member states when the dataset has no EU total) [domain: country]
partner: str = "RU"  # partner country (ISO 3166 alpha-2) [domain: partner]
flow: Literal["export", "import"] = "export"  # direction of trade, from the reporter's side [domain: flow]
product: str | None = None  # product code, e.g. "27" (HS 27, mineral fuels); None: total trade [domain: product]
source: str = "eurostat_comext"  # trade dataset: an embedded name or a cached fetch [domain: dataset trade]
pre_start: str = "2019-01"  # first month used to fit the counterfactual [domain: period]
intervention: str = "2022-03"  # first month of the sanctions regime [domain: period, at least 21 months after pre_start]
anticipation: int = 2  # months before the intervention left out of the fit (2: 2022-01/02, the build-up and the US warnings); their own gap is reported apart, the headline runs from the intervention [domain: >= 0, <= 12]
end: str | None = None  # last month analysed (None: the last month of the data) [domain: period]
real: bool = True  # deflate values to 2021 prices (the nominal estimate is kept as a robustness row)
deflator: str | None = None  # price index for real=True: "hicp_ea", "cpi_u", "us_export_prices"; None: the currency's default
deflator_stress: float | None = 2.0  # sensitivity row: the default deflator with its rise since 2021 times this (2: export prices rose twice as fast); None: no row [domain: > 0]
trend: Literal["auto", "local level", "local linear trend", "random walk with drift", "level, drift + AR(1)"] = "auto"  # trend component; auto: chosen by rolling-origin backtest
seasonal: Literal["auto", "monthly", "none"] = "auto"  # fixed monthly seasonal component; auto: chosen by the backtest
controls: list[str] = []  # control series as "dataset:indicator" (e.g. "fred:POILBREUSDM") or "dataset:reporter:partner:flow"; none: the counterfactual is an extrapolation
control_loading: Literal["estimated", "one"] = "estimated"  # estimated: controls are regressors fitted on the pre-period; one: the flow relative to one control (shocks both share cancel)
log: bool = True  # model log values, so effects are relative (-0.5 = -50%)
alpha: float = 0.05  # 1 - coverage of the intervals [domain: > 0, < 0.5]
n_sims: int = 40000  # simulated counterfactual paths (one parameter draw per 10 paths, from scrambled Sobol points) [domain: >= 100]
n_placebos: int = 6  # pseudo-intervention dates of the placebo backtest, spread over the pre-period [domain: >= 1]
event_jurisdiction: str = "EU"  # jurisdiction whose measures enter the intervention model [domain: country]
event_measures: list[str] = ["EU package 4", "EU crude oil embargo applies"]  # measures from the events timeline (at least 6 months apart; those acting on the other direction of trade are left out)
event_kind: Literal["step", "pulse", "ramp"] = "step"  # shape of each measure's regressor

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from sanctions_model import data, models, reporting
from sanctions_model.data import prices
from sanctions_model.models.breaks.report import run_break_tests
from sanctions_model.models.counterfactual.anticipation_window import anticipation_caveat, anticipation_sensitivity, anticipation_table
from sanctions_model.models.counterfactual_report import price_basis_results, price_basis_table, report_markdown, series_results
from sanctions_model.models.deflator_sensitivity import counterfactual_headline, deflator_sensitivity, sensitivity_record, sensitivity_table
from sanctions_model.models.real_controls import controls_line, deflate_controls
from sanctions_model.models.seasonal import applies_to, compare_with_published
from sanctions_model.reporting import format as fmt

# %%
nominal_y = models.load_flow(source, reporter, partner, flow, product, start=pre_start, end=end)
y = models.load_flow(source, reporter, partner, flow, product, start=pre_start, end=end, real=True, deflator=deflator) if real else nominal_y
deflator_name = prices.deflator_label(y.attrs["deflator"]) if real else None
nominal_x = models.load_controls(controls, start=pre_start, end=end)
x = deflate_controls(nominal_x, deflator=deflator, within=y.index) if real else nominal_x  # each in its own currency
timeline = data.load_events(jurisdiction=event_jurisdiction)
known_events = {row.measure: pd.Period(row.date, "M") for row in timeline.itertuples()}
subject = f"{reporter} {flow}s {'to' if flow == 'export' else 'from'} {partner}" + (f", HS {product}" if product else "")
print(f"{subject}: {y.notna().sum()} months with data, {y.index.min()} to {y.index.max()}, in {y.attrs['unit']}" + (f" (deflated with {deflator_name})" if real else ""))
print("Controls:", controls_line(controls, x))
print("\n".join(f"Note: {c}" for c in y.attrs["caveats"]))

# %% [markdown]
# ## The flow, seasonally adjusted
#
# Monthly trade has a strong calendar pattern (December and the summer months), so headlines are
# usually stated on seasonally adjusted series. The adjusted series below comes from a robust STL
# decomposition of the log values (the 2020 lockdown and the 2022 break do not distort the seasonal
# pattern much); it is for reading the chart and for comparing with Eurostat's adjusted figures, not
# an input of the counterfactual, which models the seasonal pattern itself.

# %%
sa = models.seasonally_adjust(y.dropna())
fig = sa.plot(title=f"{subject}: observed and seasonally adjusted (STL)", units=y.attrs["unit"])
plt.show()

# %% [markdown]
# ## Which model? A backtest on the pre-period
#
# Each candidate model is fitted on the pre-period; then, from every month in its second half, it
# forecasts the following months from the data before that month only. The continuous ranked
# probability score (CRPS) rewards forecasts that are both close and honestly uncertain; the model
# with the lowest mean CRPS is used; candidates that score within 5% of it contribute
# simulated paths too, so the interval also carries the uncertainty of a choice the backtest
# cannot make firmly. The level with drift and AR(1) deviations is always added to the pool: a
# backtest of at most 12 months ahead cannot see a drift that goes on over a longer post-period
# (without it, 12.5% of simulated flows shaped like these rejected a true null; with it, 3.3%).
# Set `trend` or `seasonal` to fix the choice.
#
# The fit ends `anticipation` months before the intervention (by default 2: January and February
# 2022, when the Russian build-up and the US warnings already moved trade). Fitted as part of the
# pre-period, a fall that starts early lowers the counterfactual: in simulations of a -0.3 fall
# starting two months early (120 series) the fit through February estimated -0.12 for a true
# -0.26; leaving the two months out, -0.23, with size 2.5% and coverage 97.5%. The price is a
# wider interval (power against a -0.3 step without anticipation 42.5% -> 28.3%; docs/methods.md).
# Those months' own gap is reported apart, with its interval; the headline runs from the
# intervention. The model choice and the placebo backtest leave out the same months. Without a
# control series the estimate is every change that hit the flow from then on (for Russia the war
# itself, the rouble, the recession), not the sanctions alone: the report says so. The embedded
# data hold no clean control for exports to Russia (the monthly hubs are where trade was
# re-routed). With a control that shares the destination's shocks, `control_loading="one"`
# models the flow relative to it, so a shock both share cancels even if it never showed before
# the intervention (a fitted loading learns about zero then: 15% false rejections in
# simulations, 0% with loading one).

# %%
options = dict(controls=x, log=log, trend=trend, seasonal={"auto": "auto", "monthly": 12, "none": None}[seasonal],
               alpha=alpha, n_sims=n_sims, n_param_draws=max(50, n_sims // 10), known_events=known_events,
               anticipation=anticipation, control_loading=control_loading)
cf = models.estimate_counterfactual(y, intervention, units=y.attrs["unit"], **options)
cf_nominal = models.estimate_counterfactual(nominal_y, intervention, units=nominal_y.attrs["unit"], **{**options, "controls": nominal_x}) if real else None
display(cf.model_choice if cf.model_choice is not None else Markdown(f"Model fixed by the parameters: {cf.model_chosen}"))

# %% [markdown]
# ## Counterfactual
#
# Top: observed and counterfactual with its interval. Middle: the monthly effect. Bottom: the
# cumulative effect. Below the chart: the headline in real terms and, as a robustness row, the
# same procedure on the flow in current prices; then the deflator's sensitivity: the headline
# under every shipped price index of the currency and under a hypothetical one that rises
# `deflator_stress` times as much as the default since 2021 (no export price index could be
# shipped, and export prices rose faster than consumer prices in 2022). Last, the headline with
# other anticipation windows: none and six months left out. Two months protect the headline from a
# fall that starts up to two months early and from nothing earlier (a fall ramping in from 2021-09
# left it 40-46% too small in a referee's simulations); a caveat says when the windows disagree.

# %%
fig = cf.plot(title=f"{subject}: observed and counterfactual ({cf.price_basis})")
plt.show()
display(price_basis_table(cf, cf_nominal, deflator=deflator_name))
sens = deflator_sensitivity(nominal_y, counterfactual_headline(intervention, known={y.attrs["deflator"]: cf, "nominal": cf_nominal}, **options),
                            stress=deflator_stress) if real else None
display(sensitivity_table(sens)) if sens is not None else None
windows = anticipation_sensitivity(cf, y, intervention, **options)  # the headline with no months and six months left out
display(anticipation_table(windows))
window_caveat = anticipation_caveat(windows)
display(Markdown(f"**Caveat:** {window_caveat[0].upper()}{window_caveat[1:]}.")) if window_caveat else None
cf.summary()

# %%
Markdown(report_markdown(cf, subject, deflator=deflator_name, partner=partner))

# %%
comparison, why = compare_with_published(models.seasonally_adjust(nominal_y.dropna()), cf, nominal=cf_nominal,
                                         applies=applies_to(reporter, partner, flow, product))
if applies_to(reporter, partner, flow, product):
    display(Markdown("## Against Eurostat's seasonally adjusted headline\n\nEurostat reports that EU exports to "
                     "Russia fell by 61% between February 2022 and September 2023, on seasonally adjusted data in "
                     "current prices. The table sets this flow's own adjusted change over those months beside the "
                     "counterfactual effects; the text says why the numbers differ."))
    display(comparison.assign(change=[fmt.pct(v) for v in comparison["change"]]))
    display(Markdown(" ".join(why)))

# %% [markdown]
# ## Placebo backtest
#
# The whole procedure (model choice, model averaging, parameters) rerun at pseudo-interventions
# spread over the pre-period, each on the months before it only, where the true effect is zero: a
# method that finds "effects" there would not be credible after the real one. The false-positive
# rate should be near the nominal 5%; the bias is the mean placebo effect. A pre-period too short
# for pseudo-dates skips this check (the estimate above stands) and says so.

# %%
placebo = cf.placebo_test(n_placebos=n_placebos, n_sims=min(n_sims, 10000))
if not placebo.skipped:
    display(placebo)
Markdown(placebo.sentence())

# %% [markdown]
# ## Intervention regression
#
# A regression of log values on month dummies and a trend with ARMA errors (AR order at least 1,
# chosen by BIC), plus a step for each sanctions measure chosen from the events timeline. Only
# measures that act on this direction of trade enter (energy embargoes restrict EU *imports*, so they
# never enter an export series), and only measures at least six months apart: the 2022 packages came
# weeks apart, so one step carries every measure since the previous step, and the caveats below say
# which. A coefficient is the change in level from that month on, in percent, given the earlier
# steps. p-values are shown raw and adjusted across the measures of the fit (Holm). In simulations
# the 95% intervals of this model covered a planted step in 78-91% of series (AR errors of 0.6 to
# 0.9): read them as too narrow, and the p-values as too small.

# %%
selection = models.select_events(timeline, event_measures, flow=flow, jurisdiction=event_jurisdiction, start=pre_start, end=end)
iv = models.fit_intervention(y.dropna(), selection.events, kind=event_kind, log=log, alpha=alpha, caveats=selection.caveats)
if len(selection.dropped):
    display(selection.dropped.rename(columns={"measure": "measure left out", "reason": "why"}).set_index("measure left out"))
iv.summary()

# %%
fig = iv.plot()
plt.show()

# %% [markdown]
# ## Structural breaks
#
# A Chow test at the intervention month (and, with `anticipation` months, a second one at the first
# month left out of the counterfactual's fit: a fall that began there is split by a test at the
# intervention, which halved its power in a referee's simulations), the Andrews sup-Wald (Quandt likelihood ratio, QLR) test
# for a break at an unknown month, and the CUSUM test of stability. Monthly trade wanders around its
# trend in long, autocorrelated swings, and its volatility changes (calm before 2022, volatile after):
# the textbook versions of these tests find "breaks" in most series that have none. Every p-value
# here therefore comes from a wild AR-sieve bootstrap that keeps the series' own autocorrelation,
# up to a random walk, and the timing of its volatility (9,999 replications); it resamples the
# innovations of the model *with* the break, so the bootstrap does not rebuild the break it tests.
# The COVID months (2020-04/05) and any isolated outlier month (a one-month spike, not a step)
# enter every test and every bootstrap path as one-month dummies, named below the table: one
# outlier month had made the unknown-date tests reject a true "no break" in 19-24% of simulated
# series, and with the dummies they reject in 1-7%.
# Chow and QLR use Newey-West Wald statistics and the CUSUM adds up residuals scaled by their local
# spread. In simulations (200 series, AR(1) errors of 0.6-0.8, 5% tests) they rejected a true "no
# break" in 4.5-5.5% of series when the errors' s.d. tripled at 2022-03 with no change in mean, and
# in 4.5-6.5% when the errors carried a random walk. Against a -0.3 fall amid that variance change
# (100 series) the Chow test at the known month found it in 81%, the unknown-date tests in 24-39%:
# a search over all months has much less power. QLR is run twice: with a shift in level only, and
# with a shift in level and trend, which fits a flow that kept falling after the break. The
# month with the largest statistic is where the series changed most, not necessarily because of
# sanctions: a break dated to 2020 is COVID.

# %%
breaks = run_break_tests(y, intervention, log=log, n_reps=9999, anticipation=anticipation)
display(breaks.table())
Markdown(breaks.notes())

# %% [markdown]
# ## Sanctions measures in the window
#
# From the events timeline; each row cites its legal act.

# %%
events = data.load_events()
window = events[(events["date"] >= pd.Timestamp(pre_start)) & (events["date"] <= (pd.Timestamp(end) if end else events["date"].max()))]
display(window[["jurisdiction", "date", "measure", "kind", "legal_act"]])

# %%
headline = cf.to_results(partner=partner)
reporting.record_results({
    "reporter": reporter, "partner": partner, "flow": flow, "product": product or "TOTAL", "intervention": intervention,
    **{k: headline[k] for k in ("effect", "lower", "upper", "p_value", "p_is_upper_bound", "p_at_alpha", "mc_se", "inference",
                                "model_chosen", "caveats", "converged", "sentence", "models_averaged", "scale",
                                "pre_period", "post_period", "units", "anticipation", "control_loading",
                                "estimate_includes")},
    "caveats": [*headline["caveats"], *([window_caveat] if window_caveat else [])],
    "real": real, "deflator": y.attrs["deflator"], "deflator_label": deflator_name,
    "nominal": price_basis_results(cf_nominal),
    "deflator_sensitivity": sensitivity_record(sens) if sens is not None else None,
    "anticipation_sensitivity": sensitivity_record(windows) | {"caveat": window_caveat},
    "controls": list(controls),
    "controls_deflated": x.attrs.get("deflated", {}) if real and x is not None else {},
    "counterfactual_series": series_results(cf),
    "cumulative": {"effect": headline["cumulative_effect"], "lower": headline["cumulative_lower"], "upper": headline["cumulative_upper"]},
    "model_choice": None if cf.model_choice is None else cf.model_choice.to_frame()[["crps", "log_score", "coverage_95"]].to_dict(orient="index"),
    "placebo": placebo.to_results(),
    "sa_comparison": {row.source: row.change for row in comparison.itertuples()},
    "intervention_effects": {k: float(v) for k, v in iv.effects["relative"].items()},
    "intervention_inference": iv.inference,
    "intervention_caveats": list(iv.caveats),
    **breaks.to_results(),
})
