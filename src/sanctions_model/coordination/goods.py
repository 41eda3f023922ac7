"""Restricted goods: did exports of goods listed under Regulation 833/2014 rise more than all goods?

For each member state ``r``, with ``R_t`` its exports of restricted goods (the Reg. 833/2014
annex list, product ``REG833_ANNEX``) to the partners ``P`` in month ``t`` and ``T_t`` its
exports of all goods (product ``TOTAL``) to the same partners, the log difference-in-differences
is

``DiD_r = [mean_post log R - mean_pre log R] - [mean_post log T - mean_pre log T]``
``      = mean_post d_t - mean_pre d_t``,  with ``d_t = log(R_t / T_t)``,

the change in the log share of restricted goods in exports to the partners (pre =
2020-01..2022-02, post = 2022-03..2022-12 by default). It is estimated by OLS of ``d_t`` on a
constant and a post dummy with Newey-West (HAC, ``maxlags`` lags) standard errors; ``DiD_r > 0``
means restricted goods to the partners grew faster than trade as a whole: a sign of
re-routing. ``expm1(DiD_r)`` is the relative change of the restricted share.

The pooled version stacks all member states and partners, ``log X_{r,g,p,t} = a_{r,g,p} +
b_{r,p,t} + delta * restricted_g * post_t``, with reporter-good-partner and reporter-partner-month
fixed effects (pyfixest), standard errors clustered by reporter. Run with ``partners=("RU",)``
for the contrast: restricted goods to Russia should fall relative to all goods.

Months in which either series is zero or missing are dropped for that reporter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sanctions_model.coordination._display import SummaryDisplayMixin, require_columns
from sanctions_model.coordination.units import in_currency_units
from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["RestrictedGoodsDiD", "restricted_goods_did", "RESTRICTED_PRODUCT"]

RESTRICTED_PRODUCT = "REG833_ANNEX"
_DEFAULT_PARTNERS = ("AM", "GE", "KZ", "KG", "UZ")


@dataclass(frozen=True, repr=False, eq=False)
class RestrictedGoodsDiD(SummaryDisplayMixin):
    """Result of :func:`restricted_goods_did` (read-only).

    Attributes
    ----------
    by_reporter : pandas.DataFrame
        Indexed by reporter: ``did`` (log points), ``se``, ``lower``, ``upper``, ``p``,
        ``relative`` (``expm1(did)``), ``share_pre`` and ``share_post`` (mean share of restricted
        goods in exports to the partners), ``n_pre``, ``n_post``; sorted by ``did``.
    pooled : pandas.Series
        ``estimate``, ``se``, ``lower``, ``upper``, ``p``, ``nobs`` of the stacked regression.
    series : pandas.DataFrame
        Monthly ``restricted``, ``total`` and ``log_share`` per reporter (the data behind the
        estimates).
    skipped : pandas.DataFrame
    partners : tuple of str
    pre, post : (Period, Period)
    alpha : float
    """

    by_reporter: pd.DataFrame
    pooled: pd.Series
    series: pd.DataFrame
    skipped: pd.DataFrame
    partners: tuple[str, ...]
    pre: tuple[pd.Period, pd.Period]
    post: tuple[pd.Period, pd.Period]
    alpha: float = 0.05

    def to_frame(self) -> pd.DataFrame:
        return self.by_reporter.copy()

    def summary(self) -> str:
        p = self.pooled
        lines = [
            f"Restricted goods (Reg. 833/2014) vs all goods, exports to {', '.join(self.partners)}; "
            f"pre {self.pre[0]}..{self.pre[1]}, post {self.post[0]}..{self.post[1]}",
            "",
            f"pooled DiD {p['estimate']:+.3f} log points [{p['lower']:+.3f}, {p['upper']:+.3f}] "
            f"({np.expm1(p['estimate']):+.0%})",
        ]
        for r, row in self.by_reporter.sort_values("did", ascending=False).iterrows():
            lines.append(
                f"{r:<4} {row['did']:+.3f} [{row['lower']:+.3f}, {row['upper']:+.3f}] "
                f"share {row['share_pre']:.1%} -> {row['share_post']:.1%}"
            )
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Member states ranked by their DiD, with intervals and the pooled estimate."""
        import matplotlib.pyplot as plt

        f = self.by_reporter.sort_values("did")
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.28 * len(f) + 1.5))
        y = np.arange(len(f))
        err = np.vstack([f["did"] - f["lower"], f["upper"] - f["did"]])
        ax.errorbar(f["did"], y, xerr=err, fmt="o", ecolor="0.6", capsize=2)
        ax.axvline(0, color="0.4", lw=0.8)
        ax.axvline(self.pooled["estimate"], color="C3", lw=1, ls="--", label="pooled")
        ax.set_yticks(y, f.index)
        ax.set_xlabel("DiD, log points: restricted goods minus all goods, post minus pre")
        ax.set_title(f"Restricted goods to {', '.join(self.partners)} ({fmt.level(self.alpha)} CI)")
        ax.legend(frameon=False, fontsize=8)
        return ax


def _load_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    from sanctions_model.data import load_trade

    restricted = load_trade("eu_sanctioned_exports")
    total = load_trade("eurostat_xlsx", flow="export", product="TOTAL")
    return restricted, total


def _prep(frame: pd.DataFrame, product: str | None, what: str) -> pd.DataFrame:
    require_columns(frame, ["reporter", "partner", "period", "value"], what)
    f = frame
    if "flow" in f.columns:
        f = f[f["flow"] == "export"]
    if product is not None and "product" in f.columns:
        f = f[f["product"] == product]
    if f.empty:
        raise ParameterError(f"{what}: no export rows for product {product!r}")
    f = in_currency_units(f, what)  # value * unit_scale, one currency
    if not isinstance(f["period"].dtype, pd.PeriodDtype):
        f["period"] = pd.PeriodIndex(f["period"], freq="M")
    return f


def restricted_goods_did(
    restricted: pd.DataFrame | None = None,
    total: pd.DataFrame | None = None,
    *,
    partners: Sequence[str] = _DEFAULT_PARTNERS,
    reporters: Sequence[str] | None = None,
    pre: tuple[Any, Any] = ("2020-01", "2022-02"),
    post: tuple[Any, Any] = ("2022-03", "2022-12"),
    alpha: float = 0.05,
    maxlags: int = 3,
    min_months: tuple[int, int] = (12, 4),
) -> RestrictedGoodsDiD:
    """Log difference-in-differences of restricted vs all goods exports, by member state.

    Parameters
    ----------
    restricted : pandas.DataFrame, optional
        Exports of restricted goods (``product == "REG833_ANNEX"``); default
        ``load_trade("eu_sanctioned_exports")``.
    total : pandas.DataFrame, optional
        Exports of all goods (``product == "TOTAL"``); default ``load_trade("eurostat_xlsx")``.
    partners : sequence of str
        Destinations pooled into one flow per reporter (default the re-routing partners).
    reporters : sequence of str, optional
        Default: every reporter present in both inputs.
    pre, post : (start, end)
        Months before and after the 2022 sanctions.
    alpha : float
    maxlags : int
        Newey-West lags of the per-reporter standard errors.
    min_months : (int, int)
        Minimum usable pre and post months for a reporter to be estimated.

    Returns
    -------
    RestrictedGoodsDiD
    """
    import statsmodels.api as sm

    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be in (0, 1), got {alpha}")
    if restricted is None or total is None:
        r_default, t_default = _load_inputs()
        restricted = r_default if restricted is None else restricted
        total = t_default if total is None else total
    rx = _prep(restricted, RESTRICTED_PRODUCT, "restricted")
    tx = _prep(total, "TOTAL", "total")
    if rx.attrs["currency"] != tx.attrs["currency"]:
        raise ParameterError(
            f"restricted goods are in {rx.attrs['currency']}, all goods in "
            f"{tx.attrs['currency']}: the share needs one currency"
        )
    pre_p = (pd.Period(pre[0], "M"), pd.Period(pre[1], "M"))
    post_p = (pd.Period(post[0], "M"), pd.Period(post[1], "M"))
    if not pre_p[0] <= pre_p[1] < post_p[0] <= post_p[1]:
        raise ParameterError(f"pre {pre} must end before post {post} starts")
    partners = tuple(partners)
    reps = (
        list(reporters)
        if reporters is not None
        else sorted(set(rx["reporter"]) & set(tx["reporter"]))
    )

    def _sum(f: pd.DataFrame) -> pd.DataFrame:
        f = f[f["partner"].isin(partners) & f["reporter"].isin(reps)]
        return f.groupby(["reporter", "period"])["value"].sum()

    both = pd.concat({"restricted": _sum(rx), "total": _sum(tx)}, axis=1).reset_index()
    in_pre = (both["period"] >= pre_p[0]) & (both["period"] <= pre_p[1])
    in_post = (both["period"] >= post_p[0]) & (both["period"] <= post_p[1])
    both = both[(in_pre | in_post)]
    both = both[(both["restricted"] > 0) & (both["total"] > 0)].copy()
    both["post"] = (both["period"] >= post_p[0]).astype(int)
    both["log_share"] = np.log(both["restricted"] / both["total"])
    both = both.sort_values(["reporter", "period"]).reset_index(drop=True)

    rows, skipped = [], []
    for r in reps:
        g = both[both["reporter"] == r]
        n_pre, n_post = int((g["post"] == 0).sum()), int((g["post"] == 1).sum())
        if n_pre < min_months[0] or n_post < min_months[1]:
            skipped.append((r, f"{n_pre} pre / {n_post} post months with both flows"))
            continue
        X = sm.add_constant(g["post"].to_numpy(dtype=float))
        fit = sm.OLS(g["log_share"].to_numpy(), X).fit(
            cov_type="HAC", cov_kwds={"maxlags": maxlags}
        )
        lo, hi = fit.conf_int(alpha)[1]
        share = g.groupby("post").apply(lambda x: (x["restricted"] / x["total"]).mean())
        rows.append(
            {
                "reporter": r,
                "did": fit.params[1],
                "se": fit.bse[1],
                "lower": lo,
                "upper": hi,
                "p": fit.pvalues[1],
                "relative": np.expm1(fit.params[1]),
                "share_pre": share.get(0, np.nan),
                "share_post": share.get(1, np.nan),
                "n_pre": n_pre,
                "n_post": n_post,
            }
        )
    if not rows:
        raise ParameterError("no reporter has enough months with both flows")
    by_rep = pd.DataFrame(rows).set_index("reporter").sort_values("did", ascending=False)
    pooled = _pooled(rx, tx, reps, partners, pre_p, post_p, alpha)
    return RestrictedGoodsDiD(
        by_reporter=by_rep,
        pooled=pooled,
        series=both,
        skipped=pd.DataFrame(skipped, columns=["reporter", "reason"]),
        partners=partners,
        pre=pre_p,
        post=post_p,
        alpha=alpha,
    )


def _pooled(
    rx: pd.DataFrame,
    tx: pd.DataFrame,
    reps: list[str],
    partners: tuple[str, ...],
    pre_p: tuple[pd.Period, pd.Period],
    post_p: tuple[pd.Period, pd.Period],
    alpha: float,
) -> pd.Series:
    import pyfixest as pf

    parts = []
    for good, f in (("restricted", rx), ("total", tx)):
        f = f[f["partner"].isin(partners) & f["reporter"].isin(reps)]
        f = f[(f["period"] >= pre_p[0]) & (f["period"] <= post_p[1])]
        f = f[(f["period"] <= pre_p[1]) | (f["period"] >= post_p[0])]
        f = f.groupby(["reporter", "partner", "period"], as_index=False)["value"].sum()
        parts.append(f.assign(good=good))
    d = pd.concat(parts, ignore_index=True)
    d = d[d["value"] > 0].copy()
    d["log_value"] = np.log(d["value"])
    d["treat"] = ((d["good"] == "restricted") & (d["period"] >= post_p[0])).astype(float)
    d["rgp"] = d["reporter"] + "_" + d["good"] + "_" + d["partner"]
    d["rpt"] = d["reporter"] + "_" + d["partner"] + "_" + d["period"].astype(str)
    fit = pf.feols(
        "log_value ~ treat | rgp + rpt", data=d.reset_index(drop=True), vcov={"CRV1": "reporter"}
    )
    t = fit.tidy(alpha=alpha).iloc[0]
    return pd.Series(
        {
            "estimate": t["Estimate"],
            "se": t["Std. Error"],
            "lower": t.iloc[4],
            "upper": t.iloc[5],
            "p": t["Pr(>|t|)"],
            "nobs": int(fit._N),
        },
        name="restricted x post",
    )
