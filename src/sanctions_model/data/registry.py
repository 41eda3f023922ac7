"""The registry of datasets: name -> kind, files, reader, description.

Every loader goes through here: :func:`load` verifies each file against the manifest, reads it
with the reader for its publisher's format, and memoises the validated table per process (the
notebooks and a sweep's worker load the same tables many times). Callers get a copy.

A name is resolved here once, into a :class:`Dataset` handle (files, checksums, reader, flags
reader); the readers below never look a name up again. Modules that need a dataset by name
(:mod:`.prices`, :mod:`.quality_flags`, :mod:`.reads`, the package's ``load_*``) sit above this
one and import it; nothing this module imports imports them back.
"""

from __future__ import annotations

import functools
import glob
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sanctions_model.data import (
    cn8_goods,
    comext,
    events,
    fred,
    imf,
    manifest,
    ofac,
    partner_national,
    price_series,
    read_log,
    tables,
    uk_sanctions,
)
from sanctions_model.errors import SanctionsModelError


@dataclass(frozen=True)
class Dataset:
    """One dataset shipped under ``data/``."""

    name: str
    kind: str  # trade | indicators | designations | events | codes
    description: str
    publisher: str
    files: tuple[str, ...]  # glob patterns relative to data/
    reader: Callable[..., pd.DataFrame] = field(repr=False)
    #: The quality flags the reader knows (see :mod:`.flags`); None when it has none.
    flags: Callable[[list[Path]], pd.DataFrame] | None = field(default=None, repr=False)

    def paths(self, root: Path | None = None) -> list[Path]:
        root = root or manifest.data_dir()
        found: list[Path] = []
        for pattern in self.files:
            found += sorted(p for p in root.glob(pattern) if p.is_file())
        if not found:
            raise SanctionsModelError(
                f"dataset {self.name!r}: no files match {list(self.files)} under {root}"
            )
        return found

    def checksums(self, root: Path | None = None) -> dict[str, str]:
        """``{path relative to data/: sha256}`` of the files, each verified against the manifest
        (memoised on the files' paths, times and sizes, as :func:`load` records them)."""
        root = (root or manifest.data_dir()).resolve()
        return dict(_checksums(self.name, str(root), _stamp(self.name, root)))


_MONTHLY = tuple(
    f"raw/eurostat_comext_monthly/{d}/*.csv"
    for d in (
        "russia_export_eurostat",
        "armenia_export_eurostat",
        "georgia_export_eurostat",
        "kazakhstan_export_eurostat",
        "kyrgyz_export_eurostat",
        "uzbek_export_eurostat",
        "kyrgyzstan_import_eurostat",
    )
)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset(
            "eurostat_comext",
            "trade",
            "Monthly exports (EUR) of the EU member states and aggregates to RU, AM, GE, KZ, KG, UZ; "
            "imports from KG",
            "Eurostat, Comext DS-045409",
            _MONTHLY,
            lambda paths: comext.read_relational_views(paths, source="eurostat_comext"),
        ),
        Dataset(
            "eurostat_comext_annual",
            "trade",
            "Annual EU27 exports (EUR) to every partner",
            "Eurostat, Comext DS-045409",
            ("raw/eurostat_comext_monthly/eu_year_export/*.csv",),
            lambda paths: comext.read_relational_views(paths, source="eurostat_comext_annual"),
        ),
        Dataset(
            "eurostat_xlsx",
            "trade",
            "Monthly imports and exports (EUR), total and HS 27, member states x AM, BY, GE, KZ, KG, RU, UZ",
            "Eurostat, Comext DS-045409 (XLSX export of 2023-01-22)",
            ("raw/eurostat_comext_2020_2022/eu_total_trade_4630244_spreadsheet.xlsx",),
            lambda paths: comext.read_spreadsheet(paths[0], source="eurostat_xlsx"),
        ),
        Dataset(
            "eu_sanctioned_exports",
            "trade",
            "Monthly EU exports (EUR) of goods in the annexes of Regulation (EU) 833/2014 "
            "(product REG833_ANNEX)",
            "built from Eurostat CN8 data by vzemlys/ruimpeks (MIT)",
            ("raw/eurostat_comext_2020_2022/eu_export_sanctioned.xlsx",),
            lambda paths: comext.read_sanctioned_exports(paths[0], source="eu_sanctioned_exports"),
        ),
        Dataset(
            "imf_imts",
            "trade",
            "Russia's annual goods exports (FOB) and imports (CIF) by counterpart, millions of USD; "
            "2022 on are IMF estimates from partner data",
            "IMF, International Trade in Goods (IMTS)",
            ("raw/imf_imts/RU_trade.csv",),
            lambda paths: imf.read_imts_csv(paths[0], source="imf_imts"),
            flags=lambda paths: imf.read_imts_flags(paths, source="imf_imts"),
        ),
        Dataset(
            "fred",
            "indicators",
            "Brent crude, USD per barrel, monthly average (POILBREUSDM)",
            "IMF Primary Commodity Prices via FRED",
            ("raw/fred/*.csv",),
            lambda paths: pd.concat(
                [fred.read_fred_csv(p, source="fred") for p in paths], ignore_index=True
            ),
        ),
        Dataset(
            "price_indices",
            "indicators",
            "Monthly price indices to deflate trade values: euro-area HICP (CP0000EZ19M086NEST), "
            "US CPI-U (CPIAUCSL), US export prices (IQ); see sanctions_model.data.prices",
            "Eurostat (HICP), US BLS (CPI-U, export prices), via FRED",
            tuple(price_series.PRICE_INDICES[n].file for n in sorted(price_series.PRICE_INDICES)),
            lambda paths: price_series.read_price_files(paths, source="price_indices"),
        ),
        Dataset(
            "eur_usd",
            "indicators",
            "US dollars per euro, monthly average (EXUSEU)",
            "Board of Governors of the Federal Reserve System (H.10), via FRED",
            (price_series.EXCHANGE_RATE.file,),
            lambda paths: price_series.read_price_files(paths, source="eur_usd"),
        ),
        Dataset(
            "uk_sanctions_list",
            "designations",
            "Every subject on the UK Sanctions List with designation date, names and aliases",
            "UK FCDO, UK Sanctions List (29 April 2026), OGL v3.0",
            ("raw/uk_sanctions_list/subjects.csv", "raw/uk_sanctions_list/subject_names.csv"),
            lambda paths: uk_sanctions.read_uk_sanctions_list(
                paths[0], paths[1], source="uk_sanctions_list"
            ),
        ),
        Dataset(
            "partner_national",
            "trade",
            "Annual exports and imports (thousand USD) of UZ, KZ, KG, AM by partner country, from "
            "their own statistics; partner G001 is each hub's World total",
            "Statistics Agency of Uzbekistan; Bureau of National Statistics of Kazakhstan; National "
            "Statistical Committee of Kyrgyzstan; Statistical Committee of Armenia via Open Data "
            "Armenia",
            (
                "raw/partner_national/uzbekistan/*.csv",
                "raw/partner_national/kazakhstan/*.xls",
                "raw/partner_national/kyrgyzstan/*.xlsx",
                "raw/partner_national/armenia/*.csv",
            ),
            lambda paths: (
                partner_national.read_partner_national(paths, source="partner_national").table
            ),
            flags=lambda paths: (
                partner_national.read_partner_national(paths, source="partner_national").flags
            ),
        ),
        Dataset(
            "partner_national_am_monthly",
            "trade",
            "Armenia's monthly exports and imports (by country of consignment), thousand USD, "
            "by partner country",
            "Statistical Committee of Armenia via Open Data Armenia",
            ("raw/partner_national/armenia/*.csv",),
            lambda paths: (
                partner_national.read_armenia_monthly(
                    paths, source="partner_national_am_monthly"
                ).table
            ),
            flags=lambda paths: (
                partner_national.read_armenia_monthly(
                    paths, source="partner_national_am_monthly"
                ).flags
            ),
        ),
        Dataset(
            "ofac_sdn",
            "designations",
            "The US SDN list as of 2024-05-03 (all programs), each entry dated by when it was "
            "first seen in 309 scraped versions (2021-08-18 on; earlier entries censored)",
            "US Treasury, OFAC (public domain), via jackdwyer/specially-designated-nationals-list",
            ("raw/ofac_sdn/sdn.csv", "raw/ofac_sdn/first_seen.csv"),
            lambda paths: ofac.read_sdn(paths[0], paths[1], source="ofac_sdn"),
        ),
        Dataset(
            "ofac_sdn_history",
            "designations",
            "Every entry ever seen on the US SDN list 2021-08-18 to 2024-05-03, delisted ones "
            "included, with its first-seen date",
            "derived from OFAC's SDN list (public domain), scraped versions",
            ("raw/ofac_sdn/first_seen.csv",),
            lambda paths: ofac.read_first_seen(paths[0], source="ofac_sdn_history"),
        ),
        Dataset(
            "reg833_cn8_codes",
            "codes",
            "CN8 codes of goods under export restrictions in Regulation (EU) 833/2014 (2022-10-07)",
            "vzemlys/ruimpeks (MIT), from EUR-Lex CELEX 02014R0833-20221007",
            ("raw/eurostat_comext_2020_2022/export_sanctions_codes.csv",),
            lambda paths: comext.read_cn8_codes(paths[0]),
        ),
        Dataset(
            "eu_cn8_sanctioned",
            "trade",
            "Monthly EU exports (EUR) by member state of 440 CN8 goods under the export bans of "
            "Regulation 833/2014 (chapters 84-91; 19 of the 50 Common High Priority HS6 codes) to "
            "AM, BY, GE, KG, KZ, RU, UZ; product = CN8 code",
            "Eurostat, Comext DS-045409 (Data Browser extracts of January 2023, via vzemlys/ruimpeks)",
            ("raw/eurostat_cn8_sanctioned_goods/eurostat_xlsx/*.xlsx",),
            lambda paths: cn8_goods.read_cn8_workbooks(paths, source="eu_cn8_sanctioned"),
        ),
        Dataset(
            "chp_codes",
            "codes",
            "The 50 HS6 codes of the EU/US/UK/Japan Common High Priority Items List (23 Feb 2024) "
            "with tier and description",
            "European Commission / US BIS publications of the joint list",
            ("raw/reference/common_high_priority_hs6.csv",),
            lambda paths: cn8_goods.read_chp_codes(paths[0]),
        ),
        Dataset(
            "sanctions_events",
            "events",
            "Sanctions measures against Russia by jurisdiction, with dates and legal acts",
            "compiled for sanctions-model from the legal acts cited in each row",
            ("events/sanctions_events.csv",),
            lambda paths: events.read_events_csv(paths[0]),
        ),
    ]
}


def get(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise SanctionsModelError(
            f"unknown dataset {name!r}; embedded: {', '.join(sorted(DATASETS))}; fetched datasets "
            "are listed by `sanctions-model data cached` (fetch one with `sanctions-model fetch`)"
        ) from None


def kind_of(name: str) -> str:
    """The kind of an embedded or cached dataset."""
    if name in DATASETS:
        return DATASETS[name].kind
    from sanctions_model.data.connectors import cache  # lazy, as in load()

    record = cache.read_record(name)
    if record is None:
        get(name)  # raises the unknown-dataset error
    return str(record.get("table") or record["kind"])  # a user file: the table it holds


def _stamp(name: str, root: Path) -> tuple[tuple[str, int, int], ...]:
    """The dataset's files as they are now, in :meth:`Dataset.paths`' order: path, modification
    time (ns) and size of each. With ``glob`` and ``os.stat`` on strings (a few ms for the
    ~500 monthly files of the trade data; pathlib took 0.14 s)."""
    out: list[tuple[str, int, int]] = []
    for pattern in get(name).files:
        found = []
        for path in glob.glob(os.path.join(str(root), pattern), include_hidden=True):
            try:
                info = os.stat(path)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                found.append((path, info.st_mtime_ns, info.st_size))
        found.sort(key=lambda entry: Path(entry[0]))  # as Dataset.paths sorts
        out += found
    if not out:
        get(name).paths(root)  # raises the error naming the patterns and the folder
    return tuple(out)


@functools.lru_cache(maxsize=128)
def _checksums(name: str, root: str, stamp: tuple[tuple[str, int, int], ...]) -> dict[str, str]:
    """:meth:`Dataset.checksums` of the files in ``stamp`` (each verified against the manifest),
    memoised on the stamp: a run that loads the trade data twice records its ~500 checksums
    without resolving and verifying each path again (0.05 s a time)."""
    base = Path(root).resolve()
    return {
        Path(p).resolve().relative_to(base).as_posix(): manifest.verify(p, Path(root))
        for p, _, _ in stamp
    }


@functools.lru_cache(maxsize=128)
def _load_cached(name: str, root: str, stamp: tuple[tuple[str, int, int], ...]) -> pd.DataFrame:
    """The parsed table of ``name``, memoised on its files' paths, times and sizes: a file
    added, removed or rewritten since (a long-lived JupyterLab kernel while someone updates
    ``data/``) is read and verified again rather than served stale."""
    paths = [Path(p) for p, _, _ in stamp]
    hashes = list(_checksums(name, root, stamp).values())
    key = tables.table_key(name, hashes)
    frame = tables.read(name, key)
    if frame is None:
        frame = tables.normalize(get(name).reader(paths))
        tables.write(name, key, frame)
    return frame


def load(name: str) -> pd.DataFrame:
    """Load a dataset's validated table (a fresh copy; the parsed table is memoised).

    Names not embedded are looked up in the cache of fetched datasets
    (:mod:`sanctions_model.data.connectors.cache`), which verifies its own checksums.
    """
    if name not in DATASETS:
        # lazy: the connectors package (~0.2 s to import) is needed only for fetched datasets
        from sanctions_model.data.connectors import cache

        frame = cache.load_cached(name)
        if frame is None:
            get(name)
        return frame
    root = manifest.data_dir().resolve()  # a relative SANCTIONS_MODEL_DATA_DIR: from this cwd
    stamp = _stamp(name, root)
    frame = _load_cached(name, str(root), stamp).copy()
    if read_log.recording():  # inside a run: the runner's cache needs what this run read
        read_log.record_read(name, "embedded", dict(_checksums(name, str(root), stamp)))
    return frame


def checksums(name: str) -> dict[str, str] | None:
    """What :func:`load` would record for ``name`` now: an embedded dataset's verified file
    checksums, or a fetched dataset's (:func:`.connectors.cache.checksums`); None when no dataset
    has that name."""
    if name in DATASETS:
        return DATASETS[name].checksums()
    from sanctions_model.data.connectors import cache  # lazy, as in load()

    return cache.checksums(name)


def clear_cache() -> None:
    """Forget memoised tables (tests that change files on disk call this)."""
    _load_cached.cache_clear()
    _checksums.cache_clear()
    manifest._manifest.cache_clear()
    manifest._verified.cache_clear()
