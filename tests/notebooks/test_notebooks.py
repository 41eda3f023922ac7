"""Every notebook executed through the runner with small parameters; headline numbers checked.

These are the real notebooks on the real embedded data, run the way `sanctions-model run` runs
them: parameters validated, kernel `sanctions-model`, outputs in a run directory.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def run(notebook: str, tmp_path: Path, *params: tuple[str, str]) -> dict:
    out = tmp_path / Path(notebook).stem
    args = [
        sys.executable,
        "-m",
        "sanctions_model.cli",
        "run",
        str(ROOT / "notebooks" / notebook),
        "--output-dir",
        str(out),
    ]
    for name, value in params:
        args += ["-p", name, value]
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / "report.html").stat().st_size < 1_000_000
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "ok"
    return json.loads((out / "results.json").read_text())


def test_notebooks_are_committed_without_outputs_and_declare_parameters():
    assert len(NOTEBOOKS) >= 2
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: exactly one cell tagged 'parameters'"
        for line in tagged[0].source.splitlines():
            if line.strip():
                assert ":" in line and "=" in line and "#" in line, f"{path.name}: {line!r}"


def from_sweep(site: Path, stem: str) -> tuple[dict, Path]:
    """The results.json and run folder of the one run of ``stem`` in the test run's shared default
    sweep (notebooks at their default parameters: no second run of the same notebook)."""
    (folder,) = [d for d in (site / "latest").iterdir() if d.name.startswith(stem + "-")]
    assert json.loads((folder / "run.json").read_text())["status"] == "ok"
    return json.loads((folder / "results.json").read_text()), folder


def _parameters(folder: Path) -> dict:
    """The parameters a run of the sweep was given (run.json)."""
    return json.loads((folder / "run.json").read_text())["parameters"]


@pytest.mark.slow
def test_data_overview(default_site):
    res, folder = from_sweep(default_site, "01_data_overview")
    assert res["rows"] == 6 * 68  # Russia and the five partners, 2019-01 to 2024-08
    assert res["ratio_2023_2021_RU"] == pytest.approx(38181.7 / 89169.3, rel=1e-3)
    assert res["ratio_2023_2021_KG"] > 10
    # the report ends with a table of the ratios in words, not the dict the last cell computed
    html = (folder / "report.html").read_text()
    assert "{&#x27;RU&#x27;" not in html and "{'RU'" not in html
    tail = html[html.rindex("Exports in 2023 against the base year") :]
    ratio = f"{res['ratio_2023_2021_RU']:.3f}".rstrip("0")
    assert "EU27 exports to" in tail and "Kyrgyzstan" in tail and ratio in tail, tail[:2000]


HEADLINE_02 = ("effect", "lower", "upper", "p_value", "inference", "model_chosen", "caveats",
               "converged")  # fmt: skip


@pytest.mark.slow
def test_sanction_effect_on_eu_exports_to_russia(tmp_path):
    res = run("02_sanction_effect.ipynb", tmp_path, ("n_sims", "200"))
    for key in HEADLINE_02:
        assert key in res, key
    assert res["effect"] < -0.4
    assert res["lower"] < res["effect"] < res["upper"]
    assert res["converged"] is True and isinstance(res["caveats"], list)
    assert "below" in res["sentence"]
    # with the fit ending before the two anticipation months (the default), 200 paths leave the
    # upper tail coarse (the nesting model's paths reach zero in ~5% of 40,000 draws): the
    # sentence follows its own interval
    assert ("The interval excludes zero" in res["sentence"]) == (res["upper"] < 0)
    assert res["anticipation"]["left_out"] == ["2022-01", "2022-02"]
    assert "only a control series" in res["estimate_includes"]
    assert "rouble" in res["estimate_includes"]
    assert res["model_chosen"] in res["model_choice"]  # chosen by the backtest table shown
    assert "extrapolation" in res["inference"]
    # Eurostat: -61%, Feb 2022 to Sep 2023, seasonally adjusted; STL on our data is close
    sa = res["sa_comparison"]
    assert sa["Eurostat (published)"] == -0.61
    assert -0.70 < sa["STL seasonally adjusted level (this notebook)"] < -0.50
    assert res["placebo"]["n_dates"] >= 6
    # break tests robust to a variance change and a random walk (issue 19): both QLR tests date the
    # largest change to the sanctions; the Chow test at March 2022 sits at the 5% line (p
    # 0.048-0.054 over seeds at 1,999-9,999 replications; 0.04 before the COVID months became
    # one-month dummies, which take the 2020 dip out of the pre-break mean); on these data the
    # deviations from trend and season are nearly a random walk, and a test that does not
    # reject says so in a caveat
    assert res["qlr_trend_break_month"] in ("2022-02", "2022-03", "2022-04")
    assert "bootstrap" in res["break_inference"] and "split at" in res["break_inference"]
    assert "innovations from the residuals with the break" in res["break_inference"]
    assert 0.03 < res["chow_p_value"] < 0.07
    assert res["break_impulse_months"] == ["2020-04", "2020-05"]  # no outlier month in these data
    for key in ("chow_p_value", "qlr_p_value", "qlr_trend_p_value"):
        if res[key] >= 0.05:
            assert any("random walk" in c for c in res["break_caveats"]), key
    # the first package's step is a large fall and says what else it carries
    assert res["intervention_effects"]["EU package 4"] < -0.3
    assert any("invasion" in c for c in res["intervention_caveats"])
    # the chart's data, in the run's unit, for the findings page's CSV
    series = res["counterfactual_series"]
    assert series["unit"] == res["units"] == "EUR at 2021 prices"
    n = len(series["period"])
    assert n == 68 and all(len(series[k]) == n for k in ("observed", "median", "lower", "upper"))
    post = [i for i, p in enumerate(series["period"]) if p >= "2022-03"]
    assert series["starts"] == "2022-03" and len(post) == 30
    # the flow sits below the counterfactual's median in every sanctioned month and below its
    # pointwise 95% band in the first ones; with the fit ending in 2021-12 (two anticipation
    # months) the band widens with the horizon, to -81% of the median by 2024 at 40,000 paths,
    # so later months sit inside it (4 of 30 below it in the default sweep)
    assert all(series["observed"][i] < series["median"][i] for i in post)
    below = sum(series["observed"][i] < series["lower"][i] for i in post)
    assert 1 <= below <= 15, below


@pytest.mark.slow
def test_sanction_effect_on_eu_exports_to_kyrgyzstan(default_site):
    # the default sweep's run (default paths), not a second run of the same notebook
    res, folder = from_sweep(default_site, "02_sanction_effect-KG")
    assert _parameters(folder) == {"reporter": "EU27_2020", "partner": "KG"}
    assert res["effect"] > 1.0  # more than double the counterfactual
    # the p-value may be only a bound the draws support ("p < 0.01")
    assert res["lower"] > 0
    assert res["p_value"] < 0.05 or (res["p_is_upper_bound"] and res["p_value"] <= 0.05)
    assert "above" in res["sentence"]
    assert "Eurostat (published)" not in res["sa_comparison"]  # its -61% is about RU


@pytest.mark.slow
def test_sanction_effect_on_eu_energy_imports_from_russia_with_brent(default_site):
    # the default sweep's run of these parameters, not a second run of the same notebook
    res, folder = from_sweep(default_site, "02_sanction_effect-27")
    assert _parameters(folder) == {
        "reporter": "EU27_2020", "partner": "RU", "flow": "import", "source": "eurostat_xlsx",
        "pre_start": "2020-01", "controls": ["fred:POILBREUSDM"], "product": "27",
    }  # fmt: skip
    for key in HEADLINE_02:
        assert key in res, key
    assert res["controls"] == ["fred:POILBREUSDM"] and "fred:POILBREUSDM" in res["inference"]
    # a real-terms run: Brent (USD per barrel) deflated by US consumer prices, the flow by HICP
    assert res["real"] is True and res["deflator"] == "hicp_ea"
    assert res["controls_deflated"] == {"fred:POILBREUSDM": "cpi_u"}
    # the spreadsheet's 26-month pre-period, less the two anticipation months left out of the fit
    assert res["pre_period"] == ["2020-01", "2021-12"]
    assert res["anticipation"]["left_out"] == ["2022-01", "2022-02"]
    assert res["lower"] < res["effect"] < res["upper"]
    # sentence and numbers from the same draws: a claimed side only with p below 5%
    assert ("excludes zero" in res["sentence"]) == (res["p_value"] < 0.05)


@pytest.mark.slow
def test_coordination_gaps(tmp_path):
    res = run("04_coordination_gaps.ipynb", tmp_path, ("n_draws", "400"), ("n_perm", "199"))
    # the scorecard's direct ratios are the IMF's (Russia's imports, 2023 over 2021)
    direct = res["direct_ratio"]
    for ally, ratio in {"US": 0.094, "GB": 0.244, "JP": 0.364, "KR": 0.618, "CH": 0.780}.items():
        assert round(direct[ally], 3) == ratio
    # every substitution estimate lies inside its interval; the EU27 one (hubs' records, which
    # overstate re-routing through the hubs) is well below one, next to the EBRD's "under 10%"
    for s in res["substitution"].values():  # an unbounded side is recorded as null
        lower = -float("inf") if s["lower"] is None else s["lower"]
        upper = float("inf") if s["upper"] is None else s["upper"]
        assert lower <= s["estimate"] <= upper
    eu = res["eu27_ratio"]
    assert 0 < eu["hubs_side"] < 0.2 and eu["hubs_side_upper"] < 0.5
    assert eu["eu_side_lower"] <= eu["eu_side"] <= eu["eu_side_upper"]
    overlap = res["us_uk_overlap"]
    assert overlap["threshold"] == 90 and 0.25 < overlap["share_of_uk_on_us"] < 0.45
    # who listed first, from the lag table, for answer (4) of the findings page
    firsts = [overlap[k] for k in ("uk_first", "us_first", "same_day")]
    assert all(isinstance(v, int) for v in firsts)
    assert sum(firsts) == overlap["n_pairs_dated"] <= overlap["matched"]
    assert isinstance(overlap["median_lag_days"], float)
    assert "scraped copy" in overlap["date_caveat"] and res["caveats"]["us_uk_overlap"]
    ranked = {a: r for a, r in res["index_ranks"].items() if r["rank"] is not None}
    assert len(ranked) >= 5 and all(r["lower"] <= r["rank"] <= r["upper"] for r in ranked.values())
    tier1 = res["chp_did"]["tier 1"]
    # battlefield goods to Russia fell against other banned goods
    assert tier1["RU"]["estimate"] < 0
    for g in tier1.values():  # an unbounded end is recorded as null
        lower = -float("inf") if g["lower"] is None else g["lower"]
        upper = float("inf") if g["upper"] is None else g["upper"]
        assert lower <= g["estimate"] <= upper
        assert g["n_perm"] == 199 and g["p_mc_se"] > 0 and g["p_text"].startswith("p ")
    assert "randomization" in res["inference"]["chp"]
    # p-values recorded: the EU27 aggregate a single test, the others BH-adjusted as one family
    assert res["substitution"]["EU27_2020"]["p_family"] == "aggregate"
    assert all(0 <= e["p_value"] <= 1 for e in res["chp_substitution"].values())
    assert any("counted for 2022 only" in c for c in res["caveats"]["scorecard"])
    # real terms by default, the deflator named, nominal kept beside; the gap split in one currency
    assert res["prices"]["real"] and res["prices"]["usd_deflator"] == "cpi_u"
    assert eu["units"] == "USD at 2021 prices" and eu["hubs_side_nominal"] > eu["hubs_side"]
    assert eu["gap_share_coverage"] + eu["gap_share_records"] == pytest.approx(1.0)


@pytest.mark.slow
def test_trade_diversion(default_site):
    res, folder = from_sweep(default_site, "03_trade_diversion")  # default parameters
    # Russia against notebook 05's donor pool (annual_donor_pool: no EU members, hubs or
    # non-country codes, EUR 1 bn+ in every pre-year), randomization inference: rank 1
    donors = res["did_ru_annual_donors"]
    assert 50 <= len(donors) <= 70 and res["did_ru_annual_n_placebos"] == len(donors)
    assert not set(donors) & {"AT", "DE", "FR", "AQ", "XC", "AM", "TR", "BY"}
    assert -1.2 < res["did_ru_annual"] < -0.5
    assert res["did_ru_annual_rank"] == 1
    assert res["did_ru_annual_p_ri"] == 1 / (1 + res["did_ru_annual_n_placebos"])
    assert f"the smallest value {len(donors)} placebos allow" in res["did_ru_annual_sentence"]
    assert "January and February" in res["did_ru_annual_sentence"]
    assert res["did_ru_annual_lower"] < res["did_ru_annual"] < res["did_ru_annual_upper"] < 0
    assert "randomization inference over" in res["did_ru_annual_inference"]
    assert "re-routing hub" in res["did_ru_annual_controls_excluded"][0]
    # gravity: 2022+ relative to 2014-21 is the difference of the two dummies, with its interval
    g = res["gravity"]
    assert res["gravity_ru_2022_vs_2014_21"] == pytest.approx(
        g["russia_2022"] - g["russia_2014"], abs=0.1
    )  # the design-based fit uses Russia + donors only, so close, not equal
    lo, hi = res["gravity_ru_2022_vs_2014_21_lower"], res["gravity_ru_2022_vs_2014_21_upper"]
    assert lo < res["gravity_ru_2022_vs_2014_21"] < hi
    assert (hi < 0) == (res["gravity_ru_2022_vs_2014_21_p_ri"] < 0.05)
    assert res["gravity_compared_with"]["russia_2022"] == "Russia in 2010-13"
    assert g["russia_2014"] < 0 and g["partners_2022"] > 0
    # plain 2023/2021 ratio at 2021 prices (HICP) 0.37; in current prices 0.43
    assert res["raw_ratio_2023_2021"] == pytest.approx(0.37, abs=0.01)
    assert res["raw_ratio_2023_2021_nominal"] == pytest.approx(0.43, abs=0.01)
    assert res["real"] and "HICP" in res["deflator"]
    # annual event study against 2018-19 (19.4), 2021 as robustness; anticipation pre-trend test
    assert res["event_study_ru_annual_reference"] == "2018-2019 average"
    assert "between the reference and the event" in res["event_study_ru_annual_pretrend_test"]
    assert not set(donors) & {"GI", "BH", "IQ", "NG", "SA"}  # no fuel-driven donors
    assert "WCR" in res["did_exposure_ru_inference"]
    assert set(res["did_exposure_by_partner"]) == {"AM", "GE", "KZ", "KG", "UZ"}
    # exposure effects scaled to the observed spread; partners' dummy by random donor groups
    assert 0.2 < res["exposure_spread"] < 0.6 and "most exposure" in res["did_exposure_sentence"]
    assert 0 < res["gravity_partners_2022_p_ri"] <= 1
    assert "groups of 5 destinations" in res["gravity_partners_2022_inference"]
    assert set(res["event_study_ru_annual_p_bh"]) == {2022, 2023} or set(
        res["event_study_ru_annual_p_bh"]
    ) == {"2022", "2023"}  # the family is the war years only
    report = (folder / "report.html").read_text()
    assert "n/a: one treated cluster, see the randomization table" in report
    assert "September 2023 against February 2022" in report and "2021 peak" not in report
    # the base month compared like with like (referee): the same month a year earlier, and
    # seasonally adjusted against the 2021 average; never "about EUR 8 bn" typed in
    assert (
        "about EUR 8 bn" not in report and "EUR 7.27 bn in Feb 2022, 9.8% above Feb 2021" in report
    )
    assert "Seasonally adjusted" in report and "2.2% below" not in report
    # 19.5: exposure figures rounded to their Monte Carlo error (99,999 draws; seeds agree)
    assert "(95% interval -35% to +400%; p = 0.3)" in res["did_exposure_sentence"]
    assert "rounded to their Monte Carlo error" in report
    assert "among 1,999 random groups of five donors" in res["gravity_partners_2022_sentence"]
    assert "rank" not in res["gravity_partners_2022_sentence"]


@pytest.mark.slow
def test_synthetic_control_eu_exports_to_russia(tmp_path):
    res = run("05_synthetic_control.ipynb", tmp_path, ("augmented", "false"), ("n_sims", "200"))
    # EU27 -> RU at 2021 prices against 50 donors without the fuel-driven ones (Brazil carries
    # the fit): -54% in 2022, -68% in 2023; with them (robustness row) -57% and -69%
    assert res["sc_effect_2022"] == pytest.approx(-0.535, abs=0.01)
    assert res["sc_effect_2023"] == pytest.approx(-0.680, abs=0.01)
    assert res["sc_other_pool"]["sc_effect_2022"] == pytest.approx(-0.572, abs=0.01)
    assert "HICP" in res["deflator"] and res["real"] and res["donor_rule"] == "no_fuel"
    assert res["raw_change"] < res["raw_change_nominal"] < 0  # the real fall is the larger
    assert res["sc_upper_2022"] < 0 and res["sc_p_2022"] < 0.05 and res["sc_p_2023"] < 0.11
    assert res["sc_rank"] == 9 and res["sc_n_placebos"] == 50
    assert res["sc_p_placebo"] == pytest.approx(res["sc_rank"] / (res["sc_n_placebos"] + 1))
    # co-primary tests, Holm (19.6i): none can reach 5% with 50 placebos (3/51 = 0.059)
    assert min(res["sc_primary_p_adjusted"].values()) >= 3 / 51 - 1e-12
    assert "placebo-in-space" in res["inference"] and len(res["caveats"]) >= 3
    assert res["eurostat_published"] == -0.61
    assert res["monthly_counterfactual_effect"] < -0.3
    assert res["sdid_effect"]["2023"] == pytest.approx(-0.697, abs=0.01)  # synthetic DiD agrees
    fam = res["family"]
    assert set(fam) == {"RU", "AM", "GE", "KZ", "KG", "UZ"}
    assert all(v["p_adjusted"] >= v["p_value"] for v in fam.values())
    assert all(fam[c]["effect_2023"] > 0 for c in ("AM", "GE", "KZ", "KG", "UZ"))
    # Russia is the primary hypothesis, tested on its own; the partners are a Holm family of five
    assert res["family_primary"] == "RU" and fam["RU"]["p_adjusted"] == fam["RU"]["p_value"]
    assert res["family_adjustment"].startswith("Holm")
    assert res["monthly_counterfactual_lower"] < res["monthly_counterfactual_effect"]
    assert res["monthly_counterfactual_effect"] < res["monthly_counterfactual_upper"]
    assert "simulated" in res["monthly_counterfactual_inference"]
    assert res["monthly_counterfactual_window"].startswith("2022-03 to ")
    assert 0.05 <= min(res["specification_p_range"]) <= max(res["specification_p_range"]) <= 0.7
    report = (tmp_path / "05_synthetic_control" / "report.html").read_text()
    assert "None reaches 5% after adjustment; none could" in report and "p &lt;" not in report
    assert "does not reach 5%" in report and "not a confidence interval" in report
    assert "about EUR 8 bn" not in report and "EUR 7.27 bn" in report  # 19.6d: from the data
    assert "HICP" in report and "current prices" in report
    assert not re.search(r"\d\.\d+e[-+]\d\d", report)  # no exponent notation anywhere
