"""The README's benchmark table is generated from benchmarks/results/latest.json, never typed."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _block_module():
    spec = importlib.util.spec_from_file_location(
        "readme_block", ROOT / "benchmarks/readme_block.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_benchmark_block_is_the_latest_results():
    block = _block_module()
    assert block.main(["--check"]) == 0, "run: .venv/bin/python benchmarks/readme_block.py"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    latest = json.loads((ROOT / "benchmarks/results/latest.json").read_text(encoding="utf-8"))
    cold = next(r for r in latest["results"] if r["case"] == "1 cold sweep")
    assert f"{cold['median']:.2f} s" in readme  # the cold sweep's median, as measured


def test_a_typed_figure_in_the_block_is_caught(tmp_path):
    block = _block_module()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head, rest = readme.split(block.START, 1)
    inside, tail = rest.split(block.END, 1)
    tampered = tmp_path / "README.md"
    tampered.write_text(f"{head}{block.START}{inside.replace(' s (', ' s  (', 1)}{block.END}{tail}")
    assert block.main(["--check", "--readme", str(tampered)]) == 1
    assert block.main(["--readme", str(tampered)]) == 0  # rewritten from the JSON
    assert block.main(["--check", "--readme", str(tampered)]) == 0


def test_the_naive_loop_passes_every_sweep_parameter_as_the_notebook_expects():
    """The naive loop gave papermill ``-p controls "['fred:POILBREUSDM']"`` (text) and
    ``-p product 27`` (an int): notebook 02 refused them and two of its 15 runs stopped early, so
    the baseline skipped their computation. papermill's own parser reads back what the sweep
    passes."""
    import sys

    import yaml
    from papermill.cli import _resolve_type

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from suite.sweep import naive_parameter
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    for name, value in [("controls", ["fred:POILBREUSDM"]), ("product", "27"), ("product", None),
                        ("pre_start", "2020-01"), ("n_sims", 200), ("real", False)]:  # fmt: skip
        flag, *rest = naive_parameter(name, value)
        read = yaml.safe_load(rest[0])[name] if flag == "-y" else _resolve_type(rest[1])
        assert read == value and type(read) is type(value), (name, value, flag, rest)
