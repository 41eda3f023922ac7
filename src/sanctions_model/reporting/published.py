"""Published figures the suite's estimates are set beside, each with what it compares, in which
prices and its source: the one place where a published figure is typed.

Light on purpose (no pandas): the findings page and the README block read these constants.
:mod:`sanctions_model.models.published` re-exports them beside the functions that compare them
with data.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "EBRD_DIFFERS",
    "EBRD_REROUTING",
    "EBRD_SAYS",
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
    compares="EU and UK exports to Russia through Armenia, Kazakhstan and the Kyrgyz Republic in "
    "2022-23 (trade they intermediated, and exports declared for them that they never recorded "
    "as imports) as a share of the sanctions' impact on direct exports to Russia: less than 10% "
    "(the 2023 working paper, on monthly HS6 data to August 2022: the rise in sanctioned goods "
    "exported to the three was around 5% of the fall in their direct exports to Russia)",
    prices="current prices",
    source="EBRD, 'The Eurasian roundabout' (Chupilkin, Javorcik and Plekhanov; CEPR DP20097, "
    "2025; EBRD working paper 276, 2023)",
    qualifier="under",
)

EBRD_SAYS = (
    "The EBRD (Chupilkin, Javorcik and Plekhanov, CEPR DP20097, 2025) puts EU and UK exports to "
    "Russia through Armenia, Kazakhstan and the Kyrgyz Republic in 2022-23 (trade they "
    "intermediated, and exports declared for them that they never recorded as imports) at less "
    "than 10% of the sanctions' impact on direct exports; its 2023 working paper, on data to "
    "August 2022, put the rise in sanctioned goods exported to the three at around 5% of the "
    "fall in their direct exports to Russia."
)
"""What the EBRD measured (source, years, definition), in the words of its abstracts."""

EBRD_DIFFERS = (
    "Ours measures something else: the excess of the hubs' imports from the EU27 over their own "
    "pre-war trends, all goods, against the whole fall in direct EU27 exports to Russia (not an "
    "estimated sanctions' impact); on the hubs' own records (Armenia, Kazakhstan, the Kyrgyz "
    "Republic and Uzbekistan; Armenia in 2022 only) it leaves out the exports they never "
    "recorded, which the EBRD's figure includes, and on the EU's records it adds Georgia."
)
"""Why the suite's substitution ratio differs from the EBRD's figure."""

IMF_DIRECT_RATIOS = PublishedFigure(
    value=None,
    compares="Russia's imports from each ally, one year against another (the partners' records)",
    prices="current prices (nominal USD)",
    source="IMF, International Trade in Goods (IMTS), the embedded data",
)
