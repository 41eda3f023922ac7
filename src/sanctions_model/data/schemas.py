"""The canonical tidy tables, as pandera schemas.

Every reader returns one of these tables and validates it here, so the models, the coordination
measures and the notebooks rely on one shape whatever the publisher's format.

Trade flows (:data:`TRADE`)
    ``reporter``  str   ISO 3166-1 alpha-2, or a publisher aggregate code (``EU27_2020``, ``G001``)
    ``partner``   str   same coding
    ``flow``      str   ``export`` or ``import``, from the reporter's side
    ``product``   str   ``TOTAL``, an HS/CN code, or a named basket (``REG833_ANNEX``)
    ``period``    Period[M] or Period[Y]
    ``value``     float >= 0, in ``currency`` times ``unit_scale``
    ``currency``  str   ``EUR`` or ``USD``
    ``unit_scale`` int  1 for units, 1_000_000 for millions
    ``source``    str   dataset name in the catalog
Indicators (:data:`INDICATORS`)
    ``country``, ``indicator``, ``period``, ``value``, ``unit``, ``source``
Designations (:data:`DESIGNATIONS`)
    ``jurisdiction``, ``regime``, ``subject_id``, ``subject_type`` (individual, entity, ship,
    aircraft), ``name`` (primary name), ``aliases`` (tuple of other names), ``designated_on``
    (Timestamp or NaT), ``date_censored`` (bool: True when ``designated_on`` is only an upper
    bound on the first listing, e.g. an OFAC entry already in the first scraped version, or a UK
    entry dated 2020-12-31, carried over from the EU regime), ``source``
Sanctions events (:data:`EVENTS`)
    ``jurisdiction``, ``date``, ``date_type`` (adopted, in_force), ``measure``, ``kind``,
    ``direction`` (export, import, both, none: the goods flow with Russia the measure restricts),
    ``legal_act``, ``source``, ``notes``
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from sanctions_model.data.countries import is_valid_code
from sanctions_model.errors import DataFormatError

KINDS = ("trade", "financial", "energy", "designations", "transport", "services")
#: Which goods flow with Russia an event restricts: exports to it, imports from it, both, none;
#: ``unknown`` for an events file written before the column existed.
DIRECTIONS = ("export", "import", "both", "none", "unknown")


def _codes_valid(series: pd.Series) -> pd.Series:
    # each distinct code once: a 2-million-row table has a few dozen codes
    valid = [code for code in pd.unique(series) if is_valid_code(code)]
    return series.isin(valid)


def _is_period(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.PeriodDtype)


TRADE = pa.DataFrameSchema(
    {
        "reporter": pa.Column(str, pa.Check(_codes_valid, error="known country or aggregate code")),
        "partner": pa.Column(str, pa.Check(_codes_valid, error="known country or aggregate code")),
        "flow": pa.Column(str, pa.Check.isin(["export", "import"])),
        "product": pa.Column(str, pa.Check.str_length(min_value=1)),
        "period": pa.Column(checks=pa.Check(_is_period, error="pandas Period dtype")),
        "value": pa.Column(float, pa.Check.ge(0), nullable=False),
        "currency": pa.Column(str, pa.Check.isin(["EUR", "USD"])),
        "unit_scale": pa.Column(int, pa.Check.gt(0)),
        "source": pa.Column(str),
    },
    unique=["reporter", "partner", "flow", "product", "period"],
    strict=True,
    ordered=True,
    name="trade flows",
)

INDICATORS = pa.DataFrameSchema(
    {
        "country": pa.Column(str),
        "indicator": pa.Column(str),
        "period": pa.Column(checks=pa.Check(_is_period, error="pandas Period dtype")),
        "value": pa.Column(float),
        "unit": pa.Column(str),
        "source": pa.Column(str),
    },
    unique=["country", "indicator", "period"],
    strict=True,
    ordered=True,
    name="indicators",
)

DESIGNATIONS = pa.DataFrameSchema(
    {
        "jurisdiction": pa.Column(str),
        "regime": pa.Column(str),
        "subject_id": pa.Column(str, unique=True),
        "subject_type": pa.Column(str, pa.Check.isin(["individual", "entity", "ship", "aircraft"])),
        "name": pa.Column(str, pa.Check.str_length(min_value=1)),
        "aliases": pa.Column(object),
        "designated_on": pa.Column("datetime64[ns]", nullable=True),
        "date_censored": pa.Column(bool),
        "source": pa.Column(str),
    },
    strict=True,
    ordered=True,
    name="designations",
)

EVENTS = pa.DataFrameSchema(
    {
        "jurisdiction": pa.Column(str, pa.Check(_codes_valid, error="known jurisdiction code")),
        "date": pa.Column("datetime64[ns]"),
        "date_type": pa.Column(str, pa.Check.isin(["adopted", "in_force"])),
        "measure": pa.Column(str, pa.Check.str_length(min_value=1)),
        "kind": pa.Column(str, pa.Check.isin(list(KINDS))),
        "direction": pa.Column(str, pa.Check.isin(list(DIRECTIONS))),
        "legal_act": pa.Column(str, pa.Check.str_length(min_value=1)),
        "source": pa.Column(str, pa.Check.str_length(min_value=1)),
        "notes": pa.Column(str),
    },
    strict=True,
    ordered=True,
    name="sanctions events",
)


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, path: object) -> pd.DataFrame:
    """Validate ``frame`` against ``schema``; failures become :class:`DataFormatError` on ``path``.

    A designations table without ``date_censored`` (a reader that knows nothing of censored dates)
    gets it as False, placed after ``designated_on``.
    """
    if schema is DESIGNATIONS and "date_censored" not in frame and "designated_on" in frame:
        frame = frame.copy()
        frame.insert(frame.columns.get_loc("designated_on") + 1, "date_censored", False)
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.head(5)
        details = "; ".join(
            f"column {c!r} check {chk!r} failed for {v!r}"
            for c, chk, v in zip(
                cases["column"], cases["check"], cases["failure_case"], strict=False
            )
        )
        raise DataFormatError(path, f"does not fit the {schema.name} table: {details}") from None
