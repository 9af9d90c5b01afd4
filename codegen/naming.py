"""The only way user-chosen names become Python identifiers in generated code.

Every identifier the templates print was produced or checked here (property
names: in ``attributes``), so a name from ``jobs.yaml`` can never inject code,
shadow an import, or collide with a keyword.
"""

from __future__ import annotations

import keyword
import re
import unicodedata

LOWER_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
"""Domain and job keys: lower_snake, no double or trailing underscore."""

PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
"""Definition names, which become class names verbatim."""

MAX_NAME_LENGTH = 48

PYTHON_RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)

# Names that annotations in generated modules may refer to: a field or class
# with one of these names would shadow it inside the class body.
TYPE_NAMES = frozenset(
    {
        "None",
        "True",
        "False",
        "int",
        "float",
        "str",
        "bool",
        "bytes",
        "list",
        "dict",
        "set",
        "frozenset",
        "tuple",
        "type",
        "object",
        "complex",
        "Any",
        "Annotated",
        "Literal",
        "NotRequired",
        "Required",
        "TypedDict",
        "Protocol",
        "overload",
        "Mapping",
        "Sequence",
        "StrEnum",
        "Enum",
        "BaseModel",
        "ConfigDict",
        "Field",
        "RootModel",
        "AnyUrl",
        "AwareDatetime",
        "NaiveDatetime",
        "EmailStr",
        "UUID",
        "UUID1",
        "UUID3",
        "UUID4",
        "UUID5",
        "IPv4Address",
        "IPv6Address",
        "Decimal",
        "date",
        "datetime",
        "time",
        "timedelta",
        "constr",
        "conint",
        "confloat",
        "conlist",
        "annotations",
        "Model",
        "TypeAliasType",
        "AsyncJob",
        "Backoff",
        "Connection",
        "Duration",
        "Job",
        "JobContext",
        "JobDefaults",
        "JobDefinition",
        "JobOptions",
        "QueueDefinition",
        "RemovePolicy",
        "Repeat",
        "Retention",
        "Worker",
        "WorkerSettings",
        "enqueue",
        "enqueue_async",
    }
)

AMBIGUOUS_NAMES = frozenset({"l", "I", "O"})
"""Names ruff rejects (E741) because they look like digits."""


def name_problem(name: str, *, kind: str) -> str | None:
    """Why ``name`` cannot be a domain or job key, or ``None`` when it can."""
    if not LOWER_SNAKE.match(name):
        return (
            f"{kind} name {name!r} must be lower_snake_case: a lowercase letter, then lowercase "
            "letters, digits and single underscores, not ending in an underscore"
        )
    if name in PYTHON_RESERVED:
        return f"{kind} name {name!r} is a Python keyword"
    if name in AMBIGUOUS_NAMES or upper_snake(name) in AMBIGUOUS_NAMES:
        return (
            f"{kind} name {name!r} is too easily confused with 0, 1 or I (in it or its UPPER form)"
        )
    if len(name) > MAX_NAME_LENGTH:
        return f"{kind} name {name!r} is longer than {MAX_NAME_LENGTH} characters"
    return None


def definition_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a shared definition (it becomes a class name)."""
    if not PASCAL.match(name):
        return (
            f"definition name {name!r} must be PascalCase ASCII letters and digits, e.g. 'Address'"
        )
    if name in PYTHON_RESERVED or name in TYPE_NAMES:
        return f"definition name {name!r} is reserved (it is a name the generated code imports)"
    if len(name) > MAX_NAME_LENGTH:
        return f"definition name {name!r} is longer than {MAX_NAME_LENGTH} characters"
    return None


def pascal_case(name: str) -> str:
    """``sync_data`` -> ``SyncData``; only for names that passed a check here."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def upper_snake(name: str) -> str:
    """``sync_data`` -> ``SYNC_DATA``; only for validated lower_snake names."""
    return name.upper()


def looks_like_identifier(name: str) -> bool:
    """What ruff's UP013 accepts as a class-syntax TypedDict key."""
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("__")


def is_plain_identifier(name: str) -> bool:
    """Whether ``name`` can be a TypedDict key in class syntax and mean itself.

    Python NFKC-normalises identifiers (``\ufb01`` becomes ``fi``) and
    name-mangles ``__x`` inside a class body; such keys need the functional
    syntax to keep their wire name.
    """
    return looks_like_identifier(name) and unicodedata.normalize("NFKC", name) == name
