"""The break tests notebook 02 runs, as one result: Chow at the intervention, QLR (level, and
level and trend) and CUSUM, with one table, their caveats and the ``results.json`` entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from sanctions_model.reporting import format as fmt

from .._results import to_period
from ..mc_digits import mc_pvalue
from .chow import chow_test
from .cusum import cusum_test
from .design import _prepare
from .impulses import ImpulseMonths, Impulses, resolve_impulses
from .qlr import qlr_test
from .results import BreakTestResult

__all__ = ["BreakTests", "run_break_tests"]


@dataclass(frozen=True, eq=False)
class BreakTests:
    """The four default break tests of one series (read-only)."""

    tests: dict[str, BreakTestResult]
    n_reps: int
    impulses: ImpulseMonths = ImpulseMonths()
    early_chow: str | None = None
    """The name in ``tests`` of the Chow test at the anticipation window's start, if run."""

    @property
    def chow(self) -> BreakTestResult:
        return next(iter(self.tests.values()))

    @property
    def caveats(self) -> list[str]:
        return sorted({c for t in self.tests.values() for c in t.caveats})

    def table(self) -> pd.DataFrame:
        """Statistic, p-value, break month and covariance of each test, formatted for readers.

        p-values are printed to the digits their ``n_reps`` bootstrap replications support
        (:func:`~sanctions_model.models.mc_digits.mc_pvalue`), so a rerun with another seed prints
        the same figure unless it sits within a few Monte Carlo errors of a rounding boundary.
        """
        return pd.DataFrame(
            {
                "statistic": [fmt.number(t.statistic) for t in self.tests.values()],
                "p-value": [
                    mc_pvalue(t.p_value, self.n_reps)
                    if t.bootstrap
                    else fmt.pvalue(t.p_value, n_draws=self.n_reps)
                    for t in self.tests.values()
                ],
                "break month": [f"{t.break_date:%b %Y}" for t in self.tests.values()],
                "covariance": [_short_covariance(t) for t in self.tests.values()],
            },
            index=pd.Index(list(self.tests), name="test"),
        )

    def notes(self) -> str:
        """Which statistic, which covariance and which bootstrap each test used, and the
        caveats, as Markdown."""
        how = "\n".join(f"- **{name}**: {t.inference}" for name, t in self.tests.items())
        caveats = "\n".join(f"- {c}" for c in self.caveats)
        if self.early_chow:
            caveats += (
                "\n- Two Chow tests: at the intervention and at the first month left out of the "
                "counterfactual's fit (a fall that began there is split by a test at the "
                "intervention). Each p-value is for its own month, not adjusted for testing two."
            )
        return (
            f"{self.impulses.describe()} (in every test and every bootstrap path).\n\n"
            f"Inference (each p-value printed to the digits its {self.n_reps} bootstrap "
            f"replications support):\n\n{how}\n\n{caveats}"
        )

    def to_results(self) -> dict[str, Any]:
        qlr, qlr_trend = self.tests["QLR, level shift"], self.tests["QLR, level and trend shift"]
        return {
            "qlr_break_month": str(qlr.break_date),
            "qlr_p_value": qlr.p_value,
            "qlr_trend_break_month": str(qlr_trend.break_date),
            "qlr_trend_p_value": qlr_trend.p_value,
            "chow_p_value": self.chow.p_value,
            **(
                {
                    "chow_anticipation_month": str(self.tests[self.early_chow].break_date),
                    "chow_anticipation_p_value": self.tests[self.early_chow].p_value,
                }
                if self.early_chow
                else {}
            ),
            "cusum_p_value": self.tests["CUSUM"].p_value,
            "break_inference": self.chow.inference,
            "break_caveats": self.caveats,
            **self.impulses.to_results(),
        }


def _short_covariance(t: BreakTestResult) -> str:
    if not t.covariance:
        return t.inference.split(",")[0]
    if t.test.startswith("CUSUM"):
        return "local spread; long-run s.d."
    pw = ", prewhitened" if "prewhitened" in t.covariance else ""
    return f"Newey-West split at the month{pw}"


def run_break_tests(
    y: pd.Series,
    intervention: Any,
    *,
    log: bool = True,
    n_reps: int = 499,
    impulses: Impulses = "auto",
    anticipation: int = 0,
) -> BreakTests:
    """Chow at ``intervention``, QLR (level; level and trend) and CUSUM, default inference.

    The impulse months (default: 2020-04/05 when in the sample and the isolated outliers, see
    :mod:`~sanctions_model.models.breaks.impulses`) are found once and enter all the tests as
    one-month dummies. With ``anticipation`` months (the counterfactual's window), a second Chow
    test sits at the window's first month: a fall that began there is split by a test at the
    intervention (two months of it fall in the old regime), which halves that test's power.
    """
    ys, x, names = _prepare(y, None, log, True, True)
    imp = resolve_impulses(ys, x, impulses)
    chow = chow_test(y, intervention, log=log, n_reps=n_reps, impulses=imp)
    early, early_name = {}, None
    if anticipation:
        start = to_period(intervention) - int(anticipation)
        early_name = f"Chow, level shift in {start:%b %Y} (start of the anticipation window)"
        early = {early_name: chow_test(y, start, log=log, n_reps=n_reps, impulses=imp)}
    return BreakTests(
        tests={
            f"Chow, level shift in {chow.break_date:%b %Y}": chow,
            **early,
            "QLR, level shift": qlr_test(y, log=log, n_reps=n_reps, impulses=imp),
            "QLR, level and trend shift": qlr_test(
                y, log=log, break_in="level+trend", n_reps=n_reps, impulses=imp
            ),
            "CUSUM": cusum_test(y, log=log, n_reps=n_reps, impulses=imp),
        },
        n_reps=n_reps,
        impulses=imp,
        early_chow=early_name,
    )
