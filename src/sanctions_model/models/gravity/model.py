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
from sanctions_model.reporting import format as fmt

from .._results import ResultsDisplayMixin, Summary
from .._results import validate_alpha as _validate_alpha

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


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


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
    compared_with: tuple[tuple[str, str], ...] = ()
    contrasts: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()
    min_treated_clusters: int = 2


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
    treated_clusters: tuple[tuple[str, int], ...] = ()
    contrast_clusters: tuple[tuple[str, int], ...] = ()

    @property
    def inference(self) -> str:
        """How :meth:`pvalues` and :meth:`conf_int` are computed (analytic, normal)."""
        if self.config.cluster:
            return (
                f"analytic: clustered by {self.config.cluster} ({self.n_clusters} clusters, "
                "G/(G-1)), normal quantiles"
            )
        return "analytic: heteroskedasticity-robust sandwich, normal quantiles"

    @property
    def caveats(self) -> tuple[str, ...]:
        """Treatments whose clustered s.e. rests on a single cluster (not informative)."""
        out = []
        one = [t for t, n in self.treated_clusters if n <= 1]
        one += [c for c, n in self._contrast_clusters().items() if n <= 1 and c not in one]
        if one:
            out.append(
                f"{_and(one)} vary within one {self.config.cluster} cluster: their clustered "
                "standard errors are not informative, so no analytic s.e., z, p-value or interval "
                "is shown for them; use placebo-in-space inference "
                "(sanctions_model.models.gravity_design.gravity_randomization)."
            )
        few = [
            f"{t} ({n} treated clusters)"
            for t, n in self.treated_clusters
            if 1 < n < self.config.min_treated_clusters
        ]
        if few:
            out.append(
                f"{_and(few)}: with so few treated clusters, cluster-robust inference "
                "over-rejects badly (MacKinnon and Webb 2017), so no analytic s.e., z, p-value or "
                "interval is shown; see the randomization table."
            )
        return tuple(out)

    def _contrast_clusters(self) -> dict[str, int]:
        """Contrast -> the clusters in which any of its dummies varies."""
        return dict(self.contrast_clusters)

    def _no_analytic(self) -> dict[str, str]:
        """Row -> why its analytic inference is withheld (too few treated clusters)."""
        if not self.config.cluster:
            return {}
        out = {}
        for name, n in [*self.treated_clusters, *self._contrast_clusters().items()]:
            if n <= 1:
                out[name] = "n/a: one treated cluster, see the randomization table"
            elif n < self.config.min_treated_clusters:
                out[name] = f"n/a: {n} treated clusters, see the randomization table"
        return out

    def lincom(self, weights: Mapping[str, float], alpha: float | None = None) -> pd.Series:
        """A linear combination ``sum w_k b_k`` with its analytic s.e., z, p and interval.

        ``lincom({"russia_2022": 1, "russia_2014": -1})`` is Russia after 2022 relative to
        Russia in 2014-21 when both dummies are measured against the same reference years.
        """
        alpha = self.config.alpha if alpha is None else _validate_alpha(alpha)
        unknown = sorted(set(weights) - set(self.params.index))
        if unknown:
            raise ParameterError(f"lincom weights name unknown coefficients: {unknown}")
        w = pd.Series(0.0, index=self.params.index)
        for k, v in weights.items():
            w[k] = float(v)
        est = float(w @ self.params)
        se = float(np.sqrt(w.to_numpy() @ self.cov.to_numpy() @ w.to_numpy()))
        q = stats.norm.ppf(1 - alpha / 2)
        z = est / se if se > 0 else np.nan
        return pd.Series(
            {"estimate": est, "se": se, "z": z, "pvalue": 2 * stats.norm.sf(abs(z)),
             "lower": est - q * se, "upper": est + q * se}
        )  # fmt: skip

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
        """One row per treatment, then one per contrast: estimate, se, z, pvalue, lower, upper,
        percent effect and (when labelled) what each is ``compared_with``."""
        ci = self.conf_int(alpha)
        pct = self.percent_effect(alpha)
        out = pd.DataFrame(
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
        rows = [out]
        for name, weights in self.config.contrasts:
            lc = self.lincom(dict(weights), alpha)
            row = lc.to_frame(name).T
            for col, src in (("percent", "estimate"), ("percent_lower", "lower"),
                             ("percent_upper", "upper")):  # fmt: skip
                row[col] = 100 * np.expm1(row[src])
            rows.append(row)
        out = pd.concat(rows) if len(rows) > 1 else out
        withheld = self._no_analytic()
        if withheld:
            cols = ["se", "z", "pvalue", "lower", "upper", "percent_lower", "percent_upper"]
            rows_na = [i for i in out.index if i in withheld]
            out[cols] = out[cols].astype(float)
            out.loc[rows_na, cols] = np.nan
            out["analytic_inference"] = [withheld.get(i, "") for i in out.index]
        labels = dict(self.config.compared_with)
        if labels:
            out["compared_with"] = [labels.get(i, "") for i in out.index]
        out.attrs["alpha"] = self.config.alpha if alpha is None else float(alpha)
        return out

    def summary(self) -> Summary:
        """Printable summary (also used by ``repr`` and the notebook display)."""
        cfg = self.config
        level = fmt.level(cfg.alpha)
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
                "p-values and intervals": self.inference,
            },
            tables=[(f"Coefficients ({level} intervals)", self.to_frame())],
            notes=[
                f"Standard errors {se_note}.",
                "percent = 100 * (exp(estimate) - 1): the effect on the level of trade.",
                *self.caveats,
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
    compared_with: Mapping[str, str] | None = None,
    contrasts: Mapping[str, Mapping[str, float]] | None = None,
    exporter: str = "exporter",
    importer: str = "importer",
    min_treated_clusters: int = 2,
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
    compared_with : mapping, optional
        Treatment or contrast name -> what its coefficient is measured against, in words
        (``{"russia_2022": "Russia in 2010-13"}``); shown in :meth:`GravityResults.to_frame`.
    contrasts : mapping, optional
        Name -> weights of a linear combination reported beside the dummies
        (``{"russia_2022_vs_2014_21": {"russia_2022": 1, "russia_2014": -1}}``).
    exporter, importer : str
        Column names used to expand the ``pair`` alias.
    min_treated_clusters : int
        With ``cluster``, a treatment (or contrast) that varies within fewer clusters than this
        gets no analytic s.e., z, p-value or interval in :meth:`GravityResults.to_frame` (shown
        as "n/a", with the reason): one treated cluster means nothing, and a handful
        over-rejects badly (MacKinnon and Webb 2017). Default 2 (only one-cluster treatments).

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
    contrasts = dict(contrasts or {})
    for name, weights in contrasts.items():
        bad = sorted(set(weights) - set(treat))
        if bad:
            raise ParameterError(f"contrast {name!r} names unknown treatments: {bad}")
    config = GravityConfig(
        outcome=outcome,
        treatments=treat,
        fixed_effects=fe_terms,
        cluster=cl_terms[0] if cl_terms else None,
        alpha=alpha,
        compared_with=tuple((str(k), str(v)) for k, v in (compared_with or {}).items()),
        contrasts=tuple(
            (str(k), tuple((str(a), float(b)) for a, b in w.items())) for k, w in contrasts.items()
        ),
        min_treated_clusters=int(min_treated_clusters),
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
    treated_clusters: tuple[tuple[str, int], ...] = ()
    contrast_clusters: tuple[tuple[str, int], ...] = ()
    if config.cluster:
        g = getattr(fit, "_G", None)
        n_clusters = int(g[0]) if g is not None else None
        treated_clusters = tuple(
            (treat[i], int(frame.loc[frame[f"__x{i}"] != 0, "__cluster"].nunique()))
            for i in range(len(treat))
        )
        contrast_clusters = tuple(
            (
                name,
                int(
                    frame.loc[
                        np.logical_or.reduce(
                            [frame[f"__x{treat.index(k)}"].to_numpy() != 0 for k, w in ws if w]
                        ),
                        "__cluster",
                    ].nunique()
                ),
            )
            for name, ws in config.contrasts
        )
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
        treated_clusters=treated_clusters,
        contrast_clusters=contrast_clusters,
    )
