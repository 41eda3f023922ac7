"""Russia's sanction regimes as gravity dummies, and what notebook 03 prints and records of them.

Each Russia dummy is measured against Russia's own reference years: ``russia_2014`` (2014 to
the year before the event) and ``russia_2022`` (the event year on) both against 2010-13; their
difference, ``russia_2022_vs_2014_21``, is the 2022 regime relative to the 2014 one. The
re-routing partners get one ``partners_2022`` dummy as a group. :func:`regime_dummies` builds
the columns and their labels once; the table and sentence helpers below turn the analytic fit
(:func:`~sanctions_model.models.gravity.fit_gravity_ppml`) and the design-based ones
(:func:`~sanctions_model.models.gravity.gravity_randomization`) into what readers see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "CONTRAST",
    "RegimeDummies",
    "analytic_record",
    "partners_sentence",
    "regime_dummies",
    "sample_comparison",
    "with_partners_row",
]

#: The 2022 regime against the 2014 one, as a linear combination of the two Russia dummies.
CONTRAST: dict[str, dict[str, float]] = {
    "russia_2022_vs_2014_21": {"russia_2022": 1.0, "russia_2014": -1.0}
}


@dataclass(frozen=True)
class RegimeDummies:
    """The annual panel with the regime dummies, and what each is compared against."""

    data: pd.DataFrame
    labels: dict[str, str]
    first_year: int
    event_year: int
    last_year: int

    treatments = ("russia_2014", "russia_2022", "partners_2022")
    contrast = CONTRAST

    @property
    def span(self) -> str:
        """``2022-23``: the years of the 2022 regime."""
        return f"{self.event_year}-{str(self.last_year)[2:]}"

    @property
    def base(self) -> str:
        """``2010-21``: the years before it."""
        return f"{self.first_year}-{str(self.event_year - 1)[2:]}"


def regime_dummies(annual: pd.DataFrame, partners: Sequence[str], event_year: int) -> RegimeDummies:
    """Add ``russia_2014``, ``russia_2022`` and ``partners_2022`` (0/1 floats) to an annual
    panel with ``partner`` and ``year`` columns."""
    out = annual.copy()
    post14, post22 = out["year"] >= 2014, out["year"] >= event_year
    is_ru = out["partner"] == "RU"
    out["russia_2014"] = (is_ru & post14 & ~post22).astype(float)
    out["russia_2022"] = (is_ru & post22).astype(float)
    out["partners_2022"] = (out["partner"].isin(list(partners)) & post22).astype(float)
    first_year, last_year = int(out["year"].min()), int(out["year"].max())
    labels = {
        "russia_2014": "Russia in 2010-13",
        "russia_2022": "Russia in 2010-13",
        "partners_2022": f"the same partners in {first_year}-{event_year - 1}",
        "russia_2022_vs_2014_21": "Russia in 2014-21",
    }
    return RegimeDummies(out, labels, first_year, int(event_year), last_year)


def with_partners_row(grav_ri, grav_partners, group_draws: int) -> pd.DataFrame:
    """The design-based table: Russia's dummies against the donors, then the partners' group
    dummy with its interval and p-value rounded to their Monte Carlo error."""
    from sanctions_model.models.panel.report import gravity_table
    from sanctions_model.reporting import format as fmt

    frame = grav_partners.to_frame()
    partners_row = gravity_table(frame, analytic=False).assign(
        **{
            fmt.interval_label(frame.attrs.get("alpha")): [
                grav_partners.interval_text("partners_2022")
            ],
            "p": [grav_partners.pvalue_text("partners_2022")],
            "rank": [f"random groups ({group_draws:,})"],
        }
    )
    return pd.concat([gravity_table(grav_ri.to_frame(), analytic=False), partners_row])


def sample_comparison(grav, grav_ri, grav_partners, samples: Mapping[str, str]) -> str:
    """The all-destination and the donor-sample point estimates side by side, each sample named
    (``samples`` from :func:`~sanctions_model.models.panel.report.gravity_samples`)."""
    from sanctions_model.models.panel.report import gravity_samples_sentence

    return gravity_samples_sentence(
        grav.to_frame(), grav_ri.to_frame(), grav_partners.to_frame(), dict(samples)
    )


def partners_sentence(grav_partners, dummies: RegimeDummies) -> str:
    """The partners' group dummy in a sentence, with the randomization it rests on."""
    gp = grav_partners.results["partners_2022"]
    return grav_partners.sentence(
        "partners_2022",
        f"Gravity PPML, EU27 exports to the five partners as a group in {dummies.span}",
        reference=f"their {dummies.base} level, relative to the donor destinations",
        inference=f"randomization inference among {gp.n_placebos:,} random groups of five donors",
    )


def analytic_record(grav, grav_ri, labels: Mapping[str, str]) -> dict[str, object]:
    """The analytic gravity fit's results.json keys (point estimates; caveats of both fits)."""
    return {
        "gravity": {k: float(v) for k, v in grav.params.items()},
        "gravity_compared_with": dict(labels),
        "gravity_inference": grav.inference,
        "gravity_caveats": list(grav.caveats) + list(grav_ri.caveats),
    }
