"""Issue 23, warm path: the data checks' verdicts remembered under the data fingerprint.

A warm sweep must not import pandas, pandera or matplotlib; the remembered verdicts must be the
ones the checks give, and any change under ``data/`` must make them be computed again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sanctions_model.runner import verdicts
from sanctions_model.runner.domain import Domain, cached_rules, default_rules

ROOT = Path(__file__).resolve().parents[2]


def test_manifest_digest_and_data_dir_agree_with_the_data_package():
    from sanctions_model.data import manifest, manifest_digest

    assert verdicts.data_dir() == manifest.data_dir()
    assert verdicts.manifest_digest() == manifest_digest()


def _data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "raw").mkdir(parents=True)
    (root / "manifest.json").write_text('{"files": []}')
    (root / "raw" / "a.csv").write_text("x\n1\n")
    return root


def test_the_fingerprint_sees_any_change_under_data(tmp_path, monkeypatch):
    root = _data(tmp_path)
    monkeypatch.setenv("SANCTIONS_MODEL_DATA_DIR", str(root))
    base = verdicts.data_fingerprint()
    assert verdicts.data_fingerprint() == base  # stable
    (root / "raw" / "a.csv").write_text("x\n2\n3\n")  # rewritten (size changes)
    changed = verdicts.data_fingerprint()
    assert changed != base
    os.utime(root / "raw" / "a.csv", ns=(1, 1))  # same bytes, another modification time
    assert verdicts.data_fingerprint() != changed
    (root / "cache").mkdir()
    (root / "cache" / "fetched.json").write_text("{}")  # a fetched dataset's record
    assert len({base, changed, verdicts.data_fingerprint()}) == 3
    (root / "manifest.json").write_text('{"files": [] }')
    assert verdicts.data_fingerprint() != changed


def test_verdicts_are_remembered_until_the_data_change(tmp_path, monkeypatch):
    root = _data(tmp_path)
    monkeypatch.setenv("SANCTIONS_MODEL_DATA_DIR", str(root))
    monkeypatch.setenv("SANCTIONS_MODEL_TABLE_CACHE", str(tmp_path / "cache"))
    calls = []

    def compute():
        calls.append(1)
        return "a country code"

    first = verdicts.VerdictCache()
    assert first.lookup("domain", ["country", "XX"], compute) == "a country code"
    first.save()
    again = verdicts.VerdictCache()  # another process, the same data: remembered
    assert again.lookup("domain", ["country", "XX"], compute) == "a country code"
    assert again.lookup("domain", ["country", "YY"], compute) == "a country code"
    assert len(calls) == 2
    (root / "raw" / "b.csv").write_text("y\n")
    after = verdicts.VerdictCache()
    after.lookup("domain", ["country", "XX"], compute)
    assert len(calls) == 3  # computed again
    monkeypatch.setenv("SANCTIONS_MODEL_TABLE_CACHE", "off")
    off = verdicts.VerdictCache()
    off.lookup("domain", ["country", "XX"], compute)
    off.lookup("domain", ["country", "XX"], compute)
    assert len(calls) == 5 and not off.enabled


def test_only_runs_that_read_data_under_data_dir_reuse_a_verdict():
    embedded = {"fred": {"origin": "embedded", "files": {"raw/f.csv": "ab"}}}
    assert verdicts.reads_reusable(json.dumps(embedded).encode())
    mine = {**embedded, "mine": {"origin": "reference", "files": {"file": "cd"}}}
    assert not verdicts.reads_reusable(json.dumps(mine).encode())
    assert not verdicts.reads_reusable(b"not json")


CASES = [
    (Domain("country"), "reporter", "DE"),
    (Domain("country"), "reporter", "XX"),
    (Domain("dataset", "trade"), "source", "eurostat_comext"),
    (Domain("dataset", "trade"), "source", "no_such_dataset"),
]


def test_cached_rules_give_the_checks_own_verdicts(tmp_path, monkeypatch):
    monkeypatch.setenv("SANCTIONS_MODEL_TABLE_CACHE", str(tmp_path / "cache"))
    plain = default_rules()
    for _ in range(2):  # computed, then remembered (a new cache reads the file)
        cache = verdicts.VerdictCache()
        rules = cached_rules(cache)
        for domain, name, value in CASES:
            assert rules.check(domain, name, value) == plain.check(domain, name, value)
        declared = {
            "source": (Domain("dataset", "trade"), "eurostat_comext"),
            "reporter": (Domain("reporter"), "EU27_2020"),
            "partner": (Domain("partner"), "ZZ"),
        }
        assert rules.check_together(declared) == plain.check_together(declared)
        assert "ZZ" in rules.check_together(declared)
        cache.save()


_WARM = """
import json, sys
from pathlib import Path
from sanctions_model.runner.planning import plan
from sanctions_model.runner.sweepfile import load_sweep
from sanctions_model.runner.cache import DataCheck
specs = plan(load_sweep(Path("sweeps/default.yaml")), Path(sys.argv[1]))
heavy = sorted(m for m in ("pandas", "pandera", "matplotlib") if m in sys.modules)
print(json.dumps({"runs": len(specs), "heavy": heavy, "keys": [s.key for s in specs]}))
"""


@pytest.mark.slow
def test_planning_the_default_sweep_again_imports_no_pandas(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "SANCTIONS_MODEL_TABLE_CACHE": str(tmp_path / "cache"),
    }
    out = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", _WARM, str(tmp_path / "plan")],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        out.append(json.loads(done.stdout.splitlines()[-1]))
    cold, warm = out
    assert cold["runs"] == warm["runs"] == 15 and cold["keys"] == warm["keys"]
    assert "pandas" in cold["heavy"]  # the first planning checks the data
    assert warm["heavy"] == []
