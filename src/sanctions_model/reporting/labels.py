"""One registry of what readers see in place of internal names: results keys, parameters, columns.

Every page that shows a key of ``results.json``, a notebook parameter or a table column asks here
(:func:`label`, :func:`param_label`, :func:`column_label`), so a name is written in plain words
once: the findings page, the runs page, ``index.csv``, the reports' tables (through
:func:`sanctions_model.reporting.display.reader_frame`) and the README block. A name the registry
does not hold is still shown without underscores and with its abbreviations spelt out
(:func:`plain`), never as ``snake_case``.

:func:`unit_of` says how a value is read (``"%"`` for relative changes, ``"log points"``, ``"ratio"``,
``"p-value"``, ...), and :func:`group_of` which group of rows a flow belongs to on the findings page
(Russia, hubs, member states, imports, allies).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "GROUPS",
    "HUBS",
    "MEMBER_STATES",
    "column_label",
    "group_of",
    "label",
    "param_label",
    "param_value",
    "place",
    "plain",
    "unit_of",
]

HUBS = ("AM", "GE", "KG", "KZ", "UZ")
MEMBER_STATES = (
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
GROUPS = ("Russia", "Hubs", "Member states", "Imports", "Allies", "Other")

# -- results.json keys: plain words, and the unit a value is read in --------------------------------

_KEYS: dict[str, tuple[str, str]] = {
    "effect": ("change against the counterfactual, average month", "%"),
    "average_effect": ("change against the counterfactual, average month", "%"),
    "lower": ("lower end of the interval (95% unless the run's alpha says otherwise)", "%"),
    "upper": ("upper end of the interval (95% unless the run's alpha says otherwise)", "%"),
    "p_value": ("p-value", "p-value"),
    "raw_ratio_2023_2021": ("EU27 exports to Russia, 2023 over 2021 (raw)", "ratio"),
    "raw_change": ("EU27 exports to Russia, raw change 2021 to 2023", "%"),
    "did_ru_annual": (
        "EU27 exports to Russia against donor destinations (difference-in-differences, annual)",
        "log points",
    ),
    "did_ru_annual_without_rs_md_in_tm": (
        "EU27 exports to Russia against donors without Serbia, Moldova and Turkmenistan",
        "log points",
    ),
    "did_exposure": (
        "exports to the five partners, most against least exposed member state",
        "log points",
    ),
    "did_exposure_ru": (
        "exports to Russia, most against least exposed member state",
        "log points",
    ),
    "did_exposure_by_partner": (
        "exports to each partner, most against least exposed member state",
        "log points",
    ),
    "gravity_ru_2022_vs_2014_21": (
        "gravity (PPML): EU27 exports to Russia, 2022-23 against 2014-21",
        "log points",
    ),
    "gravity_partners_2022": (
        "gravity (PPML): EU27 exports to the five partners, 2022-23 against 2010-21",
        "log points",
    ),
    "partners_2022": ("the five partners in 2022-23", "log points"),
    "russia_2014": ("Russia in 2014-21", "log points"),
    "russia_2022": ("Russia in 2022-23", "log points"),
    "russia_2022_vs_2014_21": ("Russia in 2022-23 against 2014-21", "log points"),
    "sc_effect": ("synthetic control: EU27 exports to Russia", "%"),
    "monthly_counterfactual_effect": (
        "monthly counterfactual: EU27 exports to Russia, average month",
        "%",
    ),
    "hubs_side": ("EU27 substitution ratio, on the hubs' import records", "ratio"),
    "eu_side": ("EU27 substitution ratio, on the EU's export records", "ratio"),
    "eu_side_scorecard_coverage": (
        "EU27 substitution ratio, EU export records on the scorecard's coverage",
        "ratio",
    ),
    "eurostat_published_change": ("Eurostat's published change", "%"),
    "direct_ratio": ("direct exports to Russia, later year over base year", "ratio"),
    "substitution": ("substitution ratio", "ratio"),
    "exposure_spread": ("exposure gap between the most and least exposed member state", "share"),
    "chow_p_value": ("Chow test p-value", "p-value"),
    "chow_anticipation_p_value": (
        "Chow test p-value at the start of the anticipation window",
        "p-value",
    ),  # fmt: skip
    "chow_anticipation_month": ("start of the anticipation window (Chow test)", "month"),
    "qlr_p_value": ("QLR (sup-Wald) break test p-value", "p-value"),
    "qlr_trend_p_value": ("QLR trend-break test p-value", "p-value"),
    "qlr_break_month": ("most likely break month (QLR)", "month"),
    "sc_p_placebo": ("synthetic control placebo p-value", "p-value"),
    "sc_pre_rmspe": ("synthetic control pre-period fit (RMSPE, log points)", "log points"),
    "sc_ratio": ("post/pre RMSPE ratio", "ratio"),
    "sc_rank": ("rank among placebos", "rank"),
    "sc_n_placebos": ("placebo destinations", "count"),
    "donors": ("donor destinations", "count"),
    "datasets": ("datasets", "count"),
    "rows": ("rows", "count"),
    "first": ("first month of the data", "month"),
    "last": ("last month of the data", "month"),
    "model_chosen": ("counterfactual model chosen", "text"),
    "converged": ("model converged", "text"),
}

# -- parameters -------------------------------------------------------------------------------------

_PARAMS: dict[str, str] = {
    "donor_rule": "donor pool:",
    "reporter": "exporter",
    "partner": "destination",
    "flow": "direction",
    "product": "goods (HS code)",
    "source": "data source",
    "pre_start": "pre-period from",
    "pre_end": "pre-period to",
    "post_end": "post-period to",
    "intervention": "sanctions from",
    "controls": "control series",
    "log": "model in logs",
    "alpha": "1 - interval coverage",
    "n_draws": "simulation draws",
    "n_placebos": "placebo destinations",
    "n_perm": "randomization draws",
    "base_year": "base year",
    "year": "year compared",
    "threshold": "name-matching threshold",
    "timing_start": "measures counted from",
    "chp_tiers": "Common High Priority tiers",
    "seed": "random seed",
    "real": "in real terms",
    "deflator": "price index",
    "donor_threshold": "donor threshold",
    "outcome": "outcome",
}

# -- table columns (the notebooks' DataFrames) ------------------------------------------------------

_COLUMNS: dict[str, str] = {
    "absolute": "change (EUR)",
    "absolute_lower": "change, lower end (EUR)",
    "absolute_upper": "change, upper end (EUR)",
    "absolute_p": "p-value (change in EUR)",
    "relative": "change (%)",
    "percent": "change (%)",
    "percent_lower": "change, lower end (%)",
    "percent_upper": "change, upper end (%)",
    "relative_lower": "change, lower end (%)",
    "relative_upper": "change, upper end (%)",
    "relative_p": "p-value (change in %)",
    "coverage_95": "coverage of the 95% interval",
    "legal_act": "legal act",
    "total_value": "total value",
    "n_placebos": "placebos",
    "n_obs": "observations",
    "n_draws": "draws",
    "russia_2014": "Russia, 2014-21",
    "russia_2022": "Russia, 2022-23",
    "partners_2022": "the five partners, 2022-23",
    "effect": "effect",
    "estimate": "estimate",
    "lower": "lower end",
    "upper": "upper end",
    "p_value": "p-value",
    "pvalue": "p-value",
    "p_adjusted": "p-value (adjusted)",
    "p_unadjusted": "p-value (unadjusted)",
    "p_bh": "p-value (Benjamini-Hochberg)",
    "p_romano_wolf": "p-value (Romano-Wolf)",
    "p_first": "share of draws ranked first",
    "se": "standard error",
    "std_err": "standard error",
    "crps": "CRPS (lower is better)",
    "log_score": "log score",
    "direct_ratio": "direct exports, later over base year",
    "hub_imports": "hubs' imports",
    "pre_rmspe": "pre-period fit (RMSPE)",
    "post_rmspe": "post-period gap (RMSPE)",
    "false_positive_rate": "false-positive rate",
    "n_dates": "placebo dates",
}

# Only columns that say they hold relative changes: "effect" may be log points or EUR, and the
# gravity tables' "percent" columns are already multiplied by 100.
_RELATIVE_COLUMNS = re.compile(r"^relative(?:_lower|_upper)?$")

# -- words inside keys ------------------------------------------------------------------------------

_WORDS = {
    "ru": "Russia",
    "eu27": "EU27",
    "eu": "EU",
    "did": "difference-in-differences",
    "sc": "synthetic control",
    "sdid": "synthetic difference-in-differences",
    "asc": "augmented synthetic control",
    "ppml": "PPML",
    "p": "p-value",
    "pvalue": "p-value",
    "ri": "(randomization)",
    "bh": "(Benjamini-Hochberg)",
    "se": "standard error",
    "n": "number of",
    "vs": "against",
    "rmspe": "RMSPE",
    "chp": "Common High Priority goods",
    "us": "US",
    "uk": "UK",
    "usd": "(USD)",
    "eur": "(EUR)",
    "qlr": "QLR",
    "ci": "interval",
    "pct": "(%)",
    "md": "Moldova",
    "rs": "Serbia",
    "tm": "Turkmenistan",
}


def _data_module(name: str) -> Any:
    """``sanctions_model.data.<name>`` (a module that imports nothing of pandas), without
    importing the data package when it is not imported yet: that imports pandas and pandera,
    about 1 s of a warm sweep, whose index pages name countries and deflators and need nothing
    else of it."""
    import sys

    loaded = sys.modules.get(f"sanctions_model.data.{name}")
    return loaded if loaded is not None else _standalone(name)


@functools.cache
def _standalone(name: str) -> Any:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "data" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"sanctions_model_{name}_standalone", path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _countries() -> Any:
    return _data_module("countries")


def place(code: Any) -> str:
    """A country or group code in words: ``RU`` -> ``Russia``, ``EU27_2020`` -> ``EU27``."""
    text = str(code)
    if text.startswith("EU27"):
        return "EU27"
    if len(text) == 2 and text.isalpha() and text.isupper():
        try:
            name = _countries().name(text)
        except (KeyError, ImportError, ValueError):
            return text
        return {"Russian Federation": "Russia", "Kyrgyz Republic": "Kyrgyzstan"}.get(name, name)
    return text


def plain(name: Any) -> str:
    """An unknown internal name in words: ``did_ru_annual_p`` -> ``difference-in-differences
    Russia annual p-value``; a year range ``2014_21`` -> ``2014-21``."""
    text = str(name).strip()
    if not re.search(r"[_]|^[a-z0-9]+$", text):
        return text  # already words
    text = re.sub(r"(\d{4})_(\d{2,4})\b", r"\1-\2", text)
    text = re.sub(r"(?<![A-Za-z0-9])p_value(?![A-Za-z0-9])", "p-value", text)  # not "p-value value"
    words = []
    for word in text.split("_"):
        if not word:
            continue
        low = word.lower()
        if low in _WORDS:
            words.append(_WORDS[low])
        elif len(word) == 2 and word.isupper():
            words.append(place(word))
        else:
            words.append(word)
    return " ".join(words).strip()


def label(key: Any) -> str:
    """A results key in plain words (``sc_effect_2023`` -> ``synthetic control: EU27 exports to
    Russia, 2023``)."""
    key = str(key)
    if key in _KEYS:
        return _KEYS[key][0]
    year = re.fullmatch(r"(.+?)_(\d{4})", key)
    if year and year.group(1) in _KEYS:
        return f"{_KEYS[year.group(1)][0]}, {year.group(2)}"
    ratio = re.fullmatch(r"ratio_(\d{4})_(\d{4})_([A-Z]{2}|EU27\w*)", key)
    if ratio:
        return f"EU27 exports to {place(ratio.group(3))}, {ratio.group(1)} over {ratio.group(2)}"
    ratio = re.fullmatch(r"([A-Z]{2}) (\d{4})/(\d{4})", key)
    if ratio:  # notebook 01's headline: the ratio of two annual totals in current prices
        return (
            f"EU27 exports to {place(ratio.group(1))}, {ratio.group(2)} annual total over "
            f"{ratio.group(3)}'s (current prices)"
        )
    ratio = re.fullmatch(r"Raw (\d{4})/(\d{4})(?: \((.+)\))?", key)
    if ratio:  # notebook 03's headline: the plain change, no counterfactual
        prices = f", {ratio.group(3)}" if ratio.group(3) else ""
        return (
            f"EU27 exports to Russia, {ratio.group(1)} annual total over {ratio.group(2)}'s "
            f"(raw, no counterfactual{prices})"
        )
    for suffix, words in (
        ("_lower", "lower end of the interval of"),
        ("_upper", "upper end of the interval of"),
    ):
        if key.endswith(suffix):
            return f"{words} {label(key[: -len(suffix)])}"
    for suffix in ("_p_value", "_p_ri", "_p"):
        if key.endswith(suffix) and key[: -len(suffix)]:
            return f"p-value of {label(key[: -len(suffix)])}"
    return plain(key)


def unit_of(key: Any) -> str:
    """How a results key's value is read: ``%`` (relative change), ``log points``, ``ratio``,
    ``p-value``, ``count``, ``month`` or ``""`` (unknown)."""
    key = str(key)
    if key in _KEYS:
        return _KEYS[key][1]
    base = re.sub(r"_(\d{4})$", "", key)
    base = re.sub(r"_(lower|upper)$", "", base)
    if base in _KEYS:
        return _KEYS[base][1]
    if re.search(r"(^|_)p(_value|_ri|_bh|_adjusted)?$", key):
        return "p-value"
    if key.startswith(("did_", "gravity_", "event_study_")):
        return "log points"
    if key.startswith(("sc_effect", "sc_lower", "sc_upper")) or "effect" in key:
        return "%"
    if "ratio" in key or "substitution" in key:
        return "ratio"
    return ""


def param_label(name: Any) -> str:
    """A notebook parameter in plain words (``pre_start`` -> ``pre-period from``)."""
    return _PARAMS.get(str(name), plain(name))


def param_value(name: Any, value: Any) -> str:
    """A parameter's value for readers: country codes named, lists joined, none as 'default'."""
    if value is None:
        return "all goods" if str(name) == "product" else "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(param_value(name, v) for v in value) if value else "none"
    if str(name) in ("reporter", "partner"):
        return place(value)
    if str(name) == "product" and str(value).upper() == "TOTAL":
        return "all goods"
    if str(name) == "deflator" or str(name).endswith("_deflator"):
        words = _data_module("price_words").DEFLATOR_WORDS.get(str(value))
        return f"{words}, 2021 = 100" if words else str(value)  # an unknown index: as given
    if str(name) == "donor_rule":
        return _data_module("donor_rules").DONOR_RULES.get(str(value), str(value))
    return str(value)


def column_label(name: Any) -> str:
    """A table column in plain words (``absolute_lower`` -> ``change, lower end (EUR)``)."""
    if isinstance(name, tuple):
        return " / ".join(column_label(n) for n in name)
    text = str(name)
    if text in _COLUMNS:
        return _COLUMNS[text]
    year = re.fullmatch(r"(effect|estimate|lower|upper)_(\d{4})", text)
    if year:
        return f"{_COLUMNS[year.group(1)]}, {year.group(2)}"
    if "_" not in text:
        return text
    return plain(text)


def is_relative_column(name: Any) -> bool:
    """Whether a column holds relative changes (``-0.54`` shown as ``-54%``)."""
    return bool(_RELATIVE_COLUMNS.match(str(name)))


def group_of(params: Mapping[str, Any], results: Mapping[str, Any] | None = None) -> str:
    """The group of rows a flow belongs to: Russia, Hubs, Member states, Imports or Allies."""
    merged = {**dict(params), **dict(results or {})}
    reporter = str(merged.get("reporter", ""))
    partner = str(merged.get("partner", ""))
    flow = str(merged.get("flow", "export"))
    if flow.startswith("import"):
        return "Imports"
    if reporter in MEMBER_STATES:
        return "Member states"
    if partner in HUBS:
        return "Hubs"
    if partner == "RU" and reporter.startswith("EU27"):
        return "Russia"
    if reporter and not reporter.startswith("EU27"):
        return "Allies"
    return "Other"


_MODULE_PATH = re.compile(r"\s*\(\s*sanctions_model(?:\.\w+)+\s*\)|\bsanctions_model(?:\.\w+)+")
_ISSUE_NOTE = re.compile(r"\s*\((?:before|after|see) issue \d+\)", re.IGNORECASE)
_RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)*_\d[a-z0-9_]*\b")


def for_readers(text: str) -> str:
    """A caveat or label as readers see it: no dotted module paths, no issue-tracker notes, and
    registry keys (``russia_2022_vs_2014_21``) in the registry's words where it knows them."""

    def key_words(match: re.Match[str]) -> str:
        words = label(match.group(0))
        return words if words != plain(match.group(0)) else match.group(0)

    text = _ISSUE_NOTE.sub("", _MODULE_PATH.sub("", text))
    return _RAW_KEY.sub(key_words, text)
