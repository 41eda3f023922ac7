"""Results of the panel event study and difference-in-differences (read-only).

Estimation lives in :mod:`sanctions_model.models.panel`, the choice of inference in
:mod:`sanctions_model.models.panel_design`. Each result carries ``inference`` (how its p-values
and intervals were computed) and ``caveats``, both printed by ``summary()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import stats

from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

from .._results import ResultsDisplayMixin, Summary, validate_alpha
from ..inference import RandomizationResults, WildBootstrapResults
from .design import ri_pvalues_and_intervals

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["DidResults", "EventStudyConfig", "EventStudyResults"]


@dataclass(frozen=True)
class EventStudyConfig:
    """Validated options of one :func:`estimate_event_study` or :func:`estimate_did` call."""

    outcome: str
    event: pd.Period
    leads: int
    lags: int
    reference: int | tuple[int, ...]
    fixed_effects: tuple[str, ...]
    cluster: str | None
    intensity: str | None
    bin_endpoints: bool
    alpha: float
    inference: str = "cluster"
    statistic: str = "studentized"
    controls: tuple[str, ...] = ()


def _facts_inference(cfg: EventStudyConfig, n_clusters: int | None) -> dict:
    out = {"Design-based inference": cfg.inference}
    if cfg.cluster:
        out["Clusters"] = f"{cfg.cluster} ({n_clusters})"
    if cfg.controls:
        shown = ", ".join(cfg.controls[:10]) + (" ..." if len(cfg.controls) > 10 else "")
        out["Controls"] = f"{len(cfg.controls)} destinations ({shown})"
    return out


def _spike(leads: np.ndarray, times: list[int], refs: tuple[int, ...]) -> np.ndarray:
    """Per row: the largest absolute residual of the leads (references at 0) from their OLS line.

    A linear pre-trend (drift) leaves it small; a one-period spike (front-loading) does not.
    """
    t = np.array([*times, *refs], dtype=float)
    y = np.hstack([leads, np.zeros((leads.shape[0], len(refs)))])
    x = np.column_stack([np.ones_like(t), t - t.mean()])
    coef = np.linalg.lstsq(x, np.nan_to_num(y).T, rcond=None)[0]
    return np.max(np.abs(y - (x @ coef).T), axis=1)


@dataclass(frozen=True, eq=False)
class EventStudyResults(ResultsDisplayMixin):
    """Results of :func:`estimate_event_study` (read-only).

    Attributes
    ----------
    config : EventStudyConfig
    coefficients : pandas.DataFrame
        One row per relative month (``relative_time``), the reference month included with
        estimate 0: ``estimate``, ``se`` (analytic, for reference), ``lower``, ``upper``,
        ``pvalue`` (from :attr:`inference`), ``reference`` (and ``rank`` with randomization).
    cov : pandas.DataFrame
        Analytic covariance of the estimated coefficients, indexed by relative month.
    inference : str
        How ``pvalue``, ``lower`` and ``upper`` were computed.
    caveats : tuple of str
    placebo : pandas.DataFrame or None
        Randomization inference: placebo coefficients (rows: placebo sets, columns: relative
        months) and their studentization ``scale``.
    """

    config: EventStudyConfig
    coefficients: pd.DataFrame
    cov: pd.DataFrame
    nobs: int
    n_dropped: int
    n_clusters: int | None
    df_resid: float
    fit_seconds: float
    inference: str = ""
    caveats: tuple[str, ...] = ()
    placebo: pd.DataFrame | None = None
    treated_scale: float = float("nan")
    bootstraps: tuple[WildBootstrapResults, ...] = ()

    @property
    def params(self) -> pd.Series:
        """Estimated coefficients by relative month (reference excluded)."""
        c = self.coefficients[~self.coefficients["reference"]]
        return pd.Series(c["estimate"].to_numpy(), index=c["relative_time"], name="params")

    @property
    def std_errors(self) -> pd.Series:
        """Analytic standard errors of :attr:`params` (not what the p-values use, see inference)."""
        c = self.coefficients[~self.coefficients["reference"]]
        return pd.Series(c["se"].to_numpy(), index=c["relative_time"], name="se")

    @property
    def pvalues(self) -> pd.Series:
        """p-values of :attr:`params` from :attr:`inference`."""
        c = self.coefficients[~self.coefficients["reference"]]
        return pd.Series(c["pvalue"].to_numpy(), index=c["relative_time"], name="pvalue")

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Pointwise intervals from :attr:`inference`, indexed by relative month."""
        alpha = self.config.alpha if alpha is None else validate_alpha(alpha)
        b = self.params
        if self.placebo is not None:
            pl = self.placebo.drop(columns="scale")
            pl.columns = b.index
            res = ri_pvalues_and_intervals(
                b.to_numpy(), self.treated_scale, pl, self.placebo["scale"], alpha,
                self.config.statistic,
            )  # fmt: skip
            return res[["lower", "upper"]]
        if self.bootstraps:
            ci = [bs.conf_int(alpha) for bs in self.bootstraps]
            return pd.DataFrame(ci, index=b.index, columns=["lower", "upper"])
        q = stats.t.ppf(1 - alpha / 2, self.df_resid)
        se = self.std_errors
        return pd.DataFrame({"lower": b - q * se, "upper": b + q * se})

    def pretrend_test(
        self, kind: Literal["anticipation", "spike", "max", "sum"] = "anticipation"
    ) -> tuple[float, float, str]:
        """Joint test that all leads are zero: (statistic, p-value, how it was computed).

        ``kind="max"`` (default) uses the largest absolute lead, which keeps its power against
        a single-period spike (front-loading in the year before the event) however many leads
        there are; ``"sum"`` the sum of squared leads (power against drifts spread over many
        leads, diluted for a spike). With randomization inference the statistic of the
        studentized leads is ranked among the placebo sets' statistics. Otherwise ``"max"``
        is the smallest analytic per-lead p-value times the number of leads (Bonferroni) and
        ``"sum"`` a Wald F test; both over-reject with few clusters.
        """
        if kind not in ("anticipation", "spike", "max", "sum"):
            raise ParameterError(
                f"kind must be 'anticipation', 'spike', 'max' or 'sum', got {kind!r}"
            )
        leads = [k for k in self.params.index if k < 0]
        if not leads:
            return float("nan"), float("nan"), "no leads"
        refs = self.config.reference
        refs = (refs,) if isinstance(refs, int) else tuple(refs)
        word = {"spike": "largest departure of a lead from the leads' line",
                "max": "largest absolute lead", "sum": "sum of squared leads"}.get(kind, "")  # fmt: skip
        if kind == "anticipation":
            window = [k for k in leads if k > max(refs)]
            if window:
                leads = window
                word = (f"largest absolute lead between the reference and the event "
                        f"({', '.join(map(str, window))})")  # fmt: skip
            else:
                word = "largest absolute lead (no lead between the reference and the event)"
            kind = "max"
        b = self.params.loc[leads].to_numpy()
        if kind == "spike" and len(leads) + len(refs) < 3:
            kind, word = "max", "largest absolute lead (too few leads for a line)"
        if self.placebo is not None:
            scale = self.placebo["scale"].to_numpy()
            s_t = self.treated_scale
            if self.config.statistic != "studentized":
                scale, s_t = np.ones_like(scale), 1.0
            pl = self.placebo[leads].to_numpy() / scale[:, None]
            if kind == "spike":
                stat_p = _spike(pl, leads, refs)
                stat = float(_spike((b / s_t)[None, :], leads, refs)[0])
            elif kind == "max":
                stat_p = np.nanmax(np.abs(pl), axis=1)
                stat = float(np.max(np.abs(b / s_t)))
            else:
                stat_p = np.nansum(pl**2, axis=1)
                stat = float(np.sum((b / s_t) ** 2))
            p = float((1 + np.sum(stat_p >= stat - 1e-12)) / (1 + stat_p.size))
            return stat, p, f"{word}, randomization over {stat_p.size} placebo sets"
        if kind == "spike":
            kind = "max"  # analytic fallback: the spike statistic has no analytic distribution
        if kind == "max":
            t = np.abs(b / self.std_errors.loc[leads].to_numpy())
            p_each = 2 * stats.t.sf(t, self.df_resid)
            return (
                float(t.max()),
                float(min(1.0, p_each.min() * len(leads))),
                (f"largest absolute lead t, Bonferroni over {len(leads)} leads, analytic se"),
            )
        v = self.cov.loc[leads, leads].to_numpy()
        f = float(b @ np.linalg.solve(v, b)) / len(leads)
        return f, float(stats.f.sf(f, len(leads), self.df_resid)), "Wald F, analytic covariance"

    def average_effect(self, start: int = 0, stop: int | None = None) -> tuple[float, float]:
        """Mean of the lag coefficients ``start..stop`` and its analytic standard error."""
        stop = self.config.lags if stop is None else stop
        ks = [k for k in self.params.index if start <= k <= stop]
        if not ks:
            raise ParameterError(f"no lag coefficients in {start}..{stop}")
        w = np.full(len(ks), 1.0 / len(ks))
        v = self.cov.loc[ks, ks].to_numpy()
        return float(w @ self.params.loc[ks].to_numpy()), float(np.sqrt(w @ v @ w))

    def to_frame(self) -> pd.DataFrame:
        """The numbers behind :meth:`plot` (a copy of :attr:`coefficients`)."""
        return self.coefficients.copy()

    @property
    def reference_label(self) -> str:
        """The reference period(s) in words: ``"2018-2019 average"`` for annual data."""
        refs = self.config.reference
        refs = (refs,) if isinstance(refs, int) else tuple(refs)
        if self.config.event.month == 1 and all(r % 12 == 0 for r in refs):
            years = [self.config.event.year + r // 12 for r in refs]
            if len(years) == 1:
                return str(years[0])
            return f"{years[0]}-{years[-1]} average" if years == list(
                range(years[0], years[-1] + 1)
            ) else ", ".join(map(str, years)) + " average"  # fmt: skip
        return ", ".join(map(str, refs))

    def annual_frame(self) -> pd.DataFrame:
        """Coefficients by calendar year (annual data with ``event`` in January), references
        included with estimate 0."""
        if self.config.event.month != 1:
            raise ParameterError("annual_frame needs an annual event study (event in January)")
        c = self.coefficients.copy()
        c["year"] = self.config.event.year + c["relative_time"] // 12
        return c.set_index("year")

    def plot_annual(self, *, title: str | None = None) -> Figure:
        """Per-year coefficients with their intervals, the reference year(s) as squares."""
        import matplotlib.pyplot as plt

        c = self.annual_frame()
        est, ref = c[~c["reference"]], c[c["reference"]]
        fig, ax = plt.subplots(figsize=(8, 4))
        ax.axhline(0, color="0.5", linewidth=0.8)
        level = fmt.level(self.config.alpha)
        ax.errorbar(est.index, est["estimate"], fmt="o", capsize=3,
                    yerr=[est["estimate"] - est["lower"], est["upper"] - est["estimate"]],
                    label=f"{level} interval ({self.config.inference})")  # fmt: skip
        ax.plot(
            ref.index,
            ref["estimate"],
            "s",
            color="0.3",
            label=f"reference ({self.reference_label})",
        )
        ax.axvline(self.config.event.year - 0.5, color="tab:red", linestyle="--", linewidth=1)
        ax.set_xticks(list(c.index), [str(y) for y in c.index])
        ax.set_xlabel(f"year (reference: {self.reference_label})")
        ax.set_ylabel("effect, log points (exp(x) - 1 = % change)")
        ax.set_title(title or f"Event study around {self.config.event.year}")
        ax.legend(loc="lower left", fontsize="small")
        return fig

    def summary(self) -> Summary:
        """Printable summary (also used by ``repr`` and the notebook display)."""
        cfg = self.config
        f, p, how = self.pretrend_test()
        table = self.coefficients.set_index("relative_time").drop(columns="reference")
        return Summary(
            title="Event study (OLS with absorbed fixed effects)",
            facts={
                "Outcome": cfg.outcome,
                "Event": str(cfg.event),
                "Window": f"{-cfg.leads}..{cfg.lags} (reference {cfg.reference})",
                "Endpoints": "binned" if cfg.bin_endpoints else "trimmed",
                "Intensity": cfg.intensity or "none (binary)",
                "Fixed effects": " + ".join(cfg.fixed_effects) or "none",
                "Observations": self.nobs,
                **_facts_inference(cfg, self.n_clusters),
                "p-values and intervals": self.inference,
                "Pre-trend statistic (leads = 0)": f,
                "Pre-trend p-value": p,
                "Pre-trend test": how,
            },
            tables=[("Dynamic coefficients", table)],
            notes=[
                "Coefficients are relative to the reference period; with a log outcome "
                "100 * (exp(b) - 1) is the percent effect. 'se' is analytic, for reference.",
                *self.caveats,
            ],
        )

    def plot(self, ax: Axes | None = None, *, title: str | None = None) -> Figure:
        """Dynamic coefficients with their intervals, the zero line and the event marked."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(9, 4.5))
        else:
            fig = ax.figure
        c = self.coefficients
        est = c[~c["reference"]]
        ax.axhline(0.0, color="0.3", linewidth=0.8)
        ax.axvline(-0.5, color="tab:red", linestyle="--", linewidth=1, label=f"{self.config.event}")
        ax.fill_between(
            est["relative_time"], est["lower"], est["upper"], color="tab:blue", alpha=0.2,
            label=f"{fmt.level(self.config.alpha)} interval ({self.config.inference})",
        )  # fmt: skip
        ax.plot(est["relative_time"], est["estimate"], "o-", color="tab:blue", label="estimate")
        ref = c[c["reference"]]
        ax.plot(ref["relative_time"], ref["estimate"], "o", mfc="white", color="tab:blue",
                label=f"reference ({self.config.reference})")  # fmt: skip
        ax.set_xlabel("periods relative to the event")
        ax.set_ylabel(f"effect on {self.config.outcome}")
        ax.set_title(title or f"Event study: {self.config.outcome} around {self.config.event}")
        ax.legend(loc="best", fontsize="small")
        return fig


@dataclass(frozen=True, eq=False)
class DidResults(ResultsDisplayMixin):
    """Results of :func:`estimate_did`: one coefficient on ``treated x post [x intensity]``.

    ``pvalue``, ``conf_int()`` come from :attr:`inference`; ``se`` is the analytic standard
    error (clustered or robust), kept for reference. With randomization inference
    :attr:`randomization` holds the placebo distribution (rank, plot).
    """

    config: EventStudyConfig
    estimate: float
    se: float
    nobs: int
    n_dropped: int
    n_clusters: int | None
    df_resid: float
    fit_seconds: float
    inference: str = ""
    caveats: tuple[str, ...] = ()
    randomization: RandomizationResults | None = None
    bootstrap: WildBootstrapResults | None = None

    @property
    def pvalue(self) -> float:
        """Two-sided p-value from :attr:`inference`."""
        if self.randomization is not None:
            return self.randomization.pvalue
        if self.bootstrap is not None:
            return self.bootstrap.pvalue
        return float(2 * stats.t.sf(abs(self.estimate / self.se), self.df_resid))

    @property
    def rank(self) -> int | None:
        """Rank of the treated unit among the placebos (randomization inference only)."""
        return None if self.randomization is None else self.randomization.rank

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Interval as a one-row frame (index ``did``) with columns ``lower`` and ``upper``."""
        alpha = self.config.alpha if alpha is None else validate_alpha(alpha)
        if self.randomization is not None:
            lo, hi = self.randomization.conf_int(alpha)
        elif self.bootstrap is not None:
            lo, hi = self.bootstrap.conf_int(alpha)
        else:
            q = stats.t.ppf(1 - alpha / 2, self.df_resid)
            lo, hi = self.estimate - q * self.se, self.estimate + q * self.se
        return pd.DataFrame({"lower": [lo], "upper": [hi]}, index=["did"])

    def to_frame(self) -> pd.DataFrame:
        """Estimate, se (analytic), pvalue, lower, upper and percent effect (log outcomes)."""
        ci = self.conf_int()
        out = pd.DataFrame(
            {"estimate": [self.estimate], "se": [self.se], "pvalue": [self.pvalue]},
            index=["did"],
        )
        out = out.join(ci)
        if not self.config.intensity:
            # per unit of an intensity the percent would extrapolate (0 -> 1 may lie outside the
            # data): scale the coefficient to the observed spread of the intensity instead
            out["percent"] = 100 * np.expm1(out["estimate"])
        if self.randomization is not None:
            out["rank"] = self.randomization.rank
            out["n_placebos"] = self.randomization.n_placebos
        return out

    def summary(self) -> Summary:
        """Printable summary."""
        cfg = self.config
        term = "treated x post" + (f" x {cfg.intensity}" if cfg.intensity else "")
        return Summary(
            title="Difference-in-differences (OLS with absorbed fixed effects)",
            facts={
                "Outcome": cfg.outcome,
                "Event": str(cfg.event),
                "Term": term,
                "Fixed effects": " + ".join(cfg.fixed_effects) or "none",
                "Observations": self.nobs,
                **_facts_inference(cfg, self.n_clusters),
                "p-value and interval": self.inference,
            },
            tables=[("Estimate", self.to_frame())],
            notes=[
                (
                    f"estimate per unit of {cfg.intensity} (log points); no percent column, as "
                    "one unit may lie outside the data: scale it to the observed spread"
                    if cfg.intensity
                    else "percent = 100 * (exp(estimate) - 1), meaningful for log outcomes"
                )
                + "; 'se' is analytic, for reference only.",
                *self.caveats,
            ],
        )
