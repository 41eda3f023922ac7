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
# # Data overview
#
# What the embedded data holds: every dataset with its publisher and coverage, the monthly EU exports
# to Russia and to the suspected re-routing partners, quality flags, and the sanctions timeline that
# drives the models' intervention dates. All figures are Eurostat, IMF, FRED and UK FCDO data as
# published (see `data/SOURCES.md`): values in current prices. The models work in real terms; the
# price indices they deflate with are shown below.

# %%
from sanctions_model.reporting import setup_report; setup_report()  # tables, charts and warnings for readers
from typing import Literal  # the parameters cell below uses it in its type annotations

# %% tags=["parameters"]
reporter: str = "EU27_2020"  # reporter whose exports are charted (ISO 3166 alpha-2 or EU27_2020) [domain: reporter]
partners: list[str] = ["RU", "AM", "GE", "KZ", "KG", "UZ"]  # partner countries (ISO 3166 alpha-2) [domain: partner]
source: str = "eurostat_comext"  # trade dataset: an embedded name or a cached fetch [domain: dataset trade]
base_year: int = 2021  # base year of the index chart

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from sanctions_model import data, reporting
from sanctions_model.data import prices
from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.labels import place

# %% [markdown]
# ## Datasets
#
# Each dataset is read from the publisher's file with a reader for that format, checked against its
# sha256 in `data/manifest.json`, and validated against the suite's tidy schema.

# %%
catalog = data.catalog()
display(catalog[["dataset", "kind", "publisher", "rows", "first", "last"]])

# %% [markdown]
# ## Monthly exports
#
# Exports in EUR million, and the same series as an index of their average month in the base year
# (log scale, 3-month average). The dashed line marks February 2022.

# %%
trade = data.load_trade(source, reporter=reporter, partner=partners, flow="export")
fig = reporting.plot_series(trade, title=f"Exports of {place(reporter)}, EUR million")
plt.show()
fig = reporting.plot_indexed(trade, base=str(base_year), title=f"Exports of {place(reporter)}, index {base_year} = 100")
plt.show()

# %%
annual = reporting.annual_table(trade)
display(annual)

# %% [markdown]
# ## Prices: the deflators of the suite
#
# Trade is published in current prices, and prices rose by about a fifth between 2021 and 2024. The
# estimates of notebooks 02-05 therefore divide each value by a price index of its currency,
# so that an effect is a change in real terms; the nominal estimate
# is kept as a robustness row. Published figures such as Eurostat's -61 % for EU exports to Russia
# are nominal.

# %%
currency = str(trade["currency"].iloc[0])
deflator = prices.DEFAULT_DEFLATOR[currency]
print(f"Values in {currency} are deflated with {prices.deflator_label(deflator, base=base_year)}.")
for other, name in prices.DEFAULT_DEFLATOR.items():
    if other != currency:
        print(f"Values in {other} are deflated with {prices.deflator_label(name, base=base_year)}.")
for caveat in prices.deflator_caveats(deflator):
    print(f"Caveat: {caveat}.")
indices = pd.DataFrame(
    {prices.deflator_label(n, base=base_year): prices.price_index(n, "A", base=base_year) for n in prices.DEFAULT_DEFLATOR.values()}
    | {"US dollars per euro": prices.exchange_rate("A")}
)
indices.index = indices.index.year
display(indices.loc[2015:2024].round(2))

# %% [markdown]
# ## Coverage and quality flags
#
# Months present and missing per series; zeros and month-on-month jumps of more than five-fold are
# flagged for a look (a flag is not an error).

# %%
display(reporting.coverage_table(trade))
flags = reporting.quality_flags(trade)
if len(flags):
    display(flags)
else:
    print("No quality flags: no zero values, and no month-on-month rise or fall beyond five-fold.")

# %% [markdown]
# ## Sanctions timeline
#
# Measures in the events file, per jurisdiction and kind; each row cites its legal act.

# %%
events = data.load_events()
display(events.pivot_table(index="jurisdiction", columns="kind", values="measure", aggfunc="count", fill_value=0))
display(events[["jurisdiction", "date", "measure", "kind", "legal_act"]].tail(12))

# %%
years = annual.columns
ratio = {p: annual.loc[p, "2023"] / annual.loc[p, str(base_year)] for p in annual.index if "2023" in years and str(base_year) in years}
yearly = prices.price_index(deflator, "A", base=base_year)
price_change = yearly[pd.Period("2023", "Y")] / yearly[pd.Period(str(base_year), "Y")]
real_ratio = {p: r / price_change for p, r in ratio.items()}
reporting.record_results({
    "rows": len(trade),
    "first": trade["period"].min(),
    "last": trade["period"].max(),
    "datasets": len(catalog),
    **{f"ratio_2023_{base_year}_{p}": r for p, r in ratio.items()},
    **{f"real_ratio_2023_{base_year}_{p}": r for p, r in real_ratio.items()},
    "deflator": deflator,
    "deflator_label": prices.deflator_label(deflator, base=base_year),
    "headline": {f"{p} 2023/{base_year}": round(r, 2) for p, r in ratio.items()},
})

# %% [markdown]
# ## Exports in 2023 against the base year
#
# The annual total of 2023 divided by the base year's, per destination: in current prices as
# published, and in real terms (divided by the change in the deflator). No counterfactual: this is
# the plain change, which notebooks 02-05 set against what trade would otherwise have done.

# %%
change = pd.DataFrame({
    f"2023 over {base_year} (current prices)": ratio,
    f"2023 over {base_year} (at {base_year} prices)": real_ratio,
})
change.index = [place(p) for p in change.index]
change.index.name = f"{place(reporter)} exports to"
display(change.map(lambda v: fmt.number(v, 3)))
print(f"Real terms: deflated with {prices.deflator_label(deflator, base=base_year)}.")
