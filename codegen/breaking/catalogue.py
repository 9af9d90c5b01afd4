"""Every rule ``jobctl breaking`` knows, by stable rule ID (data only; the types are in ``rules``).

Rule IDs are part of the command's interface (CI filters on them): never
rename one, only add.
"""

from __future__ import annotations

from .rules import Category, Effect, Role, Rule

_N, _W, _B, _0 = Effect.NARROWS, Effect.WIDENS, Effect.NARROWS | Effect.WIDENS, Effect.NONE
_WIRE, _API, _INFO = Category.WIRE, Category.API, Category.INFO
_PAYLOAD_ONLY, _RESULT_ONLY = (Role.PAYLOAD,), (Role.RESULT,)

RULES: tuple[Rule, ...] = (
    # -- domains and jobs ----------------------------------------------------
    Rule(
        "DOMAIN_REMOVED",
        _WIRE,
        _N,
        "a domain was removed",
        "its queued jobs are never claimed again: no worker serves the queue",
        _PAYLOAD_ONLY,
    ),
    Rule(
        "DOMAIN_RENAMED",
        _WIRE,
        _N,
        "a domain was renamed (same jobs under a new key)",
        "the queue name is the domain: jobs queued under the old name are stranded",
        _PAYLOAD_ONLY,
    ),
    Rule(
        "JOB_REMOVED",
        _WIRE,
        _N,
        "a job was removed",
        "queued jobs of that name dead-letter as unknown jobs on new workers",
        _PAYLOAD_ONLY,
    ),
    Rule(
        "JOB_RENAMED",
        _WIRE,
        _N,
        "a job was renamed (same schemas under a new key)",
        "the job name is on the wire: queued jobs keep the old name, new workers lack it",
        _PAYLOAD_ONLY,
    ),
    Rule(
        "DOMAIN_ADDED",
        _INFO,
        _0,
        "a domain was added",
        "deploy its workers before producers enqueue to it",
        _PAYLOAD_ONLY,
    ),
    Rule(
        "JOB_ADDED",
        _INFO,
        _0,
        "a job was added",
        "old workers do not know it: deploy workers before producers enqueue it",
        _PAYLOAD_ONLY,
    ),
    Rule(
        "RESULT_ADDED",
        _WIRE,
        _N,
        "a job without a result schema gained one",
        "results stored by old workers are null, which the new result model rejects",
        _RESULT_ONLY,
    ),
    Rule(
        "RESULT_REMOVED",
        _WIRE,
        _W,
        "a job's result schema was removed",
        "new workers store null results, which old readers' result models reject",
        _RESULT_ONLY,
    ),
    # -- properties ----------------------------------------------------------
    Rule(
        "PROPERTY_ADDED",
        _INFO,
        _0,
        "an optional property was added to an open object",
        "documents without it stay valid, and old readers ignore it",
    ),
    Rule(
        "PROPERTY_ADDED_REQUIRED",
        _WIRE,
        _N,
        "a required property without a default was added",
        "documents written before lack it",
    ),
    Rule(
        "PROPERTY_ADDED_REQUIRED_WITH_DEFAULT",
        _WIRE,
        _N,
        "a required property with a default was added",
        "required wins over the default in the generated model, so documents written "
        "before are still rejected; leave it out of `required` to let them take the default",
    ),
    Rule(
        "PROPERTY_ADDED_TO_CLOSED",
        _WIRE,
        _W,
        "a property was added to an object with additionalProperties: false",
        "old readers of the closed object reject documents that carry it",
    ),
    Rule(
        "PROPERTY_REMOVED",
        _INFO,
        _0,
        "an optional property was removed from an open object",
        "new readers ignore it where old documents still carry it",
    ),
    Rule(
        "PROPERTY_REMOVED_REQUIRED",
        _WIRE,
        _W,
        "a required property was removed",
        "new documents lack it, and old readers still require it",
    ),
    Rule(
        "PROPERTY_REMOVED_FROM_CLOSED",
        _WIRE,
        _N,
        "a property was removed from an object with additionalProperties: false",
        "old documents still carry it, and the closed object now rejects it",
    ),
    Rule(
        "PROPERTY_BECAME_REQUIRED",
        _WIRE,
        _N,
        "an existing property was made required",
        "documents written before may lack it",
    ),
    Rule(
        "PROPERTY_BECAME_OPTIONAL",
        _WIRE,
        _W,
        "a required property was made optional",
        "new documents may lack it, and old readers still require it",
    ),
    Rule(
        "DEFAULT_CHANGED",
        _INFO,
        _0,
        "a property's default was added, changed or removed",
        "documents without the property are read with a different value",
    ),
    Rule(
        "ADDITIONAL_PROPERTIES_TIGHTENED",
        _WIRE,
        _N,
        "additionalProperties was tightened (to false, or a narrower schema)",
        "documents written before may carry properties that are now refused",
    ),
    Rule(
        "ADDITIONAL_PROPERTIES_LOOSENED",
        _WIRE,
        _W,
        "additionalProperties was loosened (from false, or to a wider schema)",
        "new documents may carry properties that old readers refuse",
    ),
    # -- types and values -----------------------------------------------------
    Rule(
        "TYPE_NARROWED",
        _WIRE,
        _N,
        "a type was narrowed (number to integer, any to string)",
        "values of the dropped type, valid before, are refused",
    ),
    Rule(
        "TYPE_WIDENED",
        _WIRE,
        _W,
        "a type was widened (e.g. integer to number)",
        "new documents may hold values of the added type, which old readers refuse",
    ),
    Rule(
        "TYPE_CHANGED",
        _WIRE,
        _B,
        "a type was replaced by an unrelated one",
        "neither side accepts what the other writes",
    ),
    Rule(
        "NULLABLE_REMOVED",
        _WIRE,
        _N,
        "null is no longer allowed",
        "documents written before may hold null",
    ),
    Rule(
        "NULLABLE_ADDED",
        _WIRE,
        _W,
        "null is now allowed",
        "new documents may hold null, which old readers refuse",
    ),
    Rule(
        "ENUM_NARROWED",
        _WIRE,
        _N,
        "enum or const values were removed, or an enum was imposed",
        "documents written before may hold a value that is gone",
    ),
    Rule(
        "ENUM_EXTENDED",
        _WIRE,
        _W,
        "enum or const values were added, or the enum was lifted",
        "new documents may hold a value that old readers do not know",
    ),
    Rule(
        "FORMAT_ADDED", _WIRE, _N, "a format was imposed", "values written before need not match it"
    ),
    Rule(
        "FORMAT_REMOVED",
        _WIRE,
        _W,
        "a format was dropped",
        "new values need not match what old readers check",
    ),
    Rule(
        "FORMAT_CHANGED",
        _WIRE,
        _B,
        "a format was replaced by another",
        "values of either format are refused by the other side",
    ),
    Rule(
        "PATTERN_ADDED",
        _WIRE,
        _N,
        "a pattern was imposed",
        "strings written before need not match it",
    ),
    Rule(
        "PATTERN_REMOVED",
        _WIRE,
        _W,
        "a pattern was dropped",
        "new strings need not match what old readers check",
    ),
    Rule(
        "PATTERN_CHANGED",
        _WIRE,
        _B,
        "a pattern was replaced by another",
        "two different patterns accept different strings; neither contains the other in general",
    ),
    Rule(
        "RANGE_TIGHTENED",
        _WIRE,
        _N,
        "minimum/maximum (or exclusive ones) added or made stricter",
        "numbers written before may fall outside the new range",
    ),
    Rule(
        "RANGE_LOOSENED",
        _WIRE,
        _W,
        "minimum/maximum (or exclusive ones) removed or relaxed",
        "new numbers may fall outside the range old readers check",
    ),
    Rule(
        "LENGTH_TIGHTENED",
        _WIRE,
        _N,
        "minLength/maxLength added or made stricter",
        "strings written before may have a length now refused",
    ),
    Rule(
        "LENGTH_LOOSENED",
        _WIRE,
        _W,
        "minLength/maxLength removed or relaxed",
        "new strings may have a length old readers refuse",
    ),
    Rule(
        "ITEMS_COUNT_TIGHTENED",
        _WIRE,
        _N,
        "minItems/maxItems added or made stricter",
        "arrays written before may have a size now refused",
    ),
    Rule(
        "ITEMS_COUNT_LOOSENED",
        _WIRE,
        _W,
        "minItems/maxItems removed or relaxed",
        "new arrays may have a size old readers refuse",
    ),
    Rule(
        "UNIQUE_ITEMS_ADDED",
        _WIRE,
        _N,
        "uniqueItems was imposed",
        "arrays written before may hold duplicates",
    ),
    Rule(
        "UNIQUE_ITEMS_REMOVED",
        _WIRE,
        _W,
        "uniqueItems was dropped",
        "new arrays may hold duplicates, which old readers refuse",
    ),
    Rule(
        "ANY_OF_MEMBER_REMOVED",
        _WIRE,
        _N,
        "a member of anyOf/oneOf was removed",
        "values that matched only that member are refused",
    ),
    Rule(
        "ANY_OF_MEMBER_ADDED",
        _WIRE,
        _W,
        "a member was added to anyOf/oneOf",
        "new values may match only the new member, which old readers do not have",
    ),
    Rule(
        "SCHEMA_CHANGED",
        _WIRE,
        _B,
        "a schema changed shape in a way no finer rule describes",
        "the two schemas cannot be compared keyword by keyword: assume both directions break",
    ),
    # -- generated Python API -------------------------------------------------
    Rule(
        "REF_TARGET_CHANGED",
        _API,
        _0,
        "an object schema's $ref target changed (or it moved between inline and a definition)",
        "the generated class of the property is renamed: code that imports or builds the old "
        "class breaks, even where the wire shape is the same (wire differences are listed "
        "as their own findings)",
    ),
    # -- defaults (information) ------------------------------------------------
    Rule(
        "ATTEMPTS_CHANGED",
        _INFO,
        _0,
        "the resolved attempts of a job changed",
        "applies to jobs enqueued from now on; queued jobs keep theirs",
        _PAYLOAD_ONLY,
    ),
    Rule(
        "BACKOFF_CHANGED",
        _INFO,
        _0,
        "the resolved backoff of a job changed",
        "applies to jobs enqueued from now on; queued jobs keep theirs",
        _PAYLOAD_ONLY,
    ),
    Rule(
        "TIMEOUT_CHANGED",
        _INFO,
        _0,
        "the resolved timeout of a job changed",
        "applies to jobs enqueued from now on; queued jobs keep theirs",
        _PAYLOAD_ONLY,
    ),
    Rule(
        "PRIORITY_CHANGED",
        _INFO,
        _0,
        "the resolved priority of a job changed",
        "applies to jobs enqueued from now on; queued jobs keep their place",
        _PAYLOAD_ONLY,
    ),
    Rule(
        "RETENTION_CHANGED",
        _INFO,
        _0,
        "remove_on_complete or remove_on_fail changed",
        "applies to jobs enqueued from now on; queued jobs keep theirs",
        _PAYLOAD_ONLY,
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def rules_table() -> str:
    """The README's rule table, generated so that it cannot drift from the catalogue."""
    lines = ["| rule | what changes | breaks | why |", "| --- | --- | --- | --- |"]
    lines.extend(
        f"| `{rule.id}` | {rule.changes} | {rule.breaks()} | {rule.why} |" for rule in RULES
    )
    return "\n".join(lines) + "\n"
