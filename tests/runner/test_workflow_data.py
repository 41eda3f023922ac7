"""Your own data by name (issue 15, item 4), through the command line as a user types it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sanctions_model.cli import main
from sanctions_model.data import load_trade
from sanctions_model.data.connectors import cache

from .conftest import write_sweep

REPO = Path(__file__).resolve().parents[2]
EFFECT = str(REPO / "notebooks" / "02_sanction_effect.ipynb")
HEADER = "reporter,partner,flow,product,period,value,currency,unit_scale\n"
ROWS = [
    "FI,RU,export,TOTAL,2021-01,812.5,EUR,1000000",
    "FI,RU,export,TOTAL,2021-02,800,EUR,1000000",
    "FI,RU,export,TOTAL,2021-03,790.25,EUR,1000000",
    "FI,KZ,export,TOTAL,2021-01,20,EUR,1000000",
]


@pytest.fixture
def user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SANCTIONS_MODEL_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_data_add_trade_csv_by_name_then_use_it_as_source(user_cache, capsys):
    path = _write(user_cache / "finland.csv", ROWS)
    assert main(["data", "add", "trade", str(path), "--name", "fi_trade"]) == 0
    out = capsys.readouterr().out
    assert "as 'fi_trade': 4 rows, 2021-01 to 2021-03" in out and "source: fi_trade" in out
    frame = load_trade("fi_trade", partner="RU")
    assert frame["value"].sum() == pytest.approx(812.5 + 800 + 790.25)
    assert set(frame["source"]) == {"fi_trade"} and str(frame["period"].dtype) == "period[M]"

    # a notebook's source: the data check now runs against this file
    sweep = write_sweep(
        user_cache / "s.yaml",
        f"name: mine\nnotebooks: [{EFFECT}]\nparameters: {{source: fi_trade, pre_start: 2021-01,"
        " intervention: 2021-03}\nproduct: {reporter: [FI], partner: [RU]}\n",
    )
    # three months hold no pre-period for the placebo backtest: refused before any kernel
    assert main(["sweep", str(sweep), "--dry-run", "--output-root", str(user_cache / "o")]) == 2
    err = capsys.readouterr().err
    assert "'2021-03' is only 2 months after pre_start '2021-01'" in err
    assert "at least 21 months after pre_start" in err
    # what the file does not hold is refused before any kernel, naming what it holds
    code = main(["run", EFFECT, "-p", "source", "fi_trade", "-p", "partner", "CN"])
    assert code == 2
    assert "partner CN not in dataset 'fi_trade'; available: KZ, RU" in capsys.readouterr().err
    args = ["-p", "source", "fi_trade", "-p", "partner", "KZ", "-p", "pre_start", "2021-01"]
    assert main(["run", EFFECT, *args, "-p", "intervention", "2021-03"]) == 2
    err = capsys.readouterr().err
    assert "period '2021-03' is outside dataset 'fi_trade' for partner KZ" in err
    assert "covers 2021-01 to 2021-01" in err


def test_data_list_counts_are_integers_and_folders_are_shown(user_cache, capsys, monkeypatch):
    """Loading every embedded dataset takes minutes on a cold table cache: one embedded row here."""
    import sanctions_model.data as data

    real_catalog = data.catalog
    path = _write(user_cache / "finland.csv", ROWS)
    assert main(["data", "add", "trade", str(path), "--name", "fi_trade"]) == 0
    capsys.readouterr()

    def small_catalog(include_cached: bool = True) -> pd.DataFrame:
        saved = data.DATASETS
        data.DATASETS = {"fred": saved["fred"]}
        try:
            return real_catalog(include_cached=include_cached)
        finally:
            data.DATASETS = saved

    monkeypatch.setattr(data, "catalog", small_catalog)
    assert main(["data", "list"]) == 0
    listing = capsys.readouterr().out
    (row,) = [line for line in listing.splitlines() if line.strip().startswith("fi_trade")]
    assert " 4 " in row and "trade" in row and ".0" not in row
    assert f"fetched and added datasets folder: {user_cache / 'cache'}" in listing
    assert "from SANCTIONS_MODEL_CACHE_DIR" in listing and "embedded data folder:" in listing
    assert main(["data", "list", "--format", "csv"]) == 0
    csv_rows = capsys.readouterr().out.splitlines()
    assert any(r.startswith("fi_trade,cached,trade") and ",4," in r for r in csv_rows)


def test_data_add_trade_parquet(user_cache, capsys):
    frame = pd.DataFrame(
        {
            "reporter": ["TR", "TR"],
            "partner": ["RU", "RU"],
            "flow": ["export", "export"],
            "product": ["TOTAL", "TOTAL"],
            "period": ["2022", "2023"],
            "value": [9.3, 10.8],
            "currency": ["USD", "USD"],
            "unit_scale": [1_000_000_000, 1_000_000_000],
        }
    )
    frame.to_parquet(user_cache / "tr.parquet")
    assert main(["data", "add", "trade", str(user_cache / "tr.parquet"), "--name", "tr"]) == 0
    loaded = load_trade("tr")
    assert str(loaded["period"].dtype) == "period[Y-DEC]" and loaded["value"].sum() == 20.1


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            ["FI,RU,export,TOTAL,2021-01,lots,EUR,1"],
            "row 2, column 'value': value 'lots' is not a number",
        ),
        (["FI,RU,export,TOTAL,Jan 2021,1,EUR,1"], "row 2, column 'period': period 'Jan 2021'"),
        (["FI,RU,export,TOTAL,2021-01,1,EUR,1", "FI,RU,export,TOTAL,2021,1,EUR,1"], "row 3"),
        (["FI,RU,exports,TOTAL,2021-01,1,EUR,1"], "flow"),
        (["FI,ZZ,export,TOTAL,2021-01,1,EUR,1"], "partner"),
        (["FI,RU,export,TOTAL,2021-01,-5,EUR,1"], "value"),
        (["FI,RU,export,TOTAL,2021-01,1,EUR,1", "FI,RU,export,TOTAL,2021-01,2,EUR,1"], "unique"),
    ],
)
def test_data_add_trade_rejects_bad_files_naming_row_and_column(user_cache, capsys, rows, message):
    path = _write(user_cache / "bad.csv", rows)
    assert main(["data", "add", "trade", str(path), "--name", "bad"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(path) in err and message in err, err
    assert cache.read_record("bad") is None


def test_data_add_names_and_schema_errors(user_cache, capsys):
    path = user_cache / "wrong.csv"
    path.write_text("reporter,partner,value\nFI,RU,1\n")
    assert main(["data", "add", "trade", str(path), "--name", "w"]) == 1
    assert "missing" in capsys.readouterr().err
    good = _write(user_cache / "ok.csv", ROWS[:1])
    assert main(["data", "add", "trade", str(good)]) == 2
    assert "--name NAME" in capsys.readouterr().err
    assert main(["data", "add", "trade", str(good), "--name", "eurostat_comext"]) == 2
    assert "is an embedded dataset" in capsys.readouterr().err
    assert main(["data", "add", "trade", str(good), "--name", "../x"]) == 2
    assert "not allowed" in capsys.readouterr().err


def test_fetch_name_is_checked_before_any_download_and_an_alias_loads(user_cache, capsys):
    assert main(["data", "fetch", "eurostat", "--partner", "RU", "--name", "bad/name"]) == 2
    assert "dataset name 'bad/name' is not allowed" in capsys.readouterr().err
    # what `fetch ... --name ru_eu` stores after a download: an alias of the hash-named entry
    frame = pd.DataFrame(
        {
            "reporter": "EU27_2020",
            "partner": "RU",
            "flow": "export",
            "product": "TOTAL",
            "period": pd.period_range("2023-01", periods=3, freq="M"),
            "value": [1.0, 2.0, 4.0],
            "currency": "EUR",
            "unit_scale": 1,
            "source": "eurostat-0123456789",
        }
    )
    provenance = {"source": "eurostat", "query": {"partner": ["RU"]}, "url": "u", "sha256_raw": "x"}
    cache.store("eurostat-0123456789", frame, kind="trade", provenance=provenance)
    cache.store_alias("ru_eu", "eurostat-0123456789")
    assert load_trade("ru_eu")["value"].sum() == 7.0
    assert cache.checksums("ru_eu") == cache.checksums("eurostat-0123456789")
    assert main(["run", EFFECT, "-p", "source", "ru_eu", "-p", "partner", "KZ"]) == 2
    assert "partner KZ not in dataset 'ru_eu'; available: RU" in capsys.readouterr().err
    record = json.loads((user_cache / "cache" / "ru_eu.json").read_text())
    assert record["alias_of"] == "eurostat-0123456789"


def test_connector_names_listed_without_importing_them_match_the_connectors():
    from sanctions_model.data.connectors import CONNECTORS
    from sanctions_model.data.connectors.cli import SOURCES

    assert tuple(sorted(CONNECTORS)) == SOURCES


def test_data_check_names_shipped_files_that_no_dataset_reads(capsys, monkeypatch):
    """A new folder under data/raw/ is not silently ignored (here: every dataset but fred unknown)."""
    import sanctions_model.data as data

    monkeypatch.setattr(data, "DATASETS", {"fred": data.DATASETS["fred"]})
    assert main(["data", "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok  fred ")
    assert "shipped file(s) are read by no dataset" in out
    assert "    raw/imf_imts/RU_trade.csv" in out.splitlines()
    assert not any(line.strip().startswith("raw/fred/") for line in out.splitlines())
