"""Where a panel treatment varies, which controls it may use and which inference holds its size.

Used by :func:`sanctions_model.models.panel.estimate_did` and
:func:`~sanctions_model.models.panel.estimate_event_study`:

* **Controls.** With the treatment given as partner codes (``treated="RU"``), the controls are by
  default the documented donor pool (:func:`sanctions_model.data.donors.donor_pool`): no
  sanctioned, war-hit or suspected re-routing destinations, whose trade the sanctions moved.
* **Level of variation.** A treatment that varies by partner (Russia against other destinations)
  is one treated cluster: randomization inference across donor destinations. A treatment whose
  intensity varies across reporters (pre-war exposure) varies by reporter: clusters are
  reporters, and with fewer than :data:`~sanctions_model.models.inference.FEW_CLUSTERS` of them
  a wild cluster bootstrap. Anything else varies by pair: errors clustered by pair.
* **Randomization inference** for a DiD coefficient and for every event-study coefficient, with
  the fixed effects partialled out once on the donor-only sample (one demeaning for all
  placebos), so a Monte Carlo over hundreds of panels stays fast.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from sanctions_model.data.donors import EXCLUDED, donor_pool, exclusion_reason
from sanctions_model.errors import ParameterError

from ..inference import (
    cluster_caveats,
    fe_residualize,
    randomization_critical_value,
)

__all__ = ["Design", "choose_design", "randomization_did", "randomization_event_study"]

Inference = Literal["auto", "randomization", "wild", "cluster", "hetero"]
MAX_TREATED_FOR_RI = 10


@dataclass(frozen=True)
class Design:
    """Resolved design: where treatment varies, the cluster, the inference and the controls."""

    level: Literal["partner", "reporter", "pair"]
    inference: Literal["randomization", "wild", "cluster", "hetero"]
    cluster: str | None
    treated_units: tuple[str, ...]
    donors: tuple[str, ...]
    dropped_controls: tuple[str, ...]
    caveats: tuple[str, ...]


def _excluded_note(dropped: list[str]) -> str:
    reasons: dict[str, list[str]] = {}
    for code in dropped:
        why = exclusion_reason(code) or "not among the controls passed in"
        reasons.setdefault(why, []).append(code)
    parts = [f"{', '.join(sorted(c)[:12])}{' ...' if len(c) > 12 else ''} ({r})"
             for r, c in reasons.items()]  # fmt: skip
    return "Controls left out: " + "; ".join(parts) + "."


def choose_design(
    frame: pd.DataFrame,
    *,
    treated_codes: tuple[str, ...] | None,
    controls: str | tuple[str, ...],
    inference: Inference,
    cluster: str | None,
) -> tuple[pd.DataFrame, Design]:
    """Restrict ``frame`` to usable controls and pick the inference (see module docstring).

    ``frame`` has the columns ``__partner``, ``__reporter``, ``__treated`` and ``__intensity``.
    """
    partners = frame["__partner"]
    treated_rows = frame["__treated"].to_numpy() == 1
    t_units = tuple(sorted(partners[treated_rows].unique()))
    by_partner = frame.groupby("__partner", sort=False)["__treated"].agg(["min", "max"])
    partner_level = bool((by_partner["min"] == by_partner["max"]).all())
    inten = frame.loc[treated_rows].groupby("__partner")["__intensity"].nunique()
    across_reporters = bool((inten > 1).any())

    dropped: list[str] = []
    donors: tuple[str, ...] = ()
    untreated = sorted(set(partners.unique()) - set(t_units))
    if partner_level and treated_codes is not None:
        if controls == "donors":
            keep = donor_pool(untreated)
        elif controls == "all":
            keep = untreated
        else:
            keep = [c for c in controls if c in set(untreated)]
            if not keep:
                raise ParameterError(f"none of controls={list(controls)} is an untreated partner")
        dropped = sorted(set(untreated) - set(keep))
        donors = tuple(keep)
        frame = frame[partners.isin(set(t_units) | set(keep)).to_numpy()]
    caveats: list[str] = []
    if dropped:
        caveats.append(_excluded_note(dropped))

    if across_reporters:
        level = "reporter"
    elif partner_level:
        level = "partner"
    else:
        level = "pair"
    if inference == "auto":
        if level == "partner" and len(t_units) <= MAX_TREATED_FOR_RI:
            inference = "randomization"
        elif level == "pair":
            inference = "cluster"
        else:
            n_cl = frame["__reporter" if level == "reporter" else "__partner"].nunique()
            inference = "wild" if n_cl < 50 else "cluster"
    if cluster is None and inference in ("wild", "cluster"):
        cluster = {"reporter": "reporter", "partner": "partner", "pair": "pair"}[level]
    if inference == "randomization":
        if not partner_level:
            raise ParameterError(
                "randomization inference over destinations needs a treatment that varies by "
                "partner only (no intensity varying across reporters)"
            )
        if not donors:
            donors = tuple(donor_pool(untreated) if controls == "donors" else untreated)
        if not donors:
            excluded = {c: EXCLUDED.get(c, "excluded") for c in untreated}
            raise ParameterError(
                f"no donor destinations among the controls {untreated}: they are all excluded "
                f"({excluded}); comparing {list(t_units)} with them would mix the effect with "
                "its own side effects. Use a design whose variation is across reporters "
                "(intensity=pre-war exposure, inference='wild') or pass controls explicitly"
            )
    return frame, Design(
        level=level, inference=inference, cluster=cluster, treated_units=t_units,
        donors=donors, dropped_controls=tuple(dropped), caveats=tuple(caveats),
    )  # fmt: skip


def design_caveats(design: Design, n_clusters: int | None) -> tuple[str, ...]:
    """Caveats on the inference (few clusters, one treated cluster), as data."""
    out = list(design.caveats)
    if design.inference == "wild":
        out += cluster_caveats(n_clusters, None, design.cluster)
    if design.inference == "cluster":
        n_treated = len(design.treated_units) if design.level == "partner" else None
        few = cluster_caveats(n_clusters, n_treated, "partner" if n_treated else design.cluster)
        if few and n_treated != 1:
            few = (f"Only {n_clusters} clusters ({design.cluster}): cluster-robust t tests "
                   "over-reject; prefer inference='wild'.",)  # fmt: skip
        out += few
    if design.inference == "hetero":
        out.append("Heteroskedasticity-robust errors ignore serial and cross-unit correlation.")
    if design.inference == "randomization" and len(design.donors) < 50:
        out.append(
            f"Only {len(design.donors)} donor destinations: the randomization p-value cannot go "
            f"below 1/{len(design.donors) + 1}."
        )
    return tuple(out)


# ---------------------------------------------------------------------------- randomization
def _assignments(donors: tuple[str, ...], k: int, reps: int, seed: int) -> list[tuple[str, ...]]:
    if k == 1:
        return [(d,) for d in donors]
    if len(donors) <= k:
        raise ParameterError(f"{len(donors)} donors cannot form placebo sets of {k} units")
    if math.comb(len(donors), k) <= reps:
        return list(itertools.combinations(donors, k))
    rng = np.random.default_rng(seed)
    # random sets (with replacement across draws, as in randomization-c); labels may repeat
    return [tuple(sorted(rng.choice(donors, size=k, replace=False))) for _ in range(reps)]


def _fe_codes(frame: pd.DataFrame, fe_names: list[str]) -> np.ndarray | None:
    if not fe_names:
        return None
    return np.column_stack([pd.factorize(frame[n])[0] for n in fe_names])


def _membership(units: np.ndarray, sets: list[tuple[str, ...]]) -> np.ndarray:
    """Rows x sets boolean: row's unit in the set."""
    codes, uniq = pd.factorize(pd.Series(units))
    pos = {u: i for i, u in enumerate(uniq)}
    ind = np.zeros((len(uniq), len(sets)), dtype=bool)
    for j, s in enumerate(sets):
        for u in s:
            if u in pos:
                ind[pos[u], j] = True
    return ind[codes]


def treated_scale(y: np.ndarray, x: np.ndarray, fe: np.ndarray | None, pre_treated: np.ndarray):
    """Coefficient of ``x`` and the s.d. of the residuals on ``pre_treated`` rows."""
    yt, xt = fe_residualize(y, fe), fe_residualize(x, fe)
    b = float(xt @ yt / (xt @ xt))
    e = (yt - b * xt)[pre_treated]
    return b, float(np.std(e, ddof=1)) if e.size > 1 else np.nan


def randomization_did(
    frame: pd.DataFrame,
    post: np.ndarray,
    fe_names: list[str],
    design: Design,
    *,
    reps: int,
    seed: int,
) -> pd.DataFrame:
    """Placebo DiD coefficients and pre-period residual s.d. for each placebo set (donors only)."""
    is_donor = frame["__partner"].isin(set(design.donors)).to_numpy()
    sub = frame.loc[is_donor]
    post_d = post[is_donor]
    sets = _assignments(design.donors, len(design.treated_units), reps, seed)
    fe = _fe_codes(sub, fe_names)
    yt = fe_residualize(sub["__y"].to_numpy(dtype=float), fe)
    units = sub["__partner"].to_numpy()
    weight = (post_d * sub["__intensity"].to_numpy(dtype=float))[:, None]
    n = len(sub)
    chunk = max(1, int(2e7 // max(n, 1)))
    est, scale = [], []
    for start in range(0, len(sets), chunk):
        member = _membership(units, sets[start : start + chunk])
        xt = fe_residualize(member * weight, fe)
        b = (xt * yt[:, None]).sum(0) / (xt * xt).sum(0)
        e = yt[:, None] - xt * b[None, :]
        mask = member & (post_d[:, None] == 0)
        cnt = mask.sum(0)
        m1 = np.where(mask, e, 0).sum(0) / np.maximum(cnt, 1)
        ss = np.where(mask, (e - m1[None, :]) ** 2, 0).sum(0)
        est.append(b)
        scale.append(np.sqrt(ss / np.maximum(cnt - 1, 1)))
    index = ["+".join(s) for s in sets]
    return pd.DataFrame(
        {"estimate": np.concatenate(est), "scale": np.concatenate(scale)}, index=index
    )


def randomization_event_study(
    frame: pd.DataFrame,
    regressor_builder,
    regressors: list[str],
    fe_names: list[str],
    design: Design,
    scales: pd.Series,
) -> pd.DataFrame:
    """Placebo event-study coefficients: one row per placebo set, one column per regressor.

    ``regressor_builder(sub, member)`` returns the rows x regressors matrix for a placebo set.
    """
    is_donor = frame["__partner"].isin(set(design.donors)).to_numpy()
    sub = frame.loc[is_donor]
    fe = _fe_codes(sub, fe_names)
    yt = fe_residualize(sub["__y"].to_numpy(dtype=float), fe)
    units = sub["__partner"].to_numpy()
    rows = []
    for label in scales.index:
        member = np.isin(units, label.split("+"))
        xt = fe_residualize(regressor_builder(sub, member), fe)
        keep = (xt * xt).sum(0) > 1e-12
        b = np.full(len(regressors), np.nan)
        b[keep] = np.linalg.lstsq(xt[:, keep], yt, rcond=None)[0]
        rows.append(b)
    return pd.DataFrame(rows, index=scales.index, columns=regressors)


def ri_pvalues_and_intervals(
    estimates: np.ndarray, scale: float, placebo: pd.DataFrame, placebo_scale: pd.Series,
    alpha: float, statistic: str,
) -> pd.DataFrame:  # fmt: skip
    """Per-coefficient randomization p-value, rank and interval (columns of ``placebo``)."""
    ps = placebo_scale.to_numpy() if statistic == "studentized" else np.ones(len(placebo))
    s_t = scale if statistic == "studentized" else 1.0
    out = []
    for i, col in enumerate(placebo.columns):
        stats_ = np.abs(placebo[col].to_numpy() / ps)
        stats_ = stats_[np.isfinite(stats_)]
        t = abs(estimates[i] / s_t)
        c = randomization_critical_value(stats_, alpha)
        out.append(
            {
                "pvalue": (1 + np.sum(stats_ >= t - 1e-12 * max(t, 1))) / (1 + stats_.size),
                "rank": int(1 + np.sum(stats_ > t + 1e-12 * max(t, 1))),
                "lower": estimates[i] - c * s_t,
                "upper": estimates[i] + c * s_t,
            }
        )
    return pd.DataFrame(out, index=placebo.columns)
