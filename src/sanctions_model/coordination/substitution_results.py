"""Results of the substitution estimator: one ally's :class:`Substitution`, and
:class:`SubstitutionResults` for several, with the Fieller-type interval of the ratio.

See :mod:`.substitution` for the estimator and the rules behind the point estimate, the interval
and the p-value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from sanctions_model._results import validate_alpha
from sanctions_model.coordination._display import SummaryDisplayMixin
from sanctions_model.reporting import format as fmt

__all__ = ["Substitution", "SubstitutionResults"]

_BRACKET = 50.0  # ratios beyond +-50 are read as unbounded


def _fieller(e: np.ndarray, s: np.ndarray, alpha: float) -> tuple[float, float]:
    """Fieller-type interval: the ``theta`` whose draws of ``E - theta S`` hold zero inside
    their ``1 - alpha`` interval, that interval taken by the one rule of
    :func:`~sanctions_model.models.draws.summarize_draws` (order statistics from each tail).

    At ``theta = 0`` the draws are those of ``E`` and the rule is the one that gives the p-value,
    so the interval excludes zero exactly when ``p < alpha``. Each end is searched on the side
    of zero that its sign at ``theta = 0`` fixes, and the end returned is the bisection bound
    that lies inside the set, so rounding cannot move an end across zero.
    """
    from sanctions_model.models.draws import percentile_interval, tail_rank

    ok = np.isfinite(e) & np.isfinite(s)
    e, s = e[ok], s[ok]
    alpha = validate_alpha(alpha)
    # every theta searched lies in [-_BRACKET, _BRACKET]; when no draw of E - theta S can
    # overflow there, an end's side of zero is a count of draws (tail_rank), not a partial sort
    big = float(np.abs(e).max(initial=0.0) + _BRACKET * np.abs(s).max(initial=0.0))
    counted = len(e) >= 20 and big < 1e300
    k = tail_rank(len(e), alpha)

    def f(theta: float, which: int) -> float:
        return percentile_interval(e - theta * s, alpha)[which]

    def root(which: int) -> float:
        # f decreases in theta when S > 0. The set is f_lower <= 0 (theta at or above the lower
        # end) and f_upper >= 0 (theta at or below the upper end).
        def inside(theta: float) -> bool:
            if counted:  # the k-th smallest draw <= 0, or the k-th largest >= 0
                d = e - theta * s
                return bool(np.count_nonzero(d <= 0 if which == 0 else d >= 0) >= k)
            v = f(theta, which)
            return v <= 0 if which == 0 else v >= 0

        # lower end: at or below zero iff zero is in the half-set; upper end: at or above zero
        zero_in = inside(0.0)
        lower_end = which == 0
        if lower_end:
            lo, hi = (-_BRACKET, 0.0) if zero_in else (0.0, _BRACKET)
            if inside(lo):
                return -np.inf
            if not inside(hi):
                return np.inf
        else:
            lo, hi = (0.0, _BRACKET) if zero_in else (-_BRACKET, 0.0)
            if inside(hi):
                return np.inf
            if not inside(lo):
                return -np.inf
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            # lower end: lo outside, hi inside; upper end: lo inside, hi outside
            if inside(mid) == lower_end:
                hi = mid
            else:
                lo = mid
        # the bound that lies in the set, so an end never crosses zero by rounding
        return hi if lower_end else lo

    return root(0), root(1)


@dataclass(frozen=True, repr=False, eq=False)
class Substitution(SummaryDisplayMixin):
    """Shortfall, excess and substitution ratio of one ally (read-only).

    Attributes
    ----------
    ally : str
    shortfall_draws, excess_draws : arrays (n_draws,)
        ``S_j`` and ``E_j`` (total over hubs) in ``currency``.
    hub_excess_draws : dict hub -> array
    periods : (Period, Period)
    alpha : float
    currency : str
    inference, caveats : how the interval was made; short sentences on its limits.
    """

    ally: str
    shortfall_draws: np.ndarray
    excess_draws: np.ndarray
    hub_excess_draws: Mapping[str, np.ndarray]
    periods: tuple[pd.Period, pd.Period]
    alpha: float
    currency: str
    inference: str
    caveats: tuple[str, ...] = ()
    subject: str | None = None
    shortfall_expected: float | None = None
    excess_expected: Mapping[str, float] | None = None
    units: str = ""

    def __post_init__(self) -> None:
        # the interval, p-value and Monte Carlo errors are computed once from the draws: the
        # draws are held as read-only copies, so no caller can change them underneath (review)
        def frozen(a: np.ndarray) -> np.ndarray:
            a = np.array(a, dtype=float, copy=True)
            a.setflags(write=False)
            return a

        object.__setattr__(self, "shortfall_draws", frozen(self.shortfall_draws))
        object.__setattr__(self, "excess_draws", frozen(self.excess_draws))
        hubs = {k: frozen(v) for k, v in self.hub_excess_draws.items()}
        object.__setattr__(self, "hub_excess_draws", hubs)

    @cached_property
    def p_shortfall(self) -> float:
        """Share of draws with a positive shortfall (computed once: the draws are read-only;
        the tables and sentences ask for it thousands of times)."""
        return float(np.mean(self.shortfall_draws > 0))

    @property
    def identified(self) -> bool:
        return self.p_shortfall >= 1 - self.alpha / 2

    @property
    def shortfall(self) -> float:
        """Expected shortfall (exact where given, else the mean of the draws)."""
        if self.shortfall_expected is not None:
            return float(self.shortfall_expected)
        return float(np.mean(self.shortfall_draws))

    @property
    def excess(self) -> float:
        """Expected excess over the hubs (exact where given, else the mean of the draws)."""
        return float(sum(self.hub_excess.values()))

    @property
    def hub_excess(self) -> dict[str, float]:
        """Expected excess per hub."""
        if self.excess_expected is not None:
            return {h: float(self.excess_expected[h]) for h in self.hub_excess_draws}
        return {h: float(np.mean(d)) for h, d in self.hub_excess_draws.items()}

    @property
    def ratio(self) -> float:
        """``E[E] / E[S]``, exact expected values (NaN when the shortfall is not clearly
        positive)."""
        return self.excess / self.shortfall if self.identified else float("nan")

    @cached_property
    def p_value(self) -> float:
        """Two-sided p-value of a zero excess (:func:`~sanctions_model.models.draws.summarize_draws`;
        computed once, the draws being read-only)."""
        from sanctions_model.models.draws import summarize_draws

        return summarize_draws(self.excess_draws, alpha=self.alpha).p_value

    def conf_int(self, alpha: float | None = None) -> tuple[float, float]:
        """Fieller-type interval of the ratio (NaN when not identified)."""
        a = self.alpha if alpha is None else validate_alpha(alpha)
        if not self.identified:
            return float("nan"), float("nan")
        if a == self.alpha:
            return self._interval
        return _fieller(self.excess_draws, self.shortfall_draws, a)

    @cached_property
    def _interval(self) -> tuple[float, float]:
        return _fieller(self.excess_draws, self.shortfall_draws, self.alpha)

    def conf_int_mc_se(self) -> tuple[float, float]:
        """Monte Carlo standard errors of the interval's ends (what another seed would move).

        The normal approximation to the error of a sample quantile: an end at ``z`` standard
        deviations ``sigma`` from the point estimate, found from ``n`` draws, moves by
        ``sqrt(q (1 - q) / n) / phi(z)`` times ``sigma``, with ``q = alpha / 2`` and ``sigma``
        read from the end's own distance to the (exact) point estimate, ``|end - ratio| / z``.
        It depends on the draws only through the end itself, whose relative Monte Carlo error is
        about one percent, so the rounding step chosen from it does not move with the seed
        (batch means, used before, varied by a quarter between seeds and changed the step). On
        notebook 04's estimates it is 0.7 to 2.5 times the spread of the ends over four seeds for
        the EU27 and CHP ratios; ends far out on a nearly unbounded Fieller set (Slovakia's,
        Luxembourg's lower ends) move 5 to 10 times more, and their printed digits can still
        change with the seed. A delta-method error (the quantile's
        order-statistic spread over the slope of the quantile in ``theta``) tracks those better,
        but varies by 10-25% between seeds and so moves the step itself: more printed figures
        changed with it (tried, not kept).
        NaN for an unbounded end or an estimate that is not identified.
        """
        return self._interval_mc_se

    @cached_property
    def _interval_mc_se(self) -> tuple[float, float]:
        from scipy import stats

        if not self.identified:
            return float("nan"), float("nan")
        q = self.alpha / 2
        z = float(stats.norm.ppf(1 - q))
        n = int(np.isfinite(self.excess_draws).sum())
        factor = np.sqrt(q * (1 - q) / n) / (stats.norm.pdf(z) * z)
        out = []
        for end in self.conf_int():
            ok = np.isfinite(end) and np.isfinite(self.ratio)
            out.append(float(factor * abs(end - self.ratio)) if ok else float("nan"))
        return out[0], out[1]

    def interval_text(self) -> str:
        """``-0.04 to 0.14``: the interval at the digits its draws support."""
        from sanctions_model.coordination.digits import ratio_text

        lo, hi = self.conf_int()
        se_lo, se_hi = self.conf_int_mc_se()
        return f"{ratio_text(lo, se_lo)} to {ratio_text(hi, se_hi)}"

    def p_short(self) -> str:
        """``p = 0.40``: the p-value at the digits its draws support."""
        from sanctions_model.coordination.digits import p_text

        return p_text(self.p_value, len(self.excess_draws))

    @property
    def ratio_draws(self) -> np.ndarray:
        """Per-draw ratios ``E_j / S_j`` (NaN where ``S_j <= 0``), for ranks."""
        s = self.shortfall_draws
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s > 0, self.excess_draws / s, np.nan)

    def to_frame(self) -> pd.DataFrame:
        q = [self.alpha / 2, 1 - self.alpha / 2]
        lo, hi = self.conf_int()
        rows = {
            "shortfall": (self.shortfall, *np.quantile(self.shortfall_draws, q)),
            "excess": (self.excess, *np.quantile(self.excess_draws, q)),
            "ratio": (self.ratio, lo, hi),
        }
        for h, d in self.hub_excess_draws.items():
            rows[f"excess_{h}"] = (self.hub_excess[h], *np.quantile(d, q))
        return pd.DataFrame.from_dict(rows, orient="index", columns=["estimate", "lower", "upper"])

    def p_text(self) -> str:
        """``two-sided p = 0.40 from 10,000 trend draws`` (for "no excess"), at the digits the
        draws support (:mod:`.digits`)."""
        n = len(self.excess_draws)
        return f"two-sided {self.p_short()} from {n:,} trend draws"

    def sentence(self, extra: str | None = None) -> str:
        """The estimate with its interval and p-value; ``extra`` is added to the evidence.

        The claim follows :func:`~sanctions_model.reporting.text.claim` on the unrounded
        interval and p-value (one rule, so the interval excludes zero exactly when p < alpha);
        the interval ends and the p-value are printed at the digits the draws support.
        """
        from sanctions_model.reporting import format as fmt
        from sanctions_model.reporting.text import claim

        lo, hi = self.conf_int()
        hubs = ", ".join(self.hub_excess_draws)
        subject = self.subject or (
            f"{self.ally}: the hubs' ({hubs}) excess imports per unit of the shortfall in "
            f"direct trade with Russia ({self.periods[0]}-{self.periods[1]}; recorded in the "
            "hubs' imports; overstates re-routing through them)"
        )
        if not np.isfinite(self.ratio):
            return f"{subject}: not estimated (no usable interval or p-value)."
        evidence = f"{fmt.level(self.alpha)} interval {self.interval_text()}; {self.p_text()}"
        evidence += f"; {extra}" if extra else ""
        head = f"{subject}: {fmt.ratio(self.ratio)} ({evidence})."
        what = claim(lo if np.isfinite(lo) else -1e300, hi if np.isfinite(hi) else 1e300,
                     self.p_value, self.alpha)  # fmt: skip
        if what in ("below", "above"):
            if (what == "below") != (self.ratio < 0):
                return (
                    f"{head} The point estimate lies outside its own interval; read the "
                    "interval, not the point estimate."
                )
            return f"{head} The interval excludes zero."
        if what == "includes zero":
            return f"{head} The interval includes zero: the data do not distinguish this from no effect."
        return (
            f"{head} The interval and the p-value disagree about whether this differs from "
            "zero, so no direction is claimed."
        )

    def summary(self) -> str:
        lines = [self.sentence(), "", f"Inference: {self.inference}"]
        lines += [f"Caveat: {c}" for c in self.caveats]
        return "\n".join(lines)


@dataclass(frozen=True, repr=False, eq=False)
class SubstitutionResults(SummaryDisplayMixin):
    """Per-ally substitution estimates from one joint simulation (read-only)."""

    estimates: Mapping[str, Substitution]
    draws: Mapping[str, Any]  # JointTrendDraws per ally
    alpha: float
    inference: str
    caveats: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per ally: shortfall, excess, ratio with interval, ``p_value``, ``p_shortfall``."""
        rows = []
        for a, e in self.estimates.items():
            ci = e.to_frame()
            rows.append(
                {
                    "ally": a,
                    "shortfall": ci.loc["shortfall", "estimate"],
                    "excess": ci.loc["excess", "estimate"],
                    "excess_lower": ci.loc["excess", "lower"],
                    "excess_upper": ci.loc["excess", "upper"],
                    "ratio": ci.loc["ratio", "estimate"],
                    "ratio_lower": ci.loc["ratio", "lower"],
                    "ratio_upper": ci.loc["ratio", "upper"],
                    "p_value": e.p_value,
                    "p_shortfall": e.p_shortfall,
                    "hubs": ",".join(e.hub_excess_draws),
                    "caveats": "; ".join(e.caveats),
                }
            )
        return pd.DataFrame(rows).set_index("ally")

    def summary(self) -> str:
        lines = [f"Substitution per ally ({fmt.level(self.alpha)} intervals)", ""]
        lines += [e.sentence() for e in self.estimates.values()]
        lines += ["", f"Inference: {self.inference}"]
        lines += [f"Caveat: {c}" for c in self.caveats]
        return "\n".join(lines)


def _pooled_notes(estimates: Mapping[str, Substitution]) -> list[str]:
    """Every per-estimate note once, with the allies it applies to ("all 36 allies")."""
    who: dict[str, list[str]] = {}
    for a, e in estimates.items():
        for c in e.caveats:
            who.setdefault(c, []).append(a)
    out = []
    for c, allies in who.items():
        if len(estimates) == 1:
            out.append(c)
        elif len(allies) == len(estimates):
            out.append(f"{c} (all {len(allies)} estimates)")
        else:
            out.append(f"{c} ({', '.join(allies)})")
    return out
