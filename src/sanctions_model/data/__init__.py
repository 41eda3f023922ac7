"""The data layer: publisher files in, validated tidy tables out.

Public API
----------
load_trade(source="eurostat_comext", **filters)
    Trade flows (see :mod:`sanctions_model.data.schemas` for the table), as published: ``value``
    is in ``currency`` times ``unit_scale``.
filter_trade(frame, source, **filters)
    The same filters on a table already loaded.
prices (module)
    Price indices and the EUR/USD rate: ``deflate``, ``convert_currency``, ``price_index``,
    ``trade_in_real_terms``, ``DEFAULT_DEFLATOR`` (datasets ``price_indices`` and ``eur_usd``).
load_indicators(source="fred", indicator=None)
load_designations(source="uk_sanctions_list", regime=None)
load_events(jurisdiction=None, kind=None)
load_cn8_codes()
load_chp_codes(), chp_tier(cn8)
    The Common High Priority list (HS6, tier) and the tier of CN8 codes.
load_quality_flags(source)
    Method breaks, preliminary years, inferred units of a dataset (see :mod:`.quality_flags`).
catalog()
    One row per dataset with its coverage.
coverage(source="eurostat_comext")
    First and last period of a trade dataset.

Layers
------
Bottom up: a module imports from its own layer or below (``tests/test_import_graph.py`` fails on
any import circle).

1. Readers of publisher formats and what they share: ``comext``, ``imf``, ``fred``, ``ofac``,
   ``uk_sanctions``, ``events``, ``cn8_goods``, ``partner_national`` and ``hub_sheets`` (over
   ``hub_records``), ``price_series``; ``flags`` (quality-flag vocabulary), ``schemas``,
   ``countries``, ``donors``, ``_text``.
2. Files and caches: ``manifest`` (checksums), ``tables`` (parsed-table cache), ``read_log``
   (what a run read), the fetchers and ``connectors.cache`` (fetched and registered datasets).
3. ``registry``: a dataset name becomes a :class:`~.registry.Dataset` handle (files, checksums,
   reader, flags reader) once, here.
4. By name, over the registry: ``prices``, ``quality_flags``, ``reads`` (is a run's read still
   current), this package's ``load_*`` functions, and the user's commands
   (``connectors.user_files``, which refuses embedded names, and ``connectors.cli``).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from sanctions_model.data import countries, manifest
from sanctions_model.data.countries import (
    EU27,
    REROUTING_PARTNERS,
    REROUTING_PARTNERS_FETCHED,
    SANCTIONING,
)
from sanctions_model.data.quality_flags import load_quality_flags
from sanctions_model.data.registry import DATASETS, clear_cache, kind_of, load
from sanctions_model.data.uk_sanctions import UK_TRANSITION_DATE
from sanctions_model.errors import ParameterError

__all__ = [
    "EU27",
    "REROUTING_PARTNERS",
    "REROUTING_PARTNERS_FETCHED",
    "SANCTIONING",
    "UK_TRANSITION_DATE",
    "catalog",
    "chp_tier",
    "clear_cache",
    "countries",
    "coverage",
    "filter_trade",
    "load_chp_codes",
    "load_cn8_codes",
    "load_designations",
    "load_events",
    "load_indicators",
    "load_quality_flags",
    "load_trade",
    "manifest_digest",
]


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return list(value)


def _filter(frame: pd.DataFrame, name: str, **filters: str | Iterable[str] | None) -> pd.DataFrame:
    for column, wanted in filters.items():
        values = _as_list(wanted)
        if values is None:
            continue
        known = set(frame[column].unique())
        unknown = [v for v in values if v not in known]
        if unknown:
            raise ParameterError(
                f"{column}={unknown!r} not in dataset {name!r}; available: {sorted(map(str, known))}"
            )
        frame = frame[frame[column].isin(values)]
    return frame


def _check_kind(source: str, kind: str) -> None:
    actual = kind_of(source)
    if actual != kind:
        options = sorted(n for n, d in DATASETS.items() if d.kind == kind)
        raise ParameterError(f"dataset {source!r} holds {actual}, not {kind}; use one of {options}")


def load_trade(
    source: str = "eurostat_comext",
    *,
    reporter: str | Iterable[str] | None = None,
    partner: str | Iterable[str] | None = None,
    flow: str | Iterable[str] | None = None,
    product: str | Iterable[str] | None = None,
    start: str | pd.Period | None = None,
    end: str | pd.Period | None = None,
) -> pd.DataFrame:
    """Load a trade dataset as the canonical trade table, optionally filtered.

    Parameters
    ----------
    source : str
        Dataset name: ``eurostat_comext`` (monthly, default), ``eurostat_comext_annual``,
        ``eurostat_xlsx``, ``eu_sanctioned_exports``, ``imf_imts``.
    reporter, partner, flow, product : str or list of str, optional
        Keep only these codes. An unknown value raises :class:`ParameterError` listing those
        available.
    start, end : str or Period, optional
        Inclusive period bounds (``"2021-03"`` or ``"2021"``).

    Returns
    -------
    DataFrame
        Columns ``reporter, partner, flow, product, period, value, currency, unit_scale, source``.
    """
    _check_kind(source, "trade")
    return filter_trade(
        load(source),
        source,
        reporter=reporter,
        partner=partner,
        flow=flow,
        product=product,
        start=start,
        end=end,
    )


def filter_trade(
    frame: pd.DataFrame,
    source: str,
    *,
    reporter: str | Iterable[str] | None = None,
    partner: str | Iterable[str] | None = None,
    flow: str | Iterable[str] | None = None,
    product: str | Iterable[str] | None = None,
    start: str | pd.Period | None = None,
    end: str | pd.Period | None = None,
) -> pd.DataFrame:
    """The rows of a loaded trade table that :func:`load_trade` would return for these filters
    (so a caller holding the table filters it again without loading the source again)."""
    frame = _filter(frame, source, reporter=reporter, partner=partner, flow=flow, product=product)
    if start is not None or end is not None:
        freq = frame["period"].dtype.freq
        try:
            lo = pd.Period(start, freq=freq) if start is not None else None
            hi = pd.Period(end, freq=freq) if end is not None else None
        except (ValueError, TypeError) as exc:
            raise ParameterError(f"start/end {start!r}/{end!r}: not a period ({exc})") from None
        if lo is not None:
            frame = frame[frame["period"] >= lo]
        if hi is not None:
            frame = frame[frame["period"] <= hi]
    return frame.reset_index(drop=True)


def load_indicators(
    source: str = "fred", *, indicator: str | Iterable[str] | None = None
) -> pd.DataFrame:
    """Load an indicators dataset (country, indicator, period, value, unit, source)."""
    _check_kind(source, "indicators")
    return _filter(load(source), source, indicator=indicator).reset_index(drop=True)


def load_designations(
    source: str = "uk_sanctions_list", *, regime: str | Iterable[str] | None = None
) -> pd.DataFrame:
    """Load a designations list (one row per subject; ``aliases`` holds the other names).

    ``regime`` keeps the subjects listed under any of the given regimes. An entry under several
    (an OFAC entry's regime ``"UKRAINE-EO13662;RUSSIA-EO14024"``) matches each of them, so
    ``load_designations("ofac_sdn", regime="RUSSIA-EO14024")`` keeps the 4,439 entries under
    that program (a 4,440th is tagged ``BPI-RUSSIA-EO14024``, blocked pending investigation).
    ``date_censored`` marks dates that are only upper bounds on the first listing.
    """
    _check_kind(source, "designations")
    frame = load(source)
    wanted = _as_list(regime)
    if wanted is None:
        return frame.reset_index(drop=True)
    listed = frame["regime"].str.split(";")
    known = {r for rs in listed for r in rs}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise ParameterError(
            f"regime={unknown!r} not in dataset {source!r}; available: {sorted(known)}"
        )
    keep = listed.map(lambda rs: any(r in wanted for r in rs)).astype(bool)
    return frame[keep.to_numpy()].reset_index(drop=True)


def load_events(
    *, jurisdiction: str | Iterable[str] | None = None, kind: str | Iterable[str] | None = None
) -> pd.DataFrame:
    """Load the sanctions events timeline (see ``data/events/README.md``)."""
    return _filter(
        load("sanctions_events"), "sanctions_events", jurisdiction=jurisdiction, kind=kind
    ).reset_index(drop=True)


def load_cn8_codes() -> pd.DataFrame:
    """CN8 codes restricted under Regulation (EU) 833/2014 (code, product, chapter)."""
    return load("reg833_cn8_codes")


def load_chp_codes() -> pd.DataFrame:
    """The 50 HS6 codes of the Common High Priority Items List (hs6, tier, description, source).

    ``hs6`` is a 6-digit string; ``tier`` is one of ``1, 2, 3.A, 3.B, 4.A, 4.B`` (tier 1: the
    integrated circuits 8542.31-39).
    """
    return load("chp_codes")


def chp_tier(cn8: Iterable[str]) -> pd.Series:
    """CN8 codes -> their Common High Priority tier via HS6 (NaN when not on the list).

    >>> chp_tier(["85423190", "84798997"]).tolist()  # doctest: +SKIP
    ['1', nan]
    """
    from sanctions_model.data.cn8_goods import chp_tier as _tier

    return _tier(list(cn8), load_chp_codes())


def coverage(source: str = "eurostat_comext") -> tuple[pd.Period, pd.Period]:
    """First and last period of a trade or indicators dataset."""
    frame = load(source)
    return frame["period"].min(), frame["period"].max()


def manifest_digest() -> str:
    """A hash of the data manifest: part of every notebook run's cache key."""
    return manifest.digest()


def catalog(*, include_cached: bool = True) -> pd.DataFrame:
    """Every dataset with kind, publisher, files, rows and coverage.

    Embedded datasets first (``origin`` "embedded"), then datasets fetched into the local cache
    (``origin`` "cached"), side by side.
    """
    rows = []
    for name, ds in DATASETS.items():
        frame = load(name)
        row = {
            "dataset": name,
            "origin": "embedded",
            "kind": ds.kind,
            "description": ds.description,
            "publisher": ds.publisher,
            "files": len(ds.paths()),
            "rows": len(frame),
            "first": None,
            "last": None,
        }
        for col in ("period", "date", "designated_on"):
            if col in frame:
                row["first"], row["last"] = str(frame[col].min())[:10], str(frame[col].max())[:10]
                break
        if ds.kind == "trade":
            row["reporters"] = frame["reporter"].nunique()
            row["partners"] = frame["partner"].nunique()
        rows.append(row)
    out = pd.DataFrame(rows)
    if include_cached:
        from sanctions_model.data.connectors import cache

        cached = cache.list_cached()
        if len(cached):
            cached = cached.assign(
                origin="cached", publisher=cached["source"], description=cached["query"].astype(str)
            )
            out = pd.concat(
                [
                    out,
                    cached.reindex(
                        columns=[
                            c for c in cached.columns if c in out.columns or c == "retrieved_at"
                        ]
                    ),
                ],
                ignore_index=True,
            )
    return out
