"""Answers 3 to 5 of :mod:`sanctions_model.reporting.answers`: direct cuts of allies and member
states, and the US and UK designation lists (notebook 04's ``direct_ratio``, ``index_ranks`` and
``us_uk_overlap``; notebook 02's member-state runs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.answers import (
    Answer,
    _evidence,
    _flow,
    _get,
    _missing,
    _num,
    _params,
    _runs,
    _shown,
    _use,
    _verdict,
    counterfactual_figure,
    run_alpha,
)
from sanctions_model.reporting.labels import HUBS, MEMBER_STATES, place

# -- questions 3 and 5: direct cuts of allies and member states -----------------------------------------


def _direct(records: Sequence[Any]) -> tuple[Any, dict[str, float], str, str]:
    """``(run, {ally: ratio}, years, terms)``: the real ratios (``direct_ratio_real``) where the
    run records them, else the current-price ones; ``terms`` says which, in words."""
    for r in _runs(records, "04"):
        ratios = r.results.get("direct_ratio")
        real = r.results.get("direct_ratio_real")
        if isinstance(real, dict) and any(_num(v) is not None for v in real.values()):
            prices = r.results.get("prices")
            usd = prices.get("usd") if isinstance(prices, dict) else None
            terms = "in real terms" + (f" ({usd})" if isinstance(usd, str) and usd else "")
            ratios = real
        else:
            terms = "in current prices (nominal USD)"
        if isinstance(ratios, dict):
            values = {str(k): v for k, v in ratios.items() if _num(v) is not None}
            p = _params(r)
            years = f"{p.get('year', 2023)} against {p.get('base_year', 2021)}"
            return r, values, years, terms
    return None, {}, "", ""


def _detail(terms: str) -> str:
    """The price basis in the parentheses of ``terms`` (``; USD at 2021 prices, ...``)."""
    return f"; {terms.split(' (', 1)[1][:-1]}" if " (" in terms else ""


def _change_words(code: str, ratio: float) -> str:
    change = ratio - 1
    verb = "fell" if change < 0 else "rose" if change > 0 else "were unchanged"
    digits = 3 if abs(change) > 0.99 else 2  # 99.6%, not a "fall of 100%" that did not happen
    size = fmt.pct(change, signed=False, digits=digits).lstrip("-")
    return f"{place(code)} ({verb} {size})" if change else f"{place(code)} (unchanged)"


def _least(pairs: Sequence[tuple[str, float]], least: str, none: str) -> str:
    """The tail of the ranking in words that follow the signs: ``least for`` when every one
    fell, ``none`` (``rose:``) when every one rose, both when they are mixed."""
    words = ", ".join(_change_words(*kv) for kv in pairs)
    rose = [kv for kv in pairs if kv[1] > 1]
    if not rose:
        return f"{least} {words}"
    if len(rose) == len(pairs):
        return f"{none} {words}"
    return f"{least.rsplit(' ', 1)[0]} or {none.rstrip(':')}: {words}"


def _q3(records: Sequence[Any], link_prefix: str) -> Answer:
    ans = Answer("allies", "Which allies cut direct trade with Russia least and most?")
    r, ratios, years, terms = _direct(records)
    allies = {
        k: float(v)
        for k, v in ratios.items()
        if k not in MEMBER_STATES and not k.startswith("EU27") and k not in HUBS
    }
    if len(allies) >= 2:
        _use(ans, r, link_prefix)
        ranked = sorted(allies.items(), key=lambda kv: kv[1])
        ans.sentences.append(
            f"Russia's imports from each ally {terms.split(' (')[0]}, {years} (IMF IMTS, the partners' records; "
            f"{len(ranked)} allies): cut most by {_change_words(*ranked[0])}, "
            f"{_change_words(*ranked[1])}; "
            + _least(ranked[::-1][: 2 if len(ranked) > 3 else 1], "least by", "not cut:")
            + f". Ratios of two years, no interval{_detail(terms)}."
        )
        eu = next((float(v) for k, v in ratios.items() if k.startswith("EU27")), None)
        if eu is not None:
            verb = "fell" if eu < 1 else "rose"
            ans.sentences.append(
                f"Russia's imports from the EU27 as a whole {verb} "
                f"{fmt.pct(eu - 1, signed=False).lstrip('-')}, {terms.split(' (')[0]}."
            )
        ranks = r.results.get("index_ranks")
        if isinstance(ranks, dict):
            first = [
                (k, v) for k, v in ranks.items() if isinstance(v, dict) and _num(v.get("rank")) == 1
            ]
            if first:
                k, v = first[0]
                lo, hi = _num(v.get("lower")), _num(v.get("upper"))
                level = fmt.level(run_alpha(r))
                span = f" ({level} rank interval {int(lo)} to {int(hi)})" if lo and hi else ""
                ans.sentences.append(
                    f"Coordination-gap ranks (1 = largest gap): {place(k)} ranks first{span}."
                )
            unranked = [
                place(k)
                for k, v in ranks.items()
                if isinstance(v, dict) and _num(v.get("rank")) is None
            ]
            if unranked:
                ans.sentences.append(
                    f"Not ranked (the run records no rank for them): {', '.join(unranked)}."
                )
        ans.sentences.append(_late(r.results, r.name))
    else:
        _missing(ans, "Direct cuts", r, "direct_ratio for two or more allies", "04")
    return ans


def _q5(records: Sequence[Any], link_prefix: str) -> Answer:
    ans = Answer("members", "Which member states' exports to Russia fell least and most?")
    r, ratios, years, terms = _direct(records)
    members = {k: float(v) for k, v in ratios.items() if k in MEMBER_STATES}
    if len(members) >= 2:
        _use(ans, r, link_prefix)
        ranked = sorted(members.items(), key=lambda kv: kv[1])
        ans.sentences.append(
            f"Russia's imports from each member state {terms.split(' (')[0]}, {years} (IMF IMTS; {len(ranked)} "
            "member "
            f"states): fell most for {_change_words(*ranked[0])}, {_change_words(*ranked[1])}, "
            f"{_change_words(*ranked[2]) if len(ranked) > 2 else ''}".rstrip(", ")
            + f"; {_least(ranked[::-1][:2], 'fell least for', 'rose:')}. "
            f"Ratios of two years, no interval{_detail(terms)}."
        )
    else:
        _missing(ans, "Member states' direct cuts", r, "direct_ratio for member states", "04")
    modelled = []
    for run in _runs(records, "02"):
        reporter, partner, flow, product = _flow(run)
        effect = _num(_get(run, "effect"))
        if (
            reporter in MEMBER_STATES
            and partner == "RU"
            and flow == "export"
            and effect is not None
        ):
            modelled.append(counterfactual_figure(place(reporter), run, ans, link_prefix))
    if modelled:
        modelled.sort(key=lambda f: f.value)
        ans.figures = modelled
        ans.sentences.append(
            f"Against each one's own monthly counterfactual, {modelled[0].period}: "
            + "; ".join(f"{f.method} {_shown(f)} ({_evidence(f)}; {_verdict(f)})" for f in modelled)
            + "."
        )
    return ans


# -- question 4: US and UK lists -------------------------------------------------------------------------


def _q4(records: Sequence[Any], link_prefix: str) -> Answer:
    ans = Answer(
        "lists", "How many designations do the US and UK lists share, and who designated first?"
    )
    coord = _runs(records, "04")
    overlap = coord[0].results.get("us_uk_overlap") if coord else None
    if not isinstance(overlap, dict) or _num(overlap.get("matched")) is None:
        _missing(ans, "List overlap", coord[0] if coord else None, "us_uk_overlap", "04")
        return ans
    r = coord[0]
    _use(ans, r, link_prefix)
    matched = int(overlap["matched"])
    text = f"{matched:,} subjects are on both the US (OFAC) and the UK Russia lists"
    uk_on_us = _num(overlap.get("share_of_uk_on_us"))
    us_on_uk = _num(overlap.get("share_of_us_on_uk"))
    if uk_on_us is not None and us_on_uk is not None:
        text += (
            f": {fmt.pct(uk_on_us, signed=False)} of the UK's subjects are also on the US list, "
            f"{fmt.pct(us_on_uk, signed=False)} of the US's on the UK list"
        )
    threshold = _num(overlap.get("threshold"))
    if threshold is not None:
        text += f" (names matched across spellings at {fmt.number(threshold, 2)} of 100)"
    ans.sentences.append(text + ".")
    keyed = {str(k).lower().replace(" ", "_"): v for k, v in overlap.items()}
    first = {k: _num(keyed.get(k)) for k in ("uk_first", "us_first", "same_day")}
    if all(v is not None for v in first.values()):
        lag = _num(keyed.get("median_lag_days", keyed.get("median")))
        mean = _num(keyed.get("mean_lag_days", keyed.get("mean")))
        uk, us = first["uk_first"], first["us_first"]
        dated = _num(keyed.get("n_pairs_dated"))
        left = _num(keyed.get("pairs_left_out_unreliable_date"))
        of = (
            f"Of the {int(dated):,} shared subjects with reliable dates"
            + (f" ({int(left):,} left out: an unreliable date)" if left else "")
            if dated is not None
            else "Of the shared subjects"
        )
        ans.sentences.append(
            f"{of}, the UK listed {int(uk):,} first, the US "  # type: ignore[arg-type]
            f"{int(us):,} first and {int(first['same_day']):,} on the same day"  # type: ignore[arg-type]
            + _lags(lag, mean)
            + "."
        )
        ans.sentences.append(_us_dates_late(lag, mean))
    else:
        ans.sentences.append(
            f"Who designated first: not recorded in results.json by run {r.name} (its report's "
            "listing-lag table has it)."
        )
    return ans


def _days(value: float) -> str:
    return f"{'+' if value > 0 else ''}{fmt.number(value, 2)} days"


def _lags(median: float | None, mean: float | None) -> str:
    """The listing lag (US date minus UK date) as recorded: median and mean, both or either."""
    shown = [f"median {_days(median)}" if median is not None else ""]
    shown.append(f"mean {_days(mean)}" if mean is not None else "")
    shown = [s for s in shown if s]
    return f"; lag of the US date behind the UK date: {', '.join(shown)}" if shown else ""


def _us_dates_late(median: float | None, mean: float | None) -> str:
    """Why the counts carry no verdict on who listed first: the US dates run late by an interval
    the run does not record, and the median and mean may point different ways."""
    split = (
        median is not None
        and mean is not None
        and (median > 0) != (mean > 0)
        and median != 0
        and mean != 0
    )
    return (
        (
            "The median and the mean lag point different ways, so these figures do not say which "
            "list was usually first. "
            if split
            else ""
        )
        + "US dates are the first scrape of the OFAC list that held an entry, later than the "
        "designation by up to the interval between scrapes (not recorded): they make the UK look "
        "first more often than it was, by an amount the data cannot measure, so no verdict on who "
        "designated first is drawn."
    )


def _late(results: Any, run: str) -> str:
    """Who acted late: the adoption lags where the run records them (``adoption_lag_days``,
    ``{ally: days}``), else where to find them."""
    lags = results.get("adoption_lag_days") if isinstance(results, dict) else None
    lags = {k: _num(v) for k, v in lags.items()} if isinstance(lags, dict) else {}
    lags = {k: v for k, v in lags.items() if v is not None}
    if not lags:
        return (
            f"Who acted late: the adoption lags are not recorded in results.json by run {run} "
            "(its report's adoption-lag table has them)."
        )
    censored = set(results.get("adoption_lag_censored") or ())
    ranked = sorted(lags.items(), key=lambda kv: -kv[1])
    note = (
        " (at least: a kind of measure not adopted by the end of the window counts at its bound)"
        if censored & set(lags)
        else ""
    )
    return (
        "Who acted late (median adoption lag behind the first mover): "
        + ", ".join(
            f"{place(k)} {'at least ' if k in censored else ''}{round(v):,} "
            f"day{'' if round(v) == 1 else 's'}"
            for k, v in ranked
        )
        + note
        + "."
    )
