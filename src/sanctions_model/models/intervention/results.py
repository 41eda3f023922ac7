"""The results of :func:`~sanctions_model.models.intervention.fit_intervention`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt

from .._results import ResultsDisplayMixin, Summary
from .events import Event
from .types import Criterion

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["InterventionResults"]


@dataclass(frozen=True, eq=False, repr=False)
class InterventionResults(ResultsDisplayMixin):
    """Results of :func:`fit_intervention` (read-only)."""

    observed: pd.Series
    events: tuple[Event, ...]
    order: tuple[int, int]
    criterion: Criterion
    log: bool
    alpha: float
    units: str
    _params: pd.Series
    _bse: pd.Series
    _event_names: tuple[str, ...]
    _design: pd.DataFrame
    _fitted: np.ndarray
    _llf: float
    _aic: float
    _bsc: float
    _order_table: pd.DataFrame
    _converged: bool
    caveats: tuple[str, ...] = ()
    """What a reader should know: non-convergence, dropped events, what each step also carries."""

    @property
    def inference(self) -> str:
        """How p-values and intervals were computed."""
        p, q = self.order
        text = (
            f"GLS t-tests with ARMA({p},{q}) errors (order by {self.criterion.upper()}, ARMA "
            "parameters estimated; on simulated 68-month series with AR(1) errors of 0.6-0.9 the "
            "95% intervals covered 78-91% of planted steps: read them as too narrow)"
        )
        if len(self.events) > 1:
            text += "; p_adjusted: Holm across the measures of this fit"
        return text

    @property
    def params(self) -> pd.Series:
        """All coefficients: regression (const, trend, months, events) and ARMA."""
        return self._params.copy()

    @property
    def bse(self) -> pd.Series:
        """Standard errors of :attr:`params`."""
        return self._bse.copy()

    @property
    def nobs(self) -> int:
        """Number of months used."""
        return int(self.observed.notna().sum())

    @property
    def df_resid(self) -> int:
        """Residual degrees of freedom (observations minus regression and ARMA parameters)."""
        return max(self.nobs - self._design.shape[1] - sum(self.order), 1)

    @property
    def llf(self) -> float:
        """Log-likelihood."""
        return self._llf

    @property
    def aic(self) -> float:
        """Akaike information criterion of the chosen model."""
        return self._aic

    @property
    def bic(self) -> float:
        """Bayesian information criterion of the chosen model."""
        return self._bsc

    @property
    def order_selection(self) -> pd.DataFrame:
        """AIC and BIC of every candidate (p, q)."""
        return self._order_table.copy()

    @property
    def converged(self) -> bool:
        """Whether the optimiser reported convergence for the chosen order."""
        return self._converged

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Intervals for the event coefficients (log scale if ``log=True``), Student t based.

        Returns
        -------
        pandas.DataFrame
            Indexed by event label, columns ``lower`` and ``upper``.
        """
        alpha = self.alpha if alpha is None else alpha
        if not 0 < alpha < 1:
            raise ParameterError("alpha must be in (0, 1)")
        z = stats.t.ppf(1 - alpha / 2, self.df_resid)
        names = list(self._event_names)
        b, se = self._params[names].to_numpy(), self._bse[names].to_numpy()
        return pd.DataFrame(
            {"lower": b - z * se, "upper": b + z * se}, index=[e.label for e in self.events]
        )

    def effects_frame(self, alpha: float | None = None) -> pd.DataFrame:
        """Event effects: coefficient, standard error, z, p-value, interval, relative effect."""
        alpha = self.alpha if alpha is None else alpha
        names = list(self._event_names)
        b, se = self._params[names].to_numpy(), self._bse[names].to_numpy()
        ci = self.conf_int(alpha)
        zstat = b / se
        frame = pd.DataFrame(
            {
                "date": [e.date for e in self.events],
                "kind": [e.kind for e in self.events],
                "coef": b,
                "std_err": se,
                "t": zstat,
                "p_value": 2 * stats.t.sf(np.abs(zstat), self.df_resid),
                "lower": ci["lower"].to_numpy(),
                "upper": ci["upper"].to_numpy(),
            },
            index=[e.label for e in self.events],
        )
        if len(frame) > 1:
            from ..multiple import adjust_pvalues

            frame["p_adjusted"] = adjust_pvalues(
                frame["p_value"], family="measures of this intervention regression", method="holm"
            )["p_adjusted"].to_numpy()
        else:
            frame["p_adjusted"] = frame["p_value"]
        if self.log:
            frame["relative"] = np.expm1(frame["coef"])
            frame["relative_lower"] = np.expm1(frame["lower"])
            frame["relative_upper"] = np.expm1(frame["upper"])
        frame.index.name = "event"
        return frame

    @property
    def effects(self) -> pd.DataFrame:
        """Event effects at the fit's ``alpha`` (see :meth:`effects_frame`)."""
        return self.effects_frame()

    def to_frame(self) -> pd.DataFrame:
        """Observed, fitted and no-event counterfactual series (units of ``y``)."""
        names = list(self._event_names)
        event_part = self._design[names].to_numpy() @ self._params[names].to_numpy()
        fitted = self._fitted
        cf = fitted - event_part
        if self.log:
            fitted, cf = np.exp(fitted), np.exp(cf)
        return pd.DataFrame(
            {"observed": self.observed.to_numpy(), "fitted": fitted, "without_events": cf},
            index=self.observed.index,
        )

    def summary(self) -> Summary:
        """Model facts and the event-effects table."""
        cols = ["date", "kind", "coef", "std_err", "p_value", "p_adjusted", "lower", "upper"]
        if self.log:
            cols += ["relative", "relative_lower", "relative_upper"]
        arma = self._params[[n for n in self._params.index if n.startswith(("ar.", "ma."))]]
        tables = [
            (f"Event effects ({fmt.level(self.alpha)} intervals"
             + ("; relative = exp(coef) - 1)" if self.log else ")"), self.effects_frame()[cols]),
        ]  # fmt: skip
        if len(arma):
            tables.append(("ARMA error parameters", arma.to_frame("estimate")))
        return Summary(
            title="Intervention regression with ARMA errors",
            facts={
                "Dependent variable": "log(y)" if self.log else "y",
                "Sample": f"{self.observed.index[0]} to {self.observed.index[-1]}",
                "Observations": self.nobs,
                "ARMA order (p, q)": f"{self.order} chosen by {self.criterion.upper()}",
                "Log-likelihood": self._llf,
                "AIC": self._aic,
                "BIC": self._bsc,
                "Inference": self.inference,
            },
            tables=tables,
            notes=list(self.caveats),
        )

    def plot(self, *, title: str | None = None) -> Figure:
        """Observed series, fitted values and the fitted path without the event effects."""
        import matplotlib.pyplot as plt

        frame = self.to_frame()
        x = frame.index.to_timestamp()
        fig, ax = plt.subplots(figsize=(9, 4), constrained_layout=True)
        ax.plot(x, frame["observed"], color="black", lw=1.2, label="Observed")
        ax.plot(x, frame["fitted"], color="tab:blue", lw=1.0, label="Fitted")
        ax.plot(x, frame["without_events"], color="tab:orange", ls="--", lw=1.0,
                label="Fitted without event effects")  # fmt: skip
        for e in self.events:
            ax.axvline(e.date.to_timestamp(), color="tab:red", ls=":", lw=1)
            ax.annotate(e.label, (e.date.to_timestamp(), 1.0), xycoords=("data", "axes fraction"),
                        fontsize=7, color="tab:red", rotation=90, va="top", ha="right")  # fmt: skip
        ax.set_ylabel(self.units)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        ax.set_title(title or "Intervention regression: observed, fitted and without events")
        return fig
