"""The ``models.py`` of a domain: one ``ContractModel`` per object schema.

A model is a typed view of JSON that its schema has already judged (the
runtime checks every instance against ``__contract_schema__`` before pydantic
sees it), so its fields carry no constraints of their own: only the Python
type, the wire name where it differs, and what happens when a property is
left out: the schema's default, ``None`` where null is allowed, else
``MISSING`` (the property is then absent on the wire, never ``null``).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import escape
from .annotations import model_annotation
from .doc_text import sentence
from .ir import AnyType, DomainDef, FieldDef, ModelDef
from .render import ENVIRONMENT, import_lines
from .schema_types import is_nullable


@dataclass(frozen=True, slots=True)
class FieldView:
    name: str
    annotation: str
    default: str | None
    docstring: str | None


@dataclass(frozen=True, slots=True)
class ModelView:
    name: str
    docstring: str
    schema: str
    fields: tuple[FieldView, ...]


def _field_view(field: FieldDef, imports: set[tuple[str, str]]) -> FieldView:
    annotation = model_annotation(field.type, imports)
    default: str | None = None
    if field.required:
        pass  # a default never applies to a required property
    elif field.has_default:
        default = escape.json_value(field.default)
    elif not field.required and is_nullable(field.type) and not isinstance(field.type, AnyType):
        default = "None"
    elif not field.required:
        imports.add(("pydantic", "MISSING"))
        annotation, default = f"{annotation} | MISSING", "MISSING"
    if field.field_name != field.wire_name:
        imports.update({("typing", "Annotated"), ("pydantic", "Field")})
        alias = escape.string_literal(field.wire_name)
        annotation = f"Annotated[{annotation}, Field(alias={alias})]"
    return FieldView(
        name=field.field_name,
        annotation=annotation,
        default=default,
        docstring=escape.docstring(field.description) if field.description else None,
    )


def _model_view(model: ModelDef, imports: set[tuple[str, str]]) -> ModelView:
    return ModelView(
        name=model.class_name,
        docstring=escape.docstring(model.description, fallback=sentence(model.location)),
        schema=escape.json_value(model.contract_schema),
        fields=tuple(_field_view(field, imports) for field in model.fields),
    )


def models_module(domain: DomainDef, header: str) -> str:
    """The source of ``models.py`` for ``domain`` (unformatted; ruff formats it later)."""
    imports: set[tuple[str, str]] = {
        ("jobcontracts.runtime.contract", "ContractModel"),
        ("jobcontracts.runtime.contract", "JsonSchema"),
        ("typing", "ClassVar"),
    }
    views = [_model_view(model, imports) for model in domain.models]
    return ENVIRONMENT.get_template("models.py.jinja").render(
        header=header, imports=import_lines(imports), models=views
    )
