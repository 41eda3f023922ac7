"""Published figures the suite's estimates are set beside, each with what it compares, in which
prices and its source: the one place where a published figure is typed.

Light on purpose (no pandas): the findings page and the README block read these constants.
:mod:`sanctions_model.models.published` re-exports them beside the functions that compare them
with data.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "EBRD_REROUTING",
    "EUROSTAT_RU_EXPORTS",
    "EUROSTAT_RU_EXPORTS_ANNUAL",
    "IMF_DIRECT_RATIOS",
    "PublishedFigure",
]


@dataclass(frozen=True)
class PublishedFigure:
    """A figure as its publisher states it, with what it compares and in which prices.

    ``value`` is None when the publisher's figure is the shipped data themselves (Eurostat's
    annual Comext totals, the IMF's IMTS values): it is then computed from those data, in the
    publisher's current prices, never typed here.
    """

    value: float | None
    compares: str
    prices: str
    source: str
    qualifier: str = ""
    """A word before the value when the publisher gives a bound (``under`` 0.10)."""


EUROSTAT_RU_EXPORTS = PublishedFigure(
    value=-0.61,
    compares="EU27 exports to Russia, September 2023 against February 2022 (two single months, "
    "seasonally adjusted; no counterfactual)",
    prices="current prices (nominal EUR)",
    source="Eurostat, 'EU trade with Russia - latest developments' (Statistics Explained)",
)

EUROSTAT_RU_EXPORTS_ANNUAL = PublishedFigure(
    value=None,
    compares="EU27 exports to Russia, 2023 against 2021 (annual totals; no counterfactual)",
    prices="current prices (nominal EUR)",
    source="Eurostat, Comext annual totals (the embedded data, computed from them)",
)

EBRD_REROUTING = PublishedFigure(
    value=0.10,
    compares="re-routing of sanctioned goods through Armenia, Kazakhstan and Kyrgyzstan as a "
    "share of the fall in direct EU exports to Russia: under 10% (about 5% in the 2023 working "
    "paper)",
    prices="current prices",
    source="EBRD, 'The Eurasian roundabout' (CEPR DP20097, 2025; EBRD working paper, 2023)",
    qualifier="under",
)

IMF_DIRECT_RATIOS = PublishedFigure(
    value=None,
    compares="Russia's imports from each ally, one year against another (the partners' records)",
    prices="current prices (nominal USD)",
    source="IMF, International Trade in Goods (IMTS), the embedded data",
)
