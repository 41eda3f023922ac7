"""Referee items on the findings page, README block and answers (synthetic control, bounds,
real terms, ties, labels)."""

from __future__ import annotations

from sanctions_model.reporting.answers import build_answers
from sanctions_model.reporting.findings import build_sections
from sanctions_model.reporting.readme import findings_markdown
from sanctions_model.runner.records import RunRecord

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
    "sc_p_placebo": 0.176,
    "sc_n_placebos": 50,
    "sc_rank": 9,
    "sc_ratio": 9.46,
    "sc_primary_p_adjusted": {
        "gap 2022": 0.118,
        "gap 2023": 0.196,
        "RMSPE ratio 2022-2023": 0.196,
    },
    "sc_weights": {"BR": 1.0, "IN": 0.0},
}


def _record(name, notebook, results):
    return RunRecord(
        name=name,
        notebook=f"notebooks/{notebook}.ipynb",
        status="ok",
        parameters={},
        resolved={},
        results=results,
        files=["report.html", "run.json", "results.json"],
    )


def test_synthetic_rows_carry_the_holm_p_not_the_rank_note():
    sections = {
        s.key: s for s in build_sections([_record("05", "05_synthetic_control", SYNTHETIC)])
    }
    rows = {e.label: e for e in sections["synthetic"].estimates}
    row = rows["EU27 exports to Russia, 2022"]
    assert (row.p_value, row.p_adjusted) == (0.0392, 0.118)
    assert "Holm" in row.note and "p = 0.12" in row.note and "3 primary tests" in row.note
    assert all("rank" not in e.note for e in rows.values())
    assert any("rank 9 of 51" in t for t in sections["synthetic"].inference)
    md = findings_markdown([_record("05", "05_synthetic_control", SYNTHETIC)])
    assert "Adjusted for the family (Holm): p = 0.12, not distinguishable" in md
    assert "(Benjamini-Hochberg): p = 0.12" not in md


def test_answer_one_lists_every_synthetic_year_inside_its_range_and_names_the_donor():
    fall = build_answers([_record("05", "05_synthetic_control", SYNTHETIC)])[0]
    text = " ".join(fall.sentences)
    assert "54% to 68% below" in text  # the range covers -54% (2022) and -68% (2023)
    assert "Synthetic control (2022): -54%" in text and "Synthetic control (2023): -68%" in text
    assert "Holm-adjusted over the 3 primary tests: p = 0.12" in text
    assert "distinguishable from zero before, not after, the adjustment" in text
    assert "single donor: Brazil carries 100% of the weight" in text
    limits = " ".join(
        build_answers([_record("05", "05_synthetic_control", SYNTHETIC)])[-1].sentences
    )
    assert limits.count("synthetic control") == 1


def test_answer_one_without_weights_points_at_the_runs_caveats():
    res = {k: v for k, v in SYNTHETIC.items() if k != "sc_weights"}
    text = " ".join(build_answers([_record("05", "05_synthetic_control", res)])[0].sentences)
    assert "records no donor weights" in text
    res["sc_weights"] = {"BR": 0.6, "IN": 0.3, "MX": 0.1, "ZA": 0.001}
    text = " ".join(build_answers([_record("05", "05_synthetic_control", res)])[0].sentences)
    assert "rests on 3 donors" in text and "Brazil, carries 60%" in text


COORD = {
    "direct_ratio": {
        "AU": 0.0042,
        "CH": 0.78,
        "US": 0.1,
        "JP": 0.5,
        "BG": 1.051,
        "SI": 1.2,
        "MT": 0.02,
        "EU27_2020": 0.39,
    },
    "direct_ratio_real": {
        "AU": 0.0037,
        "CH": 0.69,
        "US": 0.09,
        "JP": 0.44,
        "BG": 0.935,
        "SI": 1.07,
        "MT": 0.018,
        "EU27_2020": 0.35,
    },
    "prices": {
        "usd": "USD at 2021 prices, deflated by US consumer prices (CPI-U, BLS), 2021 = 100"
    },
}


def test_answers_3_and_5_use_real_ratios_and_say_so():
    answers = {a.key: " ".join(a.sentences) for a in build_answers([_record("04", "04_x", COORD)])}
    assert "each ally in real terms, 2023 against 2021" in answers["allies"]
    assert "EU27 as a whole fell 65%, in real terms" in answers["allies"]
    assert "Switzerland (fell 31%)" in answers["allies"]
    assert (
        "Bulgaria (fell 6.5%)" in answers["members"]
        and "Slovenia (rose 7.0%)" in answers["members"]
    )
    assert "deflated by US consumer prices" in answers["members"]
    nominal = {k: v for k, v in COORD.items() if k == "direct_ratio"}
    answers = {
        a.key: " ".join(a.sentences) for a in build_answers([_record("04", "04_x", nominal)])
    }
    assert "each ally in current prices, 2023 against 2021" in answers["allies"]
    assert "fell 61%, in current prices" in answers["allies"]
    assert "Bulgaria (rose 5.1%)" in answers["members"] and "nominal USD" in answers["members"]


def test_recorded_bounds_print_as_bounds_on_page_and_readme(tmp_path):
    from sanctions_model.runner.findings import _estimate_rows

    res = {
        "chp_substitution": {
            "all tiers": {
                "estimate": 0.053,
                "lower": 0.02,
                "upper": 0.09,
                "p_value": 0.005,
                "p_text": "p < 0.005",
            },
            "tier 2": {
                "estimate": -0.01,
                "lower": -0.2,
                "upper": 0.1,
                "p_value": 0.95,
                "p_text": "p > 0.95",
            },
            "tier 1": {
                "estimate": 0.02,
                "lower": 0.004,
                "upper": 0.03,
                "p_value": 0.03,
                "p_text": "p = 0.03",
            },
        }
    }
    sections = build_sections([_record("04", "04_coordination_gaps", res)])
    rows = {e.label: e for s in sections for e in s.estimates}
    everything = [e for s in sections for e in s.estimates]
    assert len(everything) == 3
    allt = next(e for e in everything if e.label.endswith("all tiers"))
    assert allt.p_text == "p < 0.005" and allt.p_upper_bound
    tier1 = next(e for e in everything if e.label.endswith("tier 1"))
    assert tier1.p_text == ""  # an equality is formatted from the number
    page = "".join(_estimate_rows(s) for s in sections)
    assert '<td class="num">&lt; 0.005</td>' in page and '<td class="num">&gt; 0.95</td>' in page
    assert '<td class="num">0.005</td>' not in page
    md = findings_markdown([_record("04", "04_coordination_gaps", res)])
    assert "p < 0.005" in md and "p > 0.95" in md
    assert "p = 0.005" not in md and "p = 0.95" not in md
    assert rows  # labels unique


def test_holm_adjusted_year_says_it_does_not_survive_adjustment():
    md = findings_markdown([_record("05", "05_synthetic_control", SYNTHETIC)])
    line = next(x for x in md.splitlines() if "Russia, 2022" in x and x.startswith("- "))
    assert "The interval excludes zero." in line
    assert "(Holm): p = 0.12, not distinguishable from zero after the adjustment." in line


def test_tied_gap_ranks_are_marked():
    ranks = {
        "AU": {"rank": 5, "lower": 3, "upper": 7, "tied": True},
        "US": {"rank": 5, "lower": 5, "upper": 7, "tied": True},
        "CH": {"rank": 1, "lower": 1, "upper": 3, "tied": False},
    }
    rec = _record("04", "04_coordination_gaps", {"index_ranks": ranks})
    (index,) = [s for s in build_sections([rec]) if s.key == "index"]
    notes = {e.label: e.note for e in index.estimates}
    assert notes["Australia"].startswith("tied") and notes["United States"].startswith("tied")
    assert notes["Switzerland"] == ""
    md = findings_markdown([rec])
    assert "Australia 5 (tied; 3 to 7)" in md and "United States 5 (tied; 5 to 7)" in md
    assert "Switzerland 1 (1 to 3)" in md
    # without the run's flag, two allies on the same rank are still marked
    bare = {k: {x: y for x, y in v.items() if x != "tied"} for k, v in ranks.items()}
    (index,) = [
        s
        for s in build_sections([_record("04", "04_coordination_gaps", {"index_ranks": bare})])
        if s.key == "index"
    ]
    assert [e.note != "" for e in index.estimates] == [True, True, False]


def test_runs_page_and_caveats_speak_in_words():
    from sanctions_model.reporting.labels import for_readers, param_value
    from sanctions_model.runner.index import headline_text

    assert headline_text("deflator", "hicp_ea").startswith("euro-area consumer prices (HICP")
    assert headline_text("donor_rule", "no_fuel").startswith("no fuel-driven donors")
    assert param_value("donor_rule", "size").startswith("all donors above the size threshold")
    assert param_value("deflator", "hicp_ea") == headline_text("deflator", "hicp_ea")
    text = for_readers(
        "russia_2014 and russia_2022_vs_2014_21 vary within one cluster; use placebo-in-space "
        "inference (sanctions_model.models.gravity_design.gravity_randomization)."
    )
    assert text == (
        "Russia in 2014-21 and Russia in 2022-23 against 2014-21 vary within one cluster; use "
        "placebo-in-space inference."
    )
    res = {
        "substitution_robustness_eu27": {
            "2022-2023, current USD, 2020 in the trends (before issue 19)": {
                "estimate": 0.2,
                "lower": 0.1,
                "upper": 0.3,
                "p_value": 0.005,
            }
        },
        "caveats": ["see sanctions_model.models.gravity_design.gravity_randomization for more"],
    }
    sections = build_sections([_record("04", "04_coordination_gaps", res)])
    labels = [e.label for s in sections for e in s.estimates]
    assert labels and not any("issue" in x for x in labels), labels
    caveats = [c for s in sections for c, _who in s.caveats]
    assert caveats and not any("sanctions_model." in c for c in caveats), caveats
