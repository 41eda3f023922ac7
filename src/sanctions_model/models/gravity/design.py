"""Placebo-in-space inference for gravity dummies of one treated destination.

A dummy such as ``Russia x 2022+`` varies within one destination: its clustered standard error
rests on one cluster and means nothing (issue 11: z = -44). :func:`gravity_randomization` gives
each donor destination (:func:`sanctions_model.data.donors.donor_pool`) the same fake dummies,
refits the PPML on the donors, and ranks the treated destination's dummies and contrasts among
the placebo ones (:class:`~sanctions_model.models.inference.RandomizationResults`). The
statistic is studentized by each destination's own log residual s.d. in the reference years (all
its dummies zero), so small, volatile destinations do not dominate the placebo distribution.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from sanctions_model.data.donors import donor_pool
from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.text import effect_sentence

from .._results import ResultsDisplayMixin, Summary, validate_alpha
from ..inference import RandomizationResults, placebo_in_space
from ..mc_digits import mc_pct_interval, mc_pvalue
from .twoway import placebo_fits

__all__ = ["GravityRandomization", "ONE_EXPORTER_CAVEAT", "gravity_randomization"]

ONE_EXPORTER_CAVEAT = (
    "One exporter and no importer-year effects: each destination dummy compares trade with that "
    "destination to its own reference years, net of the year effects common to all "
    "destinations. It cannot separate the sanctions from anything else that hit that destination "
    "in those years (its recession, exchange rate, counter-sanctions), nor say where the lost "
    "trade went."
)


@dataclass(frozen=True, eq=False)
class GravityRandomization(ResultsDisplayMixin):
    """Randomization inference for each dummy and contrast of one treated destination."""

    results: Mapping[str, RandomizationResults]
    compared_with: Mapping[str, str]
    treated: str
    n_donors: int
    caveats: tuple[str, ...] = field(default=())
    sampled: bool = False  # placebo groups drawn at random (Monte Carlo error), not enumerated

    @property
    def inference(self) -> str:
        return next(iter(self.results.values())).inference

    def to_frame(self, alpha: float | None = None) -> pd.DataFrame:
        """One row per dummy/contrast: estimate, percent, RI interval, p-value, rank."""
        rows = {}
        for name, r in self.results.items():
            lo, hi = r.conf_int(alpha)
            rows[name] = {
                "estimate": r.estimate, "lower": lo, "upper": hi, "pvalue": r.pvalue,
                "rank": r.rank, "n_placebos": r.n_placebos,
                "percent": 100 * np.expm1(r.estimate), "percent_lower": 100 * np.expm1(lo),
                "percent_upper": 100 * np.expm1(hi),
                "compared_with": self.compared_with.get(name, ""),
            }  # fmt: skip
        out = pd.DataFrame.from_dict(rows, orient="index")
        levels = {r.alpha if alpha is None else float(alpha) for r in self.results.values()}
        out.attrs["alpha"] = levels.pop() if len(levels) == 1 else None
        return out

    def pvalue_text(self, name: str) -> str:
        """The p-value as printed: to its Monte Carlo error when the placebos are sampled."""
        r = self.results[name]
        if self.sampled:
            return mc_pvalue(r.pvalue, r.n_placebos)
        return fmt.pvalue(r.pvalue, n_draws=r.n_placebos, exact=True, units="placebos")

    def interval_text(self, name: str) -> str:
        """``-8% to +150%``: percent ends, rounded to their Monte Carlo error when sampled."""
        r = self.results[name]
        lo, hi = r.conf_int()
        if not self.sampled:
            return fmt.pct_interval(np.expm1(lo), np.expm1(hi))
        se = r.conf_int_mc_error(sampled=True)
        return mc_pct_interval(np.expm1(lo), np.expm1(hi), np.exp(lo) * se, np.exp(hi) * se)

    def sentence(self, name: str, subject: str, reference: str, inference: str) -> str:
        """:func:`~sanctions_model.reporting.text.effect_sentence` with the printed digits."""
        r = self.results[name]
        lo, hi = r.conf_int()
        text = effect_sentence(
            subject, r.estimate, lo, hi, p_value=r.pvalue, scale="log", reference=reference,
            alpha=r.alpha, n_draws=r.n_placebos, exact_floor=not self.sampled,
            draw_units="placebos", inference=inference,
        )  # fmt: skip
        if not self.sampled:
            return text
        level = f"{fmt.level(r.alpha)} interval "
        text = text.replace(level + fmt.pct_interval(np.expm1(lo), np.expm1(hi)),
                            level + self.interval_text(name))  # fmt: skip
        return text.replace(fmt.pvalue(r.pvalue, n_draws=r.n_placebos, units="placebos"),
                            self.pvalue_text(name))  # fmt: skip

    def summary(self) -> Summary:
        return Summary(
            title=f"Gravity PPML: placebo-in-space inference for {self.treated}",
            facts={"Donor destinations": self.n_donors, "Inference": self.inference},
            tables=[("Dummies and contrasts", self.to_frame())],
            notes=list(self.caveats),
        )


def _placebo_groups(pool: tuple[str, ...], k: int, reps: int, seed: int) -> list[tuple[str, ...]]:
    """``reps`` distinct random groups of ``k`` donors (all of them when there are fewer)."""
    import itertools
    import math

    if len(pool) <= k:
        raise ParameterError(f"{len(pool)} donors cannot form placebo groups of {k} destinations")
    if math.comb(len(pool), k) <= reps:
        return list(itertools.combinations(pool, k))
    rng = np.random.default_rng(seed)
    seen: dict[tuple[str, ...], None] = {}
    while len(seen) < reps:
        seen[tuple(sorted(rng.choice(pool, size=k, replace=False)))] = None
    return list(seen)


def gravity_randomization(
    data: pd.DataFrame,
    *,
    outcome: str,
    treated: str | Sequence[str],
    windows: Mapping[str, tuple[int, int | None]],
    contrasts: Mapping[str, Mapping[str, float]] | None = None,
    compared_with: Mapping[str, str] | None = None,
    fixed_effects: Sequence[str] = ("partner", "year"),
    unit: str = "partner",
    year: str = "year",
    exporter: str = "reporter",
    donors: Sequence[str] | None = None,
    statistic: Literal["studentized", "coefficient"] = "studentized",
    alpha: float = 0.05,
    reps: int = 199,
    seed: int = 0,
) -> GravityRandomization:
    """PPML with ``treated x window`` dummies, ranked among the same dummies on each donor.

    Parameters
    ----------
    data : pandas.DataFrame
        Destination x year panel (levels, zeros allowed).
    treated : str or sequence of str
        The treated destination (``"RU"``), or a group of destinations given one common set of
        dummies (``["AM", "GE", "KZ", "KG", "UZ"]``); a group is ranked among ``reps`` distinct
        random donor groups of the same size (all of them when there are fewer), drawn with
        ``seed``.
    windows : mapping
        Dummy name -> (first year, last year or None): ``{"russia_2014": (2014, 2021),
        "russia_2022": (2022, None)}``. Years outside every window are the reference.
    contrasts : mapping, optional
        Name -> weights on the dummies (``{"2022_vs_2014_21": {"russia_2022": 1,
        "russia_2014": -1}}``), ranked like the dummies.
    donors : sequence of str, optional
        Placebo destinations; default the donor pool of the destinations in ``data``. The real
        fit uses ``treated`` plus the donors (no hubs or sanctioned destinations).
    """
    import pyfixest as pf

    alpha = validate_alpha(alpha)
    for col in (outcome, unit, year):
        if col not in data.columns:
            raise ParameterError(f"column {col!r} not in data")
    group = (treated,) if isinstance(treated, str) else tuple(treated)
    missing = sorted(set(group) - set(data[unit]))
    if missing:
        raise ParameterError(f"treated {missing!r} not found in column {unit!r}")
    contrasts = dict(contrasts or {})
    names = list(windows)
    for cname, w in contrasts.items():
        if set(w) - set(names):
            raise ParameterError(
                f"contrast {cname!r} names unknown dummies: {sorted(set(w) - set(names))}"
            )
    pool = list(donors) if donors is not None else donor_pool(data[unit].astype(str).unique())
    pool = [d for d in pool if d not in group]
    base = data[data[unit].isin([*group, *pool])].copy()
    base["__y"] = pd.to_numeric(base[outcome], errors="coerce").astype(float)
    base["__yr"] = pd.to_numeric(base[year], errors="coerce")
    base = base.dropna(subset=["__y", "__yr"])
    fe = " + ".join(fixed_effects)
    by_unit = {u: g.index.to_numpy() for u, g in base.groupby(unit, sort=False)}
    cache: dict[tuple, dict | None] = {}

    def fit(units: tuple[str, ...], sample: tuple[str, ...]) -> dict:
        key = (tuple(units), len(sample))
        if key in cache:
            if cache[key] is None:  # the fast path found them exactly collinear
                raise ParameterError(f"dummies of {units} are collinear with the fixed effects")
            return cache[key]
        d = base.loc[np.concatenate([by_unit[u] for u in sample if u in by_unit])]
        d = d.reset_index(drop=True)
        is_u = d[unit].isin(units).to_numpy()
        ref = is_u.copy()
        for name, (lo, hi) in windows.items():
            inside = (d["__yr"] >= lo) & (d["__yr"] <= (hi if hi is not None else np.inf))
            d[name] = (is_u & inside.to_numpy()).astype(float)
            ref &= ~inside.to_numpy()
        if ref.sum() < 3:
            raise ParameterError(f"{units} has fewer than 3 reference years")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = pf.fepois(f"__y ~ {' + '.join(names)} | {fe}", data=d, vcov="hetero")
        coef = m.coef()
        if any(n not in coef.index for n in names):
            raise ParameterError(f"dummies of {units} are collinear with the fixed effects")
        mu = np.asarray(m.predict(type="response"), dtype=float)
        used = d.index.get_indexer(m._data.index)  # rows kept after the separation check
        y = d["__y"].to_numpy()[used]
        mask = ref[used] & (y > 0) & (mu > 0)
        resid = np.log(y[mask]) - np.log(mu[mask])
        out = {"coef": coef, "scale": float(np.std(resid, ddof=1)) if resid.size > 2 else np.nan}
        cache[key] = out
        return out

    sets = _placebo_groups(tuple(pool), len(group), reps, seed) if len(group) > 1 else None
    if set(fixed_effects) == {unit, year} and len(fixed_effects) == 2:
        # every design at once, exactly (issue 23); what it cannot fit goes through pyfixest
        designs = [(group, group + tuple(pool))]
        designs += [(tuple(s), tuple(pool)) for s in (sets or [(d,) for d in pool])]
        fast = placebo_fits(base, designs, unit=unit, year=year, windows=windows)
        cache.update({(units, len(sample)): f for (units, sample), f in fast.items()})
    results = {}
    targets = {n: {n: 1.0} for n in names} | contrasts
    for tname, weights in targets.items():

        def estimate(units, sample, weights=weights):
            f = fit(units, sample)
            b = sum(w * float(f["coef"][k]) for k, w in weights.items())
            return b, f["scale"]

        results[tname] = placebo_in_space(
            estimate, group, pool, statistic=statistic, alpha=alpha,
            unit="destinations" if sets is None else f"groups of {len(group)} destinations",
            placebo_sets=sets,
        )  # fmt: skip
    caveats = [*next(iter(results.values())).caveats]
    if exporter in data.columns and data[exporter].nunique() == 1:
        caveats.append(ONE_EXPORTER_CAVEAT)
    return GravityRandomization(
        results=results, compared_with=dict(compared_with or {}), treated="+".join(group),
        n_donors=len(pool), caveats=tuple(caveats),
        sampled=sets is not None and math.comb(len(pool), len(group)) > reps,
    )  # fmt: skip
