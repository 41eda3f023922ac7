"""The methods page (``methods.html``), linked from the findings page.

For each estimator: what it assumes, how this sweep's runs computed its intervals and p-values
(read from their ``results.json``: ``inference`` and ``<key>_inference``), and its size and
coverage as measured on seeded simulations, each with the test file that asserts it. The
measured figures are the project's own test results (see the README's estimator sections); when
an estimator changes, its test and this entry change together.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sanctions_model.reporting.findings import build_sections

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


METHODS = (
    Method(
        "effects",
        "Monthly counterfactual (notebook 02)",
        "Without the sanctions the flow would have continued as a structural time-series model "
        "fitted on the pre-war months predicts (level, drift, season, AR errors, chosen by a "
        "rolling-origin backtest); everything else that changed in March 2022 is in the effect.",
        "On 200 simulated monthly flows (drift, random-walk level, seasonality, AR(1) noise) the "
        "95% interval covered the planted effect in 91.5% and zero without an effect in 91.5% "
        "(size 8.5%).",
        "tests/models/test_counterfactual_coverage.py",
    ),
    Method(
        "diversion",
        "Difference-in-differences and event study (notebook 03)",
        "Exports to Russia would have moved, from their pre-war average, like exports to the "
        "donor destinations (parallel trends); no donor is affected by the sanctions.",
        "Randomization inference over donor destinations rejected a true null in 4.0% of 200 "
        "simulated panels (drift, seasonality, common and AR(1) shocks); with a planted -1.0 the "
        "interval covered the truth in 95%. Gravity (PPML) has no Monte Carlo size measurement.",
        "tests/models/test_did_size.py",
    ),
    Method(
        "synthetic",
        "Synthetic control (notebook 05)",
        "A weighted average of donor destinations that matches Russia's pre-war path would have "
        "continued to match it; no donor was affected.",
        "On 200 simulated annual panels without effect the ratio test rejected 2.5% and the "
        "per-year tests 5.0% and 4.0%; with a planted -0.5 the per-year 95% intervals covered "
        "the truth in 94%.",
        "tests/models/test_synthetic.py",
    ),
    Method(
        "allies",
        "Substitution ratio (notebook 04)",
        "Without the sanctions the hubs' imports and Russia's imports from each ally would have "
        "followed their pre-war log-linear trends; the hubs' excess is re-routing (it also holds "
        "their own demand growth).",
        "On 200 simulated panels the 95% interval covered the planted ratio in 96% and zero "
        "in 96% when nothing was planted.",
        "tests/coordination/test_substitution.py",
    ),
)

_CSS = """
body { font-family: system-ui, "DejaVu Sans", sans-serif; margin: 0; color: #1d1d1d; }
main { max-width: 900px; margin: 0 auto; padding: 1.5em; }
h2 { font-size: 1.2em; margin: 1.8em 0 .4em; border-bottom: 1px solid #ddd; }
dt { font-weight: 600; margin-top: .6em; }
dd { margin: .2em 0 .4em 1.2em; }
code { font-size: 92%; }
"""


def render_methods_html(records: Sequence[Any]) -> str:
    """The methods page: each estimator's assumptions, this sweep's inference, measured size."""
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
