"""The disk cache of parsed tables returns exactly what the readers return, and never hides a
corrupted source file."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from sanctions_model.data import DATASETS, clear_cache, load, registry, tables
from sanctions_model.errors import ChecksumError


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SANCTIONS_MODEL_TABLE_CACHE", str(tmp_path / "tables"))
    clear_cache()
    yield tmp_path / "tables"
    clear_cache()


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_cached_table_equals_parsed_table(fresh_cache, name):
    parsed = load(name)  # parses and writes the cache
    assert len(list(fresh_cache.glob(f"{name}-*.parquet"))) == 1
    clear_cache()
    cached = load(name)  # reads the cache
    pd.testing.assert_frame_equal(cached, parsed)


def test_damaged_cache_file_is_ignored_and_rewritten(fresh_cache):
    parsed = load("fred")
    (path,) = fresh_cache.glob("fred-*.parquet")
    path.write_bytes(b"not parquet")
    clear_cache()
    pd.testing.assert_frame_equal(load("fred"), parsed)
    assert pd.read_parquet(path).shape == parsed.shape


def test_corrupted_source_is_reported_even_when_cached(
    fresh_cache, tmp_path, monkeypatch, repo_root
):
    target = tmp_path / "data"
    shutil.copytree(repo_root / "data", target, ignore=shutil.ignore_patterns("cache"))
    monkeypatch.setenv("SANCTIONS_MODEL_DATA_DIR", str(target))
    clear_cache()
    load("fred")  # cache written
    csv = target / "raw" / "fred" / "POILBREUSDM.csv"
    csv.write_bytes(csv.read_bytes().replace(b"32.045", b"12.045"))
    clear_cache()
    with pytest.raises(ChecksumError):
        load("fred")


def test_cache_can_be_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv("SANCTIONS_MODEL_TABLE_CACHE", "off")
    assert tables.cache_dir() is None
    clear_cache()
    assert len(registry.load("fred")) == 121
    clear_cache()


def test_key_changes_with_files_and_readers(monkeypatch):
    key = tables.table_key("fred", ["abc"])
    assert tables.table_key("fred", ["abd"]) != key
    monkeypatch.setattr(tables, "_readers_hash", lambda: "edited reader")
    assert tables.table_key("fred", ["abc"]) != key
