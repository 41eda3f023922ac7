"""The results type of every break test: :class:`BreakTestResult`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from sanctions_model.errors import ParameterError

from .._results import ResultsDisplayMixin, Summary
from .impulses import ImpulseMonths

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["BreakTestResult"]


@dataclass(frozen=True, eq=False, repr=False)
class BreakTestResult(ResultsDisplayMixin):
    """Result of a structural-break test (read-only).

    Attributes
    ----------
    test : str
        Name of the test.
    statistic : float
        Test statistic (F for Chow, sup-F for QLR, sup |CUSUM| for CUSUM).
    p_value : float
    critical_values : dict
        Significance level -> critical value (may be empty).
    break_date : pandas.Period or None
        Tested (Chow) or estimated (QLR) break month.
    df : tuple
        Degrees of freedom (numerator, denominator) where meaningful.
    path : pandas.Series or None
        Statistic by candidate month (QLR F sequence) or the CUSUM path.
    method : str
        How the p-value was obtained (same as ``inference``).
    inference : str
        How the p-value was computed, in words (the covariance, then the bootstrap).
    covariance : str
        How the statistic is studentized (e.g. Newey-West split at each candidate month).
    bootstrap : str
        The null distribution (e.g. the wild AR sieve and its replications).
    caveats : tuple of str
        What a reader should know before trusting the result.
    impulses : ImpulseMonths or None
        The months that entered as one-month dummies (COVID months, detected outliers).
    """

    test: str
    statistic: float
    p_value: float
    critical_values: Mapping[float, float] = field(default_factory=dict)
    break_date: pd.Period | None = None
    df: tuple[int, ...] = ()
    path: pd.Series | None = None
    method: str = ""
    nobs: int = 0
    inference: str = ""
    caveats: tuple[str, ...] = ()
    covariance: str = ""
    bootstrap: str = ""
    impulses: ImpulseMonths | None = None

    def reject(self, alpha: float = 0.05) -> bool:
        """Whether the null of no break is rejected at level ``alpha``."""
        return bool(self.p_value < alpha)

    def to_frame(self) -> pd.DataFrame:
        """The statistic path (QLR F sequence or CUSUM path) as a frame, or the single statistic."""
        if self.path is not None:
            return self.path.to_frame("statistic")
        return pd.DataFrame({"statistic": [self.statistic], "p_value": [self.p_value]})

    def summary(self) -> Summary:
        """Test facts and critical values."""
        facts: dict[str, Any] = {
            "Test": self.test,
            "Statistic": self.statistic,
            "p-value": self.p_value,
            "Inference": self.inference or self.method,
            "Observations": self.nobs,
        }
        if self.break_date is not None:
            facts["Break month"] = str(self.break_date)
        if self.impulses is not None:
            facts["One-month dummies"] = self.impulses.describe()
        if self.df:
            facts["Degrees of freedom"] = ", ".join(str(d) for d in self.df)
        tables = []
        if self.critical_values:
            cv = pd.DataFrame(
                {"critical value": list(self.critical_values.values())},
                index=[f"{a:.0%}" for a in self.critical_values],
            )
            tables.append(("Critical values", cv))
        return Summary(
            title=f"Structural break test: {self.test}",
            facts=facts,
            tables=tables,
            notes=list(self.caveats),
        )

    def plot(self, *, title: str | None = None) -> Figure:
        """Plot the statistic path with the 5% critical value (QLR and CUSUM only)."""
        import matplotlib.pyplot as plt

        if self.path is None:
            raise ParameterError("this test has no statistic path to plot")
        fig, ax = plt.subplots(figsize=(8, 3.5), constrained_layout=True)
        x = self.path.index.to_timestamp()
        ax.plot(x, self.path.to_numpy(), color="tab:blue")
        cv = self.critical_values.get(0.05)
        if cv is not None:
            ax.axhline(cv, color="tab:red", ls="--", lw=1, label="5% critical value")
            if self.test.startswith("CUSUM"):
                ax.axhline(-cv, color="tab:red", ls="--", lw=1)
            ax.legend(fontsize=8)
        if self.break_date is not None:
            ax.axvline(self.break_date.to_timestamp(), color="grey", ls=":", lw=1)
        ax.set_ylabel("F statistic" if "QLR" in self.test else "statistic")
        ax.grid(alpha=0.3)
        ax.set_title(title or self.test)
        return fig
