"""The donor rules of the synthetic control in plain words, with no imports: the index pages of a
warm sweep name notebook 05's ``donor_rule`` through
:func:`sanctions_model.reporting.labels.param_value` without loading pandas
(:mod:`sanctions_model.data.donors` re-exports them)."""

#: The donor rules of the synthetic control in plain words (notebook 05's ``donor_rule``).
DONOR_RULES = {
    "no_fuel": "no fuel-driven donors (OPEC or GCC members in 2021, Gibraltar)",
    "size": "all donors above the size threshold, fuel-driven ones included",
}
