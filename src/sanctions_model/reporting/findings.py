"""A sweep's findings read from its runs' ``results.json``: the figures the findings page and the
README show.

:func:`build_sections` turns run records (anything with ``name``, ``notebook``, ``status``,
``resolved``, ``parameters``, ``results`` and ``files``, e.g. a runner ``RunRecord``)
into :class:`Section` objects of :class:`Estimate` figures; :mod:`sanctions_model.runner.findings`
draws them as the findings page and :mod:`sanctions_model.reporting.readme` writes them into the
README.

Keys it understands
-------------------
Notebooks are changing what they record, so every key is optional and read defensively; a value
of the wrong type is ignored, never an error.

Effects of sanctions (notebook 02 style, one run per flow)
    ``effect``, ``lower``, ``upper`` (relative changes, -0.56 = 56% below the counterfactual;
    the older ``average_effect``/``average_lower``/``average_upper`` are read too), ``p_value``,
    ``inference`` (str), ``caveats`` (list of str), ``reporter``, ``partner``, ``flow``.
Synthetic control
    keys starting ``sc_``: ``sc_effect_<year>`` (relative) with optional ``_lower``/``_upper``,
    ``sc_p_placebo``, ``sc_rank``, ``sc_n_placebos``, ``sc_pre_rmspe``.
Trade diversion (notebook 03)
    keys starting ``did_`` or ``gravity_`` (log points) with ``_lower``/``_upper`` or ``_se``
    siblings, ``_p``/``_p_ri`` p-values; also nested ``gravity`` and ``gravity_se`` mappings.
Allies (notebook 04)
    ``scorecard`` (a table per ally: ``{ally: {column: value}}``, ``{column: {ally: value}}`` or
    a list of records), ``substitution`` (per ally a number or ``{estimate, lower, upper}``;
    ``substitution_ratio`` is read too), ``index`` (the coordination-gap index per ally, with
    ``lower``/``upper`` and rank intervals where recorded).
Anything else
    every numeric top-level key with ``<key>_lower`` and ``<key>_upper`` siblings is shown with
    its interval; the ``headline`` mapping of a run that fed no section is shown as a table.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from sanctions_model.reporting import format as fmt
from sanctions_model.reporting import labels as lab
from sanctions_model.reporting.estimates import (  # noqa: F401 (re-exported)
    _INTERVAL_SUFFIXES,
    _LOWER_KEYS,
    _META_SUFFIXES,
    _P_KEYS,
    _UPPER_KEYS,
    _VALUE_KEYS,
    DEFAULT_ALPHA,
    REPORT_NAME,
    SUCCESS,
    TIED,
    Estimate,
    Section,
    _caveats_of,
    _first,
    _inference_of,
    _interval,
    _num,
    _p_of,
    _per_ally,
    _place,
    _pretty_key,
    _printed,
    _printed_p_text,
    _recorded_p_text,
    _sc_note,
    _strings,
    run_alpha,
    shared_level,
)
from sanctions_model.reporting.price_basis import annotate_prices
from sanctions_model.reporting.rows import (
    _GROUP_ORDER,
    _distinguish,
    _post_period,
    _table_frame,
)

__all__ = ["DEFAULT_ALPHA", "Estimate", "Section", "build_sections", "run_alpha", "shared_level"]

# -- sections -----------------------------------------------------------------------------------


def _link(record: Any, link_prefix: str) -> str:
    if REPORT_NAME not in record.files:
        return ""
    return quote(f"{link_prefix}{record.name}/{REPORT_NAME}")


def _effect_label(record: Any, results: Mapping[str, Any]) -> str:
    params = {**(record.resolved or {}), **record.parameters}
    reporter = results.get("reporter", params.get("reporter"))
    partner = results.get("partner", params.get("partner"))
    flow = results.get("flow", params.get("flow", "export"))
    product = results.get("product", params.get("product"))
    if reporter and partner:
        verb = "imports from" if str(flow).startswith("import") else "exports to"
        specific = isinstance(product, str | int) and str(product).upper() not in ("", "TOTAL")
        goods = f", HS {product}" if specific else ""
        return f"{_place(reporter)} {verb} {_place(partner)}{goods}"
    return record.name


def build_sections(records: Sequence[Any], *, link_prefix: str = "") -> list[Section]:
    """The page's sections, in reading order; a section with nothing to show is left out."""
    effects = Section(
        "effects",
        "Change in trade since the war and the sanctions, by flow",
        "Average monthly trade after February 2022 relative to a counterfactual fitted on the "
        "pre-war months: the change measures the war and the sanctions together (with firms' own "
        "withdrawal and Russia's counter-measures) and cannot separate them; intervals as "
        "recorded by each run.",
    )
    synthetic = Section(
        "synthetic",
        "Synthetic control",
        "Trade relative to a weighted group of comparable destinations.",
    )
    diversion = Section(
        "diversion",
        "Trade diversion: difference-in-differences and gravity",
        "Effects in log points on a percent axis (-0.69 log points = -50%).",
        scale="log",
    )
    allies = Section(
        "allies",
        "Allies: substitution through third countries",
        "Per ally, how much of the fall in direct exports to Russia reappears as exports to the "
        "suspected re-routing hubs (0 = none, 1 = all).",
        scale="ratio",
    )
    direct = Section(
        "direct",
        "Direct exports to Russia, later year over base year: member states and allies",
        "Russia's imports from each member state and ally in the later year over the base year "
        "(IMF estimates from the partners' records; 1 = unchanged, below 1 = a cut).",
        scale="ratio",
        reference=1.0,
    )
    index = Section(
        "index",
        "Coordination-gap ranks (1 = largest gap)",
        "Per ally, the coordination-gap rank with its 95% rank interval from the draws. Rank 1 is "
        "the largest gap (the ally whose trade with Russia fell least and re-routed most); a "
        "higher number is a smaller gap.",
        scale="number",
        reference=float("nan"),
    )
    other = Section(
        "other",
        "Other headline effects",
        "Changes in percent against each figure's own comparison, as recorded by the runs.",
        scale="relative",
    )
    other_ratios = Section(
        "other_ratios",
        "Other headline ratios",
        "Substitution ratios and robustness rows (0 = none of the fall re-appears, 1 = all).",
        scale="ratio",
    )
    other_numbers = Section("other_numbers", "Other headline figures", "", scale="number")

    def other_for(key: str) -> tuple[Section, str]:
        unit = lab.unit_of(key)
        if unit == "%":
            return other, "relative"
        if unit == "ratio" or "ratio" in key or key.startswith(("eu_side", "hubs_side")):
            return other_ratios, "ratio"
        if unit == "log points":
            return diversion, "log"
        return other_numbers, "number"

    scorecards: list[Section] = []
    generics: list[Section] = []
    direct_real = False
    for record in sorted(records, key=lambda r: r.name):
        results = record.results if isinstance(record.results, dict) else None
        if not results or record.status not in SUCCESS:
            continue
        href = _link(record, link_prefix)
        used: set[str] = set()
        alpha = run_alpha(record)

        def add(
            section: Section, est: Estimate, keys: Sequence[str], *, _r=results, _u=used, _a=alpha
        ):
            section.estimates.append(replace(est, alpha=_a))
            _u.update(keys)
            for text in map(lab.for_readers, _inference_of(_r, keys)):
                if text not in section.inference:
                    section.inference.append(text)
            for text in _caveats_of(_r, keys):
                section.caveats.append((lab.for_readers(text), est.run_label or est.label))

        effect = _first(results, ("effect", "average_effect"))
        if effect is not None:
            lo = _first(results, ("lower", "average_lower"))
            hi = _first(results, ("upper", "average_upper"))
            log = (record.resolved or {}).get("log", True)
            add(
                effects,
                Estimate(
                    _effect_label(record, results),
                    effect,
                    lo if hi is not None else None,
                    hi if lo is not None else None,
                    _num(results.get("p_value")),
                    "relative" if log is not False else "money",
                    record.name,
                    href,
                    group=lab.group_of({**(record.resolved or {}), **record.parameters}, results),
                    period=_post_period(results),
                    p_upper_bound=results.get("p_is_upper_bound") is True,
                    at_alpha=results.get("p_at_alpha") is True,
                ),
                ("effect", "average_effect", "lower", "average_lower", "upper", "average_upper"),
            )
        for key, value in results.items():
            v = _num(value)
            if v is None or key in used or key.endswith(_META_SUFFIXES):
                continue
            lo, hi = _interval(results, key)
            if key.startswith("sc_"):
                if not key.startswith("sc_effect"):
                    continue  # sc_ratio, sc_rank, ...: in the note of the effect rows
                suffix = key[len("sc_effect") :]
                lo, hi = (
                    lo if lo is not None else _num(results.get(f"sc_lower{suffix}")),
                    (hi if hi is not None else _num(results.get(f"sc_upper{suffix}"))),
                )
                p = _first(results, (f"sc_p{suffix}", "sc_p_placebo"))
                label = f"EU27 exports to {_place(results.get('partner', 'RU'))}" + (
                    f", {suffix.strip('_')}" if suffix.strip("_") else ""
                )
                # the per-year p comes from the gap test, not the RMSPE-ratio rank: the rank goes
                # in the section's inference text; the Holm-adjusted p of this year's gap beside it
                family = results.get("sc_primary_p_adjusted")
                family = family if isinstance(family, dict) else {}
                adjusted = _num(family.get(f"gap {suffix.strip('_')}"))
                note = (
                    f"adjusted for the {len(family)} primary tests (Holm): "
                    f"{fmt.pvalue(adjusted)}; interval and p beside it unadjusted"
                    if adjusted is not None
                    else ""
                )
                ratio_note = _sc_note(results)
                if _num(results.get(f"sc_p{suffix}")) is None:
                    note = "; ".join(x for x in (ratio_note, note) if x)  # p from the rank test
                elif ratio_note:
                    text = (
                        f"Overall test of the post-period fit: {ratio_note}"
                        + (
                            f" ({fmt.pvalue(_num(results.get('sc_p_placebo')))})"
                            if _num(results.get("sc_p_placebo")) is not None
                            else ""
                        )
                        + "."
                    )
                    if text not in synthetic.inference:
                        synthetic.inference.append(text)
                add(
                    synthetic,
                    Estimate(
                        label,
                        v,
                        lo,
                        hi,
                        p,
                        "relative",
                        record.name,
                        href,
                        note,
                        p_adjusted=adjusted,
                        p_adjustment="Holm",
                    ),
                    [key],
                )
            elif key.startswith(("did_", "gravity_")):
                se = _num(results.get(f"{key}_se"))
                note = f"s.e. {fmt.number(se, 2)}" if se is not None and lo is None else ""
                recorded = results.get(f"{key}_label")  # a label the run wrote from its own data
                label = recorded if isinstance(recorded, str) and recorded else _pretty_key(key)
                spread = _num(results.get("exposure_spread"))
                if key.startswith("did_exposure") and spread is not None:
                    # per unit of exposure (0 to 1) extrapolates far outside the data: show the
                    # effect between the most and the least exposed member state instead
                    v, lo, hi = (None if x is None else x * spread for x in (v, lo, hi))
                elif key.startswith("did_exposure"):
                    label = f"{key.replace('_', ' ')} (per unit of exposure, 0 to 1)"
                add(
                    diversion,
                    Estimate(
                        label,
                        v,
                        lo,
                        hi,
                        _p_of(results, key),
                        "log",
                        record.name,
                        href,
                        note,
                        # the report's own digits (rounded to their Monte Carlo error)
                        p_text=_printed_p_text(results.get(f"{key}_p_text")),
                        interval_text=_printed(results.get(f"{key}_interval_text")),
                    ),
                    [key],
                )
            elif lo is not None:
                section, scale = other_for(key)
                add(
                    section,
                    Estimate(
                        _pretty_key(key),
                        v,
                        lo,
                        hi,
                        _p_of(results, key),
                        scale,
                        record.name,
                        href,
                        period=str(results.get(key.removesuffix("_effect") + "_window", "")),
                    ),
                    [key],
                )
        gravity, gravity_se = results.get("gravity"), results.get("gravity_se")
        compared = results.get("gravity_compared_with")
        compared = compared if isinstance(compared, dict) else {}
        if isinstance(gravity, dict):
            for term, value in gravity.items():
                v = _num(value)
                if v is None:
                    continue
                se = _num(gravity_se.get(term)) if isinstance(gravity_se, dict) else None
                note = f"s.e. {fmt.number(se, 2)}" if se is not None else ""
                if term in compared:
                    note = (
                        "analytic point estimate only: with this few treated clusters its interval "
                        "is not valid; see the randomization rows"
                    )
                against = f" vs {compared[term]}" if term in compared else ""
                # which sample: the analytic fit and the randomization rows differ (all
                # destinations against the donor sample), so each row names its own
                sample = _printed(results.get("gravity_sample"))
                add(
                    diversion,
                    Estimate(
                        f"gravity (PPML){f', {sample}' if sample else ''}: "
                        f"{_pretty_key(term)}{against}",
                        v,
                        None,
                        None,
                        None,
                        "log",
                        record.name,
                        href,
                        note,
                    ),
                    ["gravity"],
                )
        for key in ("substitution", "substitution_ratio"):
            for ally, v, lo, hi, p, adjusted in _per_ally(results.get(key)):
                item = results[key].get(ally)
                item = item if isinstance(item, dict) else {}
                # the run's own text: a bound (p < 0.1, p > 0.5) stays a bound, never "p = 0.1"
                p_text = _printed_p_text(item.get("p_unadjusted_text") or item.get("p_text"))
                adjusted_text = _printed_p_text(item.get("p_adjusted_text"))
                note = (
                    f"adjusted for the family of allies (Benjamini-Hochberg): "
                    f"{adjusted_text or fmt.pvalue(adjusted)}; interval and p beside it unadjusted"
                    if adjusted is not None or adjusted_text
                    else ""
                )
                add(
                    allies,
                    Estimate(
                        _place(ally),
                        v,
                        lo,
                        hi,
                        p,
                        "ratio",
                        record.name,
                        href,
                        note,
                        group="Allies",
                        p_adjusted=adjusted,
                        p_text=p_text,
                        p_adjusted_text=adjusted_text,
                    ),
                    [key],
                )
            if key in used:
                break
        p = {**(record.resolved or {}), **record.parameters}
        years = f"{p['year']} over {p['base_year']}" if "year" in p and "base_year" in p else ""
        # the real ratios where recorded: the same basis as the answers' sentences
        real_direct = _per_ally(results.get("direct_ratio_real"))
        direct_real = direct_real or bool(real_direct)
        for ally, v, _lo, _hi, _p, _a in sorted(
            real_direct or _per_ally(results.get("direct_ratio")),
            key=lambda r: (r[0] not in lab.MEMBER_STATES, str(r[0]).startswith("EU27"), r[1]),
        ):
            group = (
                "Member states"
                if ally in lab.MEMBER_STATES
                else "EU27"
                if str(ally).startswith("EU27")
                else "Allies"
            )
            add(
                direct,
                Estimate(
                    _place(ally),
                    v,
                    None,
                    None,
                    None,
                    "ratio",
                    record.name,
                    href,
                    group=group,
                    period=years,
                ),
                ["direct_ratio", "direct_ratio_real"],
            )
        for key in ("index", "index_ranks"):
            ranked = _per_ally(results.get(key))
            counts = [v for _ally, v, *_rest in ranked]
            for ally, v, lo, hi, p, _a in ranked:
                item = results[key].get(ally)
                recorded = item.get("tied") if isinstance(item, dict) else None
                # the run's own flag where recorded, else two allies sharing the rank
                tied = recorded is True or (recorded is None and counts.count(v) > 1)
                note = TIED if key == "index_ranks" and tied else ""
                add(
                    index,
                    Estimate(_place(ally), v, lo, hi, p, "number", record.name, href, note),
                    [key],
                )
        spread = _num(results.get("exposure_spread"))
        by_partner = results.get("did_exposure_by_partner")
        if isinstance(by_partner, dict) and spread is not None:
            for partner, v, lo, hi, p, adjusted in _per_ally(by_partner):
                v, lo, hi = (None if x is None else x * spread for x in (v, lo, hi))
                item = by_partner.get(partner)
                item = item if isinstance(item, dict) else {}
                # the report's digits where the run recorded them (rounded to their MC error)
                adjusted_text = _printed_p_text(item.get("p_bh_text"))
                note = (
                    "adjusted over the partners (Benjamini-Hochberg): "
                    f"{adjusted_text or fmt.pvalue(adjusted)}; interval and p beside it unadjusted"
                    if adjusted is not None
                    else ""
                )
                add(
                    diversion,
                    Estimate(
                        f"exports to {_place(partner)}, most against least exposed member state",
                        v,
                        lo,
                        hi,
                        p,
                        "log",
                        record.name,
                        href,
                        note,
                        group="Hubs",
                        p_adjusted=adjusted,
                        p_text=_printed_p_text(item.get("p_text")),
                        interval_text=_printed(item.get("interval_text")),
                        p_adjusted_text=adjusted_text,
                    ),
                    ["did_exposure_by_partner"],
                )
        for (
            key,
            value,
        ) in results.items():  # {name: {x, x_lower, x_upper}} and {name: {estimate, ..}}
            if key in used or not isinstance(value, dict) or key in ("headline", "scorecard"):
                continue
            for sub, v in value.items():
                v = _num(v)
                lo, hi = _interval(value, str(sub))
                if v is not None and lo is not None:
                    label = _pretty_key(str(sub))
                    sample = _printed(results.get(f"{key}_sample"))  # e.g. gravity_ri_sample
                    if sample:
                        label = f"{_pretty_key(key)}, {sample}: {label}"
                    elif label == lab.plain(str(sub)):
                        label = f"{_pretty_key(key)}: {label}"
                    section, scale = other_for(str(sub))
                    add(
                        section,
                        Estimate(
                            label,
                            v,
                            lo,
                            hi,
                            _p_of(value, str(sub)),
                            scale,
                            record.name,
                            href,
                            p_text=_recorded_p_text(value.get(f"{sub}_p_text")),
                        ),
                        [key],
                    )
            if key not in used and all(isinstance(v, dict) for v in value.values()):
                for name, v, lo, hi, p, _a in _per_ally(value):
                    if lo is not None:
                        sample = _printed(results.get(f"{key}_sample"))  # gravity_ri_sample
                        # the sample names the inference; the head names the estimator
                        what = "gravity (PPML)" if key.startswith("gravity") else _pretty_key(key)
                        head = f"{what}, {sample}" if sample else _pretty_key(key)
                        label = f"{head}: {_pretty_key(name)}"
                        section, scale = other_for(key)
                        item = value.get(name)
                        text = _recorded_p_text(
                            item.get("p_text") if isinstance(item, dict) else None
                        )
                        add(
                            section,
                            Estimate(label, v, lo, hi, p, scale, record.name, href, p_text=text),
                            [key],
                        )
        frame = _table_frame(results.get("scorecard"))
        if frame is not None and len(frame):
            card = Section(
                "scorecard",
                "Ally scorecard",
                "Per ally, as recorded by the coordination notebook.",
                scale="table",
            )
            for ally, row in frame.iterrows():
                cells = {"Ally": _place(ally)}
                for col, value in row.items():
                    cells[lab.column_label(str(col))] = fmt.cell(value, str(col))
                card.table.append(cells)
            card.inference.append(f'<a href="{html.escape(href)}">report</a>' if href else "")
            scorecards.append(card)
            used.add("scorecard")
        if not used:
            heads = results.get("headline")
            heads = heads if isinstance(heads, dict) else {}
            pairs = [(str(k), _num(v)) for k, v in heads.items() if _num(v) is not None]
            if pairs:
                stem = re.sub(
                    r"^\d+_", "", record.notebook.rsplit("/", 1)[-1].removesuffix(".ipynb")
                )
                generic = Section(
                    "headline",
                    f"Headline figures: {stem.replace('_', ' ')}",
                    "As recorded by the run.",
                    scale="number",
                )
                if all("/" in k for k, _ in pairs):  # ratios of two years: 1 = unchanged
                    generic.reference = 1.0
                    generic.intro = "Ratios of one year's value to another's (1 = unchanged)."
                for key, v in pairs:
                    # the unrounded value where the run records it (``RU 2023/2021`` is
                    # ``ratio_2023_2021_RU``): 0.428 as the report prints, not 0.43 padded to 0.430
                    ratio = re.fullmatch(r"(\w+) (\d{4})/(\d{4})", key)
                    if ratio:
                        code, later, base = ratio.groups()
                        full = _num(results.get(f"ratio_{later}_{base}_{code}"))
                        v = full if full is not None and abs(full - v) < 0.01 else v
                    generic.estimates.append(
                        Estimate(lab.label(key), v, None, None, None, "number", record.name, href)
                    )
                generics.append(generic)
    effects.estimates.sort(key=lambda e: (_GROUP_ORDER.get(e.group, 99), e.label))
    sections = [
        effects,
        synthetic,
        diversion,
        allies,
        direct,
        *scorecards,
        index,
        other,
        other_ratios,
        other_numbers,
        *generics,
    ]
    level = shared_level(index.estimates)
    index.intro = index.intro.replace(
        "its 95% rank interval",
        f"its {level} rank interval" if level else "its rank interval (level in each row)",
    )
    sections = [s for s in sections if s.estimates or s.table]
    by_name = {r.name: r for r in records}
    for section in sections:
        section.estimates = _distinguish(section.estimates, by_name)
    annotate_prices(sections, records, direct_real=direct_real)
    return sections
