"""The warm path of the findings page: charts kept under a hash of their data, the page's body
built once for the sweep folder and its root copy, and no matplotlib when nothing changed
(hand-made sweep folders, no kernel)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sanctions_model.reporting import format as fmt
from sanctions_model.runner import charts, findings
from sanctions_model.runner.charts import CHART_DIR, ChartSpec, chart_svg
from sanctions_model.runner.index import write_index

from .test_findings import RECORDS, _record, _sweep

SPEC = ChartSpec(
    labels=("EU27 exports to Russia", "EU27 exports to Kyrgyzstan"),
    values=(-0.5659, 7.657),
    lowers=(-0.6901, 2.9),
    uppers=(-0.3544, 20.1),
    scale="relative",
    title="Effects of the sanctions",
    reference=None,
    salt="effects-0",
)


def _no_drawing(spec: ChartSpec) -> str:
    raise AssertionError(f"chart {spec.title!r} drawn although cached")


def test_a_chart_is_drawn_once_then_read_back(tmp_path, monkeypatch):
    first = chart_svg(SPEC, tmp_path)
    stored = list(tmp_path.glob("*.svg"))
    assert [p.name for p in stored] == [f"{SPEC.key()}.svg"]
    assert first.startswith("<svg") and "<title>Effects of the sanctions</title>" in first
    assert first == charts.draw_svg(SPEC)  # the cache holds what drawing gives
    monkeypatch.setattr(charts, "draw_svg", _no_drawing)
    assert chart_svg(SPEC, tmp_path) == first


def test_the_key_follows_every_input_and_the_drawing_code(monkeypatch):
    keys = {SPEC.key()}
    for change in (
        {"values": (-0.5659, 7.658)},
        {"lowers": (-0.6901, None)},
        {"uppers": (-0.3544, float("nan"))},
        {"labels": ("EU27 exports to Russia", "EU27 exports to Armenia")},
        {"scale": "log"},
        {"title": "Effects"},
        {"reference": 1.0},
        {"salt": "effects-1"},
    ):
        keys.add(ChartSpec(**{**SPEC.__dict__, **change}).key())
    assert len(keys) == 9
    assert ChartSpec(**SPEC.__dict__).key() == SPEC.key()  # same data, same key
    monkeypatch.setattr(charts, "code_version", lambda: "plots.py edited")
    assert SPEC.key() not in keys  # a change to the drawing code draws again


def test_a_damaged_or_foreign_file_is_drawn_again(tmp_path):
    path = tmp_path / f"{SPEC.key()}.svg"
    good = chart_svg(SPEC, tmp_path)
    for bad in ("", "<svg", "not a chart</svg>", good[: len(good) // 2]):
        path.write_text(bad, encoding="utf-8")
        assert chart_svg(SPEC, tmp_path) == good
        assert path.read_text(encoding="utf-8") == good


def test_an_unwritable_cache_still_gives_the_chart(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("x")
    assert chart_svg(SPEC, blocked / CHART_DIR) == charts.draw_svg(SPEC)


def _disk_full(*args: object) -> None:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("step", ["fsync", "replace"])  # before the rename, and the rename itself
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch, step):
    """A write that fails half-way keeps a stored chart as it was, stores nothing where there was
    nothing, and leaves no temporary file; the chart is still returned."""
    path = tmp_path / f"{SPEC.key()}.svg"
    old = "<svg>an older drawing</svg>"
    path.write_text(old, encoding="utf-8")
    monkeypatch.setattr(charts, "draw_svg", lambda spec: f"<svg>{spec.salt}</svg>")
    monkeypatch.setattr(os, step, _disk_full)
    with pytest.raises(OSError, match="No space"):
        charts._write(tmp_path, path, "<svg>new</svg>")
    assert path.read_text(encoding="utf-8") == old
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    empty = tmp_path / "empty"
    assert chart_svg(SPEC, empty) == f"<svg>{SPEC.salt}</svg>"  # the error is swallowed
    assert list(empty.iterdir()) == []  # no chart, no temporary file


def test_the_cache_keeps_the_most_recently_used(tmp_path, monkeypatch):
    monkeypatch.setattr(charts, "draw_svg", lambda spec: f"<svg>{spec.salt}</svg>")
    for i in range(6):
        spec = ChartSpec(**{**SPEC.__dict__, "salt": str(i)})
        chart_svg(spec, tmp_path)
        os.utime(tmp_path / f"{spec.key()}.svg", (1_000_000 + i,) * 2)  # increasing use times
    charts._prune(tmp_path, keep=4)
    kept = {p.read_text() for p in tmp_path.glob("*.svg")}
    assert kept == {f"<svg>{i}</svg>" for i in (2, 3, 4, 5)}
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_root_copy_reuses_the_body_and_differs_only_in_links_title_and_note(tmp_path, monkeypatch):
    stamp = _sweep(tmp_path)
    root = stamp.parent
    built = []
    real = findings._build_body
    monkeypatch.setattr(findings, "_build_body", lambda *a: built.append(1) or real(*a))
    findings._last_body = None
    write_index(stamp, title=f"Sweep default ({stamp.name})")
    write_index(stamp, title="Sweep default", target_dir=root, link_prefix=f"{stamp.name}/")
    assert len(built) == 1
    inner = (stamp / "index.html").read_text()
    outer = (root / "index.html").read_text()
    body = inner[inner.index('<section id="answers">') :]
    for r in RECORDS:
        body = body.replace(f'"{r.name}/report.html"', f'"{stamp.name}/{r.name}/report.html"')
    assert outer[outer.index('<section id="answers">') :] == body
    assert f'href="{stamp.name}/02-RU/report.html"' in outer
    assert 'href="02-RU/report.html"' in inner and "\x00" not in outer and "%00" not in outer
    # a record that changes builds the body again; so does a changed notebook
    (stamp / "02-RU" / "run.json").write_text(
        (stamp / "02-RU" / "run.json").read_text().replace("-0.5659", "-0.5")
    )
    write_index(stamp, title="Sweep default", target_dir=root, link_prefix=f"{stamp.name}/")
    assert len(built) == 2 and "-50%" in (root / "index.html").read_text()
    (stamp / "02-RU" / "notebook.ipynb").write_text("{}")
    write_index(stamp, title="Sweep default", target_dir=root, link_prefix=f"{stamp.name}/")
    assert len(built) == 3


def test_a_page_from_cached_charts_equals_a_freshly_drawn_one(tmp_path, monkeypatch):
    stamp = _sweep(tmp_path)
    findings._last_body = None
    write_index(stamp, title="Sweep default")
    drawn = (stamp / "index.html").read_text()
    assert len(list((stamp.parent / CHART_DIR).glob("*.svg"))) == drawn.count("<svg")
    findings._last_body = None
    monkeypatch.setattr(charts, "draw_svg", _no_drawing)
    write_index(stamp, title="Sweep default")
    assert (stamp / "index.html").read_text() == drawn


_WARM = """
import json, sys
from pathlib import Path
from sanctions_model.runner.index import write_index
stamp = Path(sys.argv[1])
write_index(stamp, title=f"Sweep default ({stamp.name})")
write_index(stamp, title="Sweep default", target_dir=stamp.parent, link_prefix=f"{stamp.name}/")
print(json.dumps(sorted(m for m in ("matplotlib", "matplotlib.pyplot") if m in sys.modules)))
"""


def _pages_in_a_new_process(stamp: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_WARM), str(stamp)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.slow
def test_a_warm_rebuild_imports_no_matplotlib(tmp_path):
    stamp = _sweep(tmp_path)
    assert _pages_in_a_new_process(stamp) == ["matplotlib", "matplotlib.pyplot"]  # cold: draws
    first = (stamp.parent / "index.html").read_text()
    assert _pages_in_a_new_process(stamp) == []  # warm: every chart read back
    assert (stamp.parent / "index.html").read_text() == first
    more = {"reporter": "EU27_2020", "partner": "AM", "effect": 0.2, "lower": 0.1, "upper": 0.3}
    records = [*RECORDS, _record("02-AM", "02_sanction_effect", more, partner="AM")]
    changed = _sweep(tmp_path / "other", records)
    (changed.parent / CHART_DIR).symlink_to(stamp.parent / CHART_DIR)
    assert _pages_in_a_new_process(changed) == ["matplotlib", "matplotlib.pyplot"]  # new data


@pytest.mark.parametrize(
    "value", ["2022-03", "1999-12", "0999-01", "2022-13", "2022-00", "2022-03-15", "2022Q1", "x"]
)
def test_months_read_without_pandas_as_pandas_reads_them(value):
    import pandas as pd

    try:
        want = pd.Period(value, freq="M").strftime("%b %Y")
    except (TypeError, ValueError):
        want = value
    assert fmt.month(value) == want


def test_partial_year_labels_match_pandas():
    import pandas as pd

    for first in range(1, 13):
        for months in range(1, 12):
            start = pd.Period(year=2024, month=first, freq="M")
            end = start + (months - 1)
            want = start.strftime("%b") if months == 1 else f"{start:%b}-{end:%b}"
            assert fmt.period_label(2024, months, first_month=first) == f"2024, {want}"
