"""Event studies and difference-in-differences on reporter x partner x period trade panels.

``y_rpt = sum_k b_k * D_rpt^k * s_rp + FE + e_rpt`` where ``D^k`` marks treated flows ``k``
months from the event, ``s_rp`` is an optional continuous intensity (e.g. a member state's
pre-war exposure to Russia; 1 without it) and the fixed effects are pair
(``reporter^partner``) effects plus time effects: ``period`` (two-way), ``partner^period`` or
``reporter^period`` (three-way designs). Estimated by OLS with :func:`pyfixest.feols`
(fixed effects absorbed); p-values and intervals from design-based inference (below).

Identification depends on where the treatment varies. With one treated partner (exports to
Russia) and no intensity, ``partner^period`` effects absorb the treatment: use ``pair+period``
or ``pair+reporter^period`` (Russia against the other partners of the same reporter and
month). With an intensity varying across reporters, ``pair+partner^period`` compares reporters
of different exposure within the same partner-month, which also removes every partner-month
shock. Collinear event dummies raise :class:`~sanctions_model.errors.ParameterError`.

Inference (``inference="auto"``, see :mod:`sanctions_model.models.panel_design`) is chosen
where the treatment varies, so that its size holds. Russia against other destinations is one
treated cluster: pair- or destination-clustered errors reject a true null most of the time
(issue 11: 37 of 40 simulated no-effect panels), so the default is randomization inference over
the donor destinations (:func:`sanctions_model.data.donors.donor_pool`, which also keeps the
re-routing hubs out of the controls). An intensity varying across reporters (pre-war exposure)
clusters by reporter with a wild cluster bootstrap when there are fewer than 50 of them. Every
result names its inference (``inference``) and carries its ``caveats``.

Endpoints are binned (``bin_endpoints=True``): the first lead collects every month at or
before ``-leads`` and the last lag every month at or after ``lags`` (Schmidheiny and Siegloch
2023), so all treated observations stay in the sample. With ``bin_endpoints=False`` treated
observations outside the window are dropped instead.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from sanctions_model.errors import ParameterError

from .._results import to_period
from ..gravity.model import _group_codes, _safe_name, _split_terms, _term_columns, _validate_alpha
from ..inference import RandomizationResults, fe_residualize, wild_cluster_bootstrap
from .design import (
    Design,
    Inference,
    _fe_codes,
    choose_design,
    design_caveats,
    randomization_did,
    randomization_event_study,
    ri_pvalues_and_intervals,
    treated_scale,
)
from .results import DidResults, EventStudyConfig, EventStudyResults

__all__ = [
    "EventStudyConfig",
    "EventStudyResults",
    "DidResults",
    "estimate_event_study",
    "estimate_did",
]

Outcome = str | Callable[[pd.DataFrame], Any]


# ---------------------------------------------------------------------------- data preparation
def _outcome_values(data: pd.DataFrame, outcome: Outcome, value: str) -> tuple[np.ndarray, str]:
    if callable(outcome):
        return np.asarray(outcome(data), dtype=float), getattr(outcome, "__name__", "outcome")
    if outcome in data.columns:
        return pd.to_numeric(data[outcome], errors="coerce").to_numpy(dtype=float), outcome
    if value not in data.columns:
        raise ParameterError(
            f"outcome {outcome!r} is neither a column nor a transform of {value!r}"
        )
    v = pd.to_numeric(data[value], errors="coerce").to_numpy(dtype=float)
    if outcome == f"log_{value}":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(v > 0, np.log(np.where(v > 0, v, 1.0)), np.nan), outcome
    if outcome == f"asinh_{value}":
        return np.arcsinh(v), outcome
    raise ParameterError(
        f"outcome must be a column, 'log_{value}', 'asinh_{value}' or a callable; got {outcome!r}"
    )


def _treated_values(data: pd.DataFrame, treated: Any, partner: str) -> np.ndarray:
    if isinstance(treated, str) and treated in data.columns:
        t = pd.to_numeric(data[treated], errors="coerce").to_numpy(dtype=float)
        if not np.isin(t[~np.isnan(t)], (0.0, 1.0)).all():
            raise ParameterError(f"treated column {treated!r} must be 0/1")
        return t
    codes = [treated] if isinstance(treated, str) else list(treated)
    if partner not in data.columns or not data[partner].isin(codes).any():
        raise ParameterError(
            f"treated must be a 0/1 column or partner code(s) found in {partner!r}; got {treated!r}"
        )
    return data[partner].isin(codes).to_numpy(dtype=float)


def _month_ordinals(col: pd.Series) -> np.ndarray:
    if isinstance(col.dtype, pd.PeriodDtype):
        # annual periods map to their first month, so event="2022" marks 2022 as treated
        return pd.PeriodIndex(col).asfreq("M", how="start").asi8
    return pd.PeriodIndex(pd.to_datetime(col), freq="M").asi8


def _rel_label(k: int) -> str:
    return f"__rel_m{-k}" if k < 0 else f"__rel_p{k}"


@dataclass(frozen=True)
class _Prepared:
    frame: pd.DataFrame
    fe_names: list[str]
    n_input: int


def _prepare(
    data: pd.DataFrame,
    *,
    outcome: Outcome,
    treated: Any,
    intensity: str | None,
    fixed_effects: str | Sequence[str],
    cluster: str | None,
    reporter: str,
    partner: str,
    period: str,
    value: str,
) -> tuple[_Prepared, str, tuple[str, ...], str | None]:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data must be a pandas DataFrame")
    if period not in data.columns:
        raise ParameterError(f"period column {period!r} not in data")
    y, y_name = _outcome_values(data, outcome, value)
    frame = pd.DataFrame({"__y": y}, index=data.index)
    frame["__treated"] = _treated_values(data, treated, partner)
    frame["__month"] = _month_ordinals(data[period])
    if intensity is not None:
        if intensity not in data.columns:
            raise ParameterError(f"intensity column {intensity!r} not in data")
        frame["__intensity"] = pd.to_numeric(data[intensity], errors="coerce").to_numpy(float)
    else:
        frame["__intensity"] = 1.0
    aliases = {k: v for k, v in {"pair": f"{reporter}^{partner}"}.items() if k not in data.columns}
    fe_terms = _split_terms(fixed_effects)
    fe_names = []
    for term in fe_terms:
        name = _safe_name(term)
        frame[name] = _group_codes(data, _term_columns(term, data.columns, aliases))
        fe_names.append(name)
    cl_terms = _split_terms(cluster)
    if len(cl_terms) > 1:
        raise ParameterError("cluster must be one column or one interaction 'a^b'")
    for col in (reporter, partner):
        if col not in data.columns:
            raise ParameterError(f"column {col!r} not in data")
    frame["__reporter"] = data[reporter].astype(str).to_numpy()
    frame["__partner"] = data[partner].astype(str).to_numpy()
    for term in {"reporter": reporter, "partner": partner, "pair": "pair"}.items():
        frame[f"__cl_{term[0]}"] = _group_codes(data, _term_columns(term[1], data.columns, aliases))
    if cl_terms:
        frame["__cl_user"] = _group_codes(data, _term_columns(cl_terms[0], data.columns, aliases))
    n_input = len(frame)
    frame = frame.replace([np.inf, -np.inf], np.nan).dropna()
    if frame.empty:
        raise ParameterError("no complete observations")
    prepared = _Prepared(frame=frame, fe_names=fe_names, n_input=n_input)
    return prepared, y_name, fe_terms, (cl_terms[0] if cl_terms else None)


def _fit(frame: pd.DataFrame, regressors: list[str], fe_names: list[str], clustered: bool):
    import pyfixest as pf

    fml = "__y ~ " + " + ".join(regressors)
    if fe_names:
        fml += " | " + " + ".join(fe_names)
    vcov: Any = {"CRV1": "__cluster"} if clustered else "hetero"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="pyfixest")
        try:
            fit = pf.feols(fml, data=frame, vcov=vcov, fixef_rm="none")
        except ValueError as err:
            if "collinear" not in str(err):
                raise
            fit = None
    coef = fit.coef() if fit is not None else pd.Series(dtype=float)
    missing = [r for r in regressors if r not in coef.index]
    if missing:
        raise ParameterError(
            "treatment terms are collinear with the fixed effects "
            f"({len(missing)} dropped); with a treatment that varies only by partner use "
            "fixed_effects='pair+period' or 'pair+reporter^period', or pass an intensity"
        )
    names = list(fit._coefnames)
    order = [names.index(r) for r in regressors]
    vc = np.asarray(fit._vcov, dtype=float)[np.ix_(order, order)]
    g = getattr(fit, "_G", None) if clustered else None
    n_clusters = int(g[0]) if g is not None else None
    return coef.loc[regressors].to_numpy(dtype=float), vc, int(fit._N), n_clusters, fit


def _df_resid(n_clusters: int | None, nobs: int) -> float:
    # as fixest and Stata: t quantiles with G - 1 degrees of freedom when clustered
    return float(n_clusters - 1) if n_clusters else float(max(nobs - 1, 1))


# ---------------------------------------------------------------------------- design


def _resolve(
    data, *, outcome, treated, intensity, fixed_effects, cluster, reporter, partner, period,
    value, controls, inference,
):  # fmt: skip
    if inference not in ("auto", "randomization", "wild", "cluster", "hetero"):
        raise ParameterError(
            "inference must be 'auto', 'randomization', 'wild', 'cluster' or 'hetero'; "
            f"got {inference!r}"
        )
    if not (controls in ("donors", "all") or not isinstance(controls, str)):
        raise ParameterError(
            f"controls must be 'donors', 'all' or a list of codes; got {controls!r}"
        )
    prep, y_name, fe_terms, user_cl = _prepare(
        data, outcome=outcome, treated=treated, intensity=intensity,
        fixed_effects=fixed_effects, cluster=cluster, reporter=reporter, partner=partner,
        period=period, value=value,
    )  # fmt: skip
    codes = None
    if not (isinstance(treated, str) and treated in data.columns):
        codes = (treated,) if isinstance(treated, str) else tuple(treated)
    ctrl = controls if isinstance(controls, str) else tuple(controls)
    frame, design = choose_design(
        prep.frame, treated_codes=codes, controls=ctrl, inference=inference, cluster=user_cl
    )
    if design.inference in ("wild", "cluster"):
        col = "__cl_user" if user_cl else f"__cl_{design.cluster}"
        frame = frame.assign(__cluster=frame[col].to_numpy())
    return prep, frame.copy(), design, y_name, fe_terms


def _controls_of(design: Design) -> tuple[str, ...]:
    return design.donors


# ---------------------------------------------------------------------------- event study
def _references(reference: int | Sequence[int], leads: int) -> tuple[int, ...]:
    """The omitted relative period(s), sorted; each within ``-leads..-1``."""
    raw = [reference] if np.isscalar(reference) else list(reference)  # type: ignore[arg-type]
    if not raw:
        raise ParameterError("reference must name at least one relative period")
    refs = tuple(sorted({int(r) for r in raw}))
    bad = [r for r in refs if not -leads <= r <= -1]
    if bad:
        raise ParameterError(f"reference must be in {-leads}..-1, got {bad}")
    return refs


def _event_matrix(frame, treated_rows, event_ordinal, leads, lags, ks, bin_endpoints):
    rel = frame["__month"].to_numpy() - event_ordinal
    keep = np.ones(len(frame), dtype=bool)
    if bin_endpoints:
        rel = np.clip(rel, -leads, lags)
    else:
        keep = ~(treated_rows & ((rel < -leads) | (rel > lags)))
    weight = np.where(treated_rows, frame["__intensity"].to_numpy(dtype=float), 0.0)
    x = np.column_stack([weight * (rel == k) for k in ks])
    return x, keep


def estimate_event_study(
    data: pd.DataFrame,
    *,
    outcome: Outcome = "log_value",
    treated: Any = "treated",
    event: Any = "2022-03",
    leads: int = 6,
    lags: int = 12,
    fixed_effects: str | Sequence[str] = "pair+reporter^period",
    cluster: str | None = None,
    intensity: str | None = None,
    bin_endpoints: bool = True,
    reference: int | Sequence[int] = -1,
    alpha: float = 0.05,
    inference: Inference = "auto",
    controls: str | Sequence[str] = "donors",
    statistic: Literal["studentized", "coefficient"] = "studentized",
    reps: int = 999,
    seed: int = 0,
    reporter: str = "reporter",
    partner: str = "partner",
    period: str = "period",
    value: str = "value",
) -> EventStudyResults:
    """Estimate dynamic treatment effects around ``event`` on a reporter x partner x time panel.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy panel (``load_trade`` layout: reporter, partner, period, value, ...); monthly or
        annual periods (an annual period counts from its first month).
    outcome : str or callable
        A column, ``"log_value"`` (rows with value <= 0 dropped), ``"asinh_value"``, or a
        function of ``data`` returning the outcome.
    treated : str or sequence of str
        A 0/1 column, or partner code(s) whose flows are treated (``"RU"``).
    event : date-like
        First treated period (relative time 0).
    leads, lags : int
        Periods (months of the monthly ordinal) before and after the event with their own
        coefficient; with annual data use ``event="2022"`` and multiples of 12.
    fixed_effects : str or sequence of str
        Terms such as ``"pair+period"``, ``"pair+reporter^period"`` (default) or
        ``"pair+partner^period"`` (needs an intensity varying across reporters); ``pair`` means
        ``reporter^partner``.
    intensity : str, optional
        Column of a continuous treatment intensity multiplying the event dummies.
    bin_endpoints : bool
        Bin periods beyond the window into the end coefficients (else drop treated rows there).
    reference : int or sequence of int
        Omitted relative period(s) (normalised to zero), within ``-leads..-1``. Several periods
        make their average the reference (e.g. ``(-48, -36)`` with annual data and
        ``event="2022"``: the 2018-19 average), which keeps a reference year exposed to
        anticipation (front-loading in 2021) from shifting every coefficient; the period just
        before the event is then a lead, tested with the others by :meth:`pretrend_test`.
    alpha : float
        Default significance level.
    inference : {"auto", "randomization", "wild", "cluster", "hetero"}
        How p-values and intervals are computed. ``"auto"`` (default) follows where the
        treatment varies: by partner -> randomization inference over the donor destinations;
        by reporter (intensity) -> clustered by reporter, wild cluster bootstrap (WCR) with
        fewer than 50 clusters; by pair -> clustered by pair.
    cluster : str, optional
        Cluster variable for ``"wild"`` and ``"cluster"``; by default the level where the
        treatment varies (``reporter``, ``partner`` or ``pair``).
    controls : {"donors", "all"} or sequence of str
        With ``treated`` given as partner codes: the untreated partners used as controls.
        ``"donors"`` (default) keeps only :func:`sanctions_model.data.donors.donor_pool`
        (no sanctioned, war-hit or re-routing destinations: their trade moved with the
        sanctions).
    statistic : {"studentized", "coefficient"}
        Randomization statistic: the coefficient divided by its unit's pre-period residual
        s.d. (default; comparable across small and large destinations) or the raw coefficient.
    reps : int
        Placebo sets drawn when several partners are treated; bootstrap draws for ``"wild"``.
    seed : int
        Seed of the placebo sets and the bootstrap weights.
    reporter, partner, period, value : str
        Column names.
    """
    alpha = _validate_alpha(alpha)
    leads, lags = int(leads), int(lags)
    if leads < 1 or lags < 0:
        raise ParameterError("leads must be >= 1 and lags >= 0")
    refs = _references(reference, leads)
    event_p = to_period(event)
    prep, frame, design, y_name, fe_terms = _resolve(
        data, outcome=outcome, treated=treated, intensity=intensity,
        fixed_effects=fixed_effects, cluster=cluster, reporter=reporter, partner=partner,
        period=period, value=value, controls=controls, inference=inference,
    )  # fmt: skip
    ks = [k for k in range(-leads, lags + 1) if k not in refs]
    # with annual data only every 12th relative month exists: keep the ones that occur
    rel_all = frame["__month"].to_numpy() - event_p.ordinal
    present = set(np.unique(np.clip(rel_all, -leads, lags) if bin_endpoints else rel_all))
    ks = [k for k in ks if k in present]
    treated_rows = frame["__treated"].to_numpy() == 1
    x, keep = _event_matrix(frame, treated_rows, event_p.ordinal, leads, lags, ks, bin_endpoints)
    frame, x = frame.loc[keep].copy(), x[keep]
    regressors = [_rel_label(k) for k in ks]
    for i, name in enumerate(regressors):
        frame[name] = x[:, i]
    start = time.perf_counter()
    clustered = design.inference in ("wild", "cluster")
    b, vc, nobs, n_cl, _ = _fit(frame, regressors, prep.fe_names, clustered)
    df = _df_resid(n_cl, nobs)
    se = np.sqrt(np.diag(vc))
    q = stats.t.ppf(1 - alpha / 2, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        pv = 2 * stats.t.sf(np.abs(b / se), df)
    lower, upper, rank = b - q * se, b + q * se, None
    placebo, s_t, boots, how = None, float("nan"), (), ""
    if design.inference == "randomization":
        if not bin_endpoints:
            raise ParameterError("randomization inference needs bin_endpoints=True")
        post = (frame["__month"] >= event_p.ordinal).to_numpy()
        s_t, scales = _did_scales(frame, post, prep.fe_names, design, reps, seed)

        def builder(sub, member):
            return _event_matrix(sub, member, event_p.ordinal, leads, lags, ks, True)[0]

        placebo = randomization_event_study(
            frame, builder, regressors, prep.fe_names, design, scales["scale"]
        )
        placebo.columns = ks
        placebo["scale"] = scales["scale"].to_numpy()
        placebo = placebo[np.isfinite(placebo["scale"]) & (placebo["scale"] > 0)]
        ri = ri_pvalues_and_intervals(
            b, s_t, placebo[ks], placebo["scale"], alpha, statistic
        )  # fmt: skip
        pv, lower, upper, rank = (ri[c].to_numpy() for c in ("pvalue", "lower", "upper", "rank"))
        how = _ri_text(len(placebo), statistic, design)
    elif design.inference == "wild":
        fe = _fe_codes(frame, prep.fe_names)
        xt = fe_residualize(frame[regressors].to_numpy(dtype=float), fe)
        yt = fe_residualize(frame["__y"].to_numpy(dtype=float), fe)
        out = []
        gram, gy = xt.T @ xt, xt.T @ yt  # one pass; each coefficient partials out the others
        for i in range(len(ks)):
            o = [j for j in range(len(ks)) if j != i]
            if o:
                cx = np.linalg.lstsq(gram[np.ix_(o, o)], gram[o, i], rcond=None)[0]
                cy = np.linalg.lstsq(gram[np.ix_(o, o)], gy[o], rcond=None)[0]
                xi, yi = xt[:, i] - xt[:, o] @ cx, yt - xt[:, o] @ cy
            else:
                xi, yi = xt[:, i], yt
            out.append(wild_cluster_bootstrap(
                yi, xi, frame["__cluster"].to_numpy(), reps=max(reps, 999), seed=seed,
                alpha=alpha, cluster=design.cluster,
            ))  # fmt: skip
        boots = tuple(out)
        pv = np.array([bs.pvalue for bs in boots])
        ci = np.array([bs.conf_int() for bs in boots])
        lower, upper = ci[:, 0], ci[:, 1]
        how = boots[0].inference
    else:
        how = _analytic_text(design, n_cl, df)
    elapsed = time.perf_counter() - start

    config = EventStudyConfig(
        outcome=y_name, event=event_p, leads=leads, lags=lags,
        reference=refs[0] if len(refs) == 1 else refs,
        fixed_effects=tuple(fe_terms), cluster=design.cluster if clustered else None,
        intensity=intensity, bin_endpoints=bool(bin_endpoints), alpha=alpha,
        inference=design.inference, statistic=statistic, controls=_controls_of(design),
    )  # fmt: skip
    coefs = pd.DataFrame(
        {"relative_time": ks, "estimate": b, "se": se, "lower": lower, "upper": upper,
         "pvalue": pv, "reference": False}
    )  # fmt: skip
    if rank is not None:
        coefs["rank"] = rank
    n_ref = len(refs)
    ref_row = pd.DataFrame(
        {"relative_time": list(refs), "estimate": [0.0] * n_ref, "se": [np.nan] * n_ref,
         "lower": [np.nan] * n_ref, "upper": [np.nan] * n_ref, "pvalue": [np.nan] * n_ref,
         "reference": [True] * n_ref}
    )  # fmt: skip
    coefs = pd.concat([coefs, ref_row]).sort_values("relative_time").reset_index(drop=True)
    return EventStudyResults(
        config=config,
        coefficients=coefs,
        cov=pd.DataFrame(vc, index=ks, columns=ks),
        nobs=nobs,
        n_dropped=prep.n_input - nobs,
        n_clusters=n_cl,
        df_resid=df,
        fit_seconds=elapsed,
        inference=how,
        caveats=design_caveats(design, n_cl),
        placebo=placebo,
        treated_scale=s_t,
        bootstraps=boots,
    )


def _ri_text(n: int, statistic: str, design: Design) -> str:
    sets = "placebo destinations" if len(design.treated_units) == 1 else (
        f"placebo sets of {len(design.treated_units)} destinations"
    )  # fmt: skip
    what = "studentized coefficient" if statistic == "studentized" else "coefficient"
    return f"randomization inference over {n} {sets} from the donor pool ({what})"


def _analytic_text(design: Design, n_cl: int | None, df: float) -> str:
    if design.inference == "cluster":
        return f"CRV1 clustered by {design.cluster} ({n_cl} clusters), t with {df:.0f} df"
    return "heteroskedasticity-robust (HC1) standard errors, t distribution"


def _did_scales(frame, post, fe_names, design, reps, seed):
    """Treated unit's pre-period residual s.d. and the placebo DiD estimates with theirs."""
    x = frame["__treated"].to_numpy() * frame["__intensity"].to_numpy(dtype=float) * post
    pre_t = (frame["__treated"].to_numpy() == 1) & ~post
    fe = _fe_codes(frame, fe_names)
    _, s_t = treated_scale(frame["__y"].to_numpy(dtype=float), x, fe, pre_t)
    if not (np.isfinite(s_t) and s_t > 0):
        raise ParameterError(
            "the treated unit has fewer than two pre-period observations: no studentization "
            "scale; use statistic='coefficient' or a longer pre-period"
        )
    placebo = randomization_did(frame, post, fe_names, design, reps=reps, seed=seed)
    return s_t, placebo


# ---------------------------------------------------------------------------- DiD
def estimate_did(
    data: pd.DataFrame,
    *,
    outcome: Outcome = "log_value",
    treated: Any = "treated",
    event: Any = "2022-03",
    fixed_effects: str | Sequence[str] = "pair+reporter^period",
    cluster: str | None = None,
    intensity: str | None = None,
    alpha: float = 0.05,
    inference: Inference = "auto",
    controls: str | Sequence[str] = "donors",
    statistic: Literal["studentized", "coefficient"] = "studentized",
    reps: int = 9999,
    seed: int = 0,
    reporter: str = "reporter",
    partner: str = "partner",
    period: str = "period",
    value: str = "value",
) -> DidResults:
    """Static difference-in-differences: the coefficient on ``treated x post [x intensity]``.

    Parameters are those of :func:`estimate_event_study`; ``post`` is ``period >= event``.

    Returns
    -------
    DidResults
        With randomization inference, :attr:`DidResults.randomization` holds the placebo
        distribution and the treated unit's rank.
    """
    return _did_and_fit(**locals())[0]


def _did_and_fit(
    data: pd.DataFrame, *, outcome: Outcome = "log_value", treated: Any = "treated",
    event: Any = "2022-03", fixed_effects: str | Sequence[str] = "pair+reporter^period",
    cluster: str | None = None, intensity: str | None = None, alpha: float = 0.05,
    inference: Inference = "auto", controls: str | Sequence[str] = "donors",
    statistic: Literal["studentized", "coefficient"] = "studentized", reps: int = 9999,
    seed: int = 0, reporter: str = "reporter", partner: str = "partner", period: str = "period",
    value: str = "value",
) -> tuple[DidResults, Any]:  # fmt: skip
    """:func:`estimate_did` and its pyfixest fit (None under randomization inference, which
    partials out instead), so that a caller bootstrapping the same regression again
    (Romano-Wolf) does not fit it twice. Same defaults as :func:`estimate_did`
    (``tests/models/test_panelrw_speed.py`` holds them equal)."""
    alpha = _validate_alpha(alpha)
    event_p = to_period(event)
    prep, frame, design, y_name, fe_terms = _resolve(
        data, outcome=outcome, treated=treated, intensity=intensity,
        fixed_effects=fixed_effects, cluster=cluster, reporter=reporter, partner=partner,
        period=period, value=value, controls=controls, inference=inference,
    )  # fmt: skip
    post = (frame["__month"] >= event_p.ordinal).to_numpy()
    if post.all() or not post.any():
        raise ParameterError(f"event {event_p} leaves no pre- or no post-period in the data")
    frame["__did"] = frame["__treated"] * frame["__intensity"] * post
    clustered = design.inference in ("wild", "cluster")
    start = time.perf_counter()
    if design.inference == "randomization":
        # no sandwich needed: the same OLS by partialling out (fast for Monte Carlo use)
        fe = _fe_codes(frame, prep.fe_names)
        yt = fe_residualize(frame["__y"].to_numpy(dtype=float), fe)
        xt = fe_residualize(frame["__did"].to_numpy(dtype=float), fe)
        sxx = float(xt @ xt)
        if sxx < 1e-12:
            raise ParameterError("the treatment term is collinear with the fixed effects")
        b0 = float(xt @ yt) / sxx
        hc0 = float(np.sum((xt * (yt - b0 * xt)) ** 2)) / sxx**2
        b, vc, nobs, n_cl, fit = np.array([b0]), np.array([[hc0]]), len(frame), None, None
    else:
        b, vc, nobs, n_cl, fit = _fit(frame, ["__did"], prep.fe_names, clustered)
    ri, boot = None, None
    if design.inference == "randomization":
        s_t, placebo = _did_scales(frame, post, prep.fe_names, design, reps, seed)
        placebo = placebo[np.isfinite(placebo["scale"]) & (placebo["scale"] > 0)]
        if statistic == "coefficient":
            placebo = placebo.assign(scale=1.0)
            s_t = 1.0
        placebo["statistic"] = placebo["estimate"] / placebo["scale"]
        ri = RandomizationResults(
            estimate=float(b[0]), scale=float(s_t), placebo=placebo,
            treated=design.treated_units, statistic=statistic, alpha=alpha,
            unit="destinations",
        )  # fmt: skip
        how = _ri_text(len(placebo), statistic, design)
    elif design.inference == "wild":
        fe = _fe_codes(frame, prep.fe_names)
        boot = wild_cluster_bootstrap(
            fe_residualize(frame["__y"].to_numpy(dtype=float), fe),
            fe_residualize(frame["__did"].to_numpy(dtype=float), fe),
            frame["__cluster"].to_numpy(), reps=reps, seed=seed, alpha=alpha,
            cluster=design.cluster,
        )  # fmt: skip
        how = boot.inference
    else:
        how = _analytic_text(design, n_cl, _df_resid(n_cl, nobs))
    elapsed = time.perf_counter() - start
    config = EventStudyConfig(
        outcome=y_name, event=event_p, leads=0, lags=0, reference=-1,
        fixed_effects=tuple(fe_terms), cluster=design.cluster if clustered else None,
        intensity=intensity, bin_endpoints=True, alpha=alpha, inference=design.inference,
        statistic=statistic, controls=_controls_of(design),
    )  # fmt: skip
    result = DidResults(
        config=config,
        estimate=float(b[0]),
        se=float(np.sqrt(vc[0, 0])),
        nobs=nobs,
        n_dropped=prep.n_input - nobs,
        n_clusters=n_cl,
        df_resid=_df_resid(n_cl, nobs),
        fit_seconds=elapsed,
        inference=how,
        caveats=design_caveats(design, n_cl),
        randomization=ri,
        bootstrap=boot,
    )
    return result, fit
