"""A sweep's tail (runner/tail.py): the findings page's charts drawn while the last runs execute.

- A chart's salt does not depend on which other sections the page has, so a chart drawn from the
  runs finished so far is the final page's chart, read back from the cache.
- On the default sweep's records with its last runs missing, the pre-drawn charts leave the final
  build fewer charts to draw, and the page is byte-for-byte the page built without them.
- The executor calls ``on_idle`` only when a worker has nothing left to start.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from sanctions_model.runner import charts, tail
from sanctions_model.runner.findings import chart_salts, draw_charts
from sanctions_model.runner.index import collect_records, ordered, write_index
from sanctions_model.runner.sweep import run_sweep

from .conftest import NOTEBOOKS, write_sweep


def test_salts_are_unique_and_do_not_move_when_other_sections_are_missing():
    keys = ["effects", "synthetic", "effects", "allies", "effects"]
    salts = chart_salts([SimpleNamespace(key=k) for k in keys])
    assert len(set(salts)) == len(salts)
    assert salts == ["effects-0", "synthetic-0", "effects-1", "allies-0", "effects-2"]
    fewer = chart_salts([SimpleNamespace(key=k) for k in ["effects", "allies"]])
    assert fewer == ["effects-0", "allies-0"]  # allies keeps its salt without synthetic


@pytest.fixture
def sweep_copy(default_site, tmp_path) -> Path:
    """A copy of the test run's default sweep (its latest timestamp folder), charts not drawn."""
    stamp = (default_site / "latest").resolve()
    target = tmp_path / "default" / stamp.name
    shutil.copytree(stamp, target)
    return target


def _counting(monkeypatch) -> list[str]:
    drawn: list[str] = []
    real = charts.draw_svg

    def draw(spec):
        drawn.append(spec.title)
        return real(spec)

    monkeypatch.setattr(charts, "draw_svg", draw)
    return drawn


@pytest.mark.xdist_group("default-sweep")
@pytest.mark.slow
def test_charts_drawn_before_the_last_runs_end_are_reused_and_change_no_byte(
    sweep_copy, tmp_path, monkeypatch
):
    records = ordered(collect_records(sweep_copy))
    drawn = _counting(monkeypatch)
    # the page as it is built without a tail: every chart drawn at the end
    plain = tmp_path / "plain"
    write_index(sweep_copy, title="Sweep default", target_dir=plain, chart_dir=tmp_path / "c0")
    total = len(drawn)
    assert total >= 6, drawn  # the default sweep's page has charts to save
    # the runs that finish last in a sweep (the shortest: longest-first order) not there yet
    last = {r.name for r in records if r.name.startswith(("05_", "01_", "02_sanction_effect-27"))}
    assert len(last) == 3
    early = [r for r in records if r.name not in last]
    cache = tmp_path / "c1"
    drawn.clear()
    pre = draw_charts(early, cache)
    assert pre == len(drawn) > 0
    drawn.clear()
    warmed = tmp_path / "warmed"
    write_index(sweep_copy, title="Sweep default", target_dir=warmed, chart_dir=cache)
    assert len(drawn) < total  # fewer charts drawn at the end
    assert len(drawn) + pre >= total  # what the tail drew was drawn, not skipped
    for name in ("index.html", "methods.html", "runs.html", "index.csv"):
        assert (warmed / name).read_bytes() == (plain / name).read_bytes(), name


@pytest.mark.xdist_group("default-sweep")
@pytest.mark.slow
def test_tail_warmer_draws_in_a_thread_and_stops_when_asked(sweep_copy, monkeypatch):
    drawn = _counting(monkeypatch)
    warmer = tail.TailWarmer(sweep_copy)
    warmer.poke()
    warmer._thread.join(120)  # a pass left to its end
    warmer.finish()
    assert warmer.passes == 1 and warmer.charts == len(drawn) > 0
    assert len(list((sweep_copy.parent / charts.CHART_DIR).glob("*.svg"))) == len(drawn)
    warmer.poke()  # after finish: no new pass
    warmer.finish()
    assert warmer.passes == 1
    # asked to stop at once: it stops after at most the chart it is drawing
    drawn.clear()
    stopped = tail.TailWarmer(sweep_copy)
    shutil.rmtree(sweep_copy.parent / charts.CHART_DIR)
    stopped.poke()
    stopped.finish()
    assert len(drawn) <= 1


def test_tail_warmer_swallows_errors(tmp_path, monkeypatch):
    calls = []

    def broken(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("a record could not be read")

    monkeypatch.setattr("sanctions_model.runner.index.collect_records", broken)
    warmer = tail.TailWarmer(tmp_path)
    warmer._work()  # in this thread: an error escaping it would fail the test
    assert calls and warmer.passes == 0
    warmer.poke()  # and in its own thread, finished without a pass
    warmer.finish()
    assert len(calls) == 2 and warmer.passes == 0


@pytest.mark.slow
def test_on_idle_is_called_when_a_worker_has_nothing_left_to_start(tmp_path, kernel, monkeypatch):
    pokes: list[str] = []

    class Recording(tail.TailWarmer):
        def poke(self) -> None:
            pokes.append("poke")
            super().poke()

    monkeypatch.setattr("sanctions_model.runner.sweep.TailWarmer", Recording)
    sweep = write_sweep(
        tmp_path / "s.yaml",
        f"name: t\nnotebooks:\n  - path: {NOTEBOOKS}/ok.ipynb\n    product: {{n: [1, 2, 3, 4]}}\n",
    )
    result = run_sweep(sweep, output_root=tmp_path / "out", workers=2, quiet=True)
    assert sorted(r.status for r in result.records) == ["ok"] * 4
    # 4 runs on 2 workers: only the 3rd run's end leaves a worker idle with nothing to start
    # (after the 4th, no run is left: publishing follows at once)
    assert pokes == ["poke"]
