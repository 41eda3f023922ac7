"""What notebook 04 records in ``results.json``, at the digits its draws support.

Point estimates of substitution ratios are exact expected values and are recorded as computed.
Interval ends are recorded as the reports print them (the nearest point of their grid, never past
the point estimate), p-values as printed (a bound for ``p < b``), shares of
draws to the nearest 5%; each with its Monte Carlo standard error where it has one. A rerun with
another seed records the same figures unless one sits on a rounding boundary (:mod:`.digits`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sanctions_model.coordination.digits import (
    end_rounded,
    p_adjusted_rounded,
    p_adjusted_text,
    p_mc_se,
    p_rounded,
    p_text,
)
from sanctions_model.coordination.scorecard_inputs import OFAC_DATE_CAVEAT, us_uk_lags
from sanctions_model.reporting.published import EBRD_SAYS

__all__ = ["coordination_record", "estimate_record"]


def _finite(v: Any) -> float | None:
    return float(v) if v is not None and pd.notna(v) and np.isfinite(v) else None


def estimate_record(e: Any) -> dict[str, Any]:
    """One substitution estimate: exact ratio, interval on its printed grid, p as printed."""
    lo, hi = e.conf_int()
    se_lo, se_hi = e.conf_int_mc_se()
    n = len(e.excess_draws)
    return {
        "estimate": _finite(e.ratio),
        "lower": end_rounded(lo, se_lo, "lower", e.ratio),
        "upper": end_rounded(hi, se_hi, "upper", e.ratio),
        "p_value": p_rounded(e.p_value, n),
        "p_text": e.p_short(),
        "lower_mc_se": _finite(se_lo),
        "upper_mc_se": _finite(se_hi),
        "p_mc_se": p_mc_se(e.p_value, n),
        "units": e.units,
        "n_draws": n,
    }


def _scorecard_rows(card: Any) -> tuple[dict, dict]:
    t = card.table
    n = card.n_draws
    sub = t.dropna(subset=["substitution"])
    out, small = {}, {}
    for a, r in sub.iterrows():
        if bool(r["too_small"]):
            small[a] = {
                "estimate": float(r["substitution"]),
                "direct_base_usd": float(r["direct_base"]),
            }
            continue
        row = {
            "estimate": float(r["substitution"]),
            "lower": end_rounded(
                r["substitution_lower"], r["substitution_lower_mc_se"], "lower", r["substitution"]
            ),
            "upper": end_rounded(
                r["substitution_upper"], r["substitution_upper_mc_se"], "upper", r["substitution"]
            ),
            "p_family": r["p_family"],
            "nominal": _finite(r.get("substitution_nominal")),
        }
        p = float(r["p_value"])
        if r["p_family"] == "aggregate":
            # the findings page reads p_value first: the EU27 aggregate is a single test
            row["p_value"] = p_rounded(p, n)
            row["p_text"] = p_text(p, n)
        else:
            # the same text as the report's sentences and the scorecard table (rounded up)
            pa = float(r["p_adjusted"])
            row["p_adjusted"] = p_adjusted_rounded(pa, p, n)
            row["p_adjusted_text"] = p_adjusted_text(pa, p, n)
            row["p_unadjusted"] = p_rounded(p, n)
            row["p_unadjusted_text"] = p_text(p, n)
        out[a] = row
    return out, small


def _ranks(ranks: Any) -> dict[str, Any]:
    def as_int(v: Any) -> int | None:
        return None if v is pd.NA or pd.isna(v) else int(v)

    return {
        a: {
            "rank": as_int(r["rank_full"]),
            "lower": as_int(r["rank_full_lower"]),
            "upper": as_int(r["rank_full_upper"]),
            "tied": bool(r["rank_full_tied"]),
            "p_first": None if pd.isna(r["p_first"]) else 5 * round(20 * float(r["p_first"])) / 100,
            "common_rank": int(r["rank_common"]),
        }
        for a, r in ranks.table.iterrows()
    }


def _chp_did(r: Any) -> dict[str, Any]:
    """The CHP difference in differences as printed: the estimate exact, the interval ends and the
    p-value on the grid their Monte Carlo error supports (log points and percent)."""
    out = {}
    shown = r.shown()
    for g, row in r.estimates.iterrows():
        sh = shown.loc[g]

        def log(v: Any) -> float | None:
            return _finite(np.log1p(v)) if v is not None and v > -1 else None

        out[g] = {
            "estimate": float(row["estimate"]),
            "lower": log(sh["relative_lower"]),
            "upper": log(sh["relative_upper"]),
            "relative": float(sh["relative"]),
            "relative_lower": _finite(sh["relative_lower"]),
            "relative_upper": _finite(sh["relative_upper"]),
            "p_value": sh["p_value"],
            "p_text": sh["p_text"],
            "lower_mc_se": _finite(row["lower_mc_se"]),
            "upper_mc_se": _finite(row["upper_mc_se"]),
            "p_mc_se": _finite(row["p_mc_se"]),
            "n_perm": int(row["n_perm"]),
        }
    return out


def _overlap(ov: Any) -> dict[str, Any]:
    """Overlap counts and, from the listing-lag table, who listed first (US minus UK)."""
    share = ov.overlap_matrix("share")
    out: dict[str, Any] = {
        "threshold": float(ov.config.threshold),
        "matched": int(len(ov.matches)),
        "share_of_uk_on_us": float(share.loc["GB", "US"]),
        "share_of_us_on_uk": float(share.loc["US", "GB"]),
    }
    lags = us_uk_lags(ov)
    if lags:
        lag = lags[0]
        out.update(
            {
                "uk_first": lag["uk_first"],
                "us_first": lag["us_first"],
                "same_day": lag["same_day"],
                "n_pairs_dated": lag["n_pairs"],
                "pairs_left_out_unreliable_date": lag["excluded_unreliable"],
                "median_lag_days": _finite(lag["median_lag_days"]),
                "mean_lag_days": _finite(round(lag["mean_lag_days"], 1)),
                "lag_days_orientation": "US minus UK: positive when the US listed later",
                "date_caveat": OFAC_DATE_CAVEAT,
            }
        )
    return out


def _adoption_lags(t: Any) -> dict[str, float]:
    """Median adoption lag (days behind the first mover) of the EU and each non-EU ally; member
    states carry the EU's value, so they are left out. A censored lag is a lower bound."""
    from sanctions_model.reporting.labels import MEMBER_STATES

    if "adoption_lag_days" not in t:
        return {}
    lags = t["adoption_lag_days"].dropna()
    return {str(a): float(v) for a, v in lags.items() if str(a) not in MEMBER_STATES}


def coordination_record(
    card: Any,
    ranks: Any,
    robust: Any,
    sides: Any,
    chp: dict[str, Any],
    chp_sub: dict[str, Any],
) -> dict[str, Any]:
    """The results of notebook 04 (see the module docstring for the digits)."""
    t = card.table
    prices = card.prices
    substitution, small = _scorecard_rows(card)
    ov = card.overlap
    hub, eu = sides.estimates["hub side"], sides.estimates["EU side"]
    like = sides.estimates["EU side, scorecard coverage"]
    eu_rec, hub_rec, like_rec = (estimate_record(x) for x in (eu, hub, like))
    first_chp = next(iter(chp.values()))
    return {
        "prices": {
            "real": prices.real,
            "base": prices.base,
            "usd": prices.describe("USD"),
            "eur": prices.describe("EUR"),
            "usd_deflator": prices.name("USD"),
            "eur_deflator": prices.name("EUR"),
            "usd_per_eur_base": sides.rate,
        },
        "direct_ratio": {a: float(v) for a, v in t["direct_ratio"].dropna().items()},
        "direct_ratio_real": (
            {a: float(v) for a, v in t["direct_ratio_real"].dropna().items()}
            if "direct_ratio_real" in t
            else {}
        ),
        "substitution": substitution,
        "substitution_too_small": small,
        "adoption_lag_days": _adoption_lags(t),
        "adoption_lag_censored": sorted(
            a
            for a in _adoption_lags(t)
            if "adoption_lag_censored" in t and bool(t.loc[a, "adoption_lag_censored"])
        ),
        "substitution_robustness_eu27": {
            k: estimate_record(e) for k, e in robust.estimates.items()
        },
        "eu27_ratio": {
            "units": sides.units,
            "hubs_side": hub_rec["estimate"],
            "hubs_side_lower": hub_rec["lower"],
            "hubs_side_upper": hub_rec["upper"],
            "hubs_side_p_value": hub_rec["p_value"],
            "hubs_side_p_text": hub_rec["p_text"],
            "hubs_side_nominal": _finite(t.loc["EU27_2020", "substitution_nominal"])
            if "substitution_nominal" in t
            else None,
            "eu_side": eu_rec["estimate"],
            "eu_side_lower": eu_rec["lower"],
            "eu_side_upper": eu_rec["upper"],
            "eu_side_p_value": eu_rec["p_value"],
            "eu_side_p_text": eu_rec["p_text"],
            "eu_side_nominal": _finite(sides.nominal.ratio) if sides.nominal is not None else None,
            "eu_side_no_georgia": _finite(sides.estimates["EU side, without Georgia"].ratio),
            "eu_side_scorecard_coverage": like_rec["estimate"],
            "eu_side_scorecard_coverage_lower": like_rec["lower"],
            "eu_side_scorecard_coverage_upper": like_rec["upper"],
            "hubs_side_excess_usd": sides.excess("hub side"),
            "eu_side_excess_usd": sides.excess("EU side"),
            "eu_side_scorecard_coverage_excess_usd": sides.excess("EU side, scorecard coverage"),
            "gap_usd": sides.gap,
            "gap_share_coverage": _finite(round(sides.coverage_share, 2)),
            "gap_share_records": _finite(round(sides.records_share, 2)),
            "ebrd_benchmark": EBRD_SAYS,
        },  # fmt: skip
        "us_uk_overlap": _overlap(ov) if ov is not None else {},
        "index_ranks": _ranks(ranks),
        "chp_did": {label: _chp_did(r) for label, r in chp.items()},
        "chp_substitution": {
            label: {**estimate_record(e), "hubs": list(e.hub_excess_draws)}
            for label, e in chp_sub.items()
        },
        "inference": {
            "substitution": card.inference,
            "ranks": ranks.inference,
            "chp": first_chp.inference,
            "chp_substitution": next(iter(chp_sub.values())).inference,
        },
        "caveats": {
            "scorecard": list(card.caveats),
            "ranks": list(ranks.caveats),
            "sides": list(sides.caveats),
            "chp": list(dict.fromkeys(c for r in chp.values() for c in r.caveats)),
            "chp_substitution": list(dict.fromkeys(c for e in chp_sub.values() for c in e.caveats)),
            "us_uk_overlap": [OFAC_DATE_CAVEAT] if ov is not None else [],
        },
    }
