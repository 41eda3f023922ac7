"""The findings page's parts kept for the next sweep (runner/page_cache.py): the same bytes as a
fresh build, under any link prefix; a change to any record builds again."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

from sanctions_model.runner import findings, page_cache
from sanctions_model.runner.index import write_index
from sanctions_model.runner.methods import _render_methods_html, render_methods_html

from .test_findings import _sweep
from .test_real_terms import RECORDS


def test_stored_parts_equal_a_fresh_build_under_any_prefix(tmp_path):
    cache = tmp_path / "charts"
    for prefix in ("", "20261128T064404Z/", "a b/é/"):
        fresh = findings._figure_files(RECORDS, prefix)
        assert fresh  # the records have figures
        first = findings.figure_files(RECORDS, link_prefix=prefix, cache_dir=cache)
        again = findings.figure_files(RECORDS, link_prefix=prefix, cache_dir=cache)
        assert first == again == fresh
    assert len(list(cache.glob(f"*{page_cache.SUFFIX}"))) == 1  # one part for every prefix
    assert render_methods_html(RECORDS, cache_dir=cache) == _render_methods_html(RECORDS)
    assert render_methods_html(RECORDS, cache_dir=cache) == _render_methods_html(RECORDS)


def test_a_changed_record_builds_again(tmp_path):
    cache = tmp_path / "charts"
    before = render_methods_html(RECORDS, cache_dir=cache)
    changed = [dataclasses.replace(RECORDS[0], results={**RECORDS[0].results, "extra": 1})]
    changed += RECORDS[1:]
    assert page_cache.part_key("m", changed) != page_cache.part_key("m", RECORDS)
    render_methods_html(changed, cache_dir=cache)
    assert len(list(cache.glob(f"*{page_cache.SUFFIX}"))) == 2
    assert render_methods_html(RECORDS, cache_dir=cache) == before


def test_a_stored_page_read_back_is_the_page_built_fresh(tmp_path):
    """write_index in two processes (the second reads every part back) and without the store:
    the same index.html, methods.html and figure files."""
    stamp = _sweep(tmp_path, RECORDS)
    code = (
        "import sys; from pathlib import Path; from sanctions_model.runner.index import "
        "write_index; write_index(Path(sys.argv[1]), title='Sweep default', "
        "chart_dir=Path(sys.argv[2]))"
    )
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", code, str(stamp), str(tmp_path / "charts")],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "charts").glob(f"*{page_cache.SUFFIX}"))) == 3
    stored = {p.name: p.read_bytes() for p in sorted(stamp.rglob("*.*")) if p.parent == stamp}
    stored.update({p.name: p.read_bytes() for p in (stamp / "figures").glob("*.csv")})
    fresh_dir = tmp_path / "fresh"
    fresh = _sweep(fresh_dir, RECORDS)
    findings._last_body = None
    write_index(fresh, title="Sweep default")  # an empty store: everything built
    built = {p.name: p.read_bytes() for p in sorted(fresh.rglob("*.*")) if p.parent == fresh}
    built.update({p.name: p.read_bytes() for p in (fresh / "figures").glob("*.csv")})
    for name in ("index.html", "methods.html", "runs.html", "index.csv", "figures.csv"):
        assert stored[name] == built[name], name
    assert {k: v for k, v in stored.items() if k.endswith(".csv")} == {
        k: v for k, v in built.items() if k.endswith(".csv")
    }
    assert json.loads((stamp / "sweep.json").read_text())["ok"] is True
