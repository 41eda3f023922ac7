"""Answers first: the policy questions of the suite, each answered in plain sentences from the runs.

:func:`build_answers` reads the run records of a sweep (their ``results.json``) and returns one
:class:`Answer` per question, every number formatted by :mod:`sanctions_model.reporting.format`
and every claim about zero made by :func:`sanctions_model.reporting.text.claim` (a direction only
when the interval and the p-value agree). Nothing is typed: an answer whose inputs are missing
says which run should have recorded which key. Each :class:`Figure` carries its run's ``alpha``
(:func:`run_alpha`, 0.05 when the record has none): its interval is printed at ``1 - alpha``
(``90% interval``) and its verdict tested at ``alpha``, named in words when it is not 5%.

Keys read (all optional; other helpers change estimators in parallel)
---------------------------------------------------------------------
1. Fall of EU27 exports to Russia: notebook 02 (``effect``/``lower``/``upper``/``p_value``/
   ``post_period`` of the EU27 -> RU export run), notebook 03 (``did_ru_annual*``,
   ``gravity_ru_2022_vs_2014_21*``, ``gravity_ri``, ``raw_ratio_2023_2021``,
   ``eurostat_published_change``/``_comparison``, ``event_study_ru_annual_p_bh`` for the years),
   notebook 05 (``sc_effect_<year>``, ``sc_lower_<year>``, ``sc_upper_<year>``, ``sc_p_<year>``,
   ``sc_p_placebo``, ``sc_n_placebos``).
2. Hubs: notebook 02 runs of EU27 exports to AM/GE/KG/KZ/UZ; notebook 04 ``eu27_ratio``.
3. Allies and 5. member states: notebook 04 ``direct_ratio`` (years from its ``year`` and
   ``base_year`` parameters), ``index_ranks``; notebook 02 runs with a member state as reporter.
4. US and UK lists: notebook 04 ``us_uk_overlap`` (``matched``, ``share_of_uk_on_us``,
   ``share_of_us_on_uk``, and where recorded ``uk_first``/``us_first``/``same_day`` (of
   ``n_pairs_dated``, the pairs with reliable dates)/
   ``median_lag_days``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.estimates import SUCCESS, _num
from sanctions_model.reporting.findings import DEFAULT_ALPHA, _link, run_alpha
from sanctions_model.reporting.fit_checks import fit_failures
from sanctions_model.reporting.labels import place
from sanctions_model.reporting.text import claim

__all__ = ["Answer", "Figure", "build_answers", "run_alpha"]


@dataclass(frozen=True)
class Figure:
    """One method's answer to a question, in percent (relative changes) or as a ratio."""

    method: str
    value: float
    lower: float | None
    upper: float | None
    p_value: float | None
    period: str
    run: str
    href: str
    scale: str = "relative"
    """``relative`` (-0.54 = 54% below) or ``ratio``."""
    p_text: str = ""
    """The p-value as written (with its placebo floor), if not the plain one."""
    p_adjusted: float | None = None
    """The p-value adjusted for the run's family of primary tests (``adjustment``), if any."""
    adjustment: str = ""
    at_line: bool = False
    """The run recorded ``p_at_alpha``: its simulated p-value is at the test level within its
    Monte Carlo error (reported as that level)."""
    alpha: float = DEFAULT_ALPHA
    """The run's test level: its interval covers ``1 - alpha``, its p-values are judged at
    ``alpha`` (the run record's ``alpha`` parameter, :func:`run_alpha`)."""

    @property
    def level(self) -> str:
        """The interval's coverage as printed: ``95%``, ``90%``."""
        return fmt.level(self.alpha)

    @property
    def at_edge(self) -> bool:
        """At the edge of significance: recorded at the line, and the interval reaches zero."""
        return self.at_line and self.claim == "includes zero"

    @property
    def claim(self) -> str:
        what = claim(self.lower, self.upper, self.p_value, self.alpha)
        if (
            what in ("below", "above")
            and self.p_adjusted is not None
            and self.p_adjusted >= self.alpha
        ):
            return "not after adjustment"
        return what


def _deflator_words(results: Any) -> str:
    """The deflator a run used, in plain words (its recorded label, else the index's label)."""
    label = results.get("deflator_label")
    if isinstance(label, str) and label:
        return label
    from sanctions_model.data.prices import deflator_label

    try:
        return deflator_label(str(results.get("deflator")))
    except Exception:  # an index this version does not know: name it as recorded
        return str(results.get("deflator"))


def _placebo_p_text(p: float | None, n: float | None) -> str:
    """An exhaustive placebo test's p as written, with its floor (``""`` without a count)."""
    if not n or p is None:
        return ""
    return fmt.pvalue(p, n_draws=int(n), exact=True, units="placebos")


def counterfactual_figure(method: str, run: Any, ans: Answer, link_prefix: str) -> Figure:
    """A notebook-02 run's average effect as a figure (its effect, interval, p, post-period)."""
    return Figure(
        method,
        _num(_get(run, "effect")) or 0.0,
        _num(_get(run, "lower")),
        _num(_get(run, "upper")),
        _num(_get(run, "p_value")),
        _period(_get(run, "post_period")),
        run.name,
        _use(ans, run, link_prefix),
        p_text=p_bound_text(run),
        at_line=_get(run, "p_at_alpha") is True,
        alpha=run_alpha(run),
    )


def p_bound_text(run: Any) -> str:
    """``p < 0.01`` when the run records its p-value as a bound (``p_is_upper_bound``), else ``""``."""
    p = _num(_get(run, "p_value"))
    if p is None or _get(run, "p_is_upper_bound") is not True:
        return ""
    return fmt.pvalue(p, upper_bound=True)


@dataclass
class Answer:
    """A policy question, its answer in sentences, and the runs it draws on."""

    key: str
    question: str
    sentences: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    runs: dict[str, str] = field(default_factory=dict)
    """Run name -> link to its report."""


# -- reading -----------------------------------------------------------------------------------------


def _params(record: Any) -> dict[str, Any]:
    return {**(record.resolved or {}), **(record.parameters or {})}


def _stem(record: Any) -> str:
    return str(record.notebook).rsplit("/", 1)[-1].removesuffix(".ipynb")


def _runs(records: Sequence[Any], prefix: str) -> list[Any]:
    return [
        r
        for r in sorted(records, key=lambda r: r.name)
        if _stem(r).startswith(prefix) and r.status in SUCCESS and isinstance(r.results, dict)
    ]


def _get(record: Any, key: str) -> Any:
    return record.results.get(key)


def _flow(record: Any) -> tuple[str, str, str, str]:
    p = {**_params(record), **record.results}
    product = p.get("product")
    product = "TOTAL" if product in (None, "", "TOTAL", "total") else str(product)
    return (
        str(p.get("reporter", "")),
        str(p.get("partner", "")),
        str(p.get("flow", "export")),
        product,
    )


def _period(value: Any) -> str:
    if isinstance(value, list | tuple) and len(value) == 2:
        return f"{fmt.month(value[0])} to {fmt.month(value[1])}"
    return str(value) if isinstance(value, str) else ""


def _years(years: Sequence[str]) -> str:
    years = sorted(str(y) for y in years)
    if not years:
        return ""
    return years[0] if len(years) == 1 else f"{years[0]}-{years[-1][-2:]}"


def _pct_log(x: float | None) -> float | None:
    return None if x is None else math.expm1(x)


def _shown(fig: Figure) -> str:
    return fmt.pct(fig.value) if fig.scale == "relative" else fmt.ratio(fig.value)


def _interval(fig: Figure) -> str:
    if fig.lower is None or fig.upper is None:
        return "no interval"
    if fig.scale == "relative":
        return f"{fig.level} interval {fmt.pct(fig.lower)} to {fmt.pct(fig.upper)}"
    return f"{fig.level} interval {fmt.ratio(fig.lower)} to {fmt.ratio(fig.upper)}"


def _evidence(fig: Figure) -> str:
    parts = [_interval(fig)] if fig.lower is not None else []
    if fig.p_text or fig.p_value is not None:
        parts.append(fig.p_text or fmt.pvalue(fig.p_value))
    if fig.p_adjusted is not None:
        parts.append(f"{fig.adjustment or 'adjusted'}: {fmt.pvalue(fig.p_adjusted)}")
    return "; ".join(parts)


def _at(alpha: float) -> str:
    """`` at the 10% level`` for a run tested at another level than the usual 5%, else ``""``
    (the default sweep's sentences name no level, as before)."""
    return "" if alpha == DEFAULT_ALPHA else f" at the {fmt.pct(alpha, signed=False)} level"


def _named(fig: Figure, name: str = "") -> str:
    """A figure's name in a list of verdicts, with its level when it is not 5%."""
    name = name or fig.method
    return name if fig.alpha == DEFAULT_ALPHA else f"{name} ({_at(fig.alpha).strip()})"


def _levelled(figs: Sequence[Figure]) -> tuple[str, Callable[..., str]]:
    """How a list of verdicts names its level: once, in its heading, when every figure shares
    it (`` at the 10% level``; nothing at 5%), else after each name (:func:`_named`)."""
    alphas = {f.alpha for f in figs}
    if len(alphas) > 1:
        return "", _named
    return _at(alphas.pop() if alphas else DEFAULT_ALPHA), lambda f, name="": name or f.method


def _verdict(fig: Figure) -> str:
    """What a reader may conclude, in plain words, from the interval and the p-value (at the
    run's own level, named when it is not 5%)."""
    what = fig.claim
    if what in ("below", "above"):
        return f"distinguishable from zero{_at(fig.alpha)}"
    if fig.at_edge:
        return (
            "at the edge of significance (p at the test level within the simulations' error, "
            "the interval reaching zero), so not distinguishable from zero at that level"
        )
    if what == "includes zero":
        return f"not distinguishable from zero{_at(fig.alpha)}"
    if what == "not after adjustment":
        return (
            f"distinguishable from zero{_at(fig.alpha)} before, not after, the adjustment for "
            "multiple tests"
        )
    if what == "inconclusive":
        return "interval and p-value disagree, so no direction is claimed"
    return "no interval or p-value"


def _missing(answer: Answer, what: str, run: Any | None, keys: str, notebook: str = "") -> None:
    """Say that an input is missing, naming the run that should have recorded it (or, when the
    sweep has no successful run of that notebook, the notebook)."""
    if run is not None:
        where = f"run {run.name} recorded no {keys}"
    else:
        where = f"no successful run of notebook {notebook or '?'} in this sweep records {keys}"
    answer.sentences.append(f"{what}: not available ({where}).")


def _use(answer: Answer, record: Any, link_prefix: str) -> str:
    href = _link(record, link_prefix)
    answer.runs.setdefault(record.name, href)
    return href


# -- question 1: the fall of EU exports to Russia -----------------------------------------------------


def _q1(records: Sequence[Any], link_prefix: str) -> Answer:
    ans = Answer("fall", "How much did EU exports to Russia fall?")
    figs: list[Figure] = []
    cf = [
        r
        for r in _runs(records, "02")
        if _flow(r)[0].startswith("EU27") and _flow(r)[1:] == ("RU", "export", "TOTAL")
    ]
    if cf:
        r = cf[0]
        effect = _num(_get(r, "effect"))
        if effect is None:
            _missing(ans, "Counterfactual", r, "effect")
        else:
            figs.append(
                counterfactual_figure("monthly counterfactual, average month", r, ans, link_prefix)
            )
    else:
        _missing(ans, "Counterfactual", None, "effect for EU27 exports to Russia", "02")
    diversion = _runs(records, "03")
    eurostat: tuple[float, str, Any] | None = None
    raw: tuple[float, Any] | None = None
    if diversion:
        r = diversion[0]
        res = r.results
        years = res.get("event_study_ru_annual_p_bh")
        period = _years(list(years)) if isinstance(years, dict) else ""
        did = _num(res.get("did_ru_annual"))
        if did is not None:
            n = _num(res.get("did_ru_annual_n_placebos"))
            p = _num(res.get("did_ru_annual_p_ri"))
            figs.append(
                Figure(
                    "difference-in-differences against donor destinations, annual",
                    math.expm1(did),
                    _pct_log(_num(res.get("did_ru_annual_lower"))),
                    _pct_log(_num(res.get("did_ru_annual_upper"))),
                    p,
                    period,
                    r.name,
                    _use(ans, r, link_prefix),
                    p_text=_placebo_p_text(p, n),
                    alpha=run_alpha(r),
                )
            )
        else:
            _missing(ans, "Difference-in-differences", r, "did_ru_annual")
        key = "gravity_ru_2022_vs_2014_21"
        grav = _num(res.get(key))
        if grav is not None:
            ri = res.get("gravity_ri")
            ri = ri.get("russia_2022_vs_2014_21") if isinstance(ri, dict) else None
            n = _num(ri.get("n_placebos")) if isinstance(ri, dict) else None
            p = _num(res.get(f"{key}_p_ri"))
            against = res.get("gravity_compared_with")
            against = against.get("russia_2022_vs_2014_21") if isinstance(against, dict) else None
            figs.append(
                Figure(
                    "gravity (PPML)" + (f", relative to {against}" if against else ""),
                    math.expm1(grav),
                    _pct_log(_num(res.get(f"{key}_lower"))),
                    _pct_log(_num(res.get(f"{key}_upper"))),
                    p,
                    period,
                    r.name,
                    _use(ans, r, link_prefix),
                    p_text=_placebo_p_text(p, n),
                    alpha=run_alpha(r),
                )
            )
        else:
            _missing(ans, "Gravity", r, key)
        ratio = _num(res.get("raw_ratio_2023_2021"))
        if ratio is not None:
            raw = (ratio, r)
        change = _num(res.get("eurostat_published_change"))
        if change is not None:
            eurostat = (change, str(res.get("eurostat_published_comparison") or ""), r)
    else:
        _missing(ans, "Difference-in-differences and gravity", None, "did_ru_annual", "03")
    synthetic = _runs(records, "05")
    if synthetic:
        r = synthetic[0]
        res = r.results
        years = sorted(
            k.removeprefix("sc_effect_")
            for k in res
            if k.startswith("sc_effect_") and k[-4:].isdigit()
        )
        family = res.get("sc_primary_p_adjusted")
        family = family if isinstance(family, dict) else {}
        for year in years:  # every year, so the range of point estimates covers them all
            n = _num(res.get("sc_n_placebos"))
            p = _num(res.get(f"sc_p_{year}"))
            figs.append(
                Figure(
                    "synthetic control",
                    _num(res.get(f"sc_effect_{year}")) or 0.0,
                    _num(res.get(f"sc_lower_{year}")),
                    _num(res.get(f"sc_upper_{year}")),
                    p,
                    year,
                    r.name,
                    _use(ans, r, link_prefix),
                    p_text=_placebo_p_text(p, n),
                    p_adjusted=_num(family.get(f"gap {year}")),
                    adjustment=f"Holm-adjusted over the {len(family)} primary tests",
                    alpha=run_alpha(r),
                )
            )
        if not years:
            _missing(ans, "Synthetic control", r, "sc_effect_<year>")
    else:
        _missing(ans, "Synthetic control", None, "sc_effect_<year>", "05")
    if raw is None:  # the data overview records the same ratio
        for r in _runs(records, "01"):
            ratio = _num(r.results.get("ratio_2023_2021_RU"))
            if ratio is not None:
                raw = (ratio, r)
                break
    ans.figures = figs
    lines = [
        f"{fig.method[:1].upper()}{fig.method[1:]} ({fig.period}): {_shown(fig)} ({_evidence(fig)}); "
        f"{_verdict(fig)}."
        for fig in figs
    ]
    for r in synthetic[:1]:
        p, n = _num(r.results.get("sc_p_placebo")), _num(r.results.get("sc_n_placebos"))
        rank = _num(r.results.get("sc_rank"))
        if p is not None:
            where = f"rank {int(rank)} of {int(n) + 1}; " if rank and n else ""
            alpha = run_alpha(r)
            lines.append(
                "Synthetic control, placebo test over all post-war years (post/pre fit ratio): "
                f"{where}{fmt.pvalue(p)}, {'' if p < alpha else 'not '}distinguishable from "
                f"zero{_at(alpha)}."
            )
    for r in synthetic[:1]:
        lines.append(_donor_sentence(r.results))
    deflators = sorted(
        {
            _deflator_words(r.results)
            for r in [*cf, *diversion, *synthetic]
            if isinstance(r.results.get("deflator"), str) and r.results.get("deflator")
        }
    )
    if figs:
        lines.append(
            f"Values deflated by {', '.join(deflators)}."
            if deflators
            else "No run records a deflator: these figures are in current prices, like Eurostat's."
        )
    if raw is not None:
        ratio, r = raw
        _use(ans, r, link_prefix)
        lines.append(
            f"Raw change, 2023 against 2021 (annual totals, no counterfactual): "
            f"{fmt.pct(ratio - 1)}."
        )
    if eurostat is not None:
        change, comparison, r = eurostat
        lines.append(
            f"Eurostat's published figure: {fmt.pct(change)}"
            + (f" ({comparison}, in current prices)" if comparison else " (in current prices)")
            + "."
        )
    failed = fit_failures(synthetic[0].results) if synthetic else []
    ranged = [f for f in figs if not (failed and f.method == "synthetic control")]
    if ranged:
        values = sorted(f.value for f in ranged)
        at, named = _levelled(ranged)
        sure = list(dict.fromkeys(named(f) for f in ranged if f.claim in ("below", "above")))
        edge = list(dict.fromkeys(named(f) for f in ranged if f.at_edge))
        unsure = list(
            dict.fromkeys(
                named(f)
                for f in ranged
                if f.claim not in ("below", "above") and named(f) not in edge
            )
        )
        every = (
            "Every method but the synthetic control"
            if len(ranged) < len(figs)
            else "Every method's point estimate"
        )
        head = (
            f"{every} puts EU exports to Russia "
            f"{fmt.pct(values[-1]).lstrip('-')} to {fmt.pct(values[0]).lstrip('-')} below where "
            "they would have been."
            if values[-1] < 0
            else f"The methods' point estimates range from {fmt.pct(values[0])} to "
            f"{fmt.pct(values[-1])}."
        )
        detail = ""
        if sure:
            detail += f" Distinguishable from zero{at}: {', '.join(sure)}."
        if edge:
            detail += (
                " At the edge of significance (p at the test level within the simulations' "
                f"error, so not distinguishable from zero at that level): {', '.join(edge)}."
            )
        if unsure:
            detail += (
                f" Not distinguishable from zero{at}: {', '.join(unsure)} (a wider interval, "
                "not a smaller fall)."
            )
        apart = [f for f in figs if f not in ranged]
        if apart:
            detail += (
                " The synthetic control ("
                + ", ".join(f"{f.period}: {fmt.pct(f.value)}" for f in apart)
                + ") is left out of that range: it fails its own fit checks ("
                + "; ".join(failed)
                + "), so its gap may be a fitting error."
            )
        lines.insert(0, head + detail)
    ans.sentences = lines + ans.sentences
    return ans


def _donor_sentence(res: Any) -> str:
    """How many donors carry the synthetic control and the largest weight (``sc_weights``); when
    the run records no weights, that the figure rests on the run's own caveats."""
    weights = res.get("sc_weights")
    weights = {k: w for k, w in (weights.items() if isinstance(weights, dict) else []) if _num(w)}
    if not weights:
        return (
            "The run records no donor weights: the synthetic-control figures rest on the caveats "
            "of its report."
        )
    carrying = {k: float(w) for k, w in weights.items() if float(w) >= 0.005}
    top, share = max(carrying.items(), key=lambda kv: kv[1])
    if len(carrying) == 1:
        return (
            f"The synthetic control is a single donor: {place(top)} carries "
            f"{fmt.pct(share).lstrip('+')} of the weight, so it is a one-country comparison."
        )
    return (
        f"The synthetic control rests on {len(carrying)} donors with at least 0.5% of the weight; "
        f"the largest, {place(top)}, carries {fmt.pct(share).lstrip('+')}."
    )


def _q6(records: Sequence[Any], answers: Sequence[Answer]) -> Answer:
    ans = Answer("limits", "What can the evidence not say?")

    def name(a: Answer, f: Figure) -> str:
        return f.method if a.key != "hubs" or f.scale == "ratio" else f"EU27 exports to {f.method}"

    figs = [(a, f) for a in answers for f in a.figures if f.claim not in ("below", "above")]
    at, named = _levelled([f for _, f in figs])
    edge = list(dict.fromkeys(named(f, name(a, f)) for a, f in figs if f.at_edge))
    unsure = list(dict.fromkeys(named(f, name(a, f)) for a, f in figs if not f.at_edge))
    if unsure:
        ans.sentences.append(
            f"These figures are not distinguishable from zero{at}, so the data cannot say whether "
            f"the effect was there: {', '.join(unsure)}."
        )
    if edge:
        ans.sentences.append(
            "These figures sit at the edge of significance: their p-values are at the test level "
            "within the simulations' error, so another seed could put them on either side: "
            f"{', '.join(edge)}."
        )
    if _runs(records, "02"):
        ans.sentences.append(
            "A counterfactual extrapolates the months before March 2022: it measures everything "
            "that changed then, the war as well as the sanctions, and cannot separate them."
        )
    if _runs(records, "04"):
        ans.sentences.append(
            "The substitution ratio counts only the excess the hubs record as imports: it includes "
            "their own demand growth and leaves out re-routing through other countries and goods "
            "declared for a hub that never arrived, so it is neither a floor nor a ceiling on "
            "total leakage."
        )
    bad = [r for r in records if r.status not in SUCCESS]
    if bad:
        ans.sentences.append(
            "Runs that did not succeed, whose answers are missing: "
            + ", ".join(f"{r.name} ({r.status})" for r in bad)
            + "."
        )
    return ans


def build_answers(records: Sequence[Any], *, link_prefix: str = "") -> list[Answer]:
    """The six answers, in order; each lists the runs it draws on."""
    from sanctions_model.reporting.answers_allies import _q3, _q4, _q5
    from sanctions_model.reporting.answers_hubs import _q2

    answers = [
        _q1(records, link_prefix),
        _q2(records, link_prefix),
        _q3(records, link_prefix),
        _q4(records, link_prefix),
        _q5(records, link_prefix),
    ]
    answers.append(_q6(records, answers))
    return answers


def answer_lines(answers: Sequence[Answer]) -> list[str]:
    """Each answer as one plain paragraph (for the README and tests)."""
    return [f"{a.question} {' '.join(a.sentences)}" for a in answers]
