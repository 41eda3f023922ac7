"""The parameter contract: parsing, coercion, validation messages, domain rules, safe injection."""

from __future__ import annotations

import ast
import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanctions_model.errors import ParameterError
from sanctions_model.runner.cli import main
from sanctions_model.runner.domain import NO_RULES, DomainRules, country_code_rule, make_period_rule
from sanctions_model.runner.execute import inject_parameters
from sanctions_model.runner.parameters import (
    inspect_parameters,
    parse_parameters_source,
    read_notebook,
    validate_parameters,
)

from .conftest import NOTEBOOKS

SOURCE = """from typing import Literal
reporter: str = "DEU"  # reporting country
reporters: list[str] = ["DEU", "FRA"]  # several
window: int = 24  # months
alpha: float = 0.05  # level
log: bool = False  # log scale
flow: Literal["exports", "imports"] = "exports"  # direction
end: str | None = None  # last month
months: list[int] = [1, 2]  # months
untyped = 3  # no annotation
computed = len("abc")  # not a literal
"""


@pytest.fixture
def params():
    return parse_parameters_source(SOURCE)


def test_parse_names_types_defaults_help(params):
    by_name = {p.name: p for p in params}
    assert list(by_name) == [
        "reporter",
        "reporters",
        "window",
        "alpha",
        "log",
        "flow",
        "end",
        "months",
        "untyped",
        "computed",
    ]
    assert by_name["flow"].type == "Literal['exports', 'imports']"
    assert by_name["reporters"].default == ["DEU", "FRA"]
    assert by_name["window"].help == "months"
    assert by_name["untyped"].type == "int"
    assert (
        by_name["computed"].default is None and by_name["computed"].default_source == "len('abc')"
    )
    with pytest.raises(AttributeError):
        by_name["window"].name = "x"  # frozen


@pytest.mark.parametrize(
    ("name", "given", "expected"),
    [
        ("window", "3", 3),
        ("window", 7, 7),
        ("alpha", "0.1", 0.1),
        ("alpha", 1, 1.0),
        ("log", "true", True),
        ("log", "no", False),
        ("flow", "imports", "imports"),
        ("end", "None", None),
        ("end", "2023-01", "2023-01"),
        ("reporters", "DEU, ITA", ["DEU", "ITA"]),
        ("reporters", '["DEU", "ITA"]', ["DEU", "ITA"]),
        ("months", "1,2,3", [1, 2, 3]),
    ],
)
def test_coercion_of_command_line_strings(params, name, given, expected):
    assert validate_parameters(params, {name: given}, rules=NO_RULES) == {name: expected}


@pytest.mark.parametrize(
    ("name", "given", "fragment"),
    [
        ("window", "three", "an integer"),
        ("window", True, "an integer"),
        ("window", 2.5, "an integer"),
        ("alpha", "nan", "a number"),
        ("log", "maybe", "true or false"),
        ("flow", "sideways", "one of 'exports', 'imports'"),
        ("months", "1,x", "a list of integer"),
        ("reporter", 5, "a string"),
    ],
)
def test_wrong_values_name_parameter_value_and_allowed(params, name, given, fragment):
    with pytest.raises(ParameterError) as info:
        validate_parameters(params, {name: given}, rules=NO_RULES)
    message = str(info.value)
    assert repr(name) in message and repr(given) in message and fragment in message
    assert info.value.exit_code == 2


def test_unknown_parameter_lists_the_known_ones(params):
    with pytest.raises(
        ParameterError, match=r"unknown parameter 'windw'.*allowed parameters: alpha, computed"
    ):
        validate_parameters(params, {"windw": 3}, rules=NO_RULES)


DOMAIN_SOURCE = """from typing import Literal
reporter: str = "DEU"  # reporting country [domain: country]
reporters: list[str] = ["DEU", "FRA"]  # several [domain: country]
end: str | None = None  # last month [domain: period]
trend: Literal["local level", "local linear trend"] = "local level"  # no domain: ends in 'end'
weekend: str = "sat"  # no domain either
"""


def test_domains_are_declared_not_guessed_from_names():
    params = {p.name: p for p in parse_parameters_source(DOMAIN_SOURCE)}
    assert str(params["end"].domain) == "period" and params["end"].help == "last month"
    assert params["trend"].domain is None and params["weekend"].domain is None
    from sanctions_model.runner.domain import default_rules

    one_by_one = dataclasses.replace(default_rules(), data=None)  # no data loaded here
    out = validate_parameters(
        tuple(params.values()), {"trend": "local linear trend", "weekend": "sun"}, rules=one_by_one
    )
    assert out == {"trend": "local linear trend", "weekend": "sun"}
    with pytest.raises(ParameterError, match="unknown domain 'perod'"):
        parse_parameters_source('x: str = "a"  # help [domain: perod]')


def test_domain_rules_country_and_period():
    params = parse_parameters_source(DOMAIN_SOURCE)
    rules = DomainRules(
        by_domain={
            "country": lambda n, v: (
                None
                if set(v if isinstance(v, list) else [v]) <= {"DEU", "RUS", "FRA"}
                else "a known country code"
            ),
            "period": make_period_rule(lambda: ("2012-01", "2024-06")),
        },
    )
    assert validate_parameters(params, {"reporter": "RUS", "end": "2024-06-30"}, rules=rules)
    with pytest.raises(ParameterError, match=r"'reporter': value 'XXX' .*known country code"):
        validate_parameters(params, {"reporter": "XXX"}, rules=rules)
    with pytest.raises(ParameterError, match=r"'reporters': value \['DEU', 'ZZZ'\]"):
        validate_parameters(params, {"reporters": ["DEU", "ZZZ"]}, rules=rules)
    with pytest.raises(ParameterError, match=r"'end': value '2030-01' .*2012-01 to 2024-06"):
        validate_parameters(params, {"end": "2030-01"}, rules=rules)
    with pytest.raises(ParameterError, match="YYYY-MM"):
        validate_parameters(params, {"end": "Feb 2022"}, rules=rules)
    with pytest.raises(ParameterError, match="real calendar date"):
        validate_parameters(params, {"end": "2022-02-30"}, rules=rules)
    assert validate_parameters(params, {"end": None}, rules=rules) == {"end": None}


def test_default_country_rule_tolerates_missing_data_layer():
    # Passes whether or not sanctions_model.data exists yet; with it, DEU must be known.
    assert country_code_rule("reporter", "DE") is None
    assert country_code_rule("reporters", ["DE", None]) is None


def test_inspect_cli(capsys):
    assert main(["inspect", str(NOTEBOOKS / "ok.ipynb")]) == 0
    out = capsys.readouterr().out
    assert "flow" in out and "Literal['exports', 'imports']" in out and "direction" in out


def test_run_cli_rejects_bad_parameter_before_any_kernel(capsys, tmp_path):
    code = main(
        ["run", str(NOTEBOOKS / "ok.ipynb"), "-p", "n", "lots", "--output-dir", str(tmp_path / "r")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "'n'" in err and "'lots'" in err and "an integer" in err
    assert not (tmp_path / "r").exists()


HOSTILE = [
    "'); import os; os.system('x') #",
    '"""; import os #',
    "line1\nimport os\nos.system('x')",
    "back\\slash\\\" and ' quotes",
    "\x00nul and \u2028 separator \U0001f600",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_strings_are_injected_as_literals(value):
    nb = inject_parameters(
        read_notebook(NOTEBOOKS / "hostile.ipynb"), {"text": value, "items": [value]}
    )
    cell = next(c for c in nb.cells if "injected-parameters" in c.metadata["tags"])
    tree = ast.parse(cell.source)
    assert all(isinstance(s, ast.Assign) for s in tree.body) and len(tree.body) == 2
    assert ast.literal_eval(tree.body[0].value) == value


@settings(max_examples=60, deadline=None)
@given(st.text(), st.lists(st.text(max_size=5), max_size=3))
def test_any_string_round_trips_through_injection(text, items):
    nb = inject_parameters(
        read_notebook(NOTEBOOKS / "hostile.ipynb"), {"text": text, "items": items}
    )
    cell = next(c for c in nb.cells if "injected-parameters" in c.metadata["tags"])
    values = {s.targets[0].id: ast.literal_eval(s.value) for s in ast.parse(cell.source).body}
    assert values == {"text": text, "items": items}


def test_fixture_notebooks_declare_parameters():
    assert [p.name for p in inspect_parameters(NOTEBOOKS / "sleeps.ipynb")] == ["seconds"]


def test_source_must_name_an_embedded_or_cached_dataset():
    from sanctions_model.runner.domain import dataset_rule, make_dataset_rule

    assert dataset_rule("source", "eurostat_comext") is None
    message = dataset_rule("source", "eurostat_comex")
    assert (
        message is not None and "eurostat_comext" in message and "sanctions-model fetch" in message
    )
    trade = make_dataset_rule("trade")
    assert trade("source", "eurostat_comext") is None
    assert "'fred' holds indicators" in trade("source", "fred")
