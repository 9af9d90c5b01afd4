"""Pydantic models through datamodel-code-generator, fenced in so its output stays safe.

datamodel-code-generator only ever sees a schema built here from the
intermediate model: every object is a named ``$defs`` entry, every field name
is pinned through ``aliases``, descriptions are withheld. Its output is then
parsed, checked against what was asked for (classes, fields, aliases, string
constants), docstrings are added, and every string literal is re-emitted
through ``escape`` — so a surprise in its output fails loudly instead of
producing broken or unsafe code.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterator
from typing import Any

from . import escape
from .errors import GeneratorBug
from .ir import (
    AnyType,
    ArrayType,
    DomainDef,
    LiteralType,
    MapType,
    ModelDef,
    ModelType,
    ScalarType,
    TypeRef,
    UnionType,
)
from .load import as_list

_FIXED_STRINGS = frozenset({"forbid", "allow", "ignore"})
_MODEL_CONFIG = {"validate_by_name": True, "validate_by_alias": True, "serialize_by_alias": True}


def _options() -> dict[str, Any]:
    """Pinned datamodel-code-generator options; changing one changes every model."""
    from datamodel_code_generator._format_types import PythonVersion
    from datamodel_code_generator.enums import DataModelType, InputFileType

    return {
        "input_file_type": InputFileType.JsonSchema,
        "output_model_type": DataModelType.PydanticV2BaseModel,
        "target_python_version": PythonVersion.PY_311,
        "target_pydantic_version": "2.11",
        "disable_timestamp": True,
        "naming_strategy": "parent-prefixed",
        "collapse_root_models": True,
        "skip_root_model": True,
        "enum_field_as_literal": "all",
        "use_annotated": True,
        "field_constraints": True,
        "use_standard_collections": True,
        "use_union_operator": True,
        "use_double_quotes": True,
        "allow_population_by_field_name": True,
        "use_schema_description": False,
        "use_field_description": False,
        "formatters": [],
    }


def _schema_for(type_: TypeRef) -> dict[str, Any]:
    if isinstance(type_, ScalarType):
        schema: dict[str, Any] = {"type": type_.kind}
        if type_.format is not None:
            schema["format"] = type_.format
        schema.update(type_.constraints)
        return schema
    if isinstance(type_, LiteralType):
        return {"enum": list(type_.values)}
    if isinstance(type_, ArrayType):
        return {"type": "array", "items": _schema_for(type_.items), **dict(type_.constraints)}
    if isinstance(type_, MapType):
        values: Any = True if type_.values is None else _schema_for(type_.values)
        return {"type": "object", "additionalProperties": values}
    if isinstance(type_, ModelType):
        return {"$ref": f"#/$defs/{type_.class_name}"}
    if isinstance(type_, UnionType):
        null = [m for m in type_.members if isinstance(m, ScalarType) and m.kind == "null"]
        rest = [m for m in type_.members if m not in null]
        if null and len(rest) == 1 and isinstance(rest[0], ScalarType | ArrayType):
            # ``type: [string, null]`` keeps constraints on the field instead of a RootModel.
            inner = _schema_for(rest[0])
            return {**inner, "type": [inner["type"], "null"]}
        return {"anyOf": [_schema_for(member) for member in type_.members]}
    assert isinstance(type_, AnyType)
    return {}


def domain_schema(domain: DomainDef) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON Schema handed to datamodel-code-generator and the field names it must use."""
    definitions: dict[str, Any] = {}
    aliases: dict[str, str] = {}
    for model in domain.models:
        properties: dict[str, Any] = {}
        for field in model.fields:
            schema = _schema_for(field.type)
            if field.has_default:
                schema["default"] = field.default
            properties[field.wire_name] = schema
            aliases[f"{model.class_name}.{field.wire_name}"] = field.field_name
        entry: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "required": [field.wire_name for field in model.fields if field.required],
        }
        if model.additional_properties is not None:
            entry["additionalProperties"] = model.additional_properties
        definitions[model.class_name] = entry
    return {"$defs": definitions}, aliases


def run_datamodel_codegen(domain: DomainDef) -> str:
    from datamodel_code_generator import generate

    schema, aliases = domain_schema(domain)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        output = generate(schema, aliases=aliases, **_options())
    if not isinstance(output, str):
        raise GeneratorBug("datamodel-code-generator returned several modules for one domain")
    return output


def models_module(domain: DomainDef, header: str) -> str:
    """The source of ``models.py`` for ``domain`` (unformatted; ruff formats it later)."""
    tree = ast.parse(run_datamodel_codegen(domain))
    _check_and_decorate(tree, domain)
    tokens = _Tokens(ast.unparse(tree))
    _StringsToTokens(tokens).visit(tree)
    source = ast.unparse(tree)
    return header + tokens.substitute(source) + "\n"


def _string_constants(node: ast.AST) -> Iterator[str]:
    for child in ast.walk(node):
        if (
            isinstance(child, ast.Constant)
            and isinstance(child.value, str)
            and not isinstance(child.value, _Doc)
        ):
            yield child.value


def _expected_strings(domain: DomainDef) -> set[str]:
    expected: set[str] = set(_FIXED_STRINGS)

    def visit(type_: TypeRef) -> None:
        if isinstance(type_, LiteralType):
            expected.update(v for v in type_.values if isinstance(v, str))
        elif isinstance(type_, ScalarType):
            expected.update(v for _, v in type_.constraints if isinstance(v, str))
        elif isinstance(type_, ArrayType):
            visit(type_.items)
        elif isinstance(type_, MapType) and type_.values is not None:
            visit(type_.values)
        elif isinstance(type_, UnionType):
            for member in type_.members:
                visit(member)

    for model in domain.models:
        for field in model.fields:
            expected.add(field.wire_name)
            visit(field.type)
            if isinstance(field.default, str):
                expected.add(field.default)
            expected.update(v for v in as_list(field.default) or [] if isinstance(v, str))
    return expected


def _check_and_decorate(tree: ast.Module, domain: DomainDef) -> None:
    """Verify the output is exactly the requested models; add docstrings and config."""
    models = {model.class_name: model for model in domain.models}
    expected_strings = _expected_strings(domain)
    seen: set[str] = set()
    body: list[ast.stmt] = []
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom | ast.Import):
            body.append(statement)
            continue
        if not isinstance(statement, ast.ClassDef) or statement.name not in models:
            raise GeneratorBug(
                f"unexpected statement in generated models: {ast.unparse(statement)[:200]}"
            )
        seen.add(statement.name)
        _decorate_class(statement, models[statement.name])
        body.append(statement)
    if seen != set(models):
        raise GeneratorBug(f"datamodel-code-generator did not emit {sorted(set(models) - seen)}")
    if not any(
        isinstance(s, ast.ImportFrom)
        and s.module == "pydantic"
        and any(a.name == "ConfigDict" for a in s.names)
        for s in body
    ):
        body.insert(1, ast.ImportFrom(module="pydantic", names=[ast.alias("ConfigDict")], level=0))
    tree.body = body
    unexpected = set(_string_constants(tree)) - expected_strings
    if unexpected:
        raise GeneratorBug(f"unexpected strings in generated models: {sorted(unexpected)[:5]}")


class _Doc(str):
    """Marks a string constant that is a docstring, so it is rendered as one."""

    __slots__ = ()


def _decorate_class(node: ast.ClassDef, model: ModelDef) -> None:
    fields = [s for s in node.body if isinstance(s, ast.AnnAssign)]
    names = [s.target.id for s in fields if isinstance(s.target, ast.Name)]
    if names != [field.field_name for field in model.fields]:
        raise GeneratorBug(f"{model.class_name}: fields {names} differ from the requested ones")
    new_body: list[ast.stmt] = [
        ast.Expr(ast.Constant(_Doc(model.description or f"The {model.class_name} schema."))),
        _config_statement(node),
    ]
    for statement, field in zip(fields, model.fields, strict=True):
        _check_alias(statement, field.wire_name, model.class_name)
        new_body.append(statement)
        if field.description:
            new_body.append(ast.Expr(ast.Constant(_Doc(field.description))))
    node.body = new_body


def _config_statement(node: ast.ClassDef) -> ast.stmt:
    """``model_config`` with DMCG's keys plus by-name/by-alias validation and dump by alias."""
    keywords: dict[str, ast.expr] = {}
    for statement in node.body:
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and statement.targets[0].id == "model_config"
            and isinstance(statement.value, ast.Call)
        ):
            for keyword in statement.value.keywords:
                if keyword.arg is not None:
                    keywords[keyword.arg] = keyword.value
    keywords.pop("populate_by_name", None)
    for key, value in _MODEL_CONFIG.items():
        keywords[key] = ast.Constant(value)
    call = ast.Call(
        func=ast.Name("ConfigDict"),
        args=[],
        keywords=[ast.keyword(arg=key, value=keywords[key]) for key in sorted(keywords)],
    )
    return ast.Assign(targets=[ast.Name("model_config")], value=call, lineno=0)


def _check_alias(statement: ast.AnnAssign, wire_name: str, class_name: str) -> None:
    aliases = [
        keyword.value.value
        for call in ast.walk(statement.annotation)
        if isinstance(call, ast.Call)
        for keyword in call.keywords
        if keyword.arg == "alias" and isinstance(keyword.value, ast.Constant)
    ]
    if aliases != [wire_name]:
        raise GeneratorBug(f"{class_name}: alias {aliases!r} differs from wire name {wire_name!r}")


class _Tokens:
    """Placeholders for string constants, replaced by ``escape`` output after unparsing."""

    def __init__(self, source: str) -> None:
        prefix = "JOBCTLSTR"
        while prefix in source:
            prefix += "X"
        self.prefix = prefix
        self.values: list[tuple[str, bool]] = []

    def token(self, value: str, *, doc: bool) -> str:
        self.values.append((value, doc))
        return f"{self.prefix}{len(self.values) - 1}Z"

    def substitute(self, source: str) -> str:
        pattern = re.compile(rf"(\"\"\"|\'\'\'|'|\"){self.prefix}(\d+)Z(\1)")

        def replace(match: re.Match[str]) -> str:
            value, doc = self.values[int(match.group(2))]
            return escape.docstring(value) if doc else escape.string_literal(value)

        result, count = pattern.subn(replace, source)
        if count != len(self.values) or self.prefix in result:
            raise GeneratorBug("string placeholders were not all substituted exactly once")
        return result


class _StringsToTokens(ast.NodeTransformer):
    def __init__(self, tokens: _Tokens) -> None:
        self.tokens = tokens

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, str):
            return ast.Constant(
                self.tokens.token(str(node.value), doc=isinstance(node.value, _Doc))
            )
        return node
