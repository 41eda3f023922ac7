"""How much a value-based headline depends on the deflator: one small table, and its simulations.

Trade values are deflated by a price index of their currency (:mod:`sanctions_model.data.prices`).
No shipped index is an export price index of the flows themselves (EUR: euro-area consumer
prices; USD: US consumer prices, or US export prices to 2023-11), so a headline in real terms
carries the gap between the index used and the prices of the goods traded. This module shows
that gap instead of hiding it:

:func:`deflator_sensitivity`
    The headline re-estimated under every shipped deflator of the values' currency, and in
    current prices: a tidy frame with one row per price basis (``estimate``, ``lower``,
    ``upper``, ``p_value``, the ``gap`` to the default deflator's estimate), plus indices the
    caller brings (a planted price path in a test, an index of one's own). A deflator that does
    not cover the periods gets a row that says so (``note``) instead of an error.
:func:`counterfactual_headline`
    The estimator of notebook 02 (:func:`~sanctions_model.models.estimate_counterfactual`,
    default options) as a callable for the table.
:func:`deflator_mismatch_check`
    Size and coverage of that counterfactual when the flows' true prices follow one path and the
    values are deflated by another (both shipped indices or planted paths): the simulations of
    ``docs/data.md``.

A deflator that is too low in the post-period (prices of the goods rose faster than the index)
leaves part of the price rise in the "real" values, so the estimated fall is too small; the
table's spread across deflators is the size of that risk for one headline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

__all__ = [
    "DeflatorCheck",
    "counterfactual_headline",
    "deflator_mismatch_check",
    "deflator_sensitivity",
    "sensitivity_record",
    "sensitivity_table",
    "shipped_deflators",
]

COLUMNS = (
    "price_basis",
    "deflator",
    "label",
    "default",
    "estimate",
    "lower",
    "upper",
    "p_value",
    "gap",
    "note",
    "p_bound",
)


def shipped_deflators(currency: str) -> tuple[str, ...]:
    """The shipped price indices of ``currency`` values, the default first."""
    from sanctions_model.data import prices

    cur = prices._check_currency(currency)
    default = prices.DEFAULT_DEFLATOR[cur]
    others = sorted(
        n for n, s in prices.PRICE_INDICES.items() if s.currency == cur and n != default
    )
    return (default, *others)


def _summary(result: Any) -> tuple[float, float, float, float]:
    """(estimate, lower, upper, p_value) of an estimator's result.

    A results object with ``headline()`` (the counterfactual) gives its rounded headline, the
    figures reports print; an object or mapping with ``estimate``/``lower``/``upper`` (and
    optionally ``p_value``) is read as it is; a number is an estimate without an interval.
    """
    if hasattr(result, "headline") and callable(result.headline):
        result = result.headline()
    if isinstance(result, (int, float, np.floating)) and not isinstance(result, bool):
        return float(result), np.nan, np.nan, np.nan
    get = result.get if isinstance(result, Mapping) else (lambda k: getattr(result, k, None))
    if get("estimate") is None:
        raise ParameterError(
            "estimator: expected it to return a number, a results object with headline(), or "
            f"an object with estimate, lower and upper; got {type(result).__name__}"
        )
    vals = [get(k) for k in ("estimate", "lower", "upper", "p_value")]
    return tuple(np.nan if v is None else float(v) for v in vals)  # type: ignore[return-value]


def _own_index(name: str, index: pd.Series, values: pd.Series, base: int) -> pd.Series:
    """A caller's monthly price index, base-year mean 1, aligned to the periods of ``values``
    (monthly, or annual means of full years for annual values, as :func:`prices.deflate` does)."""
    from sanctions_model.data import prices

    if not isinstance(index, pd.Series) or not isinstance(index.index, pd.PeriodIndex):
        raise ParameterError(
            f"indices[{name!r}]: expected a Series on a monthly PeriodIndex, got "
            f"{type(index).__name__}"
        )
    if index.index.freqstr.split("-")[0] != "M":
        raise ParameterError(
            f"indices[{name!r}]: expected a monthly index, got {index.index.freqstr}"
        )
    in_base = index[index.index.year == base].dropna()
    if len(in_base) != 12:
        raise ParameterError(
            f"indices[{name!r}]: has {len(in_base)} of the 12 months of the base year {base}"
        )
    if (index.dropna() <= 0).any():
        raise ParameterError(f"indices[{name!r}]: price indices must be positive")
    full = pd.period_range(index.index.min(), index.index.max(), freq="M")
    rebased = (index / in_base.mean()).reindex(full)
    return prices._align(values, rebased, f"indices[{name!r}]")


def deflator_sensitivity(
    values: pd.Series,
    estimator: Callable[[pd.Series], Any],
    *,
    currency: str | None = None,
    deflators: Sequence[str] | None = None,
    indices: Mapping[str, pd.Series] | None = None,
    stress: float | None = None,
    nominal: bool = True,
    base: int = 2021,
) -> pd.DataFrame:
    """A headline under each deflator of its currency, and in current prices.

    Parameters
    ----------
    values : pandas.Series
        The flow in current prices, in units of its currency (``models.load_flow(...,
        real=False)``), on a monthly or annual PeriodIndex.
    estimator : callable
        Takes the (deflated or nominal) series and returns the headline: a results object with
        ``headline()`` (e.g. :func:`counterfactual_headline`), an object or mapping with
        ``estimate``, ``lower``, ``upper`` (and ``p_value``), or a number.
    currency : str, optional
        ``"EUR"`` or ``"USD"``; default ``values.attrs["currency"]``.
    deflators : sequence of str, optional
        Shipped indices to use (default: every shipped index of the currency,
        :func:`shipped_deflators`, the default first).
    indices : mapping of str to Series, optional
        Further price indices (monthly PeriodIndex), each rebased so the base year averages 1:
        a planted price path, an index of one's own. Named by their keys.
    stress : float, optional
        Add a hypothetical row: the default deflator with its log change since the base year
        multiplied by ``stress`` (2: prices of the goods rose twice as much as the index, the
        review's case of a deflator that misses half the rise). Labelled hypothetical; a bound
        for a currency with one shipped index, not data.
    nominal : bool
        Add the current-prices row.
    base : int
        Base year of the real values.

    Returns
    -------
    pandas.DataFrame
        One row per price basis, columns ``price_basis`` ("real" or "nominal"), ``deflator``
        (the index's name; None for nominal), ``label`` (plain words), ``default`` (the
        currency's default deflator), ``estimate``, ``lower``, ``upper``, ``p_value``, ``gap``
        (estimate minus the default's, or minus the first real row's when the default is not
        among them) and ``note`` (why a row is empty: a deflator that does not cover the
        periods). ``attrs["spread"]`` is the largest minus the smallest real-terms estimate.

    Raises
    ------
    ParameterError
        ``values`` not a Series or already deflated, an unknown currency or deflator, a deflator
        of another currency, an index of one's own that does not cover the values.
    """
    from sanctions_model.data import prices

    if not isinstance(values, pd.Series):
        raise ParameterError(f"values: expected a pandas Series, got {type(values).__name__}")
    if values.attrs.get("real"):
        raise ParameterError(
            "values: already deflated (attrs['real'] is True); pass the flow in current prices "
            "(models.load_flow(..., real=False))"
        )
    if not callable(estimator):
        raise ParameterError("estimator: expected a callable taking a Series")
    cur = currency if currency is not None else values.attrs.get("currency")
    if cur is None:
        raise ParameterError("currency: not given and values.attrs has no 'currency'")
    cur = prices._check_currency(cur)
    names = tuple(deflators) if deflators is not None else shipped_deflators(cur)
    for name in names:
        spec = prices._check_name(name)
        if spec.currency != cur:
            raise ParameterError(
                f"deflators: {name!r} is a price index of {spec.currency} values; the values "
                f"are in {cur}"
            )
    own = {str(k): _own_index(str(k), v, values, base) for k, v in (indices or {}).items()}
    hypothetical: dict[str, str] = {}
    if stress is not None:
        if isinstance(stress, bool) or not isinstance(stress, (int, float)) or not stress > 0:
            raise ParameterError(f"stress={stress!r}: expected a positive number, e.g. 2")
        default = prices.DEFAULT_DEFLATOR[cur]
        name = f"{default}_x{stress:g}"
        index = (prices.price_index(default, "M", base=base) / 100.0) ** float(stress)
        try:
            own[name] = _own_index(name, index, values, base)
        except ParameterError as err:  # periods the default does not cover: the row says so
            own[name] = pd.Series(np.nan, index=values.index)
            hypothetical[name + " note"] = str(err)
        hypothetical[name] = (
            f"hypothetical: {prices.deflator_label(default, base=base)} with its change since "
            f"{base} times {stress:g}"
        )
    clash = set(own) & set(names)
    if clash:
        raise ParameterError(f"indices: {sorted(clash)} also name shipped deflators")

    rows: list[dict[str, Any]] = []
    levels: list[float | None] = []

    def add(basis: str, name: str | None, label: str, series: pd.Series | None, note: str = ""):
        est = lo = hi = p = np.nan
        bound = False
        if series is not None:
            result = estimator(series)
            est, lo, hi, p = _summary(result)
            if hasattr(result, "headline") and callable(result.headline):
                bound = bool(getattr(result.headline(), "p_bound", False))
            levels.append(_alpha(result))
        rows.append(
            {"price_basis": basis, "deflator": name, "label": label,
             "default": name == prices.DEFAULT_DEFLATOR[cur], "estimate": est, "lower": lo,
             "upper": hi, "p_value": p, "note": note, "p_bound": bound}
        )  # fmt: skip

    for name in names:
        label = prices.deflator_label(name, base=base)
        try:
            real = prices.deflate(values, cur, deflator=name, base=base)
        except ParameterError as err:  # periods the index does not cover: a row that says so
            add("real", name, label, None, note=str(err))
            continue
        add("real", name, label, real)
    for name, factor in own.items():
        label = hypothetical.get(name, f"{name} (supplied), {base} = 100")
        if factor.isna().all():
            add("real", name, label, None, note=hypothetical.get(name + " note", ""))
            continue
        real = values / factor
        real.attrs = {**values.attrs, "real": True, "deflator": name, "base": base}
        add("real", name, label, real)
    if nominal:
        add("nominal", None, f"current prices ({cur}, nominal)", values)

    frame = pd.DataFrame(rows)
    real_rows = frame[frame["price_basis"] == "real"]
    ref = real_rows[real_rows["default"]]["estimate"]
    ref = ref if len(ref) else real_rows["estimate"].head(1)
    frame["gap"] = frame["estimate"] - (float(ref.iloc[0]) if len(ref) else np.nan)
    frame = frame[list(COLUMNS)]
    frame["deflator"] = frame["deflator"].astype(object).where(frame["deflator"].notna(), None)
    est = real_rows["estimate"].dropna()
    frame.attrs = {
        "currency": cur,
        "base": base,
        "spread": float(est.max() - est.min()) if len(est) else np.nan,
        "alpha": fmt.shared_alpha(levels),
    }
    return frame


def _alpha(result: Any) -> float | None:
    """The ``alpha`` of an estimator's interval (its headline's, its own or its mapping's);
    None when it does not say."""
    if hasattr(result, "headline") and callable(result.headline):
        result = result.headline()
    value = result.get("alpha") if isinstance(result, Mapping) else getattr(result, "alpha", None)
    number = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
    return float(value) if number and 0 < value < 1 else None


def counterfactual_headline(
    intervention: Any, *, known: Mapping[str, Any] | None = None, **options: Any
) -> Callable[[pd.Series], Any]:
    """Notebook 02's estimator for :func:`deflator_sensitivity`: the counterfactual of a series
    with the given options (default: the notebook's defaults but its draws), labelled with the
    series' unit.

    ``known`` holds fits already made, keyed by the deflator's name (a deflated series'
    ``attrs["deflator"]``) or ``"nominal"``: they are returned instead of fitted again (notebook
    02 passes its headline and its nominal row, so only the other rows cost a fit). Controls in
    ``options`` are used as given (notebook 02's are deflated by the default index).
    """
    from sanctions_model.models.counterfactual import estimate_counterfactual

    reuse = {k: v for k, v in (known or {}).items() if v is not None}

    def run(y: pd.Series) -> Any:
        key = y.attrs.get("deflator") if y.attrs.get("real") else "nominal"
        if key in reuse:
            return reuse[key]
        units = y.attrs.get("unit") or y.attrs.get("currency") or "EUR"
        return estimate_counterfactual(y, intervention, units=units, **options)

    return run


def sensitivity_table(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`deflator_sensitivity`'s rows for readers: price basis in words, the effect with its
    interval and p-value as the headline prints them, and the gap to the default in percentage
    points (the figures are the rounded headlines, so no digit moves with the seed)."""
    out = pd.DataFrame(index=pd.Index(frame["label"], name="price basis"))

    def cell(v: float) -> str:
        return fmt.pct(v) if np.isfinite(v) else fmt.MISSING

    out["effect"] = [cell(v) for v in frame["estimate"]]
    out[fmt.interval_label(frame.attrs.get("alpha"))] = [
        f"{cell(lo)} to {cell(hi)}" if np.isfinite(lo) and np.isfinite(hi) else fmt.MISSING
        for lo, hi in zip(frame["lower"], frame["upper"], strict=True)
    ]
    out["p"] = [
        fmt.pvalue(p, upper_bound=bool(b)) if np.isfinite(p) else fmt.MISSING
        for p, b in zip(frame["p_value"], frame["p_bound"], strict=True)
    ]
    out["gap to the default"] = [
        "" if d or not np.isfinite(g) else f"{100 * g:+.0f} pp"
        for d, g in zip(frame["default"], frame["gap"], strict=True)
    ]
    out["note"] = list(frame["note"].fillna(""))
    return out


def sensitivity_record(frame: pd.DataFrame) -> dict[str, Any]:
    """The table for ``results.json``: one entry per row (label, deflator, estimate, interval,
    p-value, gap, note) and the spread of the real-terms estimates."""
    rows = []
    for r in frame.to_dict("records"):
        rows.append(
            {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()}
        )
    spread = frame.attrs.get("spread", np.nan)
    return {"rows": rows, "spread": float(spread) if np.isfinite(spread) else None}


# -- simulations: the counterfactual when the deflator is not the flows' own price index ----------


@dataclass(frozen=True)
class DeflatorCheck:
    """Size (no effect) or coverage (planted effect) of the counterfactual over ``n`` series.

    ``hits`` counts intervals that cover the true (real) effect, ``rejections`` p-values below
    ``alpha``; ``bias`` is the mean of estimate minus truth, ``gap`` the mean log gap between the
    true prices and the deflator over the post-period (positive: the deflator rose less).
    """

    n: int
    effect: float
    hits: int
    rejections: int
    bias: float
    gap: float
    alpha: float

    @property
    def coverage(self) -> float:
        return self.hits / self.n

    @property
    def size(self) -> float:
        """Share of rejections (the size of the test when ``effect`` is 0)."""
        return self.rejections / self.n


def _path(path: str | pd.Series, index: pd.PeriodIndex, base: int) -> pd.Series:
    from sanctions_model.data import prices

    if isinstance(path, str):
        full = prices.price_index(path, "M", base=base) / 100.0
    else:
        full = path
    aligned = full.reindex(index)
    if aligned.isna().any():
        gap = aligned.index[aligned.isna().to_numpy()]
        raise ParameterError(
            f"price path {path if isinstance(path, str) else 'supplied'}: no value for "
            f"{len(gap)} month(s) of the simulation, first {gap[0]}"
        )
    return aligned.astype(float)


def deflator_mismatch_check(
    true_prices: str | pd.Series,
    deflator: str | pd.Series,
    *,
    n_series: int = 40,
    effect: float = -0.4,
    start: str = "2019-01",
    end: str = "2024-08",
    intervention: str = "2022-03",
    seed: int = 19,
    alpha: float = 0.05,
    base: int = 2021,
    **options: Any,
) -> DeflatorCheck:
    """Simulate flows whose prices follow ``true_prices``, deflate them by ``deflator`` and count
    how often notebook 02's counterfactual covers the true real effect (or rejects under none).

    The real flows are :func:`~sanctions_model.models.simulate_monthly_flows` (drift, random-walk
    level, seasonality, AR(1) noise; a real step ``effect`` from ``intervention``); their values in
    current prices are the real flows times ``true_prices``; the estimate is made on those values
    divided by ``deflator``. Either price path is a shipped index name or a monthly Series; both
    must cover ``start`` to ``end``. ``options`` go to
    :func:`~sanctions_model.models.estimate_counterfactual` (default: its defaults).
    """
    from sanctions_model.models.counterfactual import estimate_counterfactual
    from sanctions_model.simulate.monthly import FlowDesign, simulate_monthly_flows

    index = pd.period_range(start, end, freq="M")
    t0 = pd.Period(intervention, "M")
    if t0 not in index:
        raise ParameterError(f"intervention={intervention}: outside {start} to {end}")
    true_p = _path(true_prices, index, base)
    defl = _path(deflator, index, base)
    design = FlowDesign(n_periods=len(index), effect_month=int(index.get_loc(t0)))
    obs, cf = simulate_monthly_flows(n_series, effect=effect, design=design, start=start, seed=seed)
    ratio = (true_p / defl).to_numpy()
    gap = float(np.mean(np.log(ratio[index >= t0])))
    hits = rejections = 0
    errors: list[float] = []
    for i, col in enumerate(obs.columns):
        truth = float(np.mean(obs[col].loc[t0:] / cf[col].loc[t0:] - 1))
        y = obs[col] * ratio  # values in current prices divided by the deflator
        s = estimate_counterfactual(y, t0, seed=i, alpha=alpha, **options).effect_summary()
        hits += bool(s.lower <= truth <= s.upper)
        rejections += bool(s.p_value < alpha)
        errors.append(s.estimate - truth)
    return DeflatorCheck(
        n=n_series,
        effect=effect,
        hits=hits,
        rejections=rejections,
        bias=float(np.mean(errors)),
        gap=gap,
        alpha=alpha,
    )
