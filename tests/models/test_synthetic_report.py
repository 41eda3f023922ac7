"""Notebook 05's tables and sentences, rendered from the result objects (synthetic_report).

The strings are notebook 05's at its defaults on the embedded data (2021 prices, no fuel-driven
donors): the notebook calls these functions, so a change of wording or digits shows here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.models.synthetic import fit_synthetic_control
from sanctions_model.models.synthetic.did import fit_synthetic_did
from sanctions_model.models.synthetic.report import (
    donor_pool_text,
    ordinal,
    partners_text,
    placebo_table,
    ratio_test_text,
    readable,
    rmspe_text,
    sdid_text,
    specification_text,
)
from sanctions_model.reporting import format as fmt

data = pytest.importorskip("sanctions_model.data")


@pytest.fixture(scope="module")
def fit():
    annual = data.load_trade(source="eurostat_comext_annual")
    return fit_synthetic_control(annual, "RU", leave_one_out=False), annual


def test_ratio_test_sentence_follows_its_rank_and_p(fit):
    res, _ = fit
    text = ratio_test_text(res, "RU", 5.0, 0.05)
    assert text.startswith(
        "The ratio test over both years ranks Russia's post/pre RMSPE ratio 9th of 51"
    )
    assert (
        "(p = 0.18), which does not reach 5%: Mexico, Japan, Morocco, Bosnia and Herzegovina, "
        "Norway, Moldova, Pakistan, Panama have larger"
    ) in text
    assert "pre-RMSPE Mexico " in text
    assert "against 0.10 for Russia" in text
    # the same numbers at alpha = 0.2: the p-value reaches it, so no "does not reach"
    assert "does not reach" not in ratio_test_text(res, "RU", 5.0, 0.2)
    top = placebo_table(res)
    assert len(top) == res.rank + 2 and top["ratio"].iloc[0] == "126"


def test_donor_pool_and_sdid_sentences(fit):
    res, annual = fit
    text = donor_pool_text(res, 1.0)
    assert "EUR 1 bn in every year 2010-2021" in text and "\n- " in text
    sdid = fit_synthetic_did(annual, "RU")
    assert sdid_text(sdid, res, "RU") == (
        "Synthetic DiD placebos: all 50 donors, so p is RU's rank among 51; p = 0.020 is its "
        "floor here (1/51), while the synthetic control's per-year floor is 1/51 (50 kept "
        "placebos)."
    )


def test_specification_text_states_a_range_not_an_interval():
    checks = pd.DataFrame(
        {"effect_2022": [-0.58, -0.50, -0.9], "effect_2023": [-0.72, -0.65, -0.95],
         "p_value": [0.18, 0.12, 1.0], "note": ["", "", "interpolates"], "donors": [50, 50, 9],
         "pre_rmspe": [0.1, 0.1, 0.0], "placebos": [50, 50, 3]},
        index=["as specified", "log", "small pool"],
    )  # fmt: skip
    text, ranges, p_range = specification_text(checks, 0.05)
    assert text.startswith("Across the 3 specifications the point estimates range from -90% to")
    assert "Without the degenerate row flagged below: -58% to -50% (2022)" in text
    assert "The 'small pool' fit interpolates its 9-donor pool" in text
    assert "between 0.12 and 0.18 in every other specification: never below 5%." in text
    assert ranges["effect_2022"] == [-0.9, -0.5] and p_range == [0.12, 0.18]


def test_partners_sentence_and_helpers():
    table = pd.DataFrame(
        {"effect_2023": [-0.68, 2.1, 0.5], "p_value": [0.02, 0.3, 0.6],
         "p_adjusted": [0.02, 0.6, 0.6]},
        index=["RU", "AM", "KZ"],
    )  # fmt: skip
    text = partners_text(table, "RU", 2023)
    assert "(Armenia +210%, Kazakhstan +50% in 2023)" in text and "p = 0.30-0.60" in text
    assert "rose in the point estimates" in text and "No partner's change" in text
    assert partners_text(table.loc[["RU"]], "RU", 2023) == ""
    # the sentence follows the adjusted p-values and the signs, never a fixed verdict
    found = table.assign(p_adjusted=[0.02, 0.01, 0.6], effect_2023=[-0.68, 2.1, -0.2])
    text = partners_text(found, "RU", 2023)
    assert "moved in the point estimates" in text and "No partner" not in text
    assert "after the Holm adjustment: AM (+210%, adjusted p = 0.010)" in text
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 21, 113)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "21st", "113th"]  # fmt: skip
    assert rmspe_text(0.0004) == "< 0.001 (exact interpolation)" and rmspe_text(0.1) == "0.10"
    shown = readable(pd.DataFrame({"effect_2022": [-0.5712], "pre_rmspe": [np.float64(0.0)]}))
    assert shown.iloc[0].tolist() == ["-57%", "< 0.001 (exact interpolation)"]


def test_short_pre_period_caveat_counts_the_donors_with_weight(fit):
    """Referee 2: the default Russia fit puts all the weight on Brazil; the caveat must not speak
    of 'a weighted average of 50 donors'."""
    res, _ = fit
    used = res.weights[res.weights > 1e-3]
    (caveat,) = [c for c in res.caveats if c.startswith("Only ")]
    assert "weighted average of" not in caveat
    assert f"chosen among {len(res.weights)} donors" in caveat
    if len(used) == 1:
        assert f"all the weight on one donor ({data.countries.name(used.index[0])})" in caveat
    else:
        assert f"weight on {len(used)} donors" in caveat
    assert list(used.index) == ["BR"]  # the shipped data: Brazil alone, as the referee read it


def test_monthly_counterfactual_is_this_notebooks_own_fit_with_its_path_count(fit):
    """Referee 10: notebook 05's monthly fit is named as its own, with its number of paths, and
    never as notebook 02's figure."""
    from sanctions_model.models import estimate_counterfactual
    from sanctions_model.models.synthetic.report import comparison_text

    res, _ = fit
    monthly = data.load_trade("eurostat_comext", reporter="EU27_2020", partner="RU",
                              flow="export", start="2019-01")  # fmt: skip
    y = monthly.set_index("period")["value"].sort_index()
    cf = estimate_counterfactual(y, "2022-03", trend="local level", seasonal=12, n_sims=200,
                                 n_param_draws=20, alpha=0.1)  # fmt: skip
    text = comparison_text(res, pd.DataFrame({"change": [-0.57]}), -0.57, real=False, cf=cf,
                           cf_last_month=y.index.max(), n_sims=200)  # fmt: skip
    block = text.split("\n\n")[-1]
    assert block.startswith("A monthly counterfactual fitted in this notebook")
    # the interval is the fit's own (the notebook's alpha), and says so
    lo, hi = cf.conf_int().loc["average"]
    assert f"(90% interval {fmt.pct_interval(lo, hi)};" in block
    assert "200 simulated paths" in block
    assert "not notebook 02's published figure" in block
    assert "of notebook 02 (" not in text and "notebook 02 gives" not in text


def test_leave_one_out_says_what_replaces_the_only_donor(fit):
    """Russia's default fit puts all weight on one donor: dropping it refits over others, and the
    table and the summary name them."""
    _, annual = fit
    res = fit_synthetic_control(annual, "RU")
    loo = res.leave_one_out
    sole = loo[loo["weight"] >= 0.99]
    assert len(sole) == 1, loo
    code = sole.index[0]
    repl = sole["replaced_by"].iloc[0]
    assert repl and code not in repl and "%" in repl
    note = res.leave_one_out_note()
    from sanctions_model.reporting.labels import place

    assert note.startswith(f"{place(code)} is the only donor with weight (100%)")
    assert f"({repl})" in note and "a different synthetic control" in note
    assert note in res.summary().notes


def test_p_value_columns_are_not_doubled():
    from sanctions_model.reporting.labels import column_label

    assert column_label("p_value (RMSPE ratio)") == "p-value (RMSPE ratio)"
    assert column_label("p_value_adjusted") == "p-value adjusted"
    assert "value value" not in column_label("p_adjusted (Holm, partners)")
