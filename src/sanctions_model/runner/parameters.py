"""The parameter contract of a notebook: read it, check overrides against it before any kernel starts.

A notebook declares its parameters in the cell tagged ``parameters``, one per line::

    reporter: str = "DEU"  # reporting country (ISO3)
    flow: Literal["exports", "imports"] = "exports"  # direction of trade
    partners: list[str] = ["RUS"]  # partner countries
    window: int = 24  # months before and after
    end: str | None = None  # last month, None for the end of the data

:func:`inspect_parameters` reads these into :class:`Parameter` objects (the defaults with
:func:`ast.literal_eval`, never ``eval``). :func:`validate_parameters` coerces overrides (strings
from the command line such as ``"3"`` become ``3`` where the type says ``int``) and raises
:class:`~sanctions_model.errors.ParameterError` naming the parameter, the value and what is allowed
for an unknown name, a wrong type, a value outside a ``Literal`` set or outside the parameter's
declared domain. A domain is declared at the end of the help comment, e.g.
``intervention: str = "2022-03"  # first month [domain: period]`` or
``n_placebos: int = 6  # placebo dates [domain: >= 1]``; see :mod:`sanctions_model.runner.bounds`
for bounds and minimums between parameters and
:mod:`sanctions_model.runner.domain` for the domains and the check of the data's combinations
(reporter, partner, flow, source, period range), all before any kernel starts.
"""

from __future__ import annotations

import ast
import io
import math
import re
import tokenize
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sanctions_model.errors import ParameterError
from sanctions_model.runner.bounds import check_bounds, check_relations
from sanctions_model.runner.domain import Domain, DomainRules, default_rules, split_help

if TYPE_CHECKING:  # nbformat imports jsonschema (0.3-1 s): imported where a notebook is read
    import nbformat

_NONE_WORDS = {"none", "null", "~"}
_TRUE_WORDS = {"true", "yes", "on", "1"}
_FALSE_WORDS = {"false", "no", "off", "0"}
_INT = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True)
class TypeSpec:
    """A parsed annotation: ``kind`` is one of any, none, str, int, float, bool, list, literal, union."""

    kind: str
    args: tuple[Any, ...] = ()

    def describe(self) -> str:
        if self.kind == "list":
            return f"a list of {self.args[0].describe().removeprefix('a ').removeprefix('an ')}"
        if self.kind == "literal":
            return "one of " + ", ".join(repr(a) for a in self.args)
        if self.kind == "union":
            return " or ".join(a.describe() for a in self.args)
        return {
            "any": "any value",
            "none": "None",
            "str": "a string",
            "int": "an integer",
            "float": "a number",
            "bool": "true or false",
        }[self.kind]


ANY = TypeSpec("any")
_SIMPLE = {name: TypeSpec(name) for name in ("str", "int", "float", "bool")}


def parse_annotation(text: str) -> TypeSpec:
    """Parse an annotation such as ``list[str]``, ``Literal['a', 'b']`` or ``str | None``."""
    if not text.strip():
        return ANY
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return ANY
    return _spec_from_node(node)


def _spec_from_node(node: ast.expr) -> TypeSpec:
    if isinstance(node, ast.Constant):
        if node.value is None:
            return TypeSpec("none")
        if isinstance(node.value, str):  # a quoted annotation: "list[str]"
            return parse_annotation(node.value)
        return ANY
    if isinstance(node, ast.Attribute):  # typing.Optional -> Optional
        return _spec_from_node(ast.Name(id=node.attr))
    if isinstance(node, ast.Name):
        if node.id in _SIMPLE:
            return _SIMPLE[node.id]
        if node.id in ("list", "List", "tuple", "Sequence"):
            return TypeSpec("list", (ANY,))
        if node.id == "None":
            return TypeSpec("none")
        return ANY
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union(_spec_from_node(node.left), _spec_from_node(node.right))
    if isinstance(node, ast.Subscript):
        head = (
            node.value.attr
            if isinstance(node.value, ast.Attribute)
            else getattr(node.value, "id", "")
        )
        inner = node.slice
        elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
        if head in ("list", "List", "Sequence", "tuple"):
            return TypeSpec("list", (_spec_from_node(elts[0]),))
        if head == "Literal":
            values = []
            for elt in elts:
                try:
                    values.append(ast.literal_eval(elt))
                except ValueError:
                    return ANY
            return TypeSpec("literal", tuple(values))
        if head == "Optional":
            return _union(_spec_from_node(elts[0]), TypeSpec("none"))
        if head == "Union":
            spec = _spec_from_node(elts[0])
            for elt in elts[1:]:
                spec = _union(spec, _spec_from_node(elt))
            return spec
    return ANY


def _union(left: TypeSpec, right: TypeSpec) -> TypeSpec:
    if ANY in (left, right):
        return ANY
    parts = (left.args if left.kind == "union" else (left,)) + (
        right.args if right.kind == "union" else (right,)
    )
    return TypeSpec("union", parts)


def _infer(default: Any) -> TypeSpec:
    for kind, types in (("bool", bool), ("int", int), ("float", float), ("str", str)):
        if isinstance(default, types):
            return _SIMPLE[kind]
    if isinstance(default, list):
        return TypeSpec("list", (_infer(default[0]) if default else ANY,))
    return ANY


@dataclass(frozen=True)
class Parameter:
    """One notebook parameter, as declared in the ``parameters`` cell."""

    name: str
    type: str
    """The annotation as written, or the type inferred from the default when there is none."""
    default: Any
    """The default's value (a literal), or None when ``default_source`` is not a literal."""
    default_source: str
    help: str
    domain: Domain | None = None
    """What the value must be beyond its type (``[domain: ...]`` in the help comment)."""

    @property
    def spec(self) -> TypeSpec:
        return parse_annotation(self.type)


class _Invalid(Exception):
    pass


def _coerce(spec: TypeSpec, value: Any) -> Any:
    kind = spec.kind
    if kind == "any":
        return value
    if kind == "none":
        if value is None or (isinstance(value, str) and value.strip().lower() in _NONE_WORDS):
            return None
        raise _Invalid
    if kind == "union":
        # None first so that "None" from the command line is not taken as the string "None".
        for option in sorted(spec.args, key=lambda s: s.kind != "none"):
            try:
                return _coerce(option, value)
            except _Invalid:
                continue
        raise _Invalid
    if kind == "str":
        if isinstance(value, str):
            return value
        if hasattr(value, "isoformat") and not isinstance(value, int | float):
            return value.isoformat()  # YAML reads 2022-02-24 as a date
        raise _Invalid
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE_WORDS | _FALSE_WORDS:
            return value.strip().lower() in _TRUE_WORDS
        raise _Invalid
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _INT.match(value.strip()):
            if len(value.strip().lstrip("+-")) > 100:  # int() refuses > 4,300 digits anyway
                raise _Invalid
            return int(value.strip())
        raise _Invalid
    if kind == "float":
        if isinstance(value, bool):
            raise _Invalid
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                raise _Invalid from None
        else:
            raise _Invalid
        if not math.isfinite(number):
            raise _Invalid
        return number
    if kind == "list":
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import yaml

                from sanctions_model.runner import yamlsafe

                try:
                    value = yamlsafe.safe_load(text)
                except yaml.YAMLError:
                    raise _Invalid from None
            else:
                value = [item.strip() for item in text.split(",")] if text else []
        if not isinstance(value, list | tuple):
            raise _Invalid
        return [_coerce(spec.args[0], item) for item in value]
    if kind == "literal":
        for allowed in spec.args:
            if type(allowed) is type(value) and allowed == value:
                return value
        if isinstance(value, str):
            for allowed in spec.args:
                if str(allowed) == value.strip() or (
                    isinstance(allowed, bool) and value.strip().lower() == str(allowed).lower()
                ):
                    return allowed
        raise _Invalid
    raise _Invalid  # pragma: no cover


def coerce_value(parameter: Parameter, value: Any) -> Any:
    """``value`` converted to ``parameter``'s type, or :class:`ParameterError`."""
    spec = parameter.spec
    try:
        return _coerce(spec, value)
    except _Invalid:
        raise ParameterError(
            f"parameter {parameter.name!r}: value {_show(value)} is not allowed; "
            f"allowed: {spec.describe()} (declared type {parameter.type})"
        ) from None


def _show(value: Any) -> str:
    from sanctions_model.runner.yamlsafe import short_repr

    return short_repr(value, 80)  # bounded: never the repr of a huge value in full


# -- reading the parameters cell ------------------------------------------------------------------


def parameters_cell_source(nb: nbformat.NotebookNode) -> str | None:
    """The source of the first cell tagged ``parameters``, or None."""
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell.source if isinstance(cell.source, str) else "".join(cell.source)
    return None


def parse_parameters_source(source: str) -> tuple[Parameter, ...]:
    """Parse ``name: type = default  # help`` lines (assignments without an annotation too)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"the parameters cell is not valid Python: {exc}") from None
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
    found: dict[str, Parameter] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            name, annotation, value = stmt.target.id, ast.unparse(stmt.annotation), stmt.value
        elif (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            name, annotation, value = stmt.targets[0].id, "", stmt.value
        else:
            continue
        default_source = ast.unparse(value) if value is not None else ""
        try:
            default = ast.literal_eval(value) if value is not None else None
        except ValueError:
            default = None
        if isinstance(default, tuple):
            default = list(default)
        if not annotation:
            inferred = _infer(default)
            annotation = _type_text(inferred)
        help_text = next(
            (
                comments[line]
                for line in range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1)
                if line in comments
            ),
            "",
        )
        try:
            help_text, domain = split_help(help_text)
        except ValueError as exc:
            raise ParameterError(f"the parameters cell: parameter {name!r}: {exc}") from None
        found[name] = Parameter(name, annotation, default, default_source, help_text, domain)
    return tuple(found.values())


def _type_text(spec: TypeSpec) -> str:
    if spec.kind == "list":
        return f"list[{_type_text(spec.args[0])}]" if spec.args[0] != ANY else "list"
    return spec.kind if spec.kind != "any" else ""


def inspect_parameters(path: str | Path | nbformat.NotebookNode) -> tuple[Parameter, ...]:
    """The parameters a notebook declares (empty when it has no ``parameters`` cell)."""
    nb = read_notebook(path, light=True) if isinstance(path, str | Path) else path
    source = parameters_cell_source(nb)
    return () if source is None else parse_parameters_source(source)


def read_notebook(path: str | Path, *, light: bool = False) -> nbformat.NotebookNode:
    """An ``.ipynb`` or a jupytext ``.py`` notebook; an ``.ipynb`` whose paired ``.py`` was edited
    later is refused (see :mod:`sanctions_model.runner.pairs`).

    ``light=True``: for reading cells only (parameters, cache key), an nbformat-4 ``.ipynb`` is
    read without importing nbformat (:mod:`.nbread`); a notebook to execute needs the default.
    """
    from sanctions_model.runner import pairs

    if Path(path).suffix == ".py":
        return pairs.read_py(path)
    pairs.check_pair(path)
    try:
        if light:
            from sanctions_model.runner.nbread import read_cells

            cells = read_cells(path)
            if cells is not None:
                return cells  # type: ignore[return-value]
        import nbformat

        return nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise ParameterError(f"notebook {str(path)!r} does not exist") from None
    except Exception as exc:  # nbformat raises several types for a malformed file
        raise ParameterError(f"notebook {str(path)!r} is not a readable notebook: {exc}") from None


# -- validating overrides ------------------------------------------------------------------------


def validate_parameters(
    parameters: Sequence[Parameter],
    overrides: Mapping[str, Any],
    *,
    rules: DomainRules | None = None,
    where: str = "",
) -> dict[str, Any]:
    """Check and coerce ``overrides`` against ``parameters``; return the coerced overrides.

    Raises
    ------
    ParameterError
        Naming the parameter, the value and what is allowed. ``where`` (e.g. the notebook) is
        prefixed to the message.
    """
    rules = default_rules() if rules is None else rules
    declared = {p.name: p for p in parameters}
    prefix = f"{where}: " if where else ""
    out: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in declared:
            allowed = ", ".join(sorted(declared)) or "none (the notebook has no parameters cell)"
            raise ParameterError(
                f"{prefix}unknown parameter {name!r} (value {_show(value)}); allowed parameters: {allowed}"
            )
        try:
            coerced = coerce_value(declared[name], value)
        except ParameterError as exc:
            raise ParameterError(prefix + str(exc)) from None
        domain = declared[name].domain
        problem = rules.check(domain, name, coerced)
        if problem is None and domain is not None:
            problem = check_bounds(domain.clauses, coerced)
        if problem is not None:
            raise ParameterError(
                f"{prefix}parameter {name!r}: value {_show(coerced)} is not allowed; allowed: {problem}"
            )
        out[name] = coerced
    resolved = resolve_parameters(parameters, out)
    problem = rules.check_together(
        {p.name: (p.domain, resolved[p.name]) for p in parameters if p.domain is not None}
    )
    if problem is None:  # values the data hold, then what they need of each other
        problem = check_relations(
            {p.name: p.domain.clauses for p in parameters if p.domain is not None}, resolved
        )
    if problem is not None:
        raise ParameterError(prefix + problem)
    return out


def resolve_parameters(
    parameters: Sequence[Parameter], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """Every declared parameter's value for a run: the override if given, else the default."""
    values = {p.name: p.default for p in parameters}
    values.update(overrides)
    return values
