"""Quality flags: what a reader knows about a dataset that the tidy table cannot say.

A flag marks a method break, a preliminary year, a unit or flow inferred from totals rather than
read from the file, a total computed by us, a year taken from a later vintage. Flags are data:
:func:`load_quality_flags` returns them as a table that analyses join on, print beside their
estimates, or filter on (``flag == "preliminary"``), never warnings on stderr.

Columns (:data:`FLAG_COLUMNS`)
    ``source``    dataset name in the catalog
    ``reporter``  the reporter the flag applies to
    ``partner``   a partner code, or ``"*"`` for every partner of the reporter
    ``period``    ``"2023"``, ``"2023-01"``, or ``"*"`` for every period
    ``flag``      one of :data:`FLAGS`
    ``detail``    one sentence with the evidence (file, figures)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from sanctions_model.data import manifest

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


def _flag_readers() -> dict[str, Callable[[list[Path]], pd.DataFrame]]:
    from sanctions_model.data import partner_national

    return {
        "partner_national": lambda paths: (
            partner_national.read_partner_national(paths, source="partner_national").flags
        ),
        "partner_national_am_monthly": lambda paths: (
            partner_national.read_armenia_monthly(paths, source="partner_national_am_monthly").flags
        ),
        "imf_imts": _imf_flags,
    }


def _imf_flags(paths: list[Path]) -> pd.DataFrame:
    """Russia's trade from 2022: IMF estimates from its partners' data (Russia stopped publishing)."""
    from sanctions_model.data import imf

    table = imf.read_imts_csv(paths[0], source="imf_imts")
    years = sorted(
        {p.year for p in table.loc[table["reporter"] == "RU", "period"] if p.year >= 2022}
    )
    return make_flags(
        (
            "imf_imts",
            "RU",
            "*",
            str(year),
            "mirror_estimate",
            "Russia publishes no trade data from 2022: the IMF fills its exports and imports by "
            "partner from the partners' own statistics (mirror data)",
        )
        for year in years
    )


@functools.cache
def _load(source: str, paths: tuple[str, ...], hashes: tuple[str, ...]) -> pd.DataFrame:
    return _flag_readers()[source]([Path(p) for p in paths])


def load_quality_flags(source: str) -> pd.DataFrame:
    """The quality flags of an embedded dataset (an empty table when it has none).

    Parameters
    ----------
    source : str
        A dataset name from :func:`sanctions_model.data.catalog`, e.g. ``"partner_national"``.

    Returns
    -------
    DataFrame
        Columns ``source, reporter, partner, period, flag, detail`` (see the module docstring).

    Examples
    --------
    >>> flags = load_quality_flags("partner_national")  # doctest: +SKIP
    >>> flags[flags["flag"] == "preliminary"]  # doctest: +SKIP
    """
    from sanctions_model.data import registry

    dataset = registry.get(source)  # an unknown name raises, listing the datasets
    if source not in _flag_readers():
        return make_flags([])
    root = manifest.data_dir()
    paths = dataset.paths(root)
    hashes = tuple(manifest.verify(p, root) for p in paths)  # memoised; keys the cache
    return _load(source, tuple(map(str, paths)), hashes).copy()
