"""Real terms beside nominal and published figures (issue 19, "Must show"), from hand-made sweeps.

The records carry the keys the notebooks write (02: ``nominal.*``; 03: ``raw_ratio_2023_2021``
and ``_nominal``; 04: ``eu27_ratio.*_nominal``, ``direct_ratio(_real)``, the current-USD
robustness row; 05: ``sc_*``); the tests assert the numbers of each row of the table.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys

from sanctions_model.reporting.answers import build_answers
from sanctions_model.reporting.published import (
    EBRD_REROUTING,
    EUROSTAT_RU_EXPORTS,
    EUROSTAT_RU_EXPORTS_ANNUAL,
)
from sanctions_model.reporting.readme import END, START, readme_differences, update_readme
from sanctions_model.reporting.real_terms import price_rows, price_table
from sanctions_model.runner.index import write_index
from sanctions_model.runner.methods import render_methods_html

from ..test_site_quality import problems
from .test_findings import _record, _sweep

HICP = "euro-area consumer prices (HICP, Eurostat), 2021 = 100"
CF_RU = {
    "reporter": "EU27_2020",
    "partner": "RU",
    "flow": "export",
    "effect": -0.58,
    "lower": -0.72,
    "upper": -0.35,
    "p_value": 0.01,
    "p_is_upper_bound": True,
    "post_period": ["2022-03", "2024-08"],
    "real": True,
    "deflator": "hicp_ea",
    "deflator_label": HICP,
    "nominal": {"effect": -0.54, "lower": -0.7, "upper": -0.25, "p_value": 0.01},
}
CF_KZ = {
    **CF_RU,
    "partner": "KZ",
    "effect": 1.0,
    "lower": 0.45,
    "upper": 1.8,
    "nominal": {"effect": 1.2, "lower": 0.55, "upper": 2.1},
}
CF_IMPORTS = {**CF_RU, "flow": "import", "product": "27", "effect": -0.3}
DIVERSION = {
    "real": True,
    "deflator": HICP,
    "did_ru_annual": -0.8381837566340248,
    "did_ru_annual_lower": -1.0270410377342152,
    "did_ru_annual_upper": -0.6493264755338344,
    "did_ru_annual_p_ri": 0.0196,
    "did_ru_annual_n_placebos": 50,
    "gravity_ru_2022_vs_2014_21": -0.855,
    "gravity_ru_2022_vs_2014_21_lower": -1.887,
    "gravity_ru_2022_vs_2014_21_upper": 0.177,
    "event_study_ru_annual_p_bh": {"2022": 0.02, "2023": 0.02},
    "raw_ratio_2023_2021": 0.37480863057613245,
    "raw_ratio_2023_2021_nominal": 0.42819292462649217,
}
SYNTHETIC = {
    "real": True,
    "deflator": HICP,
    "sc_effect_2022": -0.535,
    "sc_effect_2023": -0.6795,
    "sc_lower_2023": -0.9235,
    "sc_upper_2023": 0.3428,
    "raw_change": -0.6251913694238675,
    "raw_change_nominal": -0.5718070753735078,
}
COORDINATION = {
    "prices": {
        "real": True,
        "usd": "USD at 2021 prices, deflated by US consumer prices (CPI-U, BLS), 2021 = 100",
        "eur": f"EUR at 2021 prices, deflated by {HICP}",
    },
    "eu27_ratio": {
        "hubs_side": 0.026703771043666072,
        "hubs_side_lower": -0.04,
        "hubs_side_upper": 0.14,
        "hubs_side_p_value": 0.4,
        "hubs_side_nominal": 0.05307672434190392,
        "eu_side": 0.14868206830798328,
        "eu_side_lower": 0.07,
        "eu_side_upper": 0.27,
        "eu_side_nominal": 0.19566376872220143,
    },
    "substitution_robustness_eu27": {
        "2022-2023, current USD, 2020 left out": {
            "estimate": 0.05307672434190392,
            "lower": -0.01,
            "upper": 0.17,
        },
        "2022-2023, current USD, 2020 in the trends (before issue 19)": {
            "estimate": 0.069,
            "lower": 0.02,
            "upper": 0.16,
        },
    },
    "direct_ratio": {"EU27_2020": 0.39288973846095304, "US": 0.0935, "GB": 0.2436},
    "direct_ratio_real": {"EU27_2020": 0.3493897542495349, "US": 0.0832, "GB": 0.2167},
    "us_uk_overlap": {
        "matched": 1156,
        "share_of_uk_on_us": 0.355,
        "share_of_us_on_uk": 0.26,
        "uk_first": 700,
        "us_first": 300,
        "same_day": 79,
        "n_pairs_dated": 1079,
        "pairs_left_out_unreliable_date": 77,
        "median_lag_days": 120.0,
    },
}
RECORDS = [
    _record("02-RU", "02_sanction_effect", CF_RU, reporter="EU27_2020", partner="RU"),
    _record("02-KZ", "02_sanction_effect", CF_KZ, reporter="EU27_2020", partner="KZ"),
    _record("02-27", "02_sanction_effect", CF_IMPORTS, reporter="EU27_2020", partner="RU"),
    _record("03", "03_trade_diversion", DIVERSION),
    _record("04", "04_coordination_gaps", COORDINATION, base_year=2021, year=2023),
    _record("05", "05_synthetic_control", SYNTHETIC),
]


def _rows(records=RECORDS):
    return {row.headline: row for row in price_rows(records)}


def test_one_row_per_headline_with_real_nominal_and_published_numbers():
    rows = _rows()
    cells = {k: r.cells() for k, r in rows.items()}
    assert len(rows) == 9  # imports of HS 27 are not a headline of the answers
    ru = cells["EU27 exports to Russia, monthly counterfactual (average month)"]
    assert ru["Real terms (default)"] == "-58% (-72% to -35%)"
    assert ru["Nominal"] == "-54% (-70% to -25%)"
    assert ru["Published"] == "-61% (Eurostat, published)"
    assert rows["EU27 exports to Russia, monthly counterfactual (average month)"].published is (
        EUROSTAT_RU_EXPORTS
    )
    assert (
        "Deflating by euro-area consumer prices (HICP, Eurostat) takes the price changes since "
        "2021 out of the values, which puts the real figure below the nominal one."
    ) in ru["Why they differ"]
    assert "September 2023 against February 2022" in ru["Why they differ"]
    assert "Mar 2022 to Aug 2024" in ru["Why they differ"]
    raw = cells["EU27 exports to Russia, raw change of annual totals"]
    assert (raw["Real terms (default)"], raw["Nominal"], raw["Published"]) == (
        "-63%",
        "-57%",
        "-57% (computed from Eurostat Comext data)",
    )
    assert rows["EU27 exports to Russia, raw change of annual totals"].published is (
        EUROSTAT_RU_EXPORTS_ANNUAL
    )
    did = rows["EU27 exports to Russia, difference-in-differences against donor destinations"]
    assert did.real == did.nominal and math.isclose(did.real.value, math.expm1(-0.8381837566340248))
    assert did.period == "2022-23" and did.cells()["Real terms (default)"] == "-57% (-64% to -48%)"
    grav = rows["EU27 exports to Russia, gravity (PPML) relative to 2014-21"]
    assert grav.nominal is None and grav.cells()["Nominal"] == "not recorded by the run"
    sc = rows["EU27 exports to Russia, synthetic control"].cells()
    assert sc["Headline"].endswith(", 2023") and sc["Real terms (default)"] == "-68% (-92% to +34%)"
    hubs = rows[
        "EU27 substitution ratio, hubs' import records (share of the fall in direct exports offset)"
    ]
    c = hubs.cells()
    assert c["Real terms (default)"] == "2.7% (-4.0% to 14%)"
    assert c["Nominal"] == "5.3% (-1.0% to 17%)"  # the interval of the current-USD row
    assert c["Published"] == "under 10% (EBRD, published)" and hubs.published is EBRD_REROUTING
    assert (
        "CPI-U" in c["Why they differ"]
        and "The real interval includes 10%." in (c["Why they differ"])
    )
    eu = rows[
        "EU27 substitution ratio, EU export records (share of the fall in direct exports offset)"
    ].cells()
    assert (eu["Real terms (default)"], eu["Nominal"]) == ("15% (7.0% to 27%)", "20%")
    assert "HICP" in eu["Why they differ"]
    imf = rows["Russia's imports from the EU27, change (IMF)"].cells()
    assert (imf["Real terms (default)"], imf["Nominal"], imf["Published"]) == (
        "-65%",
        "-61%",
        "-61% (computed from IMF IMTS data)",
    )
    assert "the ranking of allies is the same" in imf["Why they differ"]
    kz = cells["EU27 exports to Kazakhstan, monthly counterfactual"]
    assert (kz["Real terms (default)"], kz["Nominal"], kz["Published"]) == (
        "+100% (+45% to +180%)",
        "+120% (+55% to +210%)",
        "none",
    )
    # the headline first, the hubs' monthly rows after the annual and coordination rows
    order = list(rows)
    assert order[0].startswith("EU27 exports to Russia, monthly") and order[-1].startswith(
        "EU27 exports to Kazakhstan"
    )


def test_direction_words_follow_the_signs_and_a_nominal_run_has_no_real_figure():
    up = {**CF_KZ, "nominal": {"effect": 0.8, "lower": 0.3, "upper": 1.5}}
    (row,) = price_rows([_record("02-KZ", "02_sanction_effect", up, partner="KZ")])
    assert "puts the real figure above the nominal one" in row.why
    same = {**CF_KZ, "nominal": {"effect": 1.0, "lower": 0.45, "upper": 1.8}}
    (row,) = price_rows([_record("02-KZ", "02_sanction_effect", same, partner="KZ")])
    assert "leaves the printed figure unchanged" in row.why
    nominal_run = {k: v for k, v in CF_RU.items() if k not in ("nominal", "deflator_label")}
    nominal_run.update(real=False, deflator=None)
    (row,) = price_rows([_record("02-RU", "02_sanction_effect", nominal_run, partner="RU")])
    cells = row.cells()
    assert cells["Real terms (default)"] == "not recorded"
    assert cells["Nominal"] == "-58% (-72% to -35%)" and "Deflating" not in row.why
    # the ranking sentence is checked, not typed: allies deflated differently change rank
    swapped = {**COORDINATION, "direct_ratio_real": {"EU27_2020": 0.35, "US": 0.3, "GB": 0.2}}
    (*_, imf) = price_rows([_record("04", "04_coordination_gaps", swapped)])
    assert "their ranking changes" in imf.why
    assert price_rows([]) == []


def test_prices_section_on_the_findings_page_and_in_the_readme(tmp_path):
    stamp = _sweep(tmp_path, RECORDS)
    write_index(stamp, title="Sweep default")
    page = (stamp / "index.html").read_text()
    assert problems(page) == []
    a, p, d = (page.index(x) for x in ('id="answers"', 'id="prices"', 'id="detail"'))
    assert a < p < d
    prices = page[p:d]
    assert "Real terms, nominal and published figures" in prices
    for text in (
        "-58% (-72% to -35%)",
        "-54% (-70% to -25%)",
        "-61% (Eurostat, published)",
        "under 10%",
    ):
        assert text in prices, text
    assert prices.count("<tr>") == 1 + len(price_rows(RECORDS))
    # figures never break (td.num is nowrap); the sentences wrap
    assert '<td class="num">-58% (-72% to -35%)</td>' in prices
    assert '<td class="text">Deflating by' in prices and '<td class="num">Deflating' not in prices
    readme = tmp_path / "README.md"
    readme.write_text(f"# T\n\n{START}\nold\n{END}\n")
    assert update_readme(readme, stamp)
    text = readme.read_text()
    block = text[text.index("**Real terms") :]
    assert text.index("**Answers**") < text.index("**Real terms")
    assert "| EU27 exports to Russia, monthly counterfactual (average month), Mar 2022" in block
    assert "| -58% (-72% to -35%) | -54% (-70% to -25%) | -61% (Eurostat, published) |" in block
    assert "| 2.7% (-4.0% to 14%) | 5.3% (-1.0% to 17%) | under 10% (EBRD, published) |" in block
    assert readme_differences(readme, stamp) == []
    table = price_table(price_rows(RECORDS))
    assert all(len(r) == 5 and r["Why they differ"].endswith(".") for r in table)


def test_answer_four_counts_the_dated_pairs():
    lists = next(a for a in build_answers(RECORDS) if a.key == "lists")
    text = " ".join(lists.sentences)
    assert "1,156 subjects are on both" in text
    assert (
        "Of the 1,079 shared subjects with reliable dates (77 left out: an unreliable date), the "
        "UK listed 700 first, the US 300 first and 79 on the same day" in text
    )
    old = {**COORDINATION["us_uk_overlap"]}
    del old["n_pairs_dated"], old["pairs_left_out_unreliable_date"]
    record = _record("04", "04_coordination_gaps", {"us_uk_overlap": old})
    lists = next(a for a in build_answers([record]) if a.key == "lists")
    assert "Of the shared subjects, the UK listed 700 first" in " ".join(lists.sentences)


def test_methods_page_carries_this_sessions_measurements():
    page = render_methods_html(RECORDS)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    for figure in (
        "38 of 40 series (bias +0.039)",
        "32 of 40 (bias +0.164)",
        "93.0%",
        "6.2%",
        "in 4.5-6.5% when they carried a random walk",
        "Chow in 81, QLR in 31 and CUSUM in 39 of 100",
        "+0.003",
        "141 of 150",
        "145 of 150",
        "5 of 150",
        "126 of 150",
        "3 of 120",
        "26 of 120",
        "11 of 60",
        "0.059",
        "0.01 log points",
    ):
        assert figure in text, figure
    assert "91.5%" not in text and "96%" not in text  # the old figures are gone
    with_breaks = [
        _record(
            f"02-{i}",
            "02_sanction_effect",
            {**CF_RU, "break_inference": f"Wald against a bootstrap (AR({i}) by BIC, c {i}), 499"},
        )
        for i in (1, 2)
    ]
    page = render_methods_html(with_breaks)
    assert page.count("Wald against a bootstrap (its AR order chosen by BIC in each run)") == 1


def test_the_table_needs_no_pandas():
    """The findings page of a warm sweep stays light: the published figures and the table import
    neither pandas nor the estimators."""
    code = (
        "import sys, sanctions_model.reporting.real_terms, sanctions_model.reporting.readme;"
        "print(sorted(m for m in ('pandas', 'sanctions_model.models') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    from sanctions_model.models import published

    assert published.EUROSTAT_RU_EXPORTS is EUROSTAT_RU_EXPORTS  # one place, re-exported


def test_deflator_names_on_the_index_need_no_pandas():
    """The index pages name each run's deflator in the words of ``data.prices.deflator_label``,
    without importing pandas (a warm sweep imports none)."""
    code = (
        "import sys; from sanctions_model.reporting.labels import param_value;"
        "print(param_value('deflator', 'hicp_ea'));"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    label, pandas_loaded = out.stdout.strip().splitlines()
    assert pandas_loaded == "False"
    from sanctions_model.data.prices import PRICE_INDICES, deflator_label
    from sanctions_model.reporting.labels import param_value

    assert label == deflator_label("hicp_ea")
    for name in PRICE_INDICES:
        assert param_value("deflator", name) == deflator_label(name)
    assert param_value("deflator", "no_such_index") == "no_such_index"
