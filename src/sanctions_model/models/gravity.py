"""Structural gravity by Poisson pseudo-maximum likelihood (PPML) with high-dimensional fixed effects.

``trade_ijt = exp(b' x_ijt + a_it + m_jt + g_ij) * e_ijt`` estimated by PPML (Santos Silva and
Tenreyro 2006) with :func:`pyfixest.fepois`, so that zero flows stay in the sample and the
exporter-time, importer-time and pair effects are absorbed rather than estimated as dummies.
Sanctions enter as dummies among ``treatments`` (e.g. ``sanctioning reporter x Russia x post``),
one per ally or per package if wanted.

Standard errors follow the convention of Stata's ``ppml`` and ``ppmlhdfe``: heteroskedasticity
robust (sandwich, no degrees-of-freedom correction) or clustered with the ``G / (G - 1)`` factor
only. With pair effects and clustering by pair this reproduces the published numbers of Yotov,
Piermartini, Monteiro and Larch (2016), see ``tests/models/test_gravity.py``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sanctions_model.errors import ParameterError

from ._results import ResultsDisplayMixin, Summary
from ._results import validate_alpha as _validate_alpha

__all__ = ["GravityConfig", "GravityResults", "fit_gravity_ppml"]


# ---------------------------------------------------------------------------- helpers shared


def _split_terms(spec: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"a^b + c"`` or ``("a^b", "c")`` -> ``("a^b", "c")``."""
    if spec is None:
        return ()
    if isinstance(spec, str):
        parts = spec.replace("|", "+").split("+")
    else:
        parts = list(spec)
    terms = tuple(str(p).replace(" ", "") for p in parts if str(p).strip())
    return terms


def _term_columns(term: str, columns: pd.Index, aliases: Mapping[str, str]) -> list[str]:
    """Columns of one fixed-effect or cluster term (``"a^b"``), expanding aliases."""
    cols: list[str] = []
    for part in term.split("^"):
        if part in columns:
            cols.append(part)
        elif part in aliases:
            cols.extend(_term_columns(aliases[part], columns, aliases))
        else:
            raise ParameterError(
                f"unknown column {part!r} in term {term!r}; columns are {list(columns)}"
            )
    return cols


def _group_codes(frame: pd.DataFrame, cols: Sequence[str]) -> np.ndarray:
    """Integer code of each row's combination of ``cols`` (the interacted fixed effect)."""
    return frame.groupby(list(cols), sort=False, dropna=False).ngroup().to_numpy()


def _safe_name(term: str) -> str:
    return "__fe_" + "".join(ch if ch.isalnum() else "_" for ch in term)


# ---------------------------------------------------------------------------- config
@dataclass(frozen=True)
class GravityConfig:
    """Validated options of one :func:`fit_gravity_ppml` call."""

    outcome: str
    treatments: tuple[str, ...]
    fixed_effects: tuple[str, ...]
    cluster: str | None
    alpha: float


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class GravityResults(ResultsDisplayMixin):
    """Results of :func:`fit_gravity_ppml` (read-only).

    Attributes
    ----------
    config : GravityConfig
    params : pandas.Series
        PPML coefficients of the treatments (log points).
    cov : pandas.DataFrame
        Their covariance matrix.
    nobs : int
        Observations used (after dropping rows with missing values and observations
        separated by the fixed effects, e.g. pairs that never trade).
    n_dropped : int
        Rows of ``data`` not used.
    n_clusters : int or None
        Number of clusters when ``cluster`` is given.
    vcov_type : str
        ``"hetero"`` or ``"CRV1"``.
    deviance : float
        Poisson deviance at the optimum.
    converged : bool
    fit_seconds : float
        Wall time of the estimation.
    """

    config: GravityConfig
    params: pd.Series
    cov: pd.DataFrame
    nobs: int
    n_dropped: int
    n_clusters: int | None
    vcov_type: str
    deviance: float
    converged: bool
    fit_seconds: float

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors of :attr:`params`."""
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.params.index, name="se")

    bse = std_errors  # statsmodels' name

    @property
    def tvalues(self) -> pd.Series:
        """z statistics."""
        return (self.params / self.std_errors).rename("z")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from the normal distribution (PPML is an M-estimator)."""
        return pd.Series(
            2 * stats.norm.sf(np.abs(self.tvalues.to_numpy())),
            index=self.params.index,
            name="pvalue",
        )

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Normal confidence intervals of the coefficients (columns ``lower``, ``upper``)."""
        alpha = self.config.alpha if alpha is None else _validate_alpha(alpha)
        q = stats.norm.ppf(1 - alpha / 2)
        se = self.std_errors
        return pd.DataFrame({"lower": self.params - q * se, "upper": self.params + q * se})

    def percent_effect(self, alpha: float | None = None) -> pd.DataFrame:
        """Effects in percent, ``100 * (exp(b) - 1)``, with the transformed interval.

        The interval is the exponential of the coefficient interval, so it is asymmetric
        around the estimate (and never below -100%).
        """
        ci = self.conf_int(alpha)
        return pd.DataFrame(
            {
                "percent": 100 * np.expm1(self.params),
                "lower": 100 * np.expm1(ci["lower"]),
                "upper": 100 * np.expm1(ci["upper"]),
            }
        )

    def to_frame(self, alpha: float | None = None) -> pd.DataFrame:
        """One row per treatment: estimate, se, z, pvalue, lower, upper, percent effect."""
        ci = self.conf_int(alpha)
        pct = self.percent_effect(alpha)
        return pd.DataFrame(
            {
                "estimate": self.params,
                "se": self.std_errors,
                "z": self.tvalues,
                "pvalue": self.pvalues,
                "lower": ci["lower"],
                "upper": ci["upper"],
                "percent": pct["percent"],
                "percent_lower": pct["lower"],
                "percent_upper": pct["upper"],
            }
        )

    def summary(self) -> Summary:
        """Printable summary (also used by ``repr`` and the notebook display)."""
        cfg = self.config
        level = int(round(100 * (1 - cfg.alpha)))
        se_note = (
            f"clustered by {cfg.cluster} ({self.n_clusters} clusters, G/(G-1) correction)"
            if cfg.cluster
            else "heteroskedasticity robust (sandwich, no small-sample correction)"
        )
        return Summary(
            title="Gravity PPML (Poisson pseudo-maximum likelihood)",
            facts={
                "Outcome": cfg.outcome,
                "Fixed effects": " + ".join(cfg.fixed_effects) or "none",
                "Observations": self.nobs,
                "Dropped rows": self.n_dropped,
                "Std. errors": "CRV1" if cfg.cluster else "hetero",
                "Deviance": float(self.deviance),
                "Converged": str(self.converged),
            },
            tables=[(f"Coefficients ({level}% intervals)", self.to_frame())],
            notes=[
                f"Standard errors {se_note}.",
                "percent = 100 * (exp(estimate) - 1): the effect on the level of trade.",
            ],
        )


# ---------------------------------------------------------------------------- estimator
def fit_gravity_ppml(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatments: str | Sequence[str],
    fixed_effects: str | Sequence[str] = ("exporter^year", "importer^year", "pair"),
    cluster: str | None = None,
    alpha: float = 0.05,
    exporter: str = "exporter",
    importer: str = "importer",
) -> GravityResults:
    """Fit a structural gravity equation by PPML with absorbed fixed effects, zeros kept.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per exporter, importer and time (zeros included).
    outcome : str
        Column of trade values (levels, not logs; must be non-negative).
    treatments : str or sequence of str
        Regressors whose coefficients are reported: sanction dummies (one per ally, per
        package, ...) and any time-varying bilateral controls.
    fixed_effects : str or sequence of str
        Fixed-effect terms, each a column or an interaction ``"a^b"`` of columns, e.g.
        ``("exporter^year", "importer^year", "pair")`` or ``"exporter^year + importer^year"``.
        ``pair`` means ``exporter^importer`` when ``data`` has no ``pair`` column.
    cluster : str, optional
        Column or interaction (``"exporter^importer"``, ``pair``) to cluster by; by default
        heteroskedasticity-robust standard errors.
    alpha : float
        Default significance level of :meth:`GravityResults.conf_int`.
    exporter, importer : str
        Column names used to expand the ``pair`` alias.

    Returns
    -------
    GravityResults

    Notes
    -----
    Observations that are perfectly predicted by the fixed effects (e.g. a pair that never
    trades, when pair effects are included) are dropped by pyfixest's separation check, as in
    ``ppmlhdfe``; their number is in :attr:`GravityResults.n_dropped`.
    """
    import pyfixest as pf

    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data must be a pandas DataFrame")
    alpha = _validate_alpha(alpha)
    treat = (treatments,) if isinstance(treatments, str) else tuple(treatments)
    if not treat:
        raise ParameterError("at least one treatment column is required")
    missing = [c for c in (outcome, *treat) if c not in data.columns]
    if missing:
        raise ParameterError(f"columns not in data: {missing}")
    fe_terms = _split_terms(fixed_effects)
    cl_terms = _split_terms(cluster)
    if len(cl_terms) > 1:
        raise ParameterError("cluster must be one column or one interaction 'a^b'")
    config = GravityConfig(
        outcome=outcome,
        treatments=treat,
        fixed_effects=fe_terms,
        cluster=cl_terms[0] if cl_terms else None,
        alpha=alpha,
    )
    aliases = {"pair": f"{exporter}^{importer}"} if "pair" not in data.columns else {}

    frame = pd.DataFrame(
        {
            "__y": pd.to_numeric(data[outcome], errors="coerce").to_numpy(dtype=float),
            **{
                f"__x{i}": pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float)
                for i, c in enumerate(treat)
            },
        },
        index=data.index,
    )
    fe_names = []
    for term in fe_terms:
        name = _safe_name(term)
        frame[name] = _group_codes(data, _term_columns(term, data.columns, aliases))
        fe_names.append(name)
    if config.cluster:
        frame["__cluster"] = _group_codes(
            data, _term_columns(config.cluster, data.columns, aliases)
        )
    n_input = len(frame)
    frame = frame.dropna()
    if (frame["__y"] < 0).any():
        raise ParameterError(f"{outcome} must be non-negative for PPML")
    if frame.empty:
        raise ParameterError("no complete observations")

    x_names = [f"__x{i}" for i in range(len(treat))]
    fml = "__y ~ " + " + ".join(x_names)
    if fe_names:
        fml += " | " + " + ".join(fe_names)
    vcov: Any = {"CRV1": "__cluster"} if config.cluster else "hetero"
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*separation.*")
        warnings.filterwarnings("ignore", module="pyfixest")
        fit = pf.fepois(
            fml,
            data=frame,
            vcov=vcov,
            ssc=pf.ssc(k_adj=False, G_adj=True),
        )
    elapsed = time.perf_counter() - start

    coef = fit.coef()
    kept = [n for n in x_names if n in coef.index]
    dropped = sorted(set(x_names) - set(kept))
    if dropped:
        names = [treat[x_names.index(n)] for n in dropped]
        raise ParameterError(f"treatments collinear with the fixed effects: {names}")
    labels = [treat[x_names.index(n)] for n in kept]
    vc = np.asarray(fit._vcov, dtype=float)
    order = [list(fit._coefnames).index(n) for n in kept]
    vc = vc[np.ix_(order, order)]
    n_clusters = None
    if config.cluster:
        g = getattr(fit, "_G", None)
        n_clusters = int(g[0]) if g is not None else None
    return GravityResults(
        config=config,
        params=pd.Series(coef.loc[kept].to_numpy(dtype=float), index=labels, name="params"),
        cov=pd.DataFrame(vc, index=labels, columns=labels),
        nobs=int(fit._N),
        n_dropped=int(n_input - fit._N),
        n_clusters=n_clusters,
        vcov_type="CRV1" if config.cluster else "hetero",
        deviance=float(np.asarray(getattr(fit, "deviance", np.nan)).ravel()[0]),
        converged=bool(getattr(fit, "convergence", True)),
        fit_seconds=elapsed,
    )
