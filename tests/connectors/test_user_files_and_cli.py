"""``data add`` for non-redistributable files, and the command line over the connectors."""

from __future__ import annotations

import shutil

import pytest

from sanctions_model.cli import main
from sanctions_model.data import connectors

from .conftest import FIXTURES, Reply, Transport


def test_gsdb_is_registered_by_reference_and_loadable(tmp_path, isolated_cache):
    path = tmp_path / "GSDB_V3.csv"
    shutil.copy(FIXTURES / "gsdb_v3.csv", path)
    record = connectors.add_user_file("gsdb", path)
    assert record["path"] == str(path.resolve()) and record["rows"] == 3
    assert not list(isolated_cache.glob("*.parquet"))  # nothing copied
    frame = connectors.load_user_file("gsdb")
    russia = frame[frame["sanctioned_state"] == "Russia"]
    assert russia["begin"].tolist() == [2014, 2014] and russia["end"].isna().all()
    assert frame["trade"].tolist() == [1, 1, 1]
    assert "gsdb" in set(connectors.list_cached()["dataset"])


def test_changed_user_file_is_detected(tmp_path):
    path = tmp_path / "gsdb.csv"
    shutil.copy(FIXTURES / "gsdb_v3.csv", path)
    connectors.add_user_file("gsdb", path)
    path.write_text(path.read_text().replace("2006", "2007"))
    with pytest.raises(connectors.CacheCorruptedError, match="data add gsdb"):
        connectors.load_user_file("gsdb")


def test_gsdb_without_its_columns_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("country,year\nRU,2014\n")
    with pytest.raises(Exception, match="not a GSDB file: missing column"):
        connectors.add_user_file("gsdb", path)


@pytest.mark.parametrize("fixture", ["opensanctions.ftm.json", "targets.simple.csv"])
def test_opensanctions_exports(fixture):
    connectors.add_user_file("opensanctions", FIXTURES / fixture)
    frame = connectors.load_user_file("opensanctions").set_index("subject_id")
    putin = frame.loc["NK-abc123"]
    assert putin["name"] == "Vladimir Vladimirovich PUTIN" and putin["subject_type"] == "individual"
    assert putin["aliases"] == ("Владимир Путин", "Vladimir Putin")
    assert frame.loc["NK-def456", "subject_type"] == "entity"
    assert "addr-1" not in frame.index


def test_unregistered_user_file_says_how_to_add_it():
    with pytest.raises(Exception, match="sanctions-model data add opensanctions PATH"):
        connectors.load_user_file("opensanctions")


def test_cli_fetch_then_cached_then_offline(capsys, monkeypatch):
    reply = Reply.file("eurostat_ds045409.sdmx.csv")
    argv = ["fetch", "eurostat", "--reporter", "DE,GR,EU27_2020", "--partner", "RU,EU27_2020_EXTRA"]
    argv += ["--start", "2022-01", "--end", "2022-02"]
    with connectors.use_transport(Transport(reply)):
        assert main(argv) == 0
    out = capsys.readouterr().out
    assert "5 rows, 2022-01 to 2022-02" in out
    monkeypatch.setenv("SANCTIONS_MODEL_OFFLINE", "1")
    with connectors.use_transport(Transport(fail_if_called=True)):
        assert main(argv) == 0  # served from the cache
        assert main(["data", "cached", "--format", "csv"]) == 0
        assert main([*argv[:2], "--partner", "CN"]) == 1
    out, err = capsys.readouterr()
    assert "eurostat-" in out and ",trade,eurostat," in out
    assert "sanctions-model fetch eurostat --reporter EU27_2020 --partner CN" in err


def test_cli_data_add_and_bad_option(capsys):
    assert main(["data", "add", "gsdb", str(FIXTURES / "gsdb_v3.csv")]) == 0
    assert "registered" in capsys.readouterr().out
    assert main(["fetch", "fred", "--reporter", "DE", "--series", "X"]) == 2
    assert "do not apply" in capsys.readouterr().err
