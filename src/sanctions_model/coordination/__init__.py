"""Coordination gaps among allies: re-routing, restricted goods, adoption timing, list overlap.

Public API
----------
Ally scorecard (:mod:`.scorecard`, :mod:`.substitution`, :mod:`.gap_ranks`)
    :func:`ally_scorecard` -> :class:`AllyScorecard` (per ally: direct ratio from Russia's side,
    the hubs' imports from the hubs' side, substitution with interval, US-UK list overlap,
    adoption lags); :func:`eu27_substitution` (the EU side);
    :func:`estimate_substitution` -> :class:`SubstitutionResults` (trend-with-drift
    counterfactuals, joint draws, ratio of expected values with a Fieller-type interval);
    :func:`gap_ranks` -> :class:`GapRanks` (coordination-gap ranks with rank intervals);
    :func:`eu27_robustness` -> :class:`Robustness` (the EU27 ratio under other choices);
    :func:`compare_sides` -> :class:`SideComparison` (hub side against EU side, one currency).
Real terms (:mod:`.real_terms`, :mod:`.digits`)
    :func:`price_config` -> :class:`Prices` (real or nominal, deflator per currency, base year);
    figures printed at the digits their draws support.
Common High Priority goods (:mod:`.chp`)
    :func:`chp_did` -> :class:`ChpDiD` (CHP goods against other banned goods, to the hubs and
    to Russia; randomization inference over goods); :func:`chp_substitution`.
Adoption timing (:mod:`.timing`)
    :func:`adoption_timing` -> :class:`AdoptionTiming` (first adoption per kind of measure and
    jurisdiction, lag behind the first mover, spread; ``plot()`` timeline).
Designation lists (:mod:`.names`, :mod:`.designations`, :mod:`.designation_timeline`)
    :func:`normalize_name`, :func:`name_similarity`; :func:`match_subjects` (two lists, scored
    matches); :func:`compare_lists` -> :class:`ListOverlap` (Jaccard matrix, subjects listed once,
    coverage, listing lags with the UK transition date set apart);
    :func:`designation_timeline` -> :class:`DesignationTimeline` (designations per month by
    subject type against the events).
Re-routing (:mod:`.rerouting`)
    :func:`estimate_rerouting` -> :class:`ReroutingResults` (shortfall to Russia, excess to the
    partners, substitution ratio with simulation intervals, ranking, plot);
    :func:`substitution_ratio` on any :class:`CounterfactualDraws`;
Exposure (:mod:`.exposure`)
    :func:`exposure_event_study` -> :class:`ExposureEventStudy`; :func:`pre_war_exposure`.
Restricted goods (:mod:`.goods`)
    :func:`restricted_goods_did` -> :class:`RestrictedGoodsDiD`.
Index (:mod:`.index`)
    :func:`coordination_gap_index` / :func:`gap_index` -> :class:`CoordinationGapIndex`.
Simulation (:mod:`.simulate`)
    :func:`simulate_rerouting_panel` (planted re-routing of known size).
"""

from __future__ import annotations

from sanctions_model.simulate.coordination import SimulatedRerouting, simulate_rerouting_panel

from .chp import ChpDiD, chp_did, chp_substitution
from .designation_timeline import DesignationTimeline, designation_timeline
from .designations import ListOverlap, MatchConfig, compare_lists, match_subjects
from .exposure import ExposureEventStudy, exposure_event_study, pre_war_exposure
from .gap_ranks import GapRanks, gap_ranks
from .goods import RestrictedGoodsDiD, restricted_goods_did
from .index import CoordinationGapIndex, coordination_gap_index, gap_index
from .names import name_similarity, normalize_name
from .real_terms import Prices, price_config
from .record import coordination_record
from .rerouting import (
    CounterfactualDraws,
    ReroutingResults,
    SubstitutionEstimate,
    estimate_rerouting,
    substitution_ratio,
)
from .robustness import Robustness, eu27_robustness
from .scorecard import AllyScorecard, ally_scorecard, eu27_substitution, overlap_tables
from .scorecard_inputs import us_uk_lags
from .sides import SideComparison, compare_sides, eu27_sides
from .substitution import Substitution, SubstitutionResults, estimate_substitution
from .timing import AdoptionTiming, adoption_timing
from .units import in_currency_units

__all__ = [
    "Prices",
    "Robustness",
    "SideComparison",
    "compare_sides",
    "eu27_sides",
    "coordination_record",
    "eu27_robustness",
    "price_config",
    "AdoptionTiming",
    "AllyScorecard",
    "ChpDiD",
    "chp_did",
    "chp_substitution",
    "GapRanks",
    "Substitution",
    "SubstitutionResults",
    "ally_scorecard",
    "estimate_substitution",
    "eu27_substitution",
    "overlap_tables",
    "us_uk_lags",
    "in_currency_units",
    "gap_ranks",
    "CoordinationGapIndex",
    "CounterfactualDraws",
    "DesignationTimeline",
    "ExposureEventStudy",
    "ListOverlap",
    "MatchConfig",
    "ReroutingResults",
    "RestrictedGoodsDiD",
    "SimulatedRerouting",
    "SubstitutionEstimate",
    "adoption_timing",
    "compare_lists",
    "coordination_gap_index",
    "designation_timeline",
    "estimate_rerouting",
    "exposure_event_study",
    "gap_index",
    "match_subjects",
    "name_similarity",
    "normalize_name",
    "pre_war_exposure",
    "restricted_goods_did",
    "simulate_rerouting_panel",
    "substitution_ratio",
]
