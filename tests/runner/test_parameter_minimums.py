"""Counts, shares and minimums between parameters, refused before any kernel starts (issue 21,
item 11 and "Smaller"; issue 22, "Minimums before a kernel").

``n_placebos=0`` used to pass validation and fail in cell 16 with a KeyError; a pre-period too
short for the placebo backtest failed after the estimate was computed; ``pre_start`` after the
intervention reported a seasonal-adjustment message. Each is now one line naming the parameter,
exit status 2, and no output folder.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from sanctions_model.errors import ParameterError
from sanctions_model.runner.bounds import Bound, Relation, parse_clause
from sanctions_model.runner.cli import main
from sanctions_model.runner.domain import NO_RULES, split_help
from sanctions_model.runner.parameters import (
    inspect_parameters,
    parse_parameters_source,
    validate_parameters,
)

from .conftest import write_sweep

REPO = Path(__file__).resolve().parents[2]
NB02 = REPO / "notebooks" / "02_sanction_effect.ipynb"
SHIPPED = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"n_placebos": "0"},
            "parameter 'n_placebos': value 0 is not allowed; allowed: a number >= 1",
        ),
        ({"n_sims": "50"}, "parameter 'n_sims': value 50 is not allowed; allowed: a number >= 100"),
        (
            {"alpha": "0"},
            "parameter 'alpha': value 0.0 is not allowed; allowed: a number > 0 and < 0.5",
        ),
        (
            {"pre_start": "2021-01"},
            "parameter 'intervention': '2022-03' is only 14 months after pre_start '2021-01'; "
            "allowed: at least 21 months after pre_start",
        ),
        (
            {"pre_start": "2023-01"},
            "parameter 'pre_start': '2023-01' is after intervention '2022-03'",
        ),
        (
            {"intervention": "2019-01"},
            "parameter 'intervention': '2019-01' is the same as pre_start '2019-01'",
        ),
    ],
)
def test_run_refuses_counts_and_short_pre_periods_before_a_kernel(
    tmp_path, capsys, overrides, message
):
    out = tmp_path / "run"
    args = ["run", str(NB02), "--output-dir", str(out)]
    for name, value in overrides.items():
        args += ["-p", name, value]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "seasonal" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_sweep_refuses_a_grid_with_a_count_out_of_its_domain(tmp_path, capsys):
    sweep = write_sweep(
        tmp_path / "s.yaml",
        f"name: s\nnotebooks: [{NB02}]\nproduct: {{n_placebos: [6, 0]}}\n",
    )
    assert main(["sweep", str(sweep), "--output-root", str(tmp_path / "o"), "--quiet"]) == 2
    assert "parameter 'n_placebos': value 0 is not allowed" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_every_count_and_share_of_the_shipped_notebooks_declares_its_domain():
    """Integers that are not years (counts) and every float carry bounds: no kernel starts with
    ``n_sims=0`` or ``alpha=2`` anywhere."""
    missing = []
    for path in SHIPPED:
        for p in inspect_parameters(path):
            is_year = p.type == "int" and isinstance(p.default, int) and 1900 <= p.default <= 2100
            if p.type in ("int", "float") and not is_year:
                if p.domain is None or not any(isinstance(c, Bound) for c in p.domain.clauses):
                    missing.append(f"{path.name}: {p.name}")
    assert not missing, missing


def test_the_declared_pre_period_minimum_matches_the_placebo_backtest():
    from sanctions_model.models.counterfactual.backtest import placebo_backtest

    min_pre = inspect.signature(placebo_backtest).parameters["min_pre"].default
    (intervention,) = [p for p in inspect_parameters(NB02) if p.name == "intervention"]
    (relation,) = [c for c in intervention.domain.clauses if isinstance(c, Relation)]
    # placebo_backtest needs n_pre - 1 >= min_pre + 2 months before the intervention
    assert relation == Relation(min_pre + 3, "months", "after", "pre_start")


def test_clauses_parse_and_render():
    assert parse_clause(">= 1") == Bound(">=", 1.0)
    assert parse_clause("<0.5") == Bound("<", 0.5)
    assert parse_clause("at least 3 years after pre_start") == Relation(
        3, "years", "after", "pre_start"
    )
    assert parse_clause("before event") == Relation(1, "months", "before", "event")
    help_text, domain = split_help("draws [domain: >= 100, <= 1e6]")
    assert help_text == "draws" and str(domain) == ">= 100, <= 1e+06"
    _, domain = split_help("first month [domain: period of x, at least 21 months after pre_start]")
    assert (domain.kind, domain.argument) == ("period", "x")
    assert str(domain) == "period of x, at least 21 months after pre_start"
    with pytest.raises(ValueError, match="is not one of"):
        split_help("n [domain: >= one]")
    with pytest.raises(ParameterError, match="parameter 'n'.*is not one of"):
        parse_parameters_source("n: int = 1  # count [domain: count]\n".replace("count]", ">= x]"))


def test_bounds_on_lists_none_and_years():
    declared = parse_parameters_source(
        "\n".join(
            [
                "start: int = 2010  # first year",
                "end: int = 2022  # first post year [domain: >= 1990, at least 3 years after start]",
                "weights: list[float] = [0.5]  # shares [domain: >= 0, <= 1]",
                "cap: float | None = None  # optional cap [domain: > 0]",
            ]
        )
    )

    def check(**overrides):
        return validate_parameters(declared, overrides, rules=NO_RULES)

    assert check(weights=[0.0, 1.0], cap=None) == {"weights": [0.0, 1.0], "cap": None}
    with pytest.raises(ParameterError, match=r"'weights': value \[0.5, 1.5\]"):
        check(weights=[0.5, 1.5])
    with pytest.raises(ParameterError, match="'cap': value -1.0"):
        check(cap=-1)
    with pytest.raises(ParameterError, match="'end': 2012 is only 2 years after start 2010"):
        check(end=2012)
    with pytest.raises(ParameterError, match="'start': 2030 is after end 2022"):
        check(start=2030)
    assert check(start=2019) == {"start": 2019}


def test_run_refuses_an_output_folder_inside_a_published_sweep(tmp_path, capsys):
    stamp = tmp_path / "outputs" / "s" / "20260101T000000Z"
    run_dir = stamp / "ok-abc"
    run_dir.mkdir(parents=True)
    (run_dir / "run.json").write_text('{"name": "ok-abc", "notebook": "ok.ipynb", "status": "ok"}')
    (stamp / "sweep.json").write_text("{}")
    before = sorted(p.name for p in run_dir.iterdir())
    nb = REPO / "tests" / "runner" / "notebooks" / "ok.ipynb"
    assert main(["run", str(nb), "--output-dir", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert re.search(r"is a run of the published sweep 20260101T000000Z", err), err
    assert sorted(p.name for p in run_dir.iterdir()) == before
