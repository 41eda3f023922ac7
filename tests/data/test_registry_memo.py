"""The in-process memo of parsed tables is keyed on the files as they are now.

A long-lived kernel (JupyterLab) must see a data file that changed since it was first loaded:
the memo is keyed on each file's path, modification time and size, so a changed file is read
and verified again, never served stale.

(Loading the tables in the kernel template before forking was measured and dropped: reading
Parquet starts Arrow's thread pools, 2 -> 4 threads in the template, which must stay
single-threaded to fork safely, and maps 1.3 GB of address space, which broke the kernels'
RLIMIT_AS memory limit.)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sanctions_model.data import manifest, registry, tables

REPO_DATA = Path(__file__).resolve().parents[2] / "data"
DATASET = "fred"  # one small CSV


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of the shipped data/ (manifest and all) as the data folder."""
    root = tmp_path / "data"
    shutil.copytree(REPO_DATA, root)
    monkeypatch.setenv("SANCTIONS_MODEL_DATA_DIR", str(root))
    registry.clear_cache()
    yield root
    registry.clear_cache()


def _count_parses(monkeypatch) -> list[str]:
    """Record each table read from disk: parsed from the source files, or read from the parsed-table
    cache (both end in ``tables.normalize``); a load served by the memo records none."""
    parsed: list[str] = []
    real = tables.normalize

    def counting(frame: pd.DataFrame) -> pd.DataFrame:
        parsed.append("x")
        return real(frame)

    monkeypatch.setattr(tables, "normalize", counting)
    return parsed


def test_a_second_load_comes_from_the_memo_as_a_copy(data_copy, monkeypatch):
    parsed = _count_parses(monkeypatch)
    first = registry.load(DATASET)
    first.iloc[0, 0] = None  # a caller's edit does not reach the next load
    again = registry.load(DATASET)
    assert len(parsed) == 1
    assert again.iloc[0, 0] is not None


def test_a_file_changed_after_loading_is_read_again(data_copy, monkeypatch):
    parsed = _count_parses(monkeypatch)
    first = registry.load(DATASET)
    registry.load(DATASET)
    assert len(parsed) == 1
    [path] = registry.DATASETS[DATASET].paths(data_copy)
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    again = registry.load(DATASET)
    assert len(parsed) == 2  # a new modification time: parsed (and verified) again
    pd.testing.assert_frame_equal(again, first)


def test_a_file_rewritten_with_other_bytes_fails_its_checksum_after_a_load(data_copy):
    registry.load(DATASET)
    [path] = registry.DATASETS[DATASET].paths(data_copy)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\n\n", 1))  # same name, other bytes
    with pytest.raises(manifest.ChecksumError, match="POILBREUSDM"):
        registry.load(DATASET)  # not the memo's stale table


def test_inside_a_run_each_file_is_verified_once_and_recorded_each_load(
    data_copy, monkeypatch, tmp_path
):
    """The checksums a run records (``datasets.json``) come from the same memo: two loads in a
    run resolve and verify each file once, and record what ``Dataset.checksums`` gives."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    monkeypatch.setenv("SANCTIONS_MODEL_RUN_DIR", str(run_dir))
    verified: list[str] = []
    real = manifest.verify

    def counting(path, root=None):
        verified.append(str(path))
        return real(path, root)

    monkeypatch.setattr(manifest, "verify", counting)
    registry.load(DATASET)
    registry.load(DATASET)
    assert len(verified) == 1
    from sanctions_model.data import read_log

    recorded = read_log.read_reads(run_dir)[DATASET]["files"]
    assert recorded == registry.DATASETS[DATASET].checksums(data_copy)
