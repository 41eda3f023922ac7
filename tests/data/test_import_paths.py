"""The import paths users had before the data layer lost its import circles (issue 22) still work,
and the pieces moved below the registry are the very objects the old modules give."""

from __future__ import annotations

import importlib

import pytest

from sanctions_model.data import (
    flags,
    hub_records,
    manifest,
    price_series,
    read_log,
    reads,
    registry,
)

MOVED = [
    ("quality_flags", flags, ["FLAGS", "FLAG_COLUMNS", "make_flags"]),
    ("partner_national", hub_records, ["HubTable", "WORLD", "UNIT_SCALE", "EAEU_PARTNERS"]),
    ("hub_sheets", hub_records, ["HubTable", "WORLD", "EAEU_PARTNERS"]),
    (
        "prices",
        price_series,
        [
            "PRICE_INDICES",
            "EXCHANGE_RATE",
            "PriceSeries",
            "DEFAULT_DEFLATOR",
            "CURRENCIES",
            "read_price_files",
        ],
    ),
    ("reads", read_log, ["RUN_DIR_ENV", "READS_NAME", "recording", "record_read", "read_reads"]),
]


@pytest.mark.parametrize(("old", "new", "names"), MOVED, ids=[m[0] for m in MOVED])
def test_old_module_gives_the_moved_objects(old, new, names):
    module = importlib.import_module(f"sanctions_model.data.{old}")
    for name in names:
        assert getattr(module, name) is getattr(new, name), f"{old}.{name}"


def test_package_level_names():
    from sanctions_model import data

    for name in data.__all__:
        assert getattr(data, name) is not None, name
    assert (
        data.load_quality_flags
        is importlib.import_module("sanctions_model.data.quality_flags").load_quality_flags
    )


def test_checksums_resolve_a_name_once():
    expected = {
        p.resolve().relative_to(manifest.data_dir().resolve()).as_posix(): manifest.sha256_file(p)
        for p in registry.get("fred").paths()
    }
    assert registry.checksums("fred") == expected
    assert reads.embedded_checksums("fred") == expected
    assert reads.current_checksums("fred") == expected
    assert reads.current_checksums("no_such_dataset") is None
    assert reads.still_current({"fred": {"origin": "embedded", "files": expected}})
    stale = {k: "0" * 64 for k in expected}
    assert not reads.still_current({"fred": {"origin": "embedded", "files": stale}})


def test_only_flagged_datasets_have_a_flags_reader():
    have = sorted(name for name, d in registry.DATASETS.items() if d.flags is not None)
    assert have == ["imf_imts", "partner_national", "partner_national_am_monthly"]
