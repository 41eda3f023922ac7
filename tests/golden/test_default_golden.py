"""The default sweep's figures are where they were (issue 22: a restructure moves no number).

The golden file ``tests/golden/default_results.json`` was written by
``python -m tests.golden.make_golden outputs/default/latest-ok`` from a sweep of the code before
the restructure; the test run's own default sweep (``default_site`` in ``tests/conftest.py``)
must print the same figures, under the rule of ``sanctions-model readme --check``.
"""

from __future__ import annotations

import json

import pytest

from .make_golden import GOLDEN, differences, printed, printed_figures


@pytest.mark.slow
@pytest.mark.xdist_group("default-sweep")
def test_default_sweep_prints_the_golden_figures(default_site):
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    have = printed_figures((default_site / "latest").resolve())
    diffs = differences(have, want)
    assert diffs == [], f"{len(diffs)} figures moved:\n" + "\n".join(diffs[:40])


def test_printed_and_the_comparison_rule():
    """The comparison can fail: a moved figure, a changed word, a missing key, a flipped sign."""
    want = printed({"did": -0.838, "did_p": 0.0196, "n": 50, "s": "46% lower (p = 0.5)"})
    assert want == {"did": "-0.838", "did_p": "0.02", "n": "50", "s": "46% lower (p = 0.5)"}
    same = printed({"did": -0.84, "did_p": 0.021, "n": 50, "s": "47% lower (p = 0.5)"})
    assert differences(same, want) == []  # within 10% or two units of the last digit
    moved = printed({"did": -0.95, "did_p": 0.0196, "n": 50, "s": "46% higher (p = 0.5)"})
    assert [d.split(":")[0] for d in differences(moved, want)] == ["did", "s"]
    assert differences(printed({"did": 0.838, "did_p": 0.0196, "n": 50, "s": want["s"]}), want)
    assert differences({"did": "-0.838"}, want) == [
        "did_p: in the golden file only",
        "n: in the golden file only",
        "s: in the golden file only",
    ]
