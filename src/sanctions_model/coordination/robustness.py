"""The EU27 substitution ratio under other choices: prices, 2020, window, residual correlation.

:func:`eu27_robustness` re-estimates the scorecard's EU27 ratio (hubs' and Russia's records, USD)
with one choice changed at a time, next to the main estimate (real terms, 2020 left out of the
trend fits):

- current prices (nominal), 2020 left out;
- real terms with 2020 in the trend fits;
- current prices with 2020 in the fits (the method before issue 19);
- 2022 only (all four hubs; Armenia's 2023 excess is missing from the main window);
- the common residual correlation set to 0 and to 0.3.

Each row is read through :class:`~.substitution_results.Substitution`, so its interval ends and
p-value are printed at the digits their draws support.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from sanctions_model.coordination._display import SummaryDisplayMixin

__all__ = ["Robustness", "eu27_robustness"]


@dataclass(frozen=True, repr=False, eq=False)
class Robustness(SummaryDisplayMixin):
    """Variants of one ally's substitution ratio (read-only): ``estimates`` label -> estimate."""

    ally: str
    estimates: dict[str, Any]
    alpha: float
    units: str

    def table(self) -> pd.DataFrame:
        """Ratio, interval and p-value per variant, at the digits the draws support."""
        from sanctions_model.reporting import format as fmt

        return pd.DataFrame(
            {
                f"{'EU27' if self.ally == 'EU27_2020' else self.ally} substitution": [
                    fmt.ratio(e.ratio) for e in self.estimates.values()
                ],
                f"{fmt.level(self.alpha)} interval": [
                    e.interval_text() for e in self.estimates.values()
                ],
                "p (two-sided, unadjusted)": [e.p_short() for e in self.estimates.values()],
                "values in": [e.units for e in self.estimates.values()],
            },
            index=pd.Index(list(self.estimates), name="variant"),
        )

    def to_frame(self) -> pd.DataFrame:
        rows = {}
        for k, e in self.estimates.items():
            lo, hi = e.conf_int()
            rows[k] = {"ratio": e.ratio, "lower": lo, "upper": hi, "p_value": e.p_value}
        return pd.DataFrame.from_dict(rows, orient="index")

    def summary(self) -> str:
        return self.table().to_string()


def eu27_robustness(card: Any, *, ally: str = "EU27_2020", seed: int = 0) -> Robustness:
    """The scorecard's ``ally`` ratio under the variants listed in the module docstring.

    ``card`` is an :class:`~.scorecard.AllyScorecard`; its panel (current USD), prices, window,
    ``alpha`` and number of draws are reused; ``seed`` seeds the re-estimated rows (the printed
    figures do not depend on it: :mod:`.digits`).
    """
    from sanctions_model.coordination.substitution import estimate_substitution

    prices = card.prices
    panel = card.panel[[ally]]
    pre = (str(card.panel.index[0]), str(card.base_year))
    post = (str(card.base_year + 1), str(card.year))
    first = (post[0], post[0])
    options = {"alpha": card.alpha, "n_draws": card.n_draws, "seed": seed}
    real = prices.apply(panel, "USD")
    units = prices.units("USD")

    def run(frame: pd.DataFrame, window: tuple[str, str], unit: str, **kw: Any) -> Any:
        res = estimate_substitution(frame, pre=pre, post=window, units=unit, **options, **kw)
        return res.estimates[ally]

    main = card.substitution.estimates[ally]
    y0, y1 = post
    rows = {f"{y0}-{y1}, {units}, 2020 left out of the trends (main)": main}
    if prices.real:
        rows[f"{y0}-{y1}, current USD, 2020 left out"] = card.substitution_nominal.estimates[ally]
        rows[f"{y0}-{y1}, {units}, 2020 in the trends"] = run(real, post, units, exclude=())
    rows[f"{y0}-{y1}, current USD, 2020 in the trends (before issue 19)"] = run(
        panel, post, "current USD", exclude=()
    )
    rows[f"{y0} only (all four hubs), {units}"] = run(real, first, units)
    for r in (0.0, 0.3):
        rows[f"{y0}-{y1}, {units}, residual correlation set to {r:g}"] = run(
            real, post, units, rho=r
        )
    return Robustness(ally=ally, estimates=rows, alpha=card.alpha, units=units)
