"""The findings page and the README block, from hand-made sweep folders (no kernel needed)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from sanctions_model.cli import main
from sanctions_model.errors import ParameterError
from sanctions_model.reporting.findings import build_sections
from sanctions_model.reporting.readme import END, START, readme_differences, update_readme
from sanctions_model.runner.index import write_index
from sanctions_model.runner.records import RunRecord

from ..test_site_quality import front_page_problems, problems

EFFECT_RU = {
    "reporter": "EU27_2020",
    "partner": "RU",
    "flow": "export",
    "effect": -0.5659,
    "lower": -0.6901,
    "upper": -0.3544,
    "p_value": 0.002,
    "inference": "simulated counterfactual paths (500 draws)",
    "caveats": ["pre-period of 38 months"],
}
EFFECT_KG_OLD_KEYS = {
    "reporter": "EU27_2020",
    "partner": "KG",
    "average_effect": 7.657,
    "average_lower": 2.9,
    "average_upper": 20.1,
    "p_value": 0.002,
    "headline": {"effect": 7.657},
}
DIVERSION = {
    "did_ru_annual": -1.2,
    "did_ru_annual_lower": -1.5,
    "did_ru_annual_upper": -0.9,
    "did_ru_annual_p_ri": 0.008,
    "gravity": {"russia_2022": -1.35, "partners_2022": 0.39},
    "gravity_se": {"russia_2022": 0.03, "partners_2022": 0.1},
    "did_russia_se": 0.16,
}
SYNTHETIC = {"sc_effect_2023": -0.6, "sc_p_placebo": 0.02, "sc_n_placebos": 49, "sc_rank": 1}
ALLIES = {
    "substitution": {
        "DE": {"estimate": 0.11, "lower": 0.05, "upper": 0.2},
        "LT": {"estimate": 0.47, "lower": 0.3, "upper": 0.7},
    },
    "index": {"LT": {"index": 0.8, "lower": 0.6, "upper": 0.95}, "DE": 0.3},
    "scorecard": {"direct_ratio": {"US": 0.094, "GB": 0.244}, "hub_imports": {"US": 3.1e9}},
}
GARBAGE = {
    "effect": "large",
    "lower": None,
    "upper": [1, 2],
    "p_value": float("nan"),
    "substitution": "n/a",
    "index": [1, 2, 3],
    "scorecard": {"x": 1},
    "gravity": ["a"],
    "sc_effect_2022": True,
    "headline": "none",
}


def _record(name, notebook, results, *, status="ok", **resolved):
    return RunRecord(
        name=name,
        notebook=f"notebooks/{notebook}.ipynb",
        status=status,
        parameters=dict(resolved),
        resolved=dict(resolved),
        results=results,
        files=["report.html", "run.json", "results.json"],
    )


RECORDS = [
    _record("02-RU", "02_sanction_effect", EFFECT_RU, partner="RU"),
    _record("02-KG", "02_sanction_effect", EFFECT_KG_OLD_KEYS, partner="KG"),
    _record("03", "03_trade_diversion", DIVERSION),
    _record("05", "05_synthetic_control", SYNTHETIC),
    _record("04", "04_coordination_gaps", ALLIES),
    _record("01", "01_data_overview", {"headline": {"RU 2023/2021": 0.43, "KG 2023/2021": 10.4}}),
]


def _sections(records=RECORDS):
    return {s.key: s for s in build_sections(records)}


def test_sections_read_each_notebooks_keys():
    sections = _sections()
    effects = {e.label: e for e in sections["effects"].estimates}
    ru, kg = effects["EU27 exports to Russia"], effects["EU27 exports to Kyrgyzstan"]
    assert (ru.value, ru.lower, ru.upper, ru.p_value) == (-0.5659, -0.6901, -0.3544, 0.002)
    assert (kg.value, kg.lower, kg.upper) == (7.657, 2.9, 20.1)  # the older key names
    assert sections["effects"].inference == ["simulated counterfactual paths (500 draws)"]
    assert sections["effects"].caveats == [("pre-period of 38 months", "EU27 exports to Russia")]
    diversion = {e.label: e for e in sections["diversion"].estimates}
    did = diversion[
        "EU27 exports to Russia against donor destinations (difference-in-differences, annual)"
    ]
    assert did.lower == -1.5 and did.p_value == 0.008
    assert diversion["gravity (PPML): Russia in 2022-23"].note == "s.e. 0.030"
    (sc,) = sections["synthetic"].estimates
    assert (sc.value, sc.p_value, sc.scale, sc.note) == (-0.6, 0.02, "relative", "rank 1 of 50")
    allies = {e.label: e for e in sections["allies"].estimates}
    assert (allies["Lithuania"].value, allies["Lithuania"].upper) == (0.47, 0.7)
    index = {e.label: e for e in sections["index"].estimates}
    assert index["Lithuania"].lower == 0.6 and index["Germany"].lower is None
    card = sections["scorecard"].table
    assert {row["Ally"] for row in card} == {"United States", "United Kingdom"}
    assert next(r for r in card if r["Ally"] == "United States")["hubs' imports"] == "3.10 bn"
    generic = sections["headline"]
    assert generic.reference == 1.0 and len(generic.estimates) == 2


def test_wrong_types_are_ignored_not_fatal():
    sections = _sections([_record("bad", "02_sanction_effect", GARBAGE)])
    assert sections == {}
    assert build_sections([_record("x", "02", None), _record("y", "02", [1, 2])]) == []
    failed = _record("f", "02_sanction_effect", EFFECT_RU, status="failed")
    assert build_sections([failed]) == []  # a failed run's numbers are not findings


def _sweep(tmp_path: Path, records=RECORDS, *, finished: bool = True) -> Path:
    stamp = tmp_path / "default" / "20261128T064404Z"
    for record in records:
        (stamp / record.name).mkdir(parents=True)
        record.write(stamp / record.name)
        (stamp / record.name / "report.html").write_text("<html></html>")
    if finished:
        ok = all(r.status in ("ok", "cached") for r in records)
        (stamp / "sweep.json").write_text(json.dumps({"name": "default", "ok": ok}))
    return stamp


def test_write_index_builds_findings_runs_and_csv(tmp_path):
    stamp = _sweep(tmp_path)
    root = stamp.parent
    (root / "latest").symlink_to(stamp.name)
    banner = (
        '<p class="sm-banner sm-failed">The newest sweep, 20261129T000000Z, did not succeed; '
        "shown here are the results of the last sweep in which every run succeeded.</p>"
    )
    write_index(
        stamp, title="Sweep default", target_dir=root, link_prefix=f"{stamp.name}/", note=banner
    )
    page = (root / "index.html").read_text()
    assert front_page_problems(root / "index.html") == []
    assert problems(page) == []
    assert page.count('<figure class="chart">') >= 5  # effects, diversion, sc, allies, index, ...
    assert f'<div class="note" role="status">{banner}</div>' in page
    assert "28 Nov 2026, 06:44 UTC" in page and "sanctions-model" in page
    assert (
        "-57%" in page and "-69% to -35%" in page and "+770%" in page and "&lt; 0.001" not in page
    )
    assert "<script" not in page and not re.search(r"(?:src|href)=[\"']?(?:https?:)?//", page)
    for href in re.findall(r'(?<!:)href="([^"#][^"]*)"', page):  # not the SVG's xlink:href="#.."
        assert (root / href).exists(), href
    runs = (root / "runs.html").read_text()
    assert runs.count("<tr class=") == len(RECORDS) and banner in runs and problems(runs) == []
    assert "7.657" in (root / "index.csv").read_text()  # the CSV keeps machine precision


def test_failed_runs_are_named_on_the_front_page(tmp_path):
    records = [*RECORDS[:2], _record("02-AM", "02_sanction_effect", None, status="failed")]
    stamp = _sweep(tmp_path, records)
    write_index(stamp, title="Sweep default")
    page = (stamp / "index.html").read_text()
    assert "1 run(s) did not succeed" in page and "02-AM" in page


def test_readme_block_is_written_and_checked(tmp_path):
    stamp = _sweep(tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nIntro.\n\n{START}\nold numbers 1 2 3\n{END}\n\nRest 42.\n")
    assert update_readme(readme, stamp)
    text = readme.read_text()
    assert text.startswith("# Title\n\nIntro.\n\n") and text.endswith(f"{END}\n\nRest 42.\n")
    assert "EU27 exports to Russia: 57% below the counterfactual (95% interval -69% to -35%" in text
    assert text.index("**Answers**") < text.index(
        "**Change in trade since the war"
    )  # answers first
    assert "Lithuania" in text and readme_differences(readme, stamp) == []
    assert not update_readme(readme, stamp)  # idempotent
    # a new sweep whose effect moved beyond Monte Carlo noise: the README is stale
    record = json.loads((stamp / "02-RU" / "run.json").read_text())
    record["results"]["upper"] = -0.2444
    (stamp / "02-RU" / "run.json").write_text(json.dumps(record))
    assert "README -35 vs sweep -24" in readme_differences(readme, stamp)
    # a move within what 1,000 draws support (another seed or machine: -35 -> -34) is not
    record["results"]["upper"] = -0.3444
    (stamp / "02-RU" / "run.json").write_text(json.dumps(record))
    assert readme_differences(readme, stamp) == []
    assert main(["readme", "--sweep", str(stamp), "--readme", str(readme), "--check"]) == 0


def test_readme_errors_name_the_problem(tmp_path, capsys):
    stamp = _sweep(tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text("no markers\n")
    with pytest.raises(ParameterError, match="findings:start"):
        update_readme(readme, stamp)
    readme.write_text(f"{START}\n{END}\n")
    assert main(["readme", "--sweep", str(tmp_path / "nope"), "--readme", str(readme)]) == 2
    assert "no such sweep folder" in capsys.readouterr().err


def test_forest_axis_reads_in_percent():
    from sanctions_model.reporting.plots import forest_plot

    fig = forest_plot(
        ["a", "b"], [-0.57, 7.66], [-0.69, 2.9], [-0.35, 20.1], scale="relative", title="T"
    )
    ax = fig.axes[0]
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert ax.get_title(loc="left") == "T" and "0%" in labels and "-50%" in labels
    assert all(re.fullmatch(r"[-+]?[\d,]+%", x) for x in labels)
    # -50% and +100% are equally far from zero on the log-ratio axis
    positions = dict(zip(labels, ax.get_xticks(), strict=True))
    if "+100%" in positions:
        assert math.isclose(-positions["-50%"], positions["+100%"])


def test_gravity_terms_are_labelled_and_exposure_effects_scaled():
    """Notebook 03's keys as it records them now: analytic gravity terms say what they are
    compared with and that their interval is not valid; exposure effects are shown between the
    most and the least exposed member state, not per unit of exposure."""
    results = {
        "gravity": {"russia_2022": -1.35},
        "gravity_compared_with": {"russia_2022": "Russia in 2010-13"},
        "did_exposure_ru": -1.66,
        "did_exposure_ru_lower": -9.9,
        "did_exposure_ru_upper": 6.92,
        "did_exposure_ru_p": 0.51,
        "exposure_spread": 0.37,
    }
    sections = _sections([_record("03", "03_trade_diversion", results)])
    diversion = {e.label: e for e in sections["diversion"].estimates}
    grav = diversion["gravity (PPML): Russia in 2022-23 vs Russia in 2010-13"]
    assert grav.lower is None and "not valid" in grav.note
    exp = diversion["exports to Russia, most against least exposed member state"]
    assert exp.value == pytest.approx(-1.66 * 0.37) and exp.lower == pytest.approx(-9.9 * 0.37)


def test_readme_only_from_a_finished_successful_sweep(tmp_path, capsys):
    """#21.6: a sweep folder without sweep.json (running or killed) or with "ok": false is
    refused, naming why, and the README is not touched."""
    stamp = _sweep(tmp_path, finished=False)
    readme = tmp_path / "README.md"
    readme.write_text(f"{START}\nold 1 2 3\n{END}\n")
    assert main(["readme", "--sweep", str(stamp), "--readme", str(readme)]) == 2
    assert "no sweep.json" in capsys.readouterr().err
    (stamp / "sweep.json").write_text(json.dumps({"ok": False, "failed": ["02-AM"]}))
    assert main(["readme", "--sweep", str(stamp), "--readme", str(readme)]) == 2
    err = capsys.readouterr().err
    assert "does not say the sweep succeeded" in err and "02-AM" in err
    assert main(["readme", "--sweep", str(stamp), "--readme", str(readme), "--check"]) == 2
    assert readme.read_text() == f"{START}\nold 1 2 3\n{END}\n"


@pytest.mark.parametrize(
    ("have", "want", "same"),
    [
        ("59", "56", True),  # KZ's lower bound on two machines
        ("+56", "+54", True),  # KZ's bounds with 1 BLAS thread against the default
        ("+230", "+220", True),
        ("0.46", "0.47", True),
        ("-41", "-42", True),
        ("0.004", "0.006", True),
        ("-54", "-64", False),
        ("-35", "-24", False),
        ("+5", "-3", False),  # a change of sign is never noise
        ("2022", "2023", False),  # years are exact
        ("1,156", "1,156", True),
    ],
)
def test_readme_check_compares_at_the_precision_the_draws_support(have, want, same):
    from sanctions_model.reporting.readme import same_printed

    assert same_printed(have, want) is same


def test_readme_block_cannot_carry_html_or_script_links(tmp_path):
    """#21.9: a label from data (a product code) with raw HTML or a javascript: link is escaped
    in README.md."""
    hostile = {
        **EFFECT_RU,
        "product": "</svg><script>alert(1)</script>[x](javascript:alert(3))",
    }
    stamp = _sweep(tmp_path, [_record("02-X", "02_sanction_effect", hostile, partner="RU")])
    readme = tmp_path / "README.md"
    readme.write_text(f"{START}\n{END}\n")
    update_readme(readme, stamp)
    text = readme.read_text()
    assert "<script" not in text and "</svg" not in text and "](javascript:" not in text
    assert "javascript:" not in text.lower().replace("javascript\\:", "")
    import markdown_it

    rendered = markdown_it.MarkdownIt("commonmark").render(text)
    assert "<script" not in rendered and 'href="javascript' not in rendered.lower()


def test_sensitivity_rows_are_labelled_by_what_varies(tmp_path):
    """Two pre-periods of one flow give two rows that say which pre-period each is."""
    a = _record("02-AM-a", "02_sanction_effect", {**EFFECT_RU, "partner": "AM"}, partner="AM")
    b = _record(
        "02-AM-b",
        "02_sanction_effect",
        {**EFFECT_RU, "partner": "AM", "effect": 1.5},
        partner="AM",
        pre_start="2016-01",
    )
    a.resolved["pre_start"] = "2019-01"
    rows = [e.label for e in _sections([a, b])["effects"].estimates]
    assert len(set(rows)) == 2, rows
    assert any("pre-period from 2016-01" in r for r in rows)
    assert any("pre-period from 2019-01" in r for r in rows)
    assert all(r.startswith("EU27 exports to Armenia") for r in rows)


def test_adjusted_p_values_never_sit_beside_unadjusted_intervals():
    """#19.6g: the p-value beside an interval is the unadjusted one; the family-adjusted p is
    shown as a labelled note."""
    results = {
        "substitution": {
            "GB": {
                "estimate": 0.1,
                "lower": 0.013,
                "upper": 0.26,
                "p_adjusted": 0.17,
                "p_unadjusted": 0.02,
                "p_family": "allies",
            },
            "EU27_2020": {"estimate": 0.07, "lower": 0.02, "upper": 0.16, "p_value": 0.003},
        }
    }
    allies = {
        e.label: e
        for e in _sections([_record("04", "04_coordination", results)])["allies"].estimates
    }
    gb = allies["United Kingdom"]
    assert (gb.p_value, gb.p_adjusted) == (0.02, 0.17)
    assert "Benjamini-Hochberg" in gb.note and "0.17" in gb.note and "unadjusted" in gb.note
    assert allies["EU27"].p_adjusted is None and allies["EU27"].p_value == 0.003


def test_answers_first_with_links_and_words_for_zero(tmp_path):
    from sanctions_model.reporting.answers import build_answers

    answers = {a.key: a for a in build_answers(RECORDS)}
    assert list(answers) == ["fall", "hubs", "allies", "lists", "members", "limits"]
    fall = " ".join(answers["fall"].sentences)
    assert "-57% (95% interval -69% to -35%; p = 0.002); distinguishable from zero" in fall
    assert "02-RU" in answers["fall"].runs and "03" in answers["fall"].runs
    # an answer whose inputs are missing names the run and the key
    assert "run 04 recorded no us_uk_overlap" in " ".join(answers["lists"].sentences)
    stamp = _sweep(tmp_path)
    write_index(stamp, title="Sweep default")
    page = (stamp / "index.html").read_text()
    assert page.index('<section id="answers">') < page.index('id="detail"')
    assert (
        "<h1>What the sanctions on Russia did to trade</h1>" in page and "Sweep default" not in page
    )
    assert '<a href="methods.html">' in page and (stamp / "methods.html").is_file()
    assert "How the intervals were computed" not in page  # on the methods page now
    for href in re.findall(r'<p class="data"> <a href="([^"]+)">', page):
        assert (stamp / href).is_file(), href
    assert (stamp / "figures.csv").read_text().count("\n") > 5


def test_index_csv_has_every_headline_with_interval_unit_and_period(tmp_path):
    import csv

    record = _record(
        "02-RU", "02_sanction_effect", {**EFFECT_RU, "post_period": ["2022-03", "2024-08"]}
    )
    many = {f"k{i}": float(i) for i in range(12)}
    stamp = _sweep(tmp_path, [record, _record("03", "03_trade_diversion", {**DIVERSION, **many})])
    write_index(stamp, title="Sweep default")
    rows = {r["name"]: r for r in csv.DictReader((stamp / "index.csv").open())}
    ru = rows["02-RU"]
    assert (ru["result.effect"], ru["result.effect.lower"], ru["result.effect.upper"]) == (
        "-0.5659",
        "-0.6901",
        "-0.3544",
    )
    assert ru["result.effect.p_value"] == "0.002" and ru["result.effect.unit"] == "%"
    assert ru["result.effect.period"] == "2022-03 to 2024-08"
    did = rows["03"]
    assert did["result.did_ru_annual.lower"] == "-1.5" and did["result.did_ru_annual.p_value"]
    assert did["result.did_ru_annual.unit"] == "log points"
    assert did["result.k11"] == "11"  # not only the first 8 keys


def test_share_bundle_holds_each_report_once(tmp_path, capsys):
    import zipfile

    stamp = _sweep(tmp_path)
    root = stamp.parent
    (root / "latest").symlink_to(stamp.name)
    (root / "latest-ok").symlink_to(stamp.name)
    write_index(stamp, title="Sweep default", target_dir=root, link_prefix=f"{stamp.name}/")
    assert main(["share", str(root)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\.zip: \d+\.\d MB, \d+ files", out)
    zips = list(tmp_path.glob("*.zip"))
    assert len(zips) == 1
    names = zipfile.ZipFile(zips[0]).namelist()
    reports = [n for n in names if n.endswith("report.html")]
    assert len(reports) == len(RECORDS) == len(set(reports))  # no copy through latest links
    assert "index.html" in names and not any(n.startswith(("latest", "latest-ok")) for n in names)
    page = zipfile.ZipFile(zips[0]).read("index.html").decode()
    for href in re.findall(r'(?<!:)href="([^"#][^"]*)"', page):
        assert href in names or href.rstrip("/") in names, href
    assert main(["share", str(tmp_path / "nope")]) == 2


def test_counterfactual_chart_follows_the_answers_with_its_data(tmp_path):
    """The EU27 -> Russia chart of the run's notebook is embedded after the answers (no file
    fetched), with its data as CSV when the run records the series."""
    import base64

    import nbformat

    series = {
        "period": ["2022-01", "2022-02", "2022-03"],
        "observed": [7.4e9, 7.3e9, 3.9e9],
        "mean": [7.4e9, 7.3e9, 7.4e9],
        "lower": [6e9, 6e9, 5.5e9],
        "upper": [9e9, 9e9, 9.5e9],
    }
    ru = _record(
        "02-RU",
        "02_sanction_effect",
        {**EFFECT_RU, "counterfactual_series": series},
        reporter="EU27_2020",
        partner="RU",
    )
    stamp = _sweep(tmp_path, [ru, *RECORDS[2:]])
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 32).decode()
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("plot")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "image/png": png,
                "text/plain": "Chart: EU27 exports to RU: observed and counterfactual",
            },
        )
    ]
    nb.cells = [cell]
    nbformat.write(nb, stamp / "02-RU" / "notebook.ipynb")
    write_index(stamp, title="Sweep default")
    page = (stamp / "index.html").read_text()
    assert (
        page.index('id="answers"') < page.index('id="counterfactual"') < page.index('id="detail"')
    )
    assert f'src="data:image/png;base64,{png}"' in page
    rows = (stamp / "figures" / "eu27_russia_counterfactual.csv").read_text().splitlines()
    assert rows[0] == "period,observed,mean,lower,upper" and len(rows) == 4
    assert 'href="figures/eu27_russia_counterfactual.csv"' in page
