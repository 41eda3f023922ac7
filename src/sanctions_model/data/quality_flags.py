"""Load the quality flags of a dataset by name (the vocabulary and table are in :mod:`.flags`).

Each :class:`~sanctions_model.data.registry.Dataset` names the reader of its flags; this module
looks the dataset up, verifies its files and memoises the flags table. It sits above the registry,
while the readers that make flags use :mod:`.flags` below it.

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
from pathlib import Path

import pandas as pd

from sanctions_model.data import manifest, registry
from sanctions_model.data.flags import FLAG_COLUMNS, FLAGS, make_flags

__all__ = ["FLAGS", "FLAG_COLUMNS", "load_quality_flags", "make_flags"]


@functools.cache
def _load(source: str, paths: tuple[str, ...], hashes: tuple[str, ...]) -> pd.DataFrame:
    reader = registry.get(source).flags
    assert reader is not None  # load_quality_flags checked
    return reader([Path(p) for p in paths])


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
    dataset = registry.get(source)  # an unknown name raises, listing the datasets
    if dataset.flags is None:
        return make_flags([])
    root = manifest.data_dir()
    paths = dataset.paths(root)
    hashes = tuple(manifest.verify(p, root) for p in paths)  # memoised; keys the cache
    return _load(source, tuple(map(str, paths)), hashes).copy()
