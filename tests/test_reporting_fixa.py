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
