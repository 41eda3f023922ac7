"""Synthetic control for one trade flow against donor destinations, with placebo-in-space inference.

The method of Abadie, Diamond and Hainmueller (2010) on an annual panel of one reporter's exports
to many destinations (the embedded ``eurostat_comext_annual``: EU27 exports to every partner,
2010-2023): the treated destination's path before the intervention is matched by a convex
combination of donor destinations, and the gap after it is the effect.

Outcome scale
-------------
EU exports differ by four orders of magnitude across destinations (EUR 0.2 bn to Kyrgyzstan in
2021, EUR 400 bn to the United States), so a convex combination of levels cannot match most
flows, and percent effects are what readers compare. The default ``outcome="log_index"`` fits
``log(exports)`` minus each destination's own pre-period mean of ``log(exports)``: the log of exports
indexed to their (geometric) pre-period mean. Donors then match the treated flow's *path*, not
its size (the demeaned synthetic control of Ferman and Pinto 2021, an intercept shift as in
synthetic difference-in-differences), and a gap of ``g`` log points is a relative effect
``exp(g) - 1``. ``"log"`` (log levels: the size must be matched too) and ``"index"`` (exports
divided by their pre-period mean, no logs; relative effect ``gap / synthetic``) are offered.

Weights and inference
---------------------
Weights minimise the pre-period squared error over the simplex (non-negative, summing to one),
every pre-period year weighted equally (no covariates: the outcome path is the predictor). They
are solved as a non-negative least-squares problem with a heavily weighted adding-up row, which
agrees with pysyncon's :class:`~pysyncon.Synth` (given the same V) to 1e-3 and is fast enough to
refit every placebo.

- **Placebo in space**: each donor in turn is treated as if it had been sanctioned and fitted
  from the other donors. Placebos whose pre-period RMSPE exceeds ``k`` times the treated's are
  set aside (Abadie et al. 2010 show k = 20, 5 and 2; the default is 5). The p-value is the rank of
  the treated's post/pre RMSPE ratio among the treated and the kept placebos, divided by their
  number: the smallest attainable value is ``1/(n+1)``.
- **Per-year effect and interval**: the gap of each post year, with the interval obtained by
  inverting the placebo test of that year's gap (Firpo and Possebom 2018, with a uniform
  assignment probability). Each gap is divided by its unit's pre-period RMSPE, the scaling of the
  ratio test: ``c`` is in the ``1 - alpha`` set when the treated's ``|gap - c| / pre-RMSPE`` is
  not among the ``alpha`` largest of the kept placebos' ``|gap| / pre-RMSPE``. The interval is
  therefore wider when the treated is fitted worse than the placebos (on raw gaps it was too
  narrow then: 68-84% coverage at 95% in simulations with a noisier or badly fitted treated).
  Interval and per-year p-value come from the same placebos, so the interval excludes zero
  exactly when ``p < alpha``. With
  fewer than ``1/alpha - 1`` kept placebos no interval is reported. Conformal intervals
  (Chernozhukov, Wuthrich and Zhu 2021) are not reported: with 12 annual pre-periods and one
  post period the smallest conformal p-value is 1/13 > 0.05, so no 95% conformal interval exists.
- **Leave one out**: every donor with positive weight is dropped in turn and the fit redone.
- **Augmented SC** (optional; Ben-Michael, Feller and Rothstein 2021, ridge outcome model, via
  pysyncon's :class:`~pysyncon.AugSynth`): a robustness row for the treated flow only (about
  20 s a fit, too slow for the placebos).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from sanctions_model.data import countries
from sanctions_model.data.donors import (
    DONOR_RULES,
    FUEL_DRIVEN,
    MIN_DONOR_EXPORTS,
    annual_donor_pool,
)
from sanctions_model.errors import ParameterError

from .._results import validate_alpha
from ..multiple import adjust_pvalues
from .caveats import design_caveats
from .results import (
    _POSITIVE,
    OUTCOMES,
    SyntheticControlFamily,
    SyntheticControlResults,
    _name,
    _relative,
)

__all__ = [
    "DEFAULT_TREATED",
    "FUEL_DRIVEN",
    "SyntheticControlFamily",
    "SyntheticControlResults",
    "annual_panel",
    "fit_synthetic_control",
    "fit_synthetic_controls",
]

Outcome = Literal["log_index", "log", "index"]
DonorRule = Literal["no_fuel", "size"]

DEFAULT_TREATED: tuple[str, ...] = ("RU", *countries.REROUTING_PARTNERS)


# ------------------------------------------------------------------------------------ the data
def annual_panel(trade: pd.DataFrame) -> pd.DataFrame:
    """Years x destinations table of values from a tidy trade frame (or a wide one, returned sorted).

    A tidy frame (``load_trade(source="eurostat_comext_annual")``) needs the columns ``partner``,
    ``period`` and ``value`` and one reporter, flow and product.
    """
    if not isinstance(trade, pd.DataFrame):
        raise ParameterError("trade must be a pandas DataFrame (tidy, or years x destinations)")
    if {"partner", "period", "value"} <= set(trade.columns):
        for col in ("reporter", "flow", "product"):
            if col in trade.columns and trade[col].nunique() > 1:
                raise ParameterError(
                    f"trade has several values in column {col!r} "
                    f"({sorted(map(str, trade[col].unique()))[:5]}); select one first"
                )
        dup = trade.duplicated(["partner", "period"])
        if dup.any():
            row = trade[dup].iloc[0]
            raise ParameterError(
                f"trade has duplicate rows for partner {row['partner']!r}, period {row['period']}"
            )
        wide = trade.pivot(index="period", columns="partner", values="value")
    else:
        wide = trade.copy()
    idx = wide.index
    years = idx.year if hasattr(idx, "year") else pd.Index(idx).astype(int)
    wide.index = pd.Index(np.asarray(years, dtype=int), name="year")
    wide.columns = pd.Index([str(c) for c in wide.columns], name="partner")
    return wide.sort_index().astype(float)


def _transform(values: pd.DataFrame, outcome: str, pre: np.ndarray) -> pd.DataFrame:
    if outcome == "log":
        return np.log(values)
    if outcome == "log_index":
        logs = np.log(values)
        return logs - logs[pre].mean()
    return values / values[pre].mean()


# ---------------------------------------------------------------------------- the estimator
def simplex_weights(target: np.ndarray, donors: np.ndarray) -> np.ndarray:
    """Weights ``w >= 0``, ``sum(w) = 1`` minimising ``||target - donors @ w||``.

    ``donors`` is (periods x donors). Solved as non-negative least squares with an adding-up row
    weighted far above the data, then renormalised (the row is satisfied to about 1e-6).
    """
    scale = 1e3 * max(1.0, float(np.abs(donors).max()), float(np.abs(target).max()))
    a = np.vstack([donors, np.full(donors.shape[1], scale)])
    b = np.append(target, scale)
    w, _ = nnls(a, b, maxiter=50 * a.shape[1])
    total = w.sum()
    if not np.isfinite(total) or total <= 0:
        return np.full(donors.shape[1], 1.0 / donors.shape[1])
    return w / total


def _fit(z: np.ndarray, unit: int, donors: np.ndarray, pre: np.ndarray) -> tuple[np.ndarray, ...]:
    """Weights and gap path of column ``unit`` of ``z`` (years x units) from columns ``donors``."""
    w = simplex_weights(z[pre, unit], z[pre][:, donors])
    gap = z[:, unit] - z[:, donors] @ w
    return w, gap


def _replacement(w: np.ndarray, codes: list[str], top: int = 3) -> str:
    """The donors that carry the refitted weights once one donor is dropped, largest first:
    ``Argentina 61%, Chile 30%, Peru 9%`` (and how many more)."""
    from sanctions_model.reporting.labels import place

    order = [i for i in np.argsort(-w) if w[i] > _POSITIVE]
    shown = ", ".join(f"{place(codes[i])} {w[i]:.0%}" for i in order[:top])
    more = len(order) - top
    return shown + (f" and {more} more" if more > 0 else "")


def _rmspe(gap: np.ndarray, mask: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gap[mask] ** 2)))


def _placebo_gaps(z: np.ndarray, pool: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """Gap paths (years x donors) of every donor fitted from the other donors."""
    out = np.empty((z.shape[0], pool.size))
    for i, j in enumerate(pool):
        out[:, i] = _fit(z, j, np.delete(pool, i), pre)[1]
    return out


# ------------------------------------------------------------------------------------ fitting
@dataclass(frozen=True, eq=False)
class _Design:
    """The prepared panel shared by the fits of one family (same donors, same placebos)."""

    z: pd.DataFrame  # years x units, outcome scale
    donors: tuple[str, ...]
    excluded: pd.DataFrame
    pre: np.ndarray
    outcome: str
    intervention: int
    placebo_gaps: pd.DataFrame
    donor_rule: str = "no_fuel"
    deflator: str = ""


def _real_terms(
    values: pd.DataFrame, trade: pd.DataFrame, *, real: bool, deflator: str | None
) -> tuple[pd.DataFrame, str]:
    """Values at 2021 prices (``real``) and the words for the deflator, or current prices.

    The currency is the ``currency`` column of a tidy frame (one value), else EUR (the annual
    Comext panel). A deflator common to every destination shifts every log value of a year by
    the same amount, so log and log-index gaps are unchanged by it (the weights sum to one);
    what changes is the size threshold of the donor pool (then in 2021 prices), the ``index``
    outcome and the levels a reader sees.
    """
    from sanctions_model.data import prices

    if not real:
        if deflator is not None:
            raise ParameterError("deflator is given but real=False; drop one of them")
        return values, "none: current prices"
    currency = "EUR"
    if "currency" in trade.columns:
        found = sorted(map(str, trade["currency"].dropna().unique()))
        if len(found) != 1:
            raise ParameterError(f"trade has several currencies in column 'currency' ({found})")
        currency = found[0]
    out = prices.deflate(values, currency, deflator=deflator)
    return out, prices.deflator_label(out.attrs["deflator"])


def _complete(values: pd.DataFrame) -> pd.Series:
    return values.notna().all() & (values > 0).all()


def _design(
    trade: pd.DataFrame,
    treated: Sequence[str],
    *,
    intervention: int,
    pre_start: int | None,
    end: int | None,
    outcome: str,
    donors: Iterable[str] | None,
    min_donor_exports: float,
    exclude: Iterable[str],
    donor_rule: str = "no_fuel",
    real: bool = True,
    deflator: str | None = None,
) -> _Design:
    if outcome not in OUTCOMES:
        raise ParameterError(f"outcome must be one of {sorted(OUTCOMES)}, got {outcome!r}")
    if donor_rule not in DONOR_RULES:
        raise ParameterError(f"donor_rule must be one of {sorted(DONOR_RULES)}, got {donor_rule!r}")
    values = annual_panel(trade)
    years = values.index
    lo = int(years.min()) if pre_start is None else int(pre_start)
    hi = int(years.max()) if end is None else int(end)
    values, deflated = _real_terms(values.loc[lo:hi], trade, real=real, deflator=deflator)
    intervention = int(intervention)
    pre = np.asarray(values.index < intervention)
    if pre.sum() < 3 or (~pre).sum() < 1:
        raise ParameterError(
            f"intervention {intervention} leaves {int(pre.sum())} pre-period and "
            f"{int((~pre).sum())} post-period years in {lo}-{hi}; need at least 3 and 1"
        )
    complete = _complete(values)
    for code in treated:
        if code not in values.columns:
            raise ParameterError(f"treated destination {code!r} is not in the panel")
        if not complete[code]:
            bad = values.index[~(values[code] > 0)].tolist()
            raise ParameterError(
                f"treated destination {code!r} has missing or zero exports in {bad}"
            )
    extra = set(exclude)
    if donors is None:
        # the one definition of annual donors, shared with the DiD and gravity of notebook 03
        # eligibility from pre-period data only; the fit itself needs every post year too
        pool, reasons = annual_donor_pool(
            values, pre, treated=treated, min_exports=min_donor_exports, exclude=extra,
            fuel_driven=donor_rule == "size",
        )  # fmt: skip
        window = f" of {lo}-{int(intervention) - 1}"
        reasons = {
            c: r + window if r.startswith("missing or zero exports") else r
            for c, r in reasons.items()
        }
        for code in [c for c in pool if not complete[c]]:
            pool.remove(code)
            reasons[code] = "eligible, but no exports recorded in some post-period year"
    else:
        pool = sorted(set(donors) - extra)
        for code in pool:
            if code in treated:
                raise ParameterError(f"donor {code!r} is also a treated destination")
            if code not in values.columns:
                raise ParameterError(f"donor {code!r} is not in the panel")
            if not complete[code]:
                raise ParameterError(f"donor {code!r} has missing or zero exports in {lo}-{hi}")
        reasons = {c: "not among the donors given" for c in values.columns if c not in pool}
    if len(pool) < 2:
        raise ParameterError(f"only {len(pool)} donor destination(s) left; need at least 2")
    units = list(dict.fromkeys([*treated, *pool]))
    z = _transform(values[units], outcome, pre)
    pool_idx = np.array([units.index(c) for c in pool])
    gaps = _placebo_gaps(z.to_numpy(), pool_idx, pre)
    excluded = pd.DataFrame(
        {"name": [_name(c) for c in reasons], "reason": list(reasons.values())},
        index=pd.Index(list(reasons), name="partner"),
    )
    return _Design(
        z=z,
        donors=tuple(pool),
        excluded=excluded,
        pre=pre,
        outcome=outcome,
        intervention=intervention,
        placebo_gaps=pd.DataFrame(gaps, index=z.index, columns=pool),
        donor_rule=donor_rule if donors is None else "given",
        deflator=deflated,
    )


def _augmented(design: _Design, treated: str) -> pd.DataFrame:
    """Ridge-augmented SC of pysyncon for the treated flow (lambda by its cross-validation)."""
    import contextlib
    import io

    from pysyncon import AugSynth, Dataprep

    z = design.z[[treated, *design.donors]]
    long = z.stack().rename("y").reset_index()
    long.columns = ["year", "unit", "y"]
    pre_years = list(z.index[design.pre])
    prep = Dataprep(
        foo=long,
        predictors=[],
        predictors_op="mean",
        dependent="y",
        unit_variable="unit",
        time_variable="year",
        treatment_identifier=treated,
        controls_identifier=list(design.donors),
        time_predictors_prior=pre_years,
        time_optimize_ssr=pre_years,
    )
    model = AugSynth()
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        model.fit(prep, use_covariates=False)
    z0, z1 = prep.make_outcome_mats(time_period=list(z.index))
    gap = model._gaps(Z0=z0, Z1=z1)
    synthetic = z1 - gap
    post = [y for y in z.index if y >= design.intervention]
    return pd.DataFrame(
        {
            "gap": gap[post].to_numpy(),
            "effect": _relative(gap[post].to_numpy(), synthetic[post].to_numpy(), design.outcome),
            "pre_rmspe": _rmspe(gap.to_numpy(), design.pre),
            "ridge_lambda": float(model.lambda_),
            "negative_weight": float(-np.clip(model.W, None, 0).sum()),
        },
        index=pd.Index(post, name="year"),
    )


def _fit_one(
    design: _Design,
    treated: str,
    *,
    k: float,
    alpha: float,
    leave_one_out: bool,
    augmented: bool,
) -> SyntheticControlResults:
    z = design.z
    arr = z.to_numpy()
    units = list(z.columns)
    pool = np.array([units.index(c) for c in design.donors])
    w, gap = _fit(arr, units.index(treated), pool, design.pre)
    pre, post = design.pre, ~design.pre
    pre_rmspe, post_rmspe = _rmspe(gap, pre), _rmspe(gap, post)
    pg = design.placebo_gaps.to_numpy()
    placebos = pd.DataFrame(
        {
            "pre_rmspe": np.sqrt(np.mean(pg[pre] ** 2, axis=0)),
            "post_rmspe": np.sqrt(np.mean(pg[post] ** 2, axis=0)),
        },
        index=pd.Index(design.donors, name="partner"),
    )
    with np.errstate(divide="ignore"):
        placebos["ratio"] = placebos["post_rmspe"] / placebos["pre_rmspe"]
        ratio = post_rmspe / pre_rmspe if pre_rmspe > 0 else np.inf
    placebos["kept"] = placebos["pre_rmspe"] <= k * pre_rmspe
    kept_ratios = placebos.loc[placebos["kept"], "ratio"].to_numpy()
    rank = 1 + int(np.sum(kept_ratios >= ratio))
    n = int(kept_ratios.size)
    weights = pd.Series(w, index=list(design.donors), name="weight")
    loo_rows = {}
    if leave_one_out:
        for code in weights.index[weights > _POSITIVE]:
            rest = np.array([units.index(c) for c in design.donors if c != code])
            w_rest, g = _fit(arr, units.index(treated), rest, pre)
            syn = arr[:, units.index(treated)] - g
            row = {"weight": float(weights[code]), "pre_rmspe": _rmspe(g, pre),
                   "replaced_by": _replacement(w_rest, [units[i] for i in rest])}  # fmt: skip
            for i in np.flatnonzero(post):
                row[f"effect_{int(z.index[i])}"] = float(_relative(g[i], syn[i], design.outcome))
            loo_rows[code] = row
    loo = pd.DataFrame.from_dict(loo_rows, orient="index")
    loo.index.name = "dropped"
    inference = (
        f"placebo-in-space inference over {n} donor destinations (Abadie, Diamond and Hainmueller "
        f"2010): rank of the post/pre RMSPE ratio among the treated and the placebos with "
        f"pre-RMSPE <= {k:g} x the treated's; per-year intervals invert the placebo test of that "
        "year's gap divided by the pre-RMSPE (Firpo and Possebom 2018)"
    )
    res = SyntheticControlResults(
        treated=treated,
        outcome=design.outcome,
        intervention=design.intervention,
        observed=z[treated].rename("observed"),
        synthetic=(z[treated] - gap).rename("synthetic"),
        weights=weights,
        pre_rmspe=pre_rmspe,
        post_rmspe=post_rmspe,
        placebos=placebos,
        placebo_gaps=design.placebo_gaps,
        k=float(k),
        alpha=alpha,
        rank=rank,
        n_placebos=n,
        p_value=rank / (n + 1),
        leave_one_out=loo,
        excluded=design.excluded,
        augmented=_augmented(design, treated) if augmented else None,
        inference=inference,
        caveats=(),
        donor_pool=DONOR_RULES.get(design.donor_rule, "donors given by the caller"),
        deflator=design.deflator,
    )
    object.__setattr__(res, "caveats", design_caveats(res, design))
    return res


def _check_k(k: float) -> float:
    k = float(k)
    if not k >= 1:
        raise ParameterError(f"k (the placebo pre-fit filter) must be at least 1, got {k}")
    return k


def fit_synthetic_control(
    trade: pd.DataFrame,
    treated: str = countries.TARGET,
    *,
    intervention: int = 2022,
    pre_start: int | None = None,
    end: int | None = None,
    outcome: Outcome = "log_index",
    donors: Iterable[str] | None = None,
    min_donor_exports: float = MIN_DONOR_EXPORTS,
    exclude: Iterable[str] = (),
    donor_rule: DonorRule = "no_fuel",
    real: bool = True,
    deflator: str | None = None,
    k: float = 5.0,
    alpha: float = 0.05,
    leave_one_out: bool = True,
    augmented: bool = False,
) -> SyntheticControlResults:
    """Synthetic control for exports to ``treated``, with placebo-in-space inference.

    Parameters
    ----------
    trade : DataFrame
        Annual exports of one reporter to many destinations: tidy (``partner``, ``period``,
        ``value``; e.g. ``load_trade(source="eurostat_comext_annual")``) or years x destinations.
    treated : str
        The treated destination.
    intervention : int
        First post-intervention year.
    pre_start, end : int, optional
        First and last year used (default: the whole panel).
    outcome : {"log_index", "log", "index"}
        Outcome scale (see the module notes); ``"log_index"`` by default.
    donors : iterable of str, optional
        Donor destinations. By default :func:`sanctions_model.data.donors.annual_donor_pool`
        (the one definition shared with notebook 03's DiD and gravity designs): the documented
        pool (no sanctioned, war-hit or hub destinations, no EU members, no non-market codes),
        without destinations with a missing or zero year, and without those whose exports were
        below ``min_donor_exports`` (EUR) in some pre-period year: small flows are lumpy (one
        ship, one aircraft) and a pool much larger than the pre-period invites interpolation.
    exclude : iterable of str
        Further destinations to leave out of the pool.
    donor_rule : {"no_fuel", "size"}
        Default pool only. ``"no_fuel"`` (default) also leaves out the fuel-driven destinations
        of :data:`sanctions_model.data.donors.FUEL_DRIVEN` (OPEC or GCC members in 2021 and
        Gibraltar, a rule fixed before 2022): with them, 87% of the weight for EU27 -> RU sat
        on donors whose imports rose with the 2022 energy prices. ``"size"`` keeps them (the
        robustness row).
    real : bool
        Deflate the values to 2021 prices first (default; ``deflator`` defaults to the shipped
        index of the values' currency, euro-area HICP for EUR). The log gaps are unchanged by a
        common deflator; the donor size threshold then applies in 2021 prices.
    deflator : str, optional
        A price index of :mod:`sanctions_model.data.prices` (``"hicp_ea"``, ...).
    k : float
        Placebos with pre-RMSPE above ``k`` times the treated's are left out of the rank.
    alpha : float
        1 - coverage of the per-year intervals.
    leave_one_out : bool
        Refit without each donor of positive weight.
    augmented : bool
        Also fit pysyncon's ridge-augmented SC for the treated flow (about 20 s).
    """
    alpha = validate_alpha(alpha)
    design = _design(
        trade,
        [treated],
        intervention=intervention,
        pre_start=pre_start,
        end=end,
        outcome=outcome,
        donors=donors,
        min_donor_exports=min_donor_exports,
        exclude=exclude,
        donor_rule=donor_rule,
        real=real,
        deflator=deflator,
    )
    return _fit_one(
        design,
        treated,
        k=_check_k(k),
        alpha=alpha,
        leave_one_out=leave_one_out,
        augmented=augmented,
    )


def fit_synthetic_controls(
    trade: pd.DataFrame,
    treated: Sequence[str] = DEFAULT_TREATED,
    *,
    method: Literal["bh", "holm", "bonferroni"] = "holm",
    primary: Iterable[str] = (),
    augmented: bool = False,
    **options: object,
) -> SyntheticControlFamily:
    """:func:`fit_synthetic_control` for each of ``treated`` (one donor pool, placebos fitted once).

    The placebo p-values are adjusted for the family "EU exports, synthetic-control placebo test,
    one per treated destination" with ``method`` (Holm by default: the family is small and each
    test is a headline). Destinations in ``primary`` (e.g. Russia, the primary hypothesis) are
    fitted against the same pool but tested on their own: they stay out of the adjusted family
    and their ``p_adjusted`` is their own p-value. Other keyword options as for
    :func:`fit_synthetic_control`.
    """
    treated = list(dict.fromkeys(treated))
    if not treated:
        raise ParameterError("treated must name at least one destination")
    primary = [c for c in dict.fromkeys(primary)]
    if set(primary) - set(treated):
        raise ParameterError(f"primary {sorted(set(primary) - set(treated))} not among treated")
    alpha = validate_alpha(float(options.pop("alpha", 0.05)))  # type: ignore[arg-type]
    k = _check_k(float(options.pop("k", 5.0)))  # type: ignore[arg-type]
    leave = bool(options.pop("leave_one_out", True))
    design_keys = (
        "intervention",
        "pre_start",
        "end",
        "outcome",
        "donors",
        "min_donor_exports",
        "exclude",
        "donor_rule",
        "real",
        "deflator",
    )
    unknown = set(options) - set(design_keys)
    if unknown:
        raise ParameterError(f"unknown option(s) {sorted(unknown)}")
    kw = {"intervention": 2022, "pre_start": None, "end": None, "outcome": "log_index",
          "donors": None, "min_donor_exports": MIN_DONOR_EXPORTS, "exclude": (),
          "donor_rule": "no_fuel", "real": True, "deflator": None} | options  # fmt: skip
    design = _design(trade, treated, **kw)  # type: ignore[arg-type]
    results = {
        code: _fit_one(design, code, k=k, alpha=alpha, leave_one_out=leave, augmented=augmented)
        for code in treated
    }
    members = [c for c in treated if c not in primary]
    family = (
        f"EU exports, synthetic-control placebo test (RMSPE ratio), one per treated destination: "
        f"{', '.join(members)}"
    )
    if primary:
        family += f" ({', '.join(primary)} tested on its own as the primary hypothesis)"
    parts = []
    if members:
        parts.append(
            adjust_pvalues({c: results[c].p_value for c in members}, family=family, method=method)
        )
    if primary:
        own = pd.DataFrame(
            {"p_value": [results[c].p_value for c in primary]},
            index=pd.Index(primary, name=parts[0].index.name if parts else None),
        )
        own["p_adjusted"] = own["p_value"]
        own["method"] = "none (primary hypothesis, tested on its own)"
        own["family"] = "primary hypothesis"
        own["family_size"] = 1
        parts.insert(0, own)
    adjusted = pd.concat(parts).reindex(treated)
    return SyntheticControlFamily(results=results, adjusted=adjusted, family=family)
