"""The findings page's answer to question 2 (the hubs): EU exports to the hubs beyond trend, and
how much of the fall in direct exports to Russia the hubs' excess offsets. Split from
:mod:`.answers`, whose helpers it uses (as :mod:`.answers_allies` does)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.answers import (
    Answer,
    Figure,
    _evidence,
    _flow,
    _get,
    _missing,
    _params,
    _runs,
    _shown,
    _use,
    _verdict,
    _years,
    counterfactual_figure,
    run_alpha,
)
from sanctions_model.reporting.estimates import _num
from sanctions_model.reporting.labels import HUBS, place


def _bound_text(value: Any) -> str:
    """A run's printed p-value (``p < 0.01``, ``p = 0.4``), else ``""``."""
    text = value.strip() if isinstance(value, str) else ""
    return text if text.startswith("p ") and text[2:3] in "<>=" else ""


# -- question 2: hubs ----------------------------------------------------------------------------------


def _q2(records: Sequence[Any], link_prefix: str) -> Answer:
    ans = Answer(
        "hubs",
        "To which hubs did EU exports rise beyond trend (the EU's export records), and how much "
        "of the fall in direct exports to Russia does the hubs' excess offset?",
    )
    rose, fell, other = [], [], []
    for r in _runs(records, "02"):
        reporter, partner, flow, product = _flow(r)
        if not reporter.startswith("EU27") or partner not in HUBS or flow != "export":
            continue
        if product != "TOTAL":
            continue
        effect = _num(_get(r, "effect"))
        if effect is None:
            continue
        fig = counterfactual_figure(place(partner), r, ans, link_prefix)
        ans.figures.append(fig)
        {"above": rose, "below": fell}.get(fig.claim, other).append(fig)
    if rose:
        period = rose[0].period
        ans.sentences.append(
            f"EU27 exports rose beyond their pre-war trend to {len(rose)} of "
            f"{len(ans.figures)} hubs, {period}: "
            + "; ".join(f"{f.method} {_shown(f)} ({_evidence(f)})" for f in rose)
            + "."
        )
    if fell:
        ans.sentences.append(
            "EU27 exports fell below their pre-war trend to: "
            + "; ".join(f"{f.method} {_shown(f)} ({_evidence(f)})" for f in fell)
            + "."
        )
    if other:
        ans.sentences.append(
            "Not distinguishable from their trend: "
            + "; ".join(f"{f.method} {_shown(f)} ({_evidence(f)})" for f in other)
            + "."
        )
    if not ans.figures:
        _missing(ans, "Hub effects", None, "effect for EU27 exports to a hub", "02")
    coord = _runs(records, "04")
    ratio = coord[0].results.get("eu27_ratio") if coord else None
    if isinstance(ratio, dict) and _num(ratio.get("hubs_side")) is not None:
        r = coord[0]
        p = _params(r)
        years = _years(
            [str(y) for y in range(int(p.get("base_year", 2021)) + 1, int(p.get("year", 2023)) + 1)]
        )
        fig = Figure(
            "substitution ratio (hubs' records)",
            float(ratio["hubs_side"]),
            _num(ratio.get("hubs_side_lower")),
            _num(ratio.get("hubs_side_upper")),
            _num(ratio.get("hubs_side_p_value")),
            years,
            r.name,
            _use(ans, r, link_prefix),
            scale="ratio",
            p_text=_bound_text(ratio.get("hubs_side_p_text")),
            alpha=run_alpha(r),
        )
        ans.figures.append(fig)
        bounds = (
            f"{fig.level} interval {fmt.pct(fig.lower, signed=False)} to "
            f"{fmt.pct(fig.upper, signed=False)}"
            if fig.lower is not None and fig.upper is not None
            else "no interval"
        )
        text = (
            f"On the hubs' own import records, their excess imports from the EU offset "
            f"{fmt.pct(fig.value, signed=False)} of the fall in EU27 direct exports to Russia, "
            f"{years} ({bounds}"
        )
        if fig.p_value is not None:
            text += f"; {fig.p_text or fmt.pvalue(fig.p_value)}"
        text += f"); {_verdict(fig)}."
        eu = _num(ratio.get("eu_side"))
        if eu is not None:
            lo, hi = _num(ratio.get("eu_side_lower")), _num(ratio.get("eu_side_upper"))
            eu_fig = Figure(
                "substitution ratio (EU's records)",
                eu,
                lo,
                hi,
                _num(ratio.get("eu_side_p_value")),
                years,
                r.name,
                fig.href,
                scale="ratio",
                p_text=_bound_text(ratio.get("eu_side_p_text")),
                alpha=fig.alpha,
            )
            text += f" On the EU's export records: {fmt.pct(eu, signed=False)}"
            shown = [
                f"{eu_fig.level} interval {fmt.pct(lo, signed=False)} to "
                f"{fmt.pct(hi, signed=False)}"
                if lo is not None and hi is not None
                else ""
            ]
            if eu_fig.p_text or eu_fig.p_value is not None:
                shown.append(eu_fig.p_text or fmt.pvalue(eu_fig.p_value))
            shown = [x for x in shown if x]
            text += f" ({'; '.join(shown)})" if shown else ""
            text += f"; {_verdict(eu_fig)}."
        if fig.upper is not None and fig.lower is not None:
            from sanctions_model.reporting.published import EBRD_DIFFERS, EBRD_SAYS

            # what the EBRD measured and why ours differs; the side of 10% from our interval,
            # which is all that is compared (the two measure different things)
            if fig.upper < 0.10:
                side = "our hub-side interval lies wholly below 10%"
            elif fig.lower > 0.10:
                side = "our hub-side interval lies wholly above 10%"
            else:
                side = "our hub-side interval includes 10%"
            text += f" {EBRD_SAYS} {EBRD_DIFFERS} Read side by side, {side}."
        ans.sentences.append(text)
    else:
        _missing(
            ans, "Offset of the fall", coord[0] if coord else None, "eu27_ratio.hubs_side", "04"
        )
    return ans


# -- question 6: limits ------------------------------------------------------------------------------------
