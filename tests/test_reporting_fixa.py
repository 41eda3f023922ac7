"""Fix-ups after the second hostile read (items of reader2_report): the front page prints what
the runs recorded, in the runs' own words and digits."""

from __future__ import annotations

from sanctions_model.reporting.findings import build_sections
from sanctions_model.reporting.readme import findings_markdown
from sanctions_model.runner.records import RunRecord


def _record(name, notebook, results, parameters=None):
    return RunRecord(
        name=name,
        notebook=f"notebooks/{notebook}.ipynb",
        status="ok",
        parameters=parameters or {},
        resolved={},
        results=results,
        files=["report.html", "run.json", "results.json"],
    )


SUBSTITUTION = {
    "BE": {
        "estimate": 0.11,
        "lower": 0.01,
        "upper": 1.5,
        "p_unadjusted": 0.1,
        "p_unadjusted_text": "p < 0.1",
        "p_adjusted": 0.1,
        "p_adjusted_text": "p > 0.1",
    },
    "CZ": {
        "estimate": -0.02,
        "lower": -0.3,
        "upper": 0.2,
        "p_unadjusted": 0.8,
        "p_unadjusted_text": "p > 0.8",
        "p_adjusted": 0.5,
        "p_adjusted_text": "p > 0.5",
    },
    "AT": {
        "estimate": 0.046,
        "lower": -0.1,
        "upper": 0.4,
        "p_unadjusted": 0.4,
        "p_unadjusted_text": "p = 0.4",
        "p_adjusted": 0.5,
        "p_adjusted_text": "p > 0.5",
    },
}


def test_per_ally_p_bounds_stay_bounds_on_page_and_readme():
    """Item 2: a recorded bound (p < 0.1, p > 0.8) is printed as the run wrote it, never as an
    equality formatted from the bound's number."""
    from sanctions_model.runner.findings import _estimate_rows

    rec = _record("04", "04_coordination_gaps", {"substitution": SUBSTITUTION})
    (allies,) = [s for s in build_sections([rec]) if any(e.group == "Allies" for e in s.estimates)]
    rows = {e.label: e for e in allies.estimates}
    assert rows["Belgium"].p_text == "p < 0.1" and rows["Belgium"].p_upper_bound
    assert "(Benjamini-Hochberg): p > 0.1;" in rows["Belgium"].note
    assert rows["Czechia"].p_text == "p > 0.8"
    page = _estimate_rows(allies)
    assert '<td class="num">&lt; 0.1</td>' in page and '<td class="num">&gt; 0.8</td>' in page
    assert "p = 0.10" not in page and "p = 0.50" not in page
    assert '<td class="num">0.80</td>' not in page and '<td class="num">0.10</td>' not in page
    md = findings_markdown([rec])
    assert "p = 0.10" not in md and "p = 0.50" not in md and "p = 0.80" not in md


def test_us_uk_answer_gives_counts_median_and_mean_and_no_verdict():
    """Item 5: counts, median and mean lag as recorded, the US-date lateness; no "more often"
    verdict (here the median and the mean even point different ways)."""
    from sanctions_model.reporting.answers import build_answers

    overlap = {
        "matched": 1156,
        "mean_lag_days": -12.2,
        "median_lag_days": 13.0,
        "n_pairs_dated": 1079,
        "pairs_left_out_unreliable_date": 77,
        "same_day": 12,
        "uk_first": 712,
        "us_first": 355,
    }
    rec = _record("04", "04_coordination_gaps", {"us_uk_overlap": overlap})
    (lists,) = [a for a in build_answers([rec]) if a.key == "lists"]
    text = " ".join(lists.sentences)
    assert "the UK listed 712 first, the US 355 first and 12 on the same day" in text
    assert "median +13 days, mean -12 days" in text
    assert "point different ways" in text and "interval between scrapes" in text
    assert "more often (" not in text and "designated first more often" not in text


SYNTHETIC = {
    "partner": "RU",
    "sc_effect_2022": -0.535,
    "sc_lower_2022": -0.726,
    "sc_upper_2022": -0.211,
    "sc_p_2022": 0.0392,
    "sc_effect_2023": -0.680,
    "sc_lower_2023": -0.924,
    "sc_upper_2023": 0.343,
    "sc_p_2023": 0.098,
    "sc_n_placebos": 50,
    "sc_weights": {"BR": 1.0},
}
POOR_FIT = [
    "Poor pre-period fit: the treated's pre-RMSPE (0.103) is above 100% of the placebos'; the "
    "gap may be a fitting error.",
    "The treated's pre-period trend (-0.032 a year) is outside the donors' range (-0.019 to "
    "+0.079): no convex combination can follow it, the synthetic control drifts away.",
    "One donor (Brazil) carries 100% of the weight; see the leave-one-out check.",
]
DID = {"did_ru_annual": -0.80, "did_ru_annual_lower": -1.2, "did_ru_annual_upper": -0.4}


def _fall(synthetic):
    from sanctions_model.reporting.answers import build_answers

    recs = [
        _record("03", "03_trade_diversion", DID),
        _record("05", "05_synthetic_control", synthetic),
    ]
    (fall,) = [a for a in build_answers(recs) if a.key == "fall"]
    return fall.sentences[0]


def test_synthetic_control_failing_its_fit_checks_stays_out_of_the_range():
    """Item 9: a synthetic control that fails its own fit checks is said apart, with why; the
    range is the other methods'. Without failed checks it is part of the range."""
    head = _fall({**SYNTHETIC, "caveats": POOR_FIT})
    # did: exp(-0.8) - 1 = -55%; the synthetic control's -68% is not the range's end
    assert head.startswith("Every method but the synthetic control puts EU exports to Russia 55%")
    assert "68% below" not in head.split(" The synthetic control")[0]
    assert "The synthetic control (2022: -54%, 2023: -68%) is left out of that range" in head
    assert "Russia's pre-RMSPE (0.103) is above 100% of the placebos'" in head
    assert "Russia's pre-period trend (-0.032 a year) is outside the donors' range" in head
    fitted = _fall({**SYNTHETIC, "caveats": POOR_FIT[2:]})
    assert fitted.startswith("Every method's point estimate puts EU exports to Russia 54% to 68%")
    assert "left out of that range" not in fitted


def test_every_front_page_section_names_its_price_basis_and_direct_rows_match_the_sentence():
    """Items 7 and 8: the direct-ratio table shows the real ratios the answers' sentences use,
    each section's title and intro name the price basis the runs recorded, and the counterfactual
    section's heading does not call the change the sanctions' effect."""
    from sanctions_model.reporting.answers import build_answers

    usd = "USD at 2021 prices, deflated by US consumer prices (CPI-U, BLS), 2021 = 100"
    coord = {
        "direct_ratio": {"CA": 0.069, "BG": 1.051, "CH": 0.78, "SI": 1.2},
        "direct_ratio_real": {"CA": 0.061, "BG": 0.935, "CH": 0.69, "SI": 1.069},
        "prices": {"usd": usd},
        "real": True,
        "substitution": SUBSTITUTION,
    }
    effect = {
        "effect": -0.58,
        "lower": -0.74,
        "upper": -0.34,
        "p_value": 0.004,
        "units": "EUR at 2021 prices",
        "real": True,
        "deflator_label": "euro-area consumer prices (HICP, Eurostat), 2021 = 100",
    }
    diversion = {
        **DID,
        "deflator": "euro-area consumer prices (HICP, Eurostat), 2021 = 100",
        "real": True,
        "did_exposure_by_partner": {"KZ": {"estimate": 0.4, "lower": 0.1, "upper": 0.7}},
        "exposure_spread": 1.0,
    }
    recs = [
        _record("02", "02_sanction_effect", effect, {"reporter": "EU27_2020", "partner": "RU"}),
        _record("03", "03_trade_diversion", diversion),
        _record("04", "04_coordination_gaps", coord),
        _record("05", "05_synthetic_control", {**SYNTHETIC, "sc_deflator": "HICP"}),
    ]
    sections = {s.key: s for s in build_sections(recs)}
    direct = {e.label: e.value for e in sections["direct"].estimates}
    assert direct["Canada"] == 0.061 and direct["Bulgaria"] == 0.935
    answers = {a.key: " ".join(a.sentences) for a in build_answers(recs)}
    # the sentence's "fell 6.5%" is the table's 0.935, on the same basis
    assert "Bulgaria (fell 6.5%)" in answers["members"]
    assert sections["direct"].title.endswith("(USD at 2021 prices)")
    assert f"Prices: ratios of values in {usd}." in sections["direct"].intro
    assert sections["allies"].title.endswith("(USD at 2021 prices)")
    effects = sections["effects"]
    assert effects.title == "Change in trade since the war and the sanctions, by flow " + (
        "(EUR at 2021 prices)"
    )
    assert "effect of the sanctions" not in effects.title.lower()
    assert "war and the sanctions together" in effects.intro
    assert sections["synthetic"].title.endswith("(2021 prices)")
    div = sections["diversion"]
    assert div.title.endswith("(2021 prices; exposure designs in current prices)")
    assert "annual values at 2021 prices, deflated by euro-area" in div.intro
    assert "monthly exposure designs (most against least exposed member state) in current" in (
        div.intro
    )
    # without the real ratios the table is nominal and says so
    nominal = {k: v for k, v in coord.items() if k != "direct_ratio_real"}
    (direct,) = [s for s in build_sections([_record("04", "04_x", nominal)]) if s.key == "direct"]
    assert direct.title.endswith("(current USD)")
    assert {e.label: e.value for e in direct.estimates}["Canada"] == 0.069


def test_hubs_answer_gives_the_eu_records_ratio_its_p_value_and_verdict():
    """Item 16: the question names the EU's export records; the EU-records ratio carries its
    recorded p-value and a verdict, like the hubs' one."""
    from sanctions_model.reporting.answers import build_answers

    ratio = {
        "hubs_side": 0.027,
        "hubs_side_lower": -0.04,
        "hubs_side_upper": 0.15,
        "hubs_side_p_value": 0.4,
        "hubs_side_p_text": "p = 0.4",
        "eu_side": 0.149,
        "eu_side_lower": 0.05,
        "eu_side_upper": 0.25,
        "eu_side_p_value": 0.01,
        "eu_side_p_text": "p < 0.01",
    }
    (hubs,) = [
        a
        for a in build_answers([_record("04", "04_coordination_gaps", {"eu27_ratio": ratio})])
        if a.key == "hubs"
    ]
    assert "EU's export records" in hubs.question
    text = " ".join(hubs.sentences)
    assert "(95% interval -4.0% to 15%; p = 0.4); not distinguishable from zero" in text
    assert (
        "On the EU's export records: 15% (95% interval 5.0% to 25%; p < 0.01); "
        "distinguishable from zero." in text
    )


def test_allies_answer_names_the_unranked_and_who_acted_late():
    """Item 6: allies without a rank are named; who acted late comes from the recorded adoption
    lags, or the answer says the run did not record them."""
    from sanctions_model.reporting.answers import build_answers

    ranks = {
        "CH": {"rank": 1, "lower": 1, "upper": 3},
        "KR": {"rank": None, "lower": None, "upper": None},
        "NO": {"rank": None},
    }
    coord = {"direct_ratio": {"CA": 0.069, "CH": 0.78, "KR": 0.6}, "index_ranks": ranks}

    def allies(results):
        recs = [_record("04", "04_coordination_gaps", results)]
        return " ".join(next(a for a in build_answers(recs) if a.key == "allies").sentences)

    text = allies(coord)
    assert "Not ranked (the run records no rank for them): South Korea, Norway." in text
    assert "adoption lags are not recorded in results.json by run 04" in text
    text = allies({**coord, "adoption_lag_days": {"GB": 26, "US": 1, "AU": 24}})
    assert (
        "Who acted late (median adoption lag behind the first mover): United Kingdom 26 days, "
        "Australia 24 days, United States 1 day." in text
    )
    text = allies(
        {**coord, "adoption_lag_days": {"GB": 26, "JP": 90}, "adoption_lag_censored": ["JP"]}
    )
    assert "Japan at least 90 days, United Kingdom 26 days (at least: a kind of measure" in text


def test_notebook_04_records_the_adoption_lags_of_the_eu_and_the_allies():
    """The lags the answer reads are recorded from the scorecard: EU and non-EU allies (member
    states carry the EU's value and are left out), censored ones listed."""
    import pandas as pd

    from sanctions_model.coordination.record import _adoption_lags

    t = pd.DataFrame(
        {"adoption_lag_days": [2.0, 2.0, 26.0, float("nan")], "adoption_lag_censored": [False] * 4},
        index=["EU27_2020", "DE", "GB", "KR"],
    )
    assert _adoption_lags(t) == {"EU27_2020": 2.0, "GB": 26.0}


def test_methods_page_names_the_price_basis_of_each_substitution_side():
    """Item 23: the hubs' records in USD, the EU's records in EUR, both at 2021 prices."""
    from sanctions_model.runner.methods import METHODS

    (allies,) = [m for m in METHODS if m.key == "allies"]
    text = " ".join(str(x) for x in vars(allies).values())
    assert "fitted in USD at 2021 prices" not in text
    assert "records (IMF) in USD" in text and "export records (Eurostat) in EUR" in text


def test_readme_exposure_rows_name_their_comparison_and_keep_the_printed_interval():
    """Item 13: the exposure design is compared with the least exposed member state (not the
    comparison destinations), and the interval is the one the run's report printed."""
    from sanctions_model.reporting.estimates import Estimate
    from sanctions_model.reporting.readme import _sentence

    est = Estimate(
        "exports to the five partners, most against least exposed member state",
        0.27,
        -0.43,
        1.6,
        0.33,
        "log",
        p_text="p = 0.3",
        interval_text="-35% to +400%",
    )
    text = _sentence(est, "diversion")
    assert "31% above the least exposed member state" in text
    assert "comparison destinations" not in text
    assert "(95% interval -35% to +400%; p = 0.3)" in text


def test_headline_ratios_print_the_unrounded_recorded_value():
    """Item 14: the data overview's headline ``RU 2023/2021: 0.43`` (rounded by the run) prints
    as the report does, 0.428 from ``ratio_2023_2021_RU``, never as 0.430."""
    from sanctions_model.runner.findings import _estimate_rows

    res = {"headline": {"RU 2023/2021": 0.43, "AM 2023/2021": 2.85}, "ratio_2023_2021_RU": 0.4282}
    (generic,) = [
        s for s in build_sections([_record("01", "01_data_overview", res)]) if s.key == "headline"
    ]
    page = _estimate_rows(generic)
    assert '<td class="num">0.428</td>' in page and "0.430" not in page
    assert '<td class="num">2.85</td>' in page
