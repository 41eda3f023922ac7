"""Member states' pre-war exposure to Russia as a treatment intensity (notebook 03, section 2).

Exposure is Russia's share of a member state's exports to Russia and the re-routing partners in
a base year. :func:`fit_exposure_design` runs the exposure DiDs (exports to Russia; to the
partners together; to each partner) with wild cluster bootstrap inference over member states,
and returns an :class:`ExposureResults` that renders its own tables and sentence, with p-values
and interval ends rounded to their Monte Carlo error (:mod:`sanctions_model.models.mc_digits`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError
from sanctions_model.models.mc_digits import mc_pct_interval, mc_pvalue
from sanctions_model.models.multiple import adjust_pvalues
from sanctions_model.models.panel.model import _did_and_fit, estimate_did
from sanctions_model.models.panel.results import DidResults
from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.text import claim

__all__ = ["EXPOSURE_DRAWS", "ExposureResults", "exposure_shares", "fit_exposure_design"]

EXPOSURE_DRAWS = 99_999  # wild bootstrap draws: cheap (27 clusters), and the p-curves are flat


def exposure_shares(panel: pd.DataFrame, year: int | str, treated: str = "RU") -> pd.Series:
    """``treated``'s share of each reporter's exports to the partners in ``panel`` in ``year``."""
    base = panel[panel["period"].dt.year == int(year)]
    if base.empty:
        raise ParameterError(f"exposure_base: no data in {year}")
    by = base.pivot_table(index="reporter", columns="partner", values="value", aggfunc="sum")
    by = by.fillna(0)
    if treated not in by:
        raise ParameterError(f"exposure_base: no exports to {treated} in {year}")
    return (by[treated] / by.sum(axis=1)).rename("exposure")


def _count(n: int) -> str:
    return {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}.get(n, str(n))


def _pct(spread: float, value: float) -> str:
    return fmt.pct(np.expm1(spread * value), digits=2) if np.isfinite(value) else fmt.MISSING


@dataclass(frozen=True, eq=False)
class ExposureResults:
    """The exposure designs, read-only. Tables and sentences use the printed precision."""

    exposure: pd.Series
    to_russia: DidResults
    to_partners: DidResults
    by_partner: dict[str, DidResults]
    romano_wolf: pd.Series
    rw_reps: int
    alpha: float
    n_draws: int
    partners: tuple[str, ...] = field(default=())

    @cached_property
    def _intervals(self) -> dict[str, tuple[float, float, float, float]]:
        """Interval ends and their Monte Carlo errors, computed once (test inversion is slow)."""
        out = {}
        for key, res in [("RU", self.to_russia), ("all", self.to_partners),
                         *self.by_partner.items()]:  # fmt: skip
            lo, hi = res.conf_int().iloc[0]
            out[key] = (float(lo), float(hi), *res.bootstrap.conf_int_mc_error())
        return out

    def _key(self, res: DidResults) -> str:
        if res is self.to_russia:
            return "RU"
        if res is self.to_partners:
            return "all"
        return next(p for p, r in self.by_partner.items() if r is res)

    @property
    def spread(self) -> float:
        """Exposure of the most exposed member state minus the least exposed."""
        return float(self.exposure.max() - self.exposure.min())

    @property
    def family(self) -> str:
        return f"exposure DiD, exports to each re-routing partner ({len(self.partners)} partners)"

    @property
    def interval_column(self) -> str:
        """The interval column's name at the design's level (``"95% interval"``)."""
        return fmt.interval_label(self.alpha)

    def _ends(self, res: DidResults) -> tuple[float, float, str]:
        lo, hi, se_lo, se_hi = self._intervals[self._key(res)]
        s = self.spread
        # d(exp(s x) - 1) = s exp(s x) dx: the Monte Carlo error on the percent scale
        text = mc_pct_interval(
            np.expm1(s * lo), np.expm1(s * hi), s * np.exp(s * lo) * se_lo,
            s * np.exp(s * hi) * se_hi,
        )  # fmt: skip
        return float(lo), float(hi), text

    def _row(self, res: DidResults) -> dict:
        lo, hi, text = self._ends(res)
        return {
            "per unit of exposure (log points)": fmt.number(res.estimate, 3),
            f"most vs least exposed (spread {self.spread:.2f})": _pct(self.spread, res.estimate),
            self.interval_column: text,
            "p": mc_pvalue(res.pvalue, self.n_draws),
        }

    def table(self) -> pd.DataFrame:
        """Exports to Russia and to the partners together, scaled to the exposure spread."""
        rows = {"exports to Russia": self._row(self.to_russia),
                f"exports to the {_count(len(self.partners))} partners": self._row(self.to_partners)}  # fmt: skip
        return pd.DataFrame.from_dict(rows, orient="index")

    def partner_frame(self) -> pd.DataFrame:
        """Per partner: estimate, lower, upper, pvalue, p_bh, p_romano_wolf (numbers)."""
        rows = {}
        for p, res in self.by_partner.items():
            lo, hi = self._intervals[p][:2]
            rows[p] = {"estimate": res.estimate, "lower": lo, "upper": hi, "pvalue": res.pvalue}
        out = pd.DataFrame.from_dict(rows, orient="index")
        out["p_bh"] = adjust_pvalues(out["pvalue"], family=self.family)["p_adjusted"]
        out["p_romano_wolf"] = self.romano_wolf.reindex(out.index).to_numpy()
        return out

    def partner_table(self) -> pd.DataFrame:
        """One row per partner, for readers."""
        f = self.partner_frame()
        rows = {}
        for p, res in self.by_partner.items():
            row = self._row(res)
            row["p Benjamini-Hochberg"] = mc_pvalue(f.loc[p, "p_bh"], self.n_draws)
            row["p Romano-Wolf"] = mc_pvalue(f.loc[p, "p_romano_wolf"], self.rw_reps)
            rows[p] = row
        return pd.DataFrame.from_dict(rows, orient="index")

    def excluding_zero(self) -> list[str]:
        """Partners whose interval excludes zero."""
        f = self.partner_frame()
        return [p for p, r in f.iterrows() if claim(r["lower"], r["upper"], None, self.alpha)
                != "includes zero"]  # fmt: skip

    def smallest_p_text(self) -> str:
        """``smallest p = 0.2`` over the partners (unadjusted)."""
        return f"smallest {mc_pvalue(self.partner_frame()['pvalue'].min(), self.n_draws)}"

    def partner_sentence(self) -> str:
        f = self.partner_frame()
        excl = self.excluding_zero()
        head = ("No partner's interval excludes zero" if not excl
                else f"Intervals excluding zero: {', '.join(excl)}")  # fmt: skip
        return (
            f"{head} ({self.smallest_p_text()}, Benjamini-Hochberg "
            f"{mc_pvalue(f['p_bh'].min(), self.n_draws)}, Romano-Wolf "
            f"{mc_pvalue(f['p_romano_wolf'].min(), self.rw_reps)}). Family: {self.family}. "
            f"p-values: {self.to_partners.inference}; Romano-Wolf: pyfixest rwolf, "
            f"{self.rw_reps} wild bootstrap draws."
        )

    def sentence(self) -> str:
        """Most against least exposed, both designs, with intervals and p-values as printed."""
        t = self.table()
        r_ru, r_pa = t.iloc[0], t.iloc[1]
        col = f"most vs least exposed (spread {self.spread:.2f})"
        col_i = self.interval_column
        est = self.to_russia.estimate
        both_zero = all(
            claim(self._intervals[k][0], self._intervals[k][1], None, self.alpha) == "includes zero"
            for k in ("RU", "all")
        )
        size = fmt.pct(np.expm1(self.spread * est), digits=2, signed=False).lstrip("+-")
        ru_zero = claim(*self._intervals["RU"][:2], None, self.alpha) == "includes zero"
        pa_zero = claim(*self._intervals["all"][:2], None, self.alpha) == "includes zero"
        point = "point estimate " if ru_zero else ""  # no direction claimed past the interval
        return (
            f"Member states with the most exposure to Russia ({self.exposure.max():.2f}) against "
            f"the least ({self.exposure.min():.2f}): exports to Russia {point}{size} "
            f"{'lower' if est < 0 else 'higher'} ({col_i} {r_ru[col_i]}; "
            f"{r_ru['p']}); exports to the {_count(len(self.partners))} partners "
            f"{'point estimate ' if pa_zero else ''}{r_pa[col]} "
            f"({col_i} {r_pa[col_i]}; {r_pa['p']}); wild cluster bootstrap over "
            f"{len(self.exposure)} member states. "
            + ("Both intervals include zero: these data cannot tell whether more exposed member "
               "states cut more or re-routed more." if both_zero
               else "At least one interval excludes zero.")
        )  # fmt: skip

    def record(self) -> dict[str, object]:
        """The results.json keys of the exposure designs (notebook 03). Beside each number, the
        interval and p-values as the tables print them (``*_text``, rounded to their Monte Carlo
        error): the findings page prints those, so it shows the report's digits."""
        ru, together = self._intervals["RU"], self._intervals["all"]
        t, partners = self.table(), self.partner_table()
        by_partner = self.partner_frame().to_dict(orient="index")
        for code, item in by_partner.items():
            row = partners.loc[code]
            item |= {"interval_text": row[self.interval_column], "p_text": row["p"],
                     "p_bh_text": row["p Benjamini-Hochberg"],
                     "p_romano_wolf_text": row["p Romano-Wolf"]}  # fmt: skip
        return {
            "exposure_spread": self.spread,
            "did_exposure_ru": self.to_russia.estimate,
            "did_exposure_ru_lower": ru[0],
            "did_exposure_ru_upper": ru[1],
            "did_exposure_ru_p": self.to_russia.pvalue,
            "did_exposure_ru_interval_text": t.iloc[0][self.interval_column],
            "did_exposure_ru_p_text": t.iloc[0]["p"],
            "did_exposure_ru_inference": self.to_russia.inference,
            "did_exposure": self.to_partners.estimate,
            "did_exposure_lower": together[0],
            "did_exposure_upper": together[1],
            "did_exposure_p": self.to_partners.pvalue,
            "did_exposure_interval_text": t.iloc[1][self.interval_column],
            "did_exposure_p_text": t.iloc[1]["p"],
            "did_exposure_inference": self.to_partners.inference,
            "did_exposure_sentence": self.sentence(),
            "did_exposure_by_partner": by_partner,
            "did_exposure_by_partner_family": self.family,
        }


def _romano_wolf(fits: dict[str, object], reps: int, seed: int) -> pd.Series:
    """pyfixest's ``rwolf`` over the partners' exposure DiDs, on the fits of
    :func:`estimate_did` (``__y ~ __did | pair + period``, CRV1 by reporter).

    The wild bootstrap reads only each fit's design with the fixed effects as dummies and its
    cluster codes. For one partner, ``pair`` and the cluster are the reporter and ``period``
    the month, coded in order of first appearance: the same matrices, to the bit, as a
    separate ``feols("y ~ x | cl + t")`` on ``pd.factorize`` codes (what this step fitted
    before; ``tests/models/test_panelrw_speed.py``), without fitting each regression twice.
    """
    import pyfixest as pf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rw = pf.rwolf(list(fits.values()), param="__did", reps=reps, seed=seed + 1)
    return pd.Series(np.asarray(rw.loc["RW Pr(>|t|)"], dtype=float), index=list(fits))


def fit_exposure_design(
    panel: pd.DataFrame,
    *,
    partners: list[str] | tuple[str, ...],
    event: str,
    exposure_base: int | str,
    alpha: float = 0.05,
    draws: int = EXPOSURE_DRAWS,
    rw_reps: int = 999,
    seed: int = 0,
) -> ExposureResults:
    """Exposure DiDs on a monthly reporter x partner panel of exports (``period`` monthly).

    ``panel`` holds exports of the member states to ``RU`` and ``partners``; zeros are dropped
    (logs). Exposure is :func:`exposure_shares` in ``exposure_base``. The wild cluster bootstrap
    (``draws`` draws, ``seed``) clusters by member state; Romano-Wolf over the partners uses
    pyfixest's ``rwolf`` with ``rw_reps`` draws.
    """
    panel = panel[panel["value"] > 0]
    exposure = exposure_shares(panel, exposure_base)
    panel = panel.merge(exposure.reset_index(), on="reporter")
    kw = dict(intensity="exposure", event=event, reps=draws, alpha=alpha, seed=seed)
    to_russia = estimate_did(panel[panel["partner"] == "RU"], treated="RU",
                             fixed_effects="pair+period", **kw)  # fmt: skip
    to_partners = panel[panel["partner"].isin(partners)].assign(treated=1)
    together = estimate_did(to_partners, treated="treated", fixed_effects="pair+partner^period",
                            **kw)  # fmt: skip
    frames = {p: to_partners[to_partners["partner"] == p] for p in partners}
    fitted = {p: _did_and_fit(f, treated="treated", fixed_effects="pair+period", **kw)
              for p, f in frames.items()}  # fmt: skip
    by_partner = {p: res for p, (res, _) in fitted.items()}
    return ExposureResults(
        exposure=exposure, to_russia=to_russia, to_partners=together, by_partner=by_partner,
        romano_wolf=_romano_wolf({p: fit for p, (_, fit) in fitted.items()}, rw_reps, seed),
        rw_reps=rw_reps, alpha=alpha, n_draws=draws, partners=tuple(partners),
    )  # fmt: skip
