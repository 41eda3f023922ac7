"""Quality flags: what a reader knows about a dataset that the tidy table cannot say.

A flag marks a method break, a preliminary year, a unit or flow inferred from totals rather than
read from the file, a total computed by us, a year taken from a later vintage. Flags are data:
each reader returns them beside its table (:func:`make_flags`), and
:func:`sanctions_model.data.load_quality_flags` gives them as a table that analyses join on, print
beside their estimates, or filter on (``flag == "preliminary"``), never warnings on stderr.

This module is the vocabulary the readers share; it imports no other module of the package, so
every reader can use it (the loader, which needs the registry, is :mod:`.quality_flags`).

Columns (:data:`FLAG_COLUMNS`)
    ``source``    dataset name in the catalog
    ``reporter``  the reporter the flag applies to
    ``partner``   a partner code, or ``"*"`` for every partner of the reporter
    ``period``    ``"2023"``, ``"2023-01"``, or ``"*"`` for every period
    ``flag``      one of :data:`FLAGS`
    ``detail``    one sentence with the evidence (file, figures)
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

FLAG_COLUMNS = ("source", "reporter", "partner", "period", "flag", "detail")

#: The kinds of flag, with what each means.
FLAGS: dict[str, str] = {
    "method_break": "values for these partners are compiled by another method than the rest",
    "preliminary": "the publisher marks the figures as preliminary",
    "inferred_flow_unit": "flow and unit are not in the file; inferred from published totals",
    "inferred_unit": "the unit is not in the file; inferred from the size of the totals",
    "incomplete_year": "the publisher's annual row covers part of the year only: left out",
    "total_is_sum": "the file has no total row: the World total (G001) is the sum of partners",
    "total_mismatch": "the partner rows do not add up to the publisher's total row",
    "vintage": "the year is taken from a later file than its own (a revised vintage)",
    "unallocated": "a large share of the total has no partner country",
    "merged_labels": "several labels of the file map to one partner code: their values are summed",
    "mirror_estimate": "the reporter published nothing: the values are estimates from partner data",
}


def make_flags(rows: Iterable[tuple[str, str, str, str, str, str]]) -> pd.DataFrame:
    """Build a flags table from ``(source, reporter, partner, period, flag, detail)`` tuples."""
    frame = pd.DataFrame(list(rows), columns=list(FLAG_COLUMNS), dtype=object)
    unknown = set(frame["flag"]) - set(FLAGS)
    if unknown:
        raise ValueError(f"unknown quality flag(s) {sorted(unknown)}; known: {sorted(FLAGS)}")
    return frame.astype(str).reset_index(drop=True)
