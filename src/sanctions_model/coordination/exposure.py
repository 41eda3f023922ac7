"""Pre-war exposure to Russia and the rise in exports to the partners (panel event study).

Split from :mod:`.rerouting` (which re-exports these names).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from sanctions_model._results import validate_alpha as _validate_alpha
from sanctions_model.coordination._display import SummaryDisplayMixin
from sanctions_model.coordination.rerouting import (
    DEFAULT_PARTNERS,
    _default_reporters,
    _export_panel,
)
from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ExposureEventStudy", "exposure_event_study", "pre_war_exposure"]


# --------------------------------------------------------------------------------------------
# panel: exposure intensity


def pre_war_exposure(
    trade: pd.DataFrame | None = None,
    *,
    target: str = "RU",
    partners: Sequence[str] = DEFAULT_PARTNERS,
    base: tuple[Any, Any] = ("2021-01", "2021-12"),
    denominator: pd.Series | None = None,
) -> pd.Series:
    """Each reporter's pre-war exposure to the target: its share in the reporter's exports.

    ``exposure_r = X_{r,target} / D_r`` over the base months, where ``D_r`` is ``denominator``
    (e.g. total extra-EU exports, when fetched) or, by default, exports to the target plus the
    partners (the only destinations in the embedded monthly data): the share of Russia in the
    reporter's trade with the region.

    Parameters
    ----------
    base : (start, end)
        Base months, e.g. ``("2021-01", "2021-12")`` or ``("2019-01", "2021-12")``.
    denominator : Series indexed by reporter, optional
        Total exports of each reporter over the same base months.
    """
    t = _export_panel(trade)
    b0, b1 = pd.Period(base[0], "M"), pd.Period(base[1], "M")
    t = t[(t["period"] >= b0) & (t["period"] <= b1)]
    num = t[t["partner"] == target].groupby("reporter")["value"].sum()
    if denominator is None:
        den = t[t["partner"].isin([target, *partners])].groupby("reporter")["value"].sum()
    else:
        den = denominator.astype(float)
    out = (num / den).dropna().rename("exposure")
    out.index.name = "reporter"
    return out


@dataclass(frozen=True, repr=False, eq=False)
class ExposureEventStudy(SummaryDisplayMixin):
    """Result of :func:`exposure_event_study` (read-only).

    Attributes
    ----------
    coefficients : pandas.DataFrame
        One row per event time ``rel`` (periods relative to the event period; the reference
        period has estimate 0 and no interval): ``period``, ``estimate``, ``se``, ``lower``,
        ``upper``, ``p``.
    pooled : pandas.Series
        ``estimate``, ``se``, ``lower``, ``upper``, ``p`` of ``exposure x post``.
    exposure : pandas.Series
    nobs : int
    formula : str
    alpha : float
    """

    coefficients: pd.DataFrame
    pooled: pd.Series
    exposure: pd.Series
    nobs: int
    formula: str
    alpha: float = 0.05

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients.copy()

    def summary(self) -> str:
        p = self.pooled
        return (
            f"Exposure event study ({self.nobs} obs; {self.formula}):\n\n"
            f"exposure x post = {p['estimate']:.3f} (se {p['se']:.3f}, "
            f"[{p['lower']:.3f}, {p['upper']:.3f}], p = {p['p']:.3f}): a reporter with all of its "
            f"base-period exports to the region going to Russia (exposure 1) versus none raised its "
            f"exports to the partners by {np.expm1(p['estimate']):.0%} more after the event"
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Dynamic coefficients with intervals; the reference period at zero."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 4))
        c = self.coefficients
        ax.errorbar(
            c["rel"],
            c["estimate"],
            yerr=np.vstack([c["estimate"] - c["lower"], c["upper"] - c["estimate"]]),
            fmt="o-",
            capsize=2,
        )
        ax.axhline(0, color="0.4", lw=0.8)
        ax.axvline(-0.5, color="C3", lw=0.8, ls="--")
        ax.set_xlabel("periods relative to the event")
        ax.set_ylabel("effect of exposure on log exports to partners")
        ax.set_title(
            f"Pre-war exposure to Russia and exports to the partners ({fmt.level(self.alpha)} CI)"
        )
        return ax


def exposure_event_study(
    trade: pd.DataFrame | None = None,
    *,
    exposure: pd.Series | None = None,
    reporters: Sequence[str] | None = None,
    target: str = "RU",
    partners: Sequence[str] = DEFAULT_PARTNERS,
    event: Any = "2022-03",
    freq: Literal["M", "Q"] = "Q",
    ref: int = -1,
    base: tuple[Any, Any] = ("2021-01", "2021-12"),
    alpha: float = 0.05,
) -> ExposureEventStudy:
    """Does pre-war exposure to Russia predict the post-2022 rise in exports to the partners?

    Estimates, on the reporter x partner x period panel of exports to the partners (log values;
    zero or missing cells dropped),

    ``log X_rpt = sum_{k != ref} b_k * 1[t - t0 = k] * exposure_r + a_rp + g_pt + e_rpt``

    with pair (reporter-partner) and partner-period fixed effects, and the pooled version
    ``b * post_t * exposure_r``, standard errors clustered by reporter (pyfixest). ``b_k > 0``
    after the event means more exposed reporters raised exports to the partners more.

    Parameters
    ----------
    trade : pandas.DataFrame, optional
        Tidy trade frame; default the embedded Comext exports.
    exposure : Series indexed by reporter, optional
        Default :func:`pre_war_exposure` over ``base``.
    reporters : sequence of str, optional
        Default: the EU member states present.
    event : month
        First post-event month; with ``freq="Q"`` its quarter is event time 0.
    freq : {"M", "Q"}
        Months or quarters (values summed within the quarter).
    ref : int
        Reference event time (omitted).
    alpha : float
    """
    import pyfixest as pf

    alpha = _validate_alpha(alpha)
    if freq not in ("M", "Q"):
        raise ParameterError(f"freq must be 'M' or 'Q', got {freq!r}")
    t = _export_panel(trade)
    reps = list(reporters) if reporters is not None else _default_reporters(t)
    if exposure is None:
        exposure = pre_war_exposure(t, target=target, partners=partners, base=base)
    t = t[t["reporter"].isin(reps) & t["partner"].isin(list(partners))]
    t = t.assign(per=t["period"].dt.asfreq(freq) if freq == "Q" else t["period"])
    agg = t.groupby(["reporter", "partner", "per"], as_index=False)["value"].sum()
    agg = agg[agg["value"] > 0]
    agg["exposure"] = agg["reporter"].map(exposure)
    agg = agg.dropna(subset=["exposure"])
    if agg.empty:
        raise ParameterError("no observations with exposure for the chosen reporters")
    ev = pd.Period(event, "M").asfreq(freq) if freq == "Q" else pd.Period(event, "M")
    agg["rel"] = [(p - ev).n for p in agg["per"]]
    agg["post"] = (agg["rel"] >= 0).astype(int)
    agg["log_value"] = np.log(agg["value"])
    agg["pair"] = agg["reporter"] + "_" + agg["partner"]
    agg["ptime"] = agg["partner"] + "_" + agg["per"].astype(str)
    agg["xpost"] = agg["exposure"] * agg["post"]
    if ref not in set(agg["rel"]):
        raise ParameterError(f"reference period {ref} not in the data")
    agg = agg.reset_index(drop=True)
    formula = f"log_value ~ i(rel, exposure, ref={ref}) | pair + ptime"
    vcov = {"CRV1": "reporter"}
    fit = pf.feols(formula, data=agg, vcov=vcov)
    tid = fit.tidy(alpha=alpha)
    rels = []
    for name in tid.index:
        # pyfixest names look like "rel::-3:exposure"
        core = str(name).split("::", 1)[1].rsplit(":", 1)[0]
        rels.append(int(float(core)))
    coefs = pd.DataFrame(
        {
            "rel": rels,
            "estimate": tid["Estimate"].to_numpy(),
            "se": tid["Std. Error"].to_numpy(),
            "lower": tid.iloc[:, 4].to_numpy(),
            "upper": tid.iloc[:, 5].to_numpy(),
            "p": tid["Pr(>|t|)"].to_numpy(),
        }
    )
    coefs = pd.concat(
        [
            coefs,
            pd.DataFrame(
                {
                    "rel": [ref],
                    "estimate": [0.0],
                    "se": [np.nan],
                    "lower": [0.0],
                    "upper": [0.0],
                    "p": [np.nan],
                }
            ),
        ],
        ignore_index=True,
    ).sort_values("rel", ignore_index=True)
    coefs.insert(1, "period", [str(ev + int(k)) for k in coefs["rel"]])
    pooled_fit = pf.feols("log_value ~ xpost | pair + ptime", data=agg, vcov=vcov)
    pt = pooled_fit.tidy(alpha=alpha).iloc[0]
    pooled = pd.Series(
        {
            "estimate": pt["Estimate"],
            "se": pt["Std. Error"],
            "lower": pt.iloc[4],
            "upper": pt.iloc[5],
            "p": pt["Pr(>|t|)"],
        },
        name="exposure x post",
    )
    return ExposureEventStudy(
        coefficients=coefs,
        pooled=pooled,
        exposure=exposure.loc[exposure.index.isin(reps)].copy(),
        nobs=int(fit._N),
        formula=formula,
        alpha=alpha,
    )
