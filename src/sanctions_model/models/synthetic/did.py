"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens and Wager 2021).

A robustness check on :func:`~sanctions_model.models.synthetic.fit_synthetic_control` on the
same donor pool. On log exports, SDID chooses

- **unit weights** ``omega`` on the simplex with a free intercept and a ridge penalty
  ``zeta**2 * T_pre * ||omega||**2``, ``zeta = (T_post)**(1/4) * sigma`` (``sigma`` the standard
  deviation of the donors' year-on-year log changes in the pre-period), so that the weighted
  donors run *parallel* to the treated flow before the intervention (levels need not match, and
  the penalty spreads the weights instead of interpolating 12 points with a few donors);
- **time weights** ``lambda`` on the simplex with a free intercept (and a negligible ridge) so that
  the weighted pre-period years predict the donors' post-period level;

and the effect is the weighted difference in differences
``tau = (Y_T,post - sum_t lambda_t Y_T,t) - sum_j omega_j (Y_j,post - sum_t lambda_t Y_j,t)``, in
log points (relative effect ``exp(tau) - 1``), for each post year and for their average.

Inference is by placebos in space, as for the synthetic control: each donor is treated in turn
and its ``tau`` computed from the other donors; the p-value is the rank of the treated's ``|tau|``
among them and the interval inverts that test (Arkhangelsky et al. use the placebo *variance* for
a normal interval with one treated unit; the rank inversion needs no normality and agrees with the
p-value by construction).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from sanctions_model.data import countries
from sanctions_model.data.donors import MIN_DONOR_EXPORTS
from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

from .._results import ResultsDisplayMixin, Summary, validate_alpha
from .model import _design
from .results import _name, _placebo_interval

__all__ = ["SyntheticDidResults", "fit_synthetic_did", "sdid_effect"]


def _simplex_ridge(target: np.ndarray, x: np.ndarray, ridge: float) -> np.ndarray:
    """``w`` on the simplex minimising ``||c(target) - c(x) @ w||**2 + ridge * ||w||**2``.

    ``c`` centres over rows, which is the same as a free intercept.
    """
    xc = x - x.mean(axis=0)
    tc = target - target.mean()
    n = x.shape[1]
    scale = 1e3 * max(1.0, float(np.abs(xc).max()), float(np.abs(tc).max()))
    a = np.vstack([xc, np.sqrt(ridge) * np.eye(n), np.full(n, scale)])
    b = np.concatenate([tc, np.zeros(n), [scale]])
    w, _ = nnls(a, b, maxiter=50 * a.shape[1])
    return w / w.sum() if w.sum() > 0 else np.full(n, 1.0 / n)


def sdid_effect(
    y: np.ndarray, treated: int, controls: np.ndarray, pre: np.ndarray, post: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """SDID effect of column ``treated`` of ``y`` (years x units) over the years ``post``.

    Returns ``(tau, omega, lambda)``; ``pre`` and ``post`` are boolean masks over the years.
    """
    y0_pre = y[pre][:, controls]
    sigma = float(np.std(np.diff(y0_pre, axis=0), ddof=1))
    n_post = int(post.sum())
    zeta = n_post**0.25 * sigma
    omega = _simplex_ridge(y[pre, treated], y0_pre, zeta**2 * int(pre.sum()))
    target = y[post][:, controls].mean(axis=0)
    lam = _simplex_ridge(target, y0_pre.T, (1e-6 * sigma) ** 2 * controls.size)
    diff = y[post].mean(axis=0) - lam @ y[pre]
    tau = float(diff[treated] - diff[controls] @ omega)
    return tau, omega, lam


@dataclass(frozen=True, eq=False)
class SyntheticDidResults(ResultsDisplayMixin):
    """SDID effects per post year and on average, with placebo-in-space inference (read-only)."""

    treated: str
    intervention: int
    effects_table: pd.DataFrame
    """Index: post years and ``"average"``; ``tau`` (log points), ``effect``, ``lower``,
    ``upper`` (relative), ``p_value``."""
    weights: pd.Series
    """Unit weights of the average effect."""
    time_weights: pd.Series
    """Time weights of the average effect."""
    placebo_tau: pd.DataFrame
    """Donors x (post years, ``"average"``): the placebo effects in log points."""
    alpha: float
    inference: str
    caveats: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        return self.effects_table

    def conf_int(self) -> pd.DataFrame:
        return self.effects_table[["lower", "upper"]]

    def summary(self) -> Summary:
        w = self.weights[self.weights > 1e-3].sort_values(ascending=False)
        t = self.time_weights[self.time_weights > 1e-3]
        return Summary(
            title=f"Synthetic difference-in-differences: {self.treated}, intervention {self.intervention}",
            facts={
                "Treated": f"{_name(self.treated)} ({self.treated})",
                "Donors (positive weight)": f"{len(self.weights)} ({len(w)})",
                "Time weights": ", ".join(f"{y}: {v:.2f}" for y, v in t.items()),
                "Inference": self.inference,
            },
            tables=[
                (
                    f"Effect ({fmt.level(self.alpha)} inverted-placebo interval)",
                    self.effects_table,
                ),
                ("Unit weights", w.to_frame("weight")),
            ],
            notes=list(self.caveats),
        )


def fit_synthetic_did(
    trade: pd.DataFrame,
    treated: str = countries.TARGET,
    *,
    intervention: int = 2022,
    pre_start: int | None = None,
    end: int | None = None,
    donors: Iterable[str] | None = None,
    min_donor_exports: float = MIN_DONOR_EXPORTS,
    exclude: Iterable[str] = (),
    donor_rule: str = "no_fuel",
    real: bool = True,
    deflator: str | None = None,
    alpha: float = 0.05,
) -> SyntheticDidResults:
    """SDID on log exports against the donor pool of :func:`fit_synthetic_control` (same options,
    fuel-driven donors left out by default)."""
    alpha = validate_alpha(alpha)
    design = _design(
        trade,
        [treated],
        intervention=intervention,
        pre_start=pre_start,
        end=end,
        outcome="log",
        donors=donors,
        min_donor_exports=min_donor_exports,
        exclude=exclude,
        donor_rule=donor_rule,
        real=real,
        deflator=deflator,
    )
    y = design.z.to_numpy()
    units = list(design.z.columns)
    pool = np.array([units.index(c) for c in design.donors])
    pre = design.pre
    years = [int(v) for v in design.z.index[~pre]]
    windows: dict[object, np.ndarray] = {
        year: np.asarray(design.z.index == year) for year in years
    } | {"average": ~pre}
    rows, placebo = {}, {}
    for key, post in windows.items():
        tau, omega, lam = sdid_effect(y, units.index(treated), pool, pre, post)
        taus = np.array(
            [sdid_effect(y, j, np.delete(pool, i), pre, post)[0] for i, j in enumerate(pool)]
        )
        p, lo, hi = _placebo_interval(tau, np.abs(taus), alpha)
        rows[key] = {
            "tau": tau,
            "effect": float(np.expm1(tau)),
            "lower": float(np.expm1(lo)),
            "upper": float(np.expm1(hi)),
            "p_value": p,
        }
        placebo[key] = taus
        if key == "average":
            weights = pd.Series(omega, index=list(design.donors), name="weight")
            time_weights = pd.Series(lam, index=[int(v) for v in design.z.index[pre]])
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "post"
    n = pool.size
    caveats = [f"Only {int(pre.sum())} annual pre-period points for the unit and time weights."]
    if n + 1 < 1 / alpha:
        caveats.append(f"With {n} placebos no {fmt.level(alpha)} interval can be reported.")
    if not len(pool):  # pragma: no cover - _design refuses fewer than 2 donors
        raise ParameterError("no donors")
    return SyntheticDidResults(
        treated=treated,
        intervention=design.intervention,
        effects_table=table,
        weights=weights,
        time_weights=time_weights,
        placebo_tau=pd.DataFrame(placebo, index=list(design.donors)),
        alpha=alpha,
        inference=(
            f"placebo-in-space inference over {n} donor destinations: rank of |tau| among the "
            "placebos' (each donor treated in turn, fitted from the others), interval by inverting "
            "that test"
        ),
        caveats=tuple(caveats),
    )
