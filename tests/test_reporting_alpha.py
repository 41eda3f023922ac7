"""The shared site follows each run's own ``alpha``: interval labels (``90% interval``) and the
verdicts on zero (tested at the run's level) on the front page's answers, the findings tables,
the README block and the real-terms table.

Records: a copy of the default sweep's EU27 -> Russia run, its figures read from the committed
golden file (``tests/golden/default_results.json``), and small hand-built records labelled as
such (synthetic numbers chosen to sit between the 5% and the 10% test).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.answers import Figure, answer_lines, build_answers
from sanctions_model.reporting.findings import build_sections, run_alpha, shared_level
from sanctions_model.reporting.readme import findings_markdown, read_sweep
from sanctions_model.reporting.real_terms import price_rows, price_table
from sanctions_model.reporting.text import claim, effect_sentence
from sanctions_model.runner.findings import _estimate_rows
from sanctions_model.runner.records import RunRecord

GOLDEN = Path(__file__).parent / "golden" / "default_results.json"


def _golden_ru() -> dict:
    """The default sweep's EU27 -> Russia results (golden file: figures as printed)."""
    printed = json.loads(GOLDEN.read_text(encoding="utf-8"))["02_sanction_effect-RU"]
    results = {k: float(printed[k]) for k in ("effect", "lower", "upper", "p_value")}
    for key in ("p_at_alpha", "p_is_upper_bound", "reporter", "partner", "flow", "product"):
        results[key] = printed[key]
    return results


def _write_run(root: Path, name: str, notebook: str, results: dict, **resolved) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    record = {
        "name": name,
        "notebook": f"notebooks/{notebook}.ipynb",
        "status": "ok",
        "parameters": {},
        "resolved": resolved,
        "results": results,
        "files": ["report.html", "run.json", "results.json"],
    }
    (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")


def _record(name: str, notebook: str, results: dict, **resolved) -> RunRecord:
    return RunRecord(
        name=name,
        notebook=f"notebooks/{notebook}.ipynb",
        status="ok",
        parameters={},
        resolved=resolved,
        results=results,
        files=["report.html", "run.json", "results.json"],
    )


# hand-built (synthetic) member-state run: p = 0.07, below zero at 10%, not at 5%
BETWEEN = {
    "effect": -0.30,
    "lower": -0.55,
    "upper": -0.04,
    "p_value": 0.07,
    "reporter": "DE",
    "partner": "RU",
    "flow": "export",
    "product": "TOTAL",
}
# the same run's figures at 95% (synthetic): the wider interval reaches past zero
BETWEEN_95 = {**BETWEEN, "lower": -0.60, "upper": 0.05}


@pytest.mark.parametrize(
    ("alpha", "text"),
    [(0.05, "95%"), (0.1, "90%"), (0.025, "97.5%"), (0.01, "99%"), (0.2, "80%"), (0.32, "68%")],
)
def test_level_prints_the_coverage_of_the_interval(alpha, text):
    assert fmt.level(alpha) == text
    # the run's own sentence (text.effect_sentence) prints the same label
    assert f"({text} interval -50% to -10%" in effect_sentence(
        "x", -0.3, -0.5, -0.1, p_value=0.01, alpha=alpha
    )


@pytest.mark.parametrize("bad", [0, 1, -0.1, None, float("nan"), "0.1", True])
def test_level_refuses_a_value_that_is_not_a_level(bad):
    with pytest.raises(ValueError, match="alpha: expected a number between 0 and 1"):
        fmt.level(bad)


def test_run_alpha_reads_parameters_over_resolved_and_defaults_to_five_percent():
    assert run_alpha(_record("a", "02_sanction_effect", {}, alpha=0.1)) == 0.1
    given = _record("b", "02_sanction_effect", {}, alpha=0.05)
    given.parameters = {"alpha": 0.2}
    assert run_alpha(given) == 0.2
    assert run_alpha(_record("c", "01_data_overview", {})) == 0.05  # no parameter: old records
    for bad in ("0.1", 0, 1.5, None, True):
        assert run_alpha(_record("d", "02_sanction_effect", {}, alpha=bad)) == 0.05


def test_golden_run_record_at_alpha_01_prints_90_and_judges_at_10(tmp_path):
    """The default sweep's EU27 -> Russia record (p = 0.05 at the line, interval -85% to 0%)
    as written, then relabelled alpha 0.1 (a copy: not a real run at 10%)."""
    results = _golden_ru()
    _write_run(
        tmp_path / "five",
        "02_sanction_effect-RU-00000000",
        "02_sanction_effect",
        results,
        alpha=0.05,
    )
    _write_run(
        tmp_path / "ten", "02_sanction_effect-RU-00000000", "02_sanction_effect", results, alpha=0.1
    )
    five, ten = (answer_lines(build_answers(read_sweep(tmp_path / d)))[0] for d in ("five", "ten"))
    assert "(95% interval -85% to 0%; p = 0.05); at the edge of significance" in five
    assert "90% interval" not in five
    # at 10%, p = 0.05 rejects while the interval reaches zero: no direction, and no edge
    assert "(90% interval -85% to 0%; p = 0.05); interval and p-value disagree" in ten
    assert "95% interval" not in ten and "at the edge" not in ten
    md = findings_markdown(read_sweep(tmp_path / "ten"))
    assert "(90% interval -85% to 0%; p = 0.05)" in md
    assert "The interval and the p-value disagree" in md


def test_p_007_is_below_zero_at_10_and_includes_zero_at_5():
    ten = _record("02_sanction_effect-DE-1", "02_sanction_effect", BETWEEN, alpha=0.1)
    five = _record("02_sanction_effect-DE-1", "02_sanction_effect", BETWEEN_95, alpha=0.05)
    (fig10,) = build_answers([ten])[4].figures
    (fig5,) = build_answers([five])[4].figures
    assert (fig10.alpha, fig10.level, fig10.claim) == (0.1, "90%", "below")
    assert (fig5.alpha, fig5.level, fig5.claim) == (0.05, "95%", "includes zero")
    line10 = answer_lines(build_answers([ten]))[4]
    line5 = answer_lines(build_answers([five]))[4]
    assert (
        "Germany -30% (90% interval -55% to -4.0%; p = 0.07; distinguishable from zero at "
        "the 10% level)"
    ) in line10
    assert (
        "Germany -30% (95% interval -60% to +5.0%; p = 0.07; not distinguishable from zero)"
        in line5
    )
    limits10, limits5 = (
        answer_lines(build_answers([ten]))[5],
        answer_lines(build_answers([five]))[5],
    )
    assert "Germany" not in limits10  # distinguishable at its level: not a limit
    assert (
        "not distinguishable from zero, so the data cannot say" in limits5 and "Germany" in limits5
    )
    # the README block: the sentence follows the interval at the run's level
    md10, md5 = findings_markdown([ten]), findings_markdown([five])
    assert (
        "30% below the counterfactual (90% interval -55% to -4.0%; p = 0.07). The interval "
        "excludes zero."
    ) in md10
    assert (
        "point estimate 30% below the counterfactual (95% interval -60% to +5.0%; p = 0.07). "
        "The interval includes zero"
    ) in md5


def test_the_same_interval_and_p_are_judged_at_each_runs_level():
    """One interval excluding zero with p = 0.07: below at 10%; at 5% interval and p disagree."""
    for alpha, want in ((0.1, "below"), (0.05, "inconclusive")):
        fig = Figure("m", -0.3, -0.55, -0.04, 0.07, "", "r", "", alpha=alpha)
        assert fig.claim == want == claim(-0.55, -0.04, 0.07, alpha)


@pytest.mark.parametrize(
    ("alpha", "p_adjusted", "want"),
    [
        (0.05, 0.08, "not after adjustment"),
        (0.1, 0.08, "below"),
        (0.1, 0.12, "not after adjustment"),
    ],
)
def test_adjusted_p_is_judged_at_the_runs_level(alpha, p_adjusted, want):
    fig = Figure("m", -0.3, -0.5, -0.1, 0.01, "", "r", "", p_adjusted=p_adjusted, alpha=alpha)
    assert fig.claim == want


SYNTHETIC = {  # hand-built synthetic-control results (synthetic numbers)
    "partner": "RU",
    "sc_effect_2022": -0.5,
    "sc_lower_2022": -0.7,
    "sc_upper_2022": -0.2,
    "sc_p_2022": 0.03,
    "sc_p_placebo": 0.08,
    "sc_n_placebos": 50,
    "sc_rank": 4,
    "sc_primary_p_adjusted": {"gap 2022": 0.08, "RMSPE ratio 2022-2022": 0.08},
    "sc_weights": {"BR": 0.6, "IN": 0.4},
}


def test_synthetic_control_placebo_and_holm_tests_at_the_runs_level():
    five = _record("05_synthetic_control-1", "05_synthetic_control", SYNTHETIC, alpha=0.05)
    ten = _record("05_synthetic_control-1", "05_synthetic_control", SYNTHETIC, alpha=0.1)
    line5, line10 = (answer_lines(build_answers([r]))[0] for r in (five, ten))
    assert "rank 4 of 51; p = 0.08, not distinguishable from zero." in line5
    assert "rank 4 of 51; p = 0.08, distinguishable from zero at the 10% level." in line10
    assert "(95% interval -70% to -20%; p = 0.03" in line5
    assert "distinguishable from zero before, not after, the adjustment" in line5
    assert "(90% interval -70% to -20%; p = 0.03" in line10
    assert (
        "-50% (90% interval -70% to -20%; p = 0.03; Holm-adjusted over the 2 primary tests: "
        "p = 0.08); distinguishable from zero at the 10% level."
    ) in line10
    md5, md10 = findings_markdown([five]), findings_markdown([ten])
    assert "Adjusted for the family (Holm): p = 0.08, not distinguishable" in md5
    assert "Adjusted for the family (Holm): p = 0.08." in md10


COORDINATION = {  # hand-built notebook-04 results (synthetic numbers)
    "direct_ratio": {"US": 0.4, "JP": 0.7, "CH": 0.9},
    "index_ranks": {
        "CH": {"rank": 1, "lower": 1, "upper": 2},
        "JP": {"rank": 2, "lower": 1, "upper": 3},
        "US": {"rank": 3, "lower": 2, "upper": 3},
    },
    "eu27_ratio": {
        "hubs_side": 0.06,
        "hubs_side_lower": 0.01,
        "hubs_side_upper": 0.12,
        "hubs_side_p_value": 0.04,
        "eu_side": 0.15,
        "eu_side_lower": 0.05,
        "eu_side_upper": 0.25,
        "eu_side_p_value": 0.01,
    },
}


def test_coordination_ranks_and_ratios_print_the_runs_level():
    ten = _record("04_coordination_gaps-1", "04_coordination_gaps", COORDINATION, alpha=0.1)
    answers = {a.key: " ".join(a.sentences) for a in build_answers([ten])}
    assert "Switzerland ranks first (90% rank interval 1 to 2)" in answers["allies"]
    assert (
        "(90% interval 1.0% to 12%; p = 0.04); distinguishable from zero at the 10% level"
        in answers["hubs"]
    )
    assert "On the EU's export records: 15% (90% interval 5.0% to 25%; p = 0.01)" in answers["hubs"]
    assert "95%" not in answers["allies"] + answers["hubs"]
    index = next(s for s in build_sections([ten]) if s.key == "index")
    assert "with its 90% rank interval from the draws" in index.intro
    five = _record("04_coordination_gaps-1", "04_coordination_gaps", COORDINATION)  # no alpha
    answers = {a.key: " ".join(a.sentences) for a in build_answers([five])}
    assert "(95% rank interval 1 to 2)" in answers["allies"]
    assert "(95% interval 1.0% to 12%; p = 0.04); distinguishable from zero." in answers["hubs"]


def _effects(records):
    return next(s for s in build_sections(records) if s.key == "effects")


def test_findings_table_names_one_level_in_its_header_or_one_per_cell():
    de5 = _record("02_sanction_effect-DE-1", "02_sanction_effect", BETWEEN_95, alpha=0.05)
    pl5 = _record(
        "02_sanction_effect-PL-1",
        "02_sanction_effect",
        {**BETWEEN_95, "reporter": "PL"},
        alpha=0.05,
    )
    de10 = _record("02_sanction_effect-DE-1", "02_sanction_effect", BETWEEN, alpha=0.1)
    pl10 = _record(
        "02_sanction_effect-PL-1", "02_sanction_effect", {**BETWEEN, "reporter": "PL"}, alpha=0.1
    )
    same5 = _estimate_rows(_effects([de5, pl5]))
    assert "<th>95% interval</th>" in same5 and "95%:" not in same5
    assert '<td class="num">-60% to +5.0%</td>' in same5
    same10 = _estimate_rows(_effects([de10, pl10]))
    assert "<th>90% interval</th>" in same10 and "95%" not in same10
    assert '<td class="num">-55% to -4.0%</td>' in same10
    mixed = _estimate_rows(_effects([de10, pl5]))
    assert "<th>Interval</th>" in mixed and "% interval</th>" not in mixed
    assert '<td class="num">90%: -55% to -4.0%</td>' in mixed
    assert '<td class="num">95%: -60% to +5.0%</td>' in mixed
    assert shared_level(_effects([de10, pl5]).estimates) is None


def test_real_terms_table_names_the_level_only_when_a_run_is_not_at_95():
    real = {"real": True, "nominal": {"effect": -0.2, "lower": -0.5, "upper": 0.1}}
    de5 = _record(
        "02_sanction_effect-DE-1", "02_sanction_effect", {**BETWEEN_95, **real}, alpha=0.05
    )
    pl10 = _record(
        "02_sanction_effect-PL-1",
        "02_sanction_effect",
        {**BETWEEN, **real, "reporter": "PL"},
        alpha=0.1,
    )

    def cells(records):
        return {
            c["Headline"].split("'")[0]: (c["Real terms (default)"], c["Nominal"])
            for c in price_table(price_rows(records))
        }

    assert cells([de5]) == {"Germany": ("-30% (-60% to +5.0%)", "-20% (-50% to +10%)")}
    assert cells([de5, pl10]) == {
        "Germany": ("-30% (95% interval -60% to +5.0%)", "-20% (95% interval -50% to +10%)"),
        "Poland": ("-30% (90% interval -55% to -4.0%)", "-20% (90% interval -50% to +10%)"),
    }
    assert cells([pl10])["Poland"][0] == "-30% (90% interval -55% to -4.0%)"


def test_verdict_lists_name_a_shared_level_once_and_mixed_levels_per_figure():
    de10 = _record("02_sanction_effect-DE-1", "02_sanction_effect", BETWEEN_95, alpha=0.1)
    pl10 = _record(
        "02_sanction_effect-PL-1", "02_sanction_effect", {**BETWEEN_95, "reporter": "PL"}, alpha=0.1
    )
    pl5 = _record(
        "02_sanction_effect-PL-1",
        "02_sanction_effect",
        {**BETWEEN_95, "reporter": "PL"},
        alpha=0.05,
    )
    # BETWEEN_95 with p = 0.07 at 10%: the interval reaches zero while p rejects: no direction
    limits = answer_lines(build_answers([de10, pl10]))[5]
    assert "not distinguishable from zero at the 10% level, so the data cannot say" in limits
    assert "Germany, Poland." in limits
    limits = answer_lines(build_answers([de10, pl5]))[5]
    assert "not distinguishable from zero, so the data cannot say" in limits
    assert "Germany (at the 10% level), Poland." in limits


def test_figure_csv_names_each_interval_level():
    """The findings' CSV downloads carry each interval's level (0.9 for a run at alpha 0.1)."""
    import csv
    import io

    from sanctions_model.runner.figure_data import figure_csv

    records = [
        _record("02_sanction_effect-DE", "02_sanction_effect", BETWEEN, alpha=0.1),
        _record(
            "02_sanction_effect-IT",
            "02_sanction_effect",
            {**BETWEEN_95, "reporter": "IT"},
            alpha=0.05,
        ),  # fmt: skip
    ]
    rows = [
        row
        for section in build_sections(records)
        if section.estimates
        for row in csv.DictReader(io.StringIO(figure_csv(section)))
    ]
    levels = {(r["run"], r["lower"]): r["level"] for r in rows if r["lower"]}
    assert levels == {
        ("02_sanction_effect-DE", "-0.55"): "0.9",
        ("02_sanction_effect-IT", "-0.6"): "0.95",
    }


def test_no_level_is_printed_by_rounding_one_minus_alpha():
    """``f"{1 - alpha:.0%}"`` printed a 97.5% interval (alpha=0.025) as "98%" and
    ``int(round(100 * (1 - alpha)))`` likewise: every level goes through ``fmt.level``. The scan
    fails on a new use of either form in the package."""
    import re

    import sanctions_model

    forms = re.compile(r"\{1 - [\w.]*alpha\w*:\.0%\}|round\(100 \* \(1 - [\w.]*alpha|"
                       r"\{100 \* \(1 - [\w.]*alpha\w*\):\.0f\}|"
                       r"int\(\(1 - [\w.]*alpha\w*\) \* 100\)")  # fmt: skip
    src = Path(sanctions_model.__file__).parent
    found = [
        f"{path.relative_to(src)}:{i}"
        for path in sorted(src.rglob("*.py"))
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if forms.search(line)
    ]
    assert found == []
    assert fmt.level(0.025) == "97.5%"


def test_one_shared_level_names_a_table_column_and_anything_else_names_none():
    assert fmt.shared_alpha([0.1, 0.1]) == 0.1
    assert fmt.shared_alpha([0.1, 0.05]) is None
    assert fmt.shared_alpha([0.1, None]) is None and fmt.shared_alpha([]) is None
    assert fmt.interval_label(0.1) == "90% interval"
    assert fmt.interval_label(0.025) == "97.5% interval"
    assert fmt.interval_label(None) == "interval"
