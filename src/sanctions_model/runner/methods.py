"""The methods page (``methods.html``), linked from the findings page.

For each estimator: what it assumes, how this sweep's runs computed its intervals and p-values
(read from their ``results.json``: ``inference`` and ``<key>_inference``), and its size and
coverage as measured on seeded simulations, each with the test file that asserts it. The
measured figures are the project's own test results (see the README's estimator sections); when
an estimator changes, its test and this entry change together.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sanctions_model.reporting.findings import SUCCESS, build_sections

__all__ = ["METHODS", "METHODS_PAGE", "Method", "render_methods_html"]

METHODS_PAGE = "methods.html"


@dataclass(frozen=True)
class Method:
    key: str
    """The findings section whose inference lines belong here."""
    name: str
    assumes: str
    measured: str
    test: str
    inference_keys: tuple[str, ...] = ()
    """``results.json`` keys whose text says how this sweep's runs made the p-values, when the
    findings page has no section of this key."""


METHODS = (
    Method(
        "effects",
        "Monthly counterfactual (notebook 02)",
        "Without the sanctions the flow would have continued as a structural time-series model "
        "fitted on the pre-war months predicts (level, drift, season, AR errors, chosen by a "
        "rolling-origin backtest); everything else that changed in March 2022 is in the effect. "
        "The fit ends two months before the intervention (January-February 2022 are reported on "
        "their own), so trade moving ahead of the sanctions does not lower the counterfactual. "
        "Values are deflated to 2021 prices by default (the nominal fit is a robustness row).",
        "Through a price surge (a real step of -0.4, prices rising 1% a month from 2021-09) the "
        "deflated 95% interval covered the real effect in 38 of 40 series (bias +0.039), the "
        "nominal one in 32 of 40 (bias +0.164). On 200 simulated monthly flows (drift, "
        "random-walk level, seasonality, AR(1) noise) the interval covered the planted effect in "
        "93.0% and zero without an effect in 93.0%. Where a -0.3 fall began two months early, "
        "fitting up to the intervention found half of it (-0.12 for -0.26, 120 series); leaving "
        "the two months out found -0.23 with 97.5% coverage and 2.5% false rejections. The placebo backtest, which reruns the whole "
        "headline procedure at 96 pseudo-dates in the pre-period, found an effect at 6.2% of "
        "them. Printed figures are rounded to their Monte Carlo errors: seeds 0 and 1 print the "
        "same figures on the embedded data.",
        "tests/models/test_counterfactual_real.py, tests/models/test_counterfactual_coverage.py, "
        "tests/models/test_backtest.py, tests/models/test_counterfactual_digits.py",
    ),
    Method(
        "breaks",
        "Break tests (notebook 02)",
        "A single break in the mean of the flow at an unknown (QLR, CUSUM) or given (Chow) date; "
        "the errors may be autocorrelated, carry a random walk and change their variance. p-values "
        "from a wild AR-sieve bootstrap of Newey-West Wald statistics that resamples the "
        "innovations of the model with the break, so neither a change in variance nor a random "
        "walk alone is read as a break in the mean. The COVID months 2020-04/05 and isolated "
        "outlier months enter every test and bootstrap path as one-month dummies.",
        "In 200 simulated series with AR(1) errors of 0.6-0.8 the tests rejected a true 'no break' "
        "at 5% in 4.5-5.5% when the errors' s.d. tripled at 2022-03 and in 4.5-6.5% when they "
        "carried a random walk (s.d. 0.02 a month). A -0.5 break was found by Chow in 100 of 100 "
        "series, QLR in 94, CUSUM in 87; a -0.3 break amid the variance change by Chow in 81, QLR "
        "in 31 and CUSUM in 39 of 100: a search over unknown months has much less power. A "
        "one-off outlier month had made QLR and CUSUM reject in 19-24% of 100 series and the "
        "COVID dip the level-and-trend QLR in 14%; with the dummies every such design rejects "
        "in 1-7%, and a -0.3 break is still found by QLR in 80 of 100.",
        "tests/models/test_breaks.py, tests/models/test_breaks_variance.py, "
        "tests/models/test_breaks_outliers.py",
        ("break_inference",),
    ),
    Method(
        "diversion",
        "Difference-in-differences, event study and gravity (notebook 03)",
        "Exports to Russia would have moved, from their pre-war average, like exports to the "
        "donor destinations (parallel trends); no donor is affected by the sanctions. The event "
        "study's reference is the 2018-19 average (2021, exposed to anticipation, is a "
        "robustness row).",
        "Randomization inference over donor destinations rejected a true null in 4.0% of 200 "
        "simulated panels (drift, seasonality, common and AR(1) shocks); with a planted -1.0 the "
        "interval covered the truth in 95%. With +0.25 front-loading in 2021 and no effect the "
        "per-year tests rejected in 3 of 120 post-years against the 2018-19 reference (26 of 120 "
        "against 2021); the pre-trend test flags that spike in only 11 of 60 panels, so it has "
        "low power against it. Without anticipation the per-year tests rejected in 13 of 200 "
        "post-years and the pre-trend test in 3 of 100 panels. "
        "Deflated and nominal DiD and event-study estimates are identical (the year effects "
        "absorb a deflator common to every destination); the gravity PPML moves by about 0.01 "
        "log points (its score weights each year by its level).",
        "tests/models/test_did_size.py, tests/models/test_event_study_reference.py",
    ),
    Method(
        "synthetic",
        "Synthetic control (notebook 05)",
        "A weighted average of donor destinations that matches Russia's pre-war path would have "
        "continued to match it; no donor was affected. The default pool leaves out fuel-driven "
        "donors (OPEC or GCC members in 2021, Gibraltar), whose imports rose with the 2022 "
        "energy prices; the previous pool is a robustness row.",
        "On 200 simulated annual panels without effect the ratio test rejected 2.5% and the "
        "per-year tests 5.0% and 4.0%; with a planted -0.5 the per-year 95% intervals covered "
        "the truth in 94%. The co-primary tests (the post/pre fit ratio and each post-war year's "
        "gap) are Holm-adjusted together; with 50 placebos the smallest adjusted p-value is "
        "0.059.",
        "tests/models/test_synthetic.py",
    ),
    Method(
        "allies",
        "Substitution ratio (notebook 04)",
        "Without the sanctions the hubs' imports and Russia's imports from each ally would have "
        "followed their pre-war log-linear trends, fitted at 2021 prices with 2020 left out, "
        "each side in its records' currency: the hubs' and the allies' records (IMF) in USD "
        "deflated by US consumer prices (CPI-U), the EU's export records (Eurostat) in EUR "
        "deflated by euro-area consumer prices (HICP); the hubs' excess is re-routing (it also "
        "holds their own demand growth).",
        "On 150 simulated sets with 2022-23 price rises and a 2020 dip the median bias was "
        "+0.003; the 95% interval covered the true ratio in 141 of 150 (true 0.05) and 145 of "
        "150 (true 0), and rejected zero in 5 of 150 when nothing was planted. The old nominal "
        "default with 2020 in the trends: bias +0.08, coverage 126 of 150.",
        "tests/coordination/test_substitution_real.py",
    ),
)

_PER_RUN = re.compile(r" \(AR\(\d+\) by (BIC|AIC)[^)]*\)")

_CSS = """
body { font-family: system-ui, "DejaVu Sans", sans-serif; margin: 0; color: #1d1d1d; }
main { max-width: 900px; margin: 0 auto; padding: 1.5em; }
h2 { font-size: 1.2em; margin: 1.8em 0 .4em; border-bottom: 1px solid #ddd; }
dt { font-weight: 600; margin-top: .6em; }
dd { margin: .2em 0 .4em 1.2em; }
code { font-size: 92%; }
"""


def render_methods_html(records: Sequence[Any], *, cache_dir: Path | None = None) -> str:
    """The methods page: each estimator's assumptions, this sweep's inference, measured size.

    Kept in ``cache_dir`` for the next sweep of the same records (:mod:`.page_cache`)."""
    from sanctions_model.runner.page_cache import part_key, stored

    key = part_key("methods-page", records)
    return stored(cache_dir, key, lambda: _render_methods_html(records))


def _render_methods_html(records: Sequence[Any]) -> str:
    sections = {s.key: s for s in build_sections(records)}
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Methods</title><style>{_CSS}</style></head><body><main>",
        '<h1>Methods</h1><p><a href="index.html">Back to the findings</a></p>',
        "<p>What each estimator assumes, how this sweep's runs computed its intervals and "
        "p-values, and how often it wrongly finds an effect (size) or its interval misses the "
        "truth (coverage) on seeded simulations with the features of real trade data.</p>",
    ]
    for method in METHODS:
        section = sections.get(method.key)
        inference = [s for s in (section.inference if section else []) if not s.startswith("<")]
        for key in method.inference_keys:
            for record in records:
                res = getattr(record, "results", None)
                text = res.get(key) if isinstance(res, dict) else None
                if getattr(record, "status", "") in SUCCESS and isinstance(text, str):
                    # one line for every run: the per-run sieve order is in each report
                    text = _PER_RUN.sub(r" (its AR order chosen by \1 in each run)", text)
                    if text not in inference:
                        inference.append(text)
        runs = (
            "".join(f"<li>{html.escape(s)}</li>" for s in inference)
            if inference
            else "<li>No run of this sweep recorded it.</li>"
        )
        parts.append(
            f'<section id="{method.key}"><h2>{html.escape(method.name)}</h2><dl>'
            f"<dt>Assumes</dt><dd>{html.escape(method.assumes)}</dd>"
            f"<dt>Intervals and p-values in this sweep</dt><dd><ul>{runs}</ul></dd>"
            f"<dt>Measured size and coverage</dt><dd>{html.escape(method.measured)} "
            f"(<code>{html.escape(method.test)}</code>)</dd></dl></section>"
        )
    parts.append("</main></body></html>\n")
    return "".join(parts)
